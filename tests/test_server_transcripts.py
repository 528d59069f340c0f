"""The HTTP side of transcripts: live streams over a WebSocket, timed words, and the
per-request ``numbers`` and ``vocab`` options.

The problem: a captioning client sends ``"so we went to pa"``, ``"ris last year "`` ...
and must get back restored text that is final, the same whatever its framing, with a
clear close code (never a server error) for a binary frame, a bad parameter or a
client that vanishes; a Whisper or Vosk word list must come back in its own shape.
"""

from __future__ import annotations

import copy
import importlib.util
import logging
import socket
import time

import pytest

pytest.importorskip("fastapi", reason="pip install 'unstrip[serve]' to test the server")
if not (importlib.util.find_spec("httpx2") or importlib.util.find_spec("httpx")):
    pytest.skip("FastAPI's TestClient needs httpx2 (pip install 'unstrip[test]')",
                allow_module_level=True)

from fastapi.testclient import TestClient  # noqa: E402
from test_server import _Running  # noqa: E402

from unstrip.server import STREAM_MAX_HELD, create_app  # noqa: E402
from unstrip.text.profiles import lower  # noqa: E402
from unstrip.transcripts.stream import DEFAULT_STEP, Stream  # noqa: E402

TALK = ("so we went to paris last year it was lovely wasnt it and then we took the train "
        "to london where it rained for a week dont you think thats funny")


@pytest.fixture(scope="module")
def client(restorer):
    with TestClient(create_app(restorer, max_bytes=20_000)) as c:
        yield c


def library(restorer, text: str, lookahead: int = 8, **kw) -> str:
    s = Stream(restorer, lookahead=lookahead, **kw)
    return s.push(text) + s.flush()


def until_closed(ws) -> tuple[list[str], int, str]:
    """Every text frame until the server closes, and the close code and reason."""
    frames = []
    while True:
        message = ws.receive()
        if message["type"] == "websocket.close":
            return frames, message["code"], message.get("reason", "")
        assert message["type"] == "websocket.send" and "text" in message, message
        frames.append(message["text"])


def cut(text: str, points: list[int]) -> list[str]:
    bounds = [0, *points, len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


# -- /v1/stream ------------------------------------------------------------------------
@pytest.mark.parametrize("points", [[], [3, 17, 18, 40, 41, 90], list(range(5, 150, 7))])
def test_stream_shows_the_library_output_whatever_the_framing(client, restorer, points):
    with client.websocket_connect("/v1/stream?lookahead=4") as ws:
        shown = []
        for piece in cut(TALK, points):
            ws.send_text(piece)
        ws.send_text("")  # the end
        frames, code, _ = until_closed(ws)
        shown += frames
    assert code == 1000
    out = "".join(shown)
    assert out == library(restorer, TALK, lookahead=4)
    assert lower(out) == TALK
    assert out.startswith("So we went to Paris")


def test_stream_sends_text_as_soon_as_it_is_final(client):
    words = TALK.split()
    with client.websocket_connect("/v1/stream?lookahead=2&profile=lower") as ws:
        ws.send_text(" ".join(words[: DEFAULT_STEP + 1]))  # the last word is not complete
        ws.send_text(f" {words[DEFAULT_STEP + 1]} ")  # now the first block has 2 after it
        first = ws.receive_text()
        assert lower(first) == " ".join(words[:DEFAULT_STEP]) + " "  # one block, final
        ws.send_text("")
        frames, code, _ = until_closed(ws)
    assert code == 1000
    assert lower(first + "".join(frames)) == " ".join(words[: DEFAULT_STEP + 2]) + " "


def test_end_of_an_empty_stream_sends_one_empty_frame(client):
    with client.websocket_connect("/v1/stream") as ws:
        ws.send_text("")
        assert until_closed(ws)[:2] == ([""], 1000)


def test_binary_frame_closes_with_1003_and_loses_nothing(client, restorer):
    text = "dont go out tonight she said its far too cold "
    with client.websocket_connect("/v1/stream?lookahead=2") as ws:
        ws.send_text(text)
        ws.send_bytes(b"\x00\x01")
        frames, code, reason = until_closed(ws)
    assert code == 1003 and "binary" in reason
    assert "".join(frames) == library(restorer, text, lookahead=2)


def test_oversized_frame_closes_with_1009(client, restorer):
    with client.websocket_connect("/v1/stream") as ws:
        ws.send_text("its late ")
        ws.send_text("word " * STREAM_MAX_HELD)
        frames, code, reason = until_closed(ws)
    assert code == 1009 and str(STREAM_MAX_HELD) in reason
    assert "".join(frames) == library(restorer, "its late ")  # what came before is kept


@pytest.mark.parametrize("query, named", [
    ("lookahead=0", "lookahead"), ("lookahead=abc", "lookahead"), ("lookahead=999", "lookahead"),
    ("profile=newlines", "newlines"), ("profile=shouting", "shouting"),
    ("numbers=maybe", "numbers"), ("lookahaed=4", "lookahaed"),
])
def test_bad_stream_parameters_close_with_1008(client, query, named):
    with client.websocket_connect(f"/v1/stream?{query}") as ws:
        frames, code, reason = until_closed(ws)
    assert frames == [] and code == 1008 and named in reason
    assert len(reason.encode()) <= 123


def test_stream_options_reach_the_restorer(client, restorer):
    with client.websocket_connect("/v1/stream?lookahead=2&vocab=TED&numbers=keep") as ws:
        ws.send_text("i watched a ted talk yesterday it was great ")
        ws.send_text("")
        frames, code, _ = until_closed(ws)
    assert code == 1000
    assert "TED" in "".join(frames)


def test_client_leaving_mid_stream_is_no_error(client, restorer, caplog):
    caplog.set_level(logging.WARNING)
    with client.websocket_connect("/v1/stream?lookahead=2") as ws:
        ws.send_text(TALK + " ")
        assert ws.receive_text()  # the first block came, and more is held
    # the context closed the socket without ending the stream
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    with client.websocket_connect("/v1/stream?lookahead=2") as ws:  # the server goes on
        ws.send_text("dont go ")
        ws.send_text("")
        assert lower("".join(until_closed(ws)[0])) == "dont go "


def test_a_real_client_dropping_the_connection_leaves_no_error(restorer, caplog):
    pytest.importorskip("uvicorn")
    from websockets.sync.client import connect

    caplog.set_level(logging.INFO)
    # uvicorn's records reach the root logger, and caplog
    with _Running(create_app(restorer), log_level="info", log_config=None) as srv:
        url = f"ws://127.0.0.1:{srv.port}/v1/stream?lookahead=2"
        with connect(url) as ws:
            ws.send(TALK[:60])
            ws.send(TALK[60:] + " ")
            assert lower(ws.recv(timeout=30)) == " ".join(TALK.split()[:DEFAULT_STEP]) + " "
            ws.send("and then we ")
            ws.socket.shutdown(socket.SHUT_RDWR)  # gone, without a closing handshake
        time.sleep(1.0)  # the server notices while it restores or sends
        with connect(url) as ws:  # and serves the next client
            ws.send("dont go ")
            ws.send("")
            assert lower(ws.recv(timeout=30)) == "dont go "
    assert any(r.name.startswith("uvicorn") for r in caplog.records)  # the logs were seen
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not errors, [r.getMessage() for r in errors]


# -- /v1/restore-words -----------------------------------------------------------------
def test_restore_words_as_strings_and_objects(client, restorer):
    words = [{"word": w, "start": i * 0.3, "end": i * 0.3 + 0.25}
             for i, w in enumerate("dont go there its late".split())]
    r = client.post("/v1/restore-words", json={"words": words})
    assert r.status_code == 200, r.text
    out = r.json()["words"]
    assert out == restorer.restore_words(words)
    assert [w["start"] for w in out] == [w["start"] for w in words]
    assert [lower(w["word"]) for w in out] == [w["word"] for w in words]
    plain = client.post("/v1/restore-words", json={"words": ["dont", "go"]}).json()
    assert plain == {"words": restorer.restore_words(["dont", "go"])}


def test_restore_words_in_whisper_and_vosk_shapes(client):
    whisper = {"text": " its late were tired", "language": "en", "segments": [
        {"id": 0, "text": " its late", "words": [{"word": " its", "start": 0.0},
                                                 {"word": " late", "start": 0.2}]},
        {"id": 1, "text": " were tired", "words": [{"word": " were", "start": 0.5},
                                                   {"word": " tired", "start": 0.7}]}]}
    out = client.post("/v1/restore-words", json=whisper).json()
    assert set(out) == {"text", "language", "segments"} and out["language"] == "en"
    assert [s["id"] for s in out["segments"]] == [0, 1]
    words = [w["word"] for s in out["segments"] for w in s["words"]]
    assert [lower(w) for w in words] == [" its", " late", " were", " tired"]
    assert all(w.startswith(" ") for w in words) and out["text"].startswith(" It")
    vosk = {"text": "its late", "result": [{"word": "its", "conf": 1.0},
                                           {"word": "late", "conf": 0.8}]}
    out = client.post("/v1/restore-words", json=vosk).json()
    assert [w["conf"] for w in out["result"]] == [1.0, 0.8]
    assert out["text"] == " ".join(w["word"] for w in out["result"])
    assert lower(out["text"]) == "its late"


@pytest.mark.parametrize("body, where, says", [
    ({"words": [{"word": "a"}, {"word": "b"}, {"start": 1.0}]}, ["body", "words", 2, "word"],
     "word 2"),
    ({"words": ["a", 5]}, ["body", "words", 1], "word 1"),
    ({"words": [{"word": 3}]}, ["body", "words", 0, "word"], "string"),
    ({"segments": [{"words": [{"word": "a"}]}, {"words": [{"end": 2}]}]},
     ["body", "segments", 1, "words", 0, "word"], "word 0"),
    ({"segments": [{"text": "no words"}]}, ["body", "segments", 0, "words"], "timestamps"),
    ({"result": [{"conf": 1.0}]}, ["body", "result", 0, "word"], "word 0"),
    ({"words": ["a"], "result": []}, ["body"], "exactly one"),
    ({"profile": "auto"}, ["body"], "exactly one"),
    ({"words": ["a"], "profil": "lower"}, ["body", "profil"], "unknown field"),
    ({"words": ["a"], "numbers": "maybe"}, ["body", "numbers"], "keep"),
    ({"words": "a b"}, ["body", "words"], "list"),
])
def test_bad_word_lists_are_422_naming_the_place(client, body, where, says):
    r = client.post("/v1/restore-words", json=body)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert any(d["loc"] == where and says in d["msg"] for d in detail), detail
    assert says in r.json()["message"]


# -- numbers and vocab on /v1/restore -------------------------------------------------------
def test_numbers_and_vocab_apply_to_one_request(client, restorer):
    from unstrip.decode.vocabulary import explain_with_vocabulary

    text = "i watched a ted talk on tiktok it cost 20000 dollars"
    body = client.post("/v1/restore", json={"text": text, "vocab": ["TED", "TikTok"],
                                            "numbers": "keep"}).json()
    assert "TED" in body["text"] and "TikTok" in body["text"]
    configured = copy.copy(restorer)
    configured.numbers, configured.vocab = "keep", ["TED", "TikTok"]
    assert body == explain_with_vocabulary(configured, text).to_dict()
    # the next request without them gets the server's settings again
    plain = client.post("/v1/restore", json={"text": text}).json()
    assert plain == restorer.explain(text).to_dict() and "TED" not in plain["text"]
    assert restorer.numbers == "safe" and not restorer.vocab


@pytest.mark.parametrize("extra", [{"numbers": "maybe"}, {"numbers": 3}, {"vocab": "TED"},
                                   {"vocab": ["TED", 4]}])
def test_bad_numbers_or_vocab_is_422(client, extra):
    r = client.post("/v1/restore", json={"text": "dont go", **extra})
    assert r.status_code == 422
    assert next(iter(extra)) in r.json()["message"]


def test_openapi_documents_the_new_endpoints(client):
    spec = client.get("/openapi.json").json()
    assert "/v1/restore-words" in spec["paths"]
    assert "/v1/stream" in spec["info"]["description"]
    assert "empty text frame" in spec["info"]["description"]
    props = spec["components"]["schemas"]["RestoreRequest"]["properties"]
    assert {"numbers", "vocab"} <= set(props)


def test_stream_needs_the_loaded_model(restorer):
    app = create_app(restorer)
    with TestClient(app) as c:
        del c.app.state.restorer
        with c.websocket_connect("/v1/stream") as ws:
            frames, code, reason = until_closed(ws)
        assert code == 1013 and "not loaded" in reason

