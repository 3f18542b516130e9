"""Pure helpers for the pages: removed pieces put back among the paragraphs, zones, dates."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

#: Indonesia's three zones by UTC offset.
ZONES = {"+07:00": "WIB", "+08:00": "WITA", "+09:00": "WIT"}
#: A URL a page may link to: http or https, a host right after the `//`.
WEB_URL = re.compile(r"https?://[^\s/?#]", re.IGNORECASE)
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Block:
    """One block of an article page: a kept paragraph, or a removed piece and its reason."""

    text: str
    reason: str | None = None

    @property
    def removed(self) -> bool:
        """True for a piece the cleaner removed."""
        return self.reason is not None


def interleave(
    paragraphs: Sequence[str], removed: Iterable[Mapping[str, Any]], head: int = 0
) -> list[Block]:
    """The kept paragraphs in order, with each removed piece put back where it stood.

    Removed pieces carry spans into the decoded capture; kept paragraphs do not
    (the cleaner may have changed them). So their places are estimated: a cursor
    walks the capture from `head` (where the body starts), advancing by each kept
    paragraph's length, and a removed piece goes before the next paragraph when
    it starts before that paragraph's middle. Placing a piece moves the cursor
    to its end, so every removal resynchronises the walk.

    Args:
        paragraphs: the kept paragraphs, in order.
        removed: `{text, reason, start, end}` items (any order).
        head: the capture offset where the body starts (after title and dateline).

    Returns:
        Blocks in reading order; every paragraph and every removed piece appears once.

    Example:
        >>> blocks = interleave(["a" * 10, "b" * 10], [{"text": "x", "reason": "ad", "start": 11, "end": 12}])
        >>> [(b.text[0], b.reason) for b in blocks]
        [('a', None), ('x', 'ad'), ('b', None)]
    """  # noqa: E501
    pieces = sorted(removed, key=lambda r: (int(r.get("start") or 0), int(r.get("end") or 0)))
    out: list[Block] = []
    cursor = head
    i = 0
    for p in paragraphs:
        while i < len(pieces) and int(pieces[i].get("start") or 0) < cursor + len(p) // 2:
            out.append(Block(str(pieces[i]["text"]), str(pieces[i].get("reason") or "removed")))
            cursor = max(cursor, int(pieces[i].get("end") or 0) + 1)
            i += 1
        out.append(Block(p))
        cursor += len(p) + 1
    out += [Block(str(r["text"]), str(r.get("reason") or "removed")) for r in pieces[i:]]
    return out


def body_head(article: Mapping[str, Any]) -> int:
    """Where the body likely starts in a text capture: after the title and dateline lines."""
    head = 0
    for line in (article.get("title"), article.get("dateline_raw")):
        if line:
            head += len(str(line)) + 1
    return head


def zone_name(iso: str) -> str:
    """The zone of an ISO instant's offset: WIB, WITA, WIT, or UTC±hh:mm.

    Example:
        >>> zone_name("2021-12-30T19:18:00+07:00"), zone_name("2021-12-30T12:18:00+00:00")
        ('WIB', 'UTC+00:00')
    """
    if len(iso) <= 10:
        return ""
    offset = "+00:00" if iso.endswith("Z") else iso[-6:]
    return ZONES.get(offset, f"UTC{offset}")


def local_time(iso: str | None) -> str:
    """An instant as the outlet printed it, in Indonesian: `30 Desember 2021, 19:18 WIB`.

    Example:
        >>> local_time("2021-12-30T19:18:00+07:00"), local_time("2021-12-30")
        ('30 Desember 2021, 19:18 WIB', '30 Desember 2021')
    """
    if not iso:
        return "-"
    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    day = f"{when.day} {MONTHS[when.month - 1]} {when.year}"
    if len(iso) <= 10:
        return day
    return f"{day}, {when:%H:%M} {zone_name(iso)}"


def has_time(iso: str | None) -> bool:
    """Whether an ISO value carries a time of day (a date alone is not converted)."""
    return bool(iso) and len(str(iso)) > 10


def web_link(url: str | None) -> str | None:
    """`url` when a page may link to it (http or https), else None (show it as text).

    A capture's URL comes from the web: `javascript:` or `data:` in an `href` would
    run when clicked, whatever the escaping.

    Example:
        >>> web_link("https://kompas.com/a"), web_link("javascript:alert(1)"), web_link(" http://x")
        ('https://kompas.com/a', None, None)
    """
    return url if url and WEB_URL.match(url) else None
