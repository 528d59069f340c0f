"""The question classifier: counting sentences, deciding, and changing only the period."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unstrip.decode.questions import (
    DEFAULT_PATH,
    QuestionModel,
    features,
    mark_questions,
    sentences,
)
from unstrip.text.alignment import apply
from unstrip.text.profiles import seed
from unstrip.train.questions_table import best_threshold, labelled_sentences

ASKING = ["what do you want", "do you know him", "how many of you were there", "is it true"]
TELLING = ["you want it", "i know him", "many of you were there", "it is true"]


@pytest.fixture(scope="module")
def toy() -> QuestionModel:
    items = [(s, True) for s in ASKING] * 3 + [(s, False) for s in TELLING] * 3
    return QuestionModel.from_sentences(items, threshold=0.0)


def test_labelled_sentences_come_from_the_gold_marks():
    gold = "Is it true? Yes, it is. Go now! Where to?\n\nHome."
    assert labelled_sentences(gold) == [
        (["is", "it", "true"], True), (["yes", "it", "is"], False),
        (["where", "to"], True), (["home"], False),
    ]


def test_features_pass_over_discourse_words_but_keep_the_last_word():
    assert features(["and", "so"]) == ["s1 so", "e1 so"]
    assert features([]) == []


def test_counts_decide_questions(toy):
    assert all(toy.is_question(s.split()) for s in ASKING)
    assert not any(toy.is_question(s.split()) for s in TELLING)
    assert toy.probability("what do you want".split()) > 0.5 > toy.probability(["it"])


def test_only_a_single_period_at_a_sentence_end_becomes_a_question_mark(toy):
    text = "what do you want do you know him is it true it is true"
    ins = [""] * (len(text) + 1)
    ends = [16, 32, 43, len(text)]
    ins[16], ins[32], ins[43], ins[len(text)] = ".", "...", "!", "."
    out, changed = mark_questions(text, ins, toy)
    assert out[16] == "?" and out[32] == "..." and out[43] == "!" and out[len(text)] == "."
    assert set(changed) == {16} and 0.5 < changed[16] <= 1.0
    assert [g for words, g in sentences(text, out)] == ends


def test_quotes_and_breaks_around_the_period_stay(toy):
    text = "He asked what do you wantI said nothing"
    ins = [""] * (len(text) + 1)
    ins[9], ins[25], ins[len(text)] = '"', '."\n\n', "."
    out, _ = mark_questions(text, ins, toy)
    assert apply(text, out) == 'He asked "what do you want?"\n\nI said nothing.'


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(ASKING + TELLING), min_size=1, max_size=6),
       st.lists(st.sampled_from(["", ".", "?", "!", ".\n\n", ',"', '."', "...", ".)"]),
                min_size=40, max_size=40))
def test_nothing_but_inserted_periods_change(toy, parts, marks):
    text = " ".join(parts)
    ins = [""] * (len(text) + 1)
    spaces = [i for i, c in enumerate(text) if c == " "] + [len(text)]
    for g, mark in zip(spaces, marks, strict=False):
        ins[g] = mark
    out, changed = mark_questions(text, ins, toy)
    assert seed(apply(text, out)) == seed(apply(text, ins)) == text
    for g, (a, b) in enumerate(zip(ins, out, strict=True)):
        if a != b:
            assert g in changed and a.replace(".", "?", 1) == b


def test_best_threshold_maximises_question_f1(toy):
    items = [(s.split(), True) for s in ASKING] + [(s.split(), False) for s in TELLING]
    th, f1s = best_threshold(toy, items, [-50.0, 0.0, 50.0])
    assert th == 0.0 and f1s[0.0] == 1.0 and f1s[50.0] == 0.0 and f1s[-50.0] == pytest.approx(2 / 3)


def test_saved_model_loads_back(toy, tmp_path):
    toy.save(tmp_path / "q.json.gz")
    back = QuestionModel.load(tmp_path / "q.json.gz")
    assert back.counts == toy.counts and back.threshold == toy.threshold
    assert back.log_odds(["what", "do"]) == toy.log_odds(["what", "do"])


def test_shipped_classifier_tells_own_questions_from_statements():
    if not DEFAULT_PATH.exists():
        pytest.skip("no shipped question classifier (python -m unstrip.questions build)")
    m = QuestionModel.load()
    asks = ["what do you think about it", "why did the minister resign",
            "so how many of you have seen this", "do you remember the first time"]
    tells = ["the minister resigned on friday", "i think it will rain",
             "shares fell three percent", "we went home after the show"]
    assert all(m.is_question(s.split()) for s in asks)
    assert not any(m.is_question(s.split()) for s in tells)


def test_build_counts_train_docs_only_and_tunes_on_iwslt_blocks_1_to_5(tmp_path):
    import json

    from unstrip.train.questions_table import build

    corpus = tmp_path / "c.jsonl"
    train = "Why is it so? It is so. Where is he? He is here. What is it? The cat sat."
    docs = [{"id": "a", "split": "train", "text": train},
            {"id": "b", "split": "dev", "text": "Why walrus? Walrus is here."}]
    corpus.write_text("\n".join(json.dumps(d) for d in docs), encoding="utf-8")
    rows = []
    for k in range(10):  # ten blocks of two sentences; blocks 6-10 say zebra
        word = "zebra" if k >= 5 else "cat"
        rows += [("what", "O"), ("is", "O"), (word, "QUESTION"),
                 (word, "O"), ("sat", "PERIOD")]
    tsv = tmp_path / "t.tsv"
    tsv.write_text("".join(f"{t}\t{label}\n" for t, label in rows), encoding="utf-8")
    model, info = build([corpus], tsv, min_count=1, progress=False)
    assert info["corpus_sentences"] == 6 and info["corpus_questions"] == 3
    assert info["tune_sentences"] == 10  # blocks 1-5 only
    # Nothing of dev2012 (nor of the dev split) is counted.
    assert not any("zebra" in f or "walrus" in f for f in model.counts)
    assert model.counts["s3 what is it"] == [1, 1]
    assert model.is_question(["what", "is", "it"]) and not model.is_question(["cat", "sat"])
