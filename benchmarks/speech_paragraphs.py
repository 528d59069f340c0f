"""Paragraph breaks in lowercased transcripts: ``Restorer(paragraphs=True)`` scored.

A speech recogniser writes a talk as one block of words. Each dev document
of the speech (TED), court and conversation families is flattened (every
paragraph break becomes a space, as a transcript has it) and lowercased and
stripped, restored, and its paragraph breaks put back by the speech model of
``unstrip.decode.paragraphs``; breaks are compared with the gold's by the
word they follow. Without the option a transcript gets no paragraph break
at all (recall 0).

    python benchmarks/speech_paragraphs.py --part tune
    python benchmarks/speech_paragraphs.py --part tune --thresholds 0.3 0.4 0.5 0.6 0.7
    python benchmarks/speech_paragraphs.py --fit 3000       # refit the speech weights
"""

from __future__ import annotations

import argparse
import re
import sys
import time

from _report import command_line
from tqdm import tqdm

import unstrip.decode.paragraphs as paragraphs
from unstrip import Restorer
from unstrip.evaluate.evalsets import FAMILIES, documents
from unstrip.text.corpus import shared_dir
from unstrip.text.profiles import PROFILES

_BREAK = re.compile(r"\s*\n\s*")
SPEECH_SOURCES = {"ted", "scotus", *FAMILIES["conversation"]}


def breaks_after_words(text: str) -> set[int]:
    """Indices of the words that a paragraph break follows.

    >>> sorted(breaks_after_words("One two.\\n\\nThree. Four\\n\\nfive"))
    [1, 3]
    """
    out, words = set(), 0
    for m in re.finditer(r"\S+|\n\s*\n|\n", text):
        if m.group().startswith("\n"):
            if words:
                out.add(words - 1)
        else:
            words += 1
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="auto")
    ap.add_argument("--part", choices=("tune", "report"), default="tune")
    ap.add_argument("--limit", type=int, default=40, help="documents a family")
    ap.add_argument("--families", default="speech,court,conversation")
    ap.add_argument("--thresholds", type=float, nargs="+",
                    default=[paragraphs.SPEECH_THRESHOLD])
    ap.add_argument("--fit", type=int, default=0, metavar="N",
                    help="refit the speech weights on N train documents and stop")
    args = ap.parse_args()
    if shared_dir() is None:
        print("../shared is absent: nothing to measure on", file=sys.stderr)
        return 1
    if args.fit:
        sys.path.insert(0, "benchmarks")
        from profiles_quality import fit_paragraphs

        fit_paragraphs(args.fit, sources=SPEECH_SOURCES)
        return 0
    restorer = Restorer(args.model)
    t0 = time.perf_counter()
    print(command_line("speech_paragraphs.py"))
    for family in args.families.split(","):
        restored = []
        for d in tqdm(documents(family, args.part, limit=args.limit), desc=family,
                      file=sys.stderr):
            flat = PROFILES["lower"](_BREAK.sub(" ", d.text.strip()))
            restored.append((d.text, restorer.restore(flat, "lower")))
        for threshold in args.thresholds:
            paragraphs.SPEECH_THRESHOLD = threshold
            tp = gold_n = pred_n = 0
            for gold, out in restored:
                truth = breaks_after_words(gold.strip())
                found = breaks_after_words(paragraphs.with_breaks(
                    out, paragraphs.paragraph_breaks(out, "speech")))
                tp, gold_n, pred_n = tp + len(truth & found), gold_n + len(truth), pred_n + len(
                    found)
            p, r = tp / max(1, pred_n), tp / max(1, gold_n)
            f1 = 2 * p * r / max(1e-9, p + r)
            print(f"{family} {args.part} ({len(restored)} documents) threshold {threshold}: "
                  f"paragraph P {p:.3f} R {r:.3f} F1 {f1:.3f} (gold {gold_n}, written {pred_n})",
                  flush=True)
    print(f"time: {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
