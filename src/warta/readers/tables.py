"""Dataset readers: JSON Lines, JSON, CSV and Parquet, one record per line, row or item.

Each record's locator is its line (`data.jsonl:17`, the line a CSV record
starts on), its row (`data.parquet@row 17`, counted from 0) or, in a JSON file
holding one array, its item (`data.json@item 17`, counted from 0). A line that is
not JSON, a CSV row with fewer or more fields than the header (or in a quote the file
never closes), a value that cannot be text (a Parquet `binary` value that is not
UTF-8), or a stream that breaks off (a compressed file cut short) is a `Rejected` value
with that locator; only a stream that breaks off costs more than its own record.
"""

from __future__ import annotations

import io
import itertools
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any, cast

from warta.dates import epoch_instant
from warta.decode import Refused, wide_encoding
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
    open_input,
    open_input_file,
)
from warta.readers.csv_rows import csv_reader, csv_rows
from warta.readers.json_rows import jsonl_rows
from warta.readers.rows import Row, first_columns
from warta.settings import DEFAULT_MAX_BYTES

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

#: A JSON Lines dataset's columns are the keys of its first this many lines.
HEADER_LINES = 1000
#: The fields whose list of strings is paragraphs, joined by a blank line (another field's
#: pieces are joined by a space).
PARAGRAPH_FIELDS = ("text", "html")


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

            with open_input_file(item) as raw:
                return list(pq.ParquetFile(raw).schema_arrow.names)
        stream, raw = open_input(item)
        with raw, stream:
            if item.kind == "csv":
                reader, lines = csv_reader(_utf8(stream), _separator(item), max_bytes)
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
            yield cannot_read(item.name, exc, typed=True)
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
    """One field value as text: a list of strings joined by `sep`, a mapping with a `name` its
    name (a publisher as news APIs and JSON-LD write one: `{"id": "kompas", "name":
    "Kompas.com"}`), any other list or mapping as JSON, a number in the epoch range as its
    instant when `epoch` (a published field: elsewhere it is an id or a count). Raises
    `UnicodeDecodeError` for binary that is not UTF-8."""
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
    if isinstance(value, dict) and isinstance(name := value.get("name"), str):
        return name
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
    stream, raw = open_input(item)
    holder.append(raw)
    with raw, stream:
        yield from _text_rows(item, _utf8(stream), max_bytes)


def _text_rows(item: Input, stream: IO[bytes], max_bytes: int) -> Iterator[tuple[str, Row]]:
    """`(locator, row)` per record of a CSV or JSON dataset, or an error message instead
    (`Refused` for a record over `max_bytes`)."""
    if item.kind == "csv":
        return csv_rows(stream, _separator(item), max_bytes)
    return jsonl_rows(stream, sniff=is_json_file(item.member or item.path), limit=max_bytes)


def _separator(item: Input) -> str:
    """The separator a CSV dataset's name implies: a tab for `.tsv` (`x.tsv.gz` too)."""
    name = (item.member or item.path.name).lower()
    for suffix in COMPRESSIONS:
        name = name.removesuffix(suffix)
    return "\t" if name.endswith(".tsv") else ","


def _utf8(stream: IO[bytes]) -> IO[bytes]:
    """`stream`, or when it opens with a UTF-16 or UTF-32 byte order mark (Excel's "Unicode
    text", Windows PowerShell's `>`), its text as UTF-8: the readers split UTF-8 lines."""
    # every stream `open_binary` gives can be peeked at without reading
    head = stream.peek(4)[:4] if hasattr(stream, "peek") else b""
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


def _next(locator: str) -> str:
    """The locator of the record after `locator` (`17` -> `18`, `row 3` -> `row 4`): where a
    stream that breaks off is reported."""
    head, _, number = locator.rpartition(" ")
    return f"{head} {int(number) + 1}".lstrip() if number.isdigit() else locator


def _parquet_rows(
    item: Input, holder: list[IO[bytes]], limit: int = DEFAULT_MAX_BYTES
) -> Iterator[tuple[str, Row]]:
    """`(row N, row)` per row of a Parquet dataset (its raw file put in `holder`); a row
    with a value Python cannot hold (a timestamp past the year 9999) is an error message,
    and one whose text values hold more than `limit` bytes is `Refused`, its values never
    made Python strings."""
    import pyarrow.parquet as pq

    raw = open_input_file(item)
    holder.append(raw)
    n = 0
    with raw:
        wanted = sorted({c for cols in item.columns.values() for c in cols})
        for batch in pq.ParquetFile(raw).iter_batches(batch_size=256, columns=wanted):
            first = first_columns(batch.schema.names)
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
        sub = replace(item, columns={"c": columns})
        rows = _parquet_rows(sub, [], max_bytes)
    else:
        rows = _file_rows(item, [], max_bytes)
    for _, got in rows:
        if isinstance(got, dict):
            yield [got.get(c) for c in columns]
