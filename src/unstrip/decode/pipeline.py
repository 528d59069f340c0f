"""The learned restorer's decoder: a network's scores in, insertions and casing out.

A network says, per word piece, how likely each insertion is; what is written
also depends on how those scores are decoded: shifted logits for a profile,
quotes and brackets chosen so that they pair, acronyms bracketed,
number-changing marks held back when unsure.

- :class:`DecodeConfig` holds every such setting as one frozen value (change
  it with :func:`dataclasses.replace`), read once from a model's
  ``config.json`` ``"decoding"`` by :meth:`DecodeConfig.from_config`;
- :class:`Decoder` runs any network with ``run(ids, shapes, mask)`` (the ONNX
  runner :class:`unstrip.network.onnx_model.OnnxNetwork`, or the PyTorch
  network while training) over windows of word pieces, then the passes of
  :data:`PASSES` in order; ``predict(text, skip=("acronyms",))`` leaves
  one out for that call.

The defaults are the decoding used while training (plain argmax, no extra
passes); an exported model turns the passes on unless its config says not to:

>>> plain = DecodeConfig()
>>> plain.pairing is None, plain.number_confidence, plain.describe()[:2]
(True, 0.0, ['after_bias: none', 'pairing: off'])
>>> shipped = DecodeConfig.from_config({"decoding": {"acronyms": False}}, ["", '"'], [""])
>>> shipped.acronyms, shipped.initialisms, shipped.number_confidence
(False, True, 0.65)
>>> from dataclasses import replace
>>> replace(shipped, acronyms=True).acronyms
True
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from itertools import compress
from operator import ne

import numpy as np

from unstrip.decode.acronyms import bracket_acronyms, initialism_periods
from unstrip.decode.heads import apply_case, split_region
from unstrip.decode.inner import inner_and_between, inner_insertions
from unstrip.decode.lexicon import (
    choose_form,
    known_case,
    letter_counts,
    mixed_case,
    read_lexicon,
)
from unstrip.decode.numbers import (
    NUMBER_PROBABILITY,
    NUMBER_TABLE_PATH,
    NumberTable,
    calibrate_numbers,
    digit_gaps,
    mark_sources,
    shipped_number_table,
)
from unstrip.decode.prediction import (
    Prediction,
    capitalise_sentences,
    strip_seed_complement,
    strip_seed_complements,
)
from unstrip.decode.rules import (
    mark_moves,
    number_safe,
    pair_marks,
    sentence_capitals,
    transition_groups,
)
from unstrip.decode.wordcontext import WORD_CONTEXT_PATH, WordContext
from unstrip.network.labels import LabelSet
from unstrip.network.wordpieces import WordPieces, window_spans, window_weights
from unstrip.text.profiles import seed as strip_seed
from unstrip.text.tokens import pieces

__all__ = [
    "CASE_FALLBACK",
    "NUMBER_CONFIDENCE",
    "NUMBER_SIGN_CONFIDENCE",
    "PASSES",
    "REQUIRED",
    "DecodeConfig",
    "DecodeState",
    "Decoder",
]


CASE_FALLBACK = 0.7
"""Below this casing-head confidence a word piece is cased as without the head.

Only for networks with a casing head: where the head is unsure, the piece
takes the casing of :meth:`Decoder._recase`
(the lexicon's form, and a capital at sentence starts). Measured with the
shipped step-1400 model on 60 dev documents (the last 60 in id-hash order),
lower profile: casing accuracy 0.9598 / 0.9600 / 0.9602 / 0.9551 / 0.9501 and
F1 on cased words 0.843 / 0.845 / 0.851 / 0.840 / 0.825 with the fallback
below 0 (never) / 0.5 / 0.7 / 0.9 / 0.95. Whatever the head says, the text's
first letter is a capital (:attr:`DecodeConfig.sentence_starts`)."""


ARTIFACT_LABEL = re.compile(r"[.?!…][\"”’)\]]*-(?!-)")
"""An ``after`` label that is an artifact of the training text, never chosen:
a sentence end glued to a single hyphen (``.-``, ``."-``). One news corpus
(``newsarticles``, 583 times) wrote its paragraph breaks as ``-``
(``a state.-The group``), and a network that learned it writes ``said.-There``
where ``said.\n\nThere`` was meant. ``--`` (a dash) is not matched.

>>> [bool(ARTIFACT_LABEL.search(s)) for s in (".-", '."-', ".--", ".\n\n", "-", ".\n\n--")]
[True, True, False, False, False, False]
"""


NUMBER_CONFIDENCE = 0.65
"""The :attr:`DecodeConfig.number_confidence` of a model whose ``config.json`` does not say.

Chosen on the news ``tune`` documents (:func:`unstrip.evaluate.evalsets.documents`,
``seed`` profile) with ``benchmarks/number_safety.py``, with
:data:`NUMBER_SIGN_CONFIDENCE`: the pair with the best number value
precision whose news micro-F1 is at most 0.003 below writing every mark."""

NUMBER_SIGN_CONFIDENCE = 0.9
"""The :attr:`DecodeConfig.number_sign_confidence` of a model whose ``config.json``
does not say (chosen with :data:`NUMBER_CONFIDENCE`)."""


@functools.lru_cache(maxsize=1)
def shipped_word_context() -> WordContext:
    """The package's word-context table, read once per process."""
    return WordContext.load(WORD_CONTEXT_PATH)


@dataclass(frozen=True)
class DecodeConfig:
    """How a network's scores become insertions and casing; defaults: as while training."""

    after_bias: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    """Logit shifts for the ``after`` head, per profile (``seed`` for cased
    input, ``lower`` for lowercased) and family of labels: key ``","`` shifts
    every label that starts with a comma, key ``""`` the empty label alone.
    Chosen per model on dev documents by ``unstrip calibrate``
    (:mod:`unstrip.train.calibrate`) and kept in the model's ``config.json``;
    empty means plain argmax."""

    pairing: tuple[list, list] | None = field(default=None, repr=False)
    """The pairing groups of the ``after`` and ``before`` labels
    (:func:`unstrip.decode.rules.transition_groups`): with them, quotes and
    brackets are chosen jointly over the text; None takes every label on its
    own, as while training."""

    pair_min: float = 0.01
    """A quote or bracket label at least this probable is weighed by the pairing."""

    quote_boost: float = 1.0
    """Odds factor for a label with quotes in the pairing (above 1: more quotations)."""

    bracket_boost: float = 1.0
    """Odds factor for a label with brackets in the pairing."""

    pair_edge: float = 3.0
    """Log-probability cost of a window that starts or ends inside a quotation."""

    word_context: WordContext | None = field(default=None, repr=False)
    """A :class:`unstrip.decode.wordcontext.WordContext` that chooses a word's
    in-piece marks by its neighbours, or None (the lexicon alone)."""

    mixed_case: bool = False
    """Whether lowercased input takes the lexicon's mixed case for a word the
    casing head wrote lowercase or capitalised (``mcdonald`` -> ``McDonald``,
    ``ipod`` -> ``iPod``; :func:`unstrip.decode.lexicon.mixed_case`), and the
    lexicon's casing for a word the head cased into a form the lexicon never
    writes (``AID|s`` -> ``AIDS``, not ``AIDs``; ``Bmw`` -> ``BMW``; ``ABSA``
    -> ``Absa``; :func:`unstrip.decode.lexicon.known_case`), except a capital the
    lexicon has not seen at a sentence start."""

    acronyms: bool = False
    """Whether an acronym that follows its expansion goes in brackets
    (:func:`unstrip.decode.acronyms.bracket_acronyms`: ``Special Drawing Rights (SDRs)``)."""

    initialisms: bool = False
    """Whether an initialism written with inner periods gets its final one
    (:func:`unstrip.decode.acronyms.initialism_periods`: ``3 p.m. on``)."""

    number_confidence: float = 0.0
    """Confidence below which a mark that changes a number's value is not
    written between its digits (:func:`unstrip.decode.rules.number_safe`: a
    decimal point, ``:``, ``-`` or ``/``), whichever part decided it: the
    network's heads, the lexicon or the word-context table. 0 writes every
    such mark (as while training); a loaded model takes ``config.json``
    ``"decoding"`` ``"number_confidence"``, else :data:`NUMBER_CONFIDENCE`."""

    number_sign_confidence: float = 0.0
    """The same for a ``%`` after a number or a currency sign before one
    (``"number_sign_confidence"``, else :data:`NUMBER_SIGN_CONFIDENCE`)."""

    number_table: NumberTable | None = None
    """A :class:`unstrip.decode.numbers.NumberTable` that scores each number
    written with a value mark; where set, it replaces the two confidence
    thresholds above (:func:`unstrip.decode.numbers.calibrate_numbers`).
    A loaded model takes the shipped table unless ``"number_table": false``."""

    number_probability: float = 0.0
    """The table's probability below which a number loses its value marks
    (``"number_probability"``, else :data:`unstrip.decode.numbers.NUMBER_PROBABILITY`)."""

    block_artifacts: bool = False
    """Whether the ``after`` labels of :data:`ARTIFACT_LABEL` are never chosen
    (a loaded model: unless ``config.json`` says ``"block_artifacts": false``)."""

    case_fallback: float = CASE_FALLBACK
    """Casing-head confidence below which a piece is cased as without the head
    (:data:`CASE_FALLBACK`)."""

    sentence_starts: str = "all"
    """Capitals the casing head cannot veto: ``text`` (the first letter of the
    text; windows rarely start where a text does, so the head is unsure
    there), ``all`` (also every word after a sentence end the restoration
    writes, :func:`unstrip.decode.rules.sentence_capitals`, so that no period is
    followed by a lowercase word) or ``none``. On the 60 documents of
    :data:`CASE_FALLBACK`: cased-word F1 0.8508 / 0.8511 for none / text; on
    lowercased dev documents 301-500 casing accuracy 0.9690 for ``text``,
    0.9685 for ``all``, the price of consistent output."""

    @classmethod
    def from_config(
        cls, config: Mapping, after_labels: list[str], before_labels: list[str]
    ) -> DecodeConfig:
        """The decoding an exported model's ``config.json`` asks for (``config["decoding"]``).

        Every pass is on unless the config turns it off; the word-context
        and number tables are the package's shipped ones (skipped where they
        are absent). The label lists give the pairing groups. A ``questions``
        key, which configs of the question classifier's time carry, is
        ignored: the network writes question marks itself.
        """
        decoding = config.get("decoding", {})
        pairing = None
        if decoding.get("pairing", True):
            pairing = (transition_groups(after_labels, before=False),
                       transition_groups(before_labels, before=True))
        word_context = None
        if decoding.get("word_context", True) and WORD_CONTEXT_PATH.exists():
            word_context = shipped_word_context()
        return cls(
            after_bias=dict(decoding.get("after_bias", {})),
            pairing=pairing,
            quote_boost=float(decoding.get("quote_boost", 1.0)) if pairing else 1.0,
            bracket_boost=float(decoding.get("bracket_boost", 1.0)) if pairing else 1.0,
            word_context=word_context,
            mixed_case=bool(decoding.get("mixed_case", True)),
            acronyms=bool(decoding.get("acronyms", True)),
            initialisms=bool(decoding.get("initialisms", True)),
            number_confidence=float(decoding.get("number_confidence", NUMBER_CONFIDENCE)),
            number_sign_confidence=float(
                decoding.get("number_sign_confidence", NUMBER_SIGN_CONFIDENCE)),
            number_table=shipped_number_table() if decoding.get("number_table", True)
            and NUMBER_TABLE_PATH.exists() else None,
            number_probability=float(decoding.get("number_probability", NUMBER_PROBABILITY)),
            block_artifacts=bool(decoding.get("block_artifacts", True)),
        )

    def describe(self) -> list[str]:
        """One ``name: value`` line per setting (tables and classifiers as on / off).

        >>> DecodeConfig(after_bias={"lower": {"": -0.5}}).describe()[0]
        "after_bias: {'lower': {'': -0.5}}"
        """
        lines = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "after_bias":
                shown = repr(dict(value)) if any(value.values()) else "none"
            elif f.name in ("pairing", "word_context"):
                shown = "off" if value is None else "on"
            else:
                shown = repr(value)
            lines.append(f"{f.name}: {shown}")
        return lines

    def __repr__(self) -> str:
        return "DecodeConfig(" + ", ".join(
            line.replace(": ", "=", 1) for line in self.describe()) + ")"


LEXICON_SURE = 0.9
"""Share of the counts at which the lexicon fills an in-word gap the network left empty."""

ACRONYM_CONFIDENCE = 0.67
"""Confidence given to the brackets of :func:`unstrip.decode.acronyms.bracket_acronyms`:
the share of such acronyms bracketed in the gold of dev documents 201 onwards."""


def _setting(name: str) -> property:
    """A model attribute that reads ``self.decoding.<name>``; setting it replaces
    :attr:`Decoder.decoding` by a copy with the new value."""

    def get(self):
        return getattr(self.decoding, name)

    def put(self, value) -> None:
        self.decoding = replace(self.decoding, **{name: value})

    return property(get, put, doc=f"``decoding.{name}`` (:class:`DecodeConfig`).")


class Decoder:
    """Turns a network's per-piece logits into a :class:`~unstrip.decode.prediction.Prediction`.

    ``network`` has ``run(ids, shapes, mask)`` on ``(batch, time)`` int64
    arrays, returning the ``after`` and ``before`` logits as numpy arrays, and
    the ``case`` logits third when the network has a casing head
    (:class:`unstrip.network.onnx_model.OnnxNetwork`, or the PyTorch network
    while training); a subclass may instead override :meth:`_run`.
    ``window`` counts the ``[CLS]`` and ``[SEP]`` tokens; two windows share
    at least ``overlap`` pieces, or ``lower_overlap`` in lowercased input
    (default: ``overlap``), and a piece read by several takes their
    average (:meth:`_scores`); one call of the network runs at most
    ``batch_size`` windows (its memory grows with them). ``decoding`` is the
    :class:`DecodeConfig` (default: as while training).
    """

    def __init__(
        self,
        network,
        wordpieces: WordPieces,
        after: LabelSet,
        before: LabelSet,
        lexicon: dict[str, dict[str, int]] | None = None,
        window: int = 256,
        overlap: int = 32,
        batch_size: int = 10,
        decoding: DecodeConfig | None = None,
        lower_overlap: int | None = None,
    ):
        self.network = network
        self.wp = wordpieces
        self.after_labels = after
        self.before_labels = before
        self.lexicon = read_lexicon() if lexicon is None else lexicon
        self.window = window
        self.overlap = overlap
        self.lower_overlap = overlap if lower_overlap is None else lower_overlap
        self.batch_size = batch_size
        if decoding is not None:
            self.decoding = decoding

    decoding: DecodeConfig = DecodeConfig()
    """The decoding settings (:class:`unstrip.decode.pipeline.DecodeConfig`);
    the defaults decode as while training. Each setting also reads (and, by
    :func:`dataclasses.replace` on :attr:`decoding`, sets) as an attribute of
    the model of the same name."""

    after_bias = _setting("after_bias")
    pairing = _setting("pairing")
    pair_min = _setting("pair_min")
    quote_boost = _setting("quote_boost")
    bracket_boost = _setting("bracket_boost")
    pair_edge = _setting("pair_edge")
    word_context = _setting("word_context")
    mixed_case = _setting("mixed_case")
    acronyms = _setting("acronyms")
    initialisms = _setting("initialisms")
    number_confidence = _setting("number_confidence")
    number_sign_confidence = _setting("number_sign_confidence")
    number_table = _setting("number_table")
    number_probability = _setting("number_probability")
    block_artifacts = _setting("block_artifacts")
    case_fallback = _setting("case_fallback")
    sentence_starts = _setting("sentence_starts")

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(after={len(self.after_labels)} labels, "
                f"before={len(self.before_labels)} labels, window={self.window}, "
                f"decoding={self.decoding!r})")

    def describe(self) -> str:
        """The network's windows (pieces, and the least overlap between two), the
        model's decoding settings, one per line (:meth:`DecodeConfig.describe`),
        then the passes :meth:`predict` runs, in order (:data:`PASSES`)."""
        lower = (f" ({self.lower_overlap} in lowercased input)"
                 if self.lower_overlap != self.overlap else "")
        return "\n".join([f"windows: {self.window} pieces, overlap {self.overlap}{lower}",
                          *self.decoding.describe(),
                          "passes: " + ", ".join(name for name, _ in PASSES)])

    def _run(self, ids: np.ndarray, shapes: np.ndarray, mask: np.ndarray):
        """The network's logits per head for one batch of windows."""
        if self.network is None:
            raise NotImplementedError("pass a network, or override _run")
        return self.network.run(ids, shapes, mask)

    def bias_vector(self, cased: bool) -> np.ndarray | None:
        """The ``after`` logit shifts for cased or lowercased input, or None.

        >>> m = Decoder(None, WordPieces.load(), LabelSet(["", ",", ",)", "."]),
        ...             LabelSet([""]), lexicon={})
        >>> m.after_bias = {"seed": {",": 0.5, "": -0.25}}
        >>> m.bias_vector(True).tolist(), m.bias_vector(False)
        ([-0.25, 0.5, 0.5, 0.0], None)
        """
        shifts = self.after_bias.get("seed" if cased else "lower") or {}
        blocked = [i for i, label in enumerate(self.after_labels.labels)
                   if self.block_artifacts and ARTIFACT_LABEL.search(label)]
        if not any(shifts.values()) and not blocked:
            return None
        vec = np.zeros(len(self.after_labels), dtype=np.float32)
        for i, label in enumerate(self.after_labels.labels):
            vec[i] = shifts.get(label[:1], 0.0)
        vec[blocked] = -1e4
        return vec

    def _scores(self, ids: np.ndarray, shapes: np.ndarray, after_bias: np.ndarray | None = None,
                overlap: int | None = None):
        """Best label and its probability, per word piece and head (2 or 3 heads).

        The pieces are read in windows that share at least ``overlap`` pieces
        (default: :attr:`overlap`); a piece's log-probabilities are averaged
        over the windows that read it, each weighted by how centrally it sits
        there (:func:`~unstrip.network.wordpieces.window_weights`). On
        lowercased TED talks a wide overlap pays: each piece read twice
        (128 of 256) raised IWSLT blocks 1-5 from 70.0 to 70.5
        (:attr:`lower_overlap`). ``after_bias`` is added to the ``after``
        scores before the choice (:meth:`bias_vector`)."""
        n = len(ids)
        body = self.window - 2
        spans = window_spans(n, body, self.overlap if overlap is None else overlap)
        weights = window_weights(spans, n)
        merged: list[np.ndarray] = []
        for b0, b1 in _even_batches(len(spans), self.batch_size):
            batch = spans[b0:b1]
            t = max(b - a for a, b in batch) + 2
            x = np.full((len(batch), t), self.wp.pad_id, dtype=np.int64)
            s = np.zeros((len(batch), t), dtype=np.int64)
            m = np.zeros((len(batch), t), dtype=np.int64)
            for r, (a, b) in enumerate(batch):
                k = b - a
                x[r, 0], x[r, 1 : k + 1], x[r, k + 1] = self.wp.cls_id, ids[a:b], self.wp.sep_id
                s[r, 1 : k + 1] = shapes[a:b]
                m[r, : k + 2] = 1
            heads = self._run(x, s, m)
            if not merged:
                merged = [np.zeros((n, h.shape[-1]), dtype=np.float64) for h in heads]
            for r, (a, b) in enumerate(batch):
                w = weights[b0 + r][:, None]
                for acc, h in zip(merged, heads, strict=True):
                    acc[a:b] += w * _log_softmax(h[r, 1 : b - a + 1])
        if after_bias is not None:
            merged[0] += after_bias
        paired = len(self.pairing or ())
        out = [_by_rows(_group_best, merged[h], groups)
               for h, groups in enumerate(self.pairing or ())]
        return out + [_by_rows(_best, h) for h in merged[paired:]]

    def predict(self, text: str, cased: bool = True, pairs: Counter | None = None,
                skip: Iterable[str] = ()) -> Prediction:
        """Predict the insertion at every gap of stripped ``text``.

        ``cased=False`` takes the input as lowercased: insertions are
        predicted all the same, and casing comes from the network's casing
        head if it has one (:meth:`_recase_head`), else from the lexicon and
        sentence starts (:meth:`_recase`). ``pairs`` counts the neighbouring
        words of the whole document ``text`` comes from
        (:func:`unstrip.decode.wordcontext.text_pairs`; default: of ``text``).
        The passes of :data:`PASSES` run in order, except those named in
        ``skip`` (:data:`REQUIRED` ones cannot be skipped); the prediction's
        ``passes`` names, per gap, the last pass that changed the insertion
        there, and ``case_passes``, per character, the last that changed its case.
        """
        skip = frozenset(skip)
        unknown = skip - {name for name, _ in PASSES}
        if unknown:
            raise ValueError(f"no decoding pass named {sorted(unknown)}; "
                             f"the passes: {', '.join(name for name, _ in PASSES)}")
        if skip & REQUIRED:
            raise ValueError(f"the passes {sorted(skip & REQUIRED)} cannot be skipped")
        n = len(text)
        ins = [""] * (n + 1)
        conf = [1.0] * (n + 1)
        enc = self.wp.encode(text)
        if not len(enc):
            return Prediction(ins, conf, text, passes=[""] * (n + 1), case_passes=[""] * n)
        state = DecodeState(text, cased, pairs, enc, ins, conf, kept=text)
        by, case_by = [""] * (n + 1), [""] * n
        for name, step in PASSES:
            if name not in skip:
                before, kept = list(state.ins), state.kept
                step(self, state)
                _record(by, before, state.ins, name)
                _record(case_by, kept, state.kept, name)
        return Prediction(state.ins, state.conf, state.kept, state.case_conf, by, case_by)

    def _pair(self, enc, after: tuple, before: tuple) -> tuple[tuple, tuple]:
        """Re-choose the ``after`` and ``before`` labels so that quotes and brackets pair up.

        Every gap where a label of another pairing group than the identity
        (:func:`unstrip.decode.rules.transition_groups`) is the best or has
        probability at least :attr:`pair_min` becomes a step of
        :func:`unstrip.decode.rules.pair_marks`; the best label of the chosen
        group replaces the argmax there. Returns the heads' ``(idx, prob)``.
        """
        steps, where = [], []
        region = enc.region.tolist()
        boosts = [[self._boost(h, g) for g in range(len(groups))]
                  for h, groups in enumerate(self.pairing)]
        pair_min, pairing = self.pair_min, self.pairing
        # Only gaps where a quote or bracket is the best or probable enough matter.
        weigh = np.zeros(len(enc), dtype=bool)
        for h, head in ((0, after), (1, before)):
            idx, _, g_idx, g_prob = head
            mask = (g_prob[:, 1:] >= pair_min).any(1) | (g_idx[:, 0] != idx)
            weigh |= mask & (enc.region >= 0) if h == 1 else mask
        rows = np.flatnonzero(weigh)
        # The weighed rows as Python lists: read per group, numpy scalars cost more.
        rows_of = [(head[0][rows].tolist(), head[2][rows].tolist(), head[3][rows].tolist())
                   for head in (after, before)]
        for r, i in enumerate(rows.tolist()):
            for h in (1, 0):
                if h == 1 and region[i] < 0:
                    continue
                idx, g_idx, g_prob = rows_of[h]
                best, ks, ps = idx[r], g_idx[r], g_prob[r]
                options, labels = [], []
                for g, (trans, _) in enumerate(pairing[h]):
                    p = ps[g]
                    k = ks[g]
                    if g == 0 or k == best or p >= pair_min:
                        options.append((trans, p * boosts[h][g]))
                        labels.append((k, p))
                if len(options) > 1:
                    steps.append(options)
                    where.append((h, i, labels))
        a_idx, a_p = after[0].copy(), after[1].copy()
        b_idx, b_p = before[0].copy(), before[1].copy()
        for (h, i, labels), o in zip(where, pair_marks(steps, self.pair_edge), strict=True):
            idx, prob = (a_idx, a_p) if h == 0 else (b_idx, b_p)
            idx[i], prob[i] = labels[o]
        return (a_idx, a_p), (b_idx, b_p)

    def _boost(self, head: int, group: int) -> float:
        """The odds factor of pairing group ``group`` of head ``head`` (0 after, 1 before)."""
        trans, ids = self.pairing[head][group]
        label = (self.after_labels if head == 0 else self.before_labels).labels[ids[0]]
        kinds = {kind for kind, _ in mark_moves(label, before=head == 1)}
        return ((self.quote_boost if "q" in kinds else 1.0)
                * (self.bracket_boost if "p" in kinds else 1.0))

    def _letter_counts(self, word: str) -> dict[str, int]:
        """``unstrip.decode.lexicon.letter_counts`` of ``word``, kept for the next time asked.

        The cache belongs to the lexicon it was filled from; another lexicon
        starts a new one.
        """
        key = word.lower()
        owner, cache = self.__dict__.get("_case_cache", (None, None))
        if owner is not self.lexicon or cache is None:
            cache = {}
            self.__dict__["_case_cache"] = (self.lexicon, cache)
        counts = cache.get(key)
        if counts is None:
            if len(cache) >= 100_000:
                cache.clear()
            counts = cache[key] = letter_counts(self.lexicon, key)
        return counts

    def _recase(self, text: str, ins: list[str]) -> str:
        """Casing for lowercased input: lexicon forms, then sentence starts."""
        kept = list(text)
        plist = list(pieces(text))
        for p in plist:
            form, _ = choose_form(self.lexicon, p.text, cased=False)
            letters = strip_seed(form)
            kept[p.start : p.end] = [
                f if f.lower() == c else c for f, c in zip(letters, p.text, strict=True)
            ]
        capitalise_sentences(text, ins, kept, plist)
        return "".join(kept)


    def _recase_head(
        self, enc, ins: list[str], cls: np.ndarray, prob: np.ndarray
    ) -> tuple[str, list[float]]:
        """Casing for lowercased input from the casing head, and its probability per character.

        Each word piece is written in the class the head chose (``mixed``
        takes the lexicon's form of the word, if it has one that fits).
        Where the head's confidence is below :attr:`case_fallback`, the piece
        is cased as without the head (:meth:`_recase`: lexicon form, capital
        at a sentence start).
        """
        text = enc.text
        kept = list(text)
        case_conf = [1.0] * len(text)
        plist = list(pieces(text))
        forms: dict[int, str] = {}
        fallback: str | None = None
        for i, (s, e, c, p) in enumerate(
            zip(enc.starts.tolist(), enc.ends.tolist(), cls.tolist(), prob.tolist(),
                strict=True)
        ):
            case_conf[s:e] = [round(p, 4)] * (e - s)
            if p < self.case_fallback:
                if fallback is None:
                    fallback = self._recase(text, ins)
                kept[s:e] = fallback[s:e]
                continue
            form = None
            if c == 3:
                w = int(enc.word[i])
                if w not in forms:
                    word = plist[w]
                    letters = strip_seed(choose_form(self.lexicon, word.text, cased=False)[0])
                    forms[w] = letters if len(letters) == len(word.text) else word.text
                off = plist[w].start
                form = forms[w][s - off : e - off]
            kept[s:e] = apply_case(text[s:e], c, form)
        if self.mixed_case:
            for p in plist:
                here = "".join(kept[p.start : p.end])
                counts = self._letter_counts(p.text)
                title = here[:1].isupper() and here[1:].islower()
                form = (mixed_case(self.lexicon, p.text, counts=counts)
                        if here.islower() or title else None)
                if form is None:
                    form = known_case(self.lexicon, p.text, here, counts=counts)
                    if form is not None and title and form.islower():
                        form = None  # a sentence start the lexicon has not seen
                if form is not None:
                    kept[p.start : p.end] = form
        # "all" also capitalises after sentence ends, once the insertions are
        # final (:meth:`predict`).
        if self.sentence_starts != "none" and plist and kept[plist[0].start].isalpha():
            kept[plist[0].start] = kept[plist[0].start].upper()
        return "".join(kept), case_conf


def _record(by: list[str], before, after, name: str) -> None:
    """Name ``name`` in ``by`` at every index where ``after`` differs from ``before``.

    >>> by = ["", "", ""]
    >>> _record(by, ["", ".", ","], ["'", ".", ""], "lexicon"); by
    ['lexicon', '', 'lexicon']
    """
    if before != after:
        for i in compress(range(len(by)), map(ne, before, after)):
            by[i] = name


def _group_best(logits: np.ndarray, groups: list) -> tuple[np.ndarray, ...]:
    """Per position: the argmax and its probability (as :func:`_best`), then the best
    label id of each group and its softmax probability."""
    logits = logits.astype(np.float64)
    prob = np.exp(logits - logits.max(-1, keepdims=True))
    prob /= prob.sum(-1, keepdims=True)
    idx = prob.argmax(-1)
    g_idx = np.empty((len(prob), len(groups)), dtype=np.int64)
    g_prob = np.empty((len(prob), len(groups)), dtype=np.float64)
    for g, (_, ids) in enumerate(groups):
        sub = prob[:, ids]
        arg = sub.argmax(-1)
        g_idx[:, g] = np.asarray(ids)[arg]
        g_prob[:, g] = sub[np.arange(len(sub)), arg]
    return idx, prob[np.arange(len(prob)), idx], g_idx, g_prob


def _by_rows(choose, scores: np.ndarray, *args, rows: int = 256) -> tuple[np.ndarray, ...]:
    """``choose(scores, *args)`` (:func:`_best`, :func:`_group_best`) a few hundred rows at
    a time, its arrays joined: the same result, without float64 copies of the scores of
    a whole text at once.

    >>> x = np.array([[0.0, 1.0], [2.0, 0.0], [0.0, 0.0]])
    >>> [a.tolist() for a in _by_rows(_best, x, rows=2)] == [a.tolist() for a in _best(x)]
    True
    """
    parts = [choose(scores[i : i + rows], *args) for i in range(0, len(scores), rows)]
    return tuple(np.concatenate(col) for col in zip(*parts, strict=True))


def _even_batches(n: int, most: int) -> list[tuple[int, int]]:
    """Cut ``n`` windows into as few batches of at most ``most`` as can be, all of
    about one size: onnxruntime's memory grows with the largest batch.

    >>> _even_batches(15, 10), _even_batches(9, 10), _even_batches(0, 10)
    ([(0, 7), (7, 15)], [(0, 9)], [])
    """
    k = -(-n // most)
    bounds = [(j * n) // k for j in range(k + 1)] if k else []
    return list(zip(bounds, bounds[1:], strict=False))


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    """Log-probabilities along the last axis, in float64.

    >>> np.exp(_log_softmax(np.array([[0.0, np.log(3.0)]]))).round(3).tolist()
    [[0.25, 0.75]]
    """
    z = logits.astype(np.float64)
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def _best(logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Argmax and its softmax probability along the last axis."""
    logits = logits.astype(np.float64)
    idx = logits.argmax(-1)
    top = np.take_along_axis(logits, idx[..., None], -1)
    return idx, 1.0 / np.exp(logits - top).sum(-1)


@dataclass
class DecodeState:
    """What the passes of :data:`PASSES` read and write for one text."""

    text: str
    cased: bool
    pairs: Counter | None
    enc: object
    """The word pieces of ``text`` (:class:`unstrip.network.wordpieces.Encoded`)."""
    ins: list[str]
    """The insertion at every gap so far."""
    conf: list[float]
    """Its confidence."""
    kept: str
    """The kept characters as written (recased for lowercased input)."""
    heads: list = field(default_factory=list)
    """Per head, the best label and its probability per piece (:meth:`Decoder._scores`)."""
    network: list = field(default_factory=list)
    """``(insertion, confidence)`` per gap as the network's heads chose them."""
    inner: dict = field(default_factory=dict)
    """The lexicon's insertions inside word pieces, by gap."""
    between: dict | None = None
    """The lexicon's sure insertions between the pieces of a word, by gap, as
    :func:`pass_lexicon` found them in the same walk (None: not found yet)."""
    case_conf: list[float] | None = None


def pass_scores(dec: Decoder, st: DecodeState) -> None:
    """The network's scores per head, with the model's logit shifts for the profile.

    ``after_bias`` ``{"lower": {"": -0.5}}`` makes an empty gap less likely
    in lowercased input (:meth:`Decoder.bias_vector`)."""
    st.heads = dec._scores(st.enc.ids, st.enc.shapes, dec.bias_vector(st.cased),
                           dec.overlap if st.cased else dec.lower_overlap)


def pass_pairing(dec: Decoder, st: DecodeState) -> None:
    """Quotes and brackets re-chosen jointly so that they pair up (:meth:`Decoder._pair`):
    ``He said "yes`` gets its closing quote or loses the opening one."""
    if dec.pairing is not None:
        st.heads[0], st.heads[1] = dec._pair(st.enc, st.heads[0], st.heads[1])


def pass_argmax(dec: Decoder, st: DecodeState) -> None:
    """The chosen ``after`` label at the gap after every piece, the ``before``
    label over the space run before every word (``Hi there`` -> ``Hi, there``)."""
    (a_idx, a_p, *_), (b_idx, b_p, *_) = st.heads[:2]
    ins, conf, enc = st.ins, st.conf, st.enc
    after, before = dec.after_labels.labels, dec.before_labels.labels
    for e, k, p in zip(enc.ends.tolist(), a_idx.tolist(), a_p.tolist(), strict=True):
        ins[e], conf[e] = after[k], p
    for r, s, k, p in zip(
        enc.region.tolist(), enc.starts.tolist(), b_idx.tolist(), b_p.tolist(), strict=True
    ):
        if r < 0:
            continue
        for g, part in enumerate(split_region(before[k], s - r + 1), r):
            ins[g], conf[g] = part, p
    st.network = list(zip(ins, conf, strict=True))


def pass_lexicon(dec: Decoder, st: DecodeState) -> None:
    """The lexicon's form inside each word piece, by the word-context table
    where forms differ (``25`` after ``rose`` -> ``2.5``)."""
    # The same walk of the words finds pass_lexicon_between's answer (st.between).
    st.inner, st.between = inner_and_between(
        st.enc, dec.lexicon, st.cased, LEXICON_SURE, context=dec.word_context,
        network=st.ins, pairs=st.pairs)
    for g, (s, p) in st.inner.items():
        st.ins[g], st.conf[g] = s, p


def pass_lexicon_between(dec: Decoder, st: DecodeState) -> None:
    """The lexicon's sure form in an empty gap between pieces of one word (``don|t`` -> ``don't``).

    Only there: the gaps inside a piece are the form :func:`pass_lexicon`
    chose, which the word-context table may have chosen against the lexicon
    (1986/87, not 198,687). The lexicon's answer comes from :func:`pass_lexicon`'s
    walk of the words (:func:`unstrip.decode.inner.inner_and_between`), or
    where that pass was skipped, from a walk of its own."""
    between = st.between
    if between is None:
        between = inner_and_between(st.enc, dec.lexicon, st.cased, LEXICON_SURE)[1]
    for g, (s, p) in between.items():
        if not st.ins[g] and g not in st.inner:
            st.ins[g], st.conf[g] = s, p


def pass_only_stripped(dec: Decoder, st: DecodeState) -> None:
    """Insertions lose whatever the seed profile keeps (``.x`` -> ``.``); required."""
    st.ins = strip_seed_complements(st.ins)


def pass_recasing(dec: Decoder, st: DecodeState) -> None:
    """Casing for lowercased input (``nato`` -> ``NATO``): the casing head
    (:meth:`Decoder._recase_head`) with the in-piece marks refitted to the
    case it chose, or without one the lexicon and sentence starts."""
    if st.cased:
        return
    if len(st.heads) > 2:
        st.kept, st.case_conf = dec._recase_head(st.enc, st.ins, *st.heads[2])
        # The lowercase pass took each word's most frequent form in any
        # case (``us`` -> ``U.S.``); the in-piece marks must fit the case
        # the head chose (``us`` stays ``us``, ``US`` is ``U.S.``).
        fitted = inner_insertions(replace(st.enc, text=st.kept), dec.lexicon, True,
                                  context=dec.word_context,
                                  network=[s for s, _ in st.network], pairs=st.pairs)
        for g in st.inner.keys() | fitted.keys():
            s, st.conf[g] = fitted.get(g, st.network[g])
            st.ins[g] = strip_seed_complement(s)
    else:
        st.kept = dec._recase(st.text, st.ins)


def pass_acronyms(dec: Decoder, st: DecodeState) -> None:
    """An acronym after its expansion goes in brackets
    (``Special Drawing Rights SDRs`` -> ``Special Drawing Rights (SDRs)``)."""
    if dec.acronyms:
        for g, s in bracket_acronyms(st.kept, st.ins).items():
            st.ins[g], st.conf[g] = s, ACRONYM_CONFIDENCE


def pass_initialisms(dec: Decoder, st: DecodeState) -> None:
    """An initialism with inner periods gets its final one (``3 p.m on`` -> ``3 p.m. on``)."""
    if dec.initialisms:
        for g, s in initialism_periods(st.kept, st.ins).items():
            st.ins[g] = s


def pass_numbers(dec: Decoder, st: DecodeState) -> None:
    """A mark that changes a number's value is dropped when unsure
    (``rose 25`` stays ``25`` unless ``2.5`` is sure): by the number table where the model
    has one (:func:`unstrip.decode.numbers.calibrate_numbers`), else by the confidence
    thresholds (:func:`unstrip.decode.rules.number_safe`)."""
    if dec.number_table is not None:
        sources = mark_sources(st.ins, st.conf, st.network, st.inner, digit_gaps(st.text))
        st.ins, st.conf = calibrate_numbers(st.text, st.ins, st.conf, sources,
                                            dec.number_table, dec.number_probability)
    elif dec.number_confidence > 0 or dec.number_sign_confidence > 0:
        st.ins, st.conf = number_safe(st.text, st.ins, st.conf, dec.number_confidence,
                                      dec.number_sign_confidence)


def pass_capitals(dec: Decoder, st: DecodeState) -> None:
    """For lowercased input with a casing head, a capital after every sentence
    end written (``ends. then`` -> ``ends. Then``; :attr:`DecodeConfig.sentence_starts`)."""
    if not st.cased and len(st.heads) > 2 and dec.sentence_starts == "all":
        st.kept = sentence_capitals(st.kept, st.ins)


PASSES = (
    ("scores", pass_scores),
    ("pairing", pass_pairing),
    ("argmax", pass_argmax),
    ("lexicon", pass_lexicon),
    ("lexicon-between", pass_lexicon_between),
    ("only-stripped", pass_only_stripped),
    ("recasing", pass_recasing),
    ("acronyms", pass_acronyms),
    ("initialisms", pass_initialisms),
    ("numbers", pass_numbers),
    ("capitals", pass_capitals),
)
"""The decoding passes in the order :meth:`Decoder.predict` runs them, by name.

>>> [name for name, _ in PASSES][:3]
['scores', 'pairing', 'argmax']
"""

REQUIRED = frozenset({"scores", "argmax", "only-stripped"})
"""The passes ``predict(..., skip=...)`` cannot skip."""
