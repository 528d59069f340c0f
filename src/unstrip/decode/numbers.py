"""Calibrated number marks: write a mark that changes a number's value only when it is likely right.

A restorer that writes ``rose 377 mln`` as ``rose 37.7 mln`` changes what the
text says, and the network's own confidence is a poor guide: in news its
value marks at confidence 0.9-1.0 are right only about 94% of the time. This
module scores each *number* (a run of ASCII digits) that the restoration
writes with a value mark (:func:`unstrip.decode.rules.value_marks`: a decimal
point, ``:``, ``-`` or ``/`` between digits, a ``%`` after them, a currency
sign before them) with a small logistic model, :class:`NumberTable`, whose
features are plain to read: the marks and the digits' shape (``$d.d``,
``2.1``), the words before and after (``mln``, ``pct``, ``cents``), which part
of the decoder wrote the mark (network heads, lexicon or word-context form,
another pass) and the decoder's confidence; and, since one number alone often
cannot say whether ``182 mln`` is ``18.2 mln``, the number's context
(:func:`number_features`): how the shape goes with the words around
(``shape.next=2.1|mln``), whether the numbers just before and after are written
with the same marks (``Revs 18.2 mln vs 14.2 mln``), and whether the document
writes other numbers with sure marks. A number whose probability of
being written exactly as in the gold is below the threshold loses all its
value marks and keeps its digits and any grouping comma (``$12.00`` ->
``1200``, ``1,200`` stays). Kept text never changes.

>>> table = NumberTable(bias=0.0, weights={"next=mln": -3.0, "next=pct": 2.0, "conf": 1.0})
>>> text = "rose 377 mln and 25 pct"
>>> ins = [""] * (len(text) + 1)
>>> ins[7], ins[18] = ".", "."          # 37.7 mln and 2.5 pct
>>> conf = [1.0] * len(ins); conf[7] = conf[18] = 0.8
>>> src = ["network"] * len(ins)
>>> out, c = calibrate_numbers(text, ins, conf, src, table, 0.5)
>>> out[7], out[18], c[18]
('', '.', 0.9673)

The table is built from restorations of the news corpora's train split by
:mod:`unstrip.train.number_table`; the threshold is the model's
``config.json`` ``"decoding"`` ``"number_probability"``. Fitted on news, the
table is surer of itself than it should be on other text (leave one news
source out and its value-mark precision at the threshold is 0.46-0.85,
``benchmarks/number_domains.py``): the restorer's number policy
(:mod:`unstrip.decode.number_policy`) decides which of the marks it keeps a
user sees.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from unstrip.decode.rules import value_marks

__all__ = ["NumberTable", "NUMBER_TABLE_PATH", "NUMBER_PROBABILITY", "number_units",
           "digit_gaps", "unit_features", "number_features", "mark_sources",
           "calibrate_numbers", "shipped_number_table"]

NUMBER_TABLE_PATH = Path(__file__).resolve().parents[1] / "data" / "number_table.json"

NUMBER_PROBABILITY = 0.83
"""Default calibrated probability below which a number loses its value marks
(a model's ``config.json`` ``"decoding"`` ``"number_probability"`` overrides
it). Chosen on the news ``tune`` documents (``benchmarks/number_safety.py
--method calibrated``, step-8,100 network, evenly spaced windows) as the value
with the best number value precision whose news micro-F1 is at most 0.003
below writing every mark: there 0.83 gave 0.968 / 0.252 / F1 -0.00282
(precision / recall / micro-F1 change). The shipped network (with a table
refitted on its restorations) keeps 0.83: at 0 (every mark) 0.682 / 0.546
/ 0.85262; 0.83: 0.932 / 0.340 / 0.84981 (-0.0028); 0.86: 0.942 / 0.317 /
0.84917 (-0.0035)."""


OTHER = "<other>"
"""The word of a ``prev=`` / ``next=`` / ``glued=`` feature the table does not name."""

_WORD = re.compile(r"[A-Za-z0-9]+")
_CAP = 4  # digit counts above this are one bucket
NEAR = 40
"""Characters between two digit runs within which one is the other's neighbour."""
SURE = 0.95
"""Confidence of a mark between digits that makes a number "sure" for the document features."""
DOC_RUNS = 5
"""Digit runs a text needs for the document features (a share of two numbers says little)."""


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return max(-4.0, min(6.0, math.log(p / (1 - p))))


_DIGITS = re.compile(r"[0-9]+")
"""A number: a run of ASCII digits."""


@dataclass(frozen=True)
class Unit:
    """One digit run ``text[start:end]`` and the value-marked gaps the restoration writes for it."""

    start: int
    end: int
    gaps: tuple[int, ...]
    """Gaps ``start .. end`` whose insertion holds a value mark."""


def number_units(text: str, insertions: Sequence[str]) -> list[Unit]:
    """The digit runs of ``text`` that ``insertions`` write with at least one value mark.

    >>> number_units("pay 1200 a year", [""] * 4 + ["$", "", "", "."] + [""] * 8)
    [Unit(start=4, end=8, gaps=(4, 7))]
    """
    out = []
    for m in _DIGITS.finditer(text):
        i, j = m.span()
        gaps = tuple(g for g in range(i, j + 1) if value_marks(text, g, insertions[g]))
        if gaps:
            out.append(Unit(i, j, gaps))
    return out


def digit_gaps(text: str) -> list[int]:
    """Every gap inside or at the edge of a run of ASCII digits: where a number's marks can be.

    >>> digit_gaps("pay 1200 or 5")
    [4, 5, 6, 7, 8, 12, 13]
    """
    return [g for m in _DIGITS.finditer(text) for g in range(m.start(), m.end() + 1)]


def _word_before(text: str, a: int) -> tuple[str, str]:
    """The word glued to the left of ``text[a]`` (``F`` of ``F16``) and the word before that."""
    k = a
    while k > 0 and text[k - 1].isalpha():
        k -= 1
    glued = text[k:a]
    words = _WORD.findall(text[max(0, k - 60):k])
    return glued, words[-1] if words else ""


def _word_after(text: str, b: int) -> tuple[str, str]:
    """The letters glued to the right of ``text[b - 1]`` (``pm`` of ``400pm``) and the next word."""
    k = b
    while k < len(text) and text[k].isalpha():
        k += 1
    words = _WORD.findall(text[k:k + 60])
    return text[b:k], words[0] if words else ""


def _word_feature(kind: str, word: str) -> str:
    if not word:
        return f"{kind}=<none>"
    if word.isdigit():
        return f"{kind}=<num>"
    return f"{kind}={word.lower()}"


def unit_features(text: str, insertions: Sequence[str], confidence: Sequence[float],
                  sources: Mapping[int, str] | Sequence[str], unit: Unit) -> dict[str, float]:
    """The features of one number :class:`Unit` (name -> value; most are 1).

    >>> text = "Profits rose 125 pct"
    >>> ins = [""] * (len(text) + 1); ins[15] = "."
    >>> conf = [1.0] * len(ins); conf[15] = 0.5
    >>> f = unit_features(text, ins, conf, ["lexicon"] * len(ins), number_units(text, ins)[0])
    >>> sorted(k for k in f if f[k] == 1)
    ['digits=3', 'next=pct', 'pattern=d.d', 'prev=rose', 'shape=2.1', 'src=lexicon']
    >>> f["conf"], f["conf_sign"]
    (0.0, 0.0)
    """
    a, b = unit.start, unit.end
    lead = value_marks(text, a, insertions[a])
    tail = value_marks(text, b, insertions[b])
    pattern, shape = [lead, "d"], [lead]
    seg = 1
    for g in range(a + 1, b):
        m = value_marks(text, g, insertions[g])
        if m:
            shape += [str(min(seg, _CAP)), m]
            pattern += [m, "d"]
            seg = 0
        seg += 1
    shape += [str(min(seg, _CAP)), tail]
    pattern.append(tail)
    f = {f"pattern={''.join(pattern)}": 1.0, f"shape={''.join(shape)}": 1.0,
         f"digits={min(b - a, 7)}": 1.0}
    if text[a] == "0" and b - a > 1:
        f["first0"] = 1.0
    glued, prev = _word_before(text, a)
    after, nxt = _word_after(text, b)
    if glued:
        f[_word_feature("glued", glued)] = 1.0
    else:
        f[_word_feature("prev", prev)] = 1.0
    if after:
        f[_word_feature("suffix", after)] = 1.0
    else:
        f[_word_feature("next", nxt)] = 1.0
    srcs = {sources[g] for g in unit.gaps}
    src = next(s for s in ("lexicon", "other", "network") if s in srcs)
    f[f"src={src}"] = 1.0
    inner = [confidence[g] for g in unit.gaps if a < g < b]
    signs = [confidence[g] for g in unit.gaps if g in (a, b)]
    f["conf"] = _logit(min(inner)) if inner else 0.0
    f["conf_sign"] = _logit(min(signs)) if signs else 0.0
    if src != "network":
        f[f"conf_{src}"] = f["conf"]
    return f


def _kept_word(f: Mapping[str, float], word: str, glued: str) -> str:
    """The value of ``f``'s ``word`` feature, else ``glued:`` and that of its ``glued`` one."""
    for k in f:
        kind, _, value = k.partition("=")
        if kind == word:
            return value
        if kind == glued:
            return f"{glued}:{value}"
    return "<none>"


def _marks_of(text: str, insertions: Sequence[str], start: int, end: int) -> str:
    """The value marks written for the digit run ``text[start:end]``, in order."""
    return "".join(value_marks(text, g, insertions[g]) for g in range(start, end + 1))


def number_features(text: str, insertions: Sequence[str], confidence: Sequence[float],
                    sources: Mapping[int, str] | Sequence[str],
                    units: Sequence[Unit] | None = None) -> list[dict[str, float]]:
    """The features of every value-marked number of ``text``: :func:`unit_features`, then
    its context.

    A number's own features cannot tell ``18.2 mln`` from ``182 mln``; its
    context often can. Added per number (of :func:`number_units` unless
    ``units`` is given):

    - crosses of its shape or pattern with the words around it:
      ``shape.next=2.1|mln``, ``shape.prev=2.1|rose``, ``pattern.prev=d.d|rose``
      (``suffix:pm`` / ``glued:f`` where a word is glued to the digits);
    - ``conf>=k`` for k = 0..5 where the logit of its least sure mark between
      digits reaches k (the confidence's weight need not be one straight line),
      and ``conf.pattern=`` / ``conf_sign.pattern=``: its confidences per pattern;
    - ``near_before=`` / ``near_after=``: the nearest digit run within
      :data:`NEAR` characters is ``none``, ``plain`` (no value mark), written
      with the ``same`` marks, or with ``other`` ones;
    - in a text of :data:`DOC_RUNS` digit runs or more, ``doc_marked``: the
      share of them written with a value mark; ``doc_sure_inner``: how many
      *other* numbers have a mark between digits at confidence :data:`SURE` or
      more (up to 5, over 5), and ``doc_no_sure_inner`` when none has; in a
      shorter one ``doc_few_numbers``.

    >>> text = "Revs 182 mln vs 142 mln in 1986, 1985, 1984"
    >>> ins = [""] * (len(text) + 1); ins[7] = ins[18] = "."
    >>> conf = [1.0] * len(ins); conf[7], conf[18] = 0.99, 0.7
    >>> first, second = number_features(text, ins, conf, ["network"] * len(ins))
    >>> first["shape.next=2.1|mln"], first["near_after=same"], second["near_after=plain"]
    (1.0, 1.0, 1.0)
    >>> first["doc_marked"], first["doc_no_sure_inner"], second["doc_sure_inner"]
    (0.4, 1.0, 0.2)
    >>> "doc_few_numbers" in number_features(text[:27], ins, conf, ["network"] * len(ins))[0]
    True
    >>> sorted(k for k in second if k.startswith("conf>="))
    ['conf>=0']
    """
    if units is None:
        units = number_units(text, insertions)
    runs = [m.span() for m in _DIGITS.finditer(text)]
    index = {a: i for i, (a, _) in enumerate(runs)}
    sure = [any(u.start < g < u.end and confidence[g] >= SURE for g in u.gaps) for u in units]
    n_sure = sum(sure)
    out = []
    for k, unit in enumerate(units):
        f = unit_features(text, insertions, confidence, sources, unit)
        pattern = next(x for x in f if x.startswith("pattern=")).partition("=")[2]
        shape = next(x for x in f if x.startswith("shape=")).partition("=")[2]
        prev = _kept_word(f, "prev", "glued")
        nxt = _kept_word(f, "next", "suffix")
        f[f"pattern.prev={pattern}|{prev}"] = 1.0
        f[f"shape.prev={shape}|{prev}"] = 1.0
        f[f"shape.next={shape}|{nxt}"] = 1.0
        if any(unit.start < g < unit.end for g in unit.gaps):
            for lo in range(6):
                if f["conf"] >= lo:
                    f[f"conf>={lo}"] = 1.0
        if f["conf"]:
            f[f"conf.pattern={pattern}"] = f["conf"]
        if f["conf_sign"]:
            f[f"conf_sign.pattern={pattern}"] = f["conf_sign"]
        mine = _marks_of(text, insertions, unit.start, unit.end)
        i = index[unit.start]
        for side, j in (("before", i - 1), ("after", i + 1)):
            near = "none"
            if 0 <= j < len(runs):
                a, b = runs[j]
                if (unit.start - b if j < i else a - unit.end) <= NEAR:
                    theirs = _marks_of(text, insertions, a, b)
                    near = "plain" if not theirs else "same" if theirs == mine else "other"
            f[f"near_{side}={near}"] = 1.0
        if len(runs) < DOC_RUNS:
            f["doc_few_numbers"] = 1.0
        else:
            f["doc_marked"] = round(len(units) / len(runs), 4)
            others = n_sure - sure[k]
            f["doc_sure_inner"] = min(others, 5) / 5
            if not others:
                f["doc_no_sure_inner"] = 1.0
        out.append(f)
    return out


def mark_sources(insertions: Sequence[str], confidence: Sequence[float],
                 network: Sequence[tuple[str, float]], inner: dict,
                 gaps: Iterable[int] | None = None) -> dict[int, str]:
    """Which part of the decoder wrote each gap's insertion: ``lexicon`` (a word's form from
    the lexicon or word-context table), ``network`` (the heads' choice) or ``other``;
    for ``gaps`` only where given (the decoder asks for :func:`digit_gaps`).

    >>> mark_sources([".", ".", ","], [0.9, 0.6, 0.5], [(".", 0.9), ("", 0.7), (",", 0.5)],
    ...              {1: (".", 0.6)})
    {0: 'network', 1: 'lexicon', 2: 'network'}
    """
    out = {}
    for g in range(len(insertions)) if gaps is None else gaps:
        if g in inner:
            out[g] = "lexicon"
        elif g < len(network) and network[g][1] == confidence[g] and insertions[g] in network[g][0]:
            out[g] = "network"
        else:
            out[g] = "other"
    return out


@dataclass(frozen=True)
class NumberTable:
    """A logistic model of "this number is written as in the gold": a bias and named weights.

    A feature the table does not name counts as its ``<other>`` word (``next=<other>``)
    for word features, and as nothing otherwise.
    """

    bias: float
    weights: dict[str, float] = field(default_factory=dict)
    meta: dict = field(default_factory=dict, compare=False)

    def score(self, features: dict[str, float]) -> float:
        """The log-odds that the number is right."""
        z = self.bias
        w = self.weights
        for k, v in features.items():
            if k in w:
                z += w[k] * v
            elif "=" in k and k.split("=", 1)[0] in ("prev", "next", "glued", "suffix"):
                z += w.get(k.split("=", 1)[0] + "=" + OTHER, 0.0) * v
        return z

    def probability(self, features: dict[str, float]) -> float:
        """The probability that the number is written as in the gold.

        >>> NumberTable(0.0, {"next=pct": 2.0}).probability({"next=pct": 1.0}) > 0.88
        True
        """
        return 1.0 / (1.0 + math.exp(-self.score(features)))

    @classmethod
    def load(cls, path: str | Path = NUMBER_TABLE_PATH) -> NumberTable:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(float(data["bias"]), {k: float(v) for k, v in data["weights"].items()},
                   data.get("meta", {}))

    def save(self, path: str | Path) -> None:
        data = {"bias": round(self.bias, 4),
                "weights": {k: round(v, 4) for k, v in sorted(self.weights.items())},
                "meta": self.meta}
        Path(path).write_text(json.dumps(data, indent=0) + "\n", encoding="utf-8")

    def __repr__(self) -> str:
        return f"NumberTable({len(self.weights)} weights)"


@functools.lru_cache(maxsize=1)
def shipped_number_table() -> NumberTable:
    """The package's number table, read once per process (it is never changed)."""
    return NumberTable.load(NUMBER_TABLE_PATH)


def calibrate_numbers(text: str, insertions: Sequence[str], confidence: Sequence[float],
                      sources: Mapping[int, str] | Sequence[str], table: NumberTable,
                      threshold: float) -> tuple[list[str], list[float]]:
    """Keep a number's value marks where the table's probability ``p`` reaches ``threshold``.

    ``p`` is the table's probability of the number's :func:`number_features`,
    all read from the restoration as it comes in (before any number loses
    its marks). Every value-marked gap of a number gets confidence ``p``; below the
    threshold the number loses all its value marks (the rest of each
    insertion stays) and those gaps get ``1 - p``. A threshold of 0 keeps
    every mark and only rescores it. Returns new insertions and confidences.
    """
    ins, conf = list(insertions), list(confidence)
    units = number_units(text, insertions)
    for unit, f in zip(units, number_features(text, insertions, confidence, sources, units),
                       strict=True):
        p = table.probability(f)
        for g in unit.gaps:
            if p >= threshold:
                conf[g] = round(p, 4)
            else:
                drop = value_marks(text, g, ins[g])
                ins[g] = "".join(ch for ch in ins[g] if ch not in drop)
                conf[g] = round(1.0 - p, 4)
    return ins, conf
