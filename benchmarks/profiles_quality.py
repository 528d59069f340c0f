"""Restoration quality per damage profile on the news dev documents.

For every strip profile P, each gold document G of
``unstrip.evaluate.evalsets.documents("news", PART)`` is damaged to X = P(G), restored
with ``Restorer().restore(X, P)`` (the profile named, as a caller would) and
scored by :mod:`unstrip.evaluate.scoring` under P: marks micro P / R / F1, invariant
violations (documents where P(restored) != X; there must be none), casing
accuracy for the lowercased profiles and paragraph P / R / F1 (the
``paragraph`` mark) for ``newlines``.

``--accents`` adds, for ``punct`` and ``word``, the same documents with
accented names (:func:`accent`: ``Reuters`` -> ``Reutérs``, ``London`` ->
``Londön``): the marks around them are the same, so equal F1 means the
restorer works around kept non-ASCII letters as around ASCII ones. It also
adds the documents with every such name replaced by ``東京`` (``+cjk``): a
word the network cannot read at all, so some loss there is expected.

    python benchmarks/profiles_quality.py --part report            # all profiles
    python benchmarks/profiles_quality.py --part tune --profiles newlines --limit 100
    python benchmarks/profiles_quality.py --fit-paragraphs 1500   # newlines' weights

``--fit-paragraphs N`` refits the weights of ``unstrip.decode.paragraphs.PARAGRAPH_WEIGHTS``
(L2-regularised logistic regression by Newton's method, numpy only) on the
sentence ends of N shuffled (seed 1) train-split documents of each news source
whose bodies keep their paragraphs (:data:`PARAGRAPHED_NEWS`: BBC features and
Reuters wire stories; the other two news sources' collectors flattened each
body into one paragraph), labelled by whether the gold text had a line break
there, features taken with the gold paragraph so far. It prints the weights
and, for each threshold, the paragraph P / R / F1 on the news ``tune`` part of
each of those sources, their mean F1 (what the threshold is chosen by) and
the F1 over all news tune documents.

Output (one line per profile, then the accented rows):

    profile      docs   micro-P  micro-R  micro-F1  violations  extra
    seed          648    0.8...
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys

import numpy as np

from unstrip import Restorer
from unstrip.decode import paragraphs as R
from unstrip.evaluate.evalsets import FAMILIES, documents
from unstrip.evaluate.scoring import Score, score_document
from unstrip.text.corpus import corpus_files, iter_documents
from unstrip.text.damage import sentence_ends
from unstrip.text.profiles import LOWERED_PROFILES, PROFILES, STRIP_PROFILES, newlines

_NAME = re.compile(r"\b[A-Z][a-z]{3,}\b")
_ACCENT = {"e": "é", "o": "ö", "u": "ü", "a": "á", "i": "ï"}


def accent(text: str) -> str:
    """Give every capitalised word of four letters or more one accented vowel.

    The last plain vowel after the first letter takes an accent; the length
    of the text and every mark stay as they were.

    >>> accent("Reuters said London and Paris, not Oslo, agreed.")
    'Reutérs said Londön and Parïs, not Oslö, agreed.'
    """
    def one(m: re.Match) -> str:
        w = m.group()
        for k in range(len(w) - 1, 0, -1):
            if w[k] in _ACCENT:
                return w[:k] + _ACCENT[w[k]] + w[k + 1 :]
        return w

    return _NAME.sub(one, text)


def measure(restorer: Restorer, golds: list[str], profile: str) -> Score:
    damage = PROFILES[profile]
    total = Score(profile=profile)
    for gold in golds:
        pred = restorer.restore(damage(gold), profile)
        total.update(score_document(gold, pred, profile))
    return total


def row(name: str, s: Score) -> dict:
    m = s.micro()
    out = {"profile": name, "documents": s.documents, "micro_precision": round(m["precision"], 4),
           "micro_recall": round(m["recall"], 4), "micro_f1": round(m["f1"], 4),
           "violations": s.violations}
    if s.profile in LOWERED_PROFILES:
        out["casing_accuracy"] = round(s.casing_accuracy, 4)
    if s.profile == "newlines":
        p = s.per_mark()["paragraph"]
        out["paragraph"] = {k: round(p[k], 4) if isinstance(p[k], float) else p[k]
                            for k in ("precision", "recall", "f1", "gold", "pred")}
    return out


_BREAK = re.compile(r"\s*[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]\s*")


def _labelled_ends(gold: str) -> tuple[str, list[int], list[bool]]:
    """The flattened text, its sentence ends, and whether each was a paragraph break."""
    flat = newlines(gold)
    breaks, pos, at = set(), 0, 0
    for m in _BREAK.finditer(gold):
        at += m.start() - pos
        breaks.add(at)
        at += 1
        pos = m.end()
    ends = sentence_ends(flat)
    return flat, ends, [e in breaks for e in ends]


PARAGRAPHED_NEWS = ("bbc", "reuters87")
"""The news sources whose documents keep their body paragraphs."""


def fit_paragraphs(n_docs: int, l2: float = 0.05, sources: set[str] | None = None,
                   per_source: bool = False) -> np.ndarray:
    """Weights for :func:`unstrip.decode.paragraphs.paragraph_features` fitted on the
    sentence ends of ``n_docs`` train documents of ``sources`` (default: news), or
    ``n_docs`` of each source with ``per_source``."""
    sources = set(FAMILIES["news"]) if sources is None else sources
    pool = [d for d in iter_documents(corpus_files(), split="train") if d.source in sources]
    if per_source:
        docs = []
        for source in sorted(sources):
            texts = [d.text for d in pool if d.source == source]
            random.Random(1).shuffle(texts)
            docs += texts[:n_docs]
    else:
        docs = [d.text for d in pool]
        random.Random(1).shuffle(docs)
        docs = docs[:n_docs]
    rows, labels = [], []
    for gold in docs:
        flat, ends, ys = _labelled_ends(gold)
        last, count = -1, 0
        for k, y in enumerate(ys):
            count += 1
            rows.append(R.paragraph_features(flat, ends, k, last, count))
            labels.append(y)
            if y:
                last, count = ends[k], 0
    x = np.array(rows, dtype=float)
    y = np.array(labels, dtype=float)
    w = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-x @ w))
        grad = x.T @ (p - y) + l2 * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + l2 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-7:
            break
    print(f"{len(y)} sentence ends, {y.mean():.3f} of them breaks")
    print("weights:", [round(float(v), 4) for v in w])
    return w


def paragraph_f1(w, threshold: float, golds: list[str]) -> tuple[float, float, float]:
    """Paragraph P / R / F1 of :func:`restorer.paragraph_breaks` with weights ``w``."""
    saved = R.PARAGRAPH_WEIGHTS, R.PARAGRAPH_THRESHOLD
    R.PARAGRAPH_WEIGHTS, R.PARAGRAPH_THRESHOLD = tuple(w), threshold
    tp = gold_n = pred_n = 0
    try:
        for gold in golds:
            flat, ends, ys = _labelled_ends(gold)
            truth = {e for e, y in zip(ends, ys, strict=True) if y}
            found = {i for i, _ in R.paragraph_breaks(flat)}
            tp += len(truth & found)
            gold_n += len(_BREAK.findall(gold.strip()))
            pred_n += len(found)
    finally:
        R.PARAGRAPH_WEIGHTS, R.PARAGRAPH_THRESHOLD = saved
    p, r = tp / max(1, pred_n), tp / max(1, gold_n)
    return p, r, 2 * p * r / max(1e-9, p + r)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--part", default="report", choices=("tune", "report"))
    ap.add_argument("--limit", type=int, default=None, help="first N documents (by id hash)")
    ap.add_argument("--profiles", default=",".join(STRIP_PROFILES),
                    help="comma-separated strip profiles (default: all)")
    ap.add_argument("--accents", action="store_true",
                    help="also punct and word on the documents with accented names")
    ap.add_argument("--model", default="auto")
    ap.add_argument("--json", action="store_true", help="one JSON object per line")
    ap.add_argument("--fit-paragraphs", type=int, metavar="N", default=0,
                    help="refit newlines' paragraph weights on N train documents of each "
                         "paragraphed news source and stop")
    a = ap.parse_args(argv)
    if a.fit_paragraphs:
        w = fit_paragraphs(a.fit_paragraphs, sources=set(PARAGRAPHED_NEWS), per_source=True)
        tune = documents("news", "tune")
        every = [d.text for d in tune]
        for t in (0.3, 0.35, 0.4, 0.45, 0.5):
            f1s, parts = [], []
            for source in PARAGRAPHED_NEWS:
                p, r, f = paragraph_f1(w, t, [d.text for d in tune if d.source == source])
                f1s.append(f)
                parts.append(f"{source} {p:.3f}/{r:.3f}/{f:.3f}")
            print(f"threshold {t:.2f}: paragraph P/R/F1 {', '.join(parts)}; "
                  f"mean F1 {sum(f1s) / len(f1s):.4f}; all news %.3f/%.3f/%.3f"
                  % paragraph_f1(w, t, every))
        return 0
    golds = [d.text for d in documents("news", a.part, limit=a.limit)]
    if not golds:
        print("no news dev documents: is ../shared/corpora there?", file=sys.stderr)
        return 2
    restorer = Restorer(a.model)
    rows = [row(p, measure(restorer, golds, p)) for p in a.profiles.split(",")]
    if a.accents:
        accented = [accent(g) for g in golds]
        cjk = [_NAME.sub("東京", g) for g in golds]
        for p in ("punct", "word"):
            rows.append(row(f"{p}+accents", measure(restorer, accented, p)))
        for p in ("punct", "word"):
            rows.append(row(f"{p}+cjk", measure(restorer, cjk, p)))
    for r in rows:
        if a.json:
            print(json.dumps(r))
            continue
        extra = ""
        if "casing_accuracy" in r:
            extra = f"casing {r['casing_accuracy']:.4f}"
        if "paragraph" in r:
            p = r["paragraph"]
            extra = (f"paragraph P/R/F1 {p['precision']:.4f}/{p['recall']:.4f}/{p['f1']:.4f}"
                     f" (gold {p['gold']}, pred {p['pred']})")
        print(f"{r['profile']:<16}{r['documents']:>5}{r['micro_precision']:>9.4f}"
              f"{r['micro_recall']:>9.4f}{r['micro_f1']:>10.4f}{r['violations']:>6}  {extra}",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
