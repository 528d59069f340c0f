"""Simulated recogniser word errors (unstrip.text.asr_noise) and training on them."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unstrip.network.wordpieces import WordPieces
from unstrip.text.asr_noise import error_plan, noisy_pairs, recogniser_errors
from unstrip.train.labels import label_documents
from unstrip.train.loop import build_parser

TEXT = ("So we went to the lab, and we asked them a question. Why does it fail? "
        "Nobody knew.\n\nThen the tests ran again, and this time they passed.")

words = st.text(alphabet="abcdefghij", min_size=1, max_size=6)
marks = st.sampled_from(["", "", ",", ".", "?", "!"])
texts = st.lists(st.tuples(words, marks, st.sampled_from([" ", " ", "\n\n"])),
                 min_size=1, max_size=40).map(lambda ws: "".join(a + b + c for a, b, c in ws))


def test_no_errors_leave_the_text_as_it_is():
    assert recogniser_errors(TEXT, 0.0, seed=5) == TEXT


def test_errors_are_seeded_and_change_words_not_layout():
    a, b = recogniser_errors(TEXT, 0.3, seed=1), recogniser_errors(TEXT, 0.3, seed=1)
    assert a == b
    assert a != TEXT
    assert a != recogniser_errors(TEXT, 0.3, seed=2)
    # The paragraph break, the question and the last full stop survive.
    assert a.count("\n\n") == 1 and "?" in a and a.endswith(".")


def test_every_sentence_still_starts_with_a_capital():
    for seed in range(30):
        out = recogniser_errors(TEXT, 0.5, seed)
        for m in re.finditer(r"(?:^|[.?!]\s+)([a-z])", out):
            pytest.fail(f"seed {seed}: lowercase sentence start {m.group()!r} in {out!r}")


@settings(max_examples=200, deadline=None)
@given(texts, st.floats(0, 1), st.integers(0, 1000))
def test_marks_and_breaks_are_never_made_up(text, rate, seed):
    out = recogniser_errors(text, rate, seed)
    # Deleting a word can merge its mark into the word before, never add one.
    for mark in ",.?!":
        assert out.count(mark) <= text.count(mark)
    # Only a paragraph that lost all its words can take its break with it.
    assert out.count("\n") <= text.count("\n")
    assert out[-1:].isspace() == text[-1:].isspace()


def test_error_rate_is_about_what_was_asked():
    import random

    plan = error_plan(20_000, 0.1, random.Random(0))
    share = sum(a != "keep" for a in plan) / len(plan)
    assert 0.09 < share < 0.11
    with pytest.raises(ValueError, match="between 0 and 1"):
        error_plan(3, 1.5, random.Random(0))


def test_noisy_pairs_project_the_strongest_mark_onto_the_word_before():
    pairs = [(w, "O") for w in "we did not know what".split()] + [("happened", "QUESTION")]
    pairs += [("so", "COMMA"), ("we", "O"), ("asked", "PERIOD")]
    for seed in range(40):
        out = noisy_pairs(pairs, 0.4, seed)
        labels = [lab for _, lab in out]
        # No question or period is lost or added: a deletion hands it on.
        assert labels.count("QUESTION") == 1 and labels.count("PERIOD") == 1
        assert labels.count("COMMA") <= 1
    assert noisy_pairs(pairs, 0.0) == pairs


def test_clitic_tokens_are_kept():
    pairs = [("it", "O"), ("'s", "O"), ("fine", "PERIOD")] * 20
    out = noisy_pairs(pairs, 1.0, seed=3)
    assert sum(t == "'s" for t, _ in out) == 20


def test_training_examples_with_recogniser_errors_only_in_the_lower_profile():
    wp = WordPieces.load()
    texts = [TEXT, "Yes, we can. Can we? We can."]
    clean = label_documents(texts, wp, ["seed", "lower"])
    noisy = label_documents(texts, wp, ["seed", "lower"], asr_noise=0.5)
    assert [p for p in noisy.profiles] == ["seed", "lower", "seed", "lower"]
    # seed examples are the same; the first text's lower example has other words.
    assert clean.inputs[0][0].tolist() == noisy.inputs[0][0].tolist()
    assert clean.inputs[1][0].tolist() != noisy.inputs[1][0].tolist()


def test_train_flag_checks_its_rate():
    args = build_parser().parse_args(["x.jsonl", "--out", "r", "--asr-noise", "0.1"])
    assert args.asr_noise == 0.1
    with pytest.raises(SystemExit):
        build_parser().parse_args(["x.jsonl", "--out", "r", "--asr-noise", "1.5"])
