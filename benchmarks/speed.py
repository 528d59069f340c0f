"""Speed and memory of the restorer: words/s, peak RSS and model load time.

Restores a fixed text of about --words words (the first dev-split documents
of ../shared/corpora in id-hash order, stripped with the seed profile, or
lowercased and stripped with ``--profile lower`` as a speech recogniser
writes it) in
one process with onnxruntime limited to 2 threads, one document at a time
as a user's batch job would, and prints the figures with the command line.

    python benchmarks/speed.py                    # the default (learned) model
    python benchmarks/speed.py --model baseline
    python benchmarks/speed.py --spin             # onnxruntime threads busy-wait
    python benchmarks/speed.py --profile lower    # lowercased input (wider overlap)
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import time

from _report import command_line, print_figures

from unstrip import Restorer
from unstrip.models import describe, load_model
from unstrip.text.corpus import corpus_files, iter_documents
from unstrip.text.profiles import PROFILES


def bench_texts(words: int, profile: str = "seed") -> list[str]:
    files = corpus_files()
    if not files:
        raise SystemExit("../shared/corpora is absent: no dev text to time")
    docs = sorted(iter_documents(files, split="dev"),
                  key=lambda d: hashlib.sha1(d.id.encode("utf-8")).hexdigest())
    out, n = [], 0
    for d in docs:
        x = PROFILES[profile](d.text)
        out.append(x)
        n += len(x.split())
        if n >= words:
            break
    return out


def _spin_onnx() -> None:
    """Make every OnnxModel.load of this process load with ``spin=True``."""
    from unstrip.learned import OnnxModel

    load = OnnxModel.load.__func__
    OnnxModel.load = classmethod(lambda cls, *a, **k: load(cls, *a, **{**k, "spin": True}))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="auto", help="auto, learned, baseline or a model dir")
    ap.add_argument("--words", type=int, default=50_000)
    ap.add_argument("--spin", action="store_true",
                    help="let onnxruntime's threads busy-wait between operators "
                         "(its own default; unstrip turns it off)")
    ap.add_argument("--profile", choices=("seed", "lower"), default="seed",
                    help="damage the text as stripped (seed) or as a recogniser writes it (lower)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.spin:
        _spin_onnx()
    texts = bench_texts(args.words, args.profile)
    t0 = time.perf_counter()
    model = load_model(args.model)
    load_s = time.perf_counter() - t0
    restorer = Restorer(model)
    restorer.restore(texts[0][:200])  # warm-up: first-run allocations
    t0 = time.perf_counter()
    out = restorer.restore_batch(texts, profile=args.profile)
    elapsed = time.perf_counter() - t0
    words = sum(len(x.split()) for x in texts)
    damage = PROFILES[args.profile]
    assert all(damage(o) == x for o, x in zip(out, texts, strict=True))
    figures = {
        "model": describe(model),
        "profile": args.profile,
        "onnx_spinning": args.spin,
        "documents": len(texts),
        "words": words,
        "seconds": round(elapsed, 2),
        "words_per_s": round(words / elapsed),
        "model_load_s": round(load_s, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "command": command_line("speed.py"),
    }
    print_figures(figures, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
