"""A user's vocabulary: the written forms they want for the words that match them.

A transcript of a product launch wants ``iPhone``, ``COVID-19`` and
``McDonald's``; the network, having seldom read them, writes ``iphone``,
``covid19`` and ``McDonalds``. A vocabulary lists the forms the user wants,
and this module puts them in, without ever changing a character the user
gave. The rule that keeps the input sacred: a form ``F`` replaces the
restored form of an input word ``T`` exactly when damaging ``F`` by the
profile the restorer treated that text as (:data:`unstrip.text.profiles.PROFILES`)
gives ``T``. So under ``lower`` (``covid19`` is ``lower("COVID-19")``) the
form also decides the casing, while under ``seed``, which keeps case,
``Ted`` stays ``Ted`` even with ``TED`` listed (``seed("TED")`` is ``TED``).
A form of several words (``New York Times``) matches the same words in a
row. Marks the restorer put at the edges of the word (a comma after it, a
quote before it) stay, merged with any the form has there (``U.S.`` at a
sentence end is ``U.S.``, not ``U.S..``).

>>> from unstrip import Restorer
>>> text = "i watched a ted talk on tiktok"
>>> result = Restorer().explain(text)
>>> result.text
'I watched a Ted talk on Tiktok.'
>>> apply_vocabulary(text, result, ["TED", "TikTok"]).text
'I watched a TED talk on TikTok.'

When two forms damage to the same word (``Ted`` and ``TED`` under
``lower``), the one listed first is used.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache

from unstrip.text.encoding import fix_encoding_and_explain
from unstrip.text.profiles import PROFILES

__all__ = ["VOCABULARY_PROFILES", "apply_vocabulary", "explain_with_vocabulary",
           "read_vocabulary"]

VOCABULARY_PROFILES = ("seed", "lower", "punct", "word", "punct-lower", "word-lower")
"""The damage profiles under which the restorer rewrites words, and so the
ones a vocabulary applies to; a part left as it was (``punctuated``) or
only given paragraph breaks (``newlines``) keeps its words as written."""

PASS_NAME = "vocabulary"


class _Form:
    """A written form aligned with its damaged key: ``kept[k]`` is the form's
    character for key character ``k``, ``marks[k]`` what goes before it
    (``marks[len(key)]`` after the last)."""

    __slots__ = ("form", "kept", "marks")

    def __init__(self, form: str, kept: str, marks: list[str]):
        self.form = form
        self.kept = kept
        self.marks = marks


@lru_cache(maxsize=64)
def _table(vocab: tuple[str, ...], profile: str) -> tuple[dict[str, _Form], int]:
    """The forms of ``vocab`` by their damaged key under ``profile`` (the first
    listed wins), and the most words a key has."""
    damage = PROFILES[profile]
    table: dict[str, _Form] = {}
    longest = 1
    for form in vocab:
        key = damage(form)
        if not key.strip() or key != key.strip() or key in table:
            continue
        aligned = _align(form, key, damage)
        if aligned is None:
            continue
        table[key] = aligned
        longest = max(longest, len(key.split()))
    return table, longest


def _align(form: str, key: str, damage) -> _Form | None:
    """Which characters of ``form`` the damage keeps (as ``key``) and which it deletes.

    The strip profiles act on one character at a time, so each character of
    the form is either deleted or becomes one character of the key.

    >>> f = _align("COVID-19", "covid19", PROFILES["lower"])
    >>> f.kept, f.marks
    ('COVID19', ['', '', '', '', '', '-', '', ''])
    """
    kept: list[str] = []
    marks = [""]
    for c in form:
        d = damage(c)
        if not d:
            marks[-1] += c
        elif len(d) == 1:
            kept.append(c)
            marks.append("")
        else:
            return None
    if "".join(damage(c) for c in kept) != key:
        return None
    return _Form(form, "".join(kept), marks)


@lru_cache(maxsize=8)
def _entry_classes(restoration_class: type) -> tuple[type, type]:
    """The classes of a restoration's insertions and recasings (``Insertion``,
    ``Recase``), read from its annotations, so that this pass, which the
    restorer runs, need not import the restorer."""
    hints = typing.get_type_hints(restoration_class)
    return typing.get_args(hints["insertions"])[0], typing.get_args(hints["recased"])[0]


def _render(text: str, insertions: dict[int, str], recased: dict[int, str]) -> str:
    out: list[str] = []
    for k, c in enumerate(text):
        out.append(insertions.get(k, ""))
        out.append(recased.get(k, c))
    out.append(insertions.get(len(text), ""))
    return "".join(out)


def _words(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The ``(start, end)`` of each run of non-space characters in ``text[start:end]``."""
    spans = []
    k = start
    while k < end:
        while k < end and text[k].isspace():
            k += 1
        if k == end:
            break
        j = k
        while j < end and not text[j].isspace():
            j += 1
        spans.append((k, j))
        k = j
    return spans


def _matches(text: str, start: int, end: int, table: dict[str, _Form], longest: int):
    """Yield ``(start, end, form)`` for the words of ``text[start:end]`` that a
    form's key names, longest match first, left to right, none overlapping."""
    words = _words(text, start, end)
    i = 0
    while i < len(words):
        for n in range(min(longest, len(words) - i), 0, -1):
            a, b = words[i][0], words[i + n - 1][1]
            form = table.get(text[a:b])
            if form is not None:
                yield a, b, form
                i += n
                break
        else:
            i += 1


def _before(existing: str, lead: str) -> str:
    """The insertion before a word: the restorer's, then the form's leading marks."""
    if not lead or existing.endswith(lead):
        return existing
    return existing + lead


def _after(existing: str, trail: str) -> str:
    """The insertion after a word: the form's trailing marks, then the restorer's.

    >>> _after(".", "."), _after(",", "."), _after("", "!"), _after(".", ")")
    ('.', '.,', '!', ').')
    """
    if not trail or existing.startswith(trail):
        return existing
    if trail.endswith(".") and existing.startswith("."):
        existing = existing[1:]
    return trail + existing


def apply_vocabulary(text: str, result, vocab: Iterable[str]):
    """``result`` (the :class:`unstrip.restorer.Restoration` of ``text``) with the
    vocabulary's forms written in.

    ``text`` is the input after encoding repair, the text ``result``'s
    offsets count in. Each word of a restored part whose damaged form a
    vocabulary form gives is written as that form; the insertions and
    recasings that made it are replaced by the form's, with ``pass_name``
    ``"vocabulary"`` and confidence 1.0, so ``result.insertions`` and
    ``result.recased`` still describe the new text. Applying it twice gives
    the same as once. A ``result`` that does not rebuild from ``text`` (not
    its restoration) is given back as it is.

    >>> from unstrip import Restorer
    >>> r = apply_vocabulary("we use gpt4", Restorer().explain("we use gpt4"), ["GPT-4"])
    >>> r.text, [(i.offset, i.insert, i.pass_name) for i in r.insertions]
    ('We use GPT-4.', [(10, '-', 'vocabulary'), (11, '.', 'argmax')])
    """
    vocab = tuple(v.strip() for v in vocab if v and v.strip())
    parts = [p for p in result.parts if p.profile in VOCABULARY_PROFILES]
    if not vocab or not parts:
        return result
    insertions = {i.offset: i for i in result.insertions}
    recased = {r.offset: r for r in result.recased}
    if _render(text, {k: i.insert for k, i in insertions.items()},
               {k: r.to for k, r in recased.items()}) != result.text:
        return result
    insertion_class, recase_class = _entry_classes(type(result))
    changed = False
    for part in parts:
        table, longest = _table(vocab, part.profile)
        if not table:
            continue
        for a, b, form in _matches(text, part.start, part.end, table, longest):
            changed = True
            for g in range(a, b + 1):
                mark = form.marks[g - a]
                old = insertions.get(g)
                had = old.insert if old is not None else ""
                if g == a:
                    new = _before(had, mark)
                elif g == b:
                    new = _after(had, mark)
                else:
                    new = mark
                if new == had:
                    continue
                if new:
                    insertions[g] = insertion_class(g, new, 1.0, PASS_NAME)
                else:
                    del insertions[g]
            for k in range(a, b):
                want = form.kept[k - a]
                old_case = recased.get(k)
                if want == text[k]:
                    recased.pop(k, None)
                elif old_case is None or old_case.to != want:
                    recased[k] = recase_class(k, want, 1.0, PASS_NAME)
    if not changed:
        return result
    new_ins = [insertions[k] for k in sorted(insertions)]
    new_rec = [recased[k] for k in sorted(recased)]
    new_text = _render(text, {k: i.insert for k, i in insertions.items()},
                       {k: r.to for k, r in recased.items()})
    return replace(result, text=new_text, insertions=new_ins, recased=new_rec)


def explain_with_vocabulary(restorer, text: str, profile: str = "auto"):
    """``restorer.explain(text, profile)`` with the forms of ``restorer.vocab`` written in.

    Safe to call whether or not ``explain`` applies the vocabulary itself:
    applying it again changes nothing.

    >>> from unstrip import Restorer
    >>> explain_with_vocabulary(Restorer(vocab=["TED"]), "i watched a ted talk").text
    'I watched a TED Talk.'
    """
    result = restorer.explain(text, profile)
    vocab = getattr(restorer, "vocab", None)
    if not vocab:
        return result
    if result.encoding_repairs:
        text = fix_encoding_and_explain(text)[0]
    return apply_vocabulary(text, result, vocab)


def read_vocabulary(lines: Iterable[str], name: str = "<vocabulary>") -> list[str]:
    """The forms of a vocabulary file: one a line, blank lines and ``#`` comments skipped.

    A line that holds no letter or digit cannot match a word and is refused,
    naming its line number.

    >>> read_vocabulary(["# brands", "iPhone", "", "  McDonald's  ", "COVID-19"])
    ['iPhone', "McDonald's", 'COVID-19']
    >>> read_vocabulary(["TED", "--"], "vocab.txt")
    Traceback (most recent call last):
    ...
    ValueError: vocab.txt: line 2: '--' has no letter or digit to match a word by
    """
    forms: list[str] = []
    for n, line in enumerate(lines, 1):
        form = line.strip()
        if not form or form.startswith("#"):
            continue
        if not any(c.isalnum() for c in form):
            raise ValueError(f"{name}: line {n}: {form!r} has no letter or digit to match "
                             "a word by")
        forms.append(form)
    return forms
