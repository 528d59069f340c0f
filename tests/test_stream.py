"""Live streams: what a stream shows is final, the same whatever the chunking, and keeps
every character it was given.

The problem: a caption shown from ``stream.push(piece)`` must never change, and
pushing ``"its late"`` as ``"it", "s la", "te"`` must show exactly what pushing it
in one piece shows, so that a client's network framing cannot change the text.
"""

from __future__ import annotations

import random
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CORPORA, need
from unstrip import Restorer
from unstrip.restorer import Insertion, Recase, Restoration
from unstrip.text.profiles import PROFILES, lower
from unstrip.transcripts.stream import MAX_WORD, Stream, _ends_sentence

LOWER_WORDS = ("the groups leader said dont go its 20000 dollars selfproclaimed we met "
               "at 930 in london who what why were you there yes no im fine").split()
CASED_WORDS = ("The groups leader said dont go Its NATO London Im 20000 we met who what "
               "US Reports").split()
GAPS = st.sampled_from([" ", " ", " ", "  ", " \n", "\n\n"])


@pytest.fixture(scope="module")
def baseline():
    return Restorer("baseline")


def text_of(words: list[str], gaps: list[str], end: str) -> str:
    return "".join(w + g for w, g in zip(words, gaps, strict=False)) + words[-1] + end


@st.composite
def texts(draw, vocabulary=LOWER_WORDS, line_breaks=True):
    words = draw(st.lists(st.sampled_from(vocabulary), min_size=1, max_size=28))
    gap = GAPS if line_breaks else st.sampled_from([" ", " ", "  "])
    gaps = [draw(gap) for _ in words[1:]]
    end = draw(st.sampled_from(["", " ", "\n"] if line_breaks else ["", " "]))
    lead = draw(st.sampled_from(["", "", " "]))
    return lead + text_of(words, gaps, end)


def cuts(draw, text: str) -> list[str]:
    """``text`` cut at random places: inside words, at spaces, nowhere."""
    points = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=12))))
    bounds = [0, *points, len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def run(restorer, pieces: list[str], **kw) -> list[str]:
    s = Stream(restorer, **kw)
    return [s.push(p) for p in pieces] + [s.flush()]


SETTINGS = st.fixed_dictionaries({
    "lookahead": st.integers(1, 5), "step": st.integers(1, 4), "context": st.integers(0, 6),
})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(data=st.data(), text=texts(), kw=SETTINGS)
def test_any_chunking_shows_the_same_text(baseline, data, text, kw):
    whole = "".join(run(baseline, [text], **kw))
    shown = run(baseline, cuts(data.draw, text), **kw)
    assert "".join(shown) == whole
    # line breaks are kept where they were, and every character of every line
    assert [lower(line) for line in whole.split("\n")] == text.split("\n")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(data=st.data(), text=texts(), kw=SETTINGS)
def test_what_was_shown_is_never_taken_back(baseline, data, text, kw):
    """What a prefix showed is a prefix of what the whole text shows, however it goes on."""
    cut = data.draw(st.integers(0, len(text)))
    s = Stream(baseline, **kw)
    early = s.push(text[:cut])
    whole = "".join(run(baseline, [text], **kw))
    assert whole.startswith(early)
    # and for another continuation of the same prefix
    other = text[:cut] + " why were you there"
    assert "".join(run(baseline, [other], **kw)).startswith(early)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(data=st.data(), text=texts(CASED_WORDS, line_breaks=False),
       profile=st.sampled_from(["auto", "seed"]))
def test_cased_text_keeps_every_character(baseline, data, text, profile):
    text = "The " + text  # cased: auto takes it as seed
    pieces = cuts(data.draw, text)
    shown = run(baseline, pieces, lookahead=3, step=2, context=4, profile=profile)
    out = "".join(shown)
    assert out == "".join(run(baseline, [text], lookahead=3, step=2, context=4, profile=profile))
    assert PROFILES["seed"](out) == text


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(data=st.data(), text=texts(line_breaks=False))
def test_lowercased_text_keeps_every_character(baseline, data, text):
    out = "".join(run(baseline, cuts(data.draw, text), lookahead=2, step=3, context=3,
                      profile="lower"))
    assert PROFILES["lower"](out) == text


class FlipFlop:
    """A stand-in restorer whose sentence ends depend on the window it sees, so that
    windows disagree: a period after a word where a hash of the window and the word's
    place says so, and a capital on the text's first word and after each period."""

    quotes = "straight"

    def explain(self, text: str, profile: str) -> Restoration:
        words = [(m, m + len(w)) for m, w in _spans(text)]
        ins, rec = [], []
        for k, (start, end) in enumerate(words):
            if k == 0 or ins and ins[-1].offset == words[k - 1][1]:
                if text[start].islower():
                    rec.append(Recase(start, text[start].upper(), 1.0))
            if k + 1 < len(words) and zlib.crc32(f"{end} {text}".encode()) % 3 == 0:
                ins.append(Insertion(end, ".", 1.0))
        out = list(text)
        for r in rec:
            out[r.offset] = r.to
        return Restoration("".join(out), profile, ins, rec)


def _spans(text: str):
    pos = 0
    for w in text.split():
        pos = text.index(w, pos)
        yield pos, w
        pos += len(w)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), text=texts(("the", "cat", "sat", "on", "a", "mat", "us", "went"),
                                  line_breaks=False),
       kw=SETTINGS)
def test_a_capital_follows_every_shown_sentence_end_and_no_other(data, text, kw):
    out = "".join(run(FlipFlop(), cuts(data.draw, text), profile="lower", **kw))
    assert lower(out) == text
    words = out.split()
    assert words[0][0].isupper()
    for before, word in zip(words, words[1:], strict=False):
        assert word[0].isupper() == before.endswith("."), (before, word, out)


def test_sentence_end_rule():
    assert _ends_sentence(". ", "went") and _ends_sentence("?” ", "so")
    assert not _ends_sentence(". ", "U.S") and not _ends_sentence(", ", "so")
    assert not _ends_sentence(" ", "so")


class Echo:
    """A stand-in restorer: a period after every word ending in ``s``; counts its calls."""

    quotes = "straight"

    def __init__(self):
        self.words = 0

    def explain(self, text: str, profile: str) -> Restoration:
        ins = [Insertion(p + len(w), ".", 1.0) for p, w in _spans(text) if w.endswith("s")]
        self.words += len(text.split())
        return Restoration(text, profile, ins, [])


def test_memory_stays_bounded_on_a_long_stream():
    rnd = random.Random(7)
    vocabulary = "its a long stream of words that never ends thanks".split()
    echo = Echo()
    s = Stream(echo, lookahead=8, profile="lower", step=4, context=40)
    longest = max(map(len, vocabulary)) + 2  # a word and its whitespace
    bound = (40 + 4 + 8 + 2) * longest
    shown, pending, given = [], "", []
    for _ in range(20_000):
        given.append(rnd.choice(vocabulary) + rnd.choice([" ", " ", "  "]))
        pending += given[-1]
        if rnd.random() < 0.3:
            cut = rnd.randrange(len(pending) + 1)
            shown.append(s.push(pending[:cut]))
            pending = pending[cut:]
            assert s.kept < bound
            assert s.held < (4 + 8 + 1) * longest
    shown.append(s.push(pending))
    shown.append(s.flush())
    out, text = "".join(shown), "".join(given)
    assert out.replace(".", "") == text
    assert out.count(".") == sum(w.endswith("s") for w in text.split())
    # one call per block of 4 words, each on at most 40 + 4 + 8 words
    words = len(out.split())
    assert words == 20_000 and s.calls == pytest.approx(words / 4, abs=2)
    assert echo.words <= s.calls * 52


def test_text_without_spaces_is_still_shown():
    s = Stream(Echo(), lookahead=1, step=1, context=0, profile="lower")
    assert s.push("x" * (3 * MAX_WORD)) == "x" * MAX_WORD  # two pieces complete, one ahead
    assert s.held == 2 * MAX_WORD
    assert s.flush() == "x" * (2 * MAX_WORD)


def test_counts_and_no_call_without_a_complete_block():
    echo = Echo()
    s = Stream(echo, lookahead=2, step=2, context=1, profile="lower")
    assert s.push("one two three") == "" and s.calls == 0  # "three" is not complete
    assert s.push(" ") == "" and s.calls == 0  # 3 complete words: a block needs 4
    assert s.push("four ") == "one two " and s.calls == 1 and s.restored_words == 4
    assert s.flush() == "three four " and s.calls == 2 and s.restored_words == 4 + 3


def test_whitespace_only_and_empty_streams():
    s = Stream(Echo(), profile="lower")
    assert s.push(" \n ") == "" and s.flush() == " \n " and s.calls == 0
    s = Stream(Echo())
    assert s.flush() == "" and s.calls == 0


def test_punctuated_text_is_shown_as_it_came(baseline):
    text = "Already punctuated, so left alone. " * 5
    assert "".join(run(baseline, [text[:7], text[7:]], lookahead=2)) == text


def test_encoding_is_repaired_word_by_word(baseline):
    pieces = ["itâ€", "™s fixed now ", "the cafÃ", "© is open "]
    out = "".join(run(baseline, pieces, lookahead=2, step=1))
    assert "it’s" in out.lower() and "café" in out
    assert lower(out) == lower("it’s fixed now the café is open ")


def test_quote_style_holds_for_the_whole_stream(restorer):
    text = "its fine dont worry " * 8
    out = "".join(run(restorer, [text], lookahead=3, step=2, context=2))
    assert "'" in out or "’" in out
    assert not ("'" in out and "’" in out)


@pytest.mark.parametrize("kw, message", [
    ({"lookahead": 0}, "lookahead"), ({"lookahead": 1000}, "lookahead"),
    ({"step": 0}, "step"), ({"context": -1}, "context"), ({"lookahead": 2.5}, "lookahead"),
    ({"profile": "shouting"}, "unknown profile"), ({"profile": "newlines"}, "paragraph"),
])
def test_bad_settings_are_refused(baseline, kw, message):
    with pytest.raises(ValueError, match=message):
        Stream(baseline, **kw)


def test_push_after_flush_is_refused(baseline):
    s = baseline.stream(lookahead=2)
    s.push("dont go ")
    s.flush()
    with pytest.raises(ValueError, match="flushed"):
        s.push("more")
    with pytest.raises(TypeError, match="bytes"):
        Stream(baseline).push(b"bytes")


# -- the learned model on a real talk ----------------------------------------------------
@pytest.fixture(scope="module")
def talk():
    from unstrip.evaluate.evalsets import documents

    path = need(CORPORA / "ted.jsonl.gz")
    doc = documents("speech", "report", paths=[path], limit=1)[0]
    gold = " ".join(doc.text.split(" ")[:300])
    gold = gold[: gold.rfind(".") + 1]  # end on a sentence
    return gold, lower(gold)


def test_a_talk_fed_word_by_word(restorer, talk):
    from unstrip.evaluate.scoring import score_document

    gold, text = talk
    words = text.split(" ")
    s = restorer.stream(lookahead=8)
    shown = [s.push(w + " ") for w in words[:-1]] + [s.push(words[-1]), s.flush()]
    out = "".join(shown)
    assert out == "".join(run(restorer, [text], lookahead=8))
    assert PROFILES["lower"](out) == text
    # the first block is shown once 8 complete words follow it, not before
    first = s.step + s.lookahead - 1
    assert all(x == "" for x in shown[:first]) and len(shown[first].split()) == s.step
    streamed = score_document(gold, out, "lower")
    whole = score_document(gold, restorer.restore(text, "lower"), "lower")
    assert streamed.violations == 0
    assert streamed.micro_f1 > whole.micro_f1 - 0.05
    assert streamed.casing_accuracy > whole.casing_accuracy - 0.02


def test_a_talk_in_random_pieces_matches_word_by_word(restorer, talk):
    _, text = talk
    text = " ".join(text.split(" ")[:120])
    rnd = random.Random(3)
    bounds = sorted(rnd.sample(range(1, len(text)), 25))
    pieces = [text[a:b] for a, b in zip([0, *bounds], [*bounds, len(text)], strict=True)]
    shown = run(restorer, pieces, lookahead=4)
    assert "".join(shown) == "".join(run(restorer, [text], lookahead=4))
