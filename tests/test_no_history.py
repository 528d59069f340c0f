"""The repository's files describe what the code does, not how it came to be.

How the project was developed (numbered work stops, issue numbers, periods
of work) belongs in version control, not in the code, the tests or the
manual a user reads. This test reads every tracked text file (``git
ls-files``; binary files and the package's model data are skipped) and fails
naming each line that mentions one.

The same word as a technical term stays allowed: an onnxruntime inference
object, pytest's fixture scope, a process's new group
(``start_new_session``) are what the code does.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tokenize
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
SKIPPED_DIRS = ("src/unstrip/data/",)
"""The model and its tables: word lists, not prose."""

STOP = re.compile(r"\bstops?[ _-]?\d+", re.I)
ISSUE = re.compile(r"\bissues?[ _-]?#?\d+", re.I)
SESSION = re.compile(r"\bsessions?\b", re.I)
_TECHNICAL_BEFORE = re.compile(
    r"\b(onnx\w*|runtime|inference|ort|pytest|fixture|scope|process|subprocess|http|ray|"
    r"browser|playwright|websocket|tcp|ssh|tls)\b\W*(\w+\W+){0,3}$", re.I)


def _technical_session(line: str, match: re.Match) -> bool:
    """Whether this "session" is a software object rather than a stretch of work."""
    before, after = line[:match.start()], line[match.end():]
    if (before and before[-1] in "._\"'`") or (after and after[0] in "._(\"'`="):
        return True  # an identifier or a quoted name: self.session, start_new_session
    return bool(_TECHNICAL_BEFORE.search(before))


def process_words(line: str, prose: bool = True) -> list[str]:
    """The words of ``line`` that tell how the project was developed; the
    :data:`SESSION` word counts only in ``prose`` (code names an object by it).

    >>> len(process_words("measured in " + "st" + "op 25, see " + "iss" + "ue #16"))
    2
    >>> process_words("an onnxruntime " + "sess" + "ion; self._s.run(x)")
    []
    """
    found = [m.group(0) for m in STOP.finditer(line)]
    found += [m.group(0) for m in ISSUE.finditer(line)]
    if prose:
        found += [m.group(0) for m in SESSION.finditer(line)
                  if not _technical_session(line, m)]
    return found


def python_prose(text: str) -> dict[int, list[str]]:
    """The comments and strings of Python source, by line number.

    >>> python_prose("x = f(a)  # note\\ny = 'one'\\n")
    {1: ['# note'], 2: ["'one'"]}
    """
    found: dict[int, list[str]] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type in (tokenize.COMMENT, tokenize.STRING) or (
                    tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1)):
                for k, piece in enumerate(tok.string.splitlines()):
                    found.setdefault(tok.start[0] + k, []).append(piece)
    except (tokenize.TokenError, SyntaxError):
        return {n: [line] for n, line in enumerate(text.splitlines(), 1)}
    return found


def tracked_text_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    files = []
    for name in out.stdout.decode("utf-8").split("\0"):
        if not name or name.startswith(SKIPPED_DIRS):
            continue
        path = ROOT / name
        if not path.is_file():
            continue  # deleted in the working tree
        head = path.read_bytes()[:8192]
        if b"\0" in head:
            continue
        files.append(path)
    return files


def test_process_words_are_found_in_their_spellings():
    w_stop, w_issue, w_sess = "st" + "op", "iss" + "ue", "sess" + "ion"
    for line in (f"{w_stop} 25", f"{w_stop.title()}-24", f"{w_stop}s 22 and 23", f"{w_stop}22",
                 f"{w_issue} 13", f"{w_issue} #7", f"the {w_issue.title()}-16 target",
                 f"in an earlier {w_sess}", f"over four {w_sess}s"):
        assert process_words(line), line


def test_technical_uses_and_plain_words_pass():
    w_sess = "sess" + "ion"
    for line in (f"an onnxruntime {w_sess} on 2 threads", f'@pytest.fixture(scope="{w_sess}")',
                 f"start_new_{w_sess}=True", f"the ONNX {w_sess} does not spin",
                 "a non-stop run", "the issue is the input's encoding", "stopped at 3"):
        assert process_words(line) == [], line


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_text_without_the_words_is_never_flagged(text):
    lowered = text.lower()
    if not any(w in lowered for w in ("stop", "issue", "session")):
        assert process_words(text) == []


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(),
                    reason="needs git and the repository's history to list tracked files")
def test_no_tracked_file_tells_how_the_project_was_developed():
    files = tracked_text_files()
    assert any(p.name == "README.md" for p in files)
    hits = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        prose = python_prose(text) if path.suffix == ".py" else None
        for number, line in enumerate(text.splitlines(), 1):
            words = process_words(line, prose=prose is None)
            if prose is not None:
                words += [w for piece in prose.get(number, ())
                          for w in process_words(piece) if SESSION.fullmatch(w)]
            if words:
                hits.append(f"{path.relative_to(ROOT)}:{number}: {', '.join(words)}")
    assert not hits, "process history in tracked files:\n" + "\n".join(hits)
