"""Scoring: how well a restoration R matches the gold text G.

Stripping only deletes characters, so gold G and a restoration R of the same
damaged text X = profile(G) both differ from X by an *insertion string* at
each of the ``len(X) + 1`` gaps of X (see :mod:`unstrip.text.alignment`). The
measures of DESIGN.md section 2 compare those strings gap by gap:

- **per-mark precision / recall / F1**: each insertion is read as a bag of
  *marks* (:data:`MARKS`); at each gap the matches of a mark are the minimum
  of its gold and predicted counts. Curly and straight quotes count as one
  mark, and a run of line breaks is one ``paragraph`` mark.
- **marks micro-F1**: the same, summed over all marks (the headline number).
- **insertion error rate** (IER): summed Levenshtein distance between the
  predicted and gold insertion at each gap, over the total length of the gold
  insertions; 0 is perfect and 1.0 is "inserted nothing".
- **CER**: Levenshtein distance(R, G) over len(G), summed over documents.
- **invariant violations**: documents where profile(R) != X. Such a document
  is scored as if nothing had been inserted (its CER still uses the real R).
- for ``lower`` also **casing**: per space-separated word of X, is R's kept
  text exactly G's; plus precision / recall / F1 on the words that are not
  all-lowercase in gold.

All counts are micro: they add up over documents, and a :class:`Score` adds
to another with ``+``.

>>> s = score_document("Hello, world. Don't go!", "Hello world. Don’t go!")
>>> s.per_mark()["comma"]["recall"], s.per_mark()["apostrophe"]["f1"]
(0.0, 1.0)
>>> round(s.micro_f1, 4), s.insertion_error_rate, s.violations
(0.8571, 0.5, 0)

Conventions: a ratio with a zero denominator is 0.0 (precision of a mark that
was never predicted, recall of one never in gold, F1 when both are 0), so
no measure is ever NaN. IER and CER divide by ``max(1, total)``, so they are
0.0 when there was nothing to insert (or no gold text) and nothing was.

Under ``newlines`` the first character of a flattened line-break run is the
*kept* character that X's space stands for, so ``"a\\nb"`` has an empty
insertion. Scoring moves such a folded kept character to the front of the
insertion after its gap, which makes single line breaks count as paragraph
marks and as insertion characters:

>>> s = score_document("One.\\nTwo.", "One. Two.", "newlines")
>>> s.per_mark()["paragraph"]["gold"], s.insertion_error_rate
(1, 1.0)
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from unstrip.decode.rules import value_marks
from unstrip.text.alignment import AlignmentError, align
from unstrip.text.profiles import LOWERED_PROFILES, PROFILES, STRIP_PROFILES

__all__ = [
    "MARKS",
    "Score",
    "classify",
    "number_values",
    "score_corpus",
    "score_document",
]

MARKS: tuple[str, ...] = (
    "period",
    "comma",
    "question",
    "exclamation",
    "colon",
    "semicolon",
    "apostrophe",
    "quote",
    "hyphen",
    "dash",
    "paragraph",
    "parenthesis",
    "dollar",
    "percent",
    "ellipsis",
    "slash",
    "ampersand",
    "other",
)
"""Every mark, in the order tables and JSON list them."""

_CHAR_MARKS: dict[str, str] = {
    ".": "period",
    ",": "comma",
    "?": "question",
    "!": "exclamation",
    ":": "colon",
    ";": "semicolon",
    "$": "dollar",
    "%": "percent",
    "\u2026": "ellipsis",
    "/": "slash",
    "&": "ampersand",
}
_CHAR_MARKS.update(dict.fromkeys("'\u2018\u2019\u02bc", "apostrophe"))
_CHAR_MARKS.update(dict.fromkeys('"\u201c\u201d\u201e\u00ab\u00bb', "quote"))
_CHAR_MARKS.update(dict.fromkeys("-\u2010\u2011", "hyphen"))
_CHAR_MARKS.update(dict.fromkeys("\u2014\u2013\u2015", "dash"))
_CHAR_MARKS.update(dict.fromkeys("()[]{}", "parenthesis"))

_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
# A whitespace run holding a line break, a run of two or more hyphens, other
# whitespace, or any single character.
_TOKEN = re.compile(rf"\s*[{_BREAKS}]\s*|-{{2,}}|\s+|.", re.DOTALL)
_FOLDED = re.compile(r"[^\S ]")  # whitespace other than a space


def classify(insertion: str) -> Counter[str]:
    """Count the marks in one insertion string.

    Straight and curly quotes are one mark; a run of line breaks with the
    whitespace around it is one ``paragraph``; ``--`` (or a longer run of
    hyphens) is one ``dash``; other whitespace is not a mark; every other
    character not listed in :data:`MARKS` is ``other``.

    >>> classify(".\\n\\n“")
    Counter({'period': 1, 'paragraph': 1, 'quote': 1})
    >>> classify("’ -- é")
    Counter({'apostrophe': 1, 'dash': 1, 'other': 1})
    >>> classify(" \\r\\n \\r\\n") == classify("\\n")
    True
    """
    return Counter(dict(_marks(insertion)))


@lru_cache(maxsize=1 << 16)
def _marks(insertion: str) -> tuple[tuple[str, int], ...]:
    """:func:`classify` as a cached tuple of ``(mark, count)`` pairs."""
    mark = _CHAR_MARKS.get(insertion)
    if mark is not None:  # the common case: one punctuation character
        return ((mark, 1),)
    counts: Counter[str] = Counter()
    for token in _TOKEN.findall(insertion):
        if token[0].isspace():
            if any(ch in _BREAKS for ch in token):
                counts["paragraph"] += 1
        elif len(token) > 1:
            counts["dash"] += 1
        else:
            counts[_CHAR_MARKS.get(token, "other")] += 1
    return tuple(counts.items())


def _ratio(num: float, den: float) -> float:
    return num / den if den else 0.0


def _f1(precision: float, recall: float) -> float:
    return _ratio(2 * precision * recall, precision + recall)


def _prf(tp: int, gold: int, pred: int) -> dict[str, float | int]:
    precision, recall = _ratio(tp, pred), _ratio(tp, gold)
    return {
        "precision": precision,
        "recall": recall,
        "f1": _f1(precision, recall),
        "gold": gold,
        "pred": pred,
        "tp": tp,
    }


def _rounded(value):
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, Mapping):
        return {key: _rounded(val) for key, val in value.items()}
    return value


@dataclass
class Score:
    """Micro counts behind every measure, for one document or many.

    Scores add up: ``a + b`` is a new score, ``a.update(b)`` (or ``a += b``)
    adds in place, and ``sum(scores, Score())`` works. Adding scores made
    under different profiles raises :class:`ValueError`.

    >>> a = score_document("Yes, no.", "Yes, no")
    >>> b = score_document("Go!", "Go!")
    >>> (a + b).documents, (a + b).per_mark()["period"]["recall"]
    (2, 0.0)
    >>> (a + b).micro_recall
    0.6666666666666666
    """

    profile: str | None = None
    documents: int = 0
    violations: int = 0
    gold: Counter[str] = field(default_factory=Counter)
    """Marks in the gold insertions."""
    pred: Counter[str] = field(default_factory=Counter)
    """Marks in the predicted insertions."""
    tp: Counter[str] = field(default_factory=Counter)
    """Matched marks (per-gap minimum of gold and predicted counts)."""
    insertion_edits: int = 0
    gold_insertion_chars: int = 0
    char_edits: int = 0
    gold_chars: int = 0
    words: int = 0
    """Words of X scored for casing (``lower`` only)."""
    words_correct: int = 0
    cased_gold: int = 0
    cased_pred: int = 0
    cased_tp: int = 0

    # merging -------------------------------------------------------------

    def update(self, other: Score) -> Score:
        """Add ``other``'s counts to this score in place; return ``self``.

        >>> s = Score()
        >>> s.update(score_document("a.", "a.")).documents
        1
        """
        if other.profile is not None:
            if self.profile is None:
                self.profile = other.profile
            elif self.profile != other.profile:
                raise ValueError(
                    f"cannot add a {other.profile!r} score to a {self.profile!r} score"
                )
        self.gold.update(other.gold)
        self.pred.update(other.pred)
        self.tp.update(other.tp)
        for name in _INT_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    def copy(self) -> Score:
        """An independent copy of this score."""
        return Score().update(self)

    def __add__(self, other: Score) -> Score:
        if not isinstance(other, Score):
            return NotImplemented
        return self.copy().update(other)

    def __radd__(self, other) -> Score:
        if other == 0:  # sum() without a start value
            return self.copy()
        return NotImplemented

    def __iadd__(self, other: Score) -> Score:
        if not isinstance(other, Score):
            return NotImplemented
        return self.update(other)

    # measures ------------------------------------------------------------

    def per_mark(self) -> dict[str, dict[str, float | int]]:
        """Precision, recall, F1 and gold / pred / tp counts of every mark.

        Every mark of :data:`MARKS` is present, in that order; a mark never
        predicted has precision 0.0, one never in gold recall 0.0.

        >>> score_document("a, b", "a b").per_mark()["comma"]
        {'precision': 0.0, 'recall': 0.0, 'f1': 0.0, 'gold': 1, 'pred': 0, 'tp': 0}
        """
        return {m: _prf(self.tp[m], self.gold[m], self.pred[m]) for m in MARKS}

    def micro(self) -> dict[str, float | int]:
        """The marks counts summed over all marks, with P / R / F1."""
        return _prf(sum(self.tp.values()), sum(self.gold.values()), sum(self.pred.values()))

    @property
    def micro_precision(self) -> float:
        """Matched marks over predicted marks, all marks together."""
        return _ratio(sum(self.tp.values()), sum(self.pred.values()))

    @property
    def micro_recall(self) -> float:
        """Matched marks over gold marks, all marks together."""
        return _ratio(sum(self.tp.values()), sum(self.gold.values()))

    @property
    def micro_f1(self) -> float:
        """Marks micro-F1: the headline number."""
        return _f1(self.micro_precision, self.micro_recall)

    @property
    def insertion_error_rate(self) -> float:
        """Summed insertion edit distance over total gold insertion length."""
        return self.insertion_edits / max(1, self.gold_insertion_chars)

    @property
    def cer(self) -> float:
        """Character error rate: summed distance(R, G) over summed len(G)."""
        return self.char_edits / max(1, self.gold_chars)

    @property
    def has_casing(self) -> bool:
        """Whether casing is measured (the ``lower`` profile)."""
        return self.profile in LOWERED_PROFILES or self.words > 0

    @property
    def casing_accuracy(self) -> float:
        """Share of X's words whose restored letters match gold exactly."""
        return _ratio(self.words_correct, self.words)

    def casing(self) -> dict[str, float | int] | None:
        """Casing accuracy and P / R / F1 on gold-cased words, or ``None``.

        A word is *cased* when its text is not all lowercase; a predicted
        cased word is correct when it equals the gold word exactly.

        >>> c = score_document("The U.S. or us", "The us or US", "lower").casing()
        >>> c["accuracy"], c["precision"], c["recall"]
        (0.5, 0.5, 0.5)
        """
        if not self.has_casing:
            return None
        prf = _prf(self.cased_tp, self.cased_gold, self.cased_pred)
        return {"accuracy": self.casing_accuracy, "words": self.words, **prf}

    def to_dict(self) -> dict:
        """Every measure and count as plain JSON data, floats to 4 places.

        Keys: profile, documents, violations, micro, marks (every mark of
        :data:`MARKS`), insertion_error_rate, insertion_edits,
        gold_insertion_chars, cer, char_edits, gold_chars, casing (``None``
        unless casing is measured).

        >>> d = score_document("Hi, you.", "Hi you.").to_dict()
        >>> d["micro"], d["insertion_error_rate"]
        ({'precision': 1.0, 'recall': 0.5, 'f1': 0.6667, 'gold': 2, 'pred': 1, 'tp': 1}, 0.5)
        >>> json.loads(json.dumps(d)) == d
        True
        """
        return {
            "profile": self.profile,
            "documents": self.documents,
            "violations": self.violations,
            "micro": _rounded(self.micro()),
            "marks": _rounded(self.per_mark()),
            "insertion_error_rate": round(self.insertion_error_rate, 4),
            "insertion_edits": self.insertion_edits,
            "gold_insertion_chars": self.gold_insertion_chars,
            "cer": round(self.cer, 4),
            "char_edits": self.char_edits,
            "gold_chars": self.gold_chars,
            "casing": _rounded(self.casing()),
        }

    def to_json(self, **kwargs) -> str:
        """:meth:`to_dict` as JSON text (never NaN: ``allow_nan=False``)."""
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)

    def format_table(self) -> str:
        """A fixed-width text table of the measures.

        One row per mark seen in gold or prediction, then the micro row, then
        IER, CER, documents, violations and (for ``lower``) casing.

        >>> print(score_document("Oh, no. Don't!", "Oh no. Don’t?").format_table())
        mark               P       R      F1     gold     pred
        period        1.0000  1.0000  1.0000        1        1
        comma         0.0000  0.0000  0.0000        1        0
        question      0.0000  0.0000  0.0000        0        1
        exclamation   0.0000  0.0000  0.0000        1        0
        apostrophe    1.0000  1.0000  1.0000        1        1
        micro         0.6667  0.5000  0.5714        4        3
        insertion error rate  0.7500
        CER                   0.2143
        documents             1
        invariant violations  0
        """
        head = f"{'mark':<12}{'P':>8}{'R':>8}{'F1':>8}{'gold':>9}{'pred':>9}"
        lines = [head]

        def row(name: str, r: Mapping[str, float | int]) -> str:
            return (
                f"{name:<12}{r['precision']:>8.4f}{r['recall']:>8.4f}{r['f1']:>8.4f}"
                f"{r['gold']:>9d}{r['pred']:>9d}"
            )

        for mark, r in self.per_mark().items():
            if r["gold"] or r["pred"]:
                lines.append(row(mark, r))
        lines.append(row("micro", self.micro()))
        lines.append(f"{'insertion error rate':<22}{self.insertion_error_rate:.4f}")
        lines.append(f"{'CER':<22}{self.cer:.4f}")
        lines.append(f"{'documents':<22}{self.documents}")
        lines.append(f"{'invariant violations':<22}{self.violations}")
        casing = self.casing()
        if casing is not None:
            lines.append(f"{'casing accuracy':<22}{casing['accuracy']:.4f} ({self.words} words)")
            lines.append(
                f"{'cased words P/R/F1':<22}{casing['precision']:.4f} / "
                f"{casing['recall']:.4f} / {casing['f1']:.4f} "
                f"(gold {self.cased_gold}, pred {self.cased_pred})"
            )
        return "\n".join(lines)


_INT_FIELDS = (
    "documents",
    "violations",
    "insertion_edits",
    "gold_insertion_chars",
    "char_edits",
    "gold_chars",
    "words",
    "words_correct",
    "cased_gold",
    "cased_pred",
    "cased_tp",
)


def _effective(insertions: list[str], kept: str, damaged: str, profile: str) -> list[str]:
    """Insertions, with ``newlines``' folded kept characters moved into them."""
    if profile != "newlines" or kept == damaged:
        return insertions
    out = None
    for m in _FOLDED.finditer(kept):
        j = m.start()
        if damaged[j] == " ":
            if out is None:
                out = list(insertions)
            out[j + 1] = kept[j] + out[j + 1]
    return insertions if out is None else out


def _check_profile(profile: str) -> None:
    if profile not in STRIP_PROFILES:
        raise ValueError(
            f"cannot score profile {profile!r}; use one of: {', '.join(STRIP_PROFILES)}"
        )


def score_document(gold: str, pred: str, profile: str = "seed") -> Score:
    """Score one restoration ``pred`` against ``gold`` under ``profile``.

    ``profile`` is one of the strip-like profiles (``seed``, ``lower``,
    ``newlines``). If ``profile(pred)`` differs from ``profile(gold)`` the
    document counts as an invariant violation and is scored as if nothing
    had been inserted; its CER still compares the real ``pred``.

    >>> s = score_document("Don't.", "Dont.")
    >>> s.tp["period"], s.gold["apostrophe"], s.pred["apostrophe"], s.violations
    (1, 1, 0, 0)
    >>> score_document("Don't.", "Won't.").violations
    1
    """
    _check_profile(profile)
    strip = PROFILES[profile]
    damaged = strip(gold)
    g_align = align(gold, damaged, profile)
    score = Score(profile=profile, documents=1)
    p_align = None
    if strip(pred) == damaged:
        try:
            p_align = align(pred, damaged, profile)
        except AlignmentError:  # pragma: no cover - cannot happen for strip profiles
            p_align = None
    g_ins = _effective(g_align.insertions, g_align.kept, damaged, profile)
    if p_align is None:
        score.violations = 1
        p_kept = damaged
        pairs = Counter((g, "") for g in g_ins if g)
    else:
        p_kept = p_align.kept
        p_ins = _effective(p_align.insertions, p_kept, damaged, profile)
        if p_ins == g_ins:
            pairs = Counter((g, g) for g in g_ins if g)
        else:
            pairs = Counter(zip(g_ins, p_ins, strict=True))
            pairs.pop(("", ""), None)

    gold_marks, pred_marks, tp = score.gold, score.pred, score.tp
    edits = gold_len = 0
    for (g, p), n in pairs.items():
        gold_len += len(g) * n
        gm = _marks(g) if g else ()
        if g == p:
            for mark, c in gm:
                gold_marks[mark] += c * n
                pred_marks[mark] += c * n
                tp[mark] += c * n
            continue
        pm = dict(_marks(p)) if p else {}
        if not g or not p:
            edits += (len(g) or len(p)) * n
        else:
            edits += Levenshtein.distance(g, p) * n
        for mark, c in gm:
            gold_marks[mark] += c * n
            hit = min(c, pm.get(mark, 0))
            if hit:
                tp[mark] += hit * n
        for mark, c in pm.items():
            pred_marks[mark] += c * n
    score.insertion_edits = edits
    score.gold_insertion_chars = gold_len
    score.char_edits = Levenshtein.distance(pred, gold)
    score.gold_chars = len(gold)

    if profile in LOWERED_PROFILES:
        g_words = [w for w in g_align.kept.split(" ") if w]
        p_words = [w for w in p_kept.split(" ") if w]
        score.words = len(g_words)
        if g_align.kept == p_kept:
            cased = sum(1 for w in g_words if w != w.lower())
            score.words_correct = score.words
            score.cased_gold = score.cased_pred = score.cased_tp = cased
        else:
            correct = cased_gold = cased_pred = cased_tp = 0
            for g, p in zip(g_words, p_words, strict=True):
                same = g == p
                correct += same
                if g != g.lower():
                    cased_gold += 1
                if p != p.lower():
                    cased_pred += 1
                    cased_tp += same
            score.words_correct = correct
            score.cased_gold, score.cased_pred, score.cased_tp = cased_gold, cased_pred, cased_tp
    return score


def score_corpus(pairs: Iterable[tuple[str, str]], profile: str = "seed") -> Score:
    """Score ``(gold, pred)`` pairs and add the scores up (micro averages).

    >>> s = score_corpus([("A, b.", "A, b."), ("C; d", "C d")])
    >>> s.documents, s.per_mark()["semicolon"]["recall"], s.micro_precision
    (2, 0.0, 1.0)
    """
    _check_profile(profile)
    total = Score(profile=profile)
    for gold, pred in pairs:
        total.update(score_document(gold, pred, profile))
    return total


# Number value precision ------------------------------------------------------

_DIGITS = re.compile(r"[0-9]+")


def _number_forms(insertions: list[str], damaged: str) -> list[tuple[str, bool]]:
    """Per digit run of ``damaged``: how the insertions write it, and whether with a value mark.

    The written form is the currency signs of the gap before the run, the
    digits with every insertion between them, and the ``%`` of the gap
    after it (:func:`unstrip.decode.rules.value_marks`); it has a value mark
    when any of those changes what the digits say.
    """
    out = []
    for m in _DIGITS.finditer(damaged):
        a, b = m.span()
        lead = value_marks(damaged, a, insertions[a])
        tail = value_marks(damaged, b, insertions[b])
        marked = bool(lead or tail)
        body = [damaged[a]]
        for g in range(a + 1, b):
            marked = marked or bool(value_marks(damaged, g, insertions[g]))
            body += [insertions[g], damaged[g]]
        out.append((lead + "".join(body) + tail, marked))
    return out


def number_values(pairs: Iterable[tuple[str, str]], profile: str = "seed") -> dict:
    """*Number value precision* and recall of ``(gold, pred)`` restorations.

    A number is a run of ASCII digits in the damaged text; it is *written
    with a value mark* when a mark that changes its value goes inside it
    (a decimal point, ``:``, ``-``, ``/``), before it (a currency sign) or
    after it (``%``); a grouping comma does not count. Precision: of the
    numbers the restoration writes with a value mark, the share written
    exactly as in the gold (same marks between the digits, same currency
    sign and ``%``). Recall: of the gold numbers written with one, the
    share the restoration writes exactly so. A restoration that changes
    kept text is scored as if it had inserted nothing.

    >>> gold = "Pay $1,200 a year, up 12.5% by 4:00pm."
    >>> s = number_values([(gold, "Pay $12.00 a year, up 12.5% by 4.00pm.")])
    >>> s["pred_marked"], s["gold_marked"], s["right"], s["precision"], s["recall"]
    (3, 3, 1, 0.3333, 0.3333)
    >>> number_values([(gold, "Pay 1,200 a year, up 12.5% by 400pm.")])["precision"]
    1.0
    """
    _check_profile(profile)
    strip = PROFILES[profile]
    counts = Counter()
    for gold, pred in pairs:
        damaged = strip(gold)
        g_forms = _number_forms(align(gold, damaged, profile).insertions, damaged)
        if strip(pred) == damaged:
            p_ins = align(pred, damaged, profile).insertions
        else:
            p_ins = [""] * (len(damaged) + 1)
        p_forms = _number_forms(p_ins, damaged)
        counts["numbers"] += len(g_forms)
        for (g, g_marked), (p, p_marked) in zip(g_forms, p_forms, strict=True):
            counts["gold_marked"] += g_marked
            counts["pred_marked"] += p_marked
            counts["right"] += p_marked and g == p
    return {
        "numbers": counts["numbers"],
        "gold_marked": counts["gold_marked"],
        "pred_marked": counts["pred_marked"],
        "right": counts["right"],
        "precision": round(_ratio(counts["right"], counts["pred_marked"]), 4),
        "recall": round(_ratio(counts["right"], counts["gold_marked"]), 4),
    }
