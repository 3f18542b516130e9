"""Web archives: the HTML pages of a `.warc` / `.warc.gz` file, read with warcio.

Every `response` and `resource` record is a capture, located by its offset
(`pages.warc.gz@offset 12345`). One that does not hold HTML is a `Rejected`
value; `warcinfo`, `request` and `metadata` records describe the crawl and are
not captures.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from warta.model import Provenance, Reason, Rejected
from warta.readers import Input, Item, Reader, Record

_CAPTURES = ("response", "resource")
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def read_warc(item: Input, max_bytes: int) -> Reader:
    """A reader over the HTML captures of a WARC file."""
    holder: list[IO[bytes]] = []

    def tell() -> int:
        try:
            return holder[0].tell() if holder else 0
        except (OSError, ValueError):
            return item.size

    return Reader(_records(item, max_bytes, holder), tell)


def _records(item: Input, max_bytes: int, holder: list[IO[bytes]]) -> Iterator[Item]:
    from warcio.archiveiterator import ArchiveIterator

    locator = "offset 0"
    try:
        raw = item.path.open("rb")
        holder.append(raw)
        with raw:
            records = ArchiveIterator(raw)
            for record in records:
                # warcio knows a record's offset once its content is read (it reads to the end)
                kind = record.rec_type
                headers = record.http_headers if kind == "response" else None
                ctype = (
                    headers.get_header("Content-Type")
                    if headers is not None
                    else record.rec_headers.get_header("Content-Type")
                ) or ""
                html = ctype.split(";")[0].strip().lower() in _HTML_TYPES
                capture = kind in _CAPTURES and html
                data = record.content_stream().read(max_bytes + 1) if capture else b""
                url = record.rec_headers.get_header("WARC-Target-URI")
                locator = f"offset {records.get_record_offset()}"
                if kind not in _CAPTURES:
                    continue
                if not html:
                    detail = f"WARC {kind} record holds {ctype or 'no content type'}, not HTML"
                    yield Rejected(Provenance(item.name, locator), "read", Reason.NOT_TEXT, detail)
                    continue
                yield Record(item.name, locator, data, url=url)
    except Exception as exc:  # a truncated or corrupt archive: the rest is one reject
        detail = f"cannot read on from here: {type(exc).__name__}: {exc}"
        yield Rejected(Provenance(item.name, locator + " (end)"), "read", Reason.UNREADABLE, detail)
