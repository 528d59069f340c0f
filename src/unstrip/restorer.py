"""The Restorer: damaged text in, the text as written out.

One object holds the loaded model and restores any number of texts; the CLI,
batch engine and server are thin shells over it. It decides what damage the
input shows (the ``auto`` profile) line by line, repairs broken encoding
first, then asks the model for the insertion at every gap of stripped text,
in overlapping windows so that input of any length runs in bounded memory.

Every strip profile of :mod:`unstrip.text.profiles` is restored: ``seed`` and
``lower`` as the network was trained; ``punct``, ``word`` and their
lowercased forms by showing the network the text as ``seed`` would have left
it (non-ASCII letters folded to ASCII for it, ``Zürich`` read as
``Zurich``), with every kept character (accents, curly quotes, dashes,
``_``, tabs, line breaks) put back exactly where it was; ``newlines`` by
turning the spaces a flattened paragraph break left into ``\n\n``.

Whatever the model says, the output keeps every character the user gave:
for every profile P and ``x = P(gold)``, ``P(restore(x, P)) == x``.
Insertions are filtered to what P deletes and case changes checked here, so
the guarantee does not depend on the model.

>>> r = Restorer("baseline")  # the default is the learned model
>>> r.restore("The groups leader said dont go")
"The groups leader said don't go."
>>> r.restore("Already punctuated, so left alone.")
'Already punctuated, so left alone.'
>>> r.restore("itâ€™s fixed, they said")
'it’s fixed, they said'
>>> r.restore("Its a naïve idea dont you think", "punct")  # as for "naive"
"It's a naïve idea don't you think"
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from unstrip.decode.cues import CUED, EXCLAIM, UNCUED, WHOLE_LINE, require_cues
from unstrip.decode.prediction import Prediction, strip_seed_complements
from unstrip.decode.quotes import STYLES, choose_style, harmonize, style_votes
from unstrip.decode.rules import balance
from unstrip.decode.wordcontext import text_pairs
from unstrip.models import load_model
from unstrip.text.encoding import Repair, fix_encoding, fix_encoding_and_explain
from unstrip.text.profiles import LOWERED_PROFILES, PROFILES
from unstrip.text.tokens import is_stripped

__all__ = [
    "Insertion", "Part", "Restoration", "Restorer", "detect_profile", "restore", "PROFILE_CHOICES",
    "NUMBER_POLICIES",
]

NUMBER_POLICIES = ("keep", "safe", "guess")
"""How sure a mark that changes a number's value must be: ``keep`` writes none
(grouping commas only), ``safe`` only with evidence that holds across domains,
``guess`` whatever the network prefers."""

PROFILE_CHOICES = ("auto", *PROFILES)
"""Profiles a caller may name; ``auto`` detects the damage, any other is obeyed."""

RESTORED_PROFILES = ("seed", "lower", "punct", "word", "punct-lower", "word-lower")
"""Profiles whose lost marks the network puts back."""

PART_CHARS = 65536
"""``auto`` decides the damage per line, and per this many characters of a longer line."""

FLATTENED_MIN = 1000
"""A punctuated text with no line break is taken as flattened (``newlines``)
from this many characters and three sentence ends on."""

_HAS_UPPER = re.compile(r"[A-Z]")
_HAS_LETTER = re.compile(r"[A-Za-z]")
_LINE_BREAKS = re.compile(r"[\n\r]+")
_ASCII_PUNCT = re.compile(r"[!-/:-@\[-\^`{-~]")  # string.punctuation but ``_``
_NOT_WORD = re.compile(r"[^\w\s]")
_ASCII_KEPT = frozenset(string.ascii_letters + string.digits + " ")
_PUNCT_OK = frozenset(string.punctuation) - {"_"}
_DASHES = frozenset("\u2012\u2013\u2014\u2015")
"""Dash characters (figure, en, em, horizontal bar): ASCII writes each as ``--`` or ``-``."""
_TO_ASCII = str.maketrans({
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u2014": "--", "\u2013": "-",
    "\u2010": "-", "\u2011": "-", "\u2026": "...",
})
_SAME_MARK = str.maketrans({
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u2014": "-", "\u2013": "-",
    "\u2010": "-", "\u2011": "-",
})
_OPENING = frozenset("\u201c\u2018\u201e\u00ab([{")
_CLOSING = frozenset("\u201d\u2019\u00bb)]}")
_FOLD_EXTRA = {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE",
               "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "Th", "ð": "d", "Ð": "D",
               "ı": "i"}
_KEPT_MARKS = re.compile(
    r"['-]|(?<=[0-9])[.,](?=[0-9])|\$(?=[0-9])|(?<=[0-9])%"
    r"|(?<=\b[A-Za-z])\.(?=[A-Za-z]\.)|(?<=\b[A-Za-z]\.[A-Za-z])\."
)
"""Marks that damaged input may still hold, kept as they are and restored
around: apostrophes and hyphens (``don't``, ``well-known``), the marks of
numbers written as digits (``20,000``, ``2.5``, ``$5``, ``50%``) and the
periods of initialisms (``u.s.``, ``e.g.``, ``a.m.``), as speech
recognisers write them."""


@dataclass(frozen=True)
class Insertion:
    """``insert`` goes at ``offset`` (a gap index of the input, 0 = before the
    first character), with the model's ``confidence`` in it (0..1);
    ``pass_name`` is the step that made it (``"pass"`` in :meth:`Restoration.to_dict`):
    a decoding pass of :data:`unstrip.decode.pipeline.PASSES` (``"argmax"``,
    ``"lexicon"``, ``"numbers"``, ...), ``"baseline"`` for the count model,
    or None for a model that does not say."""

    offset: int
    insert: str
    confidence: float
    pass_name: str | None = None
    why: str | None = None
    """For a quote pair's opening mark, what made it a quotation
    (:func:`unstrip.decode.cues.require_cues`: ``"quote after 'said'"``)."""


@dataclass(frozen=True)
class Recase:
    """The character at ``offset`` of the (lowercased) input becomes ``to``;
    ``pass_name`` as for :class:`Insertion` (``"recasing"``, ``"capitals"``, ...;
    ``"paragraphs"`` for a restored paragraph break)."""

    offset: int
    to: str
    confidence: float
    pass_name: str | None = None


@dataclass(frozen=True)
class Part:
    """Characters ``start:end`` of the input (a line, or a piece of a long one)
    were treated as damaged by ``profile``."""

    start: int
    end: int
    profile: str


@dataclass
class Restoration:
    """A restored text with everything that was done to get it.

    ``profile`` is the damage the input was treated as: a strip profile
    (``seed``, ``lower``, ``punct``, ``word``, ``punct-lower``,
    ``word-lower``, ``newlines``), ``punctuated`` (left alone), ``empty``, or
    ``mixed`` when its lines were treated differently; ``parts`` says what
    each line (or piece of a long line) that is not blank was treated as. ``encoding_repairs``
    lists what :func:`unstrip.fix_encoding` changed before that. Offsets refer
    to the text after encoding repair (the same as the input when nothing was
    repaired). Under ``newlines`` a restored paragraph break is a ``recased``
    entry: the space at ``offset`` becomes ``"\\n\\n"``.
    """

    text: str
    profile: str
    insertions: list[Insertion] = field(default_factory=list)
    recased: list[Recase] = field(default_factory=list)
    encoding_repairs: list[Repair] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "profile": self.profile,
            "insertions": [_with_pass(asdict(i)) for i in self.insertions],
            "recased": [_with_pass(asdict(r)) for r in self.recased],
            "encoding_repairs": [r._asdict() for r in self.encoding_repairs],
            "parts": [asdict(p) for p in self.parts],
        }


def _with_pass(entry: dict) -> dict:
    """An insertion or recasing as JSON: its ``pass_name`` under the key ``"pass"``.

    >>> _with_pass({"offset": 3, "insert": "'", "confidence": 1.0, "pass_name": "lexicon"})
    {'offset': 3, 'insert': "'", 'confidence': 1.0, 'pass': 'lexicon'}
    """
    entry["pass"] = entry.pop("pass_name")
    if entry.get("why", "") is None:
        del entry["why"]
    return entry


def detect_profile(text: str, flattened: bool = True) -> str:
    """Say what damage ``text`` shows: ``empty``, a strip profile, or ``punctuated``.

    Text holding only ASCII letters, digits and spaces (and line breaks, which
    are kept: each line is restored on its own) was stripped (``seed``); if it has
    letters but no capitals it was also lowercased (``lower``). Text that
    also holds non-ASCII letters, tabs or ``_`` but no punctuation is
    ``word``; with non-ASCII punctuation (curly quotes, dashes, symbols) but
    no ASCII punctuation it is ``punct``; each is ``-lower`` when it has
    lowercase letters and no capitals. A replacement character (U+FFFD,
    what ``--errors replace`` writes for a bad byte) counts as a letter.
    Punctuated text with no line break, at least :data:`FLATTENED_MIN`
    characters and three sentence ends is ``newlines`` (when ``flattened``).
    Straight apostrophes and hyphens may be left in (speech recognisers write ``don't`` and
    ``well-known`` but no sentence punctuation): they are kept where they are
    and the rest is restored around them, as are the marks inside numbers
    (``20,000``, ``2.5``, ``$5``, ``50%``) and of initialisms (``u.s.``).
    Anything else is taken as already punctuated (encoding damage is
    repaired before this is asked).

    >>> [detect_profile(t) for t in ["", "Dont go", "dont go", "Don't go.", "42 7"]]
    ['empty', 'seed', 'lower', 'punctuated', 'seed']
    >>> [detect_profile(t) for t in ["i don't know", "a well-known Fact", "it's, fine"]]
    ['lower', 'seed', 'punctuated']
    >>> [detect_profile(t) for t in ["it cost $20,000", "up 2.5% in may", "it cost 5, then"]]
    ['lower', 'lower', 'punctuated']
    >>> [detect_profile(t) for t in ["in the u.s. today", "at 9 a.m. sharp", "at home. then"]]
    ['lower', 'lower', 'punctuated']
    >>> [detect_profile(t) for t in ["its a naïve idea", "Its a na\ufffdve idea", "a\tb_c"]]
    ['word-lower', 'seed', 'word-lower']
    >>> [detect_profile(t) for t in ["“Its” — fine", "its £5", "One. " * 300]]
    ['punct', 'punct-lower', 'newlines']
    """
    if not text.strip():
        return "empty"
    body = _LINE_BREAKS.sub("", text)
    rest = _KEPT_MARKS.sub("", body.replace("\ufffd", ""))
    if is_stripped(rest):
        if _HAS_LETTER.search(text) and not _HAS_UPPER.search(text):
            return "lower"
        return "seed"
    if _ASCII_PUNCT.search(rest):
        if flattened and body == text and _flattened(text):
            return "newlines"
        return "punctuated"
    kind = "punct" if _NOT_WORD.search(rest) else "word"
    if any(c.islower() for c in rest) and not any(c.isupper() for c in rest):
        return kind + "-lower"
    return kind


def _flattened(text: str) -> bool:
    """Long punctuated text of several sentences with no line break."""
    if len(text) < FLATTENED_MIN:
        return False
    return len(_sentence_ends(text)) >= 3


class Restorer:
    """Load a model once, restore many texts.

    ``model`` is a loaded model or a name for :func:`unstrip.models.load_model`
    (``auto``: the learned model shipped in the package, else the baseline).

    ``balance`` drops unmatched quotes and brackets the model was unsure of
    (:func:`unstrip.decode.rules.balance`). ``quotes`` is the style of the quotes
    and apostrophes it inserts (:data:`unstrip.decode.quotes.STYLES`): ``auto``
    writes all of a text's in one style, that of the quotes the text kept
    where it kept any, else that of most of the inserted ones (a ``punct``
    part's insertions stay ASCII: that profile keeps curly marks). ``window``
    is how many characters of stripped text the model sees at once and
    ``context`` how many more it sees on each side of the part whose gaps it
    decides; memory use is bounded by these, not by the input length.
    """

    def __init__(
        self, model="auto", window: int = 8000, context: int = 400, balance: bool = True,
        quotes: str = "auto", vocab: Iterable[str] | None = None, numbers: str = "safe",
    ):
        if window < 4 * context or context < 50:
            raise ValueError("need context >= 50 and window >= 4 * context")
        if quotes not in STYLES:
            raise ValueError(f"unknown quote style {quotes!r}: one of {', '.join(STYLES)}")
        if numbers not in NUMBER_POLICIES:
            raise ValueError(
                f"unknown number policy {numbers!r}: one of {', '.join(NUMBER_POLICIES)}")
        self._model = model
        self.balance = balance
        self.quotes = quotes
        self.numbers = numbers
        self.vocab = list(vocab or ())
        self.window = window
        self.context = context
        self.cues = {"cued": CUED, "uncued": UNCUED, "whole_line": WHOLE_LINE,
                     "exclaim": EXCLAIM}
        """The confidences an inserted quote pair with a cue, one without, one around a
        whole line and a ``!`` need (:func:`unstrip.decode.cues.require_cues`); 0 writes
        them all."""

    @cached_property
    def model(self):
        """The model, loaded on first use: an object, or a name for :func:`load_model`."""
        if isinstance(self._model, (str, Path)):
            return load_model(self._model)
        return self._model

    # -- public API --------------------------------------------------------
    def restore(self, text: str, profile: str = "auto") -> str:
        """Restore one text; see :meth:`explain` for what was done."""
        return self.explain(text, profile).text

    def restore_batch(self, texts: Iterable[str], profile: str = "auto") -> list[str]:
        """Restore many texts with the one loaded model."""
        return [self.restore(t, profile) for t in texts]

    def restore_words(self, words: list, profile: str = "auto") -> list:
        """Restore a list of words (strings, or dicts with a ``"word"`` key), one item out
        for each in; see :func:`unstrip.transcripts.words.restore_words`."""
        from unstrip.transcripts.words import restore_words

        return restore_words(self, words, profile)

    def stream(self, lookahead: int = 8, profile: str = "auto"):
        """A live restorer: ``push(text)`` returns what has become final, ``flush()``
        the rest; see :class:`unstrip.transcripts.stream.Stream`."""
        from unstrip.transcripts.stream import Stream

        return Stream(self, lookahead=lookahead, profile=profile)

    def explain(self, text: str, profile: str = "auto") -> Restoration:
        """Restore ``text`` and say what was inserted, where and how surely.

        >>> r = Restorer().explain("Dont go there")
        >>> r.text, r.profile, [(i.offset, i.insert) for i in r.insertions]
        ("Don't go there.", 'seed', [(3, "'"), (13, '.')])
        >>> r = Restorer().explain("Dont go\\nWe’re not done")
        >>> r.profile, [(p.start, p.end, p.profile) for p in r.parts]
        ('mixed', [(0, 7, 'seed'), (8, 22, 'punct')])
        """
        profile = _check_profile(profile)
        repairs: list[Repair] = []
        if profile in ("auto", "mojibake"):
            text, repairs = fix_encoding_and_explain(text)
        result = Restoration("", "empty", encoding_repairs=repairs)
        pieces: list[str] = []
        tally = [0.0] * 4  # quote styles so far (unstrip.decode.quotes.style_votes)
        repaired = _repaired_positions(repairs)

        def decide(pos: int, part: str, flat: bool) -> str:
            return _decide(part, profile, flat,
                           any(pos <= at < pos + len(part) for at in repaired))

        for pos, part, kind, lines in _blocks(_parts([text]), decide):
            for line_pos, line, line_kind in lines:
                if line_kind != "empty":
                    result.parts.append(Part(line_pos, line_pos + len(line), line_kind))
            if kind in RESTORED_PROFILES:
                for base, core, ins, conf, kept, case_conf, by in self._predict_lines(
                    part, kind, tally
                ):
                    pieces.append(_render(ins, kept))
                    ins_by, case_by, why = by or (None, None, {})
                    for k, ins_k in enumerate(ins):
                        if ins_k:
                            result.insertions.append(Insertion(
                                pos + base + k, ins_k, round(conf[k], 4),
                                ins_by[k] or None if ins_by else None, why.get(k)))
                    for k, (a, b) in enumerate(zip(core, kept, strict=False)):
                        if a != b:
                            sure = 1.0 if case_conf is None else case_conf[k]
                            result.recased.append(Recase(
                                pos + base + k, b, sure, case_by[k] or None if case_by else None))
            elif kind == "newlines":
                breaks = paragraph_breaks(part)
                pieces.append(_with_breaks(part, breaks))
                result.recased.extend(Recase(pos + i, "\n\n", round(p, 4), "paragraphs")
                                      for i, p in breaks)
            else:
                pieces.append(part)
        kinds = {p.profile for p in result.parts}
        result.profile = kinds.pop() if len(kinds) == 1 else ("mixed" if kinds else "empty")
        result.text = "".join(pieces)
        return result

    def restore_stream(self, chunks: Iterable[str], profile: str = "auto") -> Iterator[str]:
        """Restore text that arrives in pieces, yielding the output in pieces.

        The input is read a line at a time (a line longer than
        :data:`PART_CHARS` in pieces of that size, cut at spaces); under
        ``auto`` the damage of each is judged on its own, after its encoding
        is repaired, and an explicit profile is obeyed everywhere. Memory
        stays bounded by the part and window sizes.

        >>> "".join(Restorer("baseline").restore_stream(["The groups lea", "der said dont go"]))
        "The groups leader said don't go."
        """
        profile = _check_profile(profile)
        repair = profile in ("auto", "mojibake")
        tally = [0.0] * 4

        def repaired_parts():
            for pos, part, flat in _parts(chunks):
                if flat is not None and repair and not part.isascii():
                    fixed = fix_encoding(part)
                    yield pos, fixed, (flat, fixed != part)
                else:
                    yield pos, part, flat

        def decide(pos: int, part: str, flat) -> str:
            flat, fixed = flat if isinstance(flat, tuple) else (flat, False)
            return _decide(part, profile, flat, fixed)

        for _, part, kind, _ in _blocks(repaired_parts(), decide):
            if kind in RESTORED_PROFILES:
                for _, _, ins, _, kept, _, _ in self._predict_lines(part, kind, tally):
                    yield _render(ins, kept)
            elif kind == "newlines":
                yield _with_breaks(part, paragraph_breaks(part))
            else:
                yield part

    # -- windows -----------------------------------------------------------
    def _pairs(self, text: str, kind: str) -> Counter | None:
        """The neighbouring words of a whole cased document, for a model whose
        word forms look at them (:func:`unstrip.decode.wordcontext.possessive_echo`), else None.

        A window of :attr:`window` characters sees only part of a long
        document; ``Islamic State`` written bare in one part still makes
        ``Islamic States`` in another a possessive. Lowercased input has no
        names to count until the model has recased it, window by window.
        """
        context = getattr(self.model, "word_context", None)
        if kind != "seed" or context is None or not context.echo:
            return None
        return text_pairs(text)

    def _predict_windows(self, chunks: Iterable[str], kind: str, pairs: Counter | None = None,
                         tally: list[float] | None = None, breaks: frozenset[int] = frozenset()):
        """Yield ``(offset, core, insertions, confidences, kept, case_confidences, passes)``
        per core, ``passes`` being ``(per gap, per character)`` pass names or None.

        ``kind`` is the strip profile the text was damaged by.
        ``insertions[k]`` belongs before ``core[k]``; the last core of each
        line carries one more, for the gap at the end of the line. Line
        breaks are kept as they are and bound the model's view: each line is
        restored as a text of its own. ``pairs`` (:meth:`_pairs`) goes to
        the model with every window. ``tally`` holds the quote styles of the
        cores restored so far (:func:`unstrip.decode.quotes.style_votes`), so
        that one text keeps one style across windows and lines; each core
        adds its own.
        ``breaks`` are offsets of spaces that stand for line breaks
        (:meth:`_predict_lines`): quote cues read them as line ends.
        """
        tally = [0.0] * 4 if tally is None else tally
        buf = ""
        done = 0  # chars of buf already emitted (kept as left context)
        base = 0  # absolute offset of buf[0]
        it = iter(chunks)
        final = False
        line_start = True
        cased = kind not in LOWERED_PROFILES
        while True:
            while not final and len(buf) - done < self.window + self.context and not (
                _LINE_BREAKS.search(buf, done)
            ):
                try:
                    buf += next(it)
                except StopIteration:
                    final = True
            brk = _LINE_BREAKS.search(buf, done)
            limit = brk.start() if brk else len(buf)
            if (brk or final) and limit - done <= self.window:
                end = win_end = limit
            else:
                end = _cut(buf, done + self.window - self.context, done + self.window // 2)
                win_end = min(_cut(buf, end + self.context, end + 1), limit)
            pred = _predict_kind(self.model, buf[:win_end], kind, pairs)
            last = end == limit and (brk is not None or final)
            stop = end + 1 if last else end
            core = buf[done:end]
            styled, style = pred.insertions, self.quotes
            if style == "auto":
                ahead = style_votes(buf[:win_end], pred.insertions, pred.confidence)
                style = choose_style([a + b for a, b in zip(tally, ahead, strict=True)])
                seen = style_votes(core, pred.insertions[done:stop], pred.confidence[done:stop])
                tally[:] = [a + b for a, b in zip(tally, seen, strict=True)]
            if style != "asis" and not kind.startswith("punct"):
                # punct keeps curly marks: its insertions stay ASCII
                styled = harmonize(buf[:win_end], pred.insertions, style)
            balanced = balance(styled, pred.confidence) if self.balance else styled
            shown = buf[:win_end]
            if breaks:
                shown = "".join("\n" if base + k in breaks else ch for k, ch in enumerate(shown))
            balanced, reasons = require_cues(
                shown, balanced, pred.confidence, line_start=line_start,
                line_end=win_end == limit and (brk is not None or final), **self.cues)
            # Whatever the model (the count baseline, the learned decoder, any
            # object with ``predict``): insertions hold only what seed deletes.
            ins = strip_seed_complements(balanced[done:stop])
            # A text neither starts nor ends with a line break it did not have.
            if line_start and ins:
                ins[0] = ins[0].lstrip()
            if last and ins:
                ins[-1] = ins[-1].rstrip()
            line_start = False
            kept = _safe_kept(core, pred.kept[done:end], cased)
            case_conf = None if pred.case_confidence is None else pred.case_confidence[done:end]
            by = None
            if pred.passes is not None and pred.case_passes is not None:
                by = (pred.passes[done:stop], pred.case_passes[done:end],
                      {g - done: r for g, r in reasons.items() if done <= g < stop})
            yield base + done, core, ins, pred.confidence[done:stop], kept, case_conf, by
            if last and brk is None:
                return
            if last:
                br = brk.group()
                yield base + brk.start(), br, [""] * len(br), [1.0] * len(br), br, None, None
                trim = brk.end()
                done = 0
                line_start = True
            else:
                trim = _cut(buf, end - self.context, 0) if end > self.context else 0
                done = end - trim
            buf = buf[trim:]
            base += trim


    def _predict_lines(self, text: str, kind: str, tally: list[float]):
        """:meth:`_predict_windows` over ``text`` whose lines are read as one text.

        A chat log, a transcript a turn per line or captions hold many short
        lines; alone, each is a text with no context (a question in one turn
        shapes the answer in the next). Each run of line breaks is shown to
        the network as one space, and the yielded cores are in ``text``'s
        offsets again, with every line break kept where it was and nothing
        inserted inside a run of breaks.
        """
        runs = [(m.start(), m.group()) for m in _LINE_BREAKS.finditer(text)]
        if not runs:
            yield from self._predict_windows([text], kind, self._pairs(text, kind), tally)
            return
        joined, starts, pos = [], [], 0
        for at, run in runs:
            joined.append(text[pos:at])
            starts.append(sum(map(len, joined)))
            joined.append(" ")
            pos = at + len(run)
        joined.append(text[pos:])
        flat = "".join(joined)
        run_at = dict(zip(starts, (r for _, r in runs), strict=True))
        shift = [0] * (len(flat) + 1)  # offset in text of each offset of flat
        extra = 0
        for j in range(len(flat) + 1):
            shift[j] = j + extra
            if j in run_at:
                extra += len(run_at[j]) - 1
        for base, core, ins, conf, kept, case_conf, by in self._predict_windows(
            [flat], kind, self._pairs(flat, kind), tally, frozenset(run_at)
        ):
            yield _expand_runs(base, core, ins, conf, kept, case_conf, by, run_at, shift)


def _expand_runs(base, core, ins, conf, kept, case_conf, by, run_at: dict[int, str],
                 shift: list[int]):
    """One core of a text whose line-break runs were read as single spaces
    (:meth:`Restorer._predict_lines`), put back in the text's own offsets.

    >>> _expand_runs(0, "a b", [".", "", "?", "!"], [1.0] * 4, "A B", None, None,
    ...              {1: "\\n\\n"}, [0, 1, 3, 4])
    (0, 'a\\n\\nb', ['.', '', '', '?', '!'], [1.0, 1.0, 1.0, 1.0, 1.0], 'A\\n\\nB', None, None)
    """
    out_ins, out_conf, out_kept, out_core = [], [], [], []
    out_case = None if case_conf is None else []
    ins_by, case_by, why = by if by is not None else (None, None, {})
    out_ins_by = None if ins_by is None else []
    out_case_by = None if case_by is None else []
    out_why = {}
    after_run = False
    for k, ch in enumerate(core):
        j = base + k
        s = ins[k]
        if after_run:
            s = s.lstrip()
        run = run_at.get(j)
        if run is not None:
            s = s.rstrip()
        if k in why:
            out_why[len(out_ins)] = why[k]
        out_ins.append(s.replace("\n", "").replace("\r", "") if run or after_run else s)
        out_conf.append(conf[k])
        if out_ins_by is not None:
            out_ins_by.append(ins_by[k])
        if run is None:
            out_core.append(ch)
            out_kept.append(kept[k])
            if out_case is not None:
                out_case.append(case_conf[k])
            if out_case_by is not None:
                out_case_by.append(case_by[k])
            after_run = False
            continue
        out_core.append(run)
        out_kept.append(run)
        out_ins.extend([""] * (len(run) - 1))
        out_conf.extend([1.0] * (len(run) - 1))
        if out_ins_by is not None:
            out_ins_by.extend([""] * (len(run) - 1))
        if out_case is not None:
            out_case.extend([1.0] * len(run))
        if out_case_by is not None:
            out_case_by.extend([""] * len(run))
        after_run = True
    if len(ins) > len(core):
        s = ins[len(core)]
        if after_run:
            s = s.lstrip().replace("\n", "").replace("\r", "")
        if len(core) in why:
            out_why[len(out_ins)] = why[len(core)]
        out_ins.append(s)
        out_conf.append(conf[len(core)])
        if out_ins_by is not None:
            out_ins_by.append(ins_by[len(core)])
    new_by = None if by is None else (out_ins_by, out_case_by, out_why)
    return (shift[base], "".join(out_core), out_ins, out_conf, "".join(out_kept), out_case,
            new_by)


def _predict_around_marks(model, text: str, cased: bool, pairs: Counter | None = None
                          ) -> Prediction:
    """The model's prediction for ``text``, which may still hold marks (:data:`_KEPT_MARKS`).

    The model reads the text without them; its insertions land at the gaps
    where the input had no mark, and the marks stay as they were, so the
    input is always a subsequence of the output. The prediction is indexed
    by the gaps and characters of ``text`` itself.

    >>> from unstrip.baseline import BaselineModel
    >>> p = _predict_around_marks(BaselineModel.load(), "i don't know its wellknown", False)
    >>> p.kept[:7], p.insertions[5:7], p.insertions[21]  # no insertion beside a kept mark
    ("I don't", ['', ''], '-')
    >>> _render(p.insertions, p.kept)
    "I don't know its well-known"
    """
    extra = {} if pairs is None else {"pairs": pairs}
    if _KEPT_MARKS.search(text) is None:
        return model.predict(text, cased=cased, **extra)
    marks = {m.start() for m in _KEPT_MARKS.finditer(text)}
    at = [i for i in range(len(text)) if i not in marks]
    bare = model.predict("".join(text[i] for i in at), cased=cased, **extra)
    ins = [""] * (len(text) + 1)
    conf = [1.0] * (len(text) + 1)
    kept = list(text)
    case_conf = None if bare.case_confidence is None else [1.0] * len(text)
    by, case_by = _no_passes(bare, len(text))
    prev = -1
    for g, i in enumerate([*at, len(text)]):
        if i == prev + 1:  # no mark in this gap: the model decides it
            ins[i], conf[i] = bare.insertions[g], bare.confidence[g]
            if by is not None:
                by[i] = bare.passes[g]
        if i < len(text):
            kept[i] = bare.kept[g]
            if case_conf is not None:
                case_conf[i] = bare.case_confidence[g]
            if case_by is not None:
                case_by[i] = bare.case_passes[g]
        prev = i
    return Prediction(ins, conf, "".join(kept), case_conf, by, case_by)


def _no_passes(pred: Prediction, n: int) -> tuple[list[str] | None, list[str] | None]:
    """Empty pass names for a text of ``n`` characters, where ``pred`` has them (else None)."""
    return (None if pred.passes is None else [""] * (n + 1),
            None if pred.case_passes is None else [""] * n)


def _predict_kind(model, text: str, kind: str, pairs: Counter | None = None) -> Prediction:
    """The model's prediction for one line ``text`` damaged by the strip profile ``kind``.

    Text of ASCII letters, digits and spaces (with the marks speech style
    keeps) goes to the network as it is; anything else through
    :func:`_model_view`. Insertions hold only characters ``kind`` deletes.
    """
    cased = kind not in LOWERED_PROFILES
    if kind in ("seed", "lower") and is_stripped(_KEPT_MARKS.sub("", text)):
        return _predict_around_marks(model, text, cased, pairs)
    view, first, last = _model_view(text, "X" if cased else "x")
    bare = model.predict(view, cased=cased)
    n = len(text)
    ins = [""] * (n + 1)
    conf = [1.0] * (n + 1)
    kept = list(text)
    case_conf = None if bare.case_confidence is None else [1.0] * n
    by, case_by = _no_passes(bare, n)
    for j in range(len(view) + 1):
        left = last[j - 1] if j else -1
        right = first[j] if j < len(view) else n
        s = _allowed(bare.insertions[j], kind)
        if s and "\ufffd" in text[max(0, left) : right + 1]:
            s = "".join(c for c in s if not c.isalnum())  # the bad byte may be that letter
        if right == left + 1:
            if s:
                ins[right], conf[right] = s, bare.confidence[j]
                if by is not None:
                    by[right] = bare.passes[j]
        elif right > left + 1 and s:
            for g, piece in _spread(s, text[left + 1 : right], left + 1).items():
                ins[g], conf[g] = piece, bare.confidence[j]
                if by is not None:
                    by[g] = bare.passes[j]
        if j == len(view):
            break
        i = first[j]
        c = text[i]
        if c in _ASCII_KEPT:
            kept[i] = bare.kept[j]
        elif len(_fold(c)) == 1 and bare.kept[j] != view[j]:
            want = c.upper() if bare.kept[j].isupper() else c.lower()
            if len(want) == 1:
                kept[i] = want
        if case_conf is not None:
            case_conf[i] = bare.case_confidence[j]
        if case_by is not None:
            case_by[i] = bare.case_passes[j]
    return Prediction(ins, conf, "".join(kept), case_conf, by, case_by)


@lru_cache(maxsize=4096)
def _fold(ch: str) -> str:
    """The ASCII letters and digits a non-ASCII letter or digit reads as ('' if none).

    >>> _fold("é"), _fold("Ü"), _fold("ß"), _fold("東")
    ('e', 'U', 'ss', '')
    """
    if ch in _FOLD_EXTRA:
        return _FOLD_EXTRA[ch]
    out = "".join(c for c in unicodedata.normalize("NFKD", ch) if c in _ASCII_KEPT and c != " ")
    return out if len(out) <= 3 else ""


def _model_view(text: str, placeholder: str = "x") -> tuple[str, list[int], list[int]]:
    """The text as the network knows it, and where each of its characters came from.

    ASCII letters, digits and spaces stay; other whitespace (tabs) reads as a
    space; a non-ASCII letter reads as its ASCII fold (``é`` as ``e``), a run
    of letters with none (``東京``, or a U+FFFD at a word's start) as one
    ``placeholder`` (``X`` for cased text, as a name reads), a combining
    mark or U+FFFD after a letter as part of that letter;
    punctuation, symbols, emoji and ``_`` are not shown, as the seed profile
    would have deleted them. Character ``j`` of the view stands for
    ``text[first[j] : last[j] + 1]``.

    >>> view, first, last = _model_view("“Zürich’s” 東京\\tcafé")
    >>> view, first[:3], (first[8], last[8])
    ('Zurichs x cafe', [1, 2, 3], (11, 12))
    """
    view: list[str] = []
    first: list[int] = []
    last: list[int] = []
    run = False  # the last view character is an ``x`` for letters with no fold
    for i, c in enumerate(text):
        if c in _ASCII_KEPT or c.isspace():
            view.append(c if c in _ASCII_KEPT else " ")
            first.append(i)
            last.append(i)
            run = False
            continue
        attached = bool(view) and last[-1] == i - 1 and view[-1] != " "
        cat = unicodedata.category(c)
        if cat[0] == "M" or (c == "\ufffd" and attached):
            if attached:
                last[-1] = i
            continue
        if cat[0] in "LN" or c == "\ufffd":
            folded = _fold(c)
            if folded:
                view.extend(folded)
                first.extend([i] * len(folded))
                last.extend([i] * len(folded))
                run = False
            elif run and attached:
                last[-1] = i
            else:
                view.append(placeholder)
                first.append(i)
                last.append(i)
                run = True
            continue
        run = False
    return "".join(view), first, last


def _allowed(insertion: str, kind: str) -> str:
    """The part of an insertion that the profile ``kind`` deletes (so may have been there).

    >>> _allowed("’,\\n\\n“", "punct"), _allowed("’,\\n\\n“", "word"), _allowed("_", "word")
    ('\\',"', '’,“', '')
    """
    if not insertion:
        return insertion
    if kind.startswith("punct"):
        return "".join(c for c in insertion.translate(_TO_ASCII) if c in _PUNCT_OK)
    if kind.startswith("word"):
        return "".join(c for c in insertion if _NOT_WORD.match(c))
    return insertion


def _spread(insertion: str, region: str, gap: int) -> dict[int, str]:
    """Place an insertion the network made where the input kept marks it did not see.

    ``region`` (the kept characters) lies between gaps ``gap`` and
    ``gap + len(region)``. When the region's marks are in the insertion
    (curly and straight quotes, dashes and hyphens alike), what lies between
    them goes in the gaps between; else an insertion beside only closing or
    only opening marks goes before them (``fine,”``, ``said, “``); else none.

    >>> _spread(',"', "”", 5), _spread(",", "”", 5), _spread(".", "—", 5)
    ({5: ','}, {5: ','}, {})
    >>> _spread("--", "—", 5), _spread(",--", "—", 5), _spread("-", "-", 5)
    ({}, {5: ','}, {})
    """
    marks = insertion.translate(_SAME_MARK)
    out: dict[int, str] = {}
    pos = 0
    for k, r in enumerate(region):
        at = marks.find(r.translate(_SAME_MARK), pos)
        if at < 0:
            if all(c in _CLOSING for c in region) or all(c in _OPENING for c in region):
                return {gap: insertion}
            return {}
        if at > pos:
            out[gap + k] = insertion[pos:at]
        pos = at + 1
        if r in _DASHES:
            # A dash reads as ``--`` in ASCII (the court transcripts' dash): the
            # whole run is that one dash, not a dash and a hyphen beside it.
            while pos < len(marks) and marks[pos] == "-":
                pos += 1
    if pos < len(insertion):
        out[gap + len(region)] = insertion[pos:]
    return out


def _decide(part: str, profile: str, flat: bool, repaired: bool = False) -> str:
    """The damage a part is treated as: the caller's profile, or under ``auto`` what it shows.

    A part whose encoding was repaired and that then shows only the marks a
    writer types beyond ASCII (curly quotes, dashes) was damaged by its
    encoding alone: it was written with punctuation, and gets only the repair.

    >>> _decide("don’t", "auto", False, repaired=True), _decide("don’t", "auto", False)
    ('punctuated', 'punct-lower')
    """
    if not part.strip():
        return "empty"
    if profile in ("auto", "mojibake"):
        kind = detect_profile(part, flattened=flat)
        if repaired and kind.startswith(("punct", "word")):
            return "punctuated"
        return kind
    return profile


def _repaired_positions(repairs: list[Repair]) -> list[int]:
    """Where each encoding repair's result starts in the repaired text.

    >>> _repaired_positions([Repair("decode", 3, "â€™", "’"), Repair("decode", 9, "Ã©", "é")])
    [3, 7]
    """
    out, shift = [], 0
    for r in repairs:
        out.append(r.position + shift)
        shift += len(r.after) - len(r.before)
    return out


def _blocks(parts: Iterable[tuple[int, str, object]], decide
            ) -> Iterator[tuple[int, str, str, list[tuple[int, str, str]]]]:
    """Group :func:`_parts` into ``(offset, text, kind, lines)``: runs of lines.

    Consecutive lines that ``decide(offset, line, flat)`` gives one restored
    profile are one block with the line breaks between them (up to
    :data:`PART_CHARS` characters), so that each line is restored with its
    neighbours as context; ``lines`` lists each line's ``(offset, line,
    kind)``. A run of line breaks outside a block comes alone with kind
    ``"break"``, any other part alone with its own kind.

    >>> parts = [(0, "hi", False), (2, "\\n", None), (3, "yes", False), (6, "\\n", None)]
    >>> [b[:3] for b in _blocks(parts, lambda pos, part, flat: "lower")]
    [(0, 'hi\\nyes', 'lower'), (6, '\\n', 'break')]
    """
    block: list[tuple[int, str]] = []
    lines: list[tuple[int, str, str]] = []
    kind = ""
    held: tuple[int, str] | None = None  # a break run after the block's last line

    def flush():
        nonlocal block, lines
        if block:
            text = "".join(p for _, p in block)
            yield block[0][0], text, kind, lines
        block, lines = [], []

    for pos, part, flat in parts:
        if flat is None:
            if block and held is None:
                held = (pos, part)
                continue
            yield from flush()
            if held is not None:
                yield held[0], held[1], "break", []
                held = None
            yield pos, part, "break", []
            continue
        this = decide(pos, part, flat)
        size = sum(len(p) for _, p in block) + len(part) + (len(held[1]) if held else 0)
        if (block and held is not None and this == kind and this in RESTORED_PROFILES
                and size <= PART_CHARS):
            block.append(held)
            held = None
        else:
            yield from flush()
            if held is not None:
                yield held[0], held[1], "break", []
                held = None
        if this in RESTORED_PROFILES:
            kind = this
            block.append((pos, part))
            lines.append((pos, part, this))
        else:
            yield pos, part, this, [(pos, part, this)]
    yield from flush()
    if held is not None:
        yield held[0], held[1], "break", []


def _parts(chunks: Iterable[str]) -> Iterator[tuple[int, str, bool | None]]:
    """Regroup text chunks into ``(offset, part, flat)``: lines and line breaks.

    A part is a line without its break, or a :data:`PART_CHARS` piece of a
    longer line cut before a space; a run of line breaks comes as its own
    part with ``flat`` None. ``flat`` is True for the parts of the first line
    when nothing but whitespace follows it (a text that may have been
    flattened by ``newlines``).

    >>> list(_parts(["ab\\n", "\\ncd"]))
    [(0, 'ab', False), (2, '\\n\\n', None), (4, 'cd', False)]
    """
    it = iter(chunks)
    buf = ""
    base = 0
    final = False
    first_line = True

    def more() -> bool:
        nonlocal buf, final
        try:
            buf += next(it)
        except StopIteration:
            final = True
        return not final

    while True:
        brk = _LINE_BREAKS.search(buf)
        while brk is None and not final and len(buf) <= PART_CHARS:
            more()
            brk = _LINE_BREAKS.search(buf)
        if brk is not None and brk.end() == len(buf) and not final:
            more()  # the run of breaks may go on in the next chunk
            continue
        if (len(buf) > PART_CHARS if brk is None else brk.start() > PART_CHARS):
            cut = buf.rfind(" ", 1, PART_CHARS)
            cut = cut if cut > 0 else PART_CHARS
            yield base, buf[:cut], first_line
            buf, base = buf[cut:], base + cut
            continue
        if brk is None:
            if buf:
                yield base, buf, first_line
            return
        if first_line:
            while not final and not buf[brk.end():].strip():
                more()
            first_line = not buf[brk.end():].strip()
        if brk.start():
            yield base, buf[: brk.start()], first_line
        yield base + brk.start(), brk.group(), None
        buf, base = buf[brk.end():], base + brk.end()
        first_line = False


# A sentence end followed by a single space and a capital, digit or opening mark.
_SENTENCE_END = re.compile(r"(?<=[.?!])[\"'”’)\]]*( )(?=[\"“‘(\[]?[A-Z0-9])")
_PARAGRAPH_WEIGHTS = (
    -4.1287, 0.0514, 1.0316, 0.4142, -1.1886, -0.9122, -1.0893, -0.9386, 0.3998, 1.4841, 1.2821,
    -0.1282, -0.9009, -0.9524, -0.3843, 1.0668, 1.1457, -0.8629, 0.221, 0.215, -2.1477, 1.8215,
    -4.8962,
)
"""Logistic weights of :func:`_paragraph_features`, fitted on 4,000 train-split news
documents (36,696 sentence ends, 35% of them paragraph ends) by
``python benchmarks/profiles_quality.py --fit-paragraphs 4000``."""
PARAGRAPH_THRESHOLD = 0.5
"""Chosen on the news ``tune`` part: paragraph P / R / F1 0.776 / 0.595 / 0.674 there."""
# Newswire datelines: ``TOKYO, June 29 - `` opens a text of short paragraphs; a
# ``(Reuters) -`` near the start one whose body is a single paragraph.
_DATELINE = re.compile(r"[A-Z][A-Za-z .'-]*, [A-Z][a-z]+ \d{1,2} - ")
_SAID = ("said", "says", "added", "told")


def _sentence_ends(text: str) -> list[int]:
    return [m.start(1) for m in _SENTENCE_END.finditer(text) if not text[m.start(1) - 1].isspace()]


def _paragraph_features(text: str, ends: list[int], k: int, last: int, count: int) -> list[float]:
    """Features of sentence end ``k``: lengths around it, how it ends, the paragraph so
    far, and the newswire style of the text (:data:`_DATELINE`)."""
    i = ends[k]
    prev = ends[k - 1] if k else -1
    nxt = ends[k + 1] if k + 1 < len(ends) else len(text)
    cur, following, since = i - prev, nxt - i, i - last
    j = i - 1
    while text[j] in "\"'”’)]":
        j -= 1
    mark = text[j]
    sentence = text[prev + 1 : i]
    return [
        1.0, math.log1p(since), math.log1p(cur), math.log1p(following),
        count == 1, count == 2, count == 3, count >= 4,
        mark == "?", mark == "!", text[i - 1] in "\"”'’", text[i + 1] in "\"“",
        text[i + 1].isdigit(), last < 0, math.log1p(i), nxt == len(text),
        text[max(0, i - 12) : i].rstrip(".?!\"”'’").lower().endswith(_SAID),
        '"' in sentence or "“" in sentence, cur > 200, following > 200, since > 400,
        _DATELINE.match(text) is not None, "(Reuters) -" in text[:400],
    ]


def paragraph_breaks(text: str) -> list[tuple[int, float]]:
    """Where a flattened text most likely had its paragraph breaks.

    Each sentence end followed by one space is scored from left to right by
    a logistic model over the sentence and paragraph lengths around it and
    how the sentence ends (a closing quote, ``said``); where the probability
    is at least :data:`PARAGRAPH_THRESHOLD` the space was a break. Returns
    ``(offset of the space, probability)``.

    >>> text = ("BONN, March 3 - Prices rose on Monday. Traders were surprised. "
    ...         "'It came from nowhere,' one dealer said. Others agreed.")
    >>> [text[i - 6 : i] for i, p in paragraph_breaks(text)]
    [' said.']
    """
    ends = _sentence_ends(text)
    out: list[tuple[int, float]] = []
    last, count = -1, 0
    for k in range(len(ends)):
        count += 1
        z = sum(w * float(f) for w, f in zip(
            _PARAGRAPH_WEIGHTS, _paragraph_features(text, ends, k, last, count), strict=True))
        p = 1.0 / (1.0 + math.exp(-z))
        if p >= PARAGRAPH_THRESHOLD:
            out.append((ends[k], p))
            last, count = ends[k], 0
    return out


def _with_breaks(text: str, breaks: list[tuple[int, float]]) -> str:
    out, at = [], 0
    for i, _ in breaks:
        out += [text[at:i], "\n\n"]
        at = i + 1
    return "".join(out) + text[at:]


def _render(ins: list[str], kept: str) -> str:
    """The output text: ``ins[k]`` before ``kept[k]``, and a last insertion after
    the last character if ``ins`` has one more.

    >>> _render(["", "", "'", "."], "its")
    "it's."
    """
    n = len(kept)
    if len(ins) < n:
        raise ValueError(f"{len(ins)} insertions for {n} kept characters")
    out = [""] * (2 * n)
    out[0::2] = ins[:n]
    out[1::2] = kept
    if len(ins) > n:
        out.append(ins[-1])
    return "".join(out)


def _safe_kept(core: str, kept: str, cased: bool) -> str:
    """The model's casing of ``core``, keeping only changes the profile allows."""
    if cased or kept == core:
        return core
    if len(kept) != len(core):
        return core
    return "".join(k if k.lower() == c else c for c, k in zip(core, kept, strict=True))


def _cut(buf: str, at: int, floor: int) -> int:
    """A cut point at a space at or before ``at`` (not before ``floor``)."""
    at = min(at, len(buf))
    sp = buf.rfind(" ", floor, at)
    return sp if sp > 0 else at


def _check_profile(profile: str) -> str:
    if profile not in PROFILE_CHOICES:
        raise ValueError(
            f"unknown profile {profile!r}; choose one of: {', '.join(PROFILE_CHOICES)}"
        )
    return profile


_DEFAULT: Restorer | None = None


def restore(text: str, profile: str = "auto") -> str:
    """Restore ``text`` with a shared default :class:`Restorer`.

    >>> restore("Its 20000 dollars")
    "It's 20,000 dollars."
    """
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Restorer()
    return _DEFAULT.restore(text, profile)
