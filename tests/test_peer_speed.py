"""benchmarks/peer_speed.py: the peer networks are built offline at their published
sizes, run on tiny inputs, and the words/s arithmetic is right."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="peer_speed needs torch (pip install 'unstrip[train]')")
pytest.importorskip("transformers",
                    reason="peer_speed needs transformers (pip install 'unstrip[bench]')")

import torch  # noqa: E402

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _load():
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location("peer_speed", BENCH / "peer_speed.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH))
    return module


ps = _load()


@pytest.mark.parametrize("name", ["distilbert", "bert-base", "xlm-r-large"])
def test_parameter_counts_match_the_published_ones(name):
    # On the meta device nothing is allocated, so even XLM-R large is cheap to count.
    n = ps.parameter_count(ps.build_peer(name, device="meta"))
    published = ps.PUBLISHED_PARAMS[name]
    assert abs(n - published) / published < 0.03, (name, n)


def test_punctuators_size_is_the_stated_one():
    cfg = ps.peer_config("punctuators")
    assert (cfg.num_hidden_layers, cfg.hidden_size, cfg.num_attention_heads,
            cfg.intermediate_size, cfg.vocab_size) == (6, 512, 8, 2048, 32_000)
    n = ps.parameter_count(ps.build_peer("punctuators", device="meta"))
    # 32k x 512 embeddings + 6 layers of 4*512^2 + 2*512*2048 weights, about 35.5M
    assert 34e6 < n < 37e6


def test_xlm_r_large_config_numbers():
    cfg = ps.peer_config("xlm-r-large")
    assert (cfg.num_hidden_layers, cfg.hidden_size, cfg.num_attention_heads,
            cfg.intermediate_size, cfg.vocab_size) == (24, 1024, 16, 4096, 250_002)


def test_unknown_peer_is_refused():
    with pytest.raises(ValueError, match="unknown peer"):
        ps.peer_config("gpt")


@pytest.mark.parametrize("name", ["punctuators", "distilbert"])
def test_peer_runs_offline_on_tiny_padded_inputs(name, monkeypatch):
    # Any attempt to reach a hub fails loudly rather than downloading.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model = ps.build_peer(name)
    assert not model.training
    groups = ps.batches([7, 3, 5], 2)
    inputs = ps.make_inputs(groups, model.config.vocab_size, model.config.pad_token_id or 0)
    assert [tuple(ids.shape) for ids, _ in inputs] == [(2, 5), (1, 7)]
    ids, mask = inputs[0]
    assert mask.tolist() == [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]
    assert int(ids.max()) < model.config.vocab_size
    with torch.inference_mode():
        logits = model(input_ids=ids, attention_mask=mask).logits
    assert tuple(logits.shape) == (2, 5, ps.NUM_LABELS)
    assert ps.time_peer(model, inputs) > 0


def test_windows_cover_every_token_once_with_special_tokens():
    for tokens in (0, 1, 254, 255, 1000):
        lens = ps.window_lengths(tokens, 256)
        assert all(3 <= n <= 256 for n in lens)
        assert sum(n - 2 for n in lens) == tokens
    assert ps.window_lengths(509, 128) == [128, 128, 128, 128, 7]  # 4 x 126 + 5


def test_batches_are_sorted_and_padded_to_their_longest():
    groups = ps.batches([10, 2, 8, 4, 6], 2)
    assert groups == [[2, 4], [6, 8], [10]]
    assert ps.padded_tokens(groups) == 2 * 4 + 2 * 8 + 10


def test_words_per_second_and_ratios():
    assert ps.words_per_second(5_850, 2.0) == 2_925.0
    r = ps.ratios(5_850.0, {"punctuators": 1_950.0, "distilbert": 975.0})
    assert r == {"punctuators": 3.0, "distilbert": 6.0}
    with pytest.raises(ValueError):
        ps.words_per_second(100, 0.0)
