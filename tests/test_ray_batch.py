"""The Ray engine on a local Ray instance that this module starts: every format
round trips, outputs equal per-document restore, rejects reach the errors file,
and the CLI joins a running instance by its address."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'unstrip[ray]')")
pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed (the batch extra)")
pq = pytest.importorskip("pyarrow.parquet")

from test_batch import TEXTS  # noqa: E402  (the same sample records as the local engine's tests)

from unstrip.batch import BatchError, Summary  # noqa: E402
from unstrip.ray_batch import run_ray_batch  # noqa: E402
from unstrip.text.profiles import seed  # noqa: E402

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="module")
def cluster():
    """A local Ray instance with 2 CPUs for this module, stopped after it."""
    ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level="warning")
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


def _rows(n: int) -> list[dict]:
    return [{"id": f"r{k}", "text": TEXTS[k % len(TEXTS)], "n": k} for k in range(n)]


def _parts(folder: Path, ext: str) -> list[Path]:
    return sorted(folder.glob(f"part-*{ext}"))


def _joined(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in _parts(folder, ".jsonl"))


def _read_jsonl_parts(folder: Path) -> list[dict]:
    return [json.loads(line) for p in _parts(folder, ".jsonl") for line in p.open()]


def test_dev_split_matches_per_document_restore(tmp_path, cluster, restorer):
    corpora = SHARED / "corpora"
    if not corpora.is_dir():
        pytest.skip(f"{corpora} is absent: this test reads ../shared beside the repository")
    from unstrip.text.corpus import corpus_files, iter_documents

    docs = []
    for doc in iter_documents(corpus_files(SHARED), split="dev"):
        docs.append({"id": doc.id, "text": seed(doc.text)[:1500], "source": doc.source})
        if len(docs) == 60:
            break
    src = tmp_path / "dev.jsonl"
    src.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    s = run_ray_batch(src, tmp_path / "out", workers=2, batch_size=8, progress=False)
    assert s == Summary(len(docs), len(docs), 0)
    assert len(_parts(tmp_path / "out", ".jsonl")) > 1  # several write tasks...
    got = _read_jsonl_parts(tmp_path / "out")
    assert [r["id"] for r in got] == [d["id"] for d in docs]  # ...in input order by name
    assert got == [{**d, "text": restorer.restore(d["text"])} for d in docs]
    assert not (tmp_path / "out.errors.jsonl").exists()
    assert not (tmp_path / "out.partial").exists()


def test_bad_records_go_to_errors_file(tmp_path, cluster):
    lines = [json.dumps(r) + "\n" for r in _rows(6)]
    lines[2] = "{not json\n"
    lines[4] = json.dumps({"id": "no-text", "body": "x"}) + "\n"
    lines.insert(1, json.dumps({"id": "int", "text": 5}) + "\n")
    lines[0] = lines[0][:-2] + ', "x": 1.10, "big": 1e400}\n'  # numbers as written
    lines.append('{"id": "dup", "text": "a", "text": "b"}\n')
    src = tmp_path / "in.jsonl"
    src.write_text("".join(lines) + "\n\n", encoding="utf-8")
    s = run_ray_batch(src, tmp_path / "out", workers=1, batch_size=2, model="baseline",
                      progress=False)
    assert s == Summary(8, 4, 4)
    assert s.records_in == s.records_out + s.errors
    errors = [json.loads(x) for x in (tmp_path / "out.errors.jsonl").open()]
    assert sorted(e.get("id", "-") for e in errors) == ["-", "-", "int", "no-text"]
    assert sorted(e["line"] for e in errors) == [2, 4, 6, 8]  # file lines, as the local engine
    reasons = sorted(e["reason"] for e in errors)
    assert reasons[0] == "field 'text' is int, not a string"
    assert reasons[1] == "missing field 'text'"
    assert reasons[2].startswith("not valid JSON (Expecting property name")
    assert reasons[3].startswith("not valid JSON (duplicate key 'text')")
    first = (tmp_path / "out" / "part-000000.jsonl").read_text().splitlines()[0]
    assert first.endswith(', "x": 1.10, "big": 1e400}')
    assert [r["id"] for r in _read_jsonl_parts(tmp_path / "out")] == ["r0", "r1", "r3", "r5"]


def test_invalid_utf8_line_is_one_error_record_as_in_local_engine(tmp_path, cluster):
    """One bad byte mid-file: one error record naming its line, every other record
    restored, and the same records as the local engine's, with --errors replace too."""
    from unstrip.batch import run_batch

    rows = _rows(9)
    lines = [json.dumps(r).encode() + b"\n" for r in rows]
    lines[4] = lines[4].replace(b'"text": "', b'"text": "caf\xe9 ', 1)  # line 5, not UTF-8
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"".join(lines))
    s = run_ray_batch(src, tmp_path / "out", workers=1, batch_size=3, model="baseline",
                      progress=False)
    assert s == Summary(9, 8, 1)
    errors = [json.loads(x) for x in (tmp_path / "out.errors.jsonl").open()]
    at = lines[4].index(b"\xe9")
    assert errors == [{"line": 5, "reason": f"invalid UTF-8 byte 0xe9 at byte {at} of the line"}]
    got = _read_jsonl_parts(tmp_path / "out")
    assert [r["id"] for r in got] == [r["id"] for k, r in enumerate(rows) if k != 4]
    assert run_batch(src, tmp_path / "local.jsonl", workers=0, model="baseline",
                     progress=False) == s
    assert (tmp_path / "local.jsonl.errors.jsonl").read_bytes() == (
        tmp_path / "out.errors.jsonl").read_bytes()
    assert (tmp_path / "local.jsonl").read_bytes() == _joined(tmp_path / "out")

    s = run_ray_batch(src, tmp_path / "rep", workers=1, batch_size=3, model="baseline",
                      progress=False, errors="replace")
    assert s == Summary(9, 9, 0) and not (tmp_path / "rep.errors.jsonl").exists()
    got = _read_jsonl_parts(tmp_path / "rep")
    assert got[4]["id"] == "r4" and "caf\ufffd" in got[4]["text"]
    run_batch(src, tmp_path / "local_rep.jsonl", workers=0, model="baseline",
              progress=False, errors="replace")
    assert (tmp_path / "local_rep.jsonl").read_bytes() == _joined(tmp_path / "rep")
    with pytest.raises(BatchError, match="'strict' or 'replace'"):
        run_ray_batch(src, tmp_path / "o6", errors="ignore", progress=False)


def test_csv_invalid_utf8_row_is_one_error_record(tmp_path, cluster):
    from unstrip import Restorer

    src = tmp_path / "in.csv"
    body = b"".join(f'r{k},00{k},"{TEXTS[k]}"\n'.encode() for k in range(5))
    src.write_bytes(b"id,zip,text\n" + body.replace(b"r2,002,", b"r2,0\xff2,"))
    s = run_ray_batch(src, tmp_path / "out", workers=1, model="baseline", progress=False)
    assert s == Summary(5, 4, 1)
    errors = [json.loads(x) for x in (tmp_path / "out.errors.jsonl").open()]
    assert errors == [{"reason": "invalid UTF-8 byte 0xff"}]  # as the local engine, no line
    with _parts(tmp_path / "out", ".csv")[0].open(newline="", encoding="utf-8") as fh:
        got = list(csv.DictReader(fh))
    base = Restorer("baseline")
    assert got == [{"id": f"r{k}", "zip": f"00{k}", "text": base.restore(TEXTS[k])}
                   for k in (0, 1, 3, 4)]
    s = run_ray_batch(src, tmp_path / "rep", workers=1, model="baseline", progress=False,
                      errors="replace")
    assert s == Summary(5, 5, 0)
    with _parts(tmp_path / "rep", ".csv")[0].open(newline="", encoding="utf-8") as fh:
        assert [r["zip"] for r in csv.DictReader(fh)][2] == "0\ufffd2"


def test_pieces_cut_at_line_ends_and_count_lines(tmp_path):
    from unstrip.ray_batch import _pieces

    data = b"".join(b"x" * (k % 7) + b"\n" for k in range(200)) + b"tail"
    src = tmp_path / "a.jsonl"
    src.write_bytes(data)
    for size in (1, 5, 64, 10_000):
        pieces = _pieces(src, size)
        assert pieces[0]["start"] == 0 and pieces[-1]["end"] == len(data)
        for a, b in zip(pieces, pieces[1:], strict=False):
            assert a["end"] == b["start"] and data[a["end"] - 1:a["end"]] == b"\n"
            assert b["lineno"] == data[:b["start"]].count(b"\n") + 1


def test_csv_keeps_every_column_as_written(tmp_path, cluster):
    from unstrip import Restorer

    src = tmp_path / "in.csv"
    with src.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "zip", "text"])
        for k in range(5):
            w.writerow([f"r{k}", f"00{k}", TEXTS[k]])
    s = run_ray_batch(src, tmp_path / "out", workers=1, model="baseline", progress=False)
    assert s == Summary(5, 5, 0)
    with _parts(tmp_path / "out", ".csv")[0].open(newline="", encoding="utf-8") as fh:
        got = list(csv.DictReader(fh))
    base = Restorer("baseline")
    assert got == [{"id": f"r{k}", "zip": f"00{k}", "text": base.restore(TEXTS[k])}
                   for k in range(5)]


def test_parquet_keeps_column_types(tmp_path, cluster):
    from unstrip import Restorer

    rows = _rows(9)
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "in.parquet")
    s = run_ray_batch(tmp_path / "in.parquet", tmp_path / "out", workers=2, batch_size=4,
                      model="baseline", progress=False)
    assert s == Summary(9, 9, 0)
    table = pa.concat_tables([pq.read_table(p) for p in _parts(tmp_path / "out", ".parquet")])
    assert table.schema.field("n").type == pa.int64()
    base = Restorer("baseline")
    assert sorted(table.to_pylist(), key=lambda r: r["n"]) == [
        {**r, "text": base.restore(r["text"])} for r in rows]


def test_clear_errors(tmp_path, cluster):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": 1, "body": "x"}) + "\n", encoding="utf-8")
    with pytest.raises(BatchError, match="no record has a field 'text'"):
        run_ray_batch(src, tmp_path / "out", workers=1, model="baseline", progress=False)
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.partial").exists()
    (tmp_path / "taken").mkdir()
    with pytest.raises(BatchError, match="exists"):
        run_ray_batch(src, tmp_path / "taken", model="baseline", progress=False)
    with pytest.raises(BatchError, match="no such file"):
        run_ray_batch(tmp_path / "none.jsonl", tmp_path / "o2", progress=False)
    with pytest.raises(BatchError, match="at least 1"):
        run_ray_batch(src, tmp_path / "o3", workers=0, progress=False)
    with pytest.raises(BatchError, match=r"\(ray://\) are not supported"):
        run_ray_batch(src, tmp_path / "o4", address="ray://head:10001", progress=False)
    csv_src = tmp_path / "in.csv"
    csv_src.write_text("id,body\n1,x\n", encoding="utf-8")
    with pytest.raises(BatchError, match="no column 'text'"):
        run_ray_batch(csv_src, tmp_path / "o5", progress=False)
    assert not any((tmp_path / f"o{k}").exists() for k in range(2, 6))


def test_cli_help_and_option_checks(tmp_path):
    from click.testing import CliRunner

    from unstrip.cli import cli

    r = CliRunner().invoke(cli, ["batch", "--help"])
    assert r.exit_code == 0, r.output
    for words in ("--engine [local|ray]", "Ray Data", "--address ADDR", "HEAD:6379",
                  "unstrip[ray]", "folder of part files", "With --engine ray: actors"):
        assert words in " ".join(r.output.split()), words
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": 1, "text": "dont go"}) + "\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["batch", str(src), str(tmp_path / "o.jsonl"),
                                 "--address", "127.0.0.1:6379"])
    assert r.exit_code == 2 and "--address needs --engine ray" in r.output
    r = CliRunner().invoke(cli, ["batch", str(src), str(tmp_path), "--workers", "0"])
    assert r.exit_code == 2 and "is a directory" in r.output
    r = CliRunner().invoke(cli, ["batch", str(src), str(tmp_path / "o.jsonl"),
                                 "--engine", "spark"])
    assert r.exit_code == 2 and "'spark' is not one of 'local', 'ray'" in r.output


def test_cli_joins_running_instance_by_address(tmp_path, cluster):
    from unstrip import Restorer

    rows = _rows(10)
    rows[3]["text"] = "caf\ufffd " + rows[3]["text"]  # on disk a bad byte: --errors replace
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n"
                             for r in rows).replace("\ufffd".encode(), b"\xe9"))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "unstrip.cli", "batch", "--engine", "ray", "--address", cluster,
         "--workers", "1", "--model", "baseline", "--no-progress", "--errors", "replace",
         str(src), str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "unstrip batch: in=10 out=10 errors=0" in run.stderr
    base = Restorer("baseline")
    assert _read_jsonl_parts(tmp_path / "out") == [
        {**r, "text": base.restore(r["text"])} for r in rows]
