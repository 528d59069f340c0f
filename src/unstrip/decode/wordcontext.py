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
``25`` / ``2.5``), :func:`build` counts how often each *mark pattern* (the
form with curly apostrophes straight and digits as 0) follows each previous word
and precedes each next word, over clean text. :meth:`WordContext.choose`
scores each pattern naive-Bayes style, ``log count`` plus ``weight`` times
the log-likelihood of each neighbour, smoothed towards how common the
neighbour is (a Dirichlet prior of mass ``beta``), and takes the best.

>>> wc = WordContext({"format": 1, "beta": 10.0, "weight": 0.5, "total": 1000,
...     "context": {"islamic": 20, "united": 30, "territorial": 5},
...     "words": {"states": {"States": [60, {"united": 30}, {}],
...                          "State's": [25, {"islamic": 20}, {"territorial": 3}]}}})
>>> wc.choose("states", "islamic", "territorial", {"States", "State's"})[0]
"State's"
>>> wc.choose("states", "united", "and", {"States", "State's"})[0]
'States'

``python -m unstrip.wordcontext build`` counts the train split of
``../shared/corpora`` and writes the package's table; ``evaluate`` measures
how often the chosen pattern is the written one, against the lexicon alone,
on dev documents from number 201 on (the first 200 are the reported set).
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from unstrip.decode.lexicon import _fitting
from unstrip.text.alignment import align
from unstrip.text.profiles import seed as strip_seed
from unstrip.text.tokens import fill_digits, pieces, word_key

__all__ = ["WordContext", "choose_in_context", "pattern", "build", "evaluate",
           "possessive_echo", "possessive_form", "neighbour_pairs", "text_pairs",
           "WORD_CONTEXT_PATH", "START", "END"]

WORD_CONTEXT_PATH = Path(__file__).resolve().parents[1] / "data" / "wordcontext.json.gz"
"""The package's table, counted by :func:`build` over the corpora's train split."""

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
        between the word's pieces (:func:`unstrip.network.features.inner_insertions`)."""
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


def ambiguous_keys(lexicon: dict[str, dict[str, int]]) -> set[str]:
    """Lexicon keys whose counted forms differ in their marks, not only in case.

    >>> sorted(ambiguous_keys({"its": {"its": 9, "it's": 4}, "london": {"London": 5, "LONDON": 2}}))
    ['its']
    """
    return {k for k, forms in lexicon.items() if len({pattern(f).lower() for f in forms}) > 1}


def written_words(text: str, keys: set[str]) -> Iterator[tuple[str, str, str, str, str]]:
    """Each word of clean ``text`` whose key is in ``keys``, once stripped.

    Yields ``(key, stripped word, written form, previous key, next key)``;
    words whose gaps held whitespace (a lost line break) are skipped.

    >>> list(written_words("The group's leader said its fine.", {"groups", "its"}))
    [('groups', 'groups', "group's", 'the', 'leader'), ('its', 'its', 'its', 'said', 'fine')]
    """
    from unstrip.baseline import _WS, _written  # the lexicon's own rules

    x = strip_seed(text)
    ins = align(text, x).insertions
    plist = list(pieces(x))
    wk = [word_key(p.text) for p in plist]
    for i, p in enumerate(plist):
        if wk[i] not in keys:
            continue
        inner = ins[p.start + 1 : p.end]
        if any(_WS.search(s) for s in inner):
            continue
        form = _written(p.text, inner)
        prev = wk[i - 1] if i else START
        nxt = wk[i + 1] if i + 1 < len(plist) else END
        yield wk[i], p.text, form, prev, nxt


def build(
    texts: Iterable[str],
    lexicon: dict[str, dict[str, int]],
    min_count: int = 2,
    beta: float = 10.0,
    weight: float = 0.5,
    sure: float = 0.95,
    progress: bool = False,
    echo: float = 0.9,
) -> WordContext:
    """Count the mark patterns of ``lexicon``'s ambiguous words by neighbour.

    Neighbour counts below ``min_count`` are dropped (they are mostly noise
    and would triple the table).
    """
    from tqdm import tqdm

    keys = ambiguous_keys(lexicon)
    n: Counter = Counter()
    before: dict[tuple[str, str], Counter] = defaultdict(Counter)
    after: dict[tuple[str, str], Counter] = defaultdict(Counter)
    context: Counter = Counter()
    for text in tqdm(texts, desc="counting", unit="doc", disable=not progress):
        context.update(word_key(p.text) for p in pieces(strip_seed(text)))
        for key, _, form, prev, nxt in written_words(text, keys):
            p = pattern(form)
            n[key, p] += 1
            before[key, p][prev] += 1
            after[key, p][nxt] += 1
    words: dict[str, dict[str, list]] = defaultdict(dict)
    used: set[str] = set()
    for (key, p), count in sorted(n.items()):
        b = {c: k for c, k in before[key, p].items() if k >= min_count}
        a = {c: k for c, k in after[key, p].items() if k >= min_count}
        used.update(b, a)
        words[key][p] = [count, b, a]
    words = {k: v for k, v in words.items() if len(v) > 1}
    return WordContext({
        "format": FORMAT,
        "beta": beta,
        "weight": weight,
        "sure": sure,
        "echo": echo,
        "total": sum(context.values()),
        "context": {c: context[c] for c in sorted(used) if context[c]},
        "words": words,
    })


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


def evaluate(
    texts: Iterable[str],
    lexicon: dict[str, dict[str, int]],
    context: WordContext,
    settings: Iterable[tuple[float, float]] = (),
) -> dict:
    """How often the written pattern of an ambiguous word is chosen, lexicon alone vs in context.

    Counts, over the seed-stripped words of ``texts`` whose key the table
    knows: ``words``, ``lexicon`` (right by the lexicon alone), ``context``
    (right in context) and, for each ``(beta, weight)`` in ``settings``,
    the same with those settings.
    """
    from unstrip.decode.lexicon import choose_form

    keys = set(context.words)
    base = (context.beta, context.weight)
    grid = [(b, w) for b, w in settings if (b, w) != base]
    out: Counter = Counter()
    for text in texts:
        for _, word, form, prev, nxt in written_words(text, keys):
            gold = pattern(form)
            out["words"] += 1
            out["lexicon"] += pattern(choose_form(lexicon, word)[0]) == gold
            for b, w in [base, *grid]:
                context.beta, context.weight = b, w
                got = choose_in_context(lexicon, context, word, prev, nxt)
                got_form = got[0][0] if got else choose_form(lexicon, word)[0]
                out["context" if (b, w) == base else f"beta={b} weight={w}"] += (
                    pattern(got_form) == gold)
            context.beta, context.weight = base
    return dict(out)


def main(argv: list[str] | None = None) -> int:
    """``python -m unstrip.wordcontext build|evaluate``."""
    import argparse
    import sys

    from unstrip.baseline import BaselineModel
    from unstrip.text.corpus import corpus_files, iter_documents, shared_dir

    ap = argparse.ArgumentParser(prog="python -m unstrip.wordcontext",
                                 description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="count the corpora's train split, write the table")
    b.add_argument("--out", type=Path, default=WORD_CONTEXT_PATH)
    b.add_argument("--min-count", type=int, default=2)
    b.add_argument("--beta", type=float, default=10.0)
    b.add_argument("--weight", type=float, default=0.5)
    b.add_argument("--sure", type=float, default=0.95,
                   help="posterior at which a choice overrides the network (tuned with "
                   "runs of benchmarks/quality.py on dev documents 201-400)")
    b.add_argument("--echo", type=float, default=0.9,
                   help="share of the possessive a name written bare elsewhere gets "
                   "(possessive_echo; 0 turns it off; chosen on dev documents 201 on)")
    e = sub.add_parser("evaluate", help="accuracy on dev documents from number 201 on")
    e.add_argument("--table", type=Path, default=WORD_CONTEXT_PATH)
    e.add_argument("--grid", action="store_true", help="also try other beta and weight")
    args = ap.parse_args(argv)

    shared = shared_dir()
    if shared is None:
        print("../shared is absent: no corpora to count", file=sys.stderr)
        return 1
    lexicon = BaselineModel.load().lexicon
    if args.command == "build":
        docs = (d.text for d in iter_documents(corpus_files(shared), split="train"))
        table = build(docs, lexicon, args.min_count, args.beta, args.weight,
                      args.sure, progress=True, echo=args.echo)
        table.save(args.out)
        print(f"wrote {args.out} ({Path(args.out).stat().st_size:,} bytes, "
              f"{len(table.words)} words)", file=sys.stderr)
        return 0
    table = WordContext.load(args.table)
    dev = [d.text for d in iter_documents(corpus_files(shared), split="dev")][200:]
    grid = [(b_, w_) for b_ in (3.0, 10.0, 30.0) for w_ in (0.3, 0.5, 0.7)] if args.grid else []
    print(json.dumps(evaluate(dev, lexicon, table, grid), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
