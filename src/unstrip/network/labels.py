"""The label inventories of the network's heads.

The ``after`` head names the insertion at the gap after each word piece, the
``before`` head the opening marks in front of a word (see
:mod:`unstrip.train.labels` for how clean text gives both). Each head
predicts one string of a fixed inventory, a :class:`LabelSet` chosen from
the training labels' counts and shipped with the model (``labels.json``);
the casing head, for lowercased input, predicts one of four fixed classes
(:data:`CASE_CLASSES`, :func:`case_class`).

>>> ls = LabelSet(["", ".", ","])
>>> ls.id(","), ls.labels[ls.id(".,")], CASE_CLASSES[case_class("NATO")]
(2, '.', 'upper')
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from rapidfuzz.distance import Levenshtein

__all__ = ["CASE_CLASSES", "LabelSet", "case_class", "load_label_sets", "save_label_sets"]

CASE_CLASSES = ("lower", "capitalised", "upper", "mixed")
"""How the gold writes a word piece's letters (the casing head's classes).

``mixed`` (``McDonald`` as one piece) is not spelt out by the class: the
lexicon's written form supplies the letters."""

def case_class(letters: str) -> int | None:
    """The :data:`CASE_CLASSES` index of how ``letters`` are written (None: no letters).

    Only letters count (``15th`` is ``lower``); one capital letter alone is
    ``capitalised``, like :func:`casing`.

    >>> [case_class(w) for w in ["the", "Reports", "NATO", "I", "McDonald", "iPhone", "15", ""]]
    [0, 1, 2, 1, 3, 3, None, None]
    """
    if not letters.isalpha():  # most pieces are letters only: no need to filter
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
