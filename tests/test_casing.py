"""Casing for lowercased input: labels, the casing head's decoding, multi-profile training.

Lowercased input (``nato said`` from ``NATO said``) has lost capitals that
the uncased word pieces cannot see; a third network head says how the gold
writes each word piece. Runs made before that head existed (two outputs)
must still train, export and run as they did: tested here with tiny
networks trained from scratch (skipped without torch / onnx / onnxruntime).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unstrip.decode.heads import apply_case
from unstrip.learned import WindowPredictor
from unstrip.network.labels import CASE_CLASSES, LabelSet, case_class
from unstrip.network.wordpieces import CASES, WordPieces
from unstrip.text.alignment import align
from unstrip.text.profiles import lower, seed
from unstrip.train.labels import IGNORE, case_labels, gap_labels, label_documents


@pytest.fixture(scope="module")
def wp() -> WordPieces:
    return WordPieces.load()


def _labels(wp, gold: str, profile: str = "lower") -> list[tuple[str, str | None]]:
    damaged = lower(gold) if profile == "lower" else seed(gold)
    enc = wp.encode(damaged)
    got = case_labels(enc, align(gold, damaged, profile).kept).tolist()
    return [(t, CASE_CLASSES[c] if c != IGNORE else None)
            for t, c in zip(enc.tokens(wp), got, strict=True)]


# -- labels (no torch) -------------------------------------------------------------


def test_case_class_of_letters():
    assert [CASE_CLASSES[case_class(w)] for w in
            ["nato", "NATO", "Nato", "McDonald", "iPhone", "US", "I", "a", "15th", "1990s"]] == [
        "lower", "upper", "capitalised", "mixed", "mixed", "upper", "capitalised", "lower",
        "lower", "lower"]
    assert case_class("2015") is None and case_class("") is None


def test_case_labels_follow_the_gold_for_lowercased_input(wp):
    got = _labels(wp, "NATO met McDonald’s boss. “iPhone sales,” the U.S. firm said.\n\nIn 2015")
    assert got == [
        ("nato", "upper"), ("met", "lower"), ("mcdonald", "mixed"), ("##s", "lower"),
        ("boss", "lower"), ("iphone", "mixed"), ("sales", "lower"), ("the", "lower"),
        ("us", "upper"), ("firm", "lower"), ("said", "lower"), ("##in", "capitalised"),
        ("2015", None),
    ]  # lowercased, "saidIn" is not cut at the paragraph: "In" is a continuation


def test_case_labels_are_the_same_for_seed_input_and_visible_in_its_shapes(wp):
    gold = "The U.S. Army and NATO. Then Reuters said so."
    assert _labels(wp, gold, "seed") == _labels(wp, gold, "lower")
    enc = wp.encode(seed(gold))
    for shape, (_, cls) in zip(enc.shapes.tolist(), _labels(wp, gold, "seed"), strict=True):
        assert CASES[(shape - 1) % len(CASES)] == cls


def test_lower_examples_have_lowercase_shapes_and_the_same_insertions(wp):
    texts = ["He said: “No,” then NATO left, quickly.", "A (small) U.S. test — really?"]
    it = label_documents(texts, wp, ["seed", "lower"])
    assert it.profiles == ["seed", "lower", "seed", "lower"]
    for k in (1, 3):
        cases = {CASES[(s - 1) % len(CASES)] for s in it.inputs[k][1].tolist()}
        assert cases <= {"lower", "digit"}
        # no camel-case cuts in these texts, so the same pieces and the same labels
        assert (it.inputs[k][0] == it.inputs[k - 1][0]).all()
        assert (it.labels[k][0] == it.labels[k - 1][0]).all()
        assert (it.labels[k][1] == it.labels[k - 1][1]).all()
        assert (it.case[k] == it.case[k - 1]).all()
    assert CASE_CLASSES[it.case[3][list(it.inputs[3][0]).index(wp.tokenizer.token_to_id("us"))]] \
        == "upper"
    with pytest.raises(ValueError, match="newlines"):
        label_documents(texts, wp, ["seed", "newlines"])


def test_gap_labels_align_lowercased_input(wp):
    gold = "Don’t go, NATO.\n\nNow?"
    enc = wp.encode(lower(gold))
    assert gap_labels(enc, gold, "lower") == gap_labels(wp.encode(seed(gold)), gold)


def test_apply_case_changes_only_the_case_of_letters():
    assert apply_case("nato", 2) == "NATO"
    assert apply_case("1990s", 1) == "1990S"
    assert apply_case("mcdonald", 3, "McDonald") == "McDonald"
    assert apply_case("mcdonald", 3, None) == "mcdonald"
    assert apply_case("mcdonald", 3, "Mc-Donald") == "mcdonald"


# -- decoding with a casing head (no torch) --------------------------------------------


class _Cased(WindowPredictor):
    """A stand-in network with three heads: ``.`` after ``said``, casing from a table."""

    def __init__(self, wp, case: dict[str, tuple[int, float]], lexicon=None):
        super().__init__(wp, LabelSet(["", "."]), LabelSet([""]), lexicon=lexicon or {},
                         window=16, overlap=4)
        self.case = case
        self.said = wp.tokenizer.token_to_id("said")

    def _run(self, ids, shapes, mask):
        a = np.zeros(ids.shape + (2,), np.float32)
        a[..., 0] = 5.0
        a[ids == self.said, 1] = 9.0
        b = np.zeros(ids.shape + (1,), np.float32)
        c = np.zeros(ids.shape + (len(CASE_CLASSES),), np.float32)
        for (r, t), i in np.ndenumerate(ids):
            cls, p = self.case.get(self.wp.tokenizer.id_to_token(int(i)), (0, 0.99))
            # logits whose softmax gives ``p`` to ``cls`` and shares the rest
            c[r, t] = np.log((1 - p) / (len(CASE_CLASSES) - 1))
            c[r, t, cls] = np.log(p)
        return a, b, c


def test_casing_head_decides_the_case_of_lowercased_input(wp):
    m = _Cased(wp, {"nato": (2, 0.91), "mcdonald": (3, 0.95), "iphone": (3, 0.95),
                    "then": (1, 0.93), "it": (0, 0.99)},
               lexicon={"mcdonald": {"McDonald": 5}})
    x = "nato and mcdonald said iphone then it said it"
    # the head alone (the default also capitalises after periods)
    m.decoding = replace(m.decoding, sentence_starts="text")
    p = m.predict(x, cased=False)
    # iphone: mixed, but the lexicon has no form, so it stays; the last "it"
    # follows a sentence end but the head is sure of lower: the head wins.
    assert p.kept == "NATO and McDonald said iphone Then it said it"
    assert p.insertions[x.index("said") + 4] == "."
    assert p.case_confidence[:4] == [0.91] * 4 and p.case_confidence[5:8] == [0.99] * 3
    from unstrip import Restorer

    recased = Restorer(model=m).explain(x, profile="lower").recased
    assert [(c.offset, c.to, c.confidence) for c in recased[:3]] == [
        (0, "N", 0.91), (1, "A", 0.91), (2, "T", 0.91)]
    # unsure of nato: lexicon (none) and sentence start
    m.decoding = replace(m.decoding, case_fallback=0.92)
    assert m.predict(x, cased=False).kept == "Nato and McDonald said iphone Then it said it"
    # unsure everywhere: cased as without the head
    m.decoding = replace(m.decoding, case_fallback=1.01)
    assert m.predict(x, cased=False).kept == "Nato and McDonald said Iphone then it said It"
    m.decoding = replace(m.decoding, case_fallback=0.0)
    assert m.predict("and so", cased=False).kept == "And so"  # the text's first letter
    m.decoding = replace(m.decoding, sentence_starts="none")
    assert m.predict("and so", cased=False).kept == "and so"
    assert m.predict(x, cased=True).kept == x  # cased input is never recased


def test_a_sentence_end_capitalises_the_next_word_whatever_the_head_says(wp):
    m = _Cased(wp, {"it": (0, 0.99), "us": (2, 0.99)},
               lexicon={"us": {"U.S": 9, "us": 5}})
    m.decoding = replace(m.decoding, initialisms=True)
    assert m.sentence_starts == "all"
    x = "it said it fell in the us it said"
    p = m.predict(x, cased=False)
    assert p.kept == "It said It fell in the US it said"
    # U.S. ends with the initialism's period, which starts no sentence
    assert p.insertions[x.index("us") + 1] == "." and p.insertions[x.index("us") + 2] == "."
    m.decoding = replace(m.decoding, sentence_starts="text")
    assert m.predict(x, cased=False).kept == "It said it fell in the US it said"


def test_marks_inside_a_word_fit_the_case_the_head_chose(wp):
    """``us`` must not become ``u.s``: the lexicon's dotted form is the capitals' form."""
    lex = {"us": {"U.S.": 9, "us": 5, "US": 1}}
    m = _Cased(wp, {"us": (0, 0.99)}, lexicon=lex)
    assert m.predict("they told us to go", cased=False).kept == "They told us to go"
    p = m.predict("they told us to go", cased=False)
    assert not any(p.insertions[10:13])
    m = _Cased(wp, {"us": (2, 0.99)}, lexicon=lex)
    p = m.predict("the us said", cased=False)
    assert p.kept == "The US said" and p.insertions[5] == "."  # U.S, the form of US


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet="abmnxo019 ", max_size=60))
def test_casing_head_keeps_the_lowercase_invariant(wp, x):
    from unstrip import Restorer

    m = _Cased(wp, {"mo": (3, 0.9), "ab": (2, 0.5), "a": (1, 0.7)}, lexicon={"mo": {"M-o": 2}})
    out = Restorer(model=m).restore(x, profile="lower")
    assert lower(out) == x.replace("\n", "")


# -- tiny networks end to end (torch, onnx, onnxruntime) ---------------------------------

_TEXTS = [
    "The company said on Monday it would cut 1,200 jobs. NATO said nothing.",
    "“We don’t expect a recovery soon,” the chief executive, John Smith, said.",
    "Shares fell 3.5% to $20.40 in early trading.\n\nAnalysts were not surprised.",
    "It’s a self-proclaimed success; the group’s rivals disagree. The U.S. agrees.",
    "Why now? Because the U.S. market (its largest) is slowing. McDonald’s says so.",
]


def _corpus(tmp: Path) -> Path:
    path = tmp / "tiny.jsonl"
    lines = [{"id": f"t-{i}", "text": t, "split": "train"} for i, t in enumerate(_TEXTS * 6)]
    lines += [{"id": f"d-{i}", "text": t, "split": "dev"} for i, t in enumerate(_TEXTS[:2])]
    path.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    return path


_TINY = ["--scratch", "--layers", "1", "--hidden", "32", "--heads", "2", "--batch-size", "4",
         "--window", "48", "--eval-every", "2", "--save-every", "2", "--dev-docs", "2",
         "--no-progress", "--lr", "1e-3"]


@pytest.fixture(scope="module")
def torch_tools():
    pytest.importorskip("torch")
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from unstrip.train import export
    from unstrip.train import loop as train

    return train, export


def test_seed_and_lower_run_with_casing_head_exports_three_outputs(torch_tools, tmp_path):
    train, export = torch_tools
    from unstrip import Restorer
    from unstrip.learned import OnnxModel

    run = tmp_path / "run"
    args = [str(_corpus(tmp_path)), "--out", str(run), *_TINY, "--profiles", "seed,lower"]
    assert train.main([*args, "--max-steps", "2"]) == 0
    assert train.main([*args, "--max-steps", "4"]) == 0  # resumes, casing head and all
    ck, _ = train.load_checkpoint(train.latest_checkpoint(run))
    assert ck.cfg.n_case == len(CASE_CLASSES)
    assert len(list(run.glob("cache-*.npz"))) == 1
    log = [json.loads(x) for x in (run / "log.jsonl").read_text().splitlines()]
    evals = [r for r in log if "profiles" in r]
    assert [r["step"] for r in evals] == [2, 4]
    for r in evals:
        assert set(r["profiles"]) == {"seed", "lower"} and r["violations"] == 0
        assert 0.0 <= r["profiles"]["lower"]["casing_accuracy"] <= 1.0
        assert "casing_accuracy" not in r["profiles"]["seed"]
    run_cfg = json.loads((run / "config.json").read_text())
    assert run_cfg["profiles"] == ["seed", "lower"]

    out = export.export(run, tmp_path / "model")
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["outputs"] == ["after_logits", "before_logits", "case_logits"]
    m = OnnxModel.load(out, lexicon={"dont": {"don't": 3}, "mcdonalds": {"McDonald's": 2}})
    assert m.has_case_head
    r = Restorer(model=m)
    for x in ["the company said nato and mcdonalds dont agree", "", "a  b 12 x" * 30]:
        got = r.restore(x, profile="lower")
        assert lower(got) == x
        assert seed(r.restore(x.upper(), profile="seed")) == x.upper()


def test_runs_without_casing_head_build_load_and_export_as_before(torch_tools, tmp_path):
    train, export = torch_tools
    import torch

    from unstrip import Restorer
    from unstrip.learned import OnnxModel
    from unstrip.train.network import Config, UnstripNet

    # An old config (no n_case) builds the old network: same parameters, two outputs.
    old = {"vocab_size": 50, "hidden": 16, "layers": 1, "heads": 2, "intermediate": 32,
           "n_after": 5, "n_before": 3}
    net = UnstripNet(Config.from_json(old))
    assert not any(k.startswith("case.") for k in net.state_dict())
    ids = torch.tensor([[1, 7, 9, 2]])
    assert len(net(ids, torch.zeros_like(ids), torch.ones_like(ids))) == 2

    # A seed-only run trains without a casing head; make its checkpoint look as
    # old runs wrote them (no n_case), then resume, export and restore with it.
    run = tmp_path / "run"
    args = [str(_corpus(tmp_path)), "--out", str(run), *_TINY, "--profile", "seed"]
    assert train.main([*args, "--max-steps", "2"]) == 0
    ckpt = train.latest_checkpoint(run)
    ck = torch.load(ckpt, weights_only=False)
    assert ck["config"]["n_case"] == 0
    del ck["config"]["n_case"]
    torch.save(ck, ckpt)
    cfg = json.loads((run / "config.json").read_text())
    cfg.pop("profiles")
    (run / "config.json").write_text(json.dumps(cfg))
    caches = sorted(run.glob("cache-*.npz"))
    # asking for a casing head does not change a network that has none
    assert train.main([*args, "--max-steps", "4", "--profile", "seed", "--case-head"]) == 0
    assert sorted(run.glob("cache-*.npz")) == caches  # the old cache key still matches
    net, ck = train.load_checkpoint(train.latest_checkpoint(run))  # strict load
    assert ck["step"] == 4 and net.cfg.n_case == 0

    out = export.export(run, tmp_path / "model")
    assert json.loads((out / "config.json").read_text())["outputs"] == [
        "after_logits", "before_logits"]
    m = OnnxModel.load(out, lexicon={"london": {"London": 5}})
    assert not m.has_case_head
    x = "he went to london then he said no"
    got = Restorer(model=m).restore(x, profile="lower")
    assert lower(got) == x
    # lexicon and sentence start, as before (the toy network may put any mark first)
    assert "London" in got and seed(got)[0] == "H"


def test_mixed_case_from_the_lexicon_where_the_head_wrote_plain_case(wp):
    lex = {"mcdonald": {"McDonald": 14}, "ipod": {"iPod": 56},
           "macdonald": {"MacDonald": 10, "Macdonald": 9}, "nato": {"NATO": 50}}
    heads = {"mcdonald": (1, 0.95), "ipod": (0, 0.95), "macdonald": (1, 0.95),
             "nato": (0, 0.95), "said": (0, 0.99)}
    x = "mcdonald said ipod macdonald said nato"
    m = _Cased(wp, heads, lexicon=lex)
    # the toy network ends a sentence after every "said"
    m.decoding = replace(m.decoding, sentence_starts="text")
    m.decoding = replace(m.decoding, mixed_case=False)
    assert m.predict(x, cased=False).kept == "Mcdonald said ipod Macdonald said nato"
    m.decoding = replace(m.decoding, mixed_case=True)
    # Mixed forms win where they are the lexicon's way (>= 80% of 3+ counts);
    # MacDonald is only 53% and Macdonald is written too, so the head's form
    # stays. nato is never written lowercase: the lexicon's NATO.
    assert m.predict(x, cased=False).kept == "McDonald said iPod Macdonald said NATO"
    assert m.predict(x, cased=True).kept == x


def test_a_capital_at_a_sentence_start_survives_a_lowercase_lexicon(wp):
    lex = {"gravely": {"gravely": 9}, "absa": {"Absa": 9}}
    m = _Cased(wp, {"gravely": (1, 0.95), "absa": (2, 0.95)}, lexicon=lex)
    m.decoding = replace(m.decoding, mixed_case=True)
    # The head's Gravely may start a sentence; ABSA was never written so.
    assert m.predict("gravely absa", cased=False).kept == "Gravely Absa"


def test_a_form_the_lexicon_never_writes_takes_its_casing(wp):
    lex = {"nasdaq": {"NASDAQ": 90, "Nasdaq": 31}, "yearthe": {"year-the": 3}}
    # A head that cases piece by piece: NAS|da|Q and year|The.
    heads = {"nas": (2, 0.95), "##da": (0, 0.95), "##q": (2, 0.95),
             "year": (0, 0.95), "##the": (1, 0.95), "said": (0, 0.99)}
    m = _Cased(wp, heads, lexicon=lex)
    # the toy network ends a sentence after every "said"
    m.decoding = replace(m.decoding, sentence_starts="text")
    x = "nasdaq said yearthe"
    m.decoding = replace(m.decoding, mixed_case=False)
    assert m.predict(x, cased=False).kept == "NASdaQ said yearThe"
    m.decoding = replace(m.decoding, mixed_case=True)
    # yearthe is known only 3 times (two words run together): it stays.
    assert m.predict(x, cased=False).kept == "NASDAQ said yearThe"


_SPEECH = st.sampled_from(
    "so we went to the us and it was great i think they said no but then again who "
    "knows what happens at 9 am in washington dc well anyway".split())


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_SPEECH, min_size=1, max_size=40).map(" ".join))
def test_the_shipped_model_writes_no_lowercase_word_after_a_sentence_end(restorer, x):
    import re

    if not getattr(restorer.model, "has_case_head", False):
        pytest.skip("no learned model with a casing head shipped")
    out = restorer.restore(x, profile="lower")
    assert lower(out) == x
    for m in re.finditer(r"(\S+)[.?!]\W* ([a-z])", out):
        before = m.group(1)
        assert re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", before), (out, m.group())


def test_sentence_capitals_hold_across_windows(restorer):
    """A period and the word after it are decided in one window, also where windows meet."""
    import random
    import re

    if not getattr(restorer.model, "has_case_head", False):
        pytest.skip("no learned model with a casing head shipped")
    words = ("so we went to the us and it was great i think they said no but then again "
             "who knows what happens at 9 am in washington dc well anyway").split()
    rng = random.Random(3)
    x = " ".join(rng.choice(words) for _ in range(5000))
    assert len(x) > 2 * restorer.window
    out = restorer.restore(x, profile="lower")
    assert lower(out) == x
    # A mark followed by a comma (``9 am., then``) ends an abbreviation, no sentence.
    ends = [m for m in re.finditer(r"(\S+)[.?!](?![,;:])\W* ([a-z])", out)
            if not re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", m.group(1))]
    assert not ends, [m.group() for m in ends[:5]]
