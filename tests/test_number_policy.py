"""Number policies (unstrip.decode.number_policy): keep, safe and guess, and one grouping style.

The everyday table (tests/data/everyday_numbers.tsv) holds lines of everyday
speech with numbers, lowercased and unpunctuated as a recogniser writes them,
with the forms a restorer may write for their numbers and the forms it must
never write. They go through the real shipped model under each policy.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unstrip.decode.number_policy import (
    POLICIES,
    apply_number_policy,
    clean_commas,
    group_numbers,
    grouping_style,
    safe_unit,
)
from unstrip.decode.numbers import number_units
from unstrip.decode.prediction import Prediction
from unstrip.decode.rules import value_marks
from unstrip.evaluate.scoring import _number_forms
from unstrip.models import LEARNED_DIR
from unstrip.text.alignment import align, apply
from unstrip.text.profiles import lower

shipped = pytest.mark.skipif(not (LEARNED_DIR / "config.json").exists(),
                             reason="the learned model is not shipped in this checkout")

TABLE = Path(__file__).parent / "data" / "everyday_numbers.tsv"


def everyday() -> list[tuple[str, str, list[str], list[str]]]:
    """``(kind, line, may, never)`` per line of the everyday table."""
    rows = []
    lines = [ln for ln in TABLE.read_text(encoding="utf-8").splitlines()
             if ln and not ln.startswith("#")]
    assert lines[0].split("\t") == ["kind", "line", "may", "never"]
    for ln in lines[1:]:
        kind, line, may, never = ln.split("\t")
        forms = [[f.strip() for f in col.split(" | ")] if col != "-" else []
                 for col in (may, never)]
        rows.append((kind, line, *forms))
    return rows


EVERYDAY = everyday()


def test_everyday_table_is_real_lowercased_speech():
    assert len(EVERYDAY) >= 40
    assert len({kind for kind, *_ in EVERYDAY}) >= 12
    for _, line, may, never in EVERYDAY:
        assert lower(line) == line, line     # already as a recogniser writes it
        assert re.search(r"[0-9]", line) and never, line
        assert not set(may) & set(never), line


def restore(line: str, policy: str, profile: str = "lower") -> str:
    from unstrip import Restorer

    return Restorer(numbers=policy).restore(line, profile=profile)


def forms(line: str, out: str) -> list[tuple[str, bool]]:
    """How ``out`` writes each number of ``line``: ``(form, has a value mark)``."""
    return _number_forms(align(out, line, "lower").insertions, line)


def written(form: str, out: str) -> bool:
    """Whether ``out`` writes ``form`` as a whole number (not inside a longer one)."""
    return re.search(rf"(?<![0-9.,:$£€]){re.escape(form)}(?![0-9]|[.,:][0-9])", out) is not None


@pytest.fixture(scope="module")
def outputs():
    if not (LEARNED_DIR / "config.json").exists():
        pytest.skip("the learned model is not shipped in this checkout")
    return {p: [restore(line, p) for _, line, _, _ in EVERYDAY] for p in POLICIES}


@shipped
def test_keep_never_writes_a_value_mark(outputs):
    for (_, line, _, _), out in zip(EVERYDAY, outputs["keep"], strict=True):
        assert lower(out) == line
        assert not any(marked for _, marked in forms(line, out)), out


@shipped
def test_safe_writes_no_never_form_and_only_forms_a_reader_may_read(outputs):
    for (_, line, may, never), out in zip(EVERYDAY, outputs["safe"], strict=True):
        assert lower(out) == line
        assert not [f for f in never if written(f, out)], out
        digits = {m.group() for m in re.finditer(r"[0-9]+", line)}
        for form, _ in forms(line, out):
            assert form in digits or form in may, (out, form)


@shipped
def test_safe_only_removes_what_guess_writes(outputs):
    """safe writes a subset of guess's value marks, and guess writes some the table
    forbids (else the table would test nothing)."""
    bad = 0
    for (_, line, _, never), s, g in zip(EVERYDAY, outputs["safe"], outputs["guess"],
                                         strict=True):
        marked_safe = {f for f, m in forms(line, s) if m}
        assert marked_safe <= {f for f, m in forms(line, g) if m}, (s, g)
        bad += any(written(f, g) for f in never)
    assert bad >= 3


@shipped
def test_the_issue_lines_keep_their_value_under_safe():
    out = restore("only 7 of the 30 students passed", "safe")
    assert "7%" not in out and "7 of the 30" in out
    out = restore("the match ended 3 1 and he was paid 1200 a week", "safe")
    assert "12.00" not in out and "1200" in out.replace(",", "")
    out = restore("an earthquake measuring 41 on the richter scale", "safe")
    assert "%" not in out


# -- the function on its own -------------------------------------------------------------

def _pred(text: str, marks: dict[int, str], conf: float = 0.99) -> Prediction:
    ins = [""] * (len(text) + 1)
    for g, s in marks.items():
        ins[g] = s
    return Prediction(ins, [conf] * len(ins), text, passes=["argmax"] * len(ins))


def test_guess_is_the_prediction_itself_and_an_unknown_policy_fails():
    pred = _pred("he took 5 for 390", {9: "%"})
    assert apply_number_policy("he took 5 for 390", pred, "guess", {}) is pred
    with pytest.raises(ValueError, match="unknown number policy 'all'"):
        apply_number_policy("he took 5 for 390", pred, "all", {})


def test_keep_removes_every_value_mark_and_only_value_marks():
    text = "rose 125 pct to 400pm"
    pred = _pred(text, {7: ".", 8: ",", 16: "$", 18: ":"}, 0.99)
    out = apply_number_policy(text, pred, "keep", {})
    assert apply(text, out.insertions) == "rose 125, pct to 400pm"
    assert out.confidence[7] == pytest.approx(0.01) and out.passes[7] == "number-policy"
    assert out.passes[8] == "argmax" and out.confidence[8] == 0.99
    assert pred.insertions[7] == "."   # the input prediction is not changed


def test_safe_keeps_marks_that_words_back_and_drops_the_rest():
    text = "in dollars profit rose 41 percent to 32 billion at 530 pm but 7 of 30 passed"
    marks = {text.index("41") + 1: ".", text.index("32"): "$", text.index("32") + 1: ".",
             text.index("530") + 1: ":", text.index("7 of") + 1: "%"}
    out = apply_number_policy(text, _pred(text, marks, 0.99), "safe", {})
    assert apply(text, out.insertions) == (
        "in dollars profit rose 4.1 percent to $3.2 billion at 5:30 pm but 7 of 30 passed")
    unsure = apply_number_policy(text, _pred(text, marks, 0.9), "safe", {})
    assert apply(text, unsure.insertions) == text   # the table is not sure enough
    # no word names the currency: $ or £ is a guess
    bare = text.replace("in dollars ", "")
    bare_marks = {g - 11: s for g, s in marks.items()}
    out = apply_number_policy(bare, _pred(bare, bare_marks, 0.99), "safe", {})
    assert "$" not in apply(bare, out.insertions)


def test_safe_unit_never_keeps_a_percent_or_dash_without_words():
    for text, g, mark in (("he took 5 for 390", 9, "%"), ("won 31 on saturday", 5, "-"),
                          ("the 199596 season", 8, "/"), ("paid 1200 a week", 5, "$")):
        ins = [""] * (len(text) + 1)
        ins[g] = mark
        (unit,) = number_units(text, ins)
        assert not safe_unit(text, ins, [1.0] * len(ins), unit), text


def test_one_text_one_grouping_style():
    text = "40000 came and 12000 left and then 1500 more in 1999"
    ins = [""] * (len(text) + 1)
    ins[2] = ins[text.index("1500") + 1] = ","
    assert grouping_style(text, ins, {}) == "plain"     # 12000 and 1500 against 40,000
    assert apply(text, group_numbers(text, ins, "plain")) == text
    assert apply(text, group_numbers(text, ins, "grouped")) == (
        "40,000 came and 12,000 left and then 1,500 more in 1999")
    # a number the text itself writes grouped decides, whatever was inserted
    kept = "it cost 5,000 in all then 12000 more and 40000 after"
    assert grouping_style(kept, [""] * (len(kept) + 1), {}) == "grouped"


def test_labels_years_and_codes_are_never_grouped():
    text = "call 5551234 in 1999 from room 20412 or 0412345 then she finished in 21405"
    ins = [""] * (len(text) + 1)
    for m in re.finditer(r"[0-9]+", text):
        for g in range(m.start() + 1, m.end()):
            if (m.end() - g) % 3 == 0:
                ins[g] = ","
    out = apply(text, group_numbers(text, clean_commas(text, ins), "grouped"))
    assert out == text, out
    assert apply(text, group_numbers(text, ins, "grouped")) != text   # 0,412,345 needs cleaning


def test_style_is_kept_across_windows_and_overlaps_are_counted_once():
    state: dict = {}
    first = "they sold 12000 copies and the report of the year said so again and again"
    ins = [""] * (len(first) + 1)
    assert grouping_style(first, ins, state) == "plain" and state["written"] == [0, 1]
    second = first[10:] + " and 40000 more and 50000 after"
    ins2 = [""] * (len(second) + 1)
    for n in ("40000", "50000"):
        ins2[second.index(n) + 2] = ","
    # 12000 is in the overlap and counts once: 2 grouped against 1
    assert grouping_style(second, ins2, state) == "grouped" and state["written"] == [2, 1]


MARKS = ["", "", "", ".", ",", "%", "$", ":", "-", "/", "%,", ".", "£"]
WORDS = ["5", "390", "1200", "41", "12000", "1999", "percent", "billion", "pm", "of", "the",
         "a", "week", "0412", "room", "7", "30"]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=14),
       st.data(), st.sampled_from(["keep", "safe"]))
def test_policy_only_removes_value_marks_and_moves_grouping_commas(words, data, policy):
    text = " ".join(words)
    ins = data.draw(st.lists(st.sampled_from(MARKS), min_size=len(text) + 1,
                             max_size=len(text) + 1))
    conf = data.draw(st.lists(st.floats(0.5, 1.0), min_size=len(ins), max_size=len(ins)))
    pred = Prediction(ins, conf, text.upper())
    out = apply_number_policy(text, pred, policy, {})
    assert out.kept == pred.kept and len(out.insertions) == len(ins)
    for g, (old, new) in enumerate(zip(ins, out.insertions, strict=True)):
        if old == new:
            continue
        inside = 0 < g < len(text) and text[g - 1].isdigit() and text[g].isdigit()
        without = "".join(c for c in old if c not in value_marks(text, g, old))
        assert new == without or (inside and {without, new} <= {"", ","}), (g, old, new)
    if policy == "keep":
        assert not number_units(text, out.insertions)
    again = apply_number_policy(text, out, policy, {})
    assert again.insertions == out.insertions    # a second pass changes nothing
