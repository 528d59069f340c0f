"""The decoder's settings are one frozen value, and the decoder runs any network it is given."""

from __future__ import annotations

import dataclasses
import json
import shutil

import numpy as np
import pytest

from unstrip.decode.pipeline import (
    NUMBER_CONFIDENCE,
    DecodeConfig,
    Decoder,
)
from unstrip.learned import WindowPredictor
from unstrip.network.labels import LabelSet
from unstrip.network.wordpieces import WordPieces
from unstrip.text.alignment import apply


class _Periods:
    """A stand-in network: a period after every word piece whose id is even."""

    has_case_head = False

    def __init__(self):
        self.calls = 0

    def run(self, ids, shapes, mask):
        self.calls += 1
        a = np.zeros(ids.shape + (2,), np.float32)
        a[..., 1] = np.where(ids % 2 == 0, 5.0, -5.0)
        return a, np.zeros(ids.shape + (1,), np.float32)


class _PeriodsSubclass(WindowPredictor):
    def _run(self, ids, shapes, mask):
        return _Periods().run(ids, shapes, mask)


def _labels():
    return LabelSet(["", "."]), LabelSet([""])


def test_the_decoder_runs_the_network_it_is_given_like_a_subclass_would():
    net = _Periods()
    after, before = _labels()
    composed = Decoder(net, WordPieces.load(), after, before, lexicon={})
    subclass = _PeriodsSubclass(WordPieces.load(), after, before, lexicon={})
    text = "the cat sat on the mat while it rained"
    a, b = composed.predict(text), subclass.predict(text)
    assert net.calls == 1
    assert a.insertions == b.insertions and a.confidence == b.confidence
    assert "." in apply(text, a.insertions)
    # a decoder with neither a network nor a _run says so
    with pytest.raises(NotImplementedError):
        Decoder(None, WordPieces.load(), after, before, lexicon={}).predict(text)


class _CountWindows(_Periods):
    """:class:`_Periods` that counts the windows it reads."""

    windows = 0

    def run(self, ids, shapes, mask):
        self.windows += len(ids)
        return super().run(ids, shapes, mask)


def test_lowercased_input_is_read_with_its_own_wider_overlap():
    net = _CountWindows()
    after, before = _labels()
    dec = Decoder(net, WordPieces.load(), after, before, lexicon={}, window=34, overlap=4,
                  lower_overlap=16)
    text = " ".join(["the cat sat on the mat while it rained"] * 20)  # 180 pieces
    dec.predict(text, cased=True)
    cased, net.windows = net.windows, 0
    wide = dec.predict(text, cased=False)
    assert (cased, net.windows) == (7, 11)  # 180 pieces in windows of 32: step >= 28, >= 16
    dec.lower_overlap = 4
    net.windows = 0
    narrow = dec.predict(text, cased=False)
    assert net.windows == cased
    # windows that agree average to what each says, as surely
    assert wide.insertions == narrow.insertions and "." in wide.insertions
    assert np.allclose(wide.confidence, narrow.confidence)


def test_settings_are_frozen_and_an_attribute_change_touches_one_model_only():
    after, before = _labels()
    one = Decoder(_Periods(), WordPieces.load(), after, before, lexicon={})
    two = Decoder(_Periods(), WordPieces.load(), after, before, lexicon={})
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.decoding.acronyms = True
    one.acronyms = True  # replaces one.decoding by a changed copy
    assert one.decoding.acronyms and one.acronyms
    assert not two.decoding.acronyms and not DecodeConfig().acronyms
    three = Decoder(_Periods(), WordPieces.load(), after, before, lexicon={},
                    decoding=dataclasses.replace(DecodeConfig(), number_confidence=0.5))
    assert three.number_confidence == 0.5 and "number_confidence=0.5" in repr(three)


def test_from_config_turns_every_pass_on_unless_the_config_says_not():
    on = DecodeConfig.from_config({}, ["", '"', "."], [""])
    assert on.pairing is not None and on.acronyms and on.initialisms and on.mixed_case
    assert on.number_confidence == NUMBER_CONFIDENCE
    off = DecodeConfig.from_config(
        {"decoding": {"pairing": False, "acronyms": False, "questions": False,
                      "word_context": False, "number_confidence": 0.0,
                      "after_bias": {"lower": {"": -0.5}}}},
        ["", '"', "."], [""])
    assert off.pairing is None and off.word_context is None
    # "questions" (the removed classifier's switch, in older configs) is ignored
    assert not hasattr(off, "questions")
    assert not off.acronyms and off.initialisms and off.number_confidence == 0.0
    assert dict(off.after_bias) == {"lower": {"": -0.5}}
    assert "pairing: off" in off.describe() and "pairing: on" in on.describe()


def test_a_loaded_model_reads_its_decoding_once_and_shows_it(tmp_path):
    from unstrip.models import LEARNED_DIR as src

    if not (src / "config.json").exists():
        pytest.skip("the package has no learned model (src/unstrip/data/model)")
    from unstrip.learned import OnnxModel
    from unstrip.network.onnx_model import OnnxNetwork

    model_dir = tmp_path / "model"
    shutil.copytree(src, model_dir)
    cfg = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    cfg.setdefault("decoding", {})["acronyms"] = False
    cfg["window"], cfg["overlap"], cfg["lower_overlap"] = 192, 24, 96
    (model_dir / "config.json").write_text(json.dumps(cfg), encoding="utf-8")
    model = OnnxModel.load(model_dir)
    assert (model.describe().splitlines()[0]
            == "windows: 192 pieces, overlap 24 (96 in lowercased input)")
    assert (model.overlap, model.lower_overlap) == (24, 96)
    del cfg["lower_overlap"]  # a model exported before lowercased input overlapped more
    (model_dir / "config.json").write_text(json.dumps(cfg), encoding="utf-8")
    model = OnnxModel.load(model_dir)
    assert model.lower_overlap == 24
    assert isinstance(model.network, OnnxNetwork) and isinstance(model, Decoder)
    assert model.decoding.acronyms is False and model.acronyms is False
    assert "acronyms=False" in repr(model) and "acronyms: False" in model.describe()
    assert model.has_case_head == model.network.has_case_head


class _Silent:
    """A stand-in network that inserts nothing anywhere."""

    has_case_head = False

    def run(self, ids, shapes, mask):
        a = np.zeros(ids.shape + (2,), np.float32)
        a[..., 0] = 5.0
        return a, np.zeros(ids.shape + (1,), np.float32)


def test_skip_switches_one_pass_off_for_one_call():
    from unstrip.decode.pipeline import PASSES, REQUIRED

    after, before = _labels()
    dec = Decoder(_Silent(), WordPieces.load(), after, before, lexicon={},
                  decoding=DecodeConfig(acronyms=True))
    text = "the Special Drawing Rights SDRs were issued"
    on = apply(text, dec.predict(text).insertions)
    off = apply(text, dec.predict(text, skip=("acronyms",)).insertions)
    assert "(SDRs)" in on and off == text
    assert apply(text, dec.predict(text).insertions) == on  # skipping changed no setting
    assert [name for name, _ in PASSES].index("acronyms") > [
        name for name, _ in PASSES].index("argmax")
    with pytest.raises(ValueError, match="no decoding pass"):
        dec.predict(text, skip=("acronym",))
    with pytest.raises(ValueError, match="cannot be skipped"):
        dec.predict(text, skip=sorted(REQUIRED)[:1])
    assert "passes: scores, pairing, argmax" in dec.describe()


def test_each_insertion_and_recasing_names_the_pass_that_made_it():
    from unstrip.restorer import Restorer

    after, before = _labels()
    lexicon = {"pm": {"p.m.": 9}, "nato": {"NATO": 9}}
    dec = Decoder(_Silent(), WordPieces.load(), after, before, lexicon=lexicon,
                  decoding=DecodeConfig(acronyms=True, initialisms=True))
    text = "the Special Drawing Rights SDRs met at 3 pm on"
    pred = dec.predict(text)
    made = {(g, s): pred.passes[g] for g, s in enumerate(pred.insertions) if s}
    end_pm = text.index(" on")
    assert made[(text.index("SDRs"), "(")] == "acronyms"
    assert made[(text.index(" met"), ")")] == "acronyms"
    assert made[(end_pm - 1, ".")] == "lexicon"            # p|.|m, inside the word
    assert made[(end_pm, ".")] == "initialisms"           # p.m|.|
    assert set(pred.passes) <= {"", "acronyms", "lexicon", "initialisms"}
    # skipping the pass removes its insertion and nothing else
    no_final = dec.predict(text, skip=("initialisms",))
    assert no_final.insertions[end_pm] == "" and no_final.passes[end_pm] == ""
    assert no_final.insertions[end_pm - 1] == "."
    # the restorer's explain output names them under "pass"
    out = Restorer(dec).explain(text, "seed").to_dict()
    by = {(i["offset"], i["insert"]): i["pass"] for i in out["insertions"]}
    assert by[(end_pm, ".")] == "initialisms" and by[(text.index("SDRs"), "(")] == "acronyms"
    # lowercased input: the capitals come from the recasing pass
    lower = Restorer(dec).explain("nato met", "lower").to_dict()
    assert lower["text"].startswith("NATO")
    assert {r["pass"] for r in lower["recased"]} == {"recasing"}


def test_the_count_model_names_itself_as_the_pass():
    from unstrip.restorer import Restorer

    out = Restorer("baseline").explain("dont go", "seed").to_dict()
    assert out["insertions"] and {i["pass"] for i in out["insertions"]} == {"baseline"}
