"""The local engine: all cores of this machine, through a process pool.

Chunks are submitted as they are read, at most `IN_FLIGHT × workers` at a time, and
their results are taken back in order, so memory stays bounded however large
the input. With one worker the chunks are cleaned in this process.
"""

from __future__ import annotations

import fcntl
import os
import signal
from collections import deque
from collections.abc import Generator, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from warta.engines import Done, clean_chunk, worker_cleaner
from warta.forkserver import fork_context, local_workers, start_fork_server
from warta.interrupts import held_interrupt
from warta.readers import Item
from warta.settings import Settings

T = TypeVar("T")
#: How much lower a worker's priority is than the build process's (`nice`).
WORKER_NICE = 10
#: Chunks submitted ahead per worker. The build process stops now and then for a second
#: (a group's commit writing the WAL, `SQLiteStore.grouped`): with 2 a worker the workers
#: ran out of chunks and the cores sat half idle meanwhile; with 4 they go on cleaning.
IN_FLIGHT = 4
#: Bytes each pipe between the build process and its workers holds (`F_SETPIPE_SZ`, Linux;
#: at most `/proc/sys/fs/pipe-max-size`, 1 MiB unless changed). A chunk's rows (about
#: 4.7 MB for 512 captures) crossed Linux's default 64 KiB pipe in 70-odd pieces, each
#: taken by the pool's thread in the build process only once it holds Python's lock (the
#: build's own thread keeps it up to 5 ms at a time) while the worker waits to write more.
#: 2-worker builds of 30,000 captures, nine alternated pairs: faster in eight, by 0.7% and
#: 2.5% (wall) and 0.5% and 2.8% (CPU) in two rounds of four and five.
PIPE_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class LocalEngine:
    """Cleans chunks in `workers` processes (default: one per CPU).

    Example:
        >>> engine = LocalEngine(workers=1)
        >>> [tag for tag, _ in engine.run(Settings(), [("a", ()), ("b", ())])]
        ['a', 'b']
    """

    workers: int | None = None

    @property
    def size(self) -> int:
        """How many worker processes run."""
        return local_workers(self.workers)

    def start(self) -> None:
        """Start the fork server now: it loads the models while the inputs are listed."""
        if self.size > 1:
            start_fork_server()

    def run(
        self, settings: Settings, chunks: Iterable[tuple[T, Sequence[Item]]]
    ) -> Generator[tuple[T, Done], None, None]:
        """Clean every chunk; yields `(tag, Done)` in the order the chunks came."""
        if self.size == 1:
            from warta.pipeline import Cleaner  # not imported by a build with workers

            cleaner = Cleaner(settings)
            for tag, items in chunks:
                yield tag, clean_chunk(cleaner, items)
            return
        pool = ProcessPoolExecutor(self.size, mp_context=fork_context(), initializer=_worker_start)
        widen_pipes(pool)
        try:
            pending: deque[tuple[T, Future[Done]]] = deque()
            for tag, items in chunks:
                with held_interrupt():  # it may start a worker process
                    pending.append((tag, pool.submit(_clean, settings, items)))
                if len(pending) >= IN_FLIGHT * self.size:
                    first, future = pending.popleft()
                    yield first, future.result()
            while pending:
                first, future = pending.popleft()
                yield first, future.result()
        finally:  # stopped early (Ctrl-C, an error, closed): the chunks not begun are dropped
            pool.shutdown(wait=True, cancel_futures=True)


def widen_pipes(pool: ProcessPoolExecutor) -> int:
    """Give the pipes of `pool`'s two queues (chunks to its workers, their rows back)
    `PIPE_BYTES` each; returns how many took it. A pipe that cannot (not Linux, a lower
    system limit, a Python whose pool keeps its queues otherwise) keeps its size."""
    widened = 0
    for queue in ("_call_queue", "_result_queue"):
        try:
            reader = getattr(pool, queue)._reader  # the pipe's read end
            fcntl.fcntl(reader.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        except (AttributeError, OSError, ValueError):
            continue
        widened += 1
    return widened


def _worker_start() -> None:
    """A worker ignores Ctrl-C, which the terminal sends to every process of the build: the
    build process stops the pool (a worker interrupted inside the pool's queue could leave
    it waiting for that worker forever).

    It also runs at a lower priority (`WORKER_NICE`): the build process stores every
    chunk alone, so when the machine has no core to spare, a core should go to it first
    and the workers clean in the time it leaves.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(WORKER_NICE)


def _clean(settings: Settings, items: Sequence[Item]) -> Done:
    """Worker side: clean one chunk with this process's cleaner."""
    return clean_chunk(worker_cleaner(settings), items)
