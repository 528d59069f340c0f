"""Record the restorer's outputs on a fixed set, and compare two records byte for byte.

A refactor that moves code must not change a single output. This script
restores a fixed set of inputs and stores each part as one gzipped JSONL
file plus a sha256 summary, so the outputs before and after a change can be
compared:

    python benchmarks/fixed_outputs.py record runs/fixed-before
    ... change the code ...
    python benchmarks/fixed_outputs.py record runs/fixed-after
    python benchmarks/fixed_outputs.py compare runs/fixed-before runs/fixed-after

``compare`` prints, for each part, ``same`` or ``DIFFERS`` with the first
differing item, and exits 1 when any part differs; corpus parts recorded with
different ``--docs`` are compared on the documents both hold, so a quick
``--docs 5`` record checks against the full one. With one directory it
records into a temporary directory first and compares against that one.
``--ignore-key pass`` drops the ``"pass"`` that ``explain`` now gives every
insertion and recasing, which a record made before it lacks.

The parts (``--parts`` picks some; ``--docs N`` takes fewer corpus documents):

- ``seed-article``: ``../shared/seeds/article.stripped.txt`` restored (auto
  profile) and ``article.mojibake.txt`` repaired (``fix_encoding``);
- ``corpus-seed`` and ``corpus-lower``: the first ``--docs`` (default 50)
  dev documents of each corpus source, ordered by the sha1 of their id,
  damaged by that profile and restored under it;
- ``iwslt``: the labels of IWSLT dev2012 (``unstrip.evaluate.iwslt.predict_labels``
  over the whole file, one label per token);
- ``random``: 2,000 inputs from a seeded generator of stripped, lowercased,
  punctuated and mixed text with accents, digits, initialisms, numbers and
  line breaks, restored under ``auto`` by ``Restorer.explain`` (text,
  profile, insertions, recasings and parts, confidences rounded to 6
  places) and by ``Restorer.restore_stream`` in uneven chunks;
- ``baseline``: the seed article and the first 500 random inputs restored
  by the count baseline.

Each item is ``{"key": ..., "out": ...}``; an item's output is whatever the
code returned, turned into JSON. The record of the repository's
``runs/fixed-before`` was made before the package was split into folders.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from unstrip import Restorer, fix_encoding
from unstrip.text.corpus import corpus_files, iter_documents, shared_dir
from unstrip.text.profiles import damage

PARTS = ("seed-article", "corpus-seed", "corpus-lower", "iwslt", "random", "baseline")
RANDOM_INPUTS = 2000
BASELINE_INPUTS = 500


def _rounded(obj):
    """``obj`` with every float rounded to 6 places (JSON-ready)."""
    if isinstance(obj, float):
        return round(obj, 6)
    if isinstance(obj, dict):
        return {k: _rounded(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_rounded(v) for v in obj]
    return obj


def _explained(restorer: Restorer, text: str, profile: str = "auto") -> dict:
    return _rounded(restorer.explain(text, profile).to_dict())


# -- the inputs ----------------------------------------------------------------
_WORDS = (
    "the a of to and in is it that we were dont cant its well-known state said president "
    "court judge talk people year market bank shares rose fell new york london paris "
    "café naïve résumé zoë über déjà jalapeño münchen são paulo 東京 "
    "nasa fbi us uk eu nato ibm mr mrs dr st jr inc ltd co "
    "what why how who where when is are do does can will would "
    "million billion percent pm am monday january"
).split()
_INITIALISMS = ("u.s.", "e.g.", "a.m.", "p.m.", "d.c.", "u.s.a.", "i.e.")
_MARKS = (",", ".", "?", "!", ";", ":", " -", "'s", "\"", "(", ")")
_SEPARATORS = (" ", " ", " ", " ", " ", "  ", "\t", "\n", "\n\n", " — ")


def _token(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.70:
        return rng.choice(_WORDS)
    if roll < 0.78:
        return rng.choice(_INITIALISMS)
    if roll < 0.86:
        return str(rng.randint(0, 99999))
    if roll < 0.90:
        return f"{rng.randint(0, 999)}{rng.choice(',.')}{rng.randint(0, 999)}"
    if roll < 0.93:
        return f"${rng.randint(0, 9999)}"
    if roll < 0.96:
        return f"{rng.randint(0, 100)}%"
    return "".join(rng.choice("abcdeHIJXYZ019éß") for _ in range(rng.randint(1, 8)))


def random_inputs(n: int = RANDOM_INPUTS, seed: int = 17) -> list[str]:
    """``n`` inputs from a fixed seed: gold-like text damaged by a random profile or by none.

    >>> random_inputs(3) == random_inputs(3)
    True
    """
    rng = random.Random(seed)
    profiles = ("seed", "lower", "punct", "word", "punct-lower", "word-lower", "newlines",
                "mojibake", None, None)
    out = []
    for _ in range(n):
        pieces = []
        for _ in range(rng.randint(0, 40)):
            tok = _token(rng)
            if rng.random() < 0.3:
                tok = tok.capitalize()
            if rng.random() < 0.2:
                tok += rng.choice(_MARKS)
            pieces.append(tok + rng.choice(_SEPARATORS))
        gold = "".join(pieces).rstrip(" ")
        profile = rng.choice(profiles)
        out.append(damage(gold, profile) if profile else gold)
    return out


def _first_dev_docs(n: int) -> dict[str, list]:
    """The first ``n`` dev documents of each source, ordered by the sha1 of their id."""
    by_source: dict[str, list] = {}
    for doc in iter_documents(corpus_files(), split="dev"):
        by_source.setdefault(doc.source or "?", []).append(doc)
    out = {}
    for source in sorted(by_source):
        docs = sorted(by_source[source], key=lambda d: hashlib.sha1(d.id.encode()).hexdigest())
        out[source] = docs[:n]
    return out


def _chunked(text: str, rng: random.Random) -> list[str]:
    chunks, i = [], 0
    while i < len(text):
        k = rng.randint(1, 40)
        chunks.append(text[i:i + k])
        i += k
    return chunks


# -- the parts -----------------------------------------------------------------
def part_items(name: str, docs: int) -> Iterator[tuple[str, object]]:
    """Yield ``(key, output)`` for every item of part ``name``."""
    shared = shared_dir()
    if name == "seed-article":
        if shared is None:
            return
        seeds = shared / "seeds"
        r = Restorer()
        yield "article.stripped", _explained(r, (seeds / "article.stripped.txt").read_text())
        mojibake = (seeds / "article.mojibake.txt").read_text()
        yield "article.mojibake.fix", fix_encoding(mojibake)
        yield "article.mojibake.restore", r.restore(mojibake)
    elif name in ("corpus-seed", "corpus-lower"):
        profile = name.split("-", 1)[1]
        r = Restorer()
        for source, documents in _first_dev_docs(docs).items():
            for doc in documents:
                yield f"{source}/{doc.id}", _explained(r, damage(doc.text, profile), profile)
    elif name == "iwslt":
        if shared is None:
            return
        from unstrip.evaluate.iwslt import predict_labels, read_tsv

        path = shared / "benchmarks" / "iwslt" / "dev2012.tsv"
        tokens = [t for t, _ in read_tsv(path)]
        labels = predict_labels(tokens, Restorer())
        step = 1000
        for lo in range(0, len(labels), step):
            yield f"dev2012[{lo}:{lo + step}]", labels[lo:lo + step]
    elif name == "random":
        r = Restorer()
        rng = random.Random(1717)
        for k, text in enumerate(random_inputs()):
            out = _explained(r, text)
            out["stream"] = "".join(r.restore_stream(_chunked(text, rng)))
            yield f"random/{k}", out
    elif name == "baseline":
        r = Restorer("baseline")
        if shared is not None:
            text = (shared / "seeds" / "article.stripped.txt").read_text()
            yield "article.stripped", _explained(r, text)
        for k, text in enumerate(random_inputs()[:BASELINE_INPUTS]):
            yield f"random/{k}", _explained(r, text)
    else:
        raise ValueError(f"unknown part {name!r}: choose from {', '.join(PARTS)}")


def record(out_dir: Path, parts: tuple[str, ...], docs: int,
           log: Callable[[str], None] = print) -> dict:
    """Write ``PART.jsonl.gz`` for each part and ``summary.json`` (sha256 and count of each)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    summary_path = out_dir / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    for name in parts:
        t0 = time.perf_counter()
        digest, count = hashlib.sha256(), 0
        # mtime=0: the same outputs give the same bytes
        with open(out_dir / f"{name}.jsonl.gz", "wb") as raw, \
                gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as fh:
            for key, out in part_items(name, docs):
                line = json.dumps({"key": key, "out": out}, ensure_ascii=False,
                                  sort_keys=True) + "\n"
                data = line.encode("utf-8")
                digest.update(data)
                fh.write(data)
                count += 1
        summary[name] = {"sha256": digest.hexdigest(), "items": count, "docs": docs}
        summary_path.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
        log(f"{name}: {count} items, sha256 {digest.hexdigest()[:16]}, "
            f"{time.perf_counter() - t0:.0f} s")
    return summary


def _read(path: Path) -> Iterator[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def _first_difference(a, b, where: str = "") -> str:
    """A short path to the first place ``a`` and ``b`` differ."""
    if type(a) is not type(b):
        return f"{where}: {a!r:.200} != {b!r:.200}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                return _first_difference(a.get(k), b.get(k), f"{where}.{k}")
    if isinstance(a, list):
        for k, (x, y) in enumerate(zip(a, b, strict=False)):
            if x != y:
                return _first_difference(x, y, f"{where}[{k}]")
        return f"{where}: {len(a)} items != {len(b)} items"
    return f"{where}: {a!r:.200} != {b!r:.200}"


def without_keys(obj, keys: frozenset[str]):
    """``obj`` with every dict entry named in ``keys`` dropped, at any depth.

    >>> without_keys({"text": "a", "insertions": [{"offset": 1, "pass": "argmax"}]},
    ...              frozenset({"pass"}))
    {'text': 'a', 'insertions': [{'offset': 1}]}
    """
    if not keys:
        return obj
    if isinstance(obj, dict):
        return {k: without_keys(v, keys) for k, v in obj.items() if k not in keys}
    if isinstance(obj, list):
        return [without_keys(v, keys) for v in obj]
    return obj


def _compare_common(name: str, before: Path, after: Path,
                    ignore: frozenset[str] = frozenset()) -> bool:
    """Compare the items of ``name`` that both records hold (records of different ``--docs``)."""
    a = {x["key"]: without_keys(x["out"], ignore) for x in _read(before / f"{name}.jsonl.gz")}
    common = 0
    for y in _read(after / f"{name}.jsonl.gz"):
        if y["key"] not in a:
            continue
        common += 1
        y["out"] = without_keys(y["out"], ignore)
        if a[y["key"]] != y["out"]:
            print(f"{name}: DIFFERS on the common items; first at {y['key']}: "
                  + _first_difference(a[y["key"]], y["out"]))
            return False
    print(f"{name}: same on the {common} items both records hold")
    return common > 0


def compare(before: Path, after: Path, parts: tuple[str, ...] | None = None,
            ignore: frozenset[str] = frozenset()) -> bool:
    """Print ``same``/``DIFFERS`` for each part recorded in both; True when all are the same.

    ``ignore`` names keys dropped from every output before comparing (``pass``, which
    records made before ``--explain`` named the passes do not have); a part whose
    hashes differ is then compared item by item."""
    sa = json.loads((before / "summary.json").read_text())
    sb = json.loads((after / "summary.json").read_text())
    names = [p for p in (parts or PARTS) if p in sa or p in sb]
    ok = True
    for name in names:
        if name not in sa or name not in sb:
            print(f"{name}: recorded only in {before if name in sa else after}")
            ok = False
            continue
        if name.startswith("corpus-") and sa[name].get("docs") != sb[name].get("docs"):
            ok = _compare_common(name, before, after, ignore) and ok
            continue
        if sa[name]["sha256"] == sb[name]["sha256"]:
            print(f"{name}: same ({sa[name]['items']} items)")
            continue
        if ignore and sa[name]["items"] == sb[name]["items"] and all(
                without_keys(x, ignore) == without_keys(y, ignore) for x, y in zip(
                    _read(before / f"{name}.jsonl.gz"), _read(after / f"{name}.jsonl.gz"),
                    strict=True)):
            print(f"{name}: same ({sa[name]['items']} items) without the keys "
                  f"{', '.join(sorted(ignore))}")
            continue
        ok = False
        diff = "item counts differ"
        for x, y in zip(_read(before / f"{name}.jsonl.gz"), _read(after / f"{name}.jsonl.gz"),
                        strict=False):
            x, y = without_keys(x, ignore), without_keys(y, ignore)
            if x != y:
                diff = f"first at {x['key']}: " + _first_difference(x["out"], y.get("out"))
                break
        print(f"{name}: DIFFERS ({sa[name]['items']} vs {sb[name]['items']} items); {diff}")
    return ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    rec = sub.add_parser("record", help="restore the fixed set into DIR")
    rec.add_argument("dir", type=Path)
    cmp = sub.add_parser("compare", help="compare DIR with AFTER (default: record now)")
    cmp.add_argument("dir", type=Path)
    cmp.add_argument("after", type=Path, nargs="?")
    cmp.add_argument("--ignore-key", action="append", default=[], metavar="KEY",
                     help="drop this key from every output before comparing (repeatable; "
                     "e.g. pass, which --explain gained after runs/fixed-before was recorded)")
    for p in (rec, cmp):
        p.add_argument("--parts", default=",".join(PARTS),
                       help=f"comma-separated parts (default all: {','.join(PARTS)})")
        p.add_argument("--docs", type=int, default=50,
                       help="dev documents per corpus source (default 50)")
    args = ap.parse_args(argv)
    parts = tuple(p for p in args.parts.split(",") if p)
    for p in parts:
        if p not in PARTS:
            ap.error(f"unknown part {p!r}: choose from {', '.join(PARTS)}")
    if args.cmd == "record":
        record(args.dir, parts, args.docs)
        return 0
    after = args.after
    if after is None:
        after = Path(tempfile.mkdtemp(prefix="fixed-after-"))
        print(f"recording into {after}", file=sys.stderr)
        record(after, parts, args.docs, log=lambda s: print(s, file=sys.stderr))
    return 0 if compare(args.dir, after, parts, frozenset(args.ignore_key)) else 1


if __name__ == "__main__":
    sys.exit(main())
