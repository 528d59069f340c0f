"""Every damage profile is restored as the caller asks, and nothing it kept changes.

An explicit ``--profile`` is obeyed, ``auto`` decides per line over
the whole input, U+FFFD does not make a text "punctuated", ``newlines`` puts
paragraph breaks back, and ``punct`` / ``word`` (and their lowercased forms)
restore around kept non-ASCII letters as around ASCII ones.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unstrip import Restorer, detect_profile
from unstrip.text.profiles import PROFILES, STRIP_PROFILES, newlines

# Words as users write them: accents, CJK, emoji, curly quotes, dashes, tabs, line breaks.
TOKENS = st.sampled_from(
    "the groups leader said dont go its 20,000 dollars. Zürich’s café naïve 東京 "
    "“fine,” — it's self-made; Why? 🙂 well_known São Paulo’s İstanbul ß 3.5% "
    "Müller, Ελλάδα".split()
)
SEPARATORS = st.sampled_from([" ", " ", " ", "  ", "\t", "\n", "\n\n", " — "])
GOLD = st.lists(st.tuples(TOKENS, SEPARATORS), max_size=25).map(
    lambda pairs: "".join(t + s for t, s in pairs)
)
RESTORED = [p for p in STRIP_PROFILES]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(GOLD, st.sampled_from(RESTORED))
def test_kept_text_is_sacred_for_every_profile(restorer, gold, name):
    profile = PROFILES[name]
    x = profile(gold)
    if profile(x) != x:  # "İ".lower() grows a combining dot that word deletes
        return
    out = restorer.restore(x, name)
    assert profile(out) == x


@pytest.mark.parametrize("name", RESTORED)
def test_each_profile_is_restored_when_named(restorer, name):
    gold = ("The groups leader said: “Zürich’s café isn't naïve.”\tIt cost $20,000.\n\n"
            "Why not? We’ll see, said Müller.")
    x = PROFILES[name](gold)
    r = restorer.explain(x, name)
    assert r.profile == name and PROFILES[name](r.text) == x
    if name != "newlines":
        assert r.insertions  # something was put back
    else:
        assert r.text == gold  # the paragraph break after "$20,000." is put back


def test_an_explicit_profile_is_obeyed_whatever_the_text_looks_like(restorer):
    x = "its a naïve idea dont you think"
    for name in ("seed", "lower", "word-lower"):
        r = restorer.explain(x, name)
        assert r.profile == name and r.text != x and "naïve" in r.text
    # Text with punctuation, named as stripped: restored around its marks all the same.
    r = restorer.explain("Hello, its a selfproclaimed win", "seed")
    assert r.profile == "seed" and "Hello, it's a self-proclaimed win" in r.text


def test_auto_restores_a_stripped_text_with_a_non_ascii_letter(restorer):
    plain = restorer.restore("its a naive idea dont you think")
    accented = restorer.restore("its a naïve idea dont you think")
    assert accented == plain.replace("naive", "naïve") and accented != plain.lower()


def test_replacement_character_does_not_make_text_punctuated(restorer):
    x = "its a na\ufffdve idea dont you think"
    r = restorer.explain(x)
    assert r.profile == "lower" and r.text != x and "na\ufffdve" in r.text


@pytest.mark.parametrize("sentence", [
    "{} is in the news said the groups leader",
    "the groups leader said {} dont go",
    "Its a selfproclaimed win for {} worth 20000 dollars",
])
@pytest.mark.parametrize("ascii_word,word", [
    ("Zurich", "Zürich"), ("cafe", "café"), ("naive", "naïve"), ("Sao", "São"),
])
def test_non_ascii_letters_restore_like_ascii_ones(restorer, sentence, ascii_word, word):
    plain = restorer.explain(sentence.format(ascii_word), "seed")
    accented = restorer.explain(sentence.format(word), "word")
    assert [(i.offset, i.insert) for i in accented.insertions] == [
        (i.offset, i.insert) for i in plain.insertions
    ]


def test_a_cjk_word_is_a_word_for_the_network(restorer):
    out = restorer.restore("the mayor of 東京 said dont go", "word-lower")
    assert "東京" in out and "don't" in out.lower() and out[0] == "T"


def test_punct_keeps_curly_marks_and_inserts_only_ascii(restorer):
    x = "“Its fine” she said — then left"
    out = restorer.restore(x, "punct")
    assert PROFILES["punct"](out) == x and "It's" in out
    assert all(ord(c) < 128 for c in out if c not in x)


def test_auto_detects_every_profile():
    gold = ("The groups leader said: “Zürich’s café isn't naïve.” It cost $20,000, "
            "and Müller agreed; the rest did not.")
    assert detect_profile(PROFILES["seed"](gold)) == "seed"
    assert detect_profile(PROFILES["lower"](gold)) == "lower"
    assert detect_profile(PROFILES["punct"](gold)) == "punct"
    assert detect_profile(PROFILES["punct-lower"](gold)) == "punct-lower"
    assert detect_profile(PROFILES["word"](gold)) == "word"
    assert detect_profile(PROFILES["word-lower"](gold)) == "word-lower"
    article = "\n\n".join([gold] * 12)
    assert detect_profile(newlines(article)) == "newlines"
    assert detect_profile(article) == "punctuated"


ARTICLE = (
    "LONDON, May 4 - Shares in the engineering group rose sharply on Monday after it told "
    "investors that profits for the first half of the year would beat the forecasts made "
    "by most analysts in the City.\n\n"
    "The company said sales in Europe had grown by a fifth in the six months to the end of "
    "March, helped by new orders from rail operators in France and Germany, and that its "
    "order book was the largest in its history.\n\n"
    "\"We are very pleased with the result and expect the second half to be as strong,\" "
    "the chief executive told reporters at a news conference in the City on Monday.\n\n"
    "Rivals reported weaker figures last week, and several of them cut their forecasts for "
    "the year, blaming higher costs for steel and energy and a slowdown in orders from "
    "Asia.\n\n"
    "Trading in the shares was heavy throughout the day, dealers said, with more than twice "
    "the usual number changing hands by the close of the market in London."
)


def test_newlines_restores_paragraph_breaks_and_nothing_else(restorer):
    x = newlines(ARTICLE)
    r = restorer.explain(x, "newlines")
    assert newlines(r.text) == x and r.text != x
    assert "\n\n" in r.text and not r.insertions
    assert all(x[c.offset] == " " and c.to == "\n\n" for c in r.recased)
    restored = r.text.split("\n\n")
    assert len(restored) >= 3 and set(restored) & set(ARTICLE.split("\n\n"))


def test_auto_restores_a_long_flattened_text():
    x = newlines("\n\n".join([ARTICLE] * 3))
    r = Restorer("baseline").explain(x)
    assert r.profile == "newlines" and "\n\n" in r.text and newlines(r.text) == x


def test_auto_decides_per_line_over_the_whole_stream():
    """A stripped line after 64 KB of punctuated text is restored (the head decided before)."""
    punctuated = "This line is already punctuated, so it is left alone.\n" * 1300
    assert len(punctuated) > 65536
    x = punctuated + "The groups leader said dont go\n"
    chunks = [x[i : i + 4096] for i in range(0, len(x), 4096)]
    small = Restorer("baseline")
    out = "".join(small.restore_stream(chunks))
    assert out.startswith(punctuated) and out.endswith(" said don't go.\n")
    r = small.explain(x)
    assert r.profile == "mixed" and r.text == out
    assert [p.profile for p in r.parts][-2:] == ["punctuated", "seed"]


def test_stream_of_a_long_stripped_line_equals_explain():
    line = " ".join(["the groups leader said dont go its 20000 dollars"] * 1800)
    assert len(line) > 65536
    small = Restorer("baseline")
    chunks = [line[i : i + 1000] for i in range(0, len(line), 1000)]
    out = "".join(small.restore_stream(chunks))
    r = small.explain(line)
    assert out == r.text and len(r.parts) == 2 and r.profile == "lower"
    assert PROFILES["lower"](out) == line


def test_parts_do_not_depend_on_how_the_input_is_chunked():
    from unstrip.restorer import PART_CHARS, _parts

    text = ("a b " * (PART_CHARS // 3)) + "\n\nend\n" + "c " * 10
    whole = list(_parts([text]))
    pieces = list(_parts(text[i : i + 777] for i in range(0, len(text), 777)))
    assert whole == pieces and "".join(p for _, p, _ in whole) == text
    assert max(len(p) for _, p, _ in whole) <= PART_CHARS
