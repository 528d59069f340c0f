"""The IWSLT TED punctuation benchmark: score a restorer the way published work does.

Published punctuation-restoration systems are compared on the IWSLT 2012 TED
transcripts in one format: one lowercased token per line, a TAB, and the
label of the punctuation that *follows* the token: ``O`` (none), ``COMMA``,
``PERIOD`` or ``QUESTION``. They report precision, recall and F1 per class and
"overall", the micro-average over the three mark classes (``O`` excluded).
This module reads that format, turns the tokens into the input of the
``lower`` profile, restores it, maps the restored punctuation back to one label
per token and scores it.

>>> pairs = [("we", "O"), ("'re", "O"), ("here", "PERIOD"), ("is", "O"), ("it", "QUESTION")]
>>> tokens = [t for t, _ in pairs]
>>> build_input(tokens).text
'were here is it'
>>> class Stub:
...     def restore(self, text, profile):
...         return "We're here. Is it."
>>> predict_labels(tokens, Stub())
['O', 'O', 'PERIOD', 'O', 'PERIOD']
>>> s = score([label for _, label in pairs], predict_labels(tokens, Stub()))
>>> s.classes["PERIOD"].precision, s.classes["QUESTION"].recall, round(s.overall.f1, 3)
(0.5, 0.0, 0.5)

**Tokenisation.** The ``lower`` profile input is ``lower(text)``: only
``[a-z0-9 ]`` survive. Each token is lowercased and stripped to those
characters (``10,000`` -> ``10000``, ``non-lethal`` -> ``nonlethal``,
``mr.`` -> ``mr``, mojibake such as ``itâ€™s`` -> ``its``). Split-off clitics
(:data:`CLITICS`: ``'s 're 'm 'll 've 'd 't n't``, straight or curly
apostrophe) are glued to the previous word without the apostrophe, as
``lower`` leaves a contraction (``we`` + ``'re`` -> ``were``, ``do`` + ``n't``
-> ``dont``). Other apostrophe-initial tokens are *not* glued: in dev2012 they
are opening quotes (``'the world is``) or a split name (``al-ma 'mun``).
Tokens that strip to nothing (``--``, ``=``, ``@``, empty tokens) join the
previous word. Words are joined by single spaces into one line.

**Labels from the restored text.** The restored text is aligned with the input
(:func:`unstrip.align`, profile ``lower``); each word's label is read from the
insertion at the gap right after its last character, and goes to the *last*
token of the word; the word's earlier tokens get ``O`` (a token that strips to
nothing before any word also gets ``O``). Each mark in that insertion maps to
a class by :data:`MARK_LABELS`, and when it holds several the strongest wins:
QUESTION > PERIOD > COMMA.

=========================================  ==========
marks in the insertion after a word        label
=========================================  ==========
``?``                                      QUESTION
``.``  ``!``  ``;``  ``…``                 PERIOD
line break (paragraph), with no ``?``      PERIOD
``,``  ``:``  ``-``  ``–``  ``—``          COMMA
anything else (quotes, brackets, ``'``)    O
=========================================  ==========

A paragraph break after a word ends a sentence even when no mark was written
(a heading, a list item), so it counts as PERIOD, and ``,`` followed by a
break is PERIOD too (the precedence rule). A period directly followed by
``,`` or ``:`` closes an abbreviation (``the U.S., Japan``), not a sentence,
and does not count: that insertion is COMMA.

**Held-out evaluation.** :func:`split_blocks` cuts the token stream into
contiguous blocks of near-equal size; dev2012 marks no talk boundaries (no
blank lines; only ten stray ``/transcript`` tokens), so blocks end after a
sentence (a PERIOD or QUESTION label). Fine-tune on nine blocks and report on
the tenth (:func:`holdout`), so no talk text scored was seen in training
except at most the one talk cut by each boundary.

From the shell: ``python -m unstrip.evaluate.iwslt dev2012.tsv [--block -1]``.
"""

from __future__ import annotations

import argparse
import bisect
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from unstrip.text.alignment import align

__all__ = [
    "CLASSES",
    "CLITICS",
    "LABELS",
    "MARK_LABELS",
    "ClassScore",
    "IwsltFormatError",
    "IwsltScore",
    "ModelInput",
    "build_input",
    "evaluate",
    "evaluate_pairs",
    "holdout",
    "is_clitic",
    "label_for_insertion",
    "labels_from_restored",
    "predict_labels",
    "read_tsv",
    "render_gold",
    "score",
    "split_blocks",
    "select_blocks",
    "strip_token",
]

LABELS = ("O", "COMMA", "PERIOD", "QUESTION")
"""Every label of the format; ``O`` means no punctuation after the token."""

CLASSES = ("COMMA", "PERIOD", "QUESTION")
"""The classes scored; overall figures are micro-averaged over these."""

MARK_LABELS: dict[str, str] = {
    "?": "QUESTION",
    ".": "PERIOD",
    "!": "PERIOD",
    ";": "PERIOD",
    "…": "PERIOD",
    "\n": "PERIOD",
    "\r": "PERIOD",
    ",": "COMMA",
    ":": "COMMA",
    "-": "COMMA",
    "–": "COMMA",
    "—": "COMMA",
}
"""The class each mark of a restored insertion stands for; other characters
(quotes, brackets, apostrophes, spaces) stand for none."""

_RANK = {"O": 0, "COMMA": 1, "PERIOD": 2, "QUESTION": 3}

CLITICS = ("'s", "'re", "'m", "'ll", "'ve", "'d", "'t", "n't")
"""Split-off tokens glued to the previous word (a curly apostrophe also matches)."""

_CLITIC = re.compile(r"(?:['\u2019](?:s|re|m|ll|ve|d|t)|n['\u2019]t)")
_NOT_KEPT = re.compile(r"[^a-z0-9]")
_CLASS_MARK = {"COMMA": ",", "PERIOD": ".", "QUESTION": "?"}


class IwsltFormatError(ValueError):
    """A line of an IWSLT file is not ``token<TAB>label``."""


# -- reading -----------------------------------------------------------------
def read_tsv(path: str | Path) -> list[tuple[str, str]]:
    """Read an IWSLT file into ``(token, label)`` pairs, in order.

    Each line is a token (possibly empty), one TAB and one of :data:`LABELS`;
    blank lines are skipped. Anything else raises :class:`IwsltFormatError`
    naming the file and line.

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> p = os.path.join(d, "x.tsv")
    >>> _ = open(p, "w").write("hello\\tCOMMA\\nworld\\tPERIOD\\n")
    >>> read_tsv(p)
    [('hello', 'COMMA'), ('world', 'PERIOD')]
    >>> _ = open(p, "w").write("hello\\tCOMMA\\nworld PERIOD\\n")
    >>> try:
    ...     read_tsv(p)
    ... except IwsltFormatError as exc:
    ...     print(str(exc).split(os.sep)[-1])
    x.tsv:2: expected 'token<TAB>label', got 'world PERIOD'
    """
    pairs: list[tuple[str, str]] = []
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            try:
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as exc:
                raise IwsltFormatError(f"{path}:{lineno}: not UTF-8 ({exc.reason})") from None
            if not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) != 2:
                raise IwsltFormatError(f"{path}:{lineno}: expected 'token<TAB>label', got {line!r}")
            token, label = parts
            if label not in LABELS:
                raise IwsltFormatError(
                    f"{path}:{lineno}: unknown label {label!r}; expected one of {', '.join(LABELS)}"
                )
            pairs.append((token, label))
    return pairs


# -- tokens -> model input ---------------------------------------------------
@dataclass(frozen=True)
class ModelInput:
    """The ``lower``-profile text built from tokens, and where each token went.

    ``spans[w]`` is the ``(start, end)`` of word ``w`` in ``text``;
    ``token_words[i]`` is the word token ``i`` contributes to (-1 for a token
    that strips to nothing before any word).
    """

    text: str
    spans: list[tuple[int, int]]
    token_words: list[int]

    def label_gaps(self) -> list[int | None]:
        """For each token, the gap of ``text`` whose insertion gives its label.

        That is the gap after the token's word when the token is the word's
        last, else ``None`` (the token is labelled ``O``).

        >>> build_input(["do", "n't", "go", "--"]).label_gaps()
        [None, 4, None, 7]
        """
        gaps: list[int | None] = [None] * len(self.token_words)
        for i, w in enumerate(self.token_words):
            if w >= 0 and (i + 1 == len(self.token_words) or self.token_words[i + 1] != w):
                gaps[i] = self.spans[w][1]
        return gaps


def is_clitic(token: str) -> bool:
    """Is ``token`` a split-off clitic that belongs to the previous word?

    >>> [is_clitic(t) for t in ["'s", "n't", "’re", "'the", "s"]]
    [True, True, True, False, False]
    """
    return _CLITIC.fullmatch(token.lower()) is not None


def strip_token(token: str) -> str:
    """What the ``lower`` profile keeps of a token (no spaces: it is one word).

    >>> [strip_token(t) for t in ["10,000", "n't", "Mr.", "non-lethal", "--", "itâ€™s"]]
    ['10000', 'nt', 'mr', 'nonlethal', '', 'its']
    """
    return _NOT_KEPT.sub("", token.lower())


def build_input(tokens: Sequence[str]) -> ModelInput:
    """Join IWSLT tokens into one line of ``lower``-profile text.

    Clitics glue to the previous word without their apostrophe; tokens that
    strip to nothing join the previous word; every other token starts a word.

    >>> m = build_input(["we", "'re", "here", "--", "do", "n't", "pay", "$100"])
    >>> m.text
    'were here dont pay 100'
    >>> m.token_words, m.spans[1]
    ([0, 0, 1, 1, 2, 2, 3, 4], (5, 9))
    """
    words: list[str] = []
    token_words: list[int] = []
    for token in tokens:
        kept = strip_token(token)
        if words and (not kept or is_clitic(token)):
            words[-1] += kept
        elif kept:
            words.append(kept)
        token_words.append(len(words) - 1)
    spans = []
    pos = 0
    for word in words:
        spans.append((pos, pos + len(word)))
        pos += len(word) + 1
    return ModelInput(" ".join(words), spans, token_words)


def render_gold(pairs: Sequence[tuple[str, str]]) -> str:
    """Write labelled tokens as punctuated text, sentences capitalised.

    Clitics keep an apostrophe (``we're``, ``don't``), so ``lower`` of the
    result is exactly :func:`build_input`'s text. A word takes the label of its
    last token. Useful as fine-tuning text and for oracle checks: restoring to
    this text gives back every label the mapping can express.

    >>> render_gold([("we", "O"), ("'re", "O"), ("here", "COMMA"), ("ok", "QUESTION"),
    ...              ("yes", "PERIOD")])
    "We're here, ok? Yes."
    """
    words: list[str] = []
    last_label: list[str] = []
    for token, label in pairs:
        kept = strip_token(token)
        if words and (not kept or is_clitic(token)):
            words[-1] += _glued(token, kept)
            last_label[-1] = label
        elif kept:
            words.append(kept)
            last_label.append(label)
    out = []
    capital = True
    for word, label in zip(words, last_label, strict=True):
        out.append((word[:1].upper() + word[1:]) if capital else word)
        out.append(_CLASS_MARK.get(label, ""))
        out.append(" ")
        capital = label in ("PERIOD", "QUESTION")
    return "".join(out).rstrip(" ")


def _glued(token: str, kept: str) -> str:
    """A clitic as written after its word (``n't``, ``'s``); else the stripped form."""
    if not kept or not is_clitic(token):
        return kept
    return "n't" if kept == "nt" else "'" + kept


# -- restored text -> labels -------------------------------------------------
def label_for_insertion(insertion: str) -> str:
    """The label an insertion after a word stands for (see :data:`MARK_LABELS`).

    >>> [label_for_insertion(s) for s in ["", ",", ".”", '?"', ",—", "”", "\\n\\n", ":"]]
    ['O', 'COMMA', 'PERIOD', 'QUESTION', 'COMMA', 'O', 'PERIOD', 'COMMA']
    >>> label_for_insertion(".,")  # U.S., : the period is the abbreviation's
    'COMMA'
    """
    best = "O"
    for ch in insertion.replace(".,", ",").replace(".:", ":"):
        label = MARK_LABELS.get(ch, "O")
        if _RANK[label] > _RANK[best]:
            best = label
    return best


def labels_from_restored(model_input: ModelInput, restored: str) -> list[str]:
    """One label per token, read from ``restored`` (a restoration of the input text).

    Raises :class:`unstrip.text.alignment.AlignmentError` if ``restored`` is not
    the input with characters inserted and case changed.

    >>> m = build_input(["is", "it", "so", "yes"])
    >>> labels_from_restored(m, "Is it so? Yes!")
    ['O', 'O', 'QUESTION', 'PERIOD']
    """
    insertions = align(restored, model_input.text, "lower").insertions
    return [
        "O" if gap is None else label_for_insertion(insertions[gap])
        for gap in model_input.label_gaps()
    ]


def predict_labels(
    tokens: Sequence[str], restorer=None, chunk_words: int | None = None
) -> list[str]:
    """Restore the tokens with ``restorer`` and label each token.

    ``restorer`` is anything with ``restore(text, profile)`` (default: a new
    :class:`unstrip.Restorer`). The tokens go in as one line (the restorer
    windows long input itself) or, with ``chunk_words``, as separate texts of
    about that many words each, cut only where a new word starts. The result
    always has one label per token.

    >>> class Echo:
    ...     def restore(self, text, profile):
    ...         return text.replace(" ", ", ")
    >>> predict_labels(["a", "b", "'s", "c"], Echo(), chunk_words=2)
    ['COMMA', 'O', 'O', 'O']
    """
    if restorer is None:
        from unstrip.restorer import Restorer

        restorer = Restorer()
    labels: list[str] = []
    for lo, hi in _chunks(tokens, chunk_words):
        model_input = build_input(tokens[lo:hi])
        restored = restorer.restore(model_input.text, "lower") if model_input.text else ""
        labels.extend(labels_from_restored(model_input, restored))
    if len(labels) != len(tokens):  # pragma: no cover - guarded by construction
        raise AssertionError(f"{len(labels)} labels for {len(tokens)} tokens")
    return labels


def _chunks(tokens: Sequence[str], chunk_words: int | None) -> list[tuple[int, int]]:
    """Token ranges of about ``chunk_words`` words, cut before a word-starting token."""
    if not chunk_words:
        return [(0, len(tokens))]
    if chunk_words < 1:
        raise ValueError("chunk_words must be positive")
    ranges = []
    lo = 0
    words = 0
    for i, token in enumerate(tokens):
        starts = bool(strip_token(token)) and not is_clitic(token)
        if starts:
            if words == chunk_words:
                ranges.append((lo, i))
                lo, words = i, 0
            words += 1
    ranges.append((lo, len(tokens)))
    return ranges


# -- scoring -----------------------------------------------------------------
@dataclass
class ClassScore:
    """Counts for one class (or the micro-average): true and false positives,
    false negatives. ``support`` is the number of gold tokens with the class."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def support(self) -> int:
        return self.tp + self.fn

    def to_dict(self) -> dict:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "support": self.support,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


@dataclass
class IwsltScore:
    """Per-class and overall (micro over COMMA, PERIOD, QUESTION) scores.

    ``confusion[gold][predicted]`` counts tokens over all four labels.
    """

    classes: dict[str, ClassScore]
    overall: ClassScore
    tokens: int
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "tokens": self.tokens,
            "classes": {c: s.to_dict() for c, s in self.classes.items()},
            "overall": self.overall.to_dict(),
            "confusion": self.confusion,
        }

    def format_table(self) -> str:
        """A fixed-width table as papers print it: P, R, F1 in percent.

        >>> print(score(["COMMA", "O", "PERIOD"], ["COMMA", "COMMA", "PERIOD"]).format_table())
        class          P      R     F1   support
        COMMA       50.0  100.0   66.7         1
        PERIOD     100.0  100.0  100.0         1
        QUESTION     0.0    0.0    0.0         0
        OVERALL     66.7  100.0   80.0         2
        (3 tokens)
        """
        rows = [f"{'class':<10}{'P':>6}{'R':>7}{'F1':>7}{'support':>10}"]
        for name, s in [*self.classes.items(), ("OVERALL", self.overall)]:
            rows.append(
                f"{name:<10}{100 * s.precision:>6.1f}{100 * s.recall:>7.1f}"
                f"{100 * s.f1:>7.1f}{s.support:>10d}"
            )
        rows.append(f"({self.tokens} tokens)")
        return "\n".join(rows)


def score(gold: Sequence[str], predicted: Sequence[str]) -> IwsltScore:
    """Compare predicted labels with gold ones, token by token.

    A token whose gold class is c and predicted class another mark counts as
    a false negative for c and a false positive for the other.

    >>> s = score(["O", "COMMA", "QUESTION"], ["COMMA", "COMMA", "PERIOD"])
    >>> s.classes["COMMA"].tp, s.classes["COMMA"].fp, s.overall.fn
    (1, 1, 1)
    """
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predicted")
    classes = {c: ClassScore() for c in CLASSES}
    confusion = {g: dict.fromkeys(LABELS, 0) for g in LABELS}
    for g, p in zip(gold, predicted, strict=True):
        if g not in _RANK or p not in _RANK:
            raise ValueError(f"unknown label {g if g not in _RANK else p!r}")
        confusion[g][p] += 1
        if g == p and g != "O":
            classes[g].tp += 1
        else:
            if g != "O":
                classes[g].fn += 1
            if p != "O":
                classes[p].fp += 1
    overall = ClassScore(
        sum(s.tp for s in classes.values()),
        sum(s.fp for s in classes.values()),
        sum(s.fn for s in classes.values()),
    )
    return IwsltScore(classes, overall, len(gold), confusion)


# -- evaluation --------------------------------------------------------------
def evaluate_pairs(
    pairs: Sequence[tuple[str, str]], restorer=None, chunk_words: int | None = None
) -> IwsltScore:
    """Restore the tokens of ``pairs`` and score the labels against theirs.

    >>> class Stub:
    ...     def restore(self, text, profile):
    ...         return "Yes, we are."
    >>> evaluate_pairs([("yes", "COMMA"), ("we", "O"), ("are", "QUESTION")], Stub()).overall.f1
    0.5
    """
    tokens = [t for t, _ in pairs]
    predicted = predict_labels(tokens, restorer, chunk_words)
    return score([label for _, label in pairs], predicted)


def evaluate(
    path: str | Path,
    restorer=None,
    limit: int | None = None,
    start: int = 0,
    chunk_words: int | None = None,
) -> IwsltScore:
    """Score ``restorer`` on an IWSLT file (tokens ``start`` to ``start + limit``)."""
    pairs = read_tsv(path)
    end = None if limit is None else start + limit
    return evaluate_pairs(pairs[start:end], restorer, chunk_words)


def split_blocks(
    pairs: Sequence[tuple[str, str]], n_blocks: int = 10
) -> list[list[tuple[str, str]]]:
    """Cut the token stream into ``n_blocks`` contiguous blocks of near-equal size.

    Each cut goes after the sentence end (PERIOD or QUESTION label) nearest
    the equal-size point, so blocks hold whole sentences; if there is none
    (or it would leave a block empty) the cut falls at the equal-size point.
    The blocks concatenated are ``pairs`` again.

    >>> p = [("a", "O"), ("b", "PERIOD"), ("c", "O"), ("d", "O"), ("e", "QUESTION"), ("f", "O")]
    >>> [[t for t, _ in b] for b in split_blocks(p, 2)]
    [['a', 'b'], ['c', 'd', 'e', 'f']]
    """
    n = len(pairs)
    if n_blocks < 1:
        raise ValueError("n_blocks must be at least 1")
    if n < n_blocks:
        raise ValueError(f"cannot cut {n} tokens into {n_blocks} non-empty blocks")
    ends = [i + 1 for i, (_, label) in enumerate(pairs) if label in ("PERIOD", "QUESTION")]
    cuts = [0]
    for k in range(1, n_blocks):
        target = round(k * n / n_blocks)
        lo, hi = cuts[-1] + 1, n - (n_blocks - k)
        j = bisect.bisect_left(ends, target)
        near = [ends[x] for x in (j - 1, j) if 0 <= x < len(ends) and lo <= ends[x] <= hi]
        cut = min(near, key=lambda e: abs(e - target)) if near else min(max(target, lo), hi)
        cuts.append(cut)
    cuts.append(n)
    return [list(pairs[a:b]) for a, b in zip(cuts, cuts[1:], strict=False)]


def select_blocks(pairs: Sequence[tuple[str, str]], spec: str,
                  n_blocks: int = 10) -> list[tuple[str, str]]:
    """The tokens of blocks ``spec`` of :func:`split_blocks`, numbered from 1: ``"6-10"``, ``"3"``.

    dev2012 blocks 1-5 are for choosing settings; blocks 6-10 only for reporting.

    >>> p = [(f"w{i}", "PERIOD") for i in range(20)]
    >>> [t for t, _ in select_blocks(p, "9-10")], len(select_blocks(p, "1-5"))
    (['w16', 'w17', 'w18', 'w19'], 10)
    """
    first, _, last = spec.partition("-")
    try:
        lo, hi = int(first), int(last or first)
    except ValueError:
        lo = hi = 0
    if not 1 <= lo <= hi <= n_blocks:
        raise ValueError(f"bad block range {spec!r}: write A-B with 1 <= A <= B <= {n_blocks}")
    return [pair for block in split_blocks(pairs, n_blocks)[lo - 1 : hi] for pair in block]


def holdout(
    pairs: Sequence[tuple[str, str]], block: int = -1, n_blocks: int = 10
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """``(train, test)``: every block but ``block`` of :func:`split_blocks`, and that one.

    >>> p = [("a", "PERIOD"), ("b", "PERIOD"), ("c", "PERIOD"), ("d", "PERIOD")]
    >>> holdout(p, -1, 4)
    ([('a', 'PERIOD'), ('b', 'PERIOD'), ('c', 'PERIOD')], [('d', 'PERIOD')])
    """
    blocks = split_blocks(pairs, n_blocks)
    test = blocks[block]
    index = block % n_blocks
    train = [pair for k, b in enumerate(blocks) if k != index for pair in b]
    return train, test


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m unstrip.evaluate.iwslt FILE [--block K] [--blocks N] [--json]``."""
    ap = argparse.ArgumentParser(
        prog="python -m unstrip.evaluate.iwslt",
        description="Score the default restorer on an IWSLT punctuation file.",
    )
    ap.add_argument("path")
    ap.add_argument("--block", type=int, help="score only this block of split_blocks")
    ap.add_argument("--blocks", type=int, default=10, help="number of blocks (default 10)")
    ap.add_argument("--chunk-words", type=int, default=None)
    ap.add_argument("--json", action="store_true", help="print to_dict() as JSON")
    args = ap.parse_args(argv)
    pairs = read_tsv(args.path)
    if args.block is not None:
        pairs = split_blocks(pairs, args.blocks)[args.block]
    result = evaluate_pairs(pairs, chunk_words=args.chunk_words)
    print(json.dumps(result.to_dict(), indent=2) if args.json else result.format_table())
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
