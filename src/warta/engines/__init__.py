"""Engines: run the cleaner over chunks of records, here (`local`) or on a Ray cluster (`ray`).

An engine takes chunks in order and gives back each chunk's `Done` in the same
order, with the chunk's tag, keeping only a bounded number of chunks in flight.
What a chunk becomes is `clean_chunk`: exactly `Cleaner.__call__` per record,
so every engine gives the same store.

Example:
    >>> from warta.engines import make_engine
    >>> engine = make_engine("local", workers=1)
    >>> [done.reasons for _, done in engine.run(Settings(), [("a", ())])]
    [{}]
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import sys
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeVar

from warta.errors import ConfigError
from warta.model import Article, Rejected
from warta.readers import Item
from warta.settings import Settings
from warta.store import Batch, to_batch

if TYPE_CHECKING:
    # Imported where a chunk is cleaned: the build process of a build with worker processes
    # never cleans one, and importing the pipeline (its patterns, the timeline's grammar)
    # took it 0.27 s before it could list the inputs and hand the workers their first chunk.
    from warta.pipeline import Cleaner

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Done:
    """What a chunk became: rows to store, and the count of each reject reason."""

    batch: Batch
    reasons: dict[str, int] = field(default_factory=dict)


class Engine(Protocol):
    """Maps `clean_chunk` over chunks, yielding results in input order."""

    def start(self) -> None:
        """Begin what takes time before the first chunk (called before the inputs are listed)."""
        ...

    def run(
        self, settings: Settings, chunks: Iterable[tuple[T, Sequence[Item]]]
    ) -> Generator[tuple[T, Done], None, None]:
        """Clean every chunk; yields `(tag, Done)` in the order the chunks came. Closing the
        generator early (the build stopped) stops the work in flight."""
        ...


def clean_chunk(cleaner: Cleaner, items: Sequence[Item]) -> Done:
    """Clean a chunk of records: `Cleaner.clean_many`, the same as `Cleaner.__call__` per
    record; a read reject passes through."""
    from warta.pipeline import Capture

    captures = [
        Capture(item.data, item.source, item.locator, item.url, item.outlet,
                item.title if item.fields else None, item.published if item.fields else None,
                item.date_order)
        for item in items
        if not isinstance(item, Rejected)
    ]  # fmt: skip
    cleaned = iter(cleaner.clean_many(captures))
    results: list[Article | Rejected] = [
        item if isinstance(item, Rejected) else next(cleaned) for item in items
    ]
    dedup = cleaner.settings.dedup
    batch = to_batch(results, dedup if dedup.enabled else None)
    # Counted from the batch: a record that fails while being indexed is a reject there too.
    reasons = Counter(row[4] for row in batch.rejects)
    return Done(batch, dict(reasons))


# One cleaner per worker process, built on its first chunk (loading the
# boilerplate catalogue and the language model once, not per chunk).
_cleaner: tuple[Settings, Cleaner] | None = None


def worker_cleaner(settings: Settings) -> Cleaner:
    """The cleaner of this worker process for `settings` (built once per process)."""
    global _cleaner
    if _cleaner is None or _cleaner[0] != settings:
        from warta.pipeline import Cleaner

        _cleaner = (settings, Cleaner(settings))
    return _cleaner[1]


#: Young collections once a process is warm: every this many new container objects, not
#: CPython's 700. A capture makes and frees thousands, almost all freed by their reference
#: counts; a collection only has to find cycles, and a build makes few.
GC_YOUNG = 10_000


def quiet_gc(*, freeze: bool = True) -> None:
    """The garbage collector of a warm process that cleans or stores chunks: what it holds
    now (models, tables, caches) is out of the collector's sight (`gc.freeze`, unless
    `freeze` is False), and young collections are `GC_YOUNG` apart.

    Every collection of the oldest generation walked all of it: in a 1-worker build of
    30,000 captures the collector took 1.37 s of 33 s, 0.35 s after this.
    """
    if freeze:
        gc.collect()
        gc.freeze()
    gc.set_threshold(GC_YOUNG, *gc.get_threshold()[1:])


#: glibc's malloc in a warm process that cleans or stores chunks (`quiet_malloc`): freed
#: memory up to `MALLOC_KEEP` stays in the process instead of going back to the system, and
#: blocks up to `MALLOC_LARGE` come from the heap instead of a mapping of their own, which
#: the system would fill with zeroed pages on each first touch; the heap grows by
#: `MALLOC_PAD` more than it must. glibc's defaults (128 KiB, adjusted as large blocks are
#: freed) let a chunk's numpy arrays and rows go back to the system and come again in the
#: next chunk: 1-worker builds of 10,000 captures took 195,000-201,000 page faults and
#: 10.5-10.9 s, against 107,000-113,000 and 10.1-10.4 s (five alternated pairs).
MALLOC_KEEP = 64 << 20
MALLOC_LARGE = 32 << 20  # the largest glibc's own adjustment would reach
MALLOC_PAD = 16 << 20
#: glibc's defaults for the two that `quiet_malloc(False)` gives back.
_MALLOC_DEFAULT = 128 << 10
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3


def quiet_malloc(on: bool = True) -> bool:
    """Tune glibc's malloc for a process that cleans or stores chunks (see `MALLOC_KEEP`);
    `on=False` lets freed memory go back to the system again, as glibc's defaults do
    (blocks up to `MALLOC_LARGE` still come from the heap: glibc cannot be given back its
    own adjustment).

    Returns whether the C library took the settings: False where it is not glibc's
    (`mallopt` missing, as on macOS, or doing nothing, as in musl), which is harmless.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    wanted: tuple[tuple[int, int], ...] = (
        (
            (_M_MMAP_THRESHOLD, MALLOC_LARGE),
            (_M_TRIM_THRESHOLD, MALLOC_KEEP),
            (_M_TOP_PAD, MALLOC_PAD),
        )
        if on
        else ((_M_TRIM_THRESHOLD, _MALLOC_DEFAULT), (_M_TOP_PAD, _MALLOC_DEFAULT))
    )
    return all([mallopt(param, value) == 1 for param, value in wanted])


@contextlib.contextmanager
def quiet_once() -> Iterator[Callable[[], None]]:
    """`quiet()` calls `quiet_gc` and `quiet_malloc` the first time (once the process is
    warm); the collector is as it was when the block ends (what was frozen is collected
    again), and freed memory goes back to the system again.

    A program that froze objects of its own keeps them frozen: nothing more is frozen then
    (unfreezing would release its objects too), and only the young threshold changes.
    """
    threshold, quieted, froze = gc.get_threshold(), False, False

    def quiet() -> None:
        nonlocal quieted, froze
        if not quieted:
            quieted, froze = True, gc.get_freeze_count() == 0
            quiet_gc(freeze=froze)
            quiet_malloc()

    try:
        yield quiet
    finally:
        if froze:
            gc.unfreeze()
        if quieted:
            gc.set_threshold(*threshold)
            quiet_malloc(False)


def make_engine(name: str, workers: int | None = None, address: str | None = None) -> Engine:
    """The engine called `name` (`local` or `ray`).

    Raises:
        ConfigError: an unknown engine, or `ray` without the `warta[ray]` extra.
    """
    if name == "local":
        from warta.engines.local import LocalEngine

        return LocalEngine(workers)
    if name == "ray":
        from warta.engines.ray import RayEngine

        return RayEngine(workers, address)
    raise ConfigError(f"unknown engine {name!r} (use local or ray)")
