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

``mojibake`` reads UTF-8 bytes as Windows-1252 and drops the bytes that code
page does not define (0x81, 0x8D, 0x8F, 0x90, 0x9D):

>>> mojibake("don’t say “no”")
'donâ€™t say â€œnoâ€'
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = [
    "PROFILES",
    "STRIP_PROFILES",
    "damage",
    "lower",
    "mojibake",
    "newlines",
    "seed",
]

_NOT_KEPT = re.compile(r"[^A-Za-z0-9 ]")
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
    "mojibake": mojibake,
}
"""Every damage profile by name."""

STRIP_PROFILES = ("seed", "lower", "newlines")
"""Profiles that only delete characters (or fold case / whitespace), so a
restorer can undo them by insertion alone."""


def damage(text: str, profile: str) -> str:
    """Apply the named damage profile to ``text``.

    >>> damage("Hello, world!", "seed")
    'Hello world'
    >>> damage("x", "bogus")
    Traceback (most recent call last):
    ...
    ValueError: unknown profile 'bogus'; choose one of: seed, lower, newlines, mojibake
    """
    try:
        fn = PROFILES[profile]
    except KeyError:
        raise ValueError(
            f"unknown profile {profile!r}; choose one of: {', '.join(PROFILES)}"
        ) from None
    return fn(text)
