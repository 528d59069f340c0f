"""Questions: turning a restored sentence's period into ``?`` when its words ask.

The network fills each gap from its window, and at 3,700 training steps it
had not learned to prefer ``?`` anywhere (question F1 0 on dev and on
IWSLT): a question is rare in news and is told by words far from the gap
(``what``, ``do you``, ``how many of you``). This module is a small learned
classifier of sentences, from counts: how often sentences that start with
the same one, two or three words (after discourse words such as ``and`` or
``so``) and end with the same word were questions in clean text, combined
naive-Bayes style. It runs after the network: a sentence the network ended
with a period becomes a question where the classifier's log-odds reach
:attr:`QuestionModel.threshold`. Only the inserted mark changes.

It is built by :func:`unstrip.train.questions_table.build` from the training
split of ../shared/corpora (news, TED talks, court arguments, speeches:
``python -m unstrip.questions build``), its threshold chosen on IWSLT dev2012
blocks 1-5, and shipped as ``data/questions.json.gz``. The builder lives
apart so that restoring never imports the IWSLT reader.

>>> m = QuestionModel.from_sentences([("what is it", True), ("it is", False)] * 4 +
...                                  [("so it is", False)] * 4, threshold=0.0)
>>> text = "what is it it is so what is it"
>>> ins = [""] * len(text) + ["."]
>>> ins[10] = ins[16] = "."
>>> out = mark_questions(text, ins, m)
>>> from unstrip.text.alignment import apply
>>> apply(text, out[0])
'what is it? it is. so what is it?'
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from unstrip.text.tokens import pieces

__all__ = ["QuestionModel", "DEFAULT_PATH", "mark_questions", "sentences"]

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "questions.json.gz"

SKIP = frozenset("and so but now well or then okay ok oh yeah because also".split())
"""Words passed over at a sentence start before its opening words are counted."""

_END = re.compile(r"[.?!]")


def features(words: Sequence[str]) -> list[str]:
    """The counted features of a sentence given as lowercase words.

    >>> features(["and", "so", "what", "do", "you", "think"])
    ['s1 what', 's2 what do', 's3 what do you', 'e1 think']
    """
    i = 0
    while i < len(words) - 1 and words[i] in SKIP:
        i += 1
    rest = words[i:]
    if not rest:
        return []
    out = [f"s{k} " + " ".join(rest[:k]) for k in (1, 2, 3) if len(rest) >= k]
    return [*out, "e1 " + words[-1]]


def sentences(text: str, insertions: Sequence[str]) -> list[tuple[list[str], int]]:
    """The sentences of stripped ``text`` under ``insertions``: (lowercase words, end gap).

    A sentence ends at a gap after a word whose insertion holds ``.``, ``?``
    or ``!``; a last sentence without one has end gap -1.

    >>> sentences("Hi there Go now", ["", "", "."] + [""] * 12 + ["!"])
    [(['hi'], 2), (['there', 'go', 'now'], 15)]
    """
    out: list[tuple[list[str], int]] = []
    words: list[str] = []
    for p in pieces(text):
        words.append(p.text.lower())
        if _END.search(insertions[p.end]):
            out.append((words, p.end))
            words = []
    if words:
        out.append((words, -1))
    return out


class QuestionModel:
    """Counts of sentence features by whether the sentence was a question.

    ``counts[feature] = [questions, sentences]``; ``prior`` is the share of
    questions among all sentences counted; ``threshold`` is the log-odds
    from which a sentence is taken for a question.
    """

    def __init__(self, counts: dict[str, list[int]], prior: float, threshold: float = 0.0):
        self.counts = counts
        self.prior = min(max(prior, 1e-6), 1 - 1e-6)
        self.threshold = threshold

    @classmethod
    def from_sentences(cls, items: Iterable[tuple[str | Sequence[str], bool]],
                       threshold: float = 0.0, min_count: int = 1) -> QuestionModel:
        """Count ``(sentence words, is question)`` pairs.

        Features seen fewer than ``min_count`` times are dropped."""
        counts: dict[str, list[int]] = {}
        n = q = 0
        for words, is_q in items:
            words = words.split() if isinstance(words, str) else list(words)
            n += 1
            q += bool(is_q)
            for f in features(words):
                row = counts.setdefault(f, [0, 0])
                row[0] += bool(is_q)
                row[1] += 1
        counts = {f: r for f, r in counts.items() if r[1] >= min_count}
        return cls(counts, q / max(n, 1), threshold)

    def log_odds(self, words: Sequence[str]) -> float:
        """How strongly the counts say ``words`` is a question (0: as likely as not)."""
        prior = math.log(self.prior / (1 - self.prior))
        total = prior
        for f in features(words):
            row = self.counts.get(f)
            if row is None:
                continue
            p = (row[0] + 2 * self.prior) / (row[1] + 2)
            total += math.log(p / (1 - p)) - prior
        return total

    def is_question(self, words: Sequence[str]) -> bool:
        return self.log_odds(words) >= self.threshold

    def probability(self, words: Sequence[str]) -> float:
        """The log-odds as a probability, for ``--explain``."""
        return _sigmoid(self.log_odds(words))

    def save(self, path: str | Path) -> None:
        data = {"prior": self.prior, "threshold": self.threshold, "counts": self.counts}
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            json.dump(data, fh, separators=(",", ":"), sort_keys=True)

    @classmethod
    def load(cls, path: str | Path = DEFAULT_PATH) -> QuestionModel:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            data = json.load(fh)
        return cls(data["counts"], data["prior"], data["threshold"])


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def mark_questions(
    text: str, insertions: Sequence[str], model: QuestionModel
) -> tuple[list[str], dict[int, float]]:
    """``insertions`` with the period that ends each question sentence made a ``?``.

    Returns the new insertions and the gaps changed, each with the
    classifier's probability that its sentence is a question. Only a sentence end
    whose first mark is a single ``.`` changes (not ``...``, not a ``?`` or
    ``!`` the network chose); nothing but that character is replaced.
    """
    out = list(insertions)
    changed: dict[int, float] = {}
    for words, gap in sentences(text, insertions):
        if gap < 0:
            continue
        s = out[gap]
        m = _END.search(s)
        if m is None or m.group() != "." or s[m.start() : m.start() + 2] == "..":
            continue
        odds = model.log_odds(words)
        if odds >= model.threshold:
            out[gap] = s[: m.start()] + "?" + s[m.end() :]
            changed[gap] = round(_sigmoid(odds), 4)
    return out, changed
