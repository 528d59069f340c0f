"""Acronyms after their expansion go in brackets, where the model left the gap empty."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unstrip.acronyms import bracket_acronyms, spells
from unstrip.profiles import seed as strip_seed


def _apply(text: str, ins: list[str]) -> str:
    ins = list(ins)
    for g, s in bracket_acronyms(text, ins).items():
        ins[g] = s
    return "".join(i + c for i, c in zip(ins, text, strict=False)) + ins[len(text)]


def _empty(text: str) -> list[str]:
    return [""] * (len(text) + 1)


@pytest.mark.parametrize("acronym, before, expected", [
    ("INF", "the Intermediate Nuclear Forces", True),
    ("SDRs", "Special Drawing Rights", True),
    ("NASD", "National Association of Securities Dealers", True),
    ("CFTC", "The Commodity Futures Trading Commission", True),
    ("CPB", "Centraal Planbureau", False),  # initials CP
    ("INF", "the nuclear forces", False),  # not capitalised
    ("NI", "the Intermediate Nuclear", False),  # initials in the wrong order
    ("S", "Special", False),  # one letter is no acronym
    ("Inf", "Intermediate Nuclear Forces", False),
])
def test_spells(acronym, before, expected):
    assert spells(acronym, before.split()) is expected


def test_brackets_join_the_marks_the_model_wrote_after():
    text = "the General Accounting Office GAO said so"
    ins = _empty(text)
    ins[text.index("GAO") + 3] = ","
    assert _apply(text, ins) == "the General Accounting Office (GAO), said so"


def test_marks_the_model_wrote_around_the_acronym_win():
    text = "the London Metal Exchange LME issued"
    comma = _empty(text)
    comma[text.index(" LME")] = ","
    comma[text.index("LME") + 3] = ","
    assert bracket_acronyms(text, comma) == {}
    angle = _empty(text)
    angle[text.index("LME")] = "<"
    angle[text.index("LME") + 3] = ">"
    assert bracket_acronyms(text, angle) == {}


def test_no_expansion_no_brackets():
    text = "officials at the FDIC said the INF treaty was signed"
    assert bracket_acronyms(text, _empty(text)) == {}


WORDS = st.sampled_from(
    "the Special Drawing Rights SDRs of National Association Securities Dealers NASD "
    "INF Intermediate Nuclear Forces said US United States a".split())


@given(st.lists(WORDS, max_size=30).map(" ".join))
def test_only_brackets_are_inserted_and_they_pair(text):
    out = _apply(text, _empty(text))
    assert strip_seed(out) == text
    assert out.count("(") == out.count(")")
    assert out.replace("(", "").replace(")", "") == text


def test_the_shipped_model_brackets_a_defined_acronym(restorer):
    model = restorer.model
    if not hasattr(model, "acronyms"):
        pytest.skip("no learned model shipped")
    text = "The Intermediate Nuclear Forces INF treaty was signed"
    assert model.acronyms, "config.json should leave the acronym rule on"
    assert "Forces (INF) treaty" in restorer.restore(text)
    try:
        model.acronyms = False
        assert "(INF)" not in restorer.restore(text)
    finally:
        model.acronyms = True
