"""Distillation (unstrip.train.distil, `unstrip train --teacher`) and its GPU recipe's CPU path."""

from __future__ import annotations

import json
import lzma
import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="distillation needs the train extra")
pytest.importorskip("onnx", reason="distillation reads exported models with the train extra")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from unstrip.train.distil import load_teacher, select_layers, soft_loss  # noqa: E402
from unstrip.train.labels import IGNORE  # noqa: E402
from unstrip.train.network import Config, UnstripNet  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "src" / "unstrip" / "data" / "model"
TEXTS = ["Is it {i}? Yes, it is. Tom's here, and \"so\" am I.",
         "The U.S. report said so in {i}; its fine, isn't it?"]


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 3), st.integers(1, 6), st.integers(2, 5), st.integers(0, 2**31 - 1),
       st.floats(0.5, 4.0))
def test_soft_loss_is_a_scaled_kl_over_labelled_pieces(b, t, c, seed, temperature):
    g = torch.Generator().manual_seed(seed)
    s, tch = torch.randn(b, t, c, generator=g) * 3, torch.randn(b, t, c, generator=g) * 3
    gold = torch.randint(0, c, (b, t), generator=g)
    gold[torch.rand(b, t, generator=g) < 0.4] = IGNORE
    loss = soft_loss(s, tch, gold, temperature)
    assert loss.item() >= -1e-6
    assert soft_loss(tch, tch, gold, temperature).abs().item() < 1e-6
    # a shift of a piece's logits is no change of its distribution
    assert torch.isclose(soft_loss(s + torch.randn(b, t, 1, generator=g), tch, gold,
                                   temperature), loss, atol=1e-4)
    # unlabelled pieces do not count
    noisy = s.clone()
    noisy[gold == IGNORE] = torch.randn(int((gold == IGNORE).sum()), c, generator=g) * 9
    assert torch.isclose(soft_loss(noisy, tch, gold, temperature), loss, atol=1e-5)
    # by hand: T^2 * mean over labelled pieces of sum p_t * (log p_t - log p_s)
    keep = gold != IGNORE
    pt = (tch[keep] / temperature).softmax(-1)
    ps = (s[keep] / temperature).softmax(-1)
    want = (pt * (pt.log() - ps.log())).sum(-1).sum() * temperature**2 / max(1, keep.sum())
    assert torch.isclose(loss, want, rtol=1e-3, atol=1e-5)


def test_select_layers_runs_the_chosen_blocks_in_order():
    cfg = Config(vocab_size=60, hidden=16, layers=3, heads=2, intermediate=32, n_after=4,
                 n_before=3, n_case=4)
    net = UnstripNet(cfg).eval()
    small = select_layers(net, [2, 0]).eval()
    ids = torch.tensor([[1, 7, 9, 30, 2]])
    mask = torch.ones_like(ids)
    with torch.no_grad():
        got = small(ids, ids % 3, mask)
        net.blocks = torch.nn.ModuleList([net.blocks[2], net.blocks[0]])
        want = net(ids, ids % 3, mask)
    assert small.cfg.layers == 2 and len(got) == 3
    for a, b in zip(got, want, strict=True):
        assert torch.equal(a, b)
    with pytest.raises(ValueError, match="layers 0 to 2"):
        select_layers(UnstripNet(cfg), [0, 3])


def _corpus(path: Path, n: int = 12) -> Path:
    rows = [{"id": f"d{i}", "source": "ted" if i % 2 else "bbc", "split": "train",
             "text": TEXTS[i % 2].format(i=i)} for i in range(n)]
    with lzma.open(path, "wt", encoding="utf-8") as fh:
        fh.write("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _tiny(out: Path, corpus: Path, steps: int, *extra: str) -> list[str]:
    return [str(corpus), "--out", str(out), "--device", "cpu", "--bf16", "off", "--window",
            "32", "--batch-size", "4", "--max-steps", str(steps), "--dev-docs", "0",
            "--no-progress", "--mix", "all", "--after-labels", "8", "--before-labels", "4",
            "--seed", "3", *extra]


SCRATCH = ("--scratch", "--layers", "1", "--hidden", "16", "--heads", "2")


def _mean_kl(run: Path, teacher_dir: Path) -> float:
    """The student's soft loss against the teacher over its cached training windows."""
    import numpy as np

    from unstrip.train.loop import latest_checkpoint, load_checkpoint

    student = load_checkpoint(latest_checkpoint(run))[0].eval()
    teacher = load_teacher(teacher_dir).net
    with np.load(next(run.glob("cache-*.npz"))) as z:
        ids, shapes = (torch.from_numpy(z[k].astype(np.int64)) for k in ("ids", "shapes"))
        gold = torch.from_numpy(z["after"].astype(np.int64))
    mask = (ids != 0).long()
    with torch.no_grad():
        return float(soft_loss(student(ids, shapes, mask)[0], teacher(ids, shapes, mask)[0],
                               gold, 2.0))


def test_student_learns_the_teacher_and_records_it(tmp_path):
    """Trained on soft targets alone, a student ends nearer its teacher than the same
    student trained on the gold alone; the run records the teacher and both losses."""
    from unstrip.train.loop import main

    corpus = _corpus(tmp_path / "c.jsonl.xz")
    teacher = tmp_path / "teacher"
    fast = ("--freeze-embeddings",)  # the word-piece table's updates are most of a tiny step
    assert main(_tiny(teacher, corpus, 3, *SCRATCH, *fast, "--hidden", "24", "--lr",
                      "3e-2")) == 0
    distilled, gold_only = tmp_path / "distilled", tmp_path / "gold"
    common = (*SCRATCH, *fast, "--lr", "1e-2", "--teacher", str(teacher), "--temperature", "2")
    assert main(_tiny(distilled, corpus, 10, *common, "--soft-weight", "1",
                      "--hard-weight", "0")) == 0
    assert main(_tiny(gold_only, corpus, 10, *common, "--soft-weight", "0",
                      "--hard-weight", "1")) == 0
    assert _mean_kl(distilled, teacher) < 0.7 * _mean_kl(gold_only, teacher)
    run_cfg = json.loads((distilled / "config.json").read_text())
    assert run_cfg["teacher"]["source"] == "teacher/checkpoint-00000003.pt"
    assert run_cfg["teacher"]["soft_weight"] == 1.0
    last = [json.loads(line) for line in (distilled / "log.jsonl").open()][-2]
    assert last["step"] == 10 and last["soft"] >= 0 and last["hard"] > 0
    # the student took the teacher's label inventories
    assert (distilled / "labels.json").read_text() == (teacher / "labels.json").read_text()


def test_teacher_from_an_export_and_mismatched_labels(tmp_path, capsys):
    from unstrip.train.export import export
    from unstrip.train.loop import main

    corpus = _corpus(tmp_path / "c.jsonl.xz")
    teacher = tmp_path / "teacher"
    assert main(_tiny(teacher, corpus, 2, *SCRATCH)) == 0
    model = export(teacher, tmp_path / "model")
    from_run, from_export = load_teacher(teacher), load_teacher(model)
    assert from_export.after.labels == from_run.after.labels
    ids = torch.tensor([[101, 2009, 2003, 1037, 102]])
    mask = torch.ones_like(ids)
    with torch.no_grad():
        for a, b in zip(from_run.net(ids, ids * 0, mask), from_export.net(ids, ids * 0, mask),
                        strict=True):
            assert (a - b).abs().max() < 1e-5
    # a run whose inventories differ cannot learn this teacher's soft targets
    other = tmp_path / "other"
    other.mkdir()
    labels = json.loads((teacher / "labels.json").read_text())
    first, *rest = labels["after"]["labels"]
    labels["after"]["labels"] = [first, *reversed(rest)]
    (other / "labels.json").write_text(json.dumps(labels))
    with pytest.raises(SystemExit, match="after labels differ"):
        main(_tiny(other, corpus, 1, *SCRATCH, "--teacher", str(model)))
    with pytest.raises(SystemExit) as stop:
        main(_tiny(other, corpus, 1, "--temperature", "0"))
    assert stop.value.code == 2 and "expected a number above 0" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main(_tiny(other, corpus, 1, "--teacher", str(tmp_path / "nowhere")))
    assert stop.value.code == 2 and "not a training run" in capsys.readouterr().err


def test_student_layers_come_from_the_init_network(tmp_path):
    """--student-layers 1 --init-from MODEL: a one-layer student whose layer is the
    model's second (learning rate 0, so the weights stay as taken)."""
    from unstrip.train.export import export
    from unstrip.train.loop import latest_checkpoint, load_checkpoint, main

    corpus = _corpus(tmp_path / "c.jsonl.xz")
    init = tmp_path / "init"
    assert main(_tiny(init, corpus, 1, "--scratch", "--layers", "2", "--hidden", "16",
                      "--heads", "2")) == 0
    model = export(init, tmp_path / "model")
    student = tmp_path / "student"
    assert main(_tiny(student, corpus, 1, "--init-from", str(model), "--student-layers", "1",
                      "--lr", "0")) == 0
    net = load_checkpoint(latest_checkpoint(student))[0]
    source = load_checkpoint(latest_checkpoint(init))[0]
    assert net.cfg.layers == 1
    for name, value in source.blocks[1].state_dict().items():
        assert torch.allclose(net.blocks[0].state_dict()[name], value, atol=1e-6), name
    assert json.loads((student / "config.json").read_text())["init"].endswith(", layers 1")


def test_gpu_distil_recipe_on_cpu(tmp_path, monkeypatch):
    """benchmarks/gpu_distil.sh: the teacher packed in parts (gpu_pack.py --teacher), the data
    encoded ahead (PREPARE=data), then one run: join, teacher, student, figures, parts.

    The student starts from a two-layer stand-in for the shipped network (its label
    inventories, toy sizes) and keeps one layer (STUDENT_LAYERS)."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import gpu_pack
    import gpu_weights
    from test_mpnet import write_tiny_mpnet

    from unstrip.evaluate import iwslt
    from unstrip.train.export import export
    from unstrip.train.loop import main

    stand_in = tmp_path / "stand_in"
    stand_in.mkdir()
    (stand_in / "labels.json").write_bytes((SHIPPED / "labels.json").read_bytes())
    assert main(_tiny(stand_in, _corpus(tmp_path / "c.jsonl.xz"), 1, "--scratch", "--layers",
                      "2", "--hidden", "16", "--heads", "2")) == 0
    student_init = export(stand_in, tmp_path / "student_init")

    gpu = tmp_path / "gpu"
    parts = gpu_pack.pack_teacher(str(write_tiny_mpnet(tmp_path / "mpnet")), gpu / "teacher")
    assert parts and {p.name for p in (gpu / "teacher" / "meta").iterdir()} == {
        "config.json", "vocab.txt", "special_tokens_map.json", gpu_weights.MANIFEST}
    (gpu / "corpora").mkdir()
    _corpus(gpu / "corpora" / "mix.jsonl.xz", 8)
    (gpu / "eval").mkdir()
    (gpu / "eval" / "dev2012.tsv").write_text("".join(
        f"{w}\t{lab}\n" for w, lab in [("so", "COMMA"), ("is", "O"), ("it", "QUESTION"),
                                       ("yes", "PERIOD")] * 5))
    with lzma.open(gpu / "eval" / "tune.jsonl.xz", "wt", encoding="utf-8") as fh:
        for i in range(16):  # about half of them fall in the tune part
            fh.write(json.dumps({"id": f"t{i}", "source": "ted", "split": "dev",
                                 "text": "So is it? Yes."}) + "\n")
    env = {**os.environ, "PYTHON": sys.executable, "GPU_DIR": str(gpu), "DEVICE": "cpu",
           "WINDOW": "64", "WORKERS": "1", "TEACHER_MINUTES": "0", "STUDENT_MINUTES": "0",
           "TEACHER_BATCH": "2", "STUDENT_BATCH": "2", "MEASURE": "teacher,student",
           "STUDENT_INIT": str(student_init), "STUDENT_LAYERS": "1", "EXTRA": "--bf16 off"}
    script = ROOT / "benchmarks" / "gpu_distil.sh"
    prep = subprocess.run(["bash", str(script)], env={**env, "PREPARE": "data"},
                          capture_output=True, text=True, timeout=300)
    assert prep.returncode == 0, prep.stderr[-3000:]
    assert "encoded 16 examples" in prep.stderr
    out = tmp_path / "out"
    proc = subprocess.run(["bash", str(script), str(out)], env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "encoded" not in proc.stderr  # both runs read the cache made ahead
    assert "distilling from teacher/checkpoint-00000001.pt" in proc.stderr
    runs = gpu / "runs"
    figures = {**json.loads((out / "teacher-figures.json").read_text()),
               **json.loads((out / "figures.json").read_text())}
    assert set(figures) == {str(runs / "teacher"), str(runs / "student")}  # not "shipped"
    tokens = len(iwslt.select_blocks(iwslt.read_tsv(gpu / "eval" / "dev2012.tsv"), "1-5"))
    for rows in figures.values():
        assert rows["IWSLT dev2012 blocks 1-5"]["tokens"] == tokens < 20
        assert 0 < rows["speech tune (lower)"]["documents"] < 16
    teacher_cfg = json.loads((runs / "teacher" / "config.json").read_text())
    assert teacher_cfg["init"] == "all-mpnet-base-v2 (int8 copy, teacher-base/)"
    assert teacher_cfg["model"]["encoder"] == "mpnet"
    files = sorted(p.name for p in out.iterdir())
    assert len(files) <= 8 and all(p.stat().st_size <= 16 * 2**20 for p in out.iterdir())
    assert {"config.json", "labels.json", "logs.txt"} <= set(files)
    back = gpu_weights.unpack(out, tmp_path / "back")
    ck = torch.load(back, weights_only=False)
    assert ck["config"]["encoder"] == "bert" and ck["config"]["layers"] == 1
    student_cfg = json.loads((tmp_path / "back" / "config.json").read_text())
    assert student_cfg["teacher"]["source"] == "teacher/checkpoint-00000001.pt"
    assert student_cfg["init"].endswith("(student_init), layers 1")
