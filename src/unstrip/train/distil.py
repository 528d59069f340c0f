"""Distillation: a small student network learns a larger teacher's decisions as well as the gold.

The shipped network (MiniLM-shaped, 22.7 M parameters) is near what its
size learns from the gold labels alone. A larger teacher (MPNet-base, 110 M,
fine-tuned on the same mixture, labels and heads: :mod:`unstrip.train.mpnet`)
knows more than its argmax: how likely a comma is where it wrote none, which
label is the runner-up. ``unstrip train --teacher DIR`` trains the student on

    hard_weight * CE(gold) + soft_weight * T^2 * KL(teacher_T || student_T)

summed over every head (``after``, ``before`` and, where both networks have
it, ``case``), where ``X_T`` is the softmax of the logits divided by the
temperature ``T``. The KL is averaged over the pieces where the head has a
gold label (the gaps the decoder reads); the ``T^2`` keeps its gradients the
size of the cross-entropy's whatever ``T`` (Hinton et al., 2015). The
teacher runs in eval mode under the same autocast as the student, without
gradients, on every batch: its targets are never stored.

The teacher ``DIR`` is either

- a training run directory (``unstrip train --out DIR``, e.g. the MPNet
  teacher's run: ``checkpoint-*.pt``, ``config.json``, ``labels.json``),
  whose latest checkpoint is read; or
- an exported model directory (``config.json`` with ``"format":
  "unstrip-onnx/1"``, ``labels.json`` and the ONNX file), whose weights are
  read back from the graph (:mod:`unstrip.train.onnx_weights`).

Both networks must share the label inventories (the student's run takes the
teacher's ``labels.json`` when it has none yet; a differing one is an error)
and the tokenization (``split_s``). The student starts from what ``unstrip
train`` starts from (MiniLM, ``--base``, ``--init-from``), and
``--student-layers 0,2,4,5`` keeps only those layers of it, in that order
(:func:`select_layers`, as DistilBERT took every other layer of BERT).

``python -m unstrip.train.distil DIR --iwslt TSV --docs FILE`` measures a
run or model (a teacher, before distilling from it) on the tune sets
(:func:`measure`), on the GPU when there is one.

>>> s = torch.tensor([[[2.0, 0.0], [0.0, 2.0]]]); gold = torch.tensor([[0, IGNORE]])
>>> round(soft_loss(s, s, gold, 2.0).item(), 6)
0.0
>>> round(soft_loss(s, s.flip(-1), gold, 1.0).item(), 4)
1.5232
>>> parse_layers("0,2,4,5")
[0, 2, 4, 5]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import torch
import torch.nn.functional as F

from unstrip.network.labels import LabelSet, load_label_sets
from unstrip.train.labels import IGNORE
from unstrip.train.network import (
    Config,
    TorchNetwork,
    UnstripNet,
    build_network,
    latest_checkpoint,
    load_checkpoint,
)

__all__ = ["Distiller", "Teacher", "load_teacher", "measure", "parse_layers", "select_layers",
           "soft_loss"]

#: The damage each family's users bring (as ``benchmarks/families.py`` scores them).
FAMILY_PROFILES = {"news": "seed", "speech": "lower", "court": "lower", "conversation": "lower"}
#: IWSLT dev2012 blocks to tune on (blocks 6-10 are for reporting only).
TUNE_BLOCKS = "1-5"


def parse_layers(value: str) -> list[int]:
    """The ``--student-layers`` list: layer numbers, comma-separated, each once."""
    try:
        layers = [int(x) for x in value.split(",") if x.strip()]
    except ValueError:
        layers = []
    if not layers or min(layers) < 0 or len(set(layers)) != len(layers):
        raise argparse.ArgumentTypeError(
            f"bad layer list {value!r}: write layer numbers from 0, each once, e.g. 0,2,4,5")
    return layers


def select_layers(net: UnstripNet, layers: list[int]) -> UnstripNet:
    """A network with only ``layers`` of ``net`` (in that order), its embeddings and heads.

    >>> cfg = Config(vocab_size=30, hidden=8, layers=3, heads=2, intermediate=16,
    ...              n_after=3, n_before=2)
    >>> net = UnstripNet(cfg)
    >>> small = select_layers(net, [0, 2])
    >>> small.cfg.layers, torch.equal(small.blocks[1].fc_in.weight, net.blocks[2].fc_in.weight)
    (2, True)
    """
    if max(layers) >= net.cfg.layers:
        raise ValueError(f"--student-layers {','.join(map(str, layers))}: the network it "
                         f"starts from has layers 0 to {net.cfg.layers - 1}")
    small = build_network(replace(net.cfg, layers=len(layers)))
    state = {}
    for name, value in net.state_dict().items():
        if name.startswith("blocks."):
            _, i, rest = name.split(".", 2)
            if int(i) not in layers:
                continue
            name = f"blocks.{layers.index(int(i))}.{rest}"
        state[name] = value
    small.load_state_dict(state)
    return small.to(next(net.parameters()).device)


@dataclass
class Teacher:
    """A teacher network (eval mode) and what it was trained with."""

    net: UnstripNet
    after: LabelSet
    before: LabelSet
    split_s: bool
    source: str


def load_teacher(path: Path, device: str = "cpu") -> Teacher:
    """The teacher in ``path``: a run directory (latest checkpoint) or an exported model."""
    path = Path(path)
    config_file = path / "config.json"
    if not config_file.exists() or not (path / "labels.json").exists():
        raise SystemExit(f"--teacher {path}: not a training run or exported model "
                         "(config.json and labels.json are missing)")
    config = json.loads(config_file.read_text(encoding="utf-8"))
    after, before = load_label_sets(path / "labels.json")
    if config.get("format", "").startswith("unstrip-onnx"):
        from unstrip.train.onnx_weights import load_onnx_weights

        net = build_network(Config.from_json(config["model"]))
        load_onnx_weights(net, path)
        source = f"{path.name}/ (export, step {config.get('step', '?')})"
    else:
        ckpt = latest_checkpoint(path)
        if ckpt is None:
            raise SystemExit(f"--teacher {path}: no checkpoint-*.pt and no exported model")
        net, ck = load_checkpoint(ckpt, "cpu")
        source = f"{path.name}/{ckpt.name}"
    net = net.to(device).eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return Teacher(net, after, before, bool(config.get("split_s", False)), source)


def check_teacher(teacher: Teacher, after: LabelSet, before: LabelSet, split_s: bool) -> None:
    """Raise SystemExit unless the teacher reads and writes what the student does."""
    for name, mine, theirs in (("after", after, teacher.after), ("before", before,
                                                                   teacher.before)):
        if mine.labels != theirs.labels:
            raise SystemExit(
                f"the teacher's {name} labels differ from this run's ({len(theirs)} vs "
                f"{len(mine)}): start the run from the teacher's labels.json (a new --out "
                "without --init-from takes them), or train the teacher with this run's")
    if teacher.split_s != split_s:
        raise SystemExit(f"the teacher was trained with split_s={teacher.split_s}, this run "
                         f"with {split_s}: use --{'' if teacher.split_s else 'no-'}split-s")


def soft_loss(student: torch.Tensor, teacher: torch.Tensor, gold: torch.Tensor,
              temperature: float) -> torch.Tensor:
    """``T^2 * KL(softmax(teacher/T) || softmax(student/T))``, mean over labelled pieces.

    ``student`` and ``teacher`` are ``(batch, time, classes)`` logits, ``gold``
    the ``(batch, time)`` labels (``IGNORE`` where the head has none); 0 when
    no piece is labelled.
    """
    keep = (gold != IGNORE).flatten()
    s = student.float().flatten(0, 1)[keep] / temperature
    t = teacher.float().flatten(0, 1)[keep] / temperature
    kl = F.kl_div(F.log_softmax(s, -1), F.log_softmax(t, -1), log_target=True,
                  reduction="sum")
    return kl * temperature**2 / keep.sum().clamp(min=1)


class Distiller:
    """The loss of a distillation step: gold cross-entropy and the teacher's soft targets.

    >>> cfg = Config(vocab_size=30, hidden=8, layers=1, heads=2, intermediate=16,
    ...              n_after=3, n_before=2)
    >>> net = UnstripNet(cfg)
    >>> d = Distiller(net.eval(), temperature=2.0, soft_weight=1.0, hard_weight=0.0)
    >>> ids = torch.tensor([[1, 5, 7, 2]]); mask = torch.ones_like(ids)
    >>> gold = [torch.tensor([[IGNORE, 1, 0, IGNORE]])] * 2
    >>> heads = net(ids, ids * 0, mask)  # the teacher itself: nothing to learn
    >>> taught = d.targets(ids, ids * 0, mask)
    >>> d.loss(heads, taught, [torch.tensor(1.0)] * 2, gold).item()
    0.0
    """

    def __init__(self, teacher: UnstripNet, temperature: float = 2.0, soft_weight: float = 0.5,
                 hard_weight: float = 0.5):
        if temperature <= 0:
            raise ValueError("the temperature must be positive")
        self.teacher = teacher
        self.temperature = temperature
        self.soft_weight = soft_weight
        self.hard_weight = hard_weight
        self.last: dict[str, float] = {}

    @torch.no_grad()
    def targets(self, ids, shapes, mask) -> tuple[torch.Tensor, ...]:
        """The teacher's logits for a batch (call it under the student's autocast)."""
        return self.teacher(ids, shapes, mask)

    def loss(self, heads, taught, hard: list[torch.Tensor],
             gold: list[torch.Tensor]) -> torch.Tensor:
        """The step's loss from the student's ``heads``, the teacher's logits
        ``taught`` (:meth:`targets`), the gold cross-entropies ``hard`` and the
        gold labels ``gold`` (one per student head, in the networks' order: a
        head only one network has gets no soft target)."""
        soft = [soft_loss(s, t, g, self.temperature)
                for s, t, g in zip(heads, taught, gold, strict=False)]
        hard_sum, soft_sum = sum(hard), sum(soft)
        # detached, not floats: reading them waits for the GPU (the log does, now and then)
        self.last = {"hard": hard_sum.detach(), "soft": soft_sum.detach()}
        return self.hard_weight * hard_sum + self.soft_weight * soft_sum


# -- measuring a teacher ------------------------------------------------------------


def load_model(path: Path, device: str = "cpu", batch_size: int = 32):
    """A run directory or exported model, run by PyTorch on ``device`` behind the decoder,
    with the windows and overlaps its config records (those its export uses)."""
    from unstrip.decode.pipeline import Decoder
    from unstrip.network.wordpieces import WordPieces

    teacher = load_teacher(path, device)
    config = json.loads((Path(path) / "config.json").read_text(encoding="utf-8"))
    window = int(config.get("window", 256))
    overlap = int(config.get("overlap", window // 8))
    wp = WordPieces.load(split_s=teacher.split_s)
    return Decoder(TorchNetwork(teacher.net, device), wp, teacher.after, teacher.before,
                   window=window, overlap=overlap,
                   lower_overlap=int(config.get("lower_overlap", overlap)),
                   batch_size=batch_size)


def measure(model, iwslt_tsv: Path | None = None, docs: list[Path] | None = None,
            limit: int | None = None) -> dict:
    """Tune-set figures of ``model``: IWSLT dev2012 blocks 1-5 and each family's tune half.

    ``docs``: corpus files holding the families' dev documents (the tune half
    is chosen from them by id, :func:`unstrip.evaluate.evalsets.documents`);
    at most ``limit`` documents a family. Each family is damaged as its users
    bring it (:data:`FAMILY_PROFILES`) and restored whole, as the
    ``FAMILY tune (PROFILE)`` rows of ``benchmarks/families.py``.
    """
    from unstrip.evaluate import iwslt
    from unstrip.evaluate.evalsets import documents
    from unstrip.evaluate.scoring import Score, score_document
    from unstrip.restorer import Restorer
    from unstrip.text.profiles import PROFILES

    restorer = Restorer(model=model)
    rows: dict[str, dict] = {}
    if iwslt_tsv is not None:
        t0 = time.perf_counter()
        pairs = iwslt.select_blocks(iwslt.read_tsv(iwslt_tsv), TUNE_BLOCKS)
        overall = iwslt.evaluate_pairs(pairs, restorer).overall
        rows[f"IWSLT dev2012 blocks {TUNE_BLOCKS}"] = {
            "f1": round(100 * overall.f1, 2), "precision": round(100 * overall.precision, 2),
            "recall": round(100 * overall.recall, 2), "tokens": len(pairs),
            "seconds": round(time.perf_counter() - t0, 1)}
    for family, profile in FAMILY_PROFILES.items() if docs else ():
        t0 = time.perf_counter()
        chosen = documents(family, "tune", paths=docs, limit=limit)
        if not chosen:
            continue
        total = Score(profile=profile)
        damage = PROFILES[profile]
        for d in chosen:
            total += score_document(d.text, restorer.restore(damage(d.text), profile), profile)
        row = {"documents": total.documents, "micro_f1": round(total.micro_f1, 4),
               "seconds": round(time.perf_counter() - t0, 1)}
        if total.has_casing:
            row["casing_accuracy"] = round(total.casing_accuracy, 4)
        rows[f"{family} tune ({profile})"] = row
    return rows


def main(argv: list[str] | None = None) -> int:
    from unstrip.helpformat import HelpFormatter

    ap = argparse.ArgumentParser(
        prog="python -m unstrip.train.distil", formatter_class=HelpFormatter,
        description="Measure a run or exported model (e.g. a teacher before distilling "
        "from it) on the tune sets: IWSLT dev2012 blocks 1-5 and each family's tune half, "
        "with PyTorch on the GPU when there is one. Prints JSON.")
    ap.add_argument("model", type=Path, nargs="+",
                    help="training run directories or exported model directories")
    ap.add_argument("--iwslt", type=Path, default=None, metavar="TSV",
                    help="IWSLT dev2012 in the published TSV format")
    ap.add_argument("--docs", type=Path, nargs="*", default=None, metavar="FILE",
                    help="corpus files holding the families' dev documents")
    ap.add_argument("--limit", type=int, default=None, help="at most N documents a family")
    ap.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N")
    ap.add_argument("--batch-size", type=int, default=32, help="windows per network call")
    args = ap.parse_args(argv)
    if args.iwslt is None and not args.docs:
        ap.error("nothing to measure on: give --iwslt TSV and/or --docs FILE")
    for p in ([args.iwslt] if args.iwslt else []) + (args.docs or []):
        if not p.is_file():
            print(f"unstrip.train.distil: error: no such file: {p}", file=sys.stderr)
            return 2
    device = args.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    figures = {}
    for path in args.model:
        model = load_model(path, device, args.batch_size)
        figures[str(path)] = measure(model, args.iwslt, args.docs, args.limit)
        print(json.dumps({str(path): figures[str(path)]}), file=sys.stderr)
    print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
