"""Number value precision against the confidence a value-changing mark needs.

A restorer that writes ``pay 1200 a year`` as ``pay $12.00 a year`` changes
what the number says. :func:`unstrip.decode.rules.number_safe` drops such marks
(a decimal point, ``:``, ``-`` or ``/`` between digits, ``%`` after them, a
currency sign before them) where the model's confidence is below the
model's ``decoding.number_confidence`` (marks between digits) or
``decoding.number_sign_confidence`` (``%`` and currency signs). This script restores the news dev
documents of one part (:func:`unstrip.evaluate.evalsets.documents`, ``seed``
profile) once with every such mark written, then for each threshold prints

- number value precision and recall (:func:`unstrip.evaluate.scoring.number_values`):
  of the numbers written with such a mark, the share written exactly as in
  the gold, and of the gold numbers written with one, the share restored;
- news marks micro-F1 (:func:`unstrip.evaluate.scoring.score_corpus`).

Every pair of ``--thresholds`` (between digits) and ``--sign-thresholds``
(``%``, currency) is tried; a sign threshold of ``-1`` means "the same as
the other".

    python benchmarks/number_safety.py --part tune --thresholds 0 0.5 0.6 0.65 0.7 \
        --sign-thresholds -1 0.8 0.9 0.95
    python benchmarks/number_safety.py --part report --thresholds 0 0.65 \
        --sign-thresholds -1 0.9 --check 20

Applying the threshold after the restoration is exact: the decision at a
gap depends only on its insertion, its confidence and the digits beside it,
and nothing decided later reads a number's marks (``--check N`` compares
with the model run at its configured threshold on the first N documents).
Thresholds are chosen on ``tune``; ``report`` is only measured.

``--method calibrated`` measures the number table instead
(:mod:`unstrip.decode.numbers`; ``--table`` another one than the shipped
table): the documents are restored once with the table scoring every
value-marked number and dropping none, and each ``--probabilities`` value
then drops the value marks of every number scored below it, exactly as the
decoder does at that ``decoding.number_probability``:

    python benchmarks/number_safety.py --part tune --method calibrated \
        --probabilities 0 0.5 0.7 0.8 0.9 0.95
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

from unstrip import Restorer
from unstrip.decode.numbers import NumberTable, number_units, shipped_number_table
from unstrip.decode.rules import number_safe, value_marks
from unstrip.evaluate.evalsets import documents
from unstrip.evaluate.scoring import number_values, score_corpus
from unstrip.models import load_model
from unstrip.text.profiles import seed


def render(text: str, ins: list[str]) -> str:
    """``text`` with ``ins[g]`` before character ``g`` (and the last one at the end)."""
    return "".join(s + c for s, c in zip(ins, text, strict=False)) + ins[len(text)]


def restore_all(restorer: Restorer, golds: list[str]) -> list[tuple[str, list[str], list[float]]]:
    """Per document: the damaged text, and the insertion and confidence at every gap."""
    out = []
    for gold in golds:
        text = seed(gold)
        ins = [""] * (len(text) + 1)
        conf = [1.0] * (len(text) + 1)
        for item in restorer.explain(text, profile="seed").insertions:
            ins[item.offset], conf[item.offset] = item.insert, item.confidence
        out.append((text, ins, conf))
    return out


def drop_below(text: str, ins: list[str], conf: list[float], p: float) -> list[str]:
    """``ins`` without the value marks of every number whose table score (the confidence
    the calibrated decoder gave its value-marked gaps) is below ``p``."""
    out = list(ins)
    for unit in number_units(text, ins):
        if min(conf[g] for g in unit.gaps) < p:
            for g in unit.gaps:
                drop = value_marks(text, g, out[g])
                out[g] = "".join(ch for ch in out[g] if ch not in drop)
    return out


def calibrated(args, model, golds: list[str]) -> dict:
    """The rows of ``--method calibrated``: one restoration, every ``--probabilities`` value."""
    table = NumberTable.load(args.table) if args.table else shipped_number_table()
    configured = getattr(model, "number_probability", 0.0)
    model.number_table, model.number_probability = table, 0.0
    restored = restore_all(Restorer(model), golds)
    rows = []
    for p in args.probabilities:
        preds = [render(text, drop_below(text, ins, conf, p)) for text, ins, conf in restored]
        nv = number_values(zip(golds, preds, strict=True))
        f1 = score_corpus(zip(golds, preds, strict=True)).micro_f1
        rows.append({"threshold": p, "sign": p, **nv, "micro_f1": round(f1, 5)})
    result = {"configured": configured, "rows": rows}
    if args.check:
        model.number_probability = configured
        live = Restorer(model)
        same = sum(live.restore(text, profile="seed")
                   == render(text, drop_below(text, ins, conf, configured))
                   for text, ins, conf in restored[: args.check])
        result["check"] = f"{same}/{min(args.check, len(restored))} documents identical"
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=("tune", "report"), default="tune")
    ap.add_argument("--thresholds", type=float, nargs="+",
                    default=[0.0, 0.5, 0.6, 0.65, 0.7, 0.8, 0.9, 0.95])
    ap.add_argument("--sign-thresholds", type=float, nargs="+", default=[-1.0, 0.9])
    ap.add_argument("--limit", type=int, default=None, help="at most this many documents")
    ap.add_argument("--model", default="auto", help="a model name or dir for load_model")
    ap.add_argument("--check", type=int, default=0,
                    help="compare with the model at its own threshold on this many documents")
    ap.add_argument("--buckets", action="store_true",
                    help="also count right and wrong value marks by confidence")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--method", choices=("confidence", "calibrated"), default="confidence",
                    help="confidence thresholds, or the number table's probability")
    ap.add_argument("--probabilities", type=float, nargs="+",
                    default=[0.0, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95],
                    help="with --method calibrated: the number_probability values to try")
    ap.add_argument("--table", default=None,
                    help="with --method calibrated: a number table JSON (default: shipped)")
    args = ap.parse_args()

    docs = documents("news", args.part, limit=args.limit)
    if not docs:
        print("no news dev documents (is ../shared/corpora there?)", file=sys.stderr)
        return 1
    golds = [d.text for d in docs]
    model = load_model(args.model)
    if args.method == "calibrated":
        result = {"part": args.part, "documents": len(docs), "method": "calibrated",
                  **calibrated(args, model, golds)}
        return report(args, result)
    model.number_table = None
    configured = (getattr(model, "number_confidence", 0.0),
                  getattr(model, "number_sign_confidence", 0.0))
    model.number_confidence = model.number_sign_confidence = 0.0
    restored = restore_all(Restorer(model), golds)

    rows = []
    for t in args.thresholds:
        for st in args.sign_thresholds:
            st = t if st < 0 else st
            if any(r["threshold"] == t and r["sign"] == st for r in rows):
                continue
            preds = [render(text, number_safe(text, ins, conf, t, st)[0])
                     for text, ins, conf in restored]
            nv = number_values(zip(golds, preds, strict=True))
            f1 = score_corpus(zip(golds, preds, strict=True)).micro_f1
            rows.append({"threshold": t, "sign": st, **nv, "micro_f1": round(f1, 4)})

    result = {"part": args.part, "documents": len(docs), "configured": configured, "rows": rows}
    if args.buckets:
        result["buckets"] = buckets(golds, restored)
    if args.check:
        model.number_confidence, model.number_sign_confidence = configured
        live = Restorer(model)
        same = sum(
            live.restore(text, profile="seed") == render(text, number_safe(
                text, ins, conf, *configured)[0])
            for text, ins, conf in restored[: args.check])
        result["check"] = f"{same}/{min(args.check, len(restored))} documents identical"

    return report(args, result)


def report(args, result: dict) -> int:
    """Print ``result`` as JSON or as a table."""
    rows = result["rows"]
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"news {args.part}: {result['documents']} documents, seed profile; "
          f"method {args.method}, model's configured threshold {result['configured']}")
    print(f"{'between':>7} {'sign':>5} {'marked':>7} {'right':>6} {'precision':>9} "
          f"{'recall':>7} {'micro-F1':>8}")
    for r in rows:
        print(f"{r['threshold']:>7.2f} {r['sign']:>5.2f} {r['pred_marked']:>7} {r['right']:>6} "
              f"{r['precision']:>9.4f} {r['recall']:>7.4f} {r['micro_f1']:>8.5f}")
    print(f"gold numbers with a value mark: {rows[0]['gold_marked']} of {rows[0]['numbers']}")
    for line in result.get("buckets", []):
        print(line)
    if "check" in result:
        print("check:", result["check"])
    return 0


def buckets(golds: list[str], restored) -> list[str]:
    """Value-marked gaps by confidence tenth: how many the gold writes the same."""
    right, total = Counter(), Counter()
    for gold, (text, ins, conf) in zip(golds, restored, strict=True):
        from unstrip.text.alignment import align

        g_ins = align(gold, text, "seed").insertions
        for g, s in enumerate(ins):
            if s and value_marks(text, g, s):
                b = min(int(conf[g] * 10), 9)
                total[b] += 1
                right[b] += value_marks(text, g, g_ins[g]) == value_marks(text, g, s)
    return [f"conf {b / 10:.1f}-{(b + 1) / 10:.1f}: {right[b]}/{total[b]} value marks as in gold"
            for b in sorted(total)]


if __name__ == "__main__":
    raise SystemExit(main())
