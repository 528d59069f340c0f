"""Subtitles: the same cues back, each word in its cue, restored across cue boundaries."""

from __future__ import annotations

import gzip
import json
import random
from datetime import timedelta

import pytest
import srt
import webvtt

from conftest import CORPORA, need
from unstrip.text.profiles import PROFILES
from unstrip.transcripts.subtitles import SubtitleError, restore_subtitles
from unstrip.transcripts.words import MIN_RUN_WORDS

lower = PROFILES["lower"]
END_MARKS = tuple(".,?!;:")

SYNTHETIC_SRT = """1
00:00:01,000 --> 00:00:03,200
so i went to the market on monday

2
00:00:03,200 --> 00:00:05,900 X1:40 X2:600 Y1:20 Y2:50
and the man there said he had
never seen anything like it

3
00:00:06,000 --> 00:00:08,000
<i>what do you think</i> he meant

4
00:00:08,100 --> 00:00:09,500
by that i asked my friend
"""


def _cues(text: str, fmt: str) -> list[tuple[str, str, list[str]]]:
    """(start, end, lines) of every cue, read with the format's own parser."""
    if fmt == "srt":
        return [(str(s.start), str(s.end), s.content.split("\n")) for s in srt.parse(text)]
    return [(c.start, c.end, list(c.lines)) for c in webvtt.from_string(text).captions]


def _check_same_cues(before: str, after: str, fmt: str) -> list[list[str]]:
    """Cue count, timings and line layout unchanged, and every line's words as given."""
    a, b = _cues(before, fmt), _cues(after, fmt)
    assert len(a) == len(b)
    for (s1, e1, l1), (s2, e2, l2) in zip(a, b, strict=True):
        assert (s1, e1) == (s2, e2)
        assert len(l1) == len(l2), "the line layout of a cue changed"
        for x, y in zip(l1, l2, strict=True):
            assert lower(y) == lower(x), f"{y!r} is not the words of {x!r}"
        first = webvtt.models._strip_cue_text_tags(l2[0]).lstrip()
        assert not first.startswith(END_MARKS), f"a cue starts with an end mark: {l2[0]!r}"
    return [lines for _, _, lines in b]


def test_a_sentence_runs_over_cues_and_marks_stay_with_their_words(restorer):
    out = restore_subtitles(restorer, SYNTHETIC_SRT, "srt")
    lines = _check_same_cues(SYNTHETIC_SRT, out, "srt")
    subs = list(srt.parse(out))
    assert [s.index for s in subs] == [1, 2, 3, 4]
    assert subs[1].proprietary == "X1:40 X2:600 Y1:20 Y2:50"
    assert lines[0][0].startswith("So I")
    assert lines[2][0].startswith("<i>") and lines[2][0].count("</i>") == 1
    # the whole text reads as the same restoration as one string would
    text = " ".join(webvtt.models._strip_cue_text_tags(x) for ls in lines for x in ls)
    joined = " ".join(webvtt.models._strip_cue_text_tags(x)
                      for s in srt.parse(SYNTHETIC_SRT) for x in s.content.split("\n"))
    assert text == restorer.restore(joined)
    assert text.endswith((".", "?"))


def test_crlf_and_byte_order_mark_are_kept(restorer):
    crlf = "\ufeff" + SYNTHETIC_SRT.replace("\n", "\r\n")
    out = restore_subtitles(restorer, crlf, "srt")
    assert out.startswith("\ufeff1\r\n") and "\n" not in out.replace("\r\n", "")
    assert out.replace("\r\n", "\n")[1:] == restore_subtitles(restorer, SYNTHETIC_SRT, "srt")


VTT = """WEBVTT Kind: captions
X-TIMESTAMP-MAP=LOCAL:00:00:00.000,MPEGTS:0

NOTE made up for a test

STYLE
::cue { color: yellow }

intro
00:00:01.000 --> 00:00:03.000 align:start position:10%
<v Ann>so i went to the market
on monday

00:00:03.500 --> 00:00:05.000
and the man there said its fish &amp; chips
"""


def test_webvtt_keeps_header_notes_styles_identifiers_and_settings(restorer):
    out = restore_subtitles(restorer, VTT, "vtt")
    _check_same_cues(VTT, out, "vtt")
    v = webvtt.from_string(out)
    assert v.header_text == "Kind: captions"
    assert v.metadata == ["X-TIMESTAMP-MAP=LOCAL:00:00:00.000,MPEGTS:0"]
    assert v.header_comments == ["made up for a test"]
    assert v.styles[0].text == "::cue { color: yellow }"
    assert v.captions[0].identifier == "intro"
    assert str(v.captions[0].settings) == "align:start position:10%"
    assert v.captions[0].lines[0].startswith("<v Ann>So I")
    assert "&amp;" in v.captions[1].lines[0]


@pytest.mark.parametrize(("fmt", "text", "line", "problem"), [
    ("srt", SYNTHETIC_SRT.replace("00:00:06,000", "00:00:0x,000"), 11,
     "bad timestamp '00:00:0x,000'"),
    ("srt", SYNTHETIC_SRT.replace("\n3\n", "\nthree\n"), 10, "bad subtitle number 'three'"),
    ("srt", SYNTHETIC_SRT.replace("\n4\n00:00:08,100", "\n00:00:08,100"), 14,
     "a subtitle without a number"),
    ("srt", "hello there\n", 1, "expected a subtitle"),
    ("vtt", VTT.replace("00:00:03.500 -->", "00:00:0x.500 -->"), 14,
     "bad timestamp '00:00:0x.500'"),
    ("vtt", VTT.replace("00:00:03.500 -->", "00:00:63.500 -->"), 14,
     "bad timestamp '00:00:63.500'"),
    ("vtt", VTT.replace("on monday\n", "on monday\n00:00:03.100 --> 00:00:03.400\n"), 13,
     "no blank line before it"),
    ("vtt", VTT.replace("WEBVTT", "WEBVT"), 1, "not a WebVTT file"),
])
def test_a_malformed_file_names_the_line(restorer, fmt, text, line, problem):
    with pytest.raises(SubtitleError) as err:
        restore_subtitles(restorer, text, fmt)
    assert err.value.line == line and problem in str(err.value)
    assert str(err.value).startswith(f"line {line}: ")


def _bare_srt(words: list[str], note_at: int | None = None) -> str:
    subs = []
    for i in range(0, len(words), 8):
        subs.append(srt.Subtitle(len(subs) + 1, timedelta(seconds=2 * len(subs)),
                                 timedelta(seconds=2 * len(subs) + 1.9),
                                 " ".join(words[i : i + 8])))
        if note_at is not None and len(subs) == note_at:
            subs.append(srt.Subtitle(len(subs) + 1, timedelta(seconds=2 * len(subs)),
                                     timedelta(seconds=2 * len(subs) + 1.9), "[Music]"))
    return srt.compose(subs, reindex=False)


def test_punctuated_cues_stay_and_long_bare_stretches_are_restored(restorer):
    words = ("so i went to the market on monday and the man there said he had never seen "
             "anything like it what do you think he meant by that i asked my friend but she "
             "didnt know either so we went home and talked about it all night long until the "
             "sun came up").split()
    assert len(words) - 8 >= MIN_RUN_WORDS > 8
    mixed = _bare_srt(words, note_at=1)  # 8 words, [Music], the rest
    out = restore_subtitles(restorer, mixed, "srt")
    lines = _check_same_cues(mixed, out, "srt")
    assert lines[1] == ["[Music]"]
    assert lines[0] == [" ".join(words[:8])], "a short bare stretch was restored"
    assert sum(c.isupper() or c in ".,?" for ls in lines[2:] for x in ls for c in x) > 3
    # a file that is punctuated throughout is left exactly as it was
    punctuated = srt.compose([srt.Subtitle(1, timedelta(0), timedelta(seconds=2), "Well, I went."),
                              srt.Subtitle(2, timedelta(seconds=2), timedelta(seconds=4),
                                           "and then i came back")])
    assert restore_subtitles(restorer, punctuated, "srt") == punctuated


def _dev_talk() -> str:
    with gzip.open(need(CORPORA / "ted.jsonl.gz"), "rt", encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            if doc["split"] == "dev" and len(doc["text"].split()) > 400:
                return doc["text"]
    pytest.skip("no dev talk of 400 words in ted.jsonl.gz")


def _talk_cues(words: list[str], rng: random.Random) -> list[tuple[timedelta, timedelta, str]]:
    cues, i, t = [], 0, 0.0
    while i < len(words):
        n = rng.randint(6, 12)
        chunk = words[i : i + n]
        if len(chunk) > 6 and rng.random() < 0.4:
            cut = len(chunk) // 2
            text = " ".join(chunk[:cut]) + "\n" + " ".join(chunk[cut:])
        else:
            text = " ".join(chunk)
        cues.append((timedelta(seconds=t), timedelta(seconds=t + 0.4 * len(chunk)), text))
        t += 0.4 * len(chunk) + rng.choice([0.0, 0.1, 0.5])
        i += n
    return cues


def _vtt_stamp(d: timedelta) -> str:
    ms = round(d.total_seconds() * 1000)
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


@pytest.mark.parametrize("fmt", ["srt", "vtt"])
def test_a_ted_talk_as_subtitles(restorer, fmt):
    words = lower(_dev_talk()).split()[:600]
    cues = _talk_cues(words, random.Random(7))
    if fmt == "srt":
        text = srt.compose([srt.Subtitle(i + 1, a, b, c) for i, (a, b, c) in enumerate(cues)])
    else:
        text = webvtt.WebVTT(captions=[webvtt.Caption(_vtt_stamp(a), _vtt_stamp(b), c)
                                       for a, b, c in cues]).content
    out = restore_subtitles(restorer, text, fmt)
    lines = _check_same_cues(text, out, fmt)
    assert len(lines) == len(cues) and any(len(ls) == 2 for ls in lines)
    flat = " ".join(x for ls in lines for x in ls)
    # the same as restoring the text as one string, less the paragraph breaks (which
    # the profile's glued paragraphs, "spirali", get from the restorer)
    assert "".join(flat.split()) == "".join(restorer.restore(" ".join(words)).split()), \
        "cues changed what the restorer wrote"
    assert flat.count(".") + flat.count("?") >= 10
    mid_cue = [x for ls in lines for x in ls if any(
        x[i - 2] in ".?!" and x[i].isupper() for i in range(2, len(x)))]
    assert mid_cue, "no sentence started inside a cue"
