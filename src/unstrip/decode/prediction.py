"""What a restorer's ``predict`` returns, and the rules every prediction keeps.

Both the count model (:class:`unstrip.baseline.BaselineModel`) and the
learned model's decoder (:class:`unstrip.decode.pipeline.Decoder`) answer a
stripped text with a :class:`Prediction`: the insertion at every gap, how
sure each is, and the kept characters as written. Two rules hold for both,
so they live here and not in either model:

- an insertion holds only what the seed profile deletes
  (:func:`strip_seed_complement`);
- without a casing head, a word after a sentence end the restoration writes
  starts with a capital (:func:`capitalise_sentences`).

>>> from unstrip.text.tokens import pieces
>>> text = "go now then stop"
>>> ins = [""] * (len(text) + 1)
>>> ins[6], ins[16] = ".x", "!"  # after "now", at the end
>>> ins = [strip_seed_complement(s) for s in ins]
>>> kept = list(text)
>>> capitalise_sentences(text, ins, kept, list(pieces(text)))
>>> "".join(kept), ins[6]
('Go now Then stop', '.')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from unstrip.text.tokens import RUN

__all__ = ["Prediction", "capitalise_sentences", "strip_seed_complement", "strip_seed_complements"]

_SENTENCE_END = re.compile(r"[.?!…]|\n")


@dataclass
class Prediction:
    """What the model says about one stripped text.

    ``insertions[i]`` goes at gap ``i`` and ``confidence[i]`` is the model's
    probability for it; ``kept`` is the input with predicted casing, and
    ``case_confidence[i]`` (when the model has one) its probability for the
    casing of character ``i``. ``passes`` (when the model records them)
    names, per gap, the decoding step that last set the insertion there
    (``"argmax"``, ``"lexicon"``, ...; ``""`` where none did), and
    ``case_passes`` the same per kept character for its casing.
    """

    insertions: list[str]
    confidence: list[float]
    kept: str
    case_confidence: list[float] | None = None
    passes: list[str] | None = None
    case_passes: list[str] | None = None


def strip_seed_complement(s: str) -> str:
    """Drop from an insertion anything the seed profile would have kept.

    >>> strip_seed_complement(".x\\n")
    '.\\n'
    """
    return RUN.sub("", s).replace(" ", "")


_CLEANED: dict[str, str] = {"": ""}
"""Insertions seen so far, each with its :func:`strip_seed_complement`."""

_CLEANED_MAX = 1 << 14
"""At most this many insertions are remembered; others are worked out each time."""


def strip_seed_complements(insertions: list[str]) -> list[str]:
    """:func:`strip_seed_complement` of every insertion, as a new list.

    Every prediction goes through this twice (the decoder's required
    ``only-stripped`` pass, and the restorer's guarantee for any model),
    one insertion per character of input, almost all of them ``""`` or one
    mark of a few dozen labels: each distinct insertion is cleaned once and
    remembered (up to :data:`_CLEANED_MAX` of them), so a text costs one
    dict lookup per gap instead of a regex substitution.

    >>> strip_seed_complements(["", ",", ".x", " - ", ""])
    ['', ',', '.', '-', '']
    """
    out = list(map(_CLEANED.get, insertions))
    if None in out:
        for k, clean in enumerate(out):
            if clean is None:
                s = insertions[k]
                clean = out[k] = strip_seed_complement(s)
                if len(_CLEANED) < _CLEANED_MAX:
                    _CLEANED[s] = clean
    return out


def capitalise_sentences(text: str, ins: list[str], kept: list[str], plist) -> None:
    """Capitalise, in ``kept``, the first letter of the text and of every piece
    (``plist``: :func:`unstrip.text.tokens.pieces` of ``text``) after a sentence end."""
    for i, p in enumerate(plist):
        if i == 0:
            boundary = True
        else:
            boundary = bool(_SENTENCE_END.search(ins[plist[i - 1].end] + ins[p.start]))
        if boundary and kept[p.start].isalpha():
            kept[p.start] = kept[p.start].upper()
