"""Restoration quality per source family on fixed sets, and IWSLT dev2012 by blocks.

The sets are those of `unstrip.evaluate.evalsets`: the dev documents of each family,
halved by a hash of the id into `tune` (choose settings and checkpoints on
it) and `report` (only ever measured). Each family is damaged the way its
users bring it:

- news (bbc, reuters, reuters87, newsarticles): `seed` profile (stripped);
- speech (TED talks): `lower` profile (lowercased and stripped, as a
  speech recogniser writes it), casing accuracy too;
- court (Supreme Court arguments): `lower` profile.

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
from unstrip.evaluate.evalsets import FAMILIES, documents
from unstrip.evaluate.scoring import Score, score_document
from unstrip.text.corpus import shared_dir
from unstrip.text.profiles import PROFILES

PROFILE_OF = {"news": "seed", "speech": "lower", "court": "lower"}
BLOCKS = {"tune": "1-5", "report": "6-10"}


def score_family(restorer: Restorer, family: str, part: str, profile: str,
                 limit: int | None) -> Score:
    damage = PROFILES[profile]
    total = Score(profile=profile)
    docs = documents(family, part, limit=limit)
    for d in tqdm(docs, desc=f"{family} {part} ({profile})", unit="doc", file=sys.stderr):
        total += score_document(d.text, restorer.restore(damage(d.text), profile), profile)
    return total


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="auto", help="auto, learned, baseline or a model dir")
    ap.add_argument("--part", choices=("tune", "report"), default="report")
    ap.add_argument("--families", default=",".join(FAMILIES),
                    help="comma-separated: news, speech, court")
    ap.add_argument("--news-lower", action="store_true", help="also news in the lower profile")
    ap.add_argument("--no-iwslt", action="store_true", help="skip IWSLT dev2012")
    ap.add_argument("--limit", type=int, default=None, help="at most N documents a family")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    shared = shared_dir()
    if shared is None:
        print("../shared is absent: nothing to measure on", file=sys.stderr)
        return 1
    restorer = Restorer(args.model)
    t0 = time.perf_counter()
    rows: dict[str, dict] = {}
    runs = [(f, PROFILE_OF[f]) for f in args.families.split(",") if f]
    if args.news_lower and "news" in args.families:
        runs.append(("news", "lower"))
    for family, profile in runs:
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
