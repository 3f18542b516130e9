"""Read-ahead for folders of capture files: the next files asked of the disk early.

A folder of captures is read one small file at a time, and a file that is not in
the page cache (a corpus larger than memory, or read for the first time) makes
the build wait on the disk: about 80 µs a file on an SSD, milliseconds on a
spinning or network disk. `ReadAhead` sends the paths of the next files, a
bounded number ahead of the reader, to a small process of its own, which asks
the kernel to start reading each one (`posix_fadvise(WILLNEED)`); by the time the
reader opens a file its pages are on their way or there. A process, not a
thread: a thread's system calls take Python's lock for every file, which made
cached files 4% slower to build (docs/corpus-runs.md). Only the page cache is
warmed: no data enters the build, and what is asked for is the kernel's to drop.
It is best effort: paths it cannot take at once (the process is behind) are
skipped, and the build never waits for it.

Example:
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> paths = [folder / f"{i}.txt" for i in range(3)]
    >>> for p in paths:
    ...     _ = p.write_text("Judul")
    >>> ahead = ReadAhead(paths, window=2)
    >>> for p in paths:
    ...     ahead.reached()  # the reader opens p now
    >>> ahead.close()
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger(__name__)
#: Files asked for ahead of the one being read (at 5 KB a capture, about 1 MB of pages).
WINDOW = 256
#: Folders with fewer capture files are read without (starting the process costs more).
MIN_FILES = 64
#: Paths sent at a time, in at most `_PIPE_BUF` bytes: what a pipe takes whole or not at
#: all (POSIX guarantees 512; Linux takes 4,096).
_SEND = 32
_PIPE_BUF = 512 if sys.platform != "linux" else 4096
#: Whether this system can be asked to read a file ahead (not macOS or Windows).
AVAILABLE = hasattr(os, "posix_fadvise")

#: The read-ahead process: for each path (NUL-terminated on stdin) that is a regular
#: file, open it without waiting (a named pipe would wait for a writer), ask, close.
_HELPER = r"""
import os, stat
data = b""
while True:
    block = os.read(0, 65536)
    if not block:
        break
    data += block
    *paths, data = data.split(b"\0")
    for path in paths:
        try:
            if not stat.S_ISREG(os.stat(path).st_mode):
                continue
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
        except OSError:
            pass
        finally:
            os.close(fd)
"""


class ReadAhead:
    """Asks for `paths` ahead of the reader, at most `window` files ahead, in a process of
    its own, until `close` ends the process.

    Not a dataclass: it owns a process.
    """

    def __init__(self, paths: Sequence[str | Path], window: int = WINDOW) -> None:
        self._paths = paths  # the reader's own list: encoded only as sent
        self._window = window
        self._read = 0  # files the reader has reached
        self._sent = 0  # paths sent (or skipped)
        self._proc: subprocess.Popen[bytes] | None = None
        try:  # isolated (-I): no environment variable or user site-packages changes it
            self._proc = subprocess.Popen(
                [sys.executable, "-I", "-c", _HELPER], stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C is the build's to handle: it closes this
            )  # fmt: skip
        except OSError as exc:  # no process to spare (too many open files): read without
            log.debug("no read-ahead: %s", exc)
            return
        assert self._proc.stdin is not None
        self._fd = self._proc.stdin.fileno()
        os.set_blocking(self._fd, False)
        self._send()

    @property
    def sent(self) -> int:
        """Paths sent to the process (or skipped) so far."""
        return self._sent

    def reached(self) -> None:
        """The reader is at its next file: send the paths now within the window."""
        self._read += 1
        if self._sent < self._read + self._window // 2:  # in batches, not a path a file
            self._send()

    def _send(self) -> None:
        end = min(len(self._paths), self._read + self._window)
        while self._proc is not None and self._sent < end:
            batch: list[bytes] = []
            size = 0
            for p in self._paths[self._sent : min(end, self._sent + _SEND)]:
                path = os.fsencode(p) + b"\0"
                if size + len(path) > _PIPE_BUF:
                    break
                batch.append(path)
                size += len(path)
            if not batch:  # a path longer than a pipe takes at once: not asked for
                self._sent += 1
                continue
            try:
                os.write(self._fd, b"".join(batch))
            except BlockingIOError:  # the process is behind: skip, never wait for it
                pass
            except OSError:  # it is gone: read on without it
                self.close()
                return
            self._sent += len(batch)

    def close(self) -> None:
        """End the process (what is left to ask for is not needed any more)."""
        if self._proc is None:
            return
        proc, self._proc = self._proc, None
        assert proc.stdin is not None
        with contextlib.suppress(OSError):
            proc.stdin.close()
        proc.kill()
        proc.wait()
