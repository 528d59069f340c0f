"""Shared fixtures: where ../shared is, and skips with a clear reason when it is not."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEEDS = SHARED / "seeds"
CORPORA = SHARED / "corpora"


def need(path: Path) -> Path:
    """Skip the calling test unless ``path`` exists (it lives in ../shared, not the repo)."""
    if not path.exists():
        pytest.skip(f"{path} is absent: these tests read ../shared beside the repository")
    return path


@pytest.fixture(scope="session")
def seeds() -> Path:
    return need(SEEDS)


@pytest.fixture(scope="session")
def restorer():
    from unstrip import Restorer

    return Restorer()
