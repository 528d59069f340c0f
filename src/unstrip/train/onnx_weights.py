"""Reading an exported model's weights back into a network, to train it further.

A training run's checkpoints live in its run directory and are not shipped;
what ships is the ONNX export (:mod:`unstrip.train.export`), often int8-quantised.
To continue training a shipped model (more steps, another profile, a new
casing head) :func:`load_onnx_weights` reads the weights out of the ONNX
graph and into an :class:`~unstrip.train.network.UnstripNet`:

- float initialisers keep the names the exporter gave them
  (``net.blocks.0.ln1.weight`` is ``blocks.0.ln1.weight``);
- a quantised embedding (``net.tok.weight_quantized`` with its ``_scale``
  and ``_zero_point``) is dequantised: ``(q - zero_point) * scale``;
- a linear layer's weight is the second input of the ``MatMul`` (or
  quantised ``MatMulInteger``) whose output the exporter named after the
  module (``/net/blocks.0/attn/query/MatMul_output_0...``); ONNX holds it as
  ``in x out``, PyTorch as ``out x in``.

Dequantised int8 weights are not the float weights they came from: each
differs by at most half its tensor's scale step. Further training absorbs
that; the function reports how many tensors were dequantised.

``python -m unstrip.train.onnx_weights MODEL_DIR`` checks a model directory: it
loads the weights into a network and prints the largest difference between
its logits and onnxruntime's on a sample.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np

__all__ = ["load_onnx_weights", "onnx_state_dict"]

_MATMUL = re.compile(r"^/net/(?P<module>.+)/MatMul(?:_output_0)")


def _arrays(graph) -> dict[str, np.ndarray]:
    from onnx import numpy_helper

    found = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    for node in graph.node:  # constants folded into nodes rather than initialisers
        if node.op_type == "Constant" and node.output:
            for attr in node.attribute:
                if attr.name == "value":
                    found[node.output[0]] = numpy_helper.to_array(attr.t)
    return found


def _dequantised(arrays: dict[str, np.ndarray], name: str) -> np.ndarray | None:
    """The float tensor behind ``name`` (plain, or ``name_quantized`` with scale and zero)."""
    if name in arrays and arrays[name].dtype.kind == "f":
        return arrays[name].astype(np.float32)
    base = name.removesuffix("_quantized")
    q = arrays.get(base + "_quantized")
    if q is None:
        return None
    scale = arrays[base + "_scale"].astype(np.float32)
    zero = arrays[base + "_zero_point"].astype(np.float32)
    return ((q.astype(np.float32) - zero) * scale).astype(np.float32)


def onnx_state_dict(onnx_path: str | Path) -> tuple[dict[str, np.ndarray], int]:
    """The network's parameters by PyTorch name, and how many were dequantised."""
    import onnx

    graph = onnx.load(str(onnx_path)).graph
    arrays = _arrays(graph)
    state: dict[str, np.ndarray] = {}
    dequantised = 0
    for name, value in arrays.items():
        if name.endswith(("_scale", "_zero_point")):
            continue
        if name.startswith("net.") and value.dtype.kind == "f":
            state[name.removeprefix("net.")] = value.astype(np.float32)
        elif name.startswith("net.") and name.endswith("_quantized"):
            state[name.removeprefix("net.").removesuffix("_quantized")] = _dequantised(
                arrays, name
            )
            dequantised += 1
    for node in graph.node:
        if node.op_type not in ("MatMul", "MatMulInteger"):
            continue
        m = _MATMUL.match(node.output[0])
        if m is None:
            continue
        weight = _dequantised(arrays, node.input[1])
        if weight is None:  # attention's activation x activation products
            continue
        state[m["module"].replace("/", ".") + ".weight"] = np.ascontiguousarray(weight.T)
        dequantised += node.op_type == "MatMulInteger"
    return state, dequantised


def load_onnx_weights(net, model_dir: str | Path) -> int:
    """Copy the weights of the exported model in ``model_dir`` into ``net``.

    Every parameter of ``net`` must be found with the same shape (so the
    insertion heads must match the export's label inventories), except a
    casing head the export lacks: it keeps its fresh initialisation, so a
    shipped model without one can learn one. Returns the number of
    dequantised tensors.
    """
    import torch

    model_dir = Path(model_dir)
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    state, dequantised = onnx_state_dict(model_dir / config.get("onnx", "model.onnx"))
    own = net.state_dict()
    missing = [k for k in own if k not in state and not k.startswith("case.")]
    if missing:
        raise ValueError(f"{model_dir}: the export lacks {missing}")
    for k, v in state.items():
        if k not in own:
            raise ValueError(f"{model_dir}: the network has no parameter {k!r}")
        if tuple(own[k].shape) != v.shape:
            raise ValueError(f"{model_dir}: {k} is {v.shape} there, "
                             f"{tuple(own[k].shape)} here")
    net.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()}, strict=False)
    return dequantised


def main(argv: list[str] | None = None) -> int:
    import argparse

    import onnxruntime as ort
    import torch

    from unstrip.network.wordpieces import DEFAULT_VOCAB, SAMPLE_TEXT, WordPieces, model_inputs
    from unstrip.train.network import Config, build_network

    ap = argparse.ArgumentParser(prog="python -m unstrip.train.onnx_weights",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("model_dir", type=Path)
    args = ap.parse_args(argv)
    config = json.loads((args.model_dir / "config.json").read_text(encoding="utf-8"))
    net = build_network(Config.from_json(config["model"])).eval()
    n = load_onnx_weights(net, args.model_dir)
    wp = WordPieces.load(DEFAULT_VOCAB, split_s=bool(config.get("split_s", False)))
    ids, shapes, mask = model_inputs(wp, SAMPLE_TEXT)
    with torch.no_grad():
        ref = [t.numpy() for t in net(*(torch.from_numpy(a) for a in (ids, shapes, mask)))]
    sess = ort.InferenceSession(str(args.model_dir / config.get("onnx", "model.onnx")),
                                providers=["CPUExecutionProvider"])
    got = sess.run(None, {"input_ids": ids, "shape_ids": shapes, "attention_mask": mask})
    diff = max(float(np.abs(g - r).max()) for g, r in zip(got, ref, strict=True))
    agree = min(float((g.argmax(-1) == r.argmax(-1)).mean()) for g, r in
                zip(got, ref, strict=True))
    print(f"{args.model_dir}: {n} tensors dequantised; largest logit difference from "
          f"onnxruntime {diff:.4f}; argmax agreement {agree:.3f}", file=sys.stderr)
    return 0 if agree >= 0.99 else 1


if __name__ == "__main__":
    raise SystemExit(main())
