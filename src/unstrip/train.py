"""Training the learned restorer: ``python -m unstrip.train CORPUS... --out DIR``.

Clean text is its own training data: every document is damaged with each
profile named by ``--profiles`` (``seed``: stripped; ``lower``: stripped and
lowercased), cut into word pieces, and labelled with the insertions at the
gaps around each piece and, for the casing head, how the gold writes each
piece (:mod:`unstrip.features`). This script

- reads JSONL(.gz) or ``.txt`` corpora and holds out the dev split by
  document (the corpus ``split`` field; documents without one go to dev
  when a hash of their id says so, about 1 in 20);
- encodes the training documents once and caches the arrays in ``DIR``, so
  a rerun, and every batch, costs no tokenising;
- chooses the label inventories (the most frequent insertion strings) and
  keeps them in ``DIR/labels.json`` for the life of the run;
- fine-tunes all-MiniLM-L6-v2 (or a network from scratch, ``--scratch``)
  with AdamW, linear warmup then linear decay;
- scores restorations of a few dev documents every ``--eval-every`` steps,
  per profile (:func:`unstrip.scoring.score_corpus`; casing accuracy too
  for ``lower``), shown on the progress bar and logged to ``DIR/log.jsonl``;
- saves checkpoints to ``DIR`` and resumes from the latest one when rerun
  with the same ``DIR``; the checkpoint's network decides whether there is a
  casing head, so runs made before it existed resume unchanged.

CUDA is used when present, else the CPU; both compute in bf16 autocast where
the hardware has bf16 arithmetic (``--bf16 auto``: about 1.5x the fp32 speed
on a CPU with AVX-512 BF16). Export the result
with ``python -m unstrip.export DIR --out MODEL_DIR``.

    python -m unstrip.train ../shared/corpora/*.jsonl.gz --out runs/minilm \\
        --max-steps 20000 --batch-size 32 --profiles seed,lower

>>> split_of("doc-0", None), split_of("doc-1", None), split_of("x", "dev")
('train', 'dev', 'dev')
>>> lr_at(0, 100, 10, 1.0), lr_at(10, 100, 10, 1.0), lr_at(55, 100, 10, 1.0)
(0.1, 1.0, 0.5)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from unstrip.corpus import iter_documents
from unstrip.features import (
    CASE_CLASSES,
    DEFAULT_VOCAB,
    IGNORE,
    LEARNED_PROFILES,
    DocArrays,
    LabelSet,
    WordPieces,
    label_documents,
    load_label_sets,
    pack_windows,
    remap,
    save_label_sets,
)
from unstrip.nn import Config, UnstripNet, base_config, load_base_weights
from unstrip.onnx_model import WindowPredictor

__all__ = ["TorchModel", "main", "load_checkpoint", "latest_checkpoint"]

CACHE_VERSION = 1


def split_of(doc_id: str, split: str | None) -> str:
    """The split a document belongs to: its own, or ``dev`` for 1 in 20 ids by hash."""
    if split:
        return split
    h = int.from_bytes(hashlib.sha1(doc_id.encode("utf-8")).digest()[:4], "big")
    return "dev" if h % 20 == 0 else "train"


def lr_at(step: int, max_steps: int, warmup: int, peak: float) -> float:
    """Learning rate at ``step``: linear warmup to ``peak``, then linear decay to 0."""
    if step < warmup:
        return peak * (step + 1) / max(1, warmup)
    return peak * max(0.0, (max_steps - step) / max(1, max_steps - warmup))


class TorchModel(WindowPredictor):
    """A :class:`UnstripNet` behind the same ``predict`` as the ONNX model."""

    def __init__(self, net: UnstripNet, *args, device: str = "cpu", **kwargs):
        super().__init__(*args, **kwargs)
        self.net = net
        self.device = device

    @torch.no_grad()
    def _run(self, ids, shapes, mask):
        was = self.net.training
        self.net.eval()
        dev = self.device
        heads = self.net(
            torch.from_numpy(ids).to(dev),
            torch.from_numpy(shapes).to(dev),
            torch.from_numpy(mask).to(dev),
        )
        self.net.train(was)
        return tuple(h.float().cpu().numpy() for h in heads)


# -- data ---------------------------------------------------------------------


def read_corpora(paths: list[str], max_train: int | None, max_dev: int | None):
    """Clean texts of the train and dev splits (dev in a fixed order mixing the sources)."""
    train, dev = [], []
    for d in iter_documents(paths):
        if split_of(d.id, d.split) == "dev":
            dev.append(d)
        elif max_train is None or len(train) < max_train:
            train.append(d.text)
    dev.sort(key=lambda d: hashlib.sha1(d.id.encode("utf-8")).hexdigest())
    if max_dev is not None:
        dev = dev[:max_dev]
    return train, [d.text for d in dev]


def iwslt_texts(path: str | Path, block: int = -1, chunk_tokens: int = 300) -> list[str]:
    """Fine-tuning texts from an IWSLT file: every block but the held-out ``block``.

    The kept blocks (:func:`unstrip.iwslt.holdout`) are cut after sentence
    ends into texts of about ``chunk_tokens`` tokens and written with their
    marks (:func:`unstrip.iwslt.render_gold`). Only their punctuation is
    gold: the files are lowercased, so they teach no casing.
    """
    from unstrip.iwslt import holdout, read_tsv, render_gold

    kept, _ = holdout(read_tsv(path), block)
    texts, start = [], 0
    for i, (_, label) in enumerate(kept, 1):
        if (i - start >= chunk_tokens and label in ("PERIOD", "QUESTION")) or i == len(kept):
            texts.append(render_gold(kept[start:i]))
            start = i
    return texts


def parse_profiles(value: str) -> list[str]:
    """The ``--profiles`` list: comma-separated, each learned profile at most once.

    >>> parse_profiles("seed,lower"), parse_profiles(" lower ")
    (['seed', 'lower'], ['lower'])
    """
    names = [p.strip() for p in value.split(",") if p.strip()]
    bad = [p for p in names if p not in LEARNED_PROFILES]
    if bad or not names or len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(
            f"bad profile list {value!r}: name each of {', '.join(LEARNED_PROFILES)} "
            "at most once, comma-separated"
        )
    return names


def _cache_key(args, paths: list[str], case: bool = False) -> str:
    """A key for the encoded data: corpora, window, label sizes, profiles, casing labels.

    A seed-only run without casing labels keeps the key it had before
    ``--profiles`` and the casing head existed, so such runs find their cache.
    """
    h = hashlib.sha1()
    for p in sorted(paths):
        st = Path(p).stat()
        h.update(f"{Path(p).resolve()}|{st.st_size}|{int(st.st_mtime)}\n".encode())
    h.update(
        json.dumps(
            [CACHE_VERSION, args.window, args.max_train_docs, ",".join(args.profiles),
             args.after_labels, args.before_labels, str(args.vocab)]
        ).encode()
    )
    if getattr(args, "split_s", False):
        h.update(b"|split_s")
    if case:
        h.update(b"|case")
    if getattr(args, "iwslt", None):
        st = Path(args.iwslt).stat()
        h.update(f"|iwslt {Path(args.iwslt).resolve()}|{st.st_size}|{args.iwslt_block}|"
                 f"{args.iwslt_repeat}".encode())
    return h.hexdigest()[:12]


def prepare_data(args, out: Path, wp: WordPieces, train_texts: list[str], case: bool = False):
    """Encode, label and window the training texts once; reuse the cache after that.

    ``case``: also pack the casing head's labels (``data["case"]``).
    """
    cache = out / f"cache-{_cache_key(args, args.corpus, case)}.npz"
    labels_file = out / "labels.json"
    if cache.exists() and labels_file.exists():
        after, before = load_label_sets(labels_file)
        with np.load(cache) as z:
            data = {k: z[k] for k in z.files}
        if not case or "case" in data:
            return data, after, before
    t0 = time.time()
    it = label_documents(
        tqdm(train_texts, desc="encoding", unit="doc", file=sys.stderr,
             disable=getattr(args, "no_progress", False)),
        wp, args.profiles,
    )
    if labels_file.exists():
        after, before = load_label_sets(labels_file)
    else:
        after = LabelSet.from_counts(it.after_counts, args.after_labels)
        before = LabelSet.from_counts(it.before_counts, args.before_labels)
        save_label_sets(labels_file, after, before)
    docs = [
        DocArrays(ids, shapes, remap(a, it.strings, after), remap(b, it.strings, before),
                  c if case else None)
        for (ids, shapes), (a, b), c in zip(it.inputs, it.labels, it.case, strict=True)
    ]
    if getattr(args, "iwslt", None):
        # Lowercased speech: lower-profile examples whose casing is unknown.
        talks = label_documents(iwslt_texts(args.iwslt, args.iwslt_block), wp, ["lower"])
        extra = [
            DocArrays(ids, shapes, remap(a, talks.strings, after),
                      remap(b, talks.strings, before),
                      np.full(len(ids), IGNORE, np.int16) if case else None)
            for (ids, shapes), (a, b) in zip(talks.inputs, talks.labels, strict=True)
        ]
        docs += extra * args.iwslt_repeat
        print(f"IWSLT: {len(extra)} texts x {args.iwslt_repeat}", file=sys.stderr)
    data = pack_windows(docs, args.window, wp.cls_id, wp.sep_id, wp.pad_id)
    tmp = cache.with_suffix(".tmp.npz")
    np.savez(tmp, **data)
    tmp.replace(cache)
    pieces = int(sum(len(d.ids) for d in docs))
    print(
        f"encoded {len(docs)} examples ({','.join(args.profiles)}), {pieces} word pieces, "
        f"{len(data['ids'])} windows "
        f"in {time.time() - t0:.0f}s; label coverage after {after.coverage:.5f}, "
        f"before {before.coverage:.5f}",
        file=sys.stderr,
    )
    return data, after, before


# -- checkpoints ----------------------------------------------------------------


def latest_checkpoint(out: Path) -> Path | None:
    """The checkpoint with the highest step in ``out``, if any."""
    found = sorted(out.glob("checkpoint-*.pt"))
    return found[-1] if found else None


def load_checkpoint(path: Path, device: str = "cpu") -> tuple[UnstripNet, dict]:
    """A network and the checkpoint's other contents, from ``path``."""
    ck = torch.load(path, map_location=device, weights_only=False)
    net = UnstripNet(Config.from_json(ck["config"]))
    net.load_state_dict(ck["model"])
    return net.to(device), ck


def _save(out: Path, step: int, net, opt, cfg: Config, keep: int) -> None:
    path = out / f"checkpoint-{step:08d}.pt"
    tmp = path.with_suffix(".tmp")
    torch.save(
        {
            "step": step,
            "config": cfg.to_json(),
            "model": net.state_dict(),
            "optimizer": opt.state_dict(),
            "rng": {"torch": torch.get_rng_state(), "python": random.getstate()},
        },
        tmp,
    )
    tmp.replace(path)
    for old in sorted(out.glob("checkpoint-*.pt"))[:-keep]:
        old.unlink()


# -- evaluation -------------------------------------------------------------------


def evaluate(model: TorchModel, dev_texts: list[str], profiles=("seed",)) -> dict:
    """Damage dev texts with each profile, restore and score them.

    The result holds the first profile's scores at the top (micro-F1, IER,
    violations, per-mark F1, as runs have always logged them), every
    profile's under ``profiles`` (``lower`` adds casing accuracy), and
    ``violations`` summed over the profiles.
    """
    from unstrip.profiles import damage
    from unstrip.restorer import Restorer
    from unstrip.scoring import score_corpus

    r = Restorer(model=model)
    per: dict[str, dict] = {}
    for prof in profiles:
        score = score_corpus(
            ((g, r.restore(damage(g, prof), profile=prof)) for g in dev_texts), prof
        )
        marks = score.per_mark()
        per[prof] = {
            "micro_f1": round(score.micro_f1, 4),
            "ier": round(score.insertion_error_rate, 4),
            "violations": score.violations,
            "f1": {m: round(v["f1"], 3) for m, v in marks.items() if v["gold"]},
        }
        if score.has_casing:
            per[prof]["casing_accuracy"] = round(score.casing_accuracy, 4)
    first = per[profiles[0]]
    return {**first, "violations": sum(p["violations"] for p in per.values()), "profiles": per}


# -- main -------------------------------------------------------------------------


def _head_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over the labelled gaps (0, not NaN, when there are none)."""
    target = target.flatten()
    total = F.cross_entropy(logits.float().flatten(0, 1), target, ignore_index=IGNORE,
                            reduction="sum")
    return total / (target != IGNORE).sum().clamp(min=1)


def _init_name(args) -> str:
    """What a new run starts from, for its config."""
    if args.scratch:
        return "scratch"
    if args.init_from is not None:
        init_cfg = json.loads((args.init_from / "config.json").read_text(encoding="utf-8"))
        return (f"{init_cfg.get('init', 'all-MiniLM-L6-v2')} + {init_cfg.get('step', '?')} "
                f"steps ({args.init_from.name})")
    return "all-MiniLM-L6-v2"


def _device(name: str) -> str:
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name


def use_bf16(choice: str, device: str) -> bool:
    """Whether to train under bf16 autocast: ``on``, ``off`` or ``auto``.

    ``auto`` takes bf16 on CUDA and on CPUs whose oneDNN has bf16 kernels
    (AVX-512 BF16 or AMX); elsewhere CPU autocast would emulate it slowly.

    >>> use_bf16("off", "cuda"), use_bf16("on", "cpu")
    (False, True)
    """
    if choice in ("on", "off"):
        return choice == "on"
    if device.startswith("cuda"):
        return True
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def _optimizer(net: UnstripNet, lr: float, wd: float) -> torch.optim.Optimizer:
    decay, no_decay = [], []
    for name, p in net.named_parameters():
        (decay if p.dim() >= 2 and not name.startswith(("tok.", "pos.", "shape.")) else
         no_decay).append(p)
    groups = [{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.98), eps=1e-6)


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="unstrip train", description=__doc__.split("\n\n")[0]
    )
    ap.add_argument("corpus", nargs="+", help="JSONL(.gz) or .txt files of clean text")
    ap.add_argument("--out", required=True, type=Path, help="run directory (resumed if present)")
    ap.add_argument("--max-steps", type=int, default=20000)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-4, help="peak learning rate")
    ap.add_argument("--warmup", type=float, default=0.05, help="warmup, fraction of max steps")
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N")
    ap.add_argument("--threads", type=int, default=2, help="CPU threads for torch")
    ap.add_argument("--bf16", choices=("auto", "on", "off"), default="auto",
                    help="bf16 autocast: auto takes it on CUDA and on CPUs with bf16 "
                    "arithmetic (AVX-512 BF16, AMX), where it is about 1.5x faster")
    ap.add_argument("--window", type=int, default=256, help="word pieces per window, with "
                    "[CLS] and [SEP]")
    ap.add_argument("--profiles", "--profile", dest="profiles", default=["seed"],
                    type=parse_profiles, metavar="P[,P]",
                    help="damage to learn to undo, comma-separated: seed, lower or "
                    "seed,lower (one example per profile per document)")
    ap.add_argument("--case-head", action=argparse.BooleanOptionalAction, default=None,
                    help="train a casing head (default: when lower is among the profiles; "
                    "a resumed run keeps what its checkpoint has)")
    ap.add_argument("--after-labels", type=int, default=300, help="after-head inventory size")
    ap.add_argument("--before-labels", type=int, default=100, help="before-head inventory size")
    ap.add_argument("--scratch", action="store_true", help="random init instead of MiniLM")
    ap.add_argument("--init-from", type=Path, default=None, metavar="MODEL_DIR",
                    help="start from an exported model (e.g. src/unstrip/data/model; int8 "
                    "weights are dequantised) instead of MiniLM, keeping its label "
                    "inventories; a casing head it lacks starts fresh")
    ap.add_argument("--layers", type=int, default=6, help="with --scratch")
    ap.add_argument("--hidden", type=int, default=384, help="with --scratch")
    ap.add_argument("--heads", type=int, default=12, help="with --scratch")
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--save-every", type=int, default=500)
    ap.add_argument("--keep", type=int, default=2, help="checkpoints to keep")
    ap.add_argument("--dev-docs", type=int, default=16, help="dev documents scored per eval")
    ap.add_argument("--max-train-docs", type=int, default=None, help="for smoke runs")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--iwslt", default=None, metavar="FILE.tsv",
                    help="also fine-tune on an IWSLT file (lower profile, no casing labels), "
                    "all but the held-out --iwslt-block")
    ap.add_argument("--iwslt-block", type=int, default=-1,
                    help="the block of ten left out for scoring (default: the last)")
    ap.add_argument("--iwslt-repeat", type=int, default=3,
                    help="how many times the IWSLT texts are repeated in the training set")
    ap.add_argument("--vocab", type=Path, default=DEFAULT_VOCAB)
    ap.add_argument("--split-s", action=argparse.BooleanOptionalAction, default=True,
                    help="cut a word's final s into its own piece (group|'|s) so the "
                    "network sees possessive apostrophes (a resumed run keeps its setting)")
    ap.add_argument("--no-progress", action="store_true", help="no progress bar")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    device = _device(args.device)
    if device == "cpu":
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)

    ckpt = latest_checkpoint(out)
    init_name = _init_name(args)
    if ckpt is not None and (out / "config.json").exists():
        # A resumed run keeps the tokenization it started with (runs from
        # before --split-s existed had none).
        started = json.loads((out / "config.json").read_text(encoding="utf-8"))
        args.split_s = bool(started.get("split_s", False))
        init_name = started.get("init", init_name)
    wp = WordPieces.load(args.vocab, split_s=args.split_s)
    train_texts, dev_texts = read_corpora(args.corpus, args.max_train_docs, args.dev_docs)
    if ckpt is not None:
        # The checkpoint decides the network, casing head or not.
        net, ck = load_checkpoint(ckpt, device)
        cfg = net.cfg
        step = ck["step"]
        use_case = cfg.n_case > 0
        if args.case_head and not use_case:
            print(f"note: {ckpt.name} has no casing head; resuming without one",
                  file=sys.stderr)
    else:
        use_case = "lower" in args.profiles if args.case_head is None else args.case_head
        if args.init_from is not None:
            if args.scratch:
                raise SystemExit("--init-from and --scratch exclude each other")
            if not (out / "labels.json").exists():
                # The exported heads only make sense with the export's inventories.
                (out / "labels.json").write_bytes((args.init_from / "labels.json").read_bytes())
    data, after_set, before_set = prepare_data(args, out, wp, train_texts, use_case)
    n_rows = len(data["ids"])
    if n_rows == 0:
        raise SystemExit("no training text: every document went to dev or was empty")

    heads = {"n_after": len(after_set), "n_before": len(before_set),
             "n_case": len(CASE_CLASSES) if use_case else 0}
    if ckpt is None:
        if args.scratch:
            cfg = Config(vocab_size=wp.vocab_size, hidden=args.hidden, layers=args.layers,
                         heads=args.heads, intermediate=4 * args.hidden, **heads)
            net = UnstripNet(cfg)
        elif args.init_from is not None:
            from unstrip.onnx_weights import load_onnx_weights

            init_cfg = json.loads((args.init_from / "config.json").read_text(encoding="utf-8"))
            cfg = Config.from_json({**init_cfg["model"], **heads})
            net = UnstripNet(cfg)
            n = load_onnx_weights(net, args.init_from)
            print(f"initialised from {args.init_from} ({n} tensors dequantised)",
                  file=sys.stderr)
        else:
            cfg = base_config(**heads)
            net = UnstripNet(cfg)
            load_base_weights(net)
        net = net.to(device)
        ck, step = None, 0
    run_info = {
        "model": cfg.to_json(), "window": args.window, "overlap": args.window // 4,
        "profile": ",".join(args.profiles), "profiles": args.profiles,
        "init": init_name, "vocab": "vocab.txt", "split_s": args.split_s,
    }
    (out / "config.json").write_text(json.dumps(run_info, indent=1), encoding="utf-8")

    opt = _optimizer(net, args.lr, args.weight_decay)
    if ck is not None:
        opt.load_state_dict(ck["optimizer"])
        torch.set_rng_state(ck["rng"]["torch"])
        random.setstate(ck["rng"]["python"])
    warmup = int(args.warmup * args.max_steps)
    predictor = TorchModel(net, wp, after_set, before_set, window=args.window,
                           overlap=args.window // 4, device=device)
    bf16 = use_bf16(args.bf16, device)
    if bf16:
        print(f"bf16 autocast on {device}", file=sys.stderr)
    # The whole (pre-tokenised) data set is a few hundred MB at most: keep it
    # on the device and index batches there, so loading never starves a GPU.
    tensors = {k: torch.from_numpy(v.astype(np.int64)).to(device) for k, v in data.items()}
    lengths = data["lengths"]
    per_epoch = max(1, n_rows // args.batch_size)
    log = (out / "log.jsonl").open("a", encoding="utf-8")
    bar = tqdm(total=args.max_steps, initial=step, desc="training", unit="step",
               disable=args.no_progress, file=sys.stderr, dynamic_ncols=True)
    ema = None
    tokens = 0
    t0 = time.time()
    dev_f1 = None
    net.train()
    while step < args.max_steps:
        epoch, k = divmod(step, per_epoch)
        order = np.random.default_rng(args.seed * 100003 + epoch).permutation(n_rows)
        sel = order[k * args.batch_size : (k + 1) * args.batch_size]
        t = int(lengths[sel].max())
        rows = torch.from_numpy(sel).to(device)
        keys = ("ids", "shapes", "after", "before", *(("case",) if use_case else ()))
        batch = {key: tensors[key][rows, :t] for key in keys}
        mask = (batch["ids"] != wp.pad_id).long()
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args.max_steps, warmup, args.lr)
        with torch.autocast(device.split(":")[0], dtype=torch.bfloat16, enabled=bf16):
            out_heads = net(batch["ids"], batch["shapes"], mask)
        loss = _head_loss(out_heads[0], batch["after"]) + _head_loss(out_heads[1], batch["before"])
        if use_case:
            loss = loss + _head_loss(out_heads[2], batch["case"])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        step += 1
        tokens += int(lengths[sel].sum())
        value = loss.item()
        ema = value if ema is None else 0.98 * ema + 0.02 * value
        rate = tokens / max(1e-9, time.time() - t0)
        post = {"loss": f"{ema:.4f}", "tok/s": f"{rate:.0f}"}
        if dev_f1 is not None:
            post["dev_f1"] = f"{dev_f1:.4f}"
        bar.set_postfix(post, refresh=False)
        bar.update(1)
        record = None
        if dev_texts and (step % args.eval_every == 0 or step == args.max_steps):
            scores = evaluate(predictor, dev_texts, args.profiles)
            dev_f1 = scores["micro_f1"]
            record = {"step": step, "loss": round(ema, 5), "tok_per_s": round(rate), **scores}
            parts = [f"{p} micro-F1 {v['micro_f1']:.4f} IER {v['ier']:.4f}"
                     + (f" casing {v['casing_accuracy']:.4f}" if "casing_accuracy" in v else "")
                     for p, v in scores["profiles"].items()]
            bar.write(f"step {step}: loss {ema:.4f}, dev " + "; ".join(parts), file=sys.stderr)
        elif step % 50 == 0:
            record = {"step": step, "loss": round(ema, 5), "tok_per_s": round(rate),
                      "lr": opt.param_groups[0]["lr"]}
        if record:
            log.write(json.dumps(record) + "\n")
            log.flush()
        if step % args.save_every == 0 or step == args.max_steps:
            _save(out, step, net, opt, cfg, args.keep)
    bar.close()
    log.close()
    if math.isnan(ema or 0.0):
        print("training diverged (loss is NaN)", file=sys.stderr)
        return 1
    print(f"done: step {step}, loss {ema if ema is not None else float('nan'):.4f}, "
          f"checkpoint in {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
