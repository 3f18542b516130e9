"""`warta export`: what the files hold, and a clear one-line error for every bad destination."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from warta.cli import main
from warta.store import open_store

#: Ten words and more: two copies of it are clustered (docs/dedup.md).
CAPTURE = (
    "Judul Berita\nKamis, 30 Desember 2021 - 19:18 WIB\n"
    "Presiden meresmikan jembatan baru di Jakarta pada 29 Desember 2021 bersama warga.\n"
)


#: The Parquet columns before timeline, entities, cluster and canonical got theirs.
FIRST_COLUMNS = [
    "id", "source", "locator", "url", "outlet", "title", "published_at", "published_utc",
    "published_at_source", "dateline_raw", "place", "agency", "authors", "lang", "text",
    "removed", "warnings", "sha256", "extra",
]  # fmt: skip


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of two copies of a story, a day-only article and a reject (an empty capture)."""
    folder = tmp_path_factory.mktemp("captures")
    (folder / "a.txt").write_text(CAPTURE, encoding="utf-8")
    (folder / "b.txt").write_text("", encoding="utf-8")
    (folder / "c.txt").write_text(CAPTURE, encoding="utf-8")
    day_only = "Judul Lain\n3 Juni 2025\nMenteri Budi Santoso berkunjung ke Surabaya.\n"
    (folder / "d.txt").write_text(day_only, encoding="utf-8")
    db = folder.parent / "store.db"
    built = CliRunner().invoke(main, ["build", str(folder), "--db", str(db), "-q",
                                      "--workers", "1", "--entities"])  # fmt: skip
    assert built.exit_code == 0, built.output
    return db


def _export(db: Path, out: Path | str, *more: str) -> Result:
    return CliRunner().invoke(main, ["export", "--db", str(db), "--out", str(out), "-q", *more])


def test_an_out_path_under_a_file_is_a_one_line_error(store: Path, tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("")
    result = _export(store, tmp_path / "empty.txt" / "sub")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot create the export folder {tmp_path}/empty.txt/sub: Not a directory\n"
    )


@pytest.mark.parametrize(("fmt", "name"), [("jsonl", "articles.jsonl"),
                                           ("parquet", "rejects.parquet")])  # fmt: skip
def test_an_export_file_that_is_a_folder_is_a_one_line_error(
    store: Path, tmp_path: Path, fmt: str, name: str
) -> None:
    (tmp_path / "out" / name).mkdir(parents=True)
    result = _export(store, tmp_path / "out", "--format", fmt)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {tmp_path}/out/{name} is a folder: remove it or export to another --out\n"
    )
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [name]  # nothing written


def test_a_file_it_cannot_write_is_a_one_line_error(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # tests run as root, which a read-only folder does not stop: refuse the write instead
    real_open = Path.open

    def refuse(self: Path, *args: object, **kwargs: object) -> object:
        if self.parent == tmp_path / "out":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", refuse)
    result = _export(store, tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot write {tmp_path}/out/articles.jsonl: Permission denied\n"
    )
    assert not (tmp_path / "out").exists()  # the folder it made is gone again


@pytest.mark.parametrize("kind", ["not sqlite", "truncated"])
def test_a_bad_store_fails_before_the_folder_is_made(
    store: Path, tmp_path: Path, kind: str
) -> None:
    bad = tmp_path / "bad.db"
    if kind == "not sqlite":
        bad.write_text("not a store\n")
    else:
        bad.write_bytes(store.read_bytes()[:8192])
    result = _export(bad, tmp_path / "out" / "deeper")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {bad}: cannot open the store read-only: ")
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_a_store_that_breaks_while_read_leaves_nothing_behind(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    open_store(db).close()
    con = sqlite3.connect(db)
    con.executemany(
        "INSERT INTO rejects (id, source, locator, stage, reason, detail, sha256)"
        " VALUES (?, ?, ?, 'read', 'parse_error', ?, '')",
        [(f"id{i}", "a.jsonl", str(i), "x" * 500) for i in range(400)],
    )
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    with db.open("r+b") as f:  # junk over pages of the rejects table: it opens, then breaks
        f.seek(db.stat().st_size - 40960)
        f.write(b"\xff" * 8192)
    result = _export(db, tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {db}: cannot read the store: database disk image is malformed\n"
    )
    assert not (tmp_path / "out").exists()


def test_a_failed_export_keeps_the_previous_files(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "articles.jsonl").write_text("the previous export\n")
    (out / "rejects.jsonl").mkdir()
    result = _export(store, out)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {out}/rejects.jsonl is a folder")
    assert (out / "articles.jsonl").read_text() == "the previous export\n"
    assert sorted(p.name for p in out.iterdir()) == ["articles.jsonl", "rejects.jsonl"]


def test_parquet_has_a_column_per_public_field(store: Path, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    assert _export(store, tmp_path, "--format", "parquet").exit_code == 0
    assert _export(store, tmp_path, "--format", "jsonl").exit_code == 0
    table = pq.read_table(tmp_path / "articles.parquet")
    assert table.column_names == [*FIRST_COLUMNS, "timeline", "entities", "cluster", "canonical"]
    assert table.schema.field("canonical").type == pa.bool_()
    assert table.schema.field("cluster").type == pa.string()
    mention = table.schema.field("timeline").type.value_type
    assert [f.name for f in mention] == ["text", "start", "end", "type", "value"]
    entity = table.schema.field("entities").type.value_type
    assert [(f.name, f.type) for f in entity] == [
        ("text", pa.string()), ("start", pa.int64()), ("end", pa.int64()), ("type", pa.string()),
    ]  # fmt: skip
    rows = {r["id"]: r for r in table.to_pylist()}
    lines = (tmp_path / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    for public in map(json.loads, lines):  # the same values as the JSON Lines export
        row = rows[public["id"]]
        for key in ("timeline", "entities", "cluster", "canonical"):
            assert row[key] == public[key], key
        # `extra` holds what it held before these fields had columns (readers of it still work)
        extra = json.loads(row["extra"]) if row["extra"] else {}
        assert {k: extra.get(k) for k in ("timeline", "cluster", "canonical")} == {
            k: public.get(k) for k in ("timeline", "cluster", "canonical")
        }
    # the two copies make one cluster: filtering on canonical keeps one of them
    canonical = table.filter(pc.field("canonical"))
    assert sorted(canonical.column("title").to_pylist()) == ["Judul Berita", "Judul Lain"]
    assert len(set(table.column("cluster").to_pylist())) == 2
    day = next(r for r in rows.values() if r["published_at"] == "2025-06-03")
    assert {"text": "Surabaya", "type": "LOCATION"}.items() <= day["entities"][-1].items()


def test_rejects_have_the_form_clean_writes(store: Path, tmp_path: Path) -> None:
    empty = tmp_path / "b.txt"
    empty.write_text("")
    cleaned = json.loads(CliRunner().invoke(main, ["clean", str(empty), "-q"]).stdout)
    assert (cleaned["locator"], cleaned["rejected"]) == (None, True)  # the README's form
    assert _export(store, tmp_path / "out").exit_code == 0
    (exported,) = map(json.loads, (tmp_path / "out" / "rejects.jsonl").read_text().splitlines())
    listed = CliRunner().invoke(main, ["rejects", "--db", str(store), "--json"])
    (row,) = map(json.loads, listed.stdout.splitlines())
    assert exported == row
    sha256 = row.pop("sha256")  # stores keep the raw bytes' hash too
    assert len(sha256) == 64
    assert list(row) == list(cleaned)  # the same keys, in the same order
    assert {**row, "id": "", "source": ""} == {**cleaned, "id": "", "source": ""}
