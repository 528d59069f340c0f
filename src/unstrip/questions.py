"""``python -m unstrip.questions build``: kept for the README's command.

The classifier lives in :mod:`unstrip.decode.questions`, its builder in
:mod:`unstrip.train.questions_table`; this module only runs the builder's
command line and is imported by nothing.
"""

if __name__ == "__main__":
    from unstrip.train.questions_table import main

    raise SystemExit(main())
