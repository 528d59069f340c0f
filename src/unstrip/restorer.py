"""The Restorer: damaged text in, the text as written out.

One object holds the loaded model and restores any number of texts; the CLI,
batch engine and server are thin shells over it. It decides what damage the
input shows (the ``auto`` profile), repairs broken encoding first, then asks
the model for the insertion at every gap of stripped text, in overlapping
windows so that input of any length runs in bounded memory.

Whatever the model says, the output keeps every character the user gave:
for stripped input ``strip(restore(x)) == x``, and for lowercased input
``lower(strip(restore(x))) == x``. Insertions are filtered and case changes
checked here, so the guarantee does not depend on the model.

>>> r = Restorer("baseline")  # the default is the learned model
>>> r.restore("The groups leader said dont go")
"The groups leader said don't go."
>>> r.restore("Already punctuated, so left alone.")
'Already punctuated, so left alone.'
>>> r.restore("itâ€™s fixed")
'it’s fixed'
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path

from unstrip.baseline import Prediction, strip_seed_complement
from unstrip.decoding import balance
from unstrip.encoding import Repair, fix_encoding, fix_encoding_and_explain
from unstrip.models import load_model
from unstrip.tokens import is_stripped
from unstrip.wordcontext import text_pairs

__all__ = ["Insertion", "Restoration", "Restorer", "detect_profile", "restore", "PROFILE_CHOICES"]

PROFILE_CHOICES = ("auto", "seed", "lower", "newlines", "mojibake")
"""Profiles a caller may name; ``auto`` detects the damage."""

_HAS_UPPER = re.compile(r"[A-Z]")
_HAS_LETTER = re.compile(r"[A-Za-z]")
_LINE_BREAKS = re.compile(r"[\n\r]+")
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
    first character), with the model's ``confidence`` in it (0..1)."""

    offset: int
    insert: str
    confidence: float


@dataclass(frozen=True)
class Recase:
    """The character at ``offset`` of the (lowercased) input becomes ``to``."""

    offset: int
    to: str
    confidence: float


@dataclass
class Restoration:
    """A restored text with everything that was done to get it.

    ``profile`` is the damage the input was treated as: ``seed``, ``lower``,
    ``punctuated`` (left alone) or ``empty``; ``encoding_repairs`` lists what
    :func:`unstrip.fix_encoding` changed before that. Offsets of insertions
    refer to the text after encoding repair (the same as the input when
    nothing was repaired).
    """

    text: str
    profile: str
    insertions: list[Insertion] = field(default_factory=list)
    recased: list[Recase] = field(default_factory=list)
    encoding_repairs: list[Repair] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "profile": self.profile,
            "insertions": [asdict(i) for i in self.insertions],
            "recased": [asdict(r) for r in self.recased],
            "encoding_repairs": [r._asdict() for r in self.encoding_repairs],
        }


def detect_profile(text: str) -> str:
    """Say what damage ``text`` shows: ``empty``, ``seed``, ``lower`` or ``punctuated``.

    Text holding only ASCII letters, digits and spaces (and line breaks, which
    are kept: each line is restored on its own) was stripped; if it has
    letters but no capitals it was also lowercased. Straight apostrophes and
    hyphens may be left in (speech recognisers write ``don't`` and
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
    """
    if not text.strip():
        return "empty"
    if not is_stripped(_KEPT_MARKS.sub("", _LINE_BREAKS.sub("", text))):
        return "punctuated"
    if _HAS_LETTER.search(text) and not _HAS_UPPER.search(text):
        return "lower"
    return "seed"


class Restorer:
    """Load a model once, restore many texts.

    ``model`` is a loaded model or a name for :func:`unstrip.models.load_model`
    (``auto``: the learned model shipped in the package, else the baseline).

    ``balance`` drops unmatched quotes and brackets the model was unsure of
    (:func:`unstrip.decoding.balance`). ``window`` is how many characters of
    stripped text the model sees at once and ``context`` how many more it sees
    on each side of the part whose gaps it decides; memory use is bounded by
    these, not by the input length.
    """

    def __init__(
        self, model="auto", window: int = 8000, context: int = 400, balance: bool = True
    ):
        if window < 4 * context or context < 50:
            raise ValueError("need context >= 50 and window >= 4 * context")
        self._model = model
        self.balance = balance
        self.window = window
        self.context = context

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

    def explain(self, text: str, profile: str = "auto") -> Restoration:
        """Restore ``text`` and say what was inserted, where and how surely.

        >>> r = Restorer().explain("Dont go")
        >>> r.text, r.profile, [(i.offset, i.insert) for i in r.insertions]
        ("Don't go.", 'seed', [(3, "'"), (7, '.')])
        """
        profile = _check_profile(profile)
        repairs: list[Repair] = []
        if profile in ("auto", "mojibake"):
            text, repairs = fix_encoding_and_explain(text)
        kind = detect_profile(text)
        if profile in ("seed", "lower") and kind in ("seed", "lower"):
            kind = profile
        if kind not in ("seed", "lower"):
            return Restoration(text, kind, encoding_repairs=repairs)
        pieces: list[str] = []
        result = Restoration("", kind, encoding_repairs=repairs)
        for base, core, ins, conf, kept, case_conf in self._predict_windows(
            [text], kind == "seed", self._pairs(text, kind)
        ):
            pieces.append(_render(ins, kept))
            for k, s in enumerate(ins):
                if s:
                    result.insertions.append(Insertion(base + k, s, round(conf[k], 4)))
            for k, (a, b) in enumerate(zip(core, kept, strict=False)):
                if a != b:
                    sure = 1.0 if case_conf is None else case_conf[k]
                    result.recased.append(Recase(base + k, b, sure))
        result.text = "".join(pieces)
        return result

    def restore_stream(self, chunks: Iterable[str], profile: str = "auto") -> Iterator[str]:
        """Restore text that arrives in pieces, yielding the output in pieces.

        The damage is judged from the first 64 KB, and the word pairs that
        make a possessive (:meth:`_pairs`) are counted there. Stripped input is restored
        window by window; anything else has its encoding repaired line by
        line and passes through. Memory stays bounded by the window size.

        >>> "".join(Restorer("baseline").restore_stream(["The groups lea", "der said dont go"]))
        "The groups leader said don't go."
        """
        profile = _check_profile(profile)
        it = iter(chunks)
        head = ""
        for chunk in it:
            head += chunk
            if len(head) >= 65536:
                break
        rest = _chain([head], it)
        kind = detect_profile(head)
        if profile in ("seed", "lower") and kind in ("seed", "lower"):
            kind = profile
        if kind in ("seed", "lower"):
            for _, _, ins, _, kept, _ in self._predict_windows(rest, kind == "seed",
                                                               self._pairs(head, kind)):
                yield _render(ins, kept)
            return
        repair = profile in ("auto", "mojibake")
        for line in _lines(rest):
            yield fix_encoding(line) if repair else line

    # -- windows -----------------------------------------------------------
    def _pairs(self, text: str, kind: str) -> Counter | None:
        """The neighbouring words of a whole cased document, for a model whose
        word forms look at them (:func:`unstrip.wordcontext.possessive_echo`), else None.

        A window of :attr:`window` characters sees only part of a long
        document; ``Islamic State`` written bare in one part still makes
        ``Islamic States`` in another a possessive. Lowercased input has no
        names to count until the model has recased it, window by window.
        """
        context = getattr(self.model, "word_context", None)
        if kind != "seed" or context is None or not context.echo:
            return None
        return text_pairs(text)

    def _predict_windows(self, chunks: Iterable[str], cased: bool, pairs: Counter | None = None):
        """Yield ``(offset, core, insertions, confidences, kept, case_confidences)`` per core.

        ``insertions[k]`` belongs before ``core[k]``; the last core of each
        line carries one more, for the gap at the end of the line. Line
        breaks are kept as they are and bound the model's view: each line is
        restored as a text of its own. ``pairs`` (:meth:`_pairs`) goes to
        the model with every window.
        """
        buf = ""
        done = 0  # chars of buf already emitted (kept as left context)
        base = 0  # absolute offset of buf[0]
        it = iter(chunks)
        final = False
        line_start = True
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
            pred = _predict_around_marks(self.model, buf[:win_end], cased, pairs)
            last = end == limit and (brk is not None or final)
            stop = end + 1 if last else end
            core = buf[done:end]
            balanced = balance(pred.insertions, pred.confidence) if self.balance else (
                pred.insertions
            )
            ins = [strip_seed_complement(s) for s in balanced[done:stop]]
            # A text neither starts nor ends with a line break it did not have.
            if line_start and ins:
                ins[0] = ins[0].lstrip()
            if last and ins:
                ins[-1] = ins[-1].rstrip()
            line_start = False
            kept = _safe_kept(core, pred.kept[done:end], cased)
            case_conf = None if pred.case_confidence is None else pred.case_confidence[done:end]
            yield base + done, core, ins, pred.confidence[done:stop], kept, case_conf
            if last and brk is None:
                return
            if last:
                br = brk.group()
                yield base + brk.start(), br, [""] * len(br), [1.0] * len(br), br, None
                trim = brk.end()
                done = 0
                line_start = True
            else:
                trim = _cut(buf, end - self.context, 0) if end > self.context else 0
                done = end - trim
            buf = buf[trim:]
            base += trim


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
    prev = -1
    for g, i in enumerate([*at, len(text)]):
        if i == prev + 1:  # no mark in this gap: the model decides it
            ins[i], conf[i] = bare.insertions[g], bare.confidence[g]
        if i < len(text):
            kept[i] = bare.kept[g]
            if case_conf is not None:
                case_conf[i] = bare.case_confidence[g]
        prev = i
    return Prediction(ins, conf, "".join(kept), case_conf)


def _render(ins: list[str], kept: str) -> str:
    out = []
    for k, ch in enumerate(kept):
        out.append(ins[k])
        out.append(ch)
    if len(ins) > len(kept):
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


def _chain(first: Iterable[str], rest: Iterator[str]) -> Iterator[str]:
    yield from first
    yield from rest


def _lines(chunks: Iterable[str]) -> Iterator[str]:
    """Regroup text chunks so each yielded piece ends at a line break (or the end)."""
    buf = ""
    for chunk in chunks:
        buf += chunk
        cut = max(buf.rfind("\n"), buf.rfind("\r"))
        if cut >= 0:
            yield buf[: cut + 1]
            buf = buf[cut + 1 :]
        elif len(buf) > 1 << 20:
            yield buf
            buf = ""
    if buf:
        yield buf


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
