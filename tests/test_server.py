"""The HTTP service: answers, invariants and errors, through FastAPI's TestClient.

The problem: a client that sends ``{"text": "Its a selfproclaimed win"}`` must get
the restored text back with every character it sent (``seed(out) == input``),
insertions whose offsets rebuild that text, and a clear 4xx (never a 5xx) for a
body that is too large, not JSON, or of the wrong shape.
"""

from __future__ import annotations

import importlib.util
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.importorskip("fastapi", reason="pip install 'unstrip[serve]' to test the server")
if not (importlib.util.find_spec("httpx2") or importlib.util.find_spec("httpx")):
    pytest.skip("FastAPI's TestClient needs httpx2 (pip install 'unstrip[test]')",
                allow_module_level=True)

from fastapi.testclient import TestClient  # noqa: E402

from unstrip.restorer import PROFILE_CHOICES  # noqa: E402
from unstrip.server import create_app  # noqa: E402
from unstrip.text.profiles import seed  # noqa: E402

STRIPPED = [
    "Its a selfproclaimed win worth 20000 dollars the groups leader said",
    "Dont go",
    "the bbc reported that nato and the us army would meet in london on monday",
    "We met at 930 in the morning and left at noon\nThen it rained",
]
JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def client(restorer):
    with TestClient(create_app(restorer, max_bytes=4000)) as c:
        yield c


def rebuild(text: str, insertions: list[dict], recased: list[dict]) -> str:
    """Apply the API's insertions and case changes to ``text``."""
    chars = list(text)
    for r in recased:
        chars[r["offset"]] = r["to"]
    by_gap = {i["offset"]: i["insert"] for i in insertions}
    return "".join(by_gap.get(k, "") + c for k, c in enumerate(chars)) + by_gap.get(
        len(chars), ""
    )


@pytest.mark.parametrize("text", STRIPPED)
def test_restore_round_trip_keeps_every_character(client, text):
    r = client.post("/v1/restore", json={"text": text})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"text", "profile", "insertions", "recased", "encoding_repairs", "parts"}
    out = body["text"]
    assert out != text
    kept = [seed(line) for line in out.split("\n")]  # line breaks are kept as they are
    if body["profile"] == "lower":
        kept = [line.lower() for line in kept]
    assert kept == text.split("\n")
    assert rebuild(text, body["insertions"], body["recased"]) == out
    for i in body["insertions"]:
        assert 0 <= i["offset"] <= len(text) and i["insert"]
        assert 0.0 <= i["confidence"] <= 1.0


def test_restore_matches_the_library(client, restorer):
    text = STRIPPED[0]
    body = client.post("/v1/restore", json={"text": text, "profile": "seed"}).json()
    assert body == restorer.explain(text, "seed").to_dict()
    text_out = body["text"].replace("\u2019", "'")  # whichever quote style it chose
    assert "It's a self-proclaimed win worth 20,000 dollars" in text_out


@pytest.mark.parametrize("profile", PROFILE_CHOICES)
def test_every_profile_is_accepted(client, profile):
    r = client.post("/v1/restore", json={"text": "dont go", "profile": profile})
    assert r.status_code == 200, r.text
    assert seed(r.json()["text"]).lower() == "dont go"


def test_restore_repairs_encoding_first(client):
    body = client.post("/v1/restore", json={"text": "Itâ€™s â€œfineâ€ â€” really"}).json()
    # Curly quotes and a dash, and broken encoding: it was written punctuated, and
    # its only damage was the encoding, so it gets only the repair.
    assert body["profile"] == "punctuated"
    assert body["text"] == "It’s “fine” — really"
    assert body["insertions"] == []
    assert body["encoding_repairs"][0] == {
        "kind": "decode", "position": 2, "before": "â€™", "after": "’"
    }


def test_fix_encoding(client):
    r = client.post("/v1/fix-encoding", json={"text": "donâ€™t"})
    assert r.status_code == 200
    assert r.json() == {
        "text": "don’t",
        "repairs": [{"kind": "decode", "position": 3, "before": "â€™", "after": "’"}],
    }
    assert client.post("/v1/fix-encoding", json={"text": "clean"}).json() == {
        "text": "clean", "repairs": []
    }


def test_healthz_names_the_model(client):
    from unstrip import __version__
    from unstrip.about import model_version
    from unstrip.models import describe

    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "model": describe(client.app.state.restorer.model),
                        "version": __version__, "model_version": model_version()}
    assert r.json()["model_version"].startswith("en-")


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_text(client, text):
    r = client.post("/v1/restore", json={"text": text})
    assert r.status_code == 200
    assert r.json() == {"text": text, "profile": "empty", "insertions": [], "recased": [],
                        "encoding_repairs": [], "parts": []}
    assert client.post("/v1/fix-encoding", json={"text": ""}).json() == {"text": "", "repairs": []}


def test_over_the_limit_is_413_with_a_message(client):
    big = {"text": "a" * 5000}
    r = client.post("/v1/restore", json=big)
    assert r.status_code == 413
    assert "too large" in r.json()["detail"] and "4000" in r.json()["detail"]
    # Just under the limit is fine.
    ok = client.post("/v1/restore", json={"text": "dont go " * 400})
    assert ok.status_code == 200 and len(ok.request.content) <= 4000


def test_streamed_body_is_counted_not_just_content_length(client):
    """A chunked body (no Content-Length) over the limit is cut off too."""

    def chunks():
        yield b'{"text": "'
        for _ in range(100):
            yield b"a" * 100
        yield b'"}'

    r = client.post("/v1/restore", content=chunks(), headers=JSON)
    assert "content-length" not in {k.lower() for k in r.request.headers}
    assert r.status_code == 413
    assert "too large" in r.json()["detail"]


def test_lying_content_length_is_refused(client):
    r = client.post("/v1/restore", content=b'{"text": "x"}',
                    headers={**JSON, "content-length": "abc"})
    assert r.status_code == 400


@pytest.mark.parametrize(
    "kwargs, where",
    [
        ({"content": b'{"text": "dont go"', "headers": JSON}, "malformed JSON"),
        ({"content": b"not json at all", "headers": JSON}, "malformed JSON"),
        ({"content": b'{"text": "\xff"}', "headers": JSON}, "UTF-8"),
        ({"content": b'{"text": "\\ud800"}', "headers": JSON}, "surrogate"),
        ({"json": {"text": 12}}, "body.text"),
        ({"json": {"text": None}}, "body.text"),
        ({"json": {"text": ["a"]}}, "body.text"),
        ({"json": {}}, "body.text: Field required"),
        ({"json": ["dont go"]}, "JSON object"),
        ({"json": "dont go"}, "JSON object"),
        ({"json": {"text": "x", "profile": "shouting"}}, "body.profile"),
        ({"json": {"text": "x", "profile": 3}}, "body.profile"),
        ({"json": {"text": "x", "extra": 1}}, "body.extra"),
        ({"content": b""}, "body"),
    ],
)
def test_malformed_requests_are_422_with_a_clear_message(client, kwargs, where):
    r = client.post("/v1/restore", **kwargs)
    assert r.status_code == 422, r.text
    body = r.json()
    assert where in body["message"], body
    assert isinstance(body["detail"], list) and body["detail"][0]["msg"]
    assert "input" not in body["detail"][0]  # the request is not echoed back


def test_fix_encoding_rejects_wrong_types(client):
    r = client.post("/v1/fix-encoding", json={"text": 3})
    assert r.status_code == 422 and "body.text" in r.json()["message"]


def test_page_and_docs_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for needle in ('id="input"', 'id="profile"', 'id="restore"', 'id="output"',
                   'id="diff-toggle"', 'id="copy"'):
        assert needle in page.text
    assert "http://" not in page.text and "https://" not in page.text  # nothing external
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert {"/v1/restore", "/v1/fix-encoding", "/healthz"} <= set(spec["paths"])


def test_model_is_loaded_once_at_startup(restorer):
    calls = []

    class Counting:
        def __init__(self, inner):
            self.inner = inner

        @property
        def model(self):
            calls.append(1)
            return self.inner.model

        def explain(self, text, profile="auto"):
            return self.inner.explain(text, profile)

    with TestClient(create_app(Counting(restorer))) as c:
        assert len(calls) == 1  # touched by the lifespan, before any request
        assert c.post("/v1/restore", json={"text": "Dont go"}).status_code == 200
        assert len(calls) == 1


def test_json_response_is_plain_utf8(client):
    r = client.post("/v1/restore", json={"text": "Zoë’s café."})
    assert r.status_code == 200
    assert json.loads(r.content.decode("utf-8"))["text"] == "Zoë’s café."


class _Slow:
    """A stand-in restorer whose every restoration takes ``delay`` seconds."""

    def __init__(self, inner, delay: float):
        self.inner, self.delay = inner, delay
        self.model = inner.model
        self.running = self.peak = 0
        self.lock = threading.Lock()

    def explain(self, text, profile="auto"):
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        time.sleep(self.delay)
        with self.lock:
            self.running -= 1
        return self.inner.explain(text, profile)


def test_restoring_runs_off_the_event_loop_with_bounded_concurrency(restorer):
    slow = _Slow(restorer, 0.6)
    with TestClient(create_app(slow, threads=2)) as c:
        with ThreadPoolExecutor(6) as pool:
            posts = [pool.submit(c.post, "/v1/restore", json={"text": "Dont go"})
                     for _ in range(6)]
            time.sleep(0.1)
            start = time.perf_counter()
            assert c.get("/healthz").status_code == 200  # answered while restoring
            assert time.perf_counter() - start < 0.4
            assert all(f.result().status_code == 200 for f in posts)
    assert slow.peak == 2  # the limiter: never more than ``threads`` at once


# -- time limits, cancellation, slow clients, headers ----------------------------------
class _SlowModel:
    """The real model, but every window's prediction takes ``delay`` seconds more; counts
    the predictions made."""

    def __init__(self, inner, delay: float):
        self.inner, self.delay, self.calls = inner, delay, 0

    def predict(self, *args, **kwargs):
        self.calls += 1
        time.sleep(self.delay)
        return self.inner.predict(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def _slow_restorer(restorer, delay: float):
    """A real Restorer with small windows (200 characters) over a slowed model."""
    from unstrip.restorer import Restorer

    return Restorer(_SlowModel(restorer.model, delay), window=200, context=50)


LONG_STRIPPED = "dont go out tonight she said its far too cold " * 60  # about 15 windows


def test_time_limit_stops_restoring_with_504(restorer):
    slow = _slow_restorer(restorer, 0.2)
    with TestClient(create_app(slow, timeout=1)) as c:
        start = time.perf_counter()
        r = c.post("/v1/restore", json={"text": LONG_STRIPPED})
        took = time.perf_counter() - start
        assert r.status_code == 504, r.text
        assert "time limit of 1 s" in r.json()["detail"]
        assert took < 2.5  # stopped at the next window, not after all of them
        done = slow.model.calls
        time.sleep(0.6)
        assert slow.model.calls == done < 12  # nothing goes on behind the answer
        assert c.post("/v1/restore", json={"text": "Dont go"}).status_code == 200


def test_waiting_for_a_slot_past_the_time_limit_is_503(restorer):
    slow = _Slow(restorer, 2.5)
    with TestClient(create_app(slow, threads=1, timeout=1)) as c:
        with ThreadPoolExecutor(2) as pool:
            first = pool.submit(c.post, "/v1/restore", json={"text": "Dont go"})
            time.sleep(0.2)
            second = c.post("/v1/restore", json={"text": "Dont go"})
            assert second.status_code == 503, second.text
            assert "busy" in second.json()["detail"] and "time limit of 1 s" in \
                second.json()["detail"]
            assert int(second.headers["retry-after"]) >= 1
            assert first.result().status_code == 200  # its work was not cut (no windows)


class _Lanes:
    """A stand-in restorer that takes ``delay`` seconds per text and records how many long
    texts (LONG_TEXT characters or more) it restores at once."""

    def __init__(self, inner, delay: float):
        self.model = inner.model
        self.delay = delay
        self.long_now = self.long_peak = 0
        self.lock = threading.Lock()

    def explain(self, text, profile="auto"):
        from unstrip.restorer import Restoration
        from unstrip.server import LONG_TEXT

        long = len(text) >= LONG_TEXT
        with self.lock:
            self.long_now += long
            self.long_peak = max(self.long_peak, self.long_now)
        time.sleep(self.delay if long else 0.05)
        with self.lock:
            self.long_now -= long
        return Restoration(text, "punctuated")


def test_long_texts_leave_a_slot_for_short_ones(restorer):
    from unstrip.server import LONG_TEXT

    lanes = _Lanes(restorer, 1.2)
    long_text = "Already punctuated. " * (LONG_TEXT // 20 + 1)
    with TestClient(create_app(lanes, threads=2, max_bytes=200_000)) as c:
        with ThreadPoolExecutor(3) as pool:
            longs = [pool.submit(c.post, "/v1/restore", json={"text": long_text})
                     for _ in range(2)]
            time.sleep(0.3)
            start = time.perf_counter()
            short = c.post("/v1/restore", json={"text": "Short."})
            took = time.perf_counter() - start
            assert short.status_code == 200 and took < 0.8, took  # a slot was free
            assert all(f.result().status_code == 200 for f in longs)
    assert lanes.long_peak == 1


def test_head_where_get_works(client):
    for path in ("/", "/healthz", "/docs", "/openapi.json"):
        get, head = client.get(path), client.head(path)
        assert get.status_code == head.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]
        assert int(head.headers["content-length"]) == len(get.content)
    assert client.head("/v1/restore").status_code == 405


def test_every_answer_says_nosniff(client):
    answers = [client.get("/"), client.get("/healthz"), client.get("/docs"),
               client.post("/v1/restore", json={"text": "Dont go"}),
               client.post("/v1/restore", json={"text": "a" * 5000}),
               client.post("/v1/restore", json={"text": 1}),
               client.get("/nowhere")]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 413, 422, 404]
    for a in answers:
        assert a.headers["x-content-type-options"] == "nosniff"


def test_page_csp_allows_only_its_own_inline_code(client):
    import base64
    import hashlib
    import re

    page = client.get("/")
    csp = dict(part.strip().split(" ", 1) for part in
               page.headers["content-security-policy"].split(";"))
    assert csp["default-src"] == "'none'" and csp["connect-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    html = re.sub(r"<!--.*?-->", "", page.text, flags=re.S)
    for tag in ("script", "style"):
        blocks = re.findall(rf"<{tag}>(.*?)</{tag}>", html, re.S)
        assert blocks, tag
        for block in blocks:
            digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in csp[f"{tag}-src"]
        assert "unsafe-inline" not in csp[f"{tag}-src"]
    assert ' style="' not in html and " onclick=" not in html  # the CSP would block them


def test_docs_use_local_assets(client):
    pytest.importorskip("fastapi_offline", reason="pip install fastapi-offline for /docs offline")
    import re

    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "http://" not in docs.text and "https://" not in docs.text
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for a in assets:
        r = client.get(a)
        assert r.status_code == 200 and len(r.content) > 1000, a
    assert "content-security-policy" in docs.headers


# A real uvicorn server, for what TestClient cannot do: slow clients and disconnects.
def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Running:
    """``app`` served by uvicorn on a free local port, in a thread; ``config``
    overrides the uvicorn settings (``log_level``, ``log_config``)."""

    def __init__(self, app, **config):
        import uvicorn

        from unstrip.server import HeaderTimeoutH11

        self.port = _free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, **{
            "log_level": "warning", "lifespan": "on", "http": HeaderTimeoutH11, **config}))

    def __enter__(self):
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "no server"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def connect(self, timeout: float = 6.0):
        import socket

        sock = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        return sock


def _read_all(sock) -> bytes:
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def test_client_going_away_stops_restoring(restorer):
    pytest.importorskip("uvicorn")
    slow = _slow_restorer(restorer, 0.2)
    body = json.dumps({"text": LONG_STRIPPED}).encode()
    with _Running(create_app(slow)) as srv:
        sock = srv.connect()
        sock.sendall(b"POST /v1/restore HTTP/1.1\r\nHost: t\r\nContent-Type: application/json"
                     b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        deadline = time.monotonic() + 10
        while slow.model.calls < 2:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        sock.close()
        time.sleep(0.8)
        stopped_at = slow.model.calls
        time.sleep(0.8)
        assert slow.model.calls == stopped_at < 10  # about 15 windows had it gone on


def test_slow_headers_are_cut_off_with_408(restorer, monkeypatch):
    pytest.importorskip("uvicorn")
    monkeypatch.setenv("UNSTRIP_HEADER_TIMEOUT", "1")
    with _Running(create_app(restorer)) as srv:
        sock = srv.connect()
        start = time.perf_counter()
        sock.sendall(b"POST /v1/restore HTTP/1.1\r\nHost: t\r\n")  # and never the rest
        answer = _read_all(sock)
        assert answer.startswith(b"HTTP/1.1 408") and b"within 1 s" in answer
        assert time.perf_counter() - start < 4
        idle = srv.connect()  # a connection that never sends is closed without a word
        assert _read_all(idle) == b""


def test_short_body_is_cut_off_with_408(restorer):
    pytest.importorskip("uvicorn")
    with _Running(create_app(restorer, body_timeout=1)) as srv:
        sock = srv.connect()
        start = time.perf_counter()
        sock.sendall(b"POST /v1/restore HTTP/1.1\r\nHost: t\r\nContent-Type: application/json"
                     b"\r\nContent-Length: 100\r\n\r\n{\"text\": \"do")
        answer = _read_all(sock)
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert b"not received within 1 s (12 of 100 bytes arrived)" in answer
        assert time.perf_counter() - start < 4
