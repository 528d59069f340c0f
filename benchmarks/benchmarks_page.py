"""The benchmarks page of the documentation, written from the benchmarks' own output.

No figure on ``docs/benchmarks.md`` is typed by hand: each comes from a JSON
file in ``docs/results/`` that ``record`` wrote from a benchmark's ``--json``
output, together with the exact command that produced it and when. ``render``
turns those files into the page, the headline table of the README (between
its ``figures`` markers) and the training page's table of what training on
permissive text only costs (between its ``sources-cost`` markers); a test
checks that the committed files are what ``render`` makes of the committed
results.

    python benchmarks/benchmarks_page.py record quality-seed -- \\
        python benchmarks/quality.py --limit 200 --json
    python benchmarks/benchmarks_page.py render      # benchmarks.md, README.md, training.md
    python benchmarks/benchmarks_page.py check       # exit 1 if any is stale

>>> flatten({"a": {"b": 1.23456, "c": [1, 2]}, "d": "x"})
[('a / b', '1.2346'), ('a / c', '[1, 2]'), ('d', 'x')]
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "results"
PAGE = ROOT / "docs" / "benchmarks.md"
README = ROOT / "README.md"
TRAINING = ROOT / "docs" / "training.md"
START, END = "<!-- figures:start -->", "<!-- figures:end -->"
COST_START, COST_END = "<!-- sources-cost:start -->", "<!-- sources-cost:end -->"

#: What each recorded benchmark measures, for the page (a result without an
#: entry here is shown under its file name).
ABOUT = {
    "quality-seed": (
        "Stripped text (seed profile)",
        "Dev-split documents of the corpora (never trained on) and the test article, "
        "stripped to ASCII letters, digits and spaces, restored and scored per mark. "
        "Marks micro-F1 is the headline: precision and recall of every inserted mark "
        "at the gap where it belongs."),
    "quality-lower": (
        "Lowercased text (lower profile)",
        "The same documents lowercased as well as stripped, as a speech recogniser "
        "writes them; casing accuracy is per word."),
    "iwslt-report": (
        "IWSLT TED dev2012, blocks 6-10",
        "The published punctuation benchmark for speech transcripts: lowercased TED "
        "tokens labelled COMMA, PERIOD or QUESTION; F1 in percent. Settings are chosen "
        "on blocks 1-5 and figures reported on blocks 6-10; the network never saw dev2012."),
    "mojibake": (
        "Encoding repair",
        "Share of texts repaired exactly after UTF-8 was read as Windows-1252 once or "
        "twice, against ftfy."),
    "families-report": (
        "Evaluation sets per family",
        "The report halves of the fixed evaluation sets: news stripped, TED talks, "
        "court arguments and conversations lowercased and stripped (conversations "
        "also stripped only), one line alone per family, and IWSLT dev2012 blocks 6-10."),
    "sources-all": (
        "What the training text costs: 400 steps on all sources",
        "The control for the permissive-only model below: the same 400 steps from "
        "all-MiniLM-L6-v2 (batch 32, the learning rate schedule of a 700-step run), "
        "on the default mix of every corpus, with the package's tables; tune halves, "
        "40 documents a family (see Training your own model)."),
    "sources-permissive": (
        "What the training text costs: 400 steps on permissive sources only",
        "The same 400 steps on public-domain and permissively licensed text only "
        "(speeches, State of the Union addresses, inaugural addresses, Moby-Dick, "
        "Topical-Chat), with tables counted from that text and no number table; "
        "tune halves, 40 documents a family."),
    "sources-shipped": (
        "What the training text costs: the shipped model",
        "The shipped model on the same 40 documents a family of the tune halves, for "
        "scale: it saw about 240 times as many training windows (see the model card)."),
}

#: The README's headline figures: (result, key path, label).
HEADLINE = (
    ("families-report", ("news report (seed)", "micro_f1"), "Stripped news, marks micro-F1"),
    ("families-report", ("speech report (lower)", "micro_f1"),
     "Lowercased TED talks, marks micro-F1"),
    ("families-report", ("speech report (lower)", "casing_accuracy"),
     "Lowercased TED talks, casing accuracy per word"),
    ("families-report", ("court report (lower)", "micro_f1"),
     "Lowercased court arguments, marks micro-F1"),
    ("families-report", ("conversation report (lower) turns alone", "micro_f1"),
     "Chat turns restored one at a time (lowercased), marks micro-F1"),
    ("families-report", ("conversation report (lower) turns alone", "wrapped_share"),
     "Chat turns wrapped in quotes nobody wrote, share"),
    ("families-report", ("IWSLT dev2012 blocks 6-10", "overall", "f1"),
     "IWSLT TED dev2012 blocks 6-10, overall F1 (0-1)"),
    ("quality-seed", ("dev", "micro_f1"), "Stripped news and speeches, marks micro-F1"),
    ("quality-lower", ("dev", "micro_f1"), "Lowercased, marks micro-F1"),
    ("quality-lower", ("dev", "casing_accuracy"), "Lowercased, casing accuracy per word"),
    ("iwslt-report", ("overall", "f1"), "IWSLT TED dev2012 blocks 6-10, overall F1"),
    ("mojibake", ("sets", {"set": "corpora dev split"}, "repair",
                  {"damage": "single", "system": "unstrip"}, "rate"),
     "Mis-encoded dev documents repaired exactly (ftfy alone: see Benchmarks)"),
)


#: The table of what training only on permissive text costs, in docs/training.md:
#: its columns (result, heading) and rows (key path, label).
COST_COLUMNS = (
    ("sources-all", "400 steps, all sources"),
    ("sources-permissive", "400 steps, permissive only"),
    ("sources-shipped", "shipped model"),
)
COST_ROWS = (
    (("news tune (seed)", "micro_f1"), "News, stripped: marks micro-F1"),
    (("speech tune (lower)", "micro_f1"), "TED talks, lowercased: marks micro-F1"),
    (("speech tune (lower)", "casing_accuracy"), "TED talks, lowercased: casing accuracy"),
    (("court tune (lower)", "micro_f1"), "Court arguments, lowercased: marks micro-F1"),
    (("conversation tune (lower) turns alone", "micro_f1"),
     "Chat turns alone, lowercased: marks micro-F1"),
    (("IWSLT dev2012 blocks 1-5", "overall", "f1"), "IWSLT dev2012 blocks 1-5, overall F1 (0-1)"),
)


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}" if abs(value) >= 10000 else str(value)
    if isinstance(value, (list, tuple)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def flatten(figures, prefix: str = "") -> list[tuple[str, str]]:
    """``(name, value)`` rows of a nested result, names joined by `` / ``."""
    if not isinstance(figures, dict):
        return [(prefix or "value", _fmt(figures))]
    rows = []
    for key, value in figures.items():
        name = f"{prefix} / {key}" if prefix else str(key)
        rows += flatten(value, name) if isinstance(value, dict) else [(name, _fmt(value))]
    return rows


def _scalar(value) -> bool:
    return not isinstance(value, (dict, list)) or (
        isinstance(value, list) and not any(isinstance(v, (dict, list)) for v in value))


def _is_records(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def tables(figures, title: str = "", level: int = 3) -> list[str]:
    """Markdown tables of a result: its single figures as ``measure | value`` rows,
    each list of records as a table of its own (with a heading), recursively.

    >>> print(*tables({"n": 2, "rows": [{"system": "a", "rate": 0.5}]}), sep=chr(10))
    | measure | value |
    | --- | --- |
    | n | 2 |
    <BLANKLINE>
    ### rows
    <BLANKLINE>
    | system | rate |
    | --- | --- |
    | a | 0.5 |
    <BLANKLINE>
    """
    lines: list[str] = []
    if _is_records(figures):
        columns = list(dict.fromkeys(k for rec in figures for k, v in rec.items() if _scalar(v)))
        lines += [f"{'#' * level} {title}", ""] if title else []
        lines += ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
        lines += ["| " + " | ".join(_fmt(rec.get(c, "")) for c in columns) + " |"
                  for rec in figures]
        lines.append("")
        for rec in figures:
            label = next((str(v) for v in rec.values() if isinstance(v, str)), "")
            for key, value in rec.items():
                if not _scalar(value):
                    name = f"{label}: {key}" if label else key
                    lines += tables(value, f"{title} / {name}" if title else name, level)
        return lines
    if not isinstance(figures, dict):
        return ["| measure | value |", "| --- | --- |", f"| value | {_fmt(figures)} |", ""]
    simple = {k: v for k, v in figures.items() if not _is_records(v) and not (
        isinstance(v, dict) and any(_is_records(x) for x in v.values()))}
    if simple:
        if title:
            lines += [f"{'#' * level} {title}", ""]
        lines += ["| measure | value |", "| --- | --- |"]
        lines += [f"| {k} | {v} |" for k, v in flatten(simple)]
        lines.append("")
    for key, value in figures.items():
        if key not in simple:
            lines += tables(value, f"{title} / {key}" if title else str(key), level)
    return lines


def load_results(folder: Path = RESULTS) -> dict[str, dict]:
    """Every recorded result by name (the file's stem), in name order."""
    return {p.stem: json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(folder.glob("*.json"))}


def _lookup(figures, path):
    """The figure at ``path``: keys of dicts, or for a list of records a dict that
    picks the record whose fields match.

    >>> _lookup({"sets": [{"set": "a", "rate": 1}, {"set": "b", "rate": 2}]},
    ...         ("sets", {"set": "b"}, "rate"))
    2
    """
    for key in path:
        if isinstance(key, dict) and isinstance(figures, list):
            figures = next((r for r in figures if isinstance(r, dict)
                            and all(r.get(k) == v for k, v in key.items())), None)
        elif isinstance(figures, dict) and not isinstance(key, dict) and key in figures:
            figures = figures[key]
        else:
            return None
    return figures


def render_page(results: dict[str, dict]) -> str:
    lines = [
        "# Benchmarks",
        "",
        "<!-- Written by benchmarks/benchmarks_page.py from docs/results/*.json: "
        "do not edit by hand. -->",
        "",
        "Every figure below was printed by the benchmark command shown under it, and",
        "recorded with `python benchmarks/benchmarks_page.py record NAME -- COMMAND`.",
        "Runs marked with `--limit` measured part of a set; run the command without",
        "it for the whole set. Figures vary by a few thousandths from run to run of",
        "a different machine, since onnxruntime's int8 products depend on the CPU.",
        "",
    ]
    if not results:
        lines += ["No results are recorded yet.", ""]
    for name, result in results.items():
        title, about = ABOUT.get(name, (name, ""))
        lines += [f"## {title}", ""]
        if about:
            lines += [about, ""]
        lines += ["<!-- not run: a benchmark; its figures below are recorded in "
                  f"docs/results/{name}.json -->", "```bash", result["command"], "```", ""]
        lines += [f"Measured {result.get('measured', 'at an unrecorded time')}"
                  + (f" on {result['machine']}" if result.get("machine") else "") + ".", ""]
        lines += tables(result["figures"])
    return "\n".join(lines).rstrip("\n") + "\n"


def render_headline(results: dict[str, dict]) -> str:
    """The README's table of headline figures, each with its command."""
    rows = ["| measure | figure | reproduce with |", "| --- | --- | --- |"]
    for name, path, label in HEADLINE:
        result = results.get(name)
        value = _lookup(result["figures"], path) if result else None
        if value is None:
            continue
        rows.append(f"| {label} | {_fmt(value)} | `{result['command']}` |")
    return "\n".join(rows)


def render_cost(results: dict[str, dict]) -> str:
    """The training page's table of the tune figures of the :data:`COST_COLUMNS` results."""
    present = [(name, heading) for name, heading in COST_COLUMNS if name in results]
    if not present:
        return "Not measured yet."
    rows = ["| measure | " + " | ".join(h for _, h in present) + " |",
            "| --- |" + " --- |" * len(present)]
    for path, label in COST_ROWS:
        values = [_lookup(results[name]["figures"], path) for name, _ in present]
        rows.append(f"| {label} | " + " | ".join(
            "" if v is None else _fmt(v) for v in values) + " |")
    return "\n".join(rows)


def with_block(text: str, start: str, end: str, block: str) -> str:
    """``text`` with what lies between its ``start`` and ``end`` markers replaced by
    ``block`` (``text`` itself where the markers are absent).

    >>> with_block("a <!-- s --> old <!-- e --> b", "<!-- s -->", "<!-- e -->", "new")
    'a <!-- s -->\\nnew\\n<!-- e --> b'
    """
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    return pattern.sub(lambda _: f"{start}\n{block}\n{end}", text)


def readme_with_headline(readme: str, results: dict[str, dict]) -> str:
    """``readme`` with the text between its figures markers replaced."""
    return with_block(readme, START, END, render_headline(results))


def training_with_cost(page: str, results: dict[str, dict]) -> str:
    """The training page with its table of what the training text costs filled in."""
    return with_block(page, COST_START, COST_END, render_cost(results))


def record(name: str, command: list[str]) -> Path:
    """Run ``command`` (a benchmark with ``--json``) and store its figures as ``name``."""
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stderr[-4000:])
        raise SystemExit(f"{shlex.join(command)} failed with exit code {out.returncode}")
    text = out.stdout.strip()
    try:
        figures = json.loads(text)
    except ValueError:
        # a benchmark that prints lines before its JSON: take the last JSON object
        figures = json.loads(text[text.rindex("\n{") + 1:] if "\n{" in text else text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    shown = ["python" if Path(c).name.startswith("python") else c for c in command]
    entry = {"command": shlex.join(shown),
             "measured": datetime.date.today().isoformat(),
             "machine": f"{platform.machine()}, {platform.system()}",
             "figures": figures}
    path.write_text(json.dumps(entry, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _generated(results: dict[str, dict]) -> dict[Path, str]:
    """Each generated file and what ``render`` writes into it."""
    return {PAGE: render_page(results),
            README: readme_with_headline(README.read_text(encoding="utf-8"), results),
            TRAINING: training_with_cost(TRAINING.read_text(encoding="utf-8"), results)}


def render() -> list[Path]:
    """Write the page, the README's headline table and the training page's table;
    return the files changed."""
    changed = []
    for path, text in _generated(load_results()).items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def stale() -> list[str]:
    """The generated files that differ from what ``render`` would write."""
    return [str(path.relative_to(ROOT)) for path, text in _generated(load_results()).items()
            if not path.exists() or path.read_text(encoding="utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    r = sub.add_parser("record", help="run a benchmark with --json and keep its figures")
    r.add_argument("name", help="the result's name (docs/results/NAME.json)")
    r.add_argument("benchmark", nargs=argparse.REMAINDER,
                   help="-- then the command, which prints JSON")
    sub.add_parser("render", help="write docs/benchmarks.md, the README's figures "
                   "and the training page's table")
    sub.add_parser("check", help="exit 1 when the page, the README's figures or the "
                   "training page's table are stale")
    args = ap.parse_args(argv)
    if args.command == "record":
        command = args.benchmark[1:] if args.benchmark[:1] == ["--"] else args.benchmark
        if not command:
            ap.error("give the benchmark command after --")
        print(f"wrote {record(args.name, command).relative_to(ROOT)}", file=sys.stderr)
        return 0
    if args.command == "render":
        for path in render():
            print(f"wrote {path.relative_to(ROOT)}", file=sys.stderr)
        return 0
    bad = stale()
    for name in bad:
        print(f"{name} is stale: run python benchmarks/benchmarks_page.py render",
              file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
