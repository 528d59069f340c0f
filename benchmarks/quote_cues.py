"""Choose the confidences that uncued quote pairs and ``!`` need, on the tune sets.

An inserted pair of quotes without a speech verb or colon beside it, a pair
around a whole line, a pair opened after a speech verb in a short line, and
an inserted ``!`` are written only above a confidence
(`unstrip.decode.cues`). This script restores the tune sets once per
setting, with the network's scores cached so that only decoding runs again,
and prints per setting: conversation turns alone (lower and seed: share of
turns wrapped in quotes the gold lacks, quote and ``!`` precision,
micro-F1), news (seed) and TED talks (lower), each as whole documents
(quote F1, micro-F1) and as single sentences restored alone (quote
precision, micro-F1).

    python benchmarks/quote_cues.py --part tune
    python benchmarks/quote_cues.py --settings 0,0,0,0,0,0 0.7,0.99,0.6,0.3,0.7,0.9
"""

from __future__ import annotations

import argparse
import sys
import time

from _report import command_line
from tqdm import tqdm

import unstrip.restorer as restorer_module
from unstrip import Restorer
from unstrip.decode.cues import SHORT_CUED, SHORT_UNCUED
from unstrip.evaluate.conversation import LineScore, sentences, turns
from unstrip.evaluate.evalsets import documents
from unstrip.text.corpus import shared_dir
from unstrip.text.profiles import PROFILES


def _cached(predict):
    """``predict`` remembering its answers, so a second decoding skips the network."""
    memo: dict = {}

    def run(model, text, kind, pairs=None):
        key = (text, kind)
        if key not in memo:
            memo[key] = predict(model, text, kind, pairs)
        return memo[key]
    return run


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="auto")
    ap.add_argument("--part", choices=("tune", "report"), default="tune")
    ap.add_argument("--news", type=int, default=120, help="news documents")
    ap.add_argument("--ted", type=int, default=12, help="TED talks")
    ap.add_argument("--turns", type=int, default=None, help="conversation turns (all)")
    ap.add_argument("--lines", type=int, default=300,
                    help="news and TED sentences restored alone, each")
    ap.add_argument("--settings", nargs="+",
                    default=["0,0,0,0,0,0", "0.9,0.99,0.6,0.3,0.7,0.9", "0.8,0.99,0.6,0.3,0.7,0.9",
                             "0.7,0.99,0.6,0.3,0.7,0.9", "0.7,0.99,0.6,0.3,0.7,0.7"],
                    help="uncued,whole_line,exclaim,cued[,short_line[,short_uncued]] "
                    f"confidences, one setting each (short_line: {SHORT_CUED}, short_uncued: "
                    f"{SHORT_UNCUED} when left out)")
    args = ap.parse_args()
    if shared_dir() is None:
        print("../shared is absent: nothing to measure on", file=sys.stderr)
        return 1
    restorer_module.predict_kind = _cached(restorer_module.predict_kind)
    restorer = Restorer(args.model)
    lines = [t for d in documents("conversation", args.part) for t in turns(d.text)
             if len(t.split()) >= 2][:args.turns]
    news = documents("news", args.part, limit=args.news)
    ted = documents("speech", args.part, limit=args.ted)
    alone = {family: [s for d in documents(family, args.part) for s in sentences(d.text)
                      if len(s.split()) >= 2][:args.lines] for family in ("news", "speech")}
    t0 = time.perf_counter()
    print(command_line("quote_cues.py"))
    print("uncued whole  exclaim cued short s_unc | conv lower: wrapped quoteP !P micro "
          "| conv seed: wrapped quoteP !P micro | news: quoteF1 micro | ted: quoteF1 micro "
          "| news alone: quoteP micro | ted alone: quoteP micro")
    for setting in args.settings:
        values = [float(x) for x in setting.split(",")]
        uncued, whole, exclaim, cued = values[:4]
        short = values[4] if len(values) > 4 else SHORT_CUED
        short_uncued = values[5] if len(values) > 5 else SHORT_UNCUED
        restorer.cues = {"uncued": uncued, "whole_line": whole, "exclaim": exclaim,
                         "cued": cued, "short_line": short, "short_uncued": short_uncued}
        row = [f"{uncued:<6} {whole:<6} {exclaim:<7} {cued:<4} {short:<4} {short_uncued:<4}"]
        for profile in ("lower", "seed"):
            score = LineScore(profile)
            for line in tqdm(lines, desc=f"{setting} conversation {profile}", file=sys.stderr):
                score.add(line, restorer.restore(PROFILES[profile](line), profile))
            f = score.figures()
            row.append(f"{f['wrapped_share']:.3f} {f['quote_precision']:.3f} "
                       f"{f['exclamation_precision']:.3f} {f['micro_f1']:.4f}")
        for docs, profile in ((news, "seed"), (ted, "lower")):
            score = LineScore(profile)
            for d in tqdm(docs, desc=f"{setting} {profile}", file=sys.stderr):
                score.add(d.text, restorer.restore(PROFILES[profile](d.text), profile))
            marks = score.score.per_mark()
            row.append(f"{marks['quote']['f1']:.3f} {score.score.micro_f1:.4f}")
        for family, profile in (("news", "seed"), ("speech", "lower")):
            score = LineScore(profile)
            for line in tqdm(alone[family], desc=f"{setting} {family} alone", file=sys.stderr):
                score.add(line, restorer.restore(PROFILES[profile](line), profile))
            f = score.figures()
            row.append(f"{f['quote_precision']:.3f} {f['micro_f1']:.4f}")
        print(" | ".join(row), flush=True)
    print(f"time: {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
