"""Restoration quality of the current restorer on the seed article and the dev split.

Damages each gold text with a profile, restores it with `unstrip.Restorer`,
and scores the result with the measures of DESIGN.md section 2. Prints one
per-mark table per data set, then a Markdown summary for the README.

    python benchmarks/quality.py                 # seed article + all dev docs, seed profile
    python benchmarks/quality.py --profile lower --limit 300

The dev split is the `split == "dev"` documents of ../shared/corpora (about
5% of each file, fixed by a hash of the id); the restorer never trained on it.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time

from tqdm import tqdm

from unstrip import Restorer
from unstrip.evaluate.scoring import MARKS, Score, score_document
from unstrip.text.corpus import corpus_files, iter_documents, shared_dir
from unstrip.text.profiles import PROFILES

KEY_MARKS = ("period", "comma", "question", "apostrophe", "quote", "hyphen", "dash",
             "paragraph", "parenthesis", "dollar")


def evaluate(restorer: Restorer, texts: list[str], profile: str, desc: str) -> tuple[Score, float]:
    damage = PROFILES[profile]
    total = Score(profile=profile)
    words = 0
    elapsed = 0.0
    for gold in tqdm(texts, desc=desc, unit="doc", file=sys.stderr, disable=len(texts) < 20):
        x = damage(gold)
        t0 = time.perf_counter()
        pred = restorer.restore(x, profile)
        elapsed += time.perf_counter() - t0
        words += len(x.split())
        total += score_document(gold, pred, profile)
    return total, words / max(elapsed, 1e-9)


def markdown(rows: list[tuple[str, Score, float]]) -> str:
    head = ["measure", *[name for name, _, _ in rows]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def add(label: str, values: list[str]) -> None:
        lines.append("| " + " | ".join([label, *values]) + " |")

    add("documents", [str(s.documents) for _, s, _ in rows])
    add("**marks micro-F1**", [f"**{s.micro_f1:.3f}**" for _, s, _ in rows])
    for mark in KEY_MARKS:
        add(f"{mark} F1", [f"{s.per_mark()[mark]['f1']:.3f}" for _, s, _ in rows])
    add("insertion error rate", [f"{s.insertion_error_rate:.3f}" for _, s, _ in rows])
    add("CER", [f"{s.cer:.4f}" for _, s, _ in rows])
    if any(s.has_casing for _, s, _ in rows):
        add("casing accuracy", [f"{s.casing_accuracy:.3f}" for _, s, _ in rows])
        add("cased words F1", [f"{s.casing()['f1']:.3f}" for _, s, _ in rows])
    add("invariant violations", [str(s.violations) for _, s, _ in rows])
    add("words/s (this run)", [f"{wps:,.0f}" for _, _, wps in rows])
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", choices=["seed", "lower"], default="seed")
    ap.add_argument("--limit", type=int, default=None, help="at most this many dev documents")
    ap.add_argument("--json", action="store_true", help="print all measures as JSON")
    ap.add_argument("--model", default="auto", help="auto, learned, baseline or a model dir")
    args = ap.parse_args()
    shared = shared_dir()
    if shared is None:
        print("../shared is absent: nothing to measure on", file=sys.stderr)
        return 1
    restorer = Restorer(args.model)
    t0 = time.perf_counter()
    restorer.model  # load once, outside the timed part  # noqa: B018
    print(f"model load: {time.perf_counter() - t0:.2f} s", file=sys.stderr)
    rows = []
    seed_article = shared / "seeds" / "article.gold.txt"
    if seed_article.exists():
        s, wps = evaluate(restorer, [seed_article.read_text(encoding="utf-8")], args.profile,
                          "seed article")
        rows.append(("seed article", s, wps))
    dev = [d.text for d in iter_documents(corpus_files(shared), split="dev")][: args.limit]
    if dev:
        s, wps = evaluate(restorer, dev, args.profile, "dev split")
        rows.append(("corpora dev split", s, wps))
    print("command: python benchmarks/quality.py " + shlex.join(sys.argv[1:]))
    if args.json:
        print(json.dumps({name: s.to_dict() for name, s, _ in rows}, indent=2))
        return 0
    for name, s, _ in rows:
        print(f"\n== {name} ({args.profile} profile) ==")
        print(s.format_table())
    print("\n" + markdown(rows))
    assert set(KEY_MARKS) <= set(MARKS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
