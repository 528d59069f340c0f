"""Choosing the model that restores: the learned network or the count baseline.

unstrip ships two models inside the package. The learned one (an int8 ONNX
network, see :mod:`unstrip.learned`) is the default; the count-based
baseline (:mod:`unstrip.baseline`) is the fallback and the yardstick. Both
answer ``predict(text, cased) -> Prediction``, so the restorer takes either.

A model is named by a string: ``auto`` (the learned model if the package has
one, else the baseline), ``learned``, ``baseline``, or a path to an exported
model directory (``config.json`` inside) or a baseline ``.json.gz`` file.

>>> type(load_model("baseline")).__name__
'BaselineModel'
>>> load_model("no/such/model")
Traceback (most recent call last):
...
FileNotFoundError: no model named 'no/such/model': use auto, learned, baseline, \
an exported model directory or a baseline .json.gz file
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["LEARNED_DIR", "MODEL_CHOICES", "load_model", "describe"]

LEARNED_DIR = Path(__file__).resolve().parent / "data" / "model"
"""Where the package keeps its learned model (config.json, labels.json, ONNX file)."""

MODEL_CHOICES = ("auto", "learned", "baseline")


def load_model(name: str | Path = "auto", threads: int = 2):
    """Load the model ``name`` names (see the module docstring).

    ``threads`` bounds the learned model's intra-op threads (one per worker
    process or actor is right when several share a machine's cores).
    """
    from unstrip.baseline import DEFAULT_PATH, BaselineModel

    name = str(name)
    if name == "auto":
        name = "learned" if (LEARNED_DIR / "config.json").exists() else "baseline"
    if name == "baseline":
        return BaselineModel.load(DEFAULT_PATH)
    if name == "learned":
        return _load_onnx(LEARNED_DIR, threads)
    path = Path(name)
    if path.is_dir() and (path / "config.json").exists():
        return _load_onnx(path, threads)
    if path.is_file() and path.name.endswith(".json.gz"):
        return BaselineModel.load(path)
    raise FileNotFoundError(
        f"no model named {name!r}: use auto, learned, baseline, an exported model "
        "directory or a baseline .json.gz file"
    )


def _load_onnx(path: Path, threads: int = 2):
    from unstrip.learned import OnnxModel

    return OnnxModel.load(path, threads=threads)


def describe(model) -> str:
    """A short name for a loaded model, for reports.

    >>> describe(load_model("baseline"))
    'baseline (counts)'
    """
    config = getattr(model, "config", None)
    if isinstance(config, dict):
        return f"learned ({config.get('onnx', 'onnx')}, step {config.get('step', '?')})"
    return "baseline (counts)"
