"""Text in and out: damage profiles, alignment, tokens, encoding repair, safe input, corpora.

Everything here works on plain strings and knows nothing of models:
:mod:`~unstrip.text.profiles` damages text, :mod:`~unstrip.text.alignment`
finds what was stripped, :mod:`~unstrip.text.tokens` splits words,
:mod:`~unstrip.text.encoding` repairs mojibake, :mod:`~unstrip.text.textio`
reads input safely and :mod:`~unstrip.text.corpus` reads documents.

>>> from unstrip.text.profiles import damage
>>> damage("Don't stop.", "seed")
'Dont stop'
"""
