"""Dataset readers: JSON Lines, JSON, CSV and Parquet, one record per line, row or item.

Each record's locator is its line (`data.jsonl:17`, the line a CSV record
starts on), its row (`data.parquet@row 17`, counted from 0) or, in a JSON file
holding one array, its item (`data.json@item 17`, counted from 0). A line that is
not JSON, a CSV row with fewer or more fields than the header (or in a quote the file
never closes), a value that cannot be text (a Parquet `binary` value that is not
UTF-8), or a stream that breaks off (a `.gz` or `.zst` cut short) is a `Rejected` value
with that locator; only a stream that breaks off costs more than its own record.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import itertools
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any, cast

from warta.dates import epoch_instant
from warta.decode import DEFAULT_MAX_BYTES, Refused, decode_bytes, wide_encoding
from warta.model import Provenance, Reason, Rejected
from warta.readers import (
    COMPRESSIONS,
    DateOrder,
    Input,
    Item,
    Reader,
    Record,
    cannot_read,
    is_json_file,
    open_binary,
    open_file,
)

if TYPE_CHECKING:
    import _csv

    from _typeshed import WriteableBuffer

# Bodies of whole articles sit in single CSV fields: lift the 128 KiB default.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

#: A JSON Lines dataset's columns are the keys of its first this many lines.
HEADER_LINES = 1000
#: What a CSV file's fields may be separated by: the one that splits its header
#: line into the most fields wins (spreadsheets set to Indonesian save with `;`).
CSV_DELIMITERS = (",", ";", "\t", "|")
#: A JSON file whose first non-blank byte (within this many) is `[` is one array of records.
ARRAY_SNIFF_BYTES = 1 << 16
#: The fields whose list of strings is paragraphs, joined by a blank line (another field's
#: pieces are joined by a space).
PARAGRAPH_FIELDS = ("text", "html")
#: Why a value the JSON decoder gave up on (a `RecursionError`) is not read.
_TOO_DEEP = "nested too deeply"
#: How much of a record over the limit is read at a time, to find where it ends.
_PIECE_BYTES = 1 << 16
#: What may come between array elements (commas are not checked).
_BETWEEN = re.compile(r"[\s,]*")

#: A dataset row: its values by column, or why it is not one (a message: a parse error).
Row = dict[str, Any] | str | Refused

_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})(?!\d)")


def dataset_header(item: Input, max_bytes: int = DEFAULT_MAX_BYTES) -> list[str] | None:
    """The column names of a dataset; for JSON Lines, the keys of its first records (those
    read before a break, in a file cut short within them; a record over `max_bytes` is
    not read).

    None when there is none to read (an empty, unreadable or broken file): reading
    the input then reports it as a reject.
    """
    keys: dict[str, None] = {}
    try:
        if item.kind == "parquet":
            import pyarrow.parquet as pq

            with open_file(item.path) as raw:
                return list(pq.ParquetFile(raw).schema_arrow.names)
        stream, raw = open_binary(item.path)
        with raw, stream:
            if item.kind == "csv":
                reader, lines = _csv_reader(_utf8(stream), _separator(item), max_bytes)
                return None if lines.head_over else next(reader, None) or None
            rows = _text_rows(item, _utf8(stream), max_bytes)
            for _, obj in itertools.islice(rows, HEADER_LINES):
                if isinstance(obj, dict):
                    keys.update(dict.fromkeys(obj))
    except Exception:  # reported per input when it is read
        pass
    return list(keys) or None


def detect_date_order(
    item: Input, columns: tuple[str, ...], max_bytes: int = DEFAULT_MAX_BYTES
) -> DateOrder | None:
    """The order of numeric dates in a column: `MDY` once a value reads `10/21/2025`.

    The first value that settles it wins (`21/10/2025` gives `DMY`); None when
    every value is ambiguous or the column has no numeric dates.
    """
    try:
        for record in _rows(item, columns, max_bytes):
            try:
                value = _join(record, "published") or ""
            except (ValueError, ArithmeticError):  # that row is a reject when read
                continue
            for m in _NUMERIC_DATE.finditer(value):
                a, b = int(m.group(1)), int(m.group(2))
                if a > 12 >= b:
                    return "DMY"
                if b > 12 >= a:
                    return "MDY"
    except Exception:  # an unreadable dataset is reported when it is read
        return None
    return None


def read_dataset(item: Input, max_bytes: int = DEFAULT_MAX_BYTES) -> Reader:
    """A reader over the records of a JSON Lines, CSV or Parquet dataset; a record over
    `max_bytes` is a `too_large` reject, read no further than it takes to find its end."""
    holder: list[IO[bytes]] = []

    def tell() -> int:
        try:
            return holder[0].tell() if holder else 0
        except (OSError, ValueError):
            return item.size

    return Reader(_records(item, holder, max_bytes), tell)


def _records(item: Input, holder: list[IO[bytes]], max_bytes: int) -> Iterator[Item]:
    locator = "1" if item.kind != "parquet" else "row 0"
    empty = True
    try:
        rows = (_parquet_rows(item, holder, max_bytes) if item.kind == "parquet"
                else _file_rows(item, holder, max_bytes))  # fmt: skip
        for locator, got in rows:
            empty = False
            if isinstance(got, str):
                provenance = Provenance(item.name, locator)
                yield Rejected(provenance, "read", Reason.PARSE_ERROR, got)
            elif isinstance(got, Refused):
                yield Rejected(Provenance(item.name, locator), "read", got.reason, got.detail)
            else:
                yield _record(item, locator, got)
            locator = _next(locator)
        if empty:  # so that the input is accounted for: read 1, rejected 1
            detail = "the dataset holds no records"
            yield Rejected(Provenance(item.name), "read", Reason.EMPTY_BODY, detail)
    except Exception as exc:  # a stream that breaks off: the rest of the input is one reject
        if empty and isinstance(exc, OSError) and exc.strerror:
            # a file that cannot be read at all (a named pipe, no permission) says just that
            yield cannot_read(item.name, exc)
            return
        if empty and not isinstance(exc, EOFError):
            # not what its name says (no gzip, no Parquet): nothing was read from a line on
            detail = f"cannot read {item.name}: {type(exc).__name__}: {exc}"
            yield Rejected(Provenance(item.name), "read", Reason.UNREADABLE, detail)
            return
        detail = f"cannot read on from here: {type(exc).__name__}: {exc}"
        yield Rejected(Provenance(item.name, locator), "read", Reason.UNREADABLE, detail)


def _record(item: Input, locator: str, row: Mapping[str, Any]) -> Item:
    """One dataset row as a record: its html field, else its text field, is the body (a page
    or text, as it reads: see `warta.sniff`), with the row's title and published value; a
    row with a value that cannot be text is a reject, and costs no other row."""
    get: dict[str, str | None] = {}
    for f, columns in item.columns.items():
        try:
            get[f] = _join((row.get(c) for c in columns), f)
        except UnicodeDecodeError as exc:
            detail = f"{f}: a binary value that is not UTF-8 ({exc.reason} at byte {exc.start})"
            return Rejected(Provenance(item.name, locator), "read", Reason.NOT_TEXT, detail)
        except Exception as exc:  # a value of a kind no field expects: only its row is lost
            detail = f"{f}: cannot read the value: {type(exc).__name__}: {exc}"
            return Rejected(Provenance(item.name, locator), "read", Reason.PARSE_ERROR, detail)
    body = get.get("html") or get.get("text")
    url, outlet = get.get("url"), get.get("outlet")
    if not body:
        detail = "the record has no text (an empty or missing text/html field)"
        return Rejected(Provenance(item.name, locator), "read", Reason.EMPTY_BODY, detail)
    return Record(
        item.name,
        locator,
        body,
        url=url,
        outlet=outlet,
        title=get.get("title") or "",
        published=get.get("published") or "",
        fields=True,
        date_order=item.date_order,
    )


def _join(values: Iterable[Any] | Any, field: str) -> str | None:
    """The values of `field` as one text: a `+` group joined by spaces, timestamps in ISO
    form, a list of strings joined by blank lines (a text or html field) or spaces."""
    if isinstance(values, str) or not isinstance(values, Iterable):
        values = [values]
    sep = "\n\n" if field in PARAGRAPH_FIELDS else " "
    parts = [_text(v, sep, epoch=field == "published") for v in values]
    text = " ".join(p for p in parts if p)
    return text or None


def _text(value: Any, sep: str = " ", *, epoch: bool = False) -> str:
    """One field value as text: a list of strings joined by `sep`, any other list or mapping
    as JSON, a number in the epoch range as its instant when `epoch` (a published field:
    elsewhere it is an id or a count). Raises `UnicodeDecodeError` for binary that is not
    UTF-8."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, bytes):  # a Parquet `binary` column
        return value.decode("utf-8-sig")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if epoch and isinstance(value, int | float | Decimal):
        # an epoch timestamp (seconds or milliseconds) in a published column
        instant = epoch_instant(float(value))
        return str(value) if instant is None else instant.isoformat()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return sep.join(piece for v in value if (piece := v.strip()))
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=_plain)
    return str(value)


def _plain(value: Any) -> Any:
    """A value nested in a list or mapping that `json.dumps` cannot write, as one it can."""
    if isinstance(value, bytes):
        return value.decode("utf-8-sig")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)  # Decimal, timedelta


def _file_rows(item: Input, holder: list[IO[bytes]], max_bytes: int) -> Iterator[tuple[str, Row]]:
    """`_text_rows` of a CSV or JSON dataset's file (its raw file put in `holder`)."""
    stream, raw = open_binary(item.path)
    holder.append(raw)
    with raw, stream:
        yield from _text_rows(item, _utf8(stream), max_bytes)


def _text_rows(item: Input, stream: IO[bytes], max_bytes: int) -> Iterator[tuple[str, Row]]:
    """`(locator, row)` per record of a CSV or JSON dataset, or an error message instead
    (`Refused` for a record over `max_bytes`)."""
    if item.kind == "csv":
        return _csv_rows(stream, _separator(item), max_bytes)
    return _jsonl_rows(stream, sniff=is_json_file(item.path), limit=max_bytes)


def _separator(item: Input) -> str:
    """The separator a CSV dataset's name implies: a tab for `.tsv` (`x.tsv.gz` too)."""
    name = item.path.name.lower()
    for suffix in COMPRESSIONS:
        name = name.removesuffix(suffix)
    return "\t" if name.endswith(".tsv") else ","


def _utf8(stream: IO[bytes]) -> IO[bytes]:
    """`stream`, or when it opens with a UTF-16 or UTF-32 byte order mark (Excel's "Unicode
    text", Windows PowerShell's `>`), its text as UTF-8: the readers split UTF-8 lines."""
    head = stream.peek(4)[:4] if isinstance(stream, io.BufferedReader | gzip.GzipFile) else b""
    encoding = wide_encoding(head)
    if encoding is None:
        return stream
    return cast(IO[bytes], io.BufferedReader(_Transcoded(stream, encoding)))


class _Transcoded(io.RawIOBase):
    """A byte stream in a wide encoding (its byte order mark read) as UTF-8 bytes; a byte
    sequence that is not in that encoding becomes U+FFFD."""

    def __init__(self, stream: IO[bytes], encoding: str) -> None:
        self._text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
        self._out, self._at = b"", 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        while self._at == len(self._out):
            chunk = self._text.read(1 << 16)
            if not chunk:
                return 0
            self._out, self._at = chunk.encode(), 0
        view = memoryview(buffer).cast("B")
        n = min(len(view), len(self._out) - self._at)
        view[:n] = self._out[self._at : self._at + n]
        self._at += n
        return n


def _csv_rows(stream: IO[bytes], named: str, limit: int) -> Iterator[tuple[str, Row]]:
    """`(line, row)` per CSV record; a row with fewer or more fields than the header (an
    unquoted separator inside a field would shift the columns after it) is an error
    message instead, and so is a row the file ends inside a quoted field of (a quote that
    is never closed takes every line after it into that field). A row over `limit` bytes
    is `Refused`, read no further than its end (see `_CsvLines`), and so is a header line
    over it (the rows after it are not read: their columns are not known). `named`: the
    separator of the file's name (see `_csv_reader`)."""
    reader, lines = _csv_reader(stream, named, limit)
    if lines.head_over:
        detail = f"the header line is over the limit of {limit:,} bytes (--max-bytes)"
        yield "1", Refused(Reason.TOO_LARGE, f"{detail}: the file is not read")
        return
    header = next(reader, None)
    if header is None:
        return
    first = _first_columns(header)  # None: each name once
    start = lines.lines + 1
    lines.size = 0
    for fields in reader:
        line, start = str(start), lines.lines + 1
        over, lines.size, lines.over = lines.over, 0, 0
        if not fields:
            continue
        # a line ends a row unless a quoted field is open: a row that asked for a line
        # after the last one was in a quote the file never closed
        read_as_one = f"lines {line}-{lines.lines} were read as one row"
        many = start - int(line) > 1
        if lines.ended:
            detail = "a quote opened in this row is not closed before the end of the file"
            yield (
                line,
                f"{detail}{': ' + read_as_one if many else ''} (a stray quote, or a file cut"
                " short)",
            )
        elif over:
            where = f" (lines {line}-{lines.lines})" if many else ""
            detail = f"a row of {over:,} bytes{where} is over the limit of {limit:,} (--max-bytes)"
            yield line, Refused(Reason.TOO_LARGE, detail)
        elif len(fields) != len(header):
            detail = f"row has {len(fields)} fields, the header has {len(header)}"
            yield line, (f"{detail} ({read_as_one}: a quote in it may not be closed)" if many
                         else detail)  # fmt: skip
        elif first is None:
            yield line, dict(zip(header, map(_repaired, fields), strict=False))
        else:
            yield line, {header[i]: _repaired(fields[i]) for i in first}


def _first_columns(names: list[str]) -> list[int] | None:
    """The position of the first column of each name, when a name is given twice (a row's
    dict would keep the last, where a field's name means the first: see `resolve_columns`);
    None when each name is given once."""
    if len(set(names)) == len(names):
        return None
    return sorted({name: i for i, name in reversed(list(enumerate(names)))}.values())


def _csv_reader(
    stream: IO[bytes], named: str = ",", limit: int = DEFAULT_MAX_BYTES
) -> tuple[_csv.Reader, _CsvLines]:
    """A CSV reader over `stream`, separated by whichever of `CSV_DELIMITERS` its header uses;
    when several split it alike (a header of one name), by `named`, the one of its file's
    name (a `.tsv` file's bodies hold commas); and the lines it reads, each row held to
    `limit` bytes (see `_CsvLines`: where the reader is).

    Bytes that are not UTF-8 stay as surrogates for `_repaired` (a spreadsheet's
    Windows-1252 export), not replaced by U+FFFD.
    """
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    lines = _CsvLines(text, limit)
    split = {d: len(next(csv.reader([lines.head], delimiter=d), [])) for d in CSV_DELIMITERS}
    # ties: the name's separator, then the first
    lines.delimiter = max((named, *CSV_DELIMITERS), key=lambda d: split[d])
    return csv.reader(lines, delimiter=lines.delimiter), lines


#: The states of `_csv_state`: at a field's start, in a field, in a quoted one, just after a
#: quote in a quoted field (the end of the quote, or the first of a doubled one), and past
#: the line break that ends the row.
_START, _FIELD, _QUOTED, _QUOTE, _END = range(5)
_FIELD_ENDS: dict[str, re.Pattern[str]] = {}


def _csv_state(piece: str, state: int, delimiter: str) -> int:
    """The state of a CSV reader (the `csv` module's, `"` quoting, a quote doubled inside a
    quoted field) after `piece`, a line or the start of one, from `state`. `_END` when a line
    break outside quotes ends the row (a line break is the last character of a piece)."""
    ends = _FIELD_ENDS.get(delimiter)
    if ends is None:
        ends = _FIELD_ENDS[delimiter] = re.compile(f"[{re.escape(delimiter)}\r\n]")
    i, size = 0, len(piece)
    while i < size:
        if state == _QUOTED:
            i = piece.find('"', i)
            if i < 0:
                return _QUOTED
            state, i = _QUOTE, i + 1
            continue
        if state == _FIELD:
            found = ends.search(piece, i)
            if found is None:
                return _FIELD
            i = found.start()
        c = piece[i]
        if c in "\r\n":
            return _END
        if c == delimiter:
            state = _START
        elif c == '"' and state != _FIELD:  # a field's opening quote, or a doubled one
            state = _QUOTED
        else:  # the csv module keeps what follows a closing quote in the field
            state = _FIELD
        i += 1
    return state


class _CsvLines:
    """The lines of a CSV file, for `csv.reader`, each row held to `limit` bytes.

    A row that would be longer is read on by `_csv_state` a piece at a time to its end
    (none of it held) and the reader is given a line that ends its row at once; `over`
    says the row was refused, with its size. The reader asks for a line while its row goes
    on only inside a quoted field, so that is where it is when one is refused. The row's
    reader resets `size` (and `over`) at each row.

    Attributes:
        head: the first line (the header), up to `limit` characters.
        head_over: the header line is longer than `limit` bytes.
        lines: lines of the file read (`csv.reader.line_num` counts those it is given).
        size: bytes of the row being read.
        over: bytes of the row just read, when it was over the limit; else 0.
        ended: the reader asked for a line after the last one (a quote left open).
    """

    def __init__(self, text: io.TextIOWrapper, limit: int) -> None:
        self.text, self.limit, self.delimiter = text, limit, ","
        self.head = text.readline(limit + 1)
        self.head_over = _utf8_size(self.head) > limit  # as `__iter__` tells it
        self.lines = self.size = self.over = 0
        self.ended = False

    def __iter__(self) -> Iterator[str]:
        line = self.head
        while line:
            size = _utf8_size(line)
            if self.size + size <= self.limit:
                self.size += size
                self.lines += 1
                yield line
                line = self.text.readline(self.limit + 1)
                continue
            end, last = self._skip(line)
            if end in ("", '"'):  # the file ends inside a quote: the reader's row too
                if end:
                    yield end
                self.ended = True
                return
            yield end
            line = self.text.readline(self.limit + 1)
            if line == "\n" and last.endswith("\r"):  # a CRLF read in two pieces
                line = self.text.readline(self.limit + 1)
        self.ended = True

    def _skip(self, line: str) -> tuple[str, str]:
        """Read the row that `line` goes on with or starts to its end; the line that ends the
        row for the reader and the last piece read. When the file ends inside a quote of the
        row, the line is '' (the reader is in it) or a quote (the reader opens it)."""
        opened = self.size > 0  # the reader is inside a quoted field (see the class)
        state, size = (_QUOTED if opened else _START), self.size
        while True:
            size += _utf8_size(line)
            state = _csv_state(line, state, self.delimiter)
            self.lines += line.endswith(("\n", "\r"))
            if state == _END:
                break
            more = self.text.readline(_PIECE_BYTES)
            if not more:
                if state == _QUOTED:
                    return ("" if opened else '"'), line
                self.lines += 1  # the last line, without a line break
                break
            line = more
        self.over = size
        return ('"\n' if opened else "x\n"), line


def _utf8_size(text: str) -> int:
    """Bytes of `text` in UTF-8 (with bytes `surrogateescape` kept, as they were)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogateescape"))


def _repaired(value: str) -> str:
    """A field read with `surrogateescape`: UTF-8 where it was, each run of other bytes read
    as Windows-1252 (a spreadsheet's export, or one stray byte in a UTF-8 file)."""
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _ESCAPED.sub(_windows_1252, value)
    return value


_ESCAPED = re.compile("[\udc80-\udcff]+")  # bytes `surrogateescape` could not decode


def _windows_1252(run: re.Match[str]) -> str:
    return decode_bytes(run.group().encode("utf-8", "surrogateescape"))[0]


def _next(locator: str) -> str:
    """The locator of the record after `locator` (`17` -> `18`, `row 3` -> `row 4`): where a
    stream that breaks off is reported."""
    head, _, number = locator.rpartition(" ")
    return f"{head} {int(number) + 1}".lstrip() if number.isdigit() else locator


def _jsonl_rows(stream: IO[bytes], sniff: bool, limit: int) -> Iterator[tuple[str, Row]]:
    """`(line, object)` per JSON line; a record that is not a JSON object is an error message
    instead, and a line over `limit` bytes is `Refused` (read no further than its end).
    `sniff` (a `.json` file): `(item N, object)` per element when the file is one JSON array
    or objects printed over many lines (`.json` exports); JSON Lines by name (`.jsonl`) are
    read line by line whatever their first line holds."""
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
            yield str(n), f"not JSON: {_TOO_DEEP}"
            continue
        if not isinstance(obj, dict):
            yield str(n), f"not a JSON object: {type(obj).__name__}"
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
        line = stream.readline(_PIECE_BYTES)
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
        return _repaired(text.decode(chunk or b"", final=ended))

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
                why = _TOO_DEEP if isinstance(exc, RecursionError) else str(exc)
                _, rest = _skip_value(buf, pos, more, lambda: ended)
                if rest is None:
                    yield f"item {n}", "not JSON: the file ends inside this element"
                    return
                yield f"item {n}", f"not JSON: {why}"
                buf, pos, n = rest, 0, n + 1
                continue
            else:
                if end < len(buf) or ended or isinstance(obj, dict | list | str):
                    size = end - pos if end - pos <= limit else _utf8_size(buf[pos:end])
                    pos, n = end, n + 1
                    if size > limit:
                        yield f"item {n - 1}", over(size)
                    elif isinstance(obj, dict):
                        yield f"item {n - 1}", obj
                    else:
                        yield f"item {n - 1}", f"not a JSON object: {type(obj).__name__}"
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
            return size + _utf8_size(buf[pos:end]), buf[end:]
        size += _utf8_size(buf[pos:])
        buf, pos, i = "", 0, 0
        while not buf:
            if ended():
                return size, None
            buf = more()
        if escaped:
            escaped, i = False, 1


def _json(line: bytes) -> Any:
    """One JSON line; bytes that are not UTF-8 are read as Windows-1252 (see `_repaired`)."""
    try:
        return json.loads(line)
    except UnicodeDecodeError:
        return json.loads(_repaired(line.decode("utf-8", "surrogateescape")))


def _parquet_rows(
    item: Input, holder: list[IO[bytes]], limit: int = DEFAULT_MAX_BYTES
) -> Iterator[tuple[str, Row]]:
    """`(row N, row)` per row of a Parquet dataset (its raw file put in `holder`); a row
    with a value Python cannot hold (a timestamp past the year 9999) is an error message,
    and one whose text values hold more than `limit` bytes is `Refused`, its values never
    made Python strings."""
    import pyarrow.parquet as pq

    raw = open_file(item.path)
    holder.append(raw)
    n = 0
    with raw:
        wanted = sorted({c for cols in item.columns.values() for c in cols})
        for batch in pq.ParquetFile(raw).iter_batches(batch_size=256, columns=wanted):
            first = _first_columns(batch.schema.names)
            if first is not None:
                batch = batch.select(first)
            # a batch that holds less than the limit in all needs no count (the usual one)
            sizes = _text_sizes(batch) if batch.nbytes > limit else [0] * batch.num_rows
            fits = [size <= limit for size in sizes]
            rows = iter(_python_rows(batch if all(fits) else batch.filter(fits)))
            for size, fit in zip(sizes, fits, strict=True):
                if fit:
                    yield f"row {n}", next(rows)
                else:
                    detail = f"a row of {size:,} bytes of text is over the limit of {limit:,}"
                    yield f"row {n}", Refused(Reason.TOO_LARGE, f"{detail} (--max-bytes)")
                n += 1


def _text_sizes(batch: Any) -> list[int]:
    """The bytes of the string and binary values of each row of a record batch, counted by
    Arrow before any value is made a Python string."""
    import pyarrow as pa
    import pyarrow.compute as pc

    total = None
    for column in batch.columns:
        kind = column.type
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)
                or pa.types.is_binary(kind) or pa.types.is_large_binary(kind)):  # fmt: skip
            continue
        sizes = pc.fill_null(pc.binary_length(column), 0).cast(pa.int64())
        total = sizes if total is None else pc.add(total, sizes)
    return [0] * batch.num_rows if total is None else total.to_pylist()


def _python_rows(batch: Any) -> list[dict[str, Any] | str]:
    """The rows of a record batch as Python values, or what keeps one from Python."""
    try:
        rows: list[dict[str, Any] | str] = batch.to_pylist()
    except Exception:  # pyarrow raises several kinds: find the rows, keep the others
        rows = [_parquet_row(batch, i) for i in range(batch.num_rows)]
    return rows


def _parquet_row(batch: Any, i: int) -> dict[str, Any] | str:
    """Row `i` of a record batch, or what keeps one of its values from Python."""
    row: dict[str, Any] = {}
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        try:
            row[name] = column[i].as_py()
        except Exception as exc:  # see `_parquet_rows`
            return f"{name}: cannot read the value: {type(exc).__name__}: {exc}"
    return row


def _rows(item: Input, columns: tuple[str, ...], max_bytes: int) -> Iterator[list[Any]]:
    """The values of `columns`, row by row (for date-order detection)."""
    rows: Iterator[tuple[str, Row]]
    if item.kind == "parquet":
        sub = Input(item.path, item.name, item.kind, columns={"c": columns})
        rows = _parquet_rows(sub, [], max_bytes)
    else:
        rows = _file_rows(item, [], max_bytes)
    for _, got in rows:
        if isinstance(got, dict):
            yield [got.get(c) for c in columns]
