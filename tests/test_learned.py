"""The learned restorer: labels and features (no torch), then a tiny end-to-end run.

The end-to-end test trains a tiny network from scratch on CPU for a few
steps, resumes it, exports it to ONNX, loads it with onnxruntime and
restores text through :class:`unstrip.Restorer`; it is skipped when the
``train`` extra (torch, onnx, onnxruntime) is not installed.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unstrip.decode.heads import split_region
from unstrip.decode.inner import inner_insertions
from unstrip.learned import WindowPredictor
from unstrip.network.labels import LabelSet
from unstrip.network.wordpieces import (
    CASES,
    JOINS,
    WordPieces,
    model_inputs,
    window_spans,
    window_weights,
)
from unstrip.text.alignment import apply
from unstrip.text.profiles import seed
from unstrip.train.labels import (
    IGNORE,
    DocArrays,
    gap_labels,
    label_documents,
    pack_windows,
    remap,
)

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"


@pytest.fixture(scope="module")
def wp() -> WordPieces:
    return WordPieces.load()


def _join(shape: int) -> str:
    return JOINS[(shape - 1) // len(CASES)]


def _case(shape: int) -> str:
    return CASES[(shape - 1) % len(CASES)]


# -- features and labels (no torch) --------------------------------------------


def test_spans_cover_the_pieces(wp):
    x = "The selfproclaimed groups ruleReports said 20000"
    enc = wp.encode(x)
    for s, e, tok in zip(enc.starts, enc.ends, enc.tokens(wp), strict=True):
        assert x[s:e].lower() == tok.removeprefix("##")


def test_shapes_say_casing_and_joins(wp):
    enc = wp.encode("ruleReports NATO  said 2015")
    toks = enc.tokens(wp)
    got = [(t, _join(int(s)), _case(int(s))) for t, s in zip(toks, enc.shapes, strict=True)]
    assert got == [
        ("rule", "space", "lower"),
        ("reports", "joined", "capitalised"),
        ("nato", "space", "upper"),
        ("said", "spaces", "lower"),
        ("2015", "space", "digit"),
    ]


def test_labels_at_joints_wordpiece_cuts_and_openings(wp):
    gold = 'He said, “It’s self-proclaimed.”\n\n(The $800 — “cheap” deal).'
    x = seed(gold)
    enc = wp.encode(x)
    after, before = gap_labels(enc, gold)
    toks = enc.tokens(wp)
    lab = dict(zip(toks, zip(after, before, strict=True), strict=False))
    assert lab["said"] == (",", "")
    assert lab["self"] == ("-", "")  # a word-piece boundary inside a word: the model's
    assert lab["##ed"] == (".”\n\n(", None)  # a joint: everything between the pieces
    assert lab["the"] == ("", None)
    assert lab["800"] == ("", "$")
    assert lab["cheap"] == ("”", "— “")  # two spaces: one label for the whole run
    assert lab["deal"] == (").", "")
    assert lab["its"] == ("", "“")  # its apostrophe is inside one word piece: the lexicon's


def test_labels_rebuild_the_gold_exactly(wp):
    """Perfect labels plus the gold's own inner gaps give the gold back."""
    gold = "Reports say “the group’s U.S. arm” lost $20,000 — 15-year-olds.\n\nNot so?"
    x = seed(gold)
    enc = wp.encode(x)
    after, before = gap_labels(enc, gold)
    ins = [""] * (len(x) + 1)
    for e, a in zip(enc.ends.tolist(), after, strict=True):
        ins[e] = a
    for r, s, b in zip(enc.region.tolist(), enc.starts.tolist(), before, strict=True):
        if r >= 0:
            for g, part in enumerate(split_region(b, s - r + 1), r):
                ins[g] = part
    from unstrip.text.alignment import align

    gold_ins = align(gold, x).insertions
    inside = {g for a, b in zip(enc.starts.tolist(), enc.ends.tolist(), strict=True)
              for g in range(a + 1, b)}
    for g, s in enumerate(gold_ins):
        if s and s != ins[g]:
            assert g in inside and not ins[g]  # only the lexicon's gaps are left
            ins[g] = s
    assert apply(x, ins) == gold


def test_split_s_gives_possessives_a_gap_of_their_own():
    split = WordPieces.load(split_s=True)
    x = "The groups leader said its the States policy was class"
    enc = split.encode(x)
    toks = enc.tokens(split)
    assert toks[1:3] == ["group", "##s"] and toks[5:7] == ["it", "##s"]
    assert "was" in toks and "class" in toks  # never-possessive words stay whole
    for s, e, tok in zip(enc.starts, enc.ends, toks, strict=True):
        assert x[s:e].lower() == tok.removeprefix("##")
    assert [_join(int(sh)) for t, sh in zip(toks, enc.shapes, strict=True)
            if t == "##s"] == ["continuation"] * 3
    assert len(set(enc.word.tolist())) == len(x.split())  # still one word each
    after, _ = gap_labels(enc, "The group’s leader said it’s the States’ policy was class")
    assert after[1] == "’" and after[5] == "’" and after[toks.index("state") + 1] == "’"


def test_label_inventory_maps_rare_strings_to_the_nearest(wp):
    counts = Counter({"": 100, ",": 20, ".": 15, ".”": 5, "?”": 1})
    ls = LabelSet.from_counts(counts, size=4)
    assert ls.labels == ["", ",", ".", ".”"]
    assert ls.labels[ls.id("?”")] == ".”"
    assert ls.labels[ls.id("@@@")] == ""
    assert 0.99 < ls.coverage < 1.0
    again = LabelSet.from_json(json.loads(json.dumps(ls.to_json())))
    assert again.labels == ls.labels


def test_label_documents_and_windows(wp):
    texts = ["He said: “No.”\n\nThen he left, quickly.", "A (small) test — really?"] * 3
    it = label_documents(texts, wp)
    after = LabelSet.from_counts(it.after_counts, 50)
    before = LabelSet.from_counts(it.before_counts, 20)
    docs = [
        DocArrays(ids, shapes, remap(a, it.strings, after), remap(b, it.strings, before))
        for (ids, shapes), (a, b) in zip(it.inputs, it.labels, strict=True)
    ]
    data = pack_windows(docs, 8, wp.cls_id, wp.sep_id, wp.pad_id)
    assert data["ids"].shape[1] == 8
    assert (data["ids"][:, 0] == wp.cls_id).all()
    real = data["after"] != IGNORE
    assert real.sum() == sum(len(d.ids) for d in docs)
    assert "“" in before.labels and ".”\n\n" in after.labels


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 3000), size=st.integers(2, 300), data=st.data())
def test_window_weights_sum_to_one_and_favour_the_most_central_window(n, size, data):
    spans = window_spans(n, size, data.draw(st.integers(0, size - 1)))
    weights = window_weights(spans, n)
    total = np.zeros(n)
    best = np.zeros(n)
    for (a, b), w in zip(spans, weights, strict=True):
        assert len(w) == b - a and (w > 0).all()
        total[a:b] += w
    assert np.allclose(total, 1.0)
    for i in data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=5)):
        here = [(min(i - a, b - 1 - i), w[i - a]) for (a, b), w in zip(spans, weights, strict=True)
                if a <= i < b]
        central = max(c for c, _ in here)
        best[i] = max(w for _, w in here)
        assert all(w == best[i] for c, w in here if c == central)


class _Disagree(WindowPredictor):
    """Every window answers one ``after`` label for all its pieces: window j, label j % 2 + 1."""

    def __init__(self, wp, overlap):
        super().__init__(wp, LabelSet(["", ",", "."]), LabelSet([""]), lexicon={}, window=10,
                         overlap=overlap, batch_size=2)
        self.windows = 0

    def _run(self, ids, shapes, mask):
        a = np.zeros((*ids.shape, 3), np.float32)
        for r in range(len(ids)):
            a[r, :, self.windows % 2 + 1] = 3.0
            self.windows += 1
        return a, np.zeros((*ids.shape, 1), np.float32)


def test_a_piece_read_by_two_windows_takes_their_weighted_average(wp):
    n = 20
    ids, shapes = np.full(n, 2000, dtype=np.int64), np.zeros(n, dtype=np.int64)
    model = _Disagree(wp, overlap=4)
    (label, prob), _ = model._scores(ids, shapes)
    spans = window_spans(n, 8, 4)
    weights = window_weights(spans, n)
    for i in range(n):
        here = [(w[i - a], j) for j, ((a, b), w) in enumerate(zip(spans, weights, strict=True))
                if a <= i < b]
        if len(here) == 1:  # one window: its answer, as sure as it was
            assert label[i] == here[0][1] % 2 + 1 and prob[i] > 0.9
        elif here[0][0] != here[1][0]:  # two disagree: the more central wins, less surely
            assert label[i] == max(here)[1] % 2 + 1 and prob[i] < 0.9
    # a wider overlap reads each piece more often: the decoder asks for more windows
    wide = _Disagree(wp, overlap=6)
    wide._scores(ids, shapes)
    assert wide.windows > model.windows


@settings(max_examples=400, deadline=None)
@given(n=st.integers(0, 5000), size=st.integers(2, 600), data=st.data())
def test_windows_are_even_as_few_as_the_full_size_needs_and_keep_the_overlap(n, size, data):
    overlap = data.draw(st.integers(0, size - 1))
    spans = window_spans(n, size, overlap)
    if n == 0:
        assert spans == []
        return
    assert spans[0][0] == 0 and spans[-1][1] == n
    assert len({b - a for a, b in spans}) == 1  # one length: no padding in a batch
    assert all(b - a <= size for a, b in spans)
    assert all(b0 - a1 >= overlap and a1 > a0
               for (a0, b0), (a1, _) in zip(spans, spans[1:], strict=False))
    # no more windows than a fixed step of size - overlap would need
    assert len(spans) == max(1, -(-(n - overlap) // (size - overlap)))


def test_inner_gaps_come_from_the_lexicon_only_inside_a_word_piece(wp):
    lex = {"groups": {"group's": 5, "groups": 1}, "selfproclaimed": {"self-proclaimed": 3},
           "00000": {"00,000": 9}}
    enc = wp.encode("the groups selfproclaimed 20000")
    got = inner_insertions(enc, lex)
    assert got[9] == ("'", round(5 / 6, 4))
    assert 15 not in got  # self|-|##pro: a word-piece boundary, the model says it
    # A number's form counts one unseen alternative (lexicon.number_share): 9 of 10, not sure.
    assert got[28] == (",", round(9 / 10, 4))


class _Oracle(WindowPredictor):
    """Answers the gold labels: tests the decoding path without a network."""

    def __init__(self, wp, after, before, gold_ids):
        super().__init__(wp, after, before, lexicon={}, window=10, overlap=4, batch_size=3)
        self.gold = gold_ids

    def _run(self, ids, shapes, mask):
        rows = [self.gold.pop(0) for _ in range(len(ids))]
        t = ids.shape[1]
        a = np.zeros((len(ids), t, len(self.after_labels)), np.float32)
        b = np.zeros((len(ids), t, len(self.before_labels)), np.float32)
        for r, (ga, gb) in enumerate(rows):
            for k, (x, y) in enumerate(zip(ga, gb, strict=True), 1):
                a[r, k, x] = 9.0
                b[r, k, max(y, 0)] = 9.0
        return a, b


def test_decoding_windows_puts_gold_labels_back(wp):
    gold = ("“Yes,” he said. “We lost $800 — maybe more.”\n\nThen: (nothing) at all! "
            "Really? Yes; really.")
    x = seed(gold)
    enc = wp.encode(x)
    after_s, before_s = gap_labels(enc, gold)
    after = LabelSet(["", *sorted(set(after_s) - {""})])
    before = LabelSet(["", *sorted({b for b in before_s if b})])
    a_ids = [after.id(s) for s in after_s]
    b_ids = [IGNORE if s is None else before.id(s) for s in before_s]
    spans = window_spans(len(enc), 8, 4)
    rows = [(a_ids[a:b], b_ids[a:b]) for a, b in spans]
    p = _Oracle(wp, after, before, rows).predict(x)
    assert apply(x, p.insertions) == gold
    assert all(0.99 < c <= 1.0 for c in p.confidence)


# -- end to end (torch, onnx, onnxruntime) ---------------------------------------------

_OWN = [
    "The company said on Monday it would cut 1,200 jobs.",
    "“We don’t expect a recovery soon,” the chief executive, John Smith, said.",
    "Shares fell 3.5% to $20.40 in early trading.\n\nAnalysts were not surprised.",
    "It’s a self-proclaimed success; the group’s rivals disagree.",
    "Why now? Because the U.S. market (its largest) is slowing.",
]


def _smoke_corpus(tmp_path):
    path = tmp_path / "smoke.jsonl"
    lines = []
    if CORPORA.exists():
        from unstrip.text.corpus import corpus_files, iter_documents

        docs = itertools.islice(iter_documents(corpus_files(CORPORA.parent), "train"), 60)
        lines = [{"id": d.id, "text": d.text[:600], "split": "train"} for d in docs]
    if not lines:
        lines = [{"id": f"own-{i}", "text": t, "split": "train"} for i, t in enumerate(_OWN * 8)]
    lines += [{"id": f"dev-{i}", "text": t, "split": "dev"} for i, t in enumerate(_OWN[:2])]
    path.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    pytest.importorskip("torch")
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from unstrip.train import export
    from unstrip.train import loop as train

    tmp = tmp_path_factory.mktemp("learned")
    corpus = _smoke_corpus(tmp)
    run = tmp / "run"
    args = [str(corpus), "--out", str(run), "--scratch", "--layers", "1", "--hidden", "32",
            "--heads", "2", "--batch-size", "4", "--window", "64", "--eval-every", "3",
            "--save-every", "3", "--dev-docs", "2", "--no-progress", "--lr", "1e-3"]
    assert train.main([*args, "--max-steps", "3"]) == 0
    assert train.latest_checkpoint(run).name == "checkpoint-00000003.pt"
    assert train.main([*args, "--max-steps", "6"]) == 0  # resumes at step 3
    assert train.latest_checkpoint(run).name == "checkpoint-00000006.pt"
    log = [json.loads(x) for x in (run / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log if "micro_f1" in r] == [3, 6]
    assert all(r["violations"] == 0 for r in log if "micro_f1" in r)
    out = export.export(run, tmp / "model", int8=True)
    return out


def test_export_writes_a_complete_model_dir(exported):
    names = {p.name for p in exported.iterdir()}
    assert {"model.onnx", "model.int8.onnx", "labels.json", "config.json", "vocab.txt"} <= names
    cfg = json.loads((exported / "config.json").read_text())
    assert cfg["onnx"] == "model.int8.onnx" and cfg["step"] == 6
    # windows of 64: an eighth shared in cased input, half in lowercased input
    assert (cfg["window"], cfg["overlap"], cfg["lower_overlap"]) == (64, 8, 32)


@pytest.fixture(scope="module")
def onnx_restorer(exported):
    from unstrip import Restorer
    from unstrip.learned import OnnxModel

    return Restorer(model=OnnxModel.load(exported, lexicon={"dont": {"don't": 3}}))


def test_onnx_model_predicts_like_the_baseline_interface(exported):
    from unstrip.learned import OnnxModel

    m = OnnxModel.load(exported, variant="model.onnx", lexicon={})
    x = "The groups leader said dont go " * 40  # several windows
    p = m.predict(x)
    assert len(p.insertions) == len(p.confidence) == len(x) + 1
    assert p.kept == x
    assert all(0.0 < c <= 1.0 for c in p.confidence)
    assert m.predict("").insertions == [""]
    assert m.predict("   ").kept == "   "


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet="abcXYZ019  ", max_size=80))
def test_restorer_keeps_the_invariant(onnx_restorer, x):
    out = onnx_restorer.restore(x, profile="seed")
    assert seed(out) == x


def test_exported_int8_weights_load_back_into_a_network(exported, tmp_path):
    """Dequantised weights reproduce the export's decisions, and a run can start from them."""
    import onnxruntime as ort
    import torch

    from unstrip.train import loop as train
    from unstrip.train.network import Config, UnstripNet
    from unstrip.train.onnx_weights import load_onnx_weights

    cfg = json.loads((exported / "config.json").read_text())
    net = UnstripNet(Config.from_json(cfg["model"])).eval()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    assert load_onnx_weights(net, exported) > 0
    assert all(not torch.equal(before[k], v) for k, v in net.state_dict().items()
               if k.endswith("weight") and not k.startswith("shape."))
    wp_ = WordPieces.load(split_s=cfg["split_s"])
    ids, shapes, mask = model_inputs(wp_, "The groups leader said dont go its 20000 dollars " * 3)
    with torch.no_grad():
        mine = [t.numpy() for t in net(*(torch.from_numpy(a) for a in (ids, shapes, mask)))]
    sess = ort.InferenceSession(str(exported / "model.int8.onnx"),
                                providers=["CPUExecutionProvider"])
    theirs = sess.run(None, {"input_ids": ids, "shape_ids": shapes, "attention_mask": mask})
    for a, b in zip(mine, theirs, strict=True):
        assert (a.argmax(-1) == b.argmax(-1)).mean() >= 0.9
        assert np.abs(a - b).max() < 0.5 * np.abs(b).max() + 1e-3

    run = tmp_path / "warm"
    assert train.main([str(_smoke_corpus(tmp_path)), "--out", str(run), "--init-from",
                       str(exported), "--profiles", "seed,lower", "--case-head",
                       "--batch-size", "2", "--window", "64", "--max-steps", "1",
                       "--eval-every", "1", "--dev-docs", "1", "--no-progress"]) == 0
    assert (run / "labels.json").read_text() == (exported / "labels.json").read_text()
    warm, _ = train.load_checkpoint(train.latest_checkpoint(run))
    assert warm.cfg.n_case == 4 and warm.cfg.hidden == cfg["model"]["hidden"]


def test_model_config_decoding_shifts_reach_the_after_head(exported, tmp_path):
    """A comma shift kept in config.json makes every gap after a word a comma-family insertion."""
    import shutil

    from unstrip.learned import OnnxModel

    model_dir = tmp_path / "shifted"
    shutil.copytree(exported, model_dir)
    plain = OnnxModel.load(model_dir, lexicon={})
    assert plain.after_bias == {} and plain.bias_vector(True) is None
    cfg = json.loads((model_dir / "config.json").read_text())
    cfg["decoding"] = {"after_bias": {"seed": {",": 50.0}}}
    (model_dir / "config.json").write_text(json.dumps(cfg))
    shifted = OnnxModel.load(model_dir, lexicon={})
    x = "the group said it would go on"
    p = shifted.predict(x)
    ends = [i for i in range(1, len(x) + 1) if i == len(x) or x[i] == " "]
    assert all(p.insertions[g].startswith(",") for g in ends)
    # lowercased input has no shift of its own, so it decides as before
    assert shifted.predict(x, cased=False).insertions == plain.predict(x, cased=False).insertions


def _feasible(model, x: str, p) -> bool:
    """Do the after/before labels of ``p`` pair up from an empty state (quotes, brackets)?"""
    from unstrip.decode.rules import transition

    enc = model.wp.encode(x)
    state = 0
    for i in range(len(enc)):
        gaps = []
        if enc.region[i] >= 0:
            gaps.append(("".join(p.insertions[enc.region[i] : enc.starts[i] + 1]), True))
        gaps.append((p.insertions[enc.ends[i]], False))
        for label, before in gaps:
            state = transition(label, before)[state] if state >= 0 else -1
    return state >= 0


def test_pairing_makes_quotes_pair_even_when_the_network_wants_them_everywhere(exported, tmp_path):
    """With every after-gap pushed towards a closing quote, argmax closes quotes never opened;
    pairing (on by default) keeps only labels under which quotes and brackets pair up."""
    import shutil

    from unstrip.learned import OnnxModel

    model_dir = tmp_path / "quoted"
    shutil.copytree(exported, model_dir)
    cfg = json.loads((model_dir / "config.json").read_text())
    x = "the group said it would go on and then it went on"
    for pairing in (False, True):
        cfg["decoding"] = {"after_bias": {"seed": {'"': 50.0}}, "pairing": pairing}
        (model_dir / "config.json").write_text(json.dumps(cfg))
        model = OnnxModel.load(model_dir, lexicon={})
        assert (model.pairing is not None) == pairing
        p = model.predict(x)
        assert _feasible(model, x, p) == pairing
        assert p.kept == x


def test_quote_and_bracket_boosts_come_from_the_config_and_weigh_only_their_groups(
        exported, tmp_path):
    import shutil

    from unstrip.learned import OnnxModel

    model_dir = tmp_path / "boosted"
    shutil.copytree(exported, model_dir)
    cfg = json.loads((model_dir / "config.json").read_text())
    cfg["decoding"] = {"quote_boost": 3.0, "bracket_boost": 0.5}
    (model_dir / "config.json").write_text(json.dumps(cfg))
    model = OnnxModel.load(model_dir, lexicon={})
    labels = model.after_labels.labels
    boosts = {}
    for g, (_, ids) in enumerate(model.pairing[0]):
        chars = set("".join(labels[i] for i in ids))
        boosts[g] = (3.0 if chars & set('"“”') else 1.0) * (0.5 if chars & set("()[]") else 1.0)
    assert {g: model._boost(0, g) for g in boosts} == boosts
    assert model._boost(0, 0) == 1.0  # the identity group: no quote, no bracket


def test_calibration_keeps_the_best_trial_and_sets_it_on_the_model(exported):
    from unstrip.learned import OnnxModel
    from unstrip.train.calibrate import calibrate

    m = OnnxModel.load(exported, lexicon={})
    texts = [t for t in _OWN if "\n" not in t]
    run = m._run
    shifts, trials = calibrate(m, texts, "seed", families=(",", ""), grid=[-1.0, 0.0, 1.0],
                               rounds=1, progress=False)
    assert trials[0]["shifts"] == {",": 0.0, "": 0.0}
    assert len(trials) == 1 + 2 * 2  # the start, then two new values per family
    best = max(t["micro_f1"] for t in trials)
    assert best >= trials[0]["micro_f1"]
    assert m.after_bias["seed"] == shifts
    assert m._run == run  # the cache is gone again
    if shifts:
        assert any(t["shifts"] == {**{",": 0.0, "": 0.0}, **shifts} and t["micro_f1"] == best
                   for t in trials)


def test_paragraph_examples_are_paragraphs_chosen_by_their_text_alone():
    from unstrip.train.data import paragraph_examples

    texts = [f"Headline {i}\n\nFirst of {i}, said he.\n\n“Last of {i}.”" for i in range(300)]
    texts += ["A text of one paragraph only."] * 10
    some = paragraph_examples(texts, 0.3)
    assert 0.2 * 300 < len(some) < 0.4 * 300
    assert all(p in texts[i].split("\n\n") for i, p in some)
    assert all(i < 300 for i, _ in some)  # a one-paragraph text is never taken again
    # each text's choice is its own: reversed, the texts give the same paragraphs
    rev = texts[::-1]
    back = {rev[i]: p for i, p in paragraph_examples(rev, 0.3)}
    assert back == {texts[i]: p for i, p in some}
    every = paragraph_examples(texts, 1.0)
    assert len(every) == 300 and {p.split(" ")[0] for _, p in every} == {"Headline", "First",
                                                                         "“Last"}


def test_short_examples_are_sentences_and_spans_chosen_by_their_text_alone():
    from unstrip.evaluate.conversation import sentences
    from unstrip.train.data import SPAN_WORDS, short_examples

    texts = [f"Headline {i}\n\nThe bank of {i} raised its rates on Monday. It said so "
             f"in a note to clients, “as expected” by most.\n\nMarkets were calm." for i in
             range(300)]
    texts += ["One sentence alone."] * 5
    some = short_examples(texts, 0.3)
    chosen = {i for i, _ in some}
    assert 0.2 * 300 < len(chosen) < 0.4 * 300
    paragraphs = [t.split("\n\n") for t in texts]
    low, high = SPAN_WORDS
    for i, example in some:
        assert any(example in para for para in paragraphs[i])  # never across paragraphs
        assert example.count("“") == example.count("”")  # no quotation left open
        assert example not in ("One sentence alone.",)  # a text's only sentence is no news
    spans = [e for i, e in some if e not in sentences(texts[i])]
    assert len(spans) >= 10  # spans come from the one paragraph longer than 4 words
    assert all(low <= len(e.split()) <= high for e in spans)
    assert all(len([e for j, e in some if j == i]) <= 2 for i in chosen)
    # each text's choice is its own: reversed, the texts give the same examples
    rev = texts[::-1]
    back = sorted((rev[i], e) for i, e in short_examples(rev, 0.3))
    assert back == sorted((texts[i], e) for i, e in some)
    assert short_examples(texts, 0.0) == []
