"""One quote style per text: straight (``'`` ``"``) or curly (``’`` ``‘`` ``“`` ``”``).

A network decides each gap on its own, and its training text mixes the two
styles (Reuters writes curly quotes, the BBC and TED straight ones), so one
restoration can write ``It’s a win," the group's leader said`` with both.
:func:`style_votes` weighs the quotes and apostrophes a text has: the ones it
kept (its author's style) and the inserted ones, each by the confidence it
was inserted with. :func:`choose_style` follows the kept ones where there
are any, else the inserted ones, and :func:`harmonize` rewrites the inserted
ones in that style. Only inserted characters change: kept text never does.

>>> from unstrip.text.alignment import apply
>>> text = "Its a win the groups leader said"
>>> ins = [""] * (len(text) + 1)
>>> ins[2], ins[9], ins[19] = "’", ',"', "'"
>>> votes = style_votes(text, ins, [0.86 if g == 2 else 0.99 for g in range(len(ins))])
>>> votes, choose_style(votes)
((0, 0, 1.98, 0.86), 'straight')
>>> apply(text, harmonize(text, ins, "straight"))
'It\\'s a win," the group\\'s leader said'
>>> apply(text, harmonize(text, ins, "curly"))
'It’s a win,” the group’s leader said'

An opening curly quote is chosen where the quote starts a word (after the
text's start, a space, a bracket or a dash), a closing one elsewhere:

>>> ins = [""] * 12
>>> ins[8], ins[11] = '"', '"'
>>> apply("he said yes", harmonize("he said yes", ins, "curly"))
'he said “yes”'
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["STYLES", "style_votes", "choose_style", "harmonize"]

STYLES = ("auto", "straight", "curly", "asis")
"""``auto``: the style most of the text's quotes have (:func:`choose_style`);
``straight`` and ``curly``: always that style; ``asis``: as the network chose,
mark by mark."""

_CURLY = frozenset("’‘“”")
_STRAIGHT = frozenset("'\"")
_QUOTES = _CURLY | _STRAIGHT
_OPENS_AFTER = frozenset(" \t\n\r([{—–-“‘\"'/")


def style_votes(text: str, insertions: Sequence[str], confidence: Sequence[float]
                ) -> tuple[float, float, float, float]:
    """``(kept straight, kept curly, inserted straight, inserted curly)`` quotes of a text.

    A kept quote or apostrophe counts 1, an inserted one its confidence.
    Tallies of several texts add up element by element.
    """
    straight = curly = 0.0
    for s, p in zip(insertions, confidence, strict=False):
        if s and (_QUOTES & set(s)):
            straight += p * sum(ch in _STRAIGHT for ch in s)
            curly += p * sum(ch in _CURLY for ch in s)
    return (sum(map(text.count, _STRAIGHT)), sum(map(text.count, _CURLY)),
            round(straight, 4), round(curly, 4))


def choose_style(votes: Sequence[float]) -> str:
    """``curly`` or ``straight``: the style of most kept quotes, else of most inserted ones.

    A tie, or no quote at all, is ``straight``.

    >>> choose_style((0, 2, 5.0, 0.0)), choose_style((0, 0, 0.5, 0.9)), choose_style((0, 0, 0, 0))
    ('curly', 'curly', 'straight')
    """
    kept_straight, kept_curly, straight, curly = votes
    if kept_straight or kept_curly:
        return "curly" if kept_curly > kept_straight else "straight"
    return "curly" if curly > straight else "straight"


def harmonize(text: str, insertions: Sequence[str], style: str) -> list[str]:
    """``insertions`` (one per gap of ``text``) with every quote in ``style``.

    ``style`` is ``straight`` or ``curly``; any other (``asis``) leaves them.
    """
    if style not in ("straight", "curly"):
        return list(insertions)
    out = list(insertions)
    for g, s in enumerate(insertions):
        if not s or not (_QUOTES & set(s)):
            continue
        chars = list(s)
        for k, ch in enumerate(chars):
            if style == "straight":
                if ch in "’‘":
                    chars[k] = "'"
                elif ch in "“”":
                    chars[k] = '"'
            elif ch in "'\"":
                before = chars[k - 1] if k else (text[g - 1] if g else " ")
                after = chars[k + 1] if k + 1 < len(chars) else (text[g] if g < len(text)
                                                                  else " ")
                opening = before in _OPENS_AFTER and not after.isspace()
                if ch == "'":
                    chars[k] = "‘" if opening else "’"
                else:
                    chars[k] = "“" if opening else "”"
        out[g] = "".join(chars)
    return out
