"""Load check for the HTTP service: many clients, mixed good and bad requests, no 5xx.

The problem: a corpus job will hit ``POST /v1/restore`` from many clients at once with
whatever it has: short stripped sentences, empty documents, megabyte documents, some over
the size limit and some not even JSON. Every well-formed request must get the right
answer (``seed(out) == input`` for stripped input), every bad one a 4xx, and none a 5xx.

This script starts ``python -m unstrip.server`` on a loopback address and a free port,
sends ``--requests`` requests (default 500) from ``--concurrency`` clients (default 16),
and reports requests/s, p50/p99 latency, counts by status, and every wrong answer::

    $ python benchmarks/load_check.py --requests 500 --concurrency 16
    500 requests in 21.4 s: 23.4 requests/s ... no 5xx, all answers correct

The mix (by request): 76% stripped or lowercased sentences, 6% empty text, 6% mojibake
for ``/v1/fix-encoding``, 2% bodies just under the 1 MB limit (already punctuated text,
which passes through: a megabyte of stripped text takes about a minute to restore on two
cores, so those are left to ``benchmarks/long_input.py``), 2% over the limit (413), and
8% malformed (422). Exit status 1 on any 5xx, transport error, wrong answer or
unexpected status, or when ``--timeout`` (default 600 s) runs out.

Then a mixed phase (``--no-mixed`` skips it) sends the same kind of traffic again while
``--hostile`` clients (default 5, one per attack) keep attacking the server: headers
dribbled a line a second (cut off by the header timeout), bodies shorter than their
Content-Length (408), bodies over the limit (413), a megabyte of ``a.a.a.`` that looks
like initialism periods and so counts as stripped (answered within the server's
``--server-timeout``, 504 past it), and the same megabyte sent by a client that hangs up
after a second (its restoration must stop). Long normal texts (``near-limit``) share the
server's long-text lane with the attacks, so there a 503 (busy) is accepted. The normal
traffic is repeated until every attack was made twice. It prints the normal requests'
p99 in both phases and the server's memory (RSS) after each; it fails on any 5xx among
normal requests, a p99 over twice the calm one, an unhealthy server afterwards, or RSS
that is not flat. The mixed phase runs ``--rounds`` times (default 4) against the
same server, printing RSS after each round: the first round warms the allocator up to
the high-water mark of megabyte bodies, a leak would keep growing, so RSS after the
last round must be within 10% (or 20 MB, whichever is more) of RSS after the second
("flat")::

    $ python benchmarks/load_check.py --requests 300
    ...
    mixed phase: normal p99 1614.9 ms vs calm 1441.7 ms (1.12x), 0 5xx among normal
    requests; healthy afterwards: True; RSS 183 -> 229 MB
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

try:
    import httpx2 as httpx
except ImportError:  # pragma: no cover - either client works
    import httpx

from unstrip.text.profiles import seed

LOOPBACK = ("127.0.0.1", "::1", "localhost")
MAX_BYTES = 1_000_000

SENTENCES = [
    "Its a selfproclaimed win worth 20000 dollars the groups leader said",
    "Dont go out tonight she told him its far too cold",
    "The mayor said the citys budget would grow by 35 percent next year",
    "We met at 930 in the morning and left at noon",
    "Hes the one who wrote the report on the towns water supply",
    "After the storm passed the villagers began to rebuild their homes",
    "the bbc reported that nato and the us army would meet in london on monday",
    "i think were going to be late so lets take a taxi",
    "my sisters friend works at the hospital in paris",
    "the company sold 12000 units in march and april",
    "Theyre not sure whether the bridge will open on time",
    "In 1998 the team won its first title since the war",
]
MOJIBAKE = ["Itâ€™s â€œfineâ€ â€” really", "donâ€™t", "cafÃ© au lait", "TÅkyÅ is in JapÃ³n."]
CLEAN = ("The committee, which met on Monday, said it's fine; really. "
         "Costs rose 4.5% to $20,000 (a record).\n")


@dataclass
class Case:
    kind: str
    path: str
    body: bytes
    headers: dict
    expect: int
    text: str | None = None  # input text, to check the answer
    tolerate: tuple[int, ...] = ()  # other statuses accepted


@dataclass
class Result:
    kind: str
    status: int
    latency: float
    ok: bool
    why: str = ""


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rounds: int = 1


def _json_case(kind: str, path: str, payload: dict, expect: int = 200) -> Case:
    body = json.dumps(payload).encode()
    return Case(kind, path, body, {"content-type": "application/json"}, expect,
                payload.get("text") if isinstance(payload.get("text"), str) else None)


def _big_clean(limit: int) -> str:
    """Punctuated text whose JSON body is just under ``limit`` bytes."""
    text = (CLEAN * (limit // len(CLEAN) + 1))[:limit]
    while len(json.dumps({"text": text}).encode()) >= limit:
        text = text[: len(text) - 500]
    return text


def make_cases(n: int, rng: random.Random, limit: int) -> list[Case]:
    big = _big_clean(limit)
    over = "x" * (limit + 50_000)
    malformed = [
        (b'{"text": "dont go"', {"content-type": "application/json"}),
        (b"not json", {"content-type": "application/json"}),
        (json.dumps({"text": 42}).encode(), {"content-type": "application/json"}),
        (json.dumps({"text": "x", "profile": "shout"}).encode(),
         {"content-type": "application/json"}),
        (json.dumps(["dont go"]).encode(), {"content-type": "application/json"}),
        (b'{"text": "\xff\xfe"}', {"content-type": "application/json"}),
        (b'{"text": "\\ud800"}', {"content-type": "application/json"}),
        (b"{}", {"content-type": "application/json"}),
    ]
    cases = []
    for k in range(n):
        u = rng.random()
        if u < 0.76:
            words = rng.choice(SENTENCES)
            if rng.random() < 0.3:  # two sentences, sometimes on two lines
                words += rng.choice([" ", "\n"]) + rng.choice(SENTENCES)
            cases.append(_json_case("sentence", "/v1/restore", {"text": words}))
        elif u < 0.82:
            cases.append(_json_case("empty", "/v1/restore", {"text": rng.choice(["", " "])}))
        elif u < 0.88:
            cases.append(_json_case("fix-encoding", "/v1/fix-encoding",
                                    {"text": rng.choice(MOJIBAKE)}))
        elif u < 0.90 or k == 0:
            cases.append(_json_case("near-limit", "/v1/restore", {"text": big}))
        elif u < 0.92 or k == 1:
            cases.append(_json_case("over-limit", "/v1/restore", {"text": over}, 413))
        else:
            body, headers = rng.choice(malformed)
            cases.append(Case("malformed", "/v1/restore", body, headers, 422))
    return cases


def check(case: Case, status: int, payload) -> str:
    """Why the answer is wrong, or '' if it is right."""
    if status != case.expect and status not in case.tolerate:
        return f"status {status}, expected {case.expect}"
    if status != 200:
        return "" if isinstance(payload, dict) and "detail" in payload else "no detail"
    text = case.text
    out = payload.get("text")
    if case.kind == "fix-encoding":
        return "" if out and "â€" not in out and "Ã" not in out else f"not repaired: {out!r}"
    if case.kind == "empty":
        return "" if out == text else f"empty text changed: {out!r}"
    if case.kind == "near-limit":
        return "" if out == text else "clean text changed"
    # ``auto`` decides the damage per line: a line typed all in lower case may be recased.
    ins, outs = text.split("\n"), out.split("\n")
    if len(ins) != len(outs) or any(
            seed(o) != i and not (i == i.lower() and seed(o).lower() == i)
            for i, o in zip(ins, outs, strict=True)):
        return f"characters changed: {text!r} -> {out!r}"
    return ""


async def run_load(base: str, cases: list[Case], concurrency: int, timeout: float) -> Report:
    report = Report()
    queue: asyncio.Queue[Case] = asyncio.Queue()
    for c in cases:
        queue.put_nowait(c)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits,
                                 timeout=httpx.Timeout(timeout)) as client:

        async def worker():
            while True:
                try:
                    case = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                start = time.perf_counter()
                try:
                    r = await client.post(case.path, content=case.body, headers=case.headers)
                    elapsed = time.perf_counter() - start
                    try:
                        payload = r.json()
                    except ValueError:
                        payload = None
                    why = check(case, r.status_code, payload)
                    report.results.append(Result(case.kind, r.status_code, elapsed, not why,
                                                 why))
                except httpx.HTTPError as exc:
                    report.errors.append(f"{case.kind}: {type(exc).__name__}: {exc}")

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return report


def _free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def start_server(host: str, port: int, workers: int, max_bytes: int,
                 timeouts: tuple[float, float, float] = (120, 10, 30)) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "unstrip.server", "--host", host, "--port", str(port),
           "--workers", str(workers), "--max-bytes", str(max_bytes), "--log-level", "warning",
           "--timeout", str(timeouts[0]), "--header-timeout", str(timeouts[1]),
           "--body-timeout", str(timeouts[2])]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(cmd, env=env, cwd=Path(__file__).resolve().parents[1])


def wait_ready(base: str, proc: subprocess.Popen, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with status {proc.returncode}")
        try:
            r = httpx.get(base + "/healthz", timeout=2)
            if r.status_code == 200:
                return r.json()["model"]
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server not ready within {timeout:.0f} s")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


# -- the mixed phase: hostile clients beside normal ones -----------------------------------
NORMAL = ("sentence", "empty", "fix-encoding", "malformed")
"""Kinds whose latency is compared between the phases (short requests)."""


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its children (uvicorn's workers), in MB (Linux)."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (OSError, StopIteration):
            continue
    return total / 1024


async def _raw(host: str, port: int, head: bytes, body: bytes, trickle: bytes | None,
               wait: float, hang_up_after: float | None = None) -> str:
    """Send ``head`` and ``body`` over a raw connection, then ``trickle`` once a second (if
    given) until the server answers or closes; the first line of its answer, 'closed', or
    'open' if it did neither within ``wait`` seconds."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(head + body)
        await writer.drain()
        if hang_up_after is not None:
            await asyncio.sleep(hang_up_after)
            return "hung up"
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                line = await asyncio.wait_for(reader.readline(), 1.0)
                return line.decode("latin-1").strip() or "closed"
            except TimeoutError:
                if trickle:
                    try:
                        writer.write(trickle)
                        await writer.drain()
                    except ConnectionError:
                        return "closed"
            except ConnectionError:
                return "closed"
        return "open"
    finally:
        writer.close()


ATTACKS = ("slow-headers", "short-body", "oversized", "pathological", "abandoned")
"""Slow headers, short body, oversized body, pathological body (waited for) and
pathological body abandoned after a second."""


async def hostile_client(base: str, host: str, port: int, limit: int, stop: asyncio.Event,
                         out: list[tuple[str, str, float]], k: int, wait: float,
                         pause: float = 1.0) -> None:
    """Make attack ``ATTACKS[k % 5]`` again and again until ``stop``, ``pause`` seconds
    apart."""
    n = (limit - 20) // 2
    patho = json.dumps({"text": "a." * n}).encode()
    head = (f"POST /v1/restore HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json"
            "\r\nContent-Length: {n}\r\n\r\n")
    kind = ATTACKS[k % len(ATTACKS)]
    async with httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(wait)) as client:
        while not stop.is_set():
            start = time.perf_counter()
            try:
                if kind == "slow-headers":
                    got = await _raw(host, port, f"POST /v1/restore HTTP/1.1\r\nHost: {host}"
                                     "\r\n".encode(), b"", b"X-Slow: 1\r\n", wait)
                elif kind == "short-body":
                    got = await _raw(host, port, head.format(n=1000).encode(),
                                     b'{"text": "dont', None, wait)
                elif kind == "oversized":
                    r = await client.post("/v1/restore", content=b"x" * (limit + 500_000),
                                          headers={"content-type": "application/json"})
                    got = str(r.status_code)
                elif kind == "pathological":
                    r = await client.post("/v1/restore", content=patho,
                                          headers={"content-type": "application/json"})
                    got = str(r.status_code)
                    if r.status_code == 200 and r.json()["text"].lower().replace(".", "") \
                            != "a" * n:
                        got = "200 wrong"
                else:
                    got = await _raw(host, port, head.format(n=len(patho)).encode(), patho,
                                     None, wait, hang_up_after=1.0)
            except httpx.HTTPError as exc:
                got = type(exc).__name__
            out.append((kind, got.split(" ")[1] if got.startswith("HTTP/") else got,
                        time.perf_counter() - start))
            await asyncio.sleep(pause)


async def run_mixed(base: str, host: str, port: int, cases: list[Case], concurrency: int,
                    timeout: float, hostile: int, limit: int, wait: float):
    stop = asyncio.Event()
    attacks: list[tuple[str, str, float]] = []
    tasks = [asyncio.create_task(hostile_client(base, host, port, limit, stop, attacks, k,
                                                wait)) for k in range(hostile)]
    await asyncio.sleep(1.0)  # let the attacks start first
    report = Report(rounds=0)
    kinds = {ATTACKS[k % len(ATTACKS)] for k in range(hostile)}
    try:
        # Normal traffic goes on, round after round, until every attack was made twice.
        while True:
            part = await run_load(base, cases, concurrency, timeout)
            report.results += part.results
            report.errors += part.errors
            report.rounds += 1
            made = Counter(kind for kind, _, _ in attacks)
            if all(made[kind] >= 2 for kind in kinds):
                break
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    return report, attacks


def normal_stats(report: Report) -> tuple[float, int, int]:
    """p99 latency (s), 5xx count and wrong answers among the normal (short) requests."""
    normal = [r for r in report.results if r.kind in NORMAL]
    return (pct([r.latency for r in normal], 0.99), sum(r.status >= 500 for r in normal),
            sum(not r.ok for r in normal))


def summarize(report: Report, cases: list[Case], wall: float) -> dict:
    res = report.results
    lat = [r.latency for r in res]
    by_kind: dict[str, list[float]] = {}
    for r in res:
        by_kind.setdefault(r.kind, []).append(r.latency)
    wrong = [f"{r.kind}: {r.why}" for r in res if not r.ok]
    return {
        "requests": len(cases),
        "answered": len(res),
        "wall_s": round(wall, 2),
        "requests_per_s": round(len(res) / wall, 1),
        "p50_ms": round(pct(lat, 0.5) * 1000, 1),
        "p99_ms": round(pct(lat, 0.99) * 1000, 1),
        "by_status": dict(sorted(Counter(r.status for r in res).items())),
        "by_kind": {k: {"n": len(v), "p50_ms": round(pct(v, 0.5) * 1000, 1),
                        "p99_ms": round(pct(v, 0.99) * 1000, 1)}
                    for k, v in sorted(by_kind.items())},
        "5xx": sum(1 for r in res if r.status >= 500),
        "wrong": wrong[:20],
        "n_wrong": len(wrong),
        "transport_errors": report.errors[:20],
    }


def print_phase(name: str, summary: dict) -> None:
    print(f"{name}: {summary['answered']}/{summary['requests']} requests in "
          f"{summary['wall_s']:.1f} s: {summary['requests_per_s']} requests/s, p50 "
          f"{summary['p50_ms']} ms, p99 {summary['p99_ms']} ms")
    print("  by status:", summary["by_status"])
    for k, v in summary["by_kind"].items():
        print(f"  {k:13} n={v['n']:4}  p50 {v['p50_ms']:8.1f} ms  p99 {v['p99_ms']:8.1f} ms")
    for line in summary["wrong"] + summary["transport_errors"]:
        print("  WRONG", line)


def rss_flat(rounds: list[dict]) -> dict | None:
    """Whether the server's RSS stayed flat over the mixed rounds: after the last round
    within 10% (or 20 MB, whichever is more) of what it was after the second. The first
    round warms the allocator up to the high-water mark of megabyte bodies (one run:
    315, 345, 338, 348, 352, 347 MB after six rounds); a leak keeps growing after it.
    With one or two rounds there is nothing to judge yet (None).

    >>> rss_flat([{"rss_mb_before": 198, "rss_mb_after": a} for a in (315, 345, 338, 347)])["flat"]
    True
    >>> rss_flat([{"rss_mb_before": 198, "rss_mb_after": a} for a in (315, 345, 380, 420)])["flat"]
    False
    """
    if not rounds:
        return None
    after = [r["rss_mb_after"] for r in rounds]
    base = after[1] if len(after) > 1 else after[0]
    allowed = max(0.10 * base, 20.0)
    return {"rss_mb_calm": rounds[0]["rss_mb_before"], "rss_mb_after_rounds": after,
            "growth_mb": round(after[-1] - base, 1), "allowed_mb": round(allowed, 1),
            "flat": None if len(after) < 3 else after[-1] - base <= allowed}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=500, help="normal requests per phase")
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--workers", type=int, default=1, help="server processes")
    p.add_argument("--host", default="127.0.0.1", choices=LOOPBACK)
    p.add_argument("--port", type=int, default=0, help="0: a free port")
    p.add_argument("--max-bytes", type=int, default=MAX_BYTES)
    p.add_argument("--timeout", type=float, default=600, help="overall limit per phase (s)")
    p.add_argument("--no-mixed", action="store_true", help="skip the mixed phase")
    p.add_argument("--rounds", type=int, default=4,
                   help="mixed phases in a row against the same server; RSS after the "
                   "last must be within 10%% (or 20 MB) of RSS after the second")
    p.add_argument("--hostile", type=int, default=5,
                   help="attacking clients, one per kind of attack in turn (mixed phase)")
    p.add_argument("--server-timeout", type=float, default=10,
                   help="the server's per-request time limit (s)")
    p.add_argument("--header-timeout", type=float, default=5, help="the server's, in s")
    p.add_argument("--body-timeout", type=float, default=5, help="the server's, in s")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    a = p.parse_args(argv)
    if a.host not in LOOPBACK:  # only ever load a local server
        raise SystemExit("loopback addresses only")
    if a.rounds < 1:
        p.error("--rounds must be at least 1")

    port = a.port or _free_port(a.host)
    base = f"http://[{a.host}]:{port}" if ":" in a.host else f"http://{a.host}:{port}"
    cases = make_cases(a.requests, random.Random(a.seed), a.max_bytes)
    proc = start_server(a.host, port, a.workers, a.max_bytes,
                        (a.server_timeout, a.header_timeout, a.body_timeout))
    mixed = None
    rounds: list[dict] = []  # one mixed-phase summary per round
    try:
        model = wait_ready(base, proc)
        start = time.perf_counter()
        try:
            report = asyncio.run(asyncio.wait_for(
                run_load(base, cases, a.concurrency, a.timeout), a.timeout))
        except TimeoutError:
            print(f"FAIL: not done within --timeout {a.timeout:.0f} s", file=sys.stderr)
            return 1
        calm = summarize(report, cases, time.perf_counter() - start)
        calm_p99, _, _ = normal_stats(report)
        rss_before = rss_mb(proc.pid)
        for rnd in range(0 if a.no_mixed else a.rounds):
            # Each round: fresh normal traffic and attacks against the same server.
            cases2 = make_cases(a.requests, random.Random(a.seed + 1 + rnd), a.max_bytes)
            for c in cases2:  # long texts share the long lane with the attacks: may wait
                if c.kind == "near-limit":
                    c.tolerate = (503,)
            wait = max(a.server_timeout, a.header_timeout, a.body_timeout) + 30
            start = time.perf_counter()
            try:
                report2, attacks = asyncio.run(asyncio.wait_for(run_mixed(
                    base, a.host, port, cases2, a.concurrency, a.timeout, a.hostile,
                    a.max_bytes, wait), a.timeout))
            except TimeoutError:
                print(f"FAIL: mixed phase not done within --timeout {a.timeout:.0f} s",
                      file=sys.stderr)
                return 1
            mixed = summarize(report2, cases2 * report2.rounds, time.perf_counter() - start)
            p99, five, wrong = normal_stats(report2)
            time.sleep(2)  # let abandoned work stop and memory settle
            try:
                health = httpx.get(base + "/healthz", timeout=10)
                healthy = health.status_code == 200 and health.json()["status"] == "ok"
            except httpx.HTTPError:
                healthy = False
            rss_after = rss_mb(proc.pid)
            outcomes: dict[str, Counter] = {}
            for kind, got, _ in attacks:
                outcomes.setdefault(kind, Counter())[got] += 1
            mixed.update({
                "attacks": {k: dict(v) for k, v in sorted(outcomes.items())},
                "attack_max_s": {k: round(max(t for kk, _, t in attacks if kk == k), 1)
                                 for k in outcomes},
                "normal_p99_ms": round(p99 * 1000, 1),
                "calm_normal_p99_ms": round(calm_p99 * 1000, 1),
                "p99_ratio": round(p99 / calm_p99, 2) if calm_p99 else None,
                "normal_5xx": five,
                "normal_wrong": wrong,
                "healthy_after": healthy,
                "rss_mb_before": round(rss_before, 1),
                "rss_mb_after": round(rss_after, 1),
            })
            rounds.append(mixed)
            print(f"mixed round {rnd + 1}/{a.rounds}: RSS {rss_after:.0f} MB (calm phase "
                  f"{rss_before:.0f} MB), healthy: {healthy}", flush=True)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()

    summary = {"model": model, "concurrency": a.concurrency, "server_workers": a.workers,
               **calm, "mixed": rounds, "rss_flat": rss_flat(rounds)}
    failed = calm["5xx"] or calm["n_wrong"] or calm["transport_errors"] or \
        calm["answered"] != calm["requests"]
    for mixed in rounds:
        mixed_failed = (mixed["normal_5xx"] or mixed["normal_wrong"]
                        or not mixed["healthy_after"]
                        or (mixed["p99_ratio"] or 0) > 2
                        or any(got in ("open", "200 wrong") or got.startswith("5") and
                               kind != "pathological"
                               for kind, v in mixed["attacks"].items() for got in v))
        failed = failed or mixed_failed
    flat = summary["rss_flat"]
    failed = failed or (flat is not None and flat["flat"] is False)
    if a.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"{model}; {a.workers} server process(es), {a.concurrency} clients")
        print_phase("calm phase", calm)
        for rnd, mixed in enumerate(rounds, 1):
            print_phase(f"mixed phase, round {rnd}/{len(rounds)} ({a.hostile} hostile "
                        "clients beside the normal ones)", mixed)
            for kind, got in mixed["attacks"].items():
                print(f"  attack {kind:13} {got}  (longest {mixed['attack_max_s'][kind]} s)")
            print(f"mixed phase: normal p99 {mixed['normal_p99_ms']} ms vs calm "
                  f"{mixed['calm_normal_p99_ms']} ms ({mixed['p99_ratio']}x), "
                  f"{mixed['normal_5xx']} 5xx among normal requests; healthy afterwards: "
                  f"{mixed['healthy_after']}; RSS {mixed['rss_mb_before']:.0f} -> "
                  f"{mixed['rss_mb_after']:.0f} MB")
        if flat is not None:
            after = ", ".join(f"{x:.0f}" for x in flat["rss_mb_after_rounds"])
            verdict = {True: "flat", False: "NOT flat", None: "not judged (under 3 rounds)"}
            print(f"RSS after each mixed round: {after} MB (calm phase "
                  f"{flat['rss_mb_calm']:.0f} MB); last vs second round "
                  f"{flat['growth_mb']:+.1f} MB, allowed {flat['allowed_mb']:.1f} MB: "
                  f"{verdict[flat['flat']]}")
    print("FAIL" if failed else "OK: no 5xx among normal requests, every answer correct",
          file=sys.stderr if failed else sys.stdout)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
