"""Building the count baseline (:class:`unstrip.baseline.BaselineModel`) from clean text.

Every text is stripped with the seed profile and aligned with itself, so each
gap's insertion is an exact label; the model is the counts of those labels by
the neighbouring words, and the lexicon of written forms per stripped word.
Only the train split is counted (never the seed article, dev or test).

>>> m = build(["Don't stop. We said so."] * 3)
>>> m.lexicon["dont"]
{"Don't": 3}
>>> from unstrip.text.alignment import apply
>>> p = m.predict("Dont stop We said so")
>>> apply("Dont stop We said so", p.insertions, p.kept)
"Don't stop. We said so."

``python -m unstrip.train.count_model ../shared/corpora/*.jsonl.gz`` rebuilds
the shipped ``data/baseline.json.gz`` (the gap tables) and
``data/lexicon.json.gz`` beside it (about a minute).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from tqdm import tqdm

from unstrip.baseline import DEFAULT_PATH, END, FORMAT, START, BaselineModel, piece_case
from unstrip.text.alignment import align
from unstrip.text.forms import split_by_space, written
from unstrip.text.profiles import seed as strip_seed
from unstrip.text.tokens import pieces, word_key

__all__ = ["build", "table_rows", "main"]


def table_rows(counts: dict[str, Counter], min_total: int, keep: int
               ) -> dict[str, tuple[int, dict[str, int]]]:
    """A gap table's rows: per context seen ``min_total`` times or more, its total and
    its ``keep`` most frequent insertions seen twice or more.

    >>> table_rows({"the": Counter({"": 9, ",": 2, ".": 1}), "rare": Counter({".": 1})}, 3, 12)
    {'the': (12, {'': 9, ',': 2})}
    """
    rows = {}
    for ctx, c in counts.items():
        total = sum(c.values())
        if total < min_total:
            continue
        rows[ctx] = (total, {k: v for k, v in c.most_common(keep) if v >= 2})
    return rows


def build(texts: Iterable[str], progress: bool = False) -> BaselineModel:
    """Count a baseline model from clean texts.

    Every text is stripped with the seed profile and aligned with itself, so
    the counts are exact labels; nothing else is needed.
    """
    lex: dict[str, Counter] = defaultdict(Counter)
    counts: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    priors: dict[str, Counter] = defaultdict(Counter)

    def add(kind: str, prev: str, nxt_ctx: str, value: str) -> None:
        priors[kind][value] += 1
        counts[kind + "_prev"][prev][value] += 1
        counts[kind + "_next"][nxt_ctx][value] += 1
        counts[kind + "_next"][nxt_ctx.split("|")[0]][value] += 1

    for text in tqdm(texts, desc="counting", unit="doc", disable=not progress):
        x = strip_seed(text)
        ins = align(text, x).insertions
        plist = list(pieces(x))
        for p in plist:
            inner = ins[p.start + 1 : p.end]
            if split_by_space(inner):
                continue
            lex[word_key(p.text)][_shape_form(written(p.text, inner))] += 1
        for a, b in _camel_words(plist, ins):
            lex[word_key(x[a:b])][_shape_form(written(x[a:b], ins[a + 1 : b]))] += 1
        keys = [word_key(p.text) for p in plist]
        for i, p in enumerate(plist):
            prev = keys[i - 1] if i else START
            ctx = keys[i] + "|" + piece_case(p.text)
            if p.joined:
                add("joint", prev, ctx, ins[p.start])
                continue
            lo = plist[i - 1].end if i else 0
            close = START
            if i:
                close = ins[lo]
                add("close", prev, ctx, close)
            priors["open"][ins[p.start]] += 1
            counts["open_close"][close][ins[p.start]] += 1
            counts["open_next"][ctx][ins[p.start]] += 1
            counts["open_next"][keys[i]][ins[p.start]] += 1
            for g in range(lo + 1, p.start):
                priors["middle"][ins[g]] += 1
        if plist:
            add("close", keys[-1], END, ins[plist[-1].end])

    lexicon = {}
    for key, forms in lex.items():
        total = sum(forms.values())
        kept = {f: n for f, n in forms.most_common(6) if n >= 2 or n == total}
        if not kept or (len(kept) == 1 and next(iter(kept)) == key):
            continue  # a plain lowercase word with one form: the default anyway
        lexicon[key] = kept
    tables = {
        name: table_rows(c, min_total=3, keep=12) for name, c in counts.items()
    }
    data = {
        "format": FORMAT,
        "lexicon": lexicon,
        "priors": {k: dict(v.most_common(200)) for k, v in priors.items()},
        "tables": tables,
    }
    for kind in ("close", "open", "joint", "middle"):
        data["priors"].setdefault(kind, {"": 1})
    for name in ("close_prev", "close_next", "joint_prev", "joint_next", "open_close",
                 "open_next"):
        data["tables"].setdefault(name, {})
    return BaselineModel(data)


def _camel_words(plist, ins: list[str]):
    """Spans of runs cut into several pieces that were one word in the clean text.

    Such a run was written in camel case (McDonald, iPhone): nothing stood at
    its joints and no whitespace inside it.
    """
    i = 0
    while i < len(plist):
        j = i + 1
        while j < len(plist) and plist[j].joined:
            j += 1
        if j - i > 1:
            a, b = plist[i].start, plist[j - 1].end
            if not any(ins[p.start] for p in plist[i + 1 : j]) and not split_by_space(
                ins[a + 1 : b]
            ):
                yield a, b
        i = j


def _shape_form(form: str) -> str:
    """A written form with its digits written as ``0``, case kept."""
    return re.sub(r"[0-9]", "0", form)


def main(argv: list[str] | None = None) -> int:
    """``python -m unstrip.train.count_model CORPUS... --out PATH``: count the
    baseline model from the corpora's train split."""
    import argparse

    from unstrip.text.corpus import iter_documents

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("corpus", nargs="+", help="JSONL(.gz) or .txt files of clean text")
    ap.add_argument("--out", default=str(DEFAULT_PATH),
                    help="where to write the gap tables (the lexicon goes beside them, "
                    "as lexicon.json.gz)")
    ap.add_argument("--split", default="train", help="which split to count (default: train)")
    args = ap.parse_args(argv)
    docs = (d.text for d in iter_documents(args.corpus, split=args.split))
    model = build(docs, progress=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    lexicon = Path(args.out).with_name("lexicon.json.gz")
    print(f"wrote {args.out} ({Path(args.out).stat().st_size / 1e6:.1f} MB) and {lexicon} "
          f"({lexicon.stat().st_size / 1e6:.1f} MB, {len(model.lexicon)} entries)")
    return 0



if __name__ == "__main__":
    raise SystemExit(main())
