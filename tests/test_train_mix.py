"""Training on a mixture of sources: --mix shares, the words each source gives, time limits."""

from __future__ import annotations

import argparse
import json

import pytest

torch = pytest.importorskip("torch", reason="training needs the train extra")

from unstrip.text.corpus import Document  # noqa: E402
from unstrip.train import loop as train  # noqa: E402


def _docs():
    docs = [Document(f"b{i}", " ".join(["news"] * 50), source="bbc") for i in range(20)]
    docs += [Document(f"r{i}", " ".join(["wire"] * 30), source="reuters87") for i in range(20)]
    docs += [Document(f"t{i}", " ".join(["talk"] * 100), source="ted") for i in range(3)]
    docs += [Document("m0", " ".join(["whale"] * 40), source="moby")]
    return docs


def test_mix_shares_are_met_by_words_and_scarce_sources_repeat():
    texts, groups, report = train.mix_documents(
        _docs(), train.parse_mix("news=0.5,ted=0.3,moby=0.2"), 2000, seed=1
    )
    words = {g: 0 for g in report}
    for t, g in zip(texts, groups, strict=True):
        words[g] += len(t.split())
    # Each entry reaches its share, overshooting by less than one document.
    assert 1000 <= words["news"] < 1050 and 600 <= words["ted"] < 700
    assert 400 <= words["moby"] < 440
    assert report["moby"] == {"available": 40, "wanted": 400, "taken": words["moby"]}
    # news groups bbc and reuters87; moby's one chapter repeats ten times.
    assert {t.split()[0] for t, g in zip(texts, groups, strict=True) if g == "news"} == {
        "news", "wire"}
    assert groups.count("moby") == 10
    # Same seed, same choice; another seed, another order.
    again = train.mix_documents(_docs(), train.parse_mix("news=0.5,ted=0.3,moby=0.2"), 2000,
                                seed=1)
    assert again[0] == texts


def test_mix_all_reads_every_document_once():
    texts, groups, report = train.mix_documents(_docs(), train.parse_mix("all"), None)
    assert len(texts) == len(_docs())
    assert report["bbc"]["taken"] == 1000 and "news" not in report


@pytest.mark.parametrize("bad", ["news", "news=0", "news=-1,ted=1", "news=1,news=2", "=1", ""])
def test_bad_mix_is_refused_with_a_message(bad):
    with pytest.raises(argparse.ArgumentTypeError, match="mix"):
        train.parse_mix(bad)


def test_mix_naming_an_absent_source_says_which(tmp_path):
    with pytest.raises(SystemExit, match="ted"):
        train.mix_documents([Document("a", "x y", source="bbc")], {"ted": 1.0}, None)


def test_mix_file(tmp_path):
    f = tmp_path / "mix.txt"
    f.write_text("# speech first\nted=3\nnews=1  # the rest\n", encoding="utf-8")
    assert train.parse_mix(str(f)) == {"ted": 0.75, "news": 0.25}


def test_default_mix_is_the_shipped_one_over_the_sources_present():
    full = train.default_mix({"bbc", "ted", "scotus", "speeches", "moby", "friends"})
    assert full == train.parse_mix(train.DEFAULT_MIX)
    assert train.default_mix({"reuters"}) == {"news": 1.0}


def test_a_mixed_run_reports_words_per_source_and_stops_on_time(tmp_path, capsys):
    rows = [{"id": f"d{i}", "source": src, "split": "train",
             "text": f"The {src} said so. Its fine, isnt it? Yes."}
            for i, src in enumerate(["bbc", "ted", "scotus"] * 8)]
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    run = tmp_path / "run"
    args = [str(corpus), "--out", str(run), "--scratch", "--layers", "1", "--hidden", "32",
            "--heads", "2", "--batch-size", "2", "--window", "32", "--no-progress",
            "--eval-every", "1000", "--dev-docs", "0", "--mix", "news=0.5,ted=0.25,scotus=0.25",
            # six steps of a plain shuffle see every source; pooled batches are one length
            "--length-pool", "1"]
    assert train.main([*args, "--max-steps", "6"]) == 0
    err = capsys.readouterr().err
    assert "news" in err and "ted" in err and "scotus" in err
    seen = json.loads((run / "log.jsonl").read_text().splitlines()[-1])["pieces_seen_this_run"]
    assert set(seen) == {"news", "ted", "scotus"} and all(v > 0 for v in seen.values())
    info = json.loads((run / "config.json").read_text())
    assert info["mix"] == {"news": 0.5, "ted": 0.25, "scotus": 0.25}
    # A time limit of zero stops after one more step, with a checkpoint to resume from.
    assert train.main([*args, "--max-steps", "50", "--max-minutes", "0"]) == 0
    assert train.latest_checkpoint(run).name == "checkpoint-00000007.pt"
    assert "--max-minutes reached at step 7" in capsys.readouterr().err


def test_short_texts_add_sentences_and_spans_to_a_run(tmp_path, capsys):
    rows = [{"id": f"d{i}", "source": "ted", "split": "train",
             "text": f"Talk {i} starts here. Its fine, isnt it? Yes, it is fine for now."}
            for i in range(12)]
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    run = tmp_path / "run"
    args = [str(corpus), "--out", str(run), "--scratch", "--layers", "1", "--hidden", "32",
            "--heads", "2", "--batch-size", "2", "--window", "32", "--no-progress",
            "--eval-every", "1000", "--dev-docs", "0", "--max-steps", "2"]
    assert train.main([*args, "--short-texts", "1.0"]) == 0
    err = capsys.readouterr().err
    assert "24 sentences and spans as texts of their own" in err
    assert json.loads((run / "config.json").read_text())["short_texts"] == 1.0


def test_length_pooled_epochs_read_every_row_once_with_little_padding():
    np = pytest.importorskip("numpy")
    lengths = np.random.default_rng(3).integers(3, 257, 5000)

    def padding_share(order, batch=16):
        rows = order[: len(order) // batch * batch].reshape(-1, batch)
        return 1 - lengths[rows].sum() / (lengths[rows].max(axis=1) * batch).sum()

    plain = train.epoch_order(lengths, 16, seed=7, pool=1)
    pooled = train.epoch_order(lengths, 16, seed=7, pool=64)
    assert sorted(pooled.tolist()) == list(range(5000))
    # pool 1 is the plain shuffle the loop used before pools
    assert plain.tolist() == np.random.default_rng(7).permutation(5000).tolist()
    assert padding_share(plain) > 0.4 and padding_share(pooled) < 0.05
    # a resumed run reads the same order; another epoch (seed) reads another
    assert train.epoch_order(lengths, 16, seed=7, pool=64).tolist() == pooled.tolist()
    assert train.epoch_order(lengths, 16, seed=8, pool=64).tolist() != pooled.tolist()
    # batches still mix the corpus: the first batches do not come from one pool's rows only
    first = pooled[: 16 * 8].reshape(8, 16)
    assert len({int(lengths[b].mean() // 32) for b in first}) > 2


def test_fused_attention_while_training_computes_what_the_exported_plain_one_does():
    from unstrip.train.network import Config, UnstripNet

    torch.manual_seed(0)
    cfg = Config(vocab_size=50, hidden=32, layers=2, heads=4, intermediate=64, n_after=3,
                 n_before=2, dropout=0.0, attention_dropout=0.0)
    net = UnstripNet(cfg)
    ids = torch.randint(5, 50, (3, 9))
    mask = torch.ones_like(ids)
    mask[1, 6:] = 0
    net.eval()
    plain = net(ids, torch.zeros_like(ids), mask)[0]
    net.train()  # no dropout anywhere: only the attention kernel differs
    fused = net(ids, torch.zeros_like(ids), mask)[0]
    assert torch.allclose(plain, fused, atol=1e-5)
    fused.sum().backward()
    assert net.blocks[0].attn.query.weight.grad.abs().sum() > 0
    # with attention dropout the training step keeps the plain path, and drops weights
    old = UnstripNet(Config(**{**cfg.to_json(), "attention_dropout": 0.5}))
    old.load_state_dict(net.state_dict())
    old.train()
    assert not torch.allclose(old(ids, torch.zeros_like(ids), mask)[0], plain, atol=1e-3)
    # configs written before the setting existed read as BERT's 0.1
    assert Config.from_json({"hidden": 32}).attention_dropout == 0.1


def test_training_text_of_newsarticles_gets_its_paragraph_breaks_back(tmp_path):
    rows = [{"id": "n1", "source": "newsarticles", "split": "train",
             "text": "It failed as a state.-The group said so."},
            {"id": "s1", "source": "sotu", "split": "train", "text": "In Oct.-Dec. it grew."},
            {"id": "n2", "source": "newsarticles", "split": "dev", "text": "As written.-Kept."}]
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    train_docs, dev = train.read_corpora([str(corpus)], None, None)
    assert [d.text for d in train_docs] == ["It failed as a state.\n\nThe group said so.",
                                            "In Oct.-Dec. it grew."]
    assert dev == ["As written.-Kept."]  # evaluation text is never changed
