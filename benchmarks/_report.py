"""Printing a benchmark's figures: a readable column, or JSON with --json."""

from __future__ import annotations

import json
import shlex
import sys


def command_line(script: str) -> str:
    """The command that reproduces this run, e.g. ``python benchmarks/speed.py --words 5000``."""
    return f"python benchmarks/{script} " + shlex.join(sys.argv[1:])


def print_figures(figures: dict, as_json: bool) -> None:
    """Print ``figures`` as JSON or as ``name  value`` lines."""
    if as_json:
        print(json.dumps(figures, indent=2))
        return
    width = max(map(len, figures)) + 2
    for k, v in figures.items():
        print(f"{k:<{width}}{v}")
