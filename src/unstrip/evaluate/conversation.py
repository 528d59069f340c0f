"""Conversation and one-line scoring: what short, talked text needs beyond marks F1.

A chat or caption app sends a restorer one turn at a time, and a transcript
comes a turn per line. A restorer trained on news reads a first-person
sentence as a quotation and wraps it in quotes nobody wrote
(``hello how are you`` -> ``"Hello, how are you?"``); marks F1 hides how
often that happens, so :class:`LineScore` counts it beside the usual
:class:`unstrip.evaluate.scoring.Score`:

- ``wrapped``: lines the restorer wrapped whole in quotes where the gold is not;
- quote marks written and in the gold (a whole conversation should not get
  many times the gold's);
- the per-mark figures that matter here: quote and ``!`` precision, question
  F1, casing accuracy.

>>> s = LineScore("lower")
>>> s.add("Hello, how are you?", '"Hello, how are you?"')
>>> s.add("I'm fine.", "I'm fine.")
>>> s.lines, s.wrapped, s.quotes_written, s.quotes_gold
(2, 1, 2, 0)
>>> s.figures()["wrapped_share"]
0.5

Lines are cut from documents by :func:`turns` (a conversation's paragraphs)
and :func:`sentences` (one sentence of running text):

>>> turns("Hi.\\n\\nHow are you?")
['Hi.', 'How are you?']
>>> sentences('He said "Go." Then he left. Did he?')
['He said "Go."', 'Then he left.', 'Did he?']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from unstrip.evaluate.scoring import Score, score_document

__all__ = ["LineScore", "QUOTE_CHARS", "is_wrapped", "sentences", "turns"]

QUOTE_CHARS = "\"“”'‘’"
"""Quote marks, straight and curly (an apostrophe inside a word is not one)."""

_OPEN = re.compile(r"^[(\[]*[\"“‘]")
_CLOSE = re.compile(r"[\"”’][.,!?…)\]]*$")
_QUOTE = re.compile(r"(?<![A-Za-z0-9])[\"“”‘’']|[\"“”‘’'](?![A-Za-z0-9])|[\"“”]")
_SENTENCE_END = re.compile(r"(?:(?<=[.?!][\"”’)])|(?<=[.?!]))\s+(?=[\"“‘(]?[A-Z0-9])")


def is_wrapped(line: str) -> bool:
    """True when ``line`` opens with a quote mark and ends with one (after end marks).

    >>> [is_wrapped(t) for t in ['"Hi."', '“Go,” he said.', "'Tis fine.", '"A." "B."']]
    [True, False, False, True]
    """
    s = line.strip()
    return bool(_OPEN.search(s) and _CLOSE.search(s)) and len(s) > 2


def quote_count(text: str) -> int:
    """Quote marks in ``text``; apostrophes inside or ending a word are not counted.

    >>> quote_count('“It’s fine,” she said. "Don\\'t."'), quote_count("the dogs' bowls")
    (4, 0)
    """
    count = 0
    for m in _QUOTE.finditer(text):
        ch = m.group()
        if ch in "'’":
            i = m.start()
            before = text[i - 1] if i else " "
            after = text[i + 1] if i + 1 < len(text) else " "
            if before.isalnum() and (after.isalnum() or after in " .,;:!?"):
                continue  # an apostrophe: it's, dogs'
        count += 1
    return count


def turns(text: str) -> list[str]:
    """A conversation's turns: its paragraphs, stripped, the empty ones left out."""
    return [p.strip() for p in text.split("\n\n") if p.strip()]


def sentences(text: str) -> list[str]:
    """The sentences of running text, cut after an end mark before a capital or digit."""
    out = []
    for para in turns(text):
        out.extend(s for s in _SENTENCE_END.split(para) if s.strip())
    return out


@dataclass
class LineScore:
    """Lines restored one at a time (or a text of lines), scored against their gold."""

    profile: str
    score: Score = field(init=False)
    lines: int = 0
    wrapped: int = 0
    quotes_written: int = 0
    quotes_gold: int = 0

    def __post_init__(self) -> None:
        self.score = Score(profile=self.profile)

    def add(self, gold: str, restored: str) -> None:
        """Score one line (or one text of lines, each line counted for ``wrapped``)."""
        self.score += score_document(gold, restored, self.profile)
        for g, r in zip(gold.split("\n"), restored.split("\n"), strict=False):
            if not g.strip():
                continue
            self.lines += 1
            self.wrapped += is_wrapped(r) and not is_wrapped(g)
        self.quotes_written += quote_count(restored)
        self.quotes_gold += quote_count(gold)

    def figures(self) -> dict:
        """The figures as a flat dict of rounded numbers."""
        marks = self.score.per_mark()
        out = {
            "lines": self.lines,
            "micro_f1": round(self.score.micro_f1, 4),
            "wrapped_share": round(self.wrapped / max(1, self.lines), 4),
            "quotes_written": self.quotes_written,
            "quotes_gold": self.quotes_gold,
            "quote_precision": round(marks["quote"]["precision"], 3),
            "exclamation_precision": round(marks["exclamation"]["precision"], 3),
            "question_f1": round(marks["question"]["f1"], 3),
            "comma_f1": round(marks["comma"]["f1"], 3),
            "period_f1": round(marks["period"]["f1"], 3),
            "violations": self.score.violations,
        }
        if self.score.has_casing:
            out["casing_accuracy"] = round(self.score.casing_accuracy, 4)
        return out
