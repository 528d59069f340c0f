"""Marks that need evidence: inserted quote pairs and exclamation marks.

A network trained mostly on news, where a first-person statement is nearly
always a quotation, wraps talk in quotes nobody wrote: a chat turn
``hello how are you`` came back as ``"Hello, how are you?"``. A reader is
misled by a wrong quote more than helped by a right one, so an inserted pair
of double quotes is kept only with a cue:

- a speech verb just outside it (``he said``, ``she asked``, ``told
  reporters``: :data:`SPEECH_WORDS`, within :data:`CUE_WORDS` words before
  the opening quote or after the closing one), or a colon right before it,
  and the network's confidence in both marks of at least ``cued``. A pair
  opened after a speech verb or a colon in a line of fewer than
  :data:`SHORT_LINE` words needs ``short_line``: a chat turn or a caption
  reports speech (``she said I can have one``) without quotes far more often
  than news does, while the news order (``"We won," she said``) stays as
  reliable there, unless the quotation closes with a full stop (``puppies."
  And she said``): after it the speech verb begins a sentence of its own;
- else the network's confidence in both marks of at least ``uncued`` (a
  quoted title or a scare quote the network is sure of), ``short_uncued``
  in a line of fewer than :data:`SHORT_LINE` words;
- a pair around a whole line (nothing outside it on its line) has no room
  for a cue: it needs ``whole_line``.

A pair that fails loses both marks, and an inserted double quote with no
partner needs ``short_uncued``, or ``uncued`` if higher (``It's a win," the
group's leader said`` has a quotation that never opened); nothing else
changes, and kept text never does. An inserted ``!`` below ``exclaim`` becomes ``.``.

>>> from unstrip.text.alignment import apply
>>> text = "hello how are you"
>>> ins = [""] * (len(text) + 1)
>>> ins[0], ins[5], ins[17] = '"', ",", '?"'
>>> conf = [0.9] * len(ins)
>>> out, why = require_cues(text, ins, conf)
>>> apply(text, out)
'hello, how are you?'
>>> text = "go home he said"
>>> ins = [""] * (len(text) + 1)
>>> ins[0], ins[7] = '"', ',"'
>>> out, why = require_cues(text, ins, [0.6] * len(ins))  # above CUED
>>> apply(text, out), why[0]
('"go home," he said', "quote before 'said'")
>>> text = "he said go home"
>>> ins = [""] * (len(text) + 1)
>>> ins[7], ins[8], ins[15] = ",", '"', '."'
>>> apply(text, require_cues(text, ins, [0.6] * len(ins))[0])  # below SHORT_CUED
'he said, go home.'
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from unstrip.decode.lexicon import letter_counts

__all__ = ["CUED", "CUE_WORDS", "EXCLAIM", "SHORT_CUED", "SHORT_LINE", "SHORT_UNCUED",
           "SPEECH_WORDS", "UNCUED", "WHOLE_LINE", "join_broken_words", "require_cues",
           "uncap_dropped_quotes"]

SPEECH_WORDS = frozenset("""
said says say saying told tells tell telling asked asks ask asking added adds adding
wrote writes write writing replied replies reply explained explains insisted insists
stated states declared declares announced announces argued argues noted notes warned
warns claimed claims recalled recalls shouted shouts yelled yells whispered whispers
continued continues thought thinks wondered wonders cried cries screamed exclaimed
according quoted quote quoting read reads reading remarked answered answers responded
responds admitted admits acknowledged suggested suggests urged urges promised promises
called calls titled headlined entitled dubbed labelled labeled known
""".split())
"""Words that introduce or follow a quotation (``he said``, ``according to``)."""

CUE_WORDS = 4
"""How many words before an opening quote or after a closing one are searched for a cue."""

CUED = 0.3
"""Confidence both marks of a pair with a cue need (chosen on the tune sets)."""

UNCUED = 0.7
"""Confidence both marks of a pair without a cue need (chosen on the tune sets)."""

WHOLE_LINE = 0.99
"""Confidence both marks of a pair around a whole line need (chosen on the tune sets)."""

EXCLAIM = 0.6
"""Confidence an inserted ``!`` needs; below it the ``!`` becomes ``.``."""

SHORT_LINE = 50
"""Lines of fewer words than this are taken as one paragraph (a chat turn, a caption)."""

SHORT_UNCUED = 0.9
"""Confidence both marks of a pair without a cue need in a line of fewer than
:data:`SHORT_LINE` words, and a quote without a partner anywhere (chosen on the tune
sets)."""

SHORT_CUED = 0.7
"""Confidence both marks of a pair with a cue need in a line of fewer than
:data:`SHORT_LINE` words (chosen on the tune sets)."""

_OPENERS = frozenset('"“')
_CLOSERS = frozenset('"”')
_WORD = re.compile(r"[A-Za-z']+")


def _opens(text: str, insertion: str, g: int, k: int) -> bool:
    """Whether the quote ``insertion[k]`` at gap ``g`` of ``text`` opens a quotation:
    ``“`` does, ``”`` does not, and a straight one does where a word follows it and
    none ends before it (``, "Go`` opens, ``go," he`` closes).
    """
    ch = insertion[k]
    if ch in "“”":
        return ch == "“"
    before = insertion[:k] or (text[g - 1] if g else " ")
    after = insertion[k + 1:] or (text[g] if g < len(text) else " ")
    return (before[-1].isspace() or before[-1] in "([{—–-:") and not after[0].isspace()


def _pairs(text: str, insertions: Sequence[str]
           ) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """The inserted double-quote pairs ``(open gap, close gap)``, and the gaps of the
    openers and closers left without a partner."""
    pairs: list[tuple[int, int]] = []
    lone_openers: list[int] = []
    lone_closers: list[int] = []
    open_at: int | None = None
    for g, s in enumerate(insertions):
        for k, ch in enumerate(s):
            if ch not in _OPENERS | _CLOSERS:
                continue
            if _opens(text, s, g, k):
                if open_at is not None:
                    lone_openers.append(open_at)  # an opener followed by another: unpaired
                open_at = g
            elif open_at is not None:
                pairs.append((open_at, g))
                open_at = None
            else:
                lone_closers.append(g)
    if open_at is not None:
        lone_openers.append(open_at)
    return pairs, lone_openers, lone_closers


def _cue(text: str, insertions: Sequence[str], start: int, end: int,
         line: tuple[int, int], short: bool) -> str | None:
    """What makes the pair at gaps ``start`` (open) and ``end`` (close) a quotation;
    ``line`` holds where its line (of the window seen) begins and ends, ``short``
    whether that line has fewer than :data:`SHORT_LINE` words."""
    head = insertions[start]
    g = start
    while g > 0 and text[g - 1].isspace() and ":" not in head:
        g -= 1
        head = insertions[g] + head
    if ":" in head or text[:g].endswith(":"):
        return "quote after a colon"
    before = _WORD.findall(text[line[0]:start])[-CUE_WORDS:]
    after = _WORD.findall(text[end:line[1]])[:CUE_WORDS]
    for word in reversed(before):
        if word.lower() in SPEECH_WORDS:
            return f"quote after {word.lower()!r}"
    if short and "." in insertions[end]:
        return None  # `puppies." And she said I can`: the verb starts a sentence of its own
    for word in after:
        if word.lower() in SPEECH_WORDS:
            return f"quote before {word.lower()!r}"
    return None


def _line_of(text: str, start: int, end: int) -> tuple[int, int]:
    """Where the line (of the window seen) of the pair at gaps ``start`` and ``end``
    begins and ends."""
    first = text.rfind("\n", 0, start) + 1
    last = text.find("\n", end)
    return first, len(text) if last < 0 else last


def require_cues(
    text: str, insertions: Sequence[str], confidence: Sequence[float],
    uncued: float = UNCUED, whole_line: float = WHOLE_LINE, exclaim: float = EXCLAIM,
    cued: float = CUED, short_line: float = SHORT_CUED, short_uncued: float = SHORT_UNCUED,
    line_start: bool = True, line_end: bool = True,
) -> tuple[list[str], dict[int, str]]:
    """The insertions with uncued quote pairs and unsure ``!`` removed, and why each kept
    pair was kept (gap of its opening quote -> reason).

    ``text`` is the (stripped) text the insertions belong to, ``insertions[g]``
    the string at its gap ``g`` and ``confidence[g]`` the network's confidence
    in it. ``line_start`` / ``line_end``: whether the text begins / ends at a
    line's start / end (a window cut from a longer line does not).
    """
    out = list(insertions)
    why: dict[int, str] = {}
    pairs, lone_openers, lone_closers = _pairs(text, out)
    for start, end in pairs:
        sure = min(confidence[start], confidence[end])
        first, last = line = _line_of(text, start, end)
        # whether the window holds the whole line (a cut one is not known to be short)
        seen = (first > 0 or line_start) and (last < len(text) or line_end)
        short = seen and len(text[first:last].split()) < SHORT_LINE
        cue = _cue(text, out, start, end, line, short)
        if seen and not text[first:start].strip() and not text[end:last].strip():
            keep = sure >= whole_line  # nothing but the quoted words on the line
            reason = f"quote pair around the whole line, confidence {sure:.2f}"
        elif cue:
            after_verb = short and cue.startswith("quote after")
            keep, reason = sure >= (max(cued, short_line) if after_verb else cued), cue
        else:
            keep = sure >= (max(uncued, short_uncued) if short else uncued)
            reason = f"quote pair without a cue, confidence {sure:.2f}"
        if keep:
            why[start] = reason
            continue
        out[start] = _drop_one(out[start], _OPENERS, last=True)
        out[end] = _drop_one(out[end], _CLOSERS, last=False)
    for g in lone_openers + lone_closers:
        # in a text seen from its start, a quotation cannot close before it opened
        never_opened = line_start and g in lone_closers
        if never_opened or confidence[g] < max(uncued, short_uncued):
            out[g] = "".join(ch for ch in out[g] if ch not in _OPENERS | _CLOSERS)
    for g, s in enumerate(out):
        if "!" in s and confidence[g] < exclaim:
            out[g] = s.replace("!", ".")
    return out, why


def _drop_one(s: str, chars: frozenset, last: bool) -> str:
    """``s`` less one of ``chars``: the last one (an opener) or the first (a closer)."""
    idx = [i for i, ch in enumerate(s) if ch in chars]
    if not idx:
        return s
    i = idx[-1] if last else idx[0]
    return s[:i] + s[i + 1:]


def join_broken_words(core: str, insertions: Sequence[str], kept: str,
                      short: int = SHORT_LINE) -> tuple[list[str], str]:
    """A short line's insertions with no line break inside a word, and its casing to match.

    Stripping a text to letters, digits and spaces deletes its line breaks, so
    a paragraph break glues two words (``rule.\\n\\nReports`` becomes
    ``rulereports`` when lowered), and the network learned to split such words
    again. In a long text that is nearly always right; in a line of fewer
    than ``short`` words (a chat turn, a caption) the glue is a stutter or a
    dash (``he-he``, ``just--just`` become ``hehe``, ``justjust``) and the
    split reads ``He.\\n\\nHe``. There such a break is not written, nor the
    capital after it. A word whose second part the damaged text itself
    starts with a capital (``ruleReports``) keeps its break.

    ``insertions[k]`` belongs before ``core[k]``; ``kept`` is ``core`` as recased.

    >>> core = "hehe said rachel"
    >>> ins = [""] * (len(core) + 1)
    >>> ins[2], ins[9] = ".\\n\\n", ","
    >>> out, kept = join_broken_words(core, ins, "HeHe said Rachel")
    >>> out[2], out[9], kept
    ('', ',', 'Hehe said Rachel')
    >>> join_broken_words("end ofNext", ["", "", "", "", "", "", ".\\n\\n", "", "", "", ""],
    ...                   "End ofNext")[0][6]
    '.\\n\\n'
    """
    out = list(insertions)
    if len(core.split()) >= short:
        return out, kept
    chars = list(kept)
    for k in range(1, len(core)):
        if (("\n" in out[k] or "\r" in out[k]) and core[k - 1].isalnum()
                and core[k].isalnum() and not core[k].isupper()):
            out[k] = ""
            chars[k] = core[k]
    return out, "".join(chars)


def uncap_dropped_quotes(core: str, before: Sequence[str], after: Sequence[str], kept: str,
                         lexicon: dict[str, dict[str, int]]) -> str:
    """``kept`` without the capital that a dropped opening quote gave its word.

    Lowercased input: the network capitalises the first word of a quotation
    (``he said, "Call him."``); when :func:`require_cues` drops the pair, that
    capital is left mid-sentence (``he said, Call him.``). Where an opening
    quote is in ``before[k]`` (the insertions at the core's gaps before the
    cues were checked) and not in ``after[k]``, and no sentence ends before
    the word, the word's first letter goes back to lowercase if the lexicon
    writes the word lowercase most often (``call``, not ``Rachel`` or ``I``).

    >>> lex = {"call": {"call": 90, "Call": 10}, "rachel": {"Rachel": 50}}
    >>> core = "he said call rachel"
    >>> before, after = [""] * 20, [""] * 20
    >>> before[7], after[7], before[8] = ",", ",", '"'
    >>> uncap_dropped_quotes(core, before, after, "He said Call rachel", lex)
    'He said call rachel'
    >>> before[8], before[13] = "", '"'
    >>> uncap_dropped_quotes(core, before, after, "He said call Rachel", lex)
    'He said call Rachel'
    """
    chars = list(kept)
    for k, ch in enumerate(core):
        dropped = (sum(c in _OPENERS for c in before[k]) > sum(c in _OPENERS for c in after[k]))
        if not (dropped and ch.isalpha() and ch.islower() and chars[k].isupper()):
            continue
        j = k
        while j > 0 and core[j - 1].isspace() and not any(c in ".?!:" for c in after[j]):
            j -= 1
        if j == 0 or any(c in ".?!:" for c in after[j]):
            continue  # a sentence (or the text) starts here: the capital stays
        word = core[k:].split(" ")[0]
        counts = letter_counts(lexicon, word.lower())
        if sum(counts.values()) >= 5 and max(counts, key=counts.__getitem__) == word.lower():
            chars[k] = ch
    return "".join(chars)
