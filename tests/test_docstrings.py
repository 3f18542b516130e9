"""Every example in a docstring of the package still holds (they are the API's documentation)."""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import pkgutil
import sys
import tempfile
from pathlib import Path
from types import ModuleType

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
    source = _with_docstrings(module)
    result = doctest.testmod(
        source, globs=dict(vars(module)), optionflags=doctest.ELLIPSIS, report=False
    )
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed"
    if ">>> " in Path(source.__file__ or "").read_text("utf-8"):
        assert result.attempted > 0, f"{name}: its examples were not found"


def _with_docstrings(module: ModuleType) -> ModuleType:
    """`module`, or, when mypyc compiled it (its functions keep no docstrings for doctest to
    find), its source run as a module of its own, whose examples then run with the compiled
    module's names (`globs`)."""
    path = Path(module.__file__ or "")
    if path.suffix == ".py":
        return module
    name = f"{module.__name__}__source"
    spec = importlib.util.spec_from_file_location(
        name, path.with_name(path.name.split(".")[0] + ".py")
    )
    assert spec is not None and spec.loader is not None
    source = importlib.util.module_from_spec(spec)
    sys.modules[name] = source  # dataclasses look their module up
    try:
        spec.loader.exec_module(source)
    finally:
        del sys.modules[name]
    return source
