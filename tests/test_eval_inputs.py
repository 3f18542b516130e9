"""`warta eval` on bad answer files: a one-line error naming the file and the entry or line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from warta.cli import main

PAGE = b"<html><head><title>Judul</title></head><body><p>Isi berita.</p></body></html>"


@pytest.mark.parametrize(
    ("expected", "error"),
    [
        (b"{bad\n", ": not valid JSON (Expecting property name enclosed in double quotes:"
                    " line 1 column 2 (char 1))"),
        (b"[1, 2]\n", ": must map each page's file name to its answers, not a list"),
        (b'{"x.html": [1]}', " page 'x.html': must be an object, not [1]"),
        (b'{"x.html": {"title": "Judul"}}', " page 'x.html': has no content"),
        (b'{"x.html": {"title": 5, "content": "Isi"}}',
         " page 'x.html': title must be a string, not 5"),
        (b'{"y.html": {"title": "Judul", "content": "Isi"}}',
         " page 'y.html': no such page in {root}"),
        ('{"x.html": {"title": "Kafé"}}'.encode("latin-1"), ": not UTF-8 (byte 0xe9 at offset 25)"),
    ],
)  # fmt: skip
def test_a_bad_expected_json_is_a_one_line_error(
    tmp_path: Path, expected: bytes, error: str
) -> None:
    (tmp_path / "x.html").write_bytes(PAGE)
    (tmp_path / "expected.json").write_bytes(expected)
    result = CliRunner().invoke(main, ["eval", "html", str(tmp_path)])
    assert result.exit_code == 1
    message = error.format(root=tmp_path)
    assert result.stderr == f"Error: {tmp_path / 'expected.json'}{message}\n"


def test_a_bad_fundus_answer_is_a_one_line_error(tmp_path: Path) -> None:
    page = tmp_path / "page1"
    page.mkdir()
    (page / "a.html").write_bytes(PAGE)
    (page / "meta.info").write_text(json.dumps({"a": {"url": "https://x.id/a"}}))
    (page / "Publisher.json").write_text(json.dumps({"v1": {"title": "Judul"}}))
    result = CliRunner().invoke(main, ["eval", "html", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {page}: meta.info and Publisher.json are not fundus's layout (no 'body')\n"
    )


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ("Budi B-PER\nSantoso I-PER\n".encode("utf-16"), "line 1: not UTF-8 (byte 0xff)"),
        (b"Budi B-PER\nke O\nSurab\xe4ya B-LOC\n", "line 3: not UTF-8 (byte 0xe4)"),
        (b"a B-PER\nb\n\nc I-XYZ\n", "line 2: no tag after the token 'b'"),
        (b"a\tB-PER\nb\t\n", "line 2: no tag after the token 'b'"),
        (b"a B-PER\nb PER\n", "line 2: tag 'PER' is not O, B-TYPE or I-TYPE"),
    ],
)
def test_a_bad_bio_file_is_a_one_line_error(tmp_path: Path, data: bytes, error: str) -> None:
    path = tmp_path / "ner.txt"
    path.write_bytes(data)
    result = CliRunner().invoke(main, ["eval", "ner", str(path)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {path} {error}\n"


def test_tags_of_other_types_are_scored_as_o_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "ner.txt"
    path.write_text("Budi B-PER\nkemarin B-TIME\nc I-XYZ\nd I-XYZ\n\ne O\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", "ner", str(path)])
    assert result.exit_code == 0, result.output
    assert "(2 sentences, 5 tokens)" in result.stdout
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}: 3 tags of types the tagger does not find are scored as O: TIME 1, XYZ 2"
    ]
