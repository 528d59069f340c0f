"""Peak memory and speed of `unstrip restore` on one very long single-line input.

A stripped text of about --mb megabytes with no line break at all (the worst
case for a tool that reads lines) is piped through the real `unstrip`
command; the child's peak resident memory and the throughput are printed.

    python benchmarks/long_input.py --mb 50

The text is built from dev-split documents of ../shared/corpora when present
(stripped and joined with spaces, repeated), else from a fixed word list.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _report import command_line, print_figures

from unstrip.text.corpus import corpus_files, iter_documents
from unstrip.text.profiles import seed


def build_text(target_bytes: int) -> bytes:
    files = corpus_files()
    if files:
        parts = [seed(d.text) for d in iter_documents(files, split="dev")]
    else:
        parts = ["Reports said the groups leader would not go its 20000 dollars"] * 100
    block = " ".join(parts).encode("ascii")
    reps = target_bytes // len(block) + 1
    return (b" ".join([block] * reps))[:target_bytes].rsplit(b" ", 1)[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=50.0, help="input size in MB (default 50)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    data = build_text(int(args.mb * 1e6))
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "long.txt"
        src.write_bytes(data)
        cmd = [sys.executable, "-m", "unstrip.cli", "restore", str(src)]
        t0 = time.perf_counter()
        with open(Path(tmp) / "out.txt", "wb") as out:
            proc = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - t0
        if proc.returncode != 0:
            print(proc.stderr.decode(), file=sys.stderr)
            return 1
        restored = (Path(tmp) / "out.txt").read_text(encoding="utf-8")
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    words = data.count(b" ") + 1
    ok = seed(restored) == data.decode("ascii")
    figures = {
        "input_mb": round(len(data) / 1e6, 1),
        "words": words,
        "seconds": round(elapsed, 1),
        "words_per_s": round(words / elapsed),
        "peak_rss_mb": round(peak_mb, 1),
        "invariant_holds": ok,
        "command": command_line("long_input.py"),
    }
    print_figures(figures, args.json)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
