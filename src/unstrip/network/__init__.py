"""The network: word pieces and windows, label inventories, and the ONNX runner.

:mod:`~unstrip.network.wordpieces` turns stripped text into the network's
inputs (word pieces, shapes, windows); :mod:`~unstrip.network.labels` holds
the label inventories of its heads; :mod:`~unstrip.network.onnx_model` runs
the shipped int8 network and returns logits per head. Nothing here decodes:
:class:`unstrip.learned.OnnxModel` is the decoder over the runner.

>>> from unstrip.network.wordpieces import SAMPLE_TEXT
>>> SAMPLE_TEXT.split()[:4]
['The', 'groups', 'leader', 'said']
"""
