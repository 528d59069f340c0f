"""Speech-style restoration under simulated recogniser word errors, against the error rate.

A recogniser's output is lowercased and unpunctuated, and some of its words
are wrong (:mod:`unstrip.text.asr_noise`: substitutions, deletions and
insertions with the transcript's punctuation projected onto the words that
remain). This scores the restorer on the TED talks of one part of the fixed
sets (:mod:`unstrip.evaluate.evalsets`, family ``speech``, lowercased) and on
IWSLT dev2012 (blocks 1-5 with ``--part tune``, 6-10 with ``--part report``)
at each word error rate given, with the same seed for every rate, so a user
can read how much of the clean-text figure survives a recogniser.

    python benchmarks/asr_noise.py --part tune --wer 0 0.1 0.2
    python benchmarks/asr_noise.py --part report --json
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from _report import command_line
from tqdm import tqdm

from unstrip import Restorer
from unstrip.evaluate import iwslt
from unstrip.evaluate.evalsets import documents
from unstrip.evaluate.scoring import Score, score_document
from unstrip.text.asr_noise import noisy_pairs, recogniser_errors
from unstrip.text.corpus import shared_dir
from unstrip.text.profiles import lower

BLOCKS = {"tune": "1-5", "report": "6-10"}


def ted_row(restorer: Restorer, docs, part: str, wer: float, seed: int) -> dict:
    """Micro-F1 and casing on the TED talks ``docs`` of ``part`` with word errors at ``wer``."""
    total = Score(profile="lower")
    for k, d in enumerate(tqdm(docs, desc=f"TED {part}, WER {wer}", unit="doc",
                               file=sys.stderr)):
        gold = recogniser_errors(d.text, wer, seed + k)
        total += score_document(gold, restorer.restore(lower(gold), "lower"), "lower")
    return {"documents": total.documents, "micro_f1": round(total.micro_f1, 4),
            "casing_accuracy": round(total.casing_accuracy, 4)}


def iwslt_row(restorer: Restorer, pairs, wer: float, seed: int) -> dict:
    """IWSLT F1 per class and overall (percent) with word errors at ``wer``."""
    result = iwslt.evaluate_pairs(noisy_pairs(pairs, wer, seed), restorer)
    row = {k: round(100 * result.classes[k].f1, 1) for k in ("COMMA", "PERIOD", "QUESTION")}
    return {"tokens": result.tokens, **row,
            "overall": round(100 * result.overall.f1, 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="auto", help="auto, learned, baseline or a model dir")
    ap.add_argument("--part", choices=("tune", "report"), default="report",
                    help="which half of the sets (choose settings on tune only)")
    ap.add_argument("--wer", type=float, nargs="+", default=[0.0, 0.1, 0.2],
                    help="word error rates to simulate (default 0 0.1 0.2)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the simulated errors")
    ap.add_argument("--limit", type=int, default=None, help="at most N TED talks")
    ap.add_argument("--no-iwslt", action="store_true", help="skip IWSLT dev2012")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    shared = shared_dir()
    if shared is None:
        print("../shared is absent: no TED talks or IWSLT file to measure on", file=sys.stderr)
        return 1
    if any(not 0.0 <= w <= 1.0 for w in args.wer):
        ap.error("--wer takes rates between 0 and 1")
    restorer = Restorer(args.model)
    tsv = shared / "benchmarks" / "iwslt" / "dev2012.tsv"
    pairs = None
    if not args.no_iwslt and tsv.exists():
        pairs = iwslt.select_blocks(iwslt.read_tsv(tsv), BLOCKS[args.part])
    docs = documents("speech", args.part, limit=args.limit)  # read once for every rate
    t0 = time.perf_counter()
    rows = []
    for wer in args.wer:
        row = {"wer": wer, "ted": ted_row(restorer, docs, args.part, wer, args.seed)}
        if pairs is not None:
            row["iwslt"] = iwslt_row(restorer, pairs, wer, args.seed)
        rows.append(row)
    if args.json:
        print(json.dumps({"command": command_line("asr_noise.py"), "part": args.part,
                          "rows": rows}, indent=1))
        return 0
    print(f"command: {command_line('asr_noise.py')}")
    print(f"time: {time.perf_counter() - t0:.0f} s; TED {args.part} half lowercased, "
          f"IWSLT dev2012 blocks {BLOCKS[args.part]}")
    print(f"{'WER':>5} {'TED F1':>7} {'casing':>7} {'IWSLT':>6} {'COMMA':>6} {'PERIOD':>7} "
          f"{'QUESTION':>8}")
    for r in rows:
        i = r.get("iwslt", {})
        print(f"{r['wer']:>5.2f} {r['ted']['micro_f1']:>7.4f} {r['ted']['casing_accuracy']:>7.4f} "
              f"{i.get('overall', float('nan')):>6.1f} {i.get('COMMA', float('nan')):>6.1f} "
              f"{i.get('PERIOD', float('nan')):>7.1f} {i.get('QUESTION', float('nan')):>8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
