"""Bad input never crashes a run: a clear Rejected reason, or an article with a warning."""

from __future__ import annotations

import csv
import json
import re
import re._constants as sre
import re._parser as sre_parse
from pathlib import Path
from typing import Any

import ftfy
import ftfy.badness
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SAMPLE, need_shared
from warta import Article, Reason, Rejected, Settings
from warta.cli import main
from warta.decode import _CONTROL, _FTFY, BAD_WIDTH, _fix_lines, _needs_fixing, is_bad
from warta.pipeline import Cleaner

GOOD = "Judul Berita\nKamis, 30 Desember 2021 - 19:18 WIB\nPresiden meresmikan jembatan baru.\n"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", Reason.EMPTY_BODY),
        (b"   \n\t\n  ", Reason.EMPTY_BODY),
        (bytes(range(256)) * 20, Reason.NOT_TEXT),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 100, Reason.NOT_TEXT),
    ],
)
def test_unusable_captures_are_rejected_with_a_reason(data: bytes, reason: Reason) -> None:
    result = Cleaner()(data)
    assert isinstance(result, Rejected)
    assert result.reason == reason and result.detail


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_a_capture_in_utf16_or_utf32_with_a_byte_order_mark_is_read(encoding: str) -> None:
    # Windows "Unicode" text: every other byte is NUL, which is no sign of binary data here
    data = GOOD.encode(encoding) if encoding != "utf-16-be" else b"\xfe\xff" + GOOD.encode(encoding)
    a = Cleaner()(data)
    assert isinstance(a, Article) and a.title == "Judul Berita"
    assert a.published is not None and any("byte order mark" in w for w in a.warnings)
    # bytes behind such a mark that are no text of it stay a reject
    for junk in (b"\xff\xfe\x00\x00\x01\x02", b"\xff\xfe" + b"\x00\x00\x01\x00" * 500):
        r = Cleaner()(junk)
        assert isinstance(r, Rejected) and r.reason == Reason.NOT_TEXT


def test_a_single_short_line_is_body_with_warnings() -> None:
    a = Cleaner()(b"Judul saja\n")
    assert isinstance(a, Article) and a.title is None and a.text == "Judul saja"
    assert len(a.warnings) == 2


def test_invalid_utf8_and_windows_1252_are_read_with_a_warning() -> None:
    text = (
        "Harga Naik “Tajam” di Pasar\nSenin, 16 Desember 2024 | 10:05 WIB\n"
        "Harga cabai naik tajam — kata pedagang.\n"
    )
    for data in (text.encode("cp1252"), text.encode("utf-8")[:-8] + b"\xff\xfe" + b"dagang.\n"):
        a = Cleaner()(data)
        assert isinstance(a, Article), a
        assert a.title == "Harga Naik “Tajam” di Pasar"
        assert a.published is not None
        assert any("UTF-8" in w for w in a.warnings)


def test_mojibake_is_repaired() -> None:
    broken = GOOD.replace("jembatan baru", "jembatan â€œbaruâ€\x9d")
    a = Cleaner()(broken.encode("utf-8"))
    assert isinstance(a, Article)
    assert "“baru”" in a.text
    assert any("repaired" in w for w in a.warnings)


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(max_codepoint=0x7F), max_size=200))
def test_ascii_precheck_agrees_with_the_control_regex(text: str) -> None:
    # pure ASCII skips the regex scans: a control character must still send it to ftfy
    assert text.isascii()
    assert _needs_fixing(text) == (_CONTROL.search(text) is not None)


#: Lines ftfy changes, or might: mojibake, ligatures, decomposed accents, odd line breaks,
#: control characters and escapes; and plain ASCII lines, which it leaves alone.
_PIECES = ["Harga naik tajam.", "kata â€œdiaâ€\x9d", "Ã©lite", "ﬁnal", "cafe\u0301", "a\rb", "\r",
           "\x1b[31mMERAH\x1b[0m", "x\u2028y", "z\x85", "\x01", "", "  ", "“kata” — dia", "\ufeff",
           "Â\xa0harga"]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=12), max_size=8), st.booleans())
def test_ftfy_asked_line_by_line_fixes_as_it_does_the_whole_text(
    lines: list[str], ending: bool
) -> None:
    text = "\n".join(lines) + ("\n" if ending else "")
    assert _fix_lines(text) == ftfy.fix_text(text, config=_FTFY)


def test_ftfy_asked_line_by_line_fixes_real_articles_as_it_does_them_whole() -> None:
    csv.field_size_limit(1 << 30)
    path = need_shared(SAMPLE.parents[1] / "eval" / "raw" / "detik-2025" / "data_berita.csv")
    with path.open(encoding="utf-8", newline="") as f:
        texts = [value for row in csv.reader(f) for value in row]
    broken = [t for t in texts if _needs_fixing(t)]
    assert broken  # real articles with mojibake or control characters
    for text in broken:
        assert _fix_lines(text) == ftfy.fix_text(text, config=_FTFY)


def _needs_non_ascii(items: Any) -> bool:
    """Whether every match of a parsed regex sequence holds a non-ASCII character."""
    for op, av in items:
        if op is sre.LITERAL and av >= 0x80:
            return True
        if op is sre.IN and all(
            (o is sre.LITERAL and a >= 0x80) or (o is sre.RANGE and a[0] >= 0x80) for o, a in av
        ):
            return True
        if op is sre.SUBPATTERN and _needs_non_ascii(av[-1]):
            return True
        if op is sre.BRANCH and all(_needs_non_ascii(branch) for branch in av[1]):
            return True
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[0] >= 1 and _needs_non_ascii(av[2]):
            return True
    return False


def _ops(items: Any) -> set[Any]:
    """Every opcode of a parsed regex, nested ones too."""
    found = set()
    for op, av in items:
        found.add((op, av) if op is sre.AT else op)
        for part in av if isinstance(av, (tuple, list)) else ():
            if isinstance(part, sre_parse.SubPattern):
                found |= _ops(part)
            elif isinstance(part, list) and op is sre.BRANCH:
                for branch in part:
                    found |= _ops(branch)
    return found


def test_is_bad_may_read_only_around_non_ascii_characters() -> None:
    """What `warta.decode.is_bad` relies on, checked on ftfy's badness regex itself: every
    match holds a non-ASCII character and is at most `BAD_WIDTH` long, and the regex has
    no look-ahead or look-behind and no anchor but the text's start."""
    regex = ftfy.badness.BADNESS_RE
    parsed = sre_parse.parse(regex.pattern, regex.flags)
    # no case folding (a non-ASCII letter could match an ASCII one), no inline flags
    assert not regex.flags & (re.MULTILINE | re.IGNORECASE)
    assert "(?" not in regex.pattern.replace("(?:", "")
    assert parsed.getwidth()[1] <= BAD_WIDTH
    assert _needs_non_ascii(parsed)
    ops = _ops(parsed)
    assert not ops & {sre.ASSERT, sre.ASSERT_NOT, sre.GROUPREF}
    assert {op for op in ops if isinstance(op, tuple)} <= {(sre.AT, sre.AT_BEGINNING)}
    # the checks can fail: a regex that breaks each of them
    assert not _needs_non_ascii(sre_parse.parse("Ã|ab"))
    assert (sre.AT, sre.AT_END) in _ops(sre_parse.parse("x(?:Ã|b$)"))


#: Mojibake and other suspects for `is_bad`: at a text's start (`^[ÃÂ][ ]`), after a space
#: or a letter, alone, and characters that are not mojibake.
_SUSPECTS = ["Ã ", "Â ", "kata â€œdiaâ€\x9d", "Ã©lite", "a Ã ", "Ã\xa0", "œ.", "×²", "вЂ",
             "ГўВЂВxs", "ØŒ Ø§", "“kata” — dia", "é", "Rp 5.000 – 7.000", "Ã", "café",
             "\n"]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_SUSPECTS) | st.text(max_size=10), max_size=10))
def test_is_bad_agrees_with_ftfy(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert is_bad(text) == ftfy.badness.is_bad(text)


def test_is_bad_agrees_with_ftfy_on_real_articles() -> None:
    csv.field_size_limit(1 << 30)
    raw = need_shared(SAMPLE.parents[1] / "eval" / "raw")
    texts = []
    for path in sorted(raw.rglob("*.csv")):
        with path.open(encoding="utf-8", errors="replace", newline="") as f:
            texts += [value for row in csv.reader(f) for value in row]
    suspects = [t for t in texts if not t.isascii()]
    assert len(suspects) > 100
    assert [is_bad(t) for t in suspects] == [ftfy.badness.is_bad(t) for t in suspects]
    assert any(map(is_bad, suspects))  # real mojibake among them


def test_a_control_character_in_ascii_text_is_repaired() -> None:
    for control in ("\x01", "\x08", "\x0b", "\x1b", "\x7f"):
        a = Cleaner()(GOOD.replace("jembatan baru", f"jembatan{control} baru").encode())
        assert isinstance(a, Article)
        assert control not in a.text, repr(control)
        assert any("repaired" in w for w in a.warnings)


def test_impossible_date_gives_null_and_a_warning() -> None:
    a = Cleaner()(GOOD.replace("Kamis, 30 Desember", "Rabu, 31 Februari"))
    assert isinstance(a, Article)
    assert a.published is None
    assert a.dateline_raw == "Rabu, 31 Februari 2021 - 19:18 WIB"
    assert any("impossible" in w for w in a.warnings)


def test_capture_without_dateline_is_kept_with_null_date() -> None:
    a = Cleaner()("Judul Berita\nPresiden meresmikan jembatan baru di kota itu.\n")
    assert isinstance(a, Article)
    assert a.published is None and a.dateline_raw is None
    assert a.text == "Presiden meresmikan jembatan baru di kota itu."


def test_huge_capture_is_rejected_before_it_is_read_whole(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.write(GOOD.encode())
        chunk = (
            "Paragraf panjang yang diulang-ulang untuk membuat berkas besar. " * 100 + "\n"
        ).encode()
        while f.tell() < 50 * 1024 * 1024:
            f.write(chunk)
    good = tmp_path / "good.txt"
    good.write_text(GOOD, encoding="utf-8")
    result = CliRunner().invoke(main, ["clean", str(big), str(good)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0]["rejected"] is True and lines[0]["reason"] == "too_large"
    assert lines[1]["title"] == "Judul Berita"
    # through the API, too: a clear reason, not a crash
    rejected = Cleaner(Settings(max_bytes=1024))(big.read_bytes()[:4096])
    assert isinstance(rejected, Rejected) and rejected.reason == Reason.TOO_LARGE


def test_one_bad_file_does_not_stop_the_others(tmp_path: Path) -> None:
    sample = need_shared(SAMPLE)
    (tmp_path / "a-empty.txt").write_bytes(b"")
    (tmp_path / "b-binary.txt").write_bytes(b"\x00\x01\x02" * 1000)
    (tmp_path / "c-good.txt").write_bytes(sample.read_bytes())
    # a file that is there but cannot be read (a path that is not there is an error)
    unreadable = tmp_path / "d-link.txt"
    unreadable.symlink_to(tmp_path / "gone")
    result = CliRunner().invoke(main, ["clean", str(tmp_path), str(unreadable)])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    # the link is read twice, as asked: in the folder and as named
    assert [(r.get("reason"), r["source"]) for r in rows if r.get("rejected")] == [
        ("empty_body", str(tmp_path / "a-empty.txt")),
        ("not_text", str(tmp_path / "b-binary.txt")),
        ("unreadable", str(unreadable)),
        ("unreadable", str(unreadable)),
    ]
    assert sum(1 for r in rows if not r.get("rejected")) == 1
    assert (
        "read 5 | written 1 | rejected 4 (empty_body 1, not_text 1, unreadable 2)" in result.stderr
    )


def test_unreadable_dateline_is_kept_raw_never_guessed() -> None:
    a = Cleaner()(
        "Judul Berita\nKamis, 30 Desembr 2021 19:18 WIB\nPresiden meresmikan jembatan baru."
    )
    assert isinstance(a, Article)
    assert a.dateline_raw == "Kamis, 30 Desembr 2021 19:18 WIB"
    assert a.published is None and a.to_dict()["published_at"] is None
    assert a.text == "Presiden meresmikan jembatan baru."
    assert any("not understood" in w for w in a.warnings)
