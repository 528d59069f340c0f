"""Every example in the README and the manual (docs/) is run, and its shown output checked.

The convention, for README.md, CHANGELOG.md and docs/**/*.md:

- A ```` ```console ```` block is a shell transcript: each line starting with
  ``$ `` is a command run by bash in a scratch folder shared by the file's
  blocks (so one command may write a file the next one reads); the lines
  after it, up to the next ``$ ``, are its output, standard output and
  standard error together, compared exactly except that ``...`` matches
  anything (doctest's ELLIPSIS). The command must exit 0, unless its shown
  output ends with ``[exit N]``.
- A ```` ```python ```` block holds ``>>>`` lines, run by :mod:`doctest`;
  a file's Python blocks share one namespace, in order.
- Any other block (shell commands that install, serve or need a cluster;
  JSON; output) must say why it is not run: an HTML comment
  ``<!-- not run: reason -->`` on the line before its opening fence.

So a block is skipped only where the page says so, and the test checks that.
Beside the examples: the README's length, its two set-up commands, its table
of damage profiles, the generated benchmarks page, and ``mkdocs build
--strict``.
"""

from __future__ import annotations

import doctest
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SET_UP = (
    'pip install . && echo "Its a selfproclaimed win worth 20000 dollars the groups leader said"'
    " | unstrip",
    "pip install -e '.[test,train,serve,batch,ray]' && python -m pytest && ruff check .",
)
NOT_RUN = re.compile(r"^<!--\s*not run:\s*\S.*-->\s*$")
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)\s*$")
EXIT = re.compile(r"^\[exit (\d+)\]$")


@dataclass
class Block:
    """A fenced block of a Markdown file: its language, text, first line and mark."""

    path: Path
    line: int  # of the opening fence, counting from 1
    lang: str
    text: str
    not_run: bool

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def runs(self) -> bool:
        return self.lang == "console" or (self.lang == "python" and ">>>" in self.text)


def blocks(text: str, path: Path = README) -> list[Block]:
    """The fenced blocks of Markdown ``text``, in order.

    >>> [(b.lang, b.line, b.not_run) for b in blocks(
    ...     "x\\n<!-- not run: a server -->\\n```bash\\nserve\\n```\\n```console\\n$ ls\\n```\\n")]
    [('bash', 3, True), ('console', 6, False)]
    """
    out: list[Block] = []
    lines = text.splitlines()
    k = 0
    previous = ""
    while k < len(lines):
        m = FENCE.match(lines[k])
        if not m:
            if lines[k].strip():
                previous = lines[k].strip()
            k += 1
            continue
        indent, fence, lang = m.groups()
        start = k
        k += 1
        body = []
        while k < len(lines) and not (lines[k].strip().startswith(fence)
                                      and not lines[k].strip().strip(fence[0])):
            body.append(lines[k][len(indent):] if lines[k].startswith(indent) else lines[k])
            k += 1
        out.append(Block(path, start + 1, lang, "\n".join(body) + "\n",
                         bool(NOT_RUN.match(previous))))
        previous = ""
        k += 1
    return out


def console_steps(text: str) -> list[tuple[str, str, int]]:
    """``(command, shown output, exit code)`` for each ``$ `` line of a console block.

    >>> console_steps("$ echo hi\\nhi\\n$ false\\n[exit 1]\\n")
    [('echo hi', 'hi', 0), ('false', '', 1)]
    """
    steps: list[list] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            steps.append([line[2:], []])
        elif steps:
            steps[-1][1].append(line)
        elif line.strip():
            raise ValueError(f"console block starts with output, not a command: {line!r}")
    out = []
    for command, shown in steps:
        while shown and not shown[-1].strip():
            shown.pop()
        code = 0
        if shown and EXIT.match(shown[-1]):
            code = int(EXIT.match(shown[-1]).group(1))
            shown.pop()
        out.append((command, "\n".join(shown), code))
    return out


def same_output(want: str, got: str) -> bool:
    """Whether ``got`` is what ``want`` shows (``...`` matching anything).

    >>> same_output("unstrip 0.2.0 ... end", "unstrip 0.2.0 with more end\\n")
    True
    >>> same_output("It's a win.", "Its a win.")
    False
    """
    checker = doctest.OutputChecker()
    return checker.check_output(want.rstrip("\n") + "\n", got.rstrip("\n") + "\n",
                                doctest.ELLIPSIS)


def manual_files() -> list[Path]:
    files = [README, ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").rglob("*.md"))]
    return [p for p in files if p.exists()]


def _ids(paths):
    return [str(p.relative_to(ROOT)) for p in paths]


MANUAL = manual_files()


# -- the convention itself ----------------------------------------------------------------
@given(st.lists(st.sampled_from(["console", "python", "bash", "json", "text"]), max_size=6),
       st.lists(st.booleans(), min_size=6, max_size=6))
def test_blocks_are_found_with_their_marks(langs, marked):
    parts, expected = [], []
    line = 1
    for lang, mark in zip(langs, marked, strict=False):
        if mark:
            parts.append("<!-- not run: reason -->")
            line += 1
        parts += [f"```{lang}", "body", "```", "prose"]
        expected.append((lang, line, mark))
        line += 4
    found = blocks("\n".join(parts) + "\n")
    assert [(b.lang, b.line, b.not_run) for b in found] == expected


def test_a_mark_applies_only_to_the_block_right_after_it():
    text = "<!-- not run: x -->\n```bash\na\n```\n```bash\nb\n```\n"
    assert [b.not_run for b in blocks(text)] == [True, False]


# -- every block is run or says why not ---------------------------------------------------
@pytest.mark.parametrize("path", MANUAL, ids=_ids(MANUAL))
def test_every_block_that_is_not_run_says_why(path):
    unmarked = [f"{b.where} ({b.lang or 'no language'})"
                for b in blocks(path.read_text(encoding="utf-8"), path)
                if not b.runs and not b.not_run]
    assert not unmarked, ("blocks neither run nor marked <!-- not run: reason -->: "
                          + ", ".join(unmarked))


def _console_env(folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    env.update({"NO_COLOR": "1", "COLUMNS": "80", "PYTHONIOENCODING": "utf-8",
                "HOME": env.get("HOME", str(folder))})
    return env


@pytest.mark.parametrize("path", MANUAL, ids=_ids(MANUAL))
def test_console_examples_print_what_they_show(path, tmp_path):
    todo = [b for b in blocks(path.read_text(encoding="utf-8"), path) if b.lang == "console"]
    if not todo:
        pytest.skip(f"{path.name} has no console examples")
    if shutil.which("unstrip", path=_console_env(tmp_path)["PATH"]) is None:
        pytest.fail("the unstrip command is not installed: pip install -e .")
    env = _console_env(tmp_path)
    failures = []
    for block in todo:
        for command, want, code in console_steps(block.text):
            done = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  timeout=600)
            got = done.stdout.decode("utf-8", errors="replace")
            if done.returncode != code or not same_output(want, got):
                failures.append(f"{block.where}: $ {command}\n  exit {done.returncode} "
                                f"(expected {code})\n  shown:\n{_indent(want)}\n"
                                f"  printed:\n{_indent(got)}")
    assert not failures, "\n".join(failures)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.rstrip("\n").splitlines())


@pytest.mark.parametrize("path", MANUAL, ids=_ids(MANUAL))
def test_python_examples_return_what_they_show(path, tmp_path, monkeypatch):
    todo = [b for b in blocks(path.read_text(encoding="utf-8"), path) if b.lang == "python"
            and b.runs]
    if not todo:
        pytest.skip(f"{path.name} has no Python examples")
    monkeypatch.chdir(tmp_path)
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    globs: dict = {"__name__": "__docs__"}
    report: list[str] = []
    for block in todo:
        test = parser.get_doctest(block.text, globs, block.where, str(block.path), block.line)
        runner.run(test, out=report.append, clear_globs=False)
        globs.update(test.globs)  # DocTest runs on a copy: carry names to the next block
    failed = runner.summarize(verbose=False).failed
    assert failed == 0, "".join(report)


# -- the README ---------------------------------------------------------------------------
def test_the_readme_is_a_manual_of_at_most_300_lines():
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 300


def test_the_readme_keeps_its_two_set_up_commands_and_ci_runs_the_test_one():
    found = [b.text.strip() for b in blocks(README.read_text(encoding="utf-8"))
             if b.lang == "bash" and b.text.strip().startswith("pip install")
             and ("| unstrip" in b.text or "pytest" in b.text)]
    assert found == list(SET_UP)
    assert SET_UP[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_first_screen_states_the_licences():
    first = "\n".join(README.read_text(encoding="utf-8").splitlines()[:25])
    assert "MIT" in first and "non-commercial" in first and "MODEL_LICENSE.md" in first
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert (ROOT / "src/unstrip/data/model/MODEL_LICENSE.md").exists()


def test_the_readme_names_every_profile_as_help_describes_it():
    from unstrip.text.profiles import DESCRIPTIONS

    text = README.read_text(encoding="utf-8")
    missing = [name for name, what in DESCRIPTIONS.items() if f"| `{name}` | {what} |" not in text]
    assert not missing, f"README's profile table lacks or differs for: {missing}"


# -- generated pages and the site ---------------------------------------------------------
def _benchmarks_page():
    path = ROOT / "benchmarks" / "benchmarks_page.py"
    spec = importlib.util.spec_from_file_location("benchmarks_page", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_benchmarks_page_and_readme_figures_are_what_the_results_render():
    page = _benchmarks_page()
    assert page.stale() == [], "run: python benchmarks/benchmarks_page.py render"
    results = page.load_results()
    text = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    for name, result in results.items():
        assert result["command"] in text, name


def test_the_rendered_readme_table_shows_the_recorded_figure():
    page = _benchmarks_page()
    results = {"quality-seed": {"command": "python benchmarks/quality.py --json",
                                "figures": {"dev": {"micro_f1": 0.8123}}}}
    table = page.render_headline(results)
    assert "| 0.8123 | `python benchmarks/quality.py --json` |" in table
    readme = f"a\n{page.START}\nold\n{page.END}\nb\n"
    assert "old" not in page.readme_with_headline(readme, results)


def test_the_training_page_shows_the_recorded_cost_of_permissive_text():
    page = _benchmarks_page()
    results = {"sources-all": {"figures": {"news tune (seed)": {"micro_f1": 0.61}}},
               "sources-permissive": {"figures": {"news tune (seed)": {"micro_f1": 0.42}}}}
    table = page.render_cost(results)
    heading = "| measure | 400 steps, all sources | 400 steps, permissive only |"
    assert table.splitlines()[0] == heading
    assert "| News, stripped: marks micro-F1 | 0.61 | 0.42 |" in table
    training = f"a\n{page.COST_START}\nold\n{page.COST_END}\nb\n"
    assert "old" not in page.training_with_cost(training, results)
    assert page.COST_START in (ROOT / "docs" / "training.md").read_text(encoding="utf-8")


def test_the_changelog_page_is_the_changelog():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    page = (ROOT / "docs" / "changelog.md").read_text(encoding="utf-8")
    assert page == changelog


@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None,
                    reason="mkdocs is not installed: pip install -e '.[test]'")
def test_mkdocs_builds_the_site_strictly(tmp_path):
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict",
                           "--site-dir", str(tmp_path / "site")], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    assert (tmp_path / "site" / "model-card" / "index.html").exists()
