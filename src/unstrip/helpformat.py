"""One help style for the commands that parse their own options (train, export, calibrate).

``argparse`` help lists options without their defaults; the click commands
of :mod:`unstrip.cli` show them. :class:`HelpFormatter` states each option's
default after its help, except where there is none to state (required
options, flags that are off, ``None``).

>>> import argparse
>>> ap = argparse.ArgumentParser(prog="x", formatter_class=HelpFormatter)
>>> _ = ap.add_argument("--steps", type=int, default=8, help="grid steps")
>>> _ = ap.add_argument("--out", default=None, help="where to write")
>>> text = ap.format_help()
>>> "grid steps (default: 8)" in text, "(default: None)" in text
(True, False)
"""

from __future__ import annotations

import argparse

__all__ = ["HelpFormatter"]


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Help that states each option's default, except where there is none to state."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.required or action.default in (None, False, argparse.SUPPRESS):
            return action.help
        return super()._get_help_string(action)
