"""The count-based baseline restorer: a lexicon and gap statistics.

This is the first restorer unstrip ships, and the yardstick for the learned
model. It is built by :func:`build` from clean text (no seed article, no dev
or test split) and stored as one gzipped JSON file inside the package.

It predicts the insertion at every gap of stripped text (see
:mod:`unstrip.text.tokens` for the gap kinds):

- ``inner`` gaps from a lexicon that maps each stripped word to the written
  forms seen for it (``dont`` -> ``don't``; ``00000`` -> ``00,000``);
- ``close``/``open``/``joint`` gaps from how often each insertion followed
  the previous word and preceded the next one, combined naive-Bayes style;
- for lowercased input, casing from the lexicon and after sentence ends.

>>> m = build(["Don't stop.\\n\\nWe said, “Go now.” Then we went."] * 3)
>>> x = "Dont stopWe said Go now Then we went"
>>> p = m.predict(x)
>>> from unstrip.text.alignment import apply
>>> print(apply(x, p.insertions, p.kept))
Don't stop.
<BLANKLINE>
We said, “Go now.” Then we went.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from tqdm import tqdm

from unstrip.decode.lexicon import COUNT_MODEL_PATH, choose_form, read_count_model
from unstrip.decode.prediction import Prediction, capitalise_sentences, strip_seed_complement
from unstrip.text.alignment import align
from unstrip.text.forms import split_by_space, written
from unstrip.text.profiles import seed as strip_seed
from unstrip.text.tokens import pieces, word_key

__all__ = ["BaselineModel", "Prediction", "build", "strip_seed_complement", "DEFAULT_PATH"]

DEFAULT_PATH = COUNT_MODEL_PATH
FORMAT = "unstrip-baseline/1"
START, END = "<s>", "</s>"

# How strongly a context's counts are pulled towards the overall prior.
_SMOOTH = 2.0
_MAX_CANDIDATES = 48


def _cap(piece: str) -> str:
    if piece[:1].isupper():
        return "U" if piece.isupper() and len(piece) > 1 else "C"
    return "l" if piece[:1].isalpha() else "d"


class _Table:
    """Counts of insertions given a context, with totals kept after pruning."""

    def __init__(self, data: dict | None = None):
        self.rows: dict[str, tuple[int, dict[str, int]]] = data or {}

    @staticmethod
    def from_counts(counts: dict[str, Counter], min_total: int, keep: int) -> _Table:
        rows = {}
        for ctx, c in counts.items():
            total = sum(c.values())
            if total < min_total:
                continue
            rows[ctx] = (total, {k: v for k, v in c.most_common(keep) if v >= 2})
        return _Table(rows)

    def logp(self, ctx: str, cand: str, prior: float) -> float:
        row = self.rows.get(ctx)
        if row is None:
            return math.log(prior)
        total, counts = row
        return math.log((counts.get(cand, 0) + _SMOOTH * prior) / (total + _SMOOTH))


class _Prior:
    def __init__(self, counts: dict[str, int]):
        self.counts = counts
        total = sum(counts.values()) or 1
        self.p = {k: v / total for k, v in counts.items()}
        self.floor = 0.5 / total
        self.top = [k for k, _ in sorted(counts.items(), key=lambda kv: -kv[1])][:_MAX_CANDIDATES]

    def __call__(self, cand: str) -> float:
        return self.p.get(cand, self.floor)


def _choose(cands: list[str], score) -> tuple[str, float]:
    scores = [score(c) for c in cands]
    best = max(range(len(cands)), key=scores.__getitem__)
    top = scores[best]
    z = sum(math.exp(s - top) for s in scores)
    return cands[best], 1.0 / z


class BaselineModel:
    """Lexicon plus gap statistics; see the module docstring."""

    def __init__(self, data: dict):
        if data.get("format") != FORMAT:
            raise ValueError(f"not an unstrip baseline model (format {data.get('format')!r})")
        self.data = data
        self.lexicon: dict[str, dict[str, int]] = data["lexicon"]
        self.priors = {k: _Prior(v) for k, v in data["priors"].items()}
        self.tables = {k: _Table(v) for k, v in data["tables"].items()}

    # -- persistence -------------------------------------------------------
    def save(self, path: str | Path) -> None:
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            json.dump(self.data, fh, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def load(cls, path: str | Path = DEFAULT_PATH) -> BaselineModel:
        return cls(read_count_model(path))

    # -- prediction --------------------------------------------------------
    def _gap(self, kind: str, prev: str, nxt: str, nxt_ctx: str) -> tuple[str, float]:
        prior = self.priors[kind]
        t_prev, t_next = self.tables[kind + "_prev"], self.tables[kind + "_next"]

        def score(c: str) -> float:
            p = prior(c)
            return t_prev.logp(prev, c, p) + t_next.logp(nxt_ctx, c, p) - math.log(p)

        return _choose(prior.top, score)

    def predict(self, text: str, cased: bool = True) -> Prediction:
        """Predict the insertion at every gap of stripped ``text``.

        ``cased`` says the input kept its capitals (seed profile); otherwise
        the input is taken as lowercased and casing is predicted too.
        """
        n = len(text)
        ins = [""] * (n + 1)
        conf = [1.0] * (n + 1)
        kept = list(text)
        plist = list(pieces(text))
        forms: list[str] = []
        for p in plist:
            form, c = choose_form(self.lexicon, p.text, cased)
            forms.append(form)
            # Spread the form's interior insertions over the piece's gaps.
            a = align(form, p.text if cased else p.text.lower(), "seed" if cased else "lower")
            for k in range(1, len(p.text)):
                if a.insertions[k]:
                    ins[p.start + k] = a.insertions[k]
                    conf[p.start + k] = c
            if not cased:
                kept[p.start : p.end] = a.kept
        keys = [word_key(p.text) for p in plist]
        ctxs = [(k + "|" + _cap(p.text)) if cased else k for k, p in zip(keys, plist, strict=True)]
        for i, p in enumerate(plist):
            prev = keys[i - 1] if i else START
            if p.joined:
                ins[p.start], conf[p.start] = self._gap("joint", prev, keys[i], ctxs[i])
                continue
            # Space run (or text start) before this piece.
            lo = plist[i - 1].end if i else 0
            if i:
                close, conf[lo] = self._gap("close", prev, keys[i], ctxs[i])
                ins[lo] = close
            else:
                close = START
            ins[p.start], conf[p.start] = self._open(close, keys[i], ctxs[i])
            for g in range(lo + 1, p.start):
                ins[g], conf[g] = self._middle()
        if plist:
            last = plist[-1].end
            ins[last], conf[last] = self._gap("close", keys[-1], END, END)
        else:
            return Prediction(ins, conf, text, passes=["baseline"] * (n + 1),
                              case_passes=["baseline"] * n)
        if not cased:
            capitalise_sentences(text, ins, kept, plist)
        # The seed profile keeps ASCII letters, digits and spaces; an
        # insertion must never hold one, whatever the tables say.
        ins = [strip_seed_complement(s) for s in ins]
        return Prediction(ins, conf, "".join(kept), passes=["baseline"] * (n + 1),
                          case_passes=["baseline"] * n)

    def _open(self, close: str, nxt: str, nxt_ctx: str) -> tuple[str, float]:
        prior = self.priors["open"]
        t_close, t_next = self.tables["open_close"], self.tables["open_next"]

        def score(o: str) -> float:
            p = prior(o)
            return t_close.logp(close, o, p) + t_next.logp(nxt_ctx, o, p) - math.log(p)

        return _choose(prior.top, score)

    def _middle(self) -> tuple[str, float]:
        prior = self.priors["middle"]
        best = prior.top[0] if prior.top else ""
        return best, prior(best)


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
            ctx = keys[i] + "|" + _cap(p.text)
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
        name: _Table.from_counts(c, min_total=3, keep=12).rows for name, c in counts.items()
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
    """``python -m unstrip.baseline CORPUS... --out PATH``: build the baseline."""
    import argparse

    from unstrip.text.corpus import iter_documents

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("corpus", nargs="+", help="JSONL(.gz) or .txt files of clean text")
    ap.add_argument("--out", default=str(DEFAULT_PATH), help="where to write the model")
    ap.add_argument("--split", default="train", help="which split to count (default: train)")
    args = ap.parse_args(argv)
    docs = (d.text for d in iter_documents(args.corpus, split=args.split))
    model = build(docs, progress=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    print(f"wrote {args.out} ({Path(args.out).stat().st_size / 1e6:.1f} MB, "
          f"{len(model.lexicon)} lexicon entries)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
