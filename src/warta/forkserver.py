"""The local engine's fork server, which its worker processes are forked from, warm.

Light to import (no pipeline, no numpy), so that `warta build` starts the server
before it imports the build itself: the server loads the models (about 0.7 s)
while the build process imports (0.4 s) and lists the inputs, and the first
chunk goes to a worker without waiting for it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from multiprocessing import forkserver
from multiprocessing.context import BaseContext

#: What the fork server imports before it forks any worker (`warta.engines.preload`).
PRELOAD = "warta.engines.preload"


def local_workers(workers: int | None) -> int:
    """How many worker processes the local engine runs for `--workers` (None or 0: one per
    CPU); with more than one, they are forked from the fork server.

    Example:
        >>> local_workers(3), local_workers(None) >= 1
        (3, True)
    """
    return max(1, workers or os.cpu_count() or 1)


def fork_context() -> BaseContext:
    """The fork server context, its server loading `PRELOAD` (workers start warm).

    A fork server, not fork: the parent may run threads (the progress bar), which
    fork would copy.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([PRELOAD])
    return context


def start_fork_server() -> None:
    """Start the fork server now, unless it runs already (it loads the models meanwhile).

    Started ignoring Ctrl-C (a process inherits that), as its workers do: the terminal
    sends it to every process of the build, and the server would print a traceback of
    the models it was loading (the build process stops the pool).
    """
    fork_context()  # registers the preload module before the server starts
    main = threading.current_thread() is threading.main_thread()
    before = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        forkserver.ensure_running()
    finally:
        if main:
            signal.signal(signal.SIGINT, before)
