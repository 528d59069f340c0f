"""An HTTP service for restoring text: ``python -m unstrip.server --port 8000``.

The problem
-----------
A corpus pipeline written in another language, or a person with a browser,
needs restored text without loading the model itself. This module serves the
:class:`~unstrip.restorer.Restorer` over HTTP with FastAPI: the model is
loaded once per process at startup, each request body is bounded
(``max_bytes``, 1 MB by default; 413 above it), malformed requests get a 422
that names the problem, and restoring runs in worker threads so the event
loop keeps answering (``/healthz`` stays fast while a long text is restored).

Endpoints
---------
``POST /v1/restore``       ``{"text": str, "profile"?: "auto"|"seed"|"lower"|"newlines"|...}``
``POST /v1/fix-encoding``  ``{"text": str}`` -> ``{"text", "repairs"}``
``GET  /healthz``          ``{"status": "ok", "model": "learned (...)"}``
``GET  /``                 a web page: paste text, restore it, see every insertion
``GET  /docs``             the OpenAPI documentation

Example::

    $ curl -s localhost:8000/v1/restore -H 'content-type: application/json' \\
        -d '{"text": "Dont go"}'
    {"text": "Don't go.", "profile": "seed",
     "insertions": [{"offset": 3, "insert": "'", "confidence": 0.529},
                    {"offset": 7, "insert": ".", "confidence": 0.354}],
     "recased": [], "encoding_repairs": []}

``offset`` is a gap of the input after encoding repair (0 = before the first
character); ``recased`` lists ``{"offset", "to", "confidence"}`` for letters
of lowercased input whose case changed.

Sizing workers
--------------
Restoring is CPU-bound (about 15,000 characters/s per process on one core
pair). Each request runs in a thread, but threads do not add throughput
beyond onnxruntime's own 2 intra-op threads: a process gains nothing from
more than ``threads`` (default 2) concurrent restorations, so at most that
many run at once (an :class:`anyio.CapacityLimiter`) and the rest wait their
turn without holding a thread. To use more cores, run more processes:
``--workers`` about ``cores / 2`` (each loads its own copy of the model,
about 100 MB of memory each), behind uvicorn's own process manager.

>>> from fastapi.testclient import TestClient
>>> with TestClient(create_app()) as client:
...     client.post("/v1/restore", json={"text": "Dont go"}).json()["text"]
"Don't go."
"""

from __future__ import annotations

import argparse
import json
import os
from contextlib import asynccontextmanager
from importlib.resources import files
from typing import Literal, get_args

import anyio
import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from unstrip.encoding import fix_encoding_and_explain
from unstrip.models import describe
from unstrip.restorer import PROFILE_CHOICES, Restorer

__all__ = ["create_app", "serve", "main", "DEFAULT_MAX_BYTES"]

DEFAULT_MAX_BYTES = 1_000_000
"""Largest request body accepted, in bytes (413 above it)."""

DEFAULT_THREADS = 2
"""Restorations run at once per process (onnxruntime uses 2 threads for each)."""

_DRAIN_LIMIT = 16_000_000
"""An over-limit body up to this size is read and dropped before the 413 is sent, so the
client sees the answer instead of a reset connection; a larger one is cut off."""

Profile = Literal["auto", "seed", "lower", "newlines", "mojibake"]
if set(get_args(Profile)) != set(PROFILE_CHOICES):  # keep the two in step
    raise ImportError("server.Profile differs from restorer.PROFILE_CHOICES")


# -- request and response bodies ----------------------------------------------------------
def _no_surrogates(text: str) -> str:
    """Reject lone UTF-16 surrogates (``"\\ud800"`` in JSON): they cannot be encoded back."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"text holds a lone surrogate at character {exc.start}") from None
    return text


class RestoreRequest(BaseModel):
    """Text to restore and the damage to assume (``auto`` detects it)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"text": "Its a selfproclaimed win worth 20000 dollars", "profile": "auto"}]
    })

    text: str = Field(description="The damaged text (may be empty).")
    profile: Profile = Field("auto", description="Damage to assume; auto detects it.")

    @field_validator("text")
    @classmethod
    def _encodable(cls, v: str) -> str:
        return _no_surrogates(v)


class FixEncodingRequest(BaseModel):
    """Text whose broken encoding (mojibake) should be repaired."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"text": "Itâ€™s â€œfineâ€ â€” really"}]
    })

    text: str = Field(description="Text that may hold mojibake.")

    @field_validator("text")
    @classmethod
    def _encodable(cls, v: str) -> str:
        return _no_surrogates(v)


class InsertionOut(BaseModel):
    offset: int = Field(description="Gap of the input (0 = before the first character).")
    insert: str = Field(description="What was inserted there.")
    confidence: float = Field(description="The model's confidence, 0..1.")


class RecaseOut(BaseModel):
    offset: int = Field(description="Character of the input whose case changed.")
    to: str = Field(description="The character it became.")
    confidence: float


class RepairOut(BaseModel):
    kind: str = Field(description="decode, restore (a lost byte put back) or lossy.")
    position: int = Field(description="Where in the input the repaired sequence began.")
    before: str
    after: str


class RestoreResponse(BaseModel):
    text: str = Field(description="The restored text.")
    profile: str = Field(description="Damage found: seed, lower, punctuated or empty.")
    insertions: list[InsertionOut]
    recased: list[RecaseOut]
    encoding_repairs: list[RepairOut]


class FixEncodingResponse(BaseModel):
    text: str
    repairs: list[RepairOut]


class HealthResponse(BaseModel):
    status: str
    model: str


class ErrorResponse(BaseModel):
    detail: str


# -- body size limit ----------------------------------------------------------------------
class BodyLimit:
    """ASGI middleware: answer 413 to a request body over ``max_bytes``, 422 to one that is
    not UTF-8 (JSON must be).

    The declared ``Content-Length`` is checked first, then the bytes that
    actually arrive (a chunked or lying client is cut off at the limit too).
    The accepted body is buffered once and replayed to the application.
    """

    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared == -1:
            await _send_json(send, 400, {"detail": "invalid Content-Length header"})
            return
        if declared is not None and declared > self.max_bytes:
            if declared <= _DRAIN_LIMIT:
                await _drain(receive, _DRAIN_LIMIT)
            await self._too_large(send, f"{declared} bytes")
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            more = message.get("more_body", False)
            if size > self.max_bytes:
                if more:
                    await _drain(receive, _DRAIN_LIMIT - size)
                await self._too_large(send, f"more than {self.max_bytes} bytes")
                return
            chunks.append(chunk)
        body = b"".join(chunks)
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            await _send_json(send, 422, {
                "detail": [{"loc": ["body"], "msg": f"body is not valid UTF-8 (byte {exc.start})",
                            "type": "utf8_invalid"}],
                "message": f"invalid request: body is not valid UTF-8 (byte {exc.start})",
            })
            return
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send, size: str) -> None:
        await _send_json(send, 413, {
            "detail": f"request body too large: {size}, the limit is {self.max_bytes} "
            "bytes; split the text into smaller pieces"
        }, close=True)


def _content_length(scope) -> int | None:
    """The declared body length, None if not given, -1 if not a number."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                n = int(value)
            except ValueError:
                return -1
            return n if n >= 0 else -1
    return None


async def _drain(receive, budget: int) -> None:
    """Read and drop the rest of a request body, at most ``budget`` more bytes."""
    while budget > 0:
        message = await receive()
        if message["type"] != "http.request":
            return
        budget -= len(message.get("body", b""))
        if not message.get("more_body", False):
            return


async def _send_json(send, status: int, payload: dict, close: bool = False) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode())]
    if close:  # the rest of the request body may still be unread
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# -- the application ----------------------------------------------------------------------
def create_app(
    restorer: Restorer | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    threads: int = DEFAULT_THREADS,
    model: str = "auto",
) -> FastAPI:
    """Build the app; the model is loaded when the app starts (its lifespan).

    ``restorer`` is used as given (tests pass a shared one); else one is made
    with ``model``. ``max_bytes`` bounds request bodies and ``threads`` how
    many restorations run at once.
    """
    if max_bytes < 1 or threads < 1:
        raise ValueError("max_bytes and threads must be at least 1")

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        r = restorer if restorer is not None else Restorer(model)
        await anyio.to_thread.run_sync(lambda: r.model)  # load now, not on the first request
        app.state.restorer = r
        app.state.limiter = anyio.CapacityLimiter(threads)
        yield

    app = FastAPI(
        title="unstrip",
        summary="Restore text that lost its punctuation, casing, line breaks or encoding.",
        lifespan=lifespan,
        responses={413: {"model": ErrorResponse, "description": "Body over the size limit."}},
    )
    app.add_middleware(BodyLimit, max_bytes=max_bytes)
    app.add_exception_handler(RequestValidationError, _invalid_request)

    async def run(request: Request, fn, *args):
        state = request.app.state
        if getattr(state, "restorer", None) is None:
            return None
        return await anyio.to_thread.run_sync(fn, state.restorer, *args, limiter=state.limiter)

    @app.post("/v1/restore", response_model=RestoreResponse)
    async def restore(body: RestoreRequest, request: Request):
        """Restore ``text``: insertions, case changes and encoding repairs, with offsets."""
        result = await run(request, lambda r, t, p: r.explain(t, p).to_dict(),
                           body.text, body.profile)
        return result if result is not None else _not_ready()

    @app.post("/v1/fix-encoding", response_model=FixEncodingResponse)
    async def fix_encoding(body: FixEncodingRequest, request: Request):
        """Repair mojibake only; ``repairs`` says what changed where."""
        result = await run(request, lambda _r, t: fix_encoding_and_explain(t), body.text)
        if result is None:
            return _not_ready()
        text, repairs = result
        return {"text": text, "repairs": [r._asdict() for r in repairs]}

    @app.get("/healthz", response_model=HealthResponse)
    async def healthz(request: Request):
        """Liveness and the model this process loaded."""
        r = getattr(request.app.state, "restorer", None)
        if r is None:
            return _not_ready()
        return {"status": "ok", "model": describe(r.model)}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index():
        return HTMLResponse(_index_html(), headers={"cache-control": "no-cache"})

    return app


def _clean(value) -> str | int:
    """A value safe to put in a JSON answer (no lone surrogates)."""
    if isinstance(value, int):
        return value
    return str(value).encode("utf-8", "replace").decode("utf-8")


async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with one line per problem; the offending input is not echoed back (it may be
    a megabyte of text)."""
    detail = []
    for e in exc.errors():
        msg = e.get("msg", "invalid")
        if e.get("type") == "json_invalid":
            msg = f"malformed JSON: {(e.get('ctx') or {}).get('error', 'decode error')}"
        elif e.get("type") == "model_attributes_type":
            msg = "expected a JSON object such as {\"text\": \"...\"} (Content-Type: " \
                  "application/json)"
        detail.append({"loc": [_clean(x) for x in e.get("loc", ())], "msg": _clean(msg),
                       "type": _clean(e.get("type", ""))})
    summary = "; ".join(
        f"{'.'.join(str(x) for x in d['loc'])}: {d['msg']}" for d in detail
    )
    return JSONResponse({"detail": detail, "message": f"invalid request: {summary}"}, 422)


def _not_ready() -> JSONResponse:
    return JSONResponse({"detail": "the model is not loaded yet"}, status_code=503)


def _index_html() -> str:
    return files("unstrip").joinpath("web/index.html").read_text(encoding="utf-8")


def _app_from_env() -> FastAPI:
    """The app as :func:`serve` configures it, through environment variables, so that
    every worker process builds the same one."""
    return create_app(
        max_bytes=int(os.environ.get("UNSTRIP_MAX_BYTES", DEFAULT_MAX_BYTES)),
        threads=int(os.environ.get("UNSTRIP_THREADS", DEFAULT_THREADS)),
        model=os.environ.get("UNSTRIP_MODEL", "auto"),
    )


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    max_bytes: int = DEFAULT_MAX_BYTES,
    threads: int = DEFAULT_THREADS,
    model: str = "auto",
    log_level: str = "info",
) -> None:
    """Run the service with uvicorn until interrupted; ``workers`` processes each load the
    model (about ``cores / 2`` for CPU-bound restoring)."""
    import uvicorn

    os.environ["UNSTRIP_MAX_BYTES"] = str(max_bytes)
    os.environ["UNSTRIP_THREADS"] = str(threads)
    os.environ["UNSTRIP_MODEL"] = str(model)
    uvicorn.run(
        "unstrip.server:_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
    )


def main(argv: list[str] | None = None) -> None:
    """``python -m unstrip.server [--host H] [--port P] [--workers N] ...``"""
    p = argparse.ArgumentParser(prog="python -m unstrip.server", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--workers", type=int, default=1,
                   help="processes, each with its own model (about cores / 2)")
    p.add_argument("--threads", type=int, default=DEFAULT_THREADS,
                   help="restorations at once per process (default 2)")
    p.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES,
                   help="largest request body in bytes (default 1000000)")
    p.add_argument("--model", default="auto", help="auto, baseline or a model path")
    p.add_argument("--log-level", default="info",
                   choices=["critical", "error", "warning", "info", "debug"])
    a = p.parse_args(argv)
    serve(a.host, a.port, a.workers, a.max_bytes, a.threads, a.model, a.log_level)


if __name__ == "__main__":
    main()
