"""unstrip's whole restore beside the bare networks of peer restorers, in one process.

The problem: peer punctuation restorers run bigger transformer encoders, and a
user choosing one wants to know what that costs in throughput on the same
hardware. Their weights would have to be downloaded, but speed does not
depend on weight values, so each peer network is built here from a config
object with random weights (nothing is fetched from a model hub) and timed on
the forward pass alone, with no tokenizer and no decoding. unstrip is timed
on its whole ``Restorer.restore`` (tokenizer, network, decoding, lexicon), so
the comparison favours the peers.

Peers (fp32, eval mode, ``torch.inference_mode``, a token-classification head
of 8 labels whose cost is negligible):

- ``punctuators``: the size of punctuators' English model, a 6-layer,
  512-wide encoder (8 heads, 2048 feed-forward) over a 32k vocabulary, built
  as a BERT encoder of those sizes;
- ``distilbert``: DistilBERT base (NeMo's ``punctuation_en_distilbert``);
- ``bert-base``: BERT base (NeMo's ``punctuation_en_bert``, rpunct);
- ``xlm-r-large``: XLM-RoBERTa large (fullstop): 24 layers, 1024 wide,
  16 heads, 4096 feed-forward, 250,002-token vocabulary.

Text: the dev documents of ../shared/corpora in id-hash order, stripped with
the seed profile, the same order ``benchmarks/speed.py`` takes them in; the
first ``--docs`` of them.

Token counts: each document's sequence length is unstrip's own WordPiece
piece count for it (the uncased BERT vocabulary, so for DistilBERT and BERT
it is the count their tokenizer gives, up to camel-case cuts; the
SentencePiece vocabularies of punctuators and XLM-R are not available
offline, and their English piece counts are close to WordPiece's). The ids
are random below each vocabulary's size. Each document is cut into
non-overlapping windows of ``--window`` tokens (default 256) counting
[CLS] and [SEP]; the peers' own pipelines overlap their windows (rpunct:
250 words with 30 overlapping), so this undercounts their work. Windows are
sorted by length and batched ``--batch`` at a time (default 8), padded to
the longest in the batch with an attention mask; sorting keeps padding
small, another favour to the peers.

Each measurement warms up first (unstrip: one document restored; a peer:
its first batch), then times the whole text. words/s is input words
(whitespace-separated words of the stripped text) over seconds, and each
ratio is unstrip's words/s over the peer's.

    python benchmarks/peer_speed.py
    python benchmarks/peer_speed.py --docs 10 --peers punctuators,distilbert --json

prints, for ``--docs 10`` on a 2-core machine busy with other work (so the
absolute figures are low and noisy; the ratios are what to read)::

    unstrip_words_per_s      1182
    punctuators_words_per_s  425
    ...
    ratio_punctuators        2.8
    ratio_distilbert         3.8
    ratio_bert-base          8.1
    ratio_xlm-r-large        24.9

It needs ``transformers`` (``pip install 'unstrip[bench]'``) and ../shared;
without either it prints why it skipped and exits 0.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import sys
import time
from collections.abc import Sequence

from _report import command_line, print_figures

# Build everything from config objects; never reach for a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

NUM_LABELS = 8
DEFAULT_DOCS = 30  # about 18,000 words: the dev texts up to and including a 14k-word ruling
PEERS: dict[str, str] = {
    "punctuators": "punctuators' English model size: 6 layers, 512 wide, 32k vocabulary",
    "distilbert": "DistilBERT base (NeMo punctuation_en_distilbert)",
    "bert-base": "BERT base (NeMo punctuation_en_bert, rpunct)",
    "xlm-r-large": "XLM-RoBERTa large (fullstop)",
}
"""The peer networks this benchmark builds, by name."""

PUBLISHED_PARAMS: dict[str, float] = {
    "distilbert": 66e6,
    "bert-base": 110e6,
    "xlm-r-large": 560e6,
}
"""Published parameter counts of the peers' encoders (the model cards' figures)."""


def peer_config(name: str):
    """The ``transformers`` config of peer ``name`` (see :data:`PEERS`)."""
    from transformers import BertConfig, DistilBertConfig, XLMRobertaConfig

    if name == "punctuators":
        return BertConfig(vocab_size=32_000, hidden_size=512, num_hidden_layers=6,
                          num_attention_heads=8, intermediate_size=2048,
                          max_position_embeddings=512, num_labels=NUM_LABELS)
    if name == "distilbert":
        return DistilBertConfig(num_labels=NUM_LABELS)
    if name == "bert-base":
        return BertConfig(num_labels=NUM_LABELS)
    if name == "xlm-r-large":
        return XLMRobertaConfig(vocab_size=250_002, hidden_size=1024, num_hidden_layers=24,
                                num_attention_heads=16, intermediate_size=4096,
                                max_position_embeddings=514, type_vocab_size=1,
                                num_labels=NUM_LABELS)
    raise ValueError(f"unknown peer {name!r}: choose from {', '.join(PEERS)}")


def build_peer(name: str, device: str | None = None):
    """Peer ``name`` as a token classifier with random weights, in eval mode.

    ``device="meta"`` builds it without allocating its weights (to count
    parameters cheaply).
    """
    import torch
    from transformers import (
        BertForTokenClassification,
        DistilBertForTokenClassification,
        XLMRobertaForTokenClassification,
    )

    classes = {
        "punctuators": BertForTokenClassification,
        "distilbert": DistilBertForTokenClassification,
        "bert-base": BertForTokenClassification,
        "xlm-r-large": XLMRobertaForTokenClassification,
    }
    config = peer_config(name)
    torch.manual_seed(0)
    if device is None:
        model = classes[name](config)
    else:
        with torch.device(device):
            model = classes[name](config)
    return model.eval()


def parameter_count(model) -> int:
    """Number of parameters of a torch module."""
    return sum(p.numel() for p in model.parameters())


def window_lengths(tokens: int, window: int) -> list[int]:
    """Sequence lengths (with [CLS] and [SEP]) of the windows one document of
    ``tokens`` word pieces is cut into, none longer than ``window``.

    >>> window_lengths(300, 256)
    [256, 48]
    >>> window_lengths(0, 256)
    []
    """
    if window < 3:
        raise ValueError("window must hold [CLS], [SEP] and one token")
    room = window - 2
    return [min(room, tokens - start) + 2 for start in range(0, tokens, room)]


def batches(lengths: Sequence[int], batch: int) -> list[list[int]]:
    """The window lengths sorted and grouped ``batch`` at a time.

    >>> batches([5, 100, 7, 90, 6], 2)
    [[5, 6], [7, 90], [100]]
    """
    ordered = sorted(lengths)
    return [ordered[i:i + batch] for i in range(0, len(ordered), batch)]


def padded_tokens(groups: Sequence[Sequence[int]]) -> int:
    """Token positions the network computes when each batch is padded to its longest.

    >>> padded_tokens([[5, 6], [7, 90], [100]])
    292
    """
    return sum(len(g) * max(g) for g in groups if g)


def words_per_second(words: int, seconds: float) -> float:
    """Throughput in input words per second.

    >>> words_per_second(18_000, 4.5)
    4000.0
    """
    if seconds <= 0:
        raise ValueError("seconds must be positive")
    return words / seconds


def ratios(unstrip_wps: float, peer_wps: dict[str, float]) -> dict[str, float]:
    """unstrip's words/s over each peer's: how many times faster unstrip is.

    >>> ratios(6000.0, {"bert-base": 750.0})
    {'bert-base': 8.0}
    """
    return {name: unstrip_wps / wps for name, wps in peer_wps.items()}


def make_inputs(groups: Sequence[Sequence[int]], vocab_size: int, pad_id: int = 0,
                seed: int = 0):
    """(input_ids, attention_mask) tensors for each batch: random ids below
    ``vocab_size``, each row padded (``pad_id``, mask 0) to the batch's longest."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    out = []
    for g in groups:
        width = max(g)
        ids = torch.randint(5, vocab_size, (len(g), width), generator=gen)
        mask = torch.zeros((len(g), width), dtype=torch.long)
        for row, n in enumerate(g):
            mask[row, :n] = 1
        ids = ids.masked_fill(mask == 0, pad_id)
        out.append((ids, mask))
    return out


def time_peer(model, inputs) -> float:
    """Seconds for the forward passes of ``model`` over all ``inputs``, after
    one warm-up pass over the first batch."""
    import torch

    with torch.inference_mode():
        ids, mask = inputs[0]
        model(input_ids=ids, attention_mask=mask)
        t0 = time.perf_counter()
        for ids, mask in inputs:
            model(input_ids=ids, attention_mask=mask).logits.shape  # noqa: B018
        return time.perf_counter() - t0


def bench_texts(docs: int) -> list[str]:
    """The first ``docs`` dev documents in ``speed.py``'s order, seed-stripped."""
    import hashlib

    from unstrip.text.corpus import corpus_files, iter_documents
    from unstrip.text.profiles import seed

    files = corpus_files()
    if not files:
        return []
    ordered = sorted(iter_documents(files, split="dev"),
                     key=lambda d: hashlib.sha1(d.id.encode("utf-8")).hexdigest())
    return [seed(d.text) for d in ordered[:docs]]


def time_unstrip(texts: Sequence[str], threads: int) -> float:
    """Seconds for ``Restorer.restore`` over ``texts`` (model loaded and warmed up first)."""
    from unstrip import Restorer
    from unstrip.models import load_model
    from unstrip.text.profiles import seed

    restorer = Restorer(load_model("auto", threads=threads))
    restorer.restore(texts[0], profile="seed")  # warm-up
    t0 = time.perf_counter()
    out = [restorer.restore(x, profile="seed") for x in texts]
    elapsed = time.perf_counter() - t0
    assert all(seed(o) == x for o, x in zip(out, texts, strict=True))
    return elapsed


def skip_reason() -> str | None:
    """Why this benchmark cannot run here, or None."""
    for module in ("torch", "transformers"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (pip install 'unstrip[bench]')"
    from unstrip.text.corpus import corpus_files

    if not corpus_files():
        return "../shared/corpora is absent: no dev text to time"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=DEFAULT_DOCS,
                    help=f"how many dev documents to time (default {DEFAULT_DOCS})")
    ap.add_argument("--peers", default=",".join(PEERS),
                    help=f"comma-separated peers (default all: {','.join(PEERS)})")
    ap.add_argument("--threads", type=int, default=2, help="torch and onnxruntime threads")
    ap.add_argument("--window", type=int, default=256, help="peer window in tokens, <= 512")
    ap.add_argument("--batch", type=int, default=8, help="peer windows per forward pass")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    peers = [p.strip() for p in args.peers.split(",") if p.strip()]
    unknown = [p for p in peers if p not in PEERS]
    if unknown:
        ap.error(f"unknown peer(s) {', '.join(unknown)}: choose from {', '.join(PEERS)}")
    if not 3 <= args.window <= 512:
        ap.error("--window must be between 3 and 512")
    reason = skip_reason()
    if reason:
        print(f"peer_speed.py: skipped: {reason}", file=sys.stderr)
        return 0

    import torch

    from unstrip.network.wordpieces import WordPieces

    torch.set_num_threads(args.threads)
    texts = bench_texts(args.docs)
    words = sum(len(x.split()) for x in texts)
    wp = WordPieces.load()
    tokens = [len(wp.encode(x).ids) for x in texts]
    lengths = [n for t in tokens for n in window_lengths(t, args.window)]
    groups = batches(lengths, args.batch)

    unstrip_s = time_unstrip(texts, args.threads)
    unstrip_wps = words_per_second(words, unstrip_s)
    figures: dict = {
        "documents": len(texts),
        "words": words,
        "word_pieces": sum(tokens),
        "windows": len(lengths),
        "padded_positions": padded_tokens(groups),
        "threads": args.threads,
        "window": args.window,
        "batch": args.batch,
        "unstrip_seconds": round(unstrip_s, 2),
        "unstrip_words_per_s": round(unstrip_wps),
    }
    peer_wps: dict[str, float] = {}
    for name in peers:
        model = build_peer(name)
        inputs = make_inputs(groups, model.config.vocab_size, model.config.pad_token_id or 0)
        seconds = time_peer(model, inputs)
        peer_wps[name] = words_per_second(words, seconds)
        figures[f"{name}_params_m"] = round(parameter_count(model) / 1e6, 1)
        figures[f"{name}_seconds"] = round(seconds, 2)
        figures[f"{name}_words_per_s"] = round(peer_wps[name])
        del model, inputs
        gc.collect()
    for name, r in ratios(unstrip_wps, peer_wps).items():
        figures[f"ratio_{name}"] = round(r, 1)
    figures["torch"] = torch.__version__
    figures["transformers"] = __import__("transformers").__version__
    figures["command"] = command_line("peer_speed.py")
    print_figures(figures, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
