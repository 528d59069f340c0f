"""Alignment: which characters were lost, and at which gap of the damaged text.

Stripping only deletes characters, so a clean text G is its stripped form X
plus an *insertion string* at each of the ``len(X) + 1`` gaps of X (before the
first character, between any two, after the last). Aligning G with X recovers
those strings; applying them to X gives G back. This is where training labels
come from and how predictions are scored.

>>> a = align("don't stop.\\n\\nNow", "dont stopNow")
>>> [(i, s) for i, s in enumerate(a.insertions) if s]
[(3, "'"), (9, '.\\n\\n')]
>>> apply("dont stopNow", a.insertions)
"don't stop.\\n\\nNow"

Some profiles also *fold* the kept characters: ``lower`` lowercases them and
``newlines`` turns a line-break run into one space. A damaged character then
matches a clean one that folds to it, and the alignment records the clean
character in ``kept`` so the round trip stays exact:

>>> a = align("Hi, Yo", "hi yo", "lower")
>>> a.kept, a.insertions
('Hi Yo', ['', '', ',', '', '', ''])
>>> a = align("Hi.\\n\\nYo", "Hi. Yo", "newlines")
>>> a.kept, a.insertions
('Hi.\\nYo', ['', '', '', '', '\\n', '', ''])
>>> apply("Hi. Yo", a.insertions, a.kept)
'Hi.\\n\\nYo'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Alignment", "AlignmentError", "align", "apply", "matches"]

_KEPT_CHARS = re.compile(r"[^A-Za-z0-9 ]")
_KEPT_SPLIT = re.compile(r"[A-Za-z0-9 ]")


class AlignmentError(ValueError):
    """The damaged text cannot have come from the clean text by deletion."""


@dataclass(frozen=True)
class Alignment:
    """The result of aligning a clean text with its damaged form.

    ``insertions[i]`` is what the clean text holds at gap ``i`` of the damaged
    text (``len(damaged) + 1`` gaps); ``kept[j]`` is the clean character that
    damaged character ``j`` stands for (equal to it unless case or line
    breaks were folded).
    """

    insertions: list[str]
    kept: str


def _fold_case(clean_char: str, damaged_char: str) -> bool:
    low = clean_char.lower()
    return clean_char == damaged_char or (len(low) == 1 and low == damaged_char)


def _fold_lines(clean_char: str, damaged_char: str) -> bool:
    return clean_char == damaged_char or (damaged_char == " " and clean_char.isspace())


_FOLDS = {"seed": None, "lower": _fold_case, "newlines": _fold_lines, "punct": None,
          "word": None, "punct-lower": _fold_case, "word-lower": _fold_case}


def matches(clean_char: str, damaged_char: str, profile: str = "seed") -> bool:
    """Can ``damaged_char`` be what ``profile`` left of ``clean_char``?

    Under ``seed`` only equal characters match; ``lower`` also matches a
    character with its one-character lowercase form; ``newlines`` also lets a
    space stand for any whitespace character.

    >>> matches("A", "a"), matches("A", "a", "lower"), matches("\\n", " ", "newlines")
    (False, True, True)
    """
    fold = _fold_for(profile)
    return clean_char == damaged_char if fold is None else fold(clean_char, damaged_char)


def _fold_for(profile: str):
    try:
        return _FOLDS[profile]
    except KeyError:
        raise ValueError(
            f"profile {profile!r} does not delete characters, so it has no alignment; "
            f"use one of: {', '.join(_FOLDS)}"
        ) from None


def align(clean: str, damaged: str, profile: str = "seed") -> Alignment:
    """Find the insertion string at every gap of ``damaged``.

    Each damaged character is matched to the earliest clean character it can
    stand for under ``profile`` (see :func:`matches`); the clean characters
    skipped in between are the insertion at that gap. Leftmost matching finds
    an alignment whenever one exists, so this raises :class:`AlignmentError`
    only when ``damaged`` is not a damaged form of ``clean``.

    >>> align("a-b", "ab").insertions
    ['', '-', '']
    >>> align("ab", "abc")
    Traceback (most recent call last):
    ...
    unstrip.text.alignment.AlignmentError: damaged text is not a damaged form of the clean text: \
character 2 ('c') has no match
    """
    if len(clean) <= _CACHED_CHARS:
        # Words: the decoder aligns each word's written form with it every
        # time the word occurs, so short alignments are remembered.
        insertions, kept = _align_short(clean, damaged, profile)
        return Alignment(list(insertions), kept)
    return _align(clean, damaged, profile)


_CACHED_CHARS = 40


@lru_cache(maxsize=1 << 14)
def _align_short(clean: str, damaged: str, profile: str) -> tuple[tuple[str, ...], str]:
    a = _align(clean, damaged, profile)
    return tuple(a.insertions), a.kept


def _align(clean: str, damaged: str, profile: str) -> Alignment:
    fold = _fold_for(profile)
    if damaged == clean:
        return Alignment([""] * (len(damaged) + 1), clean)
    if profile != "newlines" and "\u212a" not in clean:
        # Fast path. Under seed and lower the kept characters are exactly the
        # ASCII letters, digits and spaces, and nothing else can stand for one
        # of them except the Kelvin sign (lowercase ``k``); so when damaged
        # is the profile's output, the leftmost alignment is a split of the
        # clean text at its kept characters.
        kept_text = _KEPT_CHARS.sub("", clean)
        if (kept_text if profile == "seed" else kept_text.lower()) == damaged:
            return Alignment(_KEPT_SPLIT.split(clean), kept_text)
    return _align_greedy(clean, damaged, fold)


def _align_greedy(clean: str, damaged: str, fold) -> Alignment:
    """Leftmost matching, one damaged character at a time (any profile)."""
    insertions: list[str] = []
    kept: list[str] = []
    pos = 0
    n = len(clean)
    for j, d in enumerate(damaged):
        start = pos
        if fold is None:
            pos = clean.find(d, pos)
            if pos < 0:
                pos = n
        else:
            while pos < n and not fold(clean[pos], d):
                pos += 1
        if pos == n:
            raise AlignmentError(
                "damaged text is not a damaged form of the clean text: "
                f"character {j} ({d!r}) has no match"
            )
        insertions.append(clean[start:pos])
        kept.append(clean[pos])
        pos += 1
    insertions.append(clean[pos:])
    return Alignment(insertions, "".join(kept))


def apply(damaged: str, insertions: Sequence[str], kept: str | None = None) -> str:
    """Rebuild text from a damaged text and the insertion at each gap.

    ``kept``, when given, replaces the damaged characters one for one (it
    restores folded case or line breaks); it must have the same length.

    >>> apply("groups", ["", "", "", "", "", "'", ""])
    "group's"
    """
    if len(insertions) != len(damaged) + 1:
        raise ValueError(
            f"need {len(damaged) + 1} insertions for {len(damaged)} characters, "
            f"got {len(insertions)}"
        )
    chars = damaged if kept is None else kept
    if len(chars) != len(damaged):
        raise ValueError("kept must have the same length as the damaged text")
    out = [insertions[0]]
    for ch, ins in zip(chars, insertions[1:], strict=True):
        out.append(ch)
        out.append(ins)
    return "".join(out)
