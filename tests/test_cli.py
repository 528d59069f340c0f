"""The unstrip command end to end: real console script, real files, real bytes."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from unstrip.cli import cli
from unstrip.text.profiles import seed


def run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "unstrip.cli", *args], input=stdin, capture_output=True
    )


def test_plain_unstrip_reads_stdin_and_restores():
    p = run(stdin=b"Its a selfproclaimed win the groups leader said\n")
    assert p.returncode == 0, p.stderr
    out = p.stdout.decode()
    assert "It's a self-proclaimed win" in out and "group's leader" in out
    assert out.endswith("\n") and seed(out) == "Its a selfproclaimed win the groups leader said"


def test_invalid_utf8_names_the_byte_offset():
    p = run("restore", stdin=b"Dont go\nabc \xff def")
    assert p.returncode == 2
    assert b"invalid UTF-8 byte 0xff at byte offset 12" in p.stderr
    p = run("restore", "--errors", "replace", stdin=b"Dont go \xff")
    assert p.returncode == 0 and "\ufffd" in p.stdout.decode()


def test_binary_file_is_refused(tmp_path):
    f = tmp_path / "x.png"
    f.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    p = run(str(f))
    assert p.returncode == 2 and b"binary" in p.stderr


def test_missing_file_and_bad_profile():
    runner = CliRunner()
    r = runner.invoke(cli, ["restore", "/nonexistent/file.txt"])
    assert r.exit_code == 2 and "cannot read" in r.output
    r = runner.invoke(cli, ["restore", "--profile", "nope"])
    assert r.exit_code == 2


def test_output_file_and_explain(tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("The groups leader said dont go", encoding="utf-8")
    out = tmp_path / "out.txt"
    runner = CliRunner()
    r = runner.invoke(cli, ["restore", "--model", "baseline", str(src), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8") == "The groups leader said don't go."
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    r = runner.invoke(cli, ["restore", "--model", "baseline", "--explain", str(src)])
    obj = json.loads(r.output)
    assert obj["text"] == "The groups leader said don't go."
    assert {"offset": 26, "insert": "'", "confidence": obj["insertions"][0]["confidence"],
            "pass": "baseline"} in obj["insertions"]


def test_damage_and_fix_encoding_round_trip(tmp_path):
    clean = "It’s “naïve” — café, 20,000 €.\n"
    src = tmp_path / "clean.txt"
    src.write_text(clean, encoding="utf-8")
    runner = CliRunner()
    r = runner.invoke(cli, ["damage", "--profile", "mojibake", str(src)])
    assert r.exit_code == 0 and "â€" in r.output
    bad = tmp_path / "bad.txt"
    bad.write_text(r.output, encoding="utf-8")
    r = runner.invoke(cli, ["fix-encoding", str(bad)])
    assert r.output == clean
    r = runner.invoke(cli, ["damage", "--profile", "seed", str(src)])
    assert r.output == "Its nave  caf 20000 "


def test_eval_with_prediction_jsonl(tmp_path):
    gold = tmp_path / "gold.jsonl"
    pred = tmp_path / "pred.jsonl"
    gold.write_text(
        "\n".join(json.dumps({"id": i, "text": t}) for i, t in
                  [("a", "Hi, there."), ("b", "Don't go!")]), encoding="utf-8")
    pred.write_text(
        "\n".join(json.dumps({"id": i, "text": t}) for i, t in
                  [("b", "Don't go!"), ("a", "Hi there.")]), encoding="utf-8")
    r = CliRunner().invoke(cli, ["eval", str(gold), str(pred), "--json"])
    assert r.exit_code == 0, r.output
    res = json.loads(r.output)
    assert res["documents"] == 2 and res["violations"] == 0
    assert res["marks"]["comma"]["recall"] == 0.0 and res["marks"]["period"]["f1"] == 1.0


def test_eval_counts_violations_without_crashing(tmp_path):
    gold = tmp_path / "g.txt"
    pred = tmp_path / "p.txt"
    gold.write_text("Hello, world.", encoding="utf-8")
    pred.write_text("Hullo, world.", encoding="utf-8")
    r = CliRunner().invoke(cli, ["eval", str(gold), str(pred), "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["violations"] == 1


def test_seed_article_end_to_end(seeds):
    gold = seeds / "article.gold.txt"
    p = run("damage", "--profile", "seed", str(gold))
    assert p.stdout == (seeds / "article.stripped.txt").read_bytes()
    p = run("fix-encoding", str(seeds / "article.mojibake.txt"))
    assert p.stdout == gold.read_bytes()
    p = run("eval", str(gold), "--json")
    assert p.returncode == 0, p.stderr
    res = json.loads(p.stdout)
    assert res["violations"] == 0 and res["documents"] == 1
    assert res["micro"]["f1"] > 0.5
    p = run("eval", str(gold))
    assert b"invariant violations  0" in p.stdout


@pytest.mark.parametrize("args", [["--help"], ["restore", "--help"], ["eval", "--help"]])
def test_help_explains(args):
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0 and "Usage:" in r.output and len(r.output) > 300


def test_eval_iwslt_prints_per_class_table(tmp_path):
    tsv = tmp_path / "tiny.tsv"
    rows = [("hello", "COMMA"), ("world", "PERIOD"), ("how", "O"), ("are", "O"),
            ("you", "QUESTION")]
    tsv.write_text("".join(f"{t}\t{lab}\n" for t, lab in rows), encoding="utf-8")
    r = CliRunner().invoke(cli, ["eval", "--iwslt", str(tsv), "--json"])
    assert r.exit_code == 0, r.output
    res = json.loads(r.output)
    assert res["tokens"] == 5
    assert set(res["classes"]) == {"COMMA", "PERIOD", "QUESTION"}
    r = CliRunner().invoke(cli, ["eval"])
    assert r.exit_code == 2 and "--iwslt" in r.output


@pytest.mark.parametrize("cmd", ["train", "export"])
def test_train_and_export_are_reachable(cmd):
    pytest.importorskip("torch")
    p = run(cmd, "--help")
    assert p.returncode == 0 and f"unstrip {cmd}".encode() in p.stdout


# The command line's own errors: file errors, output files, signals, binary input.


def _one_line(stderr: bytes) -> str:
    text = stderr.decode()
    assert text.count("\n") == 1 and "Traceback" not in text, text
    return text


@pytest.mark.parametrize(("word", "meant"), [("fix_encoding", "fix-encoding"),
                                             ("evaluate", "eval"), ("restor", "restore")])
def test_mistyped_command_says_which_was_meant(tmp_path, word, meant):
    (tmp_path / "x.txt").write_text("dont go", encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "unstrip.cli", word, "x.txt"], cwd=tmp_path,
                       capture_output=True)
    assert p.returncode == 2 and p.stdout == b""
    msg = _one_line(p.stderr)
    assert f"did you mean `unstrip {meant}`" in msg and "cannot read" not in msg


def test_missing_file_that_looks_like_a_path_is_still_cannot_read(tmp_path):
    p = subprocess.run([sys.executable, "-m", "unstrip.cli", "restore.txt"], cwd=tmp_path,
                       capture_output=True)
    assert p.returncode == 2 and "restore.txt: cannot read" in _one_line(p.stderr)


def test_output_into_missing_directory_names_the_users_path(tmp_path):
    out = tmp_path / "no" / "such" / "out.txt"
    p = run("--model", "baseline", "-o", str(out), stdin=b"dont go")
    assert p.returncode == 2
    msg = _one_line(p.stderr)
    assert f"{out}: cannot write" in msg and str(tmp_path / "no" / "such") in msg
    assert ".out.txt." not in msg and not out.parent.exists()


def _read_only_dir(tmp_path):
    if os.geteuid() != 0:
        d = tmp_path / "ro"
        d.mkdir()
        d.chmod(0o555)
        return d
    try:  # root ignores permission bits; sysfs still refuses new files
        tempfile.mkstemp(dir="/sys")
    except PermissionError:
        return Path("/sys")
    pytest.skip("running as root and no read-only directory to write into")


def test_output_into_read_only_place_is_one_line_not_a_traceback(tmp_path):
    out = _read_only_dir(tmp_path) / "out.txt"
    p = run("--model", "baseline", "-o", str(out), stdin=b"dont go")
    assert p.returncode == 2 and p.stdout == b""
    msg = _one_line(p.stderr)
    assert msg == f"unstrip: {out}: cannot write (Permission denied)\n"


def test_permission_error_while_creating_output_names_the_users_path(tmp_path, monkeypatch):
    def refuse(*args, dir=None, **kwargs):
        raise PermissionError(13, "Permission denied", str(Path(dir) / ".out.txt.abc123"))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    src = tmp_path / "in.txt"
    src.write_text("dont go", encoding="utf-8")
    for cmd in (["restore", "--model", "baseline"], ["damage"], ["fix-encoding"]):
        r = CliRunner().invoke(cli, [*cmd, str(src), "-o", str(tmp_path / "out.txt")])
        assert r.exit_code == 2, r.output
        assert r.output == f"unstrip: {tmp_path / 'out.txt'}: cannot write (Permission denied)\n"


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_output_file_gets_the_umask_mode(tmp_path, mask):
    out = tmp_path / "out.txt"
    p = subprocess.run([sys.executable, "-m", "unstrip.cli", "damage", "-o", str(out)],
                       input=b"Don't go.", capture_output=True, preexec_fn=lambda: os.umask(mask))
    assert p.returncode == 0, p.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~mask
    assert out.read_text(encoding="utf-8") == "Dont go"


def test_overwritten_output_keeps_its_mode(tmp_path):
    out = tmp_path / "out.txt"
    out.write_text("old", encoding="utf-8")
    out.chmod(0o640)
    p = subprocess.run([sys.executable, "-m", "unstrip.cli", "damage", "-o", str(out)],
                       input=b"Don't go.", capture_output=True, preexec_fn=lambda: os.umask(0))
    assert p.returncode == 0, p.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o640 and out.read_text() == "Dont go"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_leaves_no_temp_file(tmp_path, sig):
    words = "the groups leader said its a selfproclaimed win and we dont know why".split()
    src = tmp_path / "in" / "big.txt"
    src.parent.mkdir()
    src.write_text(" ".join(words[i * 7 % len(words)] for i in range(40_000)), encoding="utf-8")
    outdir = tmp_path / "out"
    outdir.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "unstrip.cli", "--model", "baseline",
                             str(src), "-o", str(outdir / "out.txt")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not list(outdir.iterdir()):
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "no temporary output appeared"
            time.sleep(0.02)
        assert proc.poll() is None, "restoring finished before the signal; make the input larger"
        proc.send_signal(sig)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -sig
    assert list(outdir.iterdir()) == []


def _nul_at(offset: int, size: int) -> bytes:
    data = bytearray(b"its a word " * (size // 11 + 1))[:size]
    data[offset] = 0
    return bytes(data)


@pytest.mark.parametrize("offset", [500_001, 1_100_000])
@pytest.mark.parametrize("via", ["file", "stdin"])
def test_binary_refused_before_any_output_wherever_the_nul_is(tmp_path, offset, via):
    data = _nul_at(offset, 1_200_000)
    if via == "file":
        (tmp_path / "x.txt").write_bytes(data)
        p = run("--model", "baseline", str(tmp_path / "x.txt"))
    else:
        p = run("--model", "baseline", stdin=data)
    assert p.returncode == 2 and p.stdout == b""
    assert f"binary file (NUL byte at offset {offset})" in _one_line(p.stderr)


@pytest.mark.parametrize("via", ["file", "stdin"])
def test_invalid_utf8_after_the_first_megabyte_refused_before_output(tmp_path, via):
    data = b"its a word " * 100_000 + b"caf\xe9"
    if via == "file":
        (tmp_path / "x.txt").write_bytes(data)
        p = run("restore", "--model", "baseline", str(tmp_path / "x.txt"))
    else:
        p = run("restore", "--model", "baseline", stdin=data)
    assert p.returncode == 2 and p.stdout == b""
    assert "invalid UTF-8 byte 0xe9 at byte offset 1100003" in _one_line(p.stderr)


def test_second_file_binary_refused_before_the_first_is_written(tmp_path):
    (tmp_path / "a.txt").write_text("dont go", encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"text\x00")
    p = run("restore", "--model", "baseline", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"))
    assert p.returncode == 2 and p.stdout == b"" and b"b.txt: looks like a binary" in p.stderr


@pytest.mark.parametrize("args", [["eval", "{d}/gold.txt"], ["eval", "--iwslt", "{d}/x.tsv"],
                                  ["restore", "{d}"], ["batch", "{d}/in.jsonl", "{d}/o.jsonl"],
                                  ["damage", "{d}/x.txt"]])
def test_every_input_file_error_is_one_line_naming_the_path(tmp_path, args):
    args = [a.format(d=tmp_path) for a in args]
    r = CliRunner().invoke(cli, args)
    named = next(a for a in args if str(tmp_path) in a)
    assert r.exit_code == 2
    assert r.output.startswith(f"unstrip: {named}: ") and r.output.count("\n") == 1, r.output


def test_batch_output_into_missing_directory_is_one_line(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1, "text": "dont go"}\n', encoding="utf-8")
    out = tmp_path / "missing" / "o.jsonl"
    r = CliRunner().invoke(cli, ["batch", str(src), str(out), "--workers", "0"])
    assert r.exit_code == 2
    assert r.output == f"unstrip: {out}: cannot write (no such directory: {out.parent})\n"


def test_batch_errors_is_a_policy_and_the_file_is_errors_file(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'{"id": 1, "text": "caf\xe9 its"}\n{"id": 2, "text": "dont go"}\n')
    old = tmp_path / "errs.jsonl"
    r = CliRunner().invoke(cli, ["batch", str(src), str(tmp_path / "o.jsonl"),
                                 "--errors", str(old)])
    assert r.exit_code == 2 and f"--errors-file {old}" in r.output
    assert not old.exists() and not (tmp_path / "o.jsonl").exists()
    common = ["--workers", "0", "--model", "baseline", "--no-progress"]
    r = CliRunner().invoke(cli, ["batch", str(src), str(tmp_path / "o.jsonl"),
                                 "--errors-file", str(old), *common])
    assert r.exit_code == 0, r.output
    [err] = [json.loads(line) for line in old.read_text(encoding="utf-8").splitlines()]
    assert err["line"] == 1 and "UTF-8" in err["reason"]
    r = CliRunner().invoke(cli, ["batch", str(src), str(tmp_path / "r.jsonl"),
                                 "--errors", "replace", *common])
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert [row["id"] for row in rows] == [1, 2] and "\ufffd" in rows[0]["text"]


def test_info_lists_the_models_decoding_settings_and_passes_in_order():
    from click.testing import CliRunner

    from unstrip.cli import cli
    from unstrip.decode.pipeline import PASSES

    out = CliRunner().invoke(cli, ["info"])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    if "learned" not in lines[0]:
        pytest.skip("no learned model in this package")
    assert "number_confidence: 0.65" in lines
    assert lines[-1] == "passes: " + ", ".join(name for name, _ in PASSES)
    base = CliRunner().invoke(cli, ["info", "--model", "baseline"])
    assert base.exit_code == 0 and base.output.startswith("model: baseline")
    assert "passes" not in base.output
