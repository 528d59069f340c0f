"""Number policies: which marks that change a number's value a restoration may write.

A reader trusts digits. ``only 7 of the 30 students passed`` restored as
``Only 7% of the 30 students passed`` says something the speaker never said,
and a restorer that writes nothing there is better than one that guesses.
:func:`apply_number_policy` takes the model's :class:`Prediction` for a text
and, by the policy the user chose, removes value marks
(:func:`unstrip.decode.rules.value_marks`: a decimal point, ``:``, ``-`` or
``/`` between digits, ``%`` after a number, a currency sign before one):

- ``keep`` removes every one: each number keeps the value its digits have
  (a grouping comma, which keeps the value, may stay);
- ``safe`` (the default) keeps one only where words back it, evidence that
  holds outside the news the number table was fitted on (:func:`safe_unit`):
  ``7% of GDP`` but never ``7% of the 30 students``; a currency sign before
  ``billion``-like words in a text that names that currency in words; a
  decimal point, ``:`` or ``-`` with a word that names what it measures
  (``4.1 percent``, ``5:30 pm``, ``a 3-1 win``) and a sure number table.
  With the table fitted without the news source it was tested on, and on
  speeches, court arguments, TED talks and dialogue, all 68 value marks it
  wrote were right, against 31-85% of ``guess``'s; it writes few (a recall
  of 0-6%), and a number it leaves bare keeps the value its digits say
  (``benchmarks/number_domains.py``);
- ``guess`` is the model's choice as it is (:mod:`unstrip.decode.numbers`).

Under ``keep`` and ``safe`` one text also writes its long numbers in one
style (:func:`grouping_style`): all of ``40,000`` and ``12000`` grouped or
none. Only inserted marks change, never a character of the text.

>>> from unstrip.text.alignment import apply
>>> text = "only 7 of the 30 students passed and 40000 came but 12000 left"
>>> ins = [""] * (len(text) + 1)
>>> ins[6], ins[39], ins[54] = "%", ",", ","
>>> pred = Prediction(ins, [0.9] * len(ins), text)
>>> apply(text, pred.insertions)
'only 7% of the 30 students passed and 40,000 came but 12,000 left'
>>> apply(text, apply_number_policy(text, pred, "safe", {}).insertions)
'only 7 of the 30 students passed and 40,000 came but 12,000 left'
>>> ins[54] = ""
>>> apply(text, apply_number_policy(text, pred, "keep", {}).insertions)
'only 7 of the 30 students passed and 40000 came but 12000 left'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from unstrip.decode.numbers import Unit, number_units
from unstrip.decode.prediction import Prediction
from unstrip.decode.rules import value_marks

__all__ = ["POLICIES", "apply_number_policy", "safe_unit", "grouping_style", "group_numbers",
           "clean_commas"]

POLICIES = ("keep", "safe", "guess")
"""The number policies, from the one that writes fewest value marks to the one that writes most."""

POLICY_NAME = "number-policy"
"""The pass name :func:`apply_number_policy` gives the gaps it changes in ``Prediction.passes``."""

_DIGITS = re.compile(r"[0-9]+")
_WORD = re.compile(r"[A-Za-z]+|[0-9]+")

PERCENT_WORDS = frozenset({"percent", "pct", "percentage", "percentages"})
"""Words that say percent themselves (``per cent`` is read as one)."""
MONEY_WORDS = frozenset({
    "million", "billion", "trillion", "mln", "bln", "bn", "m", "cents", "cent", "dollars",
    "dollar", "dlrs", "pounds", "pound", "euros", "euro", "yen", "pence", "p",
})
"""Words after a number that make it money or a large amount (``$3.2 billion``)."""
DECIMAL_WORDS = PERCENT_WORDS | (MONEY_WORDS - {"cents", "cent", "pence", "p"}) | frozenset({
    "points", "point", "pts", "degrees", "degree", "per", "magnitude", "richter",
    "km", "kilometres", "kilometers", "metres", "meters", "miles", "kg", "kilograms",
    "tonnes", "tons", "litres", "liters", "seconds", "sec", "secs", "years", "times", "hours",
    "mph", "inches", "feet", "ft", "lb", "lbs", "ounces", "oz", "grams", "acres", "hectares",
})
"""Words after a number written with a decimal point that name what it measures."""
CLOCK_WORDS = frozenset({"am", "pm", "gmt", "bst", "est", "edt", "pst", "cet", "hours",
                         "oclock", "hrs", "utc", "aest"})
"""Words after a number written with ``:`` that make it a time of day."""
IDENTIFIER_WORDS = frozenset({
    "call", "dial", "phone", "telephone", "tel", "fax", "number", "no", "nos", "code", "zip",
    "postcode", "pin", "id", "account", "extension", "ext", "room", "flight", "route", "bus",
    "highway", "version", "model", "serial", "order", "ticket", "box", "suite", "unit",
    "platform", "gate", "channel", "chapter", "page", "pages", "verse", "row", "seat",
})
"""Words before a number that make it a label, which is never grouped (``call 5551234``)."""
YEAR_WORDS = frozenset({
    "in", "since", "until", "till", "from", "by", "year", "during", "before", "after",
    "circa", "spring", "summer", "autumn", "fall", "winter", "early", "late", "mid", "of",
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec",
})
"""Words before a four-digit number from 1000 to 2099 that make it a year."""
TIME_WORDS = frozenset({"finished", "clocked", "time", "timed", "ran", "run", "record",
                        "crossed", "completed", "won"})
"""Words shortly before a number whose digits read as hours, minutes and seconds that make it
a time (``finished in 21405``), which is never grouped."""


def _words_before(text: str, a: int, n: int) -> list[str]:
    """The ``n`` words before ``text[a]`` (lowercased, nearest last; none across a line)."""
    k = a
    while k > 0 and text[k - 1].isalpha():
        k -= 1
    start = max(text.rfind("\n", 0, k) + 1, k - 80)
    return [w.lower() for w in _WORD.findall(text[start:k])][-n:]


def _word_after(text: str, b: int) -> str:
    """The letters glued after ``text[b - 1]`` (``pm`` of ``400pm``), else the next word."""
    k = b
    while k < len(text) and text[k].isalpha():
        k += 1
    if k > b:
        return text[b:k].lower()
    line_end = text.find("\n", b)
    m = _WORD.search(text, b, line_end if line_end >= 0 else len(text))
    if m is None or m.start() - b > 30:
        return ""
    word = m.group().lower()
    if word == "per":
        nxt = _WORD.search(text, m.end(), m.end() + 12)
        if nxt is not None and nxt.group().lower() == "cent":
            return "percent"
    return word


def _marks(text: str, ins: Sequence[str], unit: Unit) -> tuple[str, str, str]:
    """``(sign before, marks between digits, sign after)`` of a value-marked number."""
    lead = value_marks(text, unit.start, ins[unit.start])
    tail = value_marks(text, unit.end, ins[unit.end])
    inner = "".join(value_marks(text, g, ins[g]) for g in unit.gaps
                    if unit.start < g < unit.end)
    return lead, inner, tail


SURE_TABLE = 0.95
"""Probability a number needs (the number table's, where the model has one) for ``safe`` to
keep a mark between its digits that words around it back."""

CURRENCY_NAMES = {"$": ("dollar", "dollars", "dlrs"), "£": ("pound", "pounds", "sterling"),
                  "€": ("euro", "euros"), "¥": ("yen",)}
"""Words that name the currency of each sign."""
MAGNITUDE_WORDS = frozenset({"million", "billion", "trillion", "mln", "bln", "bn", "m"})
"""Words after an amount of money that say how large it is (``$3 billion``)."""
RATE_WORDS = frozenset({"year", "month", "week", "day", "hour", "barrel", "share", "head",
                        "person", "ton", "tonne", "ounce", "gallon", "litre", "liter"})
"""Words after ``a`` or ``per`` after an amount that make it a price (``$40 a barrel``)."""
COUNTED_AFTER_OF = frozenset({"them", "us", "you", "these", "those", "which", "whom", "his",
                              "her", "my", "our", "your", "its", "their", "one"})
"""Words after ``N of`` that make ``N`` a count of things, not a percentage (``7 of them``)."""
SCORE_WORDS = frozenset({"win", "victory", "defeat", "loss", "lead", "draw", "halftime",
                         "scoreline", "triumph", "thrashing", "drubbing", "success", "reverse"})
"""Words after two numbers run together that make them a score (``a 31 win``: ``3-1``)."""


def _currency_named(text: str, sign: str) -> bool:
    """Whether ``text`` names the currency of ``sign`` in words, and no other currency."""
    words = {w.lower() for w in _WORD.findall(text)}
    mine = any(w in words for w in CURRENCY_NAMES.get(sign, ()))
    others = any(w in words for s, names in CURRENCY_NAMES.items() if s != sign for w in names)
    return mine and not others


def _money_after(text: str, end: int, after: str) -> bool:
    """Whether the words after a number say it is money: ``3 billion``, ``40 a barrel``."""
    if after in MAGNITUDE_WORDS:
        return True
    words = [w.lower() for w in _WORD.findall(text[end:end + 30])][:2]
    return len(words) == 2 and words[0] in ("a", "per") and words[1] in RATE_WORDS


def _unit_in_words(text: str, end: int, names: frozenset[str] | tuple[str, ...]) -> bool:
    """Whether one of ``names`` is among the eight words after ``text[end]``: the unit is
    written out (``12 million dollars``, ``7 per cent``), so no sign is."""
    words = [w.lower() for w in _WORD.findall(text[end:end + 80])][:8]
    return any(w in names for w in words) or "per cent" in " ".join(words)


def _percent_backed(text: str, end: int, after: str) -> bool:
    """``N%`` read from ``N of the ...``: ``of`` follows, and no count, pronoun or number
    after it (``7 of them``, ``7 of the 30``)."""
    if after != "of":
        return False
    m = re.compile(r"\s*of\s+").match(text, end)
    if m is None:
        return False
    nxt = [w.lower() for w in _WORD.findall(text[m.end():m.end() + 30])][:2]
    if not nxt or nxt[0] in COUNTED_AFTER_OF or nxt[0].isdigit():
        return False
    return not (len(nxt) > 1 and nxt[0] in ("the", "all") and nxt[1].isdigit())


def safe_unit(text: str, ins: Sequence[str], conf: Sequence[float], unit: Unit) -> bool:
    """Whether ``safe`` keeps the value marks of the number ``unit``: every mark needs words.

    - a currency sign needs words after that say how much money (``$3
      billion``, ``$40 a barrel``), the text to name that currency in words, and no other (no
      word tells ``$4m`` from ``£4m``), and no currency named in the words
      just after (``12 million dollars`` has its unit);
    - a ``%`` needs ``of`` after and no count after that (``7% of GDP``, but
      ``7 of the 30 students``, ``5 for 390``), and no ``percent`` just after;
    - a decimal point needs a measuring word after it (``4.1 percent``,
      ``2.5 mln``; not cents or pence), digits after it that are not all 0
      (``100 percent`` is no ``10.0 percent``, ``10000 yen`` no ``100.00 yen``),
      under 100 before a percent, and a sure number table
      (:data:`SURE_TABLE`);
    - a ``:`` needs a clock word (``5:30 pm``), a ``-`` a score word
      (``a 3-1 win``), both with a sure table;
    - ``/`` and every other mark between digits are never kept.

    >>> text = "up 41 percent at 530 pm"
    >>> ins = [""] * (len(text) + 1); ins[4] = ins[18] = "."
    >>> [safe_unit(text, ins, [0.99] * len(ins), u) for u in number_units(text, ins)]
    [True, False]
    """
    lead, inner, tail = _marks(text, ins, unit)
    p = min(conf[g] for g in unit.gaps)
    after = _word_after(text, unit.end)
    if lead and not (len(lead) == 1 and _money_after(text, unit.end, after)
                     and _currency_named(text, lead)
                     and not _unit_in_words(text, unit.end, CURRENCY_NAMES.get(lead, ()))):
        return False
    if tail and not (tail == "%" and _percent_backed(text, unit.end, after)
                     and not _unit_in_words(text, unit.end, PERCENT_WORDS)):
        return False
    if not inner:
        return True
    if p < SURE_TABLE:
        return False
    if inner == ".":
        gap = next(g for g in unit.gaps if unit.start < g < unit.end)
        zeros = set(text[gap:unit.end]) == {"0"}
        over_100 = after in PERCENT_WORDS and gap - unit.start > 2
        return after in DECIMAL_WORDS and not zeros and not over_100
    if inner == ":":
        return after in CLOCK_WORDS
    if inner == "-":
        return after in SCORE_WORDS and unit.end - unit.start <= 4
    return False


# -- grouping ------------------------------------------------------------------------------

_KEPT_GROUPED = re.compile(r"(?<![0-9.,])[1-9][0-9]{0,2}(?:,[0-9]{3})+(?![0-9]|,[0-9])")
"""A number the text itself writes grouped (``40,000``)."""


def _candidates(text: str, ins: Sequence[str]) -> list[tuple[int, int, bool]]:
    """``(start, end, grouped)`` of the digit runs of four or more digits that can be grouped:
    no letter glued to them, no mark but commas inside, no value mark or digit run joined to
    them by an inserted mark, not starting with 0; ``grouped`` where the insertions put a
    comma at every third digit from the right and nowhere else."""
    out = []
    for m in _DIGITS.finditer(text):
        a, b = m.span()
        if b - a < 4 or text[a] == "0":
            continue
        if (a > 0 and (text[a - 1].isalpha() or text[a - 1] in ".,:-/")) or (
                b < len(text) and (text[b].isalpha() or text[b] in ",:-/")):
            continue
        if b < len(text) - 1 and text[b] == "." and text[b + 1].isdigit():
            continue
        if value_marks(text, a, ins[a]) or value_marks(text, b, ins[b]):
            continue
        inside = [ins[g] for g in range(a + 1, b)]
        if any(s and s != "," for s in inside):
            continue
        want = [(b - g) % 3 == 0 for g in range(a + 1, b)]
        grouped = all((s == ",") == w for s, w in zip(inside, want, strict=True))
        if not grouped and any(inside):
            continue  # commas at odd places: not a grouping the policy can read
        out.append((a, b, grouped))
    return out


def _year_like(text: str, a: int, b: int) -> bool:
    return b - a == 4 and 1000 <= int(text[a:b]) <= 2099


def _label(text: str, a: int, b: int) -> bool:
    """A number never grouped: a label (``room 2041``), a year after a year word, or a time
    (``finished in 21405``)."""
    before = _words_before(text, a, 3)
    if before and before[-1] in IDENTIFIER_WORDS:
        return True
    if _year_like(text, a, b):
        return bool(before) and before[-1] in YEAR_WORDS
    digits = text[a:b]
    clock = len(digits) in (5, 6) and digits[-4] in "012345" and digits[-2] in "012345"
    return clock and any(w in TIME_WORDS for w in before)


def grouping_style(text: str, ins: Sequence[str], state: dict) -> str:
    """``grouped`` or ``plain``: how the numbers of four or more digits of the text
    ``state`` keeps are written.

    The numbers the text itself writes grouped decide where there are any
    (counted in ``state["kept"]``); else the numbers the restoration writes
    (``state["written"]``: grouped, plain), where ``plain`` wins a tie, since
    a number without commas cannot be misread. Four-digit numbers that can be
    years do not vote. ``state`` adds this window's numbers, except those in
    ``state["seen"]``, the text of the window before where it overlaps this one.

    >>> state = {}
    >>> grouping_style("sold 12000 copies", [""] * 18, state), state["written"]
    ('plain', [0, 1])
    >>> ins = [""] * 16; ins[7] = ","
    >>> grouping_style("then 40000 more", ins, state)  # a tie: plain
    'plain'
    >>> ins = [""] * 16; ins[6] = ","
    >>> grouping_style("and 50000 after", ins, state), state["written"]
    ('grouped', [2, 1])
    """
    skip = _overlap(state.get("seen", ""), text)
    state["seen"] = text[-4000:]
    kept = state.setdefault("kept", [0])
    written = state.setdefault("written", [0, 0])
    kept[0] += sum(1 for m in _KEPT_GROUPED.finditer(text) if m.start() >= skip)
    for a, b, grouped in _candidates(text, ins):
        if a >= skip and not _year_like(text, a, b) and not _label(text, a, b):
            written[0 if grouped else 1] += 1
    if kept[0]:
        return "grouped"
    return "grouped" if written[0] > written[1] else "plain"


def _overlap(before: str, text: str) -> int:
    """The length of the longest end of ``before`` that ``text`` starts with (at least 20
    characters, else 0): the part of a window the window before already counted.

    >>> _overlap("a long text of several words here", "text of several words here and more")
    26
    """
    if len(text) < 20:
        return 0
    head = text[:20]
    k = before.find(head)
    while k >= 0:
        if text.startswith(before[k:]):
            return len(before) - k
        k = before.find(head, k + 1)
    return 0


def clean_commas(text: str, ins: Sequence[str]) -> list[str]:
    """``ins`` without the commas inside a number that group nothing (``0,412``; ``1,2162,016``
    once a ``/`` has gone); numbers with another mark between their digits are left alone.

    >>> text = "call 0412 or 12162016"
    >>> ins = [""] * (len(text) + 1); ins[6] = ins[14] = ins[18] = ","
    >>> from unstrip.text.alignment import apply
    >>> apply(text, clean_commas(text, ins))
    'call 0412 or 12162016'
    """
    out = list(ins)
    for m in _DIGITS.finditer(text):  # commas that group nothing: 0,412, 1,2162,016
        a, b = m.span()
        inside = range(a + 1, b)
        if any(value_marks(text, g, out[g]) for g in inside):
            continue
        grouping = b - a >= 4 and text[a] != "0" and all(
            (out[g] == ",") == ((b - g) % 3 == 0) for g in inside)
        if not grouping:
            for g in inside:
                if "," in out[g]:
                    out[g] = out[g].replace(",", "")
    return out


def group_numbers(text: str, ins: Sequence[str], style: str) -> list[str]:
    """``ins`` with every groupable number of four or more digits written in ``style``.

    Labels (:func:`_label`: ``room 2041``, ``in 1999``, ``finished in 21405``)
    lose their commas whatever the style, a four-digit number that can be
    a year (1000 to 2099) is never given one.

    >>> text = "about 40000 in 1999 and 1500 men in room 20412"
    >>> ins = [""] * (len(text) + 1); ins[8] = ins[25] = ","
    >>> from unstrip.text.alignment import apply
    >>> apply(text, group_numbers(text, ins, "grouped"))
    'about 40,000 in 1999 and 1,500 men in room 20412'
    >>> apply(text, group_numbers(text, ins, "plain"))
    'about 40000 in 1999 and 1500 men in room 20412'
    """
    out = list(ins)
    for a, b, grouped in _candidates(text, ins):
        label = _label(text, a, b)
        if style == "plain" or label:
            want = False
        elif _year_like(text, a, b):
            want = grouped
        else:
            want = True
        if want != grouped:
            for g in range(a + 1, b):
                out[g] = "," if want and (b - g) % 3 == 0 else ""
    return out


# -- the policy -----------------------------------------------------------------------------

def apply_number_policy(text: str, pred: Prediction, policy: str, state: dict,
                        grouping: bool = True) -> Prediction:
    """``pred`` (the model's prediction for ``text``) under the number policy ``policy``.

    ``guess`` returns ``pred`` itself. ``keep`` and ``safe`` return a new
    prediction in which value marks were removed (all of them, or those of
    the numbers :func:`safe_unit` does not keep) and long numbers follow the
    text's grouping style (:func:`grouping_style`, read and counted in
    ``state``, which the caller keeps for one whole text across its windows
    and lines). A gap that changes gets confidence ``1 - p`` where a value
    mark of confidence ``p`` left it, and the pass name :data:`POLICY_NAME`.
    ``grouping=False`` leaves commas as they are (to measure the style's cost).

    >>> text = "he took 5 for 390 and paid 1200 a week"
    >>> ins = [""] * (len(text) + 1)
    >>> ins[9], ins[27], ins[29] = "%", "$", "."
    >>> pred = Prediction(ins, [0.95] * len(ins), text)
    >>> from unstrip.text.alignment import apply
    >>> apply(text, apply_number_policy(text, pred, "safe", {}).insertions)
    'he took 5 for 390 and paid 1200 a week'
    >>> apply_number_policy(text, pred, "guess", {}) is pred
    True
    """
    if policy not in POLICIES:
        raise ValueError(f"unknown number policy {policy!r}: one of {', '.join(POLICIES)}")
    if policy == "guess":
        return pred
    ins, conf = list(pred.insertions), list(pred.confidence)
    passes = None if pred.passes is None else list(pred.passes)
    for unit in number_units(text, ins):
        if policy == "safe" and safe_unit(text, ins, conf, unit):
            continue
        for g in unit.gaps:
            drop = value_marks(text, g, ins[g])
            ins[g] = "".join(ch for ch in ins[g] if ch not in drop)
            conf[g] = round(1.0 - conf[g], 4)
            if passes is not None:
                passes[g] = POLICY_NAME
    if not grouping:
        return replace(pred, insertions=ins, confidence=conf, passes=passes)
    cleaned = clean_commas(text, ins)
    grouped = group_numbers(text, cleaned, grouping_style(text, cleaned, state))
    for g, (old, new) in enumerate(zip(ins, grouped, strict=True)):
        if old != new:
            ins[g] = new
            if passes is not None:
                passes[g] = POLICY_NAME
    return replace(pred, insertions=ins, confidence=conf, passes=passes)
