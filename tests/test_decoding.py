"""Balancing only ever removes unmatched, unsure quotes and brackets."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from unstrip.decoding import balance

MARK = st.text(alphabet=st.sampled_from(list('“”"()[].,’\n')), max_size=3)
GAPS = st.lists(st.tuples(MARK, st.floats(0, 1)), max_size=40)


def _pairs_balanced(ins: list[str]) -> bool:
    depth = {"(": 0, "[": 0, "“": 0}
    straight = 0
    for ch in "".join(ins):
        if ch in "([“":
            depth[ch] += 1
        elif ch in ")]”":
            opener = {")": "(", "]": "[", "”": "“"}[ch]
            depth[opener] -= 1
            if depth[opener] < 0:
                return False
        elif ch == '"':
            straight ^= 1
    return straight == 0 and all(v == 0 for v in depth.values())


@given(GAPS)
def test_balance_only_removes_unsure_marks(gaps):
    ins = [s for s, _ in gaps]
    conf = [c for _, c in gaps]
    out = balance(ins, conf)
    assert len(out) == len(ins)
    for before, after, c in zip(ins, out, conf, strict=True):
        if c >= 0.6:
            assert after == before
        # Only quote and bracket characters go, in order.
        it = iter(before)
        assert all(ch in it for ch in after)
        removed = [ch for ch in before if ch not in after or before.count(ch) > after.count(ch)]
        assert set(removed) <= set('“”"()[]')


@given(GAPS)
def test_when_nothing_is_sure_the_result_is_balanced(gaps):
    ins = [s for s, _ in gaps]
    assert _pairs_balanced(balance(ins, [0.0] * len(ins)))
