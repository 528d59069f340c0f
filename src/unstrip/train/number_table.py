"""Build the number-mark calibrator (:class:`unstrip.decode.numbers.NumberTable`).

Restores documents of the news corpora's **train** split (``seed`` profile)
with the shipped model, number safety off, and records every number the
restoration writes with a value mark: its features
(:func:`unstrip.decode.numbers.number_features`) and whether it is written
exactly as in the clean text (the form :func:`unstrip.evaluate.scoring.number_values`
compares). A logistic regression with an L2 penalty, fitted by Newton's
method in numpy, turns them into named weights; features seen fewer than
``--min-count`` times (15: the crosses of shapes and words make many rare
ones, and the table stays under 16 KB) are dropped, and such words share the
``<other>`` weight of their kind.

    python -m unstrip.train.number_table collect --out runs/number_units.jsonl.gz  # ~1.35M words
    python -m unstrip.train.number_table fit runs/number_units.jsonl.gz \
        --out src/unstrip/data/number_table.json

No dev, test, seed-article or IWSLT text is read. The threshold is chosen
apart, on the news ``tune`` documents (``benchmarks/number_safety.py``).

>>> rows = [({"next=mln": 1.0, "conf": 2.0}, True), ({"next=mln": 1.0, "conf": -1.0}, False)] * 5
>>> t = fit(rows, min_count=1, l2=1.0)
>>> t.probability({"next=mln": 1.0, "conf": 2.0}) > 0.5 > t.probability({"conf": -1.0})
True
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from unstrip.decode import pipeline
from unstrip.decode.numbers import OTHER, NumberTable, mark_sources, number_features, number_units
from unstrip.decode.wordcontext import text_pairs
from unstrip.evaluate.evalsets import FAMILIES
from unstrip.evaluate.scoring import _number_forms
from unstrip.text.alignment import align
from unstrip.text.corpus import corpus_files, iter_documents
from unstrip.text.profiles import seed

WORD_KINDS = ("prev", "next", "glued", "suffix")
NUMERIC = ("conf", "conf_sign", "conf_lexicon", "conf_other")

#: Words of train documents restored per source (about the dev split's mix).
BUDGET = {"reuters87": 250_000, "newsarticles": 150_000, "bbc": 80_000, "reuters": 60_000}


def train_documents(budget: dict[str, int] = BUDGET) -> list:
    """News train documents with digits, in id-hash order, up to ``budget`` words per source."""
    by_source: dict[str, list] = {s: [] for s in FAMILIES["news"]}
    for d in iter_documents(corpus_files(), split="train"):
        if d.source in by_source and any(c.isdigit() for c in d.text):
            by_source[d.source].append(d)
    out = []
    for source, docs in by_source.items():
        docs.sort(key=lambda d: hashlib.sha1(d.id.encode("utf-8")).hexdigest())
        words = 0
        for d in docs:
            if words >= budget.get(source, 0):
                break
            out.append(d)
            words += len(d.text.split())
    return out


def restore_unscored(model, text: str, cased: bool = True, pairs=None):
    """``model``'s prediction for ``text`` with the numbers pass left out, and the state that
    pass would read: ``(prediction, insertions, confidences, mark sources)``.

    Every value mark the network and the other passes write is in the
    prediction; the numbers pass runs after all passes that write insertions,
    so the insertions it would read are the prediction's own. ``pairs``
    defaults to :func:`unstrip.decode.wordcontext.text_pairs` of ``text`` for
    cased input (as the restorer gives a whole document), none for lowercased.
    """
    grabbed = {}

    def grab(dec, st):
        grabbed["x"] = (list(st.ins), list(st.conf),
                        mark_sources(st.ins, st.conf, st.network, st.inner))

    saved = pipeline.PASSES
    pipeline.PASSES = tuple((n, grab if n == "numbers" else f) for n, f in saved)
    if pairs is None and cased:
        pairs = text_pairs(text)
    try:
        pred = model.predict(text, cased=cased, pairs=pairs)
    finally:
        pipeline.PASSES = saved
    if "x" not in grabbed:  # no word pieces: nothing written
        n = len(text)
        grabbed["x"] = ([""] * (n + 1), [1.0] * (n + 1), {})
    return (pred, *grabbed["x"])


def record(model, text: str) -> tuple[list[str], list[float], dict[int, str]]:
    """The insertions, confidences and mark sources just before the numbers pass."""
    return restore_unscored(model, text)[1:]


def labelled_units(gold: str, text: str, ins, conf, sources) -> list[tuple[dict, bool]]:
    """``(features, right)`` for every number of ``text`` that ``ins`` writes with a value mark."""
    g_forms = _number_forms(align(gold, text, "seed").insertions, text)
    p_forms = _number_forms(ins, text)
    starts = [i for i in range(len(text))
              if text[i].isdigit() and text[i].isascii() and (i == 0 or not (
                  text[i - 1].isdigit() and text[i - 1].isascii()))]
    form_at = {s: (g, p) for s, (g, _), (p, _) in zip(starts, g_forms, p_forms, strict=True)}
    units = number_units(text, ins)
    return [(f, form_at[u.start][0] == form_at[u.start][1])
            for u, f in zip(units, number_features(text, ins, conf, sources, units), strict=True)]


def collect(model, docs: Iterable, out: Path) -> int:
    """Restore ``docs`` and write one JSON line ``{"f": features, "y": right, "src": ...}``
    per value-marked number; returns the count."""
    n = 0
    with gzip.open(out, "wt", encoding="utf-8") as fh:
        for d in docs:
            text = seed(d.text)
            if not text.strip():
                continue
            ins, conf, sources = record(model, text)
            for f, y in labelled_units(d.text, text, ins, conf, sources):
                fh.write(json.dumps({"f": f, "y": y, "source": d.source}) + "\n")
                n += 1
    return n


def read_rows(path: Path) -> list[tuple[dict, bool]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [(r["f"], bool(r["y"])) for r in map(json.loads, fh)]


def _vocabulary(rows, min_count: int) -> list[str]:
    counts = Counter(k for f, _ in rows for k in f)
    names = set()
    for k, c in counts.items():
        kind = k.split("=", 1)[0]
        if k in NUMERIC or c >= min_count:
            names.add(k)
        if kind in WORD_KINDS:
            names.add(f"{kind}={OTHER}")
    return sorted(names)


def _mapped(f: dict, index: dict) -> dict[int, float]:
    out = {}
    for k, v in f.items():
        if k not in index and "=" in k and k.split("=", 1)[0] in WORD_KINDS:
            k = k.split("=", 1)[0] + "=" + OTHER
        if k in index:
            out[index[k]] = out.get(index[k], 0.0) + v
    return out


def fit(rows: list[tuple[dict, bool]], min_count: int = 15, l2: float = 2.0,
        steps: int = 30) -> NumberTable:
    """L2-penalised logistic regression (unpenalised bias) by Newton's method."""
    names = _vocabulary(rows, min_count)
    index = {k: i for i, k in enumerate(names)}
    x = np.zeros((len(rows), len(names) + 1))
    x[:, -1] = 1.0
    for r, (f, _) in enumerate(rows):
        for i, v in _mapped(f, index).items():
            x[r, i] = v
    y = np.array([float(right) for _, right in rows])
    w = np.zeros(x.shape[1])
    pen = np.full(x.shape[1], l2)
    pen[-1] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        grad = x.T @ (p - y) + pen * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(pen + 1e-6)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    weights = {k: float(w[i]) for k, i in index.items() if abs(w[i]) >= 5e-4}
    meta = {"numbers": len(rows), "right": int(y.sum()), "min_count": min_count, "l2": l2,
            "built_by": "python -m unstrip.train.number_table fit"}
    return NumberTable(float(w[-1]), weights, meta)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("collect", help="restore news train documents and record their numbers")
    c.add_argument("--out", type=Path, default=Path("runs/number_units.jsonl.gz"),
                   help="JSONL.gz of labelled numbers (default: %(default)s)")
    c.add_argument("--scale", type=float, default=2.5,
                   help="multiply the words restored per source (BUDGET) by this "
                        "(default: %(default)s, about 1.35M words)")
    c.add_argument("--model", default="auto", help="a model name or dir (default: auto)")
    f = sub.add_parser("fit", help="fit the table on recorded numbers")
    f.add_argument("rows", type=Path, help="the output of collect")
    f.add_argument("--out", type=Path, required=True, help="where to write the table JSON")
    f.add_argument("--min-count", type=int, default=15,
                   help="rarer features are dropped, rarer words share <other> "
                        "(default: %(default)s)")
    f.add_argument("--l2", type=float, default=2.0, help="L2 penalty (default: 2)")
    args = ap.parse_args(argv)
    if args.cmd == "collect":
        from unstrip.models import load_model

        model = load_model(args.model)
        docs = train_documents({k: int(v * args.scale) for k, v in BUDGET.items()})
        args.out.parent.mkdir(parents=True, exist_ok=True)
        n = collect(model, docs, args.out)
        print(f"{len(docs)} train documents, {n} value-marked numbers -> {args.out}")
        return 0
    rows = read_rows(args.rows)
    table = fit(rows, args.min_count, args.l2)
    table.save(args.out)
    print(f"{len(rows)} numbers, {int(sum(y for _, y in rows))} right; "
          f"{len(table.weights)} weights -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
