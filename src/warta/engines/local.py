"""The local engine: all cores of this machine, through a process pool.

Chunks are submitted as they are read, at most `2 × workers` at a time, and
their results are taken back in order, so memory stays bounded however large
the input. With one worker the chunks are cleaned in this process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import forkserver
from multiprocessing.context import BaseContext
from typing import TypeVar

from warta.engines import Done, clean_chunk, worker_cleaner
from warta.pipeline import Cleaner
from warta.readers import Item
from warta.settings import Settings

T = TypeVar("T")


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
        return max(1, self.workers or os.cpu_count() or 1)

    def start(self) -> None:
        """Start the fork server now: it loads the models while the inputs are listed."""
        if self.size > 1:
            _context()  # registers the preload module before the server starts
            forkserver.ensure_running()

    def run(
        self, settings: Settings, chunks: Iterable[tuple[T, Sequence[Item]]]
    ) -> Iterator[tuple[T, Done]]:
        """Clean every chunk; yields `(tag, Done)` in the order the chunks came."""
        if self.size == 1:
            cleaner = Cleaner(settings)
            for tag, items in chunks:
                yield tag, clean_chunk(cleaner, items)
            return
        with ProcessPoolExecutor(self.size, mp_context=_context()) as pool:
            pending: deque[tuple[T, Future[Done]]] = deque()
            for tag, items in chunks:
                pending.append((tag, pool.submit(_clean, settings, items)))
                if len(pending) >= 2 * self.size:
                    first, future = pending.popleft()
                    yield first, future.result()
            while pending:
                first, future = pending.popleft()
                yield first, future.result()


def _context() -> BaseContext:
    """The fork server context, its server loading `warta.engines.preload` (workers start warm).

    A fork server, not fork: the parent may run threads (the progress bar), which
    fork would copy.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["warta.engines.preload"])
    return context


def _clean(settings: Settings, items: Sequence[Item]) -> Done:
    """Worker side: clean one chunk with this process's cleaner."""
    return clean_chunk(worker_cleaner(settings), items)
