"""What is running, in words: package and model versions, the model's terms.

A user deciding whether to rely on a restoration, or whether they may ship
it in a product, needs three answers that the model files alone do not give
in words: which release of the code runs, which model it loads, and on what
terms that model may be used. This module gives them to ``unstrip
--version``, ``unstrip info`` and the service's ``/healthz``.

>>> model_version()
'en-2026.12.2'
>>> versions() == {"version": __version__, "model_version": "en-2026.12.2"}
True
>>> "non-commercial" in model_terms()
True

:func:`describe` says what a restorer will do with a text, in order;
internal settings appear only with ``verbose=True``:

>>> from unstrip.restorer import Restorer
>>> print(describe(Restorer("baseline")))  # doctest: +ELLIPSIS
unstrip 0.2.3
model: the count baseline: how often each mark followed and preceded ...
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from unstrip import __version__
from unstrip.decode.pipeline import PASSES
from unstrip.models import LEARNED_DIR

__all__ = ["PASS_DESCRIPTIONS", "describe", "model_terms", "model_version", "package_version",
           "version_line", "versions"]

MODEL_LICENSE = "MODEL_LICENSE.md"
"""The file beside the model's config.json that states its terms."""

UNVERSIONED = "unversioned"

PASS_DESCRIPTIONS = {
    "scores": "the network reads the text in overlapping windows of word pieces and scores "
              "the marks that may follow each piece or open each word, and each word's case",
    "pairing": "quotes and brackets are chosen together, so that each one opened is closed",
    "argmax": "every other gap takes its likeliest mark (often none)",
    "lexicon": "inside a word, the spellings seen in the training text decide "
               "(dont -> don't), by the neighbouring words where spellings differ "
               "(its / it's)",
    "lexicon-between": "a word cut into pieces gets its usual inner marks where the network "
                       "wrote none",
    "only-stripped": "anything the input could not have lost is removed from the insertions, "
                     "so every character you gave stays as it was",
    "recasing": "lowercased input gets its capitals back (nato -> NATO), from the network's "
                "casing scores and the known spellings of words",
    "acronyms": "an acronym after the words it stands for goes in brackets "
                "(Special Drawing Rights SDRs -> Special Drawing Rights (SDRs))",
    "initialisms": "an initialism written with inner periods gets its last one (p.m -> p.m.)",
    "numbers": "a mark that would change a number's value (a decimal point, %, a currency "
               "sign) is written only when the number policy allows it",
    "capitals": "lowercased input gets a capital after every sentence end written",
}
"""What each decoding pass does, for people (``unstrip info``)."""

_NUMBER_POLICIES = {
    "keep": "no mark that changes a number's value is written; grouping commas only",
    "safe": "a mark that changes a number's value is written only when it is likely right",
    "guess": "every number mark the network prefers is written",
}
_QUOTE_STYLES = {
    "auto": "one style per text: that of the quotes it kept, else that of most inserted",
    "straight": "straight quotes and apostrophes",
    "curly": "curly quotes and apostrophes",
    "asis": "each quote as the network chose it",
}


def package_version() -> str:
    """The version of the unstrip package that is running.

    >>> package_version() == __version__
    True
    """
    return __version__


def _config(model_dir: str | Path | None) -> dict:
    path = Path(model_dir or LEARNED_DIR) / "config.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def model_version(model_dir: str | Path | None = None) -> str:
    """The model's version (its ``config.json``'s ``"version"``), or ``unversioned``.

    The default is the model shipped in the package; a model you trained and
    exported yourself is unversioned until you give it one.

    >>> model_version("no/such/dir")
    'unversioned'
    """
    return version_of(_config(model_dir))


def version_of(config: dict) -> str:
    """The ``"version"`` of a model's config, or ``unversioned``.

    >>> version_of({"version": "en-2026.12"}), version_of({})
    ('en-2026.12', 'unversioned')
    """
    version = config.get("version")
    return str(version) if version else UNVERSIONED


def versions(model_dir: str | Path | None = None) -> dict[str, str]:
    """The package's and the model's versions, as ``/healthz`` reports them."""
    return {"version": package_version(), "model_version": model_version(model_dir)}


def version_line(model_dir: str | Path | None = None) -> str:
    """What ``unstrip --version`` prints.

    >>> version_line()  # doctest: +ELLIPSIS
    'unstrip 0.2.3, model en-2026.12.2 (non-commercial use only; see ...MODEL_LICENSE.md)'
    """
    path = Path(model_dir or LEARNED_DIR) / MODEL_LICENSE
    terms = f" ({_short_terms(path)}; see {path})" if path.exists() else ""
    return f"unstrip {package_version()}, model {model_version(model_dir)}{terms}"


def _short_terms(path: Path) -> str:
    """The licence file's ``Use:`` line (``non-commercial use only``)."""
    match = re.search(r"^\*\*Use:\*\*\s*(.+?)\.?\s*$", path.read_text(encoding="utf-8"), re.M)
    return match.group(1) if match else "terms in"


def model_terms(model_dir: str | Path | None = None) -> str:
    """The model's terms in a few sentences: the ``In short`` paragraph of the
    ``MODEL_LICENSE.md`` beside its ``config.json``.

    >>> print(model_terms("no/such/dir"))
    no MODEL_LICENSE.md beside this model: its terms are those of the text it was trained on
    """
    path = Path(model_dir or LEARNED_DIR) / MODEL_LICENSE
    if not path.exists():
        return (f"no {MODEL_LICENSE} beside this model: its terms are those of the text it "
                "was trained on")
    text = path.read_text(encoding="utf-8")
    match = re.search(r"^\*\*In short:\*\*\s*(.+?)(?:\n\s*\n|\Z)", text, re.M | re.S)
    short = match.group(1) if match else text.strip().split("\n\n")[0]
    return " ".join(short.split())


def _describe_pass(name: str, function) -> str:
    if name in PASS_DESCRIPTIONS:
        return PASS_DESCRIPTIONS[name]
    doc = (function.__doc__ or "").strip().split("\n\n")[0]
    return " ".join(re.sub(r":\w+:`~?([^`]+)`", r"\1", doc).split()) or name


def _is_shipped(config: dict) -> bool:
    return bool(config) and config == _config(None)


def describe(restorer, verbose: bool = False) -> str:
    """``unstrip info``: the versions, the model in words, its terms, and what
    the restorer does to a text, pass by pass; ``verbose`` adds the model's
    internal settings (window sizes, score shifts, thresholds).
    """
    model = restorer.model
    config = getattr(model, "config", None)
    lines = [f"unstrip {package_version()}"]
    if isinstance(config, dict):
        shipped = _is_shipped(config)
        version = config.get("version") or UNVERSIONED
        net = config.get("model", {})
        origin = "shipped in the package" if shipped else "loaded from a directory you named"
        steps = config.get("step")
        trained = f", trained for {steps:,} steps" if isinstance(steps, int) else ""
        lines.append(
            f"model: {version}, the learned network {origin}: a {net.get('layers', '?')}-layer "
            f"transformer encoder ({net.get('hidden', '?')} wide) that reads the text as "
            f"word pieces{trained}")
        lines.append("terms: " + (model_terms() if shipped else model_terms("no/such/dir")))
        lines.append("what it does to a text, in order:")
        lines += [f"  {k}. {name}: {_describe_pass(name, fn)}"
                  for k, (name, fn) in enumerate(PASSES, 1)]
    else:
        lines.append("model: the count baseline: how often each mark followed and preceded "
                     "each word in the training text, and the spellings seen for each word "
                     "(a yardstick, less accurate than the learned network)")
        lines.append("terms: the counts come from the same text as the shipped network's; "
                     + model_terms())
    lines.append(f"quotes: {restorer.quotes} ({_QUOTE_STYLES.get(restorer.quotes, '')})")
    numbers = getattr(restorer, "numbers", "safe")
    lines.append(f"numbers: {numbers} ({_NUMBER_POLICIES.get(numbers, '')})")
    vocab = list(getattr(restorer, "vocab", ()) or ())
    lines.append("vocabulary: " + (f"{len(vocab)} words of yours"
                                   if vocab else "none given"))
    lines.append("kept text: every character of the input stays; only marks, line breaks "
                 "and capitals are added")
    if verbose:
        lines.append("internal settings:")
        inner = model.describe() if hasattr(model, "describe") else ""
        lines += [f"  {line}" for line in str(inner).splitlines() if line.strip()]
        if isinstance(config, dict):
            lines.append(f"  onnx: {config.get('onnx')}; init: {config.get('init')}")
    return "\n".join(lines)
