"""Encoding a training corpus once, on several processes when asked.

Training damages every document with each profile and labels every gap
(:func:`unstrip.train.labels.label_documents`); on a large corpus that is most
of a run's start-up. :func:`encode_texts` cuts the texts into parts of 200
and labels them on ``workers`` processes. This module imports no PyTorch,
so the worker processes start quickly. :func:`paragraph_examples` picks
single paragraphs to train on as texts of their own, :func:`short_examples`
single sentences and caption-length spans.

>>> from unstrip.network.wordpieces import DEFAULT_VOCAB
>>> parts = encode_texts(["Hi, you.", "Its fine."], DEFAULT_VOCAB, True, ["seed"], progress=False)
>>> len(parts), [parts[0].strings[i] for i in parts[0].labels[0][0]]
(1, [',', '.'])
"""

from __future__ import annotations

import re
import sys
import zlib
from pathlib import Path

from tqdm import tqdm

from unstrip.evaluate.conversation import sentences, turns
from unstrip.network.wordpieces import WordPieces
from unstrip.train.labels import Interned, label_documents

__all__ = ["SPAN_WORDS", "encode_texts", "paragraph_examples", "short_examples"]

PART = 200


def _encode_part(job: tuple[list[str], str, bool, list[str], float]):
    texts, vocab, split_s, profiles, asr_noise = job
    return label_documents(texts, WordPieces.load(vocab, split_s=split_s), profiles, asr_noise)


def encode_texts(texts: list[str], vocab: str | Path, split_s: bool, profiles: list[str],
                 workers: int = 1, progress: bool = True,
                 asr_noise: float = 0.0) -> list[Interned]:
    """:func:`label_documents` over ``texts`` in parts, on ``workers`` processes.

    ``asr_noise``: the mean word error rate simulated in the ``lower`` examples.

    Each part keeps its own provisional label ids (remapped per part after
    the inventory is chosen); the parts come back in the order of ``texts``.
    """
    jobs = [(texts[i:i + PART], str(vocab), split_s, list(profiles), asr_noise)
            for i in range(0, len(texts), PART)]
    bar = tqdm(total=len(texts), desc="encoding", unit="doc", file=sys.stderr,
               disable=not progress)
    parts = []
    if workers > 1 and len(jobs) > 1:
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            for part in pool.imap(_encode_part, jobs):
                parts.append(part)
                bar.update(len(part.inputs) // max(1, len(profiles)))
    else:
        for job in jobs:
            parts.append(_encode_part(job))
            bar.update(len(job[0]))
    bar.close()
    return parts


def paragraph_examples(texts: list[str], share: float) -> list[tuple[int, str]]:
    """One paragraph of about ``share`` of the texts, to train on as a text of its own.

    A training window is cut from a document's start, so the network only
    sees a text end after a whole document, and a window that short only
    at a document's end: restoring a lone headline it wrote a final period
    (news tune headlines and other paragraphs of up to 12 words, each
    restored alone: period precision 0.38, against 0.93 in their documents,
    ``benchmarks/short_inputs.py``). These examples show it lines, headlines
    and single sentences as users give them. Which texts, and which of a
    text's paragraphs, depend on the text alone (a CRC-32), so a run's data
    is the same every time. Returns ``(index of the text, paragraph)``.

    >>> texts = ["Rates rise\\n\\nThe bank raised rates. It said so.", "One line only."]
    >>> paragraph_examples(texts, 1.0)
    [(0, 'Rates rise')]
    >>> paragraph_examples(texts, 0.0)
    []
    """
    out = []
    for i, text in enumerate(texts):
        key = zlib.crc32(text.encode("utf-8"))
        if key % 1000 >= share * 1000:
            continue
        paras = turns(text)
        if len(paras) > 1:  # a one-paragraph text is already an example of itself
            out.append((i, paras[(key // 1000) % len(paras)]))
    return out


SPAN_WORDS = (4, 12)
"""The fewest and most words of a caption-length span (:func:`short_examples`)."""

_QUOTE_PAIRS = (('"', '"'), ("“", "”"), ("(", ")"), ("[", "]"))
_WORD = re.compile(r"\S+")


def _balanced(text: str) -> bool:
    """Whether every quotation and bracket that ``text`` opens it also closes."""
    for left, right in _QUOTE_PAIRS:
        if (text.count(left) % 2 if left == right else text.count(left) - text.count(right)):
            return False
    return True


def short_examples(texts: list[str], share: float) -> list[tuple[int, str]]:
    """One sentence and one caption-length span of about ``share`` of the texts, to
    train on as texts of their own.

    Users restore one sentence, one chat line or one subtitle cue at a time,
    and a cue often ends mid-sentence. :func:`paragraph_examples` shows the
    network whole paragraphs alone; these show it single sentences
    (:func:`unstrip.evaluate.conversation.sentences`) and spans of
    :data:`SPAN_WORDS` consecutive words of one paragraph, cut anywhere, so
    that it learns a text may end without a sentence end. A sentence that is
    its text's only one is not taken again, and neither is a span that opens
    a quotation or bracket without closing it (or closes one it did not
    open). Which texts, sentences and spans depend on each text alone (a
    CRC-32), so a run's data is the same every time. Returns ``(index of
    the text, example)``.

    >>> texts = ["The bank raised rates on Monday. It said so in a note to its clients."]
    >>> for i, example in short_examples(texts, 1.0):
    ...     print(example)
    It said so in a note to its clients.
    The bank raised rates on Monday. It said so in a
    >>> short_examples(texts, 0.0)
    []
    """
    out = []
    for i, text in enumerate(texts):
        key = zlib.crc32(b"short|" + text.encode("utf-8"))
        if key % 1000 >= share * 1000:
            continue
        key //= 1000
        paras = turns(text)
        every = sentences(text)
        if len(every) > 1:
            sentence = every[key % len(every)].strip()
            if _balanced(sentence):
                out.append((i, sentence))
        key //= max(1, len(every))
        para = paras[key % len(paras)] if paras else ""
        words = _WORD.findall(para)
        low, high = SPAN_WORDS
        if len(words) > low:
            key //= len(paras)
            n = low + key % (min(high, len(words) - 1) - low + 1)
            start = (key // (high + 1)) % (len(words) - n + 1)
            span = " ".join(words[start:start + n])
            if _balanced(span):
                out.append((i, span))
    return out
