"""Full-text search of a store: BM25 over the clean text and over a stemmed copy of it.

A build writes each article into two FTS5 tables: `articles_fts` (title and text
as printed) and `articles_stem` (the same words reduced to their Sastrawi stems,
so `membahas`, `dibahas` and `pembahasan` all index as `bahas`). A query runs
against both, raw words OR their stems. Usually (plain Latin words) the stem table
alone finds and scores every match, and the best candidates that have the words
as typed get their score raised by `EXACT_BOOST` (the exact form ranks above an
inflected one); otherwise the two tables' BM25 scores are summed. A query with a
prefix (`presi*`) runs on the raw table only: a prefix is about the printed word.
When more than `WINDOW` articles match, BM25 ranks a window of candidates, those
with the words in the title first (`warta.ranking` runs the SQL and says why). The
snippet of an article that matched the raw words comes from FTS5's `snippet()`;
one that matched only through a stem gets the same kind of window built here.

Queries are never handed to FTS5 as typed: every word is quoted, so `AND OR`,
`"` or `*` alone cannot be a syntax error. What a query may use: words (all
must match), "quoted phrases", `OR` between two words, a `*` after a word for a
prefix, `NOT word` or `-word` (also `-"a phrase"`) to leave out the articles that
have it, and `title:word` or `text:word` to match in one field only. What it cannot
express (a quote not closed, parentheses, `NEAR(`, another field such as
`outlet:`) is a `QueryError`, never a different query.

The index helpers (`stem_text`, `mention_rows`, `entity_rows`) run in the build's
workers; this module imports nothing from the store.

Example:
    >>> import tempfile, pathlib
    >>> from warta.build import build
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (tmp / "a.txt").write_text("Rapat\\nKamis, 30 Desember 2021 - 19:18 WIB\\nDPR membahas anggaran.")
    >>> _ = build([str(tmp / "a.txt")], tmp / "c.db", workers=1)
    >>> [h.title for h in search(tmp / "c.db", "bahas")]
    ['Rapat']
"""  # noqa: E501

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from warta import ranking
from warta.errors import InputError
from warta.ranking import TITLE_WEIGHT as TITLE_WEIGHT  # public: the title weight
from warta.ranking import WALK_SHARE, Filters, Source
from warta.ranking import WINDOW as WINDOW  # public: where ranking is bounded
from warta.stemming import fold as _fold
from warta.stemming import stem_text as stem_text  # re-exported: the index rows use it
from warta.stemming import stem_word

#: The most hits one call returns.
MAX_LIMIT = 1000
#: The most hits one call skips: a deeper page ranks every match before it (and SQLite's
#: integers end at 2**63).
MAX_OFFSET = 1_000_000
#: Words in a snippet.
SNIPPET_WORDS = 24
#: Candidates beyond the page that the raw words re-rank (see `_search`).
RERANK = 100
#: Score factor of an article that has the words as typed, over one that has only their stems.
EXACT_BOOST = 1.5
#: How `warta stats` and the corpus counts show a missing outlet; as the outlet filter,
#: the articles without one.
NO_OUTLET = "-"

_WORD = re.compile(r"[^\W_]+")
_HYPHENATED = re.compile(r"[^\W_]+(?:-[^\W_]+)+")
#: A query token: `-` (leave out), a field (`title:`, or another name, refused), then a
#: quoted phrase or a word. A quote left over is skipped (and refused: see parse_query).
_TOKEN = re.compile(
    r"(?P<minus>-+(?=[^\s-]))?"
    r"(?:(?P<column>(?i:title|text)):\s*|(?P<field>[^\W\d_]+):(?=\S))?"
    r'(?:"(?P<phrase>[^"]*)"|(?P<word>[^\s"]+))'
)
#: The FTS5 columns a query may name (`title:word`).
COLUMNS = ("title", "text")
_OPEN, _CLOSE = "\x02", "\x03"
_SPACES = re.compile(r"\s+")
_PLAIN = re.compile(r"[a-z0-9]+")


class QueryError(InputError):
    """A query or a filter that cannot be searched for (the message says why)."""


def parse_day(text: str) -> date:
    """A day of a search filter, as the CLI, the search page and the API take it:
    `2025-06-01` or `20250601` (any ISO 8601 date).

    Example:
        >>> parse_day("20250601")
        datetime.date(2025, 6, 1)

    Raises:
        ValueError: it is not one (`'yesterday' is not a date (use YYYY-MM-DD)`).
    """
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD)") from None


@dataclass(frozen=True, slots=True)
class Hit:
    """One article found by `search`.

    Attributes:
        id, title, outlet, published_at, url: the article's fields (the instant as printed).
        score: relevance, higher is better (the negated sum of BM25 scores).
        exact: True when the words matched as typed, False when only through their stems.
        snippet: a window of the text around the first match (`…` where it was cut).
        highlights: `(start, end)` spans of matched words in `snippet`.
        title_highlights: `(start, end)` spans of matched words in `title`.
    """

    id: str
    title: str | None
    outlet: str | None
    published_at: str | None
    url: str | None
    score: float
    exact: bool
    snippet: str
    highlights: tuple[tuple[int, int], ...] = ()
    title_highlights: tuple[tuple[int, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types (spans as two-item lists)."""
        return {
            "id": self.id,
            "title": self.title,
            "outlet": self.outlet,
            "published_at": self.published_at,
            "url": self.url,
            "score": self.score,
            "exact": self.exact,
            "snippet": self.snippet,
            "highlights": [list(s) for s in self.highlights],
            "title_highlights": [list(s) for s in self.title_highlights],
        }


@dataclass(frozen=True, slots=True)
class Term:
    """One thing to match: a word or a phrase (`words`), and the stems of the same.

    Attributes:
        words: the words as typed (several: a phrase).
        stems: their Sastrawi stems.
        prefix: `word*`, any word that starts with it.
        or_before: joined to the term before it by OR.
        column: `title` or `text` to match in that field only (None: either).
    """

    words: tuple[str, ...]
    stems: tuple[str, ...]
    prefix: bool = False
    or_before: bool = False
    column: str | None = None

    def fts(self, stemmed: bool = False) -> str:
        """The term as an FTS5 phrase (of the stems with `stemmed`), every word quoted."""
        words = self.stems if stemmed and not self.prefix else self.words
        phrase = '"' + " ".join(words).lower() + '"' + ("*" if self.prefix else "")
        return f"{{{self.column}}} : {phrase}" if self.column else phrase


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: what to find (`terms`) and what to leave out (`excluded`).

    Rendered as FTS5 expressions with every word quoted.
    """

    terms: tuple[Term, ...]
    excluded: tuple[Term, ...] = ()

    def stems_cover_words(self) -> bool:
        """Whether the stem index finds (and leaves out) every article the raw words would.

        True when no term is a prefix and every word is plain Latin letters and
        digits once folded: Sastrawi keeps those, so an article with the word has its stem.
        """
        return all(
            not t.prefix and all(_PLAIN.fullmatch(_fold(w)) for w in t.words)
            for t in (*self.terms, *self.excluded)
        )

    def has_prefix(self) -> bool:
        """Whether a term (to find or to leave out) is a prefix (`word*`)."""
        return any(t.prefix for t in (*self.terms, *self.excluded))

    def source(self, table: str, stemmed: bool = False) -> Source:
        """The query on one FTS5 table (its stems with `stemmed`).

        Terms joined by OR are grouped in parentheses: in FTS5, `a b OR c` is
        `(a AND b) OR c`, and `OR` here joins the two words beside it.
        """
        groups: list[list[str]] = []
        for term in self.terms:
            if term.or_before and groups:
                groups[-1].append(term.fts(stemmed))
            else:
                groups.append([term.fts(stemmed)])
        if len(groups) == 1:
            find = " OR ".join(groups[0])
        else:
            # AND said outright: FTS5 takes no implicit AND beside a parenthesis.
            find = " AND ".join(g[0] if len(g) == 1 else f"({' OR '.join(g)})" for g in groups)
        leave_out = " OR ".join(t.fts(stemmed) for t in self.excluded)
        return Source(table, find, exact=not stemmed, excluded=leave_out)

    def fts(self, stemmed: bool = False) -> str:
        """The FTS5 MATCH expression (of the stems with `stemmed`)."""
        return self.source("", stemmed).match


def parse_query(text: str) -> Query:
    """Parse a query into terms that are safe to hand to FTS5.

    Args:
        text: words (all must match), "quoted phrases", `OR` between two words,
            `word*` for a prefix, `NOT word` or `-word` to leave out (also a phrase
            or a prefix), `title:word` or `text:word` for one field. Punctuation
            inside a word splits it, as in the text (`negara-negara`, `10:30`);
            `AND` and a lone `*` or `-` are ignored.

    Returns:
        The terms to find and to leave out, each with its stems.

    Raises:
        QueryError: nothing to find (no letters or digits, or only words to leave
            out), or what the query cannot express: a quote not closed, parentheses,
            another field (`outlet:kompas`), `OR` beside a word to leave out.

    Example:
        >>> parse_query('membahas "Vladimir Putin" OR biden* -title:jokowi').fts()
        '("membahas" AND ("vladimir putin" OR "biden"*)) NOT ({title} : "jokowi")'
    """
    terms: list[Term] = []
    excluded: list[Term] = []
    pending_or = pending_not = False
    last = ""  # the kind of the term before: "find" or "leave"
    grouped = ""  # a token with a parenthesis: refused once the query has words
    for m in _TOKEN.finditer(text):
        token, word, plain = m.group(), m["word"], not (m["minus"] or m["column"] or m["field"])
        if plain and word in ("OR", "AND", "NOT"):
            if word == "OR" and (last == "leave" or pending_not):
                raise QueryError(f"{text!r}: OR joins two words to find, not a word to leave out")
            pending_or = pending_or or (word == "OR" and last == "find")
            pending_not = pending_not or word == "NOT"
            continue
        _check_token(token, m["field"], word)
        if word is not None and word.count("(") != word.count(")"):
            grouped = grouped or token
        words = tuple(_WORD.findall(word if word is not None else m["phrase"]))
        if not words:
            continue
        prefix = word is not None and word.endswith("*") and len(words) == 1
        if word is not None and _HYPHENATED.fullmatch(word.rstrip("*")):
            stems = tuple(_WORD.findall(stem_text(word.rstrip("*"))))  # negara-negara: negara
        else:
            stems = tuple(_WORD.findall(stem_text(" ".join(words))))
        if len(stems) == 0:  # letters Sastrawi drops (not Latin): match them as typed
            stems = tuple(w.lower() for w in words)
        column = m["column"].lower() if m["column"] else None
        if pending_not or m["minus"]:
            if pending_or:
                raise QueryError(f"{text!r}: OR joins two words to find, not a word to leave out")
            excluded.append(Term(words, stems, prefix, column=column))
            last = "leave"
        else:
            terms.append(Term(words, stems, prefix, pending_or, column))
            last = "find"
        pending_or = pending_not = False
    if not terms and not excluded:
        raise QueryError(f"nothing to search for in {text!r}: give at least one word")
    if text.count('"') % 2:  # a phrase to the end, or a stray quote: a guess either way
        raise QueryError(f"{text!r}: a quote is not closed (close it to find a phrase,"
                         " or drop it)")  # fmt: skip
    if grouped:
        raise QueryError(f"{grouped!r}: parentheses are not supported (OR joins the two words"
                         " beside it: presiden jokowi OR prabowo)")  # fmt: skip
    if not terms:
        raise QueryError(f"nothing to find in {text!r}, only words to leave out:"
                         " add a word to find (presiden NOT jokowi)")  # fmt: skip
    return Query(tuple(terms), tuple(excluded))


def _check_token(token: str, field: str | None, word: str | None) -> None:
    """Refuse a token that asks for what a query cannot express (a `QueryError`)."""
    if field:
        raise QueryError(f"{token!r}: {field!r} is not a field to search in (use title: or"
                         " text:, or quote the words to find them as written)")  # fmt: skip
    if word is not None and word.endswith(":") and word[:-1].lower() in COLUMNS:
        raise QueryError(f"{token!r}: give a word to find there ({word}presiden)")


def search(
    db: str | Path | sqlite3.Connection,
    query: str,
    *,
    outlet: str | None = None,
    since: date | None = None,
    until: date | None = None,
    mentions_between: tuple[date, date] | None = None,
    entity: str | None = None,
    newest: bool = False,
    limit: int = 20,
    offset: int = 0,
    stem: bool = True,
) -> list[Hit]:
    """Find the articles of a store that match `query`, best first (or newest first).

    Args:
        db: a store path (opened read-only for this call) or an open connection.
        query: see `parse_query`.
        outlet: only this outlet (case-insensitive; `NO_OUTLET`, "-": the articles
            without one). Blanks around it, and around `entity`, are dropped.
        since: only articles published on or after this day (the outlet's own date).
        until: only articles published on or before this day.
        mentions_between: only articles whose timeline mentions a day in this range.
        entity: only articles naming this entity (case-insensitive exact text).
        newest: order by publication instant, newest first, instead of relevance.
        limit: hits to return, 1 to `MAX_LIMIT`.
        offset: hits to skip (for paging), 0 to `MAX_OFFSET`.
        stem: also match through Sastrawi stems (the default).

    Returns:
        The hits, with highlighted snippets.

    Raises:
        QueryError: an empty query, a bad limit or range, or a filter the store cannot answer.
        StoreError: there is no readable store at `db`.

    Example:
        >>> search(":memory:", "x")
        Traceback (most recent call last):
        ...
        warta.errors.StoreError: :memory:: no such store (run warta build ... --db :memory: first)
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    if not 0 <= offset <= MAX_OFFSET:
        raise QueryError(f"offset must be between 0 and {MAX_OFFSET}, not {offset}")
    if since and until and since > until:
        raise QueryError(f"since ({since}) is after until ({until})")
    if mentions_between and mentions_between[0] > mentions_between[1]:
        raise QueryError(f"mentions between: {mentions_between[0]} is after {mentions_between[1]}")
    outlet, entity = (outlet or "").strip() or None, (entity or "").strip() or None
    filters = (outlet, since, until, mentions_between, entity)
    # No words but a filter: every article the filter lets through, newest first.
    parsed = parse_query(query) if query.strip() or not any(filters) else None
    con = db if isinstance(db, sqlite3.Connection) else connect(db)
    try:
        allowed = _filters(con, outlet, since, until, mentions_between, entity)
        if parsed is None:
            assert allowed is not None  # a filter was given
            return _browse(con, allowed, limit, offset)
        return _search(con, parsed, allowed, newest, limit, offset, stem)
    finally:
        if con is not db:
            con.close()


def connect(db: str | Path) -> sqlite3.Connection:
    """Open a store read-only (`warta.store.sqlite.connect_readonly`): nothing done through it
    can change the store.

    Args:
        db: the store's file.

    Returns:
        A connection usable from any thread (one thread at a time).

    Raises:
        StoreError: no such file, or not a warta store.

    Example:
        >>> connect("missing.db")
        Traceback (most recent call last):
        ...
        warta.errors.StoreError: missing.db: no such store (run warta build ... --db missing.db first)
    """  # noqa: E501
    from warta.store.sqlite import connect_readonly  # the build's workers load no store

    return connect_readonly(Path(db))


def tables(con: sqlite3.Connection) -> set[str]:
    """Names of the tables and views of a store (what optional features it has)."""
    # One row, not one per name: each row fetched releases and retakes the GIL, which
    # costs a threaded server more than the query.
    (names,) = con.execute("SELECT group_concat(name, char(0)) FROM sqlite_master").fetchone()
    return set(names.split("\0")) if names else set()


# --- the query ----------------------------------------------------------------------------


def _browse(
    con: sqlite3.Connection,
    allowed: Filters,
    limit: int,
    offset: int,
) -> list[Hit]:
    """Articles that pass the filters, newest first, each with its opening words."""
    rows = con.execute(
        "SELECT a.id, a.title, a.outlet, a.published_at, a.url, a.text FROM articles a"
        f" WHERE a.rowid IN ({allowed.rowids})"
        " ORDER BY a.published_utc IS NULL, a.published_utc DESC, a.rowid"
        " LIMIT :limit OFFSET :offset",
        {**allowed.params, "limit": limit, "offset": offset},
    ).fetchall()
    return [
        Hit(id_, title, outlet_, published, url, 0.0, True, window(text, lambda _: False)[0])
        for id_, title, outlet_, published, url, text in rows
    ]


def _filters(
    con: sqlite3.Connection,
    outlet: str | None,
    since: date | None,
    until: date | None,
    mentions_between: tuple[date, date] | None,
    entity: str | None,
) -> Filters | None:
    """The filters as SQL, both as a set of rowids and as a condition on a row (None: none).

    The set reads indexes, never the article rows (100,000 of them are 900 MB):
    several filters intersect their rowids. A date range alone also gets the
    share of the store it lets through, counted on the UTC index (bounded), so a
    wide range is checked row by row instead (see `warta.ranking.Filters`).
    """
    parts: list[str] = []
    rows: list[str] = []
    args: dict[str, Any] = {}

    def arg(value: Any) -> str:
        name = f"f{len(args)}"
        args[name] = value
        return ":" + name

    if outlet == NO_OUTLET:
        parts.append("SELECT rowid FROM articles WHERE outlet IS NULL")
        rows.append("a.outlet IS NULL")
    elif outlet:
        name = arg(outlet)
        parts.append(f"SELECT rowid FROM articles WHERE outlet = {name} COLLATE NOCASE")
        rows.append(f"a.outlet = {name} COLLATE NOCASE")
    if since or until:
        parts.append(_days(since, until, arg))
        if since:
            rows.append(f"substr(a.published_at, 1, 10) >= {arg(since.isoformat())}")
        if until:
            rows.append(f"substr(a.published_at, 1, 10) <= {arg(until.isoformat())}")
    if mentions_between:
        if "mentions" not in tables(con):
            raise QueryError("this store has no mention dates (rebuild it with this warta)")
        first, last = (arg(day.isoformat()) for day in mentions_between)
        mentioned = ("SELECT m.article_id FROM mentions m"
                     f' WHERE m.start <= {last} AND m."end" >= {first}')  # fmt: skip
        parts.append(f"SELECT a.rowid FROM articles a WHERE a.id IN ({mentioned})")
        rows.append(f"a.id IN ({mentioned})")
    if entity:
        if (
            "entities" not in tables(con)
            or con.execute("SELECT 1 FROM entities LIMIT 1").fetchone() is None
        ):
            raise QueryError("this store has no entities (its articles were built without them)")
        named = f"SELECT e.article_id FROM entities e WHERE e.text = {arg(entity)} COLLATE NOCASE"
        parts.append(f"SELECT a.rowid FROM articles a WHERE a.id IN ({named})")
        rows.append(f"a.id IN ({named})")
    if not parts:
        return None
    share = _share(con, since, until) if (since or until) and len(parts) == 1 else None
    return Filters(" INTERSECT ".join(parts), args, " AND ".join(rows), share)


def _share(con: sqlite3.Connection, since: date | None, until: date | None) -> float:
    """About the fraction of the store published in the range (counted up to WALK_SHARE)."""
    lo = _day_after(since, -1) if since else ""
    hi = _day_after(until, 2) if until else "A"
    (total,) = con.execute("SELECT max(rowid) FROM articles").fetchone()
    cap = int((total or 0) * WALK_SHARE) + 1
    (found,) = con.execute(
        "SELECT count(*) FROM (SELECT 1 FROM articles WHERE published_utc >= ?"
        " AND published_utc < ? LIMIT ?)", (lo, hi, cap),
    ).fetchone()  # fmt: skip
    return found / total if total else 0.0


def _days(since: date | None, until: date | None, arg: Callable[[Any], str]) -> str:
    """Rowids of articles published from `since` to `until` (the day the outlet printed).

    The day printed is `published_at`'s date, but only `published_utc` (the same
    instant in UTC) is indexed. An offset is less than a day, so an article whose
    UTC instant lies from `since` + 1 day to `until` (both at 00:00Z) was printed
    within the range, and one before `since` - 1 day or from `until` + 2 days was
    not: only the articles near the two ends (and any without a UTC instant) have
    their printed day read.
    """
    inner, near, printed = ["published_utc IS NOT NULL"], ["published_utc IS NULL"], []
    if since:
        inner.append(f"published_utc >= {arg(_day_after(since, 1))}")
        near.append(f"(published_utc >= {arg(_day_after(since, -1))}"
                    f" AND published_utc < {arg(_day_after(since, 1))})")  # fmt: skip
        printed.append(f"substr(published_at, 1, 10) >= {arg(since.isoformat())}")
    if until:
        inner.append(f"published_utc < {arg(until.isoformat())}")
        near.append(f"(published_utc >= {arg(until.isoformat())}"
                    f" AND published_utc < {arg(_day_after(until, 2))})")  # fmt: skip
        printed.append(f"substr(published_at, 1, 10) <= {arg(until.isoformat())}")
    # The two parts never share a row (near is outside inner), hence UNION ALL; the outer
    # SELECT keeps them together when another filter INTERSECTs (compounds bind leftwards).
    return (f"SELECT rid FROM (SELECT rowid AS rid FROM articles WHERE {' AND '.join(inner)}"
            f" UNION ALL SELECT rowid FROM articles WHERE ({' OR '.join(near)})"
            f" AND {' AND '.join(printed)})")  # fmt: skip


def _day_after(day: date, days: int) -> str:
    """`day` moved by `days` as `YYYY-MM-DD`; past the calendar's ends, a string below or
    above every timestamp."""
    try:
        return (day + timedelta(days=days)).isoformat()
    except OverflowError:
        return "0" if days < 0 else "A"


def _search(
    con: sqlite3.Connection,
    query: Query,
    allowed: Filters | None,
    newest: bool,
    limit: int,
    offset: int,
    stem: bool,
) -> list[Hit]:
    """Run a parsed query (see `search`)."""
    # A prefix is about the word as printed: on the stem table `presi*` would also find
    # `kepresidenan` (stem `presiden`), a hit with no word that starts with `presi`. One
    # FTS5 expression runs on one table, so such a query matches every word as printed.
    use_stem = stem and not query.has_prefix() and "articles_stem" in tables(con)
    # When every word survives Sastrawi's normaliser (plain Latin letters and digits),
    # whatever has the raw word also has its stem: the stem table alone finds
    # and scores every match (and leaves out every article with a word to leave out),
    # and the raw table only tells which of the best candidates have the words as typed
    # (their score is raised by EXACT_BOOST). Otherwise both tables are scanned and
    # their BM25 scores summed; but a word to leave out must then be left out of both,
    # which neither table can tell alone, so such a query matches words as printed.
    covered = use_stem and query.stems_cover_words()
    raw = query.source("articles_fts")
    stems = query.source("articles_stem", stemmed=True)
    if covered:
        sources = [stems]
    elif use_stem and not query.excluded:
        sources = [raw, stems]
    else:
        sources = [raw]
    probe = raw if covered else None  # which stem matches have the words as typed
    try:
        if newest:
            rids = ranking.newest(con, sources, allowed, limit, offset)
            found = ranking.scores(con, sources, rids, probe)
            scored = [(rid, *found.get(rid, (0.0, False))) for rid in rids]
        elif covered:  # the stem-only order, re-ranked with the exact boost over RERANK more
            ranked = ranking.ranked(con, sources, allowed, 0, offset + limit + RERANK, probe)
            scored = _boosted(ranked)[offset : offset + limit]
        else:
            ranked = ranking.ranked(con, sources, allowed, offset, offset + limit)
            scored = [(rid, score, exact) for rid, score, exact, _ in ranked]
    except sqlite3.OperationalError as exc:  # sanitised queries should never get here
        raise QueryError(f"cannot search for {query.fts()!r}: {exc}") from None
    if covered and newest:
        scored = [(rid, score * EXACT_BOOST if exact else score, exact)
                  for rid, score, exact in scored]  # fmt: skip
    return _hits(con, query, raw, scored, stems in sources)


def _boosted(ranked: list[tuple[int, float, bool, int]]) -> list[tuple[int, float, bool]]:
    """`ranked` with the exact matches' scores raised by EXACT_BOOST and sorted again.

    Within a tier only: the candidates BM25 ranked first stay ahead of the others,
    so that pages agree wherever they start.
    """
    boosted = sorted((tier, score * EXACT_BOOST if exact else score, rid, exact)
                     for rid, score, exact, tier in ranked)  # fmt: skip
    return [(rid, score, exact) for _, score, rid, exact in boosted]


def _hits(
    con: sqlite3.Connection,
    query: Query,
    raw: Source,
    scored: list[tuple[int, float, bool]],
    by_stem: bool,
) -> list[Hit]:
    """Hits for `(rowid, score, exact)` in that order, with their snippets (`by_stem`: the
    words matched through their stems too, so highlight those)."""
    if not scored:
        return []
    marks = ",".join("?" * len(scored))
    rows = {r[0]: r[1:] for r in con.execute(
        "SELECT rowid, id, title, outlet, published_at, url, text FROM articles"
        f" WHERE rowid IN ({marks})", [r[0] for r in scored])}  # fmt: skip
    exact = [rid for rid, _, is_exact in scored if is_exact]
    snippets = {
        rid: _unmark(marked)
        for rid, marked in ranking.snippets(con, raw, exact, (_OPEN, _CLOSE), SNIPPET_WORDS).items()
    }
    in_text, in_title = Matcher(query, "text", by_stem), Matcher(query, "title", by_stem)
    hits = []
    for rid, score, is_exact in scored:
        id_, title, outlet_, published, url, text = rows[rid]
        snip = snippets.get(rid)
        snippet, spans = snip if snip and snip[1] else window(text, in_text)
        hits.append(
            Hit(id_, title, outlet_, published, url, round(-score, 4), is_exact, snippet,
                spans, highlight(title or "", in_title))
        )  # fmt: skip
    return hits


def _unmark(marked: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Snippet text without its markers (whitespace runs made one space), and the marked spans."""
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    start = n = 0
    space = False
    for ch in marked:
        if ch.isspace():
            space = True
            continue
        if space and n and ch != _CLOSE:
            out.append(" ")
            n += 1
        space = False
        if ch == _OPEN:
            start = n
        elif ch == _CLOSE:
            spans.append((start, n))
        else:
            out.append(ch)
            n += 1
    return "".join(out), tuple(spans)


# --- highlighting ---------------------------------------------------------------------------


class Matcher:
    """Tells whether a word of a text matches a query: as typed, by prefix, or by its stem.

    Not a dataclass: it precomputes sets. Only words that contain a query stem
    (less its first letter, which a nasal prefix may replace: pukul, memukul)
    are stemmed, so highlighting a long text stays cheap. Words to leave out are
    never highlighted; with `column`, only the terms that may match in that field
    are; without `stems`, only the words as typed (the query ran on the raw table).
    """

    def __init__(self, query: Query, column: str | None = None, stems: bool = True) -> None:
        terms = [t for t in query.terms if column is None or t.column in (None, column)]
        self.words = {_fold(w) for t in terms if not t.prefix for w in t.words}
        self.prefixes = tuple(_fold(t.words[0]) for t in terms if t.prefix)
        self.stems = {s for t in terms if stems and not t.prefix for s in t.stems}
        self.cores = {s[1:] if len(s) > 3 else s for s in self.stems}

    def __call__(self, word: str) -> bool:
        """True when `word` matches."""
        folded = _fold(word)
        if folded in self.words or (self.prefixes and folded.startswith(self.prefixes)):
            return True
        return any(c in folded for c in self.cores) and stem_word(folded) in self.stems


def highlight(text: str, match: Callable[[str], bool]) -> tuple[tuple[int, int], ...]:
    """Spans of the words of `text` that `match` accepts."""
    return tuple((m.start(), m.end()) for m in _WORD.finditer(text) if match(m.group()))


def window(
    text: str, match: Callable[[str], bool], words: int = SNIPPET_WORDS
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A snippet of `words` words around the first match, with the matches' spans in it."""
    tokens = list(_WORD.finditer(text))
    if not tokens:
        return "", ()
    first = next((i for i, t in enumerate(tokens) if match(t.group())), 0)
    lo = max(0, first - words // 4)
    hi = min(len(tokens), lo + words)
    lo = max(0, hi - words)
    out = ["…"] if lo else []
    n = len(out[0]) if out else 0
    spans = []
    prev = tokens[lo].start()
    for t in tokens[lo:hi]:
        gap = _SPACES.sub(" ", text[prev : t.start()])
        out.append(gap)
        n += len(gap)
        if match(t.group()):
            spans.append((n, n + len(t.group())))
        out.append(t.group())
        n += len(t.group())
        prev = t.end()
    tail = text[prev : prev + 1]
    if tail and not tail.isspace() and not tail.isalnum():
        out.append(tail)
    if hi < len(tokens):
        out.append("…")
    return "".join(out), tuple(spans)


def segments(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[str, bool]]:
    """`text` cut at `spans`: `(piece, highlighted)` pairs, for templates to escape piecewise.

    Example:
        >>> segments("Biden dan Putin", [(10, 15)])
        [('Biden dan ', False), ('Putin', True)]
    """
    out: list[tuple[str, bool]] = []
    at = 0
    for start, end in sorted(spans):
        if start < at:
            continue
        if start > at:
            out.append((text[at:start], False))
        out.append((text[start:end], True))
        at = end
    if at < len(text):
        out.append((text[at:], False))
    return out


# --- index rows (run in the build's workers) --------------------------------------------------


def mention_rows(
    article_id: str, timeline: Iterable[Mapping[str, Any]]
) -> list[tuple[str, str, str, str]]:
    """`(article_id, value, first day, last day)` for each dated mention of a timeline.

    Values that name no calendar span (`P3D`, `PAST_REF`, `XXXX-12-17`) are left out.

    Example:
        >>> mention_rows("a", [{"value": "2021-12"}, {"value": "P3D"}])
        [('a', '2021-12', '2021-12-01', '2021-12-31')]
    """
    return value_rows(article_id, (str(m.get("value") or "") for m in timeline))


def value_rows(article_id: str, values: Iterable[str]) -> list[tuple[str, str, str, str]]:
    """`mention_rows` from the mentions' values (a build has `Mention.value` at hand).

    Example:
        >>> value_rows("a", ["2021-12-17", "2021-12-17", "PAST_REF"])
        [('a', '2021-12-17', '2021-12-17', '2021-12-17')]
    """
    out, seen = [], set()
    for value in values:
        if value not in seen and (days := _day_span(value)):
            seen.add(value)
            out.append((article_id, value, *days))
    return out


@lru_cache(maxsize=4096)
def _day_span(value: str) -> tuple[str, str] | None:
    """`value_days` as `YYYY-MM-DD` text, remembered: a corpus repeats its dates, and its
    regexes and date arithmetic cost 0.4 µs a mention."""
    days = value_days(value)
    return None if days is None else (days[0].isoformat(), days[1].isoformat())


def entity_rows(article_id: str, entities: Iterable[Any]) -> list[tuple[str, str, str]]:
    """`(article_id, text, type)` for each distinct entity of an article's `entities` field.

    Example:
        >>> entity_rows("a", [{"text": "Putin", "type": "PERSON"}, {"text": "Putin", "type": "PERSON"}])
        [('a', 'Putin', 'PERSON')]
    """  # noqa: E501
    out, seen = [], set()
    for e in entities:
        if not isinstance(e, Mapping) or not e.get("text"):
            continue
        row = (article_id, str(e["text"]), str(e.get("type") or e.get("label") or ""))
        if row not in seen:
            seen.add(row)
            out.append(row)
    return out


_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:T|$)")
_WEEK = re.compile(r"(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"(\d{4})$")


def value_days(value: str) -> tuple[date, date] | None:
    """The first and last day a TimeML value covers, or None when it names no calendar span.

    Example:
        >>> value_days("2021-W52")
        (datetime.date(2021, 12, 27), datetime.date(2022, 1, 2))
    """
    try:
        if m := _DAY.match(value):
            d = date(int(m[1]), int(m[2]), int(m[3]))
            return d, d
        if m := _WEEK.match(value):
            monday = date.fromisocalendar(int(m[1]), int(m[2]), 1)
            return monday, monday + timedelta(days=6)
        if m := _MONTH.match(value):
            first = date(int(m[1]), int(m[2]), 1)
            return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        if m := _QUARTER.match(value):
            first = date(int(m[1]), 3 * int(m[2]) - 2, 1)
            return first, (first + timedelta(days=95)).replace(day=1) - timedelta(days=1)
        if m := _YEAR.match(value):
            return date(int(m[1]), 1, 1), date(int(m[1]), 12, 31)
    except (ValueError, OverflowError):  # 2021-02-30, week 60, December 9999: no such days
        return None
    return None
