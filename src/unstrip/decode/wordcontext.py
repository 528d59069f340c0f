"""Written forms of a stripped word, chosen in context.

The lexicon (:mod:`unstrip.decode.lexicon`) counts each stripped word's written
forms with no context, so it writes every ``governments`` the same way,
whether in "the governments decision" (``government's``) or "European
governments have" (``governments``), and every ``25`` as ``25``, even in
"profits rose 25 pct" where Reuters wrote ``2.5``. The words next to it
settle most such cases: a possessive tends to follow ``the`` and precede a
noun, ``its`` precedes a noun and ``it's`` a verb or adjective, ``were``
follows a plural and ``we're`` starts a clause. (It cannot know what it
never counted: ``Islamic State's`` hardly occurs in the corpora, so the
seed article's ``Islamic States territorial`` stays with the network.)

For every lexicon word whose forms differ in their marks (``its`` /
``it's``, ``governments`` / ``government's``, ``well`` / ``we'll``,
``25`` / ``2.5``), :func:`unstrip.train.wordcontext_table.build` counts how
often each *mark pattern* (the form with curly apostrophes straight and digits
as 0) follows each previous word and precedes each next word, over clean text.
:meth:`WordContext.choose` scores each pattern naive-Bayes style, ``log count``
plus ``weight`` times the log-likelihood of each neighbour, smoothed towards how common the
neighbour is (a Dirichlet prior of mass ``beta``), and takes the best.

>>> wc = WordContext({"format": 1, "beta": 10.0, "weight": 0.5, "total": 1000,
...     "context": {"islamic": 20, "united": 30, "territorial": 5},
...     "words": {"states": {"States": [60, {"united": 30}, {}],
...                          "State's": [25, {"islamic": 20}, {"territorial": 3}]}}})
>>> wc.choose("states", "islamic", "territorial", {"States", "State's"})[0]
"State's"
>>> wc.choose("states", "united", "and", {"States", "State's"})[0]
'States'

The table is counted, and measured, by :mod:`unstrip.train.wordcontext_table`
(``python -m unstrip.train.wordcontext_table build|evaluate``); this module only reads it.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from unstrip.decode.lexicon import _fitting
from unstrip.text.tokens import fill_digits, pieces, word_key

__all__ = ["WordContext", "choose_in_context", "pattern",
           "possessive_echo", "possessive_form", "neighbour_pairs", "text_pairs",
           "WORD_CONTEXT_PATH", "START", "END"]

WORD_CONTEXT_PATH = Path(__file__).resolve().parents[1] / "data" / "wordcontext.json.gz"
"""The package's table, counted by :func:`unstrip.train.wordcontext_table.build` over the
corpora's train split."""

START, END = "<s>", "</s>"
"""Neighbour keys at the start and end of a text."""

FORMAT = 1
_DIGIT = re.compile(r"[0-9]")


def pattern(form: str) -> str:
    """A written form's mark pattern: curly apostrophes straight, digits as 0.

    Case is kept: ``US`` and ``us`` take different marks (``U.S.``, ``us``).

    >>> pattern("State’s"), pattern("U.S."), pattern("2.5")
    ("State's", 'U.S.', '0.0')
    """
    return _DIGIT.sub("0", form.replace("’", "'"))


class WordContext:
    """Counts of mark patterns by neighbouring word, and the choice they make."""

    def __init__(self, data: dict):
        if data.get("format") != FORMAT:
            raise ValueError(f"unsupported word-context format {data.get('format')!r}")
        self.beta: float = float(data["beta"])
        self.weight: float = float(data["weight"])
        self.total: int = int(data["total"])
        self.context: dict[str, int] = data["context"]
        self.words: dict[str, dict[str, list]] = data["words"]
        self.sure: float = float(data.get("sure", 0.0))
        """The posterior at which a choice also overrides the network's marks
        between the word's pieces (:func:`unstrip.decode.inner.inner_insertions`)."""
        self.echo: float = float(data.get("echo", 0.0))
        """The share given to a possessive form that :func:`possessive_echo`
        finds (0: the cue is off). Where the text writes ``Islamic State``
        bare, its ``Islamic States`` is most likely ``Islamic State's``; the
        cue then decides the word as a sure choice does."""
        self.data = data

    def __contains__(self, key: str) -> bool:
        return key in self.words

    def rank(
        self, key: str, prev: str, nxt: str, patterns: Iterable[str]
    ) -> list[tuple[str, float]]:
        """``patterns`` for word ``key`` between ``prev`` and ``nxt``, most likely first.

        Each comes with its posterior probability among the candidates
        (rounded to 4 places). Empty when the table does not know ``key`` or
        fewer than two candidates remain.
        """
        forms = self.words.get(key)
        cands = sorted(set(patterns))
        if not forms or len(cands) < 2:
            return []
        scores = []
        for p in cands:
            n, before, after = forms.get(p, (0, {}, {}))
            s = math.log(n + 0.5)
            for table, c in ((before, prev), (after, nxt)):
                prior = (self.context.get(c, 0) + 1) / self.total
                s += self.weight * math.log((table.get(c, 0) + self.beta * prior) / (n + self.beta))
            scores.append(s)
        top = max(scores)
        odds = [math.exp(s - top) for s in scores]
        z = sum(odds)
        ranked = sorted(zip(cands, odds, strict=True), key=lambda po: -po[1])
        return [(p, round(o / z, 4)) for p, o in ranked]

    def choose(
        self, key: str, prev: str, nxt: str, patterns: Iterable[str]
    ) -> tuple[str, float] | None:
        """The best of :meth:`rank`, or None when it is empty."""
        ranked = self.rank(key, prev, nxt, patterns)
        return ranked[0] if ranked else None

    def save(self, path: str | Path) -> None:
        """Write the table as gzipped JSON, with the current ``beta``, ``weight`` and ``sure``."""
        data = {**self.data, "beta": self.beta, "weight": self.weight, "sure": self.sure,
                "echo": self.echo}
        with gzip.open(path, "wt", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def load(cls, path: str | Path = WORD_CONTEXT_PATH) -> WordContext:
        """Read a table written by :meth:`save`."""
        with gzip.open(path, "rt", encoding="utf-8") as f:
            return cls(json.load(f))


def choose_in_context(
    lexicon: dict[str, dict[str, int]],
    context: WordContext | None,
    word: str,
    prev: str,
    nxt: str,
    cased: bool = True,
) -> list[tuple[str, float]]:
    """The written forms of stripped ``word`` between neighbour keys ``prev`` and ``nxt``.

    Among the lexicon forms that fit ``word`` (:func:`unstrip.decode.lexicon.choose_form`'s
    rule), the context table ranks the mark patterns; each pattern's most
    frequent form is returned with the pattern's posterior probability,
    most likely first. Empty when the table has no say (unknown word, one
    pattern only): the caller keeps the lexicon's choice.

    >>> lex = {"its": {"its": 30, "it's": 20, "Its": 6, "It's": 4}}
    >>> wc = WordContext({"format": 1, "beta": 10.0, "weight": 0.5, "total": 100,
    ...     "context": {"own": 5, "not": 9}, "words": {"its": {
    ...         "Its": [6, {}, {"own": 5}], "It's": [4, {}, {"not": 9}]}}})
    >>> choose_in_context(lex, wc, "Its", "<s>", "not")
    [("It's", 0.7145), ('Its', 0.2855)]
    """
    if context is None or word_key(word) not in context:
        return []
    by_pattern: dict[str, tuple[int, str]] = {}
    for f, k in _fitting(lexicon, word, cased).items():
        p = pattern(f)
        if p not in by_pattern or k > by_pattern[p][0]:
            by_pattern[p] = (k, f)
    ranked = context.rank(word_key(word), prev, nxt, by_pattern)
    return [(fill_digits(by_pattern[p][1], word), share) for p, share in ranked]


_POSSESSIVE = re.compile(r"['’]s$")


def neighbour_pairs(words: Iterable[str]) -> Counter:
    """Count the pairs of neighbouring ``words``, for :func:`possessive_echo`.

    >>> neighbour_pairs(["Islamic", "State", "said"])
    Counter({('Islamic', 'State'): 1, ('State', 'said'): 1})
    """
    words = list(words)
    return Counter(zip(words, words[1:], strict=False))


def text_pairs(text: str) -> Counter:
    """:func:`neighbour_pairs` of the words (:func:`unstrip.text.tokens.pieces`) of ``text``.

    >>> text_pairs("Islamic State fighters")[("Islamic", "State")]
    1
    """
    return neighbour_pairs(p.text for p in pieces(text))


def possessive_echo(prev: str, word: str, pairs: Counter) -> bool:
    """Whether capitalised ``word`` after capitalised ``prev`` likely hides a possessive ``'s``.

    ``pairs`` counts every pair of neighbouring stripped words of the text
    (:func:`neighbour_pairs`), case kept: ``The Iraqis`` at a sentence
    start is no echo of ``the Iraqi``.
    When the text also has ``prev`` followed by ``word`` less its final
    ``s``, at least as often as with it, the name is written bare elsewhere,
    so the ``s`` is most likely ``'s``. In the gold of dev documents 201
    onwards the rule fires 56 times: 53 possessives, 3 plurals
    (``Finance Ministers``); without the "as often" condition it also took
    ``US Dollars`` three times and lost 2 possessives.

    >>> pairs = neighbour_pairs("the Islamic State and Islamic State and Islamic States".split())
    >>> possessive_echo("Islamic", "States", pairs), possessive_echo("United", "States", pairs)
    (True, False)
    >>> possessive_echo("US", "Dollars", neighbour_pairs("US Dollar US Dollars US Dollars".split()))
    False
    >>> possessive_echo("the", "States", neighbour_pairs(["the", "State"]))  # not a name
    False
    """
    if len(word) < 3 or not word.endswith("s") or not (prev[:1].isupper() and word[:1].isupper()):
        return False
    bare = pairs.get((prev, word[:-1]), 0)
    return bare > 0 and bare >= pairs.get((prev, word), 0)


def possessive_form(ranked: list[tuple[str, float]]) -> str | None:
    """The likeliest form in ``ranked`` that ends in ``'s`` (or ``’s``), or None.

    >>> possessive_form([("States", 0.9), ("State’s", 0.08), ("State's", 0.02)])
    'State’s'
    """
    return next((f for f, _ in ranked if _POSSESSIVE.search(f)), None)
