"""A user's vocabulary: preferred forms, and never a changed kept character."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unstrip.decode.vocabulary import apply_vocabulary, explain_with_vocabulary, read_vocabulary
from unstrip.restorer import Restorer
from unstrip.text.encoding import fix_encoding_and_explain
from unstrip.text.profiles import PROFILES


def _rebuilt(text: str, result) -> str:
    """The text the result's insertions and recasings make of ``text``."""
    ins = {i.offset: i.insert for i in result.insertions}
    rec = {r.offset: r.to for r in result.recased}
    return "".join(ins.get(k, "") + rec.get(k, c) for k, c in enumerate(text)) + ins.get(
        len(text), "")


def _apply(restorer, text: str, vocab: list[str], profile: str = "auto"):
    return apply_vocabulary(text, restorer.explain(text, profile), vocab)


def test_a_form_replaces_a_word_its_damage_gives(restorer):
    text = "we tried gpt4 at the ted conference"
    assert "GPT-4" not in restorer.restore(text)
    r = _apply(restorer, text, ["GPT-4", "TED"])
    assert "GPT-4" in r.text and "TED conference" in r.text
    assert PROFILES["lower"](r.text) == text and _rebuilt(text, r) == r.text
    hyphen = [i for i in r.insertions if i.insert == "-"]
    assert hyphen and all(i.pass_name == "vocabulary" and i.confidence == 1.0 for i in hyphen)


def test_seed_keeps_case_so_ted_stays_ted(restorer):
    assert PROFILES["seed"]("TED") == "TED"
    text = "I watched a Ted talk at McDonalds"
    r = _apply(restorer, text, ["TED", "McDonald's"])
    assert r.profile == "seed"
    assert "Ted" in r.text and "TED" not in r.text
    assert "McDonald's" in r.text and PROFILES["seed"](r.text) == text


def test_forms_of_several_words_and_marks_at_the_edges(restorer):
    text = "she writes for the new york times and moved to the us"
    r = _apply(restorer, text, ["New York Times", "U.S."])
    assert "New York Times" in r.text
    assert r.text.endswith("U.S.") and not r.text.endswith("U.S..")
    assert PROFILES["lower"](r.text) == text and _rebuilt(text, r) == r.text


def test_the_first_listed_form_wins_and_punctuated_text_is_left_alone(restorer):
    assert "Ted" in _apply(restorer, "a ted talk", ["Ted", "TED"]).text
    assert "TED" in _apply(restorer, "a ted talk", ["TED", "Ted"]).text
    done = "I watched a ted talk."
    assert _apply(restorer, done, ["TED"]).text == done


def test_a_result_of_another_text_is_given_back_unchanged(restorer):
    result = restorer.explain("i watched a ted talk")
    assert apply_vocabulary("something else entirely", result, ["TED"]) is result


def test_the_hook_in_explain(restorer, monkeypatch):
    """The lines Restorer.explain gains: with vocab, the forms are applied last."""
    original = Restorer.explain

    def explain(self, text, profile="auto"):
        result = original(self, text, profile)
        if self.vocab:
            result = apply_vocabulary(text, result, self.vocab)
        return result

    monkeypatch.setattr(Restorer, "explain", explain)
    hooked = Restorer(vocab=["TED"])
    assert "TED" in hooked.restore("i watched a ted talk")
    # applying it again after the hook changes nothing
    assert explain_with_vocabulary(hooked, "i watched a ted talk").text == \
        hooked.restore("i watched a ted talk")


def test_offsets_count_in_the_repaired_text(restorer):
    """A restorer that repaired the encoding and restored the words: the vocabulary
    is matched in the repaired text, whose offsets the result uses."""
    broken = "zÃ¼rich hosted a ted talk"
    fixed, repairs = fix_encoding_and_explain(broken)

    class Repairing:
        vocab = ["TED"]

        def explain(self, text, profile="auto"):
            assert text == broken
            result = restorer.explain(fixed, "word-lower")
            result.encoding_repairs = repairs
            return result

    r = explain_with_vocabulary(Repairing(), broken)
    assert r.text.startswith("Zürich") and "TED" in r.text


def test_reading_a_vocabulary_file():
    assert read_vocabulary(["# names", "", "  Nguyễn ", "COVID-19  "]) == ["Nguyễn", "COVID-19"]
    with pytest.raises(ValueError, match=r"v.txt: line 3: '\.\.\.' has no letter"):
        read_vocabulary(["TED", "", "..."], "v.txt")


FORMS = ["TED", "iPhone", "McDonald's", "COVID-19", "New York Times", "U.S.", "Nguyễn",
         "e-mail", "AT&T", "O'Brien", "(sic)", "k"]
WORDS = ["ted", "iphone", "mcdonalds", "covid19", "new", "york", "times", "us", "nguyn",
         "email", "att", "obrien", "sic", "k", "the", "a", "talk", "said", "he"]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=16),
       vocab=st.lists(st.sampled_from(FORMS), max_size=6))
def test_kept_text_is_sacred_and_applying_twice_is_once(restorer, words, vocab):
    text = " ".join(words)
    result = restorer.explain(text)
    once = apply_vocabulary(text, result, vocab)
    assert PROFILES["lower"](once.text) == text
    assert _rebuilt(text, once) == once.text
    assert apply_vocabulary(text, once, vocab).text == once.text
    for form in vocab:
        key = PROFILES["lower"](form)
        if f" {key} " in f" {text} " and " " not in key:
            lowered = [w for w in once.text.split() if PROFILES["lower"](w) == key]
            assert any(form in w for w in lowered), (form, once.text)
