"""The SQL behind `warta.search.search`: matches found, filtered and ranked in FTS5.

`warta.search` turns a query into FTS5 MATCH expressions, one per table it runs
on (a `Source`), and the filters into a subquery of the rowids they let through;
this module runs them. It knows nothing of query syntax or stems.

Why the ranking is bounded: FTS5's `bm25()` has no top-k shortcut, it scores every
match (about 0.55 µs each). A word found in 29,000 of 100,000 articles took 16 ms
to rank, one found in nearly all of them 55 ms. So BM25 ranks a window of at most
`WINDOW` candidates: the matches with the query in their title, most recently
stored first, then the other matches, most recently stored first. Listing those
walks the index in rowid order and stops, instead of scoring every match. When at
most `WINDOW` articles match (after the filters), the window holds them all and the
ranking is exactly BM25's. Otherwise the matches outside the window come after it,
ranked among themselves, for the pages that reach past it.

The effect on order (docs/search.md has the measurements): the title is weighted
`TITLE_WEIGHT` times the text, so BM25's best matches for a common word mostly
have it in the title anyway. The window misses an article that repeats the word
in its text without it in the title, and, when more than `WINDOW` titles have the
words, the titled articles stored earliest.

Cost, besides: every statement that calls `bm25()` first counts each phrase's
matches (so scores are never fetched a row at a time), and every row fetched into
Python is one `sqlite3_step` that releases and retakes the GIL, which a threaded
server pays dearly for. So each function here is one statement that returns only
the rows asked for: the window is chosen inside SQL, and the rows that match a
second table (`probe`: the raw words) are probed there, FTS5 seeking each rowid.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: BM25 weight of the title against the text (weight 1).
TITLE_WEIGHT = 5.0
#: The most candidates BM25 ranks in one query (see the module docstring).
WINDOW = 500
#: Matches of a probe below which checking rows against it lists its matches (see `_rank`).
PROBE_SCAN = 5000

#: The share of the store a filter must let through to be checked row by row (see `Filters`).
WALK_SHARE = 0.1
#: Matches a row-by-row walk reads, in each of its two parts, before it gives up.
WALK_REACH = 4000


@dataclass(frozen=True, slots=True)
class Filters:
    """What the filters let through, said two ways that select the same articles.

    `rowids` reads indexes into a set of rowids: cheap when the set is small, but
    building it costs about 0.35 µs a rowid (a quarter of 100,000 articles: 9 ms).
    `row` is a condition on one article row `a`: 1 µs an article, and a walk down
    the matches stops once the window is full, so it is cheaper when many
    articles pass. `share` estimates the fraction that pass (None: unknown, use
    the set).

    Attributes:
        rowids: SQL selecting the rowids that pass.
        row: an SQL condition on `articles a`, or None.
        share: the estimated fraction of the store that passes, or None.
        params: the named parameters of both (`:f0`, `:f1`, ...).
    """

    rowids: str
    params: Mapping[str, Any]
    row: str | None = None
    share: float | None = None

    def walkable(self) -> bool:
        """Whether to check rows one by one rather than gather the set."""
        return self.row is not None and self.share is not None and self.share >= WALK_SHARE


#: The filters of a query (None: no filter).
Allowed = Filters | None


@dataclass(frozen=True, slots=True)
class Source:
    """An FTS5 table, the MATCH expression to run on it, and whether its matches are exact.

    Attributes:
        table: `articles_fts` (words as printed) or `articles_stem` (their stems).
        expr: an FTS5 expression of what to find (every word quoted).
        exact: its matches have the words as typed (the raw table).
        excluded: an FTS5 expression of what to leave out ("": nothing). Kept apart
            from `expr` so that "the query in the title" (`titled`) still leaves out
            the articles that have those words in their text.
    """

    table: str
    expr: str
    exact: bool
    excluded: str = ""

    @property
    def match(self) -> str:
        """The whole MATCH expression: `expr`, less the matches of `excluded`."""
        return f"({self.expr}) NOT ({self.excluded})" if self.excluded else self.expr

    @property
    def titled(self) -> str:
        """The matches with what to find in their title (`{title} : ...`)."""
        titled = f"{{title}} : ({self.expr})"
        return f"{titled} NOT ({self.excluded})" if self.excluded else titled


def ranked(
    con: sqlite3.Connection,
    sources: Sequence[Source],
    allowed: Allowed,
    start: int,
    stop: int,
    probe: Source | None = None,
) -> list[tuple[int, float, bool, int]]:
    """Places `start` to `stop` of the matches in rank order: `(rowid, bm25, exact, tier)`.

    A rowid matching in several sources gets the sum of their scores. Scores are
    FTS5's (negative, lower is better); ties go to the lower rowid. Past `WINDOW`
    matches, BM25 ranks the candidate window first (tier 0), then the other
    matches (tier 1; see the module docstring). A caller that re-orders the rows
    keeps the tiers apart, or pages would disagree at the window's edge.

    Args:
        con: a store connection.
        sources: the tables and expressions; a match in any of them counts.
        allowed: the filters' rowids (None: no filter).
        start: the first place (0 is the best match).
        stop: one past the last place.
        probe: when given, `exact` tells whether the row matches it too
            (otherwise whether it matched a source whose matches are exact).

    Returns:
        At most `stop - start` rows.

    Example:
        >>> con = sqlite3.connect(":memory:")
        >>> _ = con.execute("CREATE VIRTUAL TABLE articles_fts USING fts5(title, text)")
        >>> _ = con.execute("INSERT INTO articles_fts VALUES ('a', 'x'), ('x', 'y'), ('b', 'c')")
        >>> x = Source("articles_fts", '"x"', exact=True)
        >>> [rowid for rowid, _, _, _ in ranked(con, [x], None, 0, 5)]  # the title weighs more
        [2, 1]
    """
    params: dict[str, Any] = {"window": WINDOW}
    walked = _walk(con, sources, allowed) if allowed and allowed.walkable() else None
    if walked is not None:
        params["walked"] = json.dumps(walked)
        window = "win(r) AS MATERIALIZED (SELECT value FROM json_each(:walked))"
    else:
        window = _window(sources, allowed, params)
    out = []
    if start < WINDOW:
        inside = " AND rowid BETWEEN (SELECT min(r) FROM win) AND (SELECT max(r) FROM win)"
        inside += " AND +rowid IN win"
        rows = _rank(con, sources, window, inside, params, start, min(stop, WINDOW), probe)
        out = [(*row, 0) for row in rows]
    if stop > WINDOW:  # past the window: the other matches, ranked among themselves
        outside = " AND +rowid NOT IN win"
        if allowed:
            outside += f" AND +rowid IN ({allowed.rowids})"
            params.update(allowed.params)
        rows = _rank(con, sources, window, outside, params, max(start - WINDOW, 0),
                     stop - WINDOW, probe)  # fmt: skip
        out += [(*row, 1) for row in rows]
    return out


def scores(
    con: sqlite3.Connection,
    sources: Sequence[Source],
    rowids: Sequence[int],
    probe: Source | None = None,
) -> dict[int, tuple[float, bool]]:
    """BM25 scores (summed over the sources) and exactness of some rows that match.

    Example:
        >>> con = sqlite3.connect(":memory:")
        >>> _ = con.execute("CREATE VIRTUAL TABLE articles_fts USING fts5(title, text)")
        >>> _ = con.execute("INSERT INTO articles_fts VALUES ('a', 'x'), ('b', 'c')")
        >>> list(scores(con, [Source("articles_fts", '"x"', True)], [1, 2]))
        [1]
    """
    if not rowids:
        return {}
    params: dict[str, Any] = {"ids": json.dumps(list(rowids)), "lo": min(rowids),
                              "hi": max(rowids)}  # fmt: skip
    window = "win(r) AS (SELECT value FROM json_each(:ids))"
    among = " AND rowid BETWEEN :lo AND :hi AND +rowid IN win"
    rows = _rank(con, sources, window, among, params, 0, len(rowids), probe)
    return {rid: (score, exact) for rid, score, exact in rows}


def newest(
    con: sqlite3.Connection,
    sources: Sequence[Source],
    allowed: Allowed,
    limit: int,
    offset: int,
) -> list[int]:
    """Rowids of matches, newest published first (undated last), for one page.

    Joining every match to its article to sort them would read a row per match;
    walking `articles_published_utc` backwards stops after the page.
    """
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    found = " UNION ".join(
        f"SELECT rowid FROM {s.table} WHERE {s.table} MATCH :q{i}" for i, s in enumerate(sources)
    )
    params.update({f"q{i}": s.match for i, s in enumerate(sources)})
    sql = (
        # INDEXED BY: left to itself, SQLite looks up every match and sorts them.
        f"SELECT a.rowid FROM articles a INDEXED BY articles_published_utc"
        f" WHERE a.rowid IN ({found})"
    )
    if allowed:  # a wide filter is checked on the rows walked, a narrow one is a set
        where = allowed.row if allowed.walkable() else f"a.rowid IN ({allowed.rowids})"
        sql += f" AND ({where})"
        params.update(allowed.params)
    sql += " ORDER BY a.published_utc DESC, a.rowid DESC LIMIT :limit OFFSET :offset"
    return [r[0] for r in con.execute(sql, params)]


def snippets(
    con: sqlite3.Connection, source: Source, rowids: Sequence[int], marks: tuple[str, str],
    words: int,
) -> dict[int, str]:  # fmt: skip
    """FTS5 `snippet()` of the text column of those `rowids` that match `source`."""
    if not rowids:
        return {}
    t = source.table
    # CROSS JOIN keeps the list outside: with FTS5 outside, every match is scanned.
    sql = (f"SELECT c.value, snippet({t}, 1, ?, ?, '…', ?) FROM json_each(?) c"
           f" CROSS JOIN {t} ON {t}.rowid = c.value WHERE {t} MATCH ?")  # fmt: skip
    args = (*marks, words, json.dumps(list(rowids)), source.match)
    return {int(r[0]): str(r[1] or "") for r in con.execute(sql, args)}


def _window(sources: Sequence[Source], allowed: Allowed, params: dict[str, Any]) -> str:
    """CTEs ending in `win(r)`: the candidates BM25 ranks (fills `params`)."""
    for i, s in enumerate(sources):
        params[f"q{i}"] = s.match
        params[f"t{i}"] = s.titled
    if len(sources) == 1 and not allowed:
        # Two walks down the index, newest first, each stopping at the window's size.
        t = sources[0].table
        return (
            f"titled(r) AS MATERIALIZED (SELECT rowid FROM {t} WHERE {t} MATCH :t0"
            " ORDER BY rowid DESC LIMIT :window),"
            f" others(r) AS MATERIALIZED (SELECT rowid FROM {t} WHERE {t} MATCH :q0"
            " AND rowid NOT IN titled ORDER BY rowid DESC"
            " LIMIT :window - (SELECT count(*) FROM titled)),"
            " win(r) AS MATERIALIZED (SELECT r FROM titled UNION ALL SELECT r FROM others)"
        )
    # Filters or several tables: the matches are gathered once, then sorted.
    found = " UNION ".join(
        f"SELECT rowid AS r FROM {s.table} WHERE {s.table} MATCH :q{i}"
        for i, s in enumerate(sources)
    )
    titled = " UNION ".join(
        f"SELECT rowid FROM {s.table} WHERE {s.table} MATCH :t{i}" for i, s in enumerate(sources)
    )
    where = ""
    if allowed:
        where = f" WHERE +r IN ({allowed.rowids})"  # +: never handed to FTS5 as rowid = ?
        params.update(allowed.params)
    return (
        f"m(r, titled) AS MATERIALIZED (SELECT r, r IN ({titled}) FROM ({found}){where}),"
        " win(r) AS MATERIALIZED (SELECT r FROM m ORDER BY titled DESC, r DESC LIMIT :window)"
    )


def _walk(con: sqlite3.Connection, sources: Sequence[Source], allowed: Filters) -> list[int] | None:
    """The window, found by reading the newest matches' rows; None when that takes too long.

    Two walks newest first, titled matches then the others, each checking `row`
    on at most WALK_REACH matches. The window is known once each walk has filled
    its part or run out of matches; otherwise (fewer pass than `share` said) the
    caller gathers the set instead.
    """
    if len(sources) != 1 or allowed.row is None:
        return None
    t = sources[0].table
    walk = ("SELECT s.r FROM (SELECT rowid AS r FROM {t} WHERE {t} MATCH {expr}{skip}"
            " ORDER BY rowid DESC LIMIT :reach) s CROSS JOIN articles a ON a.rowid = s.r"
            f" WHERE {allowed.row}")  # fmt: skip
    count = "(SELECT count(*) FROM (SELECT 1 FROM {t} WHERE {t} MATCH {expr} LIMIT {cap}))"
    untitled = walk.format(t=t, expr=":q", skip=" AND rowid NOT IN titled")
    sql = (
        f"WITH titled(r) AS MATERIALIZED ({walk.format(t=t, expr=':t', skip='')}"
        f" LIMIT :window), others(r) AS MATERIALIZED ({untitled}"
        " LIMIT :window - (SELECT count(*) FROM titled))"
        " SELECT (SELECT json_group_array(r) FROM titled),"
        " (SELECT json_group_array(r) FROM others),"
        f" {count.format(t=t, expr=':t', cap=':reach + 1')},"
        f" {count.format(t=t, expr=':q', cap=':reach + :window + 1')}"
    )
    source = sources[0]
    params = {**allowed.params, "t": source.titled, "q": source.match, "reach": WALK_REACH,
              "window": WINDOW}  # fmt: skip
    titled_json, others_json, n_titled, n_matches = con.execute(sql, params).fetchone()
    titled, others = json.loads(titled_json), json.loads(others_json)
    titled_known = len(titled) == WINDOW or n_titled <= WALK_REACH
    others_known = len(titled) + len(others) == WINDOW or n_matches <= WALK_REACH + len(titled)
    return [*titled, *others] if titled_known and others_known else None


def _rank(
    con: sqlite3.Connection,
    sources: Sequence[Source],
    window: str,
    restrict: str,
    params: Mapping[str, Any],
    start: int,
    stop: int,
    probe: Source | None,
) -> list[tuple[int, float, bool]]:
    """Places `start` to `stop` by BM25 of the matches that `restrict` keeps (one statement)."""
    if stop <= start:
        return []
    selects = [
        f"SELECT rowid AS rid, bm25({s.table}, {TITLE_WEIGHT}, 1.0) AS score,"
        f" {int(s.exact)} AS exact FROM {s.table} WHERE {s.table} MATCH :q{i}{restrict}"
        for i, s in enumerate(sources)
    ]
    if len(selects) == 1:
        scored = selects[0]
    else:
        scored = (f"SELECT rid, sum(score) AS score, max(exact) AS exact"
                  f" FROM ({' UNION ALL '.join(selects)}) GROUP BY rid")  # fmt: skip
    exact = "exact"
    args = {**params, "n": stop - start, "start": start}
    for i, s in enumerate(sources):
        args[f"q{i}"] = s.match
    if probe is not None:
        # For the page's rows only (`ranked` is materialised first). Seeking one rowid in
        # FTS5 walks the word's list of rows up to it when that list has no index of
        # its own: 13 µs a row for a word in 2,300 articles, 25 µs for a phrase. So a
        # probe with fewer than PROBE_SCAN matches lists them all (55 ns each) instead.
        p = probe.table
        exact = (f"CASE WHEN (SELECT count(*) FROM (SELECT 1 FROM {p} WHERE {p} MATCH :probe"
                 f" LIMIT {PROBE_SCAN})) < {PROBE_SCAN}"
                 f" THEN rid IN (SELECT rowid FROM {p} WHERE {p} MATCH :probe)"
                 f" ELSE EXISTS (SELECT 1 FROM {p} WHERE {p} MATCH :probe AND rowid = ranked.rid)"
                 " END")  # fmt: skip
        args["probe"] = probe.match
    sql = (
        f"WITH {window}, ranked AS MATERIALIZED ({scored} ORDER BY score, rid"
        f" LIMIT :n OFFSET :start) SELECT rid, score, {exact} FROM ranked ORDER BY score, rid"
    )
    return [(int(rid), float(score), bool(ex)) for rid, score, ex in con.execute(sql, args)]
