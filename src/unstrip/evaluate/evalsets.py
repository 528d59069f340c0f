"""Fixed evaluation sets per source family: one half of the dev split to tune on, one to report.

The corpora grow: "the first 200 dev documents" named other documents each
time a file was added. Here a document's set depends on nothing but its own
id and source, so adding files never moves a document from one set to the
other:

- the **family** comes from the document's ``source`` field: ``news`` (bbc,
  reuters, reuters87, newsarticles), ``speech`` (ted), ``court`` (scotus);
- only ``split == "dev"`` documents are used (no training run reads them);
- the **part** is ``tune`` or ``report`` by a hash of the id: decisions
  (thresholds, shifts, which checkpoint ships) are made on ``tune``, and
  ``report`` is only ever measured.

Each family has its natural damage: news is restored from the ``seed``
profile (and also ``lower``), speech, court and conversation from ``lower``,
the way a speech recogniser writes them.

>>> part_of("bbc-0001"), part_of("bbc-0004")
('report', 'tune')
>>> family_of("reuters87"), family_of("ted"), family_of("moby")
('news', 'speech', None)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from unstrip.text.corpus import Document, corpus_files, iter_documents

__all__ = ["FAMILIES", "PARTS", "family_of", "part_of", "documents"]

#: Sources of each family, as the corpora's ``source`` field names them.
FAMILIES: dict[str, tuple[str, ...]] = {
    "news": ("bbc", "reuters", "reuters87", "newsarticles"),
    "speech": ("ted",),
    "court": ("scotus",),
    "conversation": ("dailydialog", "topicalchat", "cornell", "friends"),
}
PARTS = ("tune", "report")


def family_of(source: str | None) -> str | None:
    """The family a source belongs to, or None for sources in no family."""
    for family, sources in FAMILIES.items():
        if source in sources:
            return family
    return None


def part_of(doc_id: str) -> str:
    """``report`` or ``tune``: half the ids each, by a hash that no other choice uses."""
    h = hashlib.sha1(f"unstrip-evalset:{doc_id}".encode()).digest()
    return "report" if h[0] % 2 == 0 else "tune"


def documents(
    family: str, part: str, paths: Iterable[str | Path] | None = None, limit: int | None = None
) -> list[Document]:
    """The dev documents of ``family`` in ``part``, ordered by id hash, at most ``limit``.

    ``paths`` defaults to every corpus file under ``../shared/corpora``.
    """
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}: choose from {', '.join(FAMILIES)}")
    if part not in PARTS:
        raise ValueError(f"unknown part {part!r}: choose from {', '.join(PARTS)}")
    files = list(paths) if paths is not None else corpus_files()
    docs = [
        d for d in iter_documents(files, split="dev")
        if d.source in FAMILIES[family] and part_of(d.id) == part
    ]
    docs.sort(key=lambda d: hashlib.sha1(d.id.encode("utf-8")).hexdigest())
    return docs[:limit] if limit is not None else docs
