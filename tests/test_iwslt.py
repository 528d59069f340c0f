"""Tests for the IWSLT TED punctuation benchmark: reading, token mapping, labels, scores."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unstrip.evaluate.iwslt import (
    CLASSES,
    MARK_LABELS,
    IwsltFormatError,
    build_input,
    evaluate,
    evaluate_pairs,
    holdout,
    is_clitic,
    label_for_insertion,
    labels_from_restored,
    main,
    predict_labels,
    read_tsv,
    render_gold,
    score,
    split_blocks,
)
from unstrip.text.alignment import AlignmentError
from unstrip.text.profiles import lower

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DEV2012 = SHARED / "benchmarks" / "iwslt" / "dev2012.tsv"


class Stub:
    """A restorer that returns a hand-written text and records what it was given."""

    def __init__(self, output: str):
        self.output = output
        self.seen: list[tuple[str, str]] = []

    def restore(self, text: str, profile: str) -> str:
        self.seen.append((text, profile))
        return self.output


def write(tmp_path: Path, text: str, name: str = "x.tsv") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return p


# -- read_tsv ------------------------------------------------------------------
def test_read_tsv_pairs_blank_lines_empty_tokens_and_crlf(tmp_path):
    p = write(tmp_path, "hello\tCOMMA\r\n\n\tQUESTION\nn't\tO\nworld\tPERIOD")
    assert read_tsv(p) == [("hello", "COMMA"), ("", "QUESTION"), ("n't", "O"), ("world", "PERIOD")]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("world PERIOD", "expected 'token<TAB>label', got 'world PERIOD'"),
        ("a\tb\tO", "expected 'token<TAB>label'"),
        ("world\tperiod", "unknown label 'period'"),
        ("world\tEXCLAMATION", "unknown label 'EXCLAMATION'"),
    ],
)
def test_read_tsv_malformed_line_names_file_and_line(tmp_path, line, message):
    p = write(tmp_path, f"ok\tO\n\nfine\tCOMMA\n{line}\nlater\tO\n")
    with pytest.raises(IwsltFormatError) as info:
        read_tsv(p)
    assert f"{p}:4: " in str(info.value)
    assert message in str(info.value)


def test_read_tsv_not_utf8(tmp_path):
    p = write(tmp_path, b"ok\tO\ncaf\xe9\tO\n")
    with pytest.raises(IwsltFormatError, match=r"x\.tsv:2: not UTF-8"):
        read_tsv(p)


# -- tokens -> input -----------------------------------------------------------
@pytest.mark.parametrize("token", ["'s", "'re", "'m", "'ll", "'ve", "'d", "n't", "’s", "N'T"])
def test_clitics(token):
    assert is_clitic(token)


@pytest.mark.parametrize("token", ["'the", "'my", "'mun", "s", "nt", "don't", "'", "--"])
def test_not_clitics(token):
    assert not is_clitic(token)


def test_build_input_glues_clitics_and_maps_tokens():
    tokens = ["we", "'re", "here", "--", "do", "n't", "say", "'the", "world", "10,000", "it's"]
    m = build_input(tokens)
    assert m.text == "were here dont say the world 10000 its"
    assert m.text == lower(m.text)
    assert m.token_words == [0, 0, 1, 1, 2, 2, 3, 4, 5, 6, 7]
    words = m.text.split(" ")
    assert [m.text[a:b] for a, b in m.spans] == words
    gaps = m.label_gaps()
    assert gaps == [None, 4, None, 9, None, 14, 18, 22, 28, 34, 38]


def test_build_input_leading_and_trailing_empty_tokens():
    m = build_input(["--", "", "'s", "go", "=", ""])
    # nothing before the first word: the leading empty tokens map to no word;
    # a clitic with no word before it starts a word of its own
    assert m.text == "s go"
    assert m.token_words == [-1, -1, 0, 1, 1, 1]
    assert m.label_gaps() == [None, None, 1, None, None, 4]
    assert build_input([]).text == "" and build_input(["--"]).label_gaps() == [None]


def test_render_gold_lowers_to_the_input():
    pairs = [("do", "O"), ("n't", "COMMA"), ("mr.", "O"), ("smith", "QUESTION"), ("it", "O")]
    pairs += [("'s", "O"), ("--", "PERIOD"), ("ok", "PERIOD")]
    text = render_gold(pairs)
    assert text == "Don't, mr smith? It's. Ok."
    assert lower(text) == build_input([t for t, _ in pairs]).text


# -- labels --------------------------------------------------------------------
@pytest.mark.parametrize(("mark", "label"), sorted(MARK_LABELS.items()))
def test_each_mark_maps_alone(mark, label):
    assert label_for_insertion(mark) == label


@pytest.mark.parametrize(
    ("insertion", "label"),
    [
        ("", "O"),
        ('"', "O"),
        ("”", "O"),
        (")", "O"),
        ("'", "O"),
        (".”", "PERIOD"),
        ('?"', "QUESTION"),
        (",—", "COMMA"),
        ("?!", "QUESTION"),
        (".?", "QUESTION"),
        ("...", "PERIOD"),
        (",\n\n", "PERIOD"),
        ("\n\n", "PERIOD"),
        ("?\n", "QUESTION"),
        (":", "COMMA"),
        (";", "PERIOD"),
    ],
)
def test_label_precedence(insertion, label):
    assert label_for_insertion(insertion) == label


def test_labels_from_restored_uses_the_last_token_of_a_glued_word():
    m = build_input(["so", "we", "'re", "done", "--", "right"])
    assert labels_from_restored(m, "So, we're done — right?") == [
        "COMMA",
        "O",
        "O",
        "O",
        "O",
        "QUESTION",
    ]
    # a mark inside a glued word (the apostrophe) is not a label
    assert labels_from_restored(m, "So we're done. Right") == ["O", "O", "O", "O", "PERIOD", "O"]


def test_labels_from_restored_rejects_a_text_that_is_not_a_restoration():
    with pytest.raises(AlignmentError):
        labels_from_restored(build_input(["a", "b"]), "A, c.")


def test_stub_restorer_exact_scores():
    pairs = [
        ("well", "COMMA"),  # predicted COMMA: tp
        ("we", "O"),
        ("'re", "O"),
        ("here", "PERIOD"),  # predicted COMMA: fn PERIOD, fp COMMA
        ("is", "O"),
        ("it", "O"),
        ("true", "QUESTION"),  # predicted QUESTION: tp
        ("yes", "COMMA"),  # predicted O: fn COMMA
        ("it", "O"),  # predicted PERIOD: fp PERIOD
        ("is", "PERIOD"),  # predicted PERIOD: tp
    ]
    stub = Stub("Well, we're here, is it true? Yes it. Is.")
    result = evaluate_pairs(pairs, stub)
    assert stub.seen == [("well were here is it true yes it is", "lower")]
    c, p, q = (result.classes[k] for k in CLASSES)
    assert (c.tp, c.fp, c.fn) == (1, 1, 1)
    assert (p.tp, p.fp, p.fn) == (1, 1, 1)
    assert (q.tp, q.fp, q.fn) == (1, 0, 0)
    assert (c.precision, c.recall, c.f1) == (0.5, 0.5, 0.5)
    assert (q.precision, q.recall, q.f1) == (1.0, 1.0, 1.0)
    o = result.overall
    assert (o.tp, o.fp, o.fn, o.support) == (3, 2, 2, 5)
    assert o.precision == pytest.approx(0.6) and o.recall == pytest.approx(0.6)
    assert o.f1 == pytest.approx(0.6)
    assert result.tokens == 10
    assert result.confusion["PERIOD"]["COMMA"] == 1 and result.confusion["O"]["O"] == 4


def test_score_edge_cases():
    s = score(["O", "O"], ["O", "O"])
    assert s.overall.f1 == 0.0 and s.overall.precision == 0.0 and s.overall.support == 0
    with pytest.raises(ValueError, match="2 gold labels but 1 predicted"):
        score(["O", "O"], ["O"])
    with pytest.raises(ValueError, match="unknown label"):
        score(["O"], ["EXCLAMATION"])


def test_to_dict_and_table():
    s = score(["COMMA", "PERIOD", "QUESTION", "O"], ["COMMA", "QUESTION", "QUESTION", "O"])
    d = json.loads(json.dumps(s.to_dict()))
    assert d["tokens"] == 4
    assert set(d["classes"]) == set(CLASSES)
    assert d["classes"]["QUESTION"]["precision"] == 0.5
    assert d["overall"]["f1"] == pytest.approx(2 / 3)
    table = s.format_table().splitlines()
    assert table[0].split() == ["class", "P", "R", "F1", "support"]
    assert [row.split()[0] for row in table[1:5]] == [*CLASSES, "OVERALL"]
    assert table[4].split()[1:] == ["66.7", "66.7", "66.7", "3"]
    assert len({len(row) for row in table[:5]}) == 1


def test_chunks_restore_separately_and_keep_one_label_per_token():
    class Comma:
        def __init__(self):
            self.texts = []

        def restore(self, text, profile):
            self.texts.append(text)
            return text.replace(" ", ", ") + "."

    tokens = ["a", "b", "'s", "--", "c", "d", "e", "n't"]
    r = Comma()
    labels = predict_labels(tokens, r, chunk_words=2)
    assert r.texts == ["a bs", "c d", "ent"]
    assert labels == ["COMMA", "O", "O", "PERIOD", "COMMA", "PERIOD", "O", "PERIOD"]
    with pytest.raises(ValueError):
        predict_labels(tokens, r, chunk_words=-1)


# -- invariant: one label per token, and the oracle gets every expressible label
TOKENS = st.sampled_from(
    ["the", "we", "do", "'s", "'re", "n't", "--", "", "10,000", "'the", "mr.", "a", "x-ray", "="]
)
LABEL = st.sampled_from(["O", "O", "COMMA", "PERIOD", "QUESTION"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(TOKENS, LABEL), max_size=40), st.integers(0, 2**32 - 1), st.booleans())
def test_one_label_per_token_and_oracle(pairs, seed, chunked):
    tokens = [t for t, _ in pairs]
    chunk = 3 if chunked else None

    class Random:
        def restore(self, text, profile):
            rng = random.Random(seed)
            marks = ["", "", ",", ".", "?", "!", '"', ".”", "\n\n", "—", "'"]
            return "".join(ch + rng.choice(marks) for ch in text)

    assert len(predict_labels(tokens, Random(), chunk)) == len(tokens)

    class Oracle:
        def restore(self, text, profile):
            return render_gold(pairs)

    predicted = predict_labels(tokens, Oracle())
    assert len(predicted) == len(tokens)
    for gap, gold, pred in zip(build_input(tokens).label_gaps(), pairs, predicted, strict=True):
        assert pred == (gold[1] if gap is not None else "O")


# -- blocks --------------------------------------------------------------------
def test_split_blocks_cuts_after_sentences_near_equal_sizes():
    rng = random.Random(0)
    pairs = [(f"w{i}", rng.choice(["O"] * 8 + ["COMMA", "PERIOD"])) for i in range(1000)]
    blocks = split_blocks(pairs, 10)
    assert len(blocks) == 10
    assert [p for b in blocks for p in b] == pairs
    for b in blocks[:-1]:
        assert b[-1][1] in ("PERIOD", "QUESTION")
        assert 70 <= len(b) <= 130
    train, test = holdout(pairs)
    assert test == blocks[-1] and train == [p for b in blocks[:-1] for p in b]
    train, test = holdout(pairs, 3)
    assert test == blocks[3] and len(train) + len(test) == len(pairs)


def test_split_blocks_without_sentence_ends_and_errors():
    pairs = [("w", "O")] * 10
    assert [len(b) for b in split_blocks(pairs, 3)] == [3, 4, 3]
    assert split_blocks(pairs, 1) == [pairs]
    assert [len(b) for b in split_blocks(pairs, 10)] == [1] * 10
    with pytest.raises(ValueError):
        split_blocks(pairs, 11)
    with pytest.raises(ValueError):
        split_blocks(pairs, 0)


# -- the shell entry and the real benchmark ---------------------------------------
def test_main_prints_a_table(tmp_path, capsys):
    p = write(tmp_path, "is\tO\nit\tO\nso\tQUESTION\nyes\tPERIOD\n")
    assert main([str(p)]) == 0
    assert capsys.readouterr().out.splitlines()[0].split()[0] == "class"
    assert main([str(p), "--json", "--block", "0", "--blocks", "2"]) == 0
    assert json.loads(capsys.readouterr().out)["tokens"] == 3


@pytest.fixture(scope="module")
def dev2012() -> Path:
    if not DEV2012.exists():
        pytest.skip(f"{DEV2012} is absent: the IWSLT dev set lives in ../shared beside the repo")
    return DEV2012


def test_real_file_shape(dev2012):
    pairs = read_tsv(dev2012)
    assert len(pairs) > 100_000
    labels = {label for _, label in pairs}
    assert labels == {"O", "COMMA", "PERIOD", "QUESTION"}
    # the mapping can express (nearly) every gold label: only tokens followed by
    # a clitic or a pure-punctuation token lose theirs
    predicted = predict_labels([t for t, _ in pairs[:20000]], Stub(render_gold(pairs[:20000])))
    assert score([label for _, label in pairs[:20000]], predicted).overall.f1 > 0.999


def test_real_restorer_on_first_3000_tokens(dev2012, restorer):
    result = evaluate(dev2012, restorer, limit=3000)
    assert result.tokens == 3000
    assert sum(sum(row.values()) for row in result.confusion.values()) == 3000
    assert 0.0 <= result.overall.f1 <= 1.0
    assert result.overall.support > 100
    assert evaluate(dev2012, restorer, limit=500, start=1000).tokens == 500


def test_eval_scores_a_range_of_blocks_numbered_from_one(tmp_path):
    from click.testing import CliRunner

    from unstrip.cli import cli
    from unstrip.evaluate.iwslt import select_blocks

    rng = random.Random(5)
    pairs = [(rng.choice(["so", "we", "it", "what"]), rng.choice(["O", "O", "COMMA", "PERIOD"]))
             for _ in range(300)] + [("end", "PERIOD")]
    p = write(tmp_path, "".join(f"{t}\t{lab}\n" for t, lab in pairs))
    blocks = split_blocks(pairs)
    assert select_blocks(pairs, "6-10") == [x for b in blocks[5:] for x in b]
    assert select_blocks(pairs, "3") == blocks[2]
    with pytest.raises(ValueError, match="block range"):
        select_blocks(pairs, "0-4")
    out = CliRunner().invoke(cli, ["eval", "--iwslt", str(p), "--blocks", "6-10", "--model",
                                   "baseline", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["tokens"] == sum(len(b) for b in blocks[5:])
    bad = CliRunner().invoke(cli, ["eval", "--iwslt", str(p), "--blocks", "7-2"])
    assert bad.exit_code == 2 and "block range" in bad.output
