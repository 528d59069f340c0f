"""The learned restorer: an exported network on onnxruntime, decoded into insertions at every gap.

A trained network (see :mod:`unstrip.train.loop`) exported by :mod:`unstrip.train.export`
is a directory with ``model.onnx``, ``labels.json`` (the insertion strings
each head can say), ``config.json`` and ``vocab.txt``. :class:`OnnxModel`
loads it with onnxruntime (no PyTorch) and answers ``predict(text, cased)``
exactly like :class:`unstrip.baseline.BaselineModel`, so it drops into the
restorer:

    >>> from unstrip import Restorer                        # doctest: +SKIP
    >>> Restorer(model=OnnxModel.load("runs/model")).restore("Dont go")  # doctest: +SKIP
    "Don't go."

How a prediction is made (:class:`unstrip.decode.pipeline.Decoder`, shared
with the PyTorch model used while training;
:class:`unstrip.network.onnx_model.OnnxNetwork` only runs the network):

1. the stripped text becomes word pieces (:meth:`unstrip.network.wordpieces.WordPieces.encode`);
2. long texts are cut into overlapping windows of word pieces, run in
   batches, and each piece's log-probabilities are averaged over the windows
   that read it, weighted towards the one where it sits most centrally
   (lowercased input overlaps more: ``config.json`` ``"lower_overlap"``);
3. the ``after`` head fills the gap after every word piece, the ``before``
   head the gaps of the space run before every word, and the lexicon the gaps
   strictly inside one word piece (:func:`unstrip.decode.inner.inner_insertions`),
   in the context of the neighbouring words where a word's forms differ in
   their marks (:mod:`unstrip.decode.wordcontext`: ``the governments decision``
   -> ``government's``, ``rose 25 pct`` -> ``2.5``);
4. confidences are the softmax probabilities of the chosen labels; before
   the choice, the model's own calibration (``config.json`` ``"decoding"``,
   :attr:`unstrip.decode.pipeline.DecodeConfig.after_bias`, chosen by ``unstrip calibrate``) may
   shift the ``after`` logits of whole families of marks (argmax leaves
   commas at precision 0.73, recall 0.61 on dev; the shipped model shifts
   only the empty label of lowercased input, by -0.5, chosen on IWSLT
   dev2012 blocks 1-5);
5. quotes and brackets are chosen jointly over the text so that they pair
   up (:meth:`unstrip.decode.pipeline.Decoder._pair`, :func:`unstrip.decode.rules.pair_marks`):
   where a label with a quote or bracket is likely, the labels of the whole
   window are the likeliest under which every quote opened is closed;
6. for lowercased input (``cased=False``) a network with a casing head
   (exported with a third output, ``case_logits``) says how each word piece
   is written (``nato`` -> ``NATO``); without one, casing comes from the
   lexicon and sentence starts, as before the head existed.

Only insertions are ever produced; no kept character changes (the restorer
checks that too).

>>> import numpy as np
>>> from unstrip.network.labels import LabelSet
>>> from unstrip.network.wordpieces import WordPieces
>>> class Always(WindowPredictor):  # a stand-in network: "." after every piece
...     def _run(self, ids, shapes, mask):
...         a = np.zeros(ids.shape + (2,), np.float32); a[..., 1] = 5.0
...         return a, np.zeros(ids.shape + (1,), np.float32)
>>> m = Always(WordPieces.load(), LabelSet(["", "."]), LabelSet([""]), lexicon={})
>>> p = m.predict("Hi there")
>>> from unstrip.text.alignment import apply
>>> apply("Hi there", p.insertions), round(p.confidence[2], 3)
('Hi. there.', 0.993)
"""

from __future__ import annotations

import json
from pathlib import Path

from unstrip.decode.pipeline import DecodeConfig, Decoder
from unstrip.network.labels import load_label_sets
from unstrip.network.onnx_model import OnnxNetwork
from unstrip.network.wordpieces import DEFAULT_VOCAB, WordPieces

__all__ = ["OnnxModel", "WindowPredictor"]


class WindowPredictor(Decoder):
    """A :class:`~unstrip.decode.pipeline.Decoder` whose subclass runs the network itself.

    Subclasses implement ``_run(ids, shapes, mask)`` (see :class:`Decoder`);
    the arguments are those of :class:`Decoder` less the network. Tests use
    it for stand-in networks (see the module's example).
    """

    def __init__(self, wordpieces: WordPieces, *args, **kwargs):
        super().__init__(None, wordpieces, *args, **kwargs)


class OnnxModel(Decoder):
    """The learned restorer on onnxruntime: ``OnnxModel.load(dir).predict(text)``.

    The :class:`~unstrip.decode.pipeline.Decoder` over an
    :class:`~unstrip.network.onnx_model.OnnxNetwork`.
    """

    def __init__(self, session, config: dict, *args, **kwargs):
        super().__init__(OnnxNetwork(session), *args, **kwargs)
        self.session = session
        self.config = config

    @classmethod
    def load(
        cls,
        path: str | Path,
        threads: int = 2,
        lexicon: dict[str, dict[str, int]] | None = None,
        variant: str | None = None,
        batch_size: int = 10,
        spin: bool = False,
    ) -> OnnxModel:
        """Load an exported model directory.

        ``variant`` picks the ONNX file (``model.onnx`` or ``model.int8.onnx``;
        default: the one ``config.json`` names); ``threads`` and ``spin`` are
        the onnxruntime session's (:func:`unstrip.network.onnx_model.open_session`).
        """
        path = Path(path)
        cfg_file = path / "config.json"
        if not cfg_file.exists():
            raise FileNotFoundError(
                f"no exported model at {path} (config.json missing); export one with "
                "`python -m unstrip.train.export RUN_DIR --out DIR`"
            )
        config = json.loads(cfg_file.read_text(encoding="utf-8"))
        session = OnnxNetwork.open_session(path / (variant or config.get("onnx", "model.onnx")),
                                           threads=threads, spin=spin)
        vocab = path / "vocab.txt"
        after, before = load_label_sets(path / "labels.json")
        return cls(
            session,
            config,
            WordPieces.load(vocab if vocab.exists() else DEFAULT_VOCAB,
                            split_s=bool(config.get("split_s", False))),
            after,
            before,
            lexicon=lexicon,
            window=int(config.get("window", 256)),
            overlap=int(config.get("overlap", 32)),
            lower_overlap=(int(config["lower_overlap"]) if "lower_overlap" in config else None),
            batch_size=batch_size,
            decoding=DecodeConfig.from_config(config, after.labels, before.labels),
        )

    @property
    def has_case_head(self) -> bool:
        """Whether the exported network has the casing head (a ``case_logits`` output)."""
        return self.network.has_case_head
