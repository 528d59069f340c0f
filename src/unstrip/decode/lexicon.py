"""The lexicon: which written form a stripped word most likely had.

Stripping turns ``don't`` into ``dont``, ``self-proclaimed`` into
``selfproclaimed`` and ``20,000`` into ``20000``. Counted over clean text, the
written forms of each stripped word settle most in-word gaps by themselves.
The lexicon is a plain mapping from :func:`unstrip.text.tokens.word_key` keys
(lowercase, digits as ``0``) to counts of written forms (digits as ``0`` too);
it is built with the baseline model (:func:`unstrip.train.count_model.build`),
stored in a file of its own beside the count model's tables
(``data/lexicon.json.gz``, :func:`read_lexicon`) and shared by every model:
the learned model reads only the lexicon (0.05 s), not the count model's
gap tables (0.3 s more of loading).

>>> lex = {"dont": {"don't": 40, "dont": 1}, "00000": {"00,000": 9, "00000": 2},
...        "london": {"LONDON": 30, "London": 25}, "groups": {"groups": 5, "group's": 3}}
>>> choose_form(lex, "dont", cased=True)
("don't", 0.9756)
>>> choose_form(lex, "20500", cased=True)
('20,500', 0.8182)
>>> choose_form(lex, "london", cased=False)   # casing too, for lowercased input
('London', 0.4545)
>>> choose_form(lex, "Groups", cased=True)    # must keep the capital G: no form fits
('Groups', 1.0)

A restore asks about the same word many times (every time it occurs, and
from several passes), so :func:`choose_form`, :func:`number_share`,
:func:`gap_support` and the forms that fit a word are worked out once per
lexicon, word and casing and then looked up. The lexicon is recognised by
identity: a lexicon must not be changed once it has been used (build a new
dict instead). The dicts returned are shared, so callers only read them.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from unstrip.text.profiles import seed as strip_seed
from unstrip.text.tokens import fill_digits, word_key

__all__ = ["choose_form", "gap_support", "known_case", "letter_counts", "mixed_case",
           "number_share", "read_count_model", "read_lexicon", "write_gzip_json", "write_lexicon",
           "COUNT_MODEL_PATH", "LEXICON_PATH", "LEXICON_FORMAT"]

COUNT_MODEL_PATH = Path(__file__).resolve().parents[1] / "data" / "baseline.json.gz"
"""The count model's gap tables (:mod:`unstrip.baseline`)."""

LEXICON_PATH = COUNT_MODEL_PATH.with_name("lexicon.json.gz")
"""Every model's lexicon; a count model's lexicon is the ``lexicon.json.gz`` beside its tables."""

LEXICON_FORMAT = "unstrip-lexicon/1"


def _read_gzip_json(path: str | Path, what: str) -> dict:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{what} not found at {path}; build it with "
                                "`python -m unstrip.train.count_model CORPUS... --out PATH`")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def read_count_model(path: str | Path = COUNT_MODEL_PATH) -> dict:
    """The count model's tables as stored at ``path`` (a gzipped JSON object)."""
    return _read_gzip_json(path, "baseline model")


def read_lexicon(path: str | Path = LEXICON_PATH) -> dict[str, dict[str, int]]:
    """The lexicon stored at ``path`` by :func:`write_lexicon`."""
    data = _read_gzip_json(path, "lexicon")
    if data.get("format") != LEXICON_FORMAT:
        raise ValueError(f"not an unstrip lexicon: {path} (format {data.get('format')!r})")
    return data["lexicon"]


def write_gzip_json(data: dict, path: str | Path) -> None:
    """Store ``data`` at ``path`` as compact gzipped JSON, byte for byte the same for the
    same data (no time stamp in the gzip header)."""
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    with open(path, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0) as gz:
        gz.write(raw)


def write_lexicon(lexicon: dict[str, dict[str, int]], path: str | Path) -> None:
    """Store ``lexicon`` at ``path`` for :func:`read_lexicon` (:func:`write_gzip_json`)."""
    write_gzip_json({"format": LEXICON_FORMAT, "lexicon": lexicon}, path)


_MEMO_LEXICONS = 4  # lexicons remembered at once (a restore uses one)
_MEMO_ENTRIES = 1 << 15  # answers remembered per lexicon before starting afresh
# id(lexicon) -> (the lexicon, its answers). The lexicon is held so that its id
# cannot be given to another dict while its answers are kept.
_memos: dict[int, tuple[dict, dict]] = {}
# The entry of the lexicon asked about last, for a quick check (one tuple,
# read and replaced whole, so threads never see half of two entries).
_last: list[tuple[dict, dict]] = [({}, {})]


def _memo(lexicon: dict) -> dict:
    """The remembered answers for ``lexicon`` (by identity), bounded in size."""
    entry = _last[0]
    if entry[0] is lexicon and len(entry[1]) < _MEMO_ENTRIES:
        return entry[1]
    entry = _memos.get(id(lexicon))
    if entry is None:
        if len(_memos) >= _MEMO_LEXICONS:
            _memos.clear()
        entry = _memos[id(lexicon)] = (lexicon, {})
    elif len(entry[1]) >= _MEMO_ENTRIES:
        entry[1].clear()
    _last[0] = entry
    return entry[1]


def _remembered(compute, lexicon: dict, word: str, cased: bool):
    """``compute(lexicon, word, cased)``, remembered per lexicon (:func:`_memo`) and question."""
    memo = _memo(lexicon)
    key = (compute, word, cased)
    got = memo.get(key)
    if got is None:
        got = memo[key] = compute(lexicon, word, cased)
    return got


def choose_form(
    lexicon: dict[str, dict[str, int]], word: str, cased: bool = True
) -> tuple[str, float]:
    """The most frequent written form of stripped ``word`` and its share of the counts.

    With ``cased`` the form must keep the word's letters exactly (capitals
    included); without it (lowercased input) any casing may be chosen, but an
    all-capitals form (``LONDON``, from datelines) gives way to a mixed-case
    one at least a third as frequent. Unknown words come back unchanged with
    share 1.0. The share is rounded to 4 places.
    """
    return _remembered(_choose_form, lexicon, word, cased)


def _choose_form(
    lexicon: dict[str, dict[str, int]], word: str, cased: bool
) -> tuple[str, float]:
    fit = _fitting(lexicon, word, cased)
    if not fit:
        return word, 1.0
    best = max(fit, key=fit.__getitem__)
    if not cased and best.isupper() and best.isalpha() and len(best) > 1:
        others = [f for f in fit if not f.isupper() and 3 * fit[f] >= fit[best]]
        if others:
            best = max(others, key=fit.__getitem__)
    return fill_digits(best, word), round(fit[best] / sum(fit.values()), 4)


def number_share(lexicon: dict[str, dict[str, int]], word: str, cased: bool = True) -> float:
    """How sure the lexicon is of the form :func:`choose_form` picks for a number word.

    Its share of the counts as if one more form, never seen, had been
    counted: a number written ``4.00pm`` the one time the corpora had it is
    no sure sign that ``400pm`` was ``4.00pm`` (``4:00pm``, ``400pm``), while
    thousands of counts leave the share as it was.

    >>> lex = {"000pm": {"0.00pm": 1}, "00": {"0.0": 300, "00": 700}}
    >>> number_share(lex, "400pm"), number_share(lex, "25")
    (0.5, 0.6993)
    """
    return _remembered(_number_share, lexicon, word, cased)


def _number_share(lexicon: dict[str, dict[str, int]], word: str, cased: bool) -> float:
    fit = _fitting(lexicon, word, cased)
    total = sum(fit.values())
    if not total:
        return 1.0
    return round(choose_form(lexicon, word, cased)[1] * total / (total + 1), 4)


def _fitting(lexicon: dict[str, dict[str, int]], word: str, cased: bool) -> dict[str, int]:
    """The counted forms of ``word`` that keep its letters (its capitals too if ``cased``).

    Remembered per lexicon and word; the dict returned is shared: read it only.
    """
    return _remembered(_fit, lexicon, word, cased)


def _fit(lexicon: dict[str, dict[str, int]], word: str, cased: bool) -> dict[str, int]:
    forms = lexicon.get(word_key(word))
    if not forms:
        return {}
    if cased:
        return {f: n for f, n in forms.items() if strip_seed(fill_digits(f, word)) == word}
    low = word.lower()
    return {f: n for f, n in forms.items() if strip_seed(fill_digits(f, word)).lower() == low}


def gap_support(
    lexicon: dict[str, dict[str, int]], word: str, cased: bool = True
) -> dict[int, float]:
    """For each inner gap of ``word``, the share of its counted forms that insert there.

    Variants that differ only in the mark (``don't`` / ``don’t``) support the
    gap together, so this says how sure the lexicon is that *something* goes
    there, whichever form is chosen.

    >>> gap_support({"dont": {"don't": 6, "don’t": 3, "dont": 1}}, "dont")
    {3: 0.9}
    """
    return _remembered(_gap_support, lexicon, word, cased)


def _gap_support(lexicon: dict[str, dict[str, int]], word: str, cased: bool) -> dict[int, float]:
    from unstrip.text.alignment import align

    fit = _fitting(lexicon, word, cased)
    total = sum(fit.values())
    support: dict[int, float] = {}
    for form, n in fit.items():
        ins = align(fill_digits(form, word), word if cased else word.lower(),
                    "seed" if cased else "lower").insertions
        for k in range(1, len(word)):
            if ins[k]:
                support[k] = support.get(k, 0.0) + n / total
    return {k: round(v, 4) for k, v in sorted(support.items())}


def letter_counts(lexicon: dict[str, dict[str, int]], word: str) -> dict[str, int]:
    """How often the lexicon writes each casing of ``word``'s letters (marks dropped).

    >>> letter_counts({"aids": {"AIDS": 188, "aids": 51, "Aid's": 2}}, "aids")
    {'AIDS': 188, 'aids': 51, 'Aids': 2}
    """
    out: dict[str, int] = {}
    for form, n in _fitting(lexicon, word, cased=False).items():
        letters = strip_seed(fill_digits(form, word))
        out[letters] = out.get(letters, 0) + n
    return out


def mixed_case(
    lexicon: dict[str, dict[str, int]], word: str, share: float = 0.8, min_count: int = 3,
    counts: dict[str, int] | None = None,
) -> str | None:
    """The mixed-case letters of ``word`` (``McDonald``, ``iPod``), if the lexicon writes it so.

    Mixed case is anything but all lowercase, a capital then lowercase, or
    all capitals. Returns the letters of the most frequent mixed form when
    such forms hold at least ``share`` of the word's ``min_count`` or more
    counted forms, else None. Case is ignored in ``word``. ``counts`` is
    :func:`letter_counts` of the word, if the caller has it.

    >>> lex = {"mcdonald": {"McDonald": 14}, "ebay": {"eBay": 20, "EBay": 3, "Ebay": 2},
    ...        "macdonald": {"MacDonald": 10, "Macdonald": 9}}
    >>> [mixed_case(lex, w) for w in ["mcdonald", "Ebay", "macdonald", "other"]]
    ['McDonald', 'eBay', None, None]
    """
    counts = letter_counts(lexicon, word) if counts is None else counts
    total = sum(counts.values())
    if total < min_count:
        return None
    mixed: dict[str, int] = {}
    for letters, n in counts.items():
        rest = letters[1:]
        title = letters[:1].isupper() and (rest.islower() or not any(c.isalpha() for c in rest))
        if not (letters.islower() or letters.isupper() or title):
            mixed[letters] = n
    if not mixed or sum(mixed.values()) < share * total:
        return None
    best = max(mixed, key=mixed.__getitem__)
    return best if len(best) == len(word) else None


def known_case(
    lexicon: dict[str, dict[str, int]], word: str, cased: str, min_count: int = 5,
    counts: dict[str, int] | None = None,
) -> str | None:
    """The lexicon's most frequent casing of ``word`` when ``cased`` is none of its forms.

    For word pieces cased one by one into a form never written (``AID|s`` as
    ``AIDs``). None when the lexicon writes the word as ``cased`` somewhere
    or has fewer than ``min_count`` counts of it: two words run together
    where a line break was stripped (``yearThe``) are rare in the lexicon,
    and their capital is right. ``counts`` is :func:`letter_counts` of the
    word, if the caller has it.

    >>> lex = {"aids": {"AIDS": 188, "aids": 51, "Aids": 26}, "yearthe": {"year-the": 3}}
    >>> known_case(lex, "aids", "AIDs"), known_case(lex, "aids", "Aids")
    ('AIDS', None)
    >>> known_case(lex, "yearthe", "yearThe"), known_case({}, "x", "X")
    (None, None)
    """
    counts = letter_counts(lexicon, word) if counts is None else counts
    if sum(counts.values()) < min_count or cased in counts:
        return None
    best = max(counts, key=counts.__getitem__)
    return best if len(best) == len(word) else None
