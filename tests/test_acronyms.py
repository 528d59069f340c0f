"""Acronyms after their expansion go in brackets, where the model left the gap empty."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unstrip.decode.acronyms import bracket_acronyms, initialism_periods, spells
from unstrip.text.profiles import seed as strip_seed


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


def _check_shipped_rule(restorer, flag: str, text: str, on: str, off: str) -> None:
    """The shipped model's ``flag`` rule is on and writes ``on``; off, ``off`` is not written."""
    model = restorer.model
    if not hasattr(model, flag):
        pytest.skip("no learned model shipped")
    assert getattr(model, flag), f"config.json should leave the {flag} rule on"
    assert on in restorer.restore(text)
    try:
        setattr(model, flag, False)
        assert off not in restorer.restore(text)
    finally:
        setattr(model, flag, True)


def test_the_shipped_model_brackets_a_defined_acronym(restorer):
    _check_shipped_rule(restorer, "acronyms",
                        "The Zebra Quokka Union ZQU said it would strike",
                        on="Union (ZQU) said", off="(ZQU)")


def _with_inner_periods(text: str) -> list[str]:
    """Insertions that put a period inside every word of letters (``pm`` -> ``p.m``)."""
    ins = _empty(text)
    for start, word in _word_starts(text):
        if word.isalpha():
            for g in range(start + 1, start + len(word)):
                ins[g] = "."
    return ins


def _word_starts(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for word in text.split(" "):
        out.append((pos, word))
        pos += len(word) + 1
    return out


def test_initialisms_get_their_final_period():
    text = "at 9 am in the US"
    ins = _empty(text)
    ins[6] = ins[16] = "."  # a.m, U.S: the other words have no inner period
    got = initialism_periods(text, ins)
    assert got == {7: ".", 17: "."}
    ins[7] = ","
    assert initialism_periods(text, ins)[7] == ".,"


def test_words_without_every_inner_period_are_left_alone():
    text = "the USA and NATO"
    ins = _empty(text)
    ins[5] = "."  # U.SA: not an initialism as written
    assert initialism_periods(text, ins) == {}
    ins[6] = ins[7] = "."  # U.S.A already ends with a period
    assert initialism_periods(text, ins) == {}


@given(st.lists(st.sampled_from("pm am US it a 3 DC NATO".split()), max_size=20).map(" ".join))
def test_initialism_periods_only_add_periods(text):
    ins = _with_inner_periods(text)
    out = dict(enumerate(ins))
    out.update(initialism_periods(text, ins))
    for g, s in out.items():
        assert s == ins[g] or s == "." + ins[g]
        if s != ins[g]:
            assert text[g - 1].isalpha() and not ins[g].startswith(".")


def test_the_shipped_model_ends_an_initialism(restorer):
    _check_shipped_rule(restorer, "initialisms",
                        "the meeting in the US was short",
                        on="U.S. was short", off="U.S. was")
