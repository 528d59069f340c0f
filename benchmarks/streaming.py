"""Live streams against restoring the whole text at once: quality, latency and cost.

A live caption is restored with a bounded lookahead (`unstrip.transcripts.stream.Stream`):
each word is shown once `lookahead` words follow it, and never changes. This script
feeds lowercased, stripped TED dev talks (`unstrip.evaluate.evalsets`, the `speech`
family, `lower` profile) and the IWSLT dev2012 tokens a few words at a time, and
compares what the stream shows with restoring each whole text at once:

- marks micro-F1 and casing accuracy (`unstrip.evaluate.scoring.score_document`), and
  IWSLT overall F1 by the published protocol (`unstrip.evaluate.iwslt`);
- latency in words: the lookahead, and the mean number of words received but not yet
  shown after each push (the lookahead plus the wait for the rest of a block);
- cost: words passed to the network per input word, and wall time per word.

`--part tune` (TED tune talks, IWSLT blocks 1-5) is for choosing settings (`--step`,
`--context`); `report` (report talks, blocks 6-10) is only measured. IWSLT is cut to
its first `--iwslt-tokens` tokens of those blocks (ending at a sentence end): a stream
costs a network call per few words.

    python benchmarks/streaming.py --part tune --limit 5
    python benchmarks/streaming.py --part report --limit 10 --json
"""

from __future__ import annotations

import argparse
import sys
import time

from _report import command_line, print_figures
from tqdm import tqdm

from unstrip import Restorer
from unstrip.evaluate import iwslt
from unstrip.evaluate.evalsets import documents
from unstrip.evaluate.scoring import Score, score_document
from unstrip.text.corpus import shared_dir
from unstrip.text.profiles import PROFILES
from unstrip.transcripts.stream import DEFAULT_CONTEXT, DEFAULT_STEP, Stream

BLOCKS = {"tune": "1-5", "report": "6-10"}


class Fed:
    """Feeds a text to a stream ``per_push`` words at a time and keeps the figures."""

    def __init__(self, restorer: Restorer, lookahead: int, step: int, context: int,
                 per_push: int):
        self.restorer = restorer
        self.settings = {"lookahead": lookahead, "step": step, "context": context}
        self.per_push = per_push
        self.words = self.restored_words = self.calls = self.pushes = 0
        self.held_sum = 0
        self.seconds = 0.0

    def restore(self, text: str, profile: str = "lower") -> str:
        """The text as the stream shows it (``restore``'s signature, for the IWSLT scorer)."""
        stream = Stream(self.restorer, profile=profile, **self.settings)
        words = text.split(" ")
        pieces = [" ".join(words[i : i + self.per_push]) + " "
                  for i in range(0, len(words), self.per_push)]
        pieces[-1] = pieces[-1][:-1]
        damage = PROFILES[profile]
        shown: list[str] = []
        shown_words = received = 0
        start = time.perf_counter()
        for piece in pieces:
            out = stream.push(piece)
            shown.append(out)
            received += len(piece.split())
            shown_words += len(damage(out).split())  # input words, not inserted dashes
            self.held_sum += received - shown_words
            self.pushes += 1
        shown.append(stream.flush())
        self.seconds += time.perf_counter() - start
        self.words += len(text.split())
        self.calls += stream.calls
        self.restored_words += stream.restored_words
        return "".join(shown)

    def figures(self) -> dict:
        return {
            "mean_words_held": round(self.held_sum / max(1, self.pushes), 2),
            "network_words_per_word": round(self.restored_words / max(1, self.words), 2),
            "calls_per_word": round(self.calls / max(1, self.words), 3),
            "ms_per_word": round(1000 * self.seconds / max(1, self.words), 2),
        }


class Whole:
    """Restores each text at once, timing it (the baseline every stream is compared with)."""

    def __init__(self, restorer: Restorer):
        self.restorer = restorer
        self.words = 0
        self.seconds = 0.0

    def restore(self, text: str, profile: str = "lower") -> str:
        start = time.perf_counter()
        out = self.restorer.restore(text, profile)
        self.seconds += time.perf_counter() - start
        self.words += len(text.split())
        return out


def ted_rows(restorer: Restorer, part: str, limit: int, lookaheads: list[int], step: int,
             context: int, per_push: int) -> dict:
    path = shared_dir() / "corpora" / "ted.jsonl.gz"
    docs = documents("speech", part, paths=[path], limit=limit)
    damage = PROFILES["lower"]
    whole = Whole(restorer)
    fed = {la: Fed(restorer, la, step, context, per_push) for la in lookaheads}
    scores = {"whole": Score(profile="lower"), **{la: Score(profile="lower") for la in fed}}
    for d in tqdm(docs, desc=f"TED {part}", unit="talk", file=sys.stderr):
        text = damage(d.text)
        scores["whole"] += score_document(d.text, whole.restore(text), "lower")
        for la, f in fed.items():
            scores[la] += score_document(d.text, f.restore(text), "lower")
    rows = {"whole text": {
        "marks_f1": round(scores["whole"].micro_f1, 4),
        "casing_accuracy": round(scores["whole"].casing_accuracy, 4),
        "ms_per_word": round(1000 * whole.seconds / max(1, whole.words), 2),
    }}
    for la, f in fed.items():
        s = scores[la]
        rows[f"lookahead {la}"] = {
            "marks_f1": round(s.micro_f1, 4),
            "f1_vs_whole": round(s.micro_f1 - scores["whole"].micro_f1, 4),
            "casing_accuracy": round(s.casing_accuracy, 4),
            "violations": s.violations,
            **f.figures(),
        }
    return {"talks": len(docs), "words": whole.words, "rows": rows}


def iwslt_rows(restorer: Restorer, part: str, tokens: int, lookaheads: list[int], step: int,
               context: int, per_push: int) -> dict | None:
    tsv = shared_dir() / "benchmarks" / "iwslt" / "dev2012.tsv"
    if not tsv.exists():
        return None
    pairs = iwslt.select_blocks(iwslt.read_tsv(tsv), BLOCKS[part])
    if tokens and len(pairs) > tokens:
        ends = [i + 1 for i, (_, lab) in enumerate(pairs[:tokens]) if lab in ("PERIOD",
                                                                             "QUESTION")]
        pairs = pairs[: ends[-1] if ends else tokens]
    rows = {"whole text": round(100 * iwslt.evaluate_pairs(pairs, Whole(restorer)).overall.f1,
                                1)}
    for la in tqdm(lookaheads, desc=f"IWSLT blocks {BLOCKS[part]}", unit="lookahead",
                   file=sys.stderr):
        f = Fed(restorer, la, step, context, per_push)
        rows[f"lookahead {la}"] = round(100 * iwslt.evaluate_pairs(pairs, f).overall.f1, 1)
    return {"tokens": len(pairs), "overall_f1": rows}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="auto", help="auto, learned, baseline or a model dir")
    ap.add_argument("--part", choices=("tune", "report"), default="report",
                    help="tune: choose settings on it; report: only measure (default)")
    ap.add_argument("--limit", type=int, default=5, help="TED talks (default 5)")
    ap.add_argument("--lookaheads", default="4,8,16", help="comma-separated (default 4,8,16)")
    ap.add_argument("--step", type=int, default=DEFAULT_STEP,
                    help=f"words decided per network call (default {DEFAULT_STEP})")
    ap.add_argument("--context", type=int, default=DEFAULT_CONTEXT,
                    help=f"words of left context per call (default {DEFAULT_CONTEXT})")
    ap.add_argument("--per-push", type=int, default=3, help="words pushed at a time (default 3)")
    ap.add_argument("--iwslt-tokens", type=int, default=4000,
                    help="IWSLT tokens of the part's blocks to use (default 4000; 0: all)")
    ap.add_argument("--no-iwslt", action="store_true", help="skip IWSLT dev2012")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    if shared_dir() is None:
        print("../shared is absent: nothing to measure on", file=sys.stderr)
        return 1
    try:
        lookaheads = [int(x) for x in args.lookaheads.split(",") if x]
    except ValueError:
        print(f"--lookaheads: whole numbers separated by commas, not {args.lookaheads!r}",
              file=sys.stderr)
        return 2
    restorer = Restorer(args.model)
    t0 = time.perf_counter()
    settings = (lookaheads, args.step, args.context, args.per_push)
    figures: dict = {
        "command": command_line("streaming.py"),
        "settings": {"step": args.step, "context": args.context, "per_push": args.per_push},
        f"TED {args.part}": ted_rows(restorer, args.part, args.limit, *settings),
    }
    if not args.no_iwslt:
        rows = iwslt_rows(restorer, args.part, args.iwslt_tokens, *settings)
        if rows is not None:
            figures[f"IWSLT dev2012 blocks {BLOCKS[args.part]}"] = rows
    figures["seconds"] = round(time.perf_counter() - t0)
    if args.json:
        print_figures(figures, True)
        return 0
    print(f"command: {figures['command']}")
    print(f"settings: {figures['settings']}")
    ted = figures[f"TED {args.part}"]
    print(f"\nTED {args.part}: {ted['talks']} talks, {ted['words']} words, fed "
          f"{args.per_push} words a push")
    cols = ["marks_f1", "f1_vs_whole", "casing_accuracy", "mean_words_held",
            "network_words_per_word", "calls_per_word", "ms_per_word"]
    print(f"{'':<14}" + "".join(f"{c:>24}" for c in cols))
    for name, row in ted["rows"].items():
        print(f"{name:<14}" + "".join(f"{str(row.get(c, '')):>24}" for c in cols))
    for name, value in figures.items():
        if name.startswith("IWSLT"):
            print(f"\n{name} (first {value['tokens']} tokens): overall F1 "
                  + ", ".join(f"{k} {v}" for k, v in value["overall_f1"].items()))
    print(f"\ntime: {figures['seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
