"""What the pages and the API read from a store besides search: one article, corpus counts.

Every function takes a read-only connection (`warta.search.connect`) and checks
at run time which optional tables the store has: dedup's `clusters` (or a
`cluster` column on `articles`), `removals`, `mentions`.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from warta.search import NO_OUTLET, tables
from warta.store.sqlite import article_json

#: Most cluster members listed on an article page.
MAX_MEMBERS = 100


def article(con: sqlite3.Connection, article_id: str) -> dict[str, Any] | None:
    """An article's public JSON, with its syndication cluster once dedup has given it one.

    Args:
        con: a read-only store connection.
        article_id: the article's id.

    Returns:
        The JSON (`removed`, `timeline`, ...) plus, when the store has clusters and
        the article is in one, `cluster` (its id), `canonical` and `cluster_members`
        (the other members: id, title, outlet, published_at, canonical); None when
        there is no such article.

    Raises:
        ValueError: its stored JSON cannot be read (a damaged store), with why.

    Example:
        >>> import tempfile, pathlib
        >>> from warta.build import build
        >>> from warta.search import connect
        >>> tmp = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (tmp / "a.txt").write_text("Judul\\nKamis, 30 Desember 2021 - 19:18 WIB\\nIsi.")
        >>> _ = build([str(tmp / "a.txt")], tmp / "c.db", workers=1)
        >>> article(connect(tmp / "c.db"), "nope") is None
        True
    """
    row = con.execute("SELECT rowid, json FROM articles WHERE id = ?", (article_id,)).fetchone()
    if row is None:
        return None
    out = article_json(row[1])  # ValueError: a damaged store
    found = _cluster(con, row[0])
    if found is not None:
        cluster, canonical, members = found
        out.update(cluster=cluster, canonical=canonical, cluster_members=members)
    return out


def has_clusters(con: sqlite3.Connection) -> bool:
    """Whether the store has dedup's clusters (a `clusters` table or a `cluster` column)."""
    return "clusters" in tables(con) or "cluster" in _columns(con, "articles")


def _cluster(con: sqlite3.Connection, rowid: int) -> tuple[str, bool, list[dict[str, Any]]] | None:
    """The cluster id, canonical flag and other members of an article; None without one."""
    member_cols = "a.id, a.title, a.outlet, a.published_at"
    if "clusters" in tables(con):
        own = con.execute(
            "SELECT cluster, canonical FROM clusters WHERE article = ?", (rowid,)
        ).fetchone()
        if own is None:
            return None
        rows = con.execute(
            f"SELECT {member_cols}, c.canonical FROM clusters c JOIN articles a"
            " ON a.rowid = c.article WHERE c.cluster = ? AND c.article != ?"
            " ORDER BY c.canonical DESC, a.published_utc, a.id LIMIT ?",
            (own[0], rowid, MAX_MEMBERS),
        ).fetchall()
    elif "cluster" in (cols := _columns(con, "articles")):
        canonical = "a.canonical" if "canonical" in cols else "0"
        own = con.execute(
            f"SELECT a.cluster, {canonical} FROM articles a WHERE a.rowid = ?", (rowid,)
        ).fetchone()
        if own is None or own[0] is None:
            return None
        rows = con.execute(
            f"SELECT {member_cols}, {canonical} FROM articles a WHERE a.cluster = ?"
            f" AND a.rowid != ? ORDER BY {canonical} DESC, a.published_utc, a.id LIMIT ?",
            (own[0], rowid, MAX_MEMBERS),
        ).fetchall()
    else:
        return None
    keys = ("id", "title", "outlet", "published_at", "canonical")
    members = [dict(zip(keys, r, strict=True)) for r in rows]
    for m in members:
        m["canonical"] = bool(m["canonical"])
    return str(own[0]), bool(own[1]), members


def corpus(con: sqlite3.Connection) -> dict[str, Any]:
    """Counts for the corpus page: articles per day and outlet, removals, cluster sizes.

    Args:
        con: a read-only store connection.

    Returns:
        `articles`, `undated`, `outlets` ({outlet: articles}), `per_day`
        ([day, outlet, articles], days as the outlet printed them), `removals`
        ({reason: pieces}) and `cluster_sizes` ({size: clusters}, None before dedup).

    Example:
        >>> import tempfile, pathlib
        >>> from warta.build import build
        >>> from warta.search import connect
        >>> tmp = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (tmp / "a.txt").write_text("Judul\\nKamis, 30 Desember 2021 - 19:18 WIB\\nIsi.")
        >>> _ = build([str(tmp / "a.txt")], tmp / "c.db", workers=1)
        >>> corpus(connect(tmp / "c.db"))["per_day"]
        [['2021-12-30', '-', 1]]
    """
    have = tables(con)
    (n,) = con.execute("SELECT count(*) FROM articles").fetchone()
    (undated,) = con.execute("SELECT count(*) FROM articles WHERE published_at IS NULL").fetchone()
    outlets = {
        str(k): int(v)
        for k, v in con.execute(
            "SELECT coalesce(outlet, '-'), count(*) FROM articles GROUP BY 1 ORDER BY 2 DESC, 1"
        )
    }
    per_day = [
        [str(d), str(o), int(c)]
        for d, o, c in con.execute(
            "SELECT substr(published_at, 1, 10), coalesce(outlet, '-'), count(*) FROM articles"
            " WHERE published_at IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2"
        )
    ]
    removals: dict[str, int] = {}
    if "removals" in have:
        removals = {
            str(k): int(v)
            for k, v in con.execute(
                "SELECT reason, count(*) FROM removals GROUP BY 1 ORDER BY 2 DESC, 1"
            )
        }
    sizes: dict[int, int] | None = None
    if "clusters" in have:
        sizes = {
            int(k): int(v)
            for k, v in con.execute(
                "SELECT size, count(*) FROM (SELECT count(*) AS size FROM clusters"
                " GROUP BY cluster) GROUP BY size ORDER BY size"
            )
        }
    elif "cluster" in _columns(con, "articles"):
        sizes = {
            int(k): int(v)
            for k, v in con.execute(
                "SELECT size, count(*) FROM (SELECT count(*) AS size FROM articles"
                " WHERE cluster IS NOT NULL GROUP BY cluster) GROUP BY size ORDER BY size"
            )
        }
    return {
        "articles": int(n),
        "undated": int(undated),
        "outlets": outlets,
        "per_day": per_day,
        "removals": removals,
        "cluster_sizes": sizes,
    }


def outlets(con: sqlite3.Connection) -> list[str]:
    """The outlets of a store, most articles first (for the search form).

    Articles without an outlet count as `-` (`warta.search.NO_OUTLET`), as in `corpus`:
    the search filters them by that name.
    """
    # Grouped on the column, not on coalesce(): that reads the outlet index in order.
    return [
        NO_OUTLET if r[0] is None else str(r[0])
        for r in con.execute("SELECT outlet FROM articles GROUP BY 1 ORDER BY count(*) DESC")
    ]


def _columns(con: sqlite3.Connection, table: str) -> set[str]:
    """Column names of a table (empty when there is no such table)."""
    return {r[1] for r in con.execute(f"PRAGMA table_info({table})")}
