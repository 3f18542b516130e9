"""Readers: every input format, its locators, and a reject (never an exception) for bad records."""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import stat
import threading
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SHARED, need_shared
from warta.errors import InputError
from warta.model import Reason, Rejected
from warta.readers import Input, Item, Record, parse_mapping, plan, read, read_capture, where

RAW = SHARED / "eval" / "raw"
BODY = "Presiden meresmikan jembatan baru di Kalimantan.\nWarga menyambut dengan gembira."


def items(paths: list[str], mapping: list[str] | None = None) -> list[Item]:
    out: list[Item] = []
    for inp in plan(paths, parse_mapping(mapping or [])):
        out.extend(read(inp, 1 << 20).items)
    return out


def test_parse_mapping_alternatives_and_joins() -> None:
    m = parse_mapping(["title=Judul|title", "published=date+time,text=isi"])
    assert m == {"title": (("Judul",), ("title",)), "published": (("date", "time"),),
                 "text": (("isi",),)}  # fmt: skip


@pytest.mark.parametrize(
    ("spec", "message"),
    [("title", "expected field=column"), ("body=isi", "unknown field 'body'")],
)
def test_parse_mapping_errors(spec: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_mapping([spec])


def test_plan_refuses_missing_paths_and_unknown_formats(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        plan([str(tmp_path / "nope.csv")])
    (tmp_path / "x.docx").write_text("x")
    with pytest.raises(InputError, match="unknown input format"):
        plan([str(tmp_path / "x.docx")])


def test_plan_refuses_a_mapping_to_a_missing_column(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("judul,isi\nA,B\n")
    with pytest.raises(InputError, match=r"d.csv: --map text=isi_berita: no such column"):
        plan([str(tmp_path / "d.csv")], parse_mapping(["text=isi_berita"]))
    with pytest.raises(InputError, match="no text or html column"):
        plan([str(tmp_path / "d.csv")])


@pytest.mark.parametrize(
    ("name", "unpack"),
    [("berita.7z", "7z x berita.7z"), ("Dump 1.rar", "unrar x 'Dump 1.rar'")],
)
def test_an_archive_not_read_is_refused_with_how_to_unpack_it(
    tmp_path: Path, name: str, unpack: str
) -> None:
    (tmp_path / name).write_bytes(gzip.compress(b"Judul\n" + BODY.encode()))
    with pytest.raises(InputError) as refused:
        plan([str(tmp_path / name)])
    assert str(refused.value) == (
        f"{tmp_path / name}: an archive is not read: unpack it ({unpack}) and build the folder"
    )


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        ("detik-2025/data_berita.csv", {"url", "title", "published", "text"}),
        (
            "gikirima-2025/sample40_berita_okezone.csv",
            {"url", "outlet", "title", "published", "text"},
        ),
        ("gikirima-2025/sample40_berita_kompas.csv", {"outlet", "published", "text"}),
    ],
)
def test_an_unmapped_dataset_is_refused_with_the_mapping_its_columns_suggest(
    name: str, fields: set[str]
) -> None:
    path = str(need_shared(RAW / name))
    with pytest.raises(InputError, match="no text or html column") as refused:
        plan([path])
    hint = re.search(r"try --map (\S+)$", str(refused.value))
    assert hint is not None, str(refused.value)
    mapping = parse_mapping([hint.group(1)])
    assert set(mapping) == fields
    records = [i for i in items([path], [hint.group(1)]) if isinstance(i, Record)]
    assert records and all(r.data and r.published for r in records)
    if "published" in fields and "+" in hint.group(1):  # the date and the time beside it
        assert mapping["published"] == (("date", "time"),)
        assert all(re.search(r"\d:\d\d", r.published or "") for r in records)


def test_a_json_export_with_schema_org_names_gets_a_working_hint(tmp_path: Path) -> None:
    # the names of schema.org's NewsArticle, as scrapers that read a page's JSON-LD keep them
    path = tmp_path / "d.jsonl"
    record = {"headline": "Judul", "articleBody": BODY, "datePublished": "2025-02-03T10:15:00",
              "publisher": "Kompas"}  # fmt: skip
    path.write_text(json.dumps(record) + "\n")
    with pytest.raises(InputError, match="no text or html column") as refused:
        plan([str(path)])
    hint = re.search(r"try --map (\S+)$", str(refused.value))
    assert hint is not None, str(refused.value)
    assert parse_mapping([hint.group(1)]) == {
        "outlet": (("publisher",),), "title": (("headline",),),
        "published": (("datePublished",),), "text": (("articleBody",),),
    }  # fmt: skip
    (got,) = [i for i in items([str(path)], [hint.group(1)]) if isinstance(i, Record)]
    assert (got.title, got.outlet, got.published) == ("Judul", "Kompas", "2025-02-03T10:15:00")


def test_columns_that_look_like_an_unmapped_field_are_named_in_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "d.csv"
    path.write_text(f"isi,Judul Berita,konten,tgl,jam,text2\n{BODY!r},Judul,x,2024-01-02,10:00,y\n")
    with caplog.at_level("WARNING", logger="warta.readers"):
        (got,) = plan([str(path)], parse_mapping(["text=isi"]))
    assert got.columns is not None
    assert (got.columns["text"], "title" in got.columns) == (("isi",), False)  # only a hint
    # `konten` is not offered for the text that `isi` already gives
    assert caplog.messages == [
        f"{path}: no title or published column, but Judul Berita and tgl+jam look like title"
        " and published: add --map 'title=Judul Berita,published=tgl+jam'"
    ]
    caplog.clear()
    with caplog.at_level("WARNING", logger="warta.readers"):
        plan([str(path)], parse_mapping(["text=isi,title=Judul Berita,published=tgl+jam"]))
    assert caplog.messages == []
    # a folder of datasets with one header: one warning for them all
    (tmp_path / "more").mkdir()
    for i in range(3):
        (tmp_path / "more" / f"e{i}.csv").write_text(f"text,judul\n{BODY!r},Judul\n")
    caplog.clear()
    with caplog.at_level("WARNING", logger="warta.readers"):
        plan([str(tmp_path / "more")])
    assert caplog.messages == [
        f"{tmp_path / 'more' / 'e0.csv'} (and 2 more like it): no title column, but judul"
        " looks like title: add --map title=judul"
    ]


def test_mapped_columns_match_like_unmapped_ones(tmp_path: Path) -> None:
    # spaces around the names of a hand-made header, case as a spreadsheet wrote it
    path = tmp_path / "d.csv"
    path.write_text("JUDUL,judul, isi_berita \nBesar,Kecil,Isi berita.\n")
    (got,) = items([str(path)], ["title=judul,text=isi_berita"])
    assert isinstance(got, Record)
    assert (got.title, got.data) == ("Kecil", "Isi berita.")  # spelled the same: that one
    (got,) = items([str(path)], ["title=Judul,text=ISI_berita"])
    assert isinstance(got, Record)
    assert got.title == "Besar"  # else the first that differs in case or spaces only
    message = r"--map title=nama: no such column \(columns: JUDUL, judul, ' isi_berita '\)$"
    with pytest.raises(InputError, match=message):
        plan([str(path)], parse_mapping(["title=nama"]))


def test_csv_records_locate_by_starting_line_and_reject_short_rows(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text(
        'judul,isi,tanggal\nSatu,"baris\ndua",10/21/2025 20:43\nDua,hanya dua\nTiga,isi,1/2/2025\n'
    )
    got = items([str(path)], ["title=judul,text=isi,published=tanggal"])
    assert [type(i).__name__ for i in got] == ["Record", "Rejected", "Record"]
    first, short, third = got
    assert isinstance(first, Record)
    assert first.locator == "2"
    assert first.data == "baris\ndua"
    assert first.fields
    assert first.title == "Satu"
    assert first.date_order == "MDY"
    assert isinstance(short, Rejected)
    assert short.provenance.locator == "4"
    assert short.reason == Reason.PARSE_ERROR
    assert "2 fields, the header has 3" in short.detail
    assert isinstance(third, Record)
    assert third.locator == "5"


def test_csv_row_with_more_fields_than_the_header_is_a_reject(tmp_path: Path) -> None:
    # an unquoted `;` in a title would shift every later column by one
    path, body = tmp_path / "d.csv", BODY.replace("\n", " ")
    path.write_text(f"title;published;text\nSatu;1/2/2025;{body}\n"
                    f"Dua; bagian dua;1/2/2025;{body}\nTiga;1/2/2025;{body}\n")  # fmt: skip
    got = items([str(path)])
    assert [type(i).__name__ for i in got] == ["Record", "Rejected", "Record"]
    long = got[1]
    assert isinstance(long, Rejected)
    assert (long.provenance.locator, long.reason) == ("3", Reason.PARSE_ERROR)
    assert long.detail == "row has 4 fields, the header has 3"
    assert [i.title for i in got if isinstance(i, Record)] == ["Satu", "Tiga"]


def test_a_csv_quote_that_is_never_closed_is_a_reject_naming_the_lines_it_took(
    tmp_path: Path,
) -> None:
    """A stray quote opens a field that runs to the end of the file: the rows after it are
    in that one field, so that row is a reject saying which lines it took, not an article
    holding them; a quote closed before the end is a row over many lines as ever."""
    body = BODY.replace("\n", " ")
    path = tmp_path / "d.csv"
    path.write_text(f'title,text\nSatu,"{body}\nDua,{body}\nTiga,{body}\n')
    (cut,) = items([str(path)])
    assert isinstance(cut, Rejected)
    assert (cut.provenance.locator, cut.reason) == ("2", Reason.PARSE_ERROR)
    assert cut.detail == (
        "a quote opened in this row is not closed before the end of the file:"
        " lines 2-4 were read as one row (a stray quote, or a file cut short)"
    )
    # a stray quote closed by the next one: the row's lines are named
    path.write_text(f'title,text\nSatu,{body}\nDua,"{body}\nTiga,"Judul, kata warga\n'
                    f'Empat,"dua\nbaris"')  # fmt: skip
    got = items([str(path)])
    assert [i.locator if isinstance(i, Record) else i.detail for i in got] == [
        "2", "row has 3 fields, the header has 2 (lines 3-4 were read as one row: a quote in"
        " it may not be closed)", "5"]  # fmt: skip


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_csv_separated_otherwise_than_by_commas(tmp_path: Path, sep: str) -> None:
    # spreadsheets set to Indonesian save CSV with `;`; the body holds commas
    path = tmp_path / ("d.tsv" if sep == "\t" else "d.csv")
    path.write_text(sep.join(["judul", "isi", "tanggal"]) + "\n"
                    + sep.join(["Satu", "Kata, koma, dan titik.", "1/2/2025"]) + "\n")  # fmt: skip
    (got,) = items([str(path)], ["title=judul,text=isi,published=tanggal"])
    assert isinstance(got, Record)
    assert (got.title, got.data, got.published) == ("Satu", "Kata, koma, dan titik.", "1/2/2025")


@pytest.mark.parametrize("name", ["d.tsv", "d.tsv.gz"])
def test_a_tsv_of_one_column_is_split_by_tabs_not_commas(tmp_path: Path, name: str) -> None:
    # a header of one name splits alike by every separator: the file's name decides
    raw = b"isi\nPresiden, kata warga, meresmikan jembatan.\nDua.\n"
    (tmp_path / name).write_bytes(gzip.compress(raw) if name.endswith(".gz") else raw)
    got = items([str(tmp_path / name)], ["text=isi"])
    assert [i.data if isinstance(i, Record) else i.detail for i in got] == [
        "Presiden, kata warga, meresmikan jembatan.", "Dua."]  # fmt: skip


def test_a_column_name_given_twice_reads_its_first_column(tmp_path: Path) -> None:
    # as a name that differs only in case does (`resolve_columns`): not the last one
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "d.csv").write_text(f"title,text,text\nSatu,{BODY.replace(chr(10), ' ')},x\n")
    table = pa.Table.from_arrays([pa.array(["Dua"]), pa.array([BODY]), pa.array(["x"])],
                                 names=["title", "text", "text"])  # fmt: skip
    pq.write_table(table, tmp_path / "d.parquet")
    got = items([str(tmp_path / "d.csv"), str(tmp_path / "d.parquet")])
    assert [(i.title, i.data) if isinstance(i, Record) else i.detail for i in got] == [
        ("Satu", BODY.replace("\n", " ")), ("Dua", BODY)]  # fmt: skip


def test_datasets_in_windows_1252_keep_their_letters(tmp_path: Path) -> None:
    # a spreadsheet's export and a JSON line in Windows-1252: no U+FFFD, no reject; and a
    # UTF-8 field with one stray Windows-1252 byte keeps its UTF-8 letters
    (tmp_path / "d.csv").write_bytes("title,text\nCafé “Kopi”,Isi café.\n".encode("cp1252")
                                     + "Café “Kopi”,Isi “caf".encode() + b"\xe9"
                                     + "”.\n".encode())  # fmt: skip
    line = json.dumps({"title": "Café", "text": "Isi “café”."}, ensure_ascii=False)
    (tmp_path / "d.jsonl").write_bytes(
        line.encode("cp1252") + b"\n" + line.encode().replace("é".encode(), b"\xe9") + b"\n"
    )
    got = items([str(tmp_path / "d.csv"), str(tmp_path / "d.jsonl")])
    assert [(i.title, i.data) for i in got if isinstance(i, Record)] == [
        ("Café “Kopi”", "Isi café."), ("Café “Kopi”", "Isi “café”."),
        ("Café", "Isi “café”."), ("Café", "Isi “café”.")]  # fmt: skip


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_datasets_in_utf16_with_a_byte_order_mark(tmp_path: Path, encoding: str) -> None:
    # Excel's "Unicode text" is UTF-16 with a BOM; so is Windows PowerShell's `>`
    bom = {"utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    rows = "judul\tisi\r\nCafé “Kopi”\tIsi pertama.\r\nDua\tIsi kedua.\r\n"
    (tmp_path / "d.tsv").write_bytes(bom + rows.encode(encoding))
    line = json.dumps({"title": "Café", "text": "Isi “café”."}, ensure_ascii=False) + "\r\n"
    (tmp_path / "d.jsonl.gz").write_bytes(gzip.compress(bom + (line * 2).encode(encoding)))
    paths = [str(tmp_path / name) for name in ("d.tsv", "d.jsonl.gz")]
    got = items(paths, ["title=judul|title,text=isi|text"])
    assert [(i.title, i.data) if isinstance(i, Record) else i.detail for i in got] == [
        ("Café “Kopi”", "Isi pertama."), ("Dua", "Isi kedua."),
        ("Café", "Isi “café”."), ("Café", "Isi “café”.")]  # fmt: skip


def test_empty_or_unreadable_datasets_are_rejects_not_errors(tmp_path: Path) -> None:
    # nothing to check a mapping against: the build goes on, and each input is accounted for
    for name in ("empty.jsonl", "empty.csv", "header.csv"):
        (tmp_path / name).write_text("text,judul\n" if name == "header.csv" else "")
    packed = gzip.compress((json.dumps({"text": BODY}) + "\n").encode() * 50)
    (tmp_path / "cut.jsonl.gz").write_bytes(packed[:12])  # cut inside the first line
    packed = _compress((json.dumps({"text": BODY}) + "\n").encode() * 50, ".zst")
    (tmp_path / "cut.jsonl.zst").write_bytes(packed[:-3])  # its one block is cut
    got = items([str(p) for p in sorted(tmp_path.iterdir())], ["title=judul"])
    assert all(isinstance(i, Rejected) for i in got)
    reasons = {Path(i.provenance.source).name: i.reason for i in got if isinstance(i, Rejected)}
    empty, cut = Reason.EMPTY_BODY, Reason.UNREADABLE
    assert reasons == {"cut.jsonl.gz": cut, "cut.jsonl.zst": cut, "empty.csv": empty,
                       "empty.jsonl": empty, "header.csv": empty}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "said"),
    [("notgzip.jsonl.gz", "BadGzipFile: Not a gzipped file"),
     ("notzstd.csv.zst", "ZstdError"),
     ("notparquet.parquet", "ArrowInvalid: Parquet magic bytes not found")],
)  # fmt: skip
def test_a_dataset_that_is_not_its_format_is_one_reject_with_no_line(
    tmp_path: Path, name: str, said: str
) -> None:
    """Nothing was read, so no line or row is named (not 'cannot read on from here' at 1)."""
    (tmp_path / name).write_text(json.dumps({"text": BODY}) + "\n")
    (got,) = items([str(tmp_path / name)], ["text=text"])
    assert isinstance(got, Rejected) and got.reason == Reason.UNREADABLE
    assert got.provenance.locator == ""
    assert got.detail.startswith(f"cannot read {tmp_path / name}: {said}")


def test_jsonl_columns_are_the_keys_of_its_first_records(tmp_path: Path) -> None:
    # the first record lacks the mapped key (a bad record): the mapping still holds
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join([json.dumps({"judul": "A"}),
                               json.dumps({"judul": "B", "isi": BODY})]) + "\n")  # fmt: skip
    got = items([str(path)], ["title=judul,text=isi"])
    assert [type(i).__name__ for i in got] == ["Rejected", "Record"]
    with pytest.raises(InputError, match="no such column"):
        items([str(path)], ["text=body"])


def test_date_order_detected_per_column(tmp_path: Path) -> None:
    (tmp_path / "dmy.csv").write_text("text,published\na,01/02/2025\nb,21/10/2025\n")
    (tmp_path / "none.csv").write_text("text,published\na,01/02/2025\nb,3 Mei 2025\n")
    orders = {i.path.name: i.date_order for i in plan([str(tmp_path)])}
    assert orders == {"dmy.csv": "DMY", "none.csv": None}
    assert plan([str(tmp_path / "none.csv")], date_order="MDY")[0].date_order == "MDY"


def test_jsonl_malformed_line_is_a_reject_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    lines = [
        json.dumps({"title": "A", "text": BODY}),
        "{not json",
        "",
        json.dumps([1]),
        json.dumps({"title": "B", "text": ""}),
        json.dumps({"html": "<html><p>x</p></html>"}),
    ]
    path.write_text("\n".join(lines) + "\n")  # fmt: skip
    got = items([str(path)])
    kinds = [(type(i).__name__, i.locator if isinstance(i, Record) else i.provenance.locator)
             for i in got]  # fmt: skip
    assert kinds == [("Record", "1"), ("Rejected", "2"), ("Rejected", "4"), ("Rejected", "5"),
                     ("Record", "6")]  # fmt: skip
    assert isinstance(got[1], Rejected)
    assert got[1].detail.startswith("not JSON")
    assert isinstance(got[4], Record)
    assert got[4].data == "<html><p>x</p></html>"
    assert where("data.jsonl", "2") == "data.jsonl:2"


@pytest.mark.parametrize("name", ["data.jsonl", "data.json", "data.jsonl.gz"])
def test_json_lines_ended_by_carriage_returns_alone_are_lines(tmp_path: Path, name: str) -> None:
    r"""Lines ended by `\r` alone (as old Mac editors write them) were one line: its first
    record's `not JSON: Extra data` reject, the others lost. A file with no `\n` in its
    first block reads `\r` as the line end; a `\r` in a file of `\n` lines is left alone."""
    records = [{"title": f"J{n}", "text": BODY} for n in range(3)]
    raw = b"".join(json.dumps(r).encode() + b"\r" for r in records)
    raw = raw.replace(b"\r", b"\r\r", 1)  # a blank line, which is skipped
    path = tmp_path / name
    path.write_bytes(gzip.compress(raw) if name.endswith(".gz") else raw)
    got = items([str(path)])
    assert [(i.title, i.locator) for i in got if isinstance(i, Record)] == [
        ("J0", "1"), ("J1", "3"), ("J2", "4")]  # fmt: skip
    # in a file of \n lines, a \r between a record's tokens is JSON whitespace, in a short
    # first line or a long one
    for text in ("isi", BODY * 3):
        first = json.dumps({"title": "K", "text": text}).replace('"text"', '\r"text"')
        raw = f'{first}\n{{"title": "L", "text": "isi"}}\n'.encode()
        path.write_bytes(gzip.compress(raw) if name.endswith(".gz") else raw)
        got = [(i.title, i.locator) for i in items([str(path)]) if isinstance(i, Record)]
        assert got == [("K", "1"), ("L", "2")]


def test_a_json_value_nested_too_deeply_costs_its_own_record(tmp_path: Path) -> None:
    # Python's JSON decoder gives up on deep nesting with a RecursionError, and on a number of
    # over 4,300 digits with a ValueError, not a JSONDecodeError: in JSON Lines that is one
    # bad line, in an array one bad item, and the records after it are read
    deep = '{"x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    digits = '{"x": [' + "9" * 5000 + "]}"
    record = json.dumps({"text": BODY})
    (tmp_path / "d.jsonl").write_text(f"{record}\n{deep}\n{record}\n{digits}\n{record}\n")
    (tmp_path / "d.json").write_text(f"[{record}, {deep}, {record}, {digits}, {record}]")
    got = items([str(tmp_path / "d.jsonl"), str(tmp_path / "d.json")])
    located = [i.locator if isinstance(i, Record) else (i.provenance.locator, i.reason, i.detail)
               for i in got]  # fmt: skip
    many = ("not JSON: Exceeds the limit (4300 digits) for integer string conversion: value"
            " has 5000 digits; use sys.set_int_max_str_digits() to increase the limit")  # fmt: skip
    assert located == [
        "1", ("2", Reason.PARSE_ERROR, "not JSON: nested too deeply"), "3",
        ("4", Reason.PARSE_ERROR, many), "5",
        "item 0", ("item 1", Reason.PARSE_ERROR, "not JSON: nested too deeply"), "item 2",
        ("item 3", Reason.PARSE_ERROR, many), "item 4",
    ]  # fmt: skip


def _stored(tmp_path: Path, path: Path, mapping: list[str] | None = None) -> dict[str, Any]:
    """Build a store of `path` alone: each locator's article (title, published, text, where
    its published value came from) or reject reason."""
    import sqlite3

    from warta.build import build

    db = tmp_path / "c.db"
    stats = build([str(path)], db, mapping=mapping or [], workers=1)
    assert stats.conserved
    with sqlite3.connect(db) as con:
        source = "json_extract(json, '$.published_at_source')"
        query = f"SELECT locator, title, published_at, text, {source} FROM articles"
        rows = con.execute(query).fetchall()
        rejects = con.execute("SELECT locator, reason FROM rejects").fetchall()
    con.close()
    return {loc: tuple(rest) for loc, *rest in rows} | dict(rejects)


PARAGRAPHS = "".join(f"<p>{BODY} Paragraf {n} berisi kalimat yang cukup panjang.</p>"
                     for n in range(6))  # fmt: skip


@pytest.mark.parametrize(
    "page",
    [
        f"<!-- saved from url=(0022)https://detik.com/ -->\n<!DOCTYPE html><html><body>"
        f"{PARAGRAPHS}</body></html>",
        f'<?xml version="1.0" encoding="UTF-8"?>\n<html><body>{PARAGRAPHS}</body></html>',
        f"\ufeff<html><body>{PARAGRAPHS}</body></html>",
        f"<body>{PARAGRAPHS}</body>",
        f"<div class='isi'>{PARAGRAPHS}</div>",
    ],
)
def test_html_in_a_dataset_text_field_is_parsed_as_a_page(tmp_path: Path, page: str) -> None:
    """A text field is told HTML by the same rule as a capture file, so it is stored alike."""
    (tmp_path / "d.jsonl").write_text(json.dumps({"text": page}) + "\n")
    (tmp_path / "page.html").write_text(page)
    from_dataset, from_file = _stored(tmp_path, tmp_path / "d.jsonl")["1"], None
    (tmp_path / "c.db").unlink()
    from_file = _stored(tmp_path, tmp_path / "page.html")[""]
    assert isinstance(from_dataset, tuple) and "<p>" not in from_dataset[2]
    assert from_dataset == from_file


def test_plain_text_holding_a_less_than_sign_stays_text(tmp_path: Path) -> None:
    text = f"<3 untuk Jakarta.\n{BODY} Harga naik <b>lima</b> persen."
    (tmp_path / "d.jsonl").write_text(json.dumps({"title": "Judul", "text": text}) + "\n")
    title, _, stored, _ = _stored(tmp_path, tmp_path / "d.jsonl")["1"]
    assert (title, stored.split("\n\n")[0]) == ("Judul", "<3 untuk Jakarta.")
    assert "<b>lima</b>" in stored


PAGE = f"<html><body><article>{PARAGRAPHS}</article></body></html>"
DATELINE = "Kamis, 30 Desember 2021 - 19:18 WIB"


@pytest.mark.parametrize("column", ["html", "text"])
def test_a_page_in_a_dataset_takes_the_record_title_and_published(
    tmp_path: Path, column: str
) -> None:
    """A page without a title or a date of its own: the record's are used, and its date
    marks the page an article (one without article markup and a date is not one)."""
    short = f"<html><body><p>{BODY} Satu.</p><p>{BODY} Dua.</p></body></html>"
    rows = [{"title": "Judul dari dataset", "published": DATELINE, column: page}
            for page in (PAGE, short)] + [{"title": "Tanpa tanggal", column: short}]  # fmt: skip
    (tmp_path / "d.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    stored = _stored(tmp_path, tmp_path / "d.jsonl")
    for locator in ("1", "2"):
        title, published, text, source = stored[locator]
        assert (title, published) == ("Judul dari dataset", "2021-12-30T19:18:00+07:00")
        assert source == "record:published"
        assert text.startswith(BODY.split("\n")[0]) and "<p>" not in text
    assert stored["3"] == "not_an_article"


def test_the_record_title_and_published_win_over_the_page_own(tmp_path: Path) -> None:
    page = PAGE.replace(
        "<html>",
        "<html><head><title>Judul halaman</title><meta property="
        '"article:published_time" content="2021-12-29T08:00:00+07:00"></head>',
    )
    rows = [{"title": "Judul dari dataset", "published": DATELINE, "html": page},
            {"title": "", "published": "", "html": page},
            {"published": "kemarin sore", "html": page}]  # fmt: skip
    (tmp_path / "d.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    stored = _stored(tmp_path, tmp_path / "d.jsonl")
    assert stored["1"][:2] == ("Judul dari dataset", "2021-12-30T19:18:00+07:00")
    assert stored["2"][:2] == ("Judul halaman", "2021-12-29T08:00:00+07:00")  # what it lacks
    assert stored["3"][:2] == ("Judul halaman", "2021-12-29T08:00:00+07:00")  # holds no date


def test_json_file_holding_one_array_or_json_lines(tmp_path: Path) -> None:
    records = [{"title": f"Judul {i}", "text": f"{BODY} {i}"} for i in range(3)]
    array = json.dumps([records[0], 7, records[1], records[2]], indent=2).encode()
    (tmp_path / "array.json").write_bytes(array)
    (tmp_path / "lines.json").write_text("".join(json.dumps(r) + "\n" for r in records))
    # an array cut off inside an element: what came before it is kept, the rest is a reject
    (tmp_path / "cut.json.gz").write_bytes(gzip.compress(array[: array.index(b"Judul 2")]))
    got = {name: items([str(tmp_path / name)]) for name in ("array.json", "lines.json",
                                                            "cut.json.gz")}  # fmt: skip
    located = [(type(i).__name__, i.locator if isinstance(i, Record) else i.provenance.locator)
               for i in got["array.json"]]  # fmt: skip
    assert located == [("Record", "item 0"), ("Rejected", "item 1"), ("Record", "item 2"),
                       ("Record", "item 3")]  # fmt: skip
    assert [i.title for i in got["array.json"] if isinstance(i, Record)] == [
        "Judul 0", "Judul 1", "Judul 2"]  # fmt: skip
    assert where("array.json", "item 1") == "array.json@item 1"
    assert [i.locator for i in got["lines.json"] if isinstance(i, Record)] == ["1", "2", "3"]
    *kept, cut = got["cut.json.gz"]
    assert [i.title for i in kept if isinstance(i, Record)] == ["Judul 0", "Judul 1"]
    assert isinstance(cut, Rejected) and cut.provenance.locator == "item 3"
    assert "ends inside" in cut.detail
    # objects printed over many lines, one after another (`json.dump(..., indent=2)`)
    (tmp_path / "pretty.json").write_text("\n".join(json.dumps(r, indent=2) for r in records))
    pretty = items([str(tmp_path / "pretty.json")])
    assert [(i.locator, i.title) for i in pretty if isinstance(i, Record)] == [
        ("item 0", "Judul 0"), ("item 1", "Judul 1"), ("item 2", "Judul 2")]  # fmt: skip


@pytest.mark.parametrize("indent", [None, 2])
def test_a_json_object_wrapping_the_records_gives_them(tmp_path: Path, indent: int | None) -> None:
    # a news API's answer saved as it came: its list of articles are the records
    articles = [{"source": {"name": "Kompas"}, "title": f"Judul {i}", "content": f"{BODY} {i}",
                 "publishedAt": "2025-02-03T03:15:00Z"} for i in range(3)]  # fmt: skip
    answer = {"status": "ok", "totalResults": 4, "articles": [articles[0], 7, *articles[1:]]}
    path = tmp_path / "answer.json.gz"
    path.write_bytes(gzip.compress(json.dumps(answer, indent=indent).encode()))
    with pytest.raises(InputError, match="no text or html column") as refused:
        plan([str(path)])  # the columns are the articles' keys
    hint = "outlet=source,published=publishedAt,text=content"
    assert str(refused.value).endswith(f"try --map {hint}")
    got = items([str(path)], [hint])
    located = [(type(i).__name__, i.locator if isinstance(i, Record) else i.provenance.locator)
               for i in got]  # fmt: skip
    assert located == [("Record", "articles 0"), ("Rejected", "articles 1"),
                       ("Record", "articles 2"), ("Record", "articles 3")]  # fmt: skip
    assert [(i.title, i.published, i.outlet) for i in got if isinstance(i, Record)] == [
        (f"Judul {i}", "2025-02-03T03:15:00Z", "Kompas") for i in range(3)]  # fmt: skip
    assert where(str(path), "articles 1") == f"{path}@articles 1"
    bad = got[1]
    assert isinstance(bad, Rejected) and bad.detail == "not a JSON object: int"
    # one level further down, as some portals' own APIs answer
    nested = tmp_path / "nested.json"
    nested.write_text(json.dumps({"code": 200, "data": {"page": 1, "list": articles}}))
    assert [i.locator for i in items([str(nested)], [hint]) if isinstance(i, Record)] == [
        "data.list 0", "data.list 1", "data.list 2"]  # fmt: skip


def test_a_json_record_with_a_list_of_objects_is_not_a_wrapper(tmp_path: Path) -> None:
    # its text (or a long string) says it is a record; two objects are two records
    record = {"title": "Judul", "text": BODY, "comments": [{"user": "a", "says": "Setuju."}]}
    untitled = {"judul": "Judul", "isi": BODY * 5, "tags": [{"tag": "politik"}]}
    (tmp_path / "one.json").write_text(json.dumps(record))
    (tmp_path / "isi.json").write_text(json.dumps(untitled, indent=2))
    (tmp_path / "two.json").write_text(f"{json.dumps({'items': [record]})}\n" * 2)
    (got,) = items([str(tmp_path / "one.json")])
    assert isinstance(got, Record) and (got.locator, got.title) == ("1", "Judul")
    (got,) = items([str(tmp_path / "isi.json")], ["title=judul,text=isi"])
    assert isinstance(got, Record) and (got.locator, got.title) == ("item 0", "Judul")
    with pytest.raises(InputError, match=r"no text or html column \(columns: items\)"):
        plan([str(tmp_path / "two.json")])


@pytest.mark.parametrize("first", ['["url", "title", "text"]', "{", "[", "  [1, 2]"])
@pytest.mark.parametrize("name", ["d.jsonl", "d.ndjson.gz"])
def test_json_lines_are_read_line_by_line_whatever_the_first_line_is(
    tmp_path: Path, first: str, name: str
) -> None:
    # a header line, or a lone bracket, is one bad line: the lines after it are records
    raw = "".join(line + "\n" for line in [first] + [json.dumps({"text": f"{BODY} {n}"})
                                                      for n in range(3)]).encode()  # fmt: skip
    path = tmp_path / name
    path.write_bytes(gzip.compress(raw) if name.endswith(".gz") else raw)
    got = items([str(path)])
    assert [type(i).__name__ for i in got] == ["Rejected", "Record", "Record", "Record"]
    bad = got[0]
    assert isinstance(bad, Rejected)
    assert (bad.provenance.locator, bad.reason) == ("1", Reason.PARSE_ERROR)
    assert bad.detail.startswith(("not JSON", "not a JSON object"))
    assert [i.locator for i in got[1:] if isinstance(i, Record)] == ["2", "3", "4"]


def test_a_json_array_followed_by_more_values_is_read_on(tmp_path: Path) -> None:
    # `.json` is sniffed: the array's items, then the values after its `]`, nothing dropped
    path = tmp_path / "d.json"
    path.write_text('["url", "title", "text"]\n'
                    + "".join(json.dumps({"text": f"{BODY} {n}"}) + "\n" for n in range(2))
                    + "ekor\n")  # fmt: skip
    got = items([str(path)])
    located = [(type(i).__name__, i.locator if isinstance(i, Record) else i.provenance.locator)
               for i in got]  # fmt: skip
    assert located == [("Rejected", "item 0"), ("Rejected", "item 1"),
                       ("Rejected", "item 2"), ("Record", "item 3"), ("Record", "item 4"),
                       ("Rejected", "item 5")]  # fmt: skip
    assert isinstance(got[-1], Rejected)
    assert got[-1].detail.startswith("not JSON")


def test_json_with_a_utf8_byte_order_mark(tmp_path: Path) -> None:
    # Windows PowerShell writes UTF-8 with a BOM: it is no part of the first record
    records = [{"title": f"Judul {n}", "text": f"{BODY} {n}"} for n in range(2)]
    (tmp_path / "array.json").write_text(json.dumps(records, indent=1), encoding="utf-8-sig")
    (tmp_path / "pretty.json").write_text("\n".join(json.dumps(r, indent=1) for r in records),
                                          encoding="utf-8-sig")  # fmt: skip
    (tmp_path / "lines.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records),
                                          encoding="utf-8-sig")  # fmt: skip
    for name in ("array.json", "pretty.json", "lines.jsonl"):
        got = items([str(tmp_path / name)])
        titles = [i.title if isinstance(i, Record) else i.detail for i in got]
        assert titles == ["Judul 0", "Judul 1"], name


def test_json_files_in_a_folder_are_left_alone(tmp_path: Path) -> None:
    # beside captures a .json file is often a page's metadata: read only when named
    (tmp_path / "a.txt").write_text("Judul\n" + BODY)
    (tmp_path / "a.json").write_text(json.dumps({"url": "https://news.example/a"}, indent=2))
    (tmp_path / "b.jsonl").write_text(json.dumps({"text": BODY}) + "\n")
    assert [(i.kind, i.path.name) for i in plan([str(tmp_path)])] == [
        ("folder", tmp_path.name), ("jsonl", "b.jsonl")]  # fmt: skip


def test_pages_a_site_mirror_saved_under_other_names_are_captures(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # `wget -m` keeps a page's path (no suffix), its query string and a server's suffix
    pages = ["berita/2025/02/03/harga-beras-naik", "index.php?id=3", "b.aspx", "a.html.1",
             "2025.02.03-judul"]  # fmt: skip
    for n, rel in enumerate(pages):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(PAGE.replace("<article>", f"<article><h1>Judul {n}</h1>"))
    (tmp_path / "a.html").write_text(PAGE)
    # named like a page but not one: a text, binary bytes; named like other files: not read
    (tmp_path / "CATATAN").write_text("Judul\n" + BODY)
    (tmp_path / "data.php").write_bytes(b"\x00\x01<html>")
    (tmp_path / "app.js").write_text("<html></html>")
    (tmp_path / ".hidden").write_text(PAGE)
    os.mkfifo(tmp_path / "antrian")  # looked at without waiting for a writer
    with caplog.at_level("WARNING", logger="warta.readers"):
        (folder,) = plan([str(tmp_path)])
    assert folder.pages == frozenset(pages)
    assert caplog.messages == [
        f"{tmp_path}: 4 files left out by their names (1 CATATAN, 1 antrian, 1 .js, 1 .php): a"
        " build reads"
        " .txt and .html captures (and pages saved under other names that open like HTML),"
        " datasets and web archives (a .json file, or a .zip or .tar archive, in a folder is"
        " read only when named)"
    ]
    got = items([str(tmp_path)])
    assert all(isinstance(i, Record) for i in got)
    assert sorted(os.path.relpath(i.source, tmp_path) for i in got) == sorted([*pages, "a.html"])
    # named on its own: read when it opens like a page, else refused before any work
    (named,) = plan([str(tmp_path / "index.php?id=3")])
    assert named.kind == "capture"
    with pytest.raises(InputError, match="CATATAN: unknown input format"):
        plan([str(tmp_path / "CATATAN")])
    assert read_capture_names(tmp_path) == sorted([*pages, "a.html"])


def read_capture_names(folder: Path) -> list[str]:
    """The captures `warta clean` reads in a folder (`is_capture`), relative to it."""
    from warta.readers import is_capture

    return sorted(os.path.relpath(p, folder) for p in folder.rglob("*") if is_capture(p))


def _archive(path: Path, files: dict[str, bytes]) -> None:
    """A zip or tar archive at `path` (by its name) holding `files`, in that order."""
    import tarfile
    import zipfile

    if path.name.endswith(".zip"):
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in files.items():
                z.writestr(name, data)
        return
    with tarfile.open(path, "w:gz" if path.name.endswith("gz") else "w") as t:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize("name", ["dump.zip", "dump.tar.gz", "dump.tgz", "dump.tar"])
def test_an_archive_of_captures_is_read_as_a_folder(
    tmp_path: Path, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    files = {
        "2025/b.html": PAGE.encode(), "2025/a.txt": f"Judul\n{BODY}".encode(),
        "c.html.gz": gzip.compress(PAGE.encode()), "foto.png": b"\x89PNG", "c.json": b"{}",
        "rusak.html.gz": b"bukan gzip",
        "__MACOSX/2025/._b.html": b"\x00\x05\x16\x07", "2025/._a.txt": b"\x00\x05",
        "besar.html": b"<p>" + b"x" * 2000 + b"</p>",
        "besar.html.gz": gzip.compress(b"<p>" + b"x" * 2000 + b"</p>"),  # 41 bytes packed
    }  # fmt: skip
    _archive(tmp_path / name, files)
    with caplog.at_level("WARNING", logger="warta.readers"):
        (archive,) = plan([str(tmp_path / name)])
    assert archive.kind == "archive"
    gz = "z" if "gz" in name else ""
    unpack = "unzip dump.zip -d dump" if name.endswith("zip") else f"tar -x{gz}f {name}"
    assert caplog.messages == [
        f"{tmp_path / name}: 2 files left out (1 .png, 1 .json): an archive's .txt and .html"
        f" captures and datasets are read; unpack it ({unpack}) to build the others"
    ]
    got = list(read(archive, 1000).items)  # `besar.html` is over 1,000 bytes
    sources = [i.source if isinstance(i, Record) else i.provenance.source for i in got]
    assert sources == [f"{tmp_path / name}/{m}" for m in
                       ("2025/b.html", "2025/a.txt", "c.html.gz", "rusak.html.gz",
                        "besar.html", "besar.html.gz")]  # fmt: skip
    assert [i.data for i in got[:3] if isinstance(i, Record)] == [
        PAGE.encode(), f"Judul\n{BODY}".encode(), PAGE.encode()]  # fmt: skip
    bad, big, packed = got[3:]
    # a member that cannot be read costs only itself, in a zip and in a tar
    assert isinstance(bad, Rejected) and bad.reason == Reason.UNREADABLE
    assert "BadGzipFile" in bad.detail
    assert isinstance(big, Rejected) and big.reason == Reason.TOO_LARGE
    assert big.detail == "more than 1,000 bytes is over the limit of 1,000 (--max-bytes)"
    # a compressed member's limit counts its bytes decompressed, as a compressed file's does
    assert isinstance(packed, Rejected) and packed.reason == Reason.TOO_LARGE
    assert packed.detail == (
        "more than 1,000 bytes once decompressed is over the limit of 1,000 (--max-bytes)"
    )
    # the same archive, planned again: the same captures (a resumed build skips by count)
    assert plan([str(tmp_path / name)])[0].listing == archive.listing


def test_a_damaged_archive_is_a_reject_and_costs_nothing_else(tmp_path: Path) -> None:
    pages = {f"{n}.html": PAGE.replace("Paragraf", f"Bagian {n}").encode() * 40 for n in range(3)}
    _archive(tmp_path / "whole.tar.gz", pages)
    whole = (tmp_path / "whole.tar.gz").read_bytes()
    (tmp_path / "cut.tar.gz").write_bytes(whole[: len(whole) * 2 // 3])  # a download cut short
    (tmp_path / "bad.zip").write_bytes(gzip.compress(PAGE.encode()))  # not a zip
    got = items([str(tmp_path / n) for n in ("cut.tar.gz", "bad.zip", "whole.tar.gz")])
    kept = [i.source.rpartition("/")[2] for i in got if isinstance(i, Record)]
    rejected = [i for i in got if isinstance(i, Rejected)]
    assert kept[-3:] == ["0.html", "1.html", "2.html"] and 1 <= len(kept) - 3 <= 2
    # the cut: the member it falls in (if it falls in one), and the archive from there on
    *cuts, bad = rejected
    assert 1 <= len(cuts) <= 2
    assert cuts[-1].provenance.source == str(tmp_path / "cut.tar.gz")
    assert cuts[-1].detail.startswith("cannot read on from here (after ")
    for cut in cuts:
        assert cut.provenance.source.startswith(str(tmp_path / "cut.tar.gz"))
        assert (cut.reason, cut.detail.endswith("EOFError: Compressed file ended before the"
                                                " end-of-stream marker was reached")) == (
            Reason.UNREADABLE, True)  # fmt: skip
    assert (bad.provenance.source, bad.reason) == (str(tmp_path / "bad.zip"), Reason.UNREADABLE)
    assert bad.detail == f"cannot read {tmp_path / 'bad.zip'}: BadZipFile: File is not a zip file"


@pytest.mark.parametrize("name", ["data.zip", "data.tar.gz"])
def test_the_datasets_in_an_archive_are_inputs_of_their_own(tmp_path: Path, name: str) -> None:
    # a dataset as it is often shared (Kaggle): a CSV, a JSON Lines and a Parquet file zipped
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = io.BytesIO()
    pq.write_table(pa.table({"title": ["P"], "text": [BODY]}), table)
    lines = gzip.compress(json.dumps({"title": "J", "text": BODY}).encode() + b"\n")
    _archive(tmp_path / name, {"berita/isi.csv": f'judul,isi\nC,"{BODY}"\n'.encode(),
                               "berita/lagi.jsonl.gz": lines, "tabel.parquet": table.getvalue(),
                               "a.txt": f"Judul\n{BODY}".encode()})  # fmt: skip
    inputs = plan([str(tmp_path / name)], parse_mapping(["title=judul|title,text=isi|text"]))
    assert [(i.kind, i.name, i.member) for i in inputs] == [
        ("archive", str(tmp_path / name), ""),
        ("csv", f"{tmp_path / name}/berita/isi.csv", "berita/isi.csv"),
        ("jsonl", f"{tmp_path / name}/berita/lagi.jsonl.gz", "berita/lagi.jsonl.gz"),
        ("parquet", f"{tmp_path / name}/tabel.parquet", "tabel.parquet"),
    ]
    got = [(i.source, i.locator, i.title) for inp in inputs for i in read(inp, 1 << 20).items
           if isinstance(i, Record)]  # fmt: skip
    assert got == [
        (f"{tmp_path / name}/a.txt", "", None),
        (f"{tmp_path / name}/berita/isi.csv", "2", "C"),
        (f"{tmp_path / name}/berita/lagi.jsonl.gz", "1", "J"),
        (f"{tmp_path / name}/tabel.parquet", "row 0", "P"),
    ]
    # a dataset in an archive is refused as one outside it: a column the mapping names is
    # missing, or none holds the text
    with pytest.raises(InputError, match=r"isi.csv: no text or html column"):
        plan([str(tmp_path / name)])


def test_an_archive_with_nothing_to_read_is_refused_with_how_to_unpack_it(tmp_path: Path) -> None:
    _archive(tmp_path / "foto.zip", {"a.png": b"\x89PNG", "b.pdf": b"%PDF"})
    with pytest.raises(
        InputError,
        match=r"foto.zip: no captures or datasets in this archive"
        r" \(2 files\); unpack it \(unzip foto.zip -d foto\) to build what",
    ):
        plan([str(tmp_path / "foto.zip")])


COMPRESSED = [".gz", ".zst", ".bz2", ".xz"]


def _compress(data: bytes, suffix: str) -> bytes:
    import bz2
    import lzma

    import zstandard

    if suffix == ".bz2":  # blocks of 100 KB: a file cut short keeps the whole blocks before
        return bz2.compress(data, compresslevel=1)
    if suffix == ".xz":
        return lzma.compress(data)
    return gzip.compress(data) if suffix == ".gz" else zstandard.ZstdCompressor().compress(data)


@pytest.mark.parametrize("suffix", COMPRESSED)
def test_compressed_inputs(tmp_path: Path, suffix: str) -> None:
    raw = (json.dumps({"text": BODY}) + "\n").encode() * 3
    (tmp_path / f"data.jsonl{suffix}").write_bytes(_compress(raw, suffix))
    table = "title,text\r\nJudul,Isi berita\r\n".encode("utf-16")  # peeked at for its mark
    (tmp_path / f"data.csv{suffix}").write_bytes(_compress(table, suffix))
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / f"a.txt{suffix}").write_bytes(_compress(b"Judul\n" + BODY.encode(), suffix))
    got = items([str(tmp_path / f"data.jsonl{suffix}"), str(tmp_path / f"data.csv{suffix}")])
    assert [i.locator for i in got if isinstance(i, Record)] == ["1", "2", "3", "2"]
    assert got[-1].data == "Isi berita"  # type: ignore[union-attr]
    [capture] = items([str(tmp_path / "d")])
    assert isinstance(capture, Record) and capture.data == b"Judul\n" + BODY.encode()


@pytest.mark.parametrize("suffix", COMPRESSED)
def test_truncated_compressed_dataset_keeps_what_was_read_and_rejects_the_rest(
    tmp_path: Path, suffix: str
) -> None:
    # zstd blocks of 128 KB: a frame cut in its third block gives what the two before hold
    raw = "".join(json.dumps({"text": f"{BODY} {n}"}) + "\n" for n in range(3000)).encode()
    packed = _compress(raw, suffix)
    path = tmp_path / f"cut.jsonl{suffix}"
    path.write_bytes(packed[:-20])
    got = items([str(path)])
    last = got[-1]
    assert isinstance(last, Rejected)
    assert last.reason == Reason.UNREADABLE
    assert "EOFError: Compressed file ended before the end-of-stream marker" in last.detail
    assert last.provenance.locator == str(len(got))  # the line the file breaks off in
    assert all(isinstance(i, Record) for i in got[:-1]) and len(got) > 10


@pytest.mark.parametrize("suffix", COMPRESSED)
def test_truncated_compressed_capture_is_unreadable(tmp_path: Path, suffix: str) -> None:
    """A capture cut short is a reject, not a part of a page stored as an article."""
    text = "Judul\n" + "\n".join(f"{BODY} {n}" for n in range(3000))
    page = f"<html><body>{''.join(f'<p>{BODY} {n}</p>' for n in range(3000))}</body></html>"
    for name, body in ((f"a.txt{suffix}", text), (f"b.html{suffix}", page)):
        packed = _compress(body.encode(), suffix)
        (tmp_path / name).write_bytes(packed[: len(packed) // 2])
    got = items([str(tmp_path)])
    assert [(type(i).__name__, getattr(i, "reason", None)) for i in got] == [
        ("Rejected", Reason.UNREADABLE), ("Rejected", Reason.UNREADABLE)]  # fmt: skip
    assert all("ended before the end-of-stream marker" in getattr(i, "detail", "") for i in got)


def test_zstandard_files_of_many_frames_read_whole(tmp_path: Path) -> None:
    import zstandard

    lines = [json.dumps({"text": f"{BODY} {n}"}).encode() + b"\n" for n in range(3)]
    frames = b"".join(zstandard.ZstdCompressor().compress(line) for line in lines)
    (tmp_path / "d.jsonl.zst").write_bytes(frames)
    (tmp_path / "cut.jsonl.zst").write_bytes(frames[:-3])  # the last frame cut short
    whole, cut = items([str(tmp_path / "d.jsonl.zst")]), items([str(tmp_path / "cut.jsonl.zst")])
    assert [i.locator for i in whole if isinstance(i, Record)] == ["1", "2", "3"]
    assert [type(i).__name__ for i in cut] == ["Record", "Record", "Rejected"]


@pytest.mark.parametrize("tail", [b"sampah", b"\x28\xb5\x2f\xfd" + b"\xff" * 40])
def test_zstandard_data_before_a_broken_frame_is_kept(tmp_path: Path, tail: bytes) -> None:
    # bytes after the frames that are no frame (or a frame that is corrupt): the records the
    # whole frames hold are kept, the rest is one reject where they end
    import zstandard

    lines = [json.dumps({"text": f"{BODY} {n}"}).encode() + b"\n" for n in range(3)]
    frames = b"".join(zstandard.ZstdCompressor().compress(line) for line in lines)
    (tmp_path / "d.jsonl.zst").write_bytes(frames + tail)
    got = items([str(tmp_path / "d.jsonl.zst")])
    assert [i.locator if isinstance(i, Record) else i.provenance.locator for i in got] == [
        "1", "2", "3", "4"]  # fmt: skip
    assert isinstance(got[-1], Rejected) and got[-1].reason == Reason.UNREADABLE
    assert "ZstdError" in got[-1].detail


@pytest.mark.parametrize("mapping", [[], ["text=isi_berita|text"]])
def test_truncated_gzip_columns_are_the_keys_read_before_the_cut(
    tmp_path: Path, mapping: list[str]
) -> None:
    # the cut comes before the 1,000 lines the keys are collected from
    raw = "".join(json.dumps({"Title": f"Judul {n}", "TEXT": f"{BODY} {n}"}) + "\n"
                  for n in range(300)).encode()  # fmt: skip
    packed = gzip.compress(raw)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(packed[: len(packed) // 2])
    got = items([str(path)], mapping)
    *kept, cut = got
    assert kept and all(isinstance(i, Record) for i in kept)
    assert [i.title for i in kept[:2] if isinstance(i, Record)] == ["Judul 0", "Judul 1"]
    assert isinstance(cut, Rejected) and cut.reason == Reason.UNREADABLE
    assert cut.provenance.locator == str(len(kept) + 1)


def test_parquet_rows_and_timestamps(tmp_path: Path) -> None:
    from datetime import datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"judul": ["A", "B"], "isi": [BODY, BODY],
                      "waktu": [datetime(2025, 6, 1, 3, 0, tzinfo=UTC), None]})  # fmt: skip
    pq.write_table(table, tmp_path / "d.parquet")
    got = items([str(tmp_path / "d.parquet")], ["title=judul,text=isi,published=waktu"])
    assert [i.locator for i in got if isinstance(i, Record)] == ["row 0", "row 1"]
    assert isinstance(got[0], Record)
    assert got[0].published == "2025-06-01T03:00:00+00:00"


def test_parquet_binary_and_decimal_columns_and_a_bad_row_alone(tmp_path: Path) -> None:
    from decimal import Decimal

    import pyarrow as pa
    import pyarrow.parquet as pq

    epoch = 1640866680  # 2021-12-30 12:18 UTC
    bodies = [f"{BODY} {n}".encode() for n in range(3)] + [b"\xff\xfe\x00binary", b"x"]
    stamps = [0, 0, 0, 0, 10**14]  # the last one is past the year 9999
    table = pa.table({
        "text": pa.array(bodies, pa.binary()),
        "published": pa.array([Decimal(epoch), Decimal(epoch * 1000), None, None, None],
                              pa.decimal128(14, 0)),
        "title": pa.array([Decimal("12.50"), None, None, None, None], pa.decimal128(4, 2)),
        "waktu": pa.array(stamps, pa.int64()).cast(pa.timestamp("s")),
    })  # fmt: skip
    pq.write_table(table, tmp_path / "d.parquet")
    got = items([str(tmp_path / "d.parquet")], ["outlet=waktu"])
    located = [(type(i).__name__, i.locator if isinstance(i, Record) else i.provenance.locator)
               for i in got]  # fmt: skip
    assert located == [("Record", "row 0"), ("Record", "row 1"), ("Record", "row 2"),
                       ("Rejected", "row 3"), ("Rejected", "row 4")]  # fmt: skip
    first, second = got[0], got[1]
    assert isinstance(first, Record) and isinstance(second, Record)
    assert (first.data, first.title) == (f"{BODY} 0", "12.50")
    assert first.published == second.published == "2021-12-30T12:18:00+00:00"
    binary, stamp = got[3], got[4]
    assert isinstance(binary, Rejected) and isinstance(stamp, Rejected)
    assert binary.reason == Reason.NOT_TEXT
    assert binary.detail.startswith("text: a binary value that is not UTF-8")
    assert stamp.reason == Reason.PARSE_ERROR
    assert stamp.detail.startswith("waktu: cannot read the value")


def test_a_value_no_field_can_hold_costs_its_record_only(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text("".join(json.dumps({"text": BODY, "published": p}) + "\n"
                            for p in (1640866680, 10**400, 1640866680123)))  # fmt: skip
    got = items([str(path)])
    assert [type(i).__name__ for i in got] == ["Record", "Rejected", "Record"]
    assert isinstance(got[1], Rejected)
    assert got[1].detail.startswith("published: cannot read the value: OverflowError")
    assert isinstance(got[2], Record)
    assert got[2].published == "2021-12-30T12:18:00.123000+00:00"


def test_a_number_is_read_as_an_epoch_instant_in_the_published_field_only(
    tmp_path: Path,
) -> None:
    # an id, a count or a title that is a number in the epoch range stays that number
    import pyarrow as pa
    import pyarrow.parquet as pq

    row = {"title": 1640866680, "text": BODY, "outlet": 1700000000, "url": 1640866680123,
           "published": 1640866680}  # fmt: skip
    (tmp_path / "d.jsonl").write_text(json.dumps(row) + "\n")
    pq.write_table(pa.table({k: [v] for k, v in row.items()}), tmp_path / "d.parquet")
    got = items([str(tmp_path / "d.jsonl"), str(tmp_path / "d.parquet")])
    assert [(i.title, i.outlet, i.url, i.published) for i in got if isinstance(i, Record)] == [
        ("1640866680", "1700000000", "1640866680123", "2021-12-30T12:18:00+00:00")
    ] * 2


def test_a_list_of_strings_is_paragraphs_in_a_body_and_words_elsewhere(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    paragraphs = ["Paragraf pertama.", "  ", "Paragraf kedua. "]
    path = tmp_path / "d.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in [
        {"title": ["Judul", "Anak judul"], "text": paragraphs,
         "published": ["1 Mei 2025", "10:00"]},
        {"title": "Dua", "text": ["Isi", 7], "published": []},
    ]))  # fmt: skip
    pq.write_table(pa.table({"text": [paragraphs]}), tmp_path / "d.parquet")
    got = items([str(path), str(tmp_path / "d.parquet")])
    assert [(i.title, i.data, i.published) for i in got if isinstance(i, Record)] == [
        ("Judul Anak judul", "Paragraf pertama.\n\nParagraf kedua.", "1 Mei 2025 10:00"),
        ("Dua", '["Isi", 7]', ""),  # another list stays JSON
        ("", "Paragraf pertama.\n\nParagraf kedua.", ""),
    ]  # fmt: skip


def _warc(path: Path) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        for ctype, body in (("text/html; charset=utf-8", b"<html><p>Isi</p></html>"),
                            ("image/png", b"\x89PNG....")):  # fmt: skip
            headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            record = writer.create_warc_record(
                "https://news.example/a", "response", payload=io.BytesIO(body),
                http_headers=headers,
            )  # fmt: skip
            writer.write_record(record)
        request = io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")
        writer.write_record(
            writer.create_warc_record("https://news.example/a", "request", payload=request)
        )


def test_warc_html_records_and_a_non_html_reject(tmp_path: Path) -> None:
    _warc(tmp_path / "pages.warc.gz")
    got = items([str(tmp_path / "pages.warc.gz")])
    assert len(got) == 2  # the request record is not a capture
    page, image = got
    assert isinstance(page, Record)
    assert page.locator == "offset 0"
    assert page.url == "https://news.example/a"
    assert b"<p>Isi</p>" in bytes(page.data)
    assert isinstance(image, Rejected)
    assert image.reason == Reason.NOT_TEXT
    assert image.provenance.locator.startswith("offset ")
    assert "image/png" in image.detail
    assert where("pages.warc.gz", image.provenance.locator).startswith("pages.warc.gz@offset ")


def test_warc_status_sniffing_and_common_crawl_wet(tmp_path: Path) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    page = b"<!DOCTYPE html><html>" + b"<p>Isi</p>" * 1000 + b"</html>"  # past the sniffed head
    with (tmp_path / "pages.warc").open("wb") as f:
        writer = WARCWriter(f, gzip=False)
        for status, ctype in (("404 Not Found", "text/html"), ("301 Moved", "text/html"),
                              ("200 OK", None)):  # fmt: skip
            fields = [("Content-Type", ctype)] if ctype else []
            headers = StatusAndHeaders(status, fields, protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                "https://news.example/a", "response", payload=io.BytesIO(page),
                http_headers=headers))  # fmt: skip
    with (tmp_path / "text.warc.wet.gz").open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        writer.write_record(writer.create_warc_record(
            "https://news.example/b", "conversion", payload=io.BytesIO(b"Judul\nIsi berita."),
            warc_content_type="text/plain"))  # fmt: skip
    missing, moved, sniffed, wet = items([str(tmp_path / "pages.warc"),
                                          str(tmp_path / "text.warc.wet.gz")])  # fmt: skip
    assert isinstance(missing, Rejected) and isinstance(moved, Rejected)
    assert missing.reason == moved.reason == Reason.NOT_AN_ARTICLE
    assert "HTTP 404" in missing.detail and "HTTP 301" in moved.detail
    assert isinstance(sniffed, Record) and sniffed.data == page  # no content type: the bytes tell
    assert isinstance(wet, Record) and wet.url == "https://news.example/b"
    assert wet.data == b"Judul\nIsi berita."


def test_a_warc_page_in_an_encoding_that_cannot_be_decoded_says_so(tmp_path: Path) -> None:
    """A page sent with a Content-Encoding warcio does not decode (`zstd`) is no page of
    binary data: the reject names the encoding. A page whose
    bytes are HTML all the same (the header was wrong) is read."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    page = f"<html><body>{f'<p>{BODY}</p>' * 20}</body></html>".encode()
    with (tmp_path / "pages.warc.gz").open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        for payload in (bytes(range(256)) * 4, page):
            fields = [("Content-Type", "text/html"), ("Content-Encoding", "zstd")]
            headers = StatusAndHeaders("200 OK", fields, "HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                "https://news.example/a", "response", payload=io.BytesIO(payload),
                http_headers=headers))  # fmt: skip
    packed, plain = items([str(tmp_path / "pages.warc.gz")])
    assert isinstance(packed, Rejected) and packed.reason == Reason.UNREADABLE
    assert packed.detail == ("WARC response record holds a page sent with Content-Encoding"
                             " zstd, which cannot be decoded here")  # fmt: skip
    assert isinstance(plain, Record) and plain.data == page


def test_a_warc_page_sent_with_brotli_is_read_decoded(tmp_path: Path) -> None:
    """Servers send pages compressed with brotli (`Content-Encoding: br`) and archives keep
    them so: warcio decodes them with the brotli package, a dependency."""
    import brotli
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    page = f"<html><body>{f'<p>{BODY}</p>' * 20}</body></html>".encode()
    with (tmp_path / "pages.warc.gz").open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        fields = [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "br")]
        # a page, a page that is no brotli (a wrong header), the page again sent plain
        for payload, sent in ((brotli.compress(page), fields), (page, fields),
                              (page, fields[:1])):  # fmt: skip
            headers = StatusAndHeaders("200 OK", sent, "HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                "https://news.example/a", "response", payload=io.BytesIO(payload),
                http_headers=headers))  # fmt: skip
    decoded, wrong, plain = items([str(tmp_path / "pages.warc.gz")])
    assert isinstance(decoded, Record) and decoded.data == page
    assert isinstance(wrong, Record) and wrong.data == page
    assert isinstance(plain, Record) and plain.data == page


def test_a_warc_without_pages_is_one_reject_as_an_empty_dataset_is(tmp_path: Path) -> None:
    # not 'read 0': the input is accounted for, and its reject says what it held
    from warcio.warcwriter import WARCWriter

    (tmp_path / "empty.warc").write_bytes(b"")
    (tmp_path / "nothing.warc.gz").write_bytes(gzip.compress(b""))
    with (tmp_path / "crawl.warc.gz").open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        writer.write_record(writer.create_warcinfo_record("crawl.warc.gz", {"software": "x"}))
        for _ in range(2):
            writer.write_record(writer.create_warc_record(
                "https://news.example/a", "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")
            ))  # fmt: skip
    rejects = {
        p.name: [(i.reason, i.provenance.locator, i.detail) for i in items([str(p)])
                 if isinstance(i, Rejected)]
        for p in sorted(tmp_path.iterdir())
    }  # fmt: skip
    no_pages = ("the archive holds no pages: its 3 records are request, warcinfo (no response,"
                " resource or conversion)")  # fmt: skip
    assert rejects == {
        "crawl.warc.gz": [(Reason.EMPTY_BODY, "", no_pages)],
        "empty.warc": [(Reason.EMPTY_BODY, "", "the archive holds no records")],
        "nothing.warc.gz": [(Reason.EMPTY_BODY, "", "the archive holds no records")],
    }


def test_a_warc_response_without_an_http_status_line_says_so(tmp_path: Path) -> None:
    """A response record's block is an HTTP response; one that holds a page alone (or a
    status line without a code) is a parse_error naming how it opens: warcio took the
    page's first words for the status ('is an HTTP baru</title>... response')."""
    page = f"<html><head><title>Jembatan baru</title></head><body><p>{BODY}</p></body></html>"
    blocks = [page.encode(), b"HTTP/1.1 OK\r\nContent-Type: text/html\r\n\r\n" + page.encode()]
    records = b"".join(
        b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://news.example/a\r\n"
        b"Content-Type: application/http; msgtype=response\r\n"
        b"Content-Length: %d\r\n\r\n%s\r\n\r\n" % (len(block), block)
        for block in blocks
    )
    (tmp_path / "pages.warc").write_bytes(records)
    got = items([str(tmp_path / "pages.warc")])
    assert [(i.reason, i.detail) for i in got if isinstance(i, Rejected)] == [
        (Reason.PARSE_ERROR, "WARC response record does not open with an HTTP status line"
         " ('HTTP/1.1 200 OK'): it opens with '<html><head><title>Jembatan baru</title>"
         "</head><body><p>Pres...'"),
        (Reason.PARSE_ERROR, "WARC response record does not open with an HTTP status line"
         " ('HTTP/1.1 200 OK'): it opens with 'HTTP/1.1 OK'"),
    ]  # fmt: skip


@pytest.mark.parametrize("name", ["pages.warc.gz", "pages.warc", "pages.warc.zst"])
@pytest.mark.parametrize("where_cut", ["body", "headers"])
def test_a_warc_cut_inside_a_record_rejects_that_record(
    tmp_path: Path, name: str, where_cut: str
) -> None:
    """A download cut short inside a record (its page or its headers): the pages before it
    are kept, the cut record is an `unreadable` reject at its own offset, never a record."""
    import zstandard

    data, starts = _pages_warc(3, packed=name.endswith(".gz"), paragraphs=200)
    ends = starts  # where each record starts in the file
    if name.endswith(".zst"):  # a frame per record, as .warc.zst files are written
        frames = [zstandard.ZstdCompressor().compress(data[a:b])
                  for a, b in zip(starts, [*starts[1:], len(data)], strict=True)]  # fmt: skip
        data, ends = b"".join(frames), [sum(map(len, frames[:n])) for n in range(3)]
    end = ends[2] - 20 if where_cut == "body" else ends[1] + 40
    (tmp_path / name).write_bytes(data[:end])
    whole, cut = items([str(tmp_path / name)])
    assert isinstance(whole, Record) and whole.locator == "offset 0"
    assert isinstance(cut, Rejected) and cut.reason == Reason.UNREADABLE
    assert cut.provenance.locator == f"offset {starts[1]}"
    if where_cut == "body" and not name.endswith(".zst"):  # a cut zstd block gives nothing
        assert "cut short: the archive ends after" in cut.detail


@pytest.mark.parametrize("name", ["notes.warc", "page.warc.gz"])
def test_a_file_that_is_no_warc_is_one_reject_not_records_made_up(
    tmp_path: Path, name: str
) -> None:
    """Text or a page named `.warc` is not read as the older ARC format, whose header is
    any line of five words (it made up records 'holding a, not HTML')."""
    text = "ini bukan arsip web sama sekali\n" * 5
    page = f"<html><body>{f'<p>{BODY}</p>' * 10}</body></html>".replace(chr(10), " ")
    data = page if name.endswith(".gz") else text
    raw = data.encode()
    (tmp_path / name).write_bytes(gzip.compress(raw) if name.endswith(".gz") else raw)
    (got,) = items([str(tmp_path / name)])
    assert isinstance(got, Rejected) and got.reason == Reason.UNREADABLE
    assert got.provenance.locator == "offset 0"
    assert got.detail.startswith("cannot read on from here: ArchiveLoadFailed: Invalid WARC")
    assert len(got.detail) < 300  # the line it could not read is shown cut, not whole


def _pages_warc(n: int, packed: bool = False, paragraphs: int = 50) -> tuple[bytes, list[int]]:
    """A WARC of `n` pages (a gzip member per record when `packed`), and where each record
    starts."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=packed)
    starts = []
    for i in range(n):
        starts.append(out.tell())
        page = f"<html><body>{f'<p>{BODY} {i}</p>' * paragraphs}</body></html>".encode()
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], "HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            f"https://news.example/{i}", "response", payload=io.BytesIO(page),
            http_headers=headers))  # fmt: skip
    return out.getvalue(), starts


def test_a_warc_gzipped_as_one_stream_is_read_whole(tmp_path: Path) -> None:
    """`gzip pages.warc` makes one gzip stream, not the member per record warcio reads (it
    stopped after the first record, at a negative offset): it is read decompressed, located
    by offsets in the archive's own bytes, as a `.warc.zst` is. One cut short keeps the
    pages before the cut, also when the cut falls between two records."""
    import zlib

    data, starts = _pages_warc(3)
    (tmp_path / "whole.warc.gz").write_bytes(gzip.compress(data))
    got = items([str(tmp_path / "whole.warc.gz")])
    assert [(type(i).__name__, i.locator if isinstance(i, Record) else i.detail)
            for i in got] == [("Record", f"offset {s}") for s in starts]  # fmt: skip
    assert [i.url for i in got if isinstance(i, Record)] == [
        f"https://news.example/{i}" for i in range(3)]  # fmt: skip
    packer = zlib.compressobj(wbits=31)  # a gzip stream, flushed where the third record starts
    head = packer.compress(data[: starts[2]]) + packer.flush(zlib.Z_FULL_FLUSH)
    for name, cut in (("mid.warc.gz", gzip.compress(data)[:-200]), ("between.warc.gz", head)):
        (tmp_path / name).write_bytes(cut)
        *kept, last = items([str(tmp_path / name)])
        assert [i.locator for i in kept if isinstance(i, Record)] == [
            f"offset {s}" for s in starts[: len(kept)]], name  # fmt: skip
        assert isinstance(last, Rejected) and last.reason == Reason.UNREADABLE, name
        assert last.provenance.locator == f"offset {starts[len(kept)]}", name
    # a member per record, then one stream: warcio refuses it after that stream's first
    # record, and the rest is read decompressed
    member = gzip.compress(data[: starts[1]])
    (tmp_path / "mixed.warc.gz").write_bytes(member + gzip.compress(data[starts[1] :]))
    got = items([str(tmp_path / "mixed.warc.gz")])
    assert [(type(i).__name__, i.locator if isinstance(i, Record) else i.detail)
            for i in got] == [("Record", "offset 0"), ("Record", f"offset {len(member)}"),
                              ("Record", f"offset {starts[2]}")]  # fmt: skip


def test_a_warc_page_over_the_limit_is_rejected_with_its_own_size(tmp_path: Path) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    page = f"<html><body>{f'<p>{BODY}</p>' * 100}</body></html>".encode()
    with (tmp_path / "pages.warc.gz").open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        for fields in ([], [("Content-Encoding", "gzip")]):  # the second sent compressed
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), *fields],
                                       "HTTP/1.1")  # fmt: skip
            payload = gzip.compress(page) if fields else page
            writer.write_record(writer.create_warc_record(
                "https://news.example/a", "response", payload=io.BytesIO(payload),
                http_headers=headers))  # fmt: skip
    [inp] = plan([str(tmp_path / "pages.warc.gz")])
    plain, packed = read(inp, 5000).items
    assert isinstance(plain, Rejected) and isinstance(packed, Rejected)
    assert plain.reason == packed.reason == Reason.TOO_LARGE
    assert plain.detail == (f"WARC response record holds a page of {len(page):,} bytes, "
                            "over the limit of 5,000 (--max-bytes)")  # fmt: skip
    assert "over the limit of 5,000 bytes (--max-bytes) once decoded" in packed.detail


@pytest.mark.parametrize("suffix", [".zst", ".bz2", ".xz"])
def test_a_warc_compressed_otherwise_reads_like_gzip(tmp_path: Path, suffix: str) -> None:
    _warc(tmp_path / "pages.warc.gz")
    plain = gzip.decompress((tmp_path / "pages.warc.gz").read_bytes())  # its members, joined
    (tmp_path / f"pages.warc{suffix}").write_bytes(_compress(plain, suffix))
    page, image = items([str(tmp_path / f"pages.warc{suffix}")])
    assert isinstance(page, Record) and page.url == "https://news.example/a"
    assert b"<p>Isi</p>" in bytes(page.data)
    assert isinstance(image, Rejected) and image.reason == Reason.NOT_TEXT
    # cut inside its last page, in a block of its own (bzip2 and zstd blocks hold 100-128 KB)
    data, starts = _pages_warc(3, paragraphs=1500)
    (tmp_path / f"cut.warc{suffix}").write_bytes(_compress(data, suffix)[:-40])
    *kept, cut = items([str(tmp_path / f"cut.warc{suffix}")])
    assert isinstance(cut, Rejected) and cut.reason == Reason.UNREADABLE
    assert [i.locator for i in kept if isinstance(i, Record)] == [f"offset {s}" for s in starts[:2]]


def test_folder_of_captures_with_an_unreadable_file(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Judul\n" + BODY)
    (tmp_path / "b.html.gz").write_bytes(gzip.compress(b"<html><p>x</p></html>"))
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing.txt")
    (tmp_path / "notes.md").write_text("not an input")
    inputs = plan([str(tmp_path)])
    assert [i.kind for i in inputs] == ["folder"]
    got = list(read(inputs[0], 1 << 20).items)
    assert [Path(i.source if isinstance(i, Record) else i.provenance.source).name
            for i in got] == ["a.txt", "b.html.gz", "gone.txt"]  # fmt: skip
    assert isinstance(got[1], Record)
    assert got[1].data == b"<html><p>x</p></html>"
    assert isinstance(got[2], Rejected)
    assert got[2].reason == Reason.UNREADABLE


def test_a_folder_is_listed_once_and_read_as_planned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`plan` lists a folder (its listing is what the build's marker records) and reading
    it reads those files: a capture added after planning waits for the next build, one
    removed since is a reject, and the folder is not listed again (a million-file
    folder took seconds to list)."""
    import warta.readers as readers

    for name in ("a.txt", "sub/b.txt", "sub/c.txt"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(f"Judul {name}\n{BODY}")
    listed: list[Path] = []
    relative_files = readers._relative_files

    def counted(folder: Path, *rest: Any) -> Any:
        listed.append(folder)
        return relative_files(folder, *rest)

    monkeypatch.setattr(readers, "_relative_files", counted)
    (folder,) = plan([str(tmp_path)])
    (tmp_path / "late.txt").write_text(f"Judul late\n{BODY}")
    (tmp_path / "sub" / "c.txt").unlink()
    got = list(read(folder, 1 << 20).items)
    assert listed == [tmp_path]
    assert [Path(i.source).relative_to(tmp_path).as_posix() for i in got
            if isinstance(i, Record)] == ["a.txt", "sub/b.txt"]  # fmt: skip
    assert [(Path(i.provenance.source).name, i.reason) for i in got
            if isinstance(i, Rejected)] == [("c.txt", Reason.UNREADABLE)]  # fmt: skip
    # an input made by hand, without the planned files, lists its folder when read
    hand = Input(tmp_path, tmp_path.name, "folder")
    assert sorted(Path(i.source).name for i in read(hand, 1 << 20).items
                  if isinstance(i, Record)) == ["a.txt", "b.txt", "late.txt"]  # fmt: skip


def test_an_input_given_twice_is_read_once(tmp_path: Path) -> None:
    (tmp_path / "d.jsonl").write_text(json.dumps({"text": BODY}) + "\n")
    inputs: list[Input] = plan([str(tmp_path / "d.jsonl"), str(tmp_path)])
    assert len(inputs) == 1


def test_a_file_linked_in_a_folder_is_read_once(tmp_path: Path) -> None:
    """A link to a capture of the same folder, or of a folder read before (`latest/` of
    links into `archive/`), is the file it links to: read once, under its first name."""
    archive, latest = tmp_path / "archive", tmp_path / "latest"
    (archive / "sub").mkdir(parents=True)
    latest.mkdir()
    for name in ("a.txt", "b.txt"):
        (archive / name).write_text(f"Judul {name}\n{BODY}")
    (archive / "sub" / "again.txt").symlink_to(archive / "a.txt")
    (latest / "b.txt").symlink_to(archive / "b.txt")
    (latest / "c.txt").write_text(f"Judul c\n{BODY}")
    got = items([str(archive), str(latest)])
    assert sorted(Path(i.source).relative_to(tmp_path).as_posix() for i in got
                  if isinstance(i, Record)) == ["archive/a.txt", "archive/b.txt",
                                               "latest/c.txt"]  # fmt: skip
    assert len(got) == 3


def test_folder_files_come_in_path_order(tmp_path: Path) -> None:
    """`a/b` before `a-c` (by component, as `sorted(rglob)` gives them), hidden files
    too, and a link to a folder is not followed."""
    from warta.readers import _relative_files

    for name in ("a/b.txt", "a-c.txt", "a/.hidden.txt", "Z.txt", "a/d/e.html", "b.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "a", target_is_directory=True)
    (tmp_path / "to-b.txt").symlink_to(tmp_path / "b.txt")
    expected = [p for p in sorted(tmp_path.rglob("*")) if not p.is_dir()]
    found = _relative_files(tmp_path)
    assert [Path(f.path) for f in found] == expected
    assert [f.rel for f in found] == [str(p.relative_to(tmp_path)) for p in expected]
    assert [f.name for f in found] == [p.name for p in expected]
    assert [f.name for f in found if f.link] == ["to-b.txt"]
    assert [p.relative_to(tmp_path).as_posix() for p in expected] == [
        "Z.txt",
        "a/.hidden.txt",
        "a/b.txt",
        "a/d/e.html",
        "a-c.txt",
        "b.txt",
        "to-b.txt",
    ]


def test_a_capture_read_whole_and_up_to_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file is read to its end even when it grew after its size was taken, and no
    further than the limit (past it, it is refused as too large, its true size unknown)."""
    grown = tmp_path / "grown.txt"
    grown.write_bytes(b"Judul\n" + b"kata " * 400)
    real_stat = os.stat

    def stat_before_growth(path: str | Path, **kwargs: bool) -> os.stat_result:
        st = real_stat(path, **kwargs)
        return os.stat_result((*st[:6], 10, *st[7:])) if Path(path) == grown else st

    monkeypatch.setattr(os, "stat", stat_before_growth)
    [record] = items([str(grown)])
    assert isinstance(record, Record) and record.data == grown.read_bytes()
    [inp] = plan([str(grown)], parse_mapping([]))
    [capped] = list(read(inp, 100).items)
    assert isinstance(capped, Rejected) and capped.reason == Reason.TOO_LARGE
    assert capped.detail.startswith("more than 100 bytes is over the limit of 100")


def test_a_capture_that_became_a_named_pipe_since_its_stat_is_not_waited_on(
    tmp_path: Path,
) -> None:
    """A folder's capture is `stat`ed, then opened without waiting: a named pipe put in its
    place in between (and never written) is not waited on for ever."""
    pipe = tmp_path / "a.txt"
    os.mkfifo(pipe)
    regular = stat.S_IFREG | 0o644  # what its `stat` said
    got: list[object] = []
    reader = threading.Thread(
        target=lambda: got.append(read_capture(str(pipe), "a.txt", 1000, 10, mode=regular)),
        daemon=True,
    )
    reader.start()
    reader.join(10)
    assert not reader.is_alive()
    [result] = got
    assert result == b"" or isinstance(result, Rejected)


@pytest.mark.parametrize("name", ["pages.warc", "pages.warc.gz"])
def test_a_warc_header_line_of_megabytes_is_read_in_bounded_memory(
    tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A header line with no end in sight (a corrupt archive; a page alone in one line, which
    warcio reads as its status line) is read a piece at a time, not whole: warcio joined a
    line's blocks one to another, a minute for a line of 64 MB, and held it all."""
    import tracemalloc

    from warta.readers import warc

    monkeypatch.setattr(warc, "WARC_LINE_BYTES", 1 << 16)
    page = f"<html><head><title>Jembatan</title></head><body><p>{BODY}</p></body></html>"
    line = b"<p>" + os.urandom(2 << 20).hex().encode()  # 4 MiB, no line break (nor gzip bomb)
    blocks = [
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + page.encode(),
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + page.encode(),
        line,
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + page.encode(),
    ]
    junk = [b"", b"X-Catatan: " + line + b"\r\n", b"", b""]  # fmt: skip
    records = [
        b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://news.example/a\r\n%s"
        b"Content-Type: application/http; msgtype=response\r\n"
        b"Content-Length: %d\r\n\r\n%s\r\n\r\n" % (extra, len(block), block)
        for extra, block in zip(junk, blocks, strict=True)
    ]
    if name.endswith(".gz"):  # a gzip member per record
        records = [gzip.compress(r) for r in records]
    path = tmp_path / name
    path.write_bytes(b"".join(records))
    [inp] = plan([str(path)])
    tracemalloc.start()
    try:
        got = list(read(inp, 1 << 20).items)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 << 20, f"{peak:,} bytes at the peak"  # the line: 4 MiB
    # each record where it starts; the page alone (no status line) a reject, as it was
    starts = [f"offset {sum(map(len, records[:n]))}" for n in range(4)]
    assert [i.locator if isinstance(i, Record) else (i.provenance.locator, i.reason)
            for i in got] == [*starts[:2], (starts[2], Reason.PARSE_ERROR), starts[3]]  # fmt: skip


def _peak(work: Any) -> tuple[Any, int]:
    """What `work()` gives, and the most memory Python held for it at once (the modules a
    reader imports when first asked are imported before)."""
    import tracemalloc

    import warta.readers.tables
    import warta.readers.warc  # noqa: F401

    tracemalloc.start()
    try:
        got = work()
        return got, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("suffix", ["", ".gz", ".zst"])
def test_a_json_line_over_max_bytes_is_a_reject_read_in_bounded_memory(
    tmp_path: Path, suffix: str
) -> None:
    """--max-bytes bounds a dataset record as it bounds a capture: a line longer is a too_large
    reject at its line, read to its end a piece at a time (it was read whole, its columns
    and its dates looked for, then decoded and sent to be cleaned: 1 GB for a line of
    300 MB), and the lines after it are read."""
    limit = 1 << 16
    fits = json.dumps({"title": "Pas", "text": "x" * (limit - 40)})
    fits += " " * (limit - len(fits))  # exactly the limit, its line break not counted
    text = os.urandom(5 << 19).hex()  # 5 MiB that compress little (one read of a .gz or
    huge = json.dumps({"title": "Raksasa", "published": "21/10/2025", "text": text})  # .zst
    # gives what a block decompresses to: much, for text of one word)
    lines = [json.dumps({"title": "Satu", "text": BODY}), huge, fits,
             json.dumps({"title": "Dua", "published": "10/21/2025", "text": BODY})]  # fmt: skip
    path = tmp_path / f"d.jsonl{suffix}"
    raw = "\n".join(lines).encode()  # the last line without a line break
    path.write_bytes(_compress(raw, suffix) if suffix else raw)

    def work() -> list[Item]:
        [inp] = plan([str(path)], max_bytes=limit)
        assert inp.date_order == "MDY"  # the huge line's date is not read
        return list(read(inp, limit).items)

    got, peak = _peak(work)
    assert peak < 1 << 20, f"{peak:,} bytes at the peak"  # the line: 5 MiB
    assert [i.title if isinstance(i, Record) else (i.provenance.locator, i.reason, i.detail)
            for i in got] == [
        "Satu", ("2", Reason.TOO_LARGE, f"a line of {len(huge):,} bytes is over the limit of"
                 f" {limit:,} (--max-bytes)"), "Pas", "Dua"]  # fmt: skip


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_csv_row_over_max_bytes_is_a_reject_read_in_bounded_memory(
    tmp_path: Path, newline: str
) -> None:
    """A row longer than --max-bytes is a too_large reject at the line it starts on, read to its
    end a piece at a time: a quoted field over many lines, one long line, a quoted field in
    one line; the rows after it are read where they are. (The csv module held a row whole,
    four bytes a character: 2.2 GB for a field of 300 MB.)"""
    limit = 1 << 16
    body = BODY.replace("\n", " ")
    big = os.urandom(3 << 19).hex()  # 3 MiB
    many = newline.join(f'kata "{n}"'.replace('"', '""') + big[n::40][:2000] for n in range(40))
    rows = [f"Satu,{body}", f'Dua,"{many}"', f"Tiga,{body}", f"Empat,{big}",
            f'Lima,"{big[:limit // 2]}""{big}"', f'Enam,"{body}{newline}{body}"',
            f'Tujuh,"{body}{newline}{big}"x']  # fmt: skip
    path = tmp_path / "d.csv"
    path.write_bytes(newline.join(["title,text", *rows, f"Delapan,{body}"]).encode())

    def work() -> list[Item]:
        [inp] = plan([str(path)], max_bytes=limit)
        return list(read(inp, limit).items)

    got, peak = _peak(work)
    assert peak < 1 << 20, f"{peak:,} bytes at the peak"
    sizes = [len(r) + len(newline) for r in rows]
    over = "a row of {:,} bytes{} is over the limit of 65,536 (--max-bytes)"
    assert [i.title if isinstance(i, Record) else (i.provenance.locator, i.reason, i.detail)
            for i in got] == [
        "Satu", ("3", Reason.TOO_LARGE, over.format(sizes[1], " (lines 3-42)")), "Tiga",
        ("44", Reason.TOO_LARGE, over.format(sizes[3], "")),
        ("45", Reason.TOO_LARGE, over.format(sizes[4], "")), "Enam",
        ("48", Reason.TOO_LARGE, over.format(sizes[6], " (lines 48-49)")), "Delapan",
    ]  # fmt: skip


def test_a_csv_quote_never_closed_over_max_bytes_and_a_header_over_it(tmp_path: Path) -> None:
    """A quote never closed whose row runs past --max-bytes is the same reject as a shorter
    one, read in bounded memory; a header line over the limit leaves no columns to read the
    rows by: one reject for the file."""
    limit = 1 << 12
    body = BODY.replace("\n", " ")
    path = tmp_path / "d.csv"
    for start in ('"', 'Judul,"', 'Judul,"' + "x" * limit):  # the last: one line over it
        path.write_text(f"title,text\nSatu,{body}\n{start}{body}\n" + f"Dua,{body}\n" * 100)
        [inp] = plan([str(path)], max_bytes=limit)
        got = list(read(inp, limit).items)
        assert isinstance(got[0], Record) and isinstance(got[1], Rejected), got
        assert (got[1].provenance.locator, got[1].reason) == ("3", Reason.PARSE_ERROR)
        assert got[1].detail == (
            "a quote opened in this row is not closed before the end of the file: lines 3-103"
            " were read as one row (a stray quote, or a file cut short)"
        )
        assert len(got) == 2
    path.write_text("title," + "x" * limit + f"\nSatu,{body}\n")
    [inp] = plan([str(path)], max_bytes=limit)
    [only] = read(inp, limit).items
    assert isinstance(only, Rejected) and (only.provenance.locator, only.reason, only.detail) == (
        "1", Reason.TOO_LARGE, "the header line is over the limit of 4,096 bytes (--max-bytes):"
        " the file is not read")  # fmt: skip


def test_a_json_array_item_over_max_bytes_is_a_reject_and_the_items_after_it_are_read(
    tmp_path: Path,
) -> None:
    """An element longer than --max-bytes is a too_large reject at its item, read to its end
    and let go; the elements after it are read (one over 16 MiB characters ended the file
    as 'not JSON ... the rest of the file is lost')."""
    limit = 1 << 16
    big = os.urandom(3 << 19).hex()  # 3 MiB
    record = {"title": "Satu", "text": BODY}
    quoted = {"title": "Kutip", "text": ('kata "dia" \\ ' + big[:500]) * 4000}
    nested = {"title": "Dalam", "text": BODY, "x": [{"a": [big[:1000], {"b": "}]"}]}] * 3000}
    items_ = [record, {"title": "Raksasa", "text": big}, quoted, big, [big] * 2, nested, record]
    alone = [json.dumps(i, indent=1) for i in items_]
    inside = [a.replace("\n", "\n ") for a in alone]  # one more indent in the array
    (tmp_path / "d.json").write_text(json.dumps(items_, indent=1))
    (tmp_path / "p.json").write_text("\n".join(json.dumps(i, indent=1) for i in items_[:3]))

    def work() -> list[Item]:
        return [i for name in ("d.json", "p.json")
                for inp in plan([str(tmp_path / name)], max_bytes=limit)
                for i in read(inp, limit).items]  # fmt: skip

    got, peak = _peak(work)
    assert peak < 5 << 20, f"{peak:,} bytes at the peak"  # the chunks read: 1 MiB
    over = "an item of {:,} bytes is over the limit of 65,536 (--max-bytes)"
    assert [i.title if isinstance(i, Record) else (i.provenance.locator, i.detail)
            for i in got] == [
        "Satu", *((f"item {n}", over.format(len(inside[n]))) for n in range(1, 6)), "Satu",
        "Satu", *((f"item {n}", over.format(len(alone[n]))) for n in range(1, 3))]  # fmt: skip
    # cut inside an element over the limit: the file ends there, as for any element
    (tmp_path / "cut.json").write_text(json.dumps(items_[:3])[: -len(BODY) - 500])
    [inp] = plan([str(tmp_path / "cut.json")], max_bytes=limit)
    assert [i.title if isinstance(i, Record) else (i.provenance.locator, i.detail)
            for i in read(inp, limit).items] == [
        "Satu", ("item 1", over.format(len(json.dumps(items_[1]).encode()))),
        ("item 2", "not JSON: the file ends inside this element")]  # fmt: skip


@pytest.mark.parametrize("piece", [1, 2, 3, 7, 64])
def test_a_json_value_is_skipped_to_its_end_however_its_text_comes(piece: int) -> None:
    from warta.readers.json_rows import _skip_value

    values = ['{"a": "x\\"}]", "b": [1, {"c": "\\\\"}, "]\\\\\\""]}', '"teks \\" \\\\"',
              "[[[[]]], {}]", "12345.5e3", "true", '{"é": "ü"}']  # fmt: skip
    for value in values:
        text = f"  {value} , 7]"
        chunks = iter([text[i : i + piece] for i in range(2, len(text), piece)])
        left = [False]

        def more(chunks: Iterator[str] = chunks, left: list[bool] = left) -> str:
            got = next(chunks, None)
            left[0] = got is None
            return got or ""

        first = more()
        size, rest = _skip_value(first, 0, more, lambda left=left: left[0])
        assert size == len(value.encode()), value
        assert rest is not None and (rest + "".join(chunks)).strip() == ", 7]", value
        json.loads(value)  # each is JSON


def test_a_parquet_row_over_max_bytes_is_a_reject_before_python_holds_it(tmp_path: Path) -> None:
    """A row whose text values (string or binary, all its columns read) hold more than
    --max-bytes is a too_large reject at its row; Arrow counts them, and the rows beside it
    in its batch are read as ever. (Each value was made a Python string, sent to a worker
    and refused there: 1.5 GB for one of 200 MB.)"""
    import pyarrow as pa
    import pyarrow.parquet as pq

    limit = 1 << 16
    big = os.urandom(3 << 19).hex()  # 3 MiB
    half = "x" * (limit // 2)
    table = pa.table({
        "title": ["Satu", "Raksasa", "Dua", half, None, "Tiga"],
        "text": [BODY, big, BODY, half + "!", None, BODY],
        "html": pa.array([None, None, None, None, big.encode(), None], pa.binary()),
        "extra": [big, big, big, big, big, big],  # not read: no field is mapped to it
    })  # fmt: skip
    pq.write_table(table, tmp_path / "d.parquet")

    def work() -> list[Item]:
        [inp] = plan([str(tmp_path / "d.parquet")], max_bytes=limit)
        return list(read(inp, limit).items)

    got, peak = _peak(work)
    # pyarrow reads the column chunks of text and html through Python (3 MiB each): no more
    assert peak < 8 << 20, f"{peak:,} bytes at the peak"  # 16 MB when read as strings
    over = "a row of {:,} bytes of text is over the limit of 65,536 (--max-bytes)"
    assert [i.title if isinstance(i, Record) else (i.provenance.locator, i.detail)
            for i in got] == [
        "Satu", ("row 1", over.format(len(big) + 7)), "Dua",
        ("row 3", over.format(limit + 1)), ("row 4", over.format(len(big))), "Tiga"]  # fmt: skip


@pytest.mark.skipif(not hasattr(os, "posix_fadvise"), reason="no posix_fadvise here")
def test_read_ahead_stays_within_its_window_and_never_opens_a_pipe(tmp_path: Path) -> None:
    """The read-ahead process is sent paths at most `window` files ahead of the reader, and
    a named pipe among them (which a plain open would wait on for a writer) neither stops
    it nor the reader: it reads every path to its end and exits when closed."""
    from warta.readers.ahead import ReadAhead

    paths = [tmp_path / f"{i}.txt" for i in range(100)]
    for p in paths:
        p.write_text("Judul")
    os.mkfifo(tmp_path / "pipe.txt")  # no writer, ever
    paths[10] = tmp_path / "pipe.txt"
    paths[20] = tmp_path / "missing.txt"
    ahead = ReadAhead(paths, window=8)
    assert ahead.sent == 8
    for _ in range(50):
        ahead.reached()
    assert 50 < ahead.sent <= 58
    for _ in range(50):
        ahead.reached()
    assert ahead.sent == 100
    proc = ahead._proc
    assert proc is not None
    assert proc.stdin is not None
    proc.stdin.close()  # what `close` does first: the process ends once it has read them all
    assert proc.wait(timeout=30) == 0
    ahead.close()


@pytest.mark.skipif(not hasattr(os, "posix_fadvise"), reason="no posix_fadvise here")
def test_a_read_ahead_process_that_is_behind_never_holds_the_reader_up(tmp_path: Path) -> None:
    """A stopped process (a disk that does not answer) fills its pipe: the paths it cannot
    take are skipped, and the reader goes on."""
    import contextlib
    import signal

    from warta.readers.ahead import ReadAhead

    paths = [tmp_path / ("x" * 200 + f"{i}.txt") for i in range(5000)]  # 1 MB of paths
    with contextlib.closing(ReadAhead(paths, window=1)) as ahead:
        assert ahead._proc is not None
        os.kill(ahead._proc.pid, signal.SIGSTOP)
        ahead._window = len(paths)  # all of them at once, more than a pipe holds
        ahead.reached()
        assert ahead.sent == len(paths)
    assert ahead._proc is None  # closed: the stopped process was killed


def test_a_folder_is_read_the_same_with_read_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import warta.readers as readers

    folder = tmp_path / "d"
    for i in range(100):  # enough for read-ahead (MIN_FILES)
        (folder / f"{i % 3}").mkdir(parents=True, exist_ok=True)
        (folder / f"{i % 3}" / f"{i:02d}.txt").write_text(f"Judul {i}\nIsi {i}.")
    (folder / "1" / "notes.json").write_text("{}")  # not a capture: not read

    def records() -> list[tuple[str, bytes]]:
        [item] = plan([str(folder)])
        return [(r.source, r.data) for r in read(item, 1 << 20).items if isinstance(r, Record)]

    with_ahead = records()
    monkeypatch.setattr(readers, "READ_AHEAD", False)
    assert with_ahead == records()
    assert len(with_ahead) == 100


def test_a_read_ahead_without_a_process_to_spare_reads_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Best effort: a process that cannot be started (too many open files) is no error."""
    import subprocess

    from warta.readers.ahead import ReadAhead

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    ahead = ReadAhead([Path("a.txt"), Path("b.txt")])
    ahead.reached()
    ahead.reached()
    assert ahead.sent == 0
    ahead.close()


@pytest.mark.parametrize("packing", ["warc", "gzip member per record", "gzip stream", "zstd"])
@pytest.mark.parametrize("length", [None, "many", "-5"])
def test_a_warc_record_without_a_valid_content_length_costs_no_other_record(
    tmp_path: Path, packing: str, length: str | None
) -> None:
    """A record whose Content-Length is missing ran on to the end of the archive (its page
    swallowed every record after it) or, not a number, ended it with one reject: it now
    ends where the next record begins. Without one its page is read; with one that is no
    length it is a reject, as where it ends is then a guess."""
    import zstandard

    data, starts = _pages_warc(4)
    second = data[starts[1] : starts[2]]
    header = re.search(rb"Content-Length: \d+\r\n", second)
    assert header is not None
    changed = b"" if length is None else f"Content-Length: {length}\r\n".encode()
    records = [data[a:b] for a, b in zip(starts, [*starts[1:], len(data)], strict=True)]
    records[1] = second.replace(header.group(), changed)
    if packing == "gzip member per record":
        records = [gzip.compress(r) for r in records]
    elif packing == "zstd":
        records = [zstandard.ZstdCompressor().compress(r) for r in records]
    name = {"warc": "a.warc", "zstd": "a.warc.zst"}.get(packing, "a.warc.gz")
    whole = b"".join(records)
    (tmp_path / name).write_bytes(gzip.compress(whole) if packing == "gzip stream" else whole)
    got = items([str(tmp_path / name)])
    assert len(got) == 4
    assert [i.url for i in got if isinstance(i, Record)] == [
        f"https://news.example/{n}" for n in range(4) if length is None or n != 1
    ]
    pages = [bytes(i.data) for i in got if isinstance(i, Record)]
    assert all(p.startswith(b"<html>") and p.endswith(b"</html>") for p in pages)
    if length is not None:
        bad = got[1]
        assert isinstance(bad, Rejected) and bad.reason == Reason.UNREADABLE
        assert f"Content-Length ('{length}')" in bad.detail
        if packing != "zstd":  # a .warc.zst is located in its decompressed bytes
            assert bad.provenance.locator == f"offset {len(records[0])}"


_NAME_PARTS = [".", "..", "a", "B", "7", ".txt", ".HTML", ".htm", ".gz", ".zst", ".bz2", ".xz",
               ".warc", ".wet", ".jsonl", ".json", ".csv", ".tsv", ".parquet", "txt"]  # fmt: skip


@settings(max_examples=500)
@given(st.lists(st.sampled_from(_NAME_PARTS), max_size=6).map("".join))
def test_a_file_s_kind_read_from_its_suffixes_is_that_of_its_whole_name(name: str) -> None:
    """`_kind` looks up a name's suffixes (`x.txt` for `0000001.txt`) in a cache: the same
    kind as the rule applied to the whole name, hidden files and leading dots included."""
    from warta.readers import _kind, _kind_of_name

    assert _kind(f"d/{name}") == _kind_of_name(name.lower())
