"""Restore a whole file of records: JSONL, CSV or Parquet in, the same format out.

A corpus is millions of records, not one text: restoring them one ``unstrip``
call at a time is slow, a crash an hour in must not mean starting over, and
one bad record must not stop the run. :func:`run_batch` reads records in
batches, restores the ``field`` column of each in worker processes (each
loads the model once), writes them in input order with every other column
unchanged, and sends records it cannot restore to an errors file.

>>> import json, tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> rows = [{"id": "a", "text": "dont go", "n": 1.50}, {"id": "b", "n": 2}]
>>> _ = (d / "in.jsonl").write_text("".join(json.dumps(r) + "\\n" for r in rows) + "{oops\\n")
>>> run_batch(d / "in.jsonl", d / "out.jsonl", workers=0, progress=False)
Summary(records_in=3, records_out=1, errors=2)
>>> (d / "out.jsonl").read_text()
'{"id": "a", "text": "Don\\'t go.", "n": 1.5}\\n'
>>> print((d / "out.jsonl.errors.jsonl").read_text(), end="")
{"line": 2, "id": "b", "reason": "missing field 'text'"}
{"line": 3, "reason": "not valid JSON (Expecting property name enclosed in double quotes)"}

Every non-blank input line (every CSV record, every Parquet row) ends up
exactly once in the output or in the errors file. An error record names
where the record was (``line``: its first line in a JSONL or CSV file,
counting from 1; ``row``: its position in a Parquet file, counting from 0),
its ``id`` only when the record has one, and the reason: a line that is
not UTF-8 or not JSON (NaN, Infinity and duplicate keys included), a
missing or non-string text, and a record the output format cannot hold
(a lone surrogate for CSV or Parquet, a key outside the CSV header, a
Parquet column whose type changes). JSONL lines are split at ``\\n``
only, so a raw ``\\r`` inside a record is JSON whitespace, not a line end.
Other fields are written back as they were: numbers as written in JSONL
(``1e400`` stays ``1e400``, ``1.10`` stays ``1.10``), lone surrogates as
``\\ud800`` escapes. Parquet output takes a column the first time any
record has it (earlier rows get null); in CSV output the columns are
the input's header (for JSONL input, the first record's keys) and
non-string values are written as JSON. With ``errors="replace"`` bytes
that are not UTF-8 become U+FFFD instead of making the record an error.

Formats follow the file name: ``.jsonl``/``.jsonl.gz``, ``.csv``, ``.parquet``
(needs pyarrow). Crash safety: output goes to ``OUTPUT.partial`` (for
Parquet, a folder ``OUTPUT.partial`` of one row-group file per batch), the
errors to ``ERRORS.partial``, and after each batch both are fsynced and
``OUTPUT.journal`` is replaced atomically with the number of input records
done and the byte size (or part count) of each partial. A run killed at any
point and restarted with the same arguments truncates the partials to what
the journal recorded and continues after the last batch it names, so no
record is lost or written twice. At the end the partials are renamed into
place, so OUTPUT appears complete or not at all. (``.jsonl.gz`` partials are
one gzip member per batch, which concatenated form a valid gzip file.)
Worker processes ask Linux to kill them when the run's process dies
(``PR_SET_PDEATHSIG``), so a ``kill -9`` of the run leaves none behind.

The per-record and per-batch work, :func:`restore_one` and
:func:`restore_records`, are plain functions so that another executor (the
Ray engine's ``map_batches`` actors, :mod:`unstrip.ray_batch`) calls them
the same way.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import ctypes
import gzip
import io
import json
import math
import os
import re
import shutil
import signal
import sys
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from multiprocessing import get_context
from pathlib import Path

from unstrip.restorer import PROFILE_CHOICES, Restorer

__all__ = ["BatchError", "Summary", "restore_one", "restore_records", "run_batch", "MAX_CHARS"]

MAX_CHARS = 10_000_000
"""Records whose text is longer than this go to the errors file."""

_FORMATS = ("jsonl", "csv", "parquet")
_DELAY_ENV = "UNSTRIP_BATCH_TEST_DELAY"  # test-only: seconds to sleep per batch
_JOURNAL_VERSION = 2  # journals of another layout are not resumed
_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")  # what surrogateescape makes of a bad byte


class BatchError(ValueError):
    """A batch run that cannot start or finish, with a message that says why."""


@dataclass(frozen=True)
class Summary:
    """Records read, written and sent to the errors file (``in == out + errors``).

    A run in which records came in and none was restored failed, whatever
    the reason of each record: :attr:`exit_code` is then 1, and
    :meth:`report` says so in words.

    >>> Summary(3, 0, 3, "out.jsonl.errors.jsonl").exit_code
    1
    >>> print(Summary(3, 0, 3, "out.jsonl.errors.jsonl").report())
    no record restored: all 3 failed (reasons in out.jsonl.errors.jsonl)
    >>> s = Summary(3, 2, 1, "e.jsonl")
    >>> s.exit_code, s.report()
    (0, '2 of 3 records restored; 1 failed (reasons in e.jsonl)')
    """

    records_in: int
    records_out: int
    errors: int
    errors_path: str | None = dataclass_field(default=None, repr=False, compare=False)

    def __str__(self) -> str:
        return f"in={self.records_in} out={self.records_out} errors={self.errors}"

    @property
    def failed(self) -> bool:
        """Records came in and none was restored."""
        return self.records_in > 0 and self.records_out == 0

    @property
    def exit_code(self) -> int:
        """What the command exits with: 1 when :attr:`failed`, else 0."""
        return 1 if self.failed else 0

    def report(self) -> str:
        """One line for people: how many records were restored and how many failed."""
        where = f" (reasons in {self.errors_path})" if self.errors and self.errors_path else ""
        if self.failed:
            return f"no record restored: all {self.errors:,} failed{where}"
        if not self.records_in:
            return "no records in the input"
        line = f"{self.records_out:,} of {self.records_in:,} records restored"
        return line + (f"; {self.errors:,} failed{where}" if self.errors else "")


class _Bad:
    """An input record that could not even be parsed (e.g. a bad JSONL line)."""

    def __init__(self, reason: str):
        self.reason = reason


class _Unwritable(ValueError):
    """A record the output format cannot hold; the message says why."""


class _Number:
    """A JSON number kept as written, so that it is written back the same.

    Floats (``1.10``, ``1e400``) and the few integers Python would respell
    (``-0``, more than 4,000 digits) are parsed into this.

    >>> _parse_json('{"a": 1.10, "b": 1e400, "c": 7}')
    {'a': 1.10, 'b': 1e400, 'c': 7}
    """

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text

    __str__ = __repr__

    def __eq__(self, other) -> bool:
        return isinstance(other, _Number) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __getstate__(self):
        return self.text

    def __setstate__(self, text):
        self.text = text

    def value(self) -> int | float:
        """The number as a Python int or a finite float; raises :class:`_Unwritable`."""
        if not any(c in self.text for c in ".eE"):
            try:
                return int(self.text)
            except ValueError:  # over Python's digit limit
                raise _Unwritable(f"{self.text[:20]}... has too many digits") from None
        x = float(self.text)
        if not math.isfinite(x):
            raise _Unwritable(f"{self.text} is out of the range of a 64-bit float")
        return x


# -- JSON in and out --------------------------------------------------------
def _int(text: str):
    return _Number(text) if text == "-0" or len(text) > 4000 else int(text)


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _object(pairs: list) -> dict:
    out: dict = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r}")
        out[k] = v
    return out


def _parse_json(text: str):
    """Parse one JSON value strictly: numbers kept as written, no NaN, no duplicate keys."""
    return json.loads(text, parse_float=_Number, parse_int=_int, parse_constant=_no_constant,
                      object_pairs_hook=_object)


def _json_reason(text: str):
    """``(value, None)`` for a JSON line, ``(None, reason)`` when it is not one."""
    try:
        return _parse_json(text), None
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON ({exc.msg})"
    except RecursionError:
        return None, "not valid JSON (nested too deeply)"
    except ValueError as exc:
        return None, f"not valid JSON ({exc})"


def _dumps(obj, strict: bool = True) -> str:
    """JSON text of ``obj`` as :func:`json.dumps` spells it, numbers as they were read.

    ``strict``: a NaN or infinite float raises :class:`_Unwritable` (else it
    is written as a string). Lone surrogates stay raw here (see :func:`_json_line`).
    """
    if isinstance(obj, dict):
        return "{" + ", ".join(
            f"{json.dumps(k if isinstance(k, str) else str(k), ensure_ascii=False)}: "
            f"{_dumps(v, strict)}" for k, v in obj.items()) + "}"
    if isinstance(obj, (list, tuple)):
        return "[" + ", ".join(_dumps(v, strict) for v in obj) + "]"
    if isinstance(obj, _Number):
        return obj.text
    if isinstance(obj, float) and not math.isfinite(obj):
        if strict:
            raise _Unwritable(f"{obj} is not a JSON number")
        obj = str(obj)
    return json.dumps(obj, ensure_ascii=False, default=str)


def _escape_surrogates(text: str) -> str:
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _json_line(obj, strict: bool = True) -> str:
    """One JSONL line; a lone surrogate (which UTF-8 cannot hold) as its ``\\u`` escape.

    >>> _json_line({"id": "\\ud800", "n": _Number("1.10")})
    '{"id": "\\\\ud800", "n": 1.10}\\n'
    """
    return _escape_surrogates(_dumps(obj, strict)) + "\n"


def _surrogate_field(rec: dict) -> str | None:
    for k, v in rec.items():
        if _SURROGATE.search(str(k)) or _SURROGATE.search(_dumps(v, strict=False)):
            return str(k)
    return None


# -- the per-batch work -----------------------------------------------------
def _type_name(value) -> str:
    return "float" if isinstance(value, _Number) else type(value).__name__


def _check_text(text, field: str, max_chars: int) -> str | None:
    """Why ``text`` cannot be restored, or None when it can."""
    if not isinstance(text, str):
        return f"field {field!r} is {_type_name(text)}, not a string"
    if len(text) > max_chars:
        return f"text of {len(text)} characters is over max_chars={max_chars}"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"invalid text: lone surrogate at character {exc.start}"
    return None


def restore_records(
    records: list,
    restorer: Restorer,
    field: str = "text",
    profile: str = "auto",
    *,
    ids: list | None = None,
    max_chars: int = MAX_CHARS,
) -> tuple[list[dict], list[dict]]:
    """Restore ``field`` of each record; return ``(ok_records, error_records)``.

    OK records are copies with ``field`` replaced (key order kept); error
    records are ``{"record", "id", "reason"}``: the position in ``records``,
    the id (``ids[k]`` when given, else the record's ``id`` when it has one)
    and why.

    >>> ok, bad = restore_records([{"text": "dont go"}, {"txt": 1}], Restorer())
    >>> ok, bad
    ([{'text': "Don't go."}], [{'record': 1, 'reason': "missing field 'text'"}])
    """
    ok: list[dict] = []
    bad: list[dict] = []
    for k, rec in enumerate(records):
        restored, reason = restore_one(rec, restorer, field, profile, max_chars)
        if reason is not None:
            head = {"record": k}
            if ids is not None:
                head["id"] = ids[k]
            elif isinstance(rec, dict) and "id" in rec:
                head["id"] = rec["id"]
            bad.append({**head, "reason": reason})
        else:
            ok.append(restored)
    return ok, bad


def restore_one(
    rec, restorer: Restorer, field: str = "text", profile: str = "auto",
    max_chars: int = MAX_CHARS,
) -> tuple[dict | None, str | None]:
    """Restore ``field`` of one record: ``(restored_copy, None)`` or ``(None, reason)``.

    >>> restore_one({"id": 7, "text": "dont go"}, Restorer("baseline"))
    ({'id': 7, 'text': "Don't go."}, None)
    >>> restore_one({"id": 7, "text": 3}, Restorer("baseline"))
    (None, "field 'text' is int, not a string")
    """
    if isinstance(rec, _Bad):
        return None, rec.reason
    if not isinstance(rec, dict):
        return None, f"record is {type(rec).__name__}, not an object"
    if field not in rec:
        return None, f"missing field {field!r}"
    reason = _check_text(rec[field], field, max_chars)
    if reason is not None:
        return None, reason
    try:
        restored = restorer.restore(rec[field], profile)
    except Exception as exc:  # one record's failure must not stop the run
        return None, f"restorer failed: {type(exc).__name__}: {exc}"
    out = dict(rec)
    out[field] = restored
    return out, None


_WORKER: Restorer | None = None
_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Have Linux SIGKILL this process when ``parent`` dies (no-op elsewhere)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # it died before the request took hold
        os._exit(1)


def _init_worker(model: str, parent: int | None = None, numbers: str = "safe") -> None:
    global _WORKER
    if parent is not None:
        _die_with_parent(parent)
    _WORKER = Restorer(model, numbers=numbers)


def _work(records: list, field: str, profile: str, max_chars: int) -> list[tuple]:
    return [restore_one(rec, _WORKER, field, profile, max_chars) for rec in records]


# -- formats ----------------------------------------------------------------
def _format(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".jsonl", ".jsonl.gz")):
        return "jsonl"
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".parquet"):
        return "parquet"
    raise BatchError(f"{path}: unknown format; use .jsonl, .jsonl.gz, .csv or .parquet")


def _pq():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise BatchError("Parquet needs pyarrow: pip install 'unstrip[batch]'") from None
    return pa, pq


def _open_bytes(path: Path):
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")
    return path.open("rb")


def _parse_jsonl(lines, errors: str = "strict") -> Iterator[tuple[int, object]]:
    """``(line number, record or _Bad)`` for each non-blank one of ``(line number, bytes)``.

    Shared by both engines (the Ray engine's actors get the raw lines).

    >>> [(n, getattr(r, "reason", r)) for n, r in _parse_jsonl([(1, b'{"a": 1}\\n'),
    ...     (2, b" \\r\\n"), (3, b'{"a": "\\xe9"}\\n')])]
    [(1, {'a': 1}), (3, 'invalid UTF-8 byte 0xe9 at byte 7 of the line')]
    """
    for lineno, raw in lines:
        if lineno == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8):]
        try:
            text = raw.decode("utf-8", errors)
        except UnicodeDecodeError as exc:
            yield lineno, _Bad(f"invalid UTF-8 byte 0x{raw[exc.start]:02x} at byte "
                               f"{exc.start} of the line")
            continue
        if not text.strip(" \t\r\n"):
            continue
        rec, reason = _json_reason(text)
        yield lineno, (_Bad(reason) if reason is not None else rec)


def _jsonl_lines(path: Path, errors: str) -> Iterator[tuple[int, object]]:
    """``(line number, record or _Bad)`` for each non-blank line, split at ``\\n`` only."""
    with _open_bytes(path) as fh:
        yield from _parse_jsonl(enumerate(fh, 1), errors)


def _bad_bytes(value: str) -> str | None:
    m = _ESCAPED_BYTE.search(value)
    return None if m is None else f"0x{ord(m.group()) - 0xDC00:02x}"


def _csv_rows(path: Path, errors: str) -> Iterator[tuple[int, object]]:
    """``(first line number, record or _Bad)`` for each CSV record after the header."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # texts far beyond csv's 128 KB
    policy = "surrogateescape" if errors == "strict" else errors
    with _open_bytes(path) as raw:
        fh = io.TextIOWrapper(raw, encoding="utf-8-sig", errors=policy, newline="")
        reader = csv.reader(fh)
        header = _csv_header(path, reader)
        if header is None:
            return
        start = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield start, _Bad(f"not valid CSV ({exc})")
                start = reader.line_num + 1
                continue
            lineno, start = start, reader.line_num + 1
            if not row:
                continue
            bad = next(filter(None, map(_bad_bytes, row)), None)
            if bad is not None:
                yield lineno, _Bad(f"invalid UTF-8 byte {bad}")
            elif len(row) != len(header):
                yield lineno, _Bad(f"{len(row)} fields, the header has {len(header)}")
            else:
                yield lineno, dict(zip(header, row, strict=True))


def _csv_header(path: Path, reader) -> list[str] | None:
    header = next(reader, None)
    if header is None:
        return None
    if any(map(_bad_bytes, header)):
        raise BatchError(f"{path}: the header line is not valid UTF-8")
    dup = sorted({c for c in header if header.count(c) > 1})
    if dup:
        raise BatchError(f"{path}: the header names a column twice: {dup}")
    return header


def _count(path: Path, fmt: str) -> int:
    """How many records ``path`` holds, about (for the progress bar; no parsing)."""
    if fmt == "parquet":
        return _pq()[1].ParquetFile(path).metadata.num_rows
    with _open_bytes(path) as fh:
        n = sum(1 for line in fh if line.strip())
    return n if fmt == "jsonl" else max(n - 1, 0)


def _columns(path: Path, fmt: str) -> list[str] | None:
    """The input's column names (JSONL: the first record's keys)."""
    if fmt == "parquet":
        return list(_pq()[1].ParquetFile(path).schema_arrow.names)
    if fmt == "csv":
        with _open_bytes(path) as raw:
            fh = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape",
                                  newline="")
            return _csv_header(path, csv.reader(fh))
    for _, rec in _jsonl_lines(path, "strict"):
        if not isinstance(rec, _Bad):
            return list(rec) if isinstance(rec, dict) else None
    return None


def _read(path: Path, fmt: str, errors: str = "strict") -> Iterator[tuple[dict, object]]:
    """Yield ``(where, record)`` for the records of ``path`` in order.

    ``where`` is ``{"line": n}`` (text formats) or ``{"row": n}`` (Parquet);
    a record is a dict, another JSON value, or a :class:`_Bad`.
    """
    if fmt == "parquet":
        n = 0
        for rb in _pq()[1].ParquetFile(path).iter_batches(batch_size=1024):
            for rec in rb.to_pylist():
                yield {"row": n}, rec
                n += 1
        return
    lines = _csv_rows(path, errors) if fmt == "csv" else _jsonl_lines(path, errors)
    for lineno, rec in lines:
        yield {"line": lineno}, rec


def _fsync_write(path: Path, data: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _arrow_value(value):
    """``value`` with its kept-as-written numbers made Python numbers (for Parquet)."""
    if isinstance(value, _Number):
        return value.value()
    if isinstance(value, dict):
        return {k: _arrow_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_arrow_value(v) for v in value]
    return value


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return _dumps(value)


class _Sink:
    """An append-only partial output whose state (a byte size or part count) is
    journalled; on resume it is cut back to that state."""

    def __init__(self, partial: Path, fmt: str, gz: bool, columns: list[str] | None, schema,
                 strict: bool = True):
        self.partial, self.fmt, self.gz, self.columns, self.schema = (
            partial, fmt, gz, columns, schema)
        self.strict = strict  # False: write a NaN as a string rather than refuse it

    def open(self, state: int | None) -> int:
        """Start fresh (``state`` None) or cut back to ``state``; return the state."""
        if self.fmt == "parquet":
            if state is None:
                shutil.rmtree(self.partial, ignore_errors=True)
                self.partial.mkdir(parents=True)
                return 0
            for p in self.partial.glob("part-*.parquet"):
                if int(p.stem[5:]) >= state:
                    p.unlink()
            if state:  # every part holds the columns of all before it
                self.schema = _pq()[1].read_schema(self._part(state - 1))
            return state
        if state is None:
            with self.partial.open("wb") as fh:
                if self.fmt == "csv" and self.columns is not None:
                    fh.write(self._compress(self._csv_header()))
                fh.flush()
                os.fsync(fh.fileno())
            return self.partial.stat().st_size
        with self.partial.open("r+b") as fh:
            fh.truncate(state)
            os.fsync(fh.fileno())
        return state

    def _part(self, n: int) -> Path:
        return self.partial / f"part-{n:08d}.parquet"

    def _compress(self, data: bytes) -> bytes:
        return gzip.compress(data, mtime=0) if self.gz and data else data

    def _csv_header(self) -> bytes:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerow(self.columns)
        return buf.getvalue().encode("utf-8")

    def _encode(self, rec: dict) -> bytes:
        """One record as output bytes; raises :class:`_Unwritable`."""
        if self.fmt == "csv":
            if self.columns is None:
                raise _Unwritable("the CSV output has no header")
            extra = [c for c in rec if c not in self.columns]
            if extra:
                raise _Unwritable(f"columns {extra} not in the CSV header {self.columns}")
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\r\n").writerow(
                [_csv_value(rec.get(c)) for c in self.columns])
            text = buf.getvalue()
        else:
            text = _json_line(rec, self.strict)
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            raise _Unwritable(f"field {_surrogate_field(rec)!r} holds a lone surrogate, "
                              f"which {self.fmt.upper()} output cannot hold") from None

    def append(self, rows: list[tuple[object, dict]], state: int) -> tuple[int, list]:
        """Append the records of ``rows`` (``(tag, record)`` pairs); return the new
        state and ``(tag, reason)`` for each record the format cannot hold."""
        if self.fmt == "parquet":
            return self._append_parquet(rows, state)
        chunks, rejected = [], []
        for tag, rec in rows:
            try:
                chunks.append(self._encode(rec))
            except _Unwritable as exc:
                rejected.append((tag, str(exc)))
        if not chunks:
            return state, rejected
        with self.partial.open("ab") as fh:
            fh.write(self._compress(b"".join(chunks)))
            fh.flush()
            os.fsync(fh.fileno())
            return fh.tell(), rejected

    def _fit(self, rows: list[tuple[object, dict]]):
        """Records that fit one Parquet schema: ``(schema, kept rows, rejected)``.

        Columns join the schema as they appear; a value whose type cannot be
        merged with the column's (``int`` then ``str``) rejects its record.
        """
        pa, _ = _pq()
        schema, kept, rejected = self.schema, [], []
        if schema is not None:  # the usual case: every record fits the columns so far
            try:
                values = [(tag, _arrow_value(rec)) for tag, rec in rows]
                names = set(schema.names)
                if all(set(v) <= names for _, v in values):
                    pa.Table.from_pylist([v for _, v in values], schema=schema)
                    return schema, values, []
            except (_Unwritable, pa.ArrowException, ValueError, TypeError, OverflowError):
                pass
        for tag, rec in rows:
            try:
                value = _arrow_value(rec)
                row_schema = pa.Table.from_pylist([value]).schema
                if schema is not None:
                    row_schema = pa.unify_schemas([schema, row_schema],
                                                  promote_options="permissive")
                kept.append((tag, value))
                schema = row_schema
            except _Unwritable as exc:
                rejected.append((tag, str(exc)))
            except (pa.ArrowException, ValueError, TypeError, OverflowError) as exc:
                msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                if isinstance(exc, UnicodeEncodeError) or "surrogate" in msg:
                    msg = f"field {_surrogate_field(rec)!r} holds a lone surrogate"
                rejected.append((tag, f"cannot be written to Parquet: {msg}"))
        return schema, kept, rejected

    def _append_parquet(self, rows, state: int):
        pa, pq = _pq()
        schema, kept, rejected = self._fit(rows)
        if not kept:
            return state, rejected
        buf = io.BytesIO()
        try:
            pq.write_table(pa.Table.from_pylist([v for _, v in kept], schema=schema), buf)
        except (pa.ArrowException, ValueError, TypeError):
            # Find the records Parquet cannot write (e.g. an empty object) one by one.
            ok = []
            for tag, value in kept:
                try:
                    pq.write_table(pa.Table.from_pylist([value]), io.BytesIO())
                    ok.append((tag, value))
                except (pa.ArrowException, ValueError, TypeError) as exc:
                    rejected.append((tag, f"cannot be written to Parquet: {exc}"))
            rejected.sort(key=lambda r: r[0])
            schema, kept, more = self._fit(ok)
            rejected += more
            if not kept:
                return state, rejected
            buf = io.BytesIO()
            pq.write_table(pa.Table.from_pylist([v for _, v in kept], schema=schema), buf)
        tmp = self.partial / "writing.tmp"
        with tmp.open("wb") as fh:
            fh.write(buf.getvalue())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self._part(state))
        self.schema = schema
        return state + 1, rejected

    def finish(self, target: Path, state: int, field: str) -> None:
        if self.fmt != "parquet":
            os.replace(self.partial, target)
            return
        pa, pq = _pq()
        schema = self.schema or pa.schema([(field, pa.string())])
        tmp = target.with_name(f".{target.name}.tmp")
        with pq.ParquetWriter(tmp, schema) as w:
            if state == 0:
                w.write_table(schema.empty_table())
            for n in range(state):
                part = pq.read_table(self._part(n))
                cols = [part.column(f.name).cast(f.type) if f.name in part.schema.names
                        else pa.nulls(part.num_rows, f.type) for f in schema]
                w.write_table(pa.Table.from_arrays(cols, schema=schema))
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        shutil.rmtree(self.partial)


# -- the run ----------------------------------------------------------------
def _batches(records: Iterator, size: int, start: int) -> Iterator[tuple[list, list]]:
    """Batches of ``(heads, records)`` from record ``start`` on; a head is the
    start of the record's error line: where it was and its id, if it has one."""
    heads: list = []
    recs: list = []
    for n, (where, rec) in enumerate(records):
        if n < start:
            continue
        head = dict(where)
        if isinstance(rec, dict) and "id" in rec:
            head["id"] = rec["id"]
        heads.append(head)
        recs.append(rec)
        if len(recs) == size:
            yield heads, recs
            heads, recs = [], []
    if recs:
        yield heads, recs


def run_batch(
    input_path,
    output_path,
    field: str = "text",
    profile: str = "auto",
    workers: int | None = None,
    batch_size: int = 64,
    errors_path=None,
    model: str = "auto",
    progress: bool = True,
    max_chars: int = MAX_CHARS,
    errors: str = "strict",
    numbers: str = "safe",
) -> Summary:
    """Restore ``field`` of every record of ``input_path`` into ``output_path``.

    ``workers`` processes restore batches of ``batch_size`` records (default
    ``os.cpu_count() // 2`` or 1; 0 runs in this process). Records that
    cannot be restored or written go to ``errors_path`` (default
    ``OUTPUT.errors.jsonl``, written only when there are some). ``errors``
    is what bytes that are not UTF-8 do: ``strict`` makes their record an
    error, ``replace`` turns them into U+FFFD. ``numbers`` is the number
    policy (:data:`unstrip.restorer.NUMBER_POLICIES`). A rerun after a crash
    resumes.
    """
    src, dst = Path(input_path), Path(output_path)
    in_fmt, out_fmt = _format(src), _format(dst)
    if not src.is_file():
        raise BatchError(f"{src}: no such file")
    if dst.exists() and dst.resolve() == src.resolve():
        raise BatchError(f"{dst}: output would overwrite the input")
    if profile not in PROFILE_CHOICES:
        raise BatchError(f"unknown profile {profile!r}; choose one of: {PROFILE_CHOICES}")
    if batch_size < 1:
        raise BatchError("batch_size must be at least 1")
    if errors not in ("strict", "replace"):
        raise BatchError(f"errors must be 'strict' or 'replace', not {errors!r}")
    if workers is None:
        workers = max((os.cpu_count() or 2) // 2, 1)
    err_dst = Path(errors_path) if errors_path else dst.with_name(dst.name + ".errors.jsonl")
    columns = _columns(src, in_fmt)
    if in_fmt != "jsonl" and columns is not None and field not in columns:
        raise BatchError(f"{src}: no column {field!r}; columns are {columns}")
    schema = None
    if in_fmt == "parquet" and out_fmt == "parquet":
        pa, pq = _pq()
        schema = pq.ParquetFile(src).schema_arrow
        schema = schema.set(schema.get_field_index(field), pa.field(field, pa.string()))
    total = _count(src, in_fmt)

    partial = dst.with_name(dst.name + ".partial")
    err_partial = err_dst.with_name(err_dst.name + ".partial")
    journal = dst.with_name(dst.name + ".journal")
    stat = src.stat()
    key = {"input": str(src.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
           "field": field, "profile": profile, "model": str(model), "max_chars": max_chars,
           "output": out_fmt, "errors": errors, "version": _JOURNAL_VERSION}
    sink = _Sink(partial, out_fmt, dst.name.lower().endswith(".gz"), columns, schema)
    errs = _Sink(err_partial, "jsonl", False, None, None, strict=False)
    state = None
    if journal.exists():
        try:
            state = json.loads(journal.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            state = None
        if not state or state.get("key") != key or not partial.exists() or (
            not err_partial.exists()
        ):
            state = None
    if state is None:
        state = {"key": key, "done": 0, "out": 0, "errors": 0,
                 "out_state": sink.open(None), "err_state": errs.open(None)}
        _fsync_write(journal, json.dumps(state))
    else:
        sink.open(state["out_state"])
        errs.open(state["err_state"])

    delay = float(os.environ.get(_DELAY_ENV, "0") or 0)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=total, initial=state["done"], unit="doc", desc=dst.name,
                   file=sys.stderr, dynamic_ncols=True)
    only_missing = True  # every error so far is the field missing (JSONL input)
    missing = f"missing field {field!r}"

    def commit(heads: list[dict], results: list[tuple]) -> None:
        nonlocal only_missing
        ok = [(k, out) for k, (out, reason) in enumerate(results) if reason is None]
        bad = [(k, reason) for k, (out, reason) in enumerate(results) if reason is not None]
        if delay:
            time.sleep(delay)
        state["out_state"], rejected = sink.append(ok, state["out_state"])
        bad = sorted(bad + rejected)
        only_missing = only_missing and all(reason == missing for _, reason in bad)
        lines = [{**heads[k], "reason": reason} for k, reason in bad]
        state["err_state"], _ = errs.append(list(enumerate(lines)), state["err_state"])
        state["done"] += len(heads)
        state["out"] += len(ok) - len(rejected)
        state["errors"] += len(bad)
        _fsync_write(journal, json.dumps(state))
        if bar is not None:
            bar.update(len(heads))

    batches = _batches(_read(src, in_fmt, errors), batch_size, state["done"])
    try:
        if workers == 0:
            restorer = Restorer(model, numbers=numbers)
            for heads, recs in batches:
                commit(heads, [restore_one(r, restorer, field, profile, max_chars)
                               for r in recs])
        else:
            ctx = get_context("spawn")
            with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker,
                                     initargs=(str(model), os.getpid(), numbers)) as pool:
                pending: deque = deque()
                for heads, recs in batches:
                    pending.append((heads, pool.submit(
                        _work, recs, field, profile, max_chars)))
                    while len(pending) > 2 * workers:
                        heads, fut = pending.popleft()
                        commit(heads, fut.result())
                while pending:
                    heads, fut = pending.popleft()
                    commit(heads, fut.result())
    finally:
        if bar is not None:
            bar.close()

    summary = Summary(state["done"], state["out"], state["errors"], str(err_dst))
    assert summary.records_in == summary.records_out + summary.errors, summary
    if summary.records_in and not summary.records_out and only_missing:
        raise BatchError(f"{src}: no record has a field {field!r}")
    if summary.errors:
        errs.finish(err_dst, state["err_state"], field)
    else:
        err_partial.unlink(missing_ok=True)
    sink.finish(dst, state["out_state"], field)
    journal.unlink()
    return summary


def main(argv: list[str] | None = None) -> int:
    """``python -m unstrip.batch INPUT OUTPUT [options]``; prints the summary."""
    ap = argparse.ArgumentParser(prog="unstrip batch", description=__doc__.split("\n")[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--field", default="text", help="the column holding the text")
    ap.add_argument("--profile", default="auto", choices=PROFILE_CHOICES)
    ap.add_argument("--workers", type=int, default=None,
                    help="worker processes (default: CPUs / 2; 0: in this process)")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--errors-file", default=None,
                    help="errors file (default OUTPUT.errors.jsonl)")
    ap.add_argument("--errors", default="strict",
                    help="bytes that are not UTF-8: strict (the record is an error) or "
                    "replace (U+FFFD)")
    ap.add_argument("--model", default="auto")
    ap.add_argument("--max-chars", type=int, default=MAX_CHARS)
    ap.add_argument("--no-progress", action="store_true")
    a = ap.parse_args(argv)
    if a.errors not in ("strict", "replace"):
        ap.error(f"--errors is a policy, strict or replace, not {a.errors!r}; "
                 "name the errors file with --errors-file PATH")
    try:
        s = run_batch(a.input, a.output, field=a.field, profile=a.profile, workers=a.workers,
                      batch_size=a.batch_size, errors_path=a.errors_file, model=a.model,
                      progress=not a.no_progress, max_chars=a.max_chars, errors=a.errors)
    except BatchError as exc:
        print(f"unstrip: {exc}", file=sys.stderr)
        return 2
    print(f"unstrip batch: {s}; {s.report()}", file=sys.stderr)
    return s.exit_code


if __name__ == "__main__":
    sys.exit(main())
