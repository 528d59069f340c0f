"""Tests for unstrip.text.encoding: mojibake repair with dropped-byte restoration."""

from __future__ import annotations

import string
from pathlib import Path

import ftfy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import unstrip.text.encoding as enc
from unstrip.evaluate.clean_samples import AMBIGUOUS_DOUBLE, AMBIGUOUS_SINGLE, CLEAN_SAMPLES
from unstrip.text.encoding import DROPPED_BYTES, Repair, fix_encoding, fix_encoding_and_explain
from unstrip.text.profiles import mojibake

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEEDS = SHARED / "seeds"
GOLD = SEEDS / "article.gold.txt"
MOJIBAKE = SEEDS / "article.mojibake.txt"

needs_seeds = pytest.mark.skipif(
    not (GOLD.exists() and MOJIBAKE.exists()),
    reason=f"seed article not found: {SEEDS} (the shared data folder beside the repo)",
)


def read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def loses_a_byte(text: str) -> bool:
    return any(b in DROPPED_BYTES for b in text.encode("utf-8"))


# --- (a) the seed article ---------------------------------------------------


@needs_seeds
def test_seed_article_is_restored_exactly():
    gold, damaged = read(GOLD), read(MOJIBAKE)
    assert mojibake(gold) == damaged
    assert fix_encoding(damaged) == gold


@needs_seeds
def test_seed_article_beats_plain_ftfy():
    """ftfy alone leaves ten closing quotes wrong; the gold keeps them curly."""
    gold, damaged = read(GOLD), read(MOJIBAKE)
    assert ftfy.fix_encoding(damaged) != gold
    assert "”" in gold and "“" in gold
    assert fix_encoding(gold) == gold


@needs_seeds
def test_seed_article_explain_lists_the_ten_restored_quotes():
    gold, damaged = read(GOLD), read(MOJIBAKE)
    fixed, repairs = fix_encoding_and_explain(damaged)
    assert fixed == gold
    restored = [r for r in repairs if r.kind == "restore"]
    assert len(restored) == 10
    assert all(r.before == "â€" and r.after == "”" for r in restored)
    for r in repairs:
        assert damaged[r.position : r.position + len(r.before)] == r.before
    # every ” of the gold whose damaged form lost its 0x9D byte is one of them
    assert len(restored) == gold.count("”")


@needs_seeds
def test_seed_article_in_small_segments(monkeypatch):
    """Long texts are cut into line-aligned segments; the result is the same."""
    gold, damaged = read(GOLD), read(MOJIBAKE)
    monkeypatch.setattr(enc, "MAX_SEGMENT", 500)
    assert len(enc._segments(damaged)) > 10
    assert "".join(enc._segments(damaged)) == damaged
    assert fix_encoding(damaged) == gold


# --- (b) clean text is never changed ----------------------------------------


def test_clean_samples_are_many_and_non_ascii():
    assert len(CLEAN_SAMPLES) >= 40
    assert len(set(CLEAN_SAMPLES)) == len(CLEAN_SAMPLES)
    assert all(not s.isascii() for s in CLEAN_SAMPLES)


@pytest.mark.parametrize("text", CLEAN_SAMPLES)
def test_clean_sample_unchanged(text):
    assert fix_encoding(text) == text
    assert fix_encoding_and_explain(text) == (text, [])


def test_clean_samples_joined_unchanged():
    text = "\n\n".join(CLEAN_SAMPLES)
    assert fix_encoding(text) == text


def test_ascii_fast_path_returns_the_same_object():
    text = "Plain ASCII, with \"straight\" quotes -- and nothing else."
    assert fix_encoding(text) is text


@pytest.mark.parametrize(
    "text",
    [
        "SÃO PAULO É A MAIOR CIDADE",  # Portuguese capitals: a real Ã
        "Ärger im Büro",  # German word-initial Ä
        "Ångström’s café…",  # é followed by … is not a lossy sequence
        "crème brûlée – très “bien”",
        "2×½ = 1",
        "voilà, l’été à Paris",
        "ﬁne ﬂour, ｗｉｄｅ text, e\u0301 decomposed",  # no other ftfy fixers run
        "\"straight\" and 'single' quotes stay straight",
    ],
)
def test_tricky_clean_text_unchanged(text):
    assert fix_encoding(text) == text


# --- (c) the samples, mangled, are repaired ---------------------------------


def test_ambiguous_samples_are_samples():
    assert set(AMBIGUOUS_SINGLE) <= set(CLEAN_SAMPLES)
    assert set(AMBIGUOUS_DOUBLE) <= set(CLEAN_SAMPLES)
    for text in AMBIGUOUS_SINGLE:
        assert loses_a_byte(text)


@pytest.mark.parametrize("text", CLEAN_SAMPLES)
def test_single_mojibake_repaired(text):
    damaged = mojibake(text)
    assert damaged != text
    if text in AMBIGUOUS_SINGLE:
        expected, _why = AMBIGUOUS_SINGLE[text]
        assert fix_encoding(damaged) == expected
    else:
        assert fix_encoding(damaged) == text


@pytest.mark.parametrize("text", [t for t in CLEAN_SAMPLES if t not in AMBIGUOUS_DOUBLE])
def test_double_mojibake_repaired(text):
    assert fix_encoding(mojibake(mojibake(text))) == text


def test_samples_include_lossy_cases_that_are_repaired():
    """Several samples lose a byte to Windows-1252 and still come back exactly."""
    repaired = [t for t in CLEAN_SAMPLES if loses_a_byte(t) and t not in AMBIGUOUS_SINGLE]
    assert len(repaired) >= 8
    for text in repaired:
        assert fix_encoding(mojibake(text)) == text


def test_all_samples_mangled_together():
    text = "\n".join(t for t in CLEAN_SAMPLES if t not in AMBIGUOUS_SINGLE)
    assert fix_encoding(mojibake(text)) == text


@pytest.mark.parametrize(
    ("clean", "note"),
    [
        ("He said, “no.”\nShe left.", "” before a line break"),
        ("“Yes,” she said.", "” before a space"),
        ("the Islamic State ”caliphate’ claim", "” before a word (a typo kept as is)"),
        ("It ended.”", "” at the very end"),
        ("well‐known", "U+2010 hyphen between letters"),
        ("Family: 👨‍👩‍👧 at home.", "zero width joiners between emoji"),
        ("I ❤️ it", "❤ and the emoji variation selector both lose a byte"),
        ("Tōkyō’s “rail”", "ō from case context when other mojibake is present"),
        ("The Łódź office’s “view”", "Ł at a word start before a decoded ó"),
        ("Price: 10 €, “cheap”", "complete sequences are left to ftfy"),
    ],
)
def test_lossy_contexts(clean, note):
    assert fix_encoding(mojibake(clean)) == clean, note


def test_unknowable_bytes_become_replacement_character():
    # 😁 😍 😏 😐 😝 all read ðŸ˜ once their last byte is dropped
    assert mojibake("😍") == mojibake("😁") == "ðŸ˜"
    assert fix_encoding("Love it ðŸ˜ â€” really") == "Love it � — really"


def test_lone_remnant_without_other_damage_is_left():
    """A bare remnant with nothing else wrong is not evidence enough."""
    assert fix_encoding("Äoković") == "Äoković"
    assert fix_encoding("TÅkyÅ") == "TÅkyÅ"


def test_ftfy_fix_text_would_do_more():
    """Only encoding is repaired: ftfy.fix_text's defaults would uncurl quotes."""
    damaged = "â€œcurlyâ€ and ï¬\x81ne"
    assert ftfy.fix_text(damaged) != fix_encoding(damaged)
    assert fix_encoding(damaged).startswith("“curly”")


# --- (d) properties ---------------------------------------------------------
#
# Alphabet: ASCII letters and digits, ASCII punctuation, curly quotes, dashes,
# the ellipsis, and accented Latin letters, arranged as words: accents sit
# inside words, opening quotes before a word, closing quotes and punctuation
# after one. Left out, and why:
# * Á Í Ï Ð Ý: their UTF-8 loses a byte to Windows-1252 and the remnant (a bare
#   Ã) cannot tell them apart;
# * Å, Œ, œ: their damage (Ã…, Å’, Å“) is also plausible clean text, so a text
#   whose only damage is that is left alone, by ftfy as by us;
# * free punctuation soup such as É‘ or é”‘: that is *itself* valid mojibake
#   (of ɑ, of 锑), so no repairer can both keep it and repair its damage.
# The closing quote ” does lose a byte (0x9D); placed after a word, as here, it
# is restored, so it is in the alphabet.

LOWER = string.ascii_lowercase + "éèêëàâçîïôûùñáíóúüöäßøæ"
UPPER = string.ascii_uppercase + "ÉÈÀÇÜÖÂÎÔÑÓÚÄØÆ"
PREFIXES = ["", "“", "‘", "(", "\""]
SUFFIXES = ["", ",", ".", "’s", "’", "”", ".”", ",”", "…", "!", "?", ")", ";", ":"]


@st.composite
def words(draw):
    body = draw(st.text(alphabet=LOWER, min_size=1, max_size=9))
    if draw(st.booleans()):
        body = draw(st.sampled_from(UPPER)) + body
    return draw(st.sampled_from(PREFIXES)) + body + draw(st.sampled_from(SUFFIXES))


@st.composite
def texts(draw):
    tokens = draw(
        st.lists(st.one_of(words(), words(), words(), st.sampled_from(["—", "–", "-", "1990s"]))),
    )
    seps = draw(st.lists(st.sampled_from([" ", " ", " ", "\n", "\n\n"]), min_size=len(tokens)))
    return "".join(t + s for t, s in zip(tokens, seps[: len(tokens)], strict=True)).strip()


@settings(max_examples=400, deadline=None)
@given(texts())
def test_property_clean_text_unchanged(text):
    assert fix_encoding(text) == text


@settings(max_examples=400, deadline=None)
@given(texts())
def test_property_single_mojibake_repaired(text):
    assert fix_encoding(mojibake(text)) == text


@settings(max_examples=200, deadline=None)
@given(texts())
def test_property_double_mojibake_repaired(text):
    assert fix_encoding(mojibake(mojibake(text))) == text


@settings(max_examples=200, deadline=None)
@given(texts())
def test_property_explain_matches_input(text):
    damaged = mojibake(text)
    fixed, repairs = fix_encoding_and_explain(damaged)
    assert fixed == text
    last = -1
    for r in repairs:
        assert r.position > last
        assert damaged[r.position : r.position + len(r.before)] == r.before
        last = r.position
    if text.isascii():
        assert repairs == []


# --- (e) explain --------------------------------------------------------------


def test_explain_positions_and_kinds():
    damaged = "Itâ€™s â€œokâ€ now, cafÃ©."
    fixed, repairs = fix_encoding_and_explain(damaged)
    assert fixed == "It’s “ok” now, café."
    assert damaged.index("Ã©") == 23
    assert repairs == [
        Repair("decode", 2, "â€™", "’"),
        Repair("decode", 7, "â€œ", "“"),
        Repair("restore", 12, "â€", "”"),
        Repair("decode", 23, "Ã©", "é"),
    ]


def test_explain_lossy_and_double():
    fixed, repairs = fix_encoding_and_explain("ðŸ˜ ok â€™")
    assert fixed == "� ok ’"
    assert repairs == [Repair("lossy", 0, "ðŸ˜", "�"), Repair("decode", 7, "â€™", "’")]

    damaged = mojibake(mojibake("“Hi,” — ok"))
    fixed, repairs = fix_encoding_and_explain(damaged)
    assert fixed == "“Hi,” — ok"
    assert [(r.kind, r.after) for r in repairs] == [
        ("decode", "“"),
        ("restore", "”"),
        ("restore", "—"),
    ]
    for r in repairs:
        assert damaged[r.position : r.position + len(r.before)] == r.before


def test_explain_nothing_to_do():
    assert fix_encoding_and_explain("naïve “café”") == ("naïve “café”", [])
    assert fix_encoding_and_explain("") == ("", [])


# --- (f) other damage that looks like a dropped byte ---------------------


@pytest.mark.parametrize(
    ("damaged", "expected", "why"),
    [
        pytest.param(
            "à¸ à¸²à¸©à¸²à¹„à¸—à¸¢", "ภาษาไทย", "the space is byte 0xA0 (ภ)", id="thai-a0"
        ),
        pytest.param(
            "Ð ÑƒÑ\ufffdÑ\ufffdÐºÐ¸Ð¹", "Ру\ufffd\ufffdкий", "bytes replaced by �", id="replaced"
        ),
        pytest.param(
            "â€œlossy decodingâ€\ufffd", "“lossy decoding\ufffd", "not ”", id="quote-replaced"
        ),
        pytest.param("stonesâ€ś after", "stones“ after", "ś: Windows-1250 9C", id="cp1250"),
        pytest.param(
            "to â€œbb+â€? from â€œbbâ€?", "to “bb+\ufffd from “bb\ufffd", "? is a byte",
            id="question",
        ),
    ],
)
def test_other_damage_is_left_to_ftfy(damaged, expected, why):
    assert ftfy.fix_encoding(damaged) == expected
    assert fix_encoding(damaged) == expected, why


def test_question_mark_is_real_where_bytes_were_dropped():
    """With other dropped bytes around, ``â€?`` is a closing quote and a question mark."""
    clean = "Did he say “no”? It’s “fine” now."
    assert mojibake(clean) == "Did he say â€œnoâ€? Itâ€™s â€œfineâ€ now."
    assert fix_encoding(mojibake(clean)) == clean


@pytest.mark.parametrize(
    "text",
    [
        "ESSE CARA AI QUEM É¿",  # É¿ is also UTF-8 for ɿ, an IPA letter
        "ã†â€™ãƒâ€ ã¢â‚¬â„¢ãƒæ’ã‚â¢",  # garbled beyond a lost byte: no lone ” put in
    ],
)
def test_text_ftfy_leaves_is_left(text):
    assert ftfy.fix_encoding(text) == text
    assert fix_encoding(text) == text


def test_next_line_control_is_kept():
    """U+0085 NEXT LINE between two lines is a line break, not Windows-1252's …."""
    assert fix_encoding("Line one\x85Line two.") == "Line one\x85Line two."
    assert fix_encoding("Line one\x85Line two, cafÃ©.") == "Line one\x85Line two, café."
    assert fix_encoding_and_explain("A\x85B") == ("A\x85B", [])
    # the ellipsis reading stays where a space, a quote or the end follows
    assert fix_encoding("parlé\x85 Tu sais") == "parlé… Tu sais"
    assert fix_encoding("“quotes\x85”") == "“quotes…”"
    assert fix_encoding("Ã\x85ngström") == "Ångström"  # a byte of mojibake, not a line break


# --- (g) beyond ftfy: its known failures that other code pages explain -------


@pytest.mark.parametrize(
    ("damaged", "expected"),
    [
        pytest.param("┬┐que diferencia hay?", "¿que diferencia hay?", id="cp437"),
        pytest.param("al pi√π presto.", "al più presto.", id="macroman-utf8"),
        pytest.param(
            "faites attention Г bien, le mГ©dicament",
            "faites attention à bien, le médicament",
            id="cp1251-a0",
        ),
        pytest.param("Coatl\x87n conf\x92an en", "Coatlán confían en", id="macroman-latin1"),
    ],
)
def test_other_code_pages_repaired(damaged, expected):
    assert ftfy.fix_encoding(damaged) != expected
    assert fix_encoding(damaged) == expected


@pytest.mark.parametrize(
    "text",
    [
        "(-1/2)! = √π",  # MacRoman would read √π as ù, but no letter touches it
        "├┤a┼┐a┼┐a┼┐a",  # code page 437 would give ſ: not Latin-1
        "ВІКІ is Ukrainian for WIKI",  # Windows-1251 would give ²ʲ
        "SENSЕ - Oleg",  # Cyrillic Е before a space: Windows-1251 would give Š
    ],
)
def test_other_code_pages_clean_text_kept(text):
    assert fix_encoding(text) == text


def test_right_single_quote_inside_a_word_stays_windows_1252():
    """``\\x92`` between letters is ’ in Windows-1252 and í in MacRoman: ftfy's ’ stands."""
    assert fix_encoding("barco tur\x92stico") == "barco tur’stico"
    assert fix_encoding("don\x92t") == "don’t"
