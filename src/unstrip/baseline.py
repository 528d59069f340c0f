"""The count-based baseline restorer: a lexicon and gap statistics.

This is the first restorer unstrip ships, and the yardstick for the learned
model. It is built by :func:`unstrip.train.count_model.build` from clean
text (no seed article, no dev or test split) and stored as one gzipped JSON
file inside the package.

It predicts the insertion at every gap of stripped text (see
:mod:`unstrip.text.tokens` for the gap kinds):

- ``inner`` gaps from a lexicon that maps each stripped word to the written
  forms seen for it (``dont`` -> ``don't``; ``00000`` -> ``00,000``);
- ``close``/``open``/``joint`` gaps from how often each insertion followed
  the previous word and preceded the next one, combined naive-Bayes style;
- for lowercased input, casing from the lexicon and after sentence ends.

>>> from unstrip.train.count_model import build
>>> m = build(["Don't stop.\\n\\nWe said, “Go now.” Then we went."] * 3)
>>> x = "Dont stopWe said Go now Then we went"
>>> p = m.predict(x)
>>> from unstrip.text.alignment import apply
>>> print(apply(x, p.insertions, p.kept))
Don't stop.
<BLANKLINE>
We said, “Go now.” Then we went.
"""

from __future__ import annotations

import math
from pathlib import Path

from unstrip.decode.lexicon import (
    COUNT_MODEL_PATH,
    choose_form,
    read_count_model,
    read_lexicon,
    write_gzip_json,
    write_lexicon,
)
from unstrip.decode.prediction import Prediction, capitalise_sentences, strip_seed_complement
from unstrip.text.alignment import align
from unstrip.text.tokens import pieces, word_key

__all__ = ["BaselineModel", "Prediction", "strip_seed_complement", "piece_case", "DEFAULT_PATH",
           "FORMAT", "START", "END"]

DEFAULT_PATH = COUNT_MODEL_PATH
FORMAT = "unstrip-baseline/1"
START, END = "<s>", "</s>"

# How strongly a context's counts are pulled towards the overall prior.
_SMOOTH = 2.0
_MAX_CANDIDATES = 48


def piece_case(piece: str) -> str:
    """The coarse case of a piece as the gap tables key it: ``C``apitalised, ``U``PPER,
    ``l``ower or ``d``igit-led (``piece_case("NATO")`` is ``"U"``)."""
    if piece[:1].isupper():
        return "U" if piece.isupper() and len(piece) > 1 else "C"
    return "l" if piece[:1].isalpha() else "d"


class _Table:
    """Counts of insertions given a context, with totals kept after pruning."""

    def __init__(self, data: dict | None = None):
        self.rows: dict[str, tuple[int, dict[str, int]]] = data or {}

    def logp(self, ctx: str, cand: str, prior: float) -> float:
        row = self.rows.get(ctx)
        if row is None:
            return math.log(prior)
        total, counts = row
        return math.log((counts.get(cand, 0) + _SMOOTH * prior) / (total + _SMOOTH))


class _Prior:
    def __init__(self, counts: dict[str, int]):
        self.counts = counts
        total = sum(counts.values()) or 1
        self.p = {k: v / total for k, v in counts.items()}
        self.floor = 0.5 / total
        self.top = [k for k, _ in sorted(counts.items(), key=lambda kv: -kv[1])][:_MAX_CANDIDATES]

    def __call__(self, cand: str) -> float:
        return self.p.get(cand, self.floor)


def _choose(cands: list[str], score) -> tuple[str, float]:
    scores = [score(c) for c in cands]
    best = max(range(len(cands)), key=scores.__getitem__)
    top = scores[best]
    z = sum(math.exp(s - top) for s in scores)
    return cands[best], 1.0 / z


class BaselineModel:
    """Lexicon plus gap statistics; see the module docstring."""

    def __init__(self, data: dict):
        if data.get("format") != FORMAT:
            raise ValueError(f"not an unstrip baseline model (format {data.get('format')!r})")
        self.data = data
        self.lexicon: dict[str, dict[str, int]] = data["lexicon"]
        self.priors = {k: _Prior(v) for k, v in data["priors"].items()}
        self.tables = {k: _Table(v) for k, v in data["tables"].items()}

    # -- persistence -------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write the gap tables to ``path`` and the lexicon beside them
        (``lexicon.json.gz`` in the same folder), both gzipped JSON."""
        path = Path(path)
        write_gzip_json({k: v for k, v in self.data.items() if k != "lexicon"}, path)
        write_lexicon(self.lexicon, path.with_name("lexicon.json.gz"))

    @classmethod
    def load(cls, path: str | Path = DEFAULT_PATH) -> BaselineModel:
        """Read a count model: the tables at ``path`` and the lexicon beside them (a file
        that holds its own ``"lexicon"``, as earlier versions wrote, needs none beside it)."""
        data = read_count_model(path)
        if "lexicon" not in data:
            data["lexicon"] = read_lexicon(Path(path).with_name("lexicon.json.gz"))
        return cls(data)

    # -- prediction --------------------------------------------------------
    def _gap(self, kind: str, prev: str, nxt: str, nxt_ctx: str) -> tuple[str, float]:
        prior = self.priors[kind]
        t_prev, t_next = self.tables[kind + "_prev"], self.tables[kind + "_next"]

        def score(c: str) -> float:
            p = prior(c)
            return t_prev.logp(prev, c, p) + t_next.logp(nxt_ctx, c, p) - math.log(p)

        return _choose(prior.top, score)

    def predict(self, text: str, cased: bool = True) -> Prediction:
        """Predict the insertion at every gap of stripped ``text``.

        ``cased`` says the input kept its capitals (seed profile); otherwise
        the input is taken as lowercased and casing is predicted too.
        """
        n = len(text)
        ins = [""] * (n + 1)
        conf = [1.0] * (n + 1)
        kept = list(text)
        plist = list(pieces(text))
        forms: list[str] = []
        for p in plist:
            form, c = choose_form(self.lexicon, p.text, cased)
            forms.append(form)
            # Spread the form's interior insertions over the piece's gaps.
            a = align(form, p.text if cased else p.text.lower(), "seed" if cased else "lower")
            for k in range(1, len(p.text)):
                if a.insertions[k]:
                    ins[p.start + k] = a.insertions[k]
                    conf[p.start + k] = c
            if not cased:
                kept[p.start : p.end] = a.kept
        keys = [word_key(p.text) for p in plist]
        ctxs = [(k + "|" + piece_case(p.text)) if cased else k
                for k, p in zip(keys, plist, strict=True)]
        for i, p in enumerate(plist):
            prev = keys[i - 1] if i else START
            if p.joined:
                ins[p.start], conf[p.start] = self._gap("joint", prev, keys[i], ctxs[i])
                continue
            # Space run (or text start) before this piece.
            lo = plist[i - 1].end if i else 0
            if i:
                close, conf[lo] = self._gap("close", prev, keys[i], ctxs[i])
                ins[lo] = close
            else:
                close = START
            ins[p.start], conf[p.start] = self._open(close, keys[i], ctxs[i])
            for g in range(lo + 1, p.start):
                ins[g], conf[g] = self._middle()
        if plist:
            last = plist[-1].end
            ins[last], conf[last] = self._gap("close", keys[-1], END, END)
        else:
            return Prediction(ins, conf, text, passes=["baseline"] * (n + 1),
                              case_passes=["baseline"] * n)
        if not cased:
            capitalise_sentences(text, ins, kept, plist)
        # The seed profile keeps ASCII letters, digits and spaces; an
        # insertion must never hold one, whatever the tables say.
        ins = [strip_seed_complement(s) for s in ins]
        return Prediction(ins, conf, "".join(kept), passes=["baseline"] * (n + 1),
                          case_passes=["baseline"] * n)

    def _open(self, close: str, nxt: str, nxt_ctx: str) -> tuple[str, float]:
        prior = self.priors["open"]
        t_close, t_next = self.tables["open_close"], self.tables["open_next"]

        def score(o: str) -> float:
            p = prior(o)
            return t_close.logp(close, o, p) + t_next.logp(nxt_ctx, o, p) - math.log(p)

        return _choose(prior.top, score)

    def _middle(self) -> tuple[str, float]:
        prior = self.priors["middle"]
        best = prior.top[0] if prior.top else ""
        return best, prior(best)
