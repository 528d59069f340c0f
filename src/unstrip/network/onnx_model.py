"""The ONNX runner: an exported network on onnxruntime, logits per head and nothing more.

:class:`OnnxNetwork` answers ``run(ids, shapes, mask)`` with the ``after``,
``before`` (and, where the network has one, ``case``) logits of a
``(batch, time)`` batch of word-piece windows, like the PyTorch network of
``unstrip.train.loop.TorchNetwork`` while training. It knows nothing of
decoding: :class:`unstrip.learned.OnnxModel` is the decoder over it.

>>> from unstrip.models import LEARNED_DIR
>>> net = OnnxNetwork(OnnxNetwork.open_session(LEARNED_DIR / "model.int8.onnx"))
>>> import numpy as np
>>> ids = np.array([[101, 7592, 102]], np.int64)
>>> after, before, *case = net.run(ids, np.zeros_like(ids), np.ones_like(ids))
>>> after.shape[:2], before.shape[:2]
((1, 3), (1, 3))
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

__all__ = ["OnnxNetwork"]


class OnnxNetwork:
    """An exported network on an onnxruntime session: logits per head, nothing more."""

    def __init__(self, session):
        self.session = session
        names = {o.name for o in session.get_outputs()}
        self._outputs = [n for n in ("after_logits", "before_logits", "case_logits")
                         if n in names]

    @staticmethod
    def open_session(onnx_file: str | Path, threads: int = 2, spin: bool = False):
        """An onnxruntime CPU session for ``onnx_file``, as unstrip runs it.

        ``threads`` bounds onnxruntime's intra-op threads; ``spin`` lets them
        busy-wait for work between operators (onnxruntime's default). Off by
        default: replaying the network calls of a 15,000-word dev restore on
        2 threads, spinning cost 26% more CPU time and, with other jobs on the
        machine, 23% more wall time; on a quiet machine it gains about 3%
        (``benchmarks/speed.py`` against ``--spin``, three runs each).
        """
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        if not spin:
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(os.fspath(onnx_file), opts,
                                    providers=["CPUExecutionProvider"])

    @property
    def has_case_head(self) -> bool:
        """Whether the exported network has the casing head (a ``case_logits`` output)."""
        return "case_logits" in self._outputs

    def run(self, ids: np.ndarray, shapes: np.ndarray, mask: np.ndarray):
        """The ``after``, ``before`` (and ``case``) logits of a ``(batch, time)`` batch."""
        feeds = {"input_ids": ids, "shape_ids": shapes, "attention_mask": mask}
        return tuple(self.session.run(self._outputs, feeds))
