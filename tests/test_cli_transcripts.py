"""unstrip restore on subtitles, word lists, a vocabulary, number policies and live input."""

from __future__ import annotations

import importlib.util
import json
import os
import select
import subprocess
import sys
import time

import pytest
import srt
from click.testing import CliRunner

import unstrip.cli as cli_module
from unstrip.cli import cli
from unstrip.text.profiles import PROFILES

lower = PROFILES["lower"]

SRT = """1
00:00:01,000 --> 00:00:03,200
so i went to the market on monday

2
00:00:03,200 --> 00:00:05,900
and the man there said he had
never seen a ted talk

3
00:00:06,000 --> 00:00:08,000
what do you think he meant
"""


def _one_line(stderr: str) -> str:
    lines = [x for x in stderr.splitlines() if x.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def test_srt_by_extension_and_the_same_cues_back(tmp_path):
    src, out = tmp_path / "in.srt", tmp_path / "out.srt"
    src.write_text(SRT, encoding="utf-8")
    r = CliRunner().invoke(cli, ["restore", str(src), "-o", str(out)])
    assert r.exit_code == 0, r.output
    a, b = list(srt.parse(SRT)), list(srt.parse(out.read_text(encoding="utf-8")))
    assert [(s.index, s.start, s.end) for s in a] == [(s.index, s.start, s.end) for s in b]
    assert [lower(s.content) for s in b] == [lower(s.content) for s in a]
    assert [s.content.count("\n") for s in b] == [1 if i == 1 else 0 for i in range(3)]
    assert b[0].content.startswith("So I")
    # --format srt reads a file of any name as SRT; standard input too
    txt = tmp_path / "captions.txt"
    txt.write_text(SRT, encoding="utf-8")
    r2 = CliRunner().invoke(cli, ["restore", "--format", "srt", str(txt)])
    assert r2.exit_code == 0 and r2.output == out.read_text(encoding="utf-8")
    r3 = CliRunner().invoke(cli, ["restore", "--format", "srt"], input=SRT)
    assert r3.exit_code == 0 and r3.output == r2.output


def test_vtt_by_extension(tmp_path):
    src = tmp_path / "talk.VTT"
    src.write_text("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000 line:0\nso i said hi\n",
                   encoding="utf-8")
    r = CliRunner().invoke(cli, ["restore", str(src)])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000 line:0\nSo I said")


def test_a_malformed_subtitle_file_names_its_line_and_writes_nothing(tmp_path):
    bad = tmp_path / "in.srt"
    bad.write_text(SRT.replace("00:00:06,000", "00:00:0x,000"), encoding="utf-8")
    out = tmp_path / "out.srt"
    p = subprocess.run([sys.executable, "-m", "unstrip.cli", "restore", str(bad), "-o", str(out)],
                       capture_output=True, text=True)
    assert p.returncode == 2 and p.stdout == ""
    assert _one_line(p.stderr) == f"unstrip: {bad}: line 11: bad timestamp '00:00:0x,000'"
    assert not out.exists() and os.listdir(tmp_path) == ["in.srt"]


def test_structured_input_is_one_file_at_a_time_and_not_explained(tmp_path):
    a, b = tmp_path / "a.srt", tmp_path / "b.srt"
    for f in (a, b):
        f.write_text(SRT, encoding="utf-8")
    r = CliRunner().invoke(cli, ["restore", str(a), str(b)])
    assert r.exit_code == 2 and "one file at a time" in r.output
    r = CliRunner().invoke(cli, ["restore", "--explain", str(a)])
    assert r.exit_code == 2 and "--explain" in r.output


WHISPER = {
    "text": " so i said hello to them",
    "segments": [
        {"id": 0, "start": 0.0, "end": 1.0, "text": " so i said",
         "words": [{"word": " so", "start": 0.0, "end": 0.2, "probability": 0.91},
                   {"word": " i", "start": 0.2, "end": 0.4, "probability": 0.88},
                   {"word": " said", "start": 0.4, "end": 1.0, "probability": 0.97}]},
        {"id": 1, "start": 1.0, "end": 2.0, "text": " hello to them",
         "words": [{"word": " hello", "start": 1.0, "end": 1.4, "probability": 0.9},
                   {"word": " to", "start": 1.4, "end": 1.6, "probability": 0.99},
                   {"word": " them", "start": 1.6, "end": 2.0, "probability": 0.95}]},
    ],
    "language": "en",
}


def test_words_json_whisper_and_vosk(tmp_path):
    src = tmp_path / "w.json"
    src.write_text(json.dumps(WHISPER), encoding="utf-8")
    r = CliRunner().invoke(cli, ["restore", "--format", "words-json", str(src)])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    words = [w for s in out["segments"] for w in s["words"]]
    given = [w for s in WHISPER["segments"] for w in s["words"]]
    assert [(w["start"], w["end"], w["probability"]) for w in words] == \
        [(w["start"], w["end"], w["probability"]) for w in given]
    assert [lower(w["word"]) for w in words] == [w["word"] for w in given]
    assert all(w["word"].startswith(" ") for w in words)
    assert out["segments"][0]["text"] == "".join(w["word"] for w in out["segments"][0]["words"])
    assert out["segments"][0]["text"].startswith(" So I")
    vosk = {"result": [{"conf": 1.0, "end": 0.5, "start": 0.0, "word": "whats"},
                       {"conf": 0.8, "end": 0.9, "start": 0.5, "word": "up"}],
            "text": "whats up"}
    r = CliRunner().invoke(cli, ["restore", "--format", "words-json"], input=json.dumps(vosk))
    out = json.loads(r.output)
    assert [w["conf"] for w in out["result"]] == [1.0, 0.8]
    assert out["text"] == " ".join(w["word"] for w in out["result"])
    assert lower(out["text"]) == "whats up"


def test_words_json_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('[{"word": "a"},\n {"word": }]', encoding="utf-8")
    r = CliRunner().invoke(cli, ["restore", "--format", "words-json", str(bad)])
    assert r.exit_code == 2 and f"{bad}: line 2: not JSON" in r.output
    bad.write_text('[{"word": "a"}, {"start": 1}]', encoding="utf-8")
    r = CliRunner().invoke(cli, ["restore", "--format", "words-json", str(bad)])
    assert r.exit_code == 2 and 'item 1: a dict without a "word" key' in r.output


def test_vocab_file(tmp_path):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("# names we use\nTED\n\nGPT-4\n", encoding="utf-8")
    text = "i watched a ted talk about gpt4\n"
    r = CliRunner().invoke(cli, ["restore", "--vocab", str(vocab)], input=text)
    assert r.exit_code == 0, r.output
    assert "TED" in r.output and "GPT-4" in r.output and lower(r.output) == lower(text)
    r = CliRunner().invoke(cli, ["restore", "--vocab", str(vocab), "--explain"], input=text)
    assert any(i["pass"] == "vocabulary" for i in json.loads(r.output)["insertions"])
    src = tmp_path / "in.srt"
    src.write_text(SRT, encoding="utf-8")
    r = CliRunner().invoke(cli, ["restore", "--vocab", str(vocab), str(src)])
    assert "TED talk" in r.output or "TED Talk" in r.output
    r = CliRunner().invoke(cli, ["restore", "--vocab", str(tmp_path / "none.txt")], input="x")
    assert r.exit_code == 2 and "none.txt: cannot read" in r.output
    vocab.write_text("TED\n???\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["restore", "--vocab", str(vocab)], input="x")
    assert r.exit_code == 2 and "vocab.txt: line 2:" in r.output


def test_numbers_reach_the_restorer(monkeypatch):
    seen = []

    class Recording(cli_module.Restorer):
        def __init__(self, *args, **kwargs):
            seen.append(kwargs.get("numbers"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(cli_module, "Restorer", Recording)
    for policy in ("keep", "guess"):
        r = CliRunner().invoke(cli, ["restore", "--numbers", policy], input="it cost 5 dollars")
        assert r.exit_code == 0, r.output
    r = CliRunner().invoke(cli, ["restore"], input="it cost 5 dollars")
    assert seen == ["keep", "guess", "safe"]
    r = CliRunner().invoke(cli, ["restore", "--numbers", "maybe"], input="x")
    assert r.exit_code == 2 and "maybe" in r.output
    r = CliRunner().invoke(cli, ["batch", "in.jsonl", "out.jsonl", "--numbers", "maybe"])
    assert r.exit_code == 2 and "maybe" in r.output


def test_batch_takes_numbers(tmp_path):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text('{"id": 1, "text": "dont go"}\n', encoding="utf-8")
    r = CliRunner().invoke(cli, ["batch", str(src), str(out), "--workers", "0", "--numbers",
                                 "safe", "--no-progress"])
    assert r.exit_code == 0, r.output
    assert json.loads(out.read_text(encoding="utf-8"))["text"].startswith("Don't go")


def test_stream_refuses_files_and_formats(tmp_path):
    r = CliRunner().invoke(cli, ["restore", "--stream", str(tmp_path / "x.txt")])
    assert r.exit_code == 2 and "standard input" in r.output
    r = CliRunner().invoke(cli, ["restore", "--stream", "--format", "srt"], input="x")
    assert r.exit_code == 2
    r = CliRunner().invoke(cli, ["restore", "--stream", "--lookahead", "0"], input="x")
    assert r.exit_code == 2


needs_stream = pytest.mark.skipif(
    importlib.util.find_spec("unstrip.transcripts.stream") is None,
    reason="unstrip.transcripts.stream (Restorer.stream) is not in this tree")


@needs_stream
def test_stream_writes_final_text_before_the_input_ends():
    words = ("so i went to the market on monday and the man there said he had never seen "
             "anything like it what do you think he meant").split()
    proc = subprocess.Popen([sys.executable, "-m", "unstrip.cli", "restore", "--stream",
                             "--lookahead", "2"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        proc.stdin.write((" ".join(words) + " ").encode())
        proc.stdin.flush()
        ready, _, _ = select.select([proc.stdout], [], [], 120)
        assert ready, "nothing was written while the input was still open"
        first = os.read(proc.stdout.fileno(), 1 << 16).decode()
        assert first.strip() and proc.poll() is None
        proc.stdin.close()
        rest = proc.stdout.read().decode()
        assert proc.wait(timeout=60) == 0, proc.stderr.read().decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            time.sleep(0.1)
    out = first + rest
    assert lower(out).split() == words
    assert out.lstrip().startswith("So I") and out.rstrip()[-1] in ".?"
