"""The dedup index inside the SQLite store: signatures, LSH band keys and clusters.

Tables (created with the store):

- `signatures(article, words, shingles, minhash)`: per article (by `articles.rowid`)
  whose LSH band keys are indexed (the only ones a probe finds as candidates to
  verify), its word and distinct-shingle counts and its MinHash signature (`num_perm`
  x 4 bytes; NULL for texts too short for MinHash). A store made by an earlier version
  holds one for every article.
- `bands(band, key, article)`: one row per LSH band and one for the exact key
  (band -1), primary key `(band, key, article)` without rowid, so the table is
  its own lookup index.
- `clusters(article, cluster, canonical, wire)`: the cluster id (the smallest
  article id among its members), whether the article is the canonical member,
  and whether it carries wire attribution; indexed by cluster, and its canonical
  members apart (`clusters_canonical`), so a batch finds a cluster's canonical member
  without reading its other members.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warta.errors import StoreError

if TYPE_CHECKING:
    from warta.dedup.cluster import KeyRows

DEDUP_SCHEMA = """
CREATE TABLE IF NOT EXISTS signatures (
    article INTEGER PRIMARY KEY,   -- articles.rowid
    words INTEGER NOT NULL,
    shingles INTEGER NOT NULL,
    minhash BLOB
);
CREATE TABLE IF NOT EXISTS bands (
    band INTEGER NOT NULL,
    key INTEGER NOT NULL,
    article INTEGER NOT NULL,
    PRIMARY KEY (band, key, article)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS clusters (
    article INTEGER PRIMARY KEY,   -- articles.rowid
    cluster TEXT NOT NULL,         -- the smallest article id among the members
    canonical INTEGER NOT NULL,
    wire INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS clusters_cluster ON clusters(cluster);
CREATE INDEX IF NOT EXISTS clusters_canonical ON clusters(cluster) WHERE canonical = 1;
"""

#: Canonical member first: earliest UTC instant (undated last), wire attribution,
#: outlet name, id.
_CANONICAL_ORDER = (
    "a.published_utc IS NULL, a.published_utc, c.wire DESC, a.outlet IS NULL, a.outlet, a.id"
)
_CHUNK = 900  # bound parameters per IN (...) query
#: An article's agency from its stored JSON; NULL when that JSON is damaged (`json_extract`
#: would stop the whole query with "malformed JSON").
_AGENCY = "CASE WHEN json_valid({0}) THEN json_extract({0}, '$.agency') END"
#: Stored candidates checked per new article (those sharing the most band keys) ...
MATCHES_PER_ARTICLE = 64
#: ... and per cluster they belong to.
PER_CLUSTER = 3
#: Articles kept per LSH bucket (band, key).
BUCKET_SIZE = 16


class SQLiteDedupIndex:
    """The Deduplicator's index on a store's connection (see `warta.dedup.DedupIndex`).

    Not a dataclass: it shares the store's open connection.
    """

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self.db, self.path = db, path

    def dedup_pending(self, limit: int) -> list[tuple[int, str, str | None, str, str | None]]:
        """Stored articles not yet in a cluster, in rowid order."""
        return self.db.execute(
            f"SELECT a.rowid, a.id, a.title, a.text, {_AGENCY.format('a.json')}"
            " FROM articles a WHERE NOT EXISTS (SELECT 1 FROM clusters c WHERE c.article = a.rowid)"
            " ORDER BY a.rowid LIMIT ?",
            (limit,),
        ).fetchall()

    def dedup_rows(self, ids: Sequence[str]) -> list[tuple[int, str, str | None, str, str | None]]:
        """The rows of these stored articles (those not stored are missing)."""
        return where_in(
            self.db,
            f"SELECT rowid, id, title, text, {_AGENCY.format('json')} FROM articles"
            " WHERE id IN ({})",
            ids,
        )

    def band_matches(
        self, keys: KeyRows, limit: int = MATCHES_PER_ARTICLE
    ) -> list[tuple[int, int, int]]:
        """`(band, query article, stored article)` for stored articles sharing a key with a query.

        One row per pair, with the lowest shared band (the exact band, -1, when
        the exact keys are equal). Per query article, the stored articles sharing
        the most bands (the likeliest copies) are kept: at most `PER_CLUSTER` of
        any one cluster (one verified copy is enough to join it) and `limit` in
        all. Memory and time per article are then bounded, however many copies
        of a story are stored.
        """
        self.db.execute(
            "CREATE TEMP TABLE IF NOT EXISTS dedup_query"
            " (band INTEGER, key INTEGER, article INTEGER)"
        )
        # one transaction: autocommit would sync per row
        with transaction(self.db, f"{self.path}: dedup candidates failed"):
            self.db.execute("DELETE FROM dedup_query")
            # in key order: the probes walk `bands` from one end to the other
            insert_rows(self.db, "INSERT INTO dedup_query", sorted(keys))
            rows = self.db.execute(
                "SELECT band, query, stored FROM ("
                "  SELECT band, query, stored,"
                "   row_number() OVER (PARTITION BY query, coalesce(c.cluster, stored)"
                "    ORDER BY shared DESC, stored) AS k,"
                "   row_number() OVER (PARTITION BY query ORDER BY shared DESC, stored) AS n"
                "  FROM ("
                # CROSS JOIN: the query rows drive, each a primary-key probe into `bands`
                "   SELECT min(q.band) AS band, q.article AS query, b.article AS stored,"
                "    count(*) AS shared"
                "   FROM dedup_query q CROSS JOIN bands b ON b.band = q.band AND b.key = q.key"
                "   GROUP BY q.article, b.article) AS g"
                "  LEFT JOIN clusters c ON c.article = g.stored)"
                " WHERE k <= ? AND n <= ?",
                (PER_CLUSTER, limit),
            ).fetchall()
            self.db.execute("DELETE FROM dedup_query")
        return rows

    def signatures(self, rowids: Iterable[int]) -> dict[int, tuple[int, int, int, bytes | None]]:
        """Stored signatures by article rowid."""
        sql = "SELECT article, words, shingles, minhash FROM signatures WHERE article IN ({})"
        return {row[0]: row for row in where_in(self.db, sql, rowids)}

    def clusters_of(self, rowids: Iterable[int]) -> dict[int, str]:
        """The cluster of each stored article."""
        sql = "SELECT article, cluster FROM clusters WHERE article IN ({})"
        return dict(where_in(self.db, sql, rowids))

    def cluster_sizes(self, clusters: Iterable[str]) -> dict[str, int]:
        """Members of each cluster."""
        sql = "SELECT cluster, count(*) FROM clusters WHERE cluster IN ({}) GROUP BY cluster"
        return dict(where_in(self.db, sql, clusters))

    def save_dedup(
        self,
        signatures: Sequence[tuple[int, int, int, bytes | None]],
        bands: KeyRows,
        clusters: Sequence[tuple[int, str, int, int]],
        relabel: Mapping[str, str],
        touched: Iterable[str],
    ) -> dict[int, tuple[str, bool]]:
        """Write a batch, merge clusters and recompute canonical members, in one transaction."""
        with transaction(self.db, f"{self.path}: dedup write failed"):
            insert_rows(self.db, "INSERT OR REPLACE INTO signatures", signatures)
            # A bucket keeps its first BUCKET_SIZE articles: a story's later copies
            # find those, and a probe never walks hundreds of copies. Inserted in key
            # order, so a batch's articles enter a bucket in rowid order (the earliest
            # stored first), whatever order the batch came in, and the inserts walk the
            # table from one end to the other. A full bucket's row gets no article, and
            # IGNORE skips it (a WITHOUT ROWID key is NOT NULL): an `INSERT ... SELECT`
            # reading the table it writes is run into a temporary table first.
            self.db.executemany(
                "INSERT OR IGNORE INTO bands VALUES (?1, ?2, CASE WHEN"
                f" (SELECT count(*) FROM bands WHERE band = ?1 AND key = ?2) < {BUCKET_SIZE:d}"
                " THEN ?3 END)",
                sorted(bands),
            )
            insert_rows(self.db, "INSERT OR REPLACE INTO clusters", clusters)
            # OR IGNORE (no value set is ever NULL): an update of many rows that could fail
            # midway (NOT NULL) first copies each page it changes into the statement
            # journal; these two updates wrote three quarters of what was left of it.
            self.db.executemany(
                "UPDATE OR IGNORE clusters SET cluster = ? WHERE cluster = ?",
                [(new, old) for old, new in relabel.items()],
            )
            self._recanon(sorted(touched), [c[0] for c in clusters])
            rows = where_in(
                self.db,
                "SELECT article, cluster, canonical FROM clusters WHERE article IN ({})",
                [c[0] for c in clusters],
            )
            out = {rowid: (cluster, bool(canonical)) for rowid, cluster, canonical in rows}
        return out

    def _recanon(self, clusters: list[str], new: list[int]) -> None:
        """Mark exactly one member of each of `clusters` canonical, after `new` joined them.

        Every cluster had its first member (in canonical order) marked, and members
        never change, so the first of a changed cluster is the first among its marked
        members (one per cluster merged into it) and its `new` articles. Both are
        found through indexes (the marked members through `clusters_canonical`), so
        the work is a few rows however large the cluster.
        """
        self.db.execute("CREATE TEMP TABLE IF NOT EXISTS dedup_new (article INTEGER PRIMARY KEY)")
        self.db.execute("CREATE TEMP TABLE IF NOT EXISTS dedup_touched (cluster TEXT PRIMARY KEY)")
        self.db.execute("DELETE FROM dedup_new")
        self.db.execute("DELETE FROM dedup_touched")
        self.db.executemany("INSERT OR IGNORE INTO dedup_new VALUES (?)", [(r,) for r in new])
        self.db.executemany("INSERT INTO dedup_touched VALUES (?)", [(c,) for c in clusters])
        firsts = self.db.execute(
            "SELECT article, cluster FROM (SELECT c.article, c.cluster, row_number() OVER"
            " (PARTITION BY c.cluster ORDER BY " + _CANONICAL_ORDER + ") AS n"
            " FROM ("
            # CROSS JOIN: the few touched clusters and new articles drive, each a probe
            "  SELECT c.article FROM dedup_touched t CROSS JOIN clusters c"
            "   ON c.cluster = t.cluster WHERE c.canonical = 1"
            "  UNION SELECT n.article FROM dedup_new n CROSS JOIN clusters c"
            "   ON c.article = n.article WHERE c.cluster IN (SELECT cluster FROM dedup_touched)"
            " ) AS m"
            " JOIN clusters c ON c.article = m.article JOIN articles a ON a.rowid = c.article)"
            " WHERE n = 1"
        ).fetchall()
        self.db.executemany(  # OR IGNORE: see `save_dedup`
            "UPDATE OR IGNORE clusters SET canonical = 0"
            " WHERE cluster = ?2 AND canonical = 1 AND article != ?1",
            firsts,
        )
        self.db.executemany(
            "UPDATE clusters SET canonical = 1 WHERE article = ? AND canonical = 0",
            [(article,) for article, _ in firsts],
        )
        self.db.execute("DELETE FROM dedup_new")
        self.db.execute("DELETE FROM dedup_touched")

    def members(self, article_id: str) -> list[dict[str, Any]]:
        """The cluster of one article, canonical member first (empty: not stored or not deduped)."""
        if not self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'clusters'").fetchone():
            return []  # a store made before dedup, opened read-only
        rows = self.db.execute(
            "SELECT a.id, a.title, a.outlet, a.url, a.published_at, a.published_utc, c.cluster,"
            " c.canonical, c.wire FROM clusters c JOIN articles a ON a.rowid = c.article"
            " WHERE c.cluster = (SELECT c2.cluster FROM clusters c2 JOIN articles a2"
            "   ON a2.rowid = c2.article WHERE a2.id = ?)"
            f" ORDER BY c.canonical DESC, {_CANONICAL_ORDER}",
            (article_id,),
        ).fetchall()
        keys = ("id", "title", "outlet", "url", "published_at", "published_utc", "cluster",
                "canonical", "wire")  # fmt: skip
        return [dict(zip(keys, r, strict=True)) | {"canonical": bool(r[7])} for r in rows]

    def describe(self, article_id: str) -> dict[str, Any] | None:
        """One article as a cluster member, before it has a cluster (None: not stored)."""
        row = self.db.execute(
            "SELECT id, title, outlet, url, published_at, published_utc FROM articles WHERE id = ?",
            (article_id,),
        ).fetchone()
        if row is None:
            return None
        keys = ("id", "title", "outlet", "url", "published_at", "published_utc")
        return dict(zip(keys, row, strict=True)) | {"cluster": None, "canonical": None,
                                                     "wire": None}  # fmt: skip

    def reset(self) -> None:
        """Forget every signature, band key and cluster (e.g. before new thresholds)."""
        with transaction(self.db, f"{self.path}: dedup reset failed"):
            for table in ("signatures", "bands", "clusters"):
                self.db.execute(f"DELETE FROM {table}")

    def sizes(self) -> Iterator[tuple[str, int]]:
        """`(cluster, members)` of every cluster, largest first."""
        yield from self.db.execute(
            "SELECT cluster, count(*) FROM clusters GROUP BY cluster ORDER BY 2 DESC, 1"
        )


@contextmanager
def transaction(db: sqlite3.Connection, failure: str) -> Iterator[None]:
    """One write transaction: committed when the block ends, rolled back when it raises.

    Inside a transaction already open (a build's group of chunks: `SQLiteStore.grouped`)
    it is a savepoint of that one: rolled back alone when it raises, committed with it.

    Raises:
        StoreError: SQLite failed (`failure: what SQLite said`).
    """
    nested = db.in_transaction
    begin, end = ("SAVEPOINT part", "RELEASE part") if nested else ("BEGIN IMMEDIATE", "COMMIT")
    try:
        db.execute(begin)
        try:
            yield
            db.execute(end)
        except BaseException:
            _undo(db, nested)
            raise
    except sqlite3.Error as exc:
        raise StoreError(f"{failure}: {exc}") from None


def _undo(db: sqlite3.Connection, nested: bool) -> None:
    """Roll back what `transaction` began (a savepoint when `nested`), unless its end went
    through: an interrupt (Ctrl-C) is raised as the call that ended it returns."""
    if not nested:
        if db.in_transaction:
            db.execute("ROLLBACK")
        return
    try:
        db.execute("ROLLBACK TO part")
        db.execute("RELEASE part")
    except sqlite3.OperationalError as exc:
        if "no such savepoint" not in str(exc):  # released already
            raise


def rowids(db: sqlite3.Connection, ids: Iterable[str]) -> dict[str, int]:
    """The rowid of each of these article ids that is stored."""
    return dict(where_in(db, "SELECT id, rowid FROM articles WHERE id IN ({})", ids))


def where_in(db: sqlite3.Connection, sql: str, values: Iterable[Any]) -> list[Any]:
    """The rows of `sql` for every value: its `IN ({})` gets one placeholder per value, and
    the values go in chunks that stay under SQLite's limit on bound parameters."""
    out: list[Any] = []
    for part in _chunks(list(values)):
        out += db.execute(sql.format(",".join("?" * len(part))), part).fetchall()
    return out


def insert_rows(db: sqlite3.Connection, insert: str, rows: Sequence[Sequence[Any]]) -> None:
    """`insert` (`INSERT ... INTO table`) of every row, as many rows a statement as stay under
    SQLite's limit on bound parameters.

    SQLite runs each row of an `executemany` as a statement of its own, and one that
    may replace rows or fail midway (`INSERT OR REPLACE` into a table with an index)
    first copies each page it changes into the statement journal, so that it can be
    undone alone: once a row, where one statement of many rows copies each page once.
    A batch's cluster rows wrote 60% of a build's statement journal that way; and 33
    probe keys an article took 24 µs as statements of their own, 9 µs so.
    """
    if not rows:
        return
    width = len(rows[0])
    per = max(1, _CHUNK // width)
    row = "(" + ",".join("?" * width) + ")"
    for part in _chunks(rows, per):
        values = ",".join([row] * len(part))
        db.execute(f"{insert} VALUES {values}", list(chain.from_iterable(part)))


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
