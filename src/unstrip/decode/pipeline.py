"""The decoding settings of the learned restorer, as one frozen value.

A network says, per word piece, how likely each insertion is; what is written
also depends on how those scores are decoded: shifted logits for a profile,
quotes and brackets chosen so that they pair, periods turned into question
marks, acronyms bracketed, number-changing marks held back when unsure. These
choices were class attributes of the model, set one by one; a
:class:`DecodeConfig` holds them all, cannot be changed in place (use
:func:`dataclasses.replace`), and is read once from a model's ``config.json``
``"decoding"`` by :meth:`DecodeConfig.from_config`.

The defaults are the decoding used while training (plain argmax, no extra
passes); an exported model turns the passes on unless its config says not to:

>>> plain = DecodeConfig()
>>> plain.pairing is None, plain.number_confidence, plain.describe()[:2]
(True, 0.0, ['after_bias: none', 'questions: off'])
>>> shipped = DecodeConfig.from_config({"decoding": {"acronyms": False}}, ["", '"'], [""])
>>> shipped.acronyms, shipped.initialisms, shipped.number_confidence
(False, True, 0.65)
>>> from dataclasses import replace
>>> replace(shipped, acronyms=True).acronyms
True
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

from unstrip.decode.questions import DEFAULT_PATH as QUESTIONS_PATH
from unstrip.decode.questions import QuestionModel
from unstrip.decode.rules import transition_groups
from unstrip.decode.wordcontext import WORD_CONTEXT_PATH, WordContext

__all__ = [
    "CASE_FALLBACK",
    "NUMBER_CONFIDENCE",
    "NUMBER_SIGN_CONFIDENCE",
    "DecodeConfig",
]


CASE_FALLBACK = 0.7
"""Below this casing-head confidence a word piece is cased as without the head.

Only for networks with a casing head: where the head is unsure, the piece
takes the casing of :meth:`unstrip.network.onnx_model.WindowPredictor._recase`
(the lexicon's form, and a capital at sentence starts). Measured with the
shipped step-1400 model on 60 dev documents (the last 60 in id-hash order),
lower profile: casing accuracy 0.9598 / 0.9600 / 0.9602 / 0.9551 / 0.9501 and
F1 on cased words 0.843 / 0.845 / 0.851 / 0.840 / 0.825 with the fallback
below 0 (never) / 0.5 / 0.7 / 0.9 / 0.95. Whatever the head says, the text's
first letter is a capital (:attr:`DecodeConfig.sentence_starts`)."""


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


@functools.lru_cache(maxsize=1)
def shipped_questions() -> QuestionModel:
    """The package's question classifier, read once per process (it is never changed)."""
    return QuestionModel.load(QUESTIONS_PATH)


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

    questions: QuestionModel | None = field(default=None, repr=False)
    """A :class:`unstrip.decode.questions.QuestionModel` that turns the period of a
    question sentence into ``?`` after the network has decided, or None
    (the network alone, as while training)."""

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

        Every pass is on unless the config turns it off; the question
        classifier and word-context table are the package's shipped ones
        (skipped where they are absent). The label lists give the pairing
        groups.
        """
        decoding = config.get("decoding", {})
        pairing = None
        if decoding.get("pairing", True):
            pairing = (transition_groups(after_labels, before=False),
                       transition_groups(before_labels, before=True))
        questions = None
        if decoding.get("questions", True) and QUESTIONS_PATH.exists():
            questions = shipped_questions()
        word_context = None
        if decoding.get("word_context", True) and WORD_CONTEXT_PATH.exists():
            word_context = shipped_word_context()
        return cls(
            after_bias=dict(decoding.get("after_bias", {})),
            questions=questions,
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
            elif f.name in ("questions", "pairing", "word_context"):
                shown = "off" if value is None else "on"
            else:
                shown = repr(value)
            lines.append(f"{f.name}: {shown}")
        return lines

    def __repr__(self) -> str:
        return "DecodeConfig(" + ", ".join(
            line.replace(": ", "=", 1) for line in self.describe()) + ")"
