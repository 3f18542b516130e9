"""Real scraper output (../shared/eval/raw): boilerplate gone, sentences kept, datelines exact."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import UTC, date

import pytest

from conftest import SHARED, need_shared
from warta import Article, Reason, Rejected, Settings
from warta.dates import find_date
from warta.decode import Decoded, decode
from warta.pipeline import Cleaner

csv.field_size_limit(1 << 30)
GIKI = SHARED / "eval" / "raw" / "gikirima-2025"
DETIK = SHARED / "eval" / "raw" / "detik-2025" / "data_berita.csv"
# Catalogue strings that must never survive as text (inline or whole line).
NEVER = ("SCROLL TO CONTINUE WITH CONTENT", "ADVERTISEMENT", "[Gambas:", "Baca juga:", "Baca Juga:")
# Catalogue lines that must not survive as a whole paragraph.
NEVER_LINE = re.compile(
    r"(advertisement|baca juga|simak juga video.*|tonton juga.*|lihat juga.*|saksikan live.*"
    r"|ikuti whatsapp channel republika|\(\w{2,5}/\w{2,5}\))",
    re.IGNORECASE,
)
_COLUMNS = {
    "title": ("title", "Judul", "judul"),
    "body": ("content", "Isi", "isi_berita"),
    "dateline": ("date", "Tanggal", "tanggal"),
    "url": ("url", "Link", "tautan"),
}


def _field(row: dict[str, str], key: str) -> str:
    return next((row[c] for c in _COLUMNS[key] if c in row), "")


def giki_rows() -> Iterator[tuple[str, dict[str, str]]]:
    for path in sorted(need_shared(GIKI).glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                yield path.stem.split("_")[-1].lower(), row


def giki_capture(row: dict[str, str]) -> str:
    dateline = _field(row, "dateline")
    if row.get("time") and ":" not in dateline:  # detik/republika split date and time
        dateline = f"{dateline} {row['time']}"
    return f"{_field(row, 'title')}\n{dateline}\n{_field(row, 'body')}"


def fixed(line: str) -> str:
    """The line as warta decodes it (mojibake repaired)."""
    decoded = decode(line)
    return decoded.text if isinstance(decoded, Decoded) else ""


def _check_clean(a: Article, body: str) -> None:
    for s in NEVER:
        assert s not in a.text, s
    for para in a.paragraphs:
        assert not NEVER_LINE.fullmatch(para), para
    # Sentences survive: every long line of the body that is not furniture is still there.
    text = " ".join(a.text.split())
    for raw in body.splitlines():
        line = " ".join(fixed(raw).split())
        if len(line) >= 80 and line.endswith(".") and not NEVER_LINE.match(line):
            assert line[-60:] in text, line


def test_gikirima_bodies_are_clean_and_complete(cleaner: Cleaner) -> None:
    n = 0
    for _, row in giki_rows():
        a = cleaner(giki_capture(row), url=_field(row, "url"))
        if isinstance(a, Rejected):
            # only a scrape with no article in it (empty, or one newsletter greeting) may go
            assert a.reason == Reason.EMPTY_BODY and len(_field(row, "body").strip()) < 100
            n += 1
            continue
        assert isinstance(a, Article), a
        _check_clean(a, _field(row, "body"))
        n += 1
    assert n == sum(1 for _ in giki_rows())


def test_gikirima_datelines_agree_with_url_and_record() -> None:
    """Every dateline parses to the day in the URL and the time in the record; junk gives null."""
    checked = nulls = 0
    for portal, row in giki_rows():
        raw = giki_capture(row).split("\n")[1]
        found = find_date(raw)
        if found is None:
            assert not re.search(r"\d{4}", raw), raw  # only junk fields may fail
            nulls += 1
            continue
        assert found.value is not None, raw
        url_date = re.search(r"/(20\d\d)/(\d\d)/(\d\d)/", _field(row, "url"))
        if url_date:
            # Some portals date the URL by the UTC day: either reading of the instant agrees.
            days = {found.value.date(), found.value.astimezone(UTC).date()}
            assert date(*map(int, url_date.groups())) in days, (portal, raw)
        if row.get("time"):
            assert found.value.strftime("%H:%M") == row["time"].strip()[:5].zfill(5), raw
        assert found.value.utcoffset() is not None
        checked += 1
    assert checked >= 300
    assert nulls <= 60


def detik_rows() -> list[dict[str, str]]:
    with need_shared(DETIK).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_detik_bodies_are_clean_and_complete() -> None:
    cleaner = Cleaner(Settings(date_order="MDY"))
    rows = detik_rows()
    assert len(rows) == 1000
    for row in rows:
        capture = f"{row['judul']}\n{row['tanggal']}\n{row['isi_berita']}"
        a = cleaner(capture, url=row["tautan"])
        assert isinstance(a, Article), a
        _check_clean(a, row["isi_berita"])
        # the record's month-first date and time, read as WIB
        m, d, y = map(int, row["tanggal"].split()[0].split("/"))
        hh, mm = map(int, row["tanggal"].split()[1].split(":"))
        assert a.published is not None
        assert (a.published.value.year, a.published.value.month, a.published.value.day) == (y, m, d)
        assert (a.published.value.hour, a.published.value.minute) == (hh, mm)
        assert a.to_dict()["published_at"].endswith("+07:00")
        assert a.outlet == "detik.com"
        assert a.lang == "id"


@pytest.mark.parametrize("portal", ["kompas", "liputan6", "okezone", "tribun", "republika"])
def test_place_prefix_is_taken_off(cleaner: Cleaner, portal: str) -> None:
    rows = [row for p, row in giki_rows() if p == portal]
    places = 0
    for row in rows:
        a = cleaner(giki_capture(row), url=_field(row, "url"))
        assert isinstance(a, Article)
        first = a.paragraphs[0]
        assert not re.match(r"[A-Z ]+,\s*KOMPAS\.com|Liputan6\.com,|REPUBLIKA\.CO\.ID", first), (
            first
        )
        places += a.place is not None
    assert places >= len(rows) // 2
