"""A head's label written into the text: the ``before`` label over a run of
gaps, a casing class onto a word piece's letters.

The network names one ``before`` label for the whole space run in front of a
word (``— “`` for ``800 — “cheap``: one part per gap) and one casing class
per word piece (:data:`unstrip.network.labels.CASE_CLASSES`); the decoder
(:mod:`unstrip.decode.pipeline`) writes them with these two functions.

>>> split_region("— “", 2), apply_case("nato", 2)
(['—', '“'], 'NATO')
"""

from __future__ import annotations

__all__ = ["apply_case", "split_region"]

def split_region(label: str, n_gaps: int) -> list[str]:
    """Spread a ``before`` label over a run of ``n_gaps`` gaps.

    A label made for another number of spaces keeps its last part at the
    last gap (the opening marks next to the word) and drops the rest.

    >>> split_region("— “", 2), split_region("— “", 1), split_region("$", 3)
    (['—', '“'], ['“'], ['', '', '$'])
    """
    parts = label.split(" ")
    if len(parts) == n_gaps:
        return parts
    return [""] * (n_gaps - 1) + [parts[-1]]

def apply_case(piece: str, cls: int, form: str | None = None) -> str:
    """Write lowercase ``piece`` in casing class ``cls``; only letters change case.

    ``mixed`` takes the letters of ``form`` (a written form of the piece, such
    as the lexicon's) where they fit, else leaves the piece as it is.

    >>> apply_case("nato", 2), apply_case("15th", 1), apply_case("us", 0)
    ('NATO', '15Th', 'us')
    >>> apply_case("mcdonald", 3, "McDonald"), apply_case("mcdonald", 3, "MacD")
    ('McDonald', 'mcdonald')
    """
    if cls == 1:
        for k, c in enumerate(piece):
            if c.isalpha():
                return piece[:k] + c.upper() + piece[k + 1 :]
        return piece
    if cls == 2:
        return piece.upper()
    if cls == 3 and form is not None and len(form) == len(piece) and form.lower() == piece:
        return form
    return piece
