"""Exporting a trained restorer to ONNX: ``python -m unstrip.train.export RUN_DIR --out MODEL_DIR``.

The runtime must not need PyTorch, so the network of a training run (its
latest checkpoint, see :mod:`unstrip.train.loop`) is written as an ONNX graph
with dynamic batch and sequence axes, beside everything else
:class:`unstrip.learned.OnnxModel` needs to run it:

- ``model.onnx``: inputs ``input_ids``, ``shape_ids``, ``attention_mask``
  (int64, ``batch x time``), outputs ``after_logits`` and ``before_logits``,
  and ``case_logits`` when the network has a casing head (``n_case > 0``;
  runs without one export the two outputs as they always did);
- ``model.int8.onnx`` with ``--int8``: weights quantised to int8 (one scale
  per output channel) by onnxruntime's dynamic quantisation (a quarter of
  the size, about twice as fast on CPU);
- ``labels.json``: the insertion strings of both heads;
- ``config.json``: the network sizes, window, and which ONNX file to load;
- ``vocab.txt``: the WordPiece vocabulary.

After writing, the export is checked: onnxruntime and PyTorch must agree on
a sample input (the largest logit difference is printed).

    python -m unstrip.train.export runs/minilm --out runs/minilm/model --int8
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np
import torch

from unstrip.helpformat import HelpFormatter
from unstrip.network.wordpieces import DEFAULT_VOCAB, SAMPLE_TEXT, WordPieces, model_inputs
from unstrip.train.loop import inference_overlap, latest_checkpoint, load_checkpoint

__all__ = ["export", "main", "output_names"]

OPSET = 17


class _Wrapped(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, input_ids, shape_ids, attention_mask):
        return self.net(input_ids, shape_ids, attention_mask)


def output_names(net) -> tuple[str, ...]:
    """The ONNX outputs of ``net``: the two insertion heads, then the casing head if any."""
    heads = ("after_logits", "before_logits")
    return (*heads, "case_logits") if getattr(net.cfg, "n_case", 0) else heads


def _onnx_export(net, sample, path: Path) -> None:
    axes = {0: "batch", 1: "time"}
    names = ("input_ids", "shape_ids", "attention_mask", *output_names(net))
    torch.onnx.export(
        _Wrapped(net).eval(),
        sample,
        str(path),
        input_names=list(names[:3]),
        output_names=list(names[3:]),
        dynamic_axes=dict.fromkeys(names, axes),
        opset_version=OPSET,
        dynamo=False,
    )


def export(
    run_dir: str | Path,
    out: str | Path,
    checkpoint: str | Path | None = None,
    int8: bool = False,
) -> Path:
    """Write the ONNX model directory for the run in ``run_dir``; return ``out``."""
    run_dir, out = Path(run_dir), Path(out)
    ckpt = Path(checkpoint) if checkpoint else latest_checkpoint(run_dir)
    if ckpt is None:
        raise FileNotFoundError(f"no checkpoint-*.pt in {run_dir}; train first")
    net, ck = load_checkpoint(ckpt, "cpu")
    net.eval()
    out.mkdir(parents=True, exist_ok=True)
    run_cfg = json.loads((run_dir / "config.json").read_text(encoding="utf-8"))

    wp = WordPieces.load(DEFAULT_VOCAB, split_s=bool(run_cfg.get("split_s", False)))
    ids, shapes, mask = (np.repeat(a, 2, 0) for a in model_inputs(wp, SAMPLE_TEXT))
    mask[1, -3:] = 0
    sample = tuple(torch.from_numpy(a) for a in (ids, shapes, mask))
    fp32 = out / "model.onnx"
    with torch.no_grad():
        ref = [t.numpy() for t in net(*sample)]
    with warnings.catch_warnings():
        # The TorchScript exporter is deprecated but needs no onnxscript; fine
        # for this plain encoder at torch 2.13.
        warnings.simplefilter("ignore")
        _onnx_export(net, sample, fp32)
    onnx_name = fp32.name
    if int8:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        q = out / "model.int8.onnx"
        # Per-channel scales: one per output column. Per-tensor int8 cost the
        # step-1400 model 2.2 marks-F1 points on 200 dev documents; per-channel
        # 0.3 (fp32 0.738, per-tensor 0.716, per-channel 0.735).
        quantize_dynamic(str(fp32), str(q), weight_type=QuantType.QInt8, per_channel=True)
        onnx_name = q.name
    shutil.copyfile(run_dir / "labels.json", out / "labels.json")
    shutil.copyfile(DEFAULT_VOCAB, out / "vocab.txt")
    config = {
        "format": "unstrip-onnx/1",
        "onnx": onnx_name,
        "window": run_cfg.get("window", 256),
        "overlap": run_cfg.get("overlap", 32),
        # older runs did not record it: the rule of their window
        "lower_overlap": run_cfg.get(
            "lower_overlap", inference_overlap(run_cfg.get("window", 256), lowercased=True)),
        "profile": run_cfg.get("profile", "seed"),
        "profiles": run_cfg.get("profiles", [run_cfg.get("profile", "seed")]),
        "outputs": list(output_names(net)),
        "init": run_cfg.get("init"),
        "split_s": bool(run_cfg.get("split_s", False)),
        # Steps in all: those of the model the run started from, then the run's.
        "step": int(run_cfg.get("init_steps", 0)) + ck["step"],
        "run_step": ck["step"],
        "model": ck["config"],
    }
    (out / "config.json").write_text(json.dumps(config, indent=1), encoding="utf-8")

    import onnxruntime as ort

    for name in dict.fromkeys([fp32.name, onnx_name]):
        sess = ort.InferenceSession(str(out / name), providers=["CPUExecutionProvider"])
        got = sess.run(None, {"input_ids": ids, "shape_ids": shapes, "attention_mask": mask})
        diff = max(float(np.abs(g - r)[mask.astype(bool)].max()) for g, r in
                   zip(got, ref, strict=True))
        size = (out / name).stat().st_size / 1e6
        print(f"{name}: {size:.1f} MB, largest logit difference from PyTorch {diff:.4f}",
              file=sys.stderr)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="unstrip export", description=__doc__.split("\n\n")[0],
                                 formatter_class=HelpFormatter)
    ap.add_argument("run_dir", type=Path, help="training run directory (unstrip.train.loop --out)")
    ap.add_argument("--out", type=Path, required=True, help="model directory to write")
    ap.add_argument("--checkpoint", type=Path, default=None, help="checkpoint file to export "
                    "(default: the run's latest)")
    ap.add_argument("--int8", action="store_true", help="also write an int8-quantised model "
                    "and make it the default")
    args = ap.parse_args(argv)
    export(args.run_dir, args.out, args.checkpoint, args.int8)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
