"""Value marks out of domain: each number policy measured where its table was not fitted.

The number table (:mod:`unstrip.decode.numbers`) is fitted on restorations
of news train documents; measured on the dev documents of the same news
sources it looks better than it is on anyone else's text. This script
measures it, and the number policies of :mod:`unstrip.decode.number_policy`
(``keep``, ``safe``, ``guess``), away from where it was fitted:

- **leave one source out**: for each news source (``bbc``, ``reuters``,
  ``reuters87``, ``newsarticles``) a table is fitted on a sample of the
  *other three* sources' train documents and tested on the left-out source's
  dev documents;
- **other domains**: the shipped table on speeches (``speeches``, ``sotu``,
  ``inaugural``), court (``scotus``), TED (``ted``) and dialogue
  (``dailydialog``, ``topicalchat``, ``cornell``, ``friends``) dev text.

Both in the ``seed`` and the ``lower`` profile. Per fold or domain and
policy it prints value-mark precision and recall
(:func:`unstrip.evaluate.scoring.number_values`), how many numbers were
written with a value mark, and the marks micro-F1 against ``guess``.

Restoring is the slow part, so it is done once and cached under
``artifacts/number_domains/`` (``collect``): every restoration is kept with
all its value marks written and the numbers pass left out
(:func:`unstrip.train.number_table.restore_unscored`), so any table and
threshold can be applied to it afterwards exactly as the decoder would.
News documents are restored whole; in the other domains, where digits are
rare, each paragraph that holds a digit is restored as a text of its own
(a court argument is 10,000 words, a few of them numbers).

    python benchmarks/number_domains.py collect --train-docs 300 --news-docs 400
    python benchmarks/number_domains.py report
    python benchmarks/number_domains.py report --profiles lower --json
    python benchmarks/number_domains.py report --no-grouping   # the style's own cost

The train sample is the first ``--train-docs`` train documents with digits of
each news source in id-hash order (:func:`unstrip.train.number_table.train_documents`
takes the same order).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from unstrip.evaluate.evalsets import FAMILIES, part_of
from unstrip.text.corpus import corpus_files, iter_documents
from unstrip.text.profiles import PROFILES

CACHE = Path("artifacts/number_domains")
NEWS = FAMILIES["news"]
DOMAINS: dict[str, tuple[str, ...]] = {
    "speeches": ("speeches", "sotu", "inaugural"),
    "court": ("scotus",),
    "ted": ("ted",),
    "dialogue": ("dailydialog", "topicalchat", "cornell", "friends"),
}
"""Sources of each out-of-news domain (dev documents, paragraphs with a digit)."""

PROFILES_MEASURED = ("seed", "lower")
_DIGIT = re.compile(r"[0-9]")


def _hash(doc_id: str) -> str:
    return hashlib.sha1(doc_id.encode("utf-8")).hexdigest()


def texts_of(split: str, sources: Iterable[str], whole: bool,
             limit: int | None) -> dict[str, list[tuple[str, str]]]:
    """Per source, ``(id, gold text)`` of its ``split`` documents with a digit, in id-hash
    order, at most ``limit`` documents; whole documents, or each paragraph with a digit."""
    wanted = set(sources)
    docs: dict[str, list] = {s: [] for s in wanted}
    for d in iter_documents(corpus_files(), split=split):
        if d.source in wanted and _DIGIT.search(d.text):
            docs[d.source].append(d)
    out: dict[str, list[tuple[str, str]]] = {}
    for source, ds in docs.items():
        ds.sort(key=lambda d: _hash(d.id))
        ds = ds[:limit] if limit is not None else ds
        if whole:
            out[source] = [(d.id, d.text) for d in ds]
        else:
            out[source] = [(f"{d.id}#{k}", p) for d in ds
                           for k, p in enumerate(d.text.split("\n\n")) if _DIGIT.search(p)]
    return out


def _sparse(values, where) -> dict[str, object]:
    """``values`` by gap (as a string), where ``where`` has a non-empty insertion."""
    return {str(g): v for g, v in enumerate(values) if where[g] and v != ""}


def restored_records(model, items: Iterable[tuple[str, str, str]],
                     profile: str) -> Iterator[dict]:
    """One cache record per ``(id, gold, source)``: the damaged text and the restoration
    with every value mark written (insertions, confidences and mark sources sparse, by gap)."""
    from unstrip.train.number_table import restore_unscored

    strip = PROFILES[profile]
    cased = profile == "seed"
    for doc_id, gold, source in items:
        text = strip(gold)
        if not text.strip():
            continue
        pred, ins, conf, sources = restore_unscored(model, text, cased=cased)
        digit = {g for m in _DIGIT.finditer(text) for g in range(m.start(), m.end() + 1)}
        yield {
            "id": doc_id, "source": source, "gold": gold, "text": text,
            "ins": _sparse(ins, ins),
            "conf": _sparse(conf, ins),
            "src": {str(g): sources[g] for g in sorted(digit) if ins[g] and g in sources},
            "final": _sparse(pred.insertions, pred.insertions),
            "final_conf": _sparse(pred.confidence, pred.insertions),
            "passes": _sparse(pred.passes or [], pred.insertions),
            "kept": pred.kept if pred.kept != text else None,
        }


def cache_path(name: str, profile: str) -> Path:
    return CACHE / f"{name}.{profile}.jsonl.gz"


def write_cache(path: Path, records: Iterable[dict]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    n = 0
    with gzip.open(tmp, "wt", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r) + "\n")
            n += 1
    tmp.replace(path)
    return n


def read_cache(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def collect(args) -> int:
    """Restore the train sample and the dev sets not yet cached."""
    from unstrip.models import load_model

    model = load_model(args.model)
    jobs = []
    train = texts_of("train", NEWS, True, args.train_docs)
    for source in NEWS:
        jobs.append((f"train-{source}", [(i, t, source) for i, t in train[source]], "seed"))
    news = texts_of("dev", NEWS, True, args.news_docs)
    domains = {d: texts_of("dev", sources, False, None) for d, sources in DOMAINS.items()}
    for profile in args.profiles:
        for source in NEWS:
            jobs.append((f"dev-{source}", [(i, t, source) for i, t in news[source]], profile))
        for domain, paras in domains.items():
            items = [(i, t, s) for s, texts in paras.items() for i, t in texts]
            jobs.append((f"dev-{domain}", items, profile))
    for name, items, profile in jobs:
        path = cache_path(name, profile)
        if path.exists():
            continue
        t0 = time.time()
        n = write_cache(path, restored_records(model, items, profile))
        words = sum(len(t.split()) for _, t, _ in items)
        print(f"{path}: {n} texts, {words} words, {time.time() - t0:.0f} s", flush=True)
    return 0


def _ints(d: dict) -> dict[int, object]:
    return {int(k): v for k, v in d.items()}


def unscored(record: dict) -> tuple[str, list[str], list[float], dict[int, str], str]:
    """A cached record as ``(text, insertions, confidences, mark sources, kept)``: the
    restoration with every value mark written, before the numbers pass."""
    text = record["text"]
    ins = [""] * (len(text) + 1)
    conf = [1.0] * (len(text) + 1)
    for g, s in _ints(record["ins"]).items():
        ins[g] = s
    for g, c in _ints(record["conf"]).items():
        conf[g] = c
    return text, ins, conf, _ints(record["src"]), record["kept"] or text


def fold_table(held_out: str | None, min_count: int = 15, l2: float = 2.0):
    """The number table fitted on the cached train sample of every news source but
    ``held_out`` (all four where None), cached beside the restorations."""
    from unstrip.decode.numbers import NumberTable
    from unstrip.train.number_table import fit, labelled_units

    path = CACHE / f"table-without-{held_out or 'none'}.json"
    if path.exists():
        return NumberTable.load(path)
    rows = []
    for source in NEWS:
        if source == held_out:
            continue
        for r in read_cache(cache_path(f"train-{source}", "seed")):
            text, ins, conf, src, _ = unscored(r)
            rows += labelled_units(r["gold"], text, ins, conf, src)
    table = fit(rows, min_count, l2)
    table.save(path)
    return table


def policy_outputs(records: list[dict], table, threshold: float,
                   policies: Iterable[str], grouping: bool = True) -> dict[str, list[str]]:
    """Per policy, the restored text of every record: the number table at ``threshold``
    (what the decoder writes), then :func:`unstrip.decode.number_policy.apply_number_policy`."""
    from unstrip.decode.number_policy import apply_number_policy
    from unstrip.decode.numbers import calibrate_numbers
    from unstrip.decode.prediction import Prediction
    from unstrip.text.alignment import apply

    out: dict[str, list[str]] = {p: [] for p in policies}
    for r in records:
        text, ins, conf, src, kept = unscored(r)
        ins, conf = calibrate_numbers(text, ins, conf, src, table, threshold)
        pred = Prediction(ins, conf, kept)
        for policy in out:
            got = apply_number_policy(text, pred, policy, {}, grouping=grouping)
            out[policy].append(apply(text, got.insertions, kept))
    return out


def measure(records: list[dict], table, threshold: float, profile: str,
            policies: Iterable[str], grouping: bool = True) -> list[dict]:
    """Per policy: value-mark precision, recall, numbers written with a value mark, and the
    marks micro-F1 (and its change against ``guess``)."""
    from unstrip.evaluate.scoring import number_values, score_corpus

    golds = [r["gold"] for r in records]
    outs = policy_outputs(records, table, threshold, policies, grouping)
    rows = []
    for policy, preds in outs.items():
        pairs = list(zip(golds, preds, strict=True))
        nv = number_values(pairs, profile)
        f1 = score_corpus(pairs, profile).micro_f1
        rows.append({"policy": policy, **nv, "micro_f1": round(f1, 5)})
    base = next((r["micro_f1"] for r in rows if r["policy"] == "guess"), None)
    for r in rows:
        r["f1_change"] = None if base is None else round(r["micro_f1"] - base, 5)
    return rows


def report(args) -> int:
    """Measure every fold and domain found in the cache."""
    from unstrip.decode.number_policy import POLICIES
    from unstrip.decode.numbers import NUMBER_PROBABILITY, shipped_number_table

    results = []
    for profile in args.profiles:
        sets = [(f"news without {s}", f"dev-{s}", s) for s in NEWS]
        sets += [(domain, f"dev-{domain}", None) for domain in DOMAINS]
        for label, name, held_out in sets:
            path = cache_path(name, profile)
            if not path.exists():
                continue
            records = [r for r in read_cache(path)
                       if args.part == "all" or part_of(r["id"].split("#")[0]) == args.part]
            records = records[: args.limit]
            table = fold_table(held_out) if held_out else shipped_number_table()
            for row in measure(records, table, args.threshold, profile, POLICIES,
                               not args.no_grouping):
                results.append({"set": label, "profile": profile, "texts": len(records),
                                "table": f"fitted without {held_out}" if held_out
                                else "shipped", **row})
    if args.json:
        print(json.dumps(results, indent=1))
        return 0
    print(f"grouping style {'off' if args.no_grouping else 'on'}; "
          f"dev part {args.part}; number table threshold {args.threshold} (the decoder's default "
          f"{NUMBER_PROBABILITY}); value marks: written, right, precision, recall")
    print(f"{'set':<26}{'profile':<8}{'texts':>6} {'policy':<6}{'marked':>7}{'right':>6}"
          f"{'prec':>7}{'recall':>7}{'gold':>6}{'micro-F1':>9}{'vs guess':>9}")
    for r in results:
        print(f"{r['set']:<26}{r['profile']:<8}{r['texts']:>6} {r['policy']:<6}"
              f"{r['pred_marked']:>7}{r['right']:>6}{r['precision']:>7.3f}{r['recall']:>7.3f}"
              f"{r['gold_marked']:>6}{r['micro_f1']:>9.4f}{r['f1_change']:>+9.4f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("collect", help="restore the train sample and dev sets into the cache")
    c.add_argument("--train-docs", type=int, default=300,
                   help="train documents with digits restored per news source "
                        "(default: %(default)s)")
    c.add_argument("--news-docs", type=int, default=400,
                   help="at most this many dev documents per news source (default: %(default)s)")
    c.add_argument("--profiles", nargs="+", default=list(PROFILES_MEASURED),
                   choices=PROFILES_MEASURED)
    c.add_argument("--model", default="auto", help="a model name or dir (default: auto)")
    r = sub.add_parser("report", help="measure the policies on the cached restorations")
    r.add_argument("--profiles", nargs="+", default=list(PROFILES_MEASURED),
                   choices=PROFILES_MEASURED)
    r.add_argument("--threshold", type=float, default=None,
                   help="the number table's threshold (default: the decoder's, 0.83)")
    r.add_argument("--limit", type=int, default=None, help="at most this many texts a set")
    r.add_argument("--part", choices=("all", "tune", "report"), default="all",
                   help="dev documents of one fixed half only (unstrip.evaluate.evalsets.part_of)")
    r.add_argument("--json", action="store_true", help="print the rows as JSON")
    r.add_argument("--no-grouping", action="store_true",
                   help="keep and safe leave grouping commas as the model wrote them")
    args = ap.parse_args(argv)
    if not corpus_files():
        print("no corpora under ../shared/corpora: nothing to measure", file=sys.stderr)
        return 1
    if args.cmd == "collect":
        return collect(args)
    if args.threshold is None:
        from unstrip.decode.numbers import NUMBER_PROBABILITY

        args.threshold = NUMBER_PROBABILITY
    return report(args)


if __name__ == "__main__":
    raise SystemExit(main())
