"""Which damage a text shows: stripped, lowercased, punctuation-stripped or punctuated.

The ``auto`` profile decides, line by line, what happened to a text before
anything is restored: ``seed`` (letters, digits and spaces only), ``lower``
(the same, lowercased, as a speech recogniser writes), ``punct`` and ``word``
(only some marks gone) and their lowercased forms, ``newlines`` (a long
punctuated text flattened into one line), or ``punctuated`` (left alone).

>>> detect_profile("dont go"), detect_profile("Don't go."), detect_profile("Its “fine”")
('lower', 'punctuated', 'punct')
"""

from __future__ import annotations

import re

from unstrip.text.encoding import Repair
from unstrip.text.profiles import PROFILES
from unstrip.text.tokens import is_stripped

_LINE_BREAKS = re.compile(r"[\n\r]+")

__all__ = ["FLATTENED_MIN", "KEPT_MARKS", "PROFILE_CHOICES", "RESTORED_PROFILES",
           "decide_damage", "detect_profile", "repaired_positions", "sentence_ends"]


PROFILE_CHOICES = ("auto", *PROFILES)
"""Profiles a caller may name; ``auto`` detects the damage, any other is obeyed."""


RESTORED_PROFILES = ("seed", "lower", "punct", "word", "punct-lower", "word-lower")
"""Profiles whose lost marks the network puts back."""


FLATTENED_MIN = 1000
"""A punctuated text with no line break is taken as flattened (``newlines``)
from this many characters and three sentence ends on."""


_HAS_UPPER = re.compile(r"[A-Z]")


_HAS_LETTER = re.compile(r"[A-Za-z]")


_ASCII_PUNCT = re.compile(r"[!-/:-@\[-\^`{-~]")  # string.punctuation but ``_``


_NOT_WORD = re.compile(r"[^\w\s]")


KEPT_MARKS = re.compile(
    r"['-]|(?<=[0-9])[.,](?=[0-9])|\$(?=[0-9])|(?<=[0-9])%"
    r"|(?<=\b[A-Za-z])\.(?=[A-Za-z]\.)|(?<=\b[A-Za-z]\.[A-Za-z])\."
)
"""Marks that damaged input may still hold, kept as they are and restored
around: apostrophes and hyphens (``don't``, ``well-known``), the marks of
numbers written as digits (``20,000``, ``2.5``, ``$5``, ``50%``) and the
periods of initialisms (``u.s.``, ``e.g.``, ``a.m.``), as speech
recognisers write them."""


def detect_profile(text: str, flattened: bool = True) -> str:
    """Say what damage ``text`` shows: ``empty``, a strip profile, or ``punctuated``.

    Text holding only ASCII letters, digits and spaces (and line breaks, which
    are kept: each line is restored on its own) was stripped (``seed``); if it has
    letters but no capitals it was also lowercased (``lower``). Text that
    also holds non-ASCII letters, tabs or ``_`` but no punctuation is
    ``word``; with non-ASCII punctuation (curly quotes, dashes, symbols) but
    no ASCII punctuation it is ``punct``; each is ``-lower`` when it has
    lowercase letters and no capitals. A replacement character (U+FFFD,
    what ``--errors replace`` writes for a bad byte) counts as a letter.
    Punctuated text with no line break, at least :data:`FLATTENED_MIN`
    characters and three sentence ends is ``newlines`` (when ``flattened``).
    Straight apostrophes and hyphens may be left in (speech recognisers write ``don't`` and
    ``well-known`` but no sentence punctuation): they are kept where they are
    and the rest is restored around them, as are the marks inside numbers
    (``20,000``, ``2.5``, ``$5``, ``50%``) and of initialisms (``u.s.``).
    Anything else is taken as already punctuated (encoding damage is
    repaired before this is asked).

    >>> [detect_profile(t) for t in ["", "Dont go", "dont go", "Don't go.", "42 7"]]
    ['empty', 'seed', 'lower', 'punctuated', 'seed']
    >>> [detect_profile(t) for t in ["i don't know", "a well-known Fact", "it's, fine"]]
    ['lower', 'seed', 'punctuated']
    >>> [detect_profile(t) for t in ["it cost $20,000", "up 2.5% in may", "it cost 5, then"]]
    ['lower', 'lower', 'punctuated']
    >>> [detect_profile(t) for t in ["in the u.s. today", "at 9 a.m. sharp", "at home. then"]]
    ['lower', 'lower', 'punctuated']
    >>> [detect_profile(t) for t in ["its a naïve idea", "Its a na\ufffdve idea", "a\tb_c"]]
    ['word-lower', 'seed', 'word-lower']
    >>> [detect_profile(t) for t in ["“Its” — fine", "its £5", "One. " * 300]]
    ['punct', 'punct-lower', 'newlines']
    """
    if not text.strip():
        return "empty"
    body = _LINE_BREAKS.sub("", text)
    rest = KEPT_MARKS.sub("", body.replace("\ufffd", ""))
    if is_stripped(rest):
        if _HAS_LETTER.search(text) and not _HAS_UPPER.search(text):
            return "lower"
        return "seed"
    if _ASCII_PUNCT.search(rest):
        if flattened and body == text and is_flattened(text):
            return "newlines"
        return "punctuated"
    kind = "punct" if _NOT_WORD.search(rest) else "word"
    if any(c.islower() for c in rest) and not any(c.isupper() for c in rest):
        return kind + "-lower"
    return kind


def is_flattened(text: str) -> bool:
    """Long punctuated text of several sentences with no line break."""
    if len(text) < FLATTENED_MIN:
        return False
    return len(sentence_ends(text)) >= 3


def decide_damage(part: str, profile: str, flat: bool, repaired: bool = False) -> str:
    """The damage a part is treated as: the caller's profile, or under ``auto`` what it shows.

    A part whose encoding was repaired and that then shows only the marks a
    writer types beyond ASCII (curly quotes, dashes) was damaged by its
    encoding alone: it was written with punctuation, and gets only the repair.

    >>> decide_damage("don’t", "auto", False, repaired=True), decide_damage("don’t", "auto", False)
    ('punctuated', 'punct-lower')
    """
    if not part.strip():
        return "empty"
    if profile in ("auto", "mojibake"):
        kind = detect_profile(part, flattened=flat)
        if repaired and kind.startswith(("punct", "word")):
            return "punctuated"
        return kind
    return profile


def repaired_positions(repairs: list[Repair]) -> list[int]:
    """Where each encoding repair's result starts in the repaired text.

    >>> repaired_positions([Repair("decode", 3, "â€™", "’"), Repair("decode", 9, "Ã©", "é")])
    [3, 7]
    """
    out, shift = [], 0
    for r in repairs:
        out.append(r.position + shift)
        shift += len(r.after) - len(r.before)
    return out

# A sentence end followed by a single space and a capital, digit or opening mark.


_SENTENCE_END = re.compile(r"(?<=[.?!])[\"'”’)\]]*( )(?=[\"“‘(\[]?[A-Z0-9])")


def sentence_ends(text: str) -> list[int]:
    return [m.start(1) for m in _SENTENCE_END.finditer(text) if not text[m.start(1) - 1].isspace()]
