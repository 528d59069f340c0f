"""Restoration quality per source family on fixed sets, and IWSLT dev2012 by blocks.

The sets are those of `unstrip.evaluate.evalsets`: the dev documents of each family,
halved by a hash of the id into `tune` (choose settings and checkpoints on
it) and `report` (only ever measured). Each family is damaged the way its
users bring it:

- news (bbc, reuters, reuters87, newsarticles): `seed` profile (stripped);
- speech (TED talks): `lower` profile (lowercased and stripped, as a
  speech recogniser writes it), casing accuracy too;
- court (Supreme Court arguments): `lower` profile;
- conversation (written dialogue, typed chat, film and sitcom scripts: one
  speaker turn a paragraph): `lower` and `seed`, each turn restored alone
  (as a chat or caption app sends it) and each conversation whole with a
  turn per line, with the share of lines wrapped in quotes the gold lacks,
  quote marks written against the gold's, quote and `!` precision.

Every family also gets a "one line alone" row: single sentences (turns, for
conversation) restored by themselves, at most `--lines` of them.

IWSLT dev2012 is scored by the published protocol on blocks 1-5 with
`--part tune` and on blocks 6-10 with `--part report`.

    python benchmarks/families.py                      # shipped model, report sets
    python benchmarks/families.py --part tune --model runs/x/model
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time

from tqdm import tqdm

from unstrip import Restorer
from unstrip.evaluate.conversation import LineScore, sentences, turns
from unstrip.evaluate.evalsets import FAMILIES, documents
from unstrip.evaluate.scoring import Score, score_document
from unstrip.text.corpus import shared_dir
from unstrip.text.profiles import PROFILES

PROFILE_OF = {"news": "seed", "speech": "lower", "court": "lower", "conversation": "lower"}
BLOCKS = {"tune": "1-5", "report": "6-10"}


def score_family(restorer: Restorer, family: str, part: str, profile: str,
                 limit: int | None) -> Score:
    damage = PROFILES[profile]
    total = Score(profile=profile)
    docs = documents(family, part, limit=limit)
    for d in tqdm(docs, desc=f"{family} {part} ({profile})", unit="doc", file=sys.stderr):
        total += score_document(d.text, restorer.restore(damage(d.text), profile), profile)
    return total


def score_lines(restorer: Restorer, family: str, part: str, profile: str,
                limit: int | None, lines: int | None) -> LineScore:
    """At most ``lines`` (None: all) single sentences (turns, for conversation) restored
    alone."""
    damage = PROFILES[profile]
    cut = turns if family == "conversation" else sentences
    total = LineScore(profile)
    todo = [line for d in documents(family, part, limit=limit) for line in cut(d.text)
            if len(line.split()) >= 2][:lines]
    for line in tqdm(todo, desc=f"{family} {part} ({profile}) lines", unit="line",
                     file=sys.stderr):
        total.add(line, restorer.restore(damage(line), profile))
    return total


def score_conversations(restorer: Restorer, part: str, profile: str,
                        limit: int | None) -> LineScore:
    """Whole conversations restored as one text with a turn per line."""
    damage = PROFILES[profile]
    total = LineScore(profile)
    for d in tqdm(documents("conversation", part, limit=limit), desc=f"conversation {part} "
                  f"({profile}) whole", unit="doc", file=sys.stderr):
        gold = "\n".join(turns(d.text))
        total.add(gold, restorer.restore("\n".join(damage(t) for t in turns(d.text)), profile))
    return total


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="auto", help="auto, learned, baseline or a model dir")
    ap.add_argument("--part", choices=("tune", "report"), default="report")
    ap.add_argument("--families", default=",".join(FAMILIES),
                    help="comma-separated: " + ", ".join(FAMILIES))
    ap.add_argument("--lines", type=int, default=300,
                    help="sentences (turns) a family restored one at a time (0: none)")
    ap.add_argument("--news-lower", action="store_true", help="also news in the lower profile")
    ap.add_argument("--no-iwslt", action="store_true", help="skip IWSLT dev2012")
    ap.add_argument("--limit", type=int, default=None, help="at most N documents a family")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--numbers", choices=("keep", "safe", "guess"), default="safe",
                    help="the number policy (Restorer(numbers=...))")
    ap.add_argument("--line-context", action="store_true",
                    help="restore a text's lines with their neighbours as context "
                    "(Restorer(line_context=True))")
    args = ap.parse_args()
    shared = shared_dir()
    if shared is None:
        print("../shared is absent: nothing to measure on", file=sys.stderr)
        return 1
    restorer = Restorer(args.model, numbers=args.numbers, line_context=args.line_context)
    t0 = time.perf_counter()
    rows: dict[str, dict] = {}
    runs = [(f, PROFILE_OF[f]) for f in args.families.split(",") if f]
    if args.news_lower and "news" in args.families:
        runs.append(("news", "lower"))
    if "conversation" in args.families.split(","):
        runs.append(("conversation", "seed"))
    for family, profile in runs:
        if family == "conversation":  # every turn alone, as a chat app sends them
            line_score = score_lines(restorer, family, args.part, profile, args.limit, None)
            rows[f"conversation {args.part} ({profile}) turns alone"] = line_score.figures()
        elif args.lines:
            line_score = score_lines(restorer, family, args.part, profile, args.limit, args.lines)
            rows[f"{family} {args.part} ({profile}) one line alone"] = line_score.figures()
        if family == "conversation":
            conv = score_conversations(restorer, args.part, profile, args.limit)
            rows[f"conversation {args.part} ({profile}) whole, a turn per line"] = conv.figures()
            continue
        s = score_family(restorer, family, args.part, profile, args.limit)
        marks = s.per_mark()
        row = {"documents": s.documents, "micro_f1": round(s.micro_f1, 4),
               "ier": round(s.insertion_error_rate, 4), "violations": s.violations,
               **{m: round(marks[m]["f1"], 3) for m in ("period", "comma", "question",
                                                         "apostrophe", "quote", "hyphen")}}
        if s.has_casing:
            row["casing_accuracy"] = round(s.casing_accuracy, 4)
            row["cased_f1"] = round(s.casing()["f1"], 4)
        rows[f"{family} {args.part} ({profile})"] = row
    tsv = shared / "benchmarks" / "iwslt" / "dev2012.tsv"
    if not args.no_iwslt and tsv.exists():
        from unstrip.evaluate import iwslt

        pairs = iwslt.select_blocks(iwslt.read_tsv(tsv), BLOCKS[args.part])
        result = iwslt.evaluate_pairs(pairs, restorer).to_dict()
        result.pop("confusion", None)
        rows[f"IWSLT dev2012 blocks {BLOCKS[args.part]}"] = result
    print("command: python benchmarks/families.py " + shlex.join(sys.argv[1:]))
    print(f"time: {time.perf_counter() - t0:.0f} s")
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    for name, row in rows.items():
        if "overall" in row:
            parts = [f"{k} {100 * row['classes'][k]['f1']:.1f}"
                     for k in ("COMMA", "PERIOD", "QUESTION")]
            print(f"{name}: overall F1 {100 * row['overall']['f1']:.1f} ({', '.join(parts)})")
        else:
            print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in row.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
