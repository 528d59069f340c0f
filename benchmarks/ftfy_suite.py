"""Benchmark: ftfy's own encoding test cases, ftfy.fix_encoding versus unstrip.

``../shared/benchmarks/ftfy/*.json`` holds the test cases of ftfy (see the
README there). Each case has a damaged ``original`` and the text ftfy's
encoding repair should give (``fixed-encoding``, or ``fixed`` where that is
absent). A case counts as right when a system returns that text exactly.
``negative.json`` holds text that only looks like mojibake; ``known-failures``
holds cases ftfy itself gets wrong.

    python benchmarks/ftfy_suite.py [--cases DIR] [--show-wrong]

prints one row per file: cases, right for ftfy.fix_encoding, right for
unstrip.fix_encoding, and the cases unstrip gets wrong where ftfy is right.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

import ftfy

from unstrip.text.encoding import fix_encoding

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CASES = SHARED / "benchmarks" / "ftfy"

SYSTEMS: dict[str, Callable[[str], str]] = {
    "ftfy.fix_encoding": ftfy.fix_encoding,
    "unstrip.fix_encoding": fix_encoding,
}


def expected(case: dict) -> str:
    """The text ftfy's encoding repair should return for ``case``."""
    return case.get("fixed-encoding", case["fixed"])


def load(folder: Path) -> dict[str, list[dict]]:
    """The cases of every ``*.json`` file in ``folder``, by file stem."""
    out = {}
    for path in sorted(folder.glob("*.json")):
        with open(path, encoding="utf-8") as f:
            out[path.stem] = json.load(f)
    return out


def run(suite: dict[str, list[dict]]) -> list[dict]:
    """Per-file counts of right answers, with the cases each system misses."""
    rows = []
    for name, cases in suite.items():
        row: dict = {"file": name, "cases": len(cases), "right": {}, "wrong": {}}
        for system, fix in SYSTEMS.items():
            wrong = []
            for case in cases:
                got = fix(case["original"])
                if got != expected(case):
                    wrong.append(
                        {"original": case["original"], "expected": expected(case), "got": got}
                    )
            row["right"][system] = len(cases) - len(wrong)
            row["wrong"][system] = wrong
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=Path, default=CASES, help="folder of ftfy's *.json")
    parser.add_argument("--show-wrong", action="store_true", help="list unstrip's wrong cases")
    args = parser.parse_args(argv)
    if not args.cases.is_dir():
        print(f"ftfy test cases not found at {args.cases}", file=sys.stderr)
        return 1
    rows = run(load(args.cases))
    names = list(SYSTEMS)
    print("| file | cases | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    totals = dict.fromkeys(names, 0)
    for row in rows:
        print(
            f"| {row['file']} | {row['cases']} | "
            + " | ".join(str(row["right"][n]) for n in names)
            + " |"
        )
        for n in names:
            totals[n] += row["right"][n]
    n_cases = sum(r["cases"] for r in rows)
    print(f"| all | {n_cases} | " + " | ".join(str(totals[n]) for n in names) + " |")
    if args.show_wrong:
        for row in rows:
            for w in row["wrong"]["unstrip.fix_encoding"]:
                print(
                    f"\n[{row['file']}] {w['original']!r}\n  expected {w['expected']!r}"
                    f"\n  got      {w['got']!r}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
