"""The network: word pieces and windows, label inventories, and the ONNX runner.

:mod:`~unstrip.network.features` turns stripped text into the network's
inputs (word pieces, windows) and names the labels of each head;
:mod:`~unstrip.network.onnx_model` runs the shipped int8 network.

>>> from unstrip.network.features import SAMPLE_TEXT
>>> SAMPLE_TEXT.split()[:4]
['The', 'groups', 'leader', 'said']
"""
