"""The GPU training recipe (benchmarks/gpu_train.sh) runs end to end on its CPU path."""

from __future__ import annotations

import json
import lzma
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="the recipe needs the train extra")
pytest.importorskip("onnx", reason="the recipe exports with the train extra")

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "gpu_train.sh"


def test_recipe_trains_exports_and_restores_on_cpu(tmp_path):
    rows = [{"id": f"d{i}", "source": src, "split": "train",
             "text": f"The {src} report said so. Its fine, isnt it? Yes, it is."}
            for i, src in enumerate(["bbc", "ted", "scotus", "speeches", "moby"] * 4)]
    # As on a device machine: an xz corpus and the int8 copy of the base encoder
    # (benchmarks/gpu_pack.py) instead of the base package.
    corpus = tmp_path / "c.jsonl.xz"
    with lzma.open(corpus, "wt", encoding="utf-8") as fh:
        fh.write("".join(json.dumps(r) + "\n" for r in rows))
    from unstrip.train.network import base_model_dir, read_base_weights, write_int8_base

    base = tmp_path / "base"
    assert write_int8_base(base_model_dir(), base) < 30_000_000
    full = read_base_weights(base_model_dir())
    copy = read_base_weights(base)
    assert full.keys() == copy.keys()
    for name, t in full.items():
        assert (copy[name] - t.float()).abs().max() <= t.abs().max() / 254 + 1e-7, name
    out = tmp_path / "gpu"
    env = {**os.environ, "DEVICE": "cpu", "BATCH": "2", "WORDS": "400", "WORKERS": "1",
           "NO_EVAL": "1", "PYTHON": sys.executable, "BASE": str(base)}
    # MINUTES 0: one step, then the checkpoint, the export and the int8 model.
    proc = subprocess.run(["bash", str(SCRIPT), str(out), "0", str(corpus)], env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "--max-minutes reached at step 1" in proc.stderr
    model = out / "model"
    assert (model / "model.int8.onnx").stat().st_size > 1_000_000
    cfg = json.loads((model / "config.json").read_text())
    assert cfg["profiles"] == ["seed", "lower"]
    run_cfg = json.loads((out / "run" / "config.json").read_text())
    assert run_cfg["init"] == "all-MiniLM-L6-v2 (int8 copy, base/)"
    assert set(run_cfg["mix"]) == {"news", "ted", "scotus", "speeches", "moby"}

    from unstrip import Restorer
    from unstrip.text.profiles import seed

    x = "Its a selfproclaimed win the groups leader said"
    assert seed(Restorer(str(model)).restore(x, profile="seed")) == x


def test_weights_travel_as_float16_parts_and_export(tmp_path, monkeypatch):
    """benchmarks/gpu_weights.py: a run's checkpoint -> float16 parts -> a checkpoint to export."""
    import torch

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import gpu_weights

    from unstrip.train.export import export
    from unstrip.train.network import Config, UnstripNet

    cfg = Config(vocab_size=30522, hidden=32, layers=1, heads=2, intermediate=64,
                 n_after=4, n_before=3, n_case=4)
    net = UnstripNet(cfg)
    run = tmp_path / "run"
    run.mkdir()
    torch.save({"model": net.state_dict(), "config": cfg.to_json(), "step": 7,
                "optimizer": {}}, run / "checkpoint-00000007.pt")
    (run / "config.json").write_text(json.dumps({"split_s": True, "window": 64}))
    labels = {"after": ["", ",", "."], "before": ["", '"']}
    (run / "labels.json").write_text(json.dumps(labels))
    # several parts from a small network
    parts = gpu_weights.pack(run, tmp_path / "parts", part_bytes=200_000)
    assert len(parts) > 1 and all(p.stat().st_size <= 200_000 for p in parts)
    back = gpu_weights.unpack(tmp_path / "parts", tmp_path / "here")
    assert back.name == "checkpoint-00000007.pt"
    got = torch.load(back, weights_only=False)["model"]
    for name, t in net.state_dict().items():
        assert got[name].dtype == t.dtype
        assert torch.allclose(got[name], t, rtol=1e-3, atol=1e-4), name
    model = export(tmp_path / "here", tmp_path / "model")
    assert json.loads((model / "config.json").read_text())["step"] == 7
