"""Decoding: from the network's label scores to the marks and capitals written.

The pieces the decoder uses, each in a module of its own:
:mod:`~unstrip.decode.rules` (quote and bracket pairing, balance, number
safety, sentence capitals), :mod:`~unstrip.decode.lexicon` (the word forms
seen in clean text), :mod:`~unstrip.decode.wordcontext` (forms chosen by the
neighbouring words), :mod:`~unstrip.decode.acronyms` (brackets and periods of
initialisms) and :mod:`~unstrip.decode.numbers` (marks that change a
number's value, written only when likely right).

>>> from unstrip.decode.rules import balance
>>> balance(["", "“", "", "."], [1.0, 0.4, 1.0, 0.9])
['', '', '', '.']
"""
