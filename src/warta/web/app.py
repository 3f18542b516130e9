"""The FastAPI application: HTML pages and a JSON API over one store, read-only.

Pages: `/search?q=...` (filters, paging, highlighted snippets), `/articles/{id}`
(the clean text, the removed pieces in place behind a toggle, the instant in its
own zone and the reader's, the syndication cluster, the dated mentions) and
`/corpus` (inline SVG charts). The API under `/api/` returns the same data as
JSON; its schema is at `/openapi.json` (the interactive docs pages are off:
they load scripts from a CDN, and these pages must work offline). Every route
answers HEAD too; an unknown page gets the HTML error page, under `/api/` JSON.

Safety: the store is opened with `mode=ro`, one connection per worker thread;
Jinja2 escapes every value (captures come from the web) and only http(s) URLs
become links; a content security policy allows only this server's own script
and style; a query FTS5 would not parse, or one the query language cannot
express, becomes a 400 with a one-line message, never a 500.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date
from http import HTTPStatus
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import anyio.to_thread
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from pydantic import BaseModel, BeforeValidator, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warta.search import MAX_LIMIT, Hit, QueryError, connect, parse_day, search, segments
from warta.web import data, svg
from warta.web.views import body_head, has_time, interleave, local_time, web_link, zone_name

HERE = Path(__file__).parent
#: Hits per page on the search page.
PAGE_SIZE = 20
#: The deepest the search page and the API page (offset), to bound the work of one request.
MAX_OFFSET = 10_000
#: The longest query the search page and the API take (characters), for the same reason.
MAX_QUERY = 500
#: How the search page's yes/no fields may be given (pydantic's words, as the API takes them).
YES = frozenset({"1", "on", "t", "true", "y", "yes"})
NO = frozenset({"", "0", "off", "f", "false", "n", "no"})
#: Most outlets drawn as their own series on the corpus chart (the rest is "other").
MAX_SERIES = 9
#: Days on the corpus chart before it counts by month instead.
MAX_DAYS = 120
#: Seconds the outlet list of the search form is reused.
OUTLETS_TTL = 60.0
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none';"
    " base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_DIGITS = re.compile(r"[0-9]+")


def _iso_day(value: object) -> object:
    """A day parameter of the API read as the search page reads its form (`parse_day`):
    pydantic alone takes `1717200000` for a Unix time."""
    return parse_day(value) if isinstance(value, str) else value


#: A day parameter of the API (`since`, `until`, `mentions_start`, `mentions_end`).
Day = Annotated[date | None, BeforeValidator(_iso_day)]


class HitOut(BaseModel):
    """One search hit (spans are `[start, end)` offsets into `snippet` or `title`)."""

    id: str
    title: str | None
    outlet: str | None
    published_at: str | None = Field(description="ISO 8601 in the outlet's own offset")
    url: str | None
    score: float = Field(description="relevance, higher is better (negated BM25 sum)")
    exact: bool = Field(description="the words matched as typed (not only by stem)")
    snippet: str
    highlights: list[tuple[int, int]]
    title_highlights: list[tuple[int, int]]


class SearchOut(BaseModel):
    """A page of search hits."""

    query: str
    offset: int
    limit: int
    next_offset: int | None = Field(description="offset of the next page, null on the last")
    hits: list[HitOut]


class ErrorOut(BaseModel):
    """Why a request was refused (one line)."""

    detail: str


class _Connections:
    """One read-only connection per thread (sqlite3 connections are not shared across threads).

    Not a dataclass: it holds thread-local state.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.local = threading.local()
        self.outlets: tuple[float, list[str]] = (0.0, [])

    def get(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use."""
        con: sqlite3.Connection | None = getattr(self.local, "con", None)
        if con is None:
            con = connect(self.path)
            self.local.con = con
        return con

    def outlet_names(self) -> list[str]:
        """The store's outlets, recounted at most every `OUTLETS_TTL` seconds."""
        at, names = self.outlets
        if time.monotonic() - at > OUTLETS_TTL:
            names = data.outlets(self.get())
            self.outlets = (time.monotonic(), names)
        return names


class _HeadAsGet:
    """Answers a HEAD request as its GET, headers only (FastAPI routes take GET alone: 405).

    Not a dataclass: an ASGI middleware.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the GET and pass on its status and headers (Content-Length too), not its body."""
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body"):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


def create_app(db: str | Path, threads: int | None = None) -> FastAPI:
    """The web application for the store at `db` (read-only).

    Args:
        db: a store built by `warta build`.
        threads: requests handled at once (each in a thread; None: anyio's
            default, 40). The server passes a small number: see `warta.web.server`.

    Returns:
        A FastAPI app: run it with uvicorn, or test it with `fastapi.testclient.TestClient`.

    Raises:
        StoreError: there is no readable store at `db`.

    Example:
        >>> import tempfile, pathlib
        >>> from warta.build import build
        >>> tmp = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (tmp / "a.txt").write_text("Judul\\nKamis, 30 Desember 2021 - 19:18 WIB\\nIsi.")
        >>> _ = build([str(tmp / "a.txt")], tmp / "c.db", workers=1)
        >>> create_app(tmp / "c.db").title
        'warta'
    """
    path = Path(db)
    connect(path).close()  # a missing or foreign file fails here, not on the first request
    pool = _Connections(path)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if threads:  # the event loop's thread limiter, which sync endpoints wait on
            anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        yield

    app = FastAPI(
        title="warta",
        summary="Search and read a corpus of clean Indonesian news articles (read-only).",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.add_middleware(_HeadAsGet)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
    env.globals.update(segments=segments, local_time=local_time, zone_name=zone_name,
                       has_time=has_time, web_link=web_link)  # fmt: skip
    templates = Jinja2Templates(env=env)

    def page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
        return templates.TemplateResponse(request, name, context, status_code=status,
                                          headers=HEADERS)  # fmt: skip

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """JSON under /api/ (and the schema), the error page elsewhere (an unknown page: 404)."""
        path = request.url.path
        allow = (exc.headers or {}).get("Allow", "")
        if exc.status_code == 405 and "GET" in allow.split(", "):  # `_HeadAsGet` takes HEAD too
            exc.headers = {**(exc.headers or {}), "Allow": f"{allow}, HEAD"}
        if path.startswith("/api/") or path == app.openapi_url:
            return await http_exception_handler(request, exc)
        message = f"No page at {path}." if exc.status_code == 404 else str(exc.detail)
        response = page(request, "error.html", exc.status_code, message=message,
                        title=HTTPStatus(exc.status_code).phrase)  # fmt: skip
        response.headers.update(exc.headers or {})
        return response

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/search")

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def search_page(
        request: Request,
        q: str = "",
        outlet: str = "",
        since: str = "",
        until: str = "",
        newest: str = "",
        page_no: Annotated[str, Query(alias="page")] = "1",
    ) -> Response:
        form = {"q": q, "outlet": outlet, "since": since, "until": until, "newest": ""}
        hits: list[Hit] = []
        error = None
        number = 1
        try:
            number = _page_number(page_no)
            by_date = _yes(newest, "newest")
            form["newest"] = "1" if by_date else ""
            if len(q) > MAX_QUERY:
                raise QueryError(f"q: a query has at most {MAX_QUERY} characters, not {len(q)}")
            if q.strip():
                hits = search(
                    pool.get(), q, outlet=outlet or None, since=_day(since, "since"),
                    until=_day(until, "until"), newest=by_date, limit=PAGE_SIZE + 1,
                    offset=(number - 1) * PAGE_SIZE,
                )  # fmt: skip
        except QueryError as exc:
            error = str(exc)
        more = len(hits) > PAGE_SIZE

        def link(n: int) -> str:
            return "/search?" + urlencode({k: v for k, v in form.items() if v} | {"page": n})

        return page(
            request, "search.html", 400 if error else 200, form=form, hits=hits[:PAGE_SIZE],
            error=error, outlets=pool.outlet_names(), number=number, max_query=MAX_QUERY,
            prev_url=link(number - 1) if number > 1 and hits else None,
            next_url=link(number + 1) if more else None,
        )  # fmt: skip

    @app.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def article_page(request: Request, article_id: str) -> Response:
        try:
            found = data.article(pool.get(), article_id)
        except ValueError as exc:  # a damaged store: say so, as `warta export` does
            return page(request, "error.html", 500, message=f"Article {article_id}: {exc}.")
        if found is None:
            return page(request, "error.html", 404, message=f"No article with id {article_id}.")
        paragraphs = [p for p in str(found.get("text") or "").split("\n\n") if p]
        blocks = interleave(paragraphs, found.get("removed") or [], body_head(found))
        return page(request, "article.html", a=found, blocks=blocks,
                    removed=len(found.get("removed") or []),
                    clusters=data.has_clusters(pool.get()))  # fmt: skip

    @app.get("/corpus", response_class=HTMLResponse, include_in_schema=False)
    def corpus_page(request: Request) -> Response:
        counts = data.corpus(pool.get())
        return page(request, "corpus.html", c=counts, charts=_charts(counts))

    @app.get(
        "/api/search",
        response_model=SearchOut,
        responses={400: {"model": ErrorOut, "description": "a query with nothing to search"}},
    )
    def api_search(
        q: Annotated[
            str,
            Query(
                min_length=1,
                max_length=MAX_QUERY,
                description='words, "phrases", OR, word*, NOT word or -word, title:word'
                " (see docs/search.md)",
            ),
        ],
        outlet: Annotated[
            str | None, Query(description='this outlet (any case; "-": articles without one)')
        ] = None,
        since: Annotated[Day, Query(description="published on or after (YYYY-MM-DD)")] = None,
        until: Annotated[Day, Query(description="published on or before")] = None,
        mentions_start: Annotated[Day, Query(description="mentions a day from ...")] = None,
        mentions_end: Annotated[Day, Query(description="... to this day")] = None,
        entity: Annotated[str | None, Query(description="names this entity (exact text)")] = None,
        newest: bool = False,
        stem: Annotated[bool, Query(description="also match Sastrawi stems")] = True,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    ) -> SearchOut:
        """Full-text search (BM25, stems), best first or newest first, with highlighted snippets."""
        mentions = None
        if mentions_start or mentions_end:
            mentions = (mentions_start or date.min, mentions_end or date.max)
        try:
            hits = search(pool.get(), q, outlet=outlet, since=since, until=until,
                          mentions_between=mentions, entity=entity, newest=newest,
                          limit=min(limit + 1, MAX_LIMIT), offset=offset, stem=stem)  # fmt: skip
        except QueryError as exc:
            raise HTTPException(400, str(exc)) from None
        more = len(hits) > limit
        return SearchOut(
            query=q, offset=offset, limit=limit, next_offset=offset + limit if more else None,
            hits=[HitOut(**h.to_dict()) for h in hits[:limit]],
        )  # fmt: skip

    @app.get(
        "/api/articles/{article_id}",
        responses={
            404: {"model": ErrorOut, "description": "no article with this id"},
            500: {"model": ErrorOut, "description": "its stored JSON is damaged"},
        },
    )
    def api_article(article_id: str) -> dict[str, Any]:
        """An article's public JSON (plus `cluster`, `canonical`, `cluster_members` after dedup)."""
        try:
            found = data.article(pool.get(), article_id)
        except ValueError as exc:  # a damaged store: say so, as `warta export` does
            raise HTTPException(500, f"article {article_id!r}: {exc}") from None
        if found is None:
            raise HTTPException(404, f"no article with id {article_id!r}")
        return found

    @app.get("/api/corpus")
    def api_corpus() -> dict[str, Any]:
        """Corpus counts: articles per day and outlet, removals by reason, cluster sizes."""
        return data.corpus(pool.get())

    return app


def serve(
    db: str | Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int | None = None,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the store at `db` until interrupted: see `warta.web.server.serve`."""
    from warta.web.server import serve as run  # server imports this module

    run(db, host, port, workers, ready)


def _day(text: str, name: str) -> date | None:
    """A `YYYY-MM-DD` form field as a date (empty: None)."""
    if not text.strip():
        return None
    try:
        return parse_day(text)
    except ValueError as exc:
        raise QueryError(f"{name}: {exc}") from None


def _page_number(text: str) -> int:
    """The `page` field as a number from 1 to the deepest page allowed."""
    deepest = MAX_OFFSET // PAGE_SIZE
    digits = text.strip()
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    if not (_DIGITS.fullmatch(digits) and len(digits) <= len(str(deepest))
            and 1 <= int(digits) <= deepest):  # fmt: skip
        raise QueryError(f"page: {text!r} is not a page number (1 to {deepest})")
    return int(digits)


def _yes(text: str, name: str) -> bool:
    """A yes/no form field: `1/0`, `true/false`, `yes/no`, `on/off` (any case; empty: no)."""
    word = text.strip().lower()
    if word in YES or word in NO:
        return word in YES
    raise QueryError(f"{name}: {text!r} is not yes or no (use 1 or 0, true or false)")


def _charts(c: dict[str, Any]) -> dict[str, Any]:
    """The corpus page's SVG charts from `data.corpus` counts."""
    per_day: list[list[Any]] = c["per_day"]
    days = sorted({d for d, _, _ in per_day})
    by_month = len(days) > MAX_DAYS
    width = 7 if by_month else 10  # YYYY-MM or YYYY-MM-DD

    def key(day: str) -> str:
        return day[:width]

    labels = sorted({key(d) for d in days})
    top = list(c["outlets"])[:MAX_SERIES]
    series: dict[str, list[int]] = {}
    index = {label: i for i, label in enumerate(labels)}
    for d, outlet, n in per_day:
        name = outlet if outlet in top else "other"
        series.setdefault(name, [0] * len(labels))[index[key(d)]] += n
    unit = "month" if by_month else "day"
    out: dict[str, Any] = {
        "per_day": svg.stacked_bars(labels, series, f"Articles per {unit} and outlet")
        if labels else None,
        "unit": unit,
        "removals": svg.hbars(c["removals"], "Removed pieces by reason") if c["removals"] else None,
        "clusters": None,
    }  # fmt: skip
    if c["cluster_sizes"]:
        sizes = {str(k): v for k, v in c["cluster_sizes"].items()}
        out["clusters"] = svg.columns(sizes, "Clusters by size", "articles in the cluster")
    return out
