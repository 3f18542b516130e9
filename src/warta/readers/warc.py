"""Web archives: the HTML pages of a `.warc` / `.warc.gz` file, read with warcio.

Every `response` and `resource` record is a capture, located by its offset
(`pages.warc.gz@offset 12345`). One that does not hold HTML (by its content
type, or by its first bytes when it has none) is a `Rejected` value, and so is
a response whose HTTP status is not 2xx (a 404 page, a redirect) or whose
block does not open with an HTTP status line (a page alone). The
`conversion` records of a Common Crawl WET file (`.warc.wet.gz`) hold a page's
text and are read as text captures. `warcinfo`, `request`, `metadata` and
`revisit` records describe the crawl and are not captures; an archive without
captures is one `empty_body` reject, as an empty dataset is. A record the archive
ends inside (a download cut short: fewer bytes than its Content-Length, or its
headers cut) is an `unreadable` reject at its offset, never a page; the records
before it are kept. A `.warc.gz` compressed as one gzip stream (`gzip pages.warc`)
rather than a gzip member per record is read decompressed, as a `.warc.zst`, `.warc.bz2`
or `.warc.xz` is. A record without a Content-Length ends where the next one begins; one
whose Content-Length is no number is an `unreadable` reject, and the records after it
are read.
"""

from __future__ import annotations

import gzip
import io
import itertools
import os
import re
import zlib
from collections import Counter
from collections.abc import Generator, Iterator
from functools import lru_cache
from typing import IO, TYPE_CHECKING, Any

from warta.model import Provenance, Reason, Rejected
from warta.readers import (
    DECOMPRESSORS,
    Input,
    Item,
    Reader,
    Record,
    ZstdStream,
    cannot_read,
    open_file,
)
from warta.sniff import looks_like_html

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer
    from warcio.recordloader import ArcWarcRecord

_CAPTURES = ("response", "resource", "conversion")
_CONTENT_LENGTH = re.compile(rb"^content-length:[ \t]*(\d+)", re.IGNORECASE | re.MULTILINE)
_HTML_TYPES = ("text/html", "application/xhtml+xml")
#: How much of a capture record is read to tell whether it is a page.
_SNIFF_BYTES = 4096
#: How much of warcio's error message a reject's detail keeps.
_SAID_CHARS = 200
#: How much of a response's first line a reject's detail keeps, when it is no status line.
_LINE_CHARS = 60
_STATUS = re.compile(r"[1-5]\d\d")
#: A WARC or HTTP header line is read at most this many bytes at a time.
WARC_LINE_BYTES = 1 << 20


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
    """The items of an archive. warcio reads a `.warc.gz` a gzip member per record: one whose
    first member holds more than its first record is read decompressed (see `_one_stream`),
    and one that turns out to be a single stream further on (warcio refuses it once its
    record is read) is read again decompressed, on from the items already given (the same
    records, in the same order)."""
    given = 0
    first = _read(item, max_bytes, holder, gunzip=False)
    while True:
        try:
            got = next(first)
        except StopIteration as end:
            one_stream = end.value
            break
        given += 1
        yield got
    if one_stream:
        yield from itertools.islice(_read(item, max_bytes, holder, gunzip=True), given, None)


def _read(
    item: Input, max_bytes: int, holder: list[IO[bytes]], gunzip: bool
) -> Generator[Item, None, bool]:
    """The items of an archive, read by warcio; `gunzip`: from its file decompressed as one
    gzip stream (else when `_one_stream` finds it one). Returns True, instead of a reject,
    when warcio finds a `.warc.gz` that is one gzip stream, not a member per record."""
    from warcio.archiveiterator import WARCIterator
    from warcio.utils import BUFF_SIZE

    _decode_brotli()

    records = None
    told = False  # that the archive is cut short: a record it ends inside was rejected
    given = 0  # items yielded
    others: Counter[str] = Counter()  # records that are no capture, by type
    try:
        raw = open_file(item.path)
        holder[:] = [raw]
        gunzip = gunzip or (item.path.suffix.lower() == ".gz" and _one_stream(raw))
        # warcio reads .warc and .warc.gz itself; a .warc.zst is decompressed for it (its
        # offsets are then those of the decompressed archive), and so is a gzip stream. A cut
        # is told by the records (warcio takes an `EOFError` for the end of the archive), so
        # the stream just ends.
        suffix = item.path.suffix.lower()
        zst = suffix == ".zst"
        unpacked: ZstdStream | _Unpacked | None = None
        if zst:
            unpacked = ZstdStream(raw, raise_at_cut=False)
        elif gunzip or suffix in (".bz2", ".xz"):
            unpacked = _Unpacked(raw, suffix)
        stream: IO[bytes] = io.BufferedReader(unpacked) if unpacked else raw
        with raw, stream:
            # WARC only: warcio would otherwise read a file that is not one as the older ARC
            # format, whose header is any line of five words
            records = WARCIterator(stream)
            records.reader = _line_reader()(records.fh, block_size=BUFF_SIZE)
            for record in records:
                kind = record.rec_type
                length = record.rec_headers.get_header("Content-Length")
                invalid = length is not None and not _is_length(length)
                if length is None or invalid:  # its block ends where the next record begins
                    record.raw_stream = _ToNextRecord(records.reader)
                if kind not in _CAPTURES:
                    others[str(kind)] += 1
                    continue
                given += 1
                if invalid:  # warcio read nothing of its block: it is a guess, not a page
                    provenance = Provenance(item.name, f"offset {records.get_record_offset()}")
                    why = (f"WARC {kind} record has a Content-Length ({length!r}) that is no"
                           " length: where it ends cannot be told, so it is not read")  # fmt: skip
                    yield Rejected(provenance, "read", Reason.UNREADABLE, why)
                    continue
                # the first bytes tell a page without a content type; only a page is read whole
                content = record.content_stream()
                data = content.read(min(_SNIFF_BYTES, max_bytes + 1))
                refused = _refused(record, data)
                if not refused:
                    data += content.read(max_bytes + 1 - len(data))
                # warcio knows a record's offset once it has read it to its end, and only then
                # whether the archive holds all of it
                locator = f"offset {records.get_record_offset()}"
                missing = _missing(record)
                told = told or missing > 0
                if missing:  # never a page: the rest of it is not in the archive
                    got = f"{record.length - missing:,} of its {record.length:,} bytes"
                    refused = Reason.UNREADABLE, f"is cut short: the archive ends after {got}"
                elif not refused and len(data) > max_bytes:
                    refused = Reason.TOO_LARGE, _too_large(record, max_bytes)
                if refused:
                    reason, why = refused
                    provenance = Provenance(item.name, locator)
                    yield Rejected(provenance, "read", reason, f"WARC {kind} record {why}")
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                yield Record(item.name, locator, data, url=url)
            # warcio ends quietly at a record whose headers are cut short: bytes are left over
            left = (unpacked.size if unpacked else os.fstat(raw.fileno()).st_size) - records.offset
            if left > 0 and not unpacked and _blank(raw, records.offset):
                left = 0  # an empty gzip member (`gzip` of an empty file), or blank lines
            if left > 0 or (unpacked and unpacked.cut and not told):
                given += 1
                inside = _STREAMS.get(suffix, "gzip stream")
                detail = (f"the archive ends inside a record's headers ({left:,} bytes of it)"
                          if left > 0 else f"the archive ends inside a {inside}: what the "
                          "rest of it held is lost")  # fmt: skip
                provenance = Provenance(item.name, f"offset {records.offset}")
                yield Rejected(provenance, "read", Reason.UNREADABLE, detail)
            if not given:  # so that the input is accounted for, as an empty dataset is
                detail = "the archive holds no records"
                if others:
                    kinds = ", ".join(sorted(others))
                    detail = (f"the archive holds no pages: its {others.total():,} records are"
                              f" {kinds} (no response, resource or conversion)")  # fmt: skip
                yield Rejected(Provenance(item.name), "read", Reason.EMPTY_BODY, detail)
    except Exception as exc:  # a corrupt archive: the rest is one reject
        if not gunzip and "non-chunked gzip" in str(exc):  # warcio's ArchiveLoadFailed
            return True
        if records is None and isinstance(exc, OSError) and exc.strerror:
            # an archive that cannot be read at all (a named pipe, no permission) says just that
            yield cannot_read(item.name, exc)
            return False
        # where the record that could not be read starts (what `get_record_offset` would
        # give): never the locator of a record already read
        locator = f"offset {records.offset if records is not None else 0}"
        said = str(exc).strip()  # warcio quotes the line it could not read: a page's, whole
        said = said if len(said) <= _SAID_CHARS else said[:_SAID_CHARS] + "..."
        detail = f"cannot read on from here: {type(exc).__name__}: {said}"
        yield Rejected(Provenance(item.name, locator), "read", Reason.UNREADABLE, detail)
    return False


def _one_stream(raw: IO[bytes]) -> bool:
    """Whether a `.warc.gz` file's first gzip member holds more than its first record: the
    archive compressed as one stream (`gzip pages.warc`), where warcio reads a member per
    record. It decompresses the first record (its `Content-Length` says where it ends) and
    a little more, then goes back to the start of the file."""
    inflate = zlib.decompressobj(wbits=31)  # one gzip member
    head, size, end = b"", 0, -1  # what is decompressed; where the first record ends
    pending = b""
    try:
        while not inflate.eof:
            pending = pending or raw.read(1 << 14)
            if not pending:  # the file ends inside it: warcio tells the cut
                return False
            out = inflate.decompress(pending, 1 << 16)
            pending = inflate.unconsumed_tail
            if end < 0:
                head += out
                block = head.find(b"\r\n\r\n")
                found = _CONTENT_LENGTH.search(head, 0, block) if block >= 0 else None
                if found is None:
                    if block >= 0 or len(head) > _SNIFF_BYTES * 16:
                        return False  # no WARC record to measure: warcio says what it is
                    continue
                end = block + 4 + int(found.group(1))
                out = head
            # past the record, more than the blank lines that close it: the next record
            if size + len(out) > end and out[max(0, end - size) :].strip():
                return True
            size += len(out)
        return False
    except zlib.error:
        return False  # not gzip: warcio says what it is
    finally:
        raw.seek(0)


def _blank(raw: IO[bytes], offset: int) -> bool:
    """Whether the bytes of an archive's file from `offset` on are blank lines, or a gzip
    member of them: no record left unread."""
    raw.seek(offset)
    rest = raw.read(_SNIFF_BYTES)
    try:
        return not (gzip.decompress(rest) if rest[:2] == b"\x1f\x8b" else rest).strip()
    except (OSError, EOFError, zlib.error):
        return False


#: What a cut archive ends inside, by its suffix (a `.gz` read decompressed: a gzip stream).
_STREAMS = {".zst": "zstd frame", ".bz2": "bzip2 stream", ".xz": "xz stream"}


class _Unpacked(io.RawIOBase):
    """The decompressed bytes of a gzip (every member), bzip2 or xz file, for warcio to read
    as a plain archive: a file cut short ends where it is cut (`cut`) instead of raising
    `EOFError`, which warcio would take for the end of the archive between records.

    Attributes:
        size: how many bytes it has decompressed so far.
        cut: the file ended inside its compressed stream.
    """

    def __init__(self, raw: IO[bytes], suffix: str) -> None:
        self.size = 0
        self.cut = False
        self._unpacking = DECOMPRESSORS[suffix](raw)

    def close(self) -> None:
        """Close the decompressor (not `raw`, which its opener closes)."""
        self._unpacking.close()
        super().close()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        try:
            n = self._unpacking.readinto(buffer)
        except EOFError:
            self.cut = True
            return 0
        self.size += n
        return n


def _is_length(header: str) -> bool:
    """Whether a Content-Length header is a length, as warcio reads one (`int`, not negative)."""
    try:
        return int(header) >= 0
    except ValueError:
        return False


class _ToNextRecord(io.RawIOBase):
    """The block of a record whose headers give no length (no Content-Length, or one that
    is no number): its lines up to the next record's first line (`WARC/1.0` after a blank
    line), which is given back to warcio with the blank lines before it, to read next.

    warcio reads such a block to the end of the archive (a gzip member, in a `.warc.gz`
    of a member per record): the page swallowed every record after it. Lines are read at
    most `WARC_LINE_BYTES` at a time (`_line_reader`), so memory stays bounded.
    """

    def __init__(self, reader: Any) -> None:  # a `_line_reader()`
        self._reader = reader
        self._line, self._at = b"", 0  # the line being given, and how much of it is given
        self._held: list[bytes] = []  # line ends held back: the record's end, or its own
        self._blank = False  # whether a blank line is held: a record may begin next
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        n = 0
        while n < len(view):
            if self._at == len(self._line):
                if self._done:
                    break
                self._next_line()
                continue
            k = min(len(view) - n, len(self._line) - self._at)
            view[n : n + k] = self._line[self._at : self._at + k]
            self._at += k
            n += k
        return n

    def _next_line(self) -> None:
        line = self._reader.readline()
        if not line:
            self._done = True
        elif not line.strip():
            self._held.append(line)
            self._blank = True
        elif self._blank and _RECORD_START.fullmatch(line):
            # the blank lines too: warcio reads past a first line that is not blank
            self._reader.put_back(b"".join(self._held) + line)
            self._done = True
        else:
            # a line's end is held back with the blank lines after it: the last line's
            # is the record's own (`\r\n\r\n` closes a record)
            text = line.rstrip(b"\r\n")
            self._line, self._at = b"".join(self._held) + text, 0
            self._held, self._blank = [line[len(text) :]], False


#: The first line of a WARC record.
_RECORD_START = re.compile(rb"WARC/\d+\.\d+\r?\n")


def _missing(record: ArcWarcRecord) -> int:
    """How many bytes of its block (its Content-Length) a record read to its end lacks: more
    than 0 when the archive ends inside it (a download cut short)."""
    from warcio.limitreader import LimitReader

    stream = record.raw_stream
    return stream.limit if isinstance(stream, LimitReader) else 0


def _too_large(record: ArcWarcRecord, max_bytes: int) -> str:
    """Why a page read past `max_bytes` is refused: its size as its headers give it (the
    HTTP payload of a response, else the record's Content-Length)."""
    size = record.payload_length if record.payload_length >= 0 else record.length
    if isinstance(size, int) and size > max_bytes:
        return f"holds a page of {size:,} bytes, over the limit of {max_bytes:,} (--max-bytes)"
    # a payload sent compressed (Content-Encoding) is larger than its Content-Length
    return f"holds a page over the limit of {max_bytes:,} bytes (--max-bytes) once decoded"


def _refused(record: ArcWarcRecord, head: bytes) -> tuple[Reason, str] | None:
    """Why a capture record is not a page: not HTML (or text, for a WET conversion), or an
    HTTP status other than 2xx. None for a page."""
    headers = record.http_headers if record.rec_type == "response" else None
    if headers is not None:
        status = headers.get_statuscode() or ""
        if not headers.protocol.upper().startswith("HTTP/") or not _STATUS.fullmatch(status):
            # a page alone, whose first words warcio took for a status line
            line = f"{headers.protocol} {headers.statusline}".strip()
            line = line if len(line) <= _LINE_CHARS else line[:_LINE_CHARS] + "..."
            why = "does not open with an HTTP status line ('HTTP/1.1 200 OK'): it opens with"
            return Reason.PARSE_ERROR, f"{why} {line!r}"
        if not status.startswith("2"):
            return Reason.NOT_AN_ARTICLE, f"is an HTTP {status} response"
    # not `headers or ...`: warcio's headers are false when they hold no header
    ctype = (headers if headers is not None else record.rec_headers).get_header("Content-Type")
    ctype = ctype or ""
    mime = ctype.split(";")[0].strip().lower()
    if record.rec_type == "conversion" and mime in ("text/plain", ""):
        return None
    if not (mime in _HTML_TYPES or (not mime and looks_like_html(head))):
        return Reason.NOT_TEXT, f"holds {ctype or 'no content type'}, not HTML"
    if headers is not None and not looks_like_html(head):
        # warcio passes a payload it cannot decode on as it is: bytes no cleaner can read
        from warcio.bufferedreaders import BufferedReader

        encoding = (headers.get_header("Content-Encoding") or "").strip().lower()
        if encoding not in ("", "identity", *BufferedReader.get_supported_decompressors()):
            why = f"holds a page sent with Content-Encoding {encoding}, which cannot be decoded"
            return Reason.UNREADABLE, f"{why} here"
    return None


@lru_cache(maxsize=1)
def _line_reader() -> type:
    """warcio's reader of an archive (`DecompressingBufferedReader`), its `readline` linear and
    bounded: a line longer than `WARC_LINE_BYTES` comes back in pieces of that size, as
    `readline(size)` gives them. warcio's own joined a line's blocks one to another (a
    header line of 64 MB took a minute, one of 300 MB twenty) and held it whole, so an
    archive whose headers never end (a corrupt file, a gzip bomb) took as much memory as it
    held. A header line is never that long: its pieces after the first are headers without
    a name, which warcio drops, and a page alone in one line (read as its status line) is
    a reject for its first words, as before."""
    from warcio.bufferedreaders import DecompressingBufferedReader

    class LineReader(DecompressingBufferedReader):  # type: ignore[misc]  # warcio: no stubs
        buff: Any  # warcio's buffer (a BytesIO, or None) of what it has read and not given
        buff_size: int

        def readline(self, length: int | None = None) -> bytes:
            left = WARC_LINE_BYTES if length is None else min(length, WARC_LINE_BYTES)
            parts: list[bytes] = []
            while left > 0:
                self._fillbuff()
                if self.empty():
                    break
                part = self.buff.readline(left)
                parts.append(part)
                left -= len(part)
                if part.endswith(b"\n"):
                    break
            return b"".join(parts)

        def put_back(self, data: bytes) -> None:
            """Give bytes read back to the reader: they are read next."""
            rest = self.buff.read() if self.buff is not None else b""
            self.buff = io.BytesIO(data + rest)
            self.buff_size = len(data) + len(rest)

    return LineReader


@lru_cache(maxsize=1)
def _decode_brotli() -> None:
    """Let warcio decode pages sent with `Content-Encoding: br` (what browsers ask for, so
    what browser-made archives hold). warcio 1.8.1 expects the old `brotlipy` API: it sets
    `unused_data` on a `brotli.Decompressor` and calls its `decompress`, and Google's
    `brotli` (maintained, a dependency) has neither, so every such page failed with an
    `AttributeError` that ended the archive. Its table of decoders gets one that has both."""
    from warcio.bufferedreaders import BufferedReader

    BufferedReader.DECOMPRESSORS["br"] = _Brotli


class _Brotli:
    """A `brotli.Decompressor` as warcio calls one (`decompress`, `flush`, `unused_data`)."""

    unused_data = b""  # a br body is one stream: nothing follows it

    def __init__(self) -> None:
        import brotli

        self._stream = brotli.Decompressor()

    def decompress(self, data: bytes) -> bytes:
        return bytes(self._stream.process(data))

    def flush(self) -> bytes:
        return b""
