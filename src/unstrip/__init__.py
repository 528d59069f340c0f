"""unstrip: turn damaged text back into the text as written.

>>> from unstrip import damage, restore
>>> damage("Don't stop.", "seed")
'Dont stop'
>>> restore("Dont stop")
"Don't stop."
"""

from unstrip.restorer import Restoration, Restorer, detect_profile, restore
from unstrip.text.alignment import align, apply
from unstrip.text.encoding import fix_encoding, fix_encoding_and_explain
from unstrip.text.profiles import PROFILES, damage

__all__ = [
    "PROFILES",
    "Restoration",
    "Restorer",
    "align",
    "apply",
    "damage",
    "detect_profile",
    "fix_encoding",
    "fix_encoding_and_explain",
    "restore",
]
__version__ = "0.2.3"
"""The package's version; the model's is :func:`unstrip.about.model_version`."""
