"""WordPieces.encode works out each distinct piece once and remembers it.

What a piece turns into (word pieces, spans, casing) is remembered per piece
as written, across texts, in a bounded memory; how a piece joins the one
before is worked out per text. These tests catch a memory that answers for
the wrong piece or the wrong context, or that grows without bound: the same
letters in other casings and other joins, texts encoded after others on one
instance against a fresh instance, a memory far smaller than a text, and
every output checked against what the text itself says.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from unstrip.network.wordpieces import CASES, JOINS, WordPieces, casing
from unstrip.text.tokens import pieces

FIELDS = ("ids", "shapes", "starts", "ends", "region", "word")


def shape_names(enc) -> list[tuple[str, str]]:
    """(join, casing) of every word piece."""
    return [(JOINS[(s - 1) // len(CASES)], CASES[(s - 1) % len(CASES)])
            for s in enc.shapes.tolist()]


def same(a, b) -> bool:
    return a.text == b.text and all(
        getattr(a, f).dtype == getattr(b, f).dtype
        and np.array_equal(getattr(a, f), getattr(b, f)) for f in FIELDS)


@pytest.fixture(scope="module")
def plain():
    return WordPieces.load()


@pytest.fixture(scope="module")
def split():
    return WordPieces.load(split_s=True)


def test_one_word_in_many_casings_and_joins():
    """``groups`` as lower, capitalised and upper, after one space, after two,
    glued at a camel-case cut and starting the text: each keeps its own shape."""
    wp = WordPieces.load()
    text = "groups Groups  GROUPS ruleGroups groups"
    enc = wp.encode(text)
    assert enc.tokens(wp) == ["groups", "groups", "groups", "rule", "groups", "groups"]
    assert shape_names(enc) == [
        ("space", "lower"), ("space", "capitalised"), ("spaces", "upper"),
        ("space", "lower"), ("joined", "capitalised"), ("space", "lower")]
    assert enc.region.tolist() == [0, 7, 14, 22, -1, 33]
    assert [text[a:b] for a, b in zip(enc.starts, enc.ends, strict=True)] == [
        "groups", "Groups", "GROUPS", "rule", "Groups", "groups"]
    # once remembered, the same words in another order and context
    again = wp.encode("  GROUPS groups Groups")
    assert shape_names(again) == [
        ("spaces", "upper"), ("space", "lower"), ("space", "capitalised")]
    assert again.region.tolist() == [0, 9, 16]
    assert same(again, WordPieces.load().encode("  GROUPS groups Groups"))


def test_split_s_pieces_keep_their_own_casing(split, plain):
    """With ``split_s`` a capitalised ``Groups`` is ``group`` (capitalised) then
    ``##s`` (lower, a continuation); in ``GROUPS`` the lone ``S`` of ``##s`` is
    capitalised, as :func:`casing` calls any single capital."""
    enc = split.encode("Groups GROUPS groups")
    assert enc.tokens(plain) == ["group", "##s", "group", "##s", "group", "##s"]
    assert shape_names(enc) == [
        ("space", "capitalised"), ("continuation", "lower"),
        ("space", "upper"), ("continuation", "capitalised"),
        ("space", "lower"), ("continuation", "lower")]
    assert enc.word.tolist() == [0, 0, 1, 1, 2, 2]
    assert enc.region.tolist() == [0, -1, 7, -1, 14, -1]


def test_plain_and_split_instances_do_not_share_answers(plain, split):
    """The memory belongs to one instance: ``its`` splits only under ``split_s``."""
    assert plain.encode("its").tokens(plain) == ["its"]
    assert split.encode("its").tokens(plain) == ["it", "##s"]
    assert plain.encode("its").tokens(plain) == ["its"]


def random_text(rng: random.Random) -> str:
    words = ["the", "groups", "its", "McDonald", "NATO", "iPhone", "2015", "15th",
             "selfproclaimed", "x" * 120, "a", "I", "rule", "Reports", "dont"]
    out = []
    for _ in range(rng.randint(0, 30)):
        w = rng.choice(words)
        w = rng.choice([w, w.lower(), w.upper(), w.capitalize()])
        out.append(w)
        out.append(rng.choice([" ", " ", "  ", "", "\n", " , "]))
    return rng.choice(["", " ", "   "]) + "".join(out)


@pytest.mark.parametrize("split_s", [False, True])
def test_warm_tiny_memory_matches_fresh_and_the_text(split_s):
    """Texts encoded one after another on an instance whose memory holds only 5
    pieces (so it is emptied again and again) give what a fresh instance gives
    for each text alone, and every output agrees with the text itself."""
    rng = random.Random(18)
    warm = WordPieces.load(split_s=split_s)
    warm.cache_size = 5
    for _ in range(150):
        text = random_text(rng)
        enc = warm.encode(text)
        assert len(warm._known) <= 5
        assert same(enc, WordPieces.load(split_s=split_s).encode(text))
        check_against_text(warm, text, enc)


def check_against_text(wp: WordPieces, text: str, enc) -> None:
    """Every field of ``enc`` from first principles: the text's pieces and characters."""
    plist = list(pieces(text))
    assert enc.word.tolist() == sorted(enc.word.tolist())
    assert set(enc.word.tolist()) == set(range(len(plist)))
    for i in range(len(enc)):
        p = plist[enc.word[i]]
        s, e = int(enc.starts[i]), int(enc.ends[i])
        assert p.start <= s < e <= p.end
        join, case = divmod(int(enc.shapes[i]) - 1, len(CASES))
        assert case == casing(text[s:e])
        if i > 0 and enc.word[i - 1] == enc.word[i]:
            assert JOINS[join] == "continuation" and enc.region[i] == -1
            assert s == enc.ends[i - 1]
        elif p.joined:
            assert JOINS[join] == "joined" and enc.region[i] == -1
            assert text[s - 1].isalnum()
        else:
            gap = s - (plist[enc.word[i] - 1].end if enc.word[i] > 0 else 0)
            assert JOINS[join] == ("space" if gap <= 1 else "spaces")
            assert enc.region[i] == (s - gap + 1 if enc.word[i] > 0 else 0)
            assert s == p.start
    if not wp.split_s:
        want = [t for p in plist
                for t in wp.tokenizer.encode([p.text.lower()], is_pretokenized=True,
                                             add_special_tokens=False).ids]
        assert enc.ids.tolist() == want


def test_memory_is_bounded_and_still_right_past_it():
    """A text with more distinct pieces than the memory holds: the memory stays
    at its size and the pieces it could not keep are still encoded right."""
    wp = WordPieces.load()
    wp.cache_size = 10
    text = " ".join(f"w{i}x" for i in range(40))
    enc = wp.encode(text)
    assert len(wp._known) == 10
    assert same(enc, WordPieces.load().encode(text))
    assert same(wp.encode(text), enc)
    assert len(wp._known) == 10


def test_second_encode_asks_the_tokenizer_nothing():
    """A text whose pieces are all remembered is encoded without the tokenizer,
    and a new casing of a known word is asked for once."""
    wp = WordPieces.load()
    calls = []
    real = wp.tokenizer

    class Counting:
        def encode(self, words, **kw):
            calls.append(list(words))
            return real.encode(words, **kw)

        def __getattr__(self, name):
            return getattr(real, name)

    wp.tokenizer = Counting()
    text = "the groups said the groups said"
    first = wp.encode(text)
    assert calls == [["the", "groups", "said"]]
    assert same(wp.encode(text), first)
    assert len(calls) == 1
    wp.encode("The groups")
    assert calls[1] == ["the"]


def test_empty_and_space_only_texts(plain):
    for text in ("", "   ", "\n"):
        enc = plain.encode(text)
        assert len(enc) == 0 and enc.shapes.dtype == np.int8 and enc.ids.dtype == np.int32
