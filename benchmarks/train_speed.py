"""Training throughput on this machine: word pieces per second for ways of training.

Runs a few dozen optimizer steps of `unstrip train` for each variant on the
same sample of the corpora (both profiles, casing head, batch 16, started
from the shipped model) and prints the word pieces per second each reached
after its first steps (the log's rate at the last logged step). Run it when
nothing else uses the CPU: a figure measured beside other work is noise.

    python benchmarks/train_speed.py                 # all variants, 100 steps each
    python benchmarks/train_speed.py --steps 50 --variants base,window128

Variants: base (the defaults: bf16 autocast, window 256, batches of windows
of about one length, `--length-pool 64`, no attention dropout, so the fused
attention kernel), legacy (a plain shuffle, batches padded to their longest
window, and attention dropout 0.1, as in older runs), plain
(base with a plain shuffle), attdrop (base with attention dropout 0.1), fp32, window128 (shorter
windows: less attention per piece), frozen (word-piece embeddings fixed: no
gradient or AdamW update for half the weights), frozen128 (both).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
import time
from pathlib import Path

from unstrip.text.corpus import corpus_files, shared_dir
from unstrip.train.loop import main as train_main

MODEL = Path(__file__).resolve().parents[1] / "src" / "unstrip" / "data" / "model"
VARIANTS = {
    "base": [],
    "legacy": ["--length-pool", "1", "--attention-dropout", "0.1"],
    "plain": ["--length-pool", "1"],
    "attdrop": ["--attention-dropout", "0.1"],
    "fp32": ["--bf16", "off"],
    "window128": ["--window", "128", "--batch-size", "32"],
    "frozen": ["--freeze-embeddings"],
    "frozen128": ["--freeze-embeddings", "--window", "128", "--batch-size", "32"],
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=100, help="steps per variant (logged every 50)")
    ap.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    args = ap.parse_args()
    shared = shared_dir()
    if shared is None:
        print("../shared is absent: no corpus to train on", file=sys.stderr)
        return 1
    corpora = [str(p) for p in corpus_files(shared)]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.variants.split(","):
            run = Path(tmp) / name
            t0 = time.perf_counter()
            code = train_main([*corpora, "--out", str(run), "--init-from", str(MODEL),
                               "--mix-words", "300000", "--max-steps", str(args.steps),
                               "--batch-size", "16", "--eval-every", "1000000",
                               "--dev-docs", "0", "--no-progress", "--threads",
                               str(args.threads), *VARIANTS[name]])
            if code != 0:
                print(f"{name}: training failed ({code})", file=sys.stderr)
                continue
            logged = [json.loads(x) for x in (run / "log.jsonl").read_text().splitlines()]
            rate = [r["tok_per_s"] for r in logged if "tok_per_s" in r][-1]
            results[name] = (rate, time.perf_counter() - t0)
    print("command: python benchmarks/train_speed.py " + shlex.join(sys.argv[1:]))
    print("| variant | word pieces/s | wall s (with encoding) |\n|---|---|---|")
    for name, (rate, wall) in results.items():
        print(f"| {name} | {rate:,.0f} | {wall:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
