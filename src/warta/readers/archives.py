"""Archives (`.zip`, `.tar`, `.tar.gz`, ...): their capture files read in the archive's
order, as a folder's are, and their datasets opened as files (`open_member`), without
unpacking them.

A member is a capture by its name, as a folder's file is (`a.html`, `b.txt`,
`c.html.gz`); a macOS zip's `__MACOSX/` copies and `._` files are not members to
read. Each capture is one record, named `ARCHIVE/MEMBER` (`dump.zip/2025/a.html`).
The archive is read from its start to its end once per build, one member at a
time: a member over `--max-bytes` is a `too_large` reject (read no further than
that), one that cannot be read (encrypted, corrupt) an `unreadable` reject, and an
archive that breaks off (a `.tar.gz` cut short) gives the members before the cut,
the member it falls in as a reject and one `unreadable` reject for the rest.
"""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

Format = Literal["zip", "tar"]

#: Archives read as captures, by suffix.
ARCHIVE_FORMATS: dict[str, Format] = {
    ".zip": "zip", ".tar": "tar", ".tar.gz": "tar", ".tgz": "tar", ".tar.bz2": "tar",
    ".tbz2": "tar", ".tar.xz": "tar", ".txz": "tar",
}  # fmt: skip

#: What reading a member can raise when the archive is damaged or the member cannot be read
#: (encrypted: `RuntimeError`; a compression zipfile lacks: `NotImplementedError`).
READ_ERRORS = (OSError, EOFError, RuntimeError, NotImplementedError, zipfile.BadZipFile,
               tarfile.TarError, zlib.error, ValueError)  # fmt: skip


def archive_format(name: str) -> Format | None:
    """The format of an archive a build reads, by its name (None: no such archive).

    Example:
        >>> archive_format("dump.tar.gz"), archive_format("Pages.ZIP"), archive_format("a.gz")
        ('tar', 'zip', None)
    """
    low = name.lower()
    return next((f for s, f in ARCHIVE_FORMATS.items() if low.endswith(s) and low != s), None)


def skipped(member: str) -> bool:
    """Whether a member is an archiver's own file, not the user's: macOS keeps a copy of each
    file's metadata under `__MACOSX/` and in `._NAME` files."""
    return member.startswith("__MACOSX/") or os.path.basename(member).startswith("._")


@dataclass(frozen=True, slots=True)
class Member:
    """A regular file in an archive."""

    name: str  #: its path in the archive
    size: int  #: its size unpacked, as the archive says


def _is_zip(path: str | Path) -> bool:
    """Whether the archive at `path` is a zip (by its name), else a tar."""
    return archive_format(os.path.basename(path)) == "zip"


def members(path: str | Path) -> Iterator[Member]:
    """The regular files of an archive, in its order (a tar is read to its end for them).

    Raises:
        what `READ_ERRORS` names: the archive cannot be read (on from where it is raised).
    """
    if _is_zip(path):
        with zipfile.ZipFile(path) as z:
            yield from (Member(i.filename, i.file_size) for i in z.infolist() if not i.is_dir())
        return
    with tarfile.open(path, "r:*") as t:
        for m in t:
            t.members = []  # type: ignore[attr-defined]  # kept by tarfile: a million in memory
            if m.isfile():
                yield Member(m.name, m.size)


def open_member(path: str | Path, member: str) -> IO[bytes]:
    """A member of an archive as a file (read, seek and tell; closing it closes the archive).

    Raises:
        what `READ_ERRORS` names, or `KeyError`: it cannot be read, or is not there.
    """
    # closed with the member
    archive = zipfile.ZipFile(path) if _is_zip(path) else tarfile.open(path, "r:*")  # noqa: SIM115
    try:
        stream = (archive.open(member) if isinstance(archive, zipfile.ZipFile)
                  else archive.extractfile(member))  # fmt: skip
        if stream is None:
            raise KeyError(f"{member}: not a regular file")
    except BaseException:
        archive.close()
        raise
    return io.BufferedReader(_Member(stream, archive))


class _Member(io.RawIOBase):
    """An archive member's stream, closing its archive with it."""

    def __init__(self, stream: IO[bytes], archive: zipfile.ZipFile | tarfile.TarFile) -> None:
        self._stream, self._archive = stream, archive

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._stream.seekable()

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self._stream.read(len(view))
        view[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._stream.seek(offset, whence)

    def tell(self) -> int:
        return self._stream.tell()

    def close(self) -> None:
        if not self.closed:
            self._stream.close()
            self._archive.close()
        super().close()


#: What `read_members` gives for a member: its bytes, or why it could not be read.
Read = bytes | Exception
#: Whether a member is to be read, by its name; and how to read one member's stream.
Wanted = Callable[[str], bool]
Unpack = Callable[[str, IO[bytes]], bytes]


def read_members(
    path: str | Path,
    wanted: Wanted,
    unpack: Unpack,
    done: list[int],
) -> Iterator[tuple[str, Read]]:
    """`(member, what unpack read of it, or the error)` per member of the archive at `path`
    that is `wanted`, in the archive's order; `unpack` reads one member's stream. `done[0]`
    follows the bytes of the archive read. A tar that breaks off ends with `("", error)`:
    where the next member starts cannot be told."""
    raw = open(path, "rb")  # noqa: SIM115  # closed below, after the archive read from it
    try:
        if _is_zip(path):
            yield from _zip_members(raw, wanted, unpack, done)
        else:
            yield from _tar_members(raw, wanted, unpack, done)
    finally:
        raw.close()


def _zip_members(
    raw: IO[bytes],
    wanted: Wanted,
    unpack: Unpack,
    done: list[int],
) -> Iterator[tuple[str, Read]]:
    with zipfile.ZipFile(raw) as z:
        for info in z.infolist():
            if info.is_dir() or not wanted(info.filename):
                continue
            data: Read
            try:
                with z.open(info) as stream:
                    data = unpack(info.filename, stream)
            except READ_ERRORS as exc:  # this member only: the directory says where each is
                data = exc
            done[0] = info.header_offset + info.compress_size
            yield info.filename, data


def _tar_members(
    raw: IO[bytes],
    wanted: Wanted,
    unpack: Unpack,
    done: list[int],
) -> Iterator[tuple[str, Read]]:
    try:
        with tarfile.open(fileobj=raw, mode="r:*") as t:
            for member in t:
                t.members = []  # type: ignore[attr-defined]  # as in `members`
                if not member.isfile() or not wanted(member.name):
                    continue
                data: Read = b""
                try:
                    if (stream := t.extractfile(member)) is not None:
                        data = unpack(member.name, stream)
                except READ_ERRORS as exc:  # this member (a `.gz` in it that is not one)
                    data = exc
                done[0] = raw.tell()
                yield member.name, data
    except READ_ERRORS as exc:
        yield "", exc
