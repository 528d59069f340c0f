"""The batch engine: formats round trip, bad records go to the errors file, output
matches per-document restore, and a run killed with SIGKILL resumes exactly."""

from __future__ import annotations

import csv
import functools
import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unstrip.batch import BatchError, Summary, run_batch

SHARED = Path(__file__).resolve().parents[1].parent / "shared"

TEXTS = [
    "Its a selfproclaimed win worth 20000 dollars",
    "the bbc reported that nato would meet in london on monday",
    "Already punctuated, so left alone.",
    "",
    "Itâ€™s fine",
]


def _rows(n: int = len(TEXTS)) -> list[dict]:
    return [{"id": f"r{k}", "text": TEXTS[k % len(TEXTS)], "n": k, "tag": f"t{k % 3}"}
            for k in range(n)]


def _write_jsonl(path: Path, rows: list, gz: bool = False) -> None:
    data = "".join(r if isinstance(r, str) else json.dumps(r) + "\n" for r in rows)
    if gz:
        path.write_bytes(gzip.compress(data.encode()))
    else:
        path.write_text(data, encoding="utf-8")


def _read_jsonl(path: Path) -> list[dict]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def _expected(restorer, rows: list[dict], profile: str = "auto") -> list[dict]:
    return [{**r, "text": restorer.restore(r["text"], profile)} for r in rows]


@pytest.mark.parametrize("name", ["out.jsonl", "out.jsonl.gz"])
def test_jsonl_round_trip_matches_restore(tmp_path, restorer, name):
    rows = _rows(12)
    _write_jsonl(tmp_path / "in.jsonl.gz", rows, gz=True)
    s = run_batch(tmp_path / "in.jsonl.gz", tmp_path / name, workers=0, batch_size=5,
                  progress=False)
    assert s == Summary(12, 12, 0)
    out = _read_jsonl(tmp_path / name)
    assert out == _expected(restorer, rows)
    assert [list(r) for r in out] == [["id", "text", "n", "tag"]] * 12
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["in.jsonl.gz", name])


def test_csv_round_trip_with_worker_process(tmp_path, restorer):
    rows = [{"id": r["id"], "tag": r["tag"], "body": r["text"] + "\nline two"} for r in _rows(7)]
    with (tmp_path / "in.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "tag", "body"])
        w.writeheader()
        w.writerows(rows)
    s = run_batch(tmp_path / "in.csv", tmp_path / "out.csv", field="body", workers=1,
                  batch_size=3, progress=False)
    assert s == Summary(7, 7, 0)
    with (tmp_path / "out.csv").open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["id", "tag", "body"]
        out = list(reader)
    assert out == [{**r, "body": restorer.restore(r["body"])} for r in rows]


def test_parquet_round_trip(tmp_path, restorer):
    pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed (the batch extra)")
    import pyarrow.parquet as pq

    rows = _rows(10)
    table = pa.table({"n": [r["n"] for r in rows], "text": [r["text"] for r in rows],
                      "score": [r["n"] / 2 for r in rows]})
    pq.write_table(table, tmp_path / "in.parquet")
    s = run_batch(tmp_path / "in.parquet", tmp_path / "out.parquet", workers=0, batch_size=4,
                  progress=False)
    assert s == Summary(10, 10, 0)
    out = pq.read_table(tmp_path / "out.parquet")
    assert out.schema.names == ["n", "text", "score"]
    assert out.column("n").to_pylist() == list(range(10))
    assert out.column("score").type == pa.float64()
    assert out.column("text").to_pylist() == [restorer.restore(r["text"]) for r in rows]
    # JSONL in, Parquet out, and back.
    _write_jsonl(tmp_path / "in.jsonl", rows)
    run_batch(tmp_path / "in.jsonl", tmp_path / "j.parquet", workers=0, progress=False)
    assert pq.read_table(tmp_path / "j.parquet").to_pylist() == _expected(restorer, rows)


def test_bad_records_go_to_errors_file(tmp_path, restorer):
    good = _rows(3)
    lines = [good[0], {"id": "nofield", "body": "x"}, "{not json\n", {"id": 7, "text": 42},
             good[1], {"id": "sur", "text": "ab\ud800c"}, {"id": "big", "text": "x" * 101},
             [1, 2], good[2]]
    _write_jsonl(tmp_path / "in.jsonl", lines)
    s = run_batch(tmp_path / "in.jsonl", tmp_path / "out.jsonl", workers=0, batch_size=4,
                  progress=False, max_chars=100)
    assert s == Summary(9, 3, 6)
    assert s.records_in == s.records_out + s.errors
    assert _read_jsonl(tmp_path / "out.jsonl") == _expected(restorer, good)
    errs = _read_jsonl(tmp_path / "out.jsonl.errors.jsonl")
    # Each error names its line; the id only when the record has one.
    assert [(e["line"], e.get("id")) for e in errs] == [
        (2, "nofield"), (3, None), (4, 7), (6, "sur"), (7, "big"), (8, None)]
    assert ["id" in e for e in errs] == [True, False, True, True, True, False]
    reasons = " | ".join(e["reason"] for e in errs)
    for word in ("missing field 'text'", "not valid JSON", "int, not a string",
                 "lone surrogate", "over max_chars", "not an object"):
        assert word in reasons


def test_clear_errors(tmp_path):
    _write_jsonl(tmp_path / "in.jsonl", [{"body": "x"}, {"body": "y"}])
    with pytest.raises(BatchError, match="no such file"):
        run_batch(tmp_path / "missing.jsonl", tmp_path / "o.jsonl", progress=False)
    with pytest.raises(BatchError, match="unknown format"):
        run_batch(tmp_path / "in.jsonl", tmp_path / "o.xlsx", progress=False)
    with pytest.raises(BatchError, match="overwrite the input"):
        run_batch(tmp_path / "in.jsonl", tmp_path / "in.jsonl", progress=False)
    with pytest.raises(BatchError, match="no record has a field 'text'"):
        run_batch(tmp_path / "in.jsonl", tmp_path / "o.jsonl", workers=0, progress=False)
    assert not (tmp_path / "o.jsonl").exists()
    (tmp_path / "in.csv").write_text("id,body\n1,x\n", encoding="utf-8")
    with pytest.raises(BatchError, match="no column 'text'"):
        run_batch(tmp_path / "in.csv", tmp_path / "o.csv", progress=False)


def test_no_output_until_done(tmp_path, monkeypatch):
    """The output file appears only at the end; a failure leaves none."""
    import unstrip.batch as batch

    _write_jsonl(tmp_path / "in.jsonl", _rows(10))
    out = tmp_path / "out.jsonl"
    seen = []
    real = batch._Sink.append

    def spy(self, rows, state):
        seen.append(out.exists())
        if len(seen) == 2:
            raise RuntimeError("boom")
        return real(self, rows, state)

    monkeypatch.setattr(batch._Sink, "append", spy)
    with pytest.raises(RuntimeError):
        run_batch(tmp_path / "in.jsonl", out, workers=0, batch_size=4, progress=False)
    assert seen and not any(seen) and not out.exists()
    assert (tmp_path / "out.jsonl.partial").exists()


def _run_module(args: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "unstrip.batch", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def test_kill_9_resumes_without_loss_or_duplicates(tmp_path):
    rows = [{"id": k, "text": f"item {k} dont", "k": k} for k in range(2000)]
    _write_jsonl(tmp_path / "in.jsonl", rows)
    args = [str(tmp_path / "in.jsonl"), str(tmp_path / "out.jsonl"), "--workers", "1",
            "--batch-size", "16", "--no-progress"]
    env = {**os.environ, "UNSTRIP_BATCH_TEST_DELAY": "0.02"}
    journal = tmp_path / "out.jsonl.journal"
    proc = _run_module(args, env)
    try:
        deadline = time.monotonic() + 30
        done = 0
        while time.monotonic() < deadline and done < 200:
            time.sleep(0.05)
            try:
                done = json.loads(journal.read_text())["done"]
            except (OSError, ValueError):
                pass
        assert proc.poll() is None, proc.stderr.read().decode()
        assert done >= 200
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the run and its worker, mid-flight
        proc.wait()
    assert not (tmp_path / "out.jsonl").exists()
    killed_at = json.loads(journal.read_text())["done"]
    assert 0 < killed_at < 2000
    env.pop("UNSTRIP_BATCH_TEST_DELAY")
    proc = _run_module(args, env)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    assert "in=2000 out=2000 errors=0" in err.decode()
    resumed = (tmp_path / "out.jsonl").read_bytes()
    assert [r["id"] for r in map(json.loads, resumed.splitlines())] == list(range(2000))
    run_batch(tmp_path / "in.jsonl", tmp_path / "clean.jsonl", workers=0, progress=False)
    assert resumed == (tmp_path / "clean.jsonl").read_bytes()
    assert not journal.exists() and not (tmp_path / "out.jsonl.partial").exists()


def test_dev_split_matches_per_document_restore(tmp_path, restorer):
    corpora = SHARED / "corpora"
    if not corpora.is_dir():
        pytest.skip(f"{corpora} is absent: this test reads ../shared beside the repository")
    from unstrip.text.corpus import corpus_files, iter_documents

    docs = []
    for doc in iter_documents(corpus_files(SHARED), split="dev"):
        docs.append({"id": doc.id, "text": doc.text, "source": doc.source})
        if len(docs) == 300:
            break
    # The dev texts are punctuated (passed through); restore a few stripped ones too.
    from unstrip.text.profiles import seed

    docs += [{**d, "id": f"seed-{d['id']}", "text": seed(d["text"])[:2000]} for d in docs[:10]]
    _write_jsonl(tmp_path / "dev.jsonl", docs)
    s = run_batch(tmp_path / "dev.jsonl", tmp_path / "out.jsonl", workers=1, progress=False)
    assert s == Summary(len(docs), len(docs), 0)
    assert _read_jsonl(tmp_path / "out.jsonl") == _expected(restorer, docs)


# -- bad data and faults ------------------------------------------------------
@pytest.fixture(scope="module")
def baseline():
    from unstrip.restorer import Restorer

    return Restorer("baseline")


def _errors(path: Path) -> list[dict]:
    p = path.with_name(path.name + ".errors.jsonl")
    return _read_jsonl(p) if p.exists() else []


def test_invalid_utf8_is_one_error_record_and_the_run_goes_on(tmp_path, baseline):
    good = _rows(3)
    raw = (json.dumps(good[0]) + "\n" + '{"id": "bad", "text": "caf\xe9 dont"}\n'
           + json.dumps(good[1]) + "\n").encode("utf-8")
    raw = raw.replace("\xe9".encode(), b"\xe9") + (json.dumps(good[2]) + "\n").encode()
    (tmp_path / "in.jsonl").write_bytes(raw)
    s = run_batch(tmp_path / "in.jsonl", tmp_path / "out.jsonl", workers=0, progress=False,
                  model="baseline")
    assert s == Summary(4, 3, 1)
    assert _read_jsonl(tmp_path / "out.jsonl") == _expected(baseline, good)
    [err] = _errors(tmp_path / "out.jsonl")
    assert err == {"line": 2, "reason": "invalid UTF-8 byte 0xe9 at byte 26 of the line"}
    # errors="replace": the byte becomes U+FFFD and the record is restored.
    s = run_batch(tmp_path / "in.jsonl", tmp_path / "rep.jsonl", workers=0, progress=False,
                  model="baseline", errors="replace")
    assert s == Summary(4, 4, 0)
    assert _read_jsonl(tmp_path / "rep.jsonl")[1]["text"] == baseline.restore("caf\ufffd dont")
    # CSV: a bad byte in a quoted field spanning two lines, a row with too many
    # fields, and a field far beyond the csv module's 128 KB default limit.
    big = "word " * 40_000
    csv_bytes = ("id,text\r\n1,dont go\r\n" + '2,"caf\xe9\nline two"\r\n' + "3,a,b\r\n"
                 + f"4,{big}\r\n").encode().replace("\xe9".encode(), b"\xe9")
    (tmp_path / "in.csv").write_bytes(csv_bytes)
    s = run_batch(tmp_path / "in.csv", tmp_path / "out.csv", workers=0, progress=False,
                  model="baseline")
    assert s == Summary(4, 2, 2)
    assert _errors(tmp_path / "out.csv") == [
        {"line": 3, "reason": "invalid UTF-8 byte 0xe9"},
        {"line": 5, "reason": "3 fields, the header has 2"}]
    with (tmp_path / "out.csv").open(newline="", encoding="utf-8") as fh:
        assert [r["id"] for r in csv.DictReader(fh)] == ["1", "4"]


def test_raw_carriage_return_inside_a_record_is_whitespace(tmp_path, baseline):
    (tmp_path / "in.jsonl").write_bytes(b'{"id": 1,\r "text": "dont go"}\r\n{"id": 2,\r\n'
                                        b'"text": "x"}\n')
    s = run_batch(tmp_path / "in.jsonl", tmp_path / "out.jsonl", workers=0, progress=False,
                  model="baseline")
    assert s == Summary(3, 1, 2)  # the record broken by \n is two bad lines
    assert _read_jsonl(tmp_path / "out.jsonl") == [{"id": 1, "text": baseline.restore(
        "dont go")}]
    assert [e["line"] for e in _errors(tmp_path / "out.jsonl")] == [2, 3]


def test_lone_surrogates_outside_the_text_never_stop_the_run(tmp_path, baseline):
    lines = ['{"id": "ok", "text": "dont go", "note": ""}\n',
             '{"id": "s1", "text": "dont go", "note": "a\\ud800b"}\n',
             '{"id": "\\udc00", "body": "no text"}\n',
             '{"id": "last", "text": "dont stop"}\n']
    (tmp_path / "in.jsonl").write_text("".join(lines), encoding="utf-8")
    s = run_batch(tmp_path / "in.jsonl", tmp_path / "out.jsonl", workers=0, progress=False,
                  model="baseline")
    assert s == Summary(4, 3, 1)
    out = (tmp_path / "out.jsonl").read_text(encoding="utf-8")
    assert '"note": "a\\ud800b"' in out  # written back as it was read
    assert [r["id"] for r in map(json.loads, out.splitlines())] == ["ok", "s1", "last"]
    err_text = (tmp_path / "out.jsonl.errors.jsonl").read_text(encoding="utf-8")
    assert err_text == '{"line": 3, "id": "\\udc00", "reason": "missing field \'text\'"}\n'
    for name in ("out.csv", "out.parquet"):
        s = run_batch(tmp_path / "in.jsonl", tmp_path / name, workers=0, progress=False,
                  model="baseline")
        assert s == Summary(4, 2, 2), name
        errs = _errors(tmp_path / name)
        assert [e["line"] for e in errs] == [2, 3]
        assert "lone surrogate" in errs[0]["reason"] and "'note'" in errs[0]["reason"]


def test_extra_fields_round_trip_exactly(tmp_path):
    lines = ['{"id": 1, "text": "dont go", "big": 1e400, "x": 1.10, "z": -0, "e": 1E5, '
             '"deep": {"a": [0.50, true, null]}}\n',
             '{"id": 2, "text": "dont go", "bad": NaN}\n',
             '{"id": 3, "text": "dont go", "text": "twice"}\n',
             '{"id": 4, "text": "dont go", "inf": -Infinity}\n']
    (tmp_path / "in.jsonl").write_text("".join(lines), encoding="utf-8")
    s = run_batch(tmp_path / "in.jsonl", tmp_path / "out.jsonl", workers=0, progress=False,
                  model="baseline")
    assert s == Summary(4, 1, 3)
    out = (tmp_path / "out.jsonl").read_text(encoding="utf-8")
    assert out.endswith(', "big": 1e400, "x": 1.10, "z": -0, "e": 1E5, '
                        '"deep": {"a": [0.50, true, null]}}\n')
    reasons = [(e["line"], e.get("id"), e["reason"]) for e in _errors(tmp_path / "out.jsonl")]
    assert reasons == [(2, None, "not valid JSON (NaN is not a JSON number)"),
                       (3, None, "not valid JSON (duplicate key 'text')"),
                       (4, None, "not valid JSON (-Infinity is not a JSON number)")]
    # Parquet holds 64-bit floats: 1e400 is an error there, not a silent inf.
    pytest.importorskip("pyarrow", reason="pyarrow is not installed (the batch extra)")
    s = run_batch(tmp_path / "in.jsonl", tmp_path / "out.parquet", workers=0, progress=False,
                  model="baseline")
    assert s == Summary(4, 0, 4)
    assert "1e400 is out of the range of a 64-bit float" in _errors(
        tmp_path / "out.parquet")[0]["reason"]


def test_parquet_takes_late_columns_and_refuses_type_changes(tmp_path, baseline):
    pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed (the batch extra)")
    import pyarrow.parquet as pq

    rows = [{"id": 1, "text": "dont go", "n": 1},
            {"id": 2, "text": "dont go", "n": 2, "early": True},   # new key, same batch
            {"id": 3, "text": "dont go", "n": None},
            {"id": 4, "text": "dont go", "late": "x", "n": 4.5},   # new key, later batch
            {"id": 5, "text": "dont go", "n": "seven"},            # int then str
            {"id": 6, "text": "dont go", "n": 6}]
    _write_jsonl(tmp_path / "in.jsonl", rows)
    s = run_batch(tmp_path / "in.jsonl", tmp_path / "out.parquet", workers=0, batch_size=2,
                  progress=False,
                  model="baseline")
    assert s == Summary(6, 5, 1)
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.schema.names == ["id", "text", "n", "early", "late"]
    assert table.schema.field("n").type == pa.float64()  # widened from int64
    assert table.column("id").to_pylist() == [1, 2, 3, 4, 6]
    assert table.column("early").to_pylist() == [None, True, None, None, None]
    assert table.column("late").to_pylist() == [None, None, None, "x", None]
    assert table.column("n").to_pylist() == [1.0, 2.0, None, 4.5, 6.0]
    [err] = _errors(tmp_path / "out.parquet")
    assert err["line"] == 5 and err["id"] == 5
    assert "Field n has incompatible types" in err["reason"]


def test_errors_option_is_a_policy_and_the_file_has_its_own(tmp_path, capsys):
    from unstrip.batch import main

    _write_jsonl(tmp_path / "in.jsonl", _rows(2))
    with pytest.raises(SystemExit) as exc:
        main([str(tmp_path / "in.jsonl"), str(tmp_path / "o.jsonl"), "--errors", "replace.txt"])
    assert exc.value.code == 2
    assert "--errors-file PATH" in capsys.readouterr().err
    assert not (tmp_path / "replace.txt").exists() and not (tmp_path / "o.jsonl").exists()
    rc = main([str(tmp_path / "in.jsonl"), str(tmp_path / "o.jsonl"), "--workers", "0",
               "--errors", "replace", "--errors-file", str(tmp_path / "e.jsonl"),
               "--no-progress"])
    assert rc == 0 and (tmp_path / "o.jsonl").exists()


@functools.cache
def _faults_benchmark():
    """benchmarks/batch_faults.py as a module (its process-group count is reused here)."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "batch_faults.py"
    spec = importlib.util.spec_from_file_location("batch_faults", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))  # its own imports (_report)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


def _group(pgid: int) -> list[int]:
    """Live processes of process group ``pgid`` (Linux /proc)."""
    return _faults_benchmark()._group(pgid)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux /proc")
def test_kill_9_of_the_run_takes_its_workers_along(tmp_path):
    _write_jsonl(tmp_path / "in.jsonl", [{"id": k, "text": f"item {k} dont"}
                                         for k in range(400)])
    args = [str(tmp_path / "in.jsonl"), str(tmp_path / "out.jsonl"), "--workers", "1",
            "--batch-size", "4", "--no-progress", "--model", "baseline"]
    env = {**os.environ, "UNSTRIP_BATCH_TEST_DELAY": "0.05"}
    proc = _run_module(args, env)
    journal = tmp_path / "out.jsonl.journal"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if json.loads(journal.read_text())["done"] > 0:
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        assert len(_group(proc.pid)) >= 2, "the run should have a worker by now"
        os.kill(proc.pid, signal.SIGKILL)  # the run only, as the OOM killer would
        proc.wait()
        deadline = time.monotonic() + 20
        while _group(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _group(proc.pid) == []
    finally:
        for pid in _group(proc.pid):
            os.kill(pid, signal.SIGKILL)


# -- the run's outcome: every record failed is a failed run ---------------------
def test_a_run_where_every_record_failed_exits_1_and_says_how_many(tmp_path, capsys):
    from unstrip.batch import main

    rows = ['{"id": "a", "text": 5}\n', "{oops\n", '{"id": "c", "text": ["x"]}\n']
    _write_jsonl(tmp_path / "in.jsonl", rows)
    rc = main([str(tmp_path / "in.jsonl"), str(tmp_path / "o.jsonl"), "--workers", "0",
               "--model", "baseline", "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 1, err
    assert "no record restored: all 3 failed" in err
    assert str(tmp_path / "o.jsonl.errors.jsonl") in err
    assert len(_errors(tmp_path / "o.jsonl")) == 3


def test_a_run_with_some_records_restored_exits_0_and_counts_the_failures(tmp_path, capsys):
    from unstrip.batch import main

    rows = [{"id": "a", "text": "dont go"}, '{"id": "b", "text": 5}\n']
    _write_jsonl(tmp_path / "in.jsonl", rows)
    rc = main([str(tmp_path / "in.jsonl"), str(tmp_path / "o.jsonl"), "--workers", "0",
               "--model", "baseline", "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 0, err
    assert "1 of 2 records restored; 1 failed" in err


@given(st.integers(0, 50), st.integers(0, 50))
def test_summary_fails_exactly_when_records_came_in_and_none_came_out(out, errors):
    s = Summary(out + errors, out, errors, "e.jsonl")
    assert s.failed == (out == 0 and errors > 0)
    assert s.exit_code == (1 if s.failed else 0)
    report = s.report()
    if errors:
        assert f"{errors:,} failed" in report and "e.jsonl" in report
    else:
        assert "failed" not in report
