"""The Deduplicator: puts each new article in a cluster with its copies already in the index.

The only stateful stage. Its state lives in the index (the store's `signatures`,
`bands` and `clusters` tables), so a run over new captures matches them against
every cluster already stored without recomputing anything, and memory is bounded
by the batch size (and the `RECENT_SIGNATURES` it keeps at hand), not by the store.

Per batch: fingerprints (pure), candidate pairs from shared band keys (inside the
batch and against the index), verification of each candidate by estimated
Jaccard and containment, then union-find over the verified pairs, where a stored
article stands for its whole cluster. A cluster's id is the smallest article id
among its members (so it does not depend on the order articles arrived in); its
canonical member is recomputed in the index whenever it changes.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from warta.dedup.fingerprint import (
    EXACT_BAND,
    DedupSettings,
    Fingerprint,
    fingerprint_texts,
)
from warta.errors import StoreError
from warta.model import Article

log = logging.getLogger(__name__)

#: rowid, id, title, text, agency of an article in the index.
DedupRow = tuple[int, str, str | None, str, str | None]
#: rowid -> (words, shingles, minhash bytes or None).
SignatureRow = tuple[int, int, int, bytes | None]
#: `[band, key, rowid]` rows of band keys (as numpy's `tolist` gives them).
KeyRows = Sequence[list[int]]

#: In a band bucket with many articles, each is compared with the first FANOUT only.
FANOUT = 32
#: Members of a cluster whose LSH band keys are indexed: later copies of the story
#: find it through them (one verified copy is enough to join), and a story copied
#: by dozens of outlets does not add dozens of rows to every band. Exact keys are
#: always indexed.
INDEXED_MEMBERS = 4
#: Articles per batch of a dedup run.
BATCH = 5000
#: Signatures of indexed articles the Deduplicator keeps at hand (most recently used):
#: the candidates a batch finds are mostly the indexed members of clusters it has seen
#: lately, read without a query (about 6 MB; the others are read from the index).
RECENT_SIGNATURES = 8192


@runtime_checkable
class DedupIndex(Protocol):
    """Where the Deduplicator keeps signatures, band keys and clusters (the SQLite store)."""

    def dedup_pending(self, limit: int) -> list[DedupRow]:
        """Stored articles not yet in a cluster, oldest rows first."""
        ...

    def dedup_rows(self, ids: Sequence[str]) -> list[DedupRow]:
        """The rows of these stored articles."""
        ...

    def band_matches(self, keys: KeyRows) -> list[tuple[int, int, int]]:
        """`(band, query rowid, stored rowid)` per stored article sharing a key with a query.

        One row per pair (the lowest shared band); an index may bound the stored
        articles per query article to those sharing the most keys.
        """
        ...

    def signatures(self, rowids: Iterable[int]) -> dict[int, SignatureRow]:
        """Stored signatures by rowid."""
        ...

    def clusters_of(self, rowids: Iterable[int]) -> dict[int, str]:
        """The cluster of each stored article."""
        ...

    def cluster_sizes(self, clusters: Iterable[str]) -> dict[str, int]:
        """Members of each cluster."""
        ...

    def save_dedup(
        self,
        signatures: Sequence[SignatureRow],
        bands: KeyRows,
        clusters: Sequence[tuple[int, str, int, int]],
        relabel: Mapping[str, str],
        touched: Iterable[str],
    ) -> dict[int, tuple[str, bool]]:
        """Write a batch's rows, merge clusters, recompute canonicals; atomically.

        Returns `rowid -> (cluster, canonical)` for the batch's articles.
        """
        ...


@dataclass(frozen=True, slots=True)
class DedupStats:
    """What a dedup run did.

    Attributes:
        articles: articles given a cluster in this run.
        candidates: candidate pairs (shared band key) checked.
        verified: candidate pairs accepted as copies.
        joined: articles of this run that, when clustered, found copies stored before them
            or in their own batch (the first copy of a story, clustered alone, is not counted).
        refused: merges refused by `max_cluster`.
        elapsed: seconds.
    """

    articles: int = 0
    candidates: int = 0
    verified: int = 0
    joined: int = 0
    refused: int = 0
    elapsed: float = 0.0


class Deduplicator:
    """Assigns `cluster` and `canonical` to stored articles, against everything in the index.

    Not a dataclass: it counts what it did across calls (`stats`).

    Example:
        >>> import tempfile, pathlib
        >>> from warta.store import open_store
        >>> store = open_store(pathlib.Path(tempfile.mkdtemp()) / "c.db")
        >>> dedup = Deduplicator(store)  # doctest: +SKIP
        >>> dedup.run().articles  # doctest: +SKIP
        0
        >>> store.close()
    """

    def __init__(self, index: DedupIndex, settings: DedupSettings | None = None) -> None:
        self.index = index
        self.settings = settings or DedupSettings()
        self.stats = DedupStats()
        # rowid -> the stored signature of an indexed article (signatures never change)
        self._recent: OrderedDict[int, Fingerprint] = OrderedDict()

    def assign(self, article: Article) -> Article:
        """`article` with `extra["cluster"]` and `extra["canonical"]` set (it must be stored).

        Args:
            article: an article already written to the index's store.

        Returns:
            A new `Article`; nothing is dropped and the input is not changed.

        Raises:
            StoreError: the article is not in the store.
        """
        return self.assign_many([article])[0]

    def assign_many(self, articles: Sequence[Article]) -> list[Article]:
        """`assign` for many stored articles at once (one batch)."""
        rows = {r[1]: r for r in self.index.dedup_rows([a.id for a in articles])}
        missing = [a.id for a in articles if a.id not in rows]
        if missing:
            raise StoreError(f"dedup: article {missing[0]} is not in the store (store it first)")
        result = self._batch(list(rows.values()))
        out = []
        for a in articles:
            cluster, canonical = result[rows[a.id][0]]
            out.append(replace(a, extra={**a.extra, "cluster": cluster, "canonical": canonical}))
        return out

    def add(
        self, fingerprints: Sequence[tuple[str, Fingerprint]], rowids: Mapping[str, int]
    ) -> None:
        """Cluster just-stored articles whose fingerprints were computed elsewhere.

        `warta build` computes fingerprints in its workers (`to_batch`) and calls
        this after each stored chunk, so clustering keeps pace with storing.
        Articles not stored, or already in a cluster, are left alone.

        Args:
            fingerprints: `(article id, fingerprint)` pairs of stored articles, made
                with their agencies (`fingerprint_texts`).
            rowids: the stored articles' rowids, from the write that stored them
                (`Written.rowids`); an article missing from it is not stored.
        """
        given = dict(fingerprints)
        stored = {i: rowids[i] for i in given if i in rowids}
        clustered = self.index.clusters_of(stored.values())
        # Only rowid and id are read: the fingerprint stands for title, text and agency.
        rows: list[DedupRow] = [
            (rowid, id_, None, "", None) for id_, rowid in stored.items() if rowid not in clustered
        ]
        if rows:
            self._batch(rows, [given[r[1]] for r in rows])

    def run(
        self, batch: int = BATCH, on_progress: Callable[[DedupStats], None] | None = None
    ) -> DedupStats:
        """Cluster every stored article that has no cluster yet, batch by batch.

        Args:
            batch: articles per batch (memory grows with it, not with the store).
            on_progress: called with the running totals after each batch.

        Returns:
            What this run did (`self.stats` holds the totals of every call).
        """
        before = self.stats
        while rows := self.index.dedup_pending(batch):
            self._batch(rows)
            if on_progress is not None:
                on_progress(self.stats)
        s = self.stats
        return DedupStats(
            s.articles - before.articles, s.candidates - before.candidates,
            s.verified - before.verified, s.joined - before.joined, s.refused - before.refused,
            s.elapsed - before.elapsed,
        )  # fmt: skip

    def _batch(
        self, rows: Sequence[DedupRow], fps: Sequence[Fingerprint] | None = None
    ) -> dict[int, tuple[str, bool]]:
        """Fingerprint (unless given), match, verify, union and save one batch."""
        started = time.monotonic()
        s = self.settings
        if fps is None:
            fps = fingerprint_texts(
                [r[3] for r in rows], s, [r[2] for r in rows], [r[4] for r in rows]
            )
        ids = {r[0]: r[1] for r in rows}
        mine = {r[0]: f for r, f in zip(rows, fps, strict=True)}
        keys = _key_rows(mine)
        pairs = _batch_pairs(keys) | {
            (q, st, band) for band, q, st in self.index.band_matches(keys.tolist())
        }
        # an exact pair needs no signatures (see `_verify`)
        stored = self._signatures({b for _, b, band in pairs if band != EXACT_BAND} - mine.keys())
        verified = sorted(self._verify(pairs, mine, stored))
        clusters = self.index.clusters_of({b for _, b in verified if b not in mine})
        sizes = self.index.cluster_sizes(set(clusters.values()))
        # Union-find over nodes: a new article's id, or a stored cluster's id.
        node = {**{r: ids[r] for r in mine}, **{r: c for r, c in clusters.items()}}
        parent: dict[str, str] = {}
        size: dict[str, int] = {ids[r]: 1 for r in mine} | dict(sizes)
        refused = 0

        def find(x: str) -> str:
            parent.setdefault(x, x)
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for a, b in verified:
            ra, rb = find(node[a]), find(node[b])
            if ra == rb:
                continue
            if size[ra] + size[rb] > s.max_cluster:
                refused += 1
                continue
            keep, gone = (ra, rb) if ra < rb else (rb, ra)  # the smallest id names the cluster
            parent[gone] = keep
            size[keep] += size[gone]
        relabel = {c: find(c) for c in set(clusters.values()) if find(c) != c}
        touched = {find(node[r]) for pair in verified for r in pair}
        roots = {rowid: find(ids[rowid]) for rowid in mine}
        cluster_rows = []
        joined = 0
        for rowid, f in mine.items():
            root = roots[rowid]
            alone = size[root] == 1
            joined += not alone
            cluster_rows.append((rowid, root, int(alone), int(f.wire)))
        indexed, chosen = _indexed(keys, roots, sizes, find)
        # Only an article whose LSH keys are indexed can be found as a candidate that needs
        # its signature (one found by its exact key alone is a copy without it): the other
        # members of a large cluster store none.
        signed = [r for r in sorted(chosen) if mine[r].signature]
        sig_rows = [(r, mine[r].words, mine[r].shingles, mine[r].signature) for r in signed]
        result = self.index.save_dedup(sig_rows, indexed, cluster_rows, relabel, touched)
        self._remember({r: _light(mine[r]) for r in signed})
        if refused:
            log.warning("dedup: %d merge(s) refused: clusters would exceed %d members "
                        "(--max-cluster)", refused, s.max_cluster)  # fmt: skip
        old = self.stats
        self.stats = DedupStats(
            old.articles + len(rows), old.candidates + len(pairs), old.verified + len(verified),
            old.joined + joined, old.refused + refused,
            old.elapsed + time.monotonic() - started,
        )  # fmt: skip
        return result

    def _signatures(self, rowids: set[int]) -> dict[int, Fingerprint]:
        """The stored signatures of these articles: those at hand, and the others read from
        the index (then kept at hand: an article found as a candidate is an indexed one)."""
        recent = self._recent
        found = {r: recent[r] for r in rowids if r in recent}
        for r in found:
            recent.move_to_end(r)
        read = self.index.signatures(rowids - found.keys()) if len(found) < len(rowids) else {}
        fresh = {r: _stored(row) for r, row in read.items()}
        self._remember(fresh)
        return found | fresh

    def _remember(self, signatures: Mapping[int, Fingerprint]) -> None:
        """Keep these signatures at hand, forgetting the least recently used past
        `RECENT_SIGNATURES`."""
        recent = self._recent
        recent.update(signatures)
        while len(recent) > RECENT_SIGNATURES:
            recent.popitem(last=False)

    def _verify(
        self,
        pairs: Iterable[tuple[int, int, int]],
        mine: Mapping[int, Fingerprint],
        stored: Mapping[int, Fingerprint],
    ) -> set[tuple[int, int]]:
        """The candidate pairs that are copies: exact-key matches, and MinHash pairs that pass."""
        exact = {(a, b) for a, b, band in pairs if band == EXACT_BAND}
        todo = sorted({(a, b) for a, b, band in pairs if band != EXACT_BAND} - exact)
        # both signatures verify a pair: without one (a text too short, none stored) it is none
        fps = {
            r: f for pair in todo for r in pair
            if (f := mine.get(r) or stored.get(r)) is not None and f.signature
        }  # fmt: skip
        todo = [(a, b) for a, b in todo if a in fps and b in fps]
        if not todo:
            return exact
        order = list(fps)
        where = {r: i for i, r in enumerate(order)}
        width = self.settings.num_perm
        blob = b"".join(fps[r].signature or b"" for r in order)  # each has one
        if len(blob) != 4 * width * len(order):
            raise StoreError("dedup: stored signatures have another length (warta dedup --reset)")
        sigs = np.frombuffer(blob, dtype="<u4").reshape(len(order), width)
        left = np.fromiter((where[a] for a, _ in todo), dtype=np.int64, count=len(todo))
        right = np.fromiter((where[b] for _, b in todo), dtype=np.int64, count=len(todo))
        jac = (sigs[left] == sigs[right]).mean(axis=1)
        size = np.fromiter((fps[r].shingles for r in order), dtype=np.float64, count=len(order))
        sa, sb = size[left], size[right]
        inter = jac * (sa + sb) / (1.0 + jac)
        cont = np.minimum(1.0, inter / np.maximum(np.minimum(sa, sb), 1.0))
        s = self.settings
        ok = (jac >= s.jaccard) | ((jac >= s.min_jaccard) & (cont >= s.containment))
        return exact | {pair for pair, good in zip(todo, ok.tolist(), strict=True) if good}


def _indexed(
    keys: npt.NDArray[np.int64],
    roots: Mapping[int, str],
    stored_sizes: Mapping[str, int],
    find: Callable[[str], str],
) -> tuple[list[list[int]], set[int]]:
    """The band keys to index: every exact key, and the LSH keys of new articles while
    their cluster has fewer than INDEXED_MEMBERS members indexed (in rowid order); and
    those articles.

    Args:
        keys: `(band, key, rowid)` rows of the new articles (`_key_rows`), in that order.
        roots: the cluster each new article ended in.
        stored_sizes: members of each stored cluster a new article joined.
        find: a cluster's root after this batch's merges.
    """
    before: defaultdict[str, int] = defaultdict(int)
    for cluster, members in stored_sizes.items():
        before[find(cluster)] += members
    room = {root: INDEXED_MEMBERS - before[root] for root in set(roots.values())}
    chosen = set()
    for rowid in sorted(roots):
        if room[roots[rowid]] > 0:
            room[roots[rowid]] -= 1
            chosen.add(rowid)
    wanted = (keys[:, 0] == EXACT_BAND) | np.isin(keys[:, 2], list(chosen))
    return keys[wanted].tolist(), chosen


def _stored(row: SignatureRow) -> Fingerprint:
    """A stored signature row as a Fingerprint (enough of one to verify a pair)."""
    _, words, shingles, minhash = row
    return Fingerprint("minhash" if minhash else "short", words, shingles, None, minhash)


def _light(fingerprint: Fingerprint) -> Fingerprint:
    """What the index stores of a fingerprint (`_stored` of its signature row)."""
    f = fingerprint
    return _stored((0, f.words, f.shingles, f.signature))


def _key_rows(fingerprints: Mapping[int, Fingerprint]) -> npt.NDArray[np.int64]:
    """`(band, key, rowid)` of every key of these fingerprints (by rowid): the exact key as
    band `EXACT_BAND`, the LSH keys as bands 0, 1, ...; sorted, as an `(n, 3)` array.

    Example:
        >>> keys = np.array([11, 12], dtype="<i8").tobytes()
        >>> _key_rows({7: Fingerprint("minhash", 40, 36, 5, b"", keys),
        ...            3: Fingerprint("short", 12, exact=-9)}).tolist()
        [[-1, -9, 3], [-1, 5, 7], [0, 11, 7], [1, 12, 7]]
    """
    exact = [(EXACT_BAND, f.exact, r) for r, f in fingerprints.items() if f.exact is not None]
    parts = [np.array(exact, dtype=np.int64).reshape(-1, 3)]
    by_width: defaultdict[int, list[tuple[int, bytes]]] = defaultdict(list)
    for r, f in fingerprints.items():
        if f.bands:
            by_width[len(f.bands) // 8].append((r, f.bands))
    for width, banded in by_width.items():
        rowids = np.array([r for r, _ in banded], dtype=np.int64)
        bands = np.frombuffer(b"".join(b for _, b in banded), dtype="<i8")
        parts.append(np.column_stack((np.tile(np.arange(width, dtype=np.int64), len(banded)),
                                      bands.ravel(), np.repeat(rowids, width))))  # fmt: skip
    rows = np.concatenate(parts)
    return rows[np.lexsort((rows[:, 2], rows[:, 1], rows[:, 0]))]


def _batch_pairs(rows: npt.NDArray[np.int64]) -> set[tuple[int, int, int]]:
    """Candidate pairs `(a, b, band)` inside one batch: articles sharing a band key.

    In each bucket `(band, key)`, in rowid order, an article pairs with the first
    `FANOUT` articles before it. Done with numpy: a batch has ~8,000 keys, most
    of them alone in their bucket.

    Args:
        rows: `(band, key, rowid)` of the batch's keys, sorted (`_key_rows`).
    """
    if not len(rows):
        return set()
    first = np.ones(len(rows), dtype=bool)  # the first of its bucket
    first[1:] = (rows[1:, 0] != rows[:-1, 0]) | (rows[1:, 1] != rows[:-1, 1])
    starts = np.flatnonzero(first)
    bucket = np.cumsum(first) - 1
    place = np.arange(len(rows)) - starts[bucket]  # 0 for the first of each bucket
    pairs: set[tuple[int, int, int]] = set()
    for earlier in range(min(FANOUT, int(place.max()))):
        later = place > earlier
        partners = rows[starts[bucket[later]] + earlier, 2]
        pairs.update(
            zip(rows[later, 2].tolist(), partners.tolist(), rows[later, 0].tolist(), strict=True)
        )
    return pairs
