"""Search: stems, sanitised queries, filters, snippets, the index rows a build writes, the CLI."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from warta import ranking
from warta.cli import main
from warta.model import Article, Provenance, PublishedAt
from warta.search import (
    MAX_LIMIT,
    Hit,
    QueryError,
    connect,
    entity_rows,
    mention_rows,
    parse_query,
    search,
    segments,
    stem_text,
    value_days,
    window,
)
from warta.store import Marker, open_store, to_batch
from webstore import SAMPLE_ID_TITLE, build_web_store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_web_store(tmp_path_factory.mktemp("search"))


def test_putin_finds_the_sample_with_highlights(store: Path) -> None:
    hits = search(store, "Putin", limit=50)
    sample = next(h for h in hits if h.title == SAMPLE_ID_TITLE)
    assert sample.exact
    assert [sample.snippet[a:b] for a, b in sample.highlights] == ["Putin"]
    assert [sample.title[a:b] for a, b in sample.title_highlights] == ["Putin"]
    assert hits == sorted(hits, key=lambda h: -h.score)


def test_stems_find_inflected_forms_the_raw_words_miss(store: Path) -> None:
    raw = {h.id for h in search(store, "membahas", limit=MAX_LIMIT, stem=False)}
    stemmed = search(store, "membahas", limit=MAX_LIMIT)
    assert raw < {h.id for h in stemmed}
    only_stem = [h for h in stemmed if h.id not in raw]
    assert all(not h.exact for h in only_stem)
    words = {h.snippet[a:b].lower() for h in only_stem for a, b in h.highlights}
    assert words and all(stem_text(w) == "bahas" for w in words)
    # Exact forms rank above stem-only ones (their BM25 scores add up).
    assert stemmed[0].exact


def test_quoted_phrases_prefixes_and_or(store: Path) -> None:
    assert {h.title for h in search(store, '"Vladimir Putin"')} >= {SAMPLE_ID_TITLE}
    assert search(store, '"Putin Vladimir"') == []  # a phrase keeps its word order
    either = {h.id for h in search(store, "Putin OR Prabowo", limit=MAX_LIMIT)}
    assert {h.id for h in search(store, "Prabowo", limit=MAX_LIMIT)} <= either
    assert {h.id for h in search(store, "Putin", limit=MAX_LIMIT)} <= either
    assert search(store, "Pemerint*", limit=5)


@pytest.mark.parametrize("query", ['"', "*", "AND OR", "NOT", '""', "()", "^", ":", "-"])
def test_queries_with_nothing_to_search_are_a_clear_error(store: Path, query: str) -> None:
    with pytest.raises(QueryError, match="nothing to search for"):
        search(store, query)


@pytest.mark.parametrize(
    "query", ["Putin AND OR", "Putin OR", "Putin NOT", "Putin -", "(Putin)", "10:30", "Putin ()"]
)
def test_fts_syntax_in_a_query_is_taken_as_words(store: Path, query: str) -> None:
    assert isinstance(search(store, query), list)


#: What every refused query's message says (one of these).
REFUSALS = ("nothing to search for", "nothing to find", "is not a field", "parentheses",
            "give a word to find there", "OR joins two words", "a quote is not closed")  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40))
def test_any_query_gives_hits_or_a_query_error(store: Path, query: str) -> None:
    if not any(c.isalnum() for c in query.replace("_", "")):
        with pytest.raises(QueryError, match="nothing to search for"):
            search(store, query, limit=3)
    else:
        try:
            assert isinstance(search(store, query, limit=3), list)
        except QueryError as exc:  # operators only, or what a query cannot express
            assert any(r in str(exc) for r in REFUSALS) and "\n" not in str(exc)  # noqa: PT017


def test_filters_outlet_dates_and_newest(store: Path) -> None:
    everything = search(store, "jakarta", limit=MAX_LIMIT)
    outlets = {h.outlet for h in everything if h.outlet}
    one = sorted(outlets)[0]
    assert {h.outlet for h in search(store, "jakarta", outlet=one.upper(), limit=MAX_LIMIT)} == {
        one
    }
    june = search(store, "jakarta", since=date(2025, 6, 9), until=date(2025, 6, 10), limit=100)
    assert june and all("2025-06-09" <= (h.published_at or "")[:10] <= "2025-06-10" for h in june)
    newest = search(store, "jakarta", newest=True, limit=MAX_LIMIT)
    con = sqlite3.connect(store)
    utc = [con.execute("SELECT published_utc FROM articles WHERE id = ?", (h.id,)).fetchone()[0]
           for h in newest]  # fmt: skip
    dated = [u for u in utc if u]
    assert dated == sorted(dated, reverse=True) and utc[: len(dated)] == dated  # undated last
    page1 = search(store, "jakarta", limit=5)
    page2 = search(store, "jakarta", limit=5, offset=5)
    assert [h.id for h in page1 + page2] == [h.id for h in everything[:10]]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"limit": 0}, "limit must be between 1 and 1000"),
        ({"limit": MAX_LIMIT + 1}, "limit must be between 1 and 1000"),
        ({"offset": -1}, "offset must be between 0 and 1000000, not -1"),
        ({"offset": 10**23}, "offset must be between 0 and 1000000"),
        ({"since": date(2025, 2, 1), "until": date(2025, 1, 1)}, "is after until"),
        ({"mentions_between": (date(2025, 2, 1), date(2025, 1, 1))}, "is after"),
    ],
)
def test_bad_parameters_are_query_errors(store: Path, kwargs: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(QueryError, match=message):
        search(store, "Putin", **kwargs)


def test_mentions_between(store: Path) -> None:
    hits = search(store, "Putin", mentions_between=(date(2022, 1, 10), date(2022, 1, 10)))
    assert SAMPLE_ID_TITLE in {h.title for h in hits}
    assert search(store, "Putin", mentions_between=(date(2030, 1, 1), date(2030, 12, 31))) == []


def test_a_filter_alone_lists_its_articles_newest_first(store: Path) -> None:
    january = search(store, "", mentions_between=(date(2022, 1, 1), date(2022, 1, 31)), limit=50)
    assert SAMPLE_ID_TITLE in {h.title for h in january}
    stamps = [h.published_at for h in january if h.published_at]
    days = [s[:10] for s in stamps]
    assert days == sorted(days, reverse=True)
    assert search(store, "", mentions_between=(date(2030, 1, 1), date(2030, 1, 31))) == []
    result = CliRunner().invoke(
        main, ["search", "--db", str(store), "--mentions-between", "2022-01-01", "2022-01-31"]
    )
    assert result.exit_code == 0 and "Biden dan Putin" in result.stdout


def test_entities_skip_cleanly_when_absent_and_filter_when_present(tmp_path: Path) -> None:
    db = tmp_path / "e.db"
    plain = Article("a1", Provenance("a.txt"), "Putin menelepon", "Putin menelepon Biden.")
    named = Article("a2", Provenance("b.txt"), "Putin lagi", "Putin dan Biden bicara.",
                    extra={"entities": [{"text": "Biden", "type": "PERSON", "start": 9,
                                         "end": 14}]})  # fmt: skip
    with open_store(db) as s:
        s.write(to_batch([plain]), Marker("a.txt", 1, True))
    with pytest.raises(QueryError, match="no entities"):
        search(db, "Putin", entity="Biden")
    with open_store(db) as s:
        s.write(to_batch([named]), Marker("b.txt", 1, True))
    assert [h.id for h in search(db, "Putin", entity="biden")] == ["a2"]
    assert [h.id for h in search(db, "Putin", entity=" Biden ")] == ["a2"]  # blanks dropped


def test_outlet_dash_finds_the_articles_without_an_outlet(store: Path) -> None:
    with open_store(store, create=False) as s:
        shown = s.summary()["by_outlet"]["-"]  # how stats shows a missing outlet
    none = search(store, "", outlet="-", limit=MAX_LIMIT)
    assert len(none) == shown and all(h.outlet is None for h in none)
    putin = search(store, "Putin", outlet=" - ", limit=MAX_LIMIT)
    assert putin and {h.outlet for h in putin} == {None}
    outlet = next(h.outlet for h in search(store, "jakarta", limit=50) if h.outlet)
    assert {h.outlet for h in search(store, "jakarta", outlet=f" {outlet}")} == {outlet}
    out = CliRunner().invoke(main, ["search", "--db", str(store), "--outlet", "-", "--json",
                                    "--limit", "1000"])  # fmt: skip
    assert out.exit_code == 0 and len(out.stdout.splitlines()) == shown


def test_a_rerun_writes_each_stem_row_once(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    a = Article("a1", Provenance("a.txt"), "Rapat", "DPR membahas anggaran.",
                timeline=())  # fmt: skip
    with open_store(db) as s:
        for _ in range(2):
            s.write(to_batch([a, a]), Marker("a.txt", 1, True))
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM articles_stem").fetchone() == (1,)
    assert [h.id for h in search(db, "dibahas")] == ["a1"]


def test_the_store_is_opened_read_only(store: Path) -> None:
    con = connect(store)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        con.execute("DELETE FROM articles")


def test_a_store_without_the_stem_table_still_searches(tmp_path: Path, store: Path) -> None:
    old = tmp_path / "old.db"
    src = sqlite3.connect(store)
    src.backup(dst := sqlite3.connect(old))
    dst.execute("DROP TABLE articles_stem")
    dst.commit()
    dst.close()
    assert SAMPLE_ID_TITLE in {h.title for h in search(old, "Putin")}


def test_parse_query_quotes_every_word() -> None:
    q = parse_query('membahas "Vladimir Putin" OR biden* AND negara-negara')
    assert q.fts() == '"membahas" AND ("vladimir putin" OR "biden"*) AND "negara negara"'
    assert q.fts(stemmed=True) == '"bahas" AND ("vladimir putin" OR "biden"*) AND "negara"'
    q = parse_query('Title:"rapat kabinet" text: membahas -jokowi NOT "joko widodo" -title:x*')
    assert q.fts() == (
        '({title} : "rapat kabinet" AND {text} : "membahas")'
        ' NOT ("jokowi" OR "joko widodo" OR {title} : "x"*)'
    )


def test_index_rows() -> None:
    timeline = [{"value": "2021-12-29T20:30Z"}, {"value": "2022-W02"}, {"value": "PAST_REF"},
                {"value": "XXXX-12-17"}, {"value": "2021-Q4"}, {"value": "2021"},
                {"value": "2021-02-30"}]  # fmt: skip
    assert mention_rows("a", timeline) == [
        ("a", "2021-12-29T20:30Z", "2021-12-29", "2021-12-29"),
        ("a", "2022-W02", "2022-01-10", "2022-01-16"),
        ("a", "2021-Q4", "2021-10-01", "2021-12-31"),
        ("a", "2021", "2021-01-01", "2021-12-31"),
    ]
    assert value_days("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert entity_rows("a", [{"text": "X", "label": "ORG"}, "junk", {"type": "PERSON"}]) == [
        ("a", "X", "ORG")
    ]


def test_window_and_segments() -> None:
    text = "Satu dua.\n\nTiga " + " ".join(f"k{i}" for i in range(40)) + " Putin akhir."
    snippet, spans = window(text, lambda w: w == "Putin", words=10)
    assert snippet.startswith("…") and [snippet[a:b] for a, b in spans] == ["Putin"]
    assert "\n" not in window(text, lambda w: False, words=5)[0]
    assert segments("ab", [(0, 1), (0, 1)]) == [("a", True), ("b", False)]


def test_cli_search_text_json_and_errors(store: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(main, ["search", "Putin", "--db", str(store), "--limit", "50"])
    assert out.exit_code == 0
    assert "Biden dan [Putin] Bicara Lewat Telepon" in out.output
    out = runner.invoke(main, ["search", "Putin", "--db", str(store), "--json", "--limit", "2"])
    rows = [json.loads(line) for line in out.output.splitlines()]
    assert len(rows) == 2 and {"id", "snippet", "highlights", "score"} <= set(rows[0])
    out = runner.invoke(main, ["search", '"', "--db", str(store)])
    assert out.exit_code == 1
    assert out.output == "Error: nothing to search for in '\"': give at least one word\n"
    out = runner.invoke(main, ["search", "x", "--db", str(store), "--since", "2025-13-01"])
    assert out.exit_code == 2 and "--since" in out.output
    out = runner.invoke(main, ["search", "x", "--db", str(store), "--limit", "0"])
    assert out.exit_code == 2
    out = runner.invoke(main, ["search", "x", "--db", str(store), "--offset", "9" * 23])
    assert out.exit_code == 2 and isinstance(out.exception, SystemExit)  # not an OverflowError
    assert f"Error: Invalid value for '--offset': {'9' * 23} is not in the range" in out.output
    assert search(store, "Putin", offset=1_000_000) == []
    out = runner.invoke(main, ["search", "Putin", "--db", str(store.parent / "none.db")])
    assert out.exit_code == 1 and "no such store" in out.output
    args = ["search", "Putin", "--db", str(store), "--mentions-between", "2022-01-10",
            "2022-01-12", "--json"]  # fmt: skip
    out = runner.invoke(main, args)
    assert out.exit_code == 0 and SAMPLE_ID_TITLE in out.output


def test_cli_days_are_read_as_the_page_and_the_api_read_them(store: Path) -> None:
    """`20211230` is a day, as on the search page; `1717200000` is not (no Unix time)."""
    runner = CliRunner()
    compact = ["--since", "20211230", "--until", "20211230", "--json", "--limit", "50"]
    dashed = ["--since", "2021-12-30", "--until", "2021-12-30", "--json", "--limit", "50"]
    base = ["search", "Putin", "--db", str(store)]
    out = runner.invoke(main, [*base, *compact])
    assert out.exit_code == 0 and SAMPLE_ID_TITLE in out.output
    assert out.output == runner.invoke(main, [*base, *dashed]).output
    out = runner.invoke(main, ["search", "Putin", "--db", str(store), "--since", "1717200000"])
    assert out.exit_code == 2
    assert "'1717200000' is not a date (use YYYY-MM-DD)" in out.output


@pytest.mark.parametrize("command", ["search", "serve"])
def test_help_has_an_example(command: str) -> None:
    out = CliRunner().invoke(main, [command, "--help"])
    assert out.exit_code == 0 and "Example: warta " + command in out.output


# --- bounded ranking: the candidate window, probes, filters through indexes ---------------


SINCE = {"since": date(2020, 1, 1)}


@pytest.mark.parametrize(
    ("query", "filters", "walk"),
    [("jakarta", {}, {}), ("jakarta", SINCE, {"WALK_SHARE": 2.0}),
     ("jakarta", SINCE, {"WALK_SHARE": 0.0}),
     ("jakarta", SINCE, {"WALK_SHARE": 0.0, "WALK_REACH": 1}), ("jakart*", {}, {}),
     ("jakarta OR ω", {}, {})],
    ids=["one table", "filter as a set", "filter row by row", "walk gives up", "prefix",
         "both tables"],
)  # fmt: skip
def test_past_the_window_bm25_ranks_titled_then_recent_candidates_first(
    store: Path,
    monkeypatch: pytest.MonkeyPatch,
    query: str,
    filters: dict[str, date],
    walk: dict[str, float],
) -> None:
    for name, value in walk.items():
        monkeypatch.setattr(ranking, name, value)

    def search_(**kwargs: int) -> list[Hit]:
        return search(store, query, **filters, **kwargs)  # type: ignore[arg-type]

    exact = search_(limit=MAX_LIMIT)
    con = sqlite3.connect(store)
    title = {"jakart*": '{title} : ("jakart"*)', "jakarta OR ω": '{title} : (jakarta OR "ω")'}.get(
        query, "{title} : jakarta"
    )
    titled = {r[0] for r in con.execute(
        "SELECT a.id FROM articles a WHERE a.rowid IN (SELECT rowid FROM articles_stem WHERE"
        " articles_stem MATCH ?1 UNION SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?1)",
        (title,))}  # fmt: skip
    window = 2
    assert len(titled) > window and len(exact) > 6 * window  # the window matters here
    monkeypatch.setattr(ranking, "WINDOW", window)
    bounded = search_(limit=MAX_LIMIT)
    assert [h.id for h in bounded] != [h.id for h in exact]
    # Every match once; the window's places hold titled articles only (there are more
    # titled matches than places), each with the very score exact BM25 gave it.
    assert sorted(h.id for h in bounded) == sorted(h.id for h in exact)
    assert {h.id for h in bounded[:window]} <= titled
    scores = {h.id: h.score for h in exact}
    assert all(h.score == scores[h.id] for h in bounded)
    # The newest stored titled articles are the candidates.
    rowid = {r[1]: r[0] for r in con.execute("SELECT rowid, id FROM articles")}
    newest_titled = sorted(titled, key=rowid.__getitem__)[-window:]
    assert {h.id for h in bounded[:window]} == set(newest_titled)
    # Paging agrees with one long page, across the window's edge.
    pages = [h.id for offset in range(0, 12, 3) for h in search_(limit=3, offset=offset)]
    assert pages == [h.id for h in bounded[:12]]
    assert [h.id for h in search_(limit=3, offset=1)] == pages[1:4]


def test_a_query_with_fewer_matches_than_the_window_is_ranked_exactly(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exact = [h.to_dict() for h in search(store, "Putin", limit=MAX_LIMIT)]
    monkeypatch.setattr(ranking, "WINDOW", len(exact))
    assert [h.to_dict() for h in search(store, "Putin", limit=MAX_LIMIT)] == exact


@pytest.mark.parametrize("query", ["membahas", '"rumah sakit"', "jakarta", "Putin OR Prabowo"])
def test_listing_and_seeking_the_raw_words_agree(
    store: Path, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    found = [h.to_dict() for h in search(store, query, limit=MAX_LIMIT)]
    assert any(h["exact"] for h in found)
    for threshold in (0, 10**9):  # always seek each row, always list the matches
        monkeypatch.setattr(ranking, "PROBE_SCAN", threshold)
        assert [h.to_dict() for h in search(store, query, limit=MAX_LIMIT)] == found


OFFSETS = st.sampled_from(["+07:00", "+09:00", "+14:00", "-12:00", "+00:00", "-03:30", "day"])


@settings(max_examples=60, deadline=None)
@given(
    stamps=st.lists(
        st.tuples(st.datetimes(datetime(2025, 2, 25), datetime(2025, 3, 6)), OFFSETS),
        min_size=1, max_size=25,
    ),
    since=st.none() | st.dates(date(2025, 2, 24), date(2025, 3, 7)),
    days=st.none() | st.integers(0, 5),
)  # fmt: skip
def test_date_filters_match_the_day_the_outlet_printed(
    tmp_path_factory: pytest.TempPathFactory,
    stamps: list[tuple[datetime, str]],
    since: date | None,
    days: int | None,
) -> None:
    # Near the range's ends only the printed day decides, whatever the offset.
    db = tmp_path_factory.mktemp("days") / "d.db"
    articles = []
    for i, (when, offset) in enumerate(stamps):
        if offset == "day":
            published = PublishedAt(when.replace(tzinfo=UTC), "day", "test")
        else:
            zone = datetime.strptime(offset, "%z").tzinfo
            published = PublishedAt(when.replace(tzinfo=zone), "minute", "test")
        articles.append(Article(f"a{i}", Provenance("a.txt", str(i)), f"Banjir {i}", "Banjir.",
                                published=published))  # fmt: skip
    articles.append(Article("undated", Provenance("a.txt", "x"), "Banjir", "Banjir."))
    with open_store(db) as s:
        s.write(to_batch(articles), Marker("a.txt", len(articles), True))
    until = since + timedelta(days=days) if since and days is not None else None
    if since is None and days is not None:
        until = date(2025, 3, 1) + timedelta(days=days)
    if since is None and until is None:
        return
    con = sqlite3.connect(db)
    expected = {r[0] for r in con.execute(
        "SELECT id FROM articles WHERE (? IS NULL OR substr(published_at, 1, 10) >= ?)"
        " AND (? IS NULL OR substr(published_at, 1, 10) <= ?)",
        (since and since.isoformat(),) * 2 + (until and until.isoformat(),) * 2)}  # fmt: skip
    con.close()
    for query, walk in (("banjir", 0.0), ("banjir", 2.0), ("", 0.0)):  # row by row, a set
        ranking.WALK_SHARE, share = walk, ranking.WALK_SHARE
        try:
            hits = search(db, query, since=since, until=until, limit=MAX_LIMIT)
            newest = search(db, query, since=since, until=until, limit=MAX_LIMIT, newest=True)
        finally:
            ranking.WALK_SHARE = share
        assert {h.id for h in hits} == expected == {h.id for h in newest}


# --- the query language: words to leave out, fields, OR -----------------------------------


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("tiny") / "t.db"
    rows = [
        ("a1", "Presiden Jokowi", "Presiden Jokowi membahas anggaran."),
        ("a2", "Presiden Prabowo", "Presiden Prabowo: anggaran dibahas di rapat."),
        ("a3", "Rapat kabinet", "Presiden hadir di rapat kabinet bersama Jokowi."),
        ("a4", "Jokowi", "Jokowi di Solo."),
        ("a5", "Presiden Xi", "Presiden Xi dari 中国 berbicara."),
    ]
    articles = [Article(i, Provenance("t.txt", i), title, text) for i, title, text in rows]
    with open_store(db) as s:
        s.write(to_batch(articles), Marker("t.txt", len(articles), True))
    return db


def ids(db: Path, query: str, **kwargs: object) -> set[str]:
    return {h.id for h in search(db, query, limit=MAX_LIMIT, **kwargs)}  # type: ignore[arg-type]


@pytest.mark.parametrize("newest", [False, True])
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("presiden", {"a1", "a2", "a3", "a5"}),
        ("presiden NOT jokowi", {"a2", "a5"}),
        ("presiden -jokowi", {"a2", "a5"}),
        ("presiden -Jok*", {"a2", "a5"}),
        ('presiden -"presiden jokowi"', {"a2", "a3", "a5"}),
        ('presiden NOT "presiden jokowi"', {"a2", "a3", "a5"}),
        ("presiden -jokowi -prabowo", {"a5"}),
        ("presiden -title:jokowi", {"a2", "a3", "a5"}),
        ("title:presiden", {"a1", "a2", "a5"}),
        ("TITLE:presiden -text:xi", {"a1", "a2"}),
        ('title:"presiden jokowi"', {"a1"}),
        ("text:jokowi presiden", {"a1", "a3"}),
        ("title:jok*", {"a1", "a4"}),
        ("presiden NOT membahas", {"a3", "a5"}),  # dibahas too: words are left out by stem
        ("中国 -xi", set()),  # a word Sastrawi drops: matched as printed, on the raw table
        ("中国 -jokowi", {"a5"}),
        ("jokowi OR prabowo rapat", {"a2", "a3"}),  # OR joins the two words beside it
        ("rapat jokowi OR prabowo", {"a2", "a3"}),
    ],
)
def test_words_to_leave_out_and_fields(tiny: Path, query: str, expected: set, newest: bool) -> None:  # type: ignore[type-arg]
    assert ids(tiny, query, newest=newest) == expected


def test_words_are_left_out_as_printed_without_stems(tiny: Path) -> None:
    assert ids(tiny, "presiden NOT membahas", stem=False) == {"a2", "a3", "a5"}
    assert ids(tiny, "presiden -jokowi", stem=False) == {"a2", "a5"}


def test_a_field_filter_highlights_that_field_only(tiny: Path) -> None:
    (hit,) = search(tiny, "title:prabowo")
    assert [hit.title[a:b] for a, b in hit.title_highlights] == ["Prabowo"]  # type: ignore[index]
    assert hit.highlights == ()  # the text is not what matched
    (hit,) = search(tiny, "text:jokowi kabinet")
    assert [hit.title[a:b] for a, b in hit.title_highlights] == ["kabinet"]  # type: ignore[index]
    assert [hit.snippet[a:b] for a, b in hit.highlights] == ["kabinet", "Jokowi"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("NOT presiden", "nothing to find in 'NOT presiden', only words to leave out"),
        ("-presiden -jokowi", "only words to leave out"),
        ("outlet:kompas presiden", "'outlet:kompas': 'outlet' is not a field to search in"),
        ("presiden https://kompas.com", "'https' is not a field"),
        ("(jokowi OR prabowo) rapat", "'(jokowi': parentheses are not supported"),
        ("NEAR(jokowi rapat)", "parentheses are not supported"),
        ("presiden title:", "'title:': give a word to find there"),
        ("presiden OR -jokowi", "OR joins two words to find, not a word to leave out"),
        ("presiden NOT jokowi OR prabowo", "OR joins two words to find"),
        ('presiden -"joko widodo', "'presiden -\"joko widodo': a quote is not closed"),
        ('Putin "', "a quote is not closed"),
        ('"Putin" "', "a quote is not closed"),
    ],
)
def test_what_a_query_cannot_express_is_a_clear_error(tiny: Path, query: str, message: str) -> None:
    with pytest.raises(QueryError, match=re.escape(message)):
        search(tiny, query)


def test_cli_leaves_words_out(tiny: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(main, ["search", "--db", str(tiny), "--json", "--", "presiden -jokowi"])
    assert out.exit_code == 0 and {json.loads(r)["id"] for r in out.stdout.splitlines()} == {
        "a2", "a5"
    }  # fmt: skip
    out = runner.invoke(main, ["search", "--db", str(tiny), "--", "-jokowi"])
    assert out.exit_code == 1
    assert out.output == (
        "Error: nothing to find in '-jokowi', only words to leave out:"
        " add a word to find (presiden NOT jokowi)\n"
    )


def test_a_prefix_matches_words_as_printed(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    rows = [("p1", "Istana", "Istana kepresidenan dibuka untuk umum."),
            ("p2", "Presidensi G20", "Presidensi G20 dibahas di Bali."),
            ("p3", "Rapat", "Presiden membahas anggaran negara.")]  # fmt: skip
    articles = [Article(i, Provenance("p.txt", i), title, text) for i, title, text in rows]
    with open_store(db) as s:
        s.write(to_batch(articles), Marker("p.txt", len(articles), True))
    assert ids(db, "presiden") == {"p1", "p3"}  # kepresidenan, through its stem
    for newest in (False, True):
        hits = search(db, "presi*", newest=newest)
        assert {h.id for h in hits} == {"p2", "p3"}  # not kepresidenan: no word starts so
        for h in hits:
            words = [h.snippet[a:b].lower() for a, b in h.highlights]
            assert h.exact and words and all(w.startswith("presi") for w in words)
    # Its other words are matched as printed too: membahas, not dibahas.
    assert ids(db, "presi* membahas") == {"p3"}
    (hit,) = search(db, "presi* membahas")
    assert [hit.snippet[a:b] for a, b in hit.highlights] == ["Presiden", "membahas"]
    assert ids(db, "dibahas -presi*") == set()
