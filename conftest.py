"""Doctest collection: skip modules whose optional extra is not installed.

``nn``, ``train`` and ``export`` import torch (and onnx) at module level; they
belong to the ``train`` extra. ``server`` needs the ``serve`` extra (FastAPI,
uvicorn). Without an extra, its modules' doctests are not collected.
"""

import importlib.util

_HAVE = {
    m: importlib.util.find_spec(m) is not None
    for m in ("torch", "onnx", "onnxruntime", "fastapi", "uvicorn")
}

collect_ignore = []
if not _HAVE["torch"]:
    collect_ignore += ["src/unstrip/nn.py", "src/unstrip/train.py", "src/unstrip/export.py"]
elif not (_HAVE["onnx"] and _HAVE["onnxruntime"]):
    collect_ignore += ["src/unstrip/export.py"]
if not (_HAVE["fastapi"] and _HAVE["uvicorn"]):
    collect_ignore += ["src/unstrip/server.py"]
