"""Live streams: restore text as it arrives, and never take back what was shown.

The problem
-----------
Live captions arrive a few words at a time, and a caption already on screen
must not change. The restorer only inserts marks and changes case, so a word
can be shown, restored, once enough words have followed it for the model to
know how its sentence goes on: ``lookahead`` words of right context. What was
shown is final; the rest is held back until its right context has arrived, or
until :meth:`Stream.flush` says the stream ended.

>>> from unstrip.restorer import Restorer
>>> s = Stream(Restorer(), lookahead=2, step=1)
>>> pieces = ["thank you so much chris", " its truly a great hon", "or to be here"]
>>> shown = [s.push(p) for p in pieces] + [s.flush()]
>>> shown
['Thank you ', "so much, Chris. It's truly ", 'a great honor ', 'to be here.']
>>> "".join(shown) == Restorer().restore("".join(pieces))
True

Restoring with a lookahead
--------------------------
What a stream shows is a function of the whole text and the settings only,
never of how the text was cut into pushes. Precisely, for a text ``T``,
``lookahead`` L, ``step`` B and ``context`` C:

1. **Repair.** Under ``auto`` (and ``mojibake``), every word that is not ASCII
   is repaired by :func:`unstrip.fix_encoding` on its own; ``T`` below is the
   text after that.
2. **Words.** The words ``w_0 ... w_{n-1}`` are the maximal runs of
   non-whitespace characters (a run longer than :data:`MAX_WORD` characters
   counts as pieces of that many). A word is *complete* once whitespace
   follows it (or the stream ended). Whitespace, line breaks included, is kept
   as it is.
3. **Blocks.** Words are decided ``B`` at a time: block ``k`` is
   ``w_{kB} ... w_{kB+B-1}``. While at least ``B + L`` words remain from
   ``w_{kB}`` on, the block is decided by restoring (:meth:`Restorer.explain`)
   the *window* from the start of ``w_{kB-C}`` (the text's start when
   ``kB - C <= 0``) to the end of ``w_{kB+B-1+L}``: every word of the block has
   at least L words of right context in it. Once fewer remain, all the remaining
   words form the last block, whose window runs to the end of the text.
4. **What a block shows.** From its window's restoration a block takes the
   characters from the start of its first word (the text's start for the first
   block) to the start of the next block's first word (the text's end for the
   last block), with their case and the marks inserted after each of them.
   So the marks at the gap before a word, and the whitespace there, are shown
   with the word before it; the word's own case is decided with the word.
5. **Casing at a block's start.** For lowercased profiles, the first letter
   of a block's first word follows the marks already shown before it: a
   capital if they end a sentence (``.``, ``?``, ``!`` or ``…``, closing quotes
   and brackets allowed, not the period of ``U.S.``) and the window did not end
   one there; the input's lowercase letter if the window ended a sentence
   there and the shown marks do not (``I`` stays ``I``). Across a line break
   the window's case stands.
6. **Profile.** A profile other than ``auto`` is obeyed. Under ``auto`` the
   damage is detected (:func:`unstrip.detect_profile`) once, on the first
   window that holds a letter, and kept for the rest of the stream (windows
   before it have no letters; each is judged alone). Text detected as
   ``punctuated`` is shown as it came.
7. **Quotes.** With the restorer's quote style ``auto``, the style of the
   first quote or apostrophe shown is kept for the rest of the stream.
8. **Vocabulary.** The restorer's ``vocab`` forms are written into each window
   (:func:`unstrip.decode.vocabulary.explain_with_vocabulary`).

The output keeps every character of ``T``: for a profile P and a text damaged
by it, ``P(shown) == T``. The concatenation of all pushes' returns and the
flush is the same whatever the chunking; a word is shown at most ``B - 1 + L``
complete words after it arrived, on average ``(B - 1) / 2 + L``.

Cost: one network call per block, on a window of about ``C + B + L`` words,
and none for a push that completes no block. Memory: the stream keeps the
``C`` words of left context, the words not yet shown (fewer than ``B + L``
complete ones) and the word being received, so it stays bounded on an
endless stream (see :attr:`Stream.held`).
"""

from __future__ import annotations

import copy
import re

from unstrip.text.damage import PROFILE_CHOICES, detect_profile
from unstrip.text.encoding import fix_encoding
from unstrip.text.profiles import LOWERED_PROFILES

__all__ = ["Stream", "MAX_WORD", "DEFAULT_STEP", "DEFAULT_CONTEXT", "MAX_LOOKAHEAD"]

MAX_WORD = 1000
"""A run of non-whitespace characters longer than this counts as several words of
this many characters, so that text without spaces is still shown and memory stays
bounded."""

DEFAULT_STEP = 8
"""Words decided per network call (``step``): more costs less and holds words back longer."""

DEFAULT_CONTEXT = 200
"""Words of left context each window starts with (``context``). Chosen on TED tune talks
at lookahead 8 (``benchmarks/streaming.py --part tune``): marks F1 against restoring the
whole talk -0.045 with 40 words (step 4), -0.026 with 120, -0.013 with 200 (step 8), at
about 25 network words per word."""

MAX_LOOKAHEAD = 256
"""The largest ``lookahead``, ``step`` and ``context`` a stream accepts."""

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\S+")
_LETTER = re.compile(r"[^\W\d_]")
_ENDS_SENTENCE = re.compile(r"[.?!…][\"'”’)\]»]*$")
_INITIALISM = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")
_PRONOUN_I = re.compile(r"I(?:['’](?:m|ll|d|ve))?")
_CURLY = frozenset("’‘“”")
_STRAIGHT = frozenset("'\"")


class Stream:
    """Restore a live stream: :meth:`push` returns what became final, :meth:`flush` the rest.

    ``restorer`` is a :class:`unstrip.Restorer` (or any object with its
    ``explain``). ``lookahead`` is how many complete words must follow a word
    before it is shown, ``step`` how many words one network call decides and
    ``context`` how many words before them each call sees; ``profile`` is the
    damage to assume (``auto`` detects it once). See the module's docstring
    for the exact rule; :attr:`calls` and :attr:`restored_words` count the
    network calls made and the words passed to them.

    >>> from unstrip.restorer import Restorer
    >>> s = Stream(Restorer("baseline"), lookahead=1, step=1)
    >>> s.push("Its a selfpro"), s.push("claimed win "), s.flush()
    ("It's ", 'a self-proclaimed ', 'win. ')
    """

    def __init__(self, restorer, lookahead: int = 8, profile: str = "auto", *,
                 step: int = DEFAULT_STEP, context: int = DEFAULT_CONTEXT):
        for name, value, least in (("lookahead", lookahead, 1), ("step", step, 1),
                                   ("context", context, 0)):
            if isinstance(value, bool) or not isinstance(value, int) or not (
                    least <= value <= MAX_LOOKAHEAD):
                raise ValueError(f"{name} must be a whole number from {least} to "
                                 f"{MAX_LOOKAHEAD}, not {value!r}")
        if profile not in PROFILE_CHOICES:
            raise ValueError(
                f"unknown profile {profile!r}; choose one of: {', '.join(PROFILE_CHOICES)}")
        if profile == "newlines":
            raise ValueError("a stream cannot restore paragraph breaks (profile 'newlines'): "
                             "they depend on whole paragraphs; restore the text at once")
        self.restorer = restorer
        self.lookahead = lookahead
        self.step = step
        self.context = context
        self.profile = profile
        self.calls = 0
        """Network calls (``explain``) made so far."""
        self.restored_words = 0
        """Words passed to those calls, context and lookahead included."""
        self._repair = profile in ("auto", "mojibake")
        self._kind = None if self._repair else profile  # the damage, once known
        self._explainer = restorer
        self._style_open = getattr(restorer, "quotes", None) == "auto"
        self._raw = ""  # received, not yet split into words: the word being received
        self._text = ""  # repaired text from absolute offset ``_origin`` on
        self._origin = 0
        self._starts: list[int] = []  # complete words kept: absolute start and end offsets
        self._ends: list[int] = []
        self._first = 0  # absolute index of the word at ``_starts[0]``
        self._next = 0  # absolute index of the first word not yet shown
        self._shown = 0  # absolute offset: the characters before it are shown
        self._between = ""  # what was shown between the last shown word and the next
        self._last_word = ""  # the last shown word as shown
        self._done = False

    # -- public API ----------------------------------------------------------
    def push(self, text: str) -> str:
        """Take the next piece of the stream; return the text that became final.

        The piece may end anywhere, inside a word too. The return is often
        empty: nothing is final until ``lookahead`` words follow it.
        """
        if self._done:
            raise ValueError("the stream was flushed: start a new one")
        if not isinstance(text, str):
            raise TypeError(f"push() takes text (str), not {type(text).__name__}")
        self._raw += text
        self._absorb(final=False)
        return self._emit(final=False)

    def flush(self) -> str:
        """End the stream: return everything not shown yet, restored.

        After this the stream takes no more text.
        """
        if self._done:
            return ""
        self._absorb(final=True)
        out = self._emit(final=True)
        self._done = True
        return out

    @property
    def held(self) -> int:
        """Characters received and not shown yet (the word being received included)."""
        return len(self._text) - (self._shown - self._origin) + len(self._raw)

    @property
    def kept(self) -> int:
        """Characters the stream keeps now (left context, held text and the word being
        received): bounded by the context, step, lookahead and :data:`MAX_WORD`."""
        return len(self._text) + len(self._raw)

    # -- splitting into words ----------------------------------------------------
    def _absorb(self, final: bool) -> None:
        """Move whitespace and complete words from ``_raw`` into the text."""
        raw, pos = self._raw, 0
        while pos < len(raw):
            space = _SPACE.match(raw, pos)
            if space:
                self._text += space.group()
                pos = space.end()
                continue
            end = _WORD.match(raw, pos).end()
            if end - pos > MAX_WORD:
                end = pos + MAX_WORD
            elif end == len(raw) and not final:
                break  # more of this word may come
            word = raw[pos:end]
            if self._repair and not word.isascii():
                word = fix_encoding(word)
            start = self._origin + len(self._text)
            self._text += word
            self._starts.append(start)
            self._ends.append(start + len(word))
            pos = end
        self._raw = raw[pos:]

    # -- deciding blocks -----------------------------------------------------------
    def _emit(self, final: bool) -> str:
        out = []
        while True:
            s = self._next
            n = self._first + len(self._starts)  # complete words so far
            ahead = s + self.step - 1 + self.lookahead
            if ahead < n:
                out.append(self._decide(s, s + self.step, self._end(ahead), ahead))
            elif final:
                out.append(self._decide(s, n, self._origin + len(self._text), n - 1))
                return "".join(out)
            else:
                return "".join(out)

    def _start(self, word: int) -> int:
        return self._starts[word - self._first]

    def _end(self, word: int) -> int:
        return self._ends[word - self._first]

    def _decide(self, s: int, e: int, win_end: int, ahead: int) -> str:
        """Show words ``s`` to ``e - 1`` (to the text's end if ``e`` is the word count)."""
        n = self._first + len(self._starts)
        last = e >= n
        lo = max(0, s - self.context)
        win_start = 0 if lo == 0 else self._start(lo)
        a = 0 if s == 0 else self._start(s)  # absolute: the first character shown
        b = self._origin + len(self._text) if last else self._start(e)
        window = self._text[win_start - self._origin : win_end - self._origin]
        ins, kept = self._restore(window, ahead - lo + 1 if n > lo else 0)
        a_rel, b_rel = a - win_start, b - win_start
        if s > 0 and self._kind in LOWERED_PROFILES and a_rel < len(kept):
            self._fix_first_letter(kept, ins, window, s, win_start, a_rel)
        shown = [ins[0]] if s == 0 else []
        for k in range(a_rel, b_rel):
            shown.append(kept[k] + ins[k + 1])
        if not last:
            p = self._end(e - 1) - win_start
            q = self._start(e - 1) - win_start
            self._between = ins[p] + "".join(kept[k] + ins[k + 1] for k in range(p, b_rel))
            self._last_word = "".join(
                kept[k] + (ins[k + 1] if k + 1 < p else "") for k in range(q, p))
        out = "".join(shown)
        if self._style_open:
            self._keep_style("".join(ins[max(1, a_rel) : b_rel + 1]))
        self._shown = b
        self._next = e
        self._trim()
        return out

    def _restore(self, window: str, words: int) -> tuple[list[str], list[str]]:
        """``(insertions per gap, characters as cased)`` of ``window``'s restoration."""
        ins = [""] * (len(window) + 1)
        kept = list(window)
        kind = self._kind
        if kind is None:
            kind = detect_profile(window, flattened=False)
            if _LETTER.search(window):
                self._kind = kind
        if kind in ("empty", "punctuated") or not words:
            return ins, kept
        if getattr(self._explainer, "vocab", None):  # the user's written forms
            from unstrip.decode.vocabulary import explain_with_vocabulary

            restoration = explain_with_vocabulary(self._explainer, window, kind)
        else:
            restoration = self._explainer.explain(window, kind)
        self.calls += 1
        self.restored_words += words
        for i in restoration.insertions:
            ins[i.offset] += i.insert
        for r in restoration.recased:
            if len(r.to) == 1 and r.to.lower() == window[r.offset].lower():
                kept[r.offset] = r.to
        return ins, kept

    def _fix_first_letter(self, kept: list[str], ins: list[str], window: str, s: int,
                          win_start: int, a_rel: int) -> None:
        """Make the case of word ``s``'s first letter follow the marks shown before it."""
        if any(c in "\n\r" for c in self._between):
            return
        if self.context:  # word s - 1 is in the window
            p = self._end(s - 1) - win_start
            here = ins[p] + "".join(kept[k] + ins[k + 1] for k in range(p, a_rel))
            window_ends = _ends_sentence(here, self._word_as_cased(kept, ins, s - 1, win_start))
        else:
            window_ends = True  # the window starts at this word, as a text does
        shown_ends = _ends_sentence(self._between, self._last_word)
        if shown_ends == window_ends:
            return
        c = window[a_rel]
        if shown_ends:
            up = c.upper()
            if c.islower() and len(up) == 1:
                kept[a_rel] = up
            return
        word = "".join(kept[a_rel : self._end(s) - win_start])
        if not _PRONOUN_I.fullmatch(word):
            kept[a_rel] = c

    def _word_as_cased(self, kept: list[str], ins: list[str], w: int, win_start: int) -> str:
        q, p = self._start(w) - win_start, self._end(w) - win_start
        return "".join(kept[k] + (ins[k + 1] if k + 1 < p else "") for k in range(q, p))

    def _keep_style(self, inserted: str) -> None:
        """Keep the quote style of the first quote or apostrophe the stream inserted."""
        marks = set(inserted)
        style = "curly" if marks & _CURLY else "straight" if marks & _STRAIGHT else None
        if style is None:
            return
        self._style_open = False
        explainer = copy.copy(self.restorer)
        explainer.quotes = style
        self._explainer = explainer

    def _trim(self) -> None:
        """Forget the words and text before the next window's left context."""
        keep = self._next - self.context
        if not self._first < keep < self._first + len(self._starts):
            return  # the context reaches back to the first word kept, or the stream ended
        cut = self._start(keep)
        drop = keep - self._first
        del self._starts[:drop]
        del self._ends[:drop]
        self._first = keep
        self._text = self._text[cut - self._origin :]
        self._origin = cut


def _ends_sentence(between: str, word: str) -> bool:
    """Whether the marks ``between`` two words (after ``word`` as shown) end a sentence.

    >>> _ends_sentence(". ", "there"), _ends_sentence('?" ', "so"), _ends_sentence(". ", "U.S")
    (True, True, False)
    >>> _ends_sentence(", ", "well")
    False
    """
    marks = between.rstrip()
    if not _ENDS_SENTENCE.search(marks):
        return False
    return not (marks == "." and _INITIALISM.fullmatch(word))
