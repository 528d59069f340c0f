"""The GPU training recipe (benchmarks/gpu_train.sh) runs end to end on its CPU path."""

from __future__ import annotations

import json
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
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "gpu"
    env = {**os.environ, "DEVICE": "cpu", "BATCH": "2", "WORDS": "400", "WORKERS": "1",
           "NO_EVAL": "1", "PYTHON": sys.executable}
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
    assert set(run_cfg["mix"]) == {"news", "ted", "scotus", "speeches", "moby"}

    from unstrip import Restorer
    from unstrip.text.profiles import seed

    x = "Its a selfproclaimed win the groups leader said"
    assert seed(Restorer(str(model)).restore(x, profile="seed")) == x
