"""Restore a corpus with Ray Data: the job of :mod:`unstrip.batch` beyond one machine.

One worker process restores some tens of documents a second; a corpus of
millions wants many machines. :func:`run_ray_batch` runs the same job as
:func:`unstrip.batch.run_batch` as a Ray Data pipeline::

    read        JSONL as raw lines (bytes) with their line numbers, CSV with
                every column as text, or Parquet
    map_batches _RestoreActor: a pool of actors, each loading the model once
                and calling unstrip.batch.restore_one on every record
    write       _PartsDatasink: part files in OUTPUT/, the records that could
                not be restored in OUTPUT.errors.jsonl

on a local Ray instance (started for the run, or the one this process has
already joined) or on an existing cluster named by ``address``. For example::

    $ unstrip batch --engine ray corpus.jsonl restored --workers 2
    unstrip batch: in=1103 out=1103 errors=0
    $ ls restored
    part-000000.jsonl  part-000001.jsonl  ...

Where it differs from the local engine, and why:

- OUTPUT is a directory of part files in the input's format (one per write
  task, in input order when read in name order), as Ray Data writes on a
  cluster. It is written as ``OUTPUT.partial`` and renamed when complete, so
  it appears whole or not at all; it must not exist yet.
- A killed run is not resumed from where it stopped: Ray retries failed tasks
  itself, and running the command again starts over (removing a stale
  ``OUTPUT.partial``).
- JSONL is read as bytes, split at ``\\n`` only, each line with its number
  (the driver reads the file once to cut it into pieces at line ends and
  count their lines; a ``.gz`` file is one piece). The actors decode and
  parse the lines with the local engine's own code
  (:func:`unstrip.batch._parse_jsonl`), so a line that is not UTF-8 or not
  JSON becomes the same error record, ``{"line": N, "id"?: ..., "reason":
  ...}``, and ``errors="replace"`` turns bad bytes into U+FFFD instead.
  CSV and Parquet error records carry the record's ``id`` (when it has
  one) but no position.
- On a cluster every node needs ``pip install 'unstrip[ray]'`` and must see
  INPUT and OUTPUT at the same paths (a shared file system).
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import shutil
from pathlib import Path

from unstrip.batch import (
    MAX_CHARS,
    BatchError,
    Summary,
    _Bad,
    _bad_bytes,
    _columns,
    _format,
    _json_line,
    _open_bytes,
    _parse_jsonl,
    restore_one,
)
from unstrip.restorer import PROFILE_CHOICES, Restorer

__all__ = ["run_ray_batch", "ERROR_COLUMN"]

ERROR_COLUMN = "__unstrip_error"
"""Column the actors add: null for a restored row, else the errors-file line."""

_LINE = "line"  # the restored JSONL record, for JSONL input
_EXT = {"jsonl": ".jsonl", "csv": ".csv", "parquet": ".parquet"}
_PIECE_BYTES = 8 << 20  # JSONL bytes per read task (cut at the next line end)
_BLOCK_BYTES = 1 << 20  # JSONL bytes per block a read task yields


def _ray():
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise BatchError("--engine ray needs Ray: pip install 'unstrip[ray]'") from None
    return ray


class _RestoreActor:
    """One Ray actor: loads the model once, then restores batch after batch.

    Input batches are Arrow tables: for JSONL the ``lineno`` and ``raw``
    (bytes) columns of :func:`_read_lines`, else the CSV/Parquet columns.
    Output: for JSONL a ``line`` column of restored records; for CSV/Parquet
    the input columns with ``field`` restored. Both carry :data:`ERROR_COLUMN`.
    """

    def __init__(self, fmt: str, field: str, profile: str, model: str, max_chars: int,
                 threads: int, errors: str = "strict", numbers: str = "safe"):
        from unstrip.models import load_model

        self.fmt, self.field, self.profile, self.max_chars = fmt, field, profile, max_chars
        self.errors = errors
        self.restorer = Restorer(load_model(model, threads=threads), numbers=numbers)

    def _one(self, rec, where: dict | None = None) -> tuple[dict | None, str | None]:
        out, reason = restore_one(rec, self.restorer, self.field, self.profile,
                                  self.max_chars)
        if reason is None:
            return out, None
        head = dict(where or {})  # as the local engine's error records: line, id, reason
        if isinstance(rec, dict) and "id" in rec:
            head["id"] = rec["id"]
        return None, _json_line({**head, "reason": reason}, strict=False)

    def _decode_csv(self, raw: dict) -> tuple[object, dict]:
        """A CSV row of bytes as ``(record or _Bad, text row)``, bad bytes as the
        local engine treats them (an error record, or U+FFFD with ``replace``)."""
        policy = "surrogateescape" if self.errors == "strict" else self.errors
        row = {k: v.decode("utf-8", policy) if isinstance(v, bytes) else v
               for k, v in raw.items()}
        bad = next(filter(None, (_bad_bytes(v) for v in row.values() if isinstance(v, str))),
                   None)
        if bad is None:
            return row, row
        return _Bad(f"invalid UTF-8 byte {bad}"), {k: None for k in row}

    def __call__(self, batch):
        import pyarrow as pa

        if self.fmt == "jsonl":
            lines: list[str] = []
            errors: list[str | None] = []
            numbered = zip(batch.column("lineno").to_pylist(), batch.column("raw").to_pylist(),
                           strict=True)
            for lineno, rec in _parse_jsonl(numbered, self.errors):
                out, error = self._one(rec, {"line": lineno})
                lines.append(_json_line(out) if error is None else "")
                errors.append(error)
            return pa.table({_LINE: pa.array(lines, pa.string()),
                             ERROR_COLUMN: pa.array(errors, pa.string())})
        schema = batch.schema
        if self.fmt == "csv":  # read as bytes (see _read): every column becomes text
            schema = pa.schema([pa.field(name, pa.string()) for name in schema.names])
        elif schema.get_field_index(self.field) >= 0:
            schema = schema.set(schema.get_field_index(self.field),
                                pa.field(self.field, pa.string()))
        rows, errors = [], []
        for rec in batch.to_pylist():
            kept = rec
            if self.fmt == "csv":
                rec, kept = self._decode_csv(rec)
            out, error = self._one(rec)
            rows.append(out if error is None else {**kept, self.field: None})
            errors.append(error)
        table = pa.Table.from_pylist(rows, schema=schema)
        return table.append_column(pa.field(ERROR_COLUMN, pa.string()),
                                   pa.array(errors, pa.string()))


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _datasink_class():
    """The Datasink subclass, defined once Ray is importable."""
    from ray.data import Datasink

    class _PartsDatasink(Datasink):
        """Writes each write task's rows as one part file, rejects to ``_errors/``."""

        def __init__(self, partial: str, fmt: str, gz: bool):
            self.partial, self.fmt, self.gz = partial, fmt, gz
            self.totals = {"out": 0, "errors": 0}

        def write(self, blocks, ctx) -> dict:
            import pyarrow as pa
            import pyarrow.compute as pc
            from ray.data.block import BlockAccessor

            tables = [BlockAccessor.for_block(b).to_arrow() for b in blocks]
            tables = [t for t in tables if t.num_rows]
            if not tables:
                return {"out": 0, "errors": 0}
            table = pa.concat_tables(tables)
            failed = pc.is_valid(table.column(ERROR_COLUMN))
            bad, good = table.filter(failed), table.filter(pc.invert(failed))
            root, name = Path(self.partial), f"part-{ctx.task_idx:06d}"
            if bad.num_rows:
                (root / "_errors").mkdir(exist_ok=True)
                text = "".join(bad.column(ERROR_COLUMN).to_pylist())
                _write_atomic(root / "_errors" / f"{name}.jsonl", text.encode("utf-8"))
            if good.num_rows:
                good = good.drop_columns([ERROR_COLUMN])
                path = root / (name + _EXT[self.fmt] + (".gz" if self.gz else ""))
                if self.fmt == "jsonl":
                    data = "".join(good.column(_LINE).to_pylist()).encode("utf-8")
                    _write_atomic(path, gzip.compress(data) if self.gz else data)
                else:
                    import pyarrow.csv as pacsv
                    import pyarrow.parquet as pq

                    tmp = path.with_name(f".{path.name}.tmp")
                    if self.fmt == "csv":
                        pacsv.write_csv(good, tmp)
                    else:
                        pq.write_table(good, tmp)
                    with tmp.open("rb") as fh:
                        os.fsync(fh.fileno())
                    os.replace(tmp, path)
            return {"out": good.num_rows, "errors": bad.num_rows}

        def on_write_complete(self, write_result) -> None:
            for counts in write_result.write_returns:
                for key in self.totals:
                    self.totals[key] += counts[key]

    return _PartsDatasink


def _pieces(src: Path, size: int = _PIECE_BYTES) -> list[dict]:
    """Cut a JSONL file into read pieces: ``start``/``end`` bytes and first line number.

    Each piece ends at a ``\\n`` (or the end of the file), about ``size``
    bytes from its start. A ``.gz`` file cannot be sought: one piece (end -1).

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "a.jsonl"
    >>> _ = p.write_bytes(b"1\\n22\\n\\n4444\\n5")
    >>> _pieces(p, 3)
    [{'start': 0, 'end': 5, 'lineno': 1}, {'start': 5, 'end': 11, 'lineno': 3}, \
{'start': 11, 'end': 12, 'lineno': 5}]
    """
    if src.name.lower().endswith(".gz"):
        return [{"start": 0, "end": -1, "lineno": 1}]
    pieces, start, lineno = [], 0, 1
    with src.open("rb") as fh:
        while data := fh.read(size):
            if not data.endswith(b"\n"):
                data += fh.readline()
            pieces.append({"start": start, "end": start + len(data), "lineno": lineno})
            start, lineno = start + len(data), lineno + data.count(b"\n")
    return pieces


def _read_lines(pieces, path: str):
    """Blocks of ``lineno`` and ``raw`` (the line's bytes, ``\\n`` kept) for each piece."""
    import pyarrow as pa

    def block(numbers: list[int], raws: list[bytes]):
        return pa.table({"lineno": pa.array(numbers, pa.int64()),
                         "raw": pa.array(raws, pa.binary())})

    for start, end, lineno in zip(*(pieces.column(c).to_pylist()
                                    for c in ("start", "end", "lineno")), strict=True):
        with _open_bytes(Path(path)) as fh:
            fh.seek(start)
            pos, numbers, raws, size = start, [], [], 0
            while end < 0 or pos < end:
                raw = fh.readline()  # split at b"\n" only, like the local engine
                if not raw:
                    break
                pos += len(raw)
                numbers.append(lineno)
                raws.append(raw)
                lineno, size = lineno + 1, size + len(raw)
                if size >= _BLOCK_BYTES:
                    yield block(numbers, raws)
                    numbers, raws, size = [], [], 0
            if numbers:
                yield block(numbers, raws)


def _read(ray, src: Path, fmt: str, columns: list[str] | None, workers: int = 1):
    """The input as a Ray Dataset (reads take no CPU slot; the actors hold them)."""
    import pyarrow as pa

    if fmt == "jsonl":
        # Bytes, not read_text: that decodes strictly, so one bad byte would fail the job.
        # Pieces small enough that a small file still feeds every actor (a few each).
        size = min(_PIECE_BYTES, max(4096, src.stat().st_size // (4 * workers) + 1))
        return ray.data.from_items(_pieces(src, size)).map_batches(
            _read_lines, batch_size=1, batch_format="pyarrow", num_cpus=0,
            fn_kwargs={"path": str(src)})
    if fmt == "csv":
        import pyarrow.csv as pacsv

        # Every column as bytes, decoded to text by the actors as the local engine
        # does ("007" stays "007"; a bad byte makes one error record, not a failed read).
        convert = pacsv.ConvertOptions(
            column_types={c: pa.binary() for c in columns or []},
            strings_can_be_null=False, quoted_strings_can_be_null=False)
        return ray.data.read_csv(str(src), convert_options=convert, num_cpus=0)
    return ray.data.read_parquet(str(src), num_cpus=0)


def run_ray_batch(
    input_path,
    output_path,
    field: str = "text",
    profile: str = "auto",
    workers: int | None = None,
    batch_size: int = 64,
    errors_path=None,
    model: str = "auto",
    address: str | None = None,
    max_chars: int = MAX_CHARS,
    progress: bool = True,
    threads: int = 1,
    errors: str = "strict",
    numbers: str = "safe",
) -> Summary:
    """Restore ``field`` of every record of ``input_path`` into the folder ``output_path``.

    ``workers`` actors (default: one per CPU of the cluster) each take one
    CPU, hold one model with ``threads`` intra-op threads and restore batches
    of ``batch_size`` records (actors beyond the cluster's CPUs stay pending
    while the others work). ``address`` joins an existing cluster; without
    it, the Ray instance this process has joined is used, or a local one is
    started for the run and stopped after it. Records that cannot be
    restored go to ``errors_path`` (default ``OUTPUT.errors.jsonl``, written
    only when there are some). ``errors`` is what bytes of a JSONL line that
    are not UTF-8 do, as in :func:`unstrip.batch.run_batch`: ``strict`` makes
    the line an error record, ``replace`` turns them into U+FFFD.
    """
    src = Path(input_path).resolve()
    dst = Path(output_path).resolve()
    if not src.is_file():
        raise BatchError(f"{src}: no such file")
    fmt = _format(src)
    if dst.exists():
        raise BatchError(f"{dst}: exists; --engine ray writes a new folder of part files "
                         "there: remove it or choose another OUTPUT")
    if profile not in PROFILE_CHOICES:
        raise BatchError(f"unknown profile {profile!r}; choose one of: {PROFILE_CHOICES}")
    if batch_size < 1:
        raise BatchError("batch_size must be at least 1")
    if errors not in ("strict", "replace"):
        raise BatchError(f"errors must be 'strict' or 'replace', not {errors!r}")
    if workers is not None and workers < 1:
        raise BatchError("--engine ray needs at least 1 worker (actor)")
    if address and address.startswith("ray://"):
        raise BatchError("Ray Client addresses (ray://) are not supported: the process that "
                         "runs unstrip writes OUTPUT, so run it on a node of the cluster "
                         "with --address HEAD:6379")
    columns = _columns(src, fmt)
    if fmt != "jsonl" and columns is not None and field not in columns:
        raise BatchError(f"{src}: no column {field!r}; columns are {columns}")
    err_dst = Path(errors_path) if errors_path else dst.with_name(dst.name + ".errors.jsonl")
    partial = dst.with_name(dst.name + ".partial")

    ray = _ray()
    started = False
    if not ray.is_initialized():
        # "local": a new instance even where RAY_ADDRESS or a `ray start` says otherwise.
        ray.init(address=address or "local", include_dashboard=False,
                 logging_level=logging.WARNING)
        started = True
    quiet: dict[str, int] = {}
    try:
        ctx = ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True
        # Ray Data's newer Parquet reader lists files in a task that takes a
        # whole CPU whatever the read's num_cpus says, so with one actor per
        # CPU nothing is left to list with and the job waits forever. The
        # older reader honours num_cpus=0.
        ctx.use_datasource_v2 = False
        ctx.enable_progress_bars = progress
        if not progress:  # no progress log lines, nor the warning that they are off
            for name, level in (("ray.data", logging.WARNING),
                                ("ray.data._internal.progress", logging.ERROR)):
                quiet[name] = logging.getLogger(name).level
                logging.getLogger(name).setLevel(level)
        if workers is None:
            workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        sink = _datasink_class()(str(partial), fmt, src.name.lower().endswith(".gz"))
        try:
            ds = _read(ray, src, fmt, columns, workers).map_batches(
                _RestoreActor,
                batch_size=batch_size,
                batch_format="pyarrow",
                compute=ray.data.ActorPoolStrategy(size=workers),
                num_cpus=1,
                fn_constructor_kwargs={"fmt": fmt, "field": field, "profile": profile,
                                       "numbers": numbers,
                                       "model": str(model), "max_chars": max_chars,
                                       "threads": threads, "errors": errors},
            )
            ds.write_datasink(sink, ray_remote_args={"num_cpus": 0})
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
    finally:
        for name, level in quiet.items():
            logging.getLogger(name).setLevel(level)
        if started:
            ray.shutdown()

    rejects = sorted((partial / "_errors").glob("part-*.jsonl"))
    out, errors = sink.totals["out"], sink.totals["errors"]
    missing = json.dumps(f"missing field {field!r}")
    if errors and not out and fmt == "jsonl" and all(
        missing in line for part in rejects for line in part.open(encoding="utf-8")
    ):
        shutil.rmtree(partial, ignore_errors=True)
        raise BatchError(f"{src}: no record has a field {field!r}")
    if rejects:
        tmp = err_dst.with_name(f".{err_dst.name}.tmp")
        with tmp.open("wb") as fh:
            for part in rejects:
                fh.write(part.read_bytes())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, err_dst)
    shutil.rmtree(partial / "_errors", ignore_errors=True)
    os.replace(partial, dst)
    return Summary(out + errors, out, errors, str(err_dst))
