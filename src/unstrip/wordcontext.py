"""``python -m unstrip.wordcontext build|evaluate``: kept for the README's command.

The word-context table lives in :mod:`unstrip.decode.wordcontext`; this
module only runs its command line and is imported by nothing.
"""

if __name__ == "__main__":
    from unstrip.decode.wordcontext import main

    raise SystemExit(main())
