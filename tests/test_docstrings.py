"""Every example in a docstring of the package still holds (they are the API's documentation)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import tempfile
from pathlib import Path

import pytest

import warta

#: Modules that act when imported: the CLI entry point, the fork server's warm-up.
ACTING = {"warta.__main__", "warta.engines.preload"}
MODULES = sorted(
    m.name for m in pkgutil.walk_packages(warta.__path__, "warta.") if m.name not in ACTING
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the examples' `tempfile.mkdtemp()` folders go under pytest's, which it removes
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=False)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed"
