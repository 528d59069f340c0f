"""The Restorer keeps every kept character, windows long input, and explains itself."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unstrip import Restorer, apply, detect_profile, restore
from unstrip.text.profiles import lower, mojibake, seed

STRIPPED = st.text(alphabet=st.sampled_from(list("abcdeHIJ XYZ019 ")), max_size=300)
WORDS = st.lists(
    st.sampled_from(
        "the groups leader said dont go its 20000 dollars selfproclaimed US Reports "
        "rule NATO iphone Im mcdonalds 15yearold who what why".split()
    ),
    max_size=80,
)

# Our own punctuated sentences: restoring them must change nothing.
PUNCTUATED = [
    "The committee met on Tuesday; its members disagreed.",
    "“We’re not done yet,” she said — and left.",
    "Prices rose 3.5% to $20,000 (a record).",
    "Is it over? No!",
    "Line one.\nLine two, with a comma.",
    "self-made, state-of-the-art: yes.",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(STRIPPED)
def test_invariant_on_random_stripped_input(restorer, x):
    out = restorer.restore(x)
    if detect_profile(x) == "lower":
        assert lower(out) == x
    else:
        assert seed(out) == x


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(WORDS, st.booleans())
def test_invariant_on_word_like_input(restorer, words, lowered):
    x = " ".join(words)
    x = x.lower() if lowered else x
    for profile in ("auto", "seed", "lower"):
        out = restorer.restore(x, profile)
        assert lower(out) == x.lower()
        if profile == "seed" or (profile == "auto" and detect_profile(x) == "seed"):
            assert seed(out) == x


MARKED = st.text(alphabet=st.sampled_from(list("abcdeHIJ XYZ019 '-")), max_size=200)
# Speech-style words, with numbers and initialisms written with their marks.
SPOKEN = st.lists(st.one_of(
    st.sampled_from("it cost rose to million dont we're well-known in the a".split()),
    st.sampled_from(["u.s.", "e.g.", "a.m.", "d.c.", "u.s.a."]),
    st.builds(lambda a, b, m: f"{a}{m}{b}", st.integers(0, 999), st.integers(0, 999),
              st.sampled_from([",", "."])),
    st.builds(lambda a: f"${a}", st.integers(0, 99999)),
    st.builds(lambda a: f"{a}%", st.integers(0, 100)),
), max_size=40).map(" ".join)


def _with_insertions(x: str, insertions) -> str:
    out, last = [], 0
    for ins in sorted(insertions, key=lambda i: i.offset):
        out += [x[last : ins.offset], ins.insert]
        last = ins.offset
    return "".join(out) + x[last:]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MARKED)
def test_kept_apostrophes_and_hyphens_are_never_altered(restorer, x):
    """Input that kept some marks: the output is the input plus insertions (and casing)."""
    r = restorer.explain(x)
    rebuilt = _with_insertions(x, r.insertions)
    if r.profile == "lower":
        assert rebuilt.lower() == r.text.lower() and seed(r.text).lower() == seed(x)
    elif r.profile == "seed":
        assert rebuilt == r.text and seed(r.text) == seed(x)
    else:
        assert r.text == x


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SPOKEN)
def test_kept_number_marks_are_never_altered(restorer, x):
    """Speech-style input with numbers written with marks: only insertions and casing."""
    r = restorer.explain(x)
    assert r.profile in ("lower", "seed", "empty")  # seed: digits and no letters
    rebuilt = _with_insertions(x, r.insertions)
    assert rebuilt.lower() == r.text.lower() and lower(r.text) == lower(x)
    if r.profile == "seed":
        assert rebuilt == r.text


def test_speech_style_input_keeps_its_marks(restorer):
    x = "so i don't know what they said it's a well-known fact we're told"
    out = restorer.restore(x)
    assert detect_profile(x) == "lower"
    assert out.startswith("So I don't") and "it's a well-known fact" in out.lower()
    assert "we're" in out.lower() and lower(out) == seed(x).lower()


def test_speech_style_numbers_keep_their_marks(restorer):
    x = "they spent $2.5 billion on 20,000 homes up 50% from last year it said"
    out = restorer.restore(x)
    assert detect_profile(x) == "lower"
    assert out[0] == "T" and "$2.5 billion" in out and "20,000" in out and "50%" in out
    rest = iter(out.lower())
    assert all(ch in rest for ch in x)  # the input is a subsequence, case aside
    assert restorer.restore("it cost 5, then 6") == "it cost 5, then 6"  # punctuated


def test_speech_style_initialisms_keep_their_periods(restorer):
    x = "the meeting starts at 9 a.m. in the u.s. capital and ends at noon"
    assert detect_profile(x) == "lower"
    out = restorer.restore(x)
    assert "a.m." in out.lower() and "u.s." in out.lower() and out[0] == "T"
    rest = iter(out.lower())
    assert all(ch in rest for ch in x)
    # A sentence end is no initialism: that text was punctuated.
    assert detect_profile("it is late. we go") == "punctuated"


def test_restores_typical_damage(restorer):
    out = restorer.restore("Its a selfproclaimed win worth 20000 dollars")
    assert out.startswith("It's a self-proclaimed win worth 20,000 dollars")
    out = restorer.restore("The groups leader said dont go")
    # the model may quote the words said (step 8,100 does): either ending is right
    assert out.startswith("The group's leader said")
    assert out.endswith(("don't go.", "don't go.\"", "don’t go.”"))


def test_lowercase_input_gets_casing(restorer):
    out = restorer.restore("the us army said i cant go")
    assert out[0] == "T" and "I can't" in out and lower(out) == "the us army said i cant go"


@pytest.mark.parametrize("text", PUNCTUATED)
def test_punctuated_text_passes_through(restorer, text):
    assert restorer.restore(text) == text
    assert restorer.explain(text).profile == "punctuated"


@pytest.mark.parametrize("text", ["", "   ", "\n\n"])
def test_empty_input(restorer, text):
    assert restorer.restore(text) == text


def test_mojibake_is_repaired_first(restorer):
    clean = "It’s “fine” — really, café."
    r = restorer.explain(mojibake(clean))
    assert r.text == clean and r.encoding_repairs


def test_line_breaks_are_kept_and_bound_each_line(restorer):
    x = "Dont go there\n\nWhy not he asked\r\nBecause"
    out = restorer.restore(x)
    assert out.split("\n\n")[0] == "Don't go there."
    assert "\r\n" in out and seed(out.replace("\r\n", "").replace("\n", "")) == seed(x)


def test_explain_offsets_rebuild_the_text(restorer):
    x = "Its a selfproclaimed win the groups leader said"
    r = restorer.explain(x)
    ins = [""] * (len(x) + 1)
    for i in r.insertions:
        assert 0 <= i.offset <= len(x) and 0.0 <= i.confidence <= 1.0 and i.insert
        ins[i.offset] = i.insert
    assert apply(x, ins) == r.text


def _long_text(n_words: int) -> str:
    words = ("Reports said the groups leader would not go its 20000 dollars "
             "selfproclaimed rule The Army").split()
    return " ".join(words[(i * 7) % len(words)] for i in range(n_words))


def test_windows_give_the_same_result_as_one_pass():
    # The baseline decides each gap from its neighbouring words, so cutting
    # the input into overlapping windows must not change the output.
    x = _long_text(3000)
    whole = Restorer("baseline", window=10**7, context=100).restore(x)
    windowed = Restorer("baseline", window=400, context=100).restore(x)
    assert windowed == whole and seed(windowed) == x


def test_stream_equals_restore():
    x = _long_text(2000)
    chunks = [x[i : i + 97] for i in range(0, len(x), 97)]
    small = Restorer("baseline", window=1000, context=200)
    assert "".join(small.restore_stream(chunks)) == Restorer("baseline").restore(x)


def test_learned_model_windows_keep_the_invariant(restorer):
    # The network sees different context in different windows, so outputs
    # may differ a little; what the user gave must survive either way.
    x = _long_text(1500)
    chunks = [x[i : i + 97] for i in range(0, len(x), 97)]
    small = Restorer(restorer.model, window=1000, context=200)
    streamed = "".join(small.restore_stream(chunks))
    assert seed(streamed) == x and seed(restorer.restore(x)) == x


def test_a_name_written_bare_in_an_earlier_window_makes_a_later_s_possessive(restorer):
    if getattr(getattr(restorer.model, "word_context", None), "echo", 0) <= 0:
        pytest.skip("the shipped model has no word-context table with the echo on")
    filler = " ".join(["the talks went on for hours and the officials said little"] * 14)
    tail = " and Civic Platforms leaders said nothing"
    small = Restorer(restorer.model, window=400, context=100)
    named = "Civic Platform fighters left the town " + filler + tail
    assert len(named) > 2 * small.window  # the bare name is windows away
    assert "Civic Platform's leaders" in small.restore(named, "seed")
    unnamed = "Some fighters left the town " + filler + tail
    assert "Civic Platforms leaders" in small.restore(unnamed, "seed")
    # Lowercased input has no names until recased: no document count.
    assert small._pairs(lower(named), "lower") is None


def test_batch_and_module_function(restorer):
    xs = ["Dont go", "", "Fine."]
    assert restorer.restore_batch(xs) == [restore(x) for x in xs]


def test_bad_profile_and_window():
    with pytest.raises(ValueError, match="unknown profile"):
        restore("x", "nope")
    with pytest.raises(ValueError):
        Restorer(window=100, context=50)
