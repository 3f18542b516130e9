"""Dataset readers: JSON Lines, CSV and Parquet, one record per line or row.

Each record's locator is its line (`data.jsonl:17`, the line a CSV record
starts on) or its row (`data.parquet@row 17`, counted from 0). A line that is
not JSON, a CSV row with fewer fields than the header, or a stream that breaks
off (a truncated `.gz`) is a `Rejected` value with that locator.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from typing import IO, Any

from warta.model import Provenance, Reason, Rejected
from warta.readers import DateOrder, Input, Item, Reader, Record, open_binary

# Bodies of whole articles sit in single CSV fields: lift the 128 KiB default.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})(?!\d)")
_HTML_START = re.compile(rb"^\s*(?:<!doctype html|<html)", re.IGNORECASE)


def dataset_header(item: Input) -> list[str]:
    """The column names of a dataset (for JSON Lines: the keys of its first record).

    Unreadable files give an empty header: the read itself reports them as rejects.
    """
    try:
        if item.kind == "parquet":
            import pyarrow.parquet as pq

            return list(pq.ParquetFile(item.path).schema_arrow.names)
        stream, raw = open_binary(item.path)
        with raw, stream:
            if item.kind == "csv":
                text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
                return next(csv.reader(text), [])
            for n, line in enumerate(stream):
                if n > 1000:
                    break
                try:
                    obj = json.loads(line)
                except ValueError:
                    continue
                if isinstance(obj, dict):
                    return list(obj)
    except Exception:  # reported per input when it is read
        return []
    return []


def detect_date_order(item: Input, columns: tuple[str, ...]) -> DateOrder | None:
    """The order of numeric dates in a column: `MDY` once a value reads `10/21/2025`.

    The first value that settles it wins (`21/10/2025` gives `DMY`); None when
    every value is ambiguous or the column has no numeric dates.
    """
    try:
        for record in _rows(item, columns):
            for m in _NUMERIC_DATE.finditer(_join(record) or ""):
                a, b = int(m.group(1)), int(m.group(2))
                if a > 12 >= b:
                    return "DMY"
                if b > 12 >= a:
                    return "MDY"
    except Exception:  # an unreadable dataset is reported when it is read
        return None
    return None


def read_dataset(item: Input) -> Reader:
    """A reader over the records of a JSON Lines, CSV or Parquet dataset."""
    holder: list[IO[bytes]] = []

    def tell() -> int:
        try:
            return holder[0].tell() if holder else 0
        except (OSError, ValueError):
            return item.size

    return Reader(_records(item, holder), tell)


def _records(item: Input, holder: list[IO[bytes]]) -> Iterator[Item]:
    locator = "1" if item.kind != "parquet" else "row 0"
    try:
        if item.kind == "parquet":
            for n, row in enumerate(_parquet_rows(item, holder)):
                locator = f"row {n}"
                yield _record(item, locator, row)
            return
        stream, raw = open_binary(item.path)
        holder.append(raw)
        with raw, stream:
            rows = _csv_rows(stream) if item.kind == "csv" else _jsonl_rows(stream)
            for locator, got in rows:
                if isinstance(got, str):
                    yield Rejected(Provenance(item.name, locator), "read", Reason.PARSE_ERROR, got)
                else:
                    yield _record(item, locator, got)
                locator = str(int(locator) + 1) if locator.isdigit() else locator
    except Exception as exc:  # a stream that breaks off: the rest of the input is one reject
        detail = f"cannot read on from here: {type(exc).__name__}: {exc}"
        yield Rejected(Provenance(item.name, locator), "read", Reason.UNREADABLE, detail)


def _record(item: Input, locator: str, row: Mapping[str, Any]) -> Item:
    """One dataset row as a record (an HTML body makes a page record)."""
    cols = item.columns
    get = {f: _join(row.get(c) for c in cols[f]) if f in cols else None for f in cols}
    html, text = get.get("html"), get.get("text")
    url, outlet = get.get("url"), get.get("outlet")
    if html or (text and _HTML_START.match(text[:200].encode("utf-8", "replace"))):
        body = html or text or ""
        return Record(item.name, locator, body, url=url, outlet=outlet)
    if not text:
        detail = "the record has no text (an empty or missing text/html field)"
        return Rejected(Provenance(item.name, locator), "read", Reason.EMPTY_BODY, detail)
    return Record(
        item.name,
        locator,
        text,
        url=url,
        outlet=outlet,
        title=get.get("title") or "",
        published=get.get("published") or "",
        fields=True,
        date_order=item.date_order,
    )


def _join(values: Iterable[Any] | Any) -> str | None:
    """Field values as one text: a `+` group joined by spaces, timestamps in ISO form."""
    if isinstance(values, str) or not isinstance(values, Iterable):
        values = [values]
    parts = [_text(v) for v in values]
    text = " ".join(p for p in parts if p)
    return text or None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, int | float):
        # an epoch timestamp (seconds or milliseconds) in a published column
        if value > 1e11:
            value = value / 1000
        if 1e8 < value < 1e10:
            return datetime.fromtimestamp(value, UTC).isoformat()
        return str(value)
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _csv_rows(stream: IO[bytes]) -> Iterator[tuple[str, dict[str, Any] | str]]:
    """`(line, row)` per CSV record; a row with too few fields is an error message instead."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
    reader = csv.reader(text)
    header = next(reader, None)
    if header is None:
        return
    start = reader.line_num + 1
    for fields in reader:
        line, start = str(start), reader.line_num + 1
        if not fields:
            continue
        if len(fields) < len(header):
            yield line, f"row has {len(fields)} fields, the header has {len(header)}"
        else:
            yield line, dict(zip(header, fields, strict=False))


def _jsonl_rows(stream: IO[bytes]) -> Iterator[tuple[str, dict[str, Any] | str]]:
    """`(line, object)` per JSON line; a line that is not a JSON object is an error message."""
    for n, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            yield str(n), f"not JSON: {exc}"
            continue
        if not isinstance(obj, dict):
            yield str(n), f"not a JSON object: {type(obj).__name__}"
        else:
            yield str(n), obj


def _parquet_rows(item: Input, holder: list[IO[bytes]]) -> Iterator[dict[str, Any]]:
    import pyarrow.parquet as pq

    raw = item.path.open("rb")
    holder.append(raw)
    with raw:
        wanted = sorted({c for cols in item.columns.values() for c in cols})
        for batch in pq.ParquetFile(raw).iter_batches(batch_size=256, columns=wanted):
            yield from batch.to_pylist()


def _rows(item: Input, columns: tuple[str, ...]) -> Iterator[list[Any]]:
    """The values of `columns`, row by row (for date-order detection)."""
    if item.kind == "parquet":
        sub = Input(item.path, item.name, item.kind, columns={"c": columns})
        for row in _parquet_rows(sub, []):
            yield [row.get(c) for c in columns]
        return
    stream, raw = open_binary(item.path)
    with raw, stream:
        rows = _csv_rows(stream) if item.kind == "csv" else _jsonl_rows(stream)
        for _, got in rows:
            if not isinstance(got, str):
                yield [got.get(c) for c in columns]
