"""Training: the PyTorch network, its data, the loop, export to ONNX, calibration, tables.

Nothing at runtime imports this package (``tests/test_layout.py`` checks
it). ``python -m unstrip.train CORPUS... --out DIR`` runs
:func:`unstrip.train.loop.main`; :mod:`~unstrip.train.export` writes the
ONNX model, :mod:`~unstrip.train.onnx_weights` reads it back into PyTorch,
:mod:`~unstrip.train.calibrate` chooses the decoder's logit shifts,
:mod:`~unstrip.train.number_table` fits the number table,
:mod:`~unstrip.train.mpnet` reads an MPNet teacher and
:mod:`~unstrip.train.distil` trains a student on its soft targets.

>>> import unstrip.train
>>> unstrip.train.__name__
'unstrip.train'
"""
