"""The shortcuts taken for speed answer exactly what the long way answers.

``tokens.pieces`` keeps the pieces of recent texts and the cuts of each run,
``lexicon`` remembers its answers per lexicon and word, ``alignment.align``
remembers the alignments of words, and the ONNX session does not spin.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unstrip.decode import lexicon as lx
from unstrip.text import alignment, tokens
from unstrip.text.profiles import PROFILES

# Stripped text with camel-case joins, digits and runs of spaces.
RUNS = st.sampled_from(["the", "ruleReports", "in", "2015The", "McDonalds", "iPhone", "a",
                        "XMLHttp", "20000", "dont", "USA", "zB9", "x"])
STRIPPED = st.lists(st.tuples(RUNS, st.sampled_from([" ", "  ", ""])), max_size=30).map(
    lambda pairs: "".join(r + s for r, s in pairs))


@settings(max_examples=200, deadline=None)
@given(STRIPPED)
def test_cached_pieces_equal_pieces_cut_afresh(text):
    fresh = list(tokens._cut_pieces(text, None))
    assert list(tokens.pieces(text)) == fresh
    assert list(tokens.pieces(text)) == fresh  # the second walk comes from the cache
    assert all(text[p.start : p.end] == p.text for p in fresh)


def test_pieces_with_keep_whole_are_not_taken_from_the_cache():
    text = "see McDonalds"
    assert [p.text for p in tokens.pieces(text)] == ["see", "Mc", "Donalds"]
    whole = list(tokens.pieces(text, keep_whole=lambda r: r == "McDonalds"))
    assert [p.text for p in whole] == ["see", "McDonalds"]
    assert [p.text for p in tokens.pieces(text)] == ["see", "Mc", "Donalds"]


def test_a_long_text_is_cut_without_the_text_cache():
    text = "ruleReports " * (tokens._CACHED_TEXT_CHARS // 10)
    got = list(tokens.pieces(text))
    assert len(got) == 2 * text.count(" ") and got == list(tokens._cut_pieces(text, None))


LEX = {
    "dont": {"don't": 40, "don’t": 9, "dont": 1},
    "00000": {"00,000": 9, "00000": 2},
    "000pm": {"0.00pm": 1},
    "london": {"LONDON": 30, "London": 25},
    "groups": {"groups": 5, "group's": 3},
    "selfmade": {"self-made": 7},
    "us": {"US": 50, "us": 40, "U.S.": 30},
}
WORDS = st.sampled_from(["dont", "Dont", "DONT", "20500", "400pm", "london", "London",
                         "groups", "Groups", "selfmade", "us", "US", "unknown", "x"])


@settings(max_examples=200, deadline=None)
@given(WORDS, st.booleans())
def test_remembered_lexicon_answers_equal_fresh_ones(word, cased):
    lex = dict(LEX)  # a fresh lexicon object: nothing remembered yet
    for _ in range(2):  # first computed, then remembered
        assert lx._fitting(lex, word, cased) == lx._fit(lex, word, cased)
        assert lx.choose_form(lex, word, cased) == lx._choose_form(lex, word, cased)
        assert lx.number_share(lex, word, cased) == lx._number_share(lex, word, cased)
        assert lx.gap_support(lex, word, cased) == lx._gap_support(lex, word, cased)


def test_answers_are_remembered_per_lexicon_not_per_word():
    a = {"dont": {"don't": 9}}
    b = {"dont": {"dont": 9}}
    assert lx.choose_form(a, "dont") == ("don't", 1.0)
    assert lx.choose_form(b, "dont") == ("dont", 1.0)
    assert lx.choose_form(a, "dont") == ("don't", 1.0)
    assert lx.gap_support(a, "dont") == {3: 1.0} and lx.gap_support(b, "dont") == {}


def test_lexicon_memory_is_bounded():
    for i in range(3 * lx._MEMO_LEXICONS):
        lx.choose_form({"dont": {"don't": i + 1}}, "dont")
    assert len(lx._memos) <= lx._MEMO_LEXICONS


ALIGN_PROFILES = ["seed", "lower", "punct", "word", "newlines"]
CLEAN = st.text(st.sampled_from("aB3 '.-,\n’Kk\u212a"), max_size=60)


@settings(max_examples=300, deadline=None)
@given(CLEAN, st.sampled_from(ALIGN_PROFILES))
def test_remembered_alignments_equal_fresh_ones(clean, profile):
    damaged = PROFILES[profile](clean)
    fresh = alignment._align(clean, damaged, profile)
    for _ in range(2):
        got = alignment.align(clean, damaged, profile)
        assert got == fresh
        assert alignment.apply(damaged, got.insertions, got.kept) == clean


def test_a_remembered_alignment_hands_out_its_own_list():
    first = alignment.align("don't", "dont")
    first.insertions[3] = "changed by a caller"
    assert alignment.align("don't", "dont").insertions == ["", "", "", "'", ""]


def test_a_remembered_failure_still_raises():
    for _ in range(2):
        with pytest.raises(alignment.AlignmentError):
            alignment.align("ab", "abc")


def test_onnx_threads_do_not_spin_unless_asked():
    pytest.importorskip("onnxruntime")
    from unstrip.learned import OnnxModel
    from unstrip.models import LEARNED_DIR

    if not (LEARNED_DIR / "config.json").exists():
        pytest.skip(f"no learned model at {LEARNED_DIR}")
    key = "session.intra_op.allow_spinning"
    quiet = OnnxModel.load(LEARNED_DIR).session.get_session_options()
    assert quiet.get_session_config_entry(key) == "0"
    spinning = OnnxModel.load(LEARNED_DIR, spin=True).session.get_session_options()
    with pytest.raises(RuntimeError):  # not set: onnxruntime's default (spin)
        spinning.get_session_config_entry(key)


def test_the_learned_model_loads_the_lexicon_without_the_count_models_tables(monkeypatch):
    pytest.importorskip("onnxruntime")
    from unstrip.baseline import BaselineModel
    from unstrip.decode import pipeline
    from unstrip.learned import OnnxModel
    from unstrip.models import LEARNED_DIR

    if not (LEARNED_DIR / "config.json").exists():
        pytest.skip("the package has no learned model (src/unstrip/data/model)")
    counted = BaselineModel.load()  # tables and the lexicon beside them

    def refuse(*args, **kwargs):
        raise AssertionError("the learned model read the count model's gap tables")

    monkeypatch.setattr(lx, "read_count_model", refuse)
    monkeypatch.setattr(pipeline, "read_count_model", refuse, raising=False)
    model = OnnxModel.load(LEARNED_DIR)
    assert model.lexicon == counted.lexicon and len(model.lexicon) > 10_000


def test_a_count_model_is_its_tables_and_the_lexicon_beside_them(tmp_path):
    import gzip
    import json

    from unstrip.baseline import BaselineModel
    from unstrip.train.count_model import build

    model = build(["Don't stop. We said so, didn't we?"] * 3)
    model.save(tmp_path / "counts.json.gz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["counts.json.gz", "lexicon.json.gz"]
    with gzip.open(tmp_path / "counts.json.gz", "rt", encoding="utf-8") as fh:
        assert "lexicon" not in json.load(fh)  # stored once, beside the tables
    stored = json.loads(json.dumps(model.data))  # as JSON holds it (lists, not tuples)
    again = BaselineModel.load(tmp_path / "counts.json.gz")
    assert again.data == stored and again.lexicon["dont"] == {"Don't": 3}
    first = (tmp_path / "lexicon.json.gz").read_bytes()
    model.save(tmp_path / "counts.json.gz")
    assert (tmp_path / "lexicon.json.gz").read_bytes() == first  # no time stamp inside
    # a file as earlier versions wrote it, with its lexicon inside, needs nothing beside it
    old = tmp_path / "old" / "counts.json.gz"
    old.parent.mkdir()
    with gzip.open(old, "wt", encoding="utf-8") as fh:
        json.dump(model.data, fh)
    assert BaselineModel.load(old).data == stored
