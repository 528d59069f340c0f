"""Insertions inside words, from the lexicon of written forms (the ``lexicon`` pass).

The network labels the gaps between word pieces; a gap strictly inside one
piece (``groups`` -> ``group's``, ``20000`` -> ``20,000``) gets the mark of
the word's written form that the lexicon (:mod:`unstrip.decode.lexicon`),
or in context the word-context table (:mod:`unstrip.decode.wordcontext`),
chooses: :func:`inner_insertions`.

>>> from unstrip.network.wordpieces import WordPieces
>>> inner_insertions(WordPieces.load().encode("dont"), {"dont": {"don't": 6}}, confident=0.9)
{3: ("'", 1.0)}
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from unstrip.decode.lexicon import choose_form, gap_support, number_share
from unstrip.decode.wordcontext import (
    END,
    START,
    WordContext,
    choose_in_context,
    neighbour_pairs,
    possessive_echo,
    possessive_form,
)
from unstrip.network.wordpieces import Encoded
from unstrip.text.alignment import align
from unstrip.text.tokens import word_key

__all__ = ["inner_and_between", "inner_insertions"]

_HAS_DIGIT = re.compile(r"[0-9]")

def inner_insertions(
    enc: Encoded,
    lexicon: dict[str, dict[str, int]],
    cased: bool = True,
    confident: float | None = None,
    context: WordContext | None = None,
    network: Sequence[str] | None = None,
    pairs: Counter | None = None,
) -> dict[int, tuple[str, float]]:
    """Insertions inside words, from a lexicon of written forms.

    ``lexicon`` maps :func:`unstrip.text.tokens.word_key` keys to counts of
    written forms (the baseline model's lexicon); the form is chosen by
    :func:`unstrip.decode.lexicon.choose_form`. Its insertions that fall strictly
    inside one word piece are returned as ``{gap: (insertion, share of the
    form)}``. Gaps between word pieces of a word are the network's, unless
    ``confident`` is given: then those where at least that share of the
    word's forms insert something (:func:`unstrip.decode.lexicon.gap_support`) are
    returned too, with that share (the caller decides whether they win).
    With a ``context`` table and cased input, a word whose forms differ in
    their marks takes the form its neighbours favour
    (:func:`unstrip.decode.wordcontext.choose_in_context`: ``rose 25 pct`` ->
    ``2.5``). Where the table is at least ``context.sure`` of it, that form
    also overrides the network's marks between the word's pieces; below, the
    form must agree with them (``network``: the insertion at every gap so
    far). Lowercased input is refitted with the table once recased.
    With ``context.echo`` set, a capitalised word ending in ``s`` whose
    bare form follows the same word elsewhere takes a possessive
    (:func:`unstrip.decode.wordcontext.possessive_echo`); ``pairs`` counts the
    neighbouring words of the whole document (default: of ``enc`` alone).

    >>> from unstrip.network.wordpieces import WordPieces
    >>> wp = WordPieces.load()
    >>> inner_insertions(wp.encode("the groups"), {"groups": {"group's": 3, "groups": 1}})
    {9: ("'", 0.75)}
    >>> inner_insertions(wp.encode("dont"), {"dont": {"don't": 9}})  # don|##t: the model's
    {}
    >>> inner_insertions(wp.encode("dont"), {"dont": {"don't": 6, "don’t": 3}}, confident=0.9)
    {3: ("'", 1.0)}
    """
    return _walk(enc, lexicon, cased, confident, context, network, pairs)[0]


def inner_and_between(
    enc: Encoded,
    lexicon: dict[str, dict[str, int]],
    cased: bool,
    sure: float,
    context: WordContext | None = None,
    network: Sequence[str] | None = None,
    pairs: Counter | None = None,
) -> tuple[dict[int, tuple[str, float]], dict[int, tuple[str, float]]]:
    """The ``lexicon`` and ``lexicon-between`` passes' lexicon answers, in one walk of the words.

    The decoder asks the lexicon twice per text: for the marks inside word
    pieces, in context (``inner_insertions(enc, lexicon, cased,
    context=..., network=..., pairs=...)``), and for the marks it is
    ``sure`` of between the pieces of one word, without context
    (``inner_insertions(enc, lexicon, cased, sure)``, of which only the
    gaps between pieces are read). Two calls found every word, its key
    and its form twice; this finds them once and returns both answers:
    the first call's, and the second's at gaps between pieces.

    >>> from unstrip.network.wordpieces import WordPieces
    >>> enc = WordPieces.load().encode("the groups dont")  # the|groups|don|##t
    >>> lex = {"groups": {"group's": 3, "groups": 1}, "dont": {"don't": 6, "don’t": 3, "dont": 1}}
    >>> inner_and_between(enc, lex, True, 0.9)
    ({9: ("'", 0.75)}, {14: ("'", 0.9)})
    """
    return _walk(enc, lexicon, cased, None, context, network, pairs, between=sure)


def _walk(
    enc: Encoded,
    lexicon: dict[str, dict[str, int]],
    cased: bool,
    confident: float | None,
    context: WordContext | None,
    network: Sequence[str] | None,
    pairs: Counter | None,
    between: float | None = None,
) -> tuple[dict[int, tuple[str, float]], dict[int, tuple[str, float]]]:
    """:func:`inner_insertions` with these arguments, and where ``between`` is
    given, ``inner_insertions(enc, lexicon, cased, between)`` at the gaps
    between word pieces (else ``{}``)."""
    out: dict[int, tuple[str, float]] = {}
    plain_out: dict[int, tuple[str, float]] = {}
    if not len(enc):
        return out, plain_out
    text = enc.text
    starts, ends, words = enc.starts.tolist(), enc.ends.tolist(), enc.word.tolist()
    words_of = _words(enc) if context is not None and cased else []
    keys = [word_key(w) for w in words_of]
    echo = bool(keys) and context.echo > 0
    if echo and pairs is None:
        pairs = neighbour_pairs(words_of)
    apostrophe = None  # the text's style, worked out when an echo first needs it
    i = 0
    n = len(starts)
    while i < n:
        # One word (a piece of tokens.pieces): word piece i and its continuations.
        j = i + 1
        while j < n and words[j] == words[i]:
            j += 1
        a, b = starts[i], ends[j - 1]
        word = text[a:b]
        if b - a > 1 and word_key(word) in lexicon:
            w = words[i]
            cuts = set(ends[i : j - 1])
            ranked = choose_in_context(
                lexicon, context, word, keys[w - 1] if w else START,
                keys[w + 1] if w + 1 < len(keys) else END) if cased and keys else []
            # A context choice it is sure of settles the gaps between the
            # word's pieces too (State|'|s), empty ones included (group|s);
            # otherwise the likeliest form that agrees with the network's marks
            # there fills the in-piece gaps (34|.|7 is 34.7, never 3.4.7).
            decided = bool(ranked) and ranked[0][1] >= context.sure
            # A name the text also writes bare (Islamic State) makes its s possessive.
            # Words the table does not know take the text's apostrophe (Center|'|s).
            if echo and w and possessive_echo(words_of[w - 1], word, pairs):
                form = possessive_form(ranked)
                if form is None:
                    if apostrophe is None:
                        marks = "".join(network or ())
                        apostrophe = "’" if marks.count("’") > marks.count("'") else "'"
                    form = f"{word[:-1]}{apostrophe}s"
                ranked, decided = [(form, context.echo)], True
            if ranked and not decided and network is not None:
                agree = [fs for fs in ranked if _marks_at(fs[0], word, a, cuts) ==
                         {g: network[g] for g in cuts}]
                ranked = agree or ranked
            form, share = ranked[0] if ranked else choose_form(lexicon, word, cased)
            if not ranked and _HAS_DIGIT.search(word):
                # A number's marks may change its value: a form counted only
                # a few times is not sure (unstrip.decode.rules.number_safe).
                share = number_share(lexicon, word, cased)
            ins = align(form, word if cased else word.lower(), "seed" if cased else "lower")
            sure = gap_support(lexicon, word, cased) if confident is not None and cuts else {}
            for k in range(1, b - a):
                mark = ins.insertions[k]
                if a + k in cuts:
                    if decided:
                        out[a + k] = (mark, share)
                    elif mark and sure and sure.get(k, 0.0) >= confident:
                        out[a + k] = (mark, sure[k])
                elif mark:
                    out[a + k] = (mark, share)
            if between is not None and cuts:
                # As without context: the lexicon's most frequent form, at
                # gaps where at least ``between`` of the forms insert.
                support = gap_support(lexicon, word, cased)
                if support:
                    plain = choose_form(lexicon, word, cased)[0]
                    plain_marks = ins.insertions if plain == form else align(
                        plain, word if cased else word.lower(),
                        "seed" if cased else "lower").insertions
                    for g in ends[i : j - 1]:
                        mark = plain_marks[g - a]
                        if mark and support.get(g - a, 0.0) >= between:
                            plain_out[g] = (mark, support[g - a])
        i = j
    return out, plain_out


def _words(enc: Encoded) -> list[str]:
    """The stripped text of every word (:func:`unstrip.text.tokens.pieces` piece) of ``enc``.

    Taken from the encoding's own word numbering, so that a recased text
    (``enc`` with other ``text``) keeps the words of the text it was made from.

    >>> from unstrip.network.wordpieces import WordPieces
    >>> _words(WordPieces.load().encode("Islamic States fighters"))
    ['Islamic', 'States', 'fighters']
    """
    spans: dict[int, list[int]] = {}
    for w, a, b in zip(enc.word.tolist(), enc.starts.tolist(), enc.ends.tolist(), strict=True):
        spans.setdefault(w, [a, b])[1] = b
    n = max(spans) + 1 if spans else 0
    return [enc.text[slice(*spans[w])] if w in spans else "" for w in range(n)]


def _marks_at(form: str, word: str, start: int, gaps: set[int]) -> dict[int, str]:
    """What written ``form`` of stripped ``word`` (at ``start``) inserts at text gaps ``gaps``.

    >>> _marks_at("34.7", "347", 10, {12})
    {12: '.'}
    """
    ins = align(form, word).insertions
    return {g: ins[g - start] for g in gaps}
