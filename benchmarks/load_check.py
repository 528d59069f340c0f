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

from unstrip.profiles import seed

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
    if status != case.expect:
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
    kept = [seed(line) for line in out.split("\n")]
    if payload.get("profile") == "lower":
        kept = [line.lower() for line in kept]
    if kept != text.split("\n"):
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


def start_server(host: str, port: int, workers: int, max_bytes: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "unstrip.server", "--host", host, "--port", str(port),
           "--workers", str(workers), "--max-bytes", str(max_bytes), "--log-level", "warning"]
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


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=500)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--workers", type=int, default=1, help="server processes")
    p.add_argument("--host", default="127.0.0.1", choices=LOOPBACK)
    p.add_argument("--port", type=int, default=0, help="0: a free port")
    p.add_argument("--max-bytes", type=int, default=MAX_BYTES)
    p.add_argument("--timeout", type=float, default=600, help="overall limit in seconds")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    a = p.parse_args(argv)
    if a.host not in LOOPBACK:  # only ever load a local server
        raise SystemExit("loopback addresses only")

    port = a.port or _free_port(a.host)
    base = f"http://[{a.host}]:{port}" if ":" in a.host else f"http://{a.host}:{port}"
    cases = make_cases(a.requests, random.Random(a.seed), a.max_bytes)
    proc = start_server(a.host, port, a.workers, a.max_bytes)
    try:
        model = wait_ready(base, proc)
        start = time.perf_counter()
        try:
            report = asyncio.run(asyncio.wait_for(
                run_load(base, cases, a.concurrency, a.timeout), a.timeout))
        except TimeoutError:
            print(f"FAIL: not done within --timeout {a.timeout:.0f} s", file=sys.stderr)
            return 1
        wall = time.perf_counter() - start
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()

    res = report.results
    lat = [r.latency for r in res]
    by_kind: dict[str, list[float]] = {}
    for r in res:
        by_kind.setdefault(r.kind, []).append(r.latency)
    wrong = [f"{r.kind}: {r.why}" for r in res if not r.ok]
    five = sum(1 for r in res if r.status >= 500)
    summary = {
        "model": model,
        "requests": len(cases),
        "answered": len(res),
        "concurrency": a.concurrency,
        "server_workers": a.workers,
        "wall_s": round(wall, 2),
        "requests_per_s": round(len(res) / wall, 1),
        "p50_ms": round(pct(lat, 0.5) * 1000, 1),
        "p99_ms": round(pct(lat, 0.99) * 1000, 1),
        "by_status": dict(sorted(Counter(r.status for r in res).items())),
        "by_kind": {k: {"n": len(v), "p50_ms": round(pct(v, 0.5) * 1000, 1),
                        "p99_ms": round(pct(v, 0.99) * 1000, 1)}
                    for k, v in sorted(by_kind.items())},
        "5xx": five,
        "wrong": wrong[:20],
        "n_wrong": len(wrong),
        "transport_errors": report.errors[:20],
    }
    if a.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"{model}; {a.workers} server process(es), {a.concurrency} clients")
        print(f"{len(res)}/{len(cases)} requests in {wall:.1f} s: "
              f"{summary['requests_per_s']} requests/s, p50 {summary['p50_ms']} ms, "
              f"p99 {summary['p99_ms']} ms")
        print("by status:", summary["by_status"])
        for k, v in summary["by_kind"].items():
            print(f"  {k:13} n={v['n']:4}  p50 {v['p50_ms']:8.1f} ms  p99 {v['p99_ms']:8.1f} ms")
        for line in wrong[:20] + report.errors[:20]:
            print("  WRONG", line)
    failed = five or wrong or report.errors or len(res) != len(cases)
    print("FAIL" if failed else "OK: no 5xx, every answer correct",
          file=sys.stderr if failed else sys.stdout)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
