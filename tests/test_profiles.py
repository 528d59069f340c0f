"""Damage profiles reproduce the seed files byte for byte."""

from __future__ import annotations

import pytest

from unstrip.profiles import PROFILES, damage, lower, newlines, seed


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


def test_unknown_profile_is_a_clear_error():
    with pytest.raises(ValueError, match="choose one of"):
        damage("x", "nope")
    assert set(PROFILES) == {"seed", "lower", "newlines", "mojibake"}
