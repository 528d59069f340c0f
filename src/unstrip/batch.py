"""Restore a whole file of records: JSONL, CSV or Parquet in, the same format out.

A corpus is millions of records, not one text: restoring them one ``unstrip``
call at a time is slow, a crash an hour in must not mean starting over, and
one bad record must not stop the run. :func:`run_batch` reads records in
batches, restores the ``field`` column of each in worker processes (each
loads the model once), writes them in input order with every other column
unchanged, and sends records it cannot restore to an errors file.

>>> import json, tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> rows = [{"id": "a", "text": "dont go", "n": 1}, {"id": "b", "n": 2}]
>>> _ = (d / "in.jsonl").write_text("".join(json.dumps(r) + "\\n" for r in rows))
>>> run_batch(d / "in.jsonl", d / "out.jsonl", workers=0, progress=False)
Summary(records_in=2, records_out=1, errors=1)
>>> (d / "out.jsonl").read_text()
'{"id": "a", "text": "Don\\'t go.", "n": 1}\\n'
>>> (d / "out.jsonl.errors.jsonl").read_text()
'{"id": "b", "reason": "missing field \\'text\\'"}\\n'

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

The per-record and per-batch work, :func:`restore_one` and
:func:`restore_records`, are plain functions so that another executor (the
Ray engine's ``map_batches`` actors, :mod:`unstrip.ray_batch`) calls them
the same way.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import os
import shutil
import sys
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from unstrip.restorer import PROFILE_CHOICES, Restorer

__all__ = ["BatchError", "Summary", "restore_one", "restore_records", "run_batch", "MAX_CHARS"]

MAX_CHARS = 10_000_000
"""Records whose text is longer than this go to the errors file."""

_FORMATS = ("jsonl", "csv", "parquet")
_DELAY_ENV = "UNSTRIP_BATCH_TEST_DELAY"  # test-only: seconds to sleep per batch


class BatchError(ValueError):
    """A batch run that cannot start or finish, with a message that says why."""


@dataclass(frozen=True)
class Summary:
    """Records read, written and sent to the errors file (``in == out + errors``)."""

    records_in: int
    records_out: int
    errors: int

    def __str__(self) -> str:
        return f"in={self.records_in} out={self.records_out} errors={self.errors}"


class _Bad:
    """An input record that could not even be parsed (e.g. a bad JSONL line)."""

    def __init__(self, reason: str):
        self.reason = reason


# -- the per-batch work -----------------------------------------------------
def _check_text(text, field: str, max_chars: int) -> str | None:
    """Why ``text`` cannot be restored, or None when it can."""
    if not isinstance(text, str):
        return f"field {field!r} is {type(text).__name__}, not a string"
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
    records are ``{"id", "reason"}``. ``ids`` defaults to each record's ``id``
    or its position in ``records``.

    >>> ok, bad = restore_records([{"text": "dont go"}, {"txt": 1}], Restorer())
    >>> ok, bad
    ([{'text': "Don't go."}], [{'id': 1, 'reason': "missing field 'text'"}])
    """
    ok: list[dict] = []
    bad: list[dict] = []
    for k, rec in enumerate(records):
        if ids is not None:
            rid = ids[k]
        else:
            rid = rec.get("id", k) if isinstance(rec, dict) else k
        restored, reason = restore_one(rec, restorer, field, profile, max_chars)
        if reason is not None:
            bad.append({"id": rid, "reason": reason})
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


def _init_worker(model: str) -> None:
    global _WORKER
    _WORKER = Restorer(model)


def _work(ids: list, records: list, field: str, profile: str, max_chars: int):
    return restore_records(records, _WORKER, field, profile, ids=ids, max_chars=max_chars)


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


def _open_text(path: Path):
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return path.open("r", encoding="utf-8", newline="")


def _count(path: Path, fmt: str) -> int:
    """How many records ``path`` holds (a cheap pass; no JSON parsing)."""
    if fmt == "parquet":
        return _pq()[1].ParquetFile(path).metadata.num_rows
    with _open_text(path) as fh:
        if fmt == "jsonl":
            return sum(1 for line in fh if line.strip())
        return max(sum(1 for _ in csv.reader(fh)) - 1, 0)


def _columns(path: Path, fmt: str) -> list[str] | None:
    """The input's column names (JSONL: the first record's keys)."""
    if fmt == "parquet":
        return list(_pq()[1].ParquetFile(path).schema_arrow.names)
    with _open_text(path) as fh:
        if fmt == "csv":
            return next(csv.reader(fh), None)
        for line in fh:
            if line.strip():
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    continue
                return list(obj) if isinstance(obj, dict) else None
    return None


def _read(path: Path, fmt: str) -> Iterator:
    """Yield the records of ``path`` in order: dicts, or :class:`_Bad`."""
    if fmt == "parquet":
        for rb in _pq()[1].ParquetFile(path).iter_batches(batch_size=1024):
            yield from rb.to_pylist()
        return
    with _open_text(path) as fh:
        if fmt == "csv":
            yield from csv.DictReader(fh)
            return
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                yield _Bad(f"line {lineno}: not valid JSON ({exc.msg})")


def _json_line(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str) + "\n"


def _fsync_write(path: Path, data: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class _Sink:
    """An append-only partial output whose state (a byte size or part count) is
    journalled; on resume it is cut back to that state."""

    def __init__(self, partial: Path, fmt: str, gz: bool, columns: list[str] | None, schema):
        self.partial, self.fmt, self.gz, self.columns, self.schema = (
            partial, fmt, gz, columns, schema)

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
            if state and self.schema is None:
                self.schema = _pq()[1].read_schema(self._part(0))
            return state
        if state is None:
            with self.partial.open("wb") as fh:
                if self.fmt == "csv" and self.columns is not None:
                    fh.write(self._encode([]))
                fh.flush()
                os.fsync(fh.fileno())
            return self.partial.stat().st_size
        with self.partial.open("r+b") as fh:
            fh.truncate(state)
            os.fsync(fh.fileno())
        return state

    def _part(self, n: int) -> Path:
        return self.partial / f"part-{n:08d}.parquet"

    def _encode(self, rows: list[dict], header: bool = True) -> bytes:
        if self.fmt == "csv":
            buf = io.StringIO()
            w = csv.DictWriter(buf, fieldnames=self.columns, lineterminator="\r\n")
            if not rows:
                w.writeheader()
            w.writerows(rows)
            data = buf.getvalue().encode("utf-8")
        else:
            data = "".join(_json_line(r) for r in rows).encode("utf-8")
        return gzip.compress(data) if self.gz and data else data

    def append(self, rows: list[dict], state: int) -> int:
        if not rows:
            return state
        if self.fmt == "parquet":
            pa, pq = _pq()
            table = pa.Table.from_pylist(rows, schema=self.schema)
            self.schema = table.schema
            tmp = self.partial / "writing.tmp"
            pq.write_table(table, tmp)
            with tmp.open("rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, self._part(state))
            return state + 1
        with self.partial.open("ab") as fh:
            fh.write(self._encode(rows))
            fh.flush()
            os.fsync(fh.fileno())
            return fh.tell()

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
                w.write_table(pq.read_table(self._part(n)).cast(schema))
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        shutil.rmtree(self.partial)


# -- the run ----------------------------------------------------------------
def _batches(records: Iterator, size: int, start: int) -> Iterator[tuple[list, list]]:
    ids: list = []
    recs: list = []
    for n, rec in enumerate(records):
        if n < start:
            continue
        rid = rec.get("id", n) if isinstance(rec, dict) else n
        ids.append(rid if rid is not None else n)
        recs.append(rec)
        if len(recs) == size:
            yield ids, recs
            ids, recs = [], []
    if recs:
        yield ids, recs


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
) -> Summary:
    """Restore ``field`` of every record of ``input_path`` into ``output_path``.

    ``workers`` processes restore batches of ``batch_size`` records (default
    ``os.cpu_count() // 2`` or 1; 0 runs in this process). Records that
    cannot be restored go to ``errors_path`` (default ``OUTPUT.errors.jsonl``,
    written only when there are some). A rerun after a crash resumes.
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
           "output": out_fmt}
    sink = _Sink(partial, out_fmt, dst.name.lower().endswith(".gz"), columns, schema)
    errs = _Sink(err_partial, "jsonl", False, None, None)
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

    def commit(n: int, ok: list[dict], bad: list[dict]) -> None:
        nonlocal only_missing
        if out_fmt == "csv" and columns is not None:
            kept = []
            for rec in ok:
                extra = [c for c in rec if c not in columns]
                if extra:
                    rid = rec.get("id", "?")
                    bad.append({"id": rid, "reason": f"columns {extra} not in the CSV header"})
                else:
                    kept.append(rec)
            ok = kept
        if delay:
            time.sleep(delay)
        only_missing = only_missing and all(b["reason"] == missing for b in bad)
        state["out_state"] = sink.append(ok, state["out_state"])
        state["err_state"] = errs.append(bad, state["err_state"])
        state["done"] += n
        state["out"] += len(ok)
        state["errors"] += len(bad)
        _fsync_write(journal, json.dumps(state))
        if bar is not None:
            bar.update(n)

    batches = _batches(_read(src, in_fmt), batch_size, state["done"])
    try:
        if workers == 0:
            restorer = Restorer(model)
            for ids, recs in batches:
                commit(len(recs), *restore_records(recs, restorer, field, profile, ids=ids,
                                                   max_chars=max_chars))
        else:
            ctx = get_context("spawn")
            with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker,
                                     initargs=(str(model),)) as pool:
                pending: deque = deque()
                for ids, recs in batches:
                    pending.append((len(recs), pool.submit(
                        _work, ids, recs, field, profile, max_chars)))
                    while len(pending) > 2 * workers:
                        n, fut = pending.popleft()
                        commit(n, *fut.result())
                while pending:
                    n, fut = pending.popleft()
                    commit(n, *fut.result())
    finally:
        if bar is not None:
            bar.close()

    summary = Summary(state["done"], state["out"], state["errors"])
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
    ap.add_argument("--errors", default=None, help="errors file (default OUTPUT.errors.jsonl)")
    ap.add_argument("--model", default="auto")
    ap.add_argument("--max-chars", type=int, default=MAX_CHARS)
    ap.add_argument("--no-progress", action="store_true")
    a = ap.parse_args(argv)
    try:
        s = run_batch(a.input, a.output, field=a.field, profile=a.profile, workers=a.workers,
                      batch_size=a.batch_size, errors_path=a.errors, model=a.model,
                      progress=not a.no_progress, max_chars=a.max_chars)
    except BatchError as exc:
        print(f"unstrip: {exc}", file=sys.stderr)
        return 2
    print(f"unstrip batch: {s}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
