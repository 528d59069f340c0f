"""Paragraph breaks for text that lost them: a small logistic model over sentence ends.

A long punctuated text flattened into one line (the ``newlines`` profile)
keeps the space each paragraph break became; :func:`paragraph_breaks` says
which sentence ends were paragraph ends, and :func:`with_breaks` turns those
spaces back into ``\\n\\n``.
"""

from __future__ import annotations

import math
import re

from unstrip.text.damage import sentence_ends

__all__ = ["PARAGRAPH_THRESHOLD", "PARAGRAPH_WEIGHTS", "SPEECH_THRESHOLD", "SPEECH_WEIGHTS",
           "paragraph_breaks", "with_breaks"]


PARAGRAPH_WEIGHTS = (
    -5.251, 0.4151, 0.4612, 0.2236, -1.3083, -1.6327, -1.2393, -1.0708, 0.2259, 1.9911, 0.8323,
    -0.3758, 1.1415, 2.8689, -0.0572, 0.0621, 0.7426, -0.6056, 0.1896, 0.3794, -0.5177, 2.5748,
    0.0,
)
"""Logistic weights of :func:`paragraph_features`, fitted on 1,500 train-split documents
each of BBC features and Reuters wire stories, the news sources that keep their body
paragraphs (34,362 sentence ends, 33% of them paragraph ends), by
``python benchmarks/profiles_quality.py --fit-paragraphs 1500``."""


PARAGRAPH_THRESHOLD = 0.4
"""Chosen on the news ``tune`` part, the highest threshold whose mean paragraph F1 over
those two sources is within 0.02 of the best: P / R / F1 0.766 / 0.243 / 0.368 on BBC
features, 0.768 / 0.704 / 0.735 on Reuters wire stories. Weights fitted on all news,
whose flattened bodies teach that a long text has no breaks, find almost none in features
(0.500 / 0.005 / 0.010 there; 0.795 / 0.674 / 0.729 on wire stories)."""

SPEECH_WEIGHTS = (
    2.0113, -0.2594, 0.3718, -0.5828, 0.4293, 0.5858, 0.5871, 0.4092, 1.1885, 0.0774, 0.5711,
    -0.2584, -0.7713, -0.4813, -0.1856, 0.2883, 0.4014, -0.6808, -0.01, 0.6526, 0.3622, 0.0, 0.0,
)
"""Logistic weights of :func:`paragraph_features` for speech, fitted on 3,000 train-split
documents of TED talks, court arguments and conversation (126,340 sentence ends, 32%
of them paragraph ends) by ``python benchmarks/speech_paragraphs.py --fit 3000``."""

SPEECH_THRESHOLD = 0.4
"""Chosen on the tune parts (``python benchmarks/speech_paragraphs.py --part tune
--thresholds 0.3 0.4 0.5``); paragraph P / R / F1 at 0.4 with model en-2026.12.1 on TED
talks 0.126 / 0.048 / 0.070, court arguments 0.194 / 0.044 / 0.071, conversations
0.455 / 0.485 / 0.470 (0.3 writes four times as many breaks in talks, most of them
wrong). A talk's paragraphs follow its topics, which these features barely see: only
turns of conversation are found well."""

# Newswire datelines: ``TOKYO, June 29 - `` opens a text of short paragraphs; a
# ``(Reuters) -`` near the start one whose body is a single paragraph.


_DATELINE = re.compile(r"[A-Z][A-Za-z .'-]*, [A-Z][a-z]+ \d{1,2} - ")


_SAID = ("said", "says", "added", "told")


def paragraph_features(text: str, ends: list[int], k: int, last: int, count: int) -> list[float]:
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


def paragraph_breaks(text: str, register: str = "news") -> list[tuple[int, float]]:
    """Where a flattened text most likely had its paragraph breaks.

    Each sentence end followed by one space is scored from left to right by
    a logistic model over the sentence and paragraph lengths around it and
    how the sentence ends (a closing quote, ``said``); where the probability
    is at least :data:`PARAGRAPH_THRESHOLD` the space was a break. Returns
    ``(offset of the space, probability)``. ``register`` ``speech`` takes the
    weights and threshold fitted on talks, court arguments and conversation
    (:data:`SPEECH_WEIGHTS`): their paragraphs are turns and topics, not a
    newswire's one or two sentences.

    >>> text = ("BONN, March 3 - Prices rose on Monday. Traders were surprised. "
    ...         "'It came from nowhere,' one dealer said. Others agreed.")
    >>> [text[i - 6 : i] for i, p in paragraph_breaks(text)]
    ['onday.', ' said.']
    """
    weights, threshold = ((PARAGRAPH_WEIGHTS, PARAGRAPH_THRESHOLD) if register == "news"
                          else (SPEECH_WEIGHTS, SPEECH_THRESHOLD))
    ends = sentence_ends(text)
    out: list[tuple[int, float]] = []
    last, count = -1, 0
    for k in range(len(ends)):
        count += 1
        z = sum(w * float(f) for w, f in zip(
            weights, paragraph_features(text, ends, k, last, count), strict=True))
        p = 1.0 / (1.0 + math.exp(-z))
        if p >= threshold:
            out.append((ends[k], p))
            last, count = ends[k], 0
    return out


def with_breaks(text: str, breaks: list[tuple[int, float]]) -> str:
    out, at = [], 0
    for i, _ in breaks:
        out += [text[at:i], "\n\n"]
        at = i + 1
    return "".join(out) + text[at:]
