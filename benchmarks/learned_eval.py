"""Quality and speed of a learned (ONNX) restorer next to the baseline.

Scores both restorers (DESIGN.md section 2 measures, :mod:`unstrip.evaluate.scoring`)
on (a) the seed article, stripped, and (b) dev-split documents of
../shared/corpora (a fixed subset: ordered by a hash of the id, as
``unstrip.train.loop`` orders them), then times the learned model restoring about
``--words`` words of stripped dev text (one long text) in one process.

    python benchmarks/learned_eval.py --model runs/cpu-minilm/model --dev-docs 200
    python benchmarks/learned_eval.py --model runs/cpu-minilm/model --json > eval.json

Nothing here trains or tunes: the seed article and the dev split are only
read for scoring.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import sys
import time
from pathlib import Path

from unstrip import Restorer
from unstrip.evaluate.scoring import score_corpus
from unstrip.text.corpus import corpus_files, iter_documents, shared_dir
from unstrip.text.profiles import seed

KEY_MARKS = ("period", "comma", "question", "apostrophe", "quote", "hyphen", "dash",
             "paragraph", "colon", "semicolon", "parenthesis", "dollar", "percent")


def dev_texts() -> list[str]:
    """Every dev document, in the fixed order of ``unstrip.train.loop``."""
    docs = list(iter_documents(corpus_files(), split="dev"))
    docs.sort(key=lambda d: hashlib.sha1(d.id.encode("utf-8")).hexdigest())
    return [d.text for d in docs]


def summary(score) -> dict:
    marks = score.per_mark()
    return {
        "documents": score.documents,
        "violations": score.violations,
        "micro_f1": round(score.micro_f1, 4),
        "micro_precision": round(score.micro_precision, 4),
        "micro_recall": round(score.micro_recall, 4),
        "ier": round(score.insertion_error_rate, 4),
        "f1": {m: round(marks[m]["f1"], 3) for m in KEY_MARKS if marks[m]["gold"]},
    }


def evaluate(restorer: Restorer, golds: list[str]) -> dict:
    return summary(score_corpus((g, restorer.restore(seed(g), profile="seed")) for g in golds))


def speed(restorer: Restorer, text: str) -> dict:
    restorer.restore(text[:2000], profile="seed")  # warm up
    t0 = time.perf_counter()
    out = restorer.restore(text, profile="seed")
    dt = time.perf_counter() - t0
    assert seed(out) == text
    words = len(text.split())
    return {"words": words, "seconds": round(dt, 2), "words_per_s": round(words / dt)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, help="exported model dir (unstrip.train.export --out)")
    ap.add_argument("--variant", default=None, help="model.onnx or model.int8.onnx")
    ap.add_argument("--dev-docs", type=int, default=200)
    ap.add_argument("--words", type=int, default=50000, help="words for the speed test")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    shared = shared_dir()
    gold_article = (shared / "seeds" / "article.gold.txt").read_text(encoding="utf-8")
    every_dev = dev_texts()
    golds = every_dev[: args.dev_docs]
    systems: dict[str, Restorer] = {"baseline": Restorer()}
    load = {}
    if args.model:
        from unstrip.learned import OnnxModel

        t0 = time.perf_counter()
        m = OnnxModel.load(args.model, threads=args.threads, variant=args.variant)
        load["learned"] = round(time.perf_counter() - t0, 2)
        systems["learned"] = Restorer(model=m)
    t0 = time.perf_counter()
    systems["baseline"].model  # noqa: B018 - load it now, to time it
    load["baseline"] = round(time.perf_counter() - t0, 2)

    words = " ".join(seed(g) for g in every_dev).split()
    text = " ".join(words[: args.words])
    result = {"dev_docs": len(golds), "load_s": load, "systems": {}}
    for name, r in systems.items():
        result["systems"][name] = {
            "article": evaluate(r, [gold_article]),
            "dev": evaluate(r, golds),
            "speed": speed(r, text),
        }
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    if args.json:
        json.dump(result, sys.stdout, indent=1)
        print()
        return 0
    for where in ("article", "dev"):
        print(f"\n== {where} ==")
        names = list(systems)
        print(f"{'':14}" + "".join(f"{n:>10}" for n in names))
        rows = ["micro_f1", "ier", "violations", *KEY_MARKS]
        for row in rows:
            vals = []
            for n in names:
                s = result["systems"][n][where]
                v = s["f1"].get(row, "-") if row in KEY_MARKS else s[row]
                vals.append(f"{v:>10}")
            print(f"{row:14}" + "".join(vals))
    print("\n== speed ==")
    for n in systems:
        sp = result["systems"][n]["speed"]
        print(f"{n}: {sp['words_per_s']} words/s ({sp['words']} words in {sp['seconds']} s), "
              f"load {load[n]} s")
    print(f"peak RSS {result['peak_rss_mb']} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
