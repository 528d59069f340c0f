"""``unstrip batch`` on a user's worst day: bad records, then ``kill -9`` twice.

A batch run over a real corpus meets every kind of bad line, and sometimes
the OOM killer. This builds a JSONL of ``--lines`` lines (default 2,000)
holding every kind of bad record: invalid UTF-8, lone surrogates in an
extra field and in the id of a record that is itself an error, a raw CR
inside a record, lines that are not JSON, missing, null and number texts,
duplicate ids, duplicate keys, NaN, ``1e400``, two 1 MB texts, a key that
first appears late, and a column whose type changes from int to str. Every
line that parses carries its line number in ``_line``.

For each output format (JSONL, CSV, Parquet) it runs ``unstrip batch`` once
clean, then again killed with SIGKILL (the run's main process only, as the
OOM killer would) at about a third and two thirds of the way and restarted
after each kill. It checks that every input line is in the output (by
``_line``) or in the errors file (by ``line``) exactly once, that the
resumed output and errors file are byte-identical to the clean run's, and
that no process of the killed run is left 15 s after each kill.

    python benchmarks/batch_faults.py            # prints the counts
    python benchmarks/batch_faults.py --json

It uses the model-free baseline (``--model baseline``) and one worker, so
it runs in a few minutes on two busy cores.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import command_line, print_figures  # noqa: E402

WORDS = ("the bbc reported that nato would meet in london on monday its a selfproclaimed "
         "win worth 20000 dollars dont go there said the mayor of paris").split()
PUNCTUATED = ("The BBC reported that NATO would meet in London on Monday. It's a "
              "self-proclaimed win worth 20,000 dollars. ")
KINDS = ("utf8", "surrogate_field", "surrogate_id_error", "raw_cr", "not_json", "missing",
         "null_text", "number_text", "dup_id", "dup_key", "late_key", "type_change",
         "numbers", "nan")


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 25)))


def _line(n: int, kind: str, rng: random.Random) -> bytes:
    """Input line ``n`` (counting from 1) of ``kind``, with its ``\\n``."""
    rec = {"id": f"r{n}", "_line": n, "text": _text(rng), "n": n}
    if kind == "big":
        rec["text"] = PUNCTUATED * (1_000_000 // len(PUNCTUATED))
    elif kind == "surrogate_field":
        rec["n"] = n
        return (json.dumps(rec)[:-1] + ', "note": "x\\ud800y"}\n').encode()
    elif kind == "surrogate_id_error":
        return f'{{"id": "\\udc00{n}", "_line": {n}, "body": "no text"}}\n'.encode()
    elif kind == "utf8":
        return (json.dumps(rec)[:-2] + ' caf\xe9"}\n').encode().replace(
            "\xe9".encode(), b"\xe9")
    elif kind == "raw_cr":
        return json.dumps(rec).replace(", ", ",\r ").encode() + b"\n"
    elif kind == "not_json":
        return json.dumps(rec)[:-9].encode() + b"\n"
    elif kind == "missing":
        del rec["text"]
    elif kind == "null_text":
        rec["text"] = None
    elif kind == "number_text":
        rec["text"] = 42
    elif kind == "dup_id":
        rec["id"] = "dup"
    elif kind == "dup_key":
        return (json.dumps(rec)[:-1] + ', "text": "again"}\n').encode()
    elif kind == "late_key":
        rec["late"] = f"late {n}"
    elif kind == "type_change":
        rec["n"] = f"n{n}"
    elif kind == "numbers":
        return (json.dumps(rec)[:-1] + ', "score": 1.10, "huge": 1e400}\n').encode()
    elif kind == "nan":
        return (json.dumps(rec)[:-1] + ', "score": NaN}\n').encode()
    return json.dumps(rec).encode() + b"\n"


def build(path: Path, lines: int, seed: int = 16) -> dict[str, int]:
    """Write the input; return how many lines of each kind it holds."""
    rng = random.Random(seed)
    kinds = ["ok"] * lines
    for k in range(1, lines):  # line 1 stays plain: its keys are the CSV header
        if rng.random() < 0.4:
            kinds[k] = KINDS[rng.randrange(len(KINDS))]
    for k in (lines // 4, 3 * lines // 4):
        kinds[k] = "big"
    counts: dict[str, int] = {}
    with path.open("wb") as fh:
        for n, kind in enumerate(kinds, 1):
            fh.write(_line(n, kind, rng))
            counts[kind] = counts.get(kind, 0) + 1
    return counts


def _group(pgid: int) -> list[int]:
    """Live processes of process group ``pgid`` (Linux /proc)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(stat.parent.name))
    return pids


def _cli_args(src: Path, dst: Path, err: Path) -> list[str]:
    help_text = subprocess.run([sys.executable, "-m", "unstrip.cli", "batch", "--help"],
                               capture_output=True, text=True).stdout
    errors_flag = "--errors-file" if "--errors-file" in help_text else "--errors"
    return [sys.executable, "-m", "unstrip.cli", "batch", str(src), str(dst), errors_flag,
            str(err), "--model", "baseline", "--workers", "1", "--batch-size", "25",
            "--no-progress"]


def _run(args: list[str], env: dict | None = None, kill_at: int | None = None,
         journal: Path | None = None) -> tuple[str, int | None]:
    """Run the CLI; with ``kill_at``, SIGKILL its main process once the journal
    says that many records are done. Returns (stderr, processes left 15 s later)."""
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    if kill_at is None:
        _, err = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"batch failed ({proc.returncode}): {err.decode()[-2000:]}")
        return err.decode(), None
    while proc.poll() is None:
        try:
            if json.loads(journal.read_text())["done"] >= kill_at:
                break
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.02)
    if proc.poll() is not None:
        raise SystemExit(f"the run ended before the kill at {kill_at}: "
                         f"{proc.stderr.read().decode()[-2000:]}")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    deadline = time.monotonic() + 15
    while _group(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _group(proc.pid)
    for pid in left:  # tidy up, but count them
        os.kill(pid, signal.SIGKILL)
    return "", len(left)


def _out_lines(path: Path, fmt: str) -> list[int]:
    if fmt == "jsonl":
        with path.open(encoding="utf-8") as fh:
            return [json.loads(line)["_line"] for line in fh]
    if fmt == "csv":
        csv.field_size_limit(2**31 - 1)  # the 1 MB texts
        with path.open(encoding="utf-8", newline="") as fh:
            return [int(r["_line"]) for r in csv.DictReader(fh)]
    import pyarrow.parquet as pq

    return pq.read_table(path, columns=["_line"]).column("_line").to_pylist()


def check(fmt: str, src: Path, lines: int, work: Path) -> dict:
    clean, clean_err = work / f"clean.{fmt}", work / f"clean.{fmt}.errors.jsonl"
    out, out_err = work / f"resumed.{fmt}", work / f"resumed.{fmt}.errors.jsonl"
    summary = _run(_cli_args(src, clean, clean_err))[0].strip().splitlines()[-1]
    out_lines = _out_lines(clean, fmt)
    with clean_err.open(encoding="utf-8") as fh:
        err_lines = [json.loads(line)["line"] for line in fh]
    seen = sorted(out_lines + err_lines)
    args = _cli_args(src, out, out_err)
    env = {**os.environ, "UNSTRIP_BATCH_TEST_DELAY": "0.1"}
    journal = out.with_name(out.name + ".journal")
    left = 0
    for k in (1, 2):
        left += _run(args, env, kill_at=k * lines // 3, journal=journal)[1]
    _run(args)
    identical = (out.read_bytes() == clean.read_bytes()
                 and out_err.read_bytes() == clean_err.read_bytes())
    return {f"{fmt} summary": summary,
            f"{fmt} output records": len(out_lines),
            f"{fmt} error records": len(err_lines),
            f"{fmt} every line accounted for exactly once":
                "yes" if seen == list(range(1, lines + 1)) else "no",
            f"{fmt} resumed output byte-identical": "yes" if identical else "no",
            f"{fmt} processes left after 2 kills": left}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lines", type=int, default=2000)
    ap.add_argument("--formats", default="jsonl,csv,parquet")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    figures: dict = {"command": command_line("batch_faults.py")}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        src = work / "faults.jsonl"
        kinds = build(src, a.lines)
        figures["input lines"] = a.lines
        figures["input kinds"] = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
        for fmt in a.formats.split(","):
            figures.update(check(fmt, src, a.lines, work))
    print_figures(figures, a.json)


if __name__ == "__main__":
    main()
