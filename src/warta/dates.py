"""Indonesian date vocabulary and grammar: datelines, page metadata and year inference.

One vocabulary (months, days, zones) serves every date in warta: the dateline
under a title, a `<meta>` timestamp and the dated mentions of the timeline.

Example:
    >>> found = find_date("Kamis, 30 Desember 2021 - 19:18 WIB")
    >>> found.value.isoformat()
    '2021-12-30T19:18:00+07:00'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Literal

from warta.model import Precision

MONTHS: dict[str, int] = {
    # Indonesian, with the spellings and abbreviations portals print
    **dict.fromkeys(["januari", "jan"], 1),
    **dict.fromkeys(["februari", "pebruari", "feb", "peb", "pebr", "febr"], 2),
    **dict.fromkeys(["maret", "mar", "mrt"], 3),
    **dict.fromkeys(["april", "apr"], 4),
    **dict.fromkeys(["mei"], 5),
    **dict.fromkeys(["juni", "jun"], 6),
    **dict.fromkeys(["juli", "jul"], 7),
    **dict.fromkeys(["agustus", "agu", "ags", "agt", "agst", "agus"], 8),
    **dict.fromkeys(["september", "sep", "sept"], 9),
    **dict.fromkeys(["oktober", "okt"], 10),
    **dict.fromkeys(["november", "nopember", "nov", "nop"], 11),
    **dict.fromkeys(["desember", "des"], 12),
    # English (Republika, Tempo English, IDN Times cards)
    **dict.fromkeys(["january"], 1),
    **dict.fromkeys(["february"], 2),
    **dict.fromkeys(["march"], 3),
    **dict.fromkeys(["may"], 5),
    **dict.fromkeys(["june"], 6),
    **dict.fromkeys(["july", "jly"], 7),
    **dict.fromkeys(["august", "aug"], 8),
    **dict.fromkeys(["oct", "october"], 10),
    **dict.fromkeys(["dec", "december"], 12),
    # Malay
    **dict.fromkeys(["mac"], 3),
    **dict.fromkeys(["julai"], 7),
    **dict.fromkeys(["ogos", "ogo", "ogs"], 8),
    **dict.fromkeys(["disember", "dis"], 12),
}

#: Day names (Monday = 0), with the Malay and English forms portals print.
DAYS: dict[str, int] = {
    **dict.fromkeys(["senin", "sen", "isnin", "monday", "mon"], 0),
    **dict.fromkeys(["selasa", "sel", "tuesday", "tue", "tues"], 1),
    **dict.fromkeys(["rabu", "rab", "wednesday", "wed"], 2),
    **dict.fromkeys(["kamis", "kam", "khamis", "thursday", "thu", "thurs"], 3),
    **dict.fromkeys(["jumat", "jum", "jumaat", "friday", "fri"], 4),
    **dict.fromkeys(["sabtu", "sab", "saturday", "sat"], 5),
    **dict.fromkeys(["minggu", "min", "ahad", "sunday", "sun"], 6),
}

#: Indonesian time zones and the universal ones, as hours east of UTC.
ZONES: dict[str, int] = {"wib": 7, "wita": 8, "wit": 9, "utc": 0, "gmt": 0, "z": 0}

_ZONE_NAMES = {7: "WIB", 8: "WITA", 9: "WIT"}
# Each zone's offset, made once: a dateline names one, and `timezone(timedelta(...))`
# costs as much as reading the rest of its time.
_ZONE_OFFSETS = {name: timezone(timedelta(hours=hours)) for name, hours in ZONES.items()}
#: The widest offset a zone has (Kiribati, +14:00); beyond it an offset is a misprint.
MAX_OFFSET = timedelta(hours=14)

#: Parts of the day and their TimeML codes (`2014-12-28TMO` for "Minggu pagi").
DAY_PARTS: dict[str, str] = {
    "pagi": "MO", "subuh": "MO", "siang": "AF", "tengah hari": "MI", "sore": "AF",
    "petang": "EV", "malam": "NI", "tengah malam": "NI", "dini hari": "NI",
}  # fmt: skip

#: Calendar units (singular word) and their TimeML duration letters; time units start with `T`.
UNITS: dict[str, str] = {
    "detik": "TS", "menit": "TM", "jam": "TH", "hari": "D", "pekan": "W", "minggu": "W",
    "bulan": "M", "tahun": "Y", "windu": "8Y", "dekade": "DE", "dasawarsa": "DE", "abad": "CE",
}  # fmt: skip

#: Indonesian number words up to ten, and the teens/tens builders (`dua belas`, `tiga puluh`).
NUMBERS: dict[str, int] = {
    "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7,
    "delapan": 8, "sembilan": 9, "sepuluh": 10, "sebelas": 11, "seratus": 100, "seribu": 1000,
}  # fmt: skip

_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY_ALT = "|".join(sorted(DAYS, key=len, reverse=True))
# An hour offset follows only `UTC`/`GMT` (`GMT+7`): the ` - 1.229 Views` after a `WIB` is
# no offset, and neither is a number going on (`GMT - 1.229`).
_ZONE_RE = (
    r"(?P<zone>wita|wib|wit|utc|gmt)"
    r"(?:(?<=utc|gmt)\s*(?P<zsign>[+-])\s*(?P<zoff>\d{1,2})(?::?(?P<zmin>\d{2}))?(?![\d:.]\d|\d))?"
)
# Between the date and the time: spaces and the separators portals print
# (`-`, `|`, `,`, `@`), and the words `pukul`, `jam`, `at`.
_SEP = r"(?:[\s,|@\-–—/]|pukul|pkl\.?|jam|at)*"
_TIME = (
    r"(?P<hh>\d{1,2})[:.](?P<mm>\d{2})(?:[:.](?P<ss>\d{2}))?(?!\d)"
    r"(?:\s*(?P<ampm>am|pm))?"
)
#: A numeric UTC offset right after a time: attached (`+07:00`, `+0700`, PostgreSQL's `+08`),
#: or after one space when it is a real four-digit offset (`12:18:00 +0700`), so that the
#: `+62` of a phone number is never read as one.
_SPACED_OFFSET = r"\s(?=[+-](?:0\d|1[0-4]):?[0-5]\d(?!\d))"
_OFFSET = rf"(?:{_SPACED_OFFSET})?(?P<tz>[+-]\d{{2}}(?::?\d{{2}})?)(?![\d:])"
#: The same after a dateline's time (RFC 2822's `12:18:00 +0000`), where `19:00-21:00` is a
#: range of hours: a `-` attached to the time is an offset only as `-0500`.
_DATELINE_OFFSET = (
    rf"(?:{_SPACED_OFFSET}|(?=\+|-\d{{4}}(?!\d)))(?P<tz>[+-]\d{{2}}(?::?\d{{2}})?)(?![\d:])"
)
_TAIL = rf"(?:{_SEP}{_TIME}(?:{_DATELINE_OFFSET})?)?(?:\s*{_ZONE_RE}\b)?"
_DOW = rf"(?:(?P<dow>{_DAY_ALT})\b\s*,?\s*)?"

_WORD_DATE = re.compile(
    rf"{_DOW}(?<![\d.:/])(?P<day>\d{{1,2}})\s*(?P<mon>{_MONTH_ALT})\b\.?\s*,?\s*(?P<year>\d{{4}})(?!\d){_TAIL}"
)
_ENGLISH_DATE = re.compile(
    rf"{_DOW}(?P<mon>{_MONTH_ALT})\b\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s*(?P<year>\d{{4}})(?!\d){_TAIL}"
)
_NUMERIC_DATE = re.compile(
    rf"{_DOW}(?<![\d.:/])(?P<a>\d{{1,2}})/(?P<b>\d{{1,2}})/(?P<year>\d{{4}})(?!\d){_TAIL}"
)
# `30-12-2021`, `30.12.2021`: one separator twice and a four-digit year (a time `19.18` has
# no third part, a price `2.500.000` three-digit groups), and not inside something longer:
# a version (`v1.12.2021`), a code (`ID-30-12-2021`), a number going on (`1.12.2021.5`).
_DOTTED_DATE = re.compile(
    rf"{_DOW}(?<![\w.:/+\-])(?P<a>\d{{1,2}})(?P<sep>[.\-])(?P<b>\d{{1,2}})(?P=sep)"
    rf"(?P<year>\d{{4}})(?![\d]|[.\-]\d){_TAIL}"
)
_ISO_DATE = re.compile(
    r"(?<!\d)(?P<year>\d{4})[-/](?P<a>\d{1,2})[-/](?P<b>\d{1,2})"
    r"(?:[t\s]+(?P<hh>\d{1,2})[:.\-](?P<mm>\d{2})(?:[:.\-](?P<ss>\d{2}))?(?:[.,]\d+)?"
    rf"(?:{_OFFSET})?)?"
    rf"(?:\s*(?:(?P<z>z)(?![a-z])|{_ZONE_RE}\b))?(?!\d)"  # `z`, not the first letter of `zaman`
)


@dataclass(frozen=True, slots=True)
class FoundDate:
    """A date found in text.

    `value` is None when the text has the shape of a date but names an
    impossible one (31 Februari); `problem` then says why.
    """

    value: datetime | None
    precision: Precision
    zone_given: bool
    start: int
    end: int
    problem: str | None = None
    weekday_mismatch: bool = False


def zone_offset(name: str) -> timezone:
    """The fixed offset of a zone name (`WIB`, `WITA`, `WIT`, `UTC`) or an `+07:00` string.

    Raises:
        ValueError: the name is not a zone warta knows, or an offset no zone has (`+25:00`).
    """
    key = name.strip().lower()
    if key in ZONES:
        return _ZONE_OFFSETS[key]
    m = re.fullmatch(r"(?:utc|gmt)?\s*([+-])(\d{1,2}):?(\d{2})?", key)
    if not m:
        raise ValueError(
            f"unknown time zone {name!r} (use WIB, WITA, WIT or an offset like +07:00)"
        )
    sign = -1 if m.group(1) == "-" else 1
    hours, minutes = int(m.group(2)), int(m.group(3) or 0)
    offset = sign * timedelta(hours=hours, minutes=minutes)
    if minutes > 59 or not -MAX_OFFSET <= offset <= MAX_OFFSET:
        raise ValueError(
            f"impossible time zone offset {name!r} (no zone is more than 14 hours from UTC)"
        )
    return timezone(offset)


def zone_name(tz: timezone | None, at: datetime | None = None) -> str | None:
    """`WIB`/`WITA`/`WIT` for the Indonesian offsets, else None."""
    if tz is None:
        return None
    offset = tz.utcoffset(at)
    if offset is None:
        return None
    hours = offset.total_seconds() / 3600
    return _ZONE_NAMES.get(int(hours)) if hours.is_integer() else None


def normalize(text: str) -> str:
    """Lower-case, fold the apostrophe of `Jum'at` and the no-break spaces, keeping offsets.

    Every replacement is one character for one character, so a match in the
    result has the same offsets in the original.
    """
    if _DOTTED_I in text:  # the one letter whose lower case is two characters ("i" + U+0307)
        text = text.replace(_DOTTED_I, "I")
    low = text.lower()
    for space in _SPACES:  # ten times faster than `str.translate`, which looks up every character
        low = low.replace(space, " ")
    return low


#: Turkish capital I with a dot (`İstanbul`): lowered as `i`, one character for one.
_DOTTED_I = "\u0130"
#: No-break, thin and narrow no-break spaces and tabs: read as a plain space.
_SPACES = ("\xa0", "\u2009", "\u202f", "\t")


def find_date(
    text: str,
    *,
    default_zone: timezone | str = "WIB",
    order: Literal["DMY", "MDY"] = "DMY",
) -> FoundDate | None:
    """Find the first full date (day, month, year; optional time and zone) in `text`.

    Args:
        text: a dateline, a meta value or any text.
        default_zone: the zone for a time printed without one.
        order: how to read an ambiguous numeric date, `a/b/yyyy`, `a-b-yyyy` or
            `a.b.yyyy` (Indonesian pages print day first; some datasets store month first).

    Returns:
        The first date found, or None when `text` holds no date.

    Example:
        >>> find_date("Diperbarui 30 Mei 2025, 15:55 WIB").value.isoformat()
        '2025-05-30T15:55:00+07:00'
    """
    low = normalize(text)
    if _YEAR.search(low) is None:  # every grammar ends its date with a four-digit year
        return None
    if "jum" in low:
        low = _fold_jumat(low)
    best: tuple[int, re.Match[str], str] | None = None
    for kind, pattern, needs in _PATTERNS:
        if best is not None and best[0] == 0:  # no date starts earlier: ties go to the first
            break
        if needs.search(low) is None:
            continue
        m = pattern.search(low)
        if m is not None and (best is None or m.start() < best[0]):
            best = (m.start(), m, kind)
    if best is None:
        return None
    return _build(best[1], best[2], default_zone, order)


def find_field_date(
    text: str,
    *,
    default_zone: timezone | str = "WIB",
    order: Literal["DMY", "MDY"] = "DMY",
) -> FoundDate | None:
    """The date a whole field holds (a dataset's `published`): what `find_date` reads, and
    two forms only a whole field can be, an epoch timestamp written as digits (`1640866680`,
    seconds or milliseconds, as a CSV holds it; the instant in UTC) and a compact
    `20211230`. Inside running text such digits are counts, amounts and ids: `find_date`
    never reads them.

    Args:
        text: the field's value.
        default_zone: the zone for a time printed without one (and a compact date's day).
        order: how to read an ambiguous numeric date (see `find_date`).

    Returns:
        The date, or None when the field holds none.

    Example:
        >>> find_field_date("1640866680").value.isoformat()
        '2021-12-30T12:18:00+00:00'
        >>> find_field_date("20211230").value.isoformat()
        '2021-12-30T00:00:00+07:00'
    """
    m = _COMPACT_DATE.fullmatch(text)
    if m is not None:
        return _build(m, "iso", default_zone, order)
    m = _EPOCH.fullmatch(text)
    instant = epoch_instant(float(m.group("epoch"))) if m is not None else None
    if m is not None and instant is not None:
        return FoundDate(instant.replace(microsecond=0), "second", True, m.start(), m.end())
    return find_date(text, default_zone=default_zone, order=order)


def epoch_instant(value: float) -> datetime | None:
    """The UTC instant of an epoch timestamp in seconds or milliseconds; None for a number
    that is neither (a count, a year).

    Example:
        >>> epoch_instant(1640866680000).isoformat()
        '2021-12-30T12:18:00+00:00'
    """
    if value > EPOCH_MILLIS_FROM:
        value /= 1000
    if EPOCH_SECONDS[0] < value < EPOCH_SECONDS[1]:
        return datetime.fromtimestamp(value, UTC)
    return None


#: An epoch timestamp in seconds lies between these (1973 and 2286); a number above
#: `EPOCH_MILLIS_FROM` is one in milliseconds.
EPOCH_SECONDS = (1e8, 1e10)
EPOCH_MILLIS_FROM = 1e11
# A whole field of digits: `20211230` (a 19xx or 20xx year), or an epoch timestamp.
_COMPACT_DATE = re.compile(r"\s*(?P<year>(?:19|20)\d{2})(?P<a>[01]\d)(?P<b>[0-3]\d)\s*", re.ASCII)
_EPOCH = re.compile(r"\s*(?P<epoch>\d{9,13}(?:\.\d+)?)\s*", re.ASCII)


_MONTH_WORD = re.compile(rf"(?:{_MONTH_ALT})\b")
#: Each grammar, and a part every match of it holds: a quick search that rules most
#: lines out (a grammar's own search tries its optional weekday at every character).
_PATTERNS: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = (
    ("word", _WORD_DATE, _MONTH_WORD),
    ("english", _ENGLISH_DATE, _MONTH_WORD),
    ("numeric", _NUMERIC_DATE, re.compile(r"\d/\d")),
    ("numeric", _DOTTED_DATE, re.compile(r"\d([.\-])\d{1,2}\1\d{4}")),
    ("iso", _ISO_DATE, re.compile(r"\d[-/]\d")),
)
_YEAR = re.compile(r"\d{4}(?!\d)")


def fold(text: str) -> str:
    """`normalize` plus `Jum'at` -> `Jumat`: the lower-case text the grammars search, same offsets.

    Example:
        >>> fold("Jum'at\xa0PAGI")
        'jumat  pagi'
    """
    low = normalize(text)
    return _fold_jumat(low) if "jum" in low else low


def _fold_jumat(low: str) -> str:
    """Drop the apostrophe of `jum'at` without moving later offsets (pad with a space)."""
    return re.sub(r"jum['’`]at", "jumat ", low)


def _build(m: re.Match[str], kind: str, default_zone: timezone | str, order: str) -> FoundDate:
    g = m.groupdict()
    year = int(g["year"])
    if kind in ("word", "english"):
        month, day = MONTHS[g["mon"]], int(g["day"])
    elif kind == "iso":
        month, day = int(g["a"]), int(g["b"])
    else:
        a, b = int(g["a"]), int(g["b"])
        if a > 12 >= b:
            day, month = a, b
        elif b > 12 >= a:
            month, day = a, b
        else:
            day, month = (b, a) if order == "MDY" else (a, b)
    hh, mm, ss = g.get("hh"), g.get("mm"), g.get("ss")
    precision: Precision = "day"
    hour = minute = second = 0
    if hh is not None and mm is not None:
        hour, minute = int(hh), int(mm)
        if g.get("ampm") == "pm" and hour < 12:
            hour += 12
        elif g.get("ampm") == "am" and hour == 12:
            hour = 0
        precision = "minute"
        if ss is not None:
            second, precision = int(ss), "second"
    try:
        tz, zone_given = _zone(g, default_zone)
    except ValueError as exc:  # `+25:00`: an instant in no zone, never a guessed one
        return FoundDate(None, precision, True, m.start(), m.end(), str(exc))
    try:
        value = datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError as exc:
        return FoundDate(None, precision, zone_given, m.start(), m.end(), f"impossible date: {exc}")
    mismatch = g.get("dow") is not None and DAYS[g["dow"]] != value.weekday()
    return FoundDate(value, precision, zone_given, m.start(), m.end(), None, mismatch)


def _zone(g: dict[str, str | None], default_zone: timezone | str) -> tuple[timezone, bool]:
    """The zone a match names (word or ISO offset), else the default.

    Raises:
        ValueError: the match names an offset no zone has (`+25:00`).
    """
    if g.get("tz"):
        return zone_offset(g["tz"] or ""), True
    if g.get("z"):
        return UTC, True
    if g.get("zone"):
        if g.get("zsign"):  # `GMT+7`: only UTC and GMT take an offset
            return zone_offset(f"{g['zsign']}{g['zoff']}:{g['zmin'] or '00'}"), True
        return _ZONE_OFFSETS[g["zone"] or ""], True
    fallback = default_zone if isinstance(default_zone, timezone) else zone_offset(default_zone)
    return fallback, False


def infer_year(month: int, day: int, anchor: date) -> int:
    """The year that puts `day month` nearest to `anchor` (a date printed without its year).

    Example:
        >>> infer_year(12, 17, date(2021, 12, 30)), infer_year(1, 10, date(2021, 12, 30))
        (2021, 2022)
    """
    best_year, best_gap = anchor.year, None
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        try:
            gap = abs((date(year, month, day) - anchor).days)
        except ValueError:  # 29 Februari outside a leap year
            continue
        if best_gap is None or gap < best_gap:
            best_year, best_gap = year, gap
    return best_year
