"""Timed word lists: restore the words a speech recogniser gave, one item out for each in.

Recognisers that time their words (Whisper's ``segments[].words``, WhisperX,
Vosk's ``result``, NeMo and Riva) give a list of words, each with a start and
an end, and no punctuation or casing to speak of. The words are restored as
one running text, so that the network reads each word in its context, and
the result is written back onto the same words: a word gets the marks that
open before it (``“``, ``(``) and those that close after it (``,``, ``.”``,
``?``) and its casing; its times and every other field stay as they were.
Since the restorer only inserts marks and changes case, every word can be
found in the output, and a word never moves to another item.

>>> from unstrip import Restorer
>>> restore_words(Restorer(), [" so", " what", " time", " is", " it"])
[' So', ' what', ' time', ' is', ' it?']
>>> restore_words(Restorer(), [{"word": "dont", "start": 0.0}, {"word": "go", "start": 0.4}])
[{'word': "Don't", 'start': 0.0}, {'word': 'go.', 'start': 0.4}]

:func:`restore_pieces` is the general form, which subtitles use too: text
given in pieces (cue lines, the words between two tags) restored as one
text and written back piece by piece. :func:`restore_words_json` reads the
JSON shapes recognisers write and gives back the same shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unstrip.decode.vocabulary import explain_with_vocabulary
from unstrip.text.damage import PROFILE_CHOICES, RESTORED_PROFILES, detect_profile
from unstrip.text.encoding import fix_encoding

__all__ = ["MIN_RUN_WORDS", "restore_pieces", "restore_words", "restore_words_json"]

MIN_RUN_WORDS = 40
"""Where a text holds punctuated pieces among bare ones, a stretch of bare pieces
is restored only from this many words on. Properly punctuated speech seldom
goes 40 words without a mark (0.2% of the words of TED talks are in such
stretches), so a shorter bare stretch is most likely text that needs none."""

_SENTENCE_CLOSE = frozenset(".?!…)]♪")
_SENTENCE_OPEN = frozenset("[(♪")


def restore_pieces(restorer, pieces: Sequence[str], spaced: Sequence[bool],
                   groups: Sequence[int] | None = None, profile: str = "auto") -> list[str]:
    """Restore text that comes in pieces, and write the result back piece by piece.

    ``pieces`` are the text in reading order; ``spaced[i]`` says whether the
    reader sees a space between piece ``i`` and the one before (a new word,
    line or cue) or reads it as running on (the rest of a line after a
    tag). Every insertion goes to one piece: a mark at the gap after a
    piece's last character (a comma, a sentence end, a closing quote) to
    that piece, one at the gap before its first (an opening quote or
    bracket) to that piece; a recased letter stays where it is. Line breaks
    the restorer would insert are left out, as the pieces keep their layout.

    Under ``auto`` each piece's encoding is repaired first (the pieces given
    back hold the repaired text), and the damage is judged on the whole
    text. If that text is punctuated, ``groups`` (one number per piece, such
    as its cue) decide what is left: the groups that show punctuation stay
    as they are, and a stretch of groups that show none is restored on its
    own when it holds at least :data:`MIN_RUN_WORDS` words.

    >>> from unstrip import Restorer
    >>> restore_pieces(Restorer(), ["its a", "selfproclaimed", "win"], [True, True, True])
    ["It's a", 'self-proclaimed', 'win.']
    """
    if profile not in PROFILE_CHOICES:
        raise ValueError(f"unknown profile {profile!r}; choose one of: "
                         f"{', '.join(PROFILE_CHOICES)}")
    if len(spaced) != len(pieces) or (groups is not None and len(groups) != len(pieces)):
        raise ValueError("pieces, spaced and groups must be as long as each other")
    if profile in ("auto", "mojibake"):
        pieces = [p if p.isascii() else fix_encoding(p) for p in pieces]
    joined, starts, owner = _join(pieces, spaced)
    if groups is None:
        groups = range(len(pieces))
    edits = _Edits(joined, owner)
    for a, b, kind, lead, tail in _spans(joined, pieces, starts, groups, profile):
        result = explain_with_vocabulary(restorer, joined[a:b], kind)
        for ins in result.insertions:
            if ins.offset == b - a and not tail:
                continue
            edits.insert(a + ins.offset, ins.insert)
        for rc in result.recased:
            if rc.offset == 0 and not lead:
                continue
            edits.recase(a + rc.offset, rc.to)
    return [edits.render(s, s + len(p)) for s, p in zip(starts, pieces, strict=True)]


def _join(pieces: Sequence[str], spaced: Sequence[bool]) -> tuple[str, list[int], list[int]]:
    """The text the restorer reads, where each piece starts in it, and which
    piece each of its characters belongs to (-1 for a space put between two).

    >>> _join(["a b", "c", "d"], [True, True, False])
    ('a b cd', [0, 4, 5], [0, 0, 0, -1, 1, 2])
    """
    out: list[str] = []
    starts: list[int] = []
    owner: list[int] = []
    pos = 0
    last = ""
    for i, piece in enumerate(pieces):
        if piece and spaced[i] and pos and not last.isspace() and not piece[0].isspace():
            out.append(" ")
            owner.append(-1)
            pos += 1
        starts.append(pos)
        out.append(piece)
        owner.extend([i] * len(piece))
        pos += len(piece)
        if piece:
            last = piece[-1]
    return "".join(out), starts, owner


def _spans(joined: str, pieces: Sequence[str], starts: list[int], groups: Sequence[int],
           profile: str):
    """Yield ``(start, end, profile, lead, tail)`` for each stretch of ``joined``
    to restore: ``lead`` says whether its first letter's recasing is kept,
    ``tail`` whether the insertion after its end is."""
    if profile not in ("auto", "mojibake"):
        if profile in RESTORED_PROFILES and joined.strip():
            yield 0, len(joined), profile, True, True
        return
    kind = detect_profile(joined, flattened=False)
    if kind in RESTORED_PROFILES:
        yield 0, len(joined), kind, True, True
        return
    if kind != "punctuated":
        return
    # Some pieces are punctuated: restore only long stretches of bare groups.
    spans: dict[int, list[int]] = {}
    for i, g in enumerate(groups):
        if pieces[i].strip():
            span = spans.setdefault(g, [starts[i], starts[i] + len(pieces[i])])
            span[1] = starts[i] + len(pieces[i])
    run: list[tuple[int, int]] = []
    for a, b in [*spans.values(), (None, None)]:
        if a is not None and detect_profile(joined[a:b], flattened=False) != "punctuated":
            run.append((a, b))
            continue
        if run:
            start, end = run[0][0], run[-1][1]
            sub = detect_profile(joined[start:end], flattened=False)
            if sub in RESTORED_PROFILES and len(joined[start:end].split()) >= MIN_RUN_WORDS:
                before = joined[:start].rstrip().rstrip("\"'”’")
                after = joined[end:].lstrip().lstrip("\"'“‘")
                lead = not before or before[-1] in _SENTENCE_CLOSE
                tail = not after or after[0].isupper() or after[0] in _SENTENCE_OPEN
                yield start, end, sub, lead, tail
        run = []


class _Edits:
    """Marks and case changes on the characters of the joined text."""

    def __init__(self, joined: str, owner: list[int]):
        self.joined = joined
        self.owner = owner
        self.chars = list(joined)
        self.before = [""] * len(joined)
        self.after = [""] * len(joined)

    def _real(self, k: int) -> bool:
        """Is character ``k`` a piece's and not a space?"""
        return 0 <= k < len(self.joined) and self.owner[k] >= 0 and not self.joined[k].isspace()

    def insert(self, gap: int, marks: str) -> None:
        marks = "".join(c for c in marks if not c.isspace())
        if not marks:
            return
        if self._real(gap - 1):
            self.after[gap - 1] += marks
        elif self._real(gap):
            self.before[gap] = marks + self.before[gap]
        elif gap > 0 and self.owner[gap - 1] >= 0:
            self.after[gap - 1] += marks
        elif gap < len(self.joined) and self.owner[gap] >= 0:
            self.before[gap] = marks + self.before[gap]

    def recase(self, at: int, to: str) -> None:
        if 0 <= at < len(self.joined) and self.owner[at] >= 0 and len(to) == 1:
            self.chars[at] = to

    def render(self, start: int, end: int) -> str:
        return "".join(self.before[k] + self.chars[k] + self.after[k] for k in range(start, end))


def restore_words(restorer, words: Sequence, profile: str = "auto") -> list:
    """Restore a list of words as one text; one item out for each item in.

    ``words`` holds strings, or dicts whose ``"word"`` is a string (every
    other key is passed through untouched, in a new dict of the same keys).
    Each word comes back as restored, with its marks attached and its
    casing applied; the whitespace around it (Whisper's leading space) is
    kept exactly, and a word that is empty or only whitespace stays as it
    is. A dict without a ``"word"`` string raises :class:`ValueError` naming
    its index.

    >>> from unstrip import Restorer
    >>> restore_words(Restorer(), ["what", "", "time", "is", "it"])
    ['What', '', 'time', 'is', 'it?']
    >>> restore_words(Restorer(), [{"start": 0.0}])
    Traceback (most recent call last):
    ...
    ValueError: item 0: a dict without a "word" key
    """
    texts = [_word_of(item, i) for i, item in enumerate(words)]
    cores = [t.strip() for t in texts]
    restored = restore_pieces(restorer, cores, [True] * len(cores), None, profile)
    out: list = []
    for item, text, core, new in zip(words, texts, cores, restored, strict=True):
        if core:
            head = text[: len(text) - len(text.lstrip())]
            new = head + new + text[len(head) + len(core):]
        else:
            new = text
        out.append({**item, "word": new} if isinstance(item, dict) else new)
    return out


def _word_of(item: Any, index: int) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        if "word" not in item:
            raise ValueError(f'item {index}: a dict without a "word" key')
        if not isinstance(item["word"], str):
            raise ValueError(f'item {index}: "word" is {type(item["word"]).__name__}, '
                             "not a string")
        return item["word"]
    raise ValueError(f'item {index}: {type(item).__name__}, not a word (a string or a dict '
                     'with a "word" key)')


def restore_words_json(restorer, data: Any, profile: str = "auto") -> Any:
    """Restore the words of a recogniser's JSON output, in the shape it came in.

    Three shapes are read:

    - a list of words (strings or ``{"word", "start", "end", ...}``: NeMo,
      Riva, WhisperX's word list);
    - Whisper's ``{"segments": [{"words": [...], "text": ...}], "text": ...}``
      (also WhisperX's): the words of all segments are restored as one text,
      and each segment's ``"text"``, and the top-level one, are rebuilt from
      its restored words;
    - Vosk's ``{"result": [{"word", "start", "end", "conf"}], "text": ...}``,
      or a list of such results: ``"text"`` is rebuilt the same way.

    Every other key is kept as it was; the input is not changed.

    >>> from unstrip import Restorer
    >>> out = restore_words_json(Restorer(), {"text": "hi there", "result": [
    ...     {"word": "hi", "conf": 1.0}, {"word": "there", "conf": 0.9}]})
    >>> out["text"], out["result"][1]
    ('Hi there.', {'word': 'there.', 'conf': 0.9})
    """
    if isinstance(data, list) and all(isinstance(x, (str, dict)) and not _holder(x)
                                      for x in data):
        return restore_words(restorer, data, profile)
    holders = data if isinstance(data, list) else [data]
    if not holders or not all(isinstance(h, dict) and _holder(h) for h in holders):
        raise ValueError('not a word list: expected a list of words, {"segments": '
                         '[{"words": [...]}]} (Whisper) or {"result": [...]} (Vosk)')
    lists: list[tuple[dict, str, list]] = []  # (the dict holding a list, its key, the list)
    for h in holders:
        if "segments" in h:
            if not isinstance(h["segments"], list):
                raise ValueError('"segments" is not a list')
            for i, seg in enumerate(h["segments"]):
                if not isinstance(seg, dict) or not isinstance(seg.get("words"), list):
                    raise ValueError(f'segments[{i}]: no "words" list (Whisper writes it '
                                     "with word timestamps on)")
                lists.append((seg, "words", seg["words"]))
        else:
            if not isinstance(h["result"], list):
                raise ValueError('"result" is not a list')
            lists.append((h, "result", h["result"]))
    flat = [w for _, _, words in lists for w in words]
    restored = restore_words(restorer, flat, profile)
    new_of: dict[int, dict] = {}
    at = 0
    for owner, key, words in lists:
        mine = restored[at : at + len(words)]
        at += len(words)
        new = {**new_of.get(id(owner), owner), key: mine}
        if "text" in owner and key == "words" and isinstance(owner["text"], str):
            new["text"] = _text_of(owner["text"], mine)
        new_of[id(owner)] = new
    out = []
    for h in holders:
        if "segments" in h:
            segs = [new_of.get(id(s), s) for s in h["segments"]]
            new_h = {**h, "segments": segs}
            words = [w for s in segs for w in s["words"]]
        else:
            new_h = new_of[id(h)]
            words = new_h["result"]
        if isinstance(h.get("text"), str):
            new_h["text"] = _text_of(h["text"], words)
        out.append(new_h)
    return out if isinstance(data, list) else out[0]


def _holder(item: Any) -> bool:
    """Does this dict hold a word list (Whisper segments or a Vosk result)?"""
    return isinstance(item, dict) and "word" not in item and ("segments" in item
                                                              or "result" in item)


def _text_of(old: str, words: list) -> str:
    """A transcript's text rebuilt from its restored words, keeping the
    whitespace around the old text.

    >>> _text_of(" hi there", [" Hi", " there."]), _text_of("hi there", ["Hi", "there."])
    (' Hi there.', 'Hi there.')
    """
    texts = [w["word"] if isinstance(w, dict) else w for w in words]
    body = " ".join(t.strip() for t in texts if t.strip())
    head = old[: len(old) - len(old.lstrip())]
    tail = old[len(old.rstrip()):] if old.strip() else ""
    return head + body + tail
