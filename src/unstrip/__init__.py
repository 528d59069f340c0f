"""unstrip: turn damaged text back into the text as written."""

from unstrip.profiles import PROFILES, damage

__all__ = ["PROFILES", "damage"]
__version__ = "0.1.0"
