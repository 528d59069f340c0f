"""Damage profiles reproduce the seed files byte for byte."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unstrip.text.profiles import (
    LOWERED_PROFILES,
    PROFILES,
    STRIP_PROFILES,
    damage,
    lower,
    newlines,
    punct,
    punct_lower,
    seed,
    word,
    word_lower,
)

# Text as users bring it: accents, CJK, emoji, curly quotes, dashes, tabs, line breaks.
REAL_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("aZ09 .,;:'\"!?-_()$%&/\t\n\r")),
        st.sampled_from(list("éüïçÉß東京。“”‘’—–…🙂\u00a0\u2028")),
        st.characters(),
    ),
    max_size=80,
)


@pytest.mark.parametrize("profile,name", [("seed", "stripped"), ("mojibake", "mojibake")])
def test_profile_reproduces_seed_file(seeds, profile, name):
    gold = (seeds / "article.gold.txt").read_bytes().decode("utf-8")
    expected = (seeds / f"article.{name}.txt").read_bytes()
    assert damage(gold, profile).encode("utf-8") == expected


def test_seed_deletes_everything_but_ascii_letters_digits_spaces():
    assert seed("Zoë’s\tcafé, 20,000!\n") == "Zoscaf 20000"


def test_lower_is_seed_then_lowercase():
    assert lower("The U.S. Army's 3rd") == "the us armys 3rd"


def test_newlines_flattens_only_runs_with_line_breaks():
    assert newlines("a\tb  c\n\n d\r\ne") == "a\tb  c d e"


@given(REAL_TEXT)
def test_profiles_are_the_pipelines_exact_functions(text):
    assert seed(text) == re.sub(r"[^A-Za-z0-9 ]", "", text)
    assert punct(text) == text.translate(str.maketrans("", "", string.punctuation))
    assert word(text) == re.sub(r"[^\w\s]", "", text)
    assert punct_lower(text) == punct(text).lower()
    assert word_lower(text) == word(text).lower()


def test_punct_keeps_line_breaks_curly_quotes_dashes_and_accents():
    gold = "“Zürich’s café,” she said — naïve!\n\nIt's 20,000_\tyen."
    assert punct(gold) == "“Zürich’s café” she said — naïve\n\nIts 20000\tyen"
    assert damage(gold, "punct-lower") == "“zürich’s café” she said — naïve\n\nits 20000\tyen"


def test_word_keeps_letters_digits_underscore_and_all_whitespace():
    gold = "“Zürich’s café,” she said — naïve!\n\nIt's 20,000_\t東京。🙂"
    assert word(gold) == "Zürichs café she said  naïve\n\nIts 20000_\t東京"
    assert damage(gold, "word-lower") == "zürichs café she said  naïve\n\nits 20000_\t東京"


@given(REAL_TEXT.filter(lambda t: all(len(c.lower()) == 1 for c in t)))
def test_strip_profiles_only_delete_or_fold(text):
    """Every strip profile is idempotent: damaged text is a fixed point of its damage.

    (Not for letters whose lowercase is longer: ``"İ".lower()`` is ``i`` plus a
    combining dot, which ``word`` then deletes.)
    """
    for name in STRIP_PROFILES:
        once = PROFILES[name](text)
        assert PROFILES[name](once) == once
        if name not in LOWERED_PROFILES and name != "newlines":
            it = iter(text)
            assert all(ch in it for ch in once)  # a subsequence of the input


def test_unknown_profile_is_a_clear_error():
    with pytest.raises(ValueError, match="choose one of"):
        damage("x", "nope")
    assert set(PROFILES) == {
        "seed", "lower", "newlines", "punct", "word", "punct-lower", "word-lower", "mojibake"
    }
