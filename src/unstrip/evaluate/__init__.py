"""Evaluation: scoring restorations, the IWSLT benchmark, the fixed evaluation sets.

Nothing at runtime imports this package. :mod:`~unstrip.evaluate.scoring`
scores a restored text against the original, :mod:`~unstrip.evaluate.iwslt`
reads and scores the IWSLT TED punctuation benchmark,
:mod:`~unstrip.evaluate.evalsets` names the tune and report documents, and
:mod:`~unstrip.evaluate.clean_samples` holds the clean sentences that
encoding repair must leave alone.

>>> from unstrip.evaluate.evalsets import family_of
>>> family_of("ted")
'speech'
"""
