"""Timed word lists: one item out per item in, words kept, marks on the right word."""

from __future__ import annotations

import copy
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unstrip.text.profiles import PROFILES
from unstrip.transcripts.words import (
    MIN_RUN_WORDS,
    restore_pieces,
    restore_words,
    restore_words_json,
)

lower = PROFILES["lower"]
CLOSING = set(".,?!;:”’)")

SPOKEN = ("so i went to the market on monday and the man there said he had never seen "
          "anything like it what do you think he meant by that i asked my friend but she "
          "didnt know either").split()


def _whisper(words: list[str]) -> dict:
    """A Whisper-shaped transcript of two segments, with the keys Whisper writes."""
    half = len(words) // 2
    segs = []
    t = 0.0
    for sid, chunk in enumerate((words[:half], words[half:])):
        items = []
        for w in chunk:
            items.append({"word": " " + w, "start": round(t, 2), "end": round(t + 0.3, 2),
                          "probability": 0.9})
            t += 0.35
        segs.append({"id": sid, "seek": 0, "start": items[0]["start"], "end": items[-1]["end"],
                     "text": "".join(i["word"] for i in items), "tokens": [1, 2, 3],
                     "words": items})
    return {"text": "".join(s["text"] for s in segs), "segments": segs, "language": "en"}


def test_whisper_shape_keeps_every_key_and_rebuilds_texts(restorer):
    data = _whisper(SPOKEN)
    before = copy.deepcopy(data)
    out = restore_words_json(restorer, data, "auto")
    assert data == before, "the input was changed"
    assert out.keys() == data.keys() and out["language"] == "en"
    flat_in = [w for s in data["segments"] for w in s["words"]]
    flat_out = [w for s in out["segments"] for w in s["words"]]
    assert len(flat_out) == len(flat_in)
    for a, b in zip(flat_in, flat_out, strict=True):
        assert b is not a and b.keys() == a.keys()
        assert (b["start"], b["end"], b["probability"]) == (a["start"], a["end"], a["probability"])
        assert b["word"].startswith(" ") and not b["word"].startswith("  ")
        assert lower(b["word"]) == lower(a["word"]) and lower(b["word"].strip()) == a["word"][1:]
    for s_in, s_out in zip(data["segments"], out["segments"], strict=True):
        assert {k: v for k, v in s_out.items() if k not in ("words", "text")} == \
            {k: v for k, v in s_in.items() if k not in ("words", "text")}
        assert s_out["text"] == "".join(w["word"] for w in s_out["words"])
    assert out["text"] == " " + " ".join(w["word"].strip() for w in flat_out)
    restored = "".join(w["word"] for w in flat_out)
    assert restored != "".join(w["word"] for w in flat_in), "nothing was restored"
    assert any(c in restored for c in ".?") and any(c.isupper() for c in restored)


def test_vosk_shape_keeps_conf_and_times(restorer):
    result = [{"conf": 1.0, "end": 0.3 * i + 0.25, "start": 0.3 * i, "word": w}
              for i, w in enumerate(SPOKEN)]
    data = {"result": result, "text": " ".join(SPOKEN)}
    out = restore_words_json(restorer, data)
    assert [list(w) for w in out["result"]] == [list(w) for w in result]  # same keys, same order
    assert [(w["conf"], w["start"], w["end"]) for w in out["result"]] == \
        [(w["conf"], w["start"], w["end"]) for w in result]
    assert [lower(w["word"]) for w in out["result"]] == SPOKEN
    assert out["text"] == " ".join(w["word"] for w in out["result"])
    # a list of Vosk results is restored as one text, each result in its own shape
    two = restore_words_json(restorer, [{"result": result[:10], "text": ""},
                                        {"result": result[10:]}])
    assert [len(x["result"]) for x in two] == [10, len(result) - 10]
    assert two[0]["text"] == " ".join(w["word"] for w in two[0]["result"])
    assert "text" not in two[1]


def test_a_plain_list_and_empty_words(restorer):
    words = ["what", "", "  ", "time", "is", "it"]
    out = restore_words(restorer, words)
    assert out[1:3] == ["", "  "]
    assert [lower(w) for w in out] == [lower(w) for w in words]
    assert out[-1].endswith("?") and out[0] == "What"


def test_an_end_mark_stays_with_its_word(restorer):
    out = restore_words(restorer, [" " + w for w in SPOKEN])
    assert any(w[-1] in ".?" for w in out[:-1]), "no sentence ended inside the list"
    for w in out:
        assert w[1] not in CLOSING, f"a mark starts the word {w!r}"


def test_already_punctuated_words_stay(restorer):
    words = ["Hello,", "world.", "How", "are", "you?"]
    assert restore_words(restorer, words) == words


def test_bad_items_name_their_index(restorer):
    with pytest.raises(ValueError, match=r"item 1: a dict without a \"word\" key"):
        restore_words(restorer, [{"word": "a"}, {"start": 1.0}])
    with pytest.raises(ValueError, match=r"item 0: \"word\" is int"):
        restore_words(restorer, [{"word": 3}])
    with pytest.raises(ValueError, match="item 2: float"):
        restore_words(restorer, ["a", "b", 1.5])
    with pytest.raises(ValueError, match="not a word list"):
        restore_words_json(restorer, {"words": ["a"]})
    with pytest.raises(ValueError, match=r"segments\[0\]: no \"words\" list"):
        restore_words_json(restorer, {"segments": [{"text": "hi"}]})


def test_a_long_bare_stretch_among_punctuated_pieces_is_restored(restorer):
    bare = (SPOKEN * 2)[: MIN_RUN_WORDS + 5]
    words = ["[Music]", *bare, "[Applause]"]
    out = restore_words(restorer, words)
    assert out[0] == "[Music]" and out[-1] == "[Applause]"
    assert [lower(w) for w in out[1:-1]] == bare
    assert any(c.isupper() or c in ".,?" for w in out[1:-1] for c in w)
    # a short bare stretch beside punctuated words is not judged: left alone
    short = ["Well,", "i", "think", "so", "and", "then", "he", "left."]
    assert restore_words(restorer, short) == short


def test_pieces_that_run_on_are_read_as_one_word(restorer):
    # "selfproc" + "laimed" is one word for the reader (no space between them)
    out = restore_pieces(restorer, ["its a", "selfproc", "laimed", "win"],
                         [True, True, False, True])
    assert "".join(out[1:3]) in ("self-proclaimed", "selfproclaimed")
    assert lower(f"{out[0]} {out[1]}{out[2]} {out[3]}") == "its a selfproclaimed win"


WORDS = st.lists(st.sampled_from(SPOKEN + ["dont", "its", "20", "mr", "smith", "usa"]),
                 min_size=1, max_size=30)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=WORDS, spaces=st.lists(st.sampled_from(["", " ", "  "]), min_size=30, max_size=30))
def test_every_word_comes_back_as_it_was_given(restorer, words, spaces):
    given_words = [spaces[i] + w for i, w in enumerate(words)]
    out = restore_words(restorer, given_words)
    assert len(out) == len(given_words)
    for a, b in zip(given_words, out, strict=True):
        head = a[: len(a) - len(a.lstrip())]
        assert b.startswith(head) and not b[len(head):][:1].isspace()
        assert lower(b) == lower(a) and lower(b.strip()) == a.strip()
        assert not set(b) - set(string.printable) - set("“”‘’—–…")
