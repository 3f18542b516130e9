"""The SQLite store: schema, FTS5, atomic writes with markers, idempotent inserts."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

import warta.store.sqlite
from warta.cli import main
from warta.errors import StoreError
from warta.model import Article, Provenance, Reason, Rejected
from warta.pipeline import Cleaner
from warta.store import Marker, open_store, to_batch
from warta.store.sqlite import (
    FTS_AUTOMERGE,
    FTS_CRISISMERGE,
    FTS_HASHSIZE,
    FTS_TABLES,
    PAGE_SIZE,
    RUN_WAL_CHECKPOINT_BYTES,
)

CAPTURE = (
    "Jembatan Baru Diresmikan\nKamis, 30 Desember 2021 - 19:18 WIB\nPresiden meresmikan jembatan."
)


def test_schema_wal_and_fts(tmp_path: Path, cleaner: Cleaner) -> None:
    db = tmp_path / "c.db"
    article = cleaner(CAPTURE, source="a.txt")
    assert isinstance(article, Article)
    with open_store(db) as store:
        store.write(to_batch([article]), Marker("a.txt", 1, True))
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"articles", "removals", "rejects", "runs", "progress", "articles_fts"} <= tables
    row = con.execute("SELECT id, published_at, published_utc, json FROM articles").fetchone()
    assert row[:3] == (article.id, "2021-12-30T19:18:00+07:00", "2021-12-30T12:18:00Z")
    assert json.loads(row[3]) == article.to_dict()
    # unicode61 with remove_diacritics 2: an accented query finds the plain word
    hits = con.execute(
        "SELECT a.id FROM articles_fts f JOIN articles a ON a.rowid = f.rowid"
        " WHERE articles_fts MATCH 'jembatân'"
    ).fetchall()
    assert hits == [(article.id,)]
    con.close()
    # both indexes merge their segments 16 to a level (a build's inserts cost less)
    assert _fts_config(db) == {"articles_fts": 16, "articles_stem": 16}
    assert _fts_config(db, "hashsize") == {"articles_fts": 8 << 20, "articles_stem": 8 << 20}
    # and merge a level a share at a time until it holds 64 segments, not at once at 16
    assert _fts_config(db, "crisismerge") == {"articles_fts": 64, "articles_stem": 64}


def test_a_new_store_has_the_page_size_and_an_older_one_keeps_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_store(tmp_path / "new.db") as store:
        assert store.db.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE == 8192
        # a checkpoint every 64 MiB of WAL, counted in pages of this size
        assert store.db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 8192
    old = tmp_path / "old.db"
    monkeypatch.setattr(warta.store.sqlite, "PAGE_SIZE", 4096)  # SQLite's default
    open_store(old).close()
    monkeypatch.undo()
    with open_store(old) as store:
        assert store.db.execute("PRAGMA page_size").fetchone()[0] == 4096
        assert store.db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 16384


def test_write_is_idempotent_and_moves_the_marker(tmp_path: Path, cleaner: Cleaner) -> None:
    article = cleaner(CAPTURE, source="d.jsonl", locator="1")
    reject = Rejected(Provenance("d.jsonl", "2"), "read", Reason.PARSE_ERROR, "not JSON")
    batch = to_batch([article, reject])
    with open_store(tmp_path / "c.db") as store:
        first = store.write(batch, Marker("d.jsonl", 2))
        # the same two records read again (records 3 and 4 of the input): nothing new
        again = store.write(batch, Marker("d.jsonl", 4, True))
        assert (first.articles, first.rejects, first.already) == (1, 1, 0)
        assert (again.articles, again.rejects, again.already) == (0, 0, 2)
        assert (first.reasons, again.reasons) == ({"parse_error": 1}, {})
        assert store.counts() == {"articles": 1, "rejects": 1}
        marker = store.progress("d.jsonl")
        assert marker is not None
        assert (marker.done, marker.finished) == (4, True)
        assert store.records_done() == 2  # 4 read, 2 of them already stored
        assert [r["locator"] for r in store.rejects("parse_error")] == ["2"]


def test_fts_rows_are_written_once_per_article(tmp_path: Path, cleaner: Cleaner) -> None:
    db = tmp_path / "c.db"
    first = cleaner(CAPTURE, source="a.txt")
    second = cleaner(CAPTURE.replace("Presiden", "Gubernur"), source="b.txt")
    with open_store(db) as store:
        # a store made before the FTS rows were written by `write` had an insert trigger
        store.db.execute(
            "CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN INSERT INTO"
            " articles_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text); END"
        )
    with open_store(db) as store:  # opening drops it
        batch = to_batch([first, second, first])
        store.write(batch, Marker("x", 3))
        store.write(batch, Marker("x", 3, True))  # a rerun adds nothing
    con = sqlite3.connect(db)
    assert con.execute("SELECT name FROM sqlite_master WHERE name = 'articles_ai'").fetchall() == []
    # FTS5 checks its index against the articles table (raises on a missing or extra row)
    con.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")
    for word, ids in (("jembatan", {first.id, second.id}), ("gubernur", {second.id})):
        hits = con.execute(
            "SELECT a.id FROM articles_fts f JOIN articles a ON a.rowid = f.rowid"
            " WHERE articles_fts MATCH ?", (word,),
        ).fetchall()  # fmt: skip
        assert sorted(hits) == sorted((i,) for i in ids)


def test_open_without_create_needs_a_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no such store"):
        open_store(tmp_path / "none.db", create=False)


@settings(max_examples=25, deadline=None)
@given(
    title=st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1,
                  max_size=40).filter(lambda t: t.strip() and "\n" not in t),
    body=st.lists(st.from_regex(r"[A-Za-z][a-z ]{10,60}\.", fullmatch=True), min_size=1,
                  max_size=4),
)  # fmt: skip
def test_article_survives_a_store_round_trip(tmp_path_factory: pytest.TempPathFactory,
                                             title: str, body: list[str]) -> None:  # fmt: skip
    cleaner = Cleaner()
    result = cleaner(title + "\n" + "\n".join(body), source="x.txt")
    db = tmp_path_factory.mktemp("rt") / "c.db"
    with open_store(db) as store:
        store.write(to_batch([result]), Marker("x.txt", 1, True))
        stored = list(store.articles()) + list(store.rejects())
    assert len(stored) == 1
    if isinstance(result, Article):
        assert stored[0] == result.to_dict()
    else:
        assert stored[0]["reason"] == str(result.reason)


def test_mention_of_a_day_past_the_calendar_is_not_indexed() -> None:
    from datetime import date

    from warta.search import value_days

    assert value_days("9999-12") is None
    assert value_days("9999-Q4") is None
    assert value_days("2021-12") == (date(2021, 12, 1), date(2021, 12, 31))


def test_rows_read_from_the_fields_are_those_of_the_public_json() -> None:
    """`to_batch` reads an article's fields, or its dict when `extra` may stand in for them."""
    from datetime import UTC, datetime

    from warta.model import Entity, Mention, PublishedAt
    from warta.search import entity_rows, mention_rows

    when = PublishedAt(datetime(2021, 12, 30, 19, 18, tzinfo=UTC), "minute", "dateline")
    timeline = (Mention("Rabu", 0, 4, "DATE", "2021-12-29"), Mention("kemarin", 5, 12, "DATE",
                "2021-12-29"), Mention("2021", 13, 17, "DATE", "2021"), Mention("3 hari", 18, 24,
                "DURATION", "P3D"))  # fmt: skip
    entities = (Entity("Jokowi", 0, 6, "PERSON"), Entity("Jokowi", 9, 15, "PERSON"))
    plain = Article("a1", Provenance("x.txt", "1"), "Judul", "Isi “berita”.", published=when,
                    timeline=timeline, entities=entities)  # fmt: skip
    other = {"timeline": [{"value": "2020"}], "published_at": "2020-01-01"}
    extra = Article("a2", Provenance("x.txt", "2"), "Judul", "Isi.", timeline=timeline, extra=other)
    batch = to_batch([plain, extra])
    for article, row in zip((plain, extra), batch.articles, strict=True):
        d = article.to_dict()
        assert row[6] == d["published_at"] and row[11] == json.dumps(d, ensure_ascii=False)
    dated = mention_rows("a1", plain.to_dict()["timeline"])
    assert list(batch.mentions) == [*dated, ("a2", "2020", "2020-01-01", "2020-12-31")]
    assert list(batch.entities) == entity_rows("a1", plain.to_dict()["entities"])


def test_a_record_that_cannot_be_indexed_becomes_a_reject(monkeypatch: pytest.MonkeyPatch) -> None:
    import warta.search
    from warta import Article, Provenance
    from warta.store import to_batch

    rows = warta.search.value_rows

    def broken(article_id: str, values: list[str]) -> list[tuple[str, str, str, str]]:
        if article_id == "a2":
            raise RuntimeError("mention rows broke")
        return rows(article_id, values)

    # a step of a module that is never compiled (to_batch's own module, when compiled by
    # mypyc, calls the functions of the other compiled modules directly)
    monkeypatch.setattr(warta.search, "value_rows", broken)
    good = Article("a1", Provenance("x.txt", "1"), "Judul", "Isi berita baik.")
    bad = Article("a2", Provenance("x.txt", "2"), "Judul", "Isi berita rusak.")
    batch = to_batch([good, bad])
    assert [row[0] for row in batch.articles] == ["a1"]
    assert len(batch.rejects) == 1
    reject = batch.rejects[0]
    assert reject[0] == "a2" and reject[4] == "stage_error" and "mention rows broke" in reject[5]


# --- readers never change a store; writers change only warta stores ----------------------

DATED = CAPTURE + " Warga membahas jembatan yang dibuka pada Rabu (29/12/2021)."


def _old_store(db: Path, cleaner: Cleaner) -> Article:
    """A store as an earlier warta left it: rollback journal, no stems, mentions or clusters."""
    article = cleaner(DATED, source="a.txt")
    assert isinstance(article, Article) and article.timeline
    with open_store(db) as store:
        store.write(to_batch([article]), Marker("a.txt", 1, True))
    con = sqlite3.connect(db, isolation_level=None)
    for table in ("articles_stem", "mentions", "clusters"):
        con.execute(f"DROP TABLE {table}")
    con.execute(  # FTS5's defaults
        "DELETE FROM articles_fts_config WHERE k IN ('automerge', 'hashsize', 'crisismerge')"
    )
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()
    return article


def _fts_config(db: Path, key: str = "automerge") -> dict[str, int | None]:
    """A setting (`automerge`, `hashsize`, `crisismerge`) of each FTS5 index of a store
    (None: FTS5's default)."""
    con = sqlite3.connect(db)
    tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master") if t in FTS_TABLES]
    out = {}
    for table in tables:
        row = con.execute(f"SELECT v FROM {table}_config WHERE k = ?", (key,)).fetchone()
        out[table] = None if row is None else row[0]
    con.close()
    return out


def _cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_reading_commands_leave_the_store_as_it_was(tmp_path: Path, cleaner: Cleaner) -> None:
    db = tmp_path / "old.db"
    article = _old_store(db, cleaner)
    before = db.read_bytes()
    for args in (
        ("stats",), ("rejects",), ("export", "--out", str(tmp_path / "out")),
        ("show", article.id), ("search", "jembatan"),
    ):  # fmt: skip
        result = _cli(*args, "--db", str(db))
        assert result.exit_code == 0, (args, result.output)
    assert db.read_bytes() == before  # no tables added, still a rollback journal
    assert not (tmp_path / "old.db-wal").exists()
    # the plain word still matches through the raw index (an empty stem table matched none)
    assert article.id in _cli("search", "presiden", "--db", str(db)).stdout
    dated = _cli("search", "--mentions-between", "2021-12-29", "2021-12-29", "--db", str(db))
    assert "no mention dates" in dated.stderr


@pytest.mark.parametrize("kind", ["foreign", "lost_articles"])
def test_a_database_that_is_not_a_store_is_a_one_line_error(
    tmp_path: Path, cleaner: Cleaner, kind: str
) -> None:
    db = tmp_path / "x.db"
    con = sqlite3.connect(db)
    if kind == "foreign":
        con.execute("CREATE TABLE users (id)")
    else:
        con.close()
        _old_store(db, cleaner)
        con = sqlite3.connect(db)
        con.execute("DROP TABLE articles")
    con.commit()
    con.close()
    before = db.read_bytes()
    capture = tmp_path / "a.txt"
    capture.write_text(CAPTURE, encoding="utf-8")
    error = f"Error: {db}: not a warta store (no articles table)"
    for args in (("stats",), ("rejects",), ("export", "--out", str(tmp_path / "out")),
                 ("show", "0123456789abcdef"), ("search", "presiden")):  # fmt: skip
        result = _cli(*args, "--db", str(db))
        assert (result.exit_code, result.stderr) == (1, error + "\n"), args
    writers = (("build", str(capture), "-q", "--workers", "1"), ("dedup",))
    for args in writers:
        result = _cli(*args, "--db", str(db))
        assert result.exit_code == 1, args
        assert result.stderr == (
            f"{error}; warta changes only its own stores (build a new file)\n"
        ), args
    assert db.read_bytes() == before
    assert not (tmp_path / "out").exists()


def test_a_writer_indexes_the_articles_an_older_store_has(tmp_path: Path, cleaner: Cleaner) -> None:
    from datetime import date

    from warta.search import search

    db = tmp_path / "old.db"
    article = _old_store(db, cleaner)
    for key in ("automerge", "hashsize", "crisismerge"):
        assert _fts_config(db, key) == {"articles_fts": None}
    with open_store(db):  # a build or warta dedup opening it
        pass
    assert _fts_config(db) == {"articles_fts": FTS_AUTOMERGE, "articles_stem": FTS_AUTOMERGE}
    assert _fts_config(db, "hashsize") == {t: FTS_HASHSIZE for t in FTS_TABLES}
    assert _fts_config(db, "crisismerge") == {t: FTS_CRISISMERGE for t in FTS_TABLES}
    # `dibahas` is found only through the stem of `membahas`, the day only through mentions
    assert [h.id for h in search(db, "dibahas")] == [article.id]
    found = search(db, "", mentions_between=(date(2021, 12, 29), date(2021, 12, 29)))
    assert [h.id for h in found] == [article.id]
    # the empty database a writer is given becomes a store
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    with open_store(empty) as store:
        assert store.counts() == {"articles": 0, "rejects": 0}


# --- stores that cannot be written ---------------------------------------------------------


def _deny_writes(monkeypatch: pytest.MonkeyPatch, *paths: Path) -> None:
    """`os.access` answers as it would for a user who may not write these paths (the tests
    run as root, whom the mode bits do not stop)."""
    real = os.access

    def access(path: Any, mode: int, **kwargs: Any) -> bool:
        if mode & os.W_OK and Path(path).resolve() in {p.resolve() for p in paths}:
            return False
        return real(path, mode, **kwargs)

    monkeypatch.setattr(os, "access", access)


def test_a_store_in_a_read_only_folder_is_read_without_sidecar_files(
    tmp_path: Path, cleaner: Cleaner, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "c.db"
    article = cleaner(CAPTURE, source="a.txt")
    assert isinstance(article, Article)
    with open_store(db) as store:
        store.write(to_batch([article]), Marker("a.txt", 1, True))
    assert sorted(p.name for p in folder.iterdir()) == ["c.db"]  # WAL mode, checkpointed
    _deny_writes(monkeypatch, db, folder)
    # SQLite cannot create c.db-shm there: without `immutable=1` it could not read the file
    for args in (("stats",), ("rejects",), ("export", "--out", str(tmp_path / "out")),
                 ("show", article.id), ("search", "presiden")):  # fmt: skip
        result = _cli(*args, "--db", str(db))
        assert result.exit_code == 0, (args, result.output)
    assert article.id in _cli("search", "presiden", "--db", str(db)).stdout
    assert sorted(p.name for p in folder.iterdir()) == ["c.db"]
    # a c.db-wal holds changes that an immutable connection would not see: not immutable then
    second = cleaner(CAPTURE.replace("Presiden", "Gubernur"), source="b.txt")
    with open_store(db) as writer:
        writer.write(to_batch([second]), Marker("b.txt", 1, True))
        assert (folder / "c.db-wal").stat().st_size > 0
        assert second.id in _cli("search", "gubernur", "--db", str(db)).stdout


def test_a_writer_on_a_read_only_store_is_a_one_line_error(
    tmp_path: Path, cleaner: Cleaner, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "c.db"
    article = cleaner(CAPTURE, source="a.txt")
    with open_store(db) as store:
        store.write(to_batch([article]), Marker("a.txt", 1, True))
    before = db.read_bytes()
    capture = tmp_path / "b.txt"
    capture.write_text(CAPTURE.replace("Presiden", "Gubernur"), encoding="utf-8")
    real = sqlite3.connect

    def write_protected(database: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        """How SQLite opens a file its user may not write: read-only, without an error."""
        if kwargs.pop("uri", False):
            return real(database, *args, uri=True, **kwargs)
        return real(f"file:{database}?mode=ro", *args, uri=True, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", write_protected)
    _deny_writes(monkeypatch, db)
    error = f"Error: {db} is read-only: build and dedup write to the store (use a copy that can"
    for args in (("build", str(capture), "-q", "--workers", "1"), ("dedup", "-q")):
        result = _cli(*args, "--db", str(db))
        assert (result.exit_code, result.stderr) == (1, error + " be written)\n"), args
    assert db.read_bytes() == before
    assert _cli("stats", "--db", str(db)).exit_code == 0  # reading it is fine


def test_export_leaves_out_an_article_whose_json_is_damaged(
    tmp_path: Path, cleaner: Cleaner, caplog: pytest.LogCaptureFixture
) -> None:
    import pyarrow.parquet as pq

    from warta.export import export

    db = tmp_path / "c.db"
    words = ("Presiden", "Gubernur", "Bupati", "Menteri")
    articles = [cleaner(CAPTURE.replace("Presiden", w), source=f"{w}.txt") for w in words]
    with open_store(db) as store:
        store.write(to_batch(articles), Marker("x", 4, True))
    good, unreadable, listed, misfit = (a.id for a in articles)
    con = sqlite3.connect(db)
    for doc, article_id in (("{broken", unreadable), ("[1]", listed)):
        con.execute("UPDATE articles SET json = ? WHERE id = ?", (doc, article_id))
    con.execute("UPDATE articles SET json = json_set(json, '$.title', 5) WHERE id = ?", (misfit,))
    con.commit()
    con.close()
    with caplog.at_level("WARNING"):
        done = export(db, tmp_path / "jsonl")
    lines = (tmp_path / "jsonl" / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == sorted([good, misfit])
    assert (done.article_rows, sorted(done.damaged)) == (2, sorted([unreadable, listed]))
    assert f"article {unreadable} left out of the export: its stored JSON cannot be read" in (
        caplog.text
    )
    assert f"article {listed} left out of the export: its stored JSON is a list" in caplog.text
    # Parquet also leaves out the article whose title is not text
    done = export(db, tmp_path / "pq", "parquet")
    table = pq.read_table(tmp_path / "pq" / "articles.parquet")
    assert table.column("id").to_pylist() == [good]
    assert sorted(done.damaged) == sorted([unreadable, listed, misfit])
    result = _cli("export", "--db", str(db), "--out", str(tmp_path / "cli"))
    assert result.exit_code == 0
    assert result.stderr.endswith("left out 2 damaged article(s): see the warnings\n")
    with open_store(db, readonly=True) as store, pytest.raises(StoreError, match=unreadable):
        list(store.articles())


class _InterruptedAtCommit:
    """A connection on which Ctrl-C arrives as `at` (COMMIT) returns: SQLite did it, and
    Python raises `KeyboardInterrupt` once the call is back (signals are handled then)."""

    def __init__(self, db: sqlite3.Connection, at: str = "COMMIT") -> None:
        self.db = db
        self.at = at

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        cursor = self.db.execute(sql, *args)
        if sql == self.at:
            raise KeyboardInterrupt
        return cursor

    @property
    def in_transaction(self) -> bool:
        return self.db.in_transaction


def test_an_interrupt_as_a_transaction_commits_stays_an_interrupt(tmp_path: Path) -> None:
    """Not `StoreError: write failed: cannot rollback - no transaction is active`: what was
    committed stays committed, and the interrupt reaches the caller as itself."""
    from warta.store.sqlite_dedup import transaction

    db = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    db.execute("CREATE TABLE t (x INTEGER)")
    con = _InterruptedAtCommit(db)
    with pytest.raises(KeyboardInterrupt), transaction(con, "write failed"):  # type: ignore[arg-type]
        con.execute("INSERT INTO t VALUES (1)")
    assert db.execute("SELECT x FROM t").fetchall() == [(1,)]
    db.close()


def test_an_interrupt_as_a_savepoint_is_released_stays_an_interrupt(tmp_path: Path) -> None:
    """Inside an open transaction (a build's group of chunks) a write is a savepoint: one
    released as Ctrl-C arrives is kept, and the interrupt reaches the caller as itself."""
    from warta.store.sqlite_dedup import transaction

    db = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    db.execute("CREATE TABLE t (x INTEGER NOT NULL)")
    db.execute("BEGIN IMMEDIATE")
    con = _InterruptedAtCommit(db, "RELEASE part")
    with pytest.raises(KeyboardInterrupt), transaction(con, "write failed"):  # type: ignore[arg-type]
        con.execute("INSERT INTO t VALUES (1)")
    with transaction(db, "write failed"):
        db.execute("INSERT INTO t VALUES (2)")

    def a_part_whose_second_row_fails() -> None:
        with transaction(db, "write failed"):
            db.execute("INSERT INTO t VALUES (3)")
            db.execute("INSERT INTO t VALUES (NULL)")

    with pytest.raises(StoreError, match="write failed: NOT NULL"):
        a_part_whose_second_row_fails()  # its first row goes too
    assert db.in_transaction
    db.execute("COMMIT")
    assert db.execute("SELECT x FROM t ORDER BY x").fetchall() == [(1,), (2,)]
    db.close()


def _texts(n: int, cleaner: Cleaner) -> list[Article]:
    """`n` different articles."""
    return [cleaner(CAPTURE.replace("Presiden", f"Menteri {i}"), source=f"{i}.txt")
            for i in range(n)]  # fmt: skip


def test_a_write_gives_the_rowid_of_each_article_it_holds(tmp_path: Path, cleaner: Cleaner) -> None:
    """`Written.rowids`: the stored rowid of every article of the batch, new or stored
    before, also when an id comes twice and when SQLite picks new rowids at random (the
    largest one is taken); each article has one row in each search table, under its rowid."""
    articles = _texts(4, cleaner)  # article i says "Menteri i"
    a, b, c, d = articles
    with open_store(tmp_path / "c.db") as store:

        def stored() -> dict[str, int]:
            return dict(store.db.execute("SELECT id, rowid FROM articles").fetchall())

        def searched(i: int) -> list[list[tuple[int]]]:
            return [
                store.db.execute(
                    f"SELECT rowid FROM {table} WHERE {table} MATCH '\"menteri {i}\"'"
                ).fetchall()
                for table in ("articles_fts", "articles_stem")
            ]

        first = store.write(to_batch([a, b]), Marker("x", 2))
        assert first.articles == 2 and first.rowids == stored()
        second = store.write(to_batch([b, c, c]), Marker("x", 5))
        assert second.articles == 1
        assert second.rowids == {i: stored()[i] for i in (b.id, c.id)}
        store.db.execute(
            "INSERT INTO articles (rowid, id, source, text, json) VALUES (?, 'z', 'z', 'z', '{}')",
            (2**63 - 1,),
        )
        third = store.write(to_batch([d]), Marker("y", 1))
        assert third.rowids == {d.id: stored()[d.id]} and third.rowids[d.id] != 2**63 - 1
        for i, article in enumerate(articles):
            assert searched(i) == [[(stored()[article.id],)]] * 2


def test_a_build_commits_its_chunks_a_group_at_a_time(
    tmp_path: Path, cleaner: Cleaner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In `grouped`, a reader sees a group's chunks (and their markers) all at once, when the
    group holds `COMMIT_RECORDS` records; the block's end commits the rest."""
    monkeypatch.setattr(warta.store.sqlite, "COMMIT_RECORDS", 2)
    monkeypatch.setattr(warta.store.sqlite, "COMMIT_SECONDS", 3600.0)
    db = tmp_path / "c.db"
    articles = _texts(3, cleaner)
    with open_store(db) as store:
        reader = sqlite3.connect(db)

        def seen() -> tuple[int, int]:
            stored = reader.execute("SELECT count(*) FROM articles").fetchone()[0]
            done = reader.execute("SELECT coalesce(max(done), 0) FROM progress").fetchone()[0]
            return stored, done

        with store.grouped():
            for i, article in enumerate(articles):
                store.write(to_batch([article]), Marker("x", i + 1, i == 2))
                store.between_chunks()
                assert seen() == [(0, 0), (2, 2), (2, 2)][i]
        assert seen() == (3, 3)
        # a group that began `COMMIT_SECONDS` ago is committed however few records it holds
        monkeypatch.setattr(warta.store.sqlite, "COMMIT_SECONDS", 0.0)
        with store.grouped():
            store.write(to_batch(_texts(4, cleaner)[3:]), Marker("y", 1))
            store.between_chunks()
            assert seen() == (4, 3)
        reader.close()


def test_a_group_commits_what_was_written_when_a_write_fails(
    tmp_path: Path, cleaner: Cleaner
) -> None:
    """A write that fails is rolled back alone: the chunks written before it in its group
    are committed as the block ends with the error, as their own commits did."""
    from dataclasses import replace

    db = tmp_path / "c.db"
    first, second = _texts(2, cleaner)
    bad = to_batch([second])
    bad = replace(bad, removals=((second.id, 0, "boilerplate", 0, 1, None),))  # text NOT NULL
    with open_store(db) as store:

        def a_group_whose_second_write_fails() -> None:
            with store.grouped():
                store.write(to_batch([first]), Marker("x", 1))
                store.write(bad, Marker("x", 2))

        with pytest.raises(StoreError, match="write failed"):
            a_group_whose_second_write_fails()
        assert not store.db.in_transaction
    with open_store(db, readonly=True) as store:
        assert [a["id"] for a in store.articles()] == [first.id]
        marker = store.progress("x")
        assert marker is not None and marker.done == 1
        for t in FTS_TABLES:  # its search rows went in with the group's commit, the other's not
            found = store.db.execute(f"SELECT rowid FROM {t} WHERE {t} MATCH 'menteri'")
            assert found.fetchall() == [(1,)]


class _CtrlCAfter:
    """A store's connection that sends this process SIGINT (Ctrl-C) once, right after it
    runs a statement that begins with `sql`."""

    def __init__(self, db: sqlite3.Connection, sql: str) -> None:
        self.db, self.sql = db, sql

    def _ran(self, sql: str) -> None:
        if self.sql and sql.startswith(self.sql):
            self.sql = ""
            signal.raise_signal(signal.SIGINT)

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        cursor = self.db.execute(sql, *args)
        self._ran(sql)
        return cursor

    def executemany(self, sql: str, rows: Any) -> sqlite3.Cursor:
        cursor = self.db.executemany(sql, rows)
        self._ran(sql)
        return cursor

    def __getattr__(self, name: str) -> Any:
        return getattr(self.db, name)


@pytest.mark.parametrize("stop", ["INSERT INTO articles_fts", "INSERT INTO articles_stem"])
def test_ctrl_c_at_a_group_commit_stores_each_search_row_once(
    tmp_path: Path, cleaner: Cleaner, stop: str
) -> None:
    """A group's FTS rows go in just before its commit (`_commit_group`), which Ctrl-C
    waits for: stopped between the two tables' inserts, the store is as a group not
    stopped leaves it, each article in each search table once."""
    articles = _texts(5, cleaner)

    def build(db: Path, stop: str | None) -> list[list[tuple[int, float]]]:
        with open_store(db) as store:
            real = store.db
            stopped = pytest.raises(KeyboardInterrupt) if stop else contextlib.nullcontext()
            with stopped, store.grouped():
                for i in range(0, 5, 2):
                    store.write(to_batch(articles[i : i + 2]), Marker("x", i + 2))
                if stop:
                    store.db = _CtrlCAfter(real, stop)  # type: ignore[assignment]
                store.between_chunks()  # commits: Ctrl-C is raised once it is done
            store.db = real
            assert not store.db.in_transaction
            for table in FTS_TABLES:  # the text table's check compares it with the articles
                store.db.execute(
                    f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)"
                )
            return [
                store.db.execute(
                    f"SELECT rowid, bm25({t}) FROM {t} WHERE {t} MATCH 'menteri' ORDER BY rowid"
                ).fetchall()
                for t in FTS_TABLES
            ]

    expected = build(tmp_path / "whole.db", None)
    assert [len(rows) for rows in expected] == [5, 5]
    # a row inserted twice would count twice in each term's documents, and move bm25
    assert build(tmp_path / "stopped.db", stop) == expected


def test_a_run_checkpoints_the_wal_in_the_background_between_chunks(
    tmp_path: Path, cleaner: Cleaner
) -> None:
    """A build's chunks reach the database file while it goes on (not only at the writer's
    own checkpoint, every 64 MiB of WAL, or when it closes), and the thread that copies
    them ends with the store."""
    import threading

    db = tmp_path / "c.db"
    article = cleaner(CAPTURE, source="a.txt")
    with open_store(db) as store:
        store.start_run("local", 1, ["a.txt"], "{}")
        # the writer's own checkpoint only catches a WAL the thread falls behind on
        autocheckpoint = store.db.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        assert autocheckpoint == RUN_WAL_CHECKPOINT_BYTES // PAGE_SIZE
        store.write(to_batch([article]), Marker("a.txt", 1, True))
        assert _file_alone_holds(db, tmp_path / "copy.db", wait=0) == []  # in the WAL only
        store.between_chunks()
        assert _file_alone_holds(db, tmp_path / "copy.db") == [(article.id,)]
    assert not [t for t in threading.enumerate() if t.name == "warta-checkpoint"]


def test_a_store_without_a_run_has_no_checkpoint_thread(tmp_path: Path) -> None:
    import threading

    with open_store(tmp_path / "c.db") as store:
        store.between_chunks()  # nothing to wake
        assert not [t for t in threading.enumerate() if t.name == "warta-checkpoint"]


def _file_alone_holds(db: Path, copy: Path, wait: float = 10.0) -> list[Any]:
    """The article ids of the database file without its WAL (a copy of it alone), once it
    holds any: a checkpoint copies the WAL into the file while the caller goes on."""
    import time

    deadline = time.monotonic() + wait
    while True:
        copy.write_bytes(db.read_bytes())
        try:
            con = sqlite3.connect(copy)
            try:
                rows = con.execute("SELECT id FROM articles").fetchall()
            finally:
                con.close()
        except sqlite3.DatabaseError:  # caught halfway through a checkpoint
            rows = []
        if rows or time.monotonic() > deadline:
            return rows
        time.sleep(0.01)
