"""Bytes to text: encodings, binary data and broken Unicode, with a reason for every refusal."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import ftfy
from ftfy.badness import BADNESS_RE

from warta.model import Reason
from warta.settings import DEFAULT_MAX_BYTES

_FTFY = ftfy.TextFixerConfig(
    uncurl_quotes=False,  # Indonesian quotes are text, not noise
    fix_character_width=False,
    unescape_html=False,  # HTML is unescaped by the HTML parser, text stays literal
    normalization="NFC",
    explain=False,
)


@dataclass(frozen=True, slots=True)
class Decoded:
    """Decoded text and what was done to get it."""

    text: str
    encoding: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Refused:
    """Bytes that cannot be read as a capture."""

    reason: Reason
    detail: str


def decode(data: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Decoded | Refused:
    """Decode a capture: UTF-8 (with or without BOM), else Windows-1252, then fix mojibake.

    Args:
        data: raw bytes, or text that is already decoded.
        max_bytes: larger inputs are refused with `Reason.TOO_LARGE`.

    Returns:
        `Decoded` text, or `Refused` with the reason (binary data, too large, empty).

    Example:
        >>> decode("Kamis".encode("cp1252")).text
        'Kamis'
    """
    size = len(data.encode("utf-8", "surrogatepass")) if isinstance(data, str) else len(data)
    if size > max_bytes:
        return Refused(
            Reason.TOO_LARGE, f"{size:,} bytes is over the limit of {max_bytes:,} (--max-bytes)"
        )
    warnings: list[str] = []
    if isinstance(data, str):
        text, encoding = data, "str"
    elif (wide := wide_encoding(data)) is not None:
        # UTF-16/32 with a byte order mark (Windows "Unicode" text): its NUL bytes are text
        text, encoding = data.decode(wide, "replace"), wide
        head = text[:8192]
        broken = head.count("\ufffd")  # bytes that are no character of that encoding
        if _looks_binary(head.encode("utf-8", "surrogatepass")) or broken * 50 > len(head):
            return Refused(Reason.NOT_TEXT, f"binary data, not {wide} text (byte order mark)")
        warnings.append(f"decoded as {wide} (byte order mark)")
    else:
        if _looks_binary(data):
            return Refused(
                Reason.NOT_TEXT, "binary data (NUL or control bytes), not a text capture"
            )
        text, encoding = decode_bytes(data)
        if encoding != "utf-8":
            warnings.append(f"not valid UTF-8: decoded as {encoding}")
    fixed, repairs = repair_text(text)
    warnings.extend(repairs)
    fixed = fixed.replace("\r\n", "\n").replace("\r", "\n")
    if not fixed.strip():
        return Refused(Reason.EMPTY_BODY, "empty capture (no text)")
    return Decoded(fixed, encoding, tuple(warnings))


def repair_text(text: str) -> tuple[str, tuple[str, ...]]:
    """`text` as valid Unicode with mojibake, terminal escapes and control characters
    repaired (ftfy), and a warning for each kind of repair made.

    The same repair serves a capture's text (`decode`) and a record's fields (a
    dataset title that prints `\\x1b[31m` would colour a terminal and hide a word
    from the index).

    Example:
        >>> repair_text("Judul \\x1b[31mMERAH\\x1b[0m")
        ('Judul MERAH', ('repaired broken Unicode (mojibake or control characters)',))
    """
    warnings: list[str] = []
    text, halves = without_surrogates(text)
    if halves:
        warnings.append(SURROGATE_WARNING.format(halves))
    fixed = _fix_lines(text) if _needs_fixing(text) else text
    if fixed != text:
        warnings.append(REPAIR_WARNING)
    return fixed, tuple(warnings)


#: The warning of a text whose lone surrogates were replaced (`without_surrogates`).
SURROGATE_WARNING = "replaced {} lone surrogate(s) (half of a cut UTF-16 pair) with U+FFFD"
#: The warning of a text ftfy repaired.
REPAIR_WARNING = "repaired broken Unicode (mojibake or control characters)"
_SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(text: str) -> tuple[str, int]:
    """`text` as valid Unicode, and how many lone surrogates it held.

    A JSON escape cut in half (`"\\ud83d"`, the first half of an emoji) decodes
    to a lone surrogate, which no UTF-8 writer (SQLite, a JSONL file) accepts.
    Pairs of halves are joined into their character; a lone half becomes U+FFFD.

    Example:
        >>> without_surrogates("Judul " + chr(0xD83D))
        ('Judul \ufffd', 1)
    """
    if text.isascii() or _SURROGATE.search(text) is None:
        return text, 0
    fixed = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return fixed, fixed.count("\ufffd") - text.count("\ufffd")


#: Byte order marks of the wide encodings (UTF-32 LE's begins like UTF-16 LE's: it goes first).
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)  # fmt: skip


def wide_encoding(data: bytes) -> str | None:
    """`utf-16` or `utf-32` when `data` opens with that encoding's byte order mark (Windows
    "Unicode" text: a capture, or a dataset's first bytes).

    Example:
        >>> wide_encoding("x".encode("utf-16")), wide_encoding(b"x")
        ('utf-16', None)
    """
    for bom, encoding in _WIDE_BOMS:
        if data.startswith(bom):
            return encoding
    return None


def _looks_binary(data: bytes) -> bool:
    """NUL bytes, or many control bytes in the first 8 KB."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls > max(8, len(head) // 50)


#: Control bytes other than tab, newline, form feed and carriage return.
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


def decode_bytes(data: bytes) -> tuple[str, str]:
    """`(text, encoding)`: UTF-8 (a BOM dropped), else Windows-1252, else Latin-1 (never fails)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        # Bytes cp1252 leaves undefined: latin-1 maps every byte, nothing is lost.
        return data.decode("latin-1"), "latin-1"


def _fix_lines(text: str) -> str:
    """`ftfy.fix_text(text)`, with ftfy asked only of the lines it could change.

    ftfy fixes a text line by line (a line is all it reads at a time), and leaves a
    line of ASCII without control characters or `\r` as it is: every one of its fixes
    looks for other characters. Such lines are kept as they are, and the runs of
    lines between them go to ftfy: the same text, in 702 instead of 989 µs for the
    benchmark's captures that need it (their quotes are mojibake, their other lines
    are plain ASCII).
    """
    lines = text.split("\n")
    last = len(lines) - 1
    out: list[str] = []
    run: list[str] = []  # lines for ftfy, each with its line break
    for i, line in enumerate(lines):
        piece = line + "\n" if i < last else line
        if line.isascii() and "\r" not in line and not _has_ascii_controls(line):
            if run:
                out.append(ftfy.fix_text("".join(run), config=_FTFY))
                run = []
            out.append(piece)
        else:
            run.append(piece)
    if run:
        out.append(ftfy.fix_text("".join(run), config=_FTFY))
    return "".join(out)


def _has_ascii_controls(text: str) -> bool:
    """Whether an ASCII text holds a character `_CONTROL` matches (1 µs for 3,000)."""
    raw = text.encode("ascii")
    return len(raw.translate(None, _ASCII_CONTROLS)) != len(raw)


def _needs_fixing(text: str) -> bool:
    """Cheap pre-check so clean text skips ftfy (it is the slowest step otherwise).

    Most captures are pure ASCII (85% of the benchmark's), where mojibake cannot
    be and a control character is a byte `bytes.translate` drops: 1 µs against
    the two regex scans' 20 for a 3,000-character article.
    """
    if text.isascii():
        return _has_ascii_controls(text)
    return _CONTROL.search(text) is not None or (_SUSPECT.search(text) is not None and is_bad(text))


def is_bad(text: str) -> bool:
    """ftfy's `is_bad(text)` (whether ftfy's badness regex matches anywhere), with the regex
    run only around the runs of non-ASCII characters.

    Every match of that regex holds a non-ASCII character and is at most `BAD_WIDTH`
    characters long (`tests/test_bad_input.py` checks both on the regex itself), so a
    match lies within `BAD_WIDTH - 1` characters of a run: 32 against 540 µs for the
    benchmark's captures with such characters, whose first bad one is often far in.
    `^` in the regex still matches only at the text's start (where `search` starts from
    `pos` 0), and the regex looks neither ahead nor behind.

    Example:
        >>> is_bad("kata â€œdia"), is_bad("kata “dia”")
        (True, False)
    """
    end = len(text)
    reach = BAD_WIDTH - 1
    for run in _NON_ASCII.finditer(text):
        if BADNESS_RE.search(text, max(0, run.start() - reach), min(end, run.end() + reach)):
            return True
    return False


#: The longest match of ftfy's badness regex.
BAD_WIDTH = 7
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
#: The ASCII characters `_CONTROL` matches.
_ASCII_CONTROLS = _CONTROL_BYTES + b"\x7f"
# Mojibake is always two or more Latin-1 / Windows-1252 letters in a row (`â€œ`, `Ã©`).
_SUSPECT = re.compile(
    "[\u00a1-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u2122]"
    "[\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u2122]"
)
