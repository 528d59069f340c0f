"""Running the learned restorer: ONNX model in, insertions at every gap out.

A trained network (see :mod:`unstrip.train.loop`) exported by :mod:`unstrip.train.export`
is a directory with ``model.onnx``, ``labels.json`` (the insertion strings
each head can say), ``config.json`` and ``vocab.txt``. :class:`OnnxModel`
loads it with onnxruntime (no PyTorch) and answers ``predict(text, cased)``
exactly like :class:`unstrip.baseline.BaselineModel`, so it drops into the
restorer:

    >>> from unstrip import Restorer                        # doctest: +SKIP
    >>> Restorer(model=OnnxModel.load("runs/model")).restore("Dont go")  # doctest: +SKIP
    "Don't go."

How a prediction is made (:class:`WindowPredictor`, shared with the PyTorch
model used while training):

1. the stripped text becomes word pieces (:meth:`unstrip.network.features.WordPieces.encode`);
2. long texts are cut into overlapping windows of word pieces, run in
   batches, and each piece keeps the answer of the window where it sits most
   centrally;
3. the ``after`` head fills the gap after every word piece, the ``before``
   head the gaps of the space run before every word, and the lexicon the gaps
   strictly inside one word piece (:func:`unstrip.network.features.inner_insertions`),
   in the context of the neighbouring words where a word's forms differ in
   their marks (:mod:`unstrip.decode.wordcontext`: ``the governments decision``
   -> ``government's``, ``rose 25 pct`` -> ``2.5``);
4. confidences are the softmax probabilities of the chosen labels; before
   the choice, the model's own calibration (``config.json`` ``"decoding"``,
   :attr:`WindowPredictor.after_bias`, chosen by ``unstrip calibrate``) may
   shift the ``after`` logits of whole families of marks (argmax leaves
   commas at precision 0.73, recall 0.61 on dev; the shipped model shifts
   only the empty label of lowercased input, by -0.5, chosen on IWSLT
   blocks 1-9 and lowercased dev documents 301-500);
5. quotes and brackets are chosen jointly over the text so that they pair
   up (:meth:`WindowPredictor._pair`, :func:`unstrip.decode.rules.pair_marks`):
   where a label with a quote or bracket is likely, the labels of the whole
   window are the likeliest under which every quote opened is closed;
6. a sentence the network ended with a period becomes a question where the
   sentence classifier of :mod:`unstrip.decode.questions` says it asks one (the
   network alone never chose ``?`` at step 3,700);
7. for lowercased input (``cased=False``) a network with a casing head
   (exported with a third output, ``case_logits``) says how each word piece
   is written (``nato`` -> ``NATO``); without one, casing comes from the
   lexicon and sentence starts, as before the head existed.

Only insertions are ever produced; no kept character changes (the restorer
checks that too).

>>> import numpy as np
>>> from unstrip.network.features import LabelSet, WordPieces
>>> class Always(WindowPredictor):  # a stand-in network: "." after every piece
...     def _run(self, ids, shapes, mask):
...         a = np.zeros(ids.shape + (2,), np.float32); a[..., 1] = 5.0
...         return a, np.zeros(ids.shape + (1,), np.float32)
>>> m = Always(WordPieces.load(), LabelSet(["", "."]), LabelSet([""]), lexicon={})
>>> p = m.predict("Hi there")
>>> from unstrip.text.alignment import apply
>>> apply("Hi there", p.insertions), round(p.confidence[2], 3)
('Hi. there.', 0.993)
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

from unstrip.baseline import Prediction, _capitalise_sentences, strip_seed_complement
from unstrip.decode.acronyms import bracket_acronyms, initialism_periods
from unstrip.decode.lexicon import choose_form, known_case, letter_counts, mixed_case
from unstrip.decode.pipeline import (
    CASE_FALLBACK,
    NUMBER_CONFIDENCE,
    NUMBER_SIGN_CONFIDENCE,
    DecodeConfig,
)
from unstrip.decode.questions import mark_questions
from unstrip.decode.rules import (
    mark_moves,
    number_safe,
    pair_marks,
    sentence_capitals,
)
from unstrip.network.features import (
    DEFAULT_VOCAB,
    LabelSet,
    WordPieces,
    apply_case,
    best_window,
    inner_insertions,
    load_label_sets,
    split_region,
    window_spans,
)
from unstrip.text.profiles import seed as strip_seed
from unstrip.text.tokens import pieces

__all__ = [
    "CASE_FALLBACK",
    "NUMBER_CONFIDENCE",
    "NUMBER_SIGN_CONFIDENCE",
    "DecodeConfig",
    "OnnxModel",
    "WindowPredictor",
]


LEXICON_SURE = 0.9
"""Share of the counts at which the lexicon fills an in-word gap the network left empty."""

def _setting(name: str) -> property:
    """A model attribute that reads ``self.decoding.<name>``; setting it replaces
    :attr:`WindowPredictor.decoding` by a copy with the new value."""

    def get(self):
        return getattr(self.decoding, name)

    def put(self, value) -> None:
        self.decoding = replace(self.decoding, **{name: value})

    return property(get, put, doc=f"``decoding.{name}`` (:class:`DecodeConfig`).")


def _default_lexicon() -> dict[str, dict[str, int]]:
    from unstrip.baseline import BaselineModel

    return BaselineModel.load().lexicon


class WindowPredictor:
    """Turns a network's per-piece logits into a :class:`~unstrip.baseline.Prediction`.

    Subclasses implement ``_run(ids, shapes, mask)`` on ``(batch, time)``
    int64 arrays, returning the ``after`` and ``before`` logits as numpy
    arrays, and the ``case`` logits third when the network has a casing
    head. ``window`` counts the ``[CLS]`` and ``[SEP]`` tokens.
    """

    def __init__(
        self,
        wordpieces: WordPieces,
        after: LabelSet,
        before: LabelSet,
        lexicon: dict[str, dict[str, int]] | None = None,
        window: int = 256,
        overlap: int = 64,
        batch_size: int = 16,
    ):
        self.wp = wordpieces
        self.after_labels = after
        self.before_labels = before
        self.lexicon = _default_lexicon() if lexicon is None else lexicon
        self.window = window
        self.overlap = overlap
        self.batch_size = batch_size

    decoding: DecodeConfig = DecodeConfig()
    """The decoding settings (:class:`unstrip.decode.pipeline.DecodeConfig`);
    the defaults decode as while training. Each setting also reads (and, by
    :func:`dataclasses.replace` on :attr:`decoding`, sets) as an attribute of
    the model of the same name."""

    after_bias = _setting("after_bias")
    questions = _setting("questions")
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
    case_fallback = _setting("case_fallback")
    sentence_starts = _setting("sentence_starts")

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(after={len(self.after_labels)} labels, "
                f"before={len(self.before_labels)} labels, window={self.window}, "
                f"decoding={self.decoding!r})")

    def describe(self) -> str:
        """The model's decoding settings, one per line (:meth:`DecodeConfig.describe`)."""
        return "\n".join(self.decoding.describe())

    def _run(self, ids: np.ndarray, shapes: np.ndarray, mask: np.ndarray):
        raise NotImplementedError

    def bias_vector(self, cased: bool) -> np.ndarray | None:
        """The ``after`` logit shifts for cased or lowercased input, or None.

        >>> m = WindowPredictor(WordPieces.load(), LabelSet(["", ",", ",)", "."]),
        ...                     LabelSet([""]), lexicon={})
        >>> m.after_bias = {"seed": {",": 0.5, "": -0.25}}
        >>> m.bias_vector(True).tolist(), m.bias_vector(False)
        ([-0.25, 0.5, 0.5, 0.0], None)
        """
        shifts = self.after_bias.get("seed" if cased else "lower") or {}
        if not any(shifts.values()):
            return None
        vec = np.zeros(len(self.after_labels), dtype=np.float32)
        for i, label in enumerate(self.after_labels.labels):
            vec[i] = shifts.get(label[:1], 0.0)
        return vec

    def _scores(self, ids: np.ndarray, shapes: np.ndarray, after_bias: np.ndarray | None = None):
        """Best label and its probability, per word piece and head (2 or 3 heads).

        ``after_bias`` is added to the ``after`` logits before the choice
        (:meth:`bias_vector`)."""
        n = len(ids)
        body = self.window - 2
        spans = window_spans(n, body, self.overlap)
        results = []
        for b0 in range(0, len(spans), self.batch_size):
            batch = spans[b0 : b0 + self.batch_size]
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
            if after_bias is not None:
                heads = (heads[0] + after_bias, *heads[1:])
            for r, (a, b) in enumerate(batch):
                row = [_best(h[r, 1 : b - a + 1]) for h in heads[len(self.pairing or ()):]]
                if self.pairing is not None:
                    row[:0] = [_group_best(heads[h][r, 1 : b - a + 1], groups)
                               for h, groups in enumerate(self.pairing)]
                results.append(row)
        win, pos = best_window(spans, n)
        out = []
        for h in range(len(results[0])):
            arrays = []
            for k in range(len(results[0][h])):
                first = results[0][h][k]
                merged = np.empty((n, *first.shape[1:]), dtype=first.dtype)
                for j in range(len(spans)):
                    sel = win == j
                    merged[sel] = results[j][h][k][pos[sel]]
                arrays.append(merged)
            out.append(tuple(arrays))
        return out

    def predict(self, text: str, cased: bool = True, pairs: Counter | None = None) -> Prediction:
        """Predict the insertion at every gap of stripped ``text``.

        ``cased=False`` takes the input as lowercased: insertions are
        predicted all the same, and casing comes from the network's casing
        head if it has one (:meth:`_recase_head`), else from the lexicon and
        sentence starts (:meth:`_recase`). ``pairs`` counts the neighbouring
        words of the whole document ``text`` comes from
        (:func:`unstrip.decode.wordcontext.text_pairs`; default: of ``text``).
        """
        n = len(text)
        ins = [""] * (n + 1)
        conf = [1.0] * (n + 1)
        enc = self.wp.encode(text)
        if not len(enc):
            return Prediction(ins, conf, text)
        heads = self._scores(enc.ids, enc.shapes, self.bias_vector(cased))
        if self.pairing is not None:
            heads[0], heads[1] = self._pair(enc, heads[0], heads[1])
        (a_idx, a_p, *_), (b_idx, b_p, *_) = heads[:2]
        after, before = self.after_labels.labels, self.before_labels.labels
        for e, k, p in zip(enc.ends.tolist(), a_idx.tolist(), a_p.tolist(), strict=True):
            ins[e], conf[e] = after[k], p
        for r, s, k, p in zip(
            enc.region.tolist(), enc.starts.tolist(), b_idx.tolist(), b_p.tolist(), strict=True
        ):
            if r < 0:
                continue
            for g, part in enumerate(split_region(before[k], s - r + 1), r):
                ins[g], conf[g] = part, p
        network = list(zip(ins, conf, strict=True))
        inner = inner_insertions(enc, self.lexicon, cased, context=self.word_context,
                                 network=ins, pairs=pairs)
        for g, (s, p) in inner.items():
            ins[g], conf[g] = s, p
        # Where the network left a gap between word pieces of one word empty
        # but the lexicon is sure of the word (don|'|t), the lexicon fills it.
        # Only there: the gaps inside a piece are the form chosen above, which
        # the word-context table may have chosen against the lexicon (1986/87,
        # not 198,687).
        cuts = set(enc.ends.tolist())
        for g, (s, p) in inner_insertions(enc, self.lexicon, cased, LEXICON_SURE).items():
            if g in cuts and not ins[g] and g not in inner:
                ins[g], conf[g] = s, p
        ins = [strip_seed_complement(s) for s in ins]
        if self.questions is not None:
            ins, changed = mark_questions(text, ins, self.questions)
            for g, p in changed.items():
                conf[g] = p
        case_conf = None
        if cased:
            kept = text
        elif len(heads) > 2:
            kept, case_conf = self._recase_head(enc, ins, *heads[2])
            # The lowercase pass took each word's most frequent form in any
            # case (``us`` -> ``U.S.``); the in-piece marks must fit the case
            # the head chose (``us`` stays ``us``, ``US`` is ``U.S.``).
            fitted = inner_insertions(replace(enc, text=kept), self.lexicon, True,
                                      context=self.word_context,
                                      network=[s for s, _ in network], pairs=pairs)
            for g in inner.keys() | fitted.keys():
                s, conf[g] = fitted.get(g, network[g])
                ins[g] = strip_seed_complement(s)
        else:
            kept = self._recase(text, ins)
        if self.acronyms:
            for g, s in bracket_acronyms(kept, ins).items():
                ins[g], conf[g] = s, ACRONYM_CONFIDENCE
        if self.initialisms:
            for g, s in initialism_periods(kept, ins).items():
                ins[g] = s
        if self.number_confidence > 0 or self.number_sign_confidence > 0:
            ins, conf = number_safe(text, ins, conf, self.number_confidence,
                                    self.number_sign_confidence)
        if not cased and len(heads) > 2 and self.sentence_starts == "all":
            kept = sentence_capitals(kept, ins)
        return Prediction(ins, conf, kept, case_conf)

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
        # Only gaps where a quote or bracket is the best or probable enough matter.
        weigh = np.zeros(len(enc), dtype=bool)
        for h, head in ((0, after), (1, before)):
            idx, _, g_idx, g_prob = head
            mask = (g_prob[:, 1:] >= self.pair_min).any(1) | (g_idx[:, 0] != idx)
            weigh |= mask & (enc.region >= 0) if h == 1 else mask
        for i in np.flatnonzero(weigh).tolist():
            for h, head in ((1, before), (0, after)):
                if h == 1 and region[i] < 0:
                    continue
                idx, _, g_idx, g_prob = head
                groups = self.pairing[h]
                best = int(idx[i])
                options, labels = [], []
                for g, (trans, _) in enumerate(groups):
                    p = float(g_prob[i, g])
                    k = int(g_idx[i, g])
                    if g == 0 or k == best or p >= self.pair_min:
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
        _capitalise_sentences(text, ins, kept, plist)
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


ACRONYM_CONFIDENCE = 0.67
"""Confidence given to the brackets of :func:`unstrip.decode.acronyms.bracket_acronyms`:
the share of such acronyms bracketed in the gold of dev documents 201 onwards."""


def _best(logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Argmax and its softmax probability along the last axis."""
    logits = logits.astype(np.float64)
    idx = logits.argmax(-1)
    top = np.take_along_axis(logits, idx[..., None], -1)
    return idx, 1.0 / np.exp(logits - top).sum(-1)


class OnnxModel(WindowPredictor):
    """The learned restorer on onnxruntime: ``OnnxModel.load(dir).predict(text)``."""

    def __init__(self, session, config: dict, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        self.config = config

    @classmethod
    def load(
        cls,
        path: str | Path,
        threads: int = 2,
        lexicon: dict[str, dict[str, int]] | None = None,
        variant: str | None = None,
        batch_size: int = 16,
    ) -> OnnxModel:
        """Load an exported model directory.

        ``variant`` picks the ONNX file (``model.onnx`` or ``model.int8.onnx``;
        default: the one ``config.json`` names). ``threads`` bounds
        onnxruntime's intra-op threads.
        """
        import onnxruntime as ort

        path = Path(path)
        cfg_file = path / "config.json"
        if not cfg_file.exists():
            raise FileNotFoundError(
                f"no exported model at {path} (config.json missing); export one with "
                "`python -m unstrip.train.export RUN_DIR --out DIR`"
            )
        config = json.loads(cfg_file.read_text(encoding="utf-8"))
        onnx_file = path / (variant or config.get("onnx", "model.onnx"))
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(
            os.fspath(onnx_file), opts, providers=["CPUExecutionProvider"]
        )
        vocab = path / "vocab.txt"
        after, before = load_label_sets(path / "labels.json")
        model = cls(
            session,
            config,
            WordPieces.load(vocab if vocab.exists() else DEFAULT_VOCAB,
                            split_s=bool(config.get("split_s", False))),
            after,
            before,
            lexicon=lexicon,
            window=int(config.get("window", 256)),
            overlap=int(config.get("overlap", 64)),
            batch_size=batch_size,
        )
        model.decoding = DecodeConfig.from_config(config, after.labels, before.labels)
        return model

    @property
    def has_case_head(self) -> bool:
        """Whether the exported network has the casing head (a ``case_logits`` output)."""
        return "case_logits" in self._outputs

    @property
    def _outputs(self) -> list[str]:
        names = {o.name for o in self.session.get_outputs()}
        return [n for n in ("after_logits", "before_logits", "case_logits") if n in names]

    def _run(self, ids: np.ndarray, shapes: np.ndarray, mask: np.ndarray):
        feeds = {"input_ids": ids, "shape_ids": shapes, "attention_mask": mask}
        return tuple(self.session.run(self._outputs, feeds))
