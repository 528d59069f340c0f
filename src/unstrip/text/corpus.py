"""Reading documents: JSONL (gzipped, xz-compressed or plain) and plain-text files.

Training, evaluation and batch work all read the same shapes of input: JSONL
with one ``{"id", "text"}`` object a line (other fields such as ``split`` are
kept), optionally gzipped or xz-compressed, or ``.txt`` files that hold one document each.

>>> import json, tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.jsonl").write_text(
...     json.dumps({"id": "x1", "text": "Hi.", "split": "dev"}) + "\\n", encoding="utf-8")
>>> [(doc.id, doc.text, doc.split) for doc in iter_documents([d / "a.jsonl"])]
[('x1', 'Hi.', 'dev')]
"""

from __future__ import annotations

import gzip
import json
import lzma
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Document", "CorpusError", "iter_documents", "shared_dir", "corpus_files"]


class CorpusError(ValueError):
    """An input file is not in a shape unstrip can read."""


@dataclass(frozen=True)
class Document:
    """One document: its id, its text, and the split it belongs to (if known)."""

    id: str
    text: str
    split: str | None = None
    source: str | None = None


def _open_text(path: Path):
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    if path.suffix == ".xz":
        return lzma.open(path, "rt", encoding="utf-8")
    return path.open("r", encoding="utf-8")


def is_jsonl(path: Path) -> bool:
    """Does the file name say JSON Lines (``.jsonl``, ``.json``, maybe ``.gz`` or ``.xz``)?

    >>> is_jsonl(Path("x.jsonl.gz")), is_jsonl(Path("x.jsonl.xz")), is_jsonl(Path("x.txt"))
    (True, True, False)
    """
    suffixes = [s for s in path.suffixes if s not in (".gz", ".xz")]
    return bool(suffixes) and suffixes[-1] in (".jsonl", ".json", ".ndjson")


def iter_documents(
    paths: Iterable[str | Path], split: str | None = None, field: str = "text"
) -> Iterator[Document]:
    """Yield the documents in ``paths`` in order.

    JSONL lines must be objects with a string ``field``; an ``id`` is made
    from the file name and line number where one is missing. With ``split``,
    only documents whose ``split`` field equals it are yielded (documents
    without the field are yielded only when ``split`` is None).
    """
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise CorpusError(f"{path}: no such file")
        if not is_jsonl(path):
            if split is None:
                with _open_text(path) as fh:
                    yield Document(id=path.stem, text=fh.read(), source=path.name)
            continue
        with _open_text(path) as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise CorpusError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
                if not isinstance(obj, dict) or not isinstance(obj.get(field), str):
                    raise CorpusError(
                        f"{path}:{lineno}: expected an object with a string {field!r} field"
                    )
                doc_split = obj.get("split")
                if split is not None and doc_split != split:
                    continue
                yield Document(
                    id=str(obj.get("id", f"{path.name}:{lineno}")),
                    text=obj[field],
                    split=doc_split,
                    source=obj.get("source"),
                )


def shared_dir() -> Path | None:
    """The ``shared`` folder beside the repository, where corpora live, if present.

    Looks next to the current directory's repository root and next to this
    source tree; ``UNSTRIP_SHARED`` overrides both.
    """
    import os

    env = os.environ.get("UNSTRIP_SHARED")
    candidates = [Path(env)] if env else []
    candidates += [Path.cwd().parent / "shared", Path(__file__).resolve().parents[4] / "shared"]
    for c in candidates:
        if (c / "corpora").is_dir() or (c / "seeds").is_dir():
            return c
    return None


def corpus_files(shared: Path | None = None) -> list[Path]:
    """All ``*.jsonl.gz`` corpus files under ``shared/corpora``, sorted by name."""
    shared = shared or shared_dir()
    if shared is None:
        return []
    return sorted((shared / "corpora").glob("*.jsonl*"))
