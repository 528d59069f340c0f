"""Counting the word-context table of :mod:`unstrip.decode.wordcontext` from clean text.

For every lexicon word whose forms differ in their marks (``its`` /
``it's``, ``25`` / ``2.5``), :func:`build` counts how often each mark
pattern follows each previous word and precedes each next word, over the
train split of the corpora; :func:`evaluate` measures how often the chosen
pattern is the written one, against the lexicon alone. This is a
training-time tool: the restorer only loads the table it writes
(``data/wordcontext.json.gz``).

>>> list(written_words("The group's leader said its fine.", {"groups", "its"}))
[('groups', 'groups', "group's", 'the', 'leader'), ('its', 'its', 'its', 'said', 'fine')]

From the shell: ``python -m unstrip.train.wordcontext_table build|evaluate``.
``build`` counts the train split of ``../shared/corpora`` and writes the
package's table; ``evaluate`` scores dev documents from number 201 on (the
first 200 are the reported set).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from unstrip.decode.wordcontext import (
    END,
    FORMAT,
    START,
    WORD_CONTEXT_PATH,
    WordContext,
    choose_in_context,
    pattern,
)
from unstrip.text.alignment import align
from unstrip.text.forms import split_by_space, written
from unstrip.text.profiles import seed as strip_seed
from unstrip.text.tokens import pieces, word_key

__all__ = ["ambiguous_keys", "build", "evaluate", "main", "written_words"]


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
    x = strip_seed(text)
    ins = align(text, x).insertions
    plist = list(pieces(x))
    wk = [word_key(p.text) for p in plist]
    for i, p in enumerate(plist):
        if wk[i] not in keys:
            continue
        inner = ins[p.start + 1 : p.end]
        if split_by_space(inner):
            continue
        form = written(p.text, inner)
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
    """``python -m unstrip.train.wordcontext_table build|evaluate``."""
    import argparse
    import sys

    from unstrip.baseline import BaselineModel
    from unstrip.text.corpus import corpus_files, iter_documents, shared_dir

    ap = argparse.ArgumentParser(prog="python -m unstrip.train.wordcontext_table",
                                 description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="count the corpora's train split, write the table")
    b.add_argument("corpus", nargs="*", type=Path,
                   help="JSONL(.gz) or .txt files whose train split is counted "
                   "(default: every corpus in ../shared/corpora)")
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
    given = getattr(args, "corpus", None)
    if shared is None and not given:
        print("../shared is absent: no corpora to count", file=sys.stderr)
        return 1
    lexicon = BaselineModel.load().lexicon
    if args.command == "build":
        files = given or corpus_files(shared)
        docs = (d.text for d in iter_documents(files, split="train"))
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
