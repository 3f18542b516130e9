"""Bad command-line input: a correct result or a one-line `Error:`, never a traceback."""

from __future__ import annotations

import gzip
import json
import math
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from warta.cli import main
from warta.dedup.fingerprint import DedupSettings
from warta.store import open_store

CAPTURE = "Judul Berita\nKamis, 30 Desember 2021 - 19:18 WIB\nPresiden meresmikan jembatan baru.\n"


def test_standard_input_over_max_bytes_is_not_given_a_size_it_does_not_have() -> None:
    big = (CAPTURE * 40).encode("utf-8")  # 3,000+ bytes; only 101 of them are read
    result = CliRunner().invoke(main, ["clean", "--max-bytes", "100", "-q"], input=big)
    assert result.exit_code == 0
    row = json.loads(result.stdout)
    assert (row["rejected"], row["reason"]) == (True, "too_large")
    assert row["detail"] == "more than 100 bytes is over the limit of 100 (--max-bytes)"


def test_a_compressed_capture_over_max_bytes_is_not_given_a_size_it_does_not_have(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.txt.gz").write_bytes(gzip.compress((CAPTURE * 40).encode("utf-8")))
    db = str(tmp_path / "c.db")
    built = CliRunner().invoke(main, ["build", str(tmp_path / "a.txt.gz"), "--db", db,
                                      "--max-bytes", "100", "--workers", "1", "-q"])  # fmt: skip
    assert built.exit_code == 0, built.output
    listed = CliRunner().invoke(main, ["rejects", "--db", db, "--json"])
    (row,) = map(json.loads, listed.stdout.splitlines())
    assert row["detail"] == (
        "more than 100 bytes once decompressed is over the limit of 100 (--max-bytes)"
    )


@pytest.mark.parametrize("command", ["dedup", "build"])
@pytest.mark.parametrize("option", ["--jaccard", "--containment", "--min-jaccard"])
def test_a_nan_threshold_is_refused(tmp_path: Path, command: str, option: str) -> None:
    (tmp_path / "a.txt").write_text(CAPTURE)
    paths = [str(tmp_path / "a.txt")] if command == "build" else []
    db = tmp_path / "c.db"
    result = CliRunner().invoke(main, [command, *paths, "--db", str(db), option, "nan"])
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Error: Invalid value for '{option}': nan is not in the range 0<=x<=1.\n"
    )
    assert not db.exists()


@pytest.mark.parametrize("field", ["jaccard", "containment", "min_jaccard"])
def test_dedup_settings_refuse_nan(field: str) -> None:
    with pytest.raises(ValueError, match=f"dedup: {field} must be a number from 0 to 1, not nan"):
        DedupSettings(**{field: math.nan})


def test_rejects_refuses_an_unknown_reason(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    open_store(db).close()
    result = CliRunner().invoke(main, ["rejects", "--db", str(db), "--reason", "bogus"])
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Error: Invalid value for '--reason': 'bogus' is not one of 'empty_body', 'not_text', "
        "'parse_error', 'not_an_article', 'too_large', 'unreadable', 'stage_error'.\n"
    )


def test_rejects_lines_escape_tabs_and_newlines_in_names(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a\tb.txt", "c\nd.txt", "e\x1bf.txt"):
        (folder / name).write_bytes(b"")  # empty: each a reject named after its file
    db = str(tmp_path / "c.db")
    built = CliRunner().invoke(main, ["build", str(folder), "--db", db, "-q", "--workers", "1"])
    assert built.exit_code == 0, built.output
    result = CliRunner().invoke(main, ["rejects", "--db", db])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"{folder}/{name}\tempty_body\tempty capture (no text)"
        for name in ("a\\tb.txt", "c\\nd.txt", "e\\x1bf.txt")
    ]
    listed = CliRunner().invoke(main, ["rejects", "--db", db, "--json"])
    names = [json.loads(line)["source"] for line in listed.stdout.splitlines()]
    assert names == [f"{folder}/a\tb.txt", f"{folder}/c\nd.txt", f"{folder}/e\x1bf.txt"]


def test_clean_of_a_path_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(CAPTURE)
    missing = tmp_path / "nope.txt"
    result = CliRunner().invoke(main, ["clean", str(tmp_path / "a.txt"), str(missing)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {missing}: no such file or folder\n"
    assert result.stdout == ""  # nothing cleaned, as warta build stores nothing


def test_clean_of_a_folder_rejects_a_named_pipe_or_a_broken_link_in_it(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "a.txt").write_text(CAPTURE)
    os.mkfifo(folder / "b.txt")  # opened, it would wait for a writer
    (folder / "c.txt").symlink_to(tmp_path / "gone.txt")
    result = CliRunner().invoke(main, ["clean", str(folder), "-q"])
    assert result.exit_code == 0, result.output
    rows = {r["source"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert rows[f"{folder}/a.txt"]["title"] == "Judul Berita"
    assert rows[f"{folder}/b.txt"]["reason"] == "unreadable"
    assert rows[f"{folder}/b.txt"]["detail"].endswith("a named pipe, not a regular file")
    assert rows[f"{folder}/c.txt"]["reason"] == "unreadable"


def test_clean_reads_a_compressed_capture_as_warta_build_does(tmp_path: Path) -> None:
    """`a.txt.gz` is a capture to both commands: warta clean rejected it as binary data when
    named, and passed over it in a folder without a word."""
    import zstandard

    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "a.txt.gz").write_bytes(gzip.compress(CAPTURE.encode()))
    second = CAPTURE.replace("Judul Berita", "Judul Kedua").encode()
    (folder / "b.txt.zst").write_bytes(zstandard.ZstdCompressor().compress(second))
    named, cut = tmp_path / "c.txt.gz", tmp_path / "cut.txt.gz"
    named.write_bytes(gzip.compress(CAPTURE.encode()))
    cut.write_bytes(gzip.compress(CAPTURE.encode() * 50)[:40])
    result = CliRunner().invoke(main, ["clean", str(folder), str(named), str(cut), "-q"])
    assert result.exit_code == 0, result.output
    rows = {r["source"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert {source: row.get("title") or row["reason"] for source, row in rows.items()} == {
        f"{folder}/a.txt.gz": "Judul Berita",
        f"{folder}/b.txt.zst": "Judul Kedua",
        str(named): "Judul Berita",
        str(cut): "unreadable",
    }


def test_clean_reads_the_captures_of_an_archive_as_warta_build_does(tmp_path: Path) -> None:
    import zipfile

    archive = tmp_path / "dump.zip"
    second = CAPTURE.replace("Judul Berita", "Judul Kedua")
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("2025/a.txt", CAPTURE)
        z.writestr("2025/b.txt.gz", gzip.compress(second.encode()))
        z.writestr("data.csv", "title,text\nA,B\n")  # a dataset: for warta build only
    result = CliRunner().invoke(main, ["clean", str(archive)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["source"], r["title"]) for r in rows] == [
        (f"{archive}/2025/a.txt", "Judul Berita"),
        (f"{archive}/2025/b.txt.gz", "Judul Kedua"),
    ]
    assert result.stderr.strip().endswith("read 2 | written 2 | rejected 0")
