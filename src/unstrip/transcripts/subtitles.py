"""Subtitles: restore an SRT or WebVTT file and write back the same cues.

Captions from a speech recogniser come as cues of a few words, lowercased
and bare; a sentence often runs over two or three cues. The cue texts are
read with the maintained parsers (``srt`` and ``webvtt-py``), joined into one
running text (a space between lines and between cues, so the network reads
across them), restored once, and the result is written back onto the same
cues: numbers, identifiers, timings, cue settings, tags (``<i>``,
``<v Roger>``, ``{\\an8}``) and the line layout inside each cue stay as they
were, and each word stays in its cue. A mark at the gap after a cue's last
word (a sentence end, a comma) goes to that cue, an opening mark before a
cue's first word (``“``, ``(``) to that cue, and a sentence that starts in
the middle of a cue is capitalised there.

>>> from unstrip import Restorer
>>> srt_text = '''1
... 00:00:01,000 --> 00:00:02,500
... so i said to them
...
... 2
... 00:00:02,500 --> 00:00:04,000
... dont go there its late
... '''
>>> print(restore_subtitles(Restorer(), srt_text, "srt"), end="")
1
00:00:01,000 --> 00:00:02,500
So I said to them,
<BLANKLINE>
2
00:00:02,500 --> 00:00:04,000
don't go there. It's late.
<BLANKLINE>

Cue text that is already punctuated is left as it is. Where some cues are
punctuated and others bare (a few cues fixed by hand, ``[Music]`` notes),
the bare stretches long enough to judge are restored and the rest kept
(:func:`unstrip.transcripts.words.restore_pieces`). A malformed file raises
:class:`SubtitleError` naming the line.
"""

from __future__ import annotations

import srt
import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError
from webvtt.models import Timestamp, _iter_cue_text_tokens

from unstrip.transcripts.words import restore_pieces

__all__ = ["SUBTITLE_FORMATS", "SubtitleError", "restore_subtitles"]

SUBTITLE_FORMATS = ("srt", "vtt")


class SubtitleError(ValueError):
    """A subtitle file that cannot be read; ``line`` is where (from 1).

    >>> str(SubtitleError(14, "bad timestamp '00:00:0x,000'"))
    "line 14: bad timestamp '00:00:0x,000'"
    """

    def __init__(self, line: int, problem: str):
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.problem = problem


def restore_subtitles(restorer, text: str, fmt: str, profile: str = "auto") -> str:
    """Restore the cue texts of an SRT (``fmt="srt"``) or WebVTT (``"vtt"``) file.

    Returns the file with the same cues, each holding its own words restored;
    a leading byte-order mark and CRLF line ends are kept. Raises
    :class:`SubtitleError` (a :class:`ValueError`) for a file the format's
    parser cannot read, naming the line.

    >>> from unstrip import Restorer
    >>> vtt_text = "WEBVTT\\n\\n00:01.000 --> 00:02.000 align:start\\n<v Ann>its ok\\n"
    >>> print(restore_subtitles(Restorer(), vtt_text, "vtt"), end="")
    WEBVTT
    <BLANKLINE>
    00:00:01.000 --> 00:00:02.000 align:start
    <v Ann>It's OK.
    """
    if fmt not in SUBTITLE_FORMATS:
        raise ValueError(f"unknown subtitle format {fmt!r}: one of {', '.join(SUBTITLE_FORMATS)}")
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom):]
    crlf = "\r\n" in body
    body = body.replace("\r\n", "\n")
    if fmt == "srt":
        out = _restore_srt(restorer, body, profile)
    else:
        out = _restore_vtt(restorer, body, profile)
    if crlf:
        out = out.replace("\n", "\r\n")
    return bom + out


# -- cue text --------------------------------------------------------------
def _tokens(line: str, fmt: str) -> list[tuple[str, bool]]:
    """A cue line as ``(text, is_markup)`` runs that join back to the line.

    Tags (``<i>``, ``<v Ann>``, ``<00:00:01.500>``) are found by webvtt-py's
    own cue-text scanner; SRT also has ``{\\an8}`` position codes and WebVTT
    character references (``&amp;``).

    >>> _tokens("<i>well</i> {\\\\an8}ok", "srt")
    [('<i>', True), ('well', False), ('</i>', True), (' ', False), ('{\\\\an8}', True), \
('ok', False)]
    >>> _tokens("fish &amp; chips", "vtt")
    [('fish ', False), ('&amp;', True), (' chips', False)]
    """
    out: list[tuple[str, bool]] = []
    for piece, is_tag in _iter_cue_text_tokens(line):
        if is_tag:
            out.append((f"<{piece}>", True))
        else:
            out.extend(_codes(piece, "{\\", "}") if fmt == "srt" else _references(piece))
    return out


def _codes(text: str, opening: str, closing: str) -> list[tuple[str, bool]]:
    """Split out runs from ``opening`` to the next ``closing`` as markup."""
    out: list[tuple[str, bool]] = []
    pos = 0
    while True:
        a = text.find(opening, pos)
        b = text.find(closing, a + len(opening)) if a >= 0 else -1
        if b < 0:
            break
        if a > pos:
            out.append((text[pos:a], False))
        out.append((text[a : b + len(closing)], True))
        pos = b + len(closing)
    if pos < len(text):
        out.append((text[pos:], False))
    return out


def _references(text: str) -> list[tuple[str, bool]]:
    """Split out WebVTT character references (``&amp;``, ``&#8212;``) as markup."""
    out: list[tuple[str, bool]] = []
    pos = start = 0
    while True:
        a = text.find("&", pos)
        if a < 0:
            break
        b = text.find(";", a + 1)
        name = text[a + 1 : b] if b >= 0 else ""
        if name and len(name) <= 32 and (name.isalnum() or (name[0] == "#" and name[1:].isalnum())):
            if a > start:
                out.append((text[start:a], False))
            out.append((text[a : b + 1], True))
            start = pos = b + 1
        else:
            pos = a + 1
    if start < len(text):
        out.append((text[start:], False))
    return out


def _restore_cues(restorer, cues: list[list[str]], fmt: str, profile: str) -> list[list[str]]:
    """Restore the lines of every cue as one text; give back the new lines."""
    pieces: list[str] = []
    spaced: list[bool] = []
    groups: list[int] = []
    layout: list[list[list[tuple[str, bool]]]] = []
    for c, lines in enumerate(cues):
        cue_layout = []
        for line in lines:
            tokens = _tokens(line, fmt)
            first = True
            for piece, markup in tokens:
                if not markup:
                    pieces.append(piece)
                    spaced.append(first)
                    groups.append(c)
                    first = False
            cue_layout.append(tokens)
        layout.append(cue_layout)
    restored = iter(restore_pieces(restorer, pieces, spaced, groups, profile))
    return [["".join(piece if markup else next(restored) for piece, markup in tokens)
             for tokens in cue_layout] for cue_layout in layout]


# -- SRT -------------------------------------------------------------------
def _restore_srt(restorer, body: str, profile: str) -> str:
    subs = _parse_srt(body)
    if not subs:
        return body
    lines = _restore_cues(restorer, [s.content.split("\n") for s in subs], "srt", profile)
    new = [srt.Subtitle(s.index, s.start, s.end, "\n".join(ls), s.proprietary)
           for s, ls in zip(subs, lines, strict=True)]
    return srt.compose(new, reindex=False, strict=False)


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _parse_srt(body: str) -> list[srt.Subtitle]:
    """The subtitles of an SRT file, or a :class:`SubtitleError` naming the line.

    ``srt`` reads leniently: a block whose number is broken is taken as more
    text of the cue before, and a cue may have no number. Both are refused
    here, as writing them back would change the file.
    """
    try:
        subs = list(srt.parse(body))
    except srt.SRTParseError as exc:
        start = exc.expected_start
        while start < len(body) and body[start].isspace():
            start += 1
        raise _srt_block_error(body, start, body[start : exc.actual_start]) from None
    for sub, match in zip(subs, srt.SRT_REGEX.finditer(body), strict=True):
        if match.group(1) is None:
            raise SubtitleError(_line_at(body, match.start(2)),
                                "a subtitle without a number before its timing line")
        content_line = _line_at(body, match.start(5))
        text_lines = sub.content.split("\n")
        for i, line in enumerate(text_lines):
            if "-->" in line:
                number = i - 1
                if number >= 1 and not text_lines[number - 1].strip():
                    raise _srt_block_error(body, match.start(5) + len("\n".join(
                        text_lines[:number])) + 1, "\n".join(text_lines[number:]))
                raise SubtitleError(content_line + i, f"a timing line inside a subtitle's "
                                    f"text: {line!r}")
    return subs


def _srt_block_error(body: str, start: int, block: str) -> SubtitleError:
    """What is wrong with an SRT block the parser could not read, at its line."""
    first = _line_at(body, start)
    lines = block.split("\n")
    for i, line in enumerate(lines):
        if "-->" in line:
            bad = _bad_timing(line, srt.srt_timestamp_to_timedelta, ValueError)
            if bad:
                return SubtitleError(first + i, bad)
            if i == 1:
                return SubtitleError(first, f"bad subtitle number {lines[0].strip()!r}")
            return SubtitleError(first + i, f"cannot read this timing line: {line!r}")
    if len(lines) > 1 and lines[0].strip().isdigit():
        return SubtitleError(first + 1, f"expected 'start --> end', found {lines[1][:60]!r}")
    return SubtitleError(first, "expected a subtitle (a number, then 'start --> end'), "
                         f"found {lines[0][:60]!r}")


def _bad_timing(line: str, parse, error) -> str | None:
    """``bad timestamp '...'`` for the first timestamp of a ``start --> end``
    line that ``parse`` refuses, else None."""
    left, _, right = line.partition("-->")
    stamps = [left.strip(), right.split()[0] if right.split() else ""]
    for stamp in stamps:
        try:
            parse(stamp)
        except error:
            return f"bad timestamp {stamp!r}"
    return None


# -- WebVTT ----------------------------------------------------------------
def _restore_vtt(restorer, body: str, profile: str) -> str:
    captions = _parse_vtt(body)
    if not captions.captions:
        return body
    lines = _restore_cues(restorer, [list(c.lines) for c in captions.captions], "vtt", profile)
    for caption, new in zip(captions.captions, lines, strict=True):
        caption.lines = new
    return captions.content


def _parse_vtt(body: str) -> webvtt.WebVTT:
    """The captions of a WebVTT file, or a :class:`SubtitleError` naming the line.

    webvtt-py's errors do not say where; on one, the file is read again a
    growing number of blocks at a time (halving the search) to find the
    first block it refuses.
    """
    try:
        return webvtt.from_string(body, strict=True)
    except MalformedFileError:
        first = body.split("\n", 1)[0]
        raise SubtitleError(1, "not a WebVTT file: the first line must start with "
                            f"'WEBVTT', found {first[:60]!r}") from None
    except MalformedCaptionError:
        pass
    lines = body.split("\n")
    ends = [i for i, line in enumerate(lines) if not line] + [len(lines)]

    def refused(k: int) -> bool:
        try:
            webvtt.from_string("\n".join(lines[: ends[k]]), strict=True)
        except (MalformedCaptionError, MalformedFileError):
            return True
        return False

    lo, hi = 0, len(ends) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if refused(mid):
            hi = mid
        else:
            lo = mid + 1
    start = ends[lo - 1] + 1 if lo else 0
    block = lines[start : ends[lo]]
    timing = [i for i, line in enumerate(block) if "-->" in line]
    if len(timing) > 1:
        return _raise(start + timing[1] + 1, "a cue timing line with no blank line before it")
    if timing:
        i = timing[0]
        bad = _bad_timing(block[i], Timestamp.from_string, MalformedCaptionError)
        if bad:
            return _raise(start + i + 1, bad)
        return _raise(start + i + 1, f"cannot read this cue timing line: {block[i]!r}")
    return _raise(start + 1, f"cannot read this block: {block[0][:60] if block else ''!r}")


def _raise(line: int, problem: str):
    raise SubtitleError(line, problem)
