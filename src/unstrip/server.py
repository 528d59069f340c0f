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
``POST /v1/restore``       ``{"text": str, "profile"?: "auto"|"seed"|"lower"|"newlines"|...,
                           "numbers"?: "keep"|"safe"|"guess", "vocab"?: [str]}``
``POST /v1/restore-words`` ``{"words": [...]}``, Whisper's ``{"segments": [...]}`` or Vosk's
                           ``{"result": [...]}`` -> the same shape, each word restored
``WS   /v1/stream``        a live stream: text frames in, final text frames out
                           (``?lookahead=8&profile=auto``; see :func:`create_app`)
``POST /v1/fix-encoding``  ``{"text": str}`` -> ``{"text", "repairs"}``
``GET  /healthz``          ``{"status": "ok", "model": "learned (...)"}``
``GET  /``                 a web page: paste text, restore it, see every insertion
``GET  /docs``             the OpenAPI documentation (Swagger UI served from the
                           ``fastapi-offline`` package's files, so it works offline)

``HEAD`` is answered wherever ``GET`` is. Every answer carries
``X-Content-Type-Options: nosniff``; the two pages carry a content security
policy that allows only their own inline script and style (by hash) and
requests to this server.

Example::

    $ curl -s localhost:8000/v1/restore -H 'content-type: application/json' \\
        -d '{"text": "Dont go there"}'
    {"text": "Don't go there.", "profile": "seed",
     "insertions": [{"offset": 3, "insert": "'", "confidence": 0.9956, "pass": "argmax"},
                    {"offset": 13, "insert": ".", "confidence": 0.4187, "pass": "argmax"}],
     "recased": [], "encoding_repairs": [],
     "parts": [{"start": 0, "end": 13, "profile": "seed"}]}

``offset`` is a gap of the input after encoding repair (0 = before the first
character); ``recased`` lists ``{"offset", "to", "confidence"}`` for letters
of lowercased input whose case changed. ``numbers`` says how sure a mark that
changes a number's value must be (:data:`unstrip.restorer.NUMBER_POLICIES`;
the server's setting when left out) and ``vocab`` lists written forms to use
for the words that match them (``["TED", "iPhone"]``); both apply to that
request only, on the one loaded model.

Live streams
------------
``/v1/stream`` restores a live transcript with :class:`unstrip.transcripts.stream.Stream`:
the client sends text frames, pieces of the transcript cut anywhere; the
server answers with text frames holding restored text that is final, as soon
as it is (once ``lookahead`` words follow it). An empty text frame ends the
stream: the server sends the rest (one frame, possibly empty) and closes with
1000. The concatenation of the server's frames is the restored transcript,
the same however the client cut it. A binary frame is answered with the rest
of what was received and a close with 1003; a frame that would hold back more
than :data:`STREAM_MAX_HELD` characters with the rest and 1009; bad query
parameters close the stream with 1008 and the reason.

Time limits and cancellation
----------------------------
A request that does not get its answer within ``timeout`` seconds (120 by
default, ``--timeout``; 0 for none) is answered 503 if it was still waiting
for a free restoration slot and 504 if its restoration ran past the limit;
both say so in ``detail``. Restoring stops between the model's windows (8,000
characters each) once the limit passes or the client disconnects, so the slot
is free again within one window's work. A client must send its headers within
10 s (``--header-timeout``; the connection is closed, with a 408 if it had
begun a request) and its body within 30 s of them (``--body-timeout``; 408).
Texts of :data:`LONG_TEXT` characters or more run in a lane of their own
(``threads - 1`` at once, at least 1) and give way to short ones: while a
short request is waiting or running, a long restoration pauses before its
next window (for at most :data:`_YIELD_MAX` seconds at a time, so it is never
starved), so a few megabyte requests do not slow everyone else down.

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
...     client.post("/v1/restore", json={"text": "Dont go there"}).json()["text"]
"Don't go there."
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import json
import math
import os
import re
import threading
import time
from contextlib import AsyncExitStack, asynccontextmanager
from importlib.resources import files
from typing import Literal, get_args

import anyio
import anyio.to_thread
from fastapi import FastAPI, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.websockets import WebSocketDisconnect, WebSocketDisconnected

from unstrip.about import package_version, version_of
from unstrip.models import describe
from unstrip.restorer import NUMBER_POLICIES, PROFILE_CHOICES, Restorer
from unstrip.text.encoding import fix_encoding_and_explain
from unstrip.transcripts.stream import MAX_LOOKAHEAD, Stream

__all__ = ["create_app", "serve", "main", "DEFAULT_MAX_BYTES", "DEFAULT_TIMEOUT",
           "HeaderTimeoutH11", "LONG_TEXT", "STREAM_MAX_HELD"]

DEFAULT_MAX_BYTES = 1_000_000
"""Largest request body accepted, in bytes (413 above it)."""

DEFAULT_THREADS = 2
"""Restorations run at once per process (onnxruntime uses 2 threads for each)."""

DEFAULT_TIMEOUT = 120.0
"""Seconds a request may take, waiting for a slot and restoring (0: no limit). A megabyte
of stripped text restores in about a minute on two free cores."""

DEFAULT_HEADER_TIMEOUT = 10.0
"""Seconds a client has to send a request's headers (from connecting or from the last answer)."""

DEFAULT_BODY_TIMEOUT = 30.0
"""Seconds a client has to send a request's body once its headers are in."""

LONG_TEXT = 20_000
"""Texts of this many characters or more share ``threads - 1`` slots (at least 1) and give
way to shorter ones between windows."""

_YIELD_MAX = 1.0
"""Longest pause, in seconds, of a long restoration between two windows while short
requests are being served."""

_DRAIN_LIMIT = 16_000_000
"""An over-limit body up to this size is read and dropped before the 413 is sent, so the
client sees the answer instead of a reset connection; a larger one is cut off."""

STREAM_MAX_HELD = 4096
"""Most characters a live stream holds back at once (what it received and has not shown,
with the frame just received); a frame past it closes the stream with 1009. Streams are
for live text: each word costs a network call on a window around it, so a long text is
restored much sooner by ``POST /v1/restore``."""

MAX_VOCAB = 10_000
"""Most entries a request's ``vocab`` may hold."""

Profile = Literal[PROFILE_CHOICES]  # the restorer's choices, whatever they are
assert set(get_args(Profile)) == set(PROFILE_CHOICES)
Numbers = Literal[NUMBER_POLICIES]
assert set(get_args(Numbers)) == set(NUMBER_POLICIES)
_NUMBERS_HELP = ("How sure a mark that changes a number's value must be: keep (none), safe "
                 "(only with evidence that holds across domains), guess (whatever the network "
                 "prefers); default: the server's setting (safe).")
_VOCAB_HELP = ("Written forms to use for the words that match them, such as TED, iPhone or "
               "COVID-19; a form is used where damaging it gives the input word.")


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
    numbers: Numbers | None = Field(None, description=_NUMBERS_HELP)
    vocab: list[str] = Field(default_factory=list, max_length=MAX_VOCAB,
                             description=_VOCAB_HELP)

    @field_validator("text")
    @classmethod
    def _encodable(cls, v: str) -> str:
        return _no_surrogates(v)

    @field_validator("vocab")
    @classmethod
    def _encodable_forms(cls, v: list[str]) -> list[str]:
        return [_no_surrogates(form) for form in v]


class RestoreWordsRequest(BaseModel):
    """Timed words to restore: a list of words, Whisper's segments or Vosk's result.

    Exactly one of ``words``, ``segments`` and ``result`` is given. A word is
    a string or an object with a ``"word"`` string; its other keys (times,
    confidences) come back untouched. With ``segments`` or ``result`` every
    other key of the recogniser's output (``"text"``, ``"language"``) comes
    back too, ``"text"`` rebuilt from the restored words.
    """

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"words": [{"word": "dont", "start": 0.0, "end": 0.3},
                   {"word": "go", "start": 0.3, "end": 0.5}], "profile": "auto"},
        {"segments": [{"text": " its late", "words": [{"word": " its", "start": 0.0},
                                                      {"word": " late", "start": 0.2}]}]},
        {"result": [{"word": "its", "conf": 1.0}, {"word": "late", "conf": 0.9}],
         "text": "its late"},
    ]})

    words: list | None = Field(None, description="Words: strings or {\"word\": str, ...}.")
    segments: list | None = Field(
        None, description="Whisper's segments, each with its \"words\" list.")
    result: list | None = Field(None, description="Vosk's word list.")
    profile: Profile = Field("auto", description="Damage to assume; auto detects it.")
    numbers: Numbers | None = Field(None, description=_NUMBERS_HELP)
    vocab: list[str] = Field(default_factory=list, max_length=MAX_VOCAB,
                             description=_VOCAB_HELP)


class RestoreWordsResponse(BaseModel):
    """The words as restored, in the shape they came in."""

    model_config = ConfigDict(extra="allow")

    words: list | None = None
    segments: list | None = None
    result: list | None = None


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
    pass_name: str | None = Field(default=None, alias="pass",
                                  description="The decoding pass that made it.")
    why: str | None = Field(default=None, description="For an inserted quotation's opening "
                            "mark, what made it a quotation (absent when not said).")


class RecaseOut(BaseModel):
    offset: int = Field(description="Character of the input whose case changed.")
    to: str = Field(description="The character it became.")
    confidence: float
    pass_name: str | None = Field(default=None, alias="pass",
                                  description="The decoding pass that made it.")


class RepairOut(BaseModel):
    kind: str = Field(description="decode, restore (a lost byte put back) or lossy.")
    position: int = Field(description="Where in the input the repaired sequence began.")
    before: str
    after: str


class PartOut(BaseModel):
    start: int
    end: int
    profile: str = Field(description="The damage this line (or piece) was treated as.")


class RestoreResponse(BaseModel):
    text: str = Field(description="The restored text.")
    profile: str = Field(description="Damage found: seed, lower, punctuated or empty.")
    insertions: list[InsertionOut]
    recased: list[RecaseOut]
    encoding_repairs: list[RepairOut]
    parts: list[PartOut] = Field(description="What each non-blank line was treated as.")


class FixEncodingResponse(BaseModel):
    text: str
    repairs: list[RepairOut]


class HealthResponse(BaseModel):
    status: str
    model: str
    version: str
    model_version: str


class ErrorResponse(BaseModel):
    detail: str


# -- body size and time limits -----------------------------------------------------------
class BodyLimit:
    """ASGI middleware: answer 413 to a request body over ``max_bytes``, 422 to one that is
    not UTF-8 (JSON must be), 408 to one not received within ``body_timeout`` seconds.

    The declared ``Content-Length`` is checked first, then the bytes that
    actually arrive (a chunked or lying client is cut off at the limit too).
    A client that declares more than it sends is cut off when the time runs
    out. The accepted body is buffered once and replayed to the application.
    """

    def __init__(self, app, max_bytes: int, body_timeout: float = DEFAULT_BODY_TIMEOUT):
        self.app = app
        self.max_bytes = max_bytes
        self.body_timeout = body_timeout if body_timeout > 0 else math.inf

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
                with anyio.move_on_after(self.body_timeout):
                    await _drain(receive, _DRAIN_LIMIT)
            await self._too_large(send, f"{declared} bytes")
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        with anyio.move_on_after(self.body_timeout) as waiting:
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
        if waiting.cancelled_caught:
            what = f"{size} of {declared}" if declared is not None else f"{size}"
            await _send_json(send, 408, {
                "detail": f"request body not received within {self.body_timeout:g} s "
                f"({what} bytes arrived)"
            }, close=True)
            return
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


class HeadAndHeaders:
    """ASGI middleware: answer ``HEAD`` wherever ``GET`` works (the ``GET`` answer's status
    and headers, no body), and add ``X-Content-Type-Options: nosniff`` to every answer."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}

        async def send_wrapped(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", ())
                           if k.lower() != b"x-content-type-options"]
                headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app(scope, receive, send_wrapped)


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


# -- time limits and cancellation --------------------------------------------------------
class _Stopped(Exception):
    """Raised in a worker thread, between windows, when its request ran out of time or its
    client went away."""


class _Watched:
    """A model seen through ``check``, which is called before each window's prediction."""

    def __init__(self, model, check):
        self._model = model
        self._check = check

    def predict(self, *args, **kwargs):
        self._check()
        return self._model.predict(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._model, name)


def _watched(restorer, check):
    """A copy of ``restorer`` that calls ``check`` between windows (it shares the loaded
    model); any other object (a test's stand-in) is returned as it is."""
    if not isinstance(restorer, Restorer):
        return restorer
    clone = copy.copy(restorer)
    clone.__dict__["model"] = _Watched(restorer.model, check)  # shadows the cached_property
    return clone


async def _await_disconnect(receive, stop: threading.Event, scope: anyio.CancelScope) -> None:
    """Wait until the client goes away, then tell the worker to stop and stop waiting."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            stop.set()
            scope.cancel()
            return


async def _limited(request: Request, work, long: bool) -> Response:
    """Run ``work(check)`` in a worker thread within the request's time limit.

    The request first waits for a slot (in the long lane for a long text);
    ``check`` raises :class:`_Stopped` once the time limit passes or the
    client disconnects, and the windowed restoration calls it between
    windows (where a long one also gives way to short ones).
    """
    state = request.app.state
    limit = state.timeout
    deadline = time.monotonic() + limit if limit else math.inf
    stop = threading.Event()

    def check() -> None:
        if stop.is_set() or time.monotonic() > deadline:
            raise _Stopped
        if long:  # give way to short requests, for a while
            until = time.monotonic() + _YIELD_MAX
            while state.short_active and time.monotonic() < until:
                time.sleep(0.01)
                if stop.is_set() or time.monotonic() > deadline:
                    raise _Stopped

    if not long:
        state.short_active += 1
    try:
        return await _run_in_lane(request, work, long, check, stop, deadline)
    finally:
        if not long:
            state.short_active -= 1


async def _run_in_lane(request: Request, work, long: bool, check, stop: threading.Event,
                       deadline: float) -> Response:
    state = request.app.state
    limit = state.timeout
    answer: Response = JSONResponse({"detail": "the client went away"}, 499)
    async with anyio.create_task_group() as tg:
        tg.start_soon(_await_disconnect, request.receive, stop, tg.cancel_scope)
        lanes = [state.long_lane] if long else [state.limiter]
        async with AsyncExitStack() as slots:
            with anyio.move_on_after(deadline - time.monotonic()) as waiting:
                for lane in lanes:
                    await slots.enter_async_context(lane)
            if waiting.cancelled_caught:
                answer = JSONResponse({
                    "detail": f"the server is busy: no restoration slot came free within the "
                    f"time limit of {limit:g} s; try again later"
                }, 503, headers={"retry-after": str(max(1, round(limit / 4)))})
            else:
                try:
                    answer = await anyio.to_thread.run_sync(work, check)
                except _Stopped:
                    if not stop.is_set():
                        answer = JSONResponse({
                            "detail": f"restoring took longer than the time limit of {limit:g}"
                            " s and was stopped; split the text into smaller pieces"
                        }, 504)
                finally:
                    if long:
                        with anyio.CancelScope(shield=True):
                            await anyio.to_thread.run_sync(_trim_memory)
        tg.cancel_scope.cancel()
    return answer


def _trim_memory() -> None:
    """Give freed heap memory back to the system (glibc only), so that a burst of long
    texts does not leave the process's RSS at its high-water mark."""
    global _malloc_trim
    if _malloc_trim is None:
        try:
            import ctypes

            _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


_malloc_trim = None


def _json(model: type[BaseModel], payload: dict) -> Response:
    """``payload`` checked against ``model`` (and cut down to its fields) and serialised
    here, in the worker thread, not on the event loop."""
    return Response(
        model.model_validate(payload).model_dump_json(by_alias=True, exclude_unset=True),
        media_type="application/json")


# -- per-request settings, word lists and live streams --------------------------------------
def _configured(restorer, numbers: str | None, vocab: list[str]):
    """``restorer`` with one request's number policy and vocabulary.

    A shallow copy that shares the loaded model (nothing is loaded or
    built), or ``restorer`` itself when the request changes neither. The
    request's forms come before the server's, so they win where both match.

    >>> r = Restorer("baseline")
    >>> _configured(r, None, []) is r, _configured(r, "keep", ["TED"]).numbers, r.numbers
    (True, 'keep', 'safe')
    """
    if (numbers is None or numbers == getattr(restorer, "numbers", None)) and not vocab:
        return restorer
    clone = copy.copy(restorer)
    if numbers is not None:
        clone.numbers = numbers
    if vocab:
        clone.vocab = [*vocab, *getattr(restorer, "vocab", ())]
    return clone


_Problem = tuple[list, str, str]  # (loc, message, type) of one thing wrong in a request


def _invalid(problems: list[_Problem]) -> JSONResponse:
    """422 in the shape of :func:`_invalid_request`: one entry per problem (at most 20)."""
    detail = [{"loc": [_clean(x) for x in loc], "msg": _clean(msg), "type": kind}
              for loc, msg, kind in problems[:20]]
    summary = "; ".join(f"{'.'.join(str(x) for x in d['loc'])}: {d['msg']}" for d in detail)
    return JSONResponse({"detail": detail, "message": f"invalid request: {summary}"}, 422)


def _bad_words(items: list, loc: list) -> list[_Problem]:
    """What is wrong with the words of a list: each problem names the word's index.

    >>> _bad_words(["a", {"word": "b"}, {"start": 0.5}, 7], ["body", "words"])[0]
    (['body', 'words', 2, 'word'], 'word 2 has no "word" key', 'missing')
    """
    problems: list[_Problem] = []
    for i, item in enumerate(items):
        if isinstance(item, dict):
            if "word" not in item:
                problems.append(([*loc, i, "word"], f'word {i} has no "word" key', "missing"))
                continue
            item = item["word"]
            if not isinstance(item, str):
                problems.append(([*loc, i, "word"], f'word {i}: "word" must be a string',
                                 "string_type"))
                continue
        elif not isinstance(item, str):
            problems.append(([*loc, i], f'word {i} is neither a string nor an object with '
                             'a "word" string', "type_error"))
            continue
        try:
            _no_surrogates(item)
        except ValueError as exc:
            problems.append(([*loc, i], f"word {i}: {exc}", "value_error"))
    return problems


def _word_input(body: RestoreWordsRequest) -> tuple[object, list[_Problem]]:
    """The recogniser output to restore, as :func:`unstrip.transcripts.words.restore_words_json`
    reads it, and what is wrong with it."""
    given = [k for k in ("words", "segments", "result") if getattr(body, k) is not None]
    extra = dict(body.model_extra or {})
    if len(given) != 1:
        got = f"; got {' and '.join(given)}" if given else ""
        return None, [(["body"], "give exactly one of words, segments (Whisper) or result "
                       f"(Vosk){got}", "value_error")]
    key = given[0]
    items = getattr(body, key)
    if key == "words":
        if extra:
            return None, [(["body", k], "unknown field: a word list takes words, profile, "
                           "numbers and vocab", "extra_forbidden") for k in extra]
        return items, _bad_words(items, ["body", "words"])
    problems: list[_Problem] = []
    if key == "segments":
        for i, seg in enumerate(items):
            if isinstance(seg, dict) and isinstance(seg.get("words"), list):
                problems += _bad_words(seg["words"], ["body", "segments", i, "words"])
            else:
                problems.append((["body", "segments", i, "words"], f'segment {i} has no '
                                 '"words" list (ask Whisper for word timestamps)', "missing"))
    else:
        problems = _bad_words(items, ["body", "result"])
    return {key: items, **extra}, problems


def _words_in(data) -> list:
    """Every word of a checked recogniser output, in order."""
    if isinstance(data, list):
        return data
    if "segments" in data:
        return [w for seg in data["segments"] for w in seg["words"]]
    return data["result"]


def _reason(text: str) -> str:
    """A WebSocket close reason: at most 123 bytes of UTF-8."""
    return text.encode("utf-8")[:123].decode("utf-8", "ignore")


_STREAM_PARAMS = ("lookahead", "profile", "numbers", "vocab")
_STREAM_LONG = 1000
"""A stream frame of this many characters or more is restored in the long lane."""


def _stream_settings(params) -> tuple[int, str, str | None, list[str]]:
    """``(lookahead, profile, numbers, vocab)`` from a stream's query parameters.

    >>> _stream_settings({"lookahead": "4"})
    (4, 'auto', None, [])
    >>> _stream_settings({"lookahead": "many"})
    Traceback (most recent call last):
    ...
    ValueError: lookahead must be a whole number from 1 to 256, not 'many'
    """
    unknown = sorted(set(params) - set(_STREAM_PARAMS))
    if unknown:
        raise ValueError(f"unknown query parameter {unknown[0]!r}: use "
                         + ", ".join(_STREAM_PARAMS))
    raw = params.get("lookahead", "8")
    bad = f"lookahead must be a whole number from 1 to {MAX_LOOKAHEAD}, not {raw!r}"
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LOOKAHEAD:
        raise ValueError(bad)
    profile = params.get("profile", "auto")
    if profile not in PROFILE_CHOICES or profile == "newlines":
        raise ValueError(f"profile {profile!r} cannot be streamed: use auto, seed, lower, "
                         "punct, word, punct-lower, word-lower or mojibake")
    numbers = params.get("numbers")
    if numbers is not None and numbers not in NUMBER_POLICIES:
        raise ValueError(f"numbers must be one of {', '.join(NUMBER_POLICIES)}, not {numbers!r}")
    vocab = list(params.getlist("vocab")) if hasattr(params, "getlist") else []
    return int(raw), profile, numbers, vocab


async def _stream_work(state, fn, *args, long: bool = False):
    """``fn(*args)`` in a worker thread, in a restoration slot as a request would be (the
    long lane for a long frame; short ones make long restorations give way); ``None`` if
    no slot came free within the time limit. Once started it runs to its end, so the
    stream's state stays whole."""
    lane = state.long_lane if long else state.limiter
    if not long:
        state.short_active += 1
    try:
        with anyio.move_on_after(state.timeout or math.inf) as waiting:
            await lane.acquire()
        if waiting.cancelled_caught:
            return None
        try:
            return await anyio.to_thread.run_sync(fn, *args)
        finally:
            lane.release()
    finally:
        if not long:
            state.short_active -= 1


async def _serve_stream(websocket: WebSocket) -> None:
    """The ``/v1/stream`` protocol (see the endpoint's docstring)."""
    state = websocket.app.state
    await websocket.accept()
    r = getattr(state, "restorer", None)
    if r is None:
        await websocket.close(1013, "the model is not loaded yet; try again")
        return
    try:
        lookahead, profile, numbers, vocab = _stream_settings(websocket.query_params)
    except ValueError as exc:
        await websocket.close(1008, _reason(str(exc)))
        return
    stream = Stream(_configured(r, numbers, vocab), lookahead=lookahead, profile=profile)
    busy = f"the server is busy: no restoration slot came free within {state.timeout:g} s"
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return  # the client went away; the stream is dropped with this call
            text = message.get("text")
            if text is None:
                code, why = 1003, "binary frames are not accepted: send text; the rest was sent"
            elif not text:
                code, why = 1000, ""
            elif stream.held + len(text) > STREAM_MAX_HELD:
                code, why = 1009, (f"frame not taken: a stream holds back at most "
                                   f"{STREAM_MAX_HELD} characters; send smaller pieces")
            else:
                shown = await _stream_work(state, stream.push, text,
                                           long=len(text) >= _STREAM_LONG)
                if shown is None:
                    await websocket.close(1013, _reason(busy))
                    return
                if shown:
                    await websocket.send_text(shown)
                continue
            rest = await _stream_work(state, stream.flush)
            if rest is None:
                await websocket.close(1013, _reason(busy))
                return
            if rest or code == 1000:
                await websocket.send_text(rest)
            await websocket.close(code, _reason(why))
            return
    except (WebSocketDisconnect, WebSocketDisconnected):
        return  # gone while we were sending: nothing is left to clean up


# -- the application ----------------------------------------------------------------------
def create_app(
    restorer: Restorer | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    threads: int = DEFAULT_THREADS,
    model: str = "auto",
    timeout: float = DEFAULT_TIMEOUT,
    body_timeout: float = DEFAULT_BODY_TIMEOUT,
) -> FastAPI:
    """Build the app; the model is loaded when the app starts (its lifespan).

    ``restorer`` is used as given (tests pass a shared one); else one is made
    with ``model``. ``max_bytes`` bounds request bodies and ``threads`` how
    many restorations run at once; ``timeout`` is each request's time limit
    in seconds (0: none) and ``body_timeout`` the time to receive its body.
    """
    if max_bytes < 1 or threads < 1:
        raise ValueError("max_bytes and threads must be at least 1")
    if timeout < 0 or body_timeout < 0:
        raise ValueError("timeouts must be at least 0 (0: no limit)")

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        r = restorer if restorer is not None else Restorer(model)
        await anyio.to_thread.run_sync(lambda: r.model)  # load now, not on the first request
        app.state.restorer = r
        app.state.limiter = anyio.CapacityLimiter(threads)
        app.state.long_lane = anyio.CapacityLimiter(max(1, threads - 1))
        app.state.timeout = timeout
        app.state.short_active = 0  # short requests waiting or running
        yield

    app = FastAPI(
        title="unstrip",
        summary="Restore text that lost its punctuation, casing, line breaks or encoding.",
        description=_STREAM_DOC,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        responses={
            413: {"model": ErrorResponse, "description": "Body over the size limit."},
            408: {"model": ErrorResponse, "description": "Body not received in time."},
            503: {"model": ErrorResponse, "description": "No slot free within the time limit."},
            504: {"model": ErrorResponse, "description": "Restoring ran past the time limit."},
        },
    )
    app.add_middleware(BodyLimit, max_bytes=max_bytes, body_timeout=body_timeout)
    app.add_middleware(HeadAndHeaders)
    app.add_exception_handler(RequestValidationError, _invalid_request)

    @app.post("/v1/restore", response_model=RestoreResponse)
    async def restore(body: RestoreRequest, request: Request):
        """Restore ``text``: insertions, case changes and encoding repairs, with offsets.

        ``numbers`` and ``vocab`` apply to this request only."""
        r = getattr(request.app.state, "restorer", None)
        if r is None:
            return _not_ready()
        r = _configured(r, body.numbers, body.vocab)
        text, profile = body.text, body.profile

        def work(check):
            watched = _watched(r, check)
            if body.vocab:
                from unstrip.decode.vocabulary import explain_with_vocabulary

                return _json(RestoreResponse,
                             explain_with_vocabulary(watched, text, profile).to_dict())
            return _json(RestoreResponse, watched.explain(text, profile).to_dict())

        return await _limited(request, work, long=len(text) >= LONG_TEXT)

    @app.post("/v1/restore-words", response_model=RestoreWordsResponse,
              responses={422: {"description": "Not a word list, or a word without "
                                              "\"word\" (the answer names its index)."}})
    async def restore_words(body: RestoreWordsRequest, request: Request):
        """Restore timed words, one word out for each in, in the shape they came in.

        Send ``{"words": [...]}`` (strings, or objects with a ``"word"``
        string), Whisper's ``{"segments": [{"words": [...]}]}`` or Vosk's
        ``{"result": [...]}``. The words are restored as one text and each
        gets back its own marks and casing (``"dont"`` -> ``"Don't"``,
        ``"go"`` -> ``"go."``); every other key stays as it was.
        """
        r = getattr(request.app.state, "restorer", None)
        if r is None:
            return _not_ready()
        data, problems = _word_input(body)
        if problems:
            return _invalid(problems)
        r = _configured(r, body.numbers, body.vocab)
        size = sum(len(w) if isinstance(w, str) else len(w.get("word", ""))
                   for w in _words_in(data))

        def work(check):
            from unstrip.transcripts.words import restore_words_json

            try:
                out = restore_words_json(_watched(r, check), data, body.profile)
            except ValueError as exc:
                return _invalid([(["body"], str(exc), "value_error")])
            if isinstance(out, list):
                out = {"words": out}
            return Response(json.dumps(out, ensure_ascii=False), media_type="application/json")

        return await _limited(request, work, long=size >= LONG_TEXT)

    @app.websocket("/v1/stream")
    async def stream(websocket: WebSocket):
        """A live stream: text frames in, restored text frames out as soon as they are final.

        Query parameters: ``lookahead`` (words that must follow a word before
        it is shown, 1-256, default 8), ``profile`` (default ``auto``),
        ``numbers`` (``keep``, ``safe`` or ``guess``) and ``vocab`` (a written
        form; repeat it for more). Each text frame the client sends is the
        next piece of the transcript, cut anywhere; the server answers with a
        text frame each time text becomes final (never changed afterwards).
        An empty text frame ends the stream: the server sends the rest, in one
        frame (possibly empty), and closes with 1000. A binary frame gets the
        rest and a close with 1003, a frame that would hold back more than
        :data:`STREAM_MAX_HELD` characters the rest and 1009, bad parameters
        a close with 1008, all with the reason.
        """
        await _serve_stream(websocket)

    @app.post("/v1/fix-encoding", response_model=FixEncodingResponse)
    async def fix_encoding(body: FixEncodingRequest, request: Request):
        """Repair mojibake only; ``repairs`` says what changed where."""
        if getattr(request.app.state, "restorer", None) is None:
            return _not_ready()

        def work(check):
            check()
            text, repairs = fix_encoding_and_explain(body.text)
            return _json(FixEncodingResponse,
                         {"text": text, "repairs": [r._asdict() for r in repairs]})

        return await _limited(request, work, long=len(body.text) >= LONG_TEXT)

    @app.get("/healthz", response_model=HealthResponse)
    async def healthz(request: Request):
        """Liveness and the model this process loaded."""
        r = getattr(request.app.state, "restorer", None)
        if r is None:
            return _not_ready()
        config = getattr(r.model, "config", None) or {}
        return {"status": "ok", "model": describe(r.model), "version": package_version(),
                "model_version": version_of(config)}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index():
        html = _index_html()
        return HTMLResponse(html, headers={"cache-control": "no-cache",
                                           "content-security-policy": _csp(html)})

    assets = _docs_assets()
    if assets is not None:
        from fastapi.staticfiles import StaticFiles

        app.mount(_ASSETS_URL, StaticFiles(directory=str(assets)), name="docs-assets")

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    async def docs(request: Request):
        root = request.scope.get("root_path", "")
        where = f"{root}{_ASSETS_URL}" if assets is not None else None
        page = get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title="unstrip: API documentation",
            oauth2_redirect_url=f"{root}/docs/oauth2-redirect",
            **({} if where is None else {
                "swagger_js_url": f"{where}/swagger-ui-bundle.js",
                "swagger_css_url": f"{where}/swagger-ui.css",
                "swagger_favicon_url": f"{where}/favicon.png",
            }),
        )
        html = page.body.decode("utf-8")
        headers = {} if assets is None else {"content-security-policy": _csp(html, docs=True)}
        return HTMLResponse(html, headers=headers)

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    async def docs_redirect():
        return get_swagger_ui_oauth2_redirect_html()

    return app


_STREAM_DOC = f"""\
Restore text from speech recognisers, OCR and old corpora: `POST /v1/restore` for a text,
`POST /v1/restore-words` for timed words (a list, Whisper's segments or Vosk's result).

**Live streams: WebSocket `/v1/stream`** (not listed below: OpenAPI does not describe
WebSockets). Connect to `ws://HOST/v1/stream?lookahead=8&profile=auto` (also `numbers`
and `vocab`, as for `/v1/restore`). Send the transcript as text frames, cut anywhere.
The server sends a text frame each time text becomes final, once `lookahead` more
words have come; what it sent never changes, and all its frames together are the
restored transcript, whatever the cuts. Send an **empty text frame** to end: the
server sends the rest (one frame, possibly empty) and closes with code 1000.
A binary frame gets the rest and a close with 1003; a frame that would hold back more
than {STREAM_MAX_HELD:,} characters the rest and 1009; bad parameters a close with 1008.
"""

_ASSETS_URL = "/docs-assets"


def _docs_assets():
    """The folder of Swagger UI's files shipped by ``fastapi-offline``, or None without it
    (then ``/docs`` loads them from FastAPI's default CDN)."""
    try:
        folder = files("fastapi_offline").joinpath("static")
    except ModuleNotFoundError:
        return None
    return folder if folder.joinpath("swagger-ui-bundle.js").is_file() else None


_COMMENT = re.compile(r"<!--.*?-->", re.S)
_INLINE = re.compile(r"<(script|style)>(.*?)</\1>", re.S)


def _csp(html: str, docs: bool = False) -> str:
    """A content security policy for ``html``: its own inline scripts and styles (by
    SHA-256), files and requests from this server only, nothing else. Swagger UI sets
    style attributes, so ``/docs`` also allows inline styles."""
    hashes: dict[str, list[str]] = {"script": [], "style": []}
    for tag, body in _INLINE.findall(_COMMENT.sub("", html)):
        digest = hashlib.sha256(body.encode("utf-8")).digest()
        hashes[tag].append("'sha256-" + base64.b64encode(digest).decode() + "'")
    # A hash in style-src would make browsers ignore 'unsafe-inline'.
    style = ["'self'", "'unsafe-inline'"] if docs else ["'self'", *hashes["style"]]
    return "; ".join([
        "default-src 'none'",
        "script-src " + " ".join(["'self'", *hashes["script"]]),
        "style-src " + " ".join(style),
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ])


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
        timeout=float(os.environ.get("UNSTRIP_TIMEOUT", DEFAULT_TIMEOUT)),
        body_timeout=float(os.environ.get("UNSTRIP_BODY_TIMEOUT", DEFAULT_BODY_TIMEOUT)),
    )


try:
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol
except ImportError:  # pragma: no cover - the serve extra is not installed
    H11Protocol = None

if H11Protocol is not None:

    class HeaderTimeoutH11(H11Protocol):
        """uvicorn's HTTP/1.1 protocol with a time limit on receiving each request's headers
        (``UNSTRIP_HEADER_TIMEOUT`` seconds, 10 by default; 0: none), counted from the
        connection or from the previous answer. A client that dribbles its headers is
        answered 408 and disconnected; an idle connection is closed."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.header_timeout = float(
                os.environ.get("UNSTRIP_HEADER_TIMEOUT", DEFAULT_HEADER_TIMEOUT))
            self._header_timer = None

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._arm_header_timer()

        def connection_lost(self, exc) -> None:
            self._disarm_header_timer()
            super().connection_lost(exc)

        def handle_events(self) -> None:
            super().handle_events()
            if self.conn.their_state is not h11.IDLE:  # the headers are in
                self._disarm_header_timer()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
                self._arm_header_timer()

        def _arm_header_timer(self) -> None:
            self._disarm_header_timer()
            if self.header_timeout > 0:
                self._header_timer = self.loop.call_later(self.header_timeout,
                                                          self._headers_too_slow)

        def _disarm_header_timer(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_too_slow(self) -> None:
            self._header_timer = None
            if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
                return
            if self.conn.trailing_data[0]:  # a request was begun: say why it is cut off
                body = (f"request headers not received within {self.header_timeout:g} s\n"
                        ).encode()
                self.transport.write(
                    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8"
                    b"\r\nconnection: close\r\ncontent-length: "
                    + str(len(body)).encode() + b"\r\n\r\n" + body)
            self.transport.close()
else:  # pragma: no cover
    HeaderTimeoutH11 = None


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    max_bytes: int = DEFAULT_MAX_BYTES,
    threads: int = DEFAULT_THREADS,
    model: str = "auto",
    log_level: str = "info",
    timeout: float = DEFAULT_TIMEOUT,
    header_timeout: float = DEFAULT_HEADER_TIMEOUT,
    body_timeout: float = DEFAULT_BODY_TIMEOUT,
) -> None:
    """Run the service with uvicorn until interrupted; ``workers`` processes each load the
    model (about ``cores / 2`` for CPU-bound restoring). ``timeout`` is each request's time
    limit, ``header_timeout`` and ``body_timeout`` the time a client has to send its request
    (seconds; 0: no limit)."""
    import uvicorn

    os.environ["UNSTRIP_MAX_BYTES"] = str(max_bytes)
    os.environ["UNSTRIP_THREADS"] = str(threads)
    os.environ["UNSTRIP_MODEL"] = str(model)
    os.environ["UNSTRIP_TIMEOUT"] = str(timeout)
    os.environ["UNSTRIP_HEADER_TIMEOUT"] = str(header_timeout)
    os.environ["UNSTRIP_BODY_TIMEOUT"] = str(body_timeout)
    uvicorn.run(
        "unstrip.server:_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        http="unstrip.server:HeaderTimeoutH11",
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
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                   help="seconds a request may take, 503/504 after (default 120; 0: none)")
    p.add_argument("--header-timeout", type=float, default=DEFAULT_HEADER_TIMEOUT,
                   help="seconds to receive a request's headers (default 10; 0: none)")
    p.add_argument("--body-timeout", type=float, default=DEFAULT_BODY_TIMEOUT,
                   help="seconds to receive a request's body, 408 after (default 30; 0: none)")
    p.add_argument("--log-level", default="info",
                   choices=["critical", "error", "warning", "info", "debug"])
    a = p.parse_args(argv)
    serve(a.host, a.port, a.workers, a.max_bytes, a.threads, a.model, a.log_level,
          a.timeout, a.header_timeout, a.body_timeout)


if __name__ == "__main__":
    main()
