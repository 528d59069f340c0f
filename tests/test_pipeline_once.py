"""Work the decoder and restorer used to do twice is done once, with the same answers.

- the ``lexicon`` and ``lexicon-between`` passes share one walk of the words
  (:func:`unstrip.decode.inner.inner_and_between`): its two answers must be
  what the two separate :func:`inner_insertions` calls gave, and a decode
  must be what the two-call passes gave;
- insertions are cleaned of kept characters by a remembered lookup
  (:func:`unstrip.decode.prediction.strip_seed_complements`), in the decoder
  and again in the restorer, whose guarantee holds for any model: a model
  whose insertions carry letters, digits and spaces still gets its output
  stripped back to the input.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from unstrip.decode import pipeline
from unstrip.decode import prediction as prediction_module
from unstrip.decode.inner import inner_and_between, inner_insertions
from unstrip.decode.lexicon import choose_form, read_lexicon
from unstrip.decode.pipeline import LEXICON_SURE, shipped_word_context
from unstrip.decode.prediction import Prediction, strip_seed_complement, strip_seed_complements
from unstrip.decode.wordcontext import WordContext, choose_in_context
from unstrip.network.wordpieces import WordPieces
from unstrip.text.profiles import lower, seed

ARTICLE = Path(__file__).resolve().parents[1].parent / "shared" / "seeds" / "article.stripped.txt"


def _article() -> str:
    if not ARTICLE.exists():
        pytest.skip(f"{ARTICLE} is absent: this test reads ../shared beside the repository")
    return ARTICLE.read_text(encoding="utf-8")


def _two_calls(enc, lexicon, cased, context, network, pairs=None):
    """The answers of the two calls the passes made before they shared a walk."""
    cuts = set(enc.ends.tolist())
    inner = inner_insertions(enc, lexicon, cased, context=context, network=network, pairs=pairs)
    between = {g: v for g, v in inner_insertions(enc, lexicon, cased, LEXICON_SURE).items()
               if g in cuts}
    return inner, between


@pytest.mark.parametrize("cased", [True, False])
def test_one_walk_gives_both_answers_on_a_real_article(cased):
    from unstrip.baseline import BaselineModel

    text = _article() if cased else _article().lower()
    wp = WordPieces.load()
    lexicon = read_lexicon()
    context = shipped_word_context()
    enc = wp.encode(text)
    # The count model's insertions stand in for the network's marks.
    network = BaselineModel.load().predict(text, cased=cased).insertions
    got = inner_and_between(enc, lexicon, cased, LEXICON_SURE, context=context, network=network)
    want = _two_calls(enc, lexicon, cased, context, network)
    assert got == want
    # The article has words cut into pieces that the lexicon is sure of
    # (dont -> don|t, selfproclaimed -> self|...), so both answers are tested.
    assert len(want[1]) >= 10 and len(want[0]) >= 2
    assert ("'", 1.0) in want[1].values() and ("-", 1.0) in want[1].values()


def test_one_walk_when_the_context_form_is_not_the_lexicon_form():
    # 347 is cut 34|7; the lexicon alone writes 34.7 (6 of 11 forms insert at
    # the cut), the context table writes 3.47 after "fell": the between answer
    # must come from the lexicon's form, not the context's.
    wp = WordPieces.load()
    enc = wp.encode("fell 347 pct")
    assert 7 in enc.ends.tolist(), "347 must be cut 34|7 for this test"
    lexicon = {"000": {"00.0": 6, "0.00": 5}}
    table = WordContext({"format": 1, "beta": 10.0, "weight": 0.5, "sure": 0.5, "total": 100,
                         "context": {"fell": 5}, "words": {"000": {
                             "00.0": [6, {}, {}], "0.00": [5, {"fell": 5}, {}]}}})
    assert choose_in_context(lexicon, table, "347", "fell", "pct")[0][0] == "3.47"
    assert choose_form(lexicon, "347")[0] == "34.7"
    network = [""] * (len(enc.text) + 1)
    for sure in (0.5, 0.6):
        got = inner_and_between(enc, lexicon, True, sure, context=table, network=network)
        cuts = set(enc.ends.tolist())
        alone = {g: v for g, v in inner_insertions(enc, lexicon, True, sure).items() if g in cuts}
        assert got[0] == inner_insertions(enc, lexicon, True, context=table, network=network)
        assert got[1] == alone
    assert inner_and_between(enc, lexicon, True, 0.5, context=table)[1] == {7: (".", 0.5455)}


def _old_lexicon(dec, st):
    st.inner = inner_insertions(st.enc, dec.lexicon, st.cased, context=dec.word_context,
                                network=st.ins, pairs=st.pairs)
    for g, (s, p) in st.inner.items():
        st.ins[g], st.conf[g] = s, p


def _old_lexicon_between(dec, st):
    cuts = set(st.enc.ends.tolist())
    for g, (s, p) in inner_insertions(st.enc, dec.lexicon, st.cased, LEXICON_SURE).items():
        if g in cuts and not st.ins[g] and g not in st.inner:
            st.ins[g], st.conf[g] = s, p


def _old_only_stripped(dec, st):
    st.ins = [strip_seed_complement(s) for s in st.ins]


OLD = {"lexicon": _old_lexicon, "lexicon-between": _old_lexicon_between,
       "only-stripped": _old_only_stripped}


@pytest.fixture(scope="module")
def learned():
    from unstrip.models import load_model

    try:
        return load_model("learned")
    except (FileNotFoundError, ImportError) as e:
        pytest.skip(f"the learned model does not load here: {e}")


def _silent_decoder():
    from test_pipeline import _Silent  # the stand-in network that never inserts

    from unstrip.decode.pipeline import DecodeConfig, Decoder
    from unstrip.network.labels import LabelSet

    return Decoder(_Silent(), WordPieces.load(), LabelSet(["", "."]), LabelSet([""]),
                   decoding=DecodeConfig(word_context=shipped_word_context()))


def _both_ways(model, monkeypatch, text, cased, skip):
    new = model.predict(text, cased=cased, skip=skip)
    with monkeypatch.context() as m:
        m.setattr(pipeline, "PASSES",
                  tuple((name, OLD.get(name, step)) for name, step in pipeline.PASSES))
        old = model.predict(text, cased=cased, skip=skip)
    return new, old


@pytest.mark.parametrize("cased", [True, False])
@pytest.mark.parametrize("skip", [(), ("lexicon",)])
def test_a_decode_is_what_the_two_call_passes_gave(learned, monkeypatch, cased, skip):
    text = _article()[:3000]
    text = text if cased else text.lower()
    new, old = _both_ways(learned, monkeypatch, text, cased, skip)
    assert new == old
    # With a network that leaves every gap empty the between pass has work.
    new, old = _both_ways(_silent_decoder(), monkeypatch, text, cased, skip)
    assert new == old
    assert "lexicon-between" in new.passes


def test_cleaning_every_insertion_is_cleaning_each_one(monkeypatch):
    rng = random.Random(18)
    alphabet = ["", ".", ",", "'", "x", "7", " ", "\n", "—", "’", "(", "A b"]
    ins = ["".join(rng.choices(alphabet, k=rng.randint(0, 3))) for _ in range(3000)]
    want = [strip_seed_complement(s) for s in ins]
    assert strip_seed_complements(ins) == want
    assert strip_seed_complements(ins) == want  # from what it remembered
    # Past its bound it remembers nothing more and still answers right.
    monkeypatch.setattr(prediction_module, "_CLEANED", {"": ""})
    monkeypatch.setattr(prediction_module, "_CLEANED_MAX", 5)
    assert strip_seed_complements(ins) == want
    assert len(prediction_module._CLEANED) == 5
    assert strip_seed_complements([]) == []


class _Careless:
    """A model whose every insertion carries characters the input kept."""

    def predict(self, text: str, cased: bool = True, **_) -> Prediction:
        n = len(text)
        ins = [("x," if i % 3 else " 7.") if i else "a" for i in range(n + 1)]
        return Prediction(ins, [0.99] * (n + 1), text.upper() if not cased else text)


@pytest.mark.parametrize("balance", [True, False])
def test_the_restorer_cleans_any_models_insertions(balance):
    from unstrip.restorer import Restorer

    restorer = Restorer(_Careless(), window=400, context=100, balance=balance)
    x = "the groups leader said dont go " * 30
    out = restorer.restore(x, "seed")
    assert seed(out) == x
    assert out.startswith("t,h,e. ,g,r.o,")  # the marks stay, the letters, digits and spaces go
    low = restorer.restore(x, "lower")
    assert lower(low) == x and "7" not in low and low.startswith("T,H,E. ,G,R.O,")
    for i in restorer.explain(x, "seed").insertions:
        assert i.insert and seed(i.insert) == ""
