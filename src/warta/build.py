"""Corpus builds: every input, through the cleaner, into a store, with nothing lost.

`build()` checks its inputs first (a wrong path or column mapping fails before
any work), then streams each input in chunks through an engine and writes each
chunk's rows together with the input's progress marker in one transaction. A
build that is killed and started again skips what its store already holds and
ends with the same store as an uninterrupted one; running it again adds nothing.
At the end it checks that every record read was stored or rejected.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping, Sequence, Set
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Literal

from warta.dedup import Deduplicator, DedupStats
from warta.engines import make_engine, quiet_once
from warta.errors import InputError
from warta.interrupts import held_interrupt
from warta.model import Provenance, Rejected
from warta.readers import (
    DateOrder,
    Input,
    Item,
    Reader,
    Record,
    parse_mapping,
    plan,
    read,
    real_path,
)
from warta.settings import Settings
from warta.store import Marker, RunInfo, Store, open_store

log = logging.getLogger(__name__)

#: Records per chunk sent to a worker (bounded further by `CHUNK_BYTES`).
CHUNK_RECORDS = 512
CHUNK_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a running build is: records done in this run, and the bytes of input they were
    read from (up to the end of the last chunk stored, not what is read ahead)."""

    records: int
    bytes_done: int
    bytes_total: int
    elapsed: float


@dataclass(frozen=True, slots=True)
class BuildStats:
    """What a build did.

    Attributes:
        run_id: the run's row in the `runs` table.
        read: records read in this run (records a resumed run skipped are not counted).
        stored: articles written in this run.
        rejected: rejects written in this run.
        reasons: rejects per reason.
        already: records whose id was already in the store (left alone).
        resumed: records skipped because an earlier run of this store had done them.
        inputs: inputs of the build; `inputs_done` of them were finished before it.
        articles, rejects: rows in the store after the run.
        conserved: `read == stored + rejected + already`, and every record any run
            read is in the store (`records_done == articles + rejects`).
        dedup: what clustering the run's new articles did (None: disabled).
    """

    run_id: int
    read: int
    stored: int
    rejected: int
    reasons: Mapping[str, int] = field(default_factory=dict)
    already: int = 0
    resumed: int = 0
    inputs: int = 0
    inputs_done: int = 0
    articles: int = 0
    rejects: int = 0
    conserved: bool = True
    elapsed: float = 0.0
    dedup: DedupStats | None = None


def build(
    paths: Sequence[str],
    db: str | Path,
    *,
    settings: Settings | None = None,
    mapping: Sequence[str] = (),
    date_order: DateOrder | None = None,
    engine: Literal["local", "ray"] = "local",
    workers: int | None = None,
    address: str | None = None,
    chunk_records: int = CHUNK_RECORDS,
    on_progress: Callable[[Progress], None] | None = None,
) -> BuildStats:
    """Clean every capture and record of `paths` into the store at `db`.

    Args:
        paths: capture files, folders, datasets (`.jsonl`, `.csv`, `.parquet`), web
            archives (`.warc`, `.warc.gz`), any `.gz`, `.zst`, `.bz2` or `.xz` compressed;
            and archives (`.zip`, `.tar.gz`, ...) of captures and datasets.
        db: the SQLite store, created on first use.
        settings: how captures are cleaned (default: `Settings()`).
        mapping: `--map` values for dataset columns (`title=judul,text=isi_berita`).
        date_order: order of numeric dates in dataset columns; None detects it per
            column and falls back to `settings.date_order`.
        engine: `local` (a process pool) or `ray` (Ray Data, `warta[ray]`).
        workers: worker processes (local) or CPUs of a local Ray instance;
            default: every CPU.
        address: a Ray cluster address (`ray` engine only).
        chunk_records: records per chunk sent to a worker.
        on_progress: called after each stored chunk (the CLI draws its bar with it).

    Returns:
        The run's counts and its conservation check.

    Raises:
        InputError: an input is missing or unreadable as a whole, or the mapping
            names a column a dataset lacks (before any work starts).
        StoreError: the store cannot be opened or written.
        Interrupted: Ctrl-C stopped it (a `KeyboardInterrupt`, with what the run did).

    Example:
        >>> import tempfile, pathlib
        >>> tmp = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (tmp / "a.txt").write_text("Judul\\nKamis, 30 Desember 2021 - 19:18 WIB\\nIsi.")
        >>> stats = build([str(tmp / "a.txt")], tmp / "corpus.db", workers=1)
        >>> stats.read, stats.stored, stats.conserved
        (1, 1, True)
    """
    settings = settings or Settings()
    runner = make_engine(engine, workers, address)
    runner.start()  # the local engine's fork server loads the models while inputs are listed
    inputs = plan(paths, parse_mapping(mapping), date_order, settings.max_bytes)
    started = time.monotonic()
    with open_store(db) as store:
        inputs = [_as_built(i, store) for i in inputs]
        markers = {i.name: store.progress(i.name) for i in inputs}
        todo = [i for i in inputs if not _done(i, markers[i.name])]
        changed = {i.name for i in todo if _changed(i, markers[i.name])}
        for i in todo:
            if i.name in changed:
                old = markers[i.name]
                assert old is not None
                what = (f"{old.size:,} -> {i.size:,} bytes" if old.size != i.size
                        else "not the files it was built from")  # fmt: skip
                log.warning("%s changed since it was last built (%s): reading it again for"
                            " records the store does not hold", i.name, what)  # fmt: skip
        size = workers or getattr(runner, "size", 0) or 0
        settings_json = json.dumps(asdict(settings), default=str)
        begun = [i.name for i in todo if (m := markers[i.name]) is not None and m.done > 0]
        runs = store.runs() if begun else []
        if runs and (other := _other_settings(runs[-1].settings, settings_json)):
            log.warning("%s%s: begun by run %d with other settings (%s); the records it stored"
                        " keep them", begun[0], f" and {len(begun) - 1} more input(s)"
                        if len(begun) > 1 else "", runs[-1].id, other)  # fmt: skip
        run_id = store.start_run(engine, size, [i.name for i in inputs], settings_json)
        total = sum(i.size for i in todo)
        feed = _Feed(todo, markers, settings, chunk_records, changed, store.known)
        read = stored = rejected = already = 0
        reasons: Counter[str] = Counter()
        dedup = Deduplicator(store.dedup_index(), settings.dedup)

        def finish(
            status: str, checked: bool | None, conserved: bool, counts: dict[str, int]
        ) -> BuildStats:
            """Record the run's end (`checked`: its conservation check, None when not run)
            and return what it did (`counts`: the store's, at its end)."""
            names = [i.name for i in inputs]
            store.finish_run(RunInfo(run_id, "", None, status, engine, size, names, read,
                                     stored, rejected, dict(reasons), checked))  # fmt: skip
            return BuildStats(
                run_id, read, stored, rejected, dict(reasons), already, feed.resumed,
                len(inputs), len(inputs) - len(todo), counts["articles"], counts["rejects"],
                conserved, time.monotonic() - started,
                dedup.stats if settings.dedup.enabled else None,
            )  # fmt: skip

        try:
            if settings.dedup.enabled:
                # What an earlier run stored but did not cluster (a killed run's last chunk:
                # a chunk is clustered after its own transaction; a --no-dedup run's
                # articles) goes first, before the chunks after it, as without the kill:
                # which copies of a story index their band keys depends on that order.
                dedup.run()
            # closed at once when the run stops early: the engine stops its workers; the
            # chunks stored are committed a group at a time, and what is left when it stops
            with (
                store.grouped(),
                contextlib.closing(runner.run(settings, feed.chunks())) as results,
                quiet_once() as quiet,
            ):
                for marker, done in results:
                    with held_interrupt():  # the run counts each chunk it stored
                        written = store.write(done.batch, marker)
                        read += len(done.batch.articles) + len(done.batch.rejects)
                        stored += written.articles
                        rejected += written.rejects
                        already += written.already
                        reasons.update(written.reasons)
                    if settings.dedup.enabled:  # clustered as stored, not in a pass at the end
                        dedup.add(done.batch.fingerprints, written.rowids)
                    store.between_chunks()
                    quiet()  # warm after a chunk: the models loaded (one worker), the store open
                    position = feed.stored_bytes()
                    if on_progress is not None:
                        elapsed = time.monotonic() - started
                        on_progress(Progress(read, position, total, elapsed))
        except KeyboardInterrupt:
            # Every chunk is stored whole with its marker, so the store is as a kill leaves
            # it; the run is marked now, with what it did (its own sum, unchecked).
            raise Interrupted(
                finish("interrupted", None, read == stored + rejected + already, store.counts())
            ) from None
        counts = store.counts()
        conserved = (
            read == feed.read
            and read == stored + rejected + already
            and store.records_done() == counts["articles"] + counts["rejects"]
        )
        if not conserved:
            log.error(
                "conservation check failed: read %d (reader %d), stored %d + rejected %d"
                " + already %d; store %s, records done %d",
                read, feed.read, stored, rejected, already, counts, store.records_done(),
            )  # fmt: skip
        return finish("done" if conserved else "not_conserved", conserved, conserved, counts)


class Interrupted(KeyboardInterrupt):
    """A build stopped by Ctrl-C (`KeyboardInterrupt`), its run marked `interrupted`; the
    same build started again resumes.

    Attributes:
        stats: what the run did before it stopped (`conserved`: this run's own sum).
    """

    def __init__(self, stats: BuildStats) -> None:
        super().__init__(f"run {stats.run_id} interrupted")
        self.stats = stats


def _other_settings(before: str, now: str) -> str:
    """What differs between two runs' settings (JSON), as `name: old -> new, ...`; '' when
    nothing does, or the earlier ones are not known (a store made before they were kept).

    Example:
        >>> _other_settings('{"zone": "WIB", "dedup": {"threshold": 0.8}}',
        ...                 '{"zone": "WITA", "dedup": {"threshold": 0.8}}')
        "zone: 'WIB' -> 'WITA'"
    """
    try:
        old, new = _flat(json.loads(before)), _flat(json.loads(now))
    except ValueError:
        return ""
    if not old:
        return ""
    names = [k for k in {**old, **new} if old.get(k) != new.get(k)]
    return ", ".join(f"{k}: {old.get(k)!r} -> {new.get(k)!r}" for k in names)


def _flat(settings: object, prefix: str = "") -> dict[str, object]:
    """Nested settings as one level of dotted names (`dedup.threshold`)."""
    if not isinstance(settings, dict):
        return {prefix: settings} if prefix else {}
    out: dict[str, object] = {}
    for key, value in settings.items():
        out.update(_flat(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def _as_built(item: Input, store: Store) -> Input:
    """The input under the name its file was built with in this store.

    A record's id comes from its input's name (the path as typed, normalised), so
    the same file typed another way (`/data/d` after `d`, or from another folder)
    takes the name the store knows it by, and adds nothing. A different file that
    has the name of one the store built (`d/x.csv` typed in another folder) cannot
    be told from it by id: that is an error before any work.

    Raises:
        InputError: another file was built under this input's name (one of the same
            size is taken for the same file, moved).
    """
    real = real_path(item)
    marker = store.progress(item.name)
    if marker is None:
        known = store.progress_at(real)
        return item if known is None else replace(item, name=known.input)
    if marker.path and marker.path != real and marker.size != item.size:
        raise InputError(
            f"{item.name}: this store holds another file built under this name "
            f"({marker.path}); build from the folder it was built from, or into another store"
        )
    return item


def _done(item: Input, marker: Marker | None) -> bool:
    """Whether an earlier run read all of an input, and it has not changed since."""
    return marker is not None and marker.finished and not _changed(item, marker)


def _changed(item: Input, marker: Marker | None) -> bool:
    """Whether an input's size on disk is not the one its marker has (a folder with new
    captures, a dataset with lines added), or a folder's captures are not those it had (one
    added, removed or renamed, the size the same: an empty capture, a renamed one): its
    records may no longer be where they were, so a count of those read says nothing."""
    if marker is None or not marker.kind:
        return False
    other = bool(marker.listing) and marker.listing != item.listing  # '': an older store's
    return marker.size != item.size or other


class _Feed:
    """Chunks of records from each input in turn, tagged with the marker to store with them.

    An input an earlier run left unfinished resumes after the records its marker
    counts. A changed input (`_changed`) is read again from its start, and its
    records whose id the store holds are skipped before cleaning (a folder's new
    file may sort before old ones): its marker then counts the records the store
    answers for, and keeps the old size and listing until the input is finished, so
    a re-read that is killed is a re-read again when started again.

    Not a dataclass: it counts as it reads (records read, skipped, bytes).
    """

    def __init__(
        self,
        inputs: list[Input],
        markers: Mapping[str, Marker | None],
        settings: Settings,
        chunk: int,
        changed: Set[str] = frozenset(),
        known: Callable[[list[str]], set[str]] = lambda ids: set(),
    ) -> None:
        self.inputs, self.markers, self.settings, self.chunk = inputs, markers, settings, chunk
        self.changed, self.known = changed, known
        self.read = self.resumed = self.finished_bytes = 0
        self.current: Callable[[], int] = lambda: 0
        self._cut: deque[int] = deque()  # bytes_done() as each chunk in flight was cut

    def bytes_done(self) -> int:
        """Bytes of input read so far (finished inputs and the current one)."""
        return self.finished_bytes + self.current()

    def stored_bytes(self) -> int:
        """Bytes of input up to the end of the next chunk in the order given (call once per
        chunk stored): the engines read chunks ahead, a whole small input at once."""
        return self._cut.popleft() if self._cut else self.bytes_done()

    def chunks(self) -> Iterator[tuple[Marker, list[Item]]]:
        """`(marker, records)` per chunk; each input's last chunk marks it finished."""
        for tagged in self._chunks():
            self._cut.append(self.bytes_done())
            yield tagged

    def _chunks(self) -> Iterator[tuple[Marker, list[Item]]]:
        for item in self.inputs:
            reader = read(item, self.settings.max_bytes)
            self.current = reader.tell
            real = real_path(item)
            if item.name in self.changed:
                yield from self._reread(item, reader, real)
            else:
                yield from self._resume(item, reader, real)
            self.finished_bytes += item.size
            self.current = lambda: 0

    def _resume(
        self, item: Input, reader: Reader, real: str
    ) -> Iterator[tuple[Marker, list[Item]]]:
        """The records of an input after those its marker counts (all of a new one)."""
        marker = self.markers.get(item.name)
        skip = marker.done if marker is not None else 0
        position = 0
        chunk: list[Item] = []
        chunk_bytes = 0
        for record in reader.items:
            position += 1
            if position <= skip:
                self.resumed += 1
                continue
            if len(chunk) >= self.chunk or chunk_bytes >= CHUNK_BYTES:
                yield self._marker(item, position - 1, False, real), chunk
                chunk, chunk_bytes = [], 0
            chunk.append(record)
            chunk_bytes += len(getattr(record, "data", b""))
            self.read += 1
        yield self._marker(item, max(position, skip), True, real), chunk

    @staticmethod
    def _marker(item: Input, done: int, finished: bool, real: str) -> Marker:
        """The marker of `item` with its first `done` records stored."""
        return Marker(item.name, done, finished, item.kind, item.size, real, item.listing)

    def _reread(
        self, item: Input, reader: Reader, real: str
    ) -> Iterator[tuple[Marker, list[Item]]]:
        """The records of a changed input that the store does not hold yet (see the class)."""
        old = self.markers[item.name]
        assert old is not None
        done = old.done
        chunk: list[Item] = []  # the new records of one batch: a chunk's bounds hold
        for batch in _batched(reader.items, self.chunk):
            if chunk:
                yield Marker(item.name, done, False, item.kind, old.size, real, old.listing), chunk
            ids = [r.id if isinstance(r, Rejected) else _id(r) for r in batch]
            known = self.known(ids)
            chunk = [r for r, i in zip(batch, ids, strict=True) if i not in known]
            self.resumed += len(batch) - len(chunk)
            done += len(chunk)
            self.read += len(chunk)
        yield self._marker(item, done, True, real), chunk


def _id(record: Record) -> str:
    """The id the article or reject of a record will have."""
    return Provenance(record.source, record.locator).id


def _batched(items: Iterator[Item], size: int) -> Iterator[list[Item]]:
    """`items` in lists of `size`, or fewer once they hold `CHUNK_BYTES` of data."""
    batch: list[Item] = []
    held = 0
    for item in items:
        batch.append(item)
        held += len(getattr(item, "data", b""))
        if len(batch) >= size or held >= CHUNK_BYTES:
            yield batch
            batch, held = [], 0
    if batch:
        yield batch
