"""CSV datasets, row by row: the separator its header uses, rows located by the line they
start on, and a row longer than `--max-bytes` refused without being held whole.

`csv_rows` gives `(line, row)`; a row of the wrong length, or one the file ends inside a
quote of, is a message instead (`warta.readers.tables` makes it a reject).
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING

from warta.decode import Refused
from warta.model import Reason
from warta.readers.rows import PIECE_BYTES, Row, first_columns, repaired, utf8_size
from warta.settings import DEFAULT_MAX_BYTES

if TYPE_CHECKING:
    import _csv

# Bodies of whole articles sit in single CSV fields: lift the 128 KiB default.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

#: What a CSV file's fields may be separated by: the one that splits its header
#: line into the most fields wins (spreadsheets set to Indonesian save with `;`).
CSV_DELIMITERS = (",", ";", "\t", "|")


def csv_rows(stream: IO[bytes], named: str, limit: int) -> Iterator[tuple[str, Row]]:
    """`(line, row)` per CSV record; a row with fewer or more fields than the header (an
    unquoted separator inside a field would shift the columns after it) is an error
    message instead, and so is a row the file ends inside a quoted field of (a quote that
    is never closed takes every line after it into that field). A row over `limit` bytes
    is `Refused`, read no further than its end (see `_CsvLines`), and so is a header line
    over it (the rows after it are not read: their columns are not known). `named`: the
    separator of the file's name (see `csv_reader`)."""
    reader, lines = csv_reader(stream, named, limit)
    if lines.head_over:
        detail = f"the header line is over the limit of {limit:,} bytes (--max-bytes)"
        yield "1", Refused(Reason.TOO_LARGE, f"{detail}: the file is not read")
        return
    header = next(reader, None)
    if header is None:
        return
    first = first_columns(header)  # None: each name once
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
            yield line, dict(zip(header, map(repaired, fields), strict=False))
        else:
            yield line, {header[i]: repaired(fields[i]) for i in first}


def csv_reader(
    stream: IO[bytes], named: str = ",", limit: int = DEFAULT_MAX_BYTES
) -> tuple[_csv.Reader, _CsvLines]:
    """A CSV reader over `stream`, separated by whichever of `CSV_DELIMITERS` its header uses;
    when several split it alike (a header of one name), by `named`, the one of its file's
    name (a `.tsv` file's bodies hold commas); and the lines it reads, each row held to
    `limit` bytes (see `_CsvLines`: where the reader is).

    Bytes that are not UTF-8 stay as surrogates for `repaired` (a spreadsheet's
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
        self.head_over = utf8_size(self.head) > limit  # as `__iter__` tells it
        self.lines = self.size = self.over = 0
        self.ended = False

    def __iter__(self) -> Iterator[str]:
        line = self.head
        while line:
            size = utf8_size(line)
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
            size += utf8_size(line)
            state = _csv_state(line, state, self.delimiter)
            self.lines += line.endswith(("\n", "\r"))
            if state == _END:
                break
            more = self.text.readline(PIECE_BYTES)
            if not more:
                if state == _QUOTED:
                    return ("" if opened else '"'), line
                self.lines += 1  # the last line, without a line break
                break
            line = more
        self.over = size
        return ('"\n' if opened else "x\n"), line
