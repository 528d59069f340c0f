"""Tests for unstrip.evaluate.scoring: marks, per-document and corpus measures."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unstrip.evaluate.scoring import MARKS, Score, classify, score_corpus, score_document
from unstrip.text.alignment import align
from unstrip.text.profiles import STRIP_PROFILES, damage, seed

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEEDS = SHARED / "seeds"


def assert_perfect(s: Score) -> None:
    assert s.violations == 0
    assert s.insertion_edits == 0
    assert s.insertion_error_rate == 0.0
    assert s.cer == 0.0
    assert s.gold == s.pred == s.tp
    for mark, r in s.per_mark().items():
        if r["gold"]:
            assert r["f1"] == 1.0, mark
    if sum(s.gold.values()):
        assert s.micro_f1 == 1.0
    if s.words:
        assert s.casing_accuracy == 1.0


# --- marks -----------------------------------------------------------------


def test_marks_tuple_is_ordered_and_unique():
    assert len(set(MARKS)) == len(MARKS)
    assert MARKS[0] == "period" and MARKS[-1] == "other"


@pytest.mark.parametrize(
    "insertion, expected",
    [
        ("", {}),
        (".", {"period": 1}),
        (",", {"comma": 1}),
        ("?!", {"question": 1, "exclamation": 1}),
        (":;", {"colon": 1, "semicolon": 1}),
        ("'", {"apostrophe": 1}),
        ("’‘ʼ", {"apostrophe": 3}),
        ('"“”„«»', {"quote": 6}),
        ("-‐‑", {"hyphen": 3}),
        ("—–―", {"dash": 3}),
        ("--", {"dash": 1}),
        (" -- ", {"dash": 1}),
        ("()[]{}", {"parenthesis": 6}),
        ("$%…/&", {"dollar": 1, "percent": 1, "ellipsis": 1, "slash": 1, "ampersand": 1}),
        ("é€", {"other": 2}),
        ("\t\u00a0", {}),
    ],
)
def test_classify(insertion, expected):
    assert classify(insertion) == Counter(expected)


@pytest.mark.parametrize("run", ["\n", "\n\n", "\r\n", "\r\n\r\n", "\r", " \n \n ", "\n\t\n"])
def test_line_break_run_is_one_paragraph(run):
    assert classify(run) == Counter({"paragraph": 1})
    assert classify("." + run + "“") == Counter({"period": 1, "paragraph": 1, "quote": 1})


def test_paragraph_counting_over_a_document():
    gold = "One.\n\nTwo.\r\n\r\nThree\nFour"
    s = score_document(gold, gold)
    assert s.gold["paragraph"] == 3
    assert s.gold["period"] == 2
    # a prediction with single line breaks where gold has blank lines still matches
    s = score_document(gold, "One.\nTwo.\nThree\nFour")
    assert s.per_mark()["paragraph"] == {
        "precision": 1.0, "recall": 1.0, "f1": 1.0, "gold": 3, "pred": 3, "tp": 3,
    }
    assert s.insertion_edits == 4  # "\n\n"->"\n" (1), "\r\n\r\n"->"\n" (3)
    # a missing break is a false negative, a break in the wrong gap is fp + fn
    s = score_document("a.\n\nbc", "a.\n\nb\nc")
    p = s.per_mark()["paragraph"]
    assert (p["gold"], p["pred"], p["tp"]) == (1, 2, 1)


# --- per-document measures ---------------------------------------------------


def test_perfect_prediction():
    gold = "It’s $800 — “cheap”.\n\nReally? (Yes: 50%; no & maybe…) and/or self-made!"
    s = score_document(gold, gold)
    assert_perfect(s)
    assert s.micro_f1 == 1.0
    assert s.documents == 1


def test_empty_prediction_has_zero_recall_and_full_ier():
    gold = "It’s $800 — “cheap”.\n\nReally?"
    s = score_document(gold, seed(gold))
    assert s.violations == 0
    assert s.micro_recall == 0.0
    assert s.micro_precision == 0.0  # nothing predicted: precision 0 by convention
    assert s.micro_f1 == 0.0
    assert all(r["recall"] == 0.0 for r in s.per_mark().values())
    assert s.insertion_error_rate == 1.0
    assert s.cer == pytest.approx((len(gold) - len(seed(gold))) / len(gold))


def test_hand_computed_example():
    gold = "Hello, world. Don't go!"
    # comma missing, curly apostrophe for straight, an extra semicolon
    pred = "Hello world. Don’t; go!"
    s = score_document(gold, pred)
    marks = s.per_mark()
    assert marks["comma"] == {
        "precision": 0.0, "recall": 0.0, "f1": 0.0, "gold": 1, "pred": 0, "tp": 0,
    }
    assert marks["period"]["tp"] == marks["period"]["gold"] == marks["period"]["pred"] == 1
    assert marks["apostrophe"] == {
        "precision": 1.0, "recall": 1.0, "f1": 1.0, "gold": 1, "pred": 1, "tp": 1,
    }
    assert marks["exclamation"]["f1"] == 1.0
    assert marks["semicolon"] == {
        "precision": 0.0, "recall": 0.0, "f1": 0.0, "gold": 0, "pred": 1, "tp": 0,
    }
    # tp 3, gold 4, pred 4
    assert (sum(s.tp.values()), sum(s.gold.values()), sum(s.pred.values())) == (3, 4, 4)
    assert s.micro_precision == pytest.approx(0.75)
    assert s.micro_recall == pytest.approx(0.75)
    assert s.micro_f1 == pytest.approx(0.75)
    # gaps: "," vs "" (1), "'" vs "’" (1), "" vs ";" (1); gold insertions ",.'!" = 4
    assert s.insertion_edits == 3
    assert s.gold_insertion_chars == 4
    assert s.insertion_error_rate == pytest.approx(0.75)
    # CER: delete comma, substitute apostrophe, insert semicolon
    assert s.char_edits == 3
    assert s.cer == pytest.approx(3 / len(gold))


def test_matches_are_per_gap_minimum():
    # gold "a..." vs pred "a." at the same gap: 1 match, 2 misses
    s = score_document("a...b", "a.b")
    assert (s.gold["period"], s.pred["period"], s.tp["period"]) == (3, 1, 1)
    # the same mark in a different gap does not match
    s = score_document("a. b", "a .b")
    assert (s.gold["period"], s.pred["period"], s.tp["period"]) == (1, 1, 0)


def test_violation_is_counted_and_scored_as_empty():
    gold = "Hello, world."
    pred = "Jello, world."  # a letter changed: seed(pred) != seed(gold)
    s = score_document(gold, pred)
    assert s.violations == 1
    assert sum(s.pred.values()) == 0
    assert s.micro_recall == 0.0
    assert s.insertion_error_rate == 1.0
    assert s.char_edits == 1  # CER on the real prediction
    # wildly different and empty predictions do not crash either
    for bad in ["", "xyz", "Hello, world. Extra", "hello, world."]:
        assert score_document(gold, bad).violations == 1


def test_unsupported_profile():
    with pytest.raises(ValueError, match="mojibake"):
        score_document("a", "a", "mojibake")
    with pytest.raises(ValueError):
        score_corpus([], "bogus")


def test_empty_document():
    s = score_document("", "")
    assert_perfect(s)
    assert s.micro_f1 == 0.0  # no marks at all: 0.0 by convention, never NaN
    assert json.loads(s.to_json())["micro"]["f1"] == 0.0


# --- lower profile: casing -------------------------------------------------


def test_lower_casing_example():
    gold = "The U.S. Army met NASA in Paris, and iPhone users."
    pred = "The us army met Nasa in Paris, and iphone users."
    s = score_document(gold, pred, "lower")
    assert s.violations == 0
    # words: The US Army met NASA in Paris and iPhone users -> 10
    assert s.words == 10
    # wrong: US, Army, NASA, iPhone
    assert s.words_correct == 6
    assert s.casing_accuracy == pytest.approx(0.6)
    c = s.casing()
    # gold cased: The, US, Army, NASA, Paris, iPhone = 6
    # pred cased: The, Nasa, Paris = 3, correct: The, Paris = 2
    assert (c["gold"], c["pred"], c["tp"]) == (6, 3, 2)
    assert c["precision"] == pytest.approx(2 / 3)
    assert c["recall"] == pytest.approx(2 / 6)
    assert s.per_mark()["period"]["gold"] == 3
    assert "casing accuracy" in s.format_table()


def test_lower_perfect_and_lowercase_prediction():
    gold = "Alice met Bob. They said: \"Hi, Bob!\""
    assert_perfect(score_document(gold, gold, "lower"))
    s = score_document(gold, damage(gold, "lower"), "lower")
    assert s.casing()["recall"] == 0.0
    assert s.casing_accuracy == pytest.approx(2 / 7)  # met, said
    assert s.insertion_error_rate == 1.0


def test_casing_only_for_lower():
    assert score_document("A b.", "A b.").casing() is None
    assert "casing" not in score_document("A b.", "A b.").format_table()
    assert score_document("A b.", "A b.").to_dict()["casing"] is None


# --- newlines profile --------------------------------------------------------


def test_newlines_profile_counts_single_breaks():
    gold = "Title\n\nBody one.\nBody two."
    s = score_document(gold, gold, "newlines")
    assert_perfect(s)
    assert s.gold["paragraph"] == 2
    flat = damage(gold, "newlines")
    s = score_document(gold, flat, "newlines")
    assert s.violations == 0
    assert s.per_mark()["paragraph"]["recall"] == 0.0
    assert s.insertion_error_rate == 1.0
    s = score_document(gold, "Title\nBody one.\n\nBody two.", "newlines")
    assert s.per_mark()["paragraph"]["f1"] == 1.0


# --- merging, serialisation, table ---------------------------------------------

DOCS = [
    ("Hello, world. Don't go!", "Hello world. Don’t go!"),
    ("It’s $800 — “cheap”.\n\nReally?", "Its $800 - cheap.\nReally?"),
    ("A (small) test; 50% off.", "A small test, 50% off."),
    ("Changed, letter.", "Hanged, letter."),
    ("", ""),
]


def test_merge_equals_corpus():
    total = score_corpus(DOCS)
    parts = [score_document(g, p) for g, p in DOCS]
    assert sum(parts, Score()) == total
    assert sum(parts) == total
    a = score_corpus(DOCS[:2])
    b = score_corpus(DOCS[2:])
    assert a + b == total
    merged = Score()
    merged.update(a)
    merged += b
    assert merged == total
    assert total.documents == len(DOCS)
    assert total.violations == 1
    assert total.to_dict() == (a + b).to_dict()
    # adding did not change the operands
    assert a == score_corpus(DOCS[:2])


def test_merge_rejects_mixed_profiles():
    with pytest.raises(ValueError, match="lower"):
        score_document("a", "a", "seed") + score_document("a", "a", "lower")


def test_to_dict_is_json_ready():
    for profile in STRIP_PROFILES:
        for s in (score_corpus(DOCS, profile), Score(), score_document("", "x", profile)):
            d = s.to_dict()
            text = json.dumps(d, allow_nan=False)
            assert json.loads(text) == d
            assert list(d["marks"]) == list(MARKS)
            assert set(d) == {
                "profile", "documents", "violations", "micro", "marks",
                "insertion_error_rate", "insertion_edits", "gold_insertion_chars",
                "cer", "char_edits", "gold_chars", "casing",
            }

            def floats(x):
                if isinstance(x, dict):
                    for v in x.values():
                        yield from floats(v)
                elif isinstance(x, float):
                    yield x

            for f in floats(d):
                assert math.isfinite(f)
                assert round(f, 4) == f


def test_format_table():
    table = score_corpus(DOCS).format_table()
    lines = table.splitlines()
    assert lines[0].split() == ["mark", "P", "R", "F1", "gold", "pred"]
    rows = [line.split()[0] for line in lines[1:] if line.split()[0] in MARKS]
    assert rows == [m for m in MARKS if m in rows]  # stable MARKS order
    assert "colon" not in rows  # marks seen in neither gold nor pred are left out
    assert any(line.startswith("micro") for line in lines)
    for label in ("insertion error rate", "CER", "documents", "invariant violations"):
        assert any(line.startswith(label) for line in lines)
    assert len({len(line) for line in lines[: len(rows) + 2]}) == 1  # fixed width


# --- properties --------------------------------------------------------------

ALPHABET = st.one_of(
    st.sampled_from(list("abcXYZ019     ,.;:!?'\"’‘“”—–-()[]$%…/&\n\r\t\u00a0éßñøЖ中")),
    st.characters(exclude_categories=("Cs",)),
)
TEXT = st.text(ALPHABET, max_size=80)


@settings(max_examples=200, deadline=None)
@given(TEXT, st.sampled_from(STRIP_PROFILES))
def test_self_score_is_perfect(text, profile):
    assert_perfect(score_document(text, text, profile))


def test_kelvin_sign_scores_perfectly():
    text = "\u212a is Kelvin, k is kilo"
    assert_perfect(score_document(text, text, "lower"))


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_stripped_prediction_has_full_ier(text):
    stripped = seed(text)
    s = score_document(text, stripped)
    assert s.violations == 0
    assert s.micro_recall == 0.0
    if any(align(text, stripped).insertions):
        assert s.insertion_error_rate == 1.0
    else:
        assert s.insertion_error_rate == 0.0


@settings(max_examples=100, deadline=None)
@given(TEXT, st.sampled_from(STRIP_PROFILES))
def test_damaged_prediction_never_violates(text, profile):
    damaged = damage(text, profile)
    s = score_document(text, damaged, profile)
    assert s.violations == 0
    assert sum(s.pred.values()) == 0
    assert s.insertion_error_rate == (1.0 if s.gold_insertion_chars else 0.0)


@settings(max_examples=100, deadline=None)
@given(TEXT, TEXT)
def test_arbitrary_prediction_never_crashes(gold, pred):
    s = score_document(gold, pred)
    assert 0.0 <= s.micro_f1 <= 1.0
    json.dumps(s.to_dict(), allow_nan=False)


# --- the seed article ----------------------------------------------------------


def _seed_texts() -> tuple[str, str]:
    gold, stripped = SEEDS / "article.gold.txt", SEEDS / "article.stripped.txt"
    if not (gold.exists() and stripped.exists()):
        pytest.skip(f"seed article not found under {SEEDS} (shared folder not checked out)")
    return _read(gold), _read(stripped)


def _read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as f:  # keep \r\n as written
        return f.read()


def test_seed_article_gold_is_perfect():
    gold, _ = _seed_texts()
    s = score_document(gold, gold)
    assert_perfect(s)
    assert s.micro_f1 == 1.0


def test_seed_article_stripped_has_zero_recall():
    gold, stripped = _seed_texts()
    s = score_document(gold, stripped)
    assert s.violations == 0
    assert sum(s.gold.values()) > 0
    assert all(r["recall"] == 0.0 for r in s.per_mark().values())
    assert s.insertion_error_rate == 1.0
