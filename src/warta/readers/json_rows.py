"""JSON datasets: JSON Lines line by line, or one JSON array (or a file of JSON values
one after another) item by item, a record longer than `--max-bytes` skipped to its end
without being held whole.

`jsonl_rows` gives `(line, object)` or `(item N, object)`; what is not a JSON object is a
message instead (`warta.readers.tables` makes it a reject). A `.json` file that is one
object wrapping the records (`{"status": "ok", "articles": [...]}`, as news APIs answer)
gives the items of that list (`articles N`).
"""

from __future__ import annotations

import codecs
import io
import itertools
import json
import re
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any

from warta.decode import Refused
from warta.model import Reason
from warta.readers.rows import PIECE_BYTES, Row, repaired, utf8_size
from warta.settings import DEFAULT_MAX_BYTES

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

#: A JSON file whose first non-blank byte (within this many) is `[` is one array of records.
ARRAY_SNIFF_BYTES = 1 << 16
#: A member of a wrapping object other than its list of records holds no string this long
#: (a status, a count, a page token): an object that does is a record itself.
WRAPPER_STRING_CHARS = 200


#: Why a value the JSON decoder gave up on (a `RecursionError`) is not read.
TOO_DEEP = "nested too deeply"


#: What may come between array elements (commas are not checked).
_BETWEEN = re.compile(r"[\s,]*")


def jsonl_rows(stream: IO[bytes], sniff: bool, limit: int) -> Iterator[tuple[str, Row]]:
    """`(line, object)` per JSON line; a record that is not a JSON object is an error message
    instead, and a line over `limit` bytes is `Refused` (read no further than its end).
    `sniff` (a `.json` file): `(item N, object)` per element when the file is one JSON array
    or objects printed over many lines (`.json` exports), and `(KEY N, object)` per item
    when it is one object wrapping a list of records under KEY (`records_path`); JSON Lines
    by name (`.jsonl`) are read line by line whatever their first line holds."""
    rows = _json_rows(stream, sniff, limit)
    return _unwrapped(rows) if sniff else rows


def _unwrapped(rows: Iterator[tuple[str, Row]]) -> Iterator[tuple[str, Row]]:
    """`rows`, or the records a file's one row wraps (`records_path`)."""
    first = next(rows, None)
    if first is None:
        return
    second = next(rows, None)
    if second is None and isinstance(first[1], dict) and (path := records_path(first[1])):
        records: Any = first[1]
        for key in path:
            records = records[key]
        where = ".".join(path)
        for n, item in enumerate(records):
            yield f"{where} {n}", item if isinstance(item, dict) else _not_object(item)
        return
    yield first
    if second is not None:
        yield second
        yield from rows


def records_path(obj: dict[str, Any], depth: int = 2) -> tuple[str, ...]:
    """The members that lead to the records of `obj`, when `obj` is a wrapper around them:
    its one list of JSON objects, beside no `text` or `html` member and no long string (a
    record with a list of objects in it, such as its comments, has its text), or that of its
    one member that is such a wrapper itself (`{"data": {"list": [...]}}`, `depth` levels
    down at most); () when `obj` is no wrapper.

    Example:
        >>> records_path({"status": "ok", "totalResults": 2, "articles": [{"title": "A"}, {}]})
        ('articles',)
        >>> records_path({"code": 200, "data": {"page": 1, "list": [{"title": "A"}]}})
        ('data', 'list')
        >>> records_path({"title": "A", "text": "Isi.", "comments": [{"user": "b"}]})
        ()
    """
    if "text" in obj or "html" in obj:
        return ()
    lists = [k for k, v in obj.items() if isinstance(v, list) and v and isinstance(v[0], dict)]
    inner = [k for k, v in obj.items() if isinstance(v, dict)]
    if any(isinstance(v, str) and len(v) >= WRAPPER_STRING_CHARS for v in obj.values()):
        return ()
    if len(lists) == 1:
        return (lists[0],)
    if not lists and len(inner) == 1 and depth > 1:
        deeper = records_path(obj[inner[0]], depth - 1)
        return (inner[0], *deeper) if deeper else ()
    return ()


def _not_object(value: Any) -> str:
    """The error message of a record that is not a JSON object."""
    return f"not a JSON object: {type(value).__name__}"


def _json_rows(stream: IO[bytes], sniff: bool, limit: int) -> Iterator[tuple[str, Row]]:
    """`jsonl_rows`, a wrapping object read as one row."""
    # a little at a time: a truncated .gz is read up to its cut; a UTF-8 byte order mark
    # (as Windows PowerShell writes) is no part of the first record
    block = stream.read(64).removeprefix(codecs.BOM_UTF8)
    while sniff and not block.strip() and len(block) < ARRAY_SNIFF_BYTES:
        more = stream.read(64)
        if not more:
            break
        block += more
    first = block.lstrip()[:1] if sniff else b""
    if first == b"{":  # JSON Lines, unless the first line is a lone `{` (objects printed
        # over many lines, as `json.dump(..., indent=2)` writes)
        if b"\n" not in block and b"\r" not in block:  # the first line, if it is short
            block += stream.readline(ARRAY_SNIFF_BYTES)
        first = b"{" if block.splitlines()[0].strip() == b"{" else b""
    if first in (b"[", b"{"):
        rest = iter(lambda: stream.read(1 << 20), b"")
        yield from _array_rows(itertools.chain([block], rest), first == b"[", limit)
        return
    if b"\n" not in block:  # lines ended by `\r` alone (old Mac editors) are lines too
        block += stream.readline(ARRAY_SNIFF_BYTES)
        if not block.endswith(b"\n") and b"\r" in block:  # no `\n` in the first 64 KiB
            stream = io.BufferedReader(_CarriageReturns(stream))
            block = block.replace(b"\r", b"\n")
    for n, line in enumerate(_lines(block, stream, limit), 1):
        if isinstance(line, int):
            detail = f"a line of {line:,} bytes is over the limit of {limit:,} (--max-bytes)"
            yield str(n), Refused(Reason.TOO_LARGE, detail)
            continue
        if not line.strip():
            continue
        try:
            obj = _json(line)
        except ValueError as exc:
            yield str(n), f"not JSON: {exc}"
            continue
        except RecursionError:  # the decoder's answer to deep nesting
            yield str(n), f"not JSON: {TOO_DEEP}"
            continue
        if not isinstance(obj, dict):
            yield str(n), _not_object(obj)
        else:
            yield str(n), obj


def _lines(block: bytes, stream: IO[bytes], limit: int) -> Iterator[bytes | int]:
    """The lines of `block` and then of the rest of `stream` (the block's last line finished
    from the stream); a line longer than `limit` bytes (its line break not counted) is its
    length instead, read to its end a piece at a time, never held whole."""
    *lines, tail = block.split(b"\n")
    for whole in lines:
        yield whole + b"\n" if len(whole) <= limit else len(whole)
    line = _line(stream, limit, tail)
    while line:
        yield line
        line = _line(stream, limit)


class _CarriageReturns(io.RawIOBase):
    """A file whose lines end with a carriage return alone, read with a line feed for
    each carriage return. In JSON one is only ever whitespace between values (in a string
    it is written as an escape), so no record changes."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        data = self._stream.read(len(memoryview(buffer)))
        memoryview(buffer).cast("B")[: len(data)] = data.replace(b"\r", b"\n")
        return len(data)


def _line(stream: IO[bytes], limit: int, start: bytes = b"") -> bytes | int:
    """The next line of `stream` (`start`: its beginning, already read), b"" at the end; one
    longer than `limit` bytes is its length, its bytes read and let go."""
    line = start
    if len(line) <= limit:
        line += stream.readline(limit + 1 - len(line))
        if len(line) - line.endswith(b"\n") <= limit:
            return line
    size = len(line)
    while not line.endswith(b"\n"):
        line = stream.readline(PIECE_BYTES)
        if not line:
            break
        size += len(line)
    return size - line.endswith(b"\n")


def _array_rows(
    chunks: Iterator[bytes], bracketed: bool = True, limit: int = DEFAULT_MAX_BYTES
) -> Iterator[tuple[str, Row]]:
    """`(item N, object)` per element of one JSON array (or, not `bracketed`, per value of
    a file of JSON values one after another), read chunk by chunk: an element is decoded
    as soon as it is whole. Values after the array's `]` are read on as items too (a line
    of column names before JSON Lines). An element longer than `limit` is `Refused`, read
    to its end by `_skip_value` (none of it kept), and so is one Python cannot hold (nested
    too deeply, a number of too many digits). An element that is not JSON ends the file:
    where the next one starts cannot be told, so its error message is the last row."""
    text = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    decoder = json.JSONDecoder()
    buf, pos, n, opened, ended = "", 0, 0, not bracketed, False

    def more() -> str:
        nonlocal ended
        chunk = next(chunks, None)
        ended = chunk is None
        return repaired(text.decode(chunk or b"", final=ended))

    def over(size: int) -> Refused:
        detail = f"an item of {size:,} bytes is over the limit of {limit:,} (--max-bytes)"
        return Refused(Reason.TOO_LARGE, detail)

    while True:
        pos = _BETWEEN.match(buf, pos).end()  # type: ignore[union-attr]  # always matches
        if pos == len(buf) or not opened:
            if pos == len(buf) and ended:
                if bracketed:
                    yield f"item {n}", "not JSON: the array is not closed with `]`"
                return
            if pos < len(buf):  # the opening bracket (sniffed: always there)
                buf, pos, opened = buf[pos + 1 :], 0, True
                continue
        elif buf[pos] == "]" and bracketed:
            pos, bracketed = pos + 1, False
            continue
        else:
            try:
                obj, end = decoder.raw_decode(buf, pos)
            except json.JSONDecodeError as exc:
                # an element cut off by the end of `buf` fails at that end, or in its last string
                cut = exc.pos >= len(buf) - 1 or exc.msg.startswith("Unterminated string")
                if cut and not ended and len(buf) - pos > limit:
                    size, rest = _skip_value(buf, pos, more, lambda: ended)
                    if rest is None:
                        yield f"item {n}", "not JSON: the file ends inside this element"
                        return
                    yield f"item {n}", over(size)
                    buf, pos, n = rest, 0, n + 1
                    continue
                if ended and cut:
                    yield f"item {n}", "not JSON: the file ends inside this element"
                    return
                if ended or not cut:
                    yield f"item {n}", f"not JSON: {exc.msg} (the rest of the file is lost)"
                    return
            except (RecursionError, ValueError) as exc:
                # JSON that Python cannot hold (nested too deeply, a number of too many
                # digits): its brackets and strings still tell where the next element starts
                why = TOO_DEEP if isinstance(exc, RecursionError) else str(exc)
                _, rest = _skip_value(buf, pos, more, lambda: ended)
                if rest is None:
                    yield f"item {n}", "not JSON: the file ends inside this element"
                    return
                yield f"item {n}", f"not JSON: {why}"
                buf, pos, n = rest, 0, n + 1
                continue
            else:
                if end < len(buf) or ended or isinstance(obj, dict | list | str):
                    size = end - pos if end - pos <= limit else utf8_size(buf[pos:end])
                    pos, n = end, n + 1
                    if size > limit:
                        yield f"item {n - 1}", over(size)
                    elif isinstance(obj, dict):
                        yield f"item {n - 1}", obj
                    else:
                        yield f"item {n - 1}", _not_object(obj)
                    continue
        buf = buf[pos:] + more()
        pos = 0


_IN_STRING = re.compile(r'["\\]')


_STRUCTURE = re.compile(r'["\[\]{}]')


_SCALAR_END = re.compile(r"[\s,\]}]")


def _skip_value(
    buf: str, pos: int, more: Callable[[], str], ended: Callable[[], bool]
) -> tuple[int, str | None]:
    """Read past the JSON value that starts at `buf[pos]`, taking text from `more()` as long
    as it goes on (till `ended()`), keeping none of it: its size in UTF-8 bytes and the text
    after it, or None for that when the file ends inside it. Only brackets and strings are
    looked at, so a value that is not JSON ends where its brackets balance."""
    depth, quoted, escaped, size, i = 0, buf[pos] == '"', False, 0, pos + 1
    scalar = buf[pos] not in '{["'
    if buf[pos] in "{[":
        depth, i = 1, pos + 1
    while True:
        end = -1
        while end < 0:
            if scalar:
                found = _SCALAR_END.search(buf, i)
                if found is None:
                    break
                end = found.start()
            elif quoted:
                found = _IN_STRING.search(buf, i)
                if found is None:
                    break
                if found.group() == "\\":
                    i = found.end() + 1
                    escaped = i > len(buf)  # the escaped character is in the next text
                    continue
                quoted, i = False, found.end()
                end = i if depth == 0 else -1
            else:
                found = _STRUCTURE.search(buf, i)
                if found is None:
                    break
                c, i = found.group(), found.end()
                if c == '"':
                    quoted = True
                else:
                    depth += 1 if c in "[{" else -1
                    end = i if depth == 0 else -1
        if end >= 0:
            return size + utf8_size(buf[pos:end]), buf[end:]
        size += utf8_size(buf[pos:])
        buf, pos, i = "", 0, 0
        while not buf:
            if ended():
                return size, None
            buf = more()
        if escaped:
            escaped, i = False, 1


def _json(line: bytes) -> Any:
    """One JSON line; bytes that are not UTF-8 are read as Windows-1252 (see `repaired`)."""
    try:
        return json.loads(line)
    except UnicodeDecodeError:
        return json.loads(repaired(line.decode("utf-8", "surrogateescape")))
