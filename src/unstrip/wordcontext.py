"""``python -m unstrip.wordcontext build|evaluate``: kept for the README's command.

The word-context table lives in :mod:`unstrip.decode.wordcontext`, its builder
in :mod:`unstrip.train.wordcontext_table`; this module only runs the builder's
command line and is imported by nothing.
"""

if __name__ == "__main__":
    from unstrip.train.wordcontext_table import main

    raise SystemExit(main())
