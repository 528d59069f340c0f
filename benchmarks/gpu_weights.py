"""Bring a device machine's trained network back in pieces small enough to travel.

A device machine returns at most 8 files of 16 MiB each, and a training
checkpoint (weights and optimizer state, float32) is about 270 MB. `pack`
keeps only the network's weights, in float16 (45 MB for MiniLM-sized
networks), cut into parts of at most 15 MiB, beside the run's `config.json`
and `labels.json`; `unpack` joins them here into a float32 checkpoint that
`unstrip export` reads, so the export and int8 quantisation run with this
machine's pinned onnx and onnxruntime.

    # on the device machine, after benchmarks/gpu_train.sh /tmp/g 6:
    python benchmarks/gpu_weights.py pack /tmp/g/run $OUT
    # here, on the files that came back:
    python benchmarks/gpu_weights.py unpack FILES_AT runs/gpu
    python -m unstrip.train.export runs/gpu --out runs/gpu/model --int8

The same limit holds for what goes there (64 MiB a command, the repository
included), so a file too large for one command travels cut into parts over
several: `split` cuts a file into equal parts of at most 16 MiB beside a
manifest (sizes and SHA-256), `join` checks them and writes the file whole
again (benchmarks/gpu_distil.sh sends the MPNet teacher this way).

    python benchmarks/gpu_weights.py split .gpu/teacher.int8.safetensors .gpu/teacher
    python benchmarks/gpu_weights.py join .gpu/teacher /tmp/t/model.int8.safetensors
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import shutil
import sys
from pathlib import Path

import torch

PART_BYTES = 15 * 2**20
PREFIX = "weights.fp16.pt.part"
SPLIT_BYTES = 16 * 2**20 - 2**16
"""Largest part `split` writes: just under the 16 MiB a file may have."""
MANIFEST = "parts.json"


def pack(run_dir: Path, out: Path, part_bytes: int = PART_BYTES) -> list[Path]:
    """Write the latest checkpoint's weights (float16) in parts of at most
    ``part_bytes``, with the run's files."""
    from unstrip.train.loop import latest_checkpoint

    ckpt = latest_checkpoint(run_dir)
    if ckpt is None:
        raise SystemExit(f"no checkpoint-*.pt in {run_dir}")
    ck = torch.load(ckpt, map_location="cpu", weights_only=False)
    half = {k: v.half() if v.is_floating_point() else v for k, v in ck["model"].items()}
    buf = io.BytesIO()
    torch.save({"model": half, "config": ck["config"], "step": ck["step"]}, buf)
    data = buf.getvalue()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for i in range(0, len(data), part_bytes):
        part = out / f"{PREFIX}{i // part_bytes:02d}"
        part.write_bytes(data[i:i + part_bytes])
        written.append(part)
    for name in ("config.json", "labels.json"):
        shutil.copyfile(run_dir / name, out / name)
    print(f"{ckpt.name}: step {ck['step']}, {len(data) / 1e6:.1f} MB in {len(written)} parts",
          file=sys.stderr)
    return written


def unpack(parts_dir: Path, run_dir: Path) -> Path:
    """Join the parts into ``run_dir/checkpoint-STEP.pt`` (float32), ready for export."""
    parts = sorted(parts_dir.glob(f"{PREFIX}*"))
    if not parts:
        raise SystemExit(f"no {PREFIX}* files in {parts_dir}")
    ck = torch.load(io.BytesIO(b"".join(p.read_bytes() for p in parts)), map_location="cpu",
                    weights_only=False)
    full = {k: v.float() if v.is_floating_point() else v for k, v in ck["model"].items()}
    run_dir.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "labels.json"):
        shutil.copyfile(parts_dir / name, run_dir / name)
    path = run_dir / f"checkpoint-{ck['step']:08d}.pt"
    torch.save({"model": full, "config": ck["config"], "step": ck["step"]}, path)
    print(f"wrote {path} (step {ck['step']})", file=sys.stderr)
    return path


def split(path: Path, out: Path, part_bytes: int = SPLIT_BYTES) -> list[Path]:
    """Cut ``path`` into equal parts of at most ``part_bytes`` in ``out`` (``NAME.partNN``),
    with a manifest (:data:`MANIFEST`: the file's name, size and SHA-256, each part's)."""
    data = path.read_bytes()
    count = max(1, math.ceil(len(data) / part_bytes))
    step = math.ceil(len(data) / count)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(f"{path.name}.part*"):
        old.unlink()
    written, parts = [], []
    for i in range(count):
        chunk = data[i * step:(i + 1) * step]
        part = out / f"{path.name}.part{i:02d}"
        part.write_bytes(chunk)
        written.append(part)
        parts.append({"name": part.name, "bytes": len(chunk),
                      "sha256": hashlib.sha256(chunk).hexdigest()})
    manifest = {"name": path.name, "bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(), "parts": parts}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    print(f"{path.name}: {len(data) / 2**20:.1f} MiB in {count} parts of at most "
          f"{step / 2**20:.2f} MiB in {out}", file=sys.stderr)
    return written


def join(parts_dir: Path, out_file: Path, manifest: Path | None = None) -> Path:
    """Write the file the parts in ``parts_dir`` were cut from to ``out_file``, checked.

    The parts may sit anywhere under ``parts_dir`` (sent over several commands
    into sub-folders); ``manifest`` defaults to the one :data:`MANIFEST` under
    ``parts_dir``. A missing or
    altered part is an error naming it, and nothing is written.
    """
    if manifest is None:
        found = sorted(parts_dir.rglob(MANIFEST))
        if len(found) != 1:
            raise SystemExit(f"{len(found)} {MANIFEST} files under {parts_dir}: name one "
                             "(--manifest)" if found else
                             f"no {MANIFEST} under {parts_dir}: nothing to join")
        manifest = found[0]
    spec = json.loads(manifest.read_text(encoding="utf-8"))
    found = {p.name: p for p in parts_dir.rglob(f"{spec['name']}.part*")}
    missing = [p["name"] for p in spec["parts"] if p["name"] not in found]
    if missing:
        raise SystemExit(f"{parts_dir}: {len(missing)} of {len(spec['parts'])} parts are "
                         f"missing: {', '.join(missing)} (send them first)")
    whole = hashlib.sha256()
    out_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_file.with_name(out_file.name + ".tmp")
    with tmp.open("wb") as fh:
        for p in spec["parts"]:
            chunk = found[p["name"]].read_bytes()
            if hashlib.sha256(chunk).hexdigest() != p["sha256"]:
                tmp.unlink()
                raise SystemExit(f"{found[p['name']]} is not the part that was cut "
                                 "(SHA-256 differs): send it again")
            whole.update(chunk)
            fh.write(chunk)
    if whole.hexdigest() != spec["sha256"]:
        tmp.unlink()
        raise SystemExit(f"the joined {spec['name']} differs from the file that was cut")
    tmp.replace(out_file)
    print(f"joined {len(spec['parts'])} parts into {out_file} ({spec['bytes'] / 2**20:.1f} MiB)",
          file=sys.stderr)
    return out_file


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("pack", help="a run's latest weights -> float16 parts in a folder")
    p.add_argument("run_dir", type=Path)
    p.add_argument("out", type=Path)
    u = sub.add_parser("unpack", help="float16 parts -> a float32 checkpoint in a run folder")
    u.add_argument("parts_dir", type=Path)
    u.add_argument("run_dir", type=Path)
    s = sub.add_parser("split", help="a file -> equal parts of at most 16 MiB and a manifest")
    s.add_argument("file", type=Path)
    s.add_argument("out", type=Path)
    j = sub.add_parser("join", help="parts (anywhere under a folder) -> the file, checked")
    j.add_argument("parts_dir", type=Path)
    j.add_argument("out_file", type=Path)
    j.add_argument("--manifest", type=Path, default=None,
                   help=f"the manifest (default: the one {MANIFEST} under PARTS_DIR)")
    args = ap.parse_args(argv)
    if args.command == "pack":
        pack(args.run_dir, args.out)
    elif args.command == "unpack":
        unpack(args.parts_dir, args.run_dir)
    elif args.command == "split":
        split(args.file, args.out)
    else:
        join(args.parts_dir, args.out_file, args.manifest)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
