"""Repair mojibake, including the bytes Windows-1252 silently dropped.

The problem
-----------
Text that was encoded as UTF-8 and then read as Windows-1252 turns every
non-ASCII character into two to four wrong characters (``é`` becomes ``Ã©``).
`ftfy <https://ftfy.readthedocs.io>`_ undoes that well, *unless* bytes were
lost on the way: Windows-1252 does not define 0x81, 0x8D, 0x8F, 0x90 and 0x9D,
and a decoder run with ``errors="ignore"`` (the ``mojibake`` damage profile)
drops them. A closing quote ``”`` is ``E2 80 9D`` in UTF-8, so it arrives as
a bare ``â€``; ftfy then either leaves it or guesses a lost 0xA0 byte and
writes ``†``. This module puts the lost byte back first, then lets ftfy do the
standard repair, and nothing else (no quote uncurling, no width or Unicode
normalisation, no HTML unescaping, no line-break changes).

>>> fix_encoding("â€œNo,â€ she said. Itâ€™s the cafÃ© on the â€œQuaiâ€")
'“No,” she said. It’s the café on the “Quai”'

Clean text comes back unchanged, and pure ASCII is returned at once:

>>> fix_encoding("Zoë’s café charges €5 — “cheap” at 20 °C.")
'Zoë’s café charges €5 — “cheap” at 20 °C.'

Text damaged twice (UTF-8 read as Windows-1252, saved as UTF-8 and read as
Windows-1252 again) is peeled one layer at a time:

>>> fix_encoding("Ã¢â‚¬Å“HiÃ¢â‚¬ Ã¢â‚¬â€ bye.")
'“Hi” — bye.'

How the lost bytes are restored
-------------------------------
Every character is read as the Windows-1252 byte it stands for. A UTF-8 lead
byte followed by too few continuation bytes (0x80-0xBF) is a *lossy site*.
Lead bytes are never dropped (all five undefined bytes are continuation
bytes), so the dropped bytes belong inside that sequence. Each way of filling
the gap with 0x81/0x8D/0x8F/0x90/0x9D is decoded, unassigned, private-use and
control characters are discarded, and the rest are ranked by a small prior of
how common each character is, adjusted by context:

* ``â€`` is ``”`` (``E2 80 9D``) unless it stands between two ASCII letters or
  digits (then ``‐``, U+2010 HYPHEN) or joins two emoji (then U+200D ZERO
  WIDTH JOINER).
* ``ï¸`` is U+FE0F (the emoji variation selector), ``â¤`` is ``❤``.
* A bare two-byte lead such as ``Å`` is only touched where it cannot be a real
  letter: after a letter and before a lowercase one, after a lowercase
  letter, ``Ã`` before a lowercase letter, or next to other mojibake.

When one candidate is at least four times as likely as the next, its byte is
restored. When it is not (``ðŸ˜`` could be 😁 😍 😏 😐 or 😝; ``Ã`` before a
lowercase letter could be Á or Í), the whole sequence becomes U+FFFD ``�``,
as ftfy itself does for unrecoverable sequences, so that the rest of the text
still decodes.

Safety
------
Clean text must never change, so guesses are only made with strong evidence:

1. Nothing happens unless ftfy's own detector (``ftfy.badness.is_bad``) says
   the text looks like mojibake, or the text holds a complete sequence that
   only mojibake produces: a letter followed by ``€``, ``„``, ``Ÿ``, ``¸``...
   that decodes as UTF-8 (``Widgetâ„¢`` for ``Widget™``, which ftfy lets pass).
2. Restored bytes and ``�`` are used freely only when, with them, the *whole*
   text decodes consistently as Windows-1252-read UTF-8. Otherwise (text that
   mixes clean and damaged parts) only confident sites that cannot be clean
   text are repaired: a lead ``â``, or a first continuation character that can
   hardly follow a letter (``€``, ``Ÿ``, ``¸``...). ``é…`` or ``è’`` in clean
   French are never touched, and neither is a bare lead with no evidence
   (``SÃO``, ``Ärger``); ``Ã`` before a space is left to ftfy, which reads it
   as ``à`` whose 0xA0 byte became a space (``restore_byte_a0``).
3. At most `MAX_LAYERS` layers of mojibake are peeled, and texts longer than
   `MAX_SEGMENT` characters are repaired in line-aligned pieces of at most that
   size, so the work is linear in the length of the text.

Damage that is not a dropped byte
---------------------------------
A remnant is only a dropped byte when nothing else explains it; otherwise
ftfy's reading stands (ftfy's own test cases, ``benchmarks/ftfy_suite.py``):

* a decoder that *replaced* undefined bytes by ``�`` (or ``?``) dropped none:
  ``Ð ÑƒÑ�Ñ�ÐºÐ¸Ð¹`` is ``Ру��кий``, ``â€œbbâ€?`` is ``“bb�``;
* a space may be byte 0xA0 (``à¸ à¸²`` is ``ภา``), and a follower that
  Windows-1252 lacks (``â€ś``) means another code page (Windows-1250: ``“``);
* ``U+0085`` NEXT LINE between ASCII text and a letter is a line break, not
  Windows-1252's ``…``.

Beyond ftfy, UTF-8 read as Windows-1251, MacRoman or code page 437, which
ftfy's detector lets pass, is decoded when it sits inside a word and decodes
to Latin-1 letters (``pi√π`` is ``più``), and MacRoman read as Latin-1 when a
C1 control between letters can only be a MacRoman letter (``Coatl\x87n``).
Other mix-ups are left to ftfy.

>>> fix_encoding("à¸ à¸²à¸©à¸²à¹„à¸—à¸¢")
'ภาษาไทย'
>>> fix_encoding("Line one\x85Line two, al pi√π presto")
'Line one\x85Line two, al più presto'

>>> fix_encoding("TÅkyÅ is in JapÃ³n.")
'Tōkyō is in Japón.'
>>> fix_encoding("SÃO PAULO")
'SÃO PAULO'
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations, product
from typing import NamedTuple

import ftfy
import ftfy.bad_codecs  # noqa: F401  (registers the sloppy-windows-1252 codec)
from ftfy import fixes as _ftfy_fixes
from ftfy.badness import is_bad
from ftfy.chardata import ALTERED_UTF8_RE

__all__ = [
    "DROPPED_BYTES",
    "ENCODING_CONFIG",
    "MAX_LAYERS",
    "MAX_SEGMENT",
    "Repair",
    "fix_encoding",
    "fix_encoding_and_explain",
]

DROPPED_BYTES = (0x81, 0x8D, 0x8F, 0x90, 0x9D)
"""The bytes Windows-1252 leaves undefined, lost by ``decode(errors="ignore")``."""

MAX_LAYERS = 5
"""Most layers of mojibake peeled off one text."""

MAX_SEGMENT = 200_000
"""Longer texts are repaired in line-aligned pieces of at most this many characters."""

ENCODING_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_encoding=True,
    restore_byte_a0=True,
    replace_lossy_sequences=True,
    decode_inconsistent_utf8=True,
    fix_c1_controls=True,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=False,
    remove_control_chars=False,
    normalization=None,
    max_decode_length=MAX_SEGMENT + 1,
    explain=True,
)
"""The ftfy settings used: encoding repair only, every other fixer off."""


class Repair(NamedTuple):
    """One repair: ``before`` at ``position`` of the input became ``after``.

    ``kind`` is ``"decode"`` (mojibake decoded, no byte lost), ``"restore"``
    (a dropped byte was put back) or ``"lossy"`` (a dropped byte could not be
    known; the sequence became U+FFFD).
    """

    kind: str
    position: int
    before: str
    after: str


_SLOPPY = "sloppy-windows-1252"
_CHARS = bytes(range(256)).decode(_SLOPPY)
_BYTE_OF = {ch: b for b, ch in enumerate(_CHARS)}
_MARKERS = frozenset(_CHARS[b] for b in DROPPED_BYTES)


def _cls(lo: int, hi: int) -> str:
    return "".join(re.escape(_CHARS[b]) for b in range(lo, hi + 1))


_CONT = _cls(0x80, 0xBF)
# A UTF-8 lead byte followed by fewer continuation bytes than it needs.
_SITE_RE = re.compile(
    f"[{_cls(0xC2, 0xDF)}](?![{_CONT}])"
    f"|[{_cls(0xE0, 0xEF)}][{_CONT}]?(?![{_CONT}])"
    f"|[{_cls(0xF0, 0xF4)}][{_CONT}]{{0,2}}(?![{_CONT}])"
)
# A complete lead + continuation sequence: positive evidence of mojibake.
_FULL_RE = re.compile(
    f"[{_cls(0xC2, 0xDF)}][{_CONT}]|[{_cls(0xE0, 0xEF)}][{_CONT}]{{2}}"
    f"|[{_cls(0xF0, 0xF4)}][{_CONT}]{{3}}"
)
# U+0085 NEXT LINE used as a line break: after ASCII (so not a byte of a
# mojibake sequence) and before a letter or digit. The ellipsis that
# Windows-1252 writes as byte 0x85 is usually followed by a space, a closing
# quote or bracket, or ends the text.
_NEL_RE = re.compile(r"(?:^|(?<=[\x00-\x7f]))\x85(?=\w)")
_TOKEN_RE = re.compile(r"[\x00-\x7f]+|[^\x00-\x7f]+")

# Continuation characters that can hardly follow a letter in clean text. A
# site whose first continuation is one of these is mojibake beyond doubt.
_STRONG_FOLLOWERS = frozenset("€‚ƒ„ˆ‰Š‹ŒŽ˜Ÿ¢£¤¥¦§¨ª¬¯±µ¶¸¼½¾¿") | _MARKERS

_STRONG = "".join(re.escape(c) for c in sorted(_STRONG_FOLLOWERS - _MARKERS))
_CERTAIN_RE = re.compile(
    f"[{_cls(0xC2, 0xD6)}{_cls(0xD8, 0xDF)}][{_STRONG}]"
    f"|[{_cls(0xE0, 0xEF)}][{_STRONG}][{_CONT}]|[{_cls(0xF0, 0xF4)}][{_STRONG}][{_CONT}]{{2}}"
)

# Rough relative frequency of characters that lose a byte. Anything else
# that decodes to an assigned, non-control character weighs 1.
_PRIOR = {
    "\u201d": 1000.0,  # ” right double quotation mark
    "\u2010": 5.0,  # ‐ hyphen
    "\u200d": 5.0,  # zero width joiner
    "\u200f": 2.0,  # right-to-left mark
    "\ufe0f": 1000.0,  # variation selector-16 (emoji presentation)
    "❤": 500.0,
    "❌": 100.0,
    "❓": 20.0,
    "❗": 20.0,
    "●": 50.0,
    "❄": 20.0,
    "⁄": 20.0,
    "←": 30.0,
    "∏": 5.0,
    "Á": 30.0,
    "Í": 20.0,
    "Ï": 5.0,
    "Ð": 3.0,
    "Ý": 3.0,
    "ā": 20.0,
    "č": 40.0,
    "ď": 5.0,
    "Đ": 10.0,
    "ĝ": 2.0,
    "Ł": 40.0,
    "ō": 30.0,
    "ŏ": 2.0,
    "Ő": 8.0,
    "ŝ": 2.0,
    "Ə": 10.0,
    "ǐ": 2.0,
    "Ν": 20.0,
    "ρ": 50.0,
    "ύ": 10.0,
    "А": 30.0,
    "Н": 20.0,
    "Ё": 5.0,
    "с": 55.0,
    "я": 20.0,
    "э": 4.0,
    "😍": 50.0,
    "😁": 45.0,
    "😏": 15.0,
    "😐": 15.0,
    "😝": 8.0,
    "👍": 150.0,
    "👏": 35.0,
    "🙏": 100.0,
    "🙁": 8.0,
    "🐶": 60.0,
    "🍶": 5.0,
    "🐱": 50.0,
    "🍱": 8.0,
}
_QUESTION_LEADS = frozenset([0xC2, 0xC3, *range(0xE0, 0xF5)])
"""Lead bytes after which ftfy reads ``?`` as a lost byte (``LOSSY_UTF8_RE``)."""

_CONFIDENCE = 4.0
"""The chosen character must be this many times as likely as the runner-up."""


@dataclass(frozen=True)
class _Site:
    start: int
    end: int
    choice: str | None  # the character to restore, or None when ambiguous
    eligible: bool  # strong enough evidence to touch it at all
    strong: bool  # may be repaired even when the whole text does not decode


@lru_cache(maxsize=4096)
def _candidates(lead: int, seen: tuple[int, ...]) -> tuple[tuple[str, bytes], ...]:
    """Characters (with their bytes) that ``lead`` + ``seen`` + dropped bytes can be."""
    need = 1 if lead < 0xE0 else 2 if lead < 0xF0 else 3
    missing = need - len(seen)
    found = []
    for slots in combinations(range(need), missing):
        for fill in product(DROPPED_BYTES, repeat=missing):
            rest, fills = iter(seen), iter(fill)
            seq = bytes([lead, *(next(fills) if i in slots else next(rest) for i in range(need))])
            try:
                ch = seq.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if _assigned(ch):
                found.append((ch, seq))
    return tuple(found)


def _assigned(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat not in ("Cn", "Co", "Cs", "Cc")


def _is_lead(ch: str) -> bool:
    b = _BYTE_OF.get(ch)
    return b is not None and 0xC2 <= b <= 0xF4


def _after_emoji(text: str, start: int) -> bool:
    """Whether ``text[:start]`` ends with an emoji or the mojibake of one."""
    if start and ord(text[start - 1]) >= 0x1F000:
        return True
    for back in range(1, 5):
        i = start - back
        if i < 0:
            return False
        b = _BYTE_OF.get(text[i])
        if b is None:
            return False
        if b >= 0xF0:
            return True
        if not 0x80 <= b <= 0xBF:
            return text[i:start] == "ï¸"
    return False


def _decoded(run: str) -> str:
    """The UTF-8 reading of a complete mojibake sequence, or ``""``."""
    try:
        return bytes(_BYTE_OF[c] for c in run).decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        return ""


def _neighbours(text: str, start: int, end: int) -> tuple[str, str]:
    """The characters around a site, decoded where they are mojibake themselves."""
    prev = text[start - 1] if start else ""
    for n in (2, 3, 4):
        if start >= n and _FULL_RE.fullmatch(text, start - n, start):
            prev = _decoded(text[start - n : start])[-1:] or prev
            break
    nxt = text[end] if end < len(text) else ""
    m = _FULL_RE.match(text, end)
    if m:
        nxt = _decoded(m.group())[:1] or nxt
    return prev, nxt


def _weights(text: str, start: int, end: int, cands) -> list[tuple[float, str]]:
    prev, nxt = _neighbours(text, start, end)
    two_byte = end - start == 1 and _BYTE_OF[text[start]] < 0xE0
    joins = _is_lead(nxt) or ord(nxt or "a") > 0x2000
    between_alnum = prev.isascii() and nxt.isascii() and prev.isalnum() and nxt.isalnum()
    scored = []
    for ch, _seq in cands:
        w = _PRIOR.get(ch, 1.0)
        if ch == "\u2010" and between_alnum:
            w *= 1e6  # "well‐known": a closing quote does not sit inside a word
        if ch == "\u200d" and joins and _after_emoji(text, start):
            w *= 1e6  # 👨‍👩: a joiner between emoji
        if two_byte and ch.isupper() and prev.isalpha():
            w *= 0.05  # mid-word: expect a lowercase letter
        if two_byte and ch.islower() and not prev.isalpha() and nxt.islower():
            w *= 0.2  # word-initial before lowercase: more often a capital
        scored.append((w, ch))
    scored.sort(reverse=True)
    return scored


def _bare_lead_evidence(text: str, start: int) -> bool:
    """Whether a two-byte lead with nothing after it cannot be a real letter."""
    prev = text[start - 1] if start else ""
    nxt = text[start + 1] if start + 1 < len(text) else ""
    if text[start] == "Ã" and nxt in ("", " "):
        return False  # "Ã " is usually à whose 0xA0 byte became a space: ftfy's call
    if prev.islower() or (prev.isalpha() and nxt.islower()):
        return True
    if text[start] == "Ã" and nxt.islower():
        return True
    after = _FULL_RE.match(text, start + 1)
    before = any(_FULL_RE.fullmatch(text, start - n, start) for n in (2, 3, 4) if start >= n)
    return bool(after or before)


def _find_sites(text: str) -> list[_Site]:
    sites = []
    for m in _SITE_RE.finditer(text):
        start, end = m.span()
        raw = [_BYTE_OF[c] for c in m.group()]
        cands = _candidates(raw[0], tuple(raw[1:]))
        if not cands:
            continue
        scored = _weights(text, start, end, cands)
        best_w, best = scored[0]
        second_w = scored[1][0] if len(scored) > 1 else 0.0
        choice = best if best_w >= _CONFIDENCE * second_w else None
        if end - start > 1:
            eligible = text[start] == "â" or text[start + 1] in _STRONG_FOLLOWERS
        else:
            eligible = raw[0] < 0xE0 and _bare_lead_evidence(text, start)
        strong = eligible and end - start > 1 and choice is not None
        sites.append(_Site(start, end, choice, eligible, strong))
    return _loss_model(text, sites)


def _follower(text: str, site: _Site) -> str:
    return text[site.end] if site.end < len(text) else ""


def _question_slot(text: str, site: _Site) -> bool:
    """Whether a ``?`` right after ``site`` may stand for its lost byte, as ftfy reads it."""
    return _follower(text, site) == "?" and _BYTE_OF[text[site.start]] in _QUESTION_LEADS


def _a0_letter(text: str, site: _Site) -> bool:
    """Whether a space after ``site`` may be a 0xA0 byte that completes a letter.

    Some tools turn byte 0xA0 (a no-break space in Windows-1252) into a space;
    ftfy puts it back (``restore_byte_a0``). ``à¸ à¸²`` is ``ภา`` read that way:
    the dropped-byte reading (ก, ญ, ฏ, ฐ or ฝ) is no better, so ftfy's stands.
    An emoji remnant before a space (``ðŸ˜ ``) keeps its space: 😠 glued to
    the next word is less likely than an emoji followed by a space.
    """
    if _follower(text, site) != " ":
        return False
    raw = [_BYTE_OF[c] for c in text[site.start : site.end]]
    need = 2 if raw[0] < 0xE0 else 3 if raw[0] < 0xF0 else 4
    seq = [*raw, 0xA0]
    for c in text[site.end + 1 : site.end + 1 + need - len(seq)]:
        seq.append(_BYTE_OF.get(c, 0))
    try:
        ch = bytes(seq).decode("utf-8")
    except UnicodeDecodeError:
        return False
    if not ALTERED_UTF8_RE.match(bytes([*raw, 0x20, *seq[len(raw) + 1 :]])):
        return False  # ftfy would not read the space as 0xA0 here
    return unicodedata.category(ch)[0] in "LM"


def _loss_model(text: str, sites: list[_Site]) -> list[_Site]:
    """Drop the sites that another kind of damage explains as well as a dropped byte.

    * A site right before ``�`` (or a character Windows-1252 does not have)
      is not a dropped byte: that decoder *replaced* undefined bytes with
      ``�``, so no byte of this text was dropped, and ftfy reads all of it.
    * A ``?`` after a lead can be a lost byte too (``â€?``): when every site
      of the text is followed by one, ftfy's reading (``�``) stands; when
      other sites show bytes were dropped, the ``?`` is a real question mark.
    * An ambiguous site before a space that may be byte 0xA0 (`_a0_letter`)
      is left to ftfy, which restores the 0xA0.
    """
    if not sites:
        return sites
    if any(_follower(text, s) == "\ufffd" for s in sites):
        return []
    out = []
    for s in sites:
        nxt = _follower(text, s)
        foreign = bool(nxt) and not nxt.isascii() and nxt not in _BYTE_OF
        if foreign or (s.choice is None and _a0_letter(text, s)):
            s = _Site(s.start, s.end, s.choice, False, False)
        out.append(s)
    eligible = [s for s in out if s.eligible]
    if eligible and all(_question_slot(text, s) for s in eligible):
        out = [_Site(s.start, s.end, s.choice, False, False) for s in out]
    return out


def _sloppy(seq: bytes) -> str:
    return seq.decode(_SLOPPY)


def _mark(text: str, sites: list[_Site]) -> str:
    """Insert the characters standing for the dropped bytes (or U+FFFD)."""
    out, pos = [], 0
    for s in sites:
        if not s.eligible:
            continue
        out.append(text[pos : s.start])
        if s.choice is not None:
            out.append(_sloppy(s.choice.encode("utf-8")))
        else:
            raw = bytes(_BYTE_OF[c] for c in text[s.start : s.end])
            need = 2 if raw[0] < 0xE0 else 3 if raw[0] < 0xF0 else 4
            out.append(text[s.start : s.end] + "\ufffd" * (need - len(raw)))
        pos = s.end
    out.append(text[pos:])
    return "".join(out)


def _restore_strong(text: str, sites: list[_Site]) -> str:
    """Replace the confident, unmistakable sites by the characters they were."""
    out, pos = [], 0
    loose = {p for s in sites if s.eligible and not s.strong for p in (s.start, s.end)}
    for s in sites:
        # next to a remnant we cannot read, the text is garbled beyond a lost byte
        if s.strong and s.start not in loose and s.end not in loose:
            out += [text[pos : s.start], s.choice]
            pos = s.end
    out.append(text[pos:])
    return "".join(out)


def _decode_whole(marked: str) -> str | None:
    """The text as ftfy's whole-text Windows-1252 to UTF-8 repair reads it, or None."""
    try:
        raw = marked.encode(_SLOPPY)
    except UnicodeEncodeError:
        return None
    if ALTERED_UTF8_RE.search(raw):
        raw = _ftfy_fixes.restore_byte_a0(raw)
    raw = _ftfy_fixes.replace_lossy_sequences(raw)
    try:
        return raw.decode("utf-8-variants" if 0xED in raw or 0xC0 in raw else "utf-8")
    except UnicodeDecodeError:
        return None


def _certain(text: str) -> bool:
    """Whether ``text`` holds a complete sequence that only mojibake produces.

    ftfy's detector lets a lone ``â„¢`` (™) pass; a letter followed by ``„``,
    ``€``, ``Ÿ``... that decodes as UTF-8 is evidence enough.
    """
    for m in _CERTAIN_RE.finditer(text):
        decoded = _decoded(m.group())
        if decoded and not 0x250 <= ord(decoded) <= 0x2AF:
            return True  # IPA letters (``É¿`` is ɿ) are rarer than the clean pair
    return False


def _ftfy_step(text: str) -> str:
    """One layer of ftfy's encoding repair.

    ``ftfy.fix_encoding`` loops until nothing changes; on double mojibake its
    second pass would meet the lossy ``â€`` of the inner layer before we can
    restore the byte, and its ``decode_inconsistent_utf8`` step (which runs
    with ftfy's defaults) turns ``â€`` + space into ``†``. So we run ftfy's
    own single step (pinned ftfy 6.3.1) and restore bytes between layers.
    """
    step = getattr(ftfy, "_fix_encoding_one_step_and_explain", None)
    if step is None:  # pragma: no cover - other ftfy versions: whole repair at once
        return ftfy.fix_encoding_and_explain(text, ENCODING_CONFIG).text
    return step(text, ENCODING_CONFIG).text


def _repair_layer(text: str) -> str:
    """Peel one layer of mojibake, restoring dropped bytes first."""
    if _C1_RE.search(text):
        mac = _macroman_c1(text)
        if mac is not None:
            return mac
    certain = _certain(text)
    if not (certain or is_bad(text)):
        return _other_codepage(text) or text
    sites = _find_sites(text) if _SITE_RE.search(text) else []
    if sites:
        marked = _mark(text, sites)
        whole = _decode_whole(marked) if marked != text else None
        if whole is not None:
            fixed = _ftfy_step(marked)
            if fixed == marked and certain:
                fixed = whole
            if fixed != marked and not any(c in _MARKERS for c in fixed):
                return fixed
        text = _restore_strong(text, sites)
    fixed = _ftfy_step(text)
    if fixed == text and certain:
        fixed = _decode_whole(text) or text
    return fixed


_C1_RE = re.compile("[\x80-\x9f]")
# Windows-1252 readings of a C1 byte that can stand inside a word.
_WORD_INTERNAL_1252 = frozenset("’‘")
_OTHER_CODEPAGES = ("sloppy-windows-1251", "macroman", "cp437")


def _macroman_c1(text: str) -> str | None:
    """MacRoman read as Latin-1: ``Coatl\x87n conf\x92an`` is ``Coatlán confían``.

    Taken only where every C1 control sits between two ASCII letters, each is a
    letter in MacRoman, and at least one reads in Windows-1252 as a sign that
    cannot stand inside a word (``‡``); ``tur\x92stico`` alone stays ftfy's
    ``tur’stico``, since ``’`` inside a word is ordinary.
    """
    try:
        text.encode("latin-1").decode("utf-8")
        return None  # UTF-8 read as Latin-1 (``Ã\x85`` is ``Å``): ftfy's case
    except UnicodeEncodeError:
        return None
    except UnicodeDecodeError:
        pass
    odd = False
    for m in _C1_RE.finditer(text):
        around = text[m.start() - 1 : m.end() + 1] if m.start() else ""
        ends = around[::2]
        if len(around) != 3 or not (ends.isascii() and ends.isalpha()):
            return None
        byte = m.group().encode("latin-1")
        if not byte.decode("macroman").isalpha():
            return None
        as_1252 = byte.decode("cp1252", errors="replace")
        odd = odd or not (as_1252.isalpha() or as_1252 in _WORD_INTERNAL_1252)
    if not odd:
        return None
    return "".join(c.encode("latin-1").decode("macroman") if _C1_RE.match(c) else c for c in text)


def _other_codepage(text: str) -> str | None:
    """UTF-8 read as Windows-1251, MacRoman or code page 437, which ftfy's detector misses.

    ``pi√π`` is ``più`` (MacRoman), ``┬┐que`` is ``¿que`` (code page 437),
    ``mГ©dicament`` is ``médicament`` (Windows-1251). Taken only where the text
    cannot be Windows-1252 mojibake, the whole text re-reads as UTF-8, a
    sequence touches an ASCII letter, every character it gives is in Latin-1
    (``ВІКІ`` would give ``²ʲ``: left) and the result does not look like mojibake.
    """
    if text.isascii() or _BYTE_OF.keys() >= set(text):
        return None
    for codec in _OTHER_CODEPAGES:
        try:
            raw = text.encode(codec)
        except UnicodeEncodeError:
            continue
        if codec != "macroman" and ALTERED_UTF8_RE.search(raw):
            raw = _ftfy_fixes.restore_byte_a0(raw)
        try:
            fixed = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        latin = all("\xa1" <= c <= "\xff" for c in fixed if not c.isascii())
        if latin and fixed != text and _in_word(text) and not is_bad(fixed):
            return fixed
    return None


def _in_word(text: str) -> bool:
    """Whether a run of non-ASCII characters touches an ASCII letter."""
    for m in re.finditer(r"[^\x00-\x7f]+", text):
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end()] if m.end() < len(text) else ""
        if (before.isascii() and before.isalpha()) or (after.isascii() and after.isalpha()):
            return True
    return False


def _fix_segment(text: str) -> str:
    for _ in range(MAX_LAYERS):
        if text.isascii():
            break
        fixed = _repair_layer(text)
        if fixed == text:
            break
        text = fixed
    return text


def _segments(text: str) -> list[str]:
    if len(text) <= MAX_SEGMENT:
        return [text]
    pieces, current, size = [], [], 0
    for line in text.splitlines(keepends=True):
        while len(line) > MAX_SEGMENT:  # one huge line: cut it (rare)
            if current:
                pieces.append("".join(current))
            pieces.append(line[:MAX_SEGMENT])
            current, size, line = [], 0, line[MAX_SEGMENT:]
        if size + len(line) > MAX_SEGMENT and current:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line)
    if current:
        pieces.append("".join(current))
    return pieces


def fix_encoding(text: str) -> str:
    """Undo UTF-8 read as Windows-1252, restoring bytes that were dropped.

    Only the encoding is repaired: quotes stay curly, widths, ligatures, line
    breaks and Unicode normalisation are untouched.

    >>> fix_encoding("Itâ€™s â€œdoneâ€\\n")
    'It’s “done”\\n'
    >>> fix_encoding("wellâ€known, naÃ¯ve")
    'well‐known, naïve'
    >>> fix_encoding("“Smart” quotes, ﬁne ligature, ｗｉｄｅ")
    '“Smart” quotes, ﬁne ligature, ｗｉｄｅ'
    >>> fix_encoding("plain ASCII")
    'plain ASCII'
    """
    if text.isascii():
        return text
    return "\x85".join(
        "".join(_fix_segment(piece) for piece in _segments(part)) for part in _NEL_RE.split(text)
    )


def fix_encoding_and_explain(text: str) -> tuple[str, list[Repair]]:
    """`fix_encoding`, plus the list of repairs made, in input positions.

    >>> fixed, repairs = fix_encoding_and_explain("Itâ€™s â€œokâ€ now")
    >>> fixed
    'It’s “ok” now'
    >>> for r in repairs:
    ...     print(r.kind, r.position, repr(r.before), repr(r.after))
    decode 2 'â€™' '’'
    decode 7 'â€œ' '“'
    restore 12 'â€' '”'
    >>> for r in fix_encoding_and_explain("ðŸ˜ hi â€™")[1]:
    ...     print(r)
    Repair(kind='lossy', position=0, before='ðŸ˜', after='�')
    Repair(kind='decode', position=7, before='â€™', after='’')
    """
    fixed = fix_encoding(text)
    if fixed == text:
        return fixed, []
    return fixed, _explain(text, fixed)


def _explain(before: str, after: str) -> list[Repair]:
    """Repairs turning ``before`` into ``after``, line by line where lines correspond."""
    lines_a = before.splitlines(keepends=True)
    lines_b = after.splitlines(keepends=True)
    if len(lines_a) != len(lines_b):  # pragma: no cover - decoding keeps line breaks
        return _explain_span(before, after, 0)
    repairs: list[Repair] = []
    pos = 0
    for la, lb in zip(lines_a, lines_b, strict=True):
        if la != lb:
            repairs.extend(_explain_span(la, lb, pos))
        pos += len(la)
    return repairs


def _explain_span(before: str, after: str, base: int) -> list[Repair]:
    ta, tb = _TOKEN_RE.findall(before), _TOKEN_RE.findall(after)
    offa, offb = _offsets(ta), _offsets(tb)
    if len(ta) == len(tb) and all(
        x == y for x, y in zip(ta, tb, strict=True) if x.isascii() or y.isascii()
    ):
        # ASCII runs are untouched: pair the non-ASCII runs one to one.
        ops = [("replace", i, i + 1, i, i + 1) for i in range(len(ta)) if ta[i] != tb[i]]
    else:
        matcher = difflib.SequenceMatcher(None, ta, tb, autojunk=False)
        ops = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    repairs: list[Repair] = []
    for _op, a0, a1, b0, b1 in ops:
        start, stop = offa[a0], offa[a1]
        repairs.extend(_split(before[start:stop], after[offb[b0] : offb[b1]], base + start))
    return repairs


def _offsets(tokens: list[str]) -> list[int]:
    out = [0]
    for t in tokens:
        out.append(out[-1] + len(t))
    return out


def _forms(ch: str) -> list[tuple[str, str]]:
    """(damaged form, kind) for ``ch`` after one and two rounds of damage."""
    forms = []
    lossy = full = ch
    kind = "decode"
    for _ in range(2):
        raw = full.encode("utf-8")
        full = _sloppy(raw)
        lossy = lossy.encode("utf-8").decode("cp1252", errors="ignore")
        if any(b in DROPPED_BYTES for b in raw) or kind == "restore":
            kind = "restore"
        forms.append((lossy, kind))
    return forms[::-1]


def _split(before: str, after: str, start: int) -> list[Repair]:
    """Split one changed span into a repair per output character, where possible."""
    pieces, i = [], 0
    for ch in after:
        if before.startswith(ch, i):
            i += 1
            continue
        for form, kind in _forms(ch):
            if before.startswith(form, i):
                pieces.append(Repair(kind, start + i, form, ch))
                i += len(form)
                break
        else:
            m = _SITE_RE.match(before, i) if ch == "\ufffd" else None
            if m is None:
                return [Repair(_span_kind(after), start, before, after)]
            pieces.append(Repair("lossy", start + i, m.group(), ch))
            i = m.end()
    if i != len(before):
        return [Repair(_span_kind(after), start, before, after)]
    return pieces


def _span_kind(after: str) -> str:
    if "\ufffd" in after:
        return "lossy"
    if any(b in DROPPED_BYTES for b in after.encode("utf-8")):
        return "restore"
    return "decode"
