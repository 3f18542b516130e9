"""The embedded default store: one SQLite file in WAL mode, with an FTS5 index.

Tables: `articles` (flat columns for queries plus the full public JSON, so no
field is ever lost), `removals` (what the cleaner removed, per article),
`rejects`, `runs` and `progress` (one marker per input, written in the same
transaction as that input's rows, so a killed build resumes where it stopped).
`articles_fts` indexes title and text (unicode61, diacritics folded): its rows
are written with the articles, and triggers keep it in step when an article is
updated or deleted.

A build writes its chunks in groups (`grouped`): one transaction every
`COMMIT_RECORDS` records, each chunk's write a savepoint of it. Its run
checkpoints the WAL on a thread and connection of its own, woken after each
commit, while the writer goes on.

Readers (`connect_readonly`, `SQLiteStore(path, readonly=True)`) never change the
file: no schema, no journal mode. A writer makes a new or empty file a store and
brings an earlier version's store up to date, and refuses any other database.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

from warta.errors import StoreError
from warta.interrupts import held_interrupt
from warta.model import reject_dict
from warta.store import Batch, Marker, RunInfo, Written
from warta.store.sqlite_dedup import (
    DEDUP_SCHEMA,
    SQLiteDedupIndex,
    rowids,
    transaction,
    where_in,
)

log = logging.getLogger(__name__)

#: The tables every warta store has had since the first version: a database without
#: one of them is not a warta store.
CORE_TABLES = ("articles", "articles_fts", "rejects", "runs", "progress", "removals")
#: Search indexes added since (stems, dated mentions, entities): readers do without
#: them, and a writer that finds one missing fills it from the stored articles.
INDEX_TABLES = ("articles_stem", "mentions", "entities")
#: The full-text indexes: the text as written, and its stems (`warta.search`).
FTS_TABLES = ("articles_fts", "articles_stem")
#: FTS5 merges an index's segments (one a commit) when this many share a level, not 4:
#: a build rewrites each posting about half as often, and stores an article's FTS rows in
#: 76 instead of 96 µs (30,000 articles, 512 a commit), while queries read up to 15
#: segments a level instead of 3 (at 120,000 articles, 1-4% slower: `docs/corpus-runs.md`).
FTS_AUTOMERGE = 16
#: Terms FTS5 holds in memory before it writes them as a segment (`hashsize`), not 1 MiB:
#: a build's group of chunks (`grouped`) adds its FTS rows just before its commit, and
#: they make a few segments instead of one a megabyte (docs/corpus-runs.md).
FTS_HASHSIZE = 8 << 20
#: Segments a level may hold before FTS5 merges them all at once, in the write that adds
#: the last (`crisismerge`), not 16. At 16, equal to `FTS_AUTOMERGE`, every merge was such
#: a merge: a build's commit at 60,000-70,000 captures merged a level of 16 large
#: segments and took 3.7 s, through which a 2-worker build's workers had no chunk to
#: clean. At 64 a level's merge is FTS5's incremental one, done a share at each commit
#: (the longest commit 1.0-1.2 s; docs/corpus-runs.md).
FTS_CRISISMERGE = 64
#: The page size of a new store. An article's row (its text and its JSON, 6-7 kB) fits
#: one page of 8 KiB where it took a page and an overflow page of 4 KiB (SQLite's
#: default): 1-worker builds of 100,000 captures took 104.1 and 103.1 s against 110.3 and
#: 106.9 s (run in turns), with 3-5% less CPU; the file is larger (a row leaves the rest of
#: its page empty: 1,135 against 1,035 MB for 100,000 articles), search no slower. A store
#: made with another size keeps it (docs/corpus-runs.md).
PAGE_SIZE = 8192
#: WAL written between two checkpoints (`wal_autocheckpoint`, which counts pages).
WAL_CHECKPOINT_BYTES = 64 << 20
#: The same while a build runs, whose checkpoint thread copies the WAL after each commit:
#: the writer's own checkpoint, which waits for the copy and its `fsync`, only catches a
#: WAL that thread falls behind on. At 64 MiB a commit of a group of chunks (100 MB of WAL
#: at 100,000 captures) waited 0.2-0.7 s for it, and left the thread nothing to do.
RUN_WAL_CHECKPOINT_BYTES = 512 << 20
#: A build commits its writes a group of chunks at a time (`SQLiteStore.grouped`): once
#: the group holds this many records, or began `COMMIT_SECONDS` ago. A page of an index on
#: keys in no order (the LSH bands, the mentions' days, the article ids) goes to the WAL,
#: and is copied into the file, once a commit however many rows the commit adds to it: at
#: 100,000 captures a commit of 512 wrote 5,000 pages (40 MB), four fifths of them such
#: pages. Groups of 4,096 (and `RUN_WAL_CHECKPOINT_BYTES`): builds of 100,000 captures 4%
#: faster with 1 or 2 workers, a quarter less system time (docs/corpus-runs.md). A build
#: killed loses at most one group, which it does again when started again.
COMMIT_RECORDS = 4096
COMMIT_SECONDS = 5.0
#: Articles read at a time when a writer fills a new index for the stored ones.
_INDEX_CHUNK = 500

#: An FTS row: the article's rowid, its title and its text (or their stems).
FtsRow = tuple[int, str | None, str]
#: Told the id of a stored article whose JSON cannot be read, and why (it is left out).
Damaged = Callable[[str, str], None]

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    locator TEXT NOT NULL DEFAULT '',
    url TEXT,
    outlet TEXT,
    title TEXT,
    published_at TEXT,      -- ISO 8601 in the offset the outlet printed
    published_utc TEXT,     -- the same instant in UTC (YYYY-MM-DDTHH:MM:SSZ), for ranges
    lang TEXT,
    text TEXT NOT NULL,
    sha256 TEXT,
    json TEXT NOT NULL      -- the full public JSON (Article.to_dict)
);
CREATE INDEX IF NOT EXISTS articles_published_utc ON articles(published_utc);
CREATE INDEX IF NOT EXISTS articles_outlet ON articles(outlet);
CREATE INDEX IF NOT EXISTS articles_sha256 ON articles(sha256);
CREATE TABLE IF NOT EXISTS removals (
    article_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    reason TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (article_id, seq)
);
CREATE TABLE IF NOT EXISTS rejects (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    locator TEXT NOT NULL DEFAULT '',
    stage TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    sha256 TEXT
);
CREATE INDEX IF NOT EXISTS rejects_reason ON rejects(reason);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    engine TEXT NOT NULL,
    workers INTEGER NOT NULL,
    inputs TEXT NOT NULL,
    settings TEXT NOT NULL DEFAULT '{}',
    read INTEGER NOT NULL DEFAULT 0,
    stored INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    reasons TEXT NOT NULL DEFAULT '{}',
    conserved INTEGER
);
CREATE TABLE IF NOT EXISTS progress (
    input TEXT PRIMARY KEY,
    kind TEXT NOT NULL DEFAULT '',
    size INTEGER NOT NULL DEFAULT 0,
    done INTEGER NOT NULL,
    finished INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    already INTEGER NOT NULL DEFAULT 0, -- of `done`: records whose id the store had already
    path TEXT NOT NULL DEFAULT '',      -- the real path the input was read from
    listing TEXT NOT NULL DEFAULT ''    -- a folder's: a digest of its captures' names
);
CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(
    title, text, content='articles', content_rowid='rowid',
    tokenize='unicode61 remove_diacritics 2'
);
-- New articles' FTS rows are written by SQLiteStore (a build's by its group commits): an
-- AFTER INSERT trigger did the same work at twice the cost (0.16 against 0.08 ms an
-- article). Stores made before that have the trigger: it goes.
DROP TRIGGER IF EXISTS articles_ai;
CREATE TRIGGER IF NOT EXISTS articles_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text)
    VALUES ('delete', old.rowid, old.title, old.text);
END;
CREATE TRIGGER IF NOT EXISTS articles_au AFTER UPDATE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text)
    VALUES ('delete', old.rowid, old.title, old.text);
    INSERT INTO articles_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text);
END;
-- Search (warta.search): a Sastrawi-stemmed copy of title and text, by articles.rowid.
-- Contentless: the stems are only ever matched, never shown. Written with the article.
CREATE VIRTUAL TABLE IF NOT EXISTS articles_stem USING fts5(
    title, text, content='', tokenize='unicode61 remove_diacritics 2'
);
-- Dated mentions (the timeline): the days each TimeML value covers, for range queries.
CREATE TABLE IF NOT EXISTS mentions (
    article_id TEXT NOT NULL,
    value TEXT NOT NULL,
    start TEXT NOT NULL,    -- first day, YYYY-MM-DD
    "end" TEXT NOT NULL,    -- last day, YYYY-MM-DD
    PRIMARY KEY (article_id, value)
);
CREATE INDEX IF NOT EXISTS mentions_days ON mentions(start, "end");
-- Named entities, when the article JSON has `entities`.
CREATE TABLE IF NOT EXISTS entities (
    article_id TEXT NOT NULL,
    text TEXT NOT NULL,
    type TEXT NOT NULL,
    PRIMARY KEY (article_id, text, type)
);
CREATE INDEX IF NOT EXISTS entities_text ON entities(text COLLATE NOCASE);
"""

_INSERT_ARTICLE = (
    "INSERT INTO articles (id, source, locator, url, outlet, title, published_at, published_utc,"
    " lang, text, sha256, json) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING"
)
_INSERT_REMOVAL = "INSERT INTO removals VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING"
_INSERT_REJECT = "INSERT INTO rejects VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING"
_INSERT_MENTION = "INSERT INTO mentions VALUES (?,?,?,?) ON CONFLICT DO NOTHING"
_INSERT_ENTITY = "INSERT INTO entities VALUES (?,?,?) ON CONFLICT DO NOTHING"
_UPSERT_PROGRESS = (
    "INSERT INTO progress (input, kind, size, done, finished, updated_at, already, path,"
    " listing) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(input) DO UPDATE SET"
    " done = excluded.done, finished = excluded.finished, size = excluded.size,"
    " updated_at = excluded.updated_at, already = progress.already + excluded.already,"
    " path = excluded.path, listing = excluded.listing"
)


class SQLiteStore:
    """A warta store in one SQLite file (see the module docstring for the tables).

    Not a dataclass: it owns an open connection. One writer at a time; readers
    may run alongside it (WAL).
    """

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        """Open the store at `path`: read-only (see `connect_readonly`), or to write.

        A writer creates the file when missing, makes an empty database a store,
        and brings a store made by an earlier version up to date.

        Raises:
            StoreError: the file is not a warta store (a database with other tables
                is never changed), or it cannot be opened (as asked).
        """
        self.path = path
        self._run_lock: int | None = None  # a file descriptor while this store runs a build
        self._checkpoints: _Checkpointer | None = None  # while this store runs a build
        self._grouping = False  # in `grouped`
        self._group_records = 0  # records written in the group's open transaction
        self._group_began = 0.0  # when it began (`time.monotonic`)
        #: The group's FTS rows, by table, inserted just before its commit (`_commit_group`)
        self._fts_rows: dict[str, list[FtsRow]] = {t: [] for t in FTS_TABLES}
        if readonly:
            self.db = connect_readonly(path)
            self.tables = table_names(self.db)  # a reader does without the optional ones
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        except OSError as exc:
            raise StoreError(f"{path}: cannot open the store: {exc}") from None
        except sqlite3.Error as exc:
            raise _write_error(path, exc) from None
        try:
            self._set_up()
        except StoreError:
            self.db.close()
            raise
        except sqlite3.Error as exc:
            self.db.close()
            raise _write_error(path, exc) from None
        self.tables = table_names(self.db)

    def _set_up(self) -> None:
        """Make the file a store, or an earlier version's store current: checked before
        anything is written, and done in one transaction."""
        self.db.execute("PRAGMA busy_timeout=30000")
        before = table_names(self.db)
        if before:  # only an empty database is made a store: another one is left as it is
            check_store(self.path, before, "warta changes only its own stores (build a new file)")
        else:  # set before the first write; a store keeps the size it was made with
            self.db.execute(f"PRAGMA page_size={PAGE_SIZE:d}")
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA cache_size=-65536")  # 64 MiB: index pages of a large store
        # Checkpoint (copy the WAL into the file, and sync it) every 64 MiB of WAL rather
        # than every 4 MiB: a page written by many commits is copied once, and the writer
        # waits on fewer syncs (on a 100,000-article store: 1.39 -> 1.22 ms a capture).
        self._autocheckpoint(WAL_CHECKPOINT_BYTES)
        # Statement by statement: `executescript` would commit the transaction first.
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(SCHEMA + DEDUP_SCHEMA):
                self.db.execute(statement)
            self._upgrade(before)
            self._set_fts_config()
            # A write that changes nothing: SQLite opens a file it may not write read-only,
            # without a word, and an up-to-date store's set-up writes nothing either.
            self.db.execute("DELETE FROM runs WHERE 0")
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise

    def _set_fts_config(self) -> None:
        """Give both FTS5 indexes `FTS_AUTOMERGE`, `FTS_HASHSIZE` and `FTS_CRISISMERGE`, unless
        they have them (a store made by an earlier version has FTS5's defaults, 4, 1 MiB
        and 16)."""
        wanted = {
            "automerge": FTS_AUTOMERGE,
            "hashsize": FTS_HASHSIZE,
            "crisismerge": FTS_CRISISMERGE,
        }
        for table in FTS_TABLES:
            have = dict(self.db.execute(f"SELECT k, v FROM {table}_config"))
            for key, value in wanted.items():
                if have.get(key) != value:
                    sql = f"INSERT INTO {table}({table}, rank) VALUES (?, ?)"
                    self.db.execute(sql, (key, value))

    def _upgrade(self, before: set[str]) -> None:
        """Add what a store made by an earlier version lacks (`CREATE ... IF NOT EXISTS` adds
        tables and indexes, not columns, and a new index table would lack the stored
        articles: an empty `articles_stem` would make search find none of them)."""
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(progress)")}
        if "already" not in columns:
            self.db.execute("ALTER TABLE progress ADD COLUMN already INTEGER NOT NULL DEFAULT 0")
        if "path" not in columns:
            self.db.execute("ALTER TABLE progress ADD COLUMN path TEXT NOT NULL DEFAULT ''")
        if "listing" not in columns:
            self.db.execute("ALTER TABLE progress ADD COLUMN listing TEXT NOT NULL DEFAULT ''")
        if before:
            self._index_stored([t for t in INDEX_TABLES if t not in before])

    def _index_stored(self, tables: Sequence[str]) -> None:
        """Fill new index tables (`INDEX_TABLES`) with the rows of the articles already stored."""
        from warta.search import entity_rows, mention_rows  # search imports no store
        from warta.stemming import stem_text

        (n,) = self.db.execute("SELECT count(*) FROM articles").fetchone()
        if not tables or not n:
            return
        log.warning("%s: indexing the %d stored articles for %s (a store made by an earlier"
                    " warta; done once)", self.path, n, ", ".join(tables))  # fmt: skip
        last = 0
        while rows := self.db.execute(
            "SELECT rowid, id, title, text, json FROM articles WHERE rowid > ? ORDER BY rowid"
            " LIMIT ?", (last, _INDEX_CHUNK),
        ).fetchall():  # fmt: skip
            last = rows[-1][0]
            stems: list[FtsRow] = []
            mentions, entities = [], []
            for rowid, article_id, title, text, doc in rows:
                if "articles_stem" in tables:
                    stems.append((rowid, stem_text(title or ""), stem_text(text)))
                try:
                    d = article_json(doc)
                    mentions += mention_rows(article_id, d.get("timeline") or ())
                    entities += entity_rows(article_id, d.get("entities") or ())
                except (AttributeError, TypeError, ValueError) as exc:  # a damaged JSON
                    log.warning("%s: article %s: no mentions or entities indexed: %s",
                                self.path, article_id, exc)  # fmt: skip
            if "articles_stem" in tables:
                self._insert_fts({"articles_stem": stems})
            if "mentions" in tables:
                self.db.executemany(_INSERT_MENTION, mentions)
            if "entities" in tables:
                self.db.executemany(_INSERT_ENTITY, entities)

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (and end the run's hold on the store)."""
        if self._checkpoints is not None:
            self._checkpoints.close()
            self._checkpoints = None
        self.db.close()
        if self._run_lock is not None:
            os.close(self._run_lock)  # releases the lock
            self._run_lock = None

    def progress(self, input: str) -> Marker | None:
        """The marker of an input, or None when it was never started."""
        row = self.db.execute(
            f"SELECT {_MARKER_COLUMNS} FROM progress WHERE input = ?",
            (input,),
        ).fetchone()
        return None if row is None else _marker(row)

    def progress_at(self, path: str) -> Marker | None:
        """The marker of the input read from this real path (under any name), if any."""
        row = self.db.execute(
            f"SELECT {_MARKER_COLUMNS} FROM progress WHERE path = ? ORDER BY rowid LIMIT 1",
            (path,),
        ).fetchone()
        return None if row is None or not path else _marker(row)

    def write(self, batch: Batch, marker: Marker) -> Written:
        """Insert a batch and move the input's marker, atomically (in `grouped`: a savepoint
        of the group's transaction, committed with it)."""
        if self._grouping and not self.db.in_transaction:
            try:
                self.db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path}: write failed: {exc}") from None
            self._group_began = time.monotonic()
        with transaction(self.db, f"{self.path}: write failed"):
            known = self._rowids([row[0] for row in batch.stems])
            cur = self.db.executemany(_INSERT_ARTICLE, batch.articles)
            articles = max(cur.rowcount, 0)
            fresh, fts = self._insert_search_rows(batch, known)
            if not self._grouping:
                self._insert_fts(fts)
            self.db.executemany(_INSERT_REMOVAL, batch.removals)
            stored_rejects = self._known_rejects([row[0] for row in batch.rejects])
            cur = self.db.executemany(_INSERT_REJECT, batch.rejects)
            rejects = max(cur.rowcount, 0)
            already = len(batch.articles) + len(batch.rejects) - articles - rejects
            self.db.execute(
                _UPSERT_PROGRESS,
                (marker.input, marker.kind, marker.size, marker.done, int(marker.finished),
                 _now(), already, marker.path, marker.listing),
            )  # fmt: skip
        if self._grouping:  # the write went through: its FTS rows go in with the group's
            for table, rows in fts.items():
                self._fts_rows[table] += rows
        self._group_records += len(batch.articles) + len(batch.rejects)
        reasons = Counter(row[4] for row in batch.rejects if row[0] not in stored_rejects)
        return Written(articles, rejects, already, dict(reasons), known | fresh)

    def known(self, ids: Sequence[str]) -> set[str]:
        """Which of these ids the store holds (as an article or a reject)."""
        return self._known_ids(list(ids)) | self._known_rejects(list(ids))

    def _known_rejects(self, ids: list[str]) -> set[str]:
        """Which of these reject ids are already stored (a batch seldom has any rejects)."""
        if not ids:
            return set()
        sql = "SELECT id FROM rejects WHERE id IN ({})"
        return {row[0] for row in where_in(self.db, sql, ids)}

    def _known_ids(self, ids: list[str]) -> set[str]:
        """Which of these article ids are already stored (their search rows exist too)."""
        return set(self._rowids(ids))

    def _rowids(self, ids: list[str]) -> dict[str, int]:
        """The rowid of each of these article ids that is stored."""
        return rowids(self.db, ids)

    def _insert_search_rows(
        self, batch: Batch, known: Mapping[str, int]
    ) -> tuple[dict[str, int], dict[str, list[FtsRow]]]:
        """The mentions and entities of the batch; returns the new articles' rowids (those
        not `known`), and their FTS rows by table (raw and stemmed), for `_insert_fts`."""
        # an FTS row cannot be replaced: write it once, for new articles only
        new = {row[0]: row for row in batch.stems if row[0] not in known}
        rowids = self._rowids(list(new))
        raw: dict[str, FtsRow] = {}
        for a in batch.articles:
            if a[0] in rowids:
                raw.setdefault(a[0], (rowids[a[0]], a[5], a[9]))
        stems: list[FtsRow] = [
            (rowids[i], title, text) for i, title, text in new.values() if i in rowids
        ]
        self.db.executemany(_INSERT_MENTION, batch.mentions)
        self.db.executemany(_INSERT_ENTITY, batch.entities)
        return rowids, {"articles_fts": list(raw.values()), "articles_stem": stems}

    def _insert_fts(self, rows: Mapping[str, list[FtsRow]]) -> None:
        """Insert FTS rows (`_insert_search_rows`), a table at a time."""
        for table, values in rows.items():
            self.db.executemany(f"INSERT INTO {table}(rowid, title, text) VALUES (?,?,?)", values)

    def start_run(self, engine: str, workers: int, inputs: Sequence[str], settings: str) -> int:
        """Record a new run as `running`; returns its id.

        The run holds the store's lock (`lock`) until the store is closed: a second
        build on the same store stops with a `StoreError` instead of interleaving its
        progress markers, and a `running` run found here died without finishing
        (killed): it is marked `interrupted`.

        Raises:
            StoreError: another build (or dedup) is writing this store, or it cannot be
                written.
        """
        self.lock()
        try:
            self.db.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
            cur = self.db.execute(
                "INSERT INTO runs (started_at, status, engine, workers, inputs, settings)"
                " VALUES (?, 'running', ?, ?, ?, ?)",
                (_now(), engine, workers, json.dumps(list(inputs), ensure_ascii=False), settings),
            )
            if self._checkpoints is None:
                self._checkpoints = _Checkpointer(self.path)
                self._autocheckpoint(RUN_WAL_CHECKPOINT_BYTES)
        except sqlite3.Error as exc:
            raise _write_error(self.path, exc) from None
        return int(cur.lastrowid or 0)

    def _autocheckpoint(self, wal_bytes: int) -> None:
        """Checkpoint from this connection when a commit leaves `wal_bytes` of WAL or more."""
        page_size = self.db.execute("PRAGMA page_size").fetchone()[0]
        self.db.execute(f"PRAGMA wal_autocheckpoint={wal_bytes // page_size:d}")

    @contextmanager
    def grouped(self) -> Iterator[None]:
        """Writes in the block (`write`, the dedup index's) go in one transaction a group of
        chunks, committed by `between_chunks` once it holds `COMMIT_RECORDS` records or
        began `COMMIT_SECONDS` ago, and when the block ends.

        Each write is whole (a savepoint of the group's transaction, rolled back alone when
        it fails), so the block's end commits what was written also when it ends with an
        error or Ctrl-C, as each write's own commit did. A process killed loses the group
        not committed: its markers are not stored either, and a resumed build does it again.

        Raises:
            StoreError: the last commit failed (the group is rolled back).
        """
        self._grouping = True
        try:
            yield
        finally:
            self._grouping = False
            self._commit_group()

    def _commit_group(self) -> None:
        """Insert the group's FTS rows and commit its transaction, if one is open, and wake
        the checkpoint thread.

        FTS5 writes the terms it holds as a segment of its index each time a savepoint
        opens, and each write and dedup step of a chunk is one: with its rows inserted by
        each write, each chunk made a segment of 512 articles, which FTS5 then merged
        again and again. Inserted here, outside any savepoint, a group's rows make a few
        segments (`FTS_HASHSIZE`), and a reader still sees them with their articles.
        Ctrl-C waits for the commit: stopped between the inserts and the commit, the rows
        could neither be let go nor inserted again.
        """
        self._group_records = 0
        if self.db.in_transaction:
            with held_interrupt():  # the rows are let go and inserted, or neither
                rows, self._fts_rows = self._fts_rows, {t: [] for t in FTS_TABLES}
                try:
                    self._insert_fts(rows)
                    self.db.execute("COMMIT")
                except BaseException as exc:
                    if self.db.in_transaction:
                        self.db.execute("ROLLBACK")
                    if isinstance(exc, sqlite3.Error):
                        raise StoreError(f"{self.path}: write failed: {exc}") from None
                    raise
        if self._checkpoints is not None:
            self._checkpoints.wake.set()

    def between_chunks(self) -> None:
        """Commit the group of chunks written (in `grouped`) once it is large or old enough,
        and after a commit checkpoint the WAL (copy it into the file and sync both) on the
        run's checkpoint thread, while this connection goes on (without a run: nothing)."""
        if self._grouping:
            began = time.monotonic() - self._group_began
            if self._group_records < COMMIT_RECORDS and began < COMMIT_SECONDS:
                return
        self._commit_group()

    def lock(self) -> None:
        """Hold an exclusive `flock` on the store's file until the store is closed: one build
        or `warta dedup` writes a store at a time (SQLite's own locks are `fcntl` locks,
        which `flock` does not touch). Holding it already is fine.

        Raises:
            StoreError: another build or dedup is writing this store.
        """
        if self._run_lock is not None:
            return
        fd = os.open(self.path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise StoreError(
                f"{self.path}: another warta build (or warta dedup) is writing this store"
            ) from None
        self._run_lock = fd

    def finish_run(self, run: RunInfo) -> None:
        """Record a run's counts, status and conservation check."""
        self.db.execute(
            "UPDATE runs SET finished_at = ?, status = ?, read = ?, stored = ?, rejected = ?,"
            " reasons = ?, conserved = ? WHERE id = ?",
            (run.finished_at or _now(), run.status, run.read, run.stored, run.rejected,
             json.dumps(dict(run.reasons), sort_keys=True),
             None if run.conserved is None else int(run.conserved), run.id),
        )  # fmt: skip

    def counts(self) -> dict[str, int]:
        """Rows in the store."""
        (a,) = self.db.execute("SELECT count(*) FROM articles").fetchone()
        (r,) = self.db.execute("SELECT count(*) FROM rejects").fetchone()
        return {"articles": a, "rejects": r}

    def records_done(self) -> int:
        """Records the inputs' markers count, less those whose id was already stored (the same
        file read under another name, an identical capture on standard input)."""
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(progress)")}
        already = "already" if "already" in columns else "0"  # a store made before it
        (n,) = self.db.execute(
            f"SELECT coalesce(sum(done), 0) - coalesce(sum({already}), 0) FROM progress"
        ).fetchone()
        return int(n)

    def articles(
        self, canonical_only: bool = False, on_damaged: Damaged | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every article's public JSON, in id order (streamed).

        A deduplicated article also has `cluster` and `canonical` (see docs/dedup.md);
        `canonical_only` leaves out the other members of each cluster.

        Args:
            canonical_only: leave out the members of a cluster that are not its canonical one.
            on_damaged: told the id of each article whose stored JSON cannot be read
                (a damaged store) and why; the article is left out. Without it, such an
                article is a `StoreError`.
        """
        for row in self._articles("id, json", canonical_only):
            d = self._json(row, on_damaged)
            if d is not None:
                yield d

    def article_rows(
        self, canonical_only: bool = False, on_damaged: Damaged | None = None
    ) -> Iterator[tuple[Any, ...]]:
        """Flat rows with the public JSON (as `articles` gives it):
        (id, source, ..., published_utc, ..., sha256, json), in id order."""
        columns = ("id, source, locator, url, outlet, title, published_at, published_utc, lang,"
                   " text, sha256, json")  # fmt: skip
        for row in self._articles(columns, canonical_only):
            d = self._json(row, on_damaged)
            if d is not None:
                yield (*row[:-3], d)

    def _json(self, row: Sequence[Any], on_damaged: Damaged | None) -> dict[str, Any] | None:
        """The public JSON of an `_articles` row (id first), with its cluster once deduplicated;
        None for a damaged one, which `on_damaged` is told about."""
        try:
            d = article_json(row[-3])
        except ValueError as exc:
            if on_damaged is None:
                raise StoreError(f"{self.path}: article {row[0]}: {exc}") from None
            on_damaged(row[0], str(exc))
            return None
        if row[-2] is not None:
            d["cluster"], d["canonical"] = row[-2], bool(row[-1])
        return d

    def _articles(self, columns: str, canonical_only: bool) -> Iterator[tuple[Any, ...]]:
        """Article rows with their cluster and canonical flag (NULL before dedup)."""
        select = ", ".join("a." + c.strip() for c in columns.split(","))
        if "clusters" not in self.tables:  # a store made before dedup (read-only)
            yield from self.db.execute(f"SELECT {select}, NULL, NULL FROM articles a ORDER BY a.id")
            return
        where = " WHERE coalesce(c.canonical, 1) = 1" if canonical_only else ""
        yield from self.db.execute(
            f"SELECT {select}, c.cluster, c.canonical FROM articles a"
            f" LEFT JOIN clusters c ON c.article = a.rowid{where} ORDER BY a.id"
        )

    def dedup_index(self) -> SQLiteDedupIndex:
        """The dedup index (signatures, band keys, clusters) in this store."""
        return SQLiteDedupIndex(self.db, self.path)

    def rejects(self, reason: str | None = None) -> Iterator[dict[str, Any]]:
        """Every reject, optionally of one reason, in source and locator order.

        Each is the public JSON of a reject (`Rejected.to_dict()`: `locator` null when
        there is none, `"rejected": true`) plus the `sha256` of its raw bytes.
        """
        sql = "SELECT id, source, locator, stage, reason, detail, sha256 FROM rejects"
        args: tuple[str, ...] = ()
        if reason:
            sql, args = sql + " WHERE reason = ?", (reason,)
        for row in self.db.execute(sql + " ORDER BY source, length(locator), locator", args):
            yield {**reject_dict(*row[:6]), "sha256": row[6]}

    def runs(self) -> list[RunInfo]:
        """Every run, oldest first."""
        out = []
        for row in self.db.execute(
            "SELECT id, started_at, finished_at, status, engine, workers, inputs, read, stored,"
            " rejected, reasons, conserved, settings FROM runs ORDER BY id"
        ):
            out.append(
                RunInfo(row[0], row[1], row[2], row[3], row[4], row[5], json.loads(row[6]),
                        row[7], row[8], row[9], json.loads(row[10]),
                        None if row[11] is None else bool(row[11]), row[12] or "")
            )  # fmt: skip
        return out

    def summary(self) -> dict[str, Any]:
        """Counts by outlet, language and reject reason, plus the store totals."""

        def grouped(sql: str) -> dict[str, int]:
            return {str(k): int(v) for k, v in self.db.execute(sql)}

        return {
            **self.counts(),
            "records_done": self.records_done(),
            "by_outlet": grouped(
                "SELECT coalesce(outlet, '-'), count(*) FROM articles GROUP BY 1 ORDER BY 2 DESC"
            ),
            "by_lang": grouped("SELECT coalesce(lang, '-'), count(*) FROM articles GROUP BY 1"),
            "rejects_by_reason": grouped("SELECT reason, count(*) FROM rejects GROUP BY 1"),
            "published_utc_range": list(
                self.db.execute(
                    "SELECT min(published_utc), max(published_utc) FROM articles"
                ).fetchone()
            ),
            "runs": len(self.runs()),
        }


class _Checkpointer:
    """Checkpoints a store's WAL from a connection and a thread of their own, when woken.

    A build's writer wakes it after each chunk, so the copy of the WAL into the file
    and the `fsync` it waits for run while the writer reads and clusters the next chunk
    (SQLite lets go of Python's lock as it works). A `PASSIVE` checkpoint never blocks
    the writer, and one that copies the whole WAL before the writer's next
    transaction lets it start the WAL over. The writer's own automatic checkpoint
    stays for whatever this one leaves (the WAL never grows past it for long).
    """

    def __init__(self, path: Path) -> None:
        self.wake = threading.Event()
        self._stopping = False
        # waits up to 30 s for a lock (`timeout`), as a PRAGMA busy_timeout would; set by
        # the connection itself, nothing can fail between opening it and handing it over
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self.thread = threading.Thread(target=self._run, name="warta-checkpoint", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            self.wake.wait()
            self.wake.clear()
            if self._stopping:
                return
            try:
                self.db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error as exc:  # the writer's own checkpoint does it instead
                log.debug("%s", exc)

    def close(self) -> None:
        """Stop the thread (after the checkpoint under way, if any) and close its connection."""
        self._stopping = True
        self.wake.set()
        self.thread.join()
        self.db.close()


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection to the warta store at `path` (`mode=ro`): nothing done
    through it changes the file (no schema, no journal mode, no pragma that writes).

    A store this process cannot change (the file and its folder read-only, and no
    `-wal` or `-journal` beside it: a store copied into a read-only folder) is
    also opened `immutable=1`, without which SQLite cannot read a WAL-mode file there.

    Args:
        path: the store's file.

    Returns:
        A connection usable from any thread (one thread at a time).

    Raises:
        StoreError: no such file, it cannot be read, or it is not a warta store.

    Example:
        >>> connect_readonly(Path("missing.db"))
        Traceback (most recent call last):
        ...
        warta.errors.StoreError: missing.db: no such store (run warta build ... --db missing.db first)
    """  # noqa: E501
    if not path.is_file():
        raise StoreError(f"{path}: no such store (run warta build ... --db {path} first)")
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    if _unchangeable(path):
        uri += "&immutable=1"
    try:
        con = sqlite3.connect(uri, uri=True, check_same_thread=False)
    except sqlite3.Error as exc:
        raise _read_error(path, exc) from None
    try:
        con.execute("PRAGMA busy_timeout=5000")
        check_store(path, table_names(con))
    except StoreError:
        con.close()
        raise
    except sqlite3.Error as exc:
        con.close()
        raise _read_error(path, exc) from None
    return con


def _unchangeable(path: Path) -> bool:
    """Whether SQLite may read the store as `immutable`: this process can write neither the
    file nor its folder, and no `-wal` or `-journal` beside it holds changes.

    SQLite reads a WAL-mode file read-only only where it can create the `-shm`
    beside it (or finds it there), unless told that the file cannot change; an
    immutable connection takes no locks and ignores a `-wal`, hence the conditions.
    """
    pending = any(path.with_name(path.name + end).exists() for end in ("-wal", "-journal"))
    folder = path.resolve().parent
    return not pending and not os.access(path, os.W_OK) and not os.access(folder, os.W_OK)


def _read_error(path: Path, exc: sqlite3.Error) -> StoreError:
    """The one-line error for a store SQLite cannot read (read-only)."""
    folder, name = path.resolve().parent, path.name
    if not _is_readonly_error(exc) or os.access(folder, os.W_OK):
        return StoreError(f"{path}: cannot open the store read-only: {exc}")
    if path.with_name(name + "-wal").exists():
        return StoreError(f"{path}: cannot read it: {name}-wal holds changes that SQLite reads"
                          f" only with a {name}-shm, and the folder {folder} is read-only"
                          " (make the folder writable)")  # fmt: skip
    return StoreError(f"{path}: cannot read it: SQLite needs to create {name}-shm beside a"
                      f" WAL-mode store, and the folder {folder} is read-only (make the folder"
                      " writable, or the file read-only too)")  # fmt: skip


def _write_error(path: Path, exc: sqlite3.Error) -> StoreError:
    """The one-line error for a store SQLite cannot open to write."""
    if not _is_readonly_error(exc):
        return StoreError(f"{path}: cannot open the store: {exc}")
    folder = path.resolve().parent
    if path.exists() and os.access(path, os.W_OK) and not os.access(folder, os.W_OK):
        return StoreError(f"{path} is read-only: its folder {folder} cannot be written"
                          " (SQLite keeps its journal beside the store)")  # fmt: skip
    return StoreError(f"{path} is read-only: build and dedup write to the store (use a copy"
                      " that can be written)")  # fmt: skip


def _is_readonly_error(exc: sqlite3.Error) -> bool:
    """Whether SQLite failed for want of write access (to the file, or to its folder)."""
    name = getattr(exc, "sqlite_errorname", "")
    return name.startswith("SQLITE_READONLY") or name == "SQLITE_CANTOPEN"


def table_names(db: sqlite3.Connection) -> set[str]:
    """Names of the tables, indexes and triggers of a database."""
    return {row[0] for row in db.execute("SELECT name FROM sqlite_master")}


def check_store(path: Path, names: set[str], hint: str = "") -> None:
    """Raise unless a database with these tables is a warta store (`CORE_TABLES`).

    Raises:
        StoreError: `path: not a warta store (no articles table)`, with the hint.
    """
    missing = [t for t in CORE_TABLES if t not in names]
    if missing:
        hint = f"; {hint}" if hint else ""
        raise StoreError(f"{path}: not a warta store (no {missing[0]} table){hint}")


def _statements(script: str) -> Iterator[str]:
    """The statements of an SQL script, one at a time (a trigger's body stays whole)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending
            pending = ""


def article_json(doc: Any) -> dict[str, Any]:
    """A stored article's public JSON.

    Raises:
        ValueError: it is not a JSON object (a damaged store), with why.
    """
    try:
        d = json.loads(doc)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"its stored JSON cannot be read ({exc})") from None
    if not isinstance(d, dict):
        raise ValueError(f"its stored JSON is a {type(d).__name__}, not an object")
    return d


#: The `progress` columns a marker is read from (`_marker`), in its fields' order.
_MARKER_COLUMNS = "input, done, finished, kind, size, path, listing"


def _marker(row: tuple[Any, ...]) -> Marker:
    """A `progress` row (`_MARKER_COLUMNS`) as a marker."""
    return Marker(row[0], row[1], bool(row[2]), row[3], row[4], row[5], row[6])


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
