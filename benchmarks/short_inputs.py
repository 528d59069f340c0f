"""Short inputs: one paragraph at a time against the whole document it came from.

Users often restore one line, a caption or a single sentence (the web page,
``unstrip restore`` on a snippet), where the network sees no text around it.
This script takes the news dev documents of ``unstrip.evaluate.evalsets``
(``--part tune`` to choose settings, ``report`` only to measure), cuts each
into its paragraphs, strips each paragraph with the seed profile and
restores it alone, and scores the paragraphs against the gold; then it
restores the same documents whole and scores the same paragraphs as cut
from that output. The gap between the two rows is what the missing context
costs; the quote row shows quotation marks invented around a lone sentence
(``Its time to go home now`` -> ``"It's time to go home now."``).

    python benchmarks/short_inputs.py --part tune
    python benchmarks/short_inputs.py --part tune --max-words 12   # one-liners only
"""

from __future__ import annotations

import argparse
import sys
import time

from _report import command_line, print_figures
from tqdm import tqdm

from unstrip import Restorer
from unstrip.evaluate.evalsets import documents
from unstrip.evaluate.scoring import Score, score_document
from unstrip.text.corpus import shared_dir
from unstrip.text.profiles import seed

MARKS = ("period", "comma", "question", "apostrophe", "quote", "hyphen")


def paragraphs(text: str, max_words: int) -> list[str]:
    """The paragraphs of ``text`` with 2 to ``max_words`` words.

    >>> paragraphs("A b c.\\n\\nOne.\\n\\nD e f g h.", 4)
    ['A b c.']
    """
    out = []
    for p in text.split("\n\n"):
        p = p.strip()
        if 2 <= len(p.split()) <= max_words:
            out.append(p)
    return out


def _figures(score: Score) -> dict:
    marks = score.per_mark()
    row = {"micro_f1": round(score.micro_f1, 4), "violations": score.violations}
    for m in MARKS:
        row[m] = {k: round(marks[m][k], 3) for k in ("precision", "recall", "f1")}
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="auto", help="auto, learned, baseline or a model dir")
    ap.add_argument("--part", choices=("tune", "report"), default="report")
    ap.add_argument("--limit", type=int, default=300, help="at most N news documents")
    ap.add_argument("--max-words", type=int, default=60,
                    help="score paragraphs of at most this many words")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if shared_dir() is None:
        print("../shared is absent: nothing to measure on", file=sys.stderr)
        return 1
    restorer = Restorer(args.model)
    t0 = time.perf_counter()
    alone, whole = Score(profile="seed"), Score(profile="seed")
    n = 0
    for d in tqdm(documents("news", args.part, limit=args.limit), desc="news", unit="doc",
                  file=sys.stderr):
        paras = paragraphs(d.text, args.max_words)
        if not paras:
            continue
        full = restorer.restore(seed(d.text), "seed").split("\n\n")
        cut = {seed(p.strip()): p.strip() for p in full}
        for p in paras:
            x = seed(p)
            if x not in cut:  # the whole-document output joined or split it: skip both
                continue
            n += 1
            alone += score_document(p, restorer.restore(x, "seed"), "seed")
            whole += score_document(p, cut[x], "seed")
    figures = {
        "part": args.part, "paragraphs": n, "max_words": args.max_words,
        "alone": _figures(alone), "in_document": _figures(whole),
        "seconds": round(time.perf_counter() - t0, 1), "command": command_line("short_inputs.py"),
    }
    print_figures(figures, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
