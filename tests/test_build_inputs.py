"""How a build names its inputs and what a rerun reads: one file is one record however it is
typed, changed inputs are read again for their new records, and the store always balances."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from warta.build import BuildStats, build
from warta.cli import main
from warta.errors import InputError, StoreError
from warta.settings import Settings
from warta.store import Batch, Marker, Written, open_store
from warta.store.sqlite import SQLiteStore

BODY = "Presiden meresmikan jembatan nomor {} di Jakarta pada hari Kamis siang bersama warga."


def capture(folder: Path, name: str | bytes, n: int) -> None:
    """A small text capture named `name` in `folder` (bytes: a name that is not UTF-8)."""
    text = f"Judul {n}\nKamis, 30 Desember 2021 - 19:18 WIB\n{BODY.format(n)}\n"
    path = os.path.join(os.fsencode(folder), name if isinstance(name, bytes) else name.encode())
    with open(path, "wb") as f:
        f.write(text.encode())


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def balanced(stats: BuildStats) -> bool:
    """The run's own sum, and the store's (every record any run read has an answer)."""
    return stats.conserved and stats.read == stats.stored + stats.rejected + stats.already


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "d"
    d.mkdir()
    for n in range(3):
        capture(d, f"a{n}.txt", n)
    (d / "junk.txt").write_bytes(b"\x00\x01\x02 not text")
    return d


def test_one_folder_spelled_many_ways_is_read_once(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "s.db"
    first = build(["d"], db, workers=1)
    assert (first.read, first.stored, first.rejected) == (4, 3, 1) and balanced(first)
    for paths in (["d/"], ["./d/"], ["d", "d"], ["d/a0.txt", "d"], ["./d/junk.txt"]):
        again = build(paths, db, workers=1)
        assert balanced(again), paths
        assert (again.stored, again.rejected) == (0, 0), paths
        assert again.reasons == {}, paths  # the junk file's reject is not counted twice
    assert rows(db, "SELECT count(*) FROM articles") == [(3,)]
    assert rows(db, "SELECT count(*) FROM rejects") == [(1,)]
    # the folder given twice in one run is read once
    twice = build(["d", "./d"], tmp_path / "twice.db", workers=1)
    assert (twice.read, twice.stored, twice.rejected, twice.already) == (4, 3, 1, 0)


@pytest.mark.parametrize("chunk", [256, 2])
def test_new_records_in_a_built_input_are_read_on_the_next_run(
    folder: Path, tmp_path: Path, chunk: int
) -> None:
    data = tmp_path / "berita.jsonl"
    data.write_text(json.dumps({"title": "Satu", "text": BODY.format(10)}) + "\n")
    db = tmp_path / "s.db"
    first = build([str(folder), str(data)], db, workers=1, chunk_records=chunk)
    assert first.stored == 4 and balanced(first)
    capture(folder, "a-00.txt", 11)  # sorts before the captures already stored
    with data.open("a") as f:
        f.write(json.dumps({"title": "Dua", "text": BODY.format(12)}) + "\n{not json\n")
    second = build([str(folder), str(data)], db, workers=1, chunk_records=chunk)
    assert (second.read, second.stored, second.rejected) == (3, 2, 1) and balanced(second)
    assert second.resumed == 5  # the records stored before are skipped, not cleaned again
    titles = {t for (t,) in rows(db, "SELECT title FROM articles")}
    assert {"Judul 11", "Dua"} <= titles
    third = build([str(folder), str(data)], db, workers=1, chunk_records=chunk)
    assert (third.read, third.stored, third.rejected) == (0, 0, 0) and balanced(third)


def test_an_archive_stopped_midway_resumes_to_the_store_of_one_run(tmp_path: Path) -> None:
    import zipfile

    from warta.build import Interrupted

    archive = tmp_path / "dump.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for i in range(7):
            z.writestr(f"2025/{i}.txt", f"Judul {i}\n{BODY.format(i)}")
    calls = []

    def stop_after_two(progress: object) -> None:
        calls.append(progress)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted) as stopped:
        build([str(archive)], tmp_path / "s.db", workers=1, chunk_records=2,
              on_progress=stop_after_two)  # fmt: skip
    assert stopped.value.stats.stored == 4
    resumed = build([str(archive)], tmp_path / "s.db", workers=1, chunk_records=2)
    assert (resumed.resumed, resumed.read, resumed.stored) == (4, 3, 3) and balanced(resumed)
    whole = build([str(archive)], tmp_path / "w.db", workers=1)
    assert whole.stored == 7
    query = "SELECT id, source, text FROM articles ORDER BY id"
    assert rows(tmp_path / "s.db", query) == rows(tmp_path / "w.db", query)
    assert {s for _, s, _ in rows(tmp_path / "w.db", query)} == {
        f"{archive}/2025/{i}.txt" for i in range(7)}  # fmt: skip
    again = build([str(archive)], tmp_path / "w.db", workers=1)
    assert (again.read, again.stored) == (0, 0)


def answered(db: Path, folder: Path, name: str) -> set[str]:
    """The files of `folder` (as `name/x.txt`) that the store has no article or reject for."""
    files = {f"{name}/{p.name}" for p in folder.iterdir()}
    have = {s for (s,) in rows(db, "SELECT source FROM articles UNION SELECT source FROM rejects")}
    return files - have


def test_resuming_with_other_settings_says_which_differ(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """An input begun with other settings (a killed run started again with another --zone)
    holds records cleaned both ways: the build says which settings differ."""
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "s.db"
    build_killed_after_two(monkeypatch, db)
    caplog.clear()
    assert balanced(build(["d"], db, settings=Settings(default_zone="WITA"), workers=1))
    assert (
        "d: begun by run 1 with other settings (default_zone: 'WIB' -> 'WITA'); the"
        " records it stored keep them" in caplog.text
    )
    caplog.clear()
    capture(folder, "a9.txt", 9)  # read again for the new capture, with the same settings
    assert balanced(build(["d"], db, settings=Settings(default_zone="WITA"), workers=1))
    assert "other settings" not in caplog.text


def test_progress_counts_the_bytes_of_the_chunks_stored_not_those_read_ahead(
    tmp_path: Path,
) -> None:
    """Workers are given chunks ahead of the one stored (8 in flight with 2 workers): the
    bar follows what is stored, and ends at the whole input."""
    from warta.build import Progress

    folder = tmp_path / "d"
    folder.mkdir()
    for n in range(12):
        capture(folder, f"a{n:02d}.txt", n)
    total = sum(p.stat().st_size for p in folder.iterdir())
    seen: list[Progress] = []
    stats = build([str(folder)], tmp_path / "s.db", workers=2, chunk_records=2,
                  on_progress=seen.append)  # fmt: skip
    assert balanced(stats) and len(seen) == 6
    done = [p.bytes_done for p in seen]
    assert done == sorted(done) and done[-1] == total == seen[-1].bytes_total
    assert done[0] < total / 3  # its 2 captures (and the one read to see the chunk is full)


class Killed(Exception):
    """Stands for a SIGKILL: the build stops where it is, its last transaction committed."""


def build_killed_after_two(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    """`build(["d"], db)` (chunks of 2, 1 worker) stopped as by a SIGKILL once it has stored
    the chunk that holds the folder's second record."""
    write = SQLiteStore.write

    def killed_after_two(self: SQLiteStore, batch: Batch, marker: Marker) -> Written:
        written = write(self, batch, marker)
        if marker.done >= 2:
            raise Killed
        return written

    monkeypatch.setattr(SQLiteStore, "write", killed_after_two)
    with pytest.raises(Killed):
        build(["d"], db, workers=1, chunk_records=2)
    monkeypatch.setattr(SQLiteStore, "write", write)


@pytest.mark.parametrize("change", ["remove", "add", "rename"])
def test_a_folder_whose_files_changed_but_not_its_size_is_read_again(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """A folder's progress is a count of its files in path order: when its files are not
    those it was built from (an empty capture added or removed, a capture renamed: the
    folder's size is the same), the count no longer says which were read, so the folder
    is read again for the files the store does not hold, whether the run that built it
    finished or was killed."""
    (folder / "a.txt").write_text("")  # an empty capture (a reject): size 0
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "s.db"
    for killed in (True, False):
        if killed:
            build_killed_after_two(monkeypatch, db)
        else:
            assert balanced(build(["d"], db, workers=1, chunk_records=2))
        size = sum(p.stat().st_size for p in folder.iterdir())
        if change == "remove":
            (folder / "a.txt").unlink()
        elif change == "add":
            (folder / "a-0.txt").write_text("")
        else:
            (folder / "a0.txt").rename(folder / "z0.txt")
        assert sum(p.stat().st_size for p in folder.iterdir()) == size
        stats = build(["d"], db, workers=1, chunk_records=2)
        assert balanced(stats)
        assert answered(db, folder, "d") == set(), killed
        assert build(["d"], db, workers=1, chunk_records=2).read == 0
        db.unlink()
        for name in ("a.txt", "a-0.txt", "z0.txt"):
            (folder / name).unlink(missing_ok=True)
        capture(folder, "a0.txt", 0)
        (folder / "a.txt").write_text("")


def test_a_file_name_that_is_not_utf8_is_stored_printable(tmp_path: Path) -> None:
    d = tmp_path / "d"
    d.mkdir()
    try:
        capture(d, b"berita-\xe9.txt", 1)
    except OSError:
        pytest.fail("this file system refuses a file name that is not UTF-8")
    stats = build([str(d)], tmp_path / "s.db", workers=1)
    assert stats.stored == 1 and balanced(stats)
    [(source,)] = rows(tmp_path / "s.db", "SELECT source FROM articles")
    assert str(source).endswith("berita-\\xe9.txt")


def test_a_lone_surrogate_in_a_record_is_repaired_not_a_crash(tmp_path: Path) -> None:
    data = tmp_path / "cut.jsonl"
    # JSON escapes: an emoji cut in half, a whole one and a lone low half, a cut dateline
    lines = [
        '{"title": "Judul \\ud83d", "text": "BODY1"}',
        '{"title": "Utuh", "text": "BODY2 \\ud83d\\ude00 \\udc80"}',
        '{"title": "Biasa", "published": "30 Desember 2021 \\ud83d", "text": "BODY3"}',
    ]
    lines = [line.replace(f"BODY{n}", BODY.format(n)) for n, line in enumerate(lines, 1)]
    data.write_text("\n".join(lines) + "\n")
    stats = build([str(data)], tmp_path / "s.db", workers=1)
    assert (stats.read, stats.stored) == (3, 3) and balanced(stats)
    got = {
        title: (text, json.loads(warnings))
        for title, text, warnings in rows(
            tmp_path / "s.db", "SELECT title, text, json_extract(json, '$.warnings') FROM articles"
        )
    }
    assert "Judul \ufffd" in got and any("surrogate" in w for w in got["Judul \ufffd"][1])
    text, warnings = got["Utuh"]
    assert "\U0001f600 \ufffd" in text  # a whole pair is its character; a lone half is U+FFFD
    assert any("1 lone surrogate" in w for w in warnings)
    assert any("surrogate" in w for w in got["Biasa"][1])


def test_a_folder_that_cannot_be_listed_is_a_reject(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sub = folder / "sub"
    sub.mkdir()
    capture(sub, "b.txt", 7)
    real_scandir = os.scandir

    def scandir(path: object = ".") -> object:
        if os.fspath(path) == str(sub):  # type: ignore[arg-type]
            raise PermissionError(13, "Permission denied", str(sub))
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    stats = build([str(folder)], tmp_path / "s.db", workers=1)
    assert (stats.stored, stats.rejected) == (3, 2) and balanced(stats)
    assert stats.reasons == {"unreadable": 1, "not_text": 1}
    [(detail,)] = rows(tmp_path / "s.db", "SELECT detail FROM rejects WHERE reason = 'unreadable'")
    assert "cannot list the folder" in str(detail) and "Permission denied" in str(detail)


def test_warta_dedup_waits_for_no_build_and_a_build_for_no_dedup(tmp_path: Path) -> None:
    """`warta dedup` clusters the store a build clusters as it stores: one at a time."""
    from warta.dedup import deduplicate

    db = tmp_path / "s.db"
    running = open_store(db)
    running.start_run("local", 1, ["d"], "{}")
    with pytest.raises(StoreError, match=r"another warta build \(or warta dedup\) is writing"):
        deduplicate(db)
    out = CliRunner().invoke(main, ["dedup", "--db", str(db)])
    assert out.exit_code == 1 and "another warta build (or warta dedup)" in out.output
    running.close()
    assert deduplicate(db).articles == 0  # the build is gone: its lock too


def test_a_second_build_on_a_store_stops_and_a_dead_run_is_marked(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    first = open_store(db)
    dead = first.start_run("local", 1, ["d"], "{}")  # a build that is killed: never finished
    with open_store(db) as second, pytest.raises(StoreError, match="another warta build"):
        second.start_run("local", 1, ["d"], "{}")
    first.close()  # the killed process's files close with it, and its lock goes
    with open_store(db) as third:
        later = third.start_run("local", 1, ["d"], "{}")
    status = dict(rows(db, "SELECT id, status FROM runs"))
    assert status == {dead: "interrupted", later: "running"}


def test_a_folder_with_nothing_to_read_is_named_in_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "pdfs").mkdir()
    (tmp_path / "pdfs" / "laporan.pdf").write_bytes(b"%PDF-1.7")
    stats = build([str(tmp_path / "pdfs")], tmp_path / "s.db", workers=1)
    assert stats.read == 0 and balanced(stats)
    assert "pdfs: nothing read in this folder: 1 files left out by their names (1 .pdf)" in (
        caplog.text
    )
    # a folder of JSON files only: they are counted, with how to have them read (name them)
    (tmp_path / "json").mkdir()
    for name in ("a.json", "b.json", ".DS_Store"):
        (tmp_path / "json" / name).write_text('[{"title": "Judul", "text": "Isi."}]')
    caplog.clear()
    stats = build([str(tmp_path / "json")], tmp_path / "t.db", workers=1)
    assert stats.read == 0 and balanced(stats)
    [warning] = caplog.messages
    assert warning.startswith(f"{tmp_path / 'json'}: nothing read in this folder: 2 files left"
                              " out by their names (2 .json): ")  # fmt: skip
    assert warning.endswith("(a .json file, or a .zip or .tar archive, in a folder is read only"
                            " when named)")  # fmt: skip
    for folder, hidden in (("empty", ()), ("hidden", (".DS_Store",))):
        (tmp_path / folder).mkdir()
        for name in hidden:
            (tmp_path / folder / name).write_bytes(b"")
        caplog.clear()
        build([str(tmp_path / folder)], tmp_path / f"{folder}.db", workers=1)
        assert caplog.messages == [f"{tmp_path / folder}: nothing read in this folder: no files"
                                   " (hidden ones aside)"]  # fmt: skip


def test_files_a_folder_holds_that_are_not_read_are_counted_in_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    scrape = tmp_path / "scrape"
    (scrape / "img").mkdir(parents=True)
    capture(scrape, "a.txt", 1)
    (scrape / "b.jsonl.zip").write_bytes(b"PK\x03\x04")  # an archive: read only when named
    (scrape / "meta.json").write_text("{}", encoding="utf-8")  # read only when named
    for name in ("1.png", "2.png"):
        (scrape / "img" / name).write_bytes(b"\x89PNG")
    (scrape / ".DS_Store").write_bytes(b"\0")  # hidden: never data, not worth a word
    stats = build([str(scrape)], tmp_path / "s.db", workers=1)
    assert stats.read == 1 and balanced(stats)
    [line] = [r.getMessage() for r in caplog.records if "left out" in r.getMessage()]
    assert line.startswith(f"{scrape}: 4 files left out by their names (2 .png, 1 .zip, 1 .json)")
    assert "a .json file, or a .zip or .tar archive, in a folder is read only when named" in line


def test_a_folder_whose_files_are_all_read_gets_no_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "d").mkdir()
    capture(tmp_path / "d", "a.txt", 1)
    record = {"title": "Judul 2", "text": BODY.format(2)}
    (tmp_path / "d" / "b.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    build([str(tmp_path / "d")], tmp_path / "s.db", workers=1)
    assert "left out" not in caplog.text


def test_a_page_in_a_dataset_reads_its_published_field_as_a_whole_field(tmp_path: Path) -> None:
    page = (
        "<html><head><title>Jembatan baru</title></head><body><article><h1>Jembatan baru</h1>"
        + "".join(f"<p>{BODY.format(n)}</p>" for n in range(4))
        + "</article></body></html>"
    )
    data = tmp_path / "pages.jsonl"
    data.write_text(json.dumps({"html": page, "published": "1640866680"}) + "\n")
    stats = build([str(data)], tmp_path / "s.db", workers=1)
    assert stats.stored == 1 and balanced(stats)
    [(published,)] = rows(tmp_path / "s.db", "SELECT published_at FROM articles")
    assert published == "2021-12-30T12:18:00+00:00"  # an epoch as digits, read in UTC


def test_a_dataset_outlet_is_stored_as_the_registered_domain(tmp_path: Path) -> None:
    records = [
        {"outlet": "nasional.kompas.com", "url": None},
        {"outlet": "www.KapanLagi.com", "url": None},
        {"outlet": "Sindonews", "url": "https://nasional.sindonews.com/read/1/x"},
        {"outlet": "Warta Desa", "url": None},  # a name and nothing better: kept
    ]
    data = tmp_path / "d.jsonl"
    data.write_text(
        "".join(
            json.dumps({**r, "title": f"Judul {n}", "text": BODY.format(n)}) + "\n"
            for n, r in enumerate(records)
        )
    )
    stats = build([str(data)], tmp_path / "s.db", workers=1)
    assert stats.stored == 4 and balanced(stats)
    got = dict(rows(tmp_path / "s.db", "SELECT title, outlet FROM articles"))
    assert got == {"Judul 0": "kompas.com", "Judul 1": "kapanlagi.com",
                   "Judul 2": "sindonews.com", "Judul 3": "Warta Desa"}  # fmt: skip


def test_control_characters_in_a_record_s_fields_are_repaired(tmp_path: Path) -> None:
    record = {"title": "Judul \x1b[31mMERAH\x1b[0m\x07", "text": BODY.format(1),
              "url": "http://10.0.0.1/berita/1"}  # fmt: skip
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps(record) + "\n")
    stats = build([str(data)], tmp_path / "s.db", workers=1)
    assert stats.stored == 1 and balanced(stats)
    [(title, outlet, warnings)] = rows(
        tmp_path / "s.db", "SELECT title, outlet, json_extract(json, '$.warnings') FROM articles"
    )
    assert title == "Judul MERAH"  # the escape sequences and the bell are gone
    assert "in the record's fields" in str(warnings)
    assert outlet is None  # an IP address names no outlet
    hits = rows(
        tmp_path / "s.db", "SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'merah'"
    )
    assert len(hits) == 1


def test_build_checks_its_out_before_it_builds(folder: Path, tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")
    db = tmp_path / "s.db"
    result = CliRunner().invoke(
        main, ["build", str(folder), "--db", str(db), "--out", str(tmp_path / "taken" / "x"), "-q"]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot create the export folder")
    assert not db.exists()  # nothing was built only to fail at the end


def test_dedup_reads_past_an_article_whose_json_is_damaged(folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    build([str(folder)], db, workers=1)
    con = sqlite3.connect(db)
    con.execute("UPDATE articles SET json = '{not json' WHERE rowid = 1")
    con.commit()
    con.close()
    result = CliRunner().invoke(main, ["dedup", "--db", str(db), "--reset", "-q"])
    assert result.exit_code == 0, result.output
    assert rows(db, "SELECT count(*) FROM clusters") == [(3,)]


def test_a_file_keeps_the_name_it_was_built_with_wherever_the_build_runs(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "s.db"
    monkeypatch.chdir(tmp_path)
    first = build(["d"], db, workers=1)
    assert first.stored == 3 and balanced(first)
    # the same folder typed as an absolute path, and from its parent's parent
    again = build([str(folder)], db, workers=1)
    monkeypatch.chdir(tmp_path.parent)
    third = build([f"{tmp_path.name}/d"], db, workers=1)
    for stats in (again, third):
        assert (stats.read, stats.stored, stats.rejected) == (0, 0, 0) and balanced(stats)
    assert rows(db, "SELECT count(*) FROM articles") == [(3,)]
    # grown, and read again under its absolute path: only the new capture is new
    capture(folder, "a9.txt", 9)
    grown = build([str(folder)], db, workers=1)
    assert (grown.read, grown.stored) == (1, 1) and balanced(grown)
    assert rows(db, "SELECT count(*) FROM articles") == [(4,)]
    # a different file with a name the store built: its records would take the others' ids
    elsewhere = tmp_path / "elsewhere" / "d"
    elsewhere.mkdir(parents=True)
    for n in range(5):
        capture(elsewhere, f"a{n}.txt", 10 + n)
    monkeypatch.chdir(tmp_path / "elsewhere")
    with pytest.raises(InputError, match="this store holds another file built under this name"):
        build(["d"], db, workers=1)
    assert rows(db, "SELECT count(*) FROM articles") == [(4,)]


def test_a_named_pipe_is_a_reject_never_a_wait(folder: Path, tmp_path: Path) -> None:
    # Opening a pipe waits for a writer: a build must not hang on one left among captures,
    # nor on one named as a dataset or archive (a build reads a dataset twice; a pipe can't).
    os.mkfifo(folder / "pipe.txt")
    pipes = [tmp_path / name for name in ("data.jsonl", "data.parquet", "crawl.warc.gz")]
    for pipe in pipes:
        os.mkfifo(pipe)
    db = tmp_path / "s.db"
    command = [sys.executable, "-m", "warta", "build", str(folder), *map(str, pipes),
               "--db", str(db), "--workers", "1", "-q"]  # fmt: skip
    subprocess.run(command, check=True, timeout=120)  # a hang fails here, not forever
    got = dict(rows(db, "SELECT source, detail FROM rejects WHERE reason = 'unreadable'"))
    named = [f"{folder}/pipe.txt", *map(str, pipes)]
    assert sorted(got) == sorted(named)
    assert all(d.endswith(": a named pipe, not a regular file") for d in got.values())
    # the captures beside the pipe are stored, and the run balances
    [(stored, read, conserved)] = rows(db, "SELECT stored, read, conserved FROM runs")
    assert (stored, read, conserved) == (3, 3 + 1 + 1 + len(pipes), 1)  # junk.txt, pipe.txt
