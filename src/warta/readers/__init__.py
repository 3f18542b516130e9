"""Readers: every input of a build as a stream of records for the cleaner.

An input is a capture file (`.txt`, `.html`), a folder of them, a dataset
(`.jsonl`, `.json`, `.csv`, `.tsv`, `.parquet`) or a web archive (`.warc`,
`.warc.gz`, `.warc.wet.gz`); any of them may be compressed (`.gz`, `.zst`, `.bz2`,
`.xz`). A reader yields `Record` values in a fixed order, and a `Rejected` value (with its
locator) for anything that cannot become a record: the build counts both, so
nothing is lost. A compressed file cut short raises `EOFError` where it ends
(see `ZstdStream`), which its reader turns into a `Rejected` value.

`plan()` checks every input before any work starts (missing files, unknown
formats, a column mapping that names a missing column) and raises `InputError`.

Example:
    >>> from warta.readers import parse_mapping
    >>> parse_mapping(["title=judul,text=isi_berita", "published=date+time"])["published"]
    (('date', 'time'),)
"""

from __future__ import annotations

import bz2
import errno
import functools
import gzip
import hashlib
import io
import logging
import lzma
import os
import re
import shlex
import stat
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, NamedTuple, cast

from warta.errors import InputError
from warta.model import Provenance, Reason, Rejected
from warta.readers.ahead import AVAILABLE as READ_AHEAD
from warta.readers.ahead import MIN_FILES as READ_AHEAD_FROM
from warta.readers.ahead import ReadAhead
from warta.readers.archives import (
    READ_ERRORS,
    Member,
    archive_format,
    members,
    open_member,
    read_members,
    skipped,
)
from warta.settings import DEFAULT_MAX_BYTES
from warta.sniff import SNIFF_CHARS, looks_like_html

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

Kind = Literal["capture", "folder", "archive", "jsonl", "csv", "parquet", "warc"]
DateOrder = Literal["DMY", "MDY"]

CAPTURE_SUFFIXES = (".txt", ".html", ".htm", ".xhtml")
#: Suffixes of pages a server made, as a site mirror (`wget -m`, HTTrack) saves them: a file
#: named so is a capture when it opens like an HTML page (`_saved_page`).
SERVER_PAGE_SUFFIXES = frozenset((".php", ".php3", ".asp", ".aspx", ".jsp", ".jspx", ".shtml",
                                  ".shtm", ".phtml", ".cfm", ".cgi", ".do"))  # fmt: skip
DATASET_SUFFIXES = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",  # JSON Lines, or one array
    ".csv": "csv", ".tsv": "csv", ".parquet": "parquet",
}  # fmt: skip
#: The kinds of input read as datasets (by `warta.readers.tables`).
DATASET_KINDS = frozenset(DATASET_SUFFIXES.values())
COMPRESSIONS = (".gz", ".zst", ".bz2", ".xz")
#: The decompressed stream of a raw file, by its suffix, for the compressions the standard
#: library reads (`.zst` is read by `ZstdStream`); each raises `EOFError` at a cut.
DECOMPRESSORS: dict[str, Callable[[IO[bytes]], io.BufferedIOBase]] = {
    ".gz": lambda raw: gzip.GzipFile(fileobj=raw, mode="rb"),
    ".bz2": bz2.BZ2File,
    ".xz": lzma.LZMAFile,
}
#: Compressed bytes fed to the zstd decompressor at a time. What one feed decompresses to has
#: no bound (a frame of zeros grows 32,000-fold), so a small feed keeps a read's memory small.
ZSTD_FEED_BYTES = 1 << 12
#: The record fields a dataset column can be mapped to.
FIELDS = ("url", "outlet", "title", "published", "text", "html")

#: A field's columns: alternatives (the first one present wins), each a `+`-joined group.
ColumnSpec = tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Record:
    """One capture or dataset record, ready for `Cleaner.__call__`.

    `fields` is true for a dataset record whose title and published value were
    given apart from the body (`data`).
    """

    source: str
    locator: str
    data: bytes | str
    url: str | None = None
    outlet: str | None = None
    title: str | None = None
    published: str | None = None
    fields: bool = False
    date_order: DateOrder | None = None

    def __reduce__(self) -> tuple[type[Record], tuple[Any, ...]]:
        """Pickled as its fields: half the time of a slotted dataclass's state (a build sends
        every record to a worker)."""
        return Record, (self.source, self.locator, self.data, self.url, self.outlet, self.title,
                        self.published, self.fields, self.date_order)  # fmt: skip


Item = Record | Rejected


@dataclass(frozen=True, slots=True)
class Input:
    """One input of a build, checked by `plan()`.

    Attributes:
        path: where it is on disk.
        name: the name records carry as their source: the path as given, normalised
            (`./a/` is `a`; bytes that are not UTF-8 are shown as `\\xe9`).
        kind: how it is read.
        size: bytes on disk (a folder: the sum of its captures), for the progress bar.
        columns: for a dataset, the resolved column of each field.
        date_order: for a dataset, the order of its numeric `published` dates.
    """

    path: Path
    name: str
    kind: Kind
    size: int = 0
    columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    date_order: DateOrder | None = None
    #: For a folder: its capture files an earlier input of the build reads (relative paths).
    skip: frozenset[str] = frozenset()
    #: For a folder: its files that no suffix makes captures but that open like an HTML page
    #: (`_saved_page`: `berita/harga-beras-naik`, `index.php?id=3`), told when it is planned.
    pages: frozenset[str] = frozenset()
    #: For a dataset in an archive (`path`): its path in the archive.
    member: str = ""
    #: For a folder: a digest of the relative paths of the captures it reads (`listing`),
    #: so that a build can tell when they are not those of its last build.
    listing: str = ""
    #: For a folder: the relative paths of the captures it reads, in order, as `plan`
    #: listed them (None: listed again when read), and its subfolders that could not be
    #: listed (path, why): a folder is listed once, and reads the files its `listing` names.
    files: tuple[str, ...] | None = field(default=None, repr=False, compare=False)
    unlisted: tuple[tuple[str, str], ...] = field(default=(), repr=False, compare=False)


def parse_mapping(specs: Sequence[str]) -> dict[str, ColumnSpec]:
    """Parse `--map` values: `field=column[,field=column]`, `a|b` alternatives, `a+b` joins.

    Raises:
        InputError: an entry is not `field=column` or names an unknown field.
    """
    out: dict[str, ColumnSpec] = {}
    for spec in specs:
        for entry in filter(None, (e.strip() for e in spec.split(","))):
            name, sep, columns = entry.partition("=")
            name = name.strip().lower()
            if not sep or not columns.strip():
                raise InputError(f"--map {entry!r}: expected field=column (e.g. title=judul)")
            if name not in FIELDS:
                known = ", ".join(FIELDS)
                raise InputError(f"--map {entry!r}: unknown field {name!r} (fields: {known})")
            out[name] = tuple(
                tuple(c.strip() for c in alt.split("+")) for alt in columns.split("|")
            )
    return out


def resolve_columns(
    name: str, header: Sequence[str], mapping: Mapping[str, ColumnSpec]
) -> dict[str, tuple[str, ...]]:
    """Each field's columns in a dataset with `header`; fields named like a column need no mapping.

    A name, mapped or not, is the column spelled the same, else the first one that differs
    only in case or in spaces around it (` Judul ` for `judul`).

    Raises:
        InputError: a mapped column is missing, or there is no text/html column (the
            message shows the `--map` the column names suggest: `likely_columns`).

    Example:
        >>> resolve_columns("d.csv", ["Title ", " ISI "], {"text": (("body",), ("isi",))})
        {'title': ('Title ',), 'text': (' ISI ',)}
    """
    exact = set(header)
    folded: dict[str, str] = {}
    for h in header:
        folded.setdefault(h.strip().lower(), h)

    def column(wanted: str) -> str | None:
        return wanted if wanted in exact else folded.get(wanted.strip().lower())

    out: dict[str, tuple[str, ...]] = {}
    for f in FIELDS:
        for alt in mapping.get(f, ((f,),)):
            found = tuple(c for c in map(column, alt) if c is not None)
            if len(found) == len(alt):
                out[f] = found
                break
        else:
            if f in mapping:
                want = " or ".join("+".join(alt) for alt in mapping[f])
                raise InputError(f"{name}: --map {f}={want}: no such column ({_columns(header)})")
    if "text" not in out and "html" not in out:
        likely = likely_columns(header, out)
        hint = _map_option(likely) if "text" in likely else "--map text=COLUMN"
        raise InputError(f"{name}: no text or html column ({_columns(header)}); try {hint}")
    return out


#: Column names that usually hold a field in Indonesian and English scrapes (folded: lower
#: case, `_` for spaces and hyphens), most specific first. Only ever suggested in a `--map`
#: hint, never used unasked: `Summary` or `berita` may hold the text, or not.
LIKELY_COLUMNS: dict[str, tuple[str, ...]] = {
    "url": ("tautan", "link", "url_berita", "link_berita", "alamat", "href", "source_url",
            "article_url", "canonical_url", "permalink", "uri"),
    "outlet": ("sumber", "sumber_berita", "media", "nama_media", "portal", "situs", "penerbit",
               "publisher", "source", "source_name", "site", "site_name", "domain"),
    "title": ("judul", "judul_berita", "judul_artikel", "headline", "tajuk"),
    "published": ("tanggal_publikasi", "tanggal_terbit", "tanggal_berita", "waktu_terbit",
                  "tanggal", "tgl", "waktu", "published_at", "publish_date", "published_date",
                  "date_published", "datepublished", "publishedat", "publication_date", "pubdate",
                  "datetime", "date"),
    "text": ("isi_berita", "isi_artikel", "isi", "konten", "konten_berita", "content", "body",
             "article_body", "articlebody", "full_text", "fulltext", "artikel", "naskah",
             "teks", "article"),
}  # fmt: skip


def likely_columns(
    header: Sequence[str], resolved: Mapping[str, Sequence[str]] | None = None
) -> dict[str, str]:
    """For each field not `resolved`, the column of `header` its name suggests (`LIKELY_COLUMNS`).

    A column a field already reads and one named like a field are not suggested, nor a
    text beside html.

    Example:
        >>> likely_columns(["Judul", "Isi", "Tanggal", "Kategori", "Link"])
        {'url': 'Link', 'title': 'Judul', 'published': 'Tanggal', 'text': 'Isi'}
        >>> likely_columns(["title", "date", "time", "content"], {"title": ("title",)})
        {'published': 'date+time', 'text': 'content'}
    """
    resolved = resolved or {}
    taken = {c.strip().lower() for cs in resolved.values() for c in cs}.union(FIELDS)
    folded: dict[str, str] = {}  # folded name -> the column, for the columns not taken
    for h in header:
        if (name := h.strip().lower()) not in taken:
            folded.setdefault(re.sub(r"[\s-]+", "_", name), h.strip())
    out: dict[str, str] = {}
    for field_, names in LIKELY_COLUMNS.items():
        if field_ in resolved or (field_ == "text" and "html" in resolved):
            continue
        found = next((n for n in names if n in folded), None)
        if found is None:
            continue
        column = folded.pop(found)
        if found in _DATE_ONLY:  # a published date: with the time beside it
            clock = next((folded.pop(n) for n in _TIME_OF_DAY if n in folded), None)
            column = f"{column}+{clock}" if clock else column
        out[field_] = column
    return out


#: A published column of a date only, and the names of a column with its time of day.
_DATE_ONLY = frozenset(("tanggal", "tgl", "date"))
_TIME_OF_DAY = ("time", "waktu", "jam", "pukul")


def _map_option(columns: Mapping[str, str]) -> str:
    """`--map title=judul,text=isi` for `{field: column}`, quoted for a shell when it must be."""
    return "--map " + shlex.quote(",".join(f"{f}={c}" for f, c in columns.items()))


def _look_like(columns: Mapping[str, str]) -> str:
    """`judul looks like title` / `judul and isi look like title and text`."""
    names = " and ".join(columns.values())
    return f"{names} {'looks' if len(columns) == 1 else 'look'} like {' and '.join(columns)}"


def _columns(header: Sequence[str]) -> str:
    """`columns: a, b` for an error message; a name with spaces around it is quoted."""
    shown = (repr(h) if h != h.strip() or not h else h for h in header)
    return f"columns: {', '.join(shown)}"


def plan(
    paths: Sequence[str],
    mapping: Mapping[str, ColumnSpec] | None = None,
    date_order: DateOrder | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> list[Input]:
    """Check and expand the inputs of a build, before any work starts.

    A folder gives one input for its capture files (in path order) and one per
    dataset or archive inside it. A file given twice is read once.

    Args:
        paths: files and folders, as given on the command line.
        mapping: `--map` column mapping for datasets (see `parse_mapping`).
        date_order: the order of numeric dates in dataset columns; None detects it
            per column (a value like `10/21/2025` means month first).
        max_bytes: a dataset record larger than this is not read to find its columns.

    Returns:
        The inputs, in order.

    Raises:
        InputError: a path is missing or has an unknown format, or a mapping names a
            column a dataset does not have.

    Example:
        >>> plan(["no/such/file.csv"])
        Traceback (most recent call last):
        ...
        warta.errors.InputError: no/such/file.csv: no such file or folder
    """
    from warta.readers.tables import dataset_header, detect_date_order

    mapping = mapping or {}
    inputs: list[Input] = []
    # Every file is read once, by the first input that holds it, however it is spelled
    # (`d`, `d/`, `./d`, a file and its folder, a link to it): the real path of each file
    # claimed. In a folder, only a link's is looked up (one call a link, not a file).
    seen: set[str] = set()
    # datasets by the columns their headers suggest for fields left unmapped (one warning each)
    unmapped: dict[tuple[tuple[str, str], ...], list[str]] = {}
    for given in paths:
        path = existing(given)
        shown = input_name(given)
        if path.is_dir():
            real = os.path.join(os.path.realpath(path), "")  # with a separator at its end
            unlisted: list[tuple[str, str]] = []
            found = [(f, os.path.realpath(f.path) if f.link else real + f.rel)
                     for f in _relative_files(path, unlisted)]  # fmt: skip
            kinds = [_kind(f.name) for f, _ in found]
            pages = set()
            for i, (f, _) in enumerate(found):
                if kinds[i] is None and _saved_page(f.name, f.path):
                    kinds[i] = "capture"
                    pages.add(f.rel)
            captures = [f for f, kind in zip(found, kinds, strict=True) if kind == "capture"]
            new, skip = [], set()
            for f, key in captures:  # a link to a capture of this folder: read once
                if key in seen:
                    skip.add(f.rel)
                else:
                    seen.add(key)
                    new.append(f)
            if new:
                size = sum(_size(f.path) for f in new)
                rels = tuple(f.rel for f in new)
                inputs.append(Input(path, shown, "folder", size, skip=frozenset(skip),
                                    pages=frozenset(pages), listing=listing(rels),
                                    files=rels, unlisted=tuple(unlisted)))  # fmt: skip
            # a .json file in a folder is read only when named: it is often a page's metadata
            others = [(Path(f.path), key, kind)
                      for (f, key), kind in zip(found, kinds, strict=True)
                      if kind != "capture"]  # fmt: skip
            files: list[tuple[str, Input]] = [
                (key, Input(p, input_name(str(p)), kind, _size(p))) for p, key, kind in others
                if kind is not None and not is_json_file(p)
            ]  # fmt: skip
            unread = [p for p, _, kind in others if kind is None or is_json_file(p)]
            left_out = _left_out(unread)
            if not captures and not files:  # what is there, and how to read a .json of it
                log.warning("%s: nothing read in this folder: %s", shown,
                            left_out or "no files (hidden ones aside)")  # fmt: skip
            elif left_out:
                log.warning("%s: %s", shown, left_out)
        else:
            named = _kind(path) or ("capture" if _saved_page(path.name, path) else None)
            if named is not None:
                files = [(os.path.realpath(path), Input(path, shown, named, _size(path)))]
            elif archive_format(path.name):
                files = _archive_inputs(path, shown)
            elif unpack := _unpack_command(path.name):
                raise InputError(f"{shown}: an archive is not read: unpack it ({unpack}) and"
                                 " build the folder")  # fmt: skip
            else:
                raise InputError(
                    f"{shown}: unknown input format (expected .txt, .html, .jsonl, .json, .csv, "
                    ".tsv, .parquet, .warc, .warc.wet, optionally .gz, .zst, .bz2 or .xz; or"
                    " a page saved under another name that opens like HTML)"
                )
        for key, item in files:
            if key in seen:
                continue
            seen.add(key)
            name, kind = item.name, item.kind
            if kind in DATASET_KINDS:
                header = dataset_header(item, max_bytes)
                if header is None:  # nothing to check against: reading it reports why
                    columns = {f: mapping[f][0] if f in mapping else (f,) for f in FIELDS}
                else:
                    columns = resolve_columns(name, header, mapping)
                    if likely := likely_columns(header, columns):
                        unmapped.setdefault(tuple(likely.items()), []).append(name)
                if kind == "jsonl":  # keys vary by record: a field's own name always counts
                    columns = {f: columns.get(f, (f,)) for f in FIELDS}
                order = date_order
                if order is None and "published" in columns:
                    order = detect_date_order(item, columns["published"], max_bytes)
                item = replace(item, columns=columns, date_order=order)
            inputs.append(item)
    for suggested, datasets in unmapped.items():
        hint = dict(suggested)
        more = f" (and {len(datasets) - 1:,} more like it)" if len(datasets) > 1 else ""
        log.warning("%s%s: no %s column, but %s: add %s", datasets[0], more, " or ".join(hint),
                    _look_like(hint), _map_option(hint))  # fmt: skip
    return inputs


def existing(given: str) -> Path:
    """The path of an input as given, which must be there (a broken link is: reading it
    makes a reject).

    Raises:
        InputError: nothing is at that path (a mistyped path is an error, not a reject).
    """
    path = Path(given)
    if not path.exists() and not path.is_symlink():
        raise InputError(f"{input_name(given)}: no such file or folder")
    return path


def read(item: Input, max_bytes: int) -> Reader:
    """A reader over one input's records (see `Reader`)."""
    if item.kind in ("capture", "folder"):
        done = [0]
        return Reader(_read_captures(item, max_bytes, done), lambda: done[0])
    if item.kind == "archive":
        done = [0]
        return Reader(_read_archive(item, max_bytes, done), lambda: done[0])
    from warta.readers.tables import read_dataset
    from warta.readers.warc import read_warc

    if item.kind == "warc":
        return read_warc(item, max_bytes)
    return read_dataset(item, max_bytes)


@dataclass(slots=True)
class Reader:
    """The records of one input, and how many raw bytes of it have been read so far."""

    items: Iterator[Item]
    tell: Callable[[], int]


def where(source: str, locator: str) -> str:
    """`data.jsonl:17`, `pages.warc.gz@offset 12345`, or the source alone."""
    if not locator:
        return source
    return f"{source}:{locator}" if locator[0].isdigit() else f"{source}@{locator}"


#: What a path that is not a regular file is, by its `st_mode` (checked in this order).
_NOT_FILES = (
    (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
)  # fmt: skip


def open_file(path: str | Path, *, any_file: bool = False) -> IO[bytes]:
    """A regular file (or a link to one), opened to read bytes.

    A named pipe, socket or device is refused before it is opened: opening a pipe
    waits for a writer (a build would hang on a pipe left in a capture folder), and
    a build reads a dataset twice (its columns, then its records), which a pipe
    cannot give. `any_file`: whatever the path is (a named pipe on the command line).

    Raises:
        OSError: the path cannot be opened, or is not a regular file (`strerror`
            says what it is).
    """
    if not any_file:
        _check_regular(path, os.stat(path).st_mode)
    return open(path, "rb")


def _check_regular(path: str | Path, mode: int) -> None:
    """Raise `OSError` saying what `path` is (`a named pipe, not a regular file`) unless its
    `st_mode` is a regular file's."""
    if not stat.S_ISREG(mode):
        what = next((name for test, name in _NOT_FILES if test(mode)), "not a file")
        raise OSError(errno.EINVAL, f"{what}, not a regular file", str(path))


def cannot_read(name: str, exc: Exception, *, typed: bool = False) -> Rejected:
    """The `unreadable` reject of a file that could not be read: its name, and what the
    system said (`cannot read x.txt: a named pipe, not a regular file`); `typed`: what a
    library raised, its type named (`cannot read x.zst: ZstdError: ...`)."""
    said = f"{type(exc).__name__}: {exc}" if typed else getattr(exc, "strerror", None) or exc
    return Rejected(Provenance(name), "read", Reason.UNREADABLE, f"cannot read {name}: {said}")


def open_binary(path: str | Path, *, any_file: bool = False) -> tuple[IO[bytes], IO[bytes]]:
    """The decompressed stream of a file and its raw file (whose `tell()` gives progress).
    `any_file`: open a named pipe too (see `read_capture`)."""
    return _decompressed(open_file(path, any_file=any_file), str(path))


def real_path(item: Input) -> str:
    """Where an input's records are read from: the real path of its file, and for a member
    of an archive its path in the archive after it (`/data/dump.zip/berita.csv`)."""
    real = os.path.realpath(item.path)
    return f"{real}/{item.member}" if item.member else real


def open_input(item: Input) -> tuple[IO[bytes], IO[bytes]]:
    """`open_binary` of an input's file, or of its member of an archive (`Input.member`)."""
    if not item.member:
        return open_binary(item.path)
    return _decompressed(open_member(item.path, item.member), item.member)


def open_input_file(item: Input) -> IO[bytes]:
    """`open_file` of an input's file, or its member of an archive (`Input.member`)."""
    return open_member(item.path, item.member) if item.member else open_file(item.path)


def _decompressed(raw: IO[bytes], name: str) -> tuple[IO[bytes], IO[bytes]]:
    """The decompressed stream of a file opened as `raw`, by its name's suffix, and `raw`."""
    suffix = os.path.splitext(name)[1].lower()
    try:
        if suffix in DECOMPRESSORS:
            return cast(IO[bytes], DECOMPRESSORS[suffix](raw)), raw
        if suffix == ".zst":
            return cast(IO[bytes], io.BufferedReader(ZstdStream(raw))), raw
    except Exception:
        raw.close()
        raise
    return raw, raw


class ZstdStream(io.RawIOBase):
    """The decompressed bytes of a `.zst` file, frame after frame.

    A file that ends inside a frame (a download cut short) raises `EOFError` once
    the bytes before the cut are read, as `gzip` does (zstandard's `stream_reader`
    just ends there); with `raise_at_cut` false it ends there, and `cut` says so.
    Bytes that are no frame, or a corrupt frame, raise `zstandard.ZstdError` once the
    frames before them are read. Each frame is fed to a `decompressobj`, whose `eof`
    says when it is whole.

    Attributes:
        size: how many bytes it has decompressed so far.
        cut: the file ended inside a frame.
    """

    def __init__(self, raw: IO[bytes], *, raise_at_cut: bool = True) -> None:
        import zstandard

        self.size = 0
        self.cut = False
        self._raw = raw
        self._raise = raise_at_cut
        self._zstd = zstandard.ZstdDecompressor()
        self._frame: zstandard.ZstdDecompressionObj | None = None  # begun, not yet whole
        self._out = memoryview(b"")
        self._error: Exception | None = None  # raised once `_out` is read
        self._broken = zstandard.ZstdError

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        while not self._out:
            if self._error is not None:
                raise self._error
            data = self._raw.read(ZSTD_FEED_BYTES)
            if not data:
                self.cut = self._frame is not None
                if self.cut and self._raise:
                    raise EOFError(
                        "Compressed file ended before the end-of-stream marker was reached"
                    )
                return 0
            self._out = memoryview(self._feed(data))
            self.size += len(self._out)
        n = min(len(self._out), memoryview(buffer).nbytes)
        memoryview(buffer).cast("B")[:n] = self._out[:n]
        self._out = self._out[n:]
        return n

    def _feed(self, data: bytes) -> bytes:
        """What `data` decompresses to, starting a frame wherever one ends within it; the
        error of bytes that are no frame is kept for after the frames before them."""
        out = []
        while data:
            if self._frame is None:
                self._frame = self._zstd.decompressobj()
            try:
                out.append(self._frame.decompress(data))
            except self._broken as exc:
                if not out:
                    raise
                self._error = exc
                break
            if not self._frame.eof:
                break
            data, self._frame = self._frame.unused_data, None
        return b"".join(out)


def is_json_file(path: str | Path) -> bool:
    """A `.json` file (`x.json`, `x.json.gz`): a dataset when named, not when found in a folder,
    and its layout is sniffed (`.jsonl` and `.ndjson` are JSON Lines by name)."""
    name = os.path.basename(path).lower()
    return name.endswith(".json") or any(name.endswith(".json" + c) for c in COMPRESSIONS)


def input_name(path: str) -> str:
    """The name an input path gives its records: normalised (`./d/` is `d`, `d/../d/a.txt`
    is `d/a.txt`), so one file has one name however it is typed, and printable: bytes of a
    file name that are not UTF-8 are written as `\\xe9` (SQLite and JSON take no others).

    Example:
        >>> input_name("./captures/"), input_name("berita-" + chr(0xDCE9) + ".txt")
        ('captures', 'berita-\\\\xe9.txt')
    """
    name = os.path.normpath(path)
    if name.isascii():
        return name
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def listing(names: Iterable[str]) -> str:
    """A digest of a folder's capture files, by their paths relative to it, in the order read.

    Example:
        >>> listing(["a.txt", "b.txt"]) == listing(["a.txt", "c.txt"])
        False
    """
    digest = hashlib.sha256()
    for name in names:
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
    return digest.hexdigest()[:32]


class FolderFile(NamedTuple):
    """A file found under a folder (`_relative_files`)."""

    rel: str  #: its path relative to the folder
    path: str  #: its path
    name: str  #: its file name
    link: bool  #: whether it is a symbolic link


def _relative_files(
    folder: Path, unreadable: list[tuple[str, str]] | None = None
) -> list[FolderFile]:
    """Every file under `folder` (symbolic links to folders are not followed, as in
    `os.walk`), in the order of `sorted(folder.rglob("*"))`: by path components. A
    subfolder that cannot be listed is added to `unreadable`, with why.

    Paths stay strings: a `Path` a file cost 8 µs, and a folder of a million captures
    is listed before the build starts.
    """
    found: list[tuple[tuple[str, ...], str, bool]] = []
    todo: list[tuple[str, tuple[str, ...]]] = [(str(folder), ())]
    while todo:
        at, parts = todo.pop()
        try:
            with os.scandir(at) as listed:
                entries = list(listed)
        except OSError as exc:
            if unreadable is not None:
                unreadable.append((str(exc.filename or at), exc.strerror or str(exc)))
            continue
        for entry in entries:
            link = entry.is_symlink()
            try:
                is_dir = entry.is_dir()  # a link to a folder is one, as in `os.walk`
            except OSError:
                is_dir = False
            if not is_dir:
                found.append(((*parts, entry.name), entry.path, link))
            elif not link:
                todo.append((entry.path, (*parts, entry.name)))
    found.sort()
    # `os.path.join` of the parts: none is empty or holds a separator
    return [FolderFile(os.sep.join(parts), path, parts[-1], link) for parts, path, link in found]


def _kind(path: str | Path) -> Kind | None:
    """The kind of a file by its name (`x.jsonl.gz` is a jsonl dataset).

    Asked of every file of a folder when the build is planned, it looks at the name's
    suffixes once per distinct suffixes
    (`0000001.txt` as `x.txt`): 0.6 against 1.0 µs a file (100,000 names, timed alone).
    """
    name = os.path.basename(path).lower()
    dot = name.find(".")
    if dot < 0:
        return None
    if dot == 0:  # a hidden file (`.txt`: its leading dot starts no suffix)
        return _kind_of_name(name)
    return _kind_of_suffixes("x" + name[dot:])


def _kind_of_name(name: str) -> Kind | None:
    """`_kind` of a lower-case file name."""
    for comp in ("", *COMPRESSIONS):
        if comp and not name.endswith(comp):
            continue
        base = name[: len(name) - len(comp)] if comp else name
        if base.endswith((".warc", ".warc.wet")):
            return "warc"
        stem_suffix = os.path.splitext(base)[1]
        if stem_suffix in DATASET_SUFFIXES:
            return DATASET_SUFFIXES[stem_suffix]  # type: ignore[return-value]
        if stem_suffix in CAPTURE_SUFFIXES:
            return "capture"
    return None


#: `_kind_of_name` of the suffixes of the names in a folder (a few distinct ones).
_kind_of_suffixes = functools.lru_cache(maxsize=1024)(_kind_of_name)


#: A suffix that names a kind of file (`.png`, `.css`); after the last dot of `2025.02.03-judul`
#: is none.
_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")


def _saved_page(name: str, path: str | Path) -> bool:
    """Whether a file that no suffix makes an input is a page a site mirror saved: named
    like one (`_page_name`) and opening like an HTML page (`warta.sniff`)."""
    return _page_name(name) and _opens_like_html(path)


#: Archives a build does not read, by suffix, with the command that unpacks one (`{}`: its
#: name, `{stem}`: the folder to unpack it into).
ARCHIVES = {
    ".zip": "unzip {} -d {stem}", ".tar": "tar -xf {}", ".tar.gz": "tar -xzf {}",
    ".tgz": "tar -xzf {}", ".tar.bz2": "tar -xjf {}", ".tar.xz": "tar -xJf {}",
    ".tar.zst": "tar --zstd -xf {}", ".7z": "7z x {}", ".rar": "unrar x {}",
}  # fmt: skip


def _unpack_command(name: str) -> str:
    """The command that unpacks an archive named `name` ('' when it is none).

    Example:
        >>> _unpack_command("berita.zip"), _unpack_command("dump.tar.gz"), _unpack_command("a.gz")
        ('unzip berita.zip -d berita', 'tar -xzf dump.tar.gz', '')
    """
    low = name.lower()
    for suffix, command in ARCHIVES.items():
        if low.endswith(suffix) and len(name) > len(suffix):
            quoted = shlex.quote(name)
            return command.format(quoted, stem=shlex.quote(name[: -len(suffix)]))
    return ""


def _page_name(name: str) -> bool:
    """Whether a file name may be a saved page's: no suffix (`berita/harga-beras-naik`), a
    server page's (`SERVER_PAGE_SUFFIXES`), a query string after one (`index.php?id=3`),
    wget's number after a page's (`a.html.1`) or a last dot that starts no suffix.

    Example:
        >>> [_page_name(n) for n in ("judul-berita", "index.php?id=3", "a.html.1", "b.aspx",
        ...                           "2025.02.03-judul", "logo.png", "app.js", ".bashrc")]
        [True, True, True, True, True, False, False, False]
    """
    name = name.lower().partition("?")[0]
    if name.startswith(".") or not name:
        return False
    base, suffix = os.path.splitext(name)
    if suffix[1:].isdigit():  # wget's second copy of a page: `a.html.1`
        base, suffix = os.path.splitext(base)
    return (not suffix or suffix in SERVER_PAGE_SUFFIXES or suffix in CAPTURE_SUFFIXES
            or _SUFFIX.fullmatch(suffix) is None)  # fmt: skip


def _opens_like_html(path: str | Path) -> bool:
    """Whether a regular file opens like an HTML page (`looks_like_html`); False when it
    cannot be read (a named pipe is not waited for)."""
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError:
        return False
    try:
        _check_regular(path, os.fstat(fd).st_mode)
        head = os.read(fd, SNIFF_CHARS)
    except OSError:  # not a regular file, too
        return False
    finally:
        os.close(fd)
    return looks_like_html(head)


def _left_out(files: Iterable[Path]) -> str:
    """What a build says of the files of a folder it does not read ('' if none): how many,
    by suffix (the most common first). Hidden files (`.DS_Store`) are not counted.

    Example:
        >>> _left_out(map(Path, ["b.png", "c.png", "d.jsonl.zip", ".DS_Store"]))[:48]
        '3 files left out by their names (2 .png, 1 .zip)'
    """
    total, kinds = _counted(files)
    if not total:
        return ""
    return (f"{total} files left out by their names ({kinds}): a build reads"
            " .txt and .html captures (and pages saved under other names that open like"
            " HTML), datasets and web archives (a .json file, or a .zip or .tar archive, in"
            " a folder is read only when named)")  # fmt: skip


def _counted(files: Iterable[Path]) -> tuple[int, str]:
    """How many files, and how many of each suffix (the most common first); hidden files are
    not counted.

    Example:
        >>> _counted(map(Path, ["b.png", "c.png", "d.jsonl.zip", ".DS_Store", "LICENSE"]))
        (4, '2 .png, 1 .zip, 1 LICENSE')
    """
    suffixes = Counter(p.suffix.lower() or p.name for p in files if not p.name.startswith("."))
    kinds = ", ".join(f"{n} {suffix}" for suffix, n in suffixes.most_common(5))
    more = ", ..." if len(suffixes) > 5 else ""
    return suffixes.total(), kinds + more


def _size(path: str | Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _read_captures(item: Input, max_bytes: int, done: list[int]) -> Iterator[Item]:
    """Each capture file of a capture input or folder, as one record (source = its path).

    A folder's files are asked of the disk ahead of the one being read (`ReadAhead`,
    where the system can), so a file not in the page cache is seldom waited for.
    """
    ahead: ReadAhead | None = None
    files: list[tuple[str | Path, str]] | Iterator[tuple[str, str]]
    if item.kind == "capture":
        files = [(item.path, item.name)]
    else:
        rels, unreadable = _folder_captures(item)
        for folder, why in unreadable:  # a subfolder that cannot be listed: its files are unknown
            name = input_name(folder)
            detail = f"cannot list the folder {name}: {why}"
            yield Rejected(Provenance(name), "read", Reason.UNREADABLE, detail)
        paths = [os.path.join(item.path, rel) for rel in rels]
        if READ_AHEAD and len(paths) >= READ_AHEAD_FROM:
            ahead = ReadAhead(paths)
        # named as read, under the folder's name (a store may know it by another spelling)
        files = (
            (p, input_name(os.path.join(item.name, rel)))
            for p, rel in zip(paths, rels, strict=True)
        )
    try:
        for file, name in files:
            if ahead is not None:
                ahead.reached()
            try:
                st = os.stat(file)
            except OSError as exc:
                yield cannot_read(name, exc)
                continue
            done[0] += st.st_size
            data = read_capture(file, name, max_bytes, st.st_size, mode=st.st_mode)
            yield data if isinstance(data, Rejected) else Record(name, "", data)
    finally:  # the reader is done, or stopped early (Ctrl-C, an error)
        if ahead is not None:
            ahead.close()


def _folder_captures(item: Input) -> tuple[Sequence[str], Sequence[tuple[str, str]]]:
    """The relative paths of a folder input's captures, in order, and its subfolders that
    could not be listed: as `plan` listed them, or listed now (an input made elsewhere)."""
    if item.files is not None:
        return item.files, item.unlisted
    unreadable: list[tuple[str, str]] = []
    found = _relative_files(item.path, unreadable)
    rels = [f.rel for f in found if (_kind(f.name) == "capture" or f.rel in item.pages)
            and f.rel not in item.skip]  # fmt: skip
    return rels, unreadable


def _archive_member(member: str) -> bool:
    """Whether an archive's member is a capture, by its name as a folder's file is."""
    return not skipped(member) and _kind(member) == "capture"


def _archive_inputs(path: Path, name: str) -> list[tuple[str, Input]]:
    """The inputs of a named archive, each with its key (see `plan`): one for its captures
    (those before where it breaks off, if it does: reading it says so), and one for each
    dataset in it (`Input.member`); what else it holds is counted in a warning.

    Raises:
        InputError: it holds neither captures nor datasets (with how to unpack it).
    """
    found: list[Member] = []
    broken = False
    try:
        found.extend(m for m in members(path) if not skipped(m.name))
    except READ_ERRORS:  # a reject when it is read
        broken = True
    # as in a folder, a .json file is often a page's metadata: not read
    kinds = [None if is_json_file(m.name) else _kind(m.name) for m in found]
    captures = [m.name for m, kind in zip(found, kinds, strict=True) if kind == "capture"]
    datasets = [Input(path, input_name(f"{name}/{m.name}"), kind, m.size, member=m.name)
                for m, kind in zip(found, kinds, strict=True)
                if kind in DATASET_KINDS]  # fmt: skip
    unpack = _unpack_command(path.name)
    if not captures and not datasets and not broken:
        raise InputError(f"{name}: no captures or datasets in this archive ({len(found):,}"
                         f" files); unpack it ({unpack}) to build what it holds")  # fmt: skip
    total, kinds_left = _counted(Path(m.name) for m, kind in zip(found, kinds, strict=True)
                                 if kind != "capture" and kind not in DATASET_KINDS)  # fmt: skip
    if total:
        log.warning("%s: %d files left out (%s): an archive's .txt and .html captures and"
                    " datasets are read; unpack it (%s) to build the others", name, total,
                    kinds_left, unpack)  # fmt: skip
    inputs = datasets
    if captures or broken:
        inputs = [Input(path, name, "archive", _size(path), listing=listing(captures)), *datasets]
    return [(real_path(i), i) for i in inputs]  # each with its key


def archive_captures(path: Path, name: str, max_bytes: int) -> Iterator[Item]:
    """The captures of an archive (`name`: as its records are named), as a build reads them."""
    return _read_archive(Input(path, name, "archive"), max_bytes, [0])


def _read_archive(item: Input, max_bytes: int, done: list[int]) -> Iterator[Item]:
    """Each capture of an archive (`_archive_member`), as one record named
    `ARCHIVE/MEMBER`; a member that cannot be read is a reject, and so is the rest of an
    archive that breaks off."""

    def unpack(member: str, stream: IO[bytes]) -> bytes:
        return _decompressed(stream, member)[0].read(max_bytes + 1)

    last = ""
    try:
        for member, data in read_members(item.path, _archive_member, unpack, done):
            source = input_name(os.path.join(item.name, member))
            if isinstance(data, bytes) and len(data) > max_bytes:
                yield _read_past_limit(source, max_bytes, _compressed(member))
            elif isinstance(data, bytes):
                yield Record(source, "", data)
            elif member:
                yield cannot_read(source, data, typed=True)
            else:
                after = f" (after {last})" if last else ""
                detail = f"cannot read on from here{after}: {type(data).__name__}: {data}"
                yield Rejected(Provenance(item.name), "read", Reason.UNREADABLE, detail)
            last = member or last
    except READ_ERRORS as exc:  # the archive as a whole (a zip's directory)
        yield cannot_read(item.name, exc, typed=True)


#: `os.open` flags of `_read_plain`: not waiting for a writer, and no newline translation
#: (Windows).
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def _read_plain(path: str | Path, mode: int, size: int, max_bytes: int) -> bytes:
    """The bytes of an uncompressed capture (`size` and `mode` as just `stat`ed), at most
    `max_bytes + 1`: `open_file` and `read` without a Python file object or a second
    `stat` (the bench's captures: 10.4 against 14.5 µs a capture). Opened without
    waiting, in case a named pipe took its place since the `stat`.

    Raises:
        OSError: it cannot be read, or is not a regular file (as `open_file` says).
    """
    _check_regular(path, mode)
    fd = os.open(path, _READ_FLAGS)
    try:
        return _read_sized(functools.partial(os.read, fd), size, max_bytes)
    finally:
        os.close(fd)


def _read_sized(read: Callable[[int], bytes], size: int, max_bytes: int) -> bytes:
    """What `read` gives of a file of `size` bytes (as `stat` saw it), at most `max_bytes + 1`.

    It is asked for the size seen and one byte more (a 16 MB request costs 3x as much
    on a small file); that byte tells that the file grew since (or is a pipe), and then
    it is read on, up to the limit. `read` may give less than asked (`os.read`).
    """
    parts: list[bytes] = []
    got, limit = 0, size + 1
    while got < limit and (part := read(limit - got)):
        parts.append(part)
        got += len(part)
        if got > size:  # it grew since: read on, up to the limit
            limit = max_bytes + 1
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _compressed(name: str | Path) -> bool:
    """Whether a capture file or archive member is compressed, by its name (`c.html.gz`)."""
    return os.path.splitext(name)[1].lower() in COMPRESSIONS


def _read_past_limit(name: str, max_bytes: int, compressed: bool = False) -> Rejected:
    """The `too_large` reject of a capture read up to one byte past `max_bytes` (its true size
    is not known: it is read no further); a `compressed` one's limit counts its bytes
    decompressed, not the smaller file, and its detail says so."""
    unpacked = " once decompressed" if compressed else ""
    detail = (f"more than {max_bytes:,} bytes{unpacked} is over the limit of {max_bytes:,}"
              " (--max-bytes)")  # fmt: skip
    return Rejected(Provenance(name), "read", Reason.TOO_LARGE, detail)


def is_capture(path: str | Path) -> bool:
    """Whether a file is a capture, as in a folder: by its name (`a.txt`, `b.html.gz`), or a
    page a site mirror saved under another name (`index.php?id=3`: `_saved_page`)."""
    kind = _kind(path)
    return kind == "capture" or (kind is None and _saved_page(os.path.basename(path), path))


def read_capture(
    file: str | Path,
    name: str,
    max_bytes: int,
    size: int,
    *,
    any_file: bool = False,
    mode: int | None = None,
) -> bytes | Rejected:
    """The bytes of one capture file (`size` on disk), decompressed when it is compressed,
    or why it cannot be read under `name`: `too_large` past `max_bytes`, `unreadable` (a
    compressed file cut short too). `any_file`: a named pipe is read as well (a path named
    on the command line, `<(curl ...)`), not refused as in a folder (see `open_file`).
    `mode`: the file's `st_mode` when the caller has just `stat`ed it (it is not again)."""
    try:
        compressed = _compressed(file)
        if size > max_bytes and not compressed:
            detail = f"{size:,} bytes is over the limit of {max_bytes:,} (--max-bytes)"
            return Rejected(Provenance(name), "read", Reason.TOO_LARGE, detail)
        if mode is not None and not compressed and not any_file:
            data = _read_plain(file, mode, size, max_bytes)
        else:
            stream, raw = open_binary(file, any_file=any_file)
            with raw, stream:
                if stream is raw:
                    data = _read_sized(stream.read, size, max_bytes)
                else:
                    data = stream.read(max_bytes + 1)
        if len(data) > max_bytes:  # read no further: its true size is not known
            return _read_past_limit(name, max_bytes, compressed)
        return data
    except (OSError, EOFError, ValueError) as exc:
        return cannot_read(name, exc)
    except Exception as exc:  # zstandard raises its own error type
        return cannot_read(name, exc, typed=True)
