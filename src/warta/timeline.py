"""Timeline: the dated mentions inside an article, resolved to TimeML TIMEX3 values.

`warta.timeline_grammar` finds the spans; this module says what they mean,
against the article's publication instant (the *anchor*) and, for anaphoric
expressions (`hari berikutnya`, `keesokan harinya`, `sebulan kemudian`), the
last day mentioned before them. The rules are written down in `docs/timeline.md`.

Example:
    >>> from datetime import datetime, timedelta, timezone
    >>> wib = timezone(timedelta(hours=7))
    >>> text = "Rapat pada 12 Januari dan pertemuan pada hari berikutnya."
    >>> [(m.text, m.value) for m in extract_timeline(text, datetime(2021, 12, 30, tzinfo=wib))]
    [('12 Januari', '2022-01-12'), ('hari berikutnya', '2022-01-13')]
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from warta.dates import DAY_PARTS, DAYS, MONTHS, NUMBERS, UNITS, infer_year, zone_offset
from warta.model import Mention, MentionType
from warta.timeline_grammar import Candidate, scan

Groups = Mapping[str, str | None]

#: Day offsets from the publication date.
_DEICTIC = {"kemarin lusa": -2, "kemarin": -1, "hari ini": 0, "besok": 1, "esok hari": 1,
            "esok": 1, "lusa": 2}  # fmt: skip
#: Day offsets from the last day mentioned.
_ANAPHORIC = {"keesokan harinya": 1, "keesokan hari": 1, "esok harinya": 1, "hari berikutnya": 1,
              "hari sebelumnya": -1, "hari itu": 0, "hari yang sama": 0, "harinya": 0,
              "itu": 0}  # fmt: skip
_FUTURE = frozenset({"depan", "mendatang", "nanti", "lagi", "besok", "esok"})
_PAST = frozenset({"lalu", "yang lalu", "silam", "kemarin"})
_AFTER = frozenset({"kemudian", "berikutnya", "setelahnya", "sesudahnya"})
_DURATION_REL = frozenset({None, "ke depan", "terakhir", "mendatang", "ini", "itu"})
_SEASONS = {"penghujan": "WI", "hujan": "WI", "dingin": "WI", "kemarau": "SU", "panas": "SU",
            "semi": "SP", "gugur": "FA"}  # fmt: skip
_REFS = {"saat itu": "PAST_REF", "waktu itu": "PAST_REF", "kala itu": "PAST_REF",
         "ketika itu": "PAST_REF", "masa lalu": "PAST_REF", "masa depan": "FUTURE_REF"}  # fmt: skip
_HALVES = {"D": ("TH", 12), "TH": ("TM", 30), "TM": ("TS", 30), "Y": ("M", 6), "M": ("D", 15),
           "W": ("D", 3.5)}  # fmt: skip
_MULTIPLES = {"DE": ("Y", 10), "CE": ("Y", 100), "8Y": ("Y", 8)}
_GLUE = re.compile(r"\s*,?\s*(?:pada\s+)?")
#: `[.!?]+["'”’)]*\s+|\n`, written to begin with a character set: the engine then skips to
#: the next `.`, `!`, `?` or newline in C instead of trying the pattern at every character.
_SENTENCE_END = re.compile(r"[.!?\n](?:(?<=\n)|[.!?]*[\"'”’)]*\s+)")
_LOCAL_DEFAULT = timedelta(hours=7)  # WIB, when there is no anchor to take the zone from


# `_Resolved` and `_Context` are made for every candidate and never changed: not frozen, whose
# `__init__` sets each field through `object.__setattr__`, three times slower.
@dataclass(slots=True)
class _Resolved:
    """What a candidate means: its type, its value and the day it names (for anaphora)."""

    type: MentionType
    value: str
    day: date | None = None


@dataclass(slots=True)
class _Context:
    """Everything resolution reads besides the candidate itself."""

    anchor: datetime | None
    ref: date | None
    last: date | None
    sentence_day: date | None  # a day named elsewhere in the same sentence


def extract_timeline(text: str, anchor: datetime | None) -> tuple[Mention, ...]:
    """The temporal expressions of `text`, in order, with TimeML values.

    Args:
        text: the article text.
        anchor: the publication instant (tz-aware); dates without a year, weekdays
            and relative expressions resolve against it. With None they keep
            TimeML's unknown digits (`XXXX-12-17`, `XXXX-WXX-3`).

    Returns:
        One `Mention` per expression; `text[m.start:m.end] == m.text`.

    Example:
        >>> from datetime import datetime, timedelta, timezone
        >>> at = datetime(2021, 12, 30, 19, 18, tzinfo=timezone(timedelta(hours=7)))
        >>> [(m.value, m.type) for m in extract_timeline("Rabu (29/12) selama tiga hari", at)]
        [('2021-12-29', 'DATE'), ('P3D', 'DURATION')]
    """
    cands = scan(text)
    if not cands:
        return ()
    # Only a clock time reads the sentence it is in (`_Context.sentence_day`), and few
    # articles have one: the sentence ends are found on the first (a scan of the whole text).
    sentence: list[int] = []
    ref = anchor.date() if anchor is not None else None
    out: list[Mention] = []
    last: date | None = None
    last_at = -1  # the candidate that named `last`
    for i, cand in enumerate(cands):
        same = None
        if cand.kind == "chain" and "time" in cand.pieces:
            sentence = sentence or _sentences(text, cands)
            if last_at >= 0 and sentence[last_at] == sentence[i]:
                same = last
            if _time_only(cand):
                # `pukul 7:55 WIB, Jumat (5/12/2014)`: the day right after the time is its day;
                # a day later in the sentence only when nothing was dated before
                adjacent = i + 1 < len(cands) and _GLUE.fullmatch(
                    text, cand.end, cands[i + 1].start
                )
                if adjacent or last is None:
                    same = _day_ahead(cands, sentence, i, ref) or same
        ctx = _Context(anchor, ref, last, same)
        try:
            resolved = _resolve(cand, ctx)
        except (ValueError, OverflowError):  # `seribu dekade lalu`: beyond year 1 or 9999
            resolved = None
        if resolved is None:
            continue
        if resolved.day is not None:
            last, last_at = resolved.day, i
        out.append(Mention(text[cand.start : cand.end], cand.start, cand.end, resolved.type,
                           resolved.value))  # fmt: skip
    return tuple(out)


def _sentences(text: str, cands: Sequence[Candidate]) -> list[int]:
    """The number of the sentence each candidate starts in."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    return [bisect_right(ends, c.start) for c in cands]


def _time_only(cand: Candidate) -> bool:
    """A clock time with no day of its own (`pukul 06.14`, `15:30 (20:30 GMT)`)."""
    return cand.kind == "chain" and "time" in cand.pieces and not {"date", "dow"} & set(cand.pieces)


def _day_ahead(
    cands: Sequence[Candidate], sentence: Sequence[int], i: int, ref: date | None
) -> date | None:
    """The first self-contained day (a date or weekday) later in the same sentence."""
    for j in range(i + 1, len(cands)):
        if sentence[j] != sentence[i]:
            break
        p = cands[j].pieces
        if cands[j].kind == "chain" and ("date" in p or "dow" in p):
            day = _chain_day(p, _Context(None, ref, None, None))
            if day is not None and day[0] is not None:
                return day[0]
    return None


def _resolve(cand: Candidate, ctx: _Context) -> _Resolved | None:
    """The meaning of one candidate, or None when it names an impossible date."""
    g = cand.pieces.get(cand.kind, {})
    if cand.kind == "chain":
        return _resolve_chain(cand.pieces, ctx)
    if cand.kind == "amount":
        return _resolve_amount(g, ctx)
    if cand.kind == "period":
        return _resolve_period(g, ctx)
    if cand.kind == "month":
        return _resolve_month(g, ctx.ref)
    if cand.kind == "year":
        return _resolve_year(g)
    if cand.kind == "set":
        return _resolve_set(g)
    if cand.kind == "ref":
        return _Resolved("DATE", _REFS.get(_words(g["ref"]), "PRESENT_REF"))
    season = _SEASONS[_words(g["season"])]
    return _Resolved("DATE", f"{ctx.ref.year if ctx.ref else 'XXXX'}-{season}")


# --- chains ---------------------------------------------------------------------------


def _resolve_chain(p: Mapping[str, Groups], ctx: _Context) -> _Resolved | None:
    """A day, maybe with a part of the day or a clock time."""
    found = _chain_day(p, ctx)
    if found is None:
        return None
    day, day_text = found
    part = DAY_PARTS.get(_words(p["part"]["part"])) if "part" in p else None
    if "time" in p:
        return _Resolved("TIME", _clock_value(p["time"], day, day_text, part, ctx.anchor), day)
    if part is not None:
        return _Resolved("TIME", f"{day_text}T{part}", day)
    return _Resolved("DATE", day_text, day)


def _chain_day(p: Mapping[str, Groups], ctx: _Context) -> tuple[date | None, str] | None:
    """The day a chain names, and its value text (`XXXX-...` when it cannot be known)."""
    dx = _words(p["deixis"]["deixis"]) if "deixis" in p else None
    ref = ctx.ref
    if "date" in p:
        return _explicit_date(p["date"], ref)
    if "dow" in p:
        weekday = DAYS[_words(p["dow"]["dow"])]
        if ref is None:
            return None, f"XXXX-WXX-{weekday + 1}"
        return _day(_weekday(weekday, ref, dx))
    base: date | None
    if dx in _DEICTIC:
        base = ref + timedelta(days=_DEICTIC[dx]) if ref else None
    elif dx == "semalam" or (dx == "tadi" and "part" in p):
        base = ref
        late = ctx.anchor is not None and ctx.anchor.hour >= 18
        part = _words(p["part"]["part"]) if "part" in p else "malam"
        if ref is not None and (dx == "semalam" or part in ("malam", "petang")) and not late:
            base = ref - timedelta(days=1)
    elif dx in _ANAPHORIC:
        start = ctx.last or ref
        base = start + timedelta(days=_ANAPHORIC[dx]) if start else None
    elif dx == "ini":
        base = ref
    elif "time" in p:
        base = ctx.sentence_day or ctx.last or ref
    else:  # a part of the day alone: `malam` goes with the day last talked about
        base = ctx.last or ref
    return _day(base)


def _day(day: date | None) -> tuple[date | None, str]:
    """A day and its value text."""
    return day, day.isoformat() if day else "XXXX-XX-XX"


def _explicit_date(g: Groups, ref: date | None) -> tuple[date | None, str] | None:
    """`17 Desember [2021]`, `(29/12[/2021])`, `29/12/2021`, `2021-12-29`, `December 17, 2021`."""
    year_text: str | None
    if g["mon"] is not None:
        day, month, year_text = int(g["d"] or 0), MONTHS[_words(g["mon"])], g["y"]
    elif g["emon"] is not None:
        day, month, year_text = int(g["ed"] or 0), MONTHS[_words(g["emon"])], g["ey"]
    elif g["iy"] is not None:
        day, month, year_text = int(g["id"] or 0), int(g["im"] or 0), g["iy"]
    else:
        a, b = int(g["pa"] or g["na"] or 0), int(g["pb"] or g["nb"] or 0)
        year_text = g["py"] or g["ny"]
        day, month = (b, a) if b > 12 >= a else (a, b)  # Indonesian pages print day first
    if year_text is not None:
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    elif ref is not None:
        try:
            date(2000, month, day)  # 29 Februari is a real day in some year
        except ValueError:
            return None
        year = infer_year(month, day, ref)
    else:
        return (None, f"XXXX-{month:02d}-{day:02d}") if 1 <= month <= 12 else None
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    return _day(found)


def _weekday(weekday: int, ref: date, dx: str | None) -> date:
    """The day called `weekday` nearest `ref`: on or before it, unless marked future."""
    back = (ref.weekday() - weekday) % 7
    monday = ref - timedelta(days=ref.weekday())
    if dx in ("pekan depan", "minggu depan"):
        return monday + timedelta(days=7 + weekday)
    if dx in ("pekan lalu", "minggu lalu"):
        return monday + timedelta(days=weekday - 7)
    if dx in ("pekan ini", "minggu ini"):
        return monday + timedelta(days=weekday)
    if dx in _FUTURE:
        return ref + timedelta(days=(weekday - ref.weekday()) % 7 or 7)
    if dx in _PAST:
        return ref - timedelta(days=back or 7)
    if dx == "ini" and back > 3:
        return ref + timedelta(days=7 - back)
    return ref - timedelta(days=back)


def _clock_value(
    g: Groups, day: date | None, day_text: str, part: str | None, anchor: datetime | None
) -> str:
    """`2014-12-28T06:18`; an explicit zone other than the anchor's is kept (`...T20:30Z`)."""
    hour, minute = int(g["h"] or 0), int(g["m"] or 0)
    if part in ("AF", "EV", "NI") and hour < 12 and not (part == "NI" and hour < 5):
        hour += 12  # `pukul 7 malam` is 19:00
    local = anchor.utcoffset() if anchor is not None else None
    local = local if local is not None else _LOCAL_DEFAULT
    if g["h2"] is not None and g["zone2"] is not None and "setempat" not in g["zone2"]:
        # `15:30 (20:30 GMT)`: the printed time is local to the story; the bracket names the instant
        zone = zone_offset(_words(g["zone2"])).utcoffset(None)
        shift = (int(g["h2"]) * 60 + int(g["m2"] or 0) - hour * 60 - minute) % 1440
        shift = shift - 1440 if shift > 720 else shift
        if day is None:
            return f"XXXX-XX-XXT{int(g['h2']):02d}:{int(g['m2'] or 0):02d}{_suffix(zone, local)}"
        instant = datetime(day.year, day.month, day.day, hour % 24, minute) + timedelta(
            minutes=shift
        )
        return instant.strftime("%Y-%m-%dT%H:%M") + _suffix(zone, local)
    zone = local
    if g["zone"] is not None and "setempat" not in g["zone"]:
        zone = zone_offset(_words(g["zone"])).utcoffset(None)
    return f"{day_text}T{hour:02d}:{minute:02d}{_suffix(zone, local)}"


def _suffix(zone: timedelta | None, local: timedelta) -> str:
    """Nothing for the story's own zone (TimeML's local time), `Z` for UTC, else `+08:00`."""
    if zone is None or zone == local:
        return ""
    if zone == timedelta(0):
        return "Z"
    minutes = int(zone.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# --- phrases -------------------------------------------------------------------------


def _resolve_amount(g: Groups, ctx: _Context) -> _Resolved | None:
    """`tiga hari` (a duration), `dua hari lalu`, `sebulan kemudian` (a day)."""
    rel = _words(g["rel"]) if g["rel"] else None
    if g["moment"] is not None and rel in _PAST:
        return _Resolved("DATE", "PAST_REF")
    if g["moment"] is not None:
        return _Resolved("DURATION", "PXX")
    if g["redup"] is not None:
        return _Resolved("DURATION", _duration(None, UNITS[g["redup"]]))
    unit = UNITS[_words(g["unit"] or g["hunit"] or g["seunit"])]
    amount: float | None = 1.0 if g["seunit"] else 0.5 if g["half"] else _number(g["num"])
    if amount is not None and g["andhalf"]:
        amount += 0.5
    if rel in _DURATION_REL:
        return _Resolved("DURATION", _duration(amount, unit))
    sign = -1 if rel in _PAST or rel == "sebelumnya" else 1
    if amount is None:
        return _Resolved("DATE", "PAST_REF" if sign < 0 else "FUTURE_REF")
    anaphoric = rel in _AFTER or rel == "sebelumnya"
    base = (ctx.last or ctx.ref) if anaphoric else ctx.ref
    if base is None:
        return _Resolved("DATE", "XXXX-XX-XX" if unit in ("D", "W") else "XXXX")
    if unit.startswith("T"):
        if ctx.anchor is None or anaphoric:
            return _Resolved("DATE", base.isoformat(), base)
        seconds = {"TH": 3600, "TM": 60, "TS": 1}[unit] * amount * sign
        at = ctx.anchor + timedelta(seconds=seconds)
        return _Resolved("TIME", at.strftime("%Y-%m-%dT%H:%M"), at.date())
    day = _shift(base, unit, amount * sign)
    if (anaphoric and ctx.last is not None) or unit == "D":
        return _Resolved("DATE", day.isoformat(), day)
    return _Resolved("DATE", _granular(day, unit))


def _resolve_period(g: Groups, ctx: _Context) -> _Resolved | None:
    """`pekan depan`, `bulan lalu`, `tahun ini`, `akhir pekan ini`, `tahun berikutnya`."""
    rel = _words(g["rel"]) if g["rel"] else None
    unit = UNITS[_words(g["unit"])]
    if rel in ("terakhir", "ke depan", "kemudian", "setelahnya", "sesudahnya"):
        return None
    base = ctx.ref
    step = 0
    if rel in _PAST:
        step = -1
    elif rel in _FUTURE:
        step = 1
    elif rel in ("berikutnya", "sebelumnya", "itu"):
        base = ctx.last or ctx.ref
        step = {"berikutnya": 1, "sebelumnya": -1}.get(rel, 0)
    weekend = g["edge"] == "akhir" and unit == "W"
    if base is None:
        value = {"W": "XXXX-WXX", "M": "XXXX-XX"}.get(unit, "XXXX")
    else:
        value = _granular(_shift(base, unit, step), unit)
    return _Resolved("DATE", value + ("-WE" if weekend else ""))


def _resolve_month(g: Groups, ref: date | None) -> _Resolved:
    """`Januari 2022`, `bulan Maret lalu`, `Mei` (the nearest May)."""
    month = MONTHS[_words(g["mon"])]
    rel = _words(g["rel"]) if g["rel"] else None
    if g["y"] is not None:
        return _Resolved("DATE", f"{g['y']}-{month:02d}")
    if ref is None:
        return _Resolved("DATE", f"XXXX-{month:02d}")
    if rel in _PAST:
        year = ref.year if month < ref.month else ref.year - 1
    elif rel in _FUTURE:
        year = ref.year if month > ref.month else ref.year + 1
    elif rel == "ini":
        year = ref.year
    else:
        year = infer_year(month, 15, ref)
    return _Resolved("DATE", f"{year}-{month:02d}")


def _resolve_year(g: Groups) -> _Resolved:
    """`2015`, `tahun 2014`, `tahun 1990-an` (`199`), `tahun 40-an` (`194`)."""
    if g["y"] is not None:
        return _Resolved("DATE", g["y"][:3] if g["an"] else g["y"])
    return _Resolved("DATE", "19" + (g["dec"] or "0")[0])


def _resolve_set(g: Groups) -> _Resolved:
    """`setiap tahun` (`P1Y`), `setiap Senin` (`XXXX-WXX-1`), `per hari`, `dua kali seminggu`."""
    if g["dow"] is not None:
        return _Resolved("SET", f"XXXX-WXX-{DAYS[_words(g['dow'])] + 1}")
    word = _words(g["unit"] or g["perunit"] or g["sunit"])
    return _Resolved("SET", _duration(1, UNITS.get(word, "D")))


# --- arithmetic and formatting ----------------------------------------------------------


def _words(text: str | None) -> str:
    """Collapse runs of spaces (the grammar allows `hari   ini`)."""
    return " ".join((text or "").split())


def _number(text: str | None) -> float | None:
    """`3`, `1,5`, `1.000`, `tiga`, `dua belas`, `dua puluh lima`; None for `beberapa`."""
    words = _words(text)
    if not words:
        return None
    if words[0].isdigit():
        return float(words.replace(".", "").replace(",", "."))
    parts = words.split()
    if parts[0] in NUMBERS:
        value = NUMBERS[parts[0]]
        if len(parts) > 1 and parts[1] == "belas":
            return float(10 + value)
        if len(parts) > 1 and parts[1] == "puluh":
            return float(value * 10 + (NUMBERS.get(parts[2], 0) if len(parts) > 2 else 0))
        return float(value)
    return None


def _duration(amount: float | None, unit: str) -> str:
    """TimeML duration: `P3D`, `PT12H`, `P1.5Y`, `PXY` (unknown amount)."""
    if unit in _MULTIPLES and amount is not None:
        unit, factor = _MULTIPLES[unit]
        amount *= factor
    elif unit in _MULTIPLES:
        unit = _MULTIPLES[unit][0] if unit == "8Y" else unit
    if amount is not None and amount < 1 and unit in _HALVES:
        unit, amount = _HALVES[unit][0], amount * 2 * _HALVES[unit][1]
    text = "X" if amount is None else f"{amount:g}"
    return f"PT{text}{unit[1:]}" if unit.startswith("T") else f"P{text}{unit}"


def _shift(day: date, unit: str, amount: float) -> date:
    """`day` moved by `amount` units (months and years keep the day, clamped to the month)."""
    if unit in _MULTIPLES:
        unit, factor = _MULTIPLES[unit]
        amount *= factor
    if unit == "D":
        return day + timedelta(days=round(amount))
    if unit == "W":
        return day + timedelta(days=round(amount * 7))
    months = round(amount * (12 if unit == "Y" else 1))
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    return date(year, month, 28)


def _granular(day: date, unit: str) -> str:
    """A day at the precision of `unit`: `2014-W52`, `2014-12`, `2014`, `2014-12-28`."""
    if unit == "W":
        iso = day.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    if unit == "M":
        return f"{day.year}-{day.month:02d}"
    if unit in ("Y", "DE", "CE", "8Y"):
        return str(day.year)
    return day.isoformat()
