"""Building the question classifier of :mod:`unstrip.decode.questions` from clean text.

The classifier counts how often sentences of the train split of the corpora
that open and close with given words were questions; its threshold is the
best of a grid for question F1 on the gold sentences of IWSLT dev2012
blocks 1-5 (blocks 6-10 only report). This is a training-time tool: the
restorer only loads the table it writes (``data/questions.json.gz``).

>>> labelled_sentences("Why is it so? It is so.")
[(['why', 'is', 'it', 'so'], True), (['it', 'is', 'so'], False)]

From the shell: ``python -m unstrip.questions build [--out PATH] [--iwslt TSV]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from unstrip.decode.questions import _END, DEFAULT_PATH, QuestionModel, sentences

__all__ = ["best_threshold", "build", "labelled_sentences", "main"]


def labelled_sentences(gold: str, profile: str = "seed") -> list[tuple[list[str], bool]]:
    """``(words, is question)`` for each sentence of a clean text that ends in ``.`` or ``?``."""
    from unstrip.text.alignment import align
    from unstrip.text.profiles import damage

    x = damage(gold, profile)
    ins = align(gold, x, profile).insertions
    out = []
    for words, gap in sentences(x, ins):
        if gap < 0:
            continue
        m = _END.search(ins[gap])
        if m.group() in ".?":
            out.append((words, m.group() == "?"))
    return out


def best_threshold(model: QuestionModel, items: Sequence[tuple[list[str], bool]],
                   grid: Iterable[float]) -> tuple[float, dict[float, float]]:
    """The threshold of ``grid`` with the best question F1 on ``items``, and every F1."""
    scores = [(model.log_odds(w), q) for w, q in items]
    f1s = {}
    for th in grid:
        tp = sum(1 for s, q in scores if s >= th and q)
        fp = sum(1 for s, q in scores if s >= th and not q)
        fn = sum(1 for s, q in scores if s < th and q)
        f1s[th] = 2 * tp / max(1, 2 * tp + fp + fn)
    best = max(f1s, key=lambda t: (f1s[t], -abs(t)))
    return best, f1s


def build(corpora: Sequence[Path], iwslt: Path | None, min_count: int = 3,
          progress: bool = True) -> tuple[QuestionModel, dict]:
    """Count the train split of ``corpora``; choose the threshold on IWSLT blocks 1 to 5.

    No IWSLT sentence is counted: dev2012 is a development set, whose blocks
    1-5 choose settings and 6-10 only report. The threshold is the best of a
    grid for question F1 on the gold sentences of blocks 1-5 (or 0.0 without
    ``iwslt``).
    """
    from tqdm import tqdm

    from unstrip.evaluate.iwslt import read_tsv, render_gold, select_blocks
    from unstrip.text.corpus import iter_documents

    items: list[tuple[list[str], bool]] = []
    docs = list(iter_documents(corpora, split="train"))
    for d in tqdm(docs, desc="corpora", unit="doc", disable=not progress, file=sys.stderr):
        items.extend(labelled_sentences(d.text))
    info = {"corpus_sentences": len(items), "corpus_questions": sum(q for _, q in items)}
    model = QuestionModel.from_sentences(items, min_count=min_count)
    if iwslt is not None:
        tune = labelled_sentences(render_gold(select_blocks(read_tsv(iwslt), "1-5")), "lower")
        grid = [x / 4 for x in range(-8, 13)]
        model.threshold, f1s = best_threshold(model, tune, grid)
        info["tune_sentences"] = len(tune)
        info["tune_f1"] = {str(k): round(v, 4) for k, v in f1s.items()}
    info["threshold"] = model.threshold
    info["features"] = len(model.counts)
    return model, info


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m unstrip.questions",
                                 description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="count the corpora, tune on IWSLT blocks 1-5, write the model")
    b.add_argument("--out", type=Path, default=DEFAULT_PATH)
    b.add_argument("--iwslt", type=Path, default=None, help="IWSLT dev2012.tsv (default: "
                   "../shared/benchmarks/iwslt/dev2012.tsv when present)")
    b.add_argument("--min-count", type=int, default=3)
    b.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(argv)

    from unstrip.text.corpus import corpus_files, shared_dir

    shared = shared_dir()
    if shared is None:
        print("../shared is absent: no corpora to count", file=sys.stderr)
        return 1
    iwslt = args.iwslt or shared / "benchmarks" / "iwslt" / "dev2012.tsv"
    model, info = build(corpus_files(shared), iwslt if iwslt.exists() else None,
                        min_count=args.min_count, progress=not args.no_progress)
    model.save(args.out)
    print(json.dumps(info, indent=1))
    print(f"wrote {args.out} ({Path(args.out).stat().st_size:,} bytes)", file=sys.stderr)
    return 0
