"""The Indonesian dateline grammar: every format the portal catalogue lists, to the minute."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import SHARED, need_shared
from warta.dates import MONTHS, find_date, find_field_date, infer_year, normalize, zone_offset

WIB = timezone(timedelta(hours=7))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Kamis, 30 Desember 2021 - 19:18 WIB", "2021-12-30T19:18:00+07:00"),
        ("Senin, 02/03/2020 08:15 WIB", "2020-03-02T08:15:00+07:00"),
        ("Minggu, 12/01/2019 21:40 WIB WIB", "2019-01-12T21:40:00+07:00"),
        ("Selasa, 7 Jan 2025 06:05 WIB", "2025-01-07T06:05:00+07:00"),
        ("Jumat, 1 Agu  2025 12:03 WIB", "2025-08-01T12:03:00+07:00"),
        ("Rabu, 13 Ags 2025 10:00 WITA", "2025-08-13T10:00:00+08:00"),
        ("Kamis, 14 Agt 2025 10:00 WIT", "2025-08-14T10:00:00+09:00"),
        ("Senin, 3 Nopember 2014 | 10:20 WIB", "2014-11-03T10:20:00+07:00"),
        ("Kamis, 5 Pebruari 2015, 16:15 WIB", "2015-02-05T16:15:00+07:00"),
        ("Kompas.com- 02/01/2024, 07:05 WIB", "2024-01-02T07:05:00+07:00"),
        ("Kompas.com- Diperbarui 02/01/2024, 09:25 WIB", "2024-01-02T09:25:00+07:00"),
        ("Diperbarui 04 Mei 2024, 11:55 WIB", "2024-05-04T11:55:00+07:00"),
        (",\xa0Jurnalis-Jum'at, 03 Mei 2024 |11:58 WIB", "2024-05-03T11:58:00+07:00"),
        ("Tayang: Sabtu, 4 Mei 2024 08:52 WIB", "2024-05-04T08:52:00+07:00"),
        ("Terbit 6 Sep 2024 17:00 WIB", "2024-09-06T17:00:00+07:00"),
        ("3 Juli 2024 | 20.04 WIB", "2024-07-03T20:04:00+07:00"),
        ("on 9 Mar 2016 at 09:10 WIB", "2016-03-09T09:10:00+07:00"),
        ("Ahad, 6 Maret 2016, 16:15 WIB", "2016-03-06T16:15:00+07:00"),
        ("Friday, 10 March, 2017 | 07:28 WIB", "2017-03-10T07:28:00+07:00"),
        ("Rabu   11 Sep 2024  22:02 WIB", "2024-09-11T22:02:00+07:00"),
        ("Selasa, 8 Okt 2024 14:56 WIB | 1.229 Views", "2024-10-08T14:56:00+07:00"),
        ("Sabtu, 28 Des 2024 - 13:39 WIB", "2024-12-28T13:39:00+07:00"),
    ],
)
def test_datelines_parse_to_the_instant(line: str, expected: str) -> None:
    found = find_date(line)
    assert found is not None and found.value is not None
    assert found.value.isoformat() == expected
    assert found.zone_given


def test_zone_less_dateline_takes_the_default_zone() -> None:
    found = find_date("12 Mei 2024 15:18")
    assert found is not None and found.value == datetime(2024, 5, 12, 15, 18, tzinfo=WIB)
    assert not found.zone_given
    wita = find_date("12 Mei 2024 15:18", default_zone="WITA")
    assert wita is not None and wita.value is not None
    assert wita.value.utcoffset() == timedelta(hours=8)


def test_numeric_order_is_read_from_the_numbers_or_the_setting() -> None:
    assert find_date("10/21/2025 20:43").value == datetime(2025, 10, 21, 20, 43, tzinfo=WIB)
    assert find_date("5/6/2025 20:43").value == datetime(2025, 6, 5, 20, 43, tzinfo=WIB)
    us = find_date("5/6/2025 20:43", order="MDY")
    assert us is not None and us.value == datetime(2025, 5, 6, 20, 43, tzinfo=WIB)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("30-12-2021 19:18", "2021-12-30T19:18:00+07:00"),
        ("30.12.2021 19:18", "2021-12-30T19:18:00+07:00"),
        ("Kamis, 30.12.2021 - 19.18 WITA", "2021-12-30T19:18:00+08:00"),
        ("Diperbarui 02-01-2024, 09:25 WIB", "2024-01-02T09:25:00+07:00"),
    ],
)
def test_dashed_and_dotted_dates(line: str, expected: str) -> None:
    assert _instant(line) == expected


def test_dashed_and_dotted_dates_follow_the_order_setting() -> None:
    for line in ("5-6-2025 20:43", "5.6.2025 20:43"):
        assert find_date(line).value == datetime(2025, 6, 5, 20, 43, tzinfo=WIB)
        assert find_date(line, order="MDY").value == datetime(2025, 5, 6, 20, 43, tzinfo=WIB)
    assert find_date("10-21-2025").value == datetime(2025, 10, 21, tzinfo=WIB)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pukul 19.18 kemarin, 3.12.2021", date(2021, 12, 3)),  # a time is no date
        ("Versi v1.12.2021 dirilis 3.12.2021", date(2021, 12, 3)),
        ("Harga Rp 2.500.000 naik pada 3-12-2021", date(2021, 12, 3)),
        ("Kode ID-30-12-2021 terbit 31-12-2021", date(2021, 12, 31)),
        ("Nomor 1.12.2021.5 sejak 31.12.2021", date(2021, 12, 31)),
    ],
)
def test_dotted_numbers_that_are_not_dates_are_skipped(text: str, expected: date) -> None:
    found = find_date(text)
    assert found is not None and found.value is not None
    assert found.value.date() == expected


def test_machine_timestamps_including_malformed_ones() -> None:
    assert find_date("2015-06-16T14-05-11Z").value == datetime(2015, 6, 16, 14, 5, 11, tzinfo=UTC)
    assert find_date("2015-06-19T03:40:00+07:00Z").value == datetime(2015, 6, 19, 3, 40, tzinfo=WIB)
    assert find_date("2026/03/26 14:05:21").value == datetime(2026, 3, 26, 14, 5, 21, tzinfo=WIB)


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2021-12-30 12:18:00 UTC", "2021-12-30T12:18:00+00:00"),
        ("2021-12-30 12:18:00 GMT", "2021-12-30T12:18:00+00:00"),
        ("2021-12-30T12:18:00 UTC", "2021-12-30T12:18:00+00:00"),
        ("2021-12-30 19:18 WIB", "2021-12-30T19:18:00+07:00"),
        ("2021-12-30 20:18 WITA", "2021-12-30T20:18:00+08:00"),
        ("2021-12-30 21:18 wit", "2021-12-30T21:18:00+09:00"),
        ("2021-12-30 20:18:00+08", "2021-12-30T20:18:00+08:00"),  # PostgreSQL
    ],
)
def test_a_zone_after_an_iso_time_sets_its_offset(stamp: str, expected: str) -> None:
    found = find_date(stamp)
    assert found is not None and found.value is not None and found.zone_given
    assert found.value.isoformat() == expected


def test_an_offset_set_apart_by_a_space_is_a_real_one_not_a_phone_number() -> None:
    go = find_date("2021-12-30 20:18:00 +0800 WITA")  # Go's default layout
    assert go is not None and go.value is not None and go.value.isoformat().endswith("+08:00")
    phone = find_date("2021-12-30 12:18 +6221 5550 123")  # a Jakarta number, not +62:21
    assert phone is not None and not phone.zone_given
    assert phone.value == datetime(2021, 12, 30, 12, 18, tzinfo=WIB)


def test_a_word_starting_with_z_after_an_iso_time_is_no_utc() -> None:
    found = find_date("2021-12-30 19:18 zaman Belanda")
    assert found is not None and not found.zone_given
    assert found.value == datetime(2021, 12, 30, 19, 18, tzinfo=WIB)
    assert find_date("2021-12-30 12:18 Z").value == datetime(2021, 12, 30, 12, 18, tzinfo=UTC)


@pytest.mark.parametrize(
    "line",
    ["Selasa, 8 Okt 2024 14:56 WIB - 1.229 Views", "Selasa, 8 Okt 2024 14:56 WIB - 12 komentar"],
)
def test_a_count_after_the_zone_is_no_offset(line: str) -> None:
    found = find_date(line)
    assert found is not None and found.value == datetime(2024, 10, 8, 14, 56, tzinfo=WIB)


def test_an_hour_offset_after_gmt_or_utc_is_read() -> None:
    assert find_date("8 Okt 2024 14:56 GMT+7").value == datetime(2024, 10, 8, 14, 56, tzinfo=WIB)
    utc = find_date("8 Okt 2024 15:56 UTC + 08:00")
    assert utc is not None and utc.value is not None
    assert utc.value.isoformat() == "2024-10-08T15:56:00+08:00"
    gmt = find_date("8 Okt 2024 07:56 GMT - 1.229 Views")
    assert gmt is not None and gmt.value == datetime(2024, 10, 8, 7, 56, tzinfo=UTC)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Thu, 30 Dec 2021 12:18:00 +0000", "2021-12-30T12:18:00+00:00"),  # RFC 2822
        ("Thu, 30 Dec 2021 07:18:00 -0500", "2021-12-30T07:18:00-05:00"),
        ("30/12/2021 20:18 +08:00", "2021-12-30T20:18:00+08:00"),
        ("30/12/2021 20:18+08", "2021-12-30T20:18:00+08:00"),
    ],
)
def test_a_numeric_offset_after_a_datelines_time_sets_its_offset(line: str, expected: str) -> None:
    assert _instant(line) == expected


def test_a_range_of_hours_is_no_offset_but_an_attached_four_digit_one_is() -> None:
    hours = find_date("Kamis, 30 Desember 2021 09:00-10:00 WIB")  # `-10:00`: when it ends
    assert hours is not None and hours.value == datetime(2021, 12, 30, 9, tzinfo=WIB)
    attached = find_date("Thu, 30 Dec 2021 07:18:00-0500")
    assert attached is not None and attached.value is not None
    assert attached.value.isoformat() == "2021-12-30T07:18:00-05:00"


@pytest.mark.parametrize(
    "stamp", ["2021-12-30T12:18:00+25:00", "2021-12-30 12:18:00+07:60", "30 Des 2021 12:18 GMT+25"]
)
def test_an_impossible_offset_is_reported_not_raised(stamp: str) -> None:
    found = find_date(stamp)
    assert found is not None and found.value is None
    assert "impossible time zone offset" in (found.problem or "")


def test_an_impossible_offset_is_a_clear_error_for_the_zone_setting() -> None:
    with pytest.raises(ValueError, match=r"impossible time zone offset '\+25:00'"):
        zone_offset("+25:00")


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("1640866680", "2021-12-30T12:18:00+00:00"),  # an epoch in seconds, as a CSV holds it
        ("1640866680000", "2021-12-30T12:18:00+00:00"),  # in milliseconds
        ("20211230", "2021-12-30T00:00:00+07:00"),
    ],
)
def test_a_whole_field_of_digits_is_an_epoch_or_a_compact_date(field: str, expected: str) -> None:
    found = find_field_date(field)
    assert found is not None and found.value is not None
    assert found.value.isoformat() == expected
    assert find_date(f"Sebanyak {field} orang") is None  # in running text: a number


def test_a_whole_field_of_other_digits_is_no_date() -> None:
    assert find_field_date("30122021") is None  # no 3012 year, never a guess
    assert find_field_date("2021") is None
    impossible = find_field_date("20210231")
    assert impossible is not None and impossible.value is None
    assert find_field_date("30-12-2021 19:18").value == datetime(2021, 12, 30, 19, 18, tzinfo=WIB)


def test_impossible_date_is_reported_not_guessed() -> None:
    found = find_date("Senin, 31 Februari 2021 10:00 WIB")
    assert found is not None and found.value is None
    assert "impossible" in (found.problem or "")


def test_a_date_without_time_is_day_precise() -> None:
    found = find_date("Ahad, 6 Maret 2016")
    assert found is not None and found.precision == "day"


def test_weekday_that_disagrees_is_flagged() -> None:
    found = find_date("Senin, 30 Desember 2021 19:18 WIB")
    assert found is not None and found.weekday_mismatch


def test_every_catalogued_dateline_parses() -> None:
    """List A of the portal catalogue: each dateline gives its own day, month and year."""
    doc = need_shared(SHARED / "docs" / "portals.md").read_text("utf-8")
    section = doc.split("## 4.")[1].split("## 5.")[0]
    lines = re.findall(r"^\d+\. `(.+?)` —", section, re.MULTILINE)
    assert len(lines) >= 40
    checked = 0
    for raw in lines:
        line = raw.replace("\\xa0", "\xa0").replace("\\|", "|")
        if "lalu" in line:  # relative ("17 menit yang lalu"): no absolute date to give
            assert find_date(line) is None
            continue
        found = find_date(line)
        assert found is not None and found.value is not None, line
        assert str(found.value.year) in line, line
        assert str(found.value.day) in re.sub(r"\b0(\d)", r"\1", line), line
        checked += 1
    assert checked >= 40


def test_infer_year_picks_the_nearest() -> None:
    assert infer_year(12, 17, date(2021, 12, 30)) == 2021
    assert infer_year(1, 10, date(2021, 12, 30)) == 2022
    assert infer_year(12, 28, date(2022, 1, 3)) == 2021


def test_unknown_zone_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        zone_offset("Mars")


@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31)),
    st.integers(0, 23),
    st.integers(0, 59),
    st.sampled_from(["WIB", "WITA", "WIT"]),
    st.data(),
)
def test_round_trip_of_generated_datelines(
    day: date, hour: int, minute: int, zone: str, data: st.DataObject
) -> None:
    spellings = sorted(k for k, v in MONTHS.items() if v == day.month)
    month = data.draw(st.sampled_from(spellings)).title()
    sep = data.draw(st.sampled_from([" ", " - ", " | ", ", "]))
    line = f"{day.day} {month} {day.year}{sep}{hour:02d}:{minute:02d} {zone}"
    found = find_date(line)
    assert found is not None and found.value is not None
    assert found.value == datetime(
        day.year, day.month, day.day, hour, minute, tzinfo=zone_offset(zone)
    )


@given(st.text(alphabet=st.sampled_from("aB \xa0\u2009\u202f\t\nİ”é'’"), max_size=40) | st.text())
def test_normalize_lowers_and_reads_odd_spaces_as_spaces(text: str) -> None:
    odd_spaces = {ord(c): " " for c in "\xa0\u2009\u202f\t"}
    # one character for one: `İ` (whose lower case is `i` plus a combining dot) becomes `i`
    assert normalize(text) == "".join(c.lower()[:1] for c in text).translate(odd_spaces)
    assert len(normalize(text)) == len(text)


def _first_match(text: str) -> tuple[int, int, str] | None:
    """The earliest match of any grammar, each searched from every character (no quick tests)."""
    from warta.dates import _PATTERNS, fold

    low = fold(text)
    best: tuple[int, int, str] | None = None
    for kind, pattern, _ in _PATTERNS:
        m = pattern.search(low)
        if m is not None and (best is None or m.start() < best[0]):
            best = (m.start(), m.end(), kind)
    return best


def _found(text: str) -> tuple[int, int] | None:
    found = find_date(text)
    return None if found is None else (found.start, found.end)


def test_quick_tests_never_miss_a_date_in_real_lines() -> None:
    """find_date skips a grammar when a part of every match is missing: on every line of
    the shared scrapes and pages, it finds what a search with every grammar finds."""
    raw = need_shared(SHARED / "eval" / "raw")
    html = need_shared(SHARED / "eval" / "html")
    lines = {
        line
        for path in [*raw.rglob("*.csv"), *html.rglob("*.html")]
        for line in path.read_text("utf-8", errors="replace").splitlines()
        if len(line) < 400
    }
    assert len(lines) > 5_000
    dated = 0
    for line in lines:
        best = _first_match(line)
        assert _found(line) == (None if best is None else best[:2]), line
        dated += best is not None
    assert dated > 100


_DATE_CHARS = st.sampled_from(
    ["Kamis", ", ", " ", "30", "3", "2021", "20215", "-", "/", "12", "Des", "Desember", "jan",
     "19:18", "WIB", "T", "+07:00", "pukul", "x", "\xa0", "jum'at", "7th", "Mei", "."]
)  # fmt: skip


@given(st.lists(_DATE_CHARS, max_size=12).map("".join))
def test_quick_tests_never_miss_a_date_in_generated_text(text: str) -> None:
    best = _first_match(text)
    assert _found(text) == (None if best is None else best[:2])


def _instant(line: str) -> str:
    """The instant `find_date` reads in `line`, in ISO form (it must read one)."""
    found = find_date(line)
    assert found is not None and found.value is not None, line
    return found.value.isoformat()
