"""One quote style per text (unstrip.decode.quotes): only inserted marks change, and all alike."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unstrip import Restorer
from unstrip.decode.quotes import choose_style, harmonize, style_votes
from unstrip.text.alignment import apply
from unstrip.text.profiles import punct, seed

CURLY, STRAIGHT = set("’‘“”"), set("'\"")
MARKS = st.sampled_from(["", "", "", "'", "’", '"', "“", "”", ',"', ".”", " ‘", ", "])


@given(st.text(alphabet="ab c’\"", max_size=30).flatmap(
    lambda t: st.tuples(st.just(t), st.lists(MARKS, min_size=len(t) + 1, max_size=len(t) + 1))),
    st.sampled_from(["straight", "curly"]))
def test_harmonize_changes_only_inserted_quotes_and_leaves_one_style(case, style):
    text, ins = case
    out = harmonize(text, ins, style)
    assert len(out) == len(ins)
    inserted = "".join(out)
    assert not set(inserted) & (CURLY if style == "straight" else STRAIGHT)
    for before, after in zip(ins, out, strict=True):
        # the same marks, quote for quote, and nothing else moved
        same = str.maketrans("’‘“”", "''\"\"")
        assert before.translate(same) == after.translate(same)


def test_votes_weigh_confidence_and_kept_quotes():
    text = "“Its ok"   # a curly quote the text kept outweighs a sure straight one
    ins = [""] * (len(text) + 1)
    ins[3] = "'"
    assert choose_style(style_votes(text, ins, [1.0] * len(ins))) == "curly"
    assert choose_style(style_votes("Its ok", ins[1:], [0.9] * len(ins))) == "straight"
    assert choose_style((0, 0, 0.0, 0.0)) == "straight"


def test_curly_opening_and_closing_quotes_follow_their_place():
    text = "she said yes and its done"
    ins = [""] * (len(text) + 1)
    ins[8], ins[9], ins[12], ins[19] = ",", '"', '"', "'"
    assert apply(text, harmonize(text, ins, "curly")) == "she said, “yes” and it’s done"


@pytest.fixture(scope="module")
def restorer():
    return Restorer()


def test_a_restoration_writes_one_style(restorer):
    x = "Its a selfproclaimed win the groups leader said"
    out = restorer.restore(x)
    assert not (set(out) & CURLY and set(out) & STRAIGHT), out
    assert seed(out) == x
    restorer_curly = Restorer(restorer.model, quotes="curly")
    out = restorer_curly.restore(x)
    assert "’" in out and not set(out) & STRAIGHT and seed(out) == x


def test_kept_curly_quotes_set_the_style_of_later_lines(restorer):
    # punct keeps curly quotes, so its own insertions stay ASCII; they set the
    # style of the stripped line after it.
    x = "“It’s fine” she said and the groups leader agreed\nIts a selfproclaimed win he said"
    explained = restorer.explain(x)
    assert [p.profile for p in explained.parts] == ["punct", "seed"]
    first, second = explained.text.split("\n")
    assert punct(first) == x.split("\n")[0] and seed(second) == x.split("\n")[1]
    assert "’" in second and "'" not in second, second
    alone = restorer.restore(x.split("\n")[1])
    assert "'" in alone and "’" not in alone, alone


def test_an_unknown_style_is_refused():
    with pytest.raises(ValueError, match="quote style"):
        Restorer("baseline", quotes="fancy")
    p = subprocess.run([sys.executable, "-m", "unstrip.cli", "restore", "--quotes", "fancy"],
                       input=b"dont", capture_output=True)
    assert p.returncode == 2 and b"fancy" in p.stderr
