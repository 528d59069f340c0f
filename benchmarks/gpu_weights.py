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
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
from pathlib import Path

import torch

PART_BYTES = 15 * 2**20
PREFIX = "weights.fp16.pt.part"


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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("pack", help="a run's latest weights -> float16 parts in a folder")
    p.add_argument("run_dir", type=Path)
    p.add_argument("out", type=Path)
    u = sub.add_parser("unpack", help="float16 parts -> a float32 checkpoint in a run folder")
    u.add_argument("parts_dir", type=Path)
    u.add_argument("run_dir", type=Path)
    args = ap.parse_args(argv)
    if args.command == "pack":
        pack(args.run_dir, args.out)
    else:
        unpack(args.parts_dir, args.run_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
