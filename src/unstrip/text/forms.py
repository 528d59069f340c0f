"""A stripped word written again: its inner insertions put back between its letters.

The lexicon (:func:`unstrip.train.count_model.build`) and the word-context table
(:mod:`unstrip.train.wordcontext_table`) both count, for every word of clean
text, the form it was written in. They read it the same way: strip the text,
align it, and put the insertions at the word's inner gaps back
(:func:`written`); a word whose inner gaps held whitespace was cut by a lost
line break or space and is no form of one word (:func:`split_by_space`).

>>> written("dont", ["", "", "'"]), split_by_space(["", "\\n", ""])
("don't", True)
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["split_by_space", "written"]

_WS = re.compile(r"\s")


def written(word: str, inner: list[str]) -> str:
    """A stripped word with the insertions at its inner gaps put back.

    ``inner[k]`` is the insertion before ``word[k + 1]``.

    >>> written("2015", ["", ",", ""])
    '20,15'
    """
    return word[0] + "".join(s + ch for s, ch in zip(inner, word[1:], strict=True))


def split_by_space(inner: Iterable[str]) -> bool:
    """Whether any of a word's inner insertions holds whitespace.

    >>> split_by_space(["'", ""]), split_by_space([" "])
    (False, True)
    """
    return any(_WS.search(s) for s in inner)
