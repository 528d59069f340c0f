"""The text as the network reads it: ASCII letters, digits and spaces, and back.

The network was trained on text the ``seed`` profile left: ASCII letters,
digits and spaces. Text with other characters (accents, curly quotes, dashes,
tabs, letters of other scripts) is shown to it as that view
(:func:`model_view`), and an insertion the network makes between two view
characters is put back around the characters the user gave
(:func:`spread`), filtered to what the damage profile deletes
(:func:`allowed_insertion`).

>>> model_view("“Zürich’s” café")[0]
'Zurichs cafe'
>>> allowed_insertion("’,“", "punct")
'\\',"'
"""

from __future__ import annotations

import re
import string
import unicodedata
from functools import lru_cache

__all__ = ["ASCII_KEPT", "allowed_insertion", "fold", "model_view", "spread"]

_NOT_WORD = re.compile(r"[^\w\s]")


ASCII_KEPT = frozenset(string.ascii_letters + string.digits + " ")


_PUNCT_OK = frozenset(string.punctuation) - {"_"}


_DASHES = frozenset("\u2012\u2013\u2014\u2015")
"""Dash characters (figure, en, em, horizontal bar): ASCII writes each as ``--`` or ``-``."""


_TO_ASCII = str.maketrans({
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u2014": "--", "\u2013": "-",
    "\u2010": "-", "\u2011": "-", "\u2026": "...",
})


_SAME_MARK = str.maketrans({
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u2014": "-", "\u2013": "-",
    "\u2010": "-", "\u2011": "-",
})


_OPENING = frozenset("\u201c\u2018\u201e\u00ab([{")


_CLOSING = frozenset("\u201d\u2019\u00bb)]}")


_FOLD_EXTRA = {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE",
               "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "Th", "ð": "d", "Ð": "D",
               "ı": "i"}



@lru_cache(maxsize=4096)


def fold(ch: str) -> str:
    """The ASCII letters and digits a non-ASCII letter or digit reads as ('' if none).

    >>> fold("é"), fold("Ü"), fold("ß"), fold("東")
    ('e', 'U', 'ss', '')
    """
    if ch in _FOLD_EXTRA:
        return _FOLD_EXTRA[ch]
    out = "".join(c for c in unicodedata.normalize("NFKD", ch) if c in ASCII_KEPT and c != " ")
    return out if len(out) <= 3 else ""


def model_view(text: str, placeholder: str = "x") -> tuple[str, list[int], list[int]]:
    """The text as the network knows it, and where each of its characters came from.

    ASCII letters, digits and spaces stay; other whitespace (tabs) reads as a
    space; a non-ASCII letter reads as its ASCII fold (``é`` as ``e``), a run
    of letters with none (``東京``, or a U+FFFD at a word's start) as one
    ``placeholder`` (``X`` for cased text, as a name reads), a combining
    mark or U+FFFD after a letter as part of that letter;
    punctuation, symbols, emoji and ``_`` are not shown, as the seed profile
    would have deleted them. Character ``j`` of the view stands for
    ``text[first[j] : last[j] + 1]``.

    >>> view, first, last = model_view("“Zürich’s” 東京\\tcafé")
    >>> view, first[:3], (first[8], last[8])
    ('Zurichs x cafe', [1, 2, 3], (11, 12))
    """
    view: list[str] = []
    first: list[int] = []
    last: list[int] = []
    run = False  # the last view character is an ``x`` for letters with no fold
    for i, c in enumerate(text):
        if c in ASCII_KEPT or c.isspace():
            view.append(c if c in ASCII_KEPT else " ")
            first.append(i)
            last.append(i)
            run = False
            continue
        attached = bool(view) and last[-1] == i - 1 and view[-1] != " "
        cat = unicodedata.category(c)
        if cat[0] == "M" or (c == "\ufffd" and attached):
            if attached:
                last[-1] = i
            continue
        if cat[0] in "LN" or c == "\ufffd":
            folded = fold(c)
            if folded:
                view.extend(folded)
                first.extend([i] * len(folded))
                last.extend([i] * len(folded))
                run = False
            elif run and attached:
                last[-1] = i
            else:
                view.append(placeholder)
                first.append(i)
                last.append(i)
                run = True
            continue
        run = False
    return "".join(view), first, last


def allowed_insertion(insertion: str, kind: str) -> str:
    """The part of an insertion that the profile ``kind`` deletes (so may have been there).

    >>> allowed_insertion("’,\\n\\n“", "punct"), allowed_insertion("’,\\n\\n“", "word")
    ('\\',"', '’,“')
    """
    if not insertion:
        return insertion
    if kind.startswith("punct"):
        return "".join(c for c in insertion.translate(_TO_ASCII) if c in _PUNCT_OK)
    if kind.startswith("word"):
        return "".join(c for c in insertion if _NOT_WORD.match(c))
    return insertion


def spread(insertion: str, region: str, gap: int) -> dict[int, str]:
    """Place an insertion the network made where the input kept marks it did not see.

    ``region`` (the kept characters) lies between gaps ``gap`` and
    ``gap + len(region)``. When the region's marks are in the insertion
    (curly and straight quotes, dashes and hyphens alike), what lies between
    them goes in the gaps between; else an insertion beside only closing or
    only opening marks goes before them (``fine,”``, ``said, “``); else none.

    >>> spread(',"', "”", 5), spread(",", "”", 5), spread(".", "—", 5)
    ({5: ','}, {5: ','}, {})
    >>> spread("--", "—", 5), spread(",--", "—", 5), spread("-", "-", 5)
    ({}, {5: ','}, {})
    """
    marks = insertion.translate(_SAME_MARK)
    out: dict[int, str] = {}
    pos = 0
    for k, r in enumerate(region):
        at = marks.find(r.translate(_SAME_MARK), pos)
        if at < 0:
            if all(c in _CLOSING for c in region) or all(c in _OPENING for c in region):
                return {gap: insertion}
            return {}
        if at > pos:
            out[gap + k] = insertion[pos:at]
        pos = at + 1
        if r in _DASHES:
            # A dash reads as ``--`` in ASCII (the court transcripts' dash): the
            # whole run is that one dash, not a dash and a hyphen beside it.
            while pos < len(marks) and marks[pos] == "-":
                pos += 1
    if pos < len(insertion):
        out[gap + len(region)] = insertion[pos:]
    return out
