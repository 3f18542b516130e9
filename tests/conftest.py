"""Shared fixtures: the real data beside the repo (`../shared`), and a cleaner."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

import warta
from warta.pipeline import Cleaner

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
# The language model's unpacked copy (`warta.enrich.model_cache`) goes to a folder of the
# test run's own, not the user's cache: the first process that needs it makes it, the
# others (the CLI tests' `warta` processes, the builds' workers) read it.
_CACHE = tempfile.mkdtemp(prefix="warta-tests-cache-")
os.environ["XDG_CACHE_HOME"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, True)
SAMPLE = SHARED / "samples" / "000_fa0db1606fa02f66.txt"


def pytest_sessionstart(session: pytest.Session) -> None:
    """Stop at once when a source of the package changed after mypyc compiled its modules
    (setup.py): the tests would run the compiled modules of the old source."""
    package = Path(warta.__file__).parent
    libraries = list(package.parent.glob("warta__mypyc*"))
    if not libraries:
        return
    built = min(lib.stat().st_mtime for lib in libraries)
    changed = sorted(str(p.relative_to(package)) for p in package.rglob("*.py")
                     if p.stat().st_mtime > built)  # fmt: skip
    if changed:
        more = f" and {len(changed) - 1} more files" if len(changed) > 1 else ""
        pytest.exit(
            f"warta/{changed[0]}{more} changed after warta's modules were compiled: run"
            " `make install` (or `make test`) to compile them again",
            returncode=2,
        )


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
