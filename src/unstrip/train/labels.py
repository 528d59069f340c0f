"""Training labels: clean text in, the label of every word piece out.

Per word piece (:mod:`unstrip.network.wordpieces`):

- ``after``: the insertion at the gap right after the piece: closing marks
  before a space (``said|,``), whatever stood at a camel-case joint
  (``rule|.\\n\\n|Reports``) or between two word pieces of one word
  (``self|-|##proclaimed``), and what ends the text;
- ``before``: for the first piece of a word that follows a space (or starts
  the text), the opening marks in front of it (``“``, ``$``, ``(``). Where
  several spaces precede the word, the label spells the whole run with the
  spaces as separators (``— “`` for ``800 — “cheap``), so the one label
  covers every gap of the run (:func:`join_region`; the decoder spreads it
  back with :func:`unstrip.decode.heads.split_region`).

Gaps strictly inside one word piece (``groups`` -> ``group's``) are left to
the lexicon (:func:`unstrip.decode.inner.inner_insertions`).

For lowercased input (the ``lower`` profile) a third label says how the gold
writes each piece's letters (:data:`unstrip.network.labels.CASE_CLASSES`,
:func:`case_labels`): ``nato`` -> ``NATO`` is ``upper``, ``reports`` ->
``Reports`` ``capitalised``.

>>> wp = WordPieces.load()
>>> enc = wp.encode("selfproclaimed ruleReports Its 800  cheap")
>>> gold = "self-proclaimed rule.\\n\\nReports “It’s $800 — “cheap”"
>>> after, before = gap_labels(enc, gold)
>>> after[0], after[4], after[-1]
('-', '.\\n\\n', '”')
>>> before[4], before[5], before[6], before[7], before[8]
('', None, '“', '$', '— “')
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from unstrip.network.labels import LabelSet, case_class
from unstrip.network.wordpieces import Encoded, WordPieces
from unstrip.text.alignment import align
from unstrip.text.asr_noise import recogniser_errors
from unstrip.text.profiles import seed as strip_seed

__all__ = [
    "IGNORE",
    "LEARNED_PROFILES",
    "DocArrays",
    "Interned",
    "case_labels",
    "gap_labels",
    "join_region",
    "label_documents",
    "pack_windows",
    "remap",
]

IGNORE = -100
"""Label id of a gap that has no label (padding, or no ``before`` gap)."""

def join_region(insertions: Sequence[str], lo: int, hi: int) -> str:
    """The ``before`` label of gaps ``lo`` .. ``hi``: their insertions joined by spaces.

    Under the seed profile an insertion never holds a space, so the space is
    an unambiguous separator (one per kept space of the run).

    >>> join_region(["", "", "—", "“", ""], 2, 3)
    '— “'
    """
    return " ".join(insertions[lo : hi + 1])

def gap_labels(
    enc: Encoded, clean: str, profile: str = "seed"
) -> tuple[list[str], list[str | None]]:
    """The ``after`` and ``before`` label strings of every word piece.

    ``clean`` is the text that ``enc.text`` was damaged from under
    ``profile`` (``seed``; ``lower`` aligns case-insensitively, for the
    lowercase profile). ``before[i]`` is None where piece ``i`` has no
    ``before`` gaps.

    >>> wp = WordPieces.load()
    >>> gap_labels(wp.encode("Dont go"), "Don't go.")
    (["'", '', '.'], ['', None, ''])
    """
    return _gap_labels(enc, align(clean, enc.text, profile).insertions)


def _gap_labels(enc: Encoded, ins: list[str]) -> tuple[list[str], list[str | None]]:
    after = [ins[e] for e in enc.ends.tolist()]
    before: list[str | None] = [
        None if r < 0 else join_region(ins, r, s)
        for r, s in zip(enc.region.tolist(), enc.starts.tolist(), strict=True)
    ]
    return after, before

def case_labels(enc: Encoded, kept: str) -> np.ndarray:
    """The casing-head label of every word piece (IGNORE where it has no letters).

    ``kept`` is the gold's character for each character of ``enc.text``
    (``align(clean, damaged, profile).kept``), so lowercased input gets the
    gold's capitals back.

    >>> from unstrip.network.labels import CASE_CLASSES
    >>> from unstrip.text.profiles import lower
    >>> gold = "NATO and McDonald's iPhone, in the U.S. 2015. Then"
    >>> enc = WordPieces.load().encode(lower(gold))
    >>> labels = case_labels(enc, align(gold, enc.text, "lower").kept)
    >>> [(t, CASE_CLASSES[c] if c >= 0 else None) for t, c in zip(enc.tokens(WordPieces.load()),
    ...  labels.tolist())]  # doctest: +NORMALIZE_WHITESPACE
    [('nato', 'upper'), ('and', 'lower'), ('mcdonald', 'mixed'), ('##s', 'lower'),
     ('iphone', 'mixed'), ('in', 'lower'), ('the', 'lower'), ('us', 'upper'), ('2015', None),
     ('then', 'capitalised')]
    """
    out = np.full(len(enc), IGNORE, dtype=np.int16)
    for i, (s, e) in enumerate(zip(enc.starts.tolist(), enc.ends.tolist(), strict=True)):
        c = case_class(kept[s:e])
        if c is not None:
            out[i] = c
    return out

@dataclass
class DocArrays:
    """One document's model inputs and label ids, before windowing.

    ``case`` (casing-head labels) is None for runs without a casing head.
    """

    ids: np.ndarray
    shapes: np.ndarray
    after: np.ndarray
    before: np.ndarray
    case: np.ndarray | None = None


@dataclass
class Interned:
    """Documents encoded once, their labels as provisional ids into ``strings``."""

    inputs: list[tuple[np.ndarray, np.ndarray]]
    """Per example: word-piece ids and shape ids."""
    labels: list[tuple[np.ndarray, np.ndarray]]
    """Per example: provisional ``after`` and ``before`` ids (IGNORE: no gap)."""
    strings: list[str]
    after_counts: Counter
    before_counts: Counter
    case: list[np.ndarray] = field(default_factory=list)
    """Per example: casing-head labels (:func:`case_labels`)."""
    profiles: list[str] = field(default_factory=list)
    """Per example: the damage profile it was made with."""


LEARNED_PROFILES = ("seed", "lower")
"""Profiles the learned model can be trained on."""


def label_documents(
    texts: Iterable[str], wp: WordPieces, profile: str | Sequence[str] = "seed",
    asr_noise: float = 0.0,
) -> Interned:
    """Damage clean texts, encode them once and label them, interning label strings.

    Label strings get provisional ids (one table for both heads) and are
    counted, so an inventory can be chosen afterwards and the ids mapped to
    it with :func:`remap` without encoding anything again. ``profile`` names
    one profile or several (``["seed", "lower"]``): each document then gives
    one example per profile, in that order. ``lower`` examples have the same
    insertion labels as ``seed`` ones; their input is lowercased, so only
    they teach the casing head something it cannot read off the shapes.
    ``asr_noise`` is a mean word error rate for the ``lower`` examples: each
    is made from the document with simulated recogniser errors
    (:func:`unstrip.text.asr_noise.recogniser_errors`, seeded by the text) at
    a rate between 0 and twice ``asr_noise`` that the text chooses, as
    recognisers differ from talk to talk; ``seed`` examples stay clean.

    >>> it = label_documents(["Hi, “you”.", "Go!"], WordPieces.load())
    >>> [it.strings[i] for i in it.labels[0][0]], it.after_counts["!"]
    ([',', '”.'], 1)
    >>> it = label_documents(["NATO said no."], WordPieces.load(), ["seed", "lower"])
    >>> it.profiles, [c.tolist() for c in it.case]
    (['seed', 'lower'], [[2, 0, 0], [2, 0, 0]])
    """
    from unstrip.text.profiles import lower

    profiles = [profile] if isinstance(profile, str) else list(profile)
    bad = [p for p in profiles if p not in LEARNED_PROFILES]
    if bad or not profiles:
        raise ValueError(
            f"cannot make examples for profile {','.join(bad) or '(none)'!r}; "
            f"use {' or '.join(LEARNED_PROFILES)}"
        )
    damages = {"seed": strip_seed, "lower": lower}
    intern: dict[str, int] = {}
    count_after: Counter = Counter()
    count_before: Counter = Counter()
    out = Interned([], [], [], Counter(), Counter())
    for text in texts:
        for prof in profiles:
            clean = text
            if asr_noise and prof == "lower":
                key = zlib.crc32(text.encode("utf-8"))
                rate = min(1.0, asr_noise * 2 * (key % 1000) / 999)
                clean = recogniser_errors(text, rate, key)
            enc = wp.encode(damages[prof](clean))
            if not len(enc):
                continue
            al = align(clean, enc.text, prof)
            after, before = _gap_labels(enc, al.insertions)
            a_ids = np.fromiter((intern.setdefault(s, len(intern)) for s in after), np.int32)
            b_ids = np.fromiter(
                (IGNORE if s is None else intern.setdefault(s, len(intern)) for s in before),
                np.int32,
            )
            count_after.update(a_ids.tolist())
            count_before.update(b_ids[b_ids != IGNORE].tolist())
            out.inputs.append((enc.ids, enc.shapes))
            out.labels.append((a_ids, b_ids))
            out.case.append(case_labels(enc, al.kept))
            out.profiles.append(prof)
    out.strings = [""] * len(intern)
    for s, i in intern.items():
        out.strings[i] = s
    out.after_counts = Counter({out.strings[i]: c for i, c in count_after.items()})
    out.before_counts = Counter({out.strings[i]: c for i, c in count_before.items()})
    return out


def remap(ids: np.ndarray, strings: list[str], labels: LabelSet) -> np.ndarray:
    """Provisional label ids -> ids in ``labels`` (IGNORE stays IGNORE)."""
    table = np.fromiter((labels.id(s) for s in strings), np.int32, count=len(strings))
    out = np.full(ids.shape, IGNORE, dtype=np.int16)
    keep = ids != IGNORE
    out[keep] = table[ids[keep]]
    return out


def pack_windows(
    docs: list[DocArrays], size: int, cls_id: int, sep_id: int, pad_id: int
) -> dict[str, np.ndarray]:
    """Cut documents into training windows of ``size`` (``[CLS]`` + pieces + ``[SEP]``).

    Windows do not overlap; each row is padded, and ``lengths`` holds the
    real length of each row including the two special tokens. ``case`` is
    packed too when every document has casing labels.

    >>> d = DocArrays(np.arange(5) + 10, np.ones(5, np.int8), np.zeros(5, np.int16),
    ...               np.full(5, IGNORE, np.int16))
    >>> w = pack_windows([d], 5, 1, 2, 0)
    >>> w["ids"].tolist(), w["lengths"].tolist()
    ([[1, 10, 11, 12, 2], [1, 13, 14, 2, 0]], [5, 4])
    """
    body = size - 2
    rows = sum((len(d.ids) + body - 1) // body for d in docs)
    ids = np.full((rows, size), pad_id, dtype=np.int32)
    shapes = np.zeros((rows, size), dtype=np.int8)
    after = np.full((rows, size), IGNORE, dtype=np.int16)
    before = np.full((rows, size), IGNORE, dtype=np.int16)
    lengths = np.zeros(rows, dtype=np.int32)
    with_case = bool(docs) and all(d.case is not None for d in docs)
    case = np.full((rows, size), IGNORE, dtype=np.int16)
    r = 0
    for d in docs:
        for a in range(0, len(d.ids), body):
            b = min(a + body, len(d.ids))
            m = b - a
            ids[r, 0], ids[r, 1 : m + 1], ids[r, m + 1] = cls_id, d.ids[a:b], sep_id
            shapes[r, 1 : m + 1] = d.shapes[a:b]
            after[r, 1 : m + 1] = d.after[a:b]
            before[r, 1 : m + 1] = d.before[a:b]
            if with_case:
                case[r, 1 : m + 1] = d.case[a:b]
            lengths[r] = m + 2
            r += 1
    out = {"ids": ids, "shapes": shapes, "after": after, "before": before, "lengths": lengths}
    if with_case:
        out["case"] = case
    return out
