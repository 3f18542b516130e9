"""Shared fixtures: the real data beside the repo (`../shared`), and a cleaner."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from warta.pipeline import Cleaner

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SAMPLE = SHARED / "samples" / "000_fa0db1606fa02f66.txt"


def need_shared(path: Path) -> Path:
    """`path` under ../shared; under CI=true a missing file fails the run instead of skipping."""
    if not path.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"shared data missing: {path}")
        pytest.skip(f"shared data missing: {path}")
    return path


@pytest.fixture(scope="session")
def cleaner() -> Cleaner:
    return Cleaner()


@pytest.fixture(scope="session")
def sample_bytes() -> bytes:
    return need_shared(SAMPLE).read_bytes()
