"""Plain-text captures: title on the first line, a dateline and bylines near it, then the body."""

from __future__ import annotations

import re
from datetime import timezone
from typing import Literal

from warta.dates import FoundDate, find_date
from warta.model import Provenance, PublishedAt, Reason, Rejected
from warta.parse import Block, Draft, Span, fold_ws

#: How many lines at the top may hold the title, dateline and bylines.
HEADER_LINES = 6
#: A first line longer than this is body text, not a title.
MAX_TITLE_CHARS = 300

#: Zero-width and direction marks: a line of only these is a blank line.
INVISIBLE = frozenset("\u200b\u200c\u200d\u200e\u200f\u2060\ufeff")
_VISIBLE = rf"[^\s{''.join(sorted(INVISIBLE))}]"
# A line less its leading and trailing whitespace and marks: from its first visible
# character to its last (`\n` is whitespace, so a match never runs past its line).
_LINE = re.compile(rf"{_VISIBLE}(?:[^\n]*{_VISIBLE})?")
_WORD = re.compile(r"[^\W\d_]{2,}")
# Words that may stand beside a date in a dateline without making it a sentence.
_DATELINE_WORDS = frozenset((
    "diperbarui", "dipublikasikan", "diterbitkan", "terbit", "tayang", "update", "updated",
    "last", "on", "at", "pukul", "jam", "jurnalis", "views", "dilihat", "kali", "published",
    "posted", "wib", "wita", "wit", "gmt", "utc",
))  # fmt: skip
_BYLINE = (
    # "Oleh: Nama" / "Penulis: Nama" / "Reporter : Nama" (a short line)
    re.compile(
        r"(?:oleh|penulis|reporter|wartawan|rep|by)\s*:?\s+(?P<names>[^\W\d][^.!?:]{1,80})",
        re.IGNORECASE,
    ),
    # detik: "Nama Penulis - detikNews"; "Antara - detikNews"
    re.compile(r"(?P<names>[^\W\d][^.!?:\-]{1,60}?)\s*-\s*detik\w*", re.IGNORECASE),
    # kompas: "Tim Kompas.com, Nama"
    re.compile(r"(?P<names>(?:Tim\s+)?[\w.]+\.com,\s*[^.!?:]{2,60})"),
)


def parse_text(
    source: str,
    provenance: Provenance,
    *,
    url: str | None = None,
    outlet: str | None = None,
    default_zone: timezone | str = "WIB",
    date_order: Literal["DMY", "MDY"] = "DMY",
) -> Draft | Rejected:
    """Split a decoded text capture into title, dateline, bylines and body lines.

    Args:
        source: the decoded capture text.
        provenance: where it came from.
        url: the page URL, when known.
        outlet: the outlet name, when known.
        default_zone: zone for a dateline printed without one.
        date_order: how to read an ambiguous numeric date.

    Returns:
        A `Draft` whose body blocks are the raw lines (the cleaner repairs them),
        or `Rejected` when there is no body.

    Example:
        >>> d = parse_text("Judul\\nKamis, 30 Desember 2021 - 19:18 WIB\\nIsi.", Provenance("-"))
        >>> d.title, d.published.isoformat(), d.block_texts()
        ('Judul', '2021-12-30T19:18:00+07:00', ['Isi.'])
    """
    lines: list[Span] = [m.span() for m in _LINE.finditer(source)]
    if not lines:
        return Rejected(provenance, "parse", Reason.EMPTY_BODY, "no text lines")
    warnings: list[str] = []

    dateline_at, found = _find_dateline(source, lines[:HEADER_LINES], default_zone, date_order)
    title_at: int | None = None
    if dateline_at != 0:
        first = source[lines[0][0] : lines[0][1]]
        if len(first) <= MAX_TITLE_CHARS and (dateline_at is not None or len(lines) > 1):
            title_at = 0
        else:
            warnings.append("no title line: the first line reads as body text")
    header_end = max(i for i in (title_at, dateline_at, -1) if i is not None) + 1

    byline_at: list[int] = []
    authors: list[str] = []
    for i in range(header_end, min(len(lines), HEADER_LINES)):
        names = byline_names(source[lines[i][0] : lines[i][1]])
        if names is None:
            break
        byline_at.append(i)
        authors.extend(names)
    header_end = max([header_end, *(i + 1 for i in byline_at)])

    body = tuple(Block((span,)) for span in lines[header_end:])
    if not body:
        return Rejected(provenance, "parse", Reason.EMPTY_BODY, "no body text under the title")

    published = None
    dateline_raw = dateline_span = None
    if dateline_at is not None:
        dateline_span = lines[dateline_at]
        dateline_raw = fold_ws(source[dateline_span[0] : dateline_span[1]])
        if found is None:
            warnings.append("dateline not understood: published_at is null")
        else:
            published = to_published(found, "dateline", default_zone, warnings)
    else:
        warnings.append("no dateline found: published_at is null")

    title_span = lines[title_at] if title_at is not None else None
    return Draft(
        provenance=provenance,
        source=source,
        blocks=body,
        title=fold_ws(source[title_span[0] : title_span[1]]) if title_span else None,
        title_span=title_span,
        dateline_raw=dateline_raw,
        dateline_span=dateline_span,
        published=published,
        byline_spans=tuple(lines[i] for i in byline_at),
        authors=tuple(dict.fromkeys(authors)),
        url=url,
        outlet=outlet,
        warnings=tuple(warnings),
    )


def to_published(
    found: FoundDate, source: str, default_zone: timezone | str, warnings: list[str]
) -> PublishedAt | None:
    """A `FoundDate` as the article's publication instant, noting an assumed zone.

    An impossible date gives None and a warning: never a guessed date.
    """
    if found.value is None:
        warnings.append(f"dateline not used: {found.problem}")
        return None
    if found.weekday_mismatch:
        warnings.append("dateline weekday does not match its date")
    if not found.zone_given and found.precision != "day":
        source += "+default_zone"
        zone = default_zone if isinstance(default_zone, str) else str(default_zone)
        warnings.append(f"dateline has no time zone: assumed {zone}")
    return PublishedAt(found.value, found.precision, source)


def is_dateline(line: str, found: FoundDate | None) -> bool:
    """A short line that is a date plus at most a few label words (not a sentence with a date)."""
    if found is None or len(line) > 120:
        return False
    rest = (line[: found.start] + " " + line[found.end :]).lower()
    words = [w for w in _WORD.findall(rest) if w not in _DATELINE_WORDS]
    return len(words) <= 3


def _find_dateline(
    source: str,
    header: list[Span],
    default_zone: timezone | str,
    date_order: Literal["DMY", "MDY"],
) -> tuple[int | None, FoundDate | None]:
    for i, (start, end) in enumerate(header):
        line = source[start:end]
        found = find_date(line, default_zone=default_zone, order=date_order)
        if is_dateline(line, found):
            return i, found
    # No readable date: a line right under the title that has a dateline's shape
    # (a day name, a clock time, a zone) is still the dateline, kept raw.
    if len(header) > 2 and _DATELINE_SHAPE.search(source[header[1][0] : header[1][1]]):
        return 1, None
    return None, None


_DATELINE_SHAPE = re.compile(
    r"^(?=.{4,80}$)(?:(?:senin|selasa|rabu|kamis|jum'?at|sabtu|minggu|ahad)\b.*"
    r"|.*\b\d{1,2}[:.]\d{2}\s*(?:wib|wita|wit)\b.*)$",
    re.IGNORECASE,
)


def byline_names(line: str) -> list[str] | None:
    """The author names of a byline, or None when the line is not a byline."""
    if len(line) > 100 or line.rstrip().endswith((".", "!", "?")):
        return None
    for pattern in _BYLINE:
        m = pattern.fullmatch(line.strip())
        if m:
            names = re.split(r"\s*(?:,|&|\bdan\b|/)\s*", m.group("names"))
            return [fold_ws(n) for n in names if fold_ws(n) and not n.lower().startswith("tim")]
    return None
