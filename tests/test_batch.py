"""The batch engine: formats round trip, bad records go to the errors file, output
matches per-document restore, and a run killed with SIGKILL resumes exactly."""

from __future__ import annotations

import csv
import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

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
    from unstrip.corpus import corpus_files, iter_documents

    docs = []
    for doc in iter_documents(corpus_files(SHARED), split="dev"):
        docs.append({"id": doc.id, "text": doc.text, "source": doc.source})
        if len(docs) == 300:
            break
    # The dev texts are punctuated (passed through); restore a few stripped ones too.
    from unstrip.profiles import seed

    docs += [{**d, "id": f"seed-{d['id']}", "text": seed(d["text"])[:2000]} for d in docs[:10]]
    _write_jsonl(tmp_path / "dev.jsonl", docs)
    s = run_batch(tmp_path / "dev.jsonl", tmp_path / "out.jsonl", workers=1, progress=False)
    assert s == Summary(len(docs), len(docs), 0)
    assert _read_jsonl(tmp_path / "out.jsonl") == _expected(restorer, docs)
