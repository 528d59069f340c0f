"""``python -m unstrip.train CORPUS... --out DIR``: runs :func:`unstrip.train.loop.main`."""

import sys

from unstrip.train.loop import main

sys.exit(main())
