"""Exports of a store: JSON Lines or Parquet files that DuckDB, Polars and `datasets` load.

`articles.jsonl` holds one article's full public JSON per line. `articles.parquet`
has one column per field of the public JSON (lists as Arrow lists, their objects
as structs), `published_utc` (the instant as a UTC timestamp; for a day-only
`published_at`, the start of that day in the outlet's zone), `sha256` and
`extra`, the JSON of any field added later. Rejects go to `rejects.jsonl` /
`rejects.parquet` beside them.

An article whose stored JSON cannot be read, or does not fit the Parquet
columns (a damaged store), is left out with a warning naming it; the others are
exported.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from warta.errors import StoreError
from warta.store.sqlite import Damaged, SQLiteStore

log = logging.getLogger(__name__)

ROW_GROUP = 2048

_FLAT = (
    "id", "source", "locator", "url", "outlet", "title", "published_at", "published_at_source",
    "dateline_raw", "place", "agency", "authors", "lang", "text", "removed", "warnings",
)  # fmt: skip
#: Public fields given their own column after `extra` (they were only inside it before, and
#: stay there too): appended, so the earlier columns keep their places and `extra` its content.
_LATER = ("timeline", "entities", "cluster", "canonical")


@dataclass(frozen=True, slots=True)
class ExportStats:
    """What an export wrote."""

    articles: Path
    rejects: Path
    article_rows: int
    reject_rows: int
    #: Ids of the articles left out: their stored JSON cannot be read (a damaged store).
    damaged: tuple[str, ...] = ()


def export(
    db: str | Path,
    out: str | Path,
    fmt: Literal["jsonl", "parquet"] = "jsonl",
    *,
    drop_duplicates: bool = False,
) -> ExportStats:
    """Write a store's articles and rejects to `out/articles.<fmt>` and `out/rejects.<fmt>`.

    Args:
        db: the store to read (must exist).
        out: the folder to write to (created if missing).
        fmt: `jsonl` or `parquet`.
        drop_duplicates: write only the canonical member of each dedup cluster
            (articles not deduplicated yet are kept).

    Returns:
        The files written, their row counts, and the articles left out (each
        named in a warning) because their stored JSON cannot be read.

    Raises:
        StoreError: there is no warta store at `db` (it is opened read-only) or it cannot
            be read, or `out` cannot be written (a file in its path, no permission, a
            folder named like one of the files). The store is opened before anything is
            written, and both files are written beside their place and renamed into it
            once complete: a failed export leaves no folder it made and no half-written
            file.

    Example:
        >>> import tempfile, pathlib
        >>> tmp = pathlib.Path(tempfile.mkdtemp())
        >>> from warta.store import open_store
        >>> open_store(tmp / "c.db").close()
        >>> export(tmp / "c.db", tmp / "out").article_rows
        0
    """
    folder = Path(out)
    path = Path(db)
    finals = _finals(folder, fmt)
    damaged: list[str] = []

    def left_out(article_id: str, why: str) -> None:
        log.warning("%s: article %s left out of the export: %s", db, article_id, why)
        damaged.append(article_id)

    # a missing or foreign file fails here, before the folder is made
    with SQLiteStore(path, readonly=True) as store:
        made = _make_folder(folder, finals)
        parts = [final.with_name(f".{final.name}.partial") for final in finals]
        writing = finals[0]
        try:
            if fmt == "jsonl":
                n_a = _write_jsonl(parts[0], store.articles(drop_duplicates, left_out))
                writing = finals[1]
                n_r = _write_jsonl(parts[1], store.rejects())
            else:
                n_a = _write_articles_parquet(parts[0], store, drop_duplicates, left_out)
                writing = finals[1]
                n_r = _write_rejects_parquet(parts[1], store)
            for part, final in zip(parts, finals, strict=True):
                writing = final
                part.replace(final)
        except BaseException as exc:
            _undo(parts, made)
            if isinstance(exc, sqlite3.Error):
                raise StoreError(f"{path}: cannot read the store: {exc}") from None
            if isinstance(exc, OSError):
                raise StoreError(f"cannot write {writing}: {exc.strerror or exc}") from None
            raise
    return ExportStats(finals[0], finals[1], n_a, n_r, tuple(damaged))


def check_out(out: str | Path, fmt: Literal["jsonl", "parquet"]) -> None:
    """Check, without writing, that an export to `out` can be made (`warta build --out`
    checks before it builds, not after).

    Raises:
        StoreError: a file stands where a folder is needed, the first folder that exists
            cannot be written, or an export file's name is a folder.
    """
    folder = Path(out)
    _no_folder_at(_finals(folder, fmt))
    first = next((p for p in (folder, *folder.parents) if p.exists()), Path("."))
    if not first.is_dir():
        raise StoreError(f"cannot create the export folder {folder}: {first} is a file")
    if not os.access(first, os.W_OK | os.X_OK):
        raise StoreError(f"cannot create the export folder {folder}: {first} cannot be written")


def _make_folder(folder: Path, finals: tuple[Path, ...]) -> list[Path]:
    """Create `folder` (and its missing parents) for `finals`; the folders made, innermost first.

    Raises:
        StoreError: the folder cannot be made, or one of `finals` is a folder.
    """
    missing = [p for p in (folder, *folder.parents) if not p.exists() and not p.is_symlink()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _undo([], missing)
        raise StoreError(f"cannot create the export folder {folder}: {exc.strerror}") from None
    _no_folder_at(finals)
    return missing


def _finals(folder: Path, fmt: str) -> tuple[Path, Path]:
    """The articles and rejects files of an export to `folder`."""
    return folder / f"articles.{fmt}", folder / f"rejects.{fmt}"


def _no_folder_at(finals: Iterable[Path]) -> None:
    """Raise `StoreError` when a folder has the name of an export file."""
    for final in finals:
        if final.is_dir():
            raise StoreError(f"{final} is a folder: remove it or export to another --out")


def _undo(parts: list[Path], made: list[Path]) -> None:
    """Remove the partial files of a failed export and the folders it made (when empty)."""
    for part in parts:
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)
    for folder in made:  # innermost first
        with contextlib.suppress(OSError):
            folder.rmdir()


def _write_jsonl(path: Path, rows: Iterator[dict[str, Any]]) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


def _article_schema() -> Any:
    import pyarrow as pa

    removal = pa.struct(
        [("text", pa.string()), ("reason", pa.string()), ("start", pa.int64()), ("end", pa.int64())]
    )
    fields = [(name, pa.string()) for name in _FLAT]
    types = {"authors": pa.list_(pa.string()), "warnings": pa.list_(pa.string()),
             "removed": pa.list_(removal)}  # fmt: skip
    fields = [(n, types.get(n, t)) for n, t in fields]
    fields.insert(7, ("published_utc", pa.timestamp("s", tz="UTC")))
    fields += [("sha256", pa.string()), ("extra", pa.string())]
    span = [("text", pa.string()), ("start", pa.int64()), ("end", pa.int64()),
            ("type", pa.string())]  # fmt: skip
    fields += [
        ("timeline", pa.list_(pa.struct([*span, ("value", pa.string())]))),
        ("entities", pa.list_(pa.struct(span))),  # null when the tagger was not run
        ("cluster", pa.string()),
        ("canonical", pa.bool_()),  # null before dedup, as `cluster`
    ]
    return pa.schema(fields)


def _write_articles_parquet(
    path: Path, store: SQLiteStore, canonical_only: bool, left_out: Damaged
) -> int:
    def flat_rows() -> Iterator[dict[str, Any]]:
        for row in store.article_rows(canonical_only, left_out):
            d = row[-1]
            flat = {k: d.get(k) for k in (*_FLAT, *_LATER)}
            utc = row[7]
            flat["published_utc"] = (
                datetime.strptime(utc, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) if utc else None
            )
            flat["sha256"] = row[10]
            # `extra` keeps the `_LATER` fields too, as it did before they had columns
            rest = {k: v for k, v in d.items() if k not in _FLAT}
            flat["extra"] = json.dumps(rest, ensure_ascii=False) if rest else None
            yield flat

    def unfit(row: dict[str, Any], exc: Exception) -> None:
        left_out(str(row.get("id")), f"its stored JSON does not fit the Parquet columns ({exc})")

    return _write_parquet(path, _article_schema(), flat_rows(), unfit)


def _write_rejects_parquet(path: Path, store: SQLiteStore) -> int:
    import pyarrow as pa

    keys = ("id", "source", "locator", "stage", "reason", "detail", "sha256")
    return _write_parquet(path, pa.schema([(k, pa.string()) for k in keys]), store.rejects())


def _write_parquet(
    path: Path,
    schema: Any,
    rows: Iterable[dict[str, Any]],
    unfit: Callable[[dict[str, Any], Exception], None] | None = None,
) -> int:
    """Stream `rows` into a zstd Parquet file, `ROW_GROUP` rows at a time; the row count.

    With `unfit`, a row whose values do not fit `schema` is left out and given to it.
    """
    import pyarrow.parquet as pq

    n = 0
    # opened here, not by pyarrow: a file that cannot be written raises Python's OSError
    with path.open("wb") as f, pq.ParquetWriter(f, schema, compression="zstd") as writer:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= ROW_GROUP:
                n += _write_batch(writer, schema, batch, unfit)
                batch = []
        if batch or n == 0:  # an empty export still gets its schema
            n += _write_batch(writer, schema, batch, unfit)
    return n


def _write_batch(
    writer: Any,
    schema: Any,
    batch: list[dict[str, Any]],
    unfit: Callable[[dict[str, Any], Exception], None] | None,
) -> int:
    """Write one row group; the rows written. A batch that does not convert is tried row by
    row, so that only the rows that do not fit are left out (given to `unfit`)."""
    import pyarrow as pa

    try:
        table = pa.Table.from_pylist(batch, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        if unfit is None:
            raise
        fitting = []
        for row in batch:
            try:
                pa.Table.from_pylist([row], schema=schema)
            except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
                unfit(row, exc)
                continue
            fitting.append(row)
        table = pa.Table.from_pylist(fitting, schema=schema)
    writer.write_table(table)
    return int(table.num_rows)
