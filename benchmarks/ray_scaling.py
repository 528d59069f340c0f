"""Throughput of ``unstrip batch --engine ray`` with 1 and 2 actors, and of the local engine.

Takes the first --docs dev-split documents of ../shared/corpora (in id-hash
order, as benchmarks/speed.py does), strips them with the seed profile into a
JSONL file, and restores that file with each engine in turn: the Ray engine on
one local Ray instance that this script starts with every CPU of the machine
(as a cluster would already be running), with --actors actors (each one CPU,
one onnxruntime thread), then the local engine with --local-workers worker
processes (each two onnxruntime threads). A run's time is the whole job,
from the call to the output in place: reading, starting actors or worker
processes and loading the model in each, restoring, writing. Every output is
checked: stripping it again gives the input, and all engines agree.

    python benchmarks/ray_scaling.py --docs 200
    python benchmarks/ray_scaling.py --docs 200 --actors 1,2,4 --address HEAD:6379

Prints docs/s and words/s per run and the command line.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from _report import command_line, print_figures

from unstrip.text.corpus import corpus_files, iter_documents
from unstrip.text.profiles import seed


def dev_docs(n: int) -> list[dict]:
    files = corpus_files()
    if not files:
        raise SystemExit("../shared/corpora is absent: no dev documents to restore "
                         "(this benchmark reads ../shared beside the repository)")
    docs = sorted(iter_documents(files, split="dev"),
                  key=lambda d: hashlib.sha1(d.id.encode("utf-8")).hexdigest())[:n]
    return [{"id": d.id, "text": seed(d.text)} for d in docs]


def read_output(path: Path) -> list[dict]:
    parts = sorted(path.glob("part-*.jsonl")) if path.is_dir() else [path]
    return [json.loads(line) for p in parts for line in p.open(encoding="utf-8")]


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--model", default="auto", help="auto, learned, baseline or a model dir")
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--actors", default="1,2", help="Ray actor counts to time, e.g. 1,2")
    ap.add_argument("--local-workers", default="1,2",
                    help="local engine worker counts to time ('' for none)")
    ap.add_argument("--address", default=None,
                    help="join this Ray cluster (HEAD:6379) instead of starting one")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    docs = dev_docs(args.docs)
    words = sum(len(d["text"].split()) for d in docs)
    tmp = Path(tempfile.mkdtemp(prefix="unstrip-ray-scaling-"))
    try:
        figures = measure(args, docs, words, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print_figures(figures, args.json)
    return 0


def measure(args, docs: list[dict], words: int, tmp: Path) -> dict:
    import ray

    from unstrip.batch import run_batch
    from unstrip.ray_batch import run_ray_batch

    src = tmp / "dev.jsonl"
    src.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")

    if args.address:
        ray.init(address=args.address, include_dashboard=False, logging_level="warning")
    else:
        ray.init(address="local", num_cpus=os.cpu_count(), include_dashboard=False,
                 logging_level="warning")
    cpus = int(ray.cluster_resources().get("CPU", 0))
    # Warm-up, not timed: the first Ray Data job of a process imports and plans more.
    run_ray_batch(src, tmp / "warm-up", workers=1, batch_size=args.batch_size,
                  model="baseline", progress=False)

    figures: dict = {"documents": len(docs), "words": words, "model": args.model,
                     "ray_cluster_cpus": cpus, "machine_cpus": os.cpu_count()}
    outputs = {}

    def timed(name: str, fn, out: Path) -> None:
        t0 = time.perf_counter()
        summary = fn(out)
        seconds = time.perf_counter() - t0
        assert summary.records_out == len(docs) and summary.errors == 0, summary
        got = read_output(out)
        assert [r["id"] for r in got] == [d["id"] for d in docs], name
        assert all(seed(r["text"]) == d["text"] for r, d in zip(got, docs, strict=True)), name
        outputs[name] = [r["text"] for r in got]
        figures[name] = (f"{len(docs) / seconds:.1f} docs/s  {words / seconds:,.0f} words/s  "
                         f"({seconds:.1f} s)")

    for n in _ints(args.actors):
        timed(f"ray_{n}_actor{'s' if n > 1 else ''}",
              lambda out, n=n: run_ray_batch(src, out, workers=n, batch_size=args.batch_size,
                                             model=args.model, progress=False),
              tmp / f"ray-{n}")
    ray.shutdown()
    for n in _ints(args.local_workers):
        timed(f"local_{n}_worker{'s' if n > 1 else ''}",
              lambda out, n=n: run_batch(src, out, workers=n, batch_size=args.batch_size,
                                         model=args.model, progress=False),
              tmp / f"local-{n}.jsonl")
    texts = list(outputs.values())
    figures["outputs_identical"] = all(t == texts[0] for t in texts)
    figures["command"] = command_line("ray_scaling.py")
    return figures


if __name__ == "__main__":
    raise SystemExit(main())
