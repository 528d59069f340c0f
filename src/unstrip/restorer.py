"""The Restorer: damaged text in, the text as written out.

One object holds the loaded model and restores any number of texts; the CLI,
batch engine and server are thin shells over it. It decides what damage the
input shows (the ``auto`` profile) line by line, repairs broken encoding
first, then asks the model for the insertion at every gap of stripped text,
in overlapping windows so that input of any length runs in bounded memory.

The steps each have a module: :mod:`unstrip.text.damage` says what damage a
line shows, :mod:`unstrip.text.ascii_view` shows the network the text as it
was trained to read it, :mod:`unstrip.decode.predict` asks it, the passes of
:mod:`unstrip.decode` choose the marks, and :mod:`unstrip.decode.paragraphs`
puts back paragraph breaks; this module assembles lines, windows and the
result.

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

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path

from unstrip.decode.cues import (
    CUED,
    EXCLAIM,
    SHORT_CUED,
    SHORT_UNCUED,
    UNCUED,
    WHOLE_LINE,
    join_broken_words,
    require_cues,
    uncap_dropped_quotes,
)
from unstrip.decode.number_policy import apply_number_policy
from unstrip.decode.paragraphs import paragraph_breaks, with_breaks
from unstrip.decode.predict import predict_kind
from unstrip.decode.prediction import strip_seed_complements
from unstrip.decode.quotes import STYLES, choose_style, harmonize, style_votes
from unstrip.decode.rules import balance
from unstrip.decode.wordcontext import text_pairs
from unstrip.models import load_model
from unstrip.text.damage import (
    PROFILE_CHOICES,
    RESTORED_PROFILES,
    decide_damage,
    detect_profile,
    repaired_positions,
    sentence_ends,
)
from unstrip.text.encoding import Repair, fix_encoding, fix_encoding_and_explain
from unstrip.text.profiles import LOWERED_PROFILES

__all__ = [
    "Insertion", "Part", "Restoration", "Restorer", "detect_profile", "restore", "PROFILE_CHOICES",
    "NUMBER_POLICIES", "RESTORED_PROFILES",
]


NUMBER_POLICIES = ("keep", "safe", "guess")
"""How sure a mark that changes a number's value must be: ``keep`` writes none
(grouping commas only), ``safe`` only with evidence that holds across domains,
``guess`` whatever the network prefers."""


PART_CHARS = 65536
"""``auto`` decides the damage per line, and per this many characters of a longer line."""


_LINE_BREAKS = re.compile(r"[\n\r]+")


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

    ``vocab`` lists written forms to prefer (``TED``, ``iPhone``), each used
    only where damaging it gives the input's word
    (:mod:`unstrip.decode.vocabulary`). ``numbers`` is how sure a mark that
    changes a number's value must be (:data:`NUMBER_POLICIES`).
    ``paragraphs`` breaks a long restored line (:data:`PARAGRAPH_MIN_SENTENCES`
    sentences or more) into paragraphs: the space
    after a sentence end may become ``\n\n`` (a ``recased`` entry, as under
    the ``newlines`` profile), by :func:`unstrip.decode.paragraphs.paragraph_breaks`.
    ``line_context`` restores consecutive lines of one profile as one text,
    each keeping its line break (:meth:`_predict_lines`); off, each line is a
    text of its own. The shipped network was trained on paragraphs, not on
    turns joined by a space: whole conversations of the conversation tune
    set, a turn per line, score marks micro-F1 0.720 with it and 0.755
    without (lowercased; 0.803 and 0.813 stripped; model en-2026.12.1,
    ``benchmarks/families.py --line-context``), so it is off by default.
    """

    def __init__(
        self, model="auto", window: int = 8000, context: int = 400, balance: bool = True,
        quotes: str = "auto", vocab: Iterable[str] | None = None, numbers: str = "safe",
        paragraphs: bool = False, line_context: bool = False,
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
        self.paragraphs = paragraphs
        self.line_context = line_context
        self.vocab = list(vocab or ())
        self.window = window
        self.context = context
        self.cues = {"cued": CUED, "short_line": SHORT_CUED, "uncued": UNCUED,
                     "short_uncued": SHORT_UNCUED, "whole_line": WHOLE_LINE, "exclaim": EXCLAIM}
        """The confidences an inserted quote pair with a cue (in a long line, in a short
        one), one without (likewise), one around a whole line and a ``!`` need
        (:func:`unstrip.decode.cues.require_cues`); 0 writes them all."""

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
        numbers: dict = {}  # the text's number style so far (apply_number_policy)
        repaired = repaired_positions(repairs)

        def decide(pos: int, part: str, flat: bool) -> str:
            return decide_damage(part, profile, flat,
                           any(pos <= at < pos + len(part) for at in repaired))

        for pos, part, kind, lines in _blocks(_parts([text]), decide, self.line_context):
            for line_pos, line, line_kind in lines:
                if line_kind != "empty":
                    result.parts.append(Part(line_pos, line_pos + len(line), line_kind))
            if kind in RESTORED_PROFILES:
                block: list[str] = []
                spaces: dict[int, int] = {}  # output offset in the block -> input offset
                for base, core, ins, conf, kept, case_conf, by in self._predict_lines(
                    part, kind, tally, numbers
                ):
                    if self.paragraphs:
                        start = sum(map(len, block))
                        spaces.update((at, pos + base + k)
                                      for at, k in _kept_spaces(start, ins, kept))
                    block.append(_render(ins, kept))
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
                restored = "".join(block)
                if self.paragraphs and "\n" not in part:
                    breaks = _user_breaks(restored, kind, spaces)
                    restored = with_breaks(restored, breaks)
                    result.recased.extend(Recase(spaces[i], "\n\n", round(p, 4), "paragraphs")
                                          for i, p in breaks)
                pieces.append(restored)
            elif kind == "newlines":
                breaks = paragraph_breaks(part)
                pieces.append(with_breaks(part, breaks))
                result.recased.extend(Recase(pos + i, "\n\n", round(p, 4), "paragraphs")
                                      for i, p in breaks)
            else:
                pieces.append(part)
        kinds = {p.profile for p in result.parts}
        result.profile = kinds.pop() if len(kinds) == 1 else ("mixed" if kinds else "empty")
        result.text = "".join(pieces)
        if self.vocab:
            from unstrip.decode.vocabulary import apply_vocabulary

            result = apply_vocabulary(text, result, self.vocab)
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
        numbers: dict = {}

        def repaired_parts():
            for pos, part, flat in _parts(chunks):
                if flat is not None and repair and not part.isascii():
                    fixed = fix_encoding(part)
                    yield pos, fixed, (flat, fixed != part)
                else:
                    yield pos, part, flat

        def decide(pos: int, part: str, flat) -> str:
            flat, fixed = flat if isinstance(flat, tuple) else (flat, False)
            return decide_damage(part, profile, flat, fixed)

        for _, part, kind, _ in _blocks(repaired_parts(), decide, self.line_context):
            if kind in RESTORED_PROFILES and self.paragraphs and "\n" not in part:
                block, spaces = [], set()
                for _, _, ins, _, kept, _, _ in self._predict_lines(part, kind, tally, numbers):
                    start = sum(map(len, block))
                    spaces.update(at for at, _ in _kept_spaces(start, ins, kept))
                    block.append(_render(ins, kept))
                restored = "".join(block)
                yield with_breaks(restored, _user_breaks(restored, kind, spaces))
            elif kind in RESTORED_PROFILES:
                for _, _, ins, _, kept, _, _ in self._predict_lines(part, kind, tally,
                                                                     numbers):
                    yield _render(ins, kept)
            elif kind == "newlines":
                yield with_breaks(part, paragraph_breaks(part))
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
                         tally: list[float] | None = None, breaks: frozenset[int] = frozenset(),
                         numbers: dict | None = None):
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
        ``numbers`` holds the text's number style so far, for
        :func:`unstrip.decode.number_policy.apply_number_policy` under the
        policy :attr:`numbers`.
        """
        tally = [0.0] * 4 if tally is None else tally
        numbers = {} if numbers is None else numbers
        buf = ""
        done = 0  # chars of buf already emitted (kept as left context)
        base = 0  # absolute offset of buf[0]
        it = iter(chunks)
        final = False
        line_start = True
        cased = kind not in LOWERED_PROFILES
        # lowercased input: a dropped quote's capital goes by the lexicon's casing
        lexicon = None if cased else getattr(self.model, "lexicon", None)
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
            pred = predict_kind(self.model, buf[:win_end], kind, pairs)
            pred = apply_number_policy(buf[:win_end], pred, self.numbers, numbers)
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
            before_cues = balanced
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
            entire_line = line_start and last
            line_start = False
            kept = _safe_kept(core, pred.kept[done:end], cased)
            if entire_line:  # the line is this one core
                ins, kept = join_broken_words(core, ins, kept)
            if lexicon:
                kept = uncap_dropped_quotes(core, before_cues[done:stop], ins, kept, lexicon)
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


    def _predict_lines(self, text: str, kind: str, tally: list[float],
                       numbers: dict | None = None):
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
            yield from self._predict_windows([text], kind, self._pairs(text, kind), tally,
                                             numbers=numbers)
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
            [flat], kind, self._pairs(flat, kind), tally, frozenset(run_at), numbers
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


def _blocks(parts: Iterable[tuple[int, str, object]], decide, join: bool = True
            ) -> Iterator[tuple[int, str, str, list[tuple[int, str, str]]]]:
    """Group :func:`_parts` into ``(offset, text, kind, lines)``: runs of lines.

    Consecutive lines that ``decide(offset, line, flat)`` gives one restored
    profile are one block with the line breaks between them (up to
    :data:`PART_CHARS` characters), so that each line is restored with its
    neighbours as context; ``lines`` lists each line's ``(offset, line,
    kind)``. A run of line breaks outside a block comes alone with kind
    ``"break"``, any other part alone with its own kind. With ``join`` False
    every line is a block of its own.

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
        if (join and block and held is not None and this == kind and this in RESTORED_PROFILES
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


PARAGRAPH_MIN_SENTENCES = 4
"""A restored line is broken into paragraphs (``paragraphs=True``) from this many
sentence ends on: a line of chat or a caption stays one line."""


def _kept_spaces(start: int, ins: list[str], kept: str) -> Iterator[tuple[int, int]]:
    """``(offset in the output, k)`` of each space ``kept[k]`` of a core rendered at
    ``start`` (:func:`_render`): the spaces the user gave, not inserted ones.

    >>> list(_kept_spaces(10, ["", ",", "", ""], "a b"))
    [(12, 1)]
    """
    at = start
    for k, ch in enumerate(kept):
        at += len(ins[k])
        if ch == " ":
            yield at, k
        at += 1


def _user_breaks(restored: str, kind: str, spaces) -> list[tuple[int, float]]:
    """The paragraph breaks of a restored line (:func:`paragraph_breaks`) at spaces
    the user gave (``spaces``), in a line of :data:`PARAGRAPH_MIN_SENTENCES` or more."""
    if len(sentence_ends(restored)) < PARAGRAPH_MIN_SENTENCES:
        return []
    return [(i, p) for i, p in paragraph_breaks(restored, _register(kind)) if i in spaces]


def _register(kind: str) -> str:
    """The paragraph model for text damaged by ``kind``: lowercased text is speech."""
    return "speech" if kind in LOWERED_PROFILES else "news"


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
