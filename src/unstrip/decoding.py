"""Decoding rules that make a restoration consistent: balanced quotes and brackets.

A model decides each gap on its own, so it can open a quote it never closes
or close a bracket it never opened. Where it was unsure of such a mark, the
mark is more likely wrong than the text is, so :func:`balance` drops it.
Marks the model was sure of stay, and nothing but unmatched marks is ever
removed, so the kept text is untouched.

>>> ins = ["", "“", "", ".", ""]        # an opening quote that is never closed
>>> balance(ins, [1.0, 0.4, 1.0, 0.9, 1.0])
['', '', '', '.', '']
>>> balance(ins, [1.0, 0.95, 1.0, 0.9, 1.0])   # ...unless the model was sure
['', '“', '', '.', '']
>>> balance(["(", "", ")", "", "”"], [0.3, 1, 0.3, 1, 0.2])
['(', '', ')', '', '']
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["balance", "UNSURE"]

UNSURE = 0.6
"""Below this confidence an unmatched quote or bracket is dropped."""

_PAIRS = {"“": "”", "(": ")", "[": "]", "«": "»"}
_CLOSERS = {v: k for k, v in _PAIRS.items()}
_STRAIGHT = '"'


def balance(
    insertions: Sequence[str], confidence: Sequence[float], unsure: float = UNSURE
) -> list[str]:
    """Drop unmatched quotes and brackets that were inserted with confidence below ``unsure``.

    ``insertions[i]`` is the string at gap ``i`` and ``confidence[i]`` the
    model's confidence in it. Curly double quotes and brackets pair up in
    order; a straight double quote opens when no straight quote is open and
    closes otherwise. Single quotes are left alone: they are apostrophes too.
    """
    stack: list[tuple[int, int, str]] = []  # (gap, index in string, opener)
    drop: set[tuple[int, int]] = set()
    for g, s in enumerate(insertions):
        if not s:
            continue
        for k, ch in enumerate(s):
            if ch in _PAIRS or (ch == _STRAIGHT and not _open(stack, _STRAIGHT)):
                stack.append((g, k, ch))
            elif ch in _CLOSERS or ch == _STRAIGHT:
                opener = _CLOSERS.get(ch, _STRAIGHT)
                if stack and stack[-1][2] == opener:
                    stack.pop()
                elif _open(stack, opener):
                    # Close the matching opener; the ones above it are unmatched.
                    while stack[-1][2] != opener:
                        drop.add(stack.pop()[:2])
                    stack.pop()
                else:
                    drop.add((g, k))
    drop.update(item[:2] for item in stack)
    drop = {(g, k) for g, k in drop if confidence[g] < unsure}
    if not drop:
        return list(insertions)
    out = list(insertions)
    for g in {g for g, _ in drop}:
        out[g] = "".join(ch for k, ch in enumerate(out[g]) if (g, k) not in drop)
    return out


def _open(stack: list[tuple[int, int, str]], opener: str) -> bool:
    return any(item[2] == opener for item in stack)
