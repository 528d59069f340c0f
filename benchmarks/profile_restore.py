"""Where a restore spends its time: cProfile over dev words, and process-time words/s.

Restores about --words words (the same dev documents, stripped with the seed
profile, as benchmarks/speed.py) with one ``Restorer.restore_batch`` call
under cProfile, then prints the top --top functions sorted by --sort
(``tottime``: time inside the function itself; ``cumtime``: with its callees)
and, with --both, by the other key too. cProfile's clock (--timer) is by
default the CPU time of the calling thread, so other jobs on the machine
barely move the shares; onnxruntime's own threads are then not counted
beyond the calling one (``--timer wall`` counts the wait for them). Its words/s is CPU time of this
process (``time.process_time``, all threads, onnxruntime's included), which
other jobs on the machine move far less than wall time; a second, unprofiled
run gives words/s without cProfile's overhead. Every output is checked:
stripping it again gives the input.

    python benchmarks/profile_restore.py --words 15000
    python benchmarks/profile_restore.py --words 5000 --sort cumtime --top 40

Sample output (shape only; figures depend on the machine)::

    words                 15004
    process_words_per_s   6210
    profiled_words_per_s  3990
    onnx_run_share        0.61
       ncalls  tottime  percall  cumtime  percall filename:lineno(function)
    ...
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time

from _report import command_line, print_figures
from speed import bench_texts

from unstrip import Restorer
from unstrip.models import describe, load_model
from unstrip.text.profiles import seed

SORTS = ("tottime", "cumtime", "ncalls")
TIMERS = {"wall": time.perf_counter, "process": time.process_time, "thread": time.thread_time}


def onnx_share(stats: pstats.Stats) -> float:
    """The share of the profiled time spent inside onnxruntime's ``InferenceSession.run``."""
    total = stats.total_tt
    inside = sum(
        ct for (file, _, name), (_, _, _, ct, _) in stats.stats.items()
        if name == "run" and "onnxruntime" in file
    )
    return round(inside / total, 3) if total else 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="auto", help="auto, learned, baseline or a model dir")
    ap.add_argument("--words", type=int, default=15_000)
    ap.add_argument("--sort", choices=SORTS, default="tottime")
    ap.add_argument("--both", action="store_true", help="also print the other sort order")
    ap.add_argument("--top", type=int, default=30, help="how many functions to list")
    ap.add_argument("--timer", choices=TIMERS, default="thread",
                    help="cProfile's clock: thread (CPU time of the calling thread; the "
                         "default, least moved by other jobs), process or wall")
    ap.add_argument("--no-plain", action="store_true",
                    help="skip the unprofiled run (profile only)")
    args = ap.parse_args()
    texts = bench_texts(args.words)
    words = sum(len(x.split()) for x in texts)
    restorer = Restorer(load_model(args.model))
    restorer.restore(texts[0][:200])  # warm-up: first-run allocations

    figures: dict = {"model": describe(restorer.model), "documents": len(texts),
                     "words": words}
    if not args.no_plain:
        c0 = time.process_time()
        out = restorer.restore_batch(texts, profile="seed")
        figures["process_words_per_s"] = round(words / (time.process_time() - c0))
        assert all(seed(o) == x for o, x in zip(out, texts, strict=True))

    prof = cProfile.Profile(TIMERS[args.timer])
    c0 = time.process_time()
    prof.enable()
    out = restorer.restore_batch(texts, profile="seed")
    prof.disable()
    figures["profiled_words_per_s"] = round(words / (time.process_time() - c0))
    assert all(seed(o) == x for o, x in zip(out, texts, strict=True))
    stats = pstats.Stats(prof)
    figures["onnx_run_share"] = onnx_share(stats)
    figures["command"] = command_line("profile_restore.py")
    print_figures(figures, False)
    sorts = [args.sort] + ([s for s in ("tottime", "cumtime") if s != args.sort]
                           if args.both else [])
    for key in sorts:
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(key).print_stats(args.top)
        text = buf.getvalue()
        print(f"\n== top {args.top} by {key} ==")
        print(text[text.index("ncalls") - 3 :] if "ncalls" in text else text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
