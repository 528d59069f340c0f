"""The network's prediction for a line of any damage profile, in the line's own offsets.

Stripped ASCII text (with the apostrophes, hyphens and number marks a speech
recogniser keeps) goes to the network as it is, around the kept marks
(:func:`predict_around_marks`); anything else through the ASCII view of
:mod:`unstrip.text.ascii_view`, its insertions put back around the
characters the user gave and filtered to what the profile deletes
(:func:`predict_kind`).
"""

from __future__ import annotations

from collections import Counter

from unstrip.decode.prediction import Prediction
from unstrip.text.ascii_view import ASCII_KEPT, allowed_insertion, fold, model_view, spread
from unstrip.text.damage import KEPT_MARKS
from unstrip.text.profiles import LOWERED_PROFILES
from unstrip.text.tokens import is_stripped

__all__ = ["no_passes", "predict_around_marks", "predict_kind"]


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
        if c in ASCII_KEPT:
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


