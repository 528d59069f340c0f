"""Alignment round trips exactly on any text, for every deleting profile."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unstrip.text.alignment import _FOLDS, AlignmentError, _align_greedy, align, apply
from unstrip.text.profiles import PROFILES, STRIP_PROFILES

ANY_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list("\t\r\n \u00a0,.'\"-—“”’😀éÄß東")),
    ),
    max_size=200,
)


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT, st.sampled_from(STRIP_PROFILES))
def test_round_trip_is_exact(text, profile):
    damaged = PROFILES[profile](text)
    a = align(text, damaged, profile)
    assert len(a.insertions) == len(damaged) + 1
    assert apply(damaged, a.insertions, a.kept) == text


@pytest.mark.parametrize(
    "text",
    ["", "...!?", "\r\n\r\n", "\t", "😀🎉", "CRLF\r\nline", "a", " ", "“—”"],
)
def test_round_trip_edge_cases(text):
    for profile in STRIP_PROFILES:
        damaged = PROFILES[profile](text)
        a = align(text, damaged, profile)
        assert apply(damaged, a.insertions, a.kept) == text


def test_seed_insertions_never_hold_kept_characters():
    text = "Rule.\n\nReports say: “don’t” — 20,000 (U.S.) self-made."
    a = align(text, PROFILES["seed"](text))
    assert a.kept == PROFILES["seed"](text)
    assert [s for s in a.insertions if s] == [
        ".\n\n", ":", "“", "’", "”", "—", ",", "(", ".", ".)", "-", ".",
    ]


def test_not_a_damaged_form_raises():
    with pytest.raises(AlignmentError):
        align("abc", "abd")
    with pytest.raises(ValueError, match="no alignment"):
        align("abc", "abc", "mojibake")


def test_apply_checks_lengths():
    with pytest.raises(ValueError):
        apply("ab", ["", ""])


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT, st.sampled_from(STRIP_PROFILES))
def test_fast_path_equals_leftmost_matching(text, profile):
    damaged = PROFILES[profile](text)
    assert align(text, damaged, profile) == _align_greedy(text, damaged, _FOLDS[profile])


def test_kelvin_sign_takes_the_general_path():
    text = "\u212a is Kelvin, k is kilo"
    damaged = PROFILES["lower"](text)
    assert align(text, damaged, "lower") == _align_greedy(text, damaged, _FOLDS["lower"])
