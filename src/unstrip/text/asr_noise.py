"""Simulated recogniser word errors: what a speech recogniser's output adds to lowercasing.

A recogniser does not only drop casing and punctuation: it also gets words
wrong. It writes a wrong word (a *substitution*), misses one (a
*deletion*), or hears one that was not said (an *insertion*); the share of
such errors per spoken word is its word error rate (WER). A restorer is
scored on such output by projecting the punctuation of the human transcript
onto the recognised words. This module makes that test from clean text, so
that robustness to word errors can be measured (and trained for) without a
recogniser:

- a substituted word keeps its place, its punctuation and the casing style
  of the word it replaces, and takes another word of the same text;
- a deleted word's punctuation after it passes to the word before, the
  strongest mark winning (``?`` over ``.`` over ``,``), and a sentence that
  loses its first word starts with a capital on the next;
- an inserted word is a frequent lowercase word of the text, placed before a
  word inside a sentence.

The errors are drawn with a seeded generator: the same text, rate and seed
give the same damage.

>>> recogniser_errors("Yes, we can. Can we?", 0.0)
'Yes, we can. Can we?'
>>> recogniser_errors("The cat sat on the mat, and the dog barked. Then it slept.", 0.3)
'The cat sat the the mat, and the dog barked. Then slept.'

On IWSLT token and label pairs (:mod:`unstrip.evaluate.iwslt`) the same
errors apply to the tokens, the labels following the rules above:

>>> noisy_pairs([("yes", "COMMA"), ("we", "O"), ("can", "PERIOD")], 0.0)
[('yes', 'COMMA'), ('we', 'O'), ('can', 'PERIOD')]
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence

__all__ = ["SHARES", "error_plan", "recogniser_errors", "noisy_pairs"]

SHARES = {"sub": 0.6, "del": 0.25, "ins": 0.15}
"""How the errors divide: substitutions dominate a recogniser's errors."""

_STRENGTH = {"O": 0, "COMMA": 1, "PERIOD": 2, "QUESTION": 3}
_TOKEN = re.compile(r"^([^\w]*)(.*?)([^\w]*)$", re.S)
_ENDS = (".", "?", "!")


def error_plan(n: int, rate: float, rng: random.Random) -> list[str]:
    """One action per word of ``n``: ``keep``, ``sub``, ``del`` or ``ins`` (a word before it).

    Each word is in error with probability ``rate``; the kind is drawn by
    :data:`SHARES`.

    >>> error_plan(4, 0.0, random.Random(0))
    ['keep', 'keep', 'keep', 'keep']
    >>> sorted(set(error_plan(2000, 1.0, random.Random(0))))
    ['del', 'ins', 'sub']
    """
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"a word error rate is between 0 and 1, not {rate}")
    kinds, weights = list(SHARES), list(SHARES.values())
    return [rng.choices(kinds, weights)[0] if rng.random() < rate else "keep"
            for _ in range(n)]


def _frequent(words: Sequence[str], k: int = 30) -> list[str]:
    counts = Counter(w for w in words if w.isalpha())
    return [w for w, _ in counts.most_common(k)] or ["the"]


def recogniser_errors(text: str, rate: float, seed: int = 0) -> str:
    """``text`` with word errors at ``rate`` per word, punctuation and casing kept consistent.

    Words are runs between spaces; line breaks survive as they are. A word
    holding a digit or a mark inside it (``don't``, ``U.S.``, ``3.5``) is
    never changed; a word with an opening mark before it (``"Yes``) may be
    substituted, keeping the mark, but is never dropped nor has a word
    inserted before it.
    """
    rng = random.Random(seed)
    spans = list(re.finditer(r"\S+", text))
    parts = [_TOKEN.match(m.group()).groups() for m in spans]
    cores = [core.lower() for _, core, _ in parts if core.isalpha()]
    if not cores:
        return text
    frequent = _frequent(cores)
    plan = error_plan(len(spans), rate, rng)
    out: list[list[str]] = []  # [lead, core, trail, space after]
    capitalise_next = False
    for i, (m, (lead, core, trail)) in enumerate(zip(spans, parts, strict=True)):
        space = text[m.end(): spans[i + 1].start()] if i + 1 < len(spans) else text[m.end():]
        act = plan[i] if core.isalpha() else "keep"
        starts = not out or out[-1][2].endswith(_ENDS) or "\n" in out[-1][3]
        if capitalise_next and core:
            core = core[0].upper() + core[1:]
            capitalise_next = False
        if act == "del" and not lead and out:
            if core[:1].isupper() and starts:
                capitalise_next = True
            prev = out[-1]
            if trail and _rank(trail) > _rank(prev[2]):
                prev[2] = trail
            if "\n" not in prev[3] and ("\n" in space or i + 1 == len(spans)):
                prev[3] = space
            continue
        if act == "ins" and not lead and not starts:
            out.append(["", rng.choice(frequent), "", " "])
        if act == "sub":
            new = rng.choice(cores)
            if core.isupper() and len(core) > 1:
                new = new.upper()
            elif core[:1].isupper():
                new = new[0].upper() + new[1:]
            core = new
        out.append([lead, core, trail, space])
    lead_space = text[: spans[0].start()] if spans else ""
    return lead_space + "".join(a + b + c + d for a, b, c, d in out)


def _rank(trail: str) -> int:
    """How strong a word's closing marks are: ``?`` over ``.``/``!`` over ``,`` over none."""
    if "?" in trail:
        return 3
    if "." in trail or "!" in trail:
        return 2
    return 1 if trail else 0


def noisy_pairs(pairs: Sequence[tuple[str, str]], rate: float, seed: int = 0
                ) -> list[tuple[str, str]]:
    """IWSLT ``(token, label)`` pairs with word errors at ``rate``, labels projected.

    A substituted token keeps its label; a deleted one gives its label to
    the token before when stronger; an inserted token has label ``O``.
    Clitic tokens (``'s``) are never changed.

    >>> p = [("yes", "COMMA"), ("we", "O"), ("can", "QUESTION"), ("so", "O")]
    >>> out = noisy_pairs(p, 1.0, seed=1)
    >>> [lab for _, lab in out if lab != "O"]
    ['COMMA', 'QUESTION']
    """
    rng = random.Random(seed)
    words = [t for t, _ in pairs if t.isalpha()]
    if not words:
        return list(pairs)
    frequent = _frequent(words)
    out: list[list[str]] = []
    for (token, label), act in zip(pairs, error_plan(len(pairs), rate, rng), strict=True):
        if not token.isalpha():
            act = "keep"
        if act == "del" and out:
            if _STRENGTH[label] > _STRENGTH[out[-1][1]]:
                out[-1][1] = label
            continue
        if act == "ins":
            out.append([rng.choice(frequent), "O"])
        if act == "sub":
            token = rng.choice(words)
        out.append([token, label])
    return [(t, lab) for t, lab in out]
