"""Damage profiles: the ways text is damaged on its way to people.

Each profile is a pure function from clean text to damaged text. They are the
exact functions behind the damaged files in ``../shared/seeds/``, and they are
how training data and benchmarks are made: damage clean text, then ask the
restorer to undo it.

``seed`` deletes every character that is not an ASCII letter, digit or space
(punctuation, apostrophes, quotes, ``$``, line breaks all go):

>>> seed("It’s $800 — “cheap”.\\n\\nReally?")
'Its 800  cheapReally'

``lower`` is ``seed`` followed by lowercasing, as a speech recogniser emits it:

>>> lower("Don't panic, Arthur.")
'dont panic arthur'

``newlines`` keeps punctuation but flattens every whitespace run that holds a
line break into one space:

>>> newlines("One.\\n\\nTwo.  Three\\r\\n four")
'One. Two.  Three four'

``punct`` deletes ASCII punctuation only (``str.translate`` with
``string.punctuation``): line breaks, curly quotes, dashes and non-ASCII
letters stay. ``word`` deletes every character that is neither a word
character (Unicode letter, digit, ``_``) nor whitespace:

>>> punct("It’s 'naïve' -- isn't it?\\n\\nYes.")
'It’s naïve  isnt it\\n\\nYes'
>>> word("It’s “naïve” — isn't_it?\\n\\nYes.")
'Its naïve  isnt_it\\n\\nYes'

``punct-lower`` and ``word-lower`` lowercase after that, as speech
recognisers that keep accents write:

>>> word_lower("Zürich’s mayor, Corine Mauch.")
'zürichs mayor corine mauch'

``mojibake`` reads UTF-8 bytes as Windows-1252 and drops the bytes that code
page does not define (0x81, 0x8D, 0x8F, 0x90, 0x9D):

>>> mojibake("don’t say “no”")
'donâ€™t say â€œnoâ€'
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable

__all__ = [
    "DESCRIPTIONS",
    "LOWERED_PROFILES",
    "PROFILES",
    "STRIP_PROFILES",
    "damage",
    "lower",
    "mojibake",
    "newlines",
    "punct",
    "profile_help",
    "punct_lower",
    "seed",
    "word",
    "word_lower",
]

_NOT_KEPT = re.compile(r"[^A-Za-z0-9 ]")
_NOT_WORD = re.compile(r"[^\w\s]")
_ASCII_PUNCTUATION = str.maketrans("", "", string.punctuation)
_BREAKING_SPACE = re.compile(r"\s*[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]\s*")


def seed(text: str) -> str:
    """Delete every character that is not an ASCII letter, digit or space.

    >>> seed("self-proclaimed 20,000 rule.\\n\\nReports")
    'selfproclaimed 20000 ruleReports'
    """
    return _NOT_KEPT.sub("", text)


def lower(text: str) -> str:
    """``seed``, then lowercase: the shape of speech-recogniser output.

    >>> lower("The U.S. Army")
    'the us army'
    """
    return seed(text).lower()


def newlines(text: str) -> str:
    """Replace every whitespace run that contains a line break by one space.

    Punctuation and all other whitespace are kept.

    >>> newlines("Title\\n\\nBody text.\\nMore.")
    'Title Body text. More.'
    """
    return _BREAKING_SPACE.sub(" ", text)


def punct(text: str) -> str:
    """Delete the ASCII punctuation characters (``string.punctuation``), nothing else.

    >>> punct("“Don't” — 20,000\\tcafés_")
    '“Dont” — 20000\\tcafés'
    """
    return text.translate(_ASCII_PUNCTUATION)


def word(text: str) -> str:
    """Delete every character that is neither a word character nor whitespace.

    Unicode letters and digits, ``_`` and all whitespace (tabs, line breaks)
    stay; punctuation of any script, symbols and emoji go.

    >>> word("“Don't” — 20,000\\tcafés_ 🙂 東京。")
    'Dont  20000\\tcafés_  東京'
    """
    return _NOT_WORD.sub("", text)


def punct_lower(text: str) -> str:
    """``punct``, then lowercase.

    >>> punct_lower("Zürich, “Bahnhof”.")
    'zürich “bahnhof”'
    """
    return punct(text).lower()


def word_lower(text: str) -> str:
    """``word``, then lowercase.

    >>> word_lower("Zürich, “Bahnhof”.")
    'zürich bahnhof'
    """
    return word(text).lower()


def mojibake(text: str) -> str:
    """Encode as UTF-8, decode as Windows-1252, dropping undefined bytes.

    >>> mojibake("café – naïve")
    'cafÃ© â€“ naÃ¯ve'
    """
    return text.encode("utf-8").decode("cp1252", errors="ignore")


PROFILES: dict[str, Callable[[str], str]] = {
    "seed": seed,
    "lower": lower,
    "newlines": newlines,
    "punct": punct,
    "word": word,
    "punct-lower": punct_lower,
    "word-lower": word_lower,
    "mojibake": mojibake,
}
"""Every damage profile by name."""

DESCRIPTIONS: dict[str, str] = {
    "auto": "detect the damage line by line (the default)",
    "seed": "only ASCII letters, digits and spaces left: punctuation, apostrophes and line "
            "breaks stripped",
    "lower": "seed, then lowercased: speech-recogniser output",
    "newlines": "punctuation kept, line breaks flattened to spaces",
    "punct": "ASCII punctuation deleted; curly quotes, dashes, accents and line breaks kept",
    "word": "everything but letters, digits, _ and whitespace deleted (any script's "
            "punctuation, symbols, emoji)",
    "punct-lower": "punct, then lowercased",
    "word-lower": "word, then lowercased",
    "mojibake": "UTF-8 text read as Windows-1252 (Itâ€™s for It’s)",
}
"""One line per profile (and ``auto``) saying what damage it names, for ``--help``.

>>> set(DESCRIPTIONS) == {"auto", *PROFILES}
True
>>> print(profile_help())  # doctest: +ELLIPSIS
auto: detect the damage line by line (the default); seed: only ASCII letters, ...
"""


def profile_help(names=None) -> str:
    """The descriptions of ``names`` (default: every profile and ``auto``) as one paragraph,
    ``name: what it is`` joined by semicolons."""
    return "; ".join(f"{n}: {DESCRIPTIONS[n]}" for n in (names or DESCRIPTIONS))


STRIP_PROFILES = ("seed", "lower", "newlines", "punct", "word", "punct-lower", "word-lower")
"""Profiles that only delete characters (or fold case / whitespace), so a
restorer can undo them by insertion alone."""

LOWERED_PROFILES = ("lower", "punct-lower", "word-lower")
"""Strip profiles that also lowercase: restoring them restores casing too."""


def damage(text: str, profile: str) -> str:
    """Apply the named damage profile to ``text``.

    >>> damage("Hello, world!", "seed")
    'Hello world'
    >>> damage("x", "bogus")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown profile 'bogus'; choose one of: seed, lower, newlines, punct, ..., mojibake
    """
    try:
        fn = PROFILES[profile]
    except KeyError:
        raise ValueError(
            f"unknown profile {profile!r}; choose one of: {', '.join(PROFILES)}"
        ) from None
    return fn(text)
