"""Syndication: the same story across outlets, grouped, with the first publisher found.

Every stored article gets a `cluster` (shared by all copies of one story; a
story with no copy has its own) and `canonical` (true for exactly one member:
the earliest publication instant, then wire attribution, outlet name, id).
Nothing is deleted. See docs/dedup.md for the method and the measured thresholds.

Example:
    >>> import tempfile, pathlib
    >>> from warta.build import build
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> body = " ".join(f"kata{i}" for i in range(60))
    >>> for name in ("a.txt", "b.txt"):
    ...     _ = (tmp / name).write_text("Judul\\nKamis, 30 Desember 2021 - 19:18 WIB\\n" + body)
    >>> stats = build([str(tmp / "a.txt"), str(tmp / "b.txt")], tmp / "c.db", workers=1)
    >>> stats.dedup.joined  # b.txt found a.txt, stored before it
    1
    >>> from warta.store import open_store
    >>> with open_store(tmp / "c.db") as store:
    ...     [(a["cluster"] == min(b["id"] for b in store.articles()), a["canonical"])
    ...      for a in store.articles()]
    [(True, True), (True, False)]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from warta.dedup.cluster import BATCH, DedupIndex, Deduplicator, DedupStats
from warta.dedup.fingerprint import (
    DedupSettings,
    Fingerprint,
    estimate,
    fingerprint_texts,
    is_copy,
    names_wire,
    normalise,
)
from warta.errors import InputError

__all__ = [
    "DedupIndex",
    "DedupSettings",
    "DedupStats",
    "Deduplicator",
    "Fingerprint",
    "deduplicate",
    "estimate",
    "find_cluster",
    "fingerprint_texts",
    "is_copy",
    "names_wire",
    "normalise",
]


def deduplicate(
    db: str | Path,
    settings: DedupSettings | None = None,
    *,
    reset: bool = False,
    batch: int = BATCH,
) -> DedupStats:
    """Cluster every article of an existing store that has no cluster yet.

    Args:
        db: the store (must exist).
        settings: thresholds and signature shape (default: `DedupSettings()`).
        reset: forget every stored signature and cluster first, and cluster the
            whole store again (needed after changing `num_perm`, `bands`, `rows`,
            `shingle` or `seed`; new thresholds apply to new articles otherwise).
        batch: articles per batch (bounds memory).

    Returns:
        What the run did.

    Raises:
        StoreError: there is no store at `db`, it cannot be written, or a build (or another
            dedup) is writing it.

    Example:
        >>> import tempfile, pathlib
        >>> from warta.store import open_store
        >>> db = pathlib.Path(tempfile.mkdtemp()) / "c.db"
        >>> open_store(db).close()
        >>> deduplicate(db).articles
        0
    """
    from warta.store import open_store

    with open_store(db, create=False) as store:
        store.lock()  # not while a build clusters the same store
        index = store.dedup_index()
        if reset:
            index.reset()
        return Deduplicator(index, settings).run(batch)


def find_cluster(db: str | Path, article_id: str) -> list[dict[str, Any]]:
    """The cluster of one article: every member, canonical first.

    Each member is a dict with `id`, `title`, `outlet`, `url`, `published_at`,
    `published_utc`, `cluster`, `canonical` and `wire`.

    Args:
        db: the store (must exist).
        article_id: the article's id (as in `warta export` or `warta search`).

    Returns:
        The members; an article not deduplicated yet is alone, with `cluster` None.

    Raises:
        InputError: no article has this id.
        StoreError: there is no store at `db`.

    Example:
        >>> import tempfile, pathlib
        >>> from warta.store import open_store
        >>> db = pathlib.Path(tempfile.mkdtemp()) / "c.db"
        >>> open_store(db).close()
        >>> find_cluster(db, "0123456789abcdef")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        warta.errors.InputError: 0123456789abcdef: no such article in ... (try warta export ...)
    """
    from warta.store import open_store

    with open_store(db, readonly=True) as store:
        index = store.dedup_index()
        members = index.members(article_id)
        if members:
            return members
        alone = index.describe(article_id)
    if alone is None:
        raise InputError(f"{article_id}: no such article in {db} (try warta export to list ids)")
    return [alone]
