"""The unstrip command end to end: real console script, real files, real bytes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from unstrip.cli import cli
from unstrip.profiles import seed


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
    assert {"offset": 26, "insert": "'", "confidence": obj["insertions"][0]["confidence"]} in (
        obj["insertions"]
    )


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
