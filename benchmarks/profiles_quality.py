"""Restoration quality per damage profile on the news dev documents.

For every strip profile P, each gold document G of
``unstrip.evalsets.documents("news", PART)`` is damaged to X = P(G), restored
with ``Restorer().restore(X, P)`` (the profile named, as a caller would) and
scored by :mod:`unstrip.scoring` under P: marks micro P / R / F1, invariant
violations (documents where P(restored) != X; there must be none), casing
accuracy for the lowercased profiles and paragraph P / R / F1 (the
``paragraph`` mark) for ``newlines``.

``--accents`` adds, for ``punct`` and ``word``, the same documents with
accented names (:func:`accent`: ``Reuters`` -> ``Reutérs``, ``London`` ->
``Londön``): the marks around them are the same, so equal F1 means the
restorer works around kept non-ASCII letters as around ASCII ones.

    python benchmarks/profiles_quality.py --part report            # all profiles
    python benchmarks/profiles_quality.py --part tune --profiles newlines --limit 100

Output (one line per profile, then the accented rows):

    profile      docs   micro-P  micro-R  micro-F1  violations  extra
    seed          648    0.8...
"""

from __future__ import annotations

import argparse
import json
import re
import sys

from unstrip import Restorer
from unstrip.evalsets import documents
from unstrip.profiles import LOWERED_PROFILES, PROFILES, STRIP_PROFILES
from unstrip.scoring import Score, score_document

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
    a = ap.parse_args(argv)
    golds = [d.text for d in documents("news", a.part, limit=a.limit)]
    if not golds:
        print("no news dev documents: is ../shared/corpora there?", file=sys.stderr)
        return 2
    restorer = Restorer(a.model)
    rows = [row(p, measure(restorer, golds, p)) for p in a.profiles.split(",")]
    if a.accents:
        accented = [accent(g) for g in golds]
        for p in ("punct", "word"):
            rows.append(row(f"{p}+accents", measure(restorer, accented, p)))
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
