"""Splitting stripped text into words and the gaps between them.

Stripped text is runs of ASCII letters and digits separated by spaces. A run
can hide a lost boundary: ``rule.\\n\\nReports`` was stripped to
``ruleReports``. A lowercase letter (or a digit) followed by a capital is
where such a boundary most often was, so runs are cut there into *pieces*
(unless the whole run is a known word such as ``McDonald``).

Every gap of the stripped text then falls into one of four kinds:

- ``inner``: inside a piece (``dont`` -> ``don't``); a word's written form
  decides these.
- ``joint``: between two pieces of one run (``rule|Reports``).
- ``close`` / ``open``: just before / after a run of spaces (``said|, |“The``);
  ``middle`` between two spaces of a longer run (``a | b`` -> ``a — b``).
- ``start`` / ``end``: the first and last gap of the text.

>>> [(p.start, p.end, p.text) for p in pieces("its ruleReports")]
[(0, 3, 'its'), (4, 8, 'rule'), (8, 15, 'Reports')]
>>> word_key("Reports"), word_key("20000"), word_key("15yearold")
('reports', '00000', '00yearold')
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Piece", "pieces", "word_key", "fill_digits", "is_stripped", "RUN"]

RUN = re.compile(r"[A-Za-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z][a-z])|(?<=[a-z])(?=[A-Z])")
_DIGIT = re.compile(r"[0-9]")
_NOT_STRIPPED = re.compile(r"[^A-Za-z0-9 ]")


@dataclass(frozen=True)
class Piece:
    """A word piece of stripped text: ``text == stripped[start:end]``.

    ``joined`` is true when the piece follows the previous one with no space
    between (a ``joint`` gap at ``start``).
    """

    start: int
    end: int
    text: str
    joined: bool = False


def is_stripped(text: str) -> bool:
    """Does ``text`` consist only of what the seed profile keeps?

    >>> is_stripped("dont go 20"), is_stripped("don't")
    (True, False)
    """
    return _NOT_STRIPPED.search(text) is None


@lru_cache(maxsize=1 << 14)
def word_key(piece: str) -> str:
    """The lexicon key of a piece: lowercase, every digit written as ``0``.

    Remembered per piece: the decoder asks for the same words again and again.
    """
    return _DIGIT.sub("0", piece.lower())


def fill_digits(form: str, piece: str) -> str:
    """Put the piece's real digits back into a lexicon form, in order.

    >>> fill_digits("00,000", "20500")
    '20,500'
    """
    if "0" not in form:
        return form
    digits = iter(c for c in piece if c.isdigit())
    return "".join(next(digits) if c == "0" else c for c in form)


def pieces(text: str, keep_whole: Callable[[str], bool] | None = None) -> Iterator[Piece]:
    """Yield the word pieces of stripped ``text`` in order.

    Runs are cut before a capital that follows a lowercase letter or digit,
    unless ``keep_whole(run)`` says the run is a word as it stands.

    >>> [p.text for p in pieces("see McDonalds", keep_whole=lambda r: r == "McDonalds")]
    ['see', 'McDonalds']
    >>> [(p.text, p.joined) for p in pieces("in 2015The end")]
    [('in', False), ('2015', False), ('The', True), ('end', False)]

    One restore walks the pieces of the same text several times (the
    encoder, the acronym, question and context passes), so without
    ``keep_whole`` the pieces of the last few texts are kept (they are
    immutable; texts of up to 128K characters) and where a run is cut is
    kept per run.
    """
    if keep_whole is None and len(text) <= _CACHED_TEXT_CHARS:
        return iter(_text_pieces(text))
    return _cut_pieces(text, keep_whole)


_CACHED_TEXT_CHARS = 1 << 17  # the restorer's parts are at most 64K characters


@lru_cache(maxsize=4)
def _text_pieces(text: str) -> tuple[Piece, ...]:
    return tuple(_cut_pieces(text, None))


@lru_cache(maxsize=1 << 14)
def _cuts(run: str) -> tuple[int, ...]:
    """Where ``run`` is cut into pieces (offsets inside it; empty when it is one piece)."""
    return tuple(c.start() for c in _CAMEL.finditer(run))


def _cut_pieces(text: str, keep_whole: Callable[[str], bool] | None) -> Iterator[Piece]:
    for m in RUN.finditer(text):
        run = m.group()
        cuts = _cuts(run) if len(run) <= 64 else tuple(c.start() for c in _CAMEL.finditer(run))
        if not cuts or (keep_whole is not None and keep_whole(run)):
            yield Piece(m.start(), m.end(), run)
            continue
        base = m.start()
        bounds = [0, *cuts, len(run)]
        for i in range(len(bounds) - 1):
            a, b = bounds[i], bounds[i + 1]
            yield Piece(base + a, base + b, run[a:b], joined=i > 0)
