"""Acronyms that follow their expansion: ``Special Drawing Rights SDRs`` -> ``(SDRs)``.

News introduces an organisation once in full and puts its acronym right
after it in brackets: ``the Intermediate Nuclear Forces (INF) treaty``.
Stripping leaves ``Intermediate Nuclear Forces INF treaty``, and the
network, which sees few such definitions, mostly inserts nothing there. The
initials of the words before the acronym give it away: where they spell it
(small words such as ``of`` and ``and`` skipped, a plural ``s`` allowed) and
the network wrote no mark on either side of the gap before it, the acronym
goes in brackets.

In the gold text of dev documents 201 onwards, 88 acronyms follow words
whose initials spell them: 59 in brackets, 16 between commas (``the London
Metal Exchange, LME, issued``) and 13 in Reuters' angle brackets or bare.
Where the network already wrote a mark there, the rule leaves it. Through
the whole restorer on those documents it adds 7 pairs of brackets, 4 of
them right (parenthesis marks right 139 -> 147 of 671, written 190 -> 204;
the same on lowercased input), and changes nothing else.

>>> text = "the Intermediate Nuclear Forces INF treaty"
>>> ins = [""] * (len(text) + 1)
>>> bracket_acronyms(text, ins)
{32: '(', 35: ')'}
>>> bracket_acronyms("the United States US said", [""] * 26)
{18: '(', 20: ')'}
>>> bracket_acronyms("the new Forces INF treaty", [""] * 26)  # NF is not INF
{}
"""

from __future__ import annotations

from collections.abc import Sequence

from unstrip.text.tokens import Piece, pieces

__all__ = ["bracket_acronyms", "dotted", "initialism_periods", "spells", "SMALL_WORDS"]

SMALL_WORDS = frozenset(
    "of and the for on in to at de du des la le et del von van".split()
)
"""Words an acronym usually skips (``National Association of Securities Dealers``)."""

LOOK_BACK = 10
"""How many words before an acronym may spell it."""


def spells(acronym: str, before: Sequence[str]) -> bool:
    """Whether the capitalised words ending ``before`` have ``acronym``'s letters as initials.

    ``acronym`` is two or more capitals, with an optional plural ``s``.
    Small words (:data:`SMALL_WORDS`) in between are skipped; any other word
    must be capitalised and start with the next letter.

    >>> spells("SDRs", ["1600", "Special", "Drawing", "Rights"])
    True
    >>> spells("NASD", "National Association of Securities Dealers".split())
    True
    >>> spells("CPB", ["Centraal", "Planbureau"]), spells("US", ["us"]), spells("Us", ["U", "s"])
    (False, False, False)
    """
    letters = acronym[:-1] if len(acronym) > 2 and acronym.endswith("s") else acronym
    if len(letters) < 2 or not (letters.isalpha() and letters.isupper() and letters.isascii()):
        return False
    need = list(letters)
    k = len(before) - 1
    while need and k >= 0:
        word = before[k]
        k -= 1
        if word.lower() in SMALL_WORDS and word[0] != need[-1]:
            continue
        if not word[:1].isupper() or word[0] != need[-1]:
            return False
        need.pop()
    return not need


def bracket_acronyms(text: str, insertions: Sequence[str]) -> dict[int, str]:
    """The insertions that put acronyms spelled by the words before them in brackets.

    ``insertions[g]`` is what the model inserts at gap ``g`` of stripped
    ``text``. Returns ``{gap: new insertion}``: ``(`` joins the start of the
    acronym and ``)`` goes first at its end (``INF),``). Only where the
    model inserted nothing at the acronym's start nor at the end of the word
    before it, and nothing that is not a plain sentence or clause mark at
    the acronym's end.
    """
    words = list(pieces(text))
    out: dict[int, str] = {}
    for i in range(1, len(words)):
        w = words[i]
        if w.joined or words[i - 1].joined or w.text[:1] == w.text[:1].lower():
            continue
        start, end, prev_end = w.start, w.end, words[i - 1].end
        if insertions[start] or insertions[prev_end] or not _plain(insertions[end]):
            continue
        before = [p.text for p in words[max(0, i - LOOK_BACK) : i]]
        if spells(w.text, before):
            out[start] = "("
            out[end] = ")" + insertions[end]
    return out


def _plain(insertion: str) -> bool:
    """Whether ``insertion`` holds only marks a closing bracket may precede (``,`` ``.``...)."""
    return all(ch in ",.;:?! \n" for ch in insertion)


def initialism_periods(text: str, insertions: Sequence[str]) -> dict[int, str]:
    """The final periods of initialisms written with inner periods (``p.m`` -> ``p.m.``).

    The lexicon writes the periods inside a word (``pm`` -> ``p.m``), the
    network the marks after it, and it seldom writes a period after a rare
    initialism. An initialism with inner periods ends with one too: in the
    train documents 14,177 of 14,321 do (``U.S.``, ``N.J.``, ``p.m.``).
    Returns ``{gap: new insertion}`` where a word of letters has a period at
    every inner gap and none starts the insertion after it.

    >>> text = "at 3 pm or 5 pm"
    >>> ins = [""] * (len(text) + 1)
    >>> ins[6] = ins[14] = ins[15] = "."  # p.m, and p.m. at the end
    >>> initialism_periods(text, ins)
    {7: '.'}
    >>> ins[7] = ","
    >>> initialism_periods(text, ins)
    {7: '.,'}
    """
    out: dict[int, str] = {}
    for w in pieces(text):
        after = insertions[w.end]
        if not after.startswith((".", "?", "!")) and dotted(w, insertions):
            out[w.end] = "." + after
    return out


def dotted(word: Piece, insertions: Sequence[str]) -> bool:
    """Whether ``word`` is two or more letters with a period at every inner gap (``U.S``).

    >>> text = "the US"
    >>> [dotted(w, ["", "", "", "", "", "."]) for w in pieces(text)]
    [False, True]
    """
    return len(word.text) > 1 and word.text.isalpha() and all(
        insertions[g] == "." for g in range(word.start + 1, word.end))
