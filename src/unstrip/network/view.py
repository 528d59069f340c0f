"""The network's view of a text: ASCII letters, digits and spaces, and back.

The network was trained on text the ``seed`` profile left: ASCII letters,
digits and spaces. Text with other characters (accents, curly quotes, dashes,
tabs, letters of other scripts, the marks a speech recogniser keeps) is shown
to it as that view, and its insertions are put back around the characters
the user gave, filtered to what the damage profile deletes.

>>> model_view("“Zürich’s” café")[0]
'Zurichs cafe'
>>> allowed_insertion("’,“", "punct")
'\\',"'

"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from functools import lru_cache

from unstrip.decode.prediction import Prediction
from unstrip.text.damage import KEPT_MARKS
from unstrip.text.profiles import LOWERED_PROFILES
from unstrip.text.tokens import is_stripped

__all__ = ["allowed_insertion", "fold", "model_view", "predict_kind", "spread"]


_NOT_WORD = re.compile(r"[^\w\s]")


_ASCII_KEPT = frozenset(string.ascii_letters + string.digits + " ")


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


def predict_around_marks(model, text: str, cased: bool, pairs: Counter | None = None
                          ) -> Prediction:
    """The model's prediction for ``text``, which may still hold marks (:data:`KEPT_MARKS`).

    The model reads the text without them; its insertions land at the gaps
    where the input had no mark, and the marks stay as they were, so the
    input is always a subsequence of the output. The prediction is indexed
    by the gaps and characters of ``text`` itself.

    >>> from unstrip.baseline import BaselineModel
    >>> p = predict_around_marks(BaselineModel.load(), "i don't know its wellknown", False)
    >>> p.kept[:7], p.insertions[5:7], p.insertions[21]  # no insertion beside a kept mark
    ("I don't", ['', ''], '-')
    >>> from unstrip.text.alignment import apply
    >>> apply("i don't know its wellknown", p.insertions, p.kept)
    "I don't know its well-known"
    """
    extra = {} if pairs is None else {"pairs": pairs}
    if KEPT_MARKS.search(text) is None:
        return model.predict(text, cased=cased, **extra)
    marks = {m.start() for m in KEPT_MARKS.finditer(text)}
    at = [i for i in range(len(text)) if i not in marks]
    bare = model.predict("".join(text[i] for i in at), cased=cased, **extra)
    ins = [""] * (len(text) + 1)
    conf = [1.0] * (len(text) + 1)
    kept = list(text)
    case_conf = None if bare.case_confidence is None else [1.0] * len(text)
    by, case_by = no_passes(bare, len(text))
    prev = -1
    for g, i in enumerate([*at, len(text)]):
        if i == prev + 1:  # no mark in this gap: the model decides it
            ins[i], conf[i] = bare.insertions[g], bare.confidence[g]
            if by is not None:
                by[i] = bare.passes[g]
        if i < len(text):
            kept[i] = bare.kept[g]
            if case_conf is not None:
                case_conf[i] = bare.case_confidence[g]
            if case_by is not None:
                case_by[i] = bare.case_passes[g]
        prev = i
    return Prediction(ins, conf, "".join(kept), case_conf, by, case_by)


def no_passes(pred: Prediction, n: int) -> tuple[list[str] | None, list[str] | None]:
    """Empty pass names for a text of ``n`` characters, where ``pred`` has them (else None)."""
    return (None if pred.passes is None else [""] * (n + 1),
            None if pred.case_passes is None else [""] * n)


def predict_kind(model, text: str, kind: str, pairs: Counter | None = None) -> Prediction:
    """The model's prediction for one line ``text`` damaged by the strip profile ``kind``.

    Text of ASCII letters, digits and spaces (with the marks speech style
    keeps) goes to the network as it is; anything else through
    :func:`model_view`. Insertions hold only characters ``kind`` deletes.
    """
    cased = kind not in LOWERED_PROFILES
    if kind in ("seed", "lower") and is_stripped(KEPT_MARKS.sub("", text)):
        return predict_around_marks(model, text, cased, pairs)
    view, first, last = model_view(text, "X" if cased else "x")
    bare = model.predict(view, cased=cased)
    n = len(text)
    ins = [""] * (n + 1)
    conf = [1.0] * (n + 1)
    kept = list(text)
    case_conf = None if bare.case_confidence is None else [1.0] * n
    by, case_by = no_passes(bare, n)
    for j in range(len(view) + 1):
        left = last[j - 1] if j else -1
        right = first[j] if j < len(view) else n
        s = allowed_insertion(bare.insertions[j], kind)
        if s and "\ufffd" in text[max(0, left) : right + 1]:
            s = "".join(c for c in s if not c.isalnum())  # the bad byte may be that letter
        if right == left + 1:
            if s:
                ins[right], conf[right] = s, bare.confidence[j]
                if by is not None:
                    by[right] = bare.passes[j]
        elif right > left + 1 and s:
            for g, piece in spread(s, text[left + 1 : right], left + 1).items():
                ins[g], conf[g] = piece, bare.confidence[j]
                if by is not None:
                    by[g] = bare.passes[j]
        if j == len(view):
            break
        i = first[j]
        c = text[i]
        if c in _ASCII_KEPT:
            kept[i] = bare.kept[j]
        elif len(fold(c)) == 1 and bare.kept[j] != view[j]:
            want = c.upper() if bare.kept[j].isupper() else c.lower()
            if len(want) == 1:
                kept[i] = want
        if case_conf is not None:
            case_conf[i] = bare.case_confidence[j]
        if case_by is not None:
            case_by[i] = bare.case_passes[j]
    return Prediction(ins, conf, "".join(kept), case_conf, by, case_by)


@lru_cache(maxsize=4096)


def fold(ch: str) -> str:
    """The ASCII letters and digits a non-ASCII letter or digit reads as ('' if none).

    >>> fold("é"), fold("Ü"), fold("ß"), fold("東")
    ('e', 'U', 'ss', '')
    """
    if ch in _FOLD_EXTRA:
        return _FOLD_EXTRA[ch]
    out = "".join(c for c in unicodedata.normalize("NFKD", ch) if c in _ASCII_KEPT and c != " ")
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
        if c in _ASCII_KEPT or c.isspace():
            view.append(c if c in _ASCII_KEPT else " ")
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
