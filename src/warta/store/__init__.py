"""Stores: where a build keeps its articles, rejects, runs and per-input progress.

`Store` is the interface every store implements; `SQLiteStore` (one embedded
file, no server) is the default, opened with `open_store`. Workers turn results
into plain rows (`Batch`) so the writer only inserts.

Example:
    >>> import tempfile, pathlib
    >>> from warta.store import open_store
    >>> with open_store(pathlib.Path(tempfile.mkdtemp()) / "corpus.db") as store:
    ...     store.counts()
    {'articles': 0, 'rejects': 0}
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from warta.model import Article, Rejected

if TYPE_CHECKING:
    from warta.dedup.fingerprint import DedupSettings, Fingerprint
    from warta.store.sqlite_dedup import SQLiteDedupIndex

#: id, source, locator, url, outlet, title, published_at, published_utc, lang, text, sha256, json
ArticleRow = tuple[
    str, str, str, str | None, str | None, str | None, str | None, str | None, str | None,
    str, str, str,
]  # fmt: skip
#: article id, seq, reason, start, end, text
RemovalRow = tuple[str, int, str, int, int, str]
#: id, source, locator, stage, reason, detail, sha256
RejectRow = tuple[str, str, str, str, str, str, str]
#: article id, stemmed title, stemmed text (the search index's second FTS table)
StemRow = tuple[str, str, str]
#: article id, TimeML value, first day, last day (`YYYY-MM-DD`) of a dated mention
MentionRow = tuple[str, str, str, str]
#: article id, entity text, entity type
EntityRow = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class Batch:
    """The results of one chunk of records, as rows ready to insert."""

    articles: tuple[ArticleRow, ...] = ()
    removals: tuple[RemovalRow, ...] = ()
    rejects: tuple[RejectRow, ...] = ()
    stems: tuple[StemRow, ...] = ()
    mentions: tuple[MentionRow, ...] = ()
    entities: tuple[EntityRow, ...] = ()
    #: article id and dedup fingerprint of each article (empty when dedup is off)
    fingerprints: tuple[tuple[str, Fingerprint], ...] = ()

    def __reduce__(self) -> tuple[type[Batch], tuple[Any, ...]]:
        """Pickled as its fields (a worker sends every batch to the build process): a frozen
        class compiled by mypyc cannot be unpickled by setting its fields one by one."""
        return Batch, (self.articles, self.removals, self.rejects, self.stems, self.mentions,
                       self.entities, self.fingerprints)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Marker:
    """How far a build got in one input: its first `done` records are in the store."""

    input: str
    done: int
    finished: bool = False
    kind: str = ""
    size: int = 0
    #: The real path the input was read from ('' in a store made before it was kept).
    path: str = ""
    #: For a folder, a digest of the names of the captures it holds (`Input.listing`; ''
    #: in a store made before it was kept).
    listing: str = ""


@dataclass(frozen=True, slots=True)
class Written:
    """What one `write` changed: rows inserted, and rows already there (same id)."""

    articles: int = 0
    rejects: int = 0
    already: int = 0
    #: The reasons of the rejects inserted (not those already stored).
    reasons: Mapping[str, int] = field(default_factory=dict)
    #: The rowid of each article of the batch (inserted now or stored before).
    rowids: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RunInfo:
    """A finished (or still running) build, as kept in the `runs` table."""

    id: int
    started_at: str
    finished_at: str | None
    status: str
    engine: str
    workers: int
    inputs: Sequence[str]
    read: int = 0
    stored: int = 0
    rejected: int = 0
    reasons: Mapping[str, int] = field(default_factory=dict)
    conserved: bool | None = None
    #: The settings it ran with, as JSON ('' when not read back).
    settings: str = ""


class Store(Protocol):
    """What a build needs from a store. Writes are atomic per `write` call."""

    def progress(self, input: str) -> Marker | None:
        """The marker of an input, or None when no record of it was stored yet."""
        ...

    def progress_at(self, path: str) -> Marker | None:
        """The marker of the input read from this real path (under any name), if any."""
        ...

    def write(self, batch: Batch, marker: Marker) -> Written:
        """Insert rows (existing ids are left alone) and move the marker, in one transaction."""
        ...

    def known(self, ids: Sequence[str]) -> set[str]:
        """Which of these ids the store holds (as an article or a reject)."""
        ...

    def start_run(self, engine: str, workers: int, inputs: Sequence[str], settings: str) -> int:
        """Record a new run; returns its id (the store is locked for it: see `lock`)."""
        ...

    def lock(self) -> None:
        """Write this store alone until it is closed (a build, or `warta dedup`)."""
        ...

    def grouped(self) -> AbstractContextManager[None]:
        """Writes in the block may be committed a group of chunks at a time (each `write`
        still whole); what is written is committed when the block ends."""
        ...

    def between_chunks(self) -> None:
        """A build stored and clustered a chunk: the store may commit the chunks written and
        tidy up (in the background) before the next one."""
        ...

    def finish_run(self, run: RunInfo) -> None:
        """Record a run's counts and status."""
        ...

    def counts(self) -> dict[str, int]:
        """Rows in the store: `{"articles": n, "rejects": n}`."""
        ...

    def records_done(self) -> int:
        """The records the inputs' markers count, less those already stored when read: the
        records the store has an answer for."""
        ...

    def articles(self) -> Iterator[dict[str, Any]]:
        """Every article's public JSON, in id order."""
        ...

    def rejects(self, reason: str | None = None) -> Iterator[dict[str, Any]]:
        """Every reject (optionally of one reason), in source and locator order."""
        ...

    def runs(self) -> list[RunInfo]:
        """Every run, oldest first."""
        ...

    def summary(self) -> dict[str, Any]:
        """Counts by outlet, language and reject reason, plus the store totals."""
        ...

    def close(self) -> None:
        """Close the store."""
        ...

    def dedup_index(self) -> SQLiteDedupIndex:
        """The dedup index (signatures, band keys, clusters) kept in this store."""
        ...

    def __enter__(self) -> Store: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


def to_batch(results: Sequence[Article | Rejected], dedup: DedupSettings | None = None) -> Batch:
    """Rows for the results of one chunk (run in the workers, so the writer only inserts).

    With `dedup` settings, each article's dedup fingerprint is computed here too,
    so the writer only matches it against the store.
    """
    from warta.search import entity_rows, mention_rows, value_rows  # search imports no store
    from warta.stemming import stem_text

    articles: list[ArticleRow] = []
    removals: list[RemovalRow] = []
    rejects: list[RejectRow] = []
    stems: list[StemRow] = []
    mentions: list[MentionRow] = []
    entities: list[EntityRow] = []
    agencies: list[str | None] = []  # of `articles`, for the dedup fingerprints
    for r in results:
        p = r.provenance
        if isinstance(r, Rejected):
            rejects.append((r.id, p.source, p.locator, r.stage, str(r.reason), r.detail, p.sha256))
            continue
        try:
            if r.extra:  # `extra` may stand in for any key of the JSON: read them back from it
                d = r.to_dict()
                doc, published_at = json.dumps(d, ensure_ascii=False), d["published_at"]
                dated = mention_rows(r.id, d.get("timeline") or ())
                named = entity_rows(r.id, d.get("entities") or ())
            else:  # from the fields: a third of the time of building `to_dict` and reading it
                doc, published_at = r.to_json(), r.published.isoformat() if r.published else None
                dated = value_rows(r.id, [m.value for m in r.timeline])
                named = entity_rows(
                    r.id, [{"text": e.text, "type": e.type} for e in r.entities or ()]
                )
            utc = None
            if r.published is not None:
                utc = r.published.value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            stem = (r.id, stem_text(r.title or ""), stem_text(r.text))
        except Exception as exc:  # the runner boundary: a record that cannot be stored is a reject
            detail = f"cannot index: {type(exc).__name__}: {exc}"
            rejects.append((r.id, p.source, p.locator, "store", "stage_error", detail, p.sha256))
            continue
        articles.append(
            (r.id, p.source, p.locator, r.url, r.outlet, r.title, published_at, utc,
             r.lang, r.text, p.sha256, doc)
        )  # fmt: skip
        removals.extend(
            (r.id, i, x.reason, x.start, x.end, x.text) for i, x in enumerate(r.removed)
        )
        agencies.append(r.agency)
        stems.append(stem)
        mentions.extend(dated)
        entities.extend(named)
    fingerprints: tuple[tuple[str, Fingerprint], ...] = ()
    if dedup is not None and articles:
        from warta.dedup.fingerprint import fingerprint_texts

        prints = fingerprint_texts(
            [a[9] for a in articles], dedup, [a[5] for a in articles], agencies
        )
        fingerprints = tuple(zip((a[0] for a in articles), prints, strict=True))
    return Batch(
        tuple(articles), tuple(removals), tuple(rejects), tuple(stems), tuple(mentions),
        tuple(entities), fingerprints,
    )  # fmt: skip


def open_store(path: str | Path, *, create: bool = True, readonly: bool = False) -> Store:
    """Open (or create) the SQLite store at `path`.

    Args:
        path: the database file; created with its tables on first use.
        create: when False, a missing file is an error instead.
        readonly: open it only to read (never created, and never changed: no tables
            added, no journal mode set), as `stats`, `rejects`, `export` and `show` do.

    Returns:
        The store; use it as a context manager to close it.

    Raises:
        StoreError: the file cannot be opened as a warta store (a database that is
            not one is never changed).

    Example:
        >>> import tempfile, pathlib
        >>> store = open_store(pathlib.Path(tempfile.mkdtemp()) / "c.db")
        >>> store.records_done()
        0
        >>> store.close()
    """
    from warta.errors import StoreError
    from warta.store.sqlite import SQLiteStore

    if not create and not readonly and not Path(path).is_file():
        raise StoreError(f"{path}: no such store (run warta build ... --db {path} first)")
    return SQLiteStore(Path(path), readonly=readonly)
