"""Quote pairs and ``!`` need evidence; text damaged only by its encoding gets only the repair."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from unstrip import Restorer
from unstrip.decode.cues import require_cues
from unstrip.text.alignment import apply
from unstrip.text.profiles import PROFILES


def _ins(text: str, at: dict[int, str]) -> list[str]:
    ins = [""] * (len(text) + 1)
    for g, s in at.items():
        ins[g] = s
    return ins


def test_a_pair_around_the_whole_line_needs_high_confidence():
    text = "hello how are you"
    ins = _ins(text, {0: '"', 5: ",", 17: '?"'})
    low, _ = require_cues(text, ins, [0.95] * len(ins), whole_line=0.98)
    high, why = require_cues(text, ins, [0.99] * len(ins), whole_line=0.98)
    assert apply(text, low) == "hello, how are you?"
    assert apply(text, high) == '"hello, how are you?"'
    assert "whole line" in why[0]


def test_a_speech_verb_or_colon_is_a_cue_that_lowers_the_confidence_needed():
    text = "the president said we will win"
    ins = _ins(text, {18: ",", 19: '"', 30: '."'})
    assert apply(text, require_cues(text, ins, [0.3] * len(ins), cued=0.5)[0]) == (
        "the president said, we will win.")
    out, why = require_cues(text, ins, [0.6] * len(ins), cued=0.5, uncued=0.9)
    assert apply(text, out) == 'the president said, "we will win."'
    assert why == {19: "quote after 'said'"}
    text = "his words were we will win"
    ins = _ins(text, {14: ":", 15: '"', 26: '."'})
    out, why = require_cues(text, ins, [0.6] * len(ins), cued=0.5, uncued=0.9)
    assert apply(text, out) == 'his words were: "we will win."' and "colon" in why[15]


def test_an_uncued_pair_inside_a_line_needs_the_uncued_confidence():
    text = "i like the song let it be a lot"
    ins = _ins(text, {16: '"', 25: '"'})
    assert apply(text, require_cues(text, ins, [0.8] * len(ins), uncued=0.9)[0]) == (
        "i like the song let it be a lot")
    assert apply(text, require_cues(text, ins, [0.95] * len(ins), uncued=0.9)[0]) == (
        'i like the song "let it be" a lot')


def test_a_lone_inserted_quote_needs_the_uncued_confidence():
    text = "its a win the groups leader said"
    ins = _ins(text, {2: "'", 9: ',"', 19: "'", 32: "."})
    out, _ = require_cues(text, ins, [0.8] * len(ins), uncued=0.9)
    assert apply(text, out) == "it's a win, the group's leader said."
    # seen from the text's start, a quotation cannot close before it opened
    out, _ = require_cues(text, ins, [0.95] * len(ins), uncued=0.9)
    assert apply(text, out) == "it's a win, the group's leader said."
    # a window cut from a longer line may have had the opening quote before it
    out, _ = require_cues(text, ins, [0.95] * len(ins), uncued=0.9, line_start=False)
    assert apply(text, out) == "it's a win,\" the group's leader said."


def test_an_unsure_exclamation_becomes_a_period():
    text = "dont go"
    ins = _ins(text, {7: "!"})
    assert apply(text, require_cues(text, ins, [0.4] * len(ins), exclaim=0.6)[0]) == "dont go."
    assert apply(text, require_cues(text, ins, [0.7] * len(ins), exclaim=0.6)[0]) == "dont go!"


@given(st.data())
def test_cues_only_remove_quotes_and_soften_exclamations(data):
    words = data.draw(st.lists(st.sampled_from("we went home and said it was fine ok".split()),
                               min_size=1, max_size=12))
    text = " ".join(words)
    gaps = len(text) + 1
    ins = data.draw(st.lists(st.sampled_from(["", ",", '"', '."', '?"', "!", ':"', "!\""]),
                             min_size=gaps, max_size=gaps))
    conf = data.draw(st.lists(st.floats(0, 1), min_size=gaps, max_size=gaps))
    out, why = require_cues(text, ins, conf)
    for before, after in zip(ins, out, strict=True):
        base = before.replace("!", ".") if "!" not in after else before
        assert all(ch == '"' for ch in _removed(base, after)), (before, after)
    assert set(why) <= {g for g, s in enumerate(out) if '"' in s}


def _removed(before: str, after: str) -> str:
    """The characters of ``before`` that ``after`` (a subsequence of it) lacks."""
    it = iter(after)
    rest, want = [], next(it, None)
    for ch in before:
        if ch == want:
            want = next(it, None)
        else:
            rest.append(ch)
    assert want is None, (before, after)
    return "".join(rest)


def test_chat_turns_are_not_wrapped_in_quotes():
    r = Restorer()
    for line in ["hello how are you", "no what happened in that game",
                 "i think i did hear something about that i imagine it is an attempt to psych "
                 "the other team out"]:
        out = r.restore(line)
        assert '"' not in out and "“" not in out, out
        assert PROFILES["lower"](out) == line


def test_explain_says_what_made_a_quote():
    r = Restorer().explain("the president said we will win this war and we will win it soon")
    opening = [i for i in r.insertions if i.insert.endswith(('"', "“"))]
    assert opening and opening[0].why == "quote after 'said'", r.to_dict()
    assert "why" in r.to_dict()["insertions"][[i.offset for i in r.insertions].index(
        opening[0].offset)]


def test_encoding_damage_alone_gets_only_the_repair():
    r = Restorer()
    assert r.restore("donâ€™t") == "don’t"
    assert r.restore("Itâ€™s â€œfineâ€ â€” really") == "It’s “fine” — really"
    assert "".join(r.restore_stream(["Itâ€™s â€œfineâ€ â€” really"])) == (
        "It’s “fine” — really")
    # a stripped line beside it is still restored
    out = r.restore("dont go there\nItâ€™s â€œfineâ€ â€” really")
    assert out.endswith("\nIt’s “fine” — really") and out.startswith("Don't go there")


def test_stripped_text_with_non_ascii_letters_is_still_restored():
    out = Restorer().restore("its a naïve idea dont you think")
    assert "don't" in out and set(out) - set(string.ascii_letters + " ") - {"ï"}


def test_lines_in_context_keep_every_line_break_and_kept_character():
    text = "hello how are you\nim fine thanks\n\nwhat are you doing tonight\nnothing much"
    for r in (Restorer(), Restorer(line_context=True)):
        out = r.restore(text)
        assert [len(x) for x in out.split("\n")].count(0) == 1  # the blank line stays
        assert [PROFILES["lower"](line) for line in out.split("\n")] == text.split("\n")
        assert "".join(r.restore_stream([text[:20], text[20:]])) == out
