"""Corpus builds end to end: real datasets, both engines, kill and resume, bad input, exports."""

from __future__ import annotations

import csv
import dataclasses
import gzip
import io
import json
import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import SHARED, need_shared
from warta.build import build
from warta.cli import main
from warta.dedup import Deduplicator
from warta.dedup.fingerprint import Fingerprint
from warta.export import export
from warta.readers import Record
from warta.store import Batch

RAW = SHARED / "eval" / "raw"
GIKI_MAP = ("title=Judul|title,text=Isi|content,published=Tanggal|date+time,url=Link|url,"
            "outlet=Sumber|source")  # fmt: skip
DETIK_MAP = "title=judul,url=tautan,published=tanggal,text=isi_berita"


def dump(db: Path) -> dict[str, Any]:
    """Everything a store holds about articles and rejects, comparable across builds."""
    con = sqlite3.connect(db)
    try:
        return {
            "articles": con.execute(
                "SELECT id, source, locator, url, outlet, title, published_at, published_utc, lang,"
                " text, sha256, json FROM articles ORDER BY id"
            ).fetchall(),
            "removals": con.execute("SELECT * FROM removals ORDER BY article_id, seq").fetchall(),
            "rejects": con.execute("SELECT * FROM rejects ORDER BY id").fetchall(),
            "fts": con.execute(
                "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'jakarta'"
            ).fetchone(),
            # the dedup index, by article id (rowids follow the order rows were written in)
            "clusters": con.execute(
                "SELECT a.id, c.cluster, c.canonical, c.wire FROM clusters c"
                " JOIN articles a ON a.rowid = c.article ORDER BY a.id"
            ).fetchall(),
            "bands": con.execute(
                "SELECT b.band, b.key, a.id FROM bands b JOIN articles a ON a.rowid = b.article"
                " ORDER BY 1, 2, 3"
            ).fetchall(),
        }
    finally:
        con.close()


def build_shared(db: Path, engine: str = "local", workers: int = 2) -> None:
    """The three raw datasets and the HTML pages of ../shared/eval into `db`."""
    giki = sorted(str(p) for p in need_shared(RAW / "gikirima-2025").glob("*.csv"))
    detik = str(need_shared(RAW / "detik-2025" / "data_berita.csv"))
    html = str(need_shared(SHARED / "eval" / "html"))
    for paths, mapping in ((giki, [GIKI_MAP]), ([detik], [DETIK_MAP]), ([html], [])):
        stats = build(paths, db, mapping=mapping, engine=engine, workers=workers)  # type: ignore[arg-type]
        assert stats.conserved
        assert stats.read == stats.stored + stats.rejected


@pytest.fixture(scope="module")
def local_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("local") / "corpus.db"
    build_shared(db)
    return db


def test_shared_datasets_are_all_accounted_for(local_store: Path) -> None:
    con = sqlite3.connect(local_store)
    (done,) = con.execute("SELECT sum(done) FROM progress").fetchone()
    (articles,) = con.execute("SELECT count(*) FROM articles").fetchone()
    (rejects,) = con.execute("SELECT count(*) FROM rejects").fetchone()
    assert done == articles + rejects
    with (RAW / "detik-2025" / "data_berita.csv").open(encoding="utf-8") as f:
        rows = sum(1 for _ in csv.DictReader(f))
    detik = (
        con.execute(
            "SELECT count(*) FROM articles WHERE source LIKE '%data_berita.csv'"
        ).fetchone()[0]
        + con.execute(
            "SELECT count(*) FROM rejects WHERE source LIKE '%data_berita.csv'"
        ).fetchone()[0]
    )
    assert detik == rows
    # detik dates are month first (10/21/2025 20:43, WIB wall clock): detected per column
    got = con.execute(
        "SELECT published_at, json_extract(json, '$.published_at_source') FROM articles"
        " WHERE source LIKE '%data_berita.csv' AND locator = '2'"
    ).fetchone()
    assert got[1] == "record:published+default_zone"
    assert got[0].endswith("+07:00")
    assert all(r[0] for r in con.execute("SELECT reason FROM rejects"))
    html = con.execute("SELECT count(*) FROM articles WHERE source LIKE '%.html'").fetchone()[0]
    assert html >= 26


def test_one_worker_and_two_give_the_same_store(local_store: Path, tmp_path: Path) -> None:
    build_shared(tmp_path / "one.db", workers=1)
    assert dump(tmp_path / "one.db") == dump(local_store)


@pytest.mark.ray
def test_ray_engine_gives_the_same_store(local_store: Path, tmp_path: Path) -> None:
    pytest.importorskip("ray") if os.environ.get("CI", "").lower() != "true" else None
    build_shared(tmp_path / "ray.db", engine="ray", workers=2)
    assert dump(tmp_path / "ray.db") == dump(local_store)


@pytest.mark.ray
def test_a_quiet_ray_build_prints_nothing_of_ray_data(tmp_path: Path) -> None:
    """Ray Data logs three INFO lines for each Dataset (the engine makes one per window of
    chunks) and a warning that its progress bars are off: with -q the build prints no
    progress, so none of them."""
    pytest.importorskip("ray") if os.environ.get("CI", "").lower() != "true" else None
    for n in range(3):
        (tmp_path / f"{n}.txt").write_text(f"Judul {n}\nKamis, 30 Desember 2021 - 19:18 WIB\nIsi.")
    done = subprocess.run(
        [sys.executable, "-m", "warta", "build", str(tmp_path), "--db", str(tmp_path / "c.db"),
         "--engine", "ray", "--workers", "1", "-q"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert [line for line in done.stderr.splitlines() if "ray.data" in line or "INFO" in line
            or "Dataset" in line or "Progress bars" in line] == []  # fmt: skip


@pytest.mark.ray
def test_a_ray_cluster_that_cannot_be_reached_is_a_one_line_error_before_any_work(
    tmp_path: Path,
) -> None:
    pytest.importorskip("ray") if os.environ.get("CI", "").lower() != "true" else None
    (tmp_path / "a.txt").write_text("Judul\nKamis, 30 Desember 2021 - 19:18 WIB\nIsi.")
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    done = subprocess.run(
        [sys.executable, "-m", "warta", "build", str(tmp_path / "a.txt"), "--db",
         str(tmp_path / "c.db"), "--engine", "ray", "--address", "auto"],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("Error: cannot reach the Ray cluster at auto: "), done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert not (tmp_path / "c.db").exists()


@pytest.mark.ray
def test_a_ray_address_whose_host_is_unknown_is_a_one_line_error_at_once(tmp_path: Path) -> None:
    """Not minutes of Ray retrying a host name that never resolves (a typo in --address)."""
    pytest.importorskip("ray") if os.environ.get("CI", "").lower() != "true" else None
    (tmp_path / "a.txt").write_text("Judul\nKamis, 30 Desember 2021 - 19:18 WIB\nIsi.")
    done = subprocess.run(
        [sys.executable, "-m", "warta", "build", str(tmp_path / "a.txt"), "--db",
         str(tmp_path / "c.db"), "--engine", "ray", "--address", "ray://head.invalid:10001"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith(
        "Error: cannot reach the Ray cluster at ray://head.invalid:10001: no such host"
        " 'head.invalid'"
    ), done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert not (tmp_path / "c.db").exists()


def test_a_ray_head_address_is_tried_before_ray_is() -> None:
    """A port nothing listens on is refused at once; one that listens passes; `auto` is
    Ray's to find."""
    import socket

    from warta.engines.ray import _check_reachable
    from warta.errors import ConfigError

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        _check_reachable(f"127.0.0.1:{port}")
        _check_reachable(f"ray://127.0.0.1:{port}")
    with pytest.raises(ConfigError, match=f"127.0.0.1 port {port}: Connection refused"):
        _check_reachable(f"127.0.0.1:{port}")
    _check_reachable("auto")  # nothing tried: Ray's own forms
    _check_reachable("http://head.invalid:8265")


def test_a_ray_address_without_the_ray_engine_is_a_usage_error(tmp_path: Path) -> None:
    # not a local build that says nothing of the cluster the user meant to run on
    (tmp_path / "a.txt").write_text("Judul\nKamis, 30 Desember 2021 - 19:18 WIB\nIsi.")
    args = ["build", str(tmp_path / "a.txt"), "--db", str(tmp_path / "c.db")]
    out = CliRunner().invoke(main, [*args, "--address", "ray://head:10001"])
    assert out.exit_code == 2
    assert "--address is the Ray cluster's: give it with --engine ray" in out.output
    assert not (tmp_path / "c.db").exists()


def test_rerun_adds_nothing(local_store: Path, tmp_path: Path) -> None:
    detik = str(RAW / "detik-2025" / "data_berita.csv")
    before = dump(local_store)
    stats = build([detik], local_store, mapping=[DETIK_MAP], workers=2)
    assert (stats.read, stats.stored, stats.rejected, stats.inputs_done) == (0, 0, 0, 1)
    assert dump(local_store) == before


def _jsonl_corpus(path: Path, n: int) -> None:
    """`n` dataset records made from the detik bodies (numbers changed so each is distinct)."""
    with (need_shared(RAW / "detik-2025" / "data_berita.csv")).open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            r = rows[i % len(rows)]
            out.write(json.dumps({"judul": r["judul"], "isi": f"{r['isi_berita']} ({i})",
                                  "tanggal": r["tanggal"], "url": r["tautan"]}) + "\n")  # fmt: skip


def stored_at_least(proc: subprocess.Popen[Any], db: Path, records: int) -> int:
    """Wait (2 minutes at most) until the build `proc` has stored `records` records of its
    one input in `db`, or has ended; the records its progress counts then."""
    deadline = time.monotonic() + 120
    done = 0
    while time.monotonic() < deadline and proc.poll() is None and done < records:
        try:
            con = sqlite3.connect(db, timeout=0.1)
            row = con.execute("SELECT done FROM progress").fetchone()
            con.close()
            done = row[0] if row else 0
        except sqlite3.Error:
            pass
        time.sleep(0.02)
    return done


#: `warta` with a commit every 256 records, not `COMMIT_RECORDS` (4,096): a build of these
#: tests' 3,000 records commits several times, and can be stopped between two commits.
WARTA_SMALL_GROUPS = [
    sys.executable, "-c",
    "import warta.store.sqlite as s; s.COMMIT_RECORDS = 256; from warta.cli import main; main()",
]  # fmt: skip


def test_killed_build_resumes_to_the_same_store(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    _jsonl_corpus(data, 3000)
    mapping = ["--map", "title=judul,text=isi,published=tanggal"]

    def command(db: str) -> list[str]:
        return [*WARTA_SMALL_GROUPS, "build", str(data), "--db", db, "--workers", "2",
                "-q", *mapping]  # fmt: skip

    killed = tmp_path / "killed.db"
    proc = subprocess.Popen(command(str(killed)), start_new_session=True)
    done = stored_at_least(proc, killed, 500)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the build ended before it could be killed"
    assert 0 < done < 3000
    subprocess.run(command(str(killed)), check=True)
    whole = tmp_path / "whole.db"
    subprocess.run(command(str(whole)), check=True)
    assert dump(killed) == dump(whole)
    con = sqlite3.connect(killed)
    assert con.execute("SELECT sum(done) FROM progress").fetchone()[0] == 3000
    # the killed run is marked when the next run on the store starts
    statuses = [r[0] for r in con.execute("SELECT status FROM runs ORDER BY id")]
    assert statuses == ["interrupted", "done"]


def test_ctrl_c_stops_a_build_with_a_message_and_it_resumes(tmp_path: Path) -> None:
    """Ctrl-C goes to the whole process group, workers too: the build stops (a worker
    interrupted inside the pool's queue could leave it waiting forever), marks its run
    interrupted, says how to go on and exits with 130; the same command then finishes."""
    data = tmp_path / "data.jsonl"
    _jsonl_corpus(data, 3000)
    db = tmp_path / "c.db"
    command = [*WARTA_SMALL_GROUPS, "build", str(data), "--db", str(db), "--workers", "2",
               "--map", "title=judul,text=isi,published=tanggal"]  # fmt: skip
    proc = subprocess.Popen(command, start_new_session=True, stderr=subprocess.PIPE, text=True)
    stored_at_least(proc, db, 500)
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("the build did not stop on Ctrl-C")
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("Interrupted: run 1 stored "), last
    assert last.endswith("run the same command again to resume"), last
    con = sqlite3.connect(db)
    assert [r[0] for r in con.execute("SELECT status FROM runs")] == ["interrupted"]
    con.close()
    subprocess.run([*command, "-q"], check=True)
    con = sqlite3.connect(db)
    assert con.execute("SELECT sum(done) FROM progress").fetchone()[0] == 3000
    (articles,), (rejects,) = (con.execute(f"SELECT count(*) FROM {t}").fetchone()
                               for t in ("articles", "rejects"))  # fmt: skip
    assert articles + rejects == 3000
    con.close()


class _Killed(Exception):
    """Stands for a SIGKILL: the build stops where it is, its last transaction committed."""


def test_a_build_killed_between_storing_and_clustering_resumes_to_the_same_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chunk is stored, then clustered in a transaction of its own: a build killed between
    the two clusters that chunk first when started again, before the chunks after it, as
    the uninterrupted build did (which members of a story index their band keys depends
    on the order its copies were clustered in)."""
    sentence = (
        "pemerintah daerah meresmikan jembatan gantung baru yang menghubungkan dua desa"
        " di tepi sungai besar setelah warga menunggu selama bertahun tahun"
    )
    words = sentence.split(" ")
    body = " ".join(f"{w} {words[(i * 7) % len(words)]}{i}" for i, w in enumerate(words * 4))
    data = tmp_path / "copies.jsonl"
    with data.open("w", encoding="utf-8") as f:
        for n in range(12):  # twelve copies of one story, each with one word changed
            text = body.replace(f"{words[n]} ", f"{words[n]}x{n} ", 1)
            f.write(json.dumps({"title": f"Jembatan baru {n}", "text": text}) + "\n")

    def run(db: Path) -> None:
        stats = build([str(data)], db, workers=1, chunk_records=4)
        assert stats.conserved

    run(tmp_path / "whole.db")
    add = Deduplicator.add

    def killed_after_storing(self: Deduplicator, fingerprints: Any, rowids: Any) -> None:
        raise _Killed

    monkeypatch.setattr(Deduplicator, "add", killed_after_storing)
    with pytest.raises(_Killed):
        run(tmp_path / "killed.db")
    monkeypatch.setattr(Deduplicator, "add", add)
    run(tmp_path / "killed.db")
    whole = dump(tmp_path / "whole.db")
    assert len({c[1] for c in whole["clusters"]}) == 1, "the copies make one cluster"
    assert dump(tmp_path / "killed.db") == whole


def _bad_inputs(folder: Path) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    good = {"title": "Jembatan Baru", "text": "Presiden meresmikan jembatan baru di Samarinda.",
            "published": "Kamis, 30 Desember 2021 - 19:18 WIB"}  # fmt: skip
    (folder / "bad.jsonl").write_text(json.dumps(good) + "\n{broken\n" + json.dumps(good) + "\n")
    (folder / "short.csv").write_text(
        "title,text,published\nA,Isi berita yang cukup panjang.,1/2/2025\nB,hanya dua\n"
    )
    lines = "".join(json.dumps(good) + "\n" for _ in range(300)).encode()
    packed = gzip.compress(lines)
    (folder / "cut.jsonl.gz").write_bytes(packed[: len(packed) // 2])
    with (folder / "pages.warc.gz").open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            "https://news.example/logo.png", "response", payload=io.BytesIO(b"\x89PNG"),
            http_headers=headers))  # fmt: skip
    (folder / "gone.txt").symlink_to(folder / "missing.txt")
    (folder / "ok.txt").write_text("Judul\nKamis, 30 Desember 2021 - 19:18 WIB\nIsi berita.")


def test_bad_records_are_rejects_with_locators(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    _bad_inputs(folder)
    db = tmp_path / "c.db"
    result = CliRunner().invoke(main, ["build", str(folder), "--db", str(db), "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert any(line.startswith("read ") for line in result.stderr.splitlines())
    listed = CliRunner().invoke(main, ["rejects", "--db", str(db)]).output
    assert f"{folder}/bad.jsonl:2\tparse_error\tnot JSON" in listed
    assert f"{folder}/short.csv:3\tparse_error\trow has 2 fields, the header has 3" in listed
    assert f"{folder}/cut.jsonl.gz:" in listed
    assert "\tunreadable\t" in listed
    warc = f"{folder}/pages.warc.gz@offset 0\tnot_text\tWARC response record holds image/png"
    assert warc in listed
    assert f"{folder}/gone.txt\tunreadable\tcannot read" in listed
    stats = json.loads(CliRunner().invoke(main, ["stats", "--db", str(db)]).output)
    assert stats["records_done"] == stats["articles"] + stats["rejects"]
    assert stats["articles"] >= 4


def test_a_csv_published_column_gives_exact_instants(tmp_path: Path) -> None:
    """Each form a dataset's `published` column holds, built and read back from the store."""
    expected = {
        "2021-12-30 12:18:00 UTC": "2021-12-30T12:18:00+00:00",
        "2021-12-30T12:18:00 GMT": "2021-12-30T12:18:00+00:00",
        "2021-12-30 20:18 WITA": "2021-12-30T20:18:00+08:00",
        "2021-12-30 20:18:00+08": "2021-12-30T20:18:00+08:00",
        "30-12-2021 19:18": "2021-12-30T19:18:00+07:00",
        "30.12.2021 19:18": "2021-12-30T19:18:00+07:00",
        "20211230": "2021-12-30",
        "1640866680": "2021-12-30T12:18:00+00:00",
    }
    data = tmp_path / "dates.csv"
    with data.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["title", "published", "text"])
        writer.writerows([value, value, f"Isi berita {i}."] for i, value in enumerate(expected))
    db = tmp_path / "r.db"
    result = CliRunner().invoke(main, ["build", str(data), "--db", str(db), "--workers", "1"])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(db) as con:
        got = dict(con.execute("SELECT title, published_at FROM articles").fetchall())
    con.close()
    assert got == expected


def test_a_mapping_to_a_missing_column_fails_before_any_work(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("judul,isi\nA,B\n")
    db = tmp_path / "c.db"
    result = CliRunner().invoke(main, ["build", str(tmp_path / "d.csv"), "--db", str(db),
                                       "--map", "title=judul,text=isi_berita"])  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {tmp_path}/d.csv: --map text=isi_berita: no such column (columns: judul, isi)\n"
    )
    assert not db.exists()


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_exports_load_as_tables(local_store: Path, tmp_path: Path, fmt: str) -> None:
    import pyarrow.parquet as pq

    done = export(local_store, tmp_path / "out", fmt)  # type: ignore[arg-type]
    (articles,) = sqlite3.connect(local_store).execute("SELECT count(*) FROM articles").fetchone()
    assert done.article_rows == articles
    if fmt == "jsonl":
        lines = done.articles.read_text(encoding="utf-8").splitlines()
        assert len(lines) == articles
        assert {"id", "title", "text", "published_at", "removed"} <= set(json.loads(lines[0]))
    else:
        table = pq.read_table(done.articles)
        assert table.num_rows == articles
        assert str(table.schema.field("published_utc").type).endswith("tz=UTC]")
        assert pq.read_table(done.rejects).num_rows == done.reject_rows


def test_build_with_out_exports_at_the_end(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Judul\nKamis, 30 Desember 2021 - 19:18 WIB\nIsi berita.")
    result = CliRunner().invoke(main, ["build", str(tmp_path / "a.txt"), "--db",
                                       str(tmp_path / "c.db"), "--out", str(tmp_path / "out"),
                                       "--format", "jsonl", "--workers", "1"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "read 1 | stored 1 | rejected 0" in result.stderr
    assert (tmp_path / "out" / "articles.jsonl").read_text().count("\n") == 1


@pytest.mark.parametrize("command", ["build", "export", "rejects", "stats"])
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Example: warta " + command in result.output


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        (Record, {"source": "a.jsonl", "locator": "line 3", "data": b"x", "url": "https://u/1",
                  "outlet": "o.com", "title": "T", "published": "2025-01-02", "fields": True,
                  "date_order": "MDY"}),
        (Fingerprint, {"kind": "minhash", "words": 120, "shingles": 116, "exact": -7,
                       "signature": bytes(range(16)), "bands": bytes(range(16, 32)), "wire": True}),
        (Batch, {"articles": (("a1",) * 12,), "removals": (("a1", 0, "footer", 5, 9, "x"),),
                 "rejects": (("r1",) * 7,), "stems": (("a1", "t", "x"),),
                 "mentions": (("a1", "2025", "2025-01-01", "2025-12-31"),),
                 "entities": (("a1", "Jakarta", "LOC"),),
                 "fingerprints": (("a1", Fingerprint("short", 3, exact=5)),)}),
    ],
)  # fmt: skip
def test_what_a_build_sends_between_processes_pickles_with_every_field(
    kind: type, values: dict[str, Any]
) -> None:
    """Records go to the workers, and batches with their fingerprints come back, pickled by
    their `__reduce__` (a frozen class compiled by mypyc has no other way back)."""
    defaults = {f.name: f.default for f in dataclasses.fields(kind)}
    assert defaults.keys() == values.keys()
    assert all(values[k] != default for k, default in defaults.items())  # each one would show
    value = kind(**values)
    assert pickle.loads(pickle.dumps(value)) == value


def test_the_local_engine_reads_a_bounded_number_of_chunks_ahead() -> None:
    """Chunks are taken from the input only `IN_FLIGHT` a worker ahead of the one stored, so
    memory does not grow with the input; the results come back in the input's order."""
    from warta.engines.local import IN_FLIGHT, LocalEngine
    from warta.settings import Settings

    taken = 0

    def chunks() -> Iterator[tuple[int, tuple[()]]]:
        nonlocal taken
        for n in range(40):
            taken += 1
            yield n, ()

    results = LocalEngine(workers=2).run(Settings(), chunks())
    tag, _ = next(results)
    assert tag == 0 and taken == IN_FLIGHT * 2
    assert [tag for tag, _ in results] == list(range(1, 40))


def test_the_fork_server_starts_before_the_build_is_imported() -> None:
    """`warta build` starts the fork server before it imports the build, so the server loads
    the models while the build process imports and lists the inputs: the module that starts
    it imports neither the pipeline nor numpy, and the server it starts is the one the
    local engine's pool forks its workers from (a second start is a no-op)."""
    code = (
        "import sys\n"
        "from multiprocessing import forkserver\n"
        "from warta.forkserver import start_fork_server\n"
        "start_fork_server()\n"
        "light = not any(m in sys.modules for m in ('numpy', 'warta.pipeline', 'warta.build'))\n"
        "server = forkserver._forkserver._forkserver_pid\n"
        "from warta.engines.local import LocalEngine\n"
        "from warta.settings import Settings\n"
        "engine = LocalEngine(workers=2)\n"
        "engine.start()\n"
        "done = [tag for tag, _ in engine.run(Settings(), [('a', ()), ('b', ())])]\n"
        "print(light, server is not None, server == forkserver._forkserver._forkserver_pid, done)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[0] == "True True True ['a', 'b']"


def test_warta_build_starts_the_fork_server_before_it_imports_the_build(tmp_path: Path) -> None:
    """The command starts the server first (with more than one worker): when `warta.build` is
    imported the server is running already; with one worker no server is started. The build
    process of a build with workers never imports the pipeline (the workers clean)."""
    (tmp_path / "a.txt").write_text("Judul\nKamis, 30 Desember 2021 - 19:18 WIB\nIsi berita.\n")
    code = (
        "import sys, importlib.abc\n"
        "from multiprocessing import forkserver\n"
        "seen = []\n"
        "class Hook(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name == 'warta.build':\n"
        "            seen.append(forkserver._forkserver._forkserver_pid is not None)\n"
        "sys.meta_path.insert(0, Hook())\n"
        "from warta.cli import main\n"
        "main([*sys.argv[1:], '-q'], standalone_mode=False)\n"
        "print(seen, forkserver._forkserver._forkserver_pid is not None,"
        " 'warta.pipeline' in sys.modules)\n"
    )
    for workers, expected in (("2", "[True] True False"), ("1", "[False] False True")):
        args = ["build", str(tmp_path / "a.txt"), "--db", str(tmp_path / f"{workers}.db"),
                "--workers", workers]  # fmt: skip
        out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                             text=True, timeout=120)  # fmt: skip
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip().splitlines()[-1] == expected


def test_workers_clean_at_a_lower_priority_than_the_build_process() -> None:
    """The build process stores every chunk alone: on a busy machine a core goes to it
    first (`nice`), and the workers clean in the time it leaves."""
    from concurrent.futures import ProcessPoolExecutor

    from warta.engines import local
    from warta.forkserver import fork_context

    pool = ProcessPoolExecutor(1, mp_context=fork_context(), initializer=local._worker_start)
    with pool:
        worker = pool.submit(os.nice, 0).result()
    assert worker == min(os.nice(0) + local.WORKER_NICE, 19)


def test_the_pipes_to_and_from_the_workers_hold_a_mebibyte(monkeypatch: pytest.MonkeyPatch) -> None:
    """A chunk's rows (about 4.7 MB) cross to the build process in a few pieces, not in the
    70-odd of Linux's default 64 KiB pipe: the local engine's pool has its two pipes widened
    to `PIPE_BYTES`, and a result larger than a pipe still arrives whole."""
    import fcntl
    from concurrent.futures import ProcessPoolExecutor

    from warta.engines import local
    from warta.forkserver import fork_context
    from warta.settings import Settings

    pool = ProcessPoolExecutor(1, mp_context=fork_context(), initializer=local._worker_start)
    with pool:
        widened = local.widen_pipes(pool)
        pipes = (pool._call_queue._reader, pool._result_queue._reader)  # type: ignore[attr-defined]
        sizes = [fcntl.fcntl(pipe.fileno(), fcntl.F_GETPIPE_SZ) for pipe in pipes]
        data = pool.submit(bytes, 5 << 20).result()
    assert widened == 2 and sizes == [local.PIPE_BYTES] * 2
    assert data == bytes(5 << 20)

    seen: list[int] = []
    widen = local.widen_pipes
    monkeypatch.setattr(local, "widen_pipes", lambda pool: seen.append(widen(pool)) or 0)
    done = [tag for tag, _ in local.LocalEngine(workers=2).run(Settings(), [("a", ())])]
    assert done == ["a"] and seen == [2]


def test_workers_start_with_what_they_hold_frozen_out_of_the_collector() -> None:
    """The fork server loads the models and freezes them (`quiet_gc`): a worker's
    collections never walk them, and its young ones are `GC_YOUNG` apart."""
    import gc
    from concurrent.futures import ProcessPoolExecutor

    from warta.engines import GC_YOUNG, local
    from warta.forkserver import fork_context

    pool = ProcessPoolExecutor(1, mp_context=fork_context(), initializer=local._worker_start)
    with pool:
        frozen = pool.submit(gc.get_freeze_count).result()
        threshold = pool.submit(gc.get_threshold).result()
    assert frozen > 10_000  # the models' and tables' objects
    assert threshold[0] == GC_YOUNG


#: Page faults of a chunk's worth of memory (12 blocks of 4 MiB) made and freed five times,
#: after the same was made and freed once: glibc's defaults give it back to the system each
#: time (12,288 pages a time), `quiet_malloc` keeps it. (A worker's glibc has adjusted its
#: own thresholds to the large blocks the fork server freed while it loaded the models;
#: blocks of 256 KiB would stay in it without `quiet_malloc` too.)
_REFAULTS = """
import resource

def chunk():
    blocks = [bytearray(4 << 20) for _ in range(12)]
    del blocks

def refaults():
    chunk()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(5):
        chunk()
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_quiet_malloc_keeps_freed_memory_for_the_next_chunk() -> None:
    """Tuned, a process makes and frees a chunk's memory again without new pages;
    `quiet_malloc(False)` gives freed memory back to the system again."""
    script = (
        _REFAULTS
        + """
import sys
from warta.engines import quiet_malloc
default = refaults()
took = quiet_malloc()
quiet = refaults()
gave_back = quiet_malloc(False)
print(default, took, quiet, gave_back, refaults())
"""
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout.split()  # fmt: skip
    default, took, quiet, gave_back, after = out
    assert took == gave_back == "True"
    assert int(default) > 5 * 10_000 and int(after) > 5 * 10_000
    assert int(quiet) < 500


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_workers_start_with_malloc_quieted() -> None:
    """The fork server tunes malloc (`quiet_malloc`) before it forks the workers."""
    from concurrent.futures import ProcessPoolExecutor

    from warta.engines import local
    from warta.forkserver import fork_context

    pool = ProcessPoolExecutor(1, mp_context=fork_context(), initializer=local._worker_start)
    with pool:  # the worker runs the check itself: a failed assert comes back here
        pool.submit(exec, _REFAULTS + "assert refaults() < 500, refaults()\n", {}).result()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_a_build_quiets_malloc_while_it_runs_and_gives_memory_back_after(
    tmp_path: Path,
) -> None:
    """In a build (one worker: all in this process) once a chunk is stored, freed memory
    stays for the next chunk; after the build it goes back to the system again."""
    folder = tmp_path / "d"
    folder.mkdir()
    for i in range(4):
        (folder / f"{i}.txt").write_text(f"Judul {i}\nKamis, 30 Desember 2021 - 19:18 WIB\nIsi.")
    script = (
        _REFAULTS
        + f"""
from pathlib import Path
from warta.build import build
during = []
build([{str(folder)!r}], Path({str(tmp_path / "c.db")!r}), workers=1, chunk_records=2,
      on_progress=lambda _: during.append(refaults()))
print(*during, refaults())
"""
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout.split()  # fmt: skip
    *during, after = map(int, out)
    assert len(during) == 2 and max(during) < 500
    assert after > 5 * 10_000


def test_a_build_quiets_the_collector_while_it_runs_and_leaves_it_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once a chunk is stored (the process warm) what it holds is frozen and young
    collections are `GC_YOUNG` apart; after the build, as before it (a build is a call
    in someone else's program too)."""
    import gc

    from warta.engines import GC_YOUNG

    folder = tmp_path / "d"
    folder.mkdir()
    for i in range(6):
        (folder / f"{i}.txt").write_text(f"Judul {i}\nKamis, 30 Desember 2021 - 19:18 WIB\nIsi.")
    freezes = []
    freeze = gc.freeze
    monkeypatch.setattr(gc, "freeze", lambda: freezes.append(1) or freeze())
    before = gc.get_threshold(), gc.get_freeze_count()
    during: list[tuple[tuple[int, int, int], int, int]] = []
    build([str(folder)], tmp_path / "c.db", workers=1, chunk_records=2,
          on_progress=lambda _: during.append((gc.get_threshold(), gc.get_freeze_count(),
                                               len(freezes))))  # fmt: skip
    assert len(during) == 3  # a chunk of 2 captures each
    assert all(t[0] == GC_YOUNG and frozen > 10_000 for t, frozen, _ in during)
    assert [n for _, _, n in during] == [1, 1, 1]  # frozen once, after the first chunk
    assert (gc.get_threshold(), gc.get_freeze_count()) == before


def test_a_build_leaves_objects_its_caller_froze_frozen(tmp_path: Path) -> None:
    """A program that froze objects of its own (`gc.freeze`) before a build finds them
    frozen after it: the build freezes nothing then, so it unfreezes nothing."""
    import gc

    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "a.txt").write_text("Judul\nKamis, 30 Desember 2021 - 19:18 WIB\nIsi.")
    gc.freeze()
    try:
        mine = gc.get_freeze_count()
        build([str(folder)], tmp_path / "c.db", workers=1)
        assert gc.get_freeze_count() >= mine - 100  # some of its objects may have died since
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("dedup", [True, False])
def test_an_interrupted_build_reports_dedup_only_when_it_ran(tmp_path: Path, dedup: bool) -> None:
    """As a finished build: `--no-dedup` has no dedup counts to report (the summary line
    says nothing of clusters), whether the run ended or was stopped by Ctrl-C."""
    from warta.build import Interrupted
    from warta.settings import Settings

    folder = tmp_path / "d"
    folder.mkdir()
    for i in range(6):
        (folder / f"{i}.txt").write_text(f"Judul {i}\nKamis, 30 Desember 2021 - 19:18 WIB\nIsi.")
    settings = Settings(dedup=dataclasses.replace(Settings().dedup, enabled=dedup))

    def stop(progress: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(Interrupted) as stopped:
        build([str(folder)], tmp_path / "c.db", settings=settings, workers=1, chunk_records=2,
              on_progress=stop)  # fmt: skip
    assert stopped.value.stats.stored == 2
    assert (stopped.value.stats.dedup is not None) is dedup
    finished = build([str(folder)], tmp_path / "c.db", settings=settings, workers=1)
    assert (finished.dedup is not None) is dedup
