"""What the dataset readers share: a row, and the text of fields read with `surrogateescape`.

The CSV and JSON readers (`warta.readers.csv_rows`, `warta.readers.json_rows`) read their
files as UTF-8, keeping bytes that are not as surrogates; a field's text is then
`repaired` (each run of such bytes read as Windows-1252), and a record's size counted in
bytes of UTF-8 (`utf8_size`) against `--max-bytes`.
"""

from __future__ import annotations

import re
from typing import Any

from warta.decode import Refused, decode_bytes

#: How much of a record over the limit is read at a time, to find where it ends.
PIECE_BYTES = 1 << 16


#: A dataset row: its values by column, or why it is not one (a message: a parse error).
Row = dict[str, Any] | str | Refused


def first_columns(names: list[str]) -> list[int] | None:
    """The position of the first column of each name, when a name is given twice (a row's
    dict would keep the last, where a field's name means the first: see `resolve_columns`);
    None when each name is given once."""
    if len(set(names)) == len(names):
        return None
    return sorted({name: i for i, name in reversed(list(enumerate(names)))}.values())


def utf8_size(text: str) -> int:
    """Bytes of `text` in UTF-8 (with bytes `surrogateescape` kept, as they were)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogateescape"))


def repaired(value: str) -> str:
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
