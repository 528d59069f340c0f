"""Benchmark: undo the ``mojibake`` damage profile, ftfy alone versus unstrip.

Clean text is damaged with ``unstrip.text.profiles.mojibake`` once (UTF-8 read as
Windows-1252, undefined bytes dropped) and twice, then repaired by

* ``ftfy.fix_encoding`` (ftfy's encoding repair, default settings),
* ``ftfy.fix_text`` (everything ftfy does by default: it also uncurls quotes,
  normalises to NFC, fixes widths and line breaks...),
* ``unstrip.fix_encoding`` (restores dropped bytes, then ftfy's encoding repair
  only).

A document counts as repaired when the output equals the clean text exactly.
Only documents with a non-ASCII character are counted for repair: mojibake
leaves ASCII untouched. Separately, each system is run on the clean documents
themselves, and the share it leaves unchanged is reported.

Texts: the clean sentences of ``unstrip.evaluate.clean_samples`` and the documents of
``../shared/corpora/*.jsonl.gz`` (the ``dev`` split by default), read in place;
the corpus part is skipped with a message where that folder is absent.

    python benchmarks/mojibake_bench.py [--json] [--limit N] [--split dev]
"""

from __future__ import annotations

import argparse
import gzip
import json
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path

import ftfy
from tqdm import tqdm

from unstrip.evaluate.clean_samples import CLEAN_SAMPLES
from unstrip.text.encoding import DROPPED_BYTES, fix_encoding
from unstrip.text.profiles import mojibake

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPORA = SHARED / "corpora"

SYSTEMS: dict[str, Callable[[str], str]] = {
    "ftfy.fix_encoding": ftfy.fix_encoding,
    "ftfy.fix_text": ftfy.fix_text,
    "unstrip": fix_encoding,
}
DAMAGES: dict[str, Callable[[str], str]] = {
    "single": mojibake,
    "double": lambda t: mojibake(mojibake(t)),
}


def loses_a_byte(text: str) -> bool:
    """Whether Windows-1252 drops a byte of this text's UTF-8 encoding."""
    return any(b in DROPPED_BYTES for b in text.encode("utf-8"))


def read_corpus(folder: Path, split: str, limit: int) -> list[str]:
    """Up to ``limit`` documents of ``split`` from every ``*.jsonl.gz`` in ``folder``."""
    docs: list[str] = []
    for path in sorted(folder.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                doc = json.loads(line)
                if doc.get("split") == split:
                    docs.append(doc["text"])
                    if len(docs) >= limit:
                        return docs
    return docs


def evaluate(name: str, docs: list[str], progress: bool) -> dict:
    """Repair and clean-text figures for one set of documents."""
    non_ascii = [d for d in docs if not d.isascii()]
    lossy = [d for d in non_ascii if loses_a_byte(d)]
    out: dict = {
        "set": name,
        "docs": len(docs),
        "non_ascii": len(non_ascii),
        "lossy": len(lossy),
        "repair": [],
        "clean": [],
    }
    total = len(SYSTEMS) * (len(DAMAGES) * len(non_ascii) + len(docs))
    bar = tqdm(total=total, desc=name, unit="doc", disable=not progress, file=sys.stderr)
    for damage_name, damage in DAMAGES.items():
        damaged = [damage(d) for d in non_ascii]
        for system, fix in SYSTEMS.items():
            start = time.perf_counter()
            ok = ok_lossy = 0
            for clean, bad in zip(non_ascii, damaged, strict=True):
                good = fix(bad) == clean
                ok += good
                ok_lossy += good and loses_a_byte(clean)
                bar.update()
            out["repair"].append(
                {
                    "damage": damage_name,
                    "system": system,
                    "n": len(non_ascii),
                    "repaired": ok,
                    "rate": ok / len(non_ascii) if non_ascii else None,
                    "lossy_n": len(lossy),
                    "lossy_repaired": ok_lossy,
                    "seconds": round(time.perf_counter() - start, 3),
                }
            )
    for system, fix in SYSTEMS.items():
        same = same_non_ascii = 0
        for d in docs:
            unchanged = fix(d) == d
            same += unchanged
            same_non_ascii += unchanged and not d.isascii()
            bar.update()
        out["clean"].append(
            {
                "system": system,
                "n": len(docs),
                "unchanged": same,
                "rate": same / len(docs) if docs else None,
                "non_ascii_unchanged": same_non_ascii,
            }
        )
    bar.close()
    return out


def pct(num: int, den: int) -> str:
    return f"{num}/{den} ({100 * num / den:.1f}%)" if den else "-"


def print_table(report: dict) -> None:
    print(f"command: {report['command']}")
    for s in report["sets"]:
        print(
            f"\n== {s['set']}: {s['docs']} documents, {s['non_ascii']} with non-ASCII text,"
            f" {s['lossy']} of them losing a byte to Windows-1252 =="
        )
        names = list(SYSTEMS)
        width = 24
        print(f"{'exact repair (non-ASCII)':<26}" + "".join(f"{n:>{width}}" for n in names))
        for damage in DAMAGES:
            rows = {r["system"]: r for r in s["repair"] if r["damage"] == damage}
            cells = [pct(rows[n]["repaired"], rows[n]["n"]) for n in names]
            print(f"  {damage + ' mojibake':<24}" + "".join(f"{c:>{width}}" for c in cells))
            cells = [pct(rows[n]["lossy_repaired"], rows[n]["lossy_n"]) for n in names]
            print(f"  {'  of which lossy':<24}" + "".join(f"{c:>{width}}" for c in cells))
        rows = {r["system"]: r for r in s["clean"]}
        cells = [pct(rows[n]["unchanged"], rows[n]["n"]) for n in names]
        print(f"{'clean left unchanged':<26}" + "".join(f"{c:>{width}}" for c in cells))
        cells = [pct(rows[n]["non_ascii_unchanged"], s["non_ascii"]) for n in names]
        print(f"  {'non-ASCII docs only':<24}" + "".join(f"{c:>{width}}" for c in cells))
    for note in report["notes"]:
        print(f"\nnote: {note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--limit", type=int, default=2000, help="most corpus documents")
    parser.add_argument("--split", default="dev", help="corpus split to read (default: dev)")
    parser.add_argument("--corpora", type=Path, default=CORPORA, help="folder of *.jsonl.gz")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    args = parser.parse_args(argv)

    command = shlex.join(["python", "benchmarks/mojibake_bench.py", *(argv or sys.argv[1:])])
    report: dict = {"command": command, "sets": [], "notes": []}
    progress = not args.no_progress
    report["sets"].append(evaluate("own samples", list(CLEAN_SAMPLES), progress))
    if args.corpora.is_dir():
        docs = read_corpus(args.corpora, args.split, args.limit)
        report["sets"].append(evaluate(f"corpora {args.split} split", docs, progress))
    else:
        report["notes"].append(f"corpora not found at {args.corpora}: corpus part skipped")

    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print_table(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
