"""Quote pairs and ``!`` need evidence; text damaged only by its encoding gets only the repair."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from unstrip import Restorer
from unstrip.decode.cues import SHORT_LINE, join_broken_words, require_cues, uncap_dropped_quotes
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
    out, why = require_cues(text, ins, [0.6] * len(ins), cued=0.5, short_line=0.5, uncued=0.9)
    assert apply(text, out) == 'the president said, "we will win."'
    assert why == {19: "quote after 'said'"}
    text = "his words were we will win"
    ins = _ins(text, {14: ":", 15: '"', 26: '."'})
    out, why = require_cues(text, ins, [0.6] * len(ins), cued=0.5, short_line=0.5, uncued=0.9)
    assert apply(text, out) == 'his words were: "we will win."' and "colon" in why[15]


def test_a_cued_pair_in_a_short_line_needs_the_short_line_confidence():
    short = "and she said i can have one"
    ins = _ins(short, {12: ",", 13: '"', 27: '."'})
    kw = {"cued": 0.3, "short_line": 0.7, "uncued": 0.9}
    assert apply(short, require_cues(short, ins, [0.6] * len(ins), **kw)[0]) == (
        "and she said, i can have one.")
    assert apply(short, require_cues(short, ins, [0.75] * len(ins), **kw)[0]) == (
        'and she said, "i can have one."')
    # the same pair at the end of a line of SHORT_LINE words or more needs only ``cued``
    lead = "word " * SHORT_LINE
    long = lead + short
    ins = _ins(long, {len(lead) + 12: ",", len(lead) + 13: '"', len(long): '."'})
    assert apply(long, require_cues(long, ins, [0.6] * len(ins), **kw)[0]).endswith(
        'and she said, "i can have one."')
    # the news order, a closing quote before the speech verb, needs only ``cued``
    text = "we will win she said"
    ins = _ins(text, {0: '"', 11: ',"', 20: "."})
    assert apply(text, require_cues(text, ins, [0.6] * len(ins), **kw)[0]) == (
        '"we will win," she said.')
    # a window cut from a longer line is not known to be short
    out, _ = require_cues(short, _ins(short, {12: ",", 13: '"', 27: '."'}), [0.6] * 28,
                          line_start=False, **kw)
    assert apply(short, out) == 'and she said, "i can have one."'


def test_a_speech_verb_after_a_full_stop_is_no_cue_in_a_short_line():
    text = "i want a dog and she said i can have one"
    kw = {"cued": 0.3, "short_line": 0.7, "uncued": 0.7, "short_uncued": 0.9}
    closed = _ins(text, {0: '"', 12: '."'})  # "i want a dog." and she said
    assert apply(text, require_cues(text, closed, [0.8] * len(closed), **kw)[0]) == (
        "i want a dog. and she said i can have one")
    out, why = require_cues(text, closed, [0.95] * len(closed), **kw)
    assert apply(text, out).startswith('"i want a dog."') and "without a cue" in why[0]
    comma = _ins(text, {0: '"', 12: ',"'})  # "i want a dog," and she said
    out, why = require_cues(text, comma, [0.8] * len(comma), **kw)
    assert apply(text, out).startswith('"i want a dog,"') and why[0] == "quote before 'said'"
    # in a line of SHORT_LINE words or more the full stop does not take the cue away
    lead = "word " * SHORT_LINE
    long = lead + text
    ins = _ins(long, {len(lead): '"', len(lead) + 12: '."'})
    assert require_cues(long, ins, [0.8] * len(ins), **kw)[1] == {len(lead): "quote before 'said'"}


def test_a_short_line_gets_no_paragraph_break_inside_a_word():
    core = "yeah andand he said"
    ins = _ins(core, {4: ",", 8: ".\n\n"})
    out, kept = join_broken_words(core, ins, "Yeah andAnd he said")
    assert apply(core, out, kept) == "Yeah, andand he said"
    # a capital in the damaged text itself is evidence of a glued paragraph
    core = "the end ofThe next"
    ins = _ins(core, {10: ".\n\n"})
    assert apply(core, join_broken_words(core, ins, core)[0]) == "the end of.\n\nThe next"
    # a long line keeps the break: there a glued paragraph is the usual cause
    core = "word " * SHORT_LINE + "andand"
    ins = _ins(core, {len(core) - 3: ".\n\n"})
    assert join_broken_words(core, ins, core)[0] == ins


def test_the_restorer_writes_no_paragraph_break_inside_a_short_lines_word():
    restored = Restorer().restore("hehe said rachel right do you think i should go up there",
                                  "lower")
    assert "\n" not in restored and restored.startswith("Hehe said")


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


def test_a_dropped_opening_quote_takes_back_its_capital_mid_sentence_only():
    lex = {"call": {"call": 90, "Call": 10}, "rachel": {"Rachel": 50}, "i": {"I": 80}}
    core = "he said call him he left call him"
    before = _ins(core, {7: ",", 8: '"', 20: ".", 21: '"'})
    after = _ins(core, {7: ",", 20: "."})
    kept = "He said Call him he left Call him"
    # mid-sentence the capital goes; after a sentence end it stays
    assert uncap_dropped_quotes(core, before, after, kept, lex) == (
        "He said call him he left Call him")
    # a quote the cues kept keeps its capital; so does a word the lexicon capitalises
    assert uncap_dropped_quotes(core, before, before, kept, lex) == kept
    core = "she said i can"
    assert uncap_dropped_quotes(core, _ins(core, {9: '"'}), _ins(core, {}), "She said I can",
                                lex) == "She said I can"


def test_the_restorer_leaves_no_quotation_capital_behind_a_dropped_quote():
    restored = Restorer().restore("my friend said call him as soon as you get a chance", "lower")
    assert ", Call" not in restored and "call him" in restored.lower()
