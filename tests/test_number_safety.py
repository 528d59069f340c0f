"""Number safety: a mark that changes what a number says is written only when the model is sure.

Where the model has a number table (:mod:`unstrip.decode.numbers`), "sure"
means the table's probability that the number is written as in the gold
reaches ``decoding.number_probability``; the confidence of every value-marked
gap is that probability. Without one, the confidence thresholds below decide.

Value-changing marks (:func:`unstrip.decode.rules.value_marks`): a decimal point,
``:``, ``-``, ``/`` (or a dash, ``%`` or currency sign) between two digits, a
``%`` right after a number, a currency sign right before one. A grouping
comma keeps the value and is always free. "Low confidence" means below the
model's ``decoding.number_confidence`` (between digits) or
``decoding.number_sign_confidence`` (``%``, currency).
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unstrip.decode.numbers import (
    NUMBER_TABLE_PATH,
    NumberTable,
    calibrate_numbers,
    number_units,
    unit_features,
)
from unstrip.decode.rules import number_safe, value_marks
from unstrip.evaluate.scoring import number_values
from unstrip.learned import WindowPredictor
from unstrip.models import LEARNED_DIR
from unstrip.network.labels import LabelSet
from unstrip.network.wordpieces import WordPieces
from unstrip.text.alignment import apply
from unstrip.text.profiles import seed

shipped = pytest.mark.skipif(not (LEARNED_DIR / "config.json").exists(),
                             reason="the learned model is not shipped in this checkout")

# The issue's inputs and the value changes the model wrote for them at low confidence.
ISSUE = [
    ("They pay 1200 a year", ["$12", "12.00", "$1200"]),
    ("It costs 1450 yen", ["14.50"]),
    ("He won by 35 a move", ["35%", "3.5"]),
    ("They voted 72 on Tuesday", ["72%", "7-2"]),
    ("Up to 5000 soldiers were sent", ["50.00", "500.0"]),
    ("He came from 110 kilometres away", ["1.10", "11.0"]),
    ("He took 3 for 77 in the match", ["3%", "77%"]),
    ("We met at 400pm today", ["4.00pm", "4:00pm"]),
]


def _thresholds(model) -> tuple[float, float]:
    return model.number_confidence, model.number_sign_confidence


def _between(text: str, g: int) -> bool:
    return 0 < g < len(text) and text[g - 1].isdigit() and text[g].isdigit()


def _need(model, text: str, g: int) -> float:
    """The confidence a written value mark at gap ``g`` must have under ``model``'s decoding."""
    if model.number_table is not None:
        return model.number_probability
    between, sign = _thresholds(model)
    return between if _between(text, g) else sign


@shipped
@pytest.mark.parametrize(("text", "wrong"), ISSUE)
def test_issue_numbers_keep_their_value(restorer, text, wrong):
    """No value change the model is unsure of: neither the issue's forms nor any other."""
    r = restorer.explain(text, profile="seed")
    assert seed(r.text) == text
    for form in wrong:
        assert form not in r.text
    assert _need(restorer.model, text, 0) > 0
    for item in r.insertions:
        if value_marks(text, item.offset, item.insert):
            assert item.confidence >= _need(restorer.model, text, item.offset), (text, item)


@shipped
def test_value_keeping_grouping_stays_free(restorer):
    """``1450`` -> ``1,450``: a grouping comma keeps the value; under the default
    policy a four-digit number that could be a year is left as written, a longer one
    is still grouped."""
    from unstrip import Restorer

    guess = Restorer(restorer.model, numbers="guess")
    assert "1,450 yen" in guess.restore("It costs 1450 yen", profile="seed")
    assert "1450 yen" in restorer.restore("It costs 1450 yen", profile="seed")
    assert "14,500 yen" in restorer.restore("It costs 14500 yen", profile="seed")


@shipped
def test_explain_confidence_matches_what_is_written(restorer):
    """Every insertion explain lists is what the text holds there, and a value mark in it
    carries a confidence at or above the threshold."""
    text = ("Profits rose 125 pct to 5000 dlrs in 1986 and by 35 a share at 400pm "
            "while 3 for 77 was the score and the index rose 12 to 1450")
    r = restorer.explain(text, profile="seed")
    ins = [""] * (len(text) + 1)
    for item in r.insertions:
        ins[item.offset] = item.insert
        assert item.insert and 0.0 <= item.confidence <= 1.0
    assert apply(text, ins) == r.text
    for item in r.insertions:
        if value_marks(text, item.offset, item.insert):
            assert item.confidence >= _need(restorer.model, text, item.offset)


@shipped
def test_thresholds_come_from_the_model_config_with_a_default(tmp_path):
    from unstrip.decode.pipeline import NUMBER_CONFIDENCE, NUMBER_SIGN_CONFIDENCE
    from unstrip.learned import OnnxModel

    model_dir = tmp_path / "model"
    shutil.copytree(LEARNED_DIR, model_dir)
    cfg = json.loads((model_dir / "config.json").read_text())
    cfg["decoding"]["number_confidence"] = 0.31
    cfg["decoding"]["number_sign_confidence"] = 0.42
    (model_dir / "config.json").write_text(json.dumps(cfg))
    assert _thresholds(OnnxModel.load(model_dir)) == (0.31, 0.42)
    del cfg["decoding"]["number_confidence"], cfg["decoding"]["number_sign_confidence"]
    (model_dir / "config.json").write_text(json.dumps(cfg))
    assert _thresholds(OnnxModel.load(model_dir)) == (NUMBER_CONFIDENCE, NUMBER_SIGN_CONFIDENCE)
    assert 0 < NUMBER_CONFIDENCE < 1 and 0 < NUMBER_SIGN_CONFIDENCE < 1


# Toy networks -----------------------------------------------------------------

AFTER = ["", ".", ",", "%", "-", "/", ":", ".,"]
BEFORE = ["", "$", "("]


class Fixed(WindowPredictor):
    """A stand-in network whose ``after`` head gives one label logit ``score`` at every piece."""

    def __init__(self, label: str, score: float, **kw):
        super().__init__(WordPieces.load(), LabelSet(AFTER), LabelSet(BEFORE), lexicon={}, **kw)
        self.label, self.score = AFTER.index(label), score

    def _run(self, ids, shapes, mask):
        a = np.zeros(ids.shape + (len(AFTER),), np.float32)
        a[..., self.label] = self.score
        return a, np.zeros(ids.shape + (len(BEFORE),), np.float32)


def test_toy_low_confidence_decimal_point_is_dropped_and_a_sure_one_kept():
    text = "1986871"  # word pieces 1986|8|7|1: the after head decides gaps 4, 5, 6
    for score, kept in ((0.5, False), (9.0, True)):
        model = Fixed(".", score)
        model.number_confidence, model.number_sign_confidence = 0.65, 0.9
        p = model.predict(text)
        assert all((p.insertions[g] == ".") == kept for g in (4, 5, 6)), p.insertions
        off = Fixed(".", score)  # thresholds 0 (as while training) write every mark
        assert [off.predict(text).insertions[g] for g in (4, 5, 6)] == ["."] * 3


def test_toy_percent_needs_the_sign_threshold_and_a_comma_stays_free():
    text = "by 35 a"
    for score, kept in ((3.0, False), (9.0, True)):  # p(%) about 0.74 and 0.999
        model = Fixed("%", score)
        model.number_confidence, model.number_sign_confidence = 0.65, 0.9
        assert (model.predict(text).insertions[5] == "%") == kept
    comma = Fixed(",", 0.1)
    comma.number_confidence = comma.number_sign_confidence = 0.99
    assert [comma.predict("1986871").insertions[g] for g in (4, 5, 6)] == [","] * 3


class Random(WindowPredictor):
    """A stand-in network with logits drawn from ``seed`` at every piece of a window."""

    def __init__(self, seed: int):
        super().__init__(WordPieces.load(), LabelSet(AFTER), LabelSet(BEFORE), lexicon={})
        self.seed = seed

    def _run(self, ids, shapes, mask):
        rng = np.random.default_rng([self.seed, *ids.ravel().tolist()])
        return (rng.normal(0, 2, ids.shape + (len(AFTER),)).astype(np.float32),
                rng.normal(0, 2, ids.shape + (len(BEFORE),)).astype(np.float32))


words = st.sampled_from(["12", "1986", "5", "400", "pm", "rose", "by", "3", "77", "yen", "0"])


@settings(max_examples=60, deadline=None)
@given(st.lists(words, min_size=1, max_size=12), st.booleans(), st.integers(0, 2**31),
       st.floats(0.05, 0.95), st.floats(0.05, 0.95))
def test_no_unsure_value_mark_is_ever_written(ws, spaces, rng_seed, between, sign):
    """Whatever the network says, a value mark below its threshold never reaches the output;
    every other insertion is the one written without thresholds, and kept text is kept."""
    text = (" " if spaces else "").join(ws)
    free = Random(rng_seed).predict(text)
    safe_model = Random(rng_seed)
    safe_model.number_confidence, safe_model.number_sign_confidence = between, sign
    safe = safe_model.predict(text)
    assert seed(apply(text, safe.insertions)) == seed(text)
    for g, (s, f) in enumerate(zip(safe.insertions, free.insertions, strict=True)):
        need = between if _between(text, g) else sign
        dropped = value_marks(text, g, f)
        if dropped and free.confidence[g] < need:
            assert not value_marks(text, g, s)
            assert s == "".join(c for c in f if c not in dropped)
        else:
            assert s == f and safe.confidence[g] == free.confidence[g]


# The measure -------------------------------------------------------------------

def test_number_value_precision_counts_numbers_with_value_marks():
    gold = "They pay $1,200 a year. Shares rose 12.5% to 1986/87 highs at 4:00pm."
    worse = "They pay $12.00 a year. Shares rose 1.25% to 1986-87 highs at 4.00pm."
    s = number_values([(gold, worse)])
    assert (s["gold_marked"], s["pred_marked"], s["right"]) == (4, 4, 0)
    safe = "They pay 1,200 a year. Shares rose 12.5% to 198687 highs at 400pm."
    s = number_values([(gold, safe)])
    assert (s["pred_marked"], s["right"], s["precision"], s["recall"]) == (1, 1, 1.0, 0.25)
    # a grouping comma is no value mark, and a restoration that changes kept text scores nothing
    assert number_values([("About 1,200 men.", "About 1,200 men.")])["pred_marked"] == 0
    assert number_values([(gold, gold.replace("pay", "paid"))])["pred_marked"] == 0


def test_number_safe_keeps_everything_at_threshold_zero():
    text = "rose 125 by 35"
    ins = [""] * (len(text) + 1)
    ins[6], ins[14] = ".", "%"
    conf = [0.01] * len(ins)
    assert number_safe(text, ins, conf, 0.0) == (ins, conf)
    out, c = number_safe(text, ins, conf, 0.5)
    assert out[6] == out[14] == "" and c[6] == 0.99


# The number table (unstrip.decode.numbers) --------------------------------------

TOY_TABLE = NumberTable(bias=0.5, weights={"next=mln": -4.0, "next=pct": 3.0, "conf": 1.0})


def _rows(text: str, gaps: dict[int, str], c: float = 0.8):
    ins = [""] * (len(text) + 1)
    for g, s in gaps.items():
        ins[g] = s
    return ins, [c] * len(ins), ["network"] * len(ins)


def test_table_drops_every_value_mark_of_an_unlikely_number_and_keeps_commas():
    text = "pay 1200 mln and 1200 pct"
    ins, conf, src = _rows(text, {4: "$", 5: ",", 7: ".", 17: "$", 18: ",", 20: "."})
    out, c = calibrate_numbers(text, ins, conf, src, TOY_TABLE, 0.5)
    assert out[4:8] == ["", ",", "", ""]            # 1,200 mln: no $, no decimal point
    assert out[17:21] == ["$", ",", "", "."]        # $1,20.0 pct kept whole
    low, high = (TOY_TABLE.probability(unit_features(text, ins, conf, src, u))
                 for u in number_units(text, ins))
    assert low < 0.5 <= high
    assert c[4] == c[7] == round(1 - low, 4) and c[17] == c[20] == round(high, 4)
    assert c[5] == c[18] == conf[18]  # the commas' confidence is untouched
    keep, c0 = calibrate_numbers(text, ins, conf, src, TOY_TABLE, 0.0)
    assert keep == ins and c0[4] == round(low, 4)   # threshold 0 only rescores
    assert seed("".join(s + ch for s, ch in zip(out, text, strict=False)) + out[-1]) == text


def test_features_read_marks_shape_words_source_and_confidence():
    text = "The index rose 125 pct to 400pm"
    ins, conf, src = _rows(text, {16: ".", 27: ":"}, 0.9)
    src[16] = "lexicon"
    units = number_units(text, ins)
    assert [(u.start, u.end, u.gaps) for u in units] == [(15, 18, (16,)), (26, 29, (27,))]
    first, second = (unit_features(text, ins, conf, src, u) for u in units)
    assert {k for k, v in first.items() if v == 1} >= {
        "pattern=d.d", "shape=1.2", "prev=rose", "next=pct", "src=lexicon"}
    assert first["conf"] == first["conf_lexicon"] > 2 and first["conf_sign"] == 0
    assert {"pattern=d:d", "shape=1:2", "suffix=pm", "prev=to", "src=network"} <= set(second)
    # a word the table does not name takes its kind's <other> weight
    t = NumberTable(0.0, {"prev=<other>": -2.0, "prev=rose": 1.0})
    assert t.score({"prev=rose": 1.0}) == 1.0 and t.score({"prev=fell": 1.0}) == -2.0


@pytest.mark.parametrize(("word", "kept"), [("mln", False), ("pct", True)])
def test_toy_network_with_a_table_decides_by_the_table(word, kept):
    text = f"1986871 {word}"  # pieces 1986|8|7|1: decimal points at gaps 4, 5, 6
    model = Fixed(".", 4.0)   # p(.) about 0.89; the thresholds would drop all
    model.number_confidence = model.number_sign_confidence = 0.99
    model.number_table, model.number_probability = TOY_TABLE, 0.5
    p = model.predict(text)
    assert all((p.insertions[g] == ".") == kept for g in (4, 5, 6)), p.insertions


weights = st.dictionaries(
    st.sampled_from(["next=yen", "prev=by", "next=<other>", "pattern=d.d", "pattern=d%",
                     "src=network", "src=lexicon", "conf", "conf_sign", "digits=2",
                     "shape=$4", "suffix=pm", "first0"]),
    st.floats(-4, 4), max_size=8)


@settings(max_examples=60, deadline=None)
@given(st.lists(words, min_size=1, max_size=12), st.booleans(), st.integers(0, 2**31),
       weights, st.floats(-2, 2), st.floats(0.05, 0.95))
def test_table_never_writes_a_number_below_its_probability(ws, spaces, rng_seed, w, bias, p):
    """Whatever the network and the table say: kept text is kept, every number written with a
    value mark scored at least ``p``, and every other insertion is the one written freely."""
    text = (" " if spaces else "").join(ws)
    free = Random(rng_seed).predict(text)
    model = Random(rng_seed)
    model.number_table, model.number_probability = NumberTable(bias, w), p
    safe = model.predict(text)
    assert seed(apply(text, safe.insertions)) == seed(text)
    marked = {g for u in number_units(text, safe.insertions) for g in u.gaps}
    for g, (s, f) in enumerate(zip(safe.insertions, free.insertions, strict=True)):
        if g in marked:
            assert safe.confidence[g] >= p and s == f
        elif value_marks(text, g, f):
            assert s == "".join(c for c in f if c not in value_marks(text, g, f))
            assert safe.confidence[g] >= 1 - p - 1e-4  # 1 - its score, which is below p
        else:
            assert s == f and safe.confidence[g] == free.confidence[g]


def test_context_features_read_the_numbers_around_and_the_document():
    from unstrip.decode.numbers import number_features

    text = "Revs 182 mln vs 142 mln and 1986 at 400pm on day 5"
    ins, conf, src = _rows(text, {7: ".", 18: ".", 37: ":"}, 0.9)
    conf[7] = 0.99
    first, second, third = number_features(text, ins, conf, src)
    assert first["near_before=none"] == first["near_after=same"] == 1.0
    assert second["near_before=same"] == second["near_after=plain"] == 1.0  # 1986 is plain
    assert third["near_before=plain"] == third["near_after=plain"] == 1.0
    assert {"shape.next=2.1|mln", "shape.prev=2.1|revs", "pattern.prev=d.d|revs"} <= set(first)
    assert "shape.next=1:2|suffix:pm" in third and "shape.prev=1:2|at" in third
    assert first["doc_marked"] == 0.6 and first["doc_no_sure_inner"] == 1.0   # 3 of 5 runs
    assert second["doc_sure_inner"] == third["doc_sure_inner"] == 0.2       # the 18.2 only
    assert first["conf.pattern=d.d"] == first["conf"] > 4 and "conf>=4" in first
    assert "conf>=2" in second and "conf>=3" not in second                 # logit(0.9) = 2.2
    assert number_features(text, ins, conf, src, number_units(text, ins)[1:]) != [second, third]
    # another mark next door is "other"; a grouping comma alone is no mark at all
    ins2 = list(ins)
    ins2[18], ins2[29] = "-", ","
    assert "near_after=other" in number_features(text, ins2, conf, src)[0]
    assert "near_after=plain" in number_features(text, ins2, conf, src)[1]
    # a text of fewer than five numbers says little about its numbers
    short = number_features(text[:41], ins[:42], conf, src)
    assert all(f["doc_few_numbers"] == 1 and "doc_marked" not in f for f in short)
    assert short[2]["near_after=none"] == 1.0


NEXT_DOOR = NumberTable(bias=-1.0, weights={"near_before=same": 3.0, "near_after=same": 3.0,
                                            "next=pct": -5.0})


def test_table_decides_on_context_read_before_any_number_loses_its_marks():
    """18.2 mln keeps its point because 2.5 pct next door is written so, though 2.5 pct
    itself loses its point (the context is the restoration as it comes in); 7.5 far away,
    with no number next door, loses its point."""
    text = "up 25 pct to 182 mln and after a long and dull year of talks 75 more"
    ins, conf, src = _rows(text, {4: ".", 15: ".", 62: "."})
    out, c = calibrate_numbers(text, ins, conf, src, NEXT_DOOR, 0.5)
    assert (out[4], out[15], out[62]) == ("", ".", "")
    assert c[15] == round(NEXT_DOOR.probability({"near_before=same": 1.0}), 4) > 0.5
    assert c[62] == round(1 - NEXT_DOOR.probability({}), 4)
    assert seed(apply(text, out)) == text
    # without the point of 2.5 coming in, 18.2 has a plain number next door and loses its own
    ins[4] = ""
    assert calibrate_numbers(text, ins, conf, src, NEXT_DOOR, 0.5)[0][15] == ""


def test_a_low_number_loses_every_value_mark_and_only_those():
    """$12.00 below the threshold is 1200, not $1200 or 12.00: scoring each mark on its own
    was measured and kept almost nothing more at the chosen threshold."""
    text = "They pay 1200 a year"
    ins, conf, src = _rows(text, {9: "($", 11: ".", 13: ")"})
    assert apply(text, ins) == "They pay ($12.00) a year"
    out, c = calibrate_numbers(text, ins, conf, src, NumberTable(-2.0), 0.5)
    assert apply(text, out) == "They pay (1200) a year" and seed(apply(text, out)) == text
    assert c[9] == c[11] == round(1 - NumberTable(-2.0).probability({}), 4) and c[13] == 0.8


# The builder (unstrip.train.number_table) -----------------------------------------

def test_labels_compare_the_whole_number_with_the_gold():
    from unstrip.train.number_table import labelled_units

    gold = "Profits rose 2.5 pct to $377 mln, or 1,200 dlrs."
    text = seed(gold)
    ins, conf, src = _rows(text, {})
    at = text.index("25") + 1
    ins[at] = "."                                  # 2.5: right
    ins[text.index("377") + 2] = "."               # $37.7 without the $: wrong
    ins[text.index("1200")] = "$"                  # $1200: wrong
    rows = labelled_units(gold, text, ins, conf, src)
    assert [y for _, y in rows] == [True, False, False]
    assert "next=pct" in rows[0][0] and "next=mln" in rows[1][0]


def test_fit_learns_which_numbers_are_right():
    from unstrip.train.number_table import fit

    rows = ([({"next=mln": 1.0, "conf": 1.0}, False)] * 30
            + [({"next=pct": 1.0, "conf": 1.0}, True)] * 30
            + [({"next=rare": 1.0, "conf": 1.0}, True)] * 3
            + [({"next=rare": 1.0, "conf": 1.0}, False)])
    t = fit(rows, min_count=5, l2=1.0)
    assert "next=rare" not in t.weights and "next=<other>" in t.weights
    assert t.probability({"next=pct": 1.0, "conf": 1.0}) > 0.9
    assert t.probability({"next=mln": 1.0, "conf": 1.0}) < 0.1


def test_record_reads_the_decoder_state_before_the_numbers_pass():
    from unstrip.decode import pipeline
    from unstrip.train.number_table import record

    saved = pipeline.PASSES
    model = Fixed(".", 9.0)
    model.number_table, model.number_probability = TOY_TABLE, 0.99
    ins, conf, src = record(model, "1986871 mln")
    assert pipeline.PASSES is saved
    assert [ins[g] for g in (4, 5, 6)] == ["."] * 3 and src[4] == "network"
    assert model.predict("1986871 mln").insertions[4] == ""  # the pass itself still drops


def test_restore_unscored_writes_every_mark_and_reads_lowercased_input():
    """The benchmarks' restorations: the numbers pass left out (every value mark written),
    its input recorded, and lowercased input read as such."""
    from unstrip.train.number_table import restore_unscored

    model = Fixed(".", 9.0)
    model.number_table, model.number_probability = TOY_TABLE, 0.99
    for text, cased in (("1986871 mln", True), ("1986871 mln", False)):
        pred, ins, conf, sources = restore_unscored(model, text, cased=cased)
        assert [pred.insertions[g] for g in (4, 5, 6)] == ["."] * 3 == [ins[g] for g in (4, 5, 6)]
        assert pred.insertions == ins and sources[4] == "network"
        assert model.predict(text, cased=cased).insertions[4] == ""  # the pass drops it
    assert restore_unscored(model, "")[1:] == ([""], [1.0], {})


# The shipped table ---------------------------------------------------------------------

@shipped
def test_shipped_table_is_small_and_in_the_model_config(tmp_path):
    from unstrip.learned import OnnxModel

    assert NUMBER_TABLE_PATH.stat().st_size < 16_000
    table = NumberTable.load(NUMBER_TABLE_PATH)
    assert table.meta["numbers"] > 1000 and "conf" in table.weights
    cfg = json.loads((LEARNED_DIR / "config.json").read_text())
    assert 0 < cfg["decoding"]["number_probability"] < 1
    model_dir = tmp_path / "model"
    shutil.copytree(LEARNED_DIR, model_dir)
    cfg["decoding"]["number_probability"] = 0.33
    (model_dir / "config.json").write_text(json.dumps(cfg))
    loaded = OnnxModel.load(model_dir)
    assert loaded.number_table == table and loaded.number_probability == 0.33
    cfg["decoding"]["number_table"] = False
    (model_dir / "config.json").write_text(json.dumps(cfg))
    assert OnnxModel.load(model_dir).number_table is None
