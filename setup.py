"""The build's one step beyond pyproject.toml: the modules every capture goes through,
compiled to C by mypyc (https://mypyc.readthedocs.io) when a C compiler is at hand.

Compiled, they clean a capture in about 15% less CPU (`docs/corpus-runs.md`, "Compiled
modules"). They are the same Python modules (mypyc compiles their type-checked source):
with no C compiler (a warning on stderr says so, which pip shows with `-v`), or with
`WARTA_PURE_PYTHON=1`, warta is installed as plain Python. The compiled modules are all
built or none (each needs the shared library they are built into); a pure build removes
those an earlier editable build left beside their sources.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from pathlib import Path
from typing import Any

from setuptools import setup
from setuptools.command.build_ext import build_ext

#: Compiled: parsing, cleaning, the timeline and the rows of the search and dedup index.
#: `tests/test_compiled.py` checks that they are compiled and clean as the plain source does.
COMPILED = [
    "src/warta/clean.py",
    "src/warta/dates.py",
    "src/warta/parse/__init__.py",
    "src/warta/parse/text.py",
    "src/warta/patterns.py",
    "src/warta/stemming.py",
    "src/warta/timeline.py",
    "src/warta/timeline_grammar.py",
    "src/warta/dedup/fingerprint.py",
    "src/warta/store/__init__.py",
]
#: The shared library the compiled modules live in (a top-level module, `warta__mypyc`).
GROUP = "warta"
#: mypy reads the other modules and the libraries for their types only; the optional
#: extras (Ray) are not installed where the package is built.
MYPY_FLAGS = ["--follow-imports=silent", "--ignore-missing-imports"]


class AllOrNone(build_ext):
    """`build_ext` that leaves no compiled module behind when any of them fails to build."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # no compiler, no Python headers: plain Python then
            for ext in self.extensions:
                Path(self.get_ext_fullpath(ext.name)).unlink(missing_ok=True)
            _plain_python(str(exc))


def _plain_python(why: str) -> None:
    """Install warta as plain Python, saying why on stderr."""
    _remove_inplace()
    sys.stderr.write(f"warning: warta is installed as plain Python: {why}\n")


def _remove_inplace() -> None:
    """Remove the compiled modules an earlier editable build put beside their sources."""
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    for source in COMPILED:
        Path(source).with_suffix(suffix).unlink(missing_ok=True)
    for library in Path("src").glob(f"{GROUP}__mypyc*{suffix}"):
        library.unlink()


#: The setuptools commands that build the package (pip's other calls only ask for its
#: metadata, which mypyc's type check and C code would only slow down).
BUILDS = {"bdist_wheel", "editable_wheel", "build", "build_ext", "develop", "install"}


def _extensions() -> list[Any]:
    if not BUILDS & set(sys.argv[1:]):
        return []
    if os.environ.get("WARTA_PURE_PYTHON") == "1":
        _remove_inplace()
        return []
    try:
        from mypyc.build import mypycify

        return list(mypycify([*MYPY_FLAGS, *COMPILED], opt_level="3", group_name=GROUP))
    except (Exception, SystemExit) as exc:  # mypyc missing, or a module it cannot type
        _plain_python(f"mypyc: {exc}")
        return []


setup(ext_modules=_extensions(), cmdclass={"build_ext": AllOrNone})
