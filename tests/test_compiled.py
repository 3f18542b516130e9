"""The modules setup.py compiles with mypyc are compiled, and build what their source builds."""

from __future__ import annotations

import ast
import importlib
import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
from pathlib import Path

import warta
from test_build import build_shared, dump

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent


def compiled_names() -> list[str]:
    """The modules named in setup.py's COMPILED, as module names."""
    tree = ast.parse((ROOT / "setup.py").read_text("utf-8"))
    listed = next(
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "COMPILED"
    )
    paths = [Path(ast.literal_eval(e)) for e in listed.elts]  # type: ignore[attr-defined]
    return [
        ".".join(p.relative_to("src").with_suffix("").parts).removesuffix(".__init__")
        for p in paths
    ]


def test_the_modules_setup_names_are_compiled() -> None:
    """`make install` compiles them (a C compiler missing falls back to plain Python,
    slower: this says so); `WARTA_PURE_PYTHON=1` asks for plain Python."""
    names = compiled_names()
    assert "warta.clean" in names and "warta.parse" in names
    pure = os.environ.get("WARTA_PURE_PYTHON") == "1"
    suffix = ".py" if pure else sysconfig.get_config_var("EXT_SUFFIX")
    files = {name: importlib.import_module(name).__file__ or "" for name in names}
    assert all(f.endswith(suffix) for f in files.values()), files


def stem_index(db: Path) -> list[tuple[int, bytes]]:
    """The stemmed FTS index's pages: the same stems written in the same order give the same."""
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT id, block FROM articles_stem_data ORDER BY id").fetchall()
    finally:
        con.close()


def test_compiled_modules_build_the_store_their_source_builds(tmp_path: Path) -> None:
    """The shared datasets and pages built by the compiled modules and by their plain source
    (a copy of the package without the compiled files, in another process) give the same
    store: articles, public JSON, removals, rejects, dedup index and stemmed search index."""
    pure = tmp_path / "pure"
    shutil.copytree(
        Path(warta.__file__).parent, pure / "warta", ignore=shutil.ignore_patterns("*.so")
    )
    plain_db, compiled_db = tmp_path / "plain.db", tmp_path / "compiled.db"
    script = (
        "import sys; from pathlib import Path; import warta.clean;"
        f" assert warta.clean.__file__.endswith('.py'), warta.clean.__file__;"
        f" sys.path.insert(0, {str(TESTS)!r});"
        f" from test_build import build_shared; build_shared(Path({str(plain_db)!r}))"
    )
    env = {**os.environ, "PYTHONPATH": str(pure)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    build_shared(compiled_db)
    assert dump(compiled_db) == dump(plain_db)
    assert stem_index(compiled_db) == stem_index(plain_db)
