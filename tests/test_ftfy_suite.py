"""unstrip.fix_encoding on ftfy's own test cases (``../shared/benchmarks/ftfy``).

Wherever ``ftfy.fix_encoding`` returns the expected text, ``unstrip.fix_encoding``
must too: restoring dropped bytes may not spoil a repair ftfy gets right. Every
case of ``negative.json`` (text that only looks like mojibake) must come back
exactly as expected, which for all but one C1-control case is the input itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import ftfy
import pytest

from unstrip.text.encoding import fix_encoding

CASES = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "ftfy"
FILES = ("in-the-wild", "synthetic", "language-names", "negative", "known-failures")

needs_cases = pytest.mark.skipif(
    not CASES.is_dir(),
    reason=f"ftfy's test cases not found: {CASES} (the shared data folder beside the repo)",
)


def load(name: str) -> list[dict]:
    path = CASES / f"{name}.json"
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def expected(case: dict) -> str:
    return case.get("fixed-encoding", case["fixed"])


def params(name: str) -> list:
    return [pytest.param(c, id=f"{name}-{i}") for i, c in enumerate(load(name))]


@needs_cases
@pytest.mark.parametrize("case", [p for name in FILES for p in params(name)])
def test_right_wherever_ftfy_is_right(case):
    want = expected(case)
    if ftfy.fix_encoding(case["original"]) != want:
        pytest.skip("ftfy.fix_encoding gets this case wrong too (a known failure)")
    assert fix_encoding(case["original"]) == want, case["label"]


@needs_cases
@pytest.mark.parametrize("case", params("negative"))
def test_negative_case_byte_for_byte(case):
    got = fix_encoding(case["original"])
    assert got.encode("utf-8") == expected(case).encode("utf-8"), case["label"]
    if "\x85" not in case["original"]:  # the one case whose C1 control is fixed
        assert got == case["original"]


@needs_cases
def test_suite_score_at_least_ftfy_per_file():
    assert all((CASES / f"{name}.json").exists() for name in FILES)
    total = 0
    for name in FILES:
        cases = load(name)
        ours = sum(fix_encoding(c["original"]) == expected(c) for c in cases)
        theirs = sum(ftfy.fix_encoding(c["original"]) == expected(c) for c in cases)
        assert ours >= theirs, name
        total += ours
    assert total >= 151
