"""``python -m unstrip.onnx_weights MODEL_DIR``: kept for the README's command.

The code lives in :mod:`unstrip.train.onnx_weights`; this module only runs
its command line and is imported by nothing.
"""

if __name__ == "__main__":
    from unstrip.train.onnx_weights import main

    raise SystemExit(main())
