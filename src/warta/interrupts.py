"""Ctrl-C held back while a step that must not stop halfway runs."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def held_interrupt() -> Iterator[None]:
    """Ctrl-C held back until the block ends, then raised (`KeyboardInterrupt`).

    For steps that must not stop halfway: SQLite commits a chunk before Python can raise
    an interrupt that came during its COMMIT (the build counts each chunk it stored),
    and a pool that starts a worker process must know it to stop it. Only where
    Python's own handler is set (in the main thread; an application's is left alone).

    Example:
        >>> with held_interrupt():
        ...     pass
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return
    caught: list[int] = []
    signal.signal(signal.SIGINT, lambda number, frame: caught.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if caught:
        raise KeyboardInterrupt
