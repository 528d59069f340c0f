"""Transcripts: does restoring through subtitle cues or a word list cost any quality?

A recogniser's transcript reaches unstrip as one string, as subtitle cues
(SRT) or as a timed word list (Whisper's words). This script takes TED dev
talks of the speech family (``unstrip.evaluate.evalsets``, ``--part tune``
by default), flattens each talk's paragraph breaks to spaces (a transcript
has none), lowercases and strips it with the ``lower`` profile, and
restores it three ways:

(a) the whole text as one string (``Restorer.restore``), as the profile
    leaves it: where the gold had a dash between spaces (``it — it``) the
    damaged text holds two spaces, a hint the network uses and a
    recogniser never gives;
(a1) the same string with single spaces between its words, as a recogniser
    writes it: the fair baseline of (b) and (c), which hold single words;
(b) as an SRT file of cues of 6 to 12 words, some of two lines, with made-up
    timings (``unstrip.transcripts.subtitles.restore_subtitles``);
(c) as a Whisper-style word list, a leading space in each word
    (``unstrip.transcripts.words.restore_words``).

The words of (a1), (b) and (c) are put back into the damaged text's layout and
all three are scored against the gold with
``unstrip.evaluate.scoring.score_document(gold, restored, "lower")``. It
prints marks micro-F1 for each, also without paragraph marks (cues and
words keep their layout, so they never write a paragraph break) and
without dashes (the mark (a)'s double spaces give away), the
differences of (b) and (c) from (a) and (a1), and the invariant violations
(words changed: must be 0).

    python benchmarks/transcripts_quality.py --limit 20
    python benchmarks/transcripts_quality.py --limit 20 --json
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from datetime import timedelta

import srt
from _report import command_line, print_figures

from unstrip import Restorer
from unstrip.evaluate.evalsets import documents
from unstrip.evaluate.scoring import Score, score_document
from unstrip.text.corpus import shared_dir
from unstrip.text.profiles import PROFILES
from unstrip.transcripts.subtitles import restore_subtitles
from unstrip.transcripts.words import restore_words

lower = PROFILES["lower"]
flatten = PROFILES["newlines"]


def as_srt(words: list[str], rng: random.Random) -> str:
    """The words as SRT cues of 6 to 12 words (two lines in about a third of them).

    >>> text = as_srt("a b c d e f g h".split(), random.Random(0))
    >>> [s.content.replace("\\n", " ") for s in srt.parse(text)] == ["a b c d e f g h"]
    True
    """
    subs: list[srt.Subtitle] = []
    i, t = 0, 0.0
    while i < len(words):
        chunk = words[i : i + rng.randint(6, 12)]
        if len(chunk) > 6 and rng.random() < 0.35:
            cut = len(chunk) // 2
            content = " ".join(chunk[:cut]) + "\n" + " ".join(chunk[cut:])
        else:
            content = " ".join(chunk)
        length = 0.35 * len(chunk)
        subs.append(srt.Subtitle(len(subs) + 1, timedelta(seconds=t),
                                 timedelta(seconds=t + length), content))
        t += length + rng.choice([0.0, 0.04, 0.3])
        i += len(chunk)
    return srt.compose(subs)


def in_layout(damaged: str, restored_words: list[str]) -> str:
    """The restored words put back between the damaged text's own spaces.

    >>> in_layout("its  fine ok", ["It's", "fine,", "OK."])
    "It's  fine, OK."
    """
    parts = re.split(r"(\s+)", damaged)
    words = iter(restored_words)
    out = [p if (not p or p.isspace()) else next(words) for p in parts]
    if next(words, None) is not None:
        raise ValueError("more restored words than damaged ones")
    return "".join(out)


def restored_words(restorer, text: str) -> list[str]:
    """The words of ``text`` as the restorer writes them, less any line break it
    inserts (cues and word lists cannot hold one either).

    >>> restored_words(Restorer("baseline"), "dont go")
    ["Don't", 'go.']
    """
    result = restorer.explain(text)
    ins = {i.offset: "".join(i.insert.split()) for i in result.insertions}
    rec = {r.offset: r.to for r in result.recased}
    out = "".join(ins.get(k, "") + rec.get(k, c) for k, c in enumerate(text))
    return (out + ins.get(len(text), "")).split()


def _micro_without(score: Score, mark: str) -> float:
    tp = sum(v for k, v in score.tp.items() if k != mark)
    pred = sum(v for k, v in score.pred.items() if k != mark)
    gold = sum(v for k, v in score.gold.items() if k != mark)
    p = tp / pred if pred else 0.0
    r = tp / gold if gold else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="auto", help="auto, learned, baseline or a model dir")
    ap.add_argument("--part", choices=("tune", "report"), default="tune")
    ap.add_argument("--limit", type=int, default=20, help="talks to score")
    ap.add_argument("--seed", type=int, default=0, help="seed of the cue lengths and timings")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    if shared_dir() is None:
        print("transcripts_quality: ../shared/corpora is absent; nothing to score",
              file=sys.stderr)
        return 2
    docs = documents("speech", args.part, limit=args.limit)
    restorer = Restorer(args.model)
    rng = random.Random(args.seed)
    scores: dict[str, Score | None] = {"one_string": None, "single_spaced": None,
                                       "srt_cues": None, "word_list": None}
    words_total = 0
    start = time.perf_counter()
    for doc in docs:
        gold = flatten(doc.text)
        damaged = lower(gold)
        words = damaged.split()
        words_total += len(words)
        subtitles = restore_subtitles(restorer, as_srt(words, rng), "srt")
        cue_words = " ".join(s.content for s in srt.parse(subtitles)).split()
        listed = restore_words(restorer, [" " + w for w in words])
        preds = {
            "one_string": restorer.restore(damaged),
            "single_spaced": in_layout(damaged, restored_words(restorer, " ".join(words))),
            "srt_cues": in_layout(damaged, cue_words),
            "word_list": in_layout(damaged, [w.strip() for w in listed]),
        }
        for name, pred in preds.items():
            s = score_document(gold, pred, "lower")
            scores[name] = s if scores[name] is None else scores[name] + s
    figures: dict = {"command": command_line("transcripts_quality.py"),
                     "part": args.part, "talks": len(docs), "words": words_total}
    for name, s in scores.items():
        figures[f"{name}_micro_f1"] = round(s.micro_f1, 4)
        figures[f"{name}_micro_f1_no_paragraphs"] = round(_micro_without(s, "paragraph"), 4)
        figures[f"{name}_micro_f1_no_dashes"] = round(_micro_without(s, "dash"), 4)
        figures[f"{name}_violations"] = s.violations
    for name in ("srt_cues", "word_list"):
        for base in ("one_string", "single_spaced"):
            figures[f"{name}_minus_{base}"] = round(
                scores[name].micro_f1 - scores[base].micro_f1, 4)
    figures["seconds"] = round(time.perf_counter() - start, 1)
    print_figures(figures, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
