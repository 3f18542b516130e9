"""The web app through FastAPI's TestClient: every endpoint, bad parameters, escaping, clusters;
and `warta serve` with several worker processes."""

from __future__ import annotations

import html
import http.client
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import anyio.to_thread
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from warta.cli import main
from warta.errors import StoreError
from warta.model import Article, Provenance
from warta.store import Marker, open_store, to_batch
from warta.web.app import create_app
from warta.web.server import THREADS, default_workers, serve
from webstore import COPY_TITLE, SAMPLE_ID_TITLE, XSS_TITLE, build_web_store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_web_store(tmp_path_factory.mktemp("api"))


@pytest.fixture(scope="module")
def client(store: Path) -> Iterator[TestClient]:
    with TestClient(create_app(store)) as c:
        yield c


def sample_id(client: TestClient) -> str:
    hits = client.get("/api/search", params={"q": "Putin", "limit": 50}).json()["hits"]
    return str(next(h["id"] for h in hits if h["title"] == SAMPLE_ID_TITLE))


def test_api_search(client: TestClient) -> None:
    r = client.get("/api/search", params={"q": "Putin"})
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == "Putin" and body["offset"] == 0 and body["limit"] == 20
    hit = next(h for h in body["hits"] if h["title"] == SAMPLE_ID_TITLE)
    assert [hit["snippet"][a:b] for a, b in hit["highlights"]] == ["Putin"]
    assert hit["published_at"] == "2021-12-30T19:18:00+07:00"


def test_api_search_paging_and_filters(client: TestClient) -> None:
    first = client.get("/api/search", params={"q": "jakarta", "limit": 3}).json()
    assert first["next_offset"] == 3 and len(first["hits"]) == 3
    second = client.get("/api/search", params={"q": "jakarta", "limit": 3, "offset": 3}).json()
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}
    day = {"since": "2025-06-10", "until": "2025-06-10", "limit": 100}
    june = client.get("/api/search", params={"q": "jakarta", **day}).json()
    assert june["hits"] and all(h["published_at"][:10] == "2025-06-10" for h in june["hits"])
    # the compact ISO form, as the search page takes it
    compact = {"since": "20250610", "until": "20250610", "limit": 100}
    assert client.get("/api/search", params={"q": "jakarta", **compact}).json() == june
    raw = client.get("/api/search", params={"q": "membahas", "stem": "false", "limit": 100})
    stemmed = client.get("/api/search", params={"q": "membahas", "limit": 100})
    assert len(raw.json()["hits"]) < len(stemmed.json()["hits"])
    mentions = client.get("/api/search", params={"q": "Putin", "mentions_start": "2022-01-10",
                                                 "mentions_end": "2022-01-10"}).json()  # fmt: skip
    assert SAMPLE_ID_TITLE in {h["title"] for h in mentions["hits"]}
    newest = client.get("/api/search", params={"q": "jakarta", "newest": "true"}).json()
    assert newest["hits"][0]["published_at"] >= "2025-06-10"


def test_api_and_page_leave_words_out_and_search_one_field(client: TestClient) -> None:
    def found(q: str) -> set[str]:
        r = client.get("/api/search", params={"q": q, "limit": 100})
        assert r.status_code == 200, r.text
        return {h["id"] for h in r.json()["hits"]}

    putin, both = found("Putin"), found("Putin Rusia")
    assert both and putin - both
    assert found("Putin -Rusia") == found("Putin NOT Rusia") == putin - both
    titled = client.get("/api/search", params={"q": "title:jakarta", "limit": 100}).json()["hits"]
    assert titled and all("jakarta" in h["title"].lower() for h in titled)
    assert {h["id"] for h in titled} < found("jakarta")
    r = client.get("/api/search", params={"q": "NOT Putin"})
    assert r.status_code == 400 and "only words to leave out" in r.json()["detail"]
    page = client.get("/search", params={"q": "Putin -Rusia"})
    assert page.status_code == 200 and page.text.count('class="hit"') == len(putin - both)
    page = client.get("/search", params={"q": "-Biden"})
    assert page.status_code == 400 and "only words to leave out" in page.text


@pytest.mark.parametrize(
    ("params", "status", "fragment"),
    [
        ({"q": '"'}, 400, "nothing to search for"),
        ({"q": "AND OR"}, 400, "nothing to search for"),
        ({"q": "*"}, 400, "nothing to search for"),
        ({"q": ""}, 422, "at least 1 character"),
        ({}, 422, "Field required"),
        ({"q": "x" * 501}, 422, "at most 500 characters"),
        ({"q": "Putin", "limit": -1}, 422, "greater than or equal to 1"),
        ({"q": "Putin", "limit": 0}, 422, "greater than or equal to 1"),
        ({"q": "Putin", "limit": 10**9}, 422, "less than or equal to 100"),
        ({"q": "Putin", "limit": "many"}, 422, "valid integer"),
        ({"q": "Putin", "offset": -5}, 422, "greater than or equal to 0"),
        ({"q": "Putin", "offset": 10**7}, 422, "less than or equal to 10000"),
        ({"q": "Putin", "since": "2025-13-01"}, 422, "'2025-13-01' is not a date"),
        ({"q": "Putin", "until": "yesterday"}, 422, "'yesterday' is not a date (use YYYY-MM-DD)"),
        ({"q": "Putin", "since": "1717200000"}, 422, "is not a date"),  # never a Unix time
        ({"q": "Putin", "since": "2025-02-01", "until": "2025-01-01"}, 400, "is after until"),
        ({"q": "Putin", "entity": "Biden"}, 400, "no entities"),
        ({"q": "Putin", "newest": "maybe"}, 422, "valid boolean"),
    ],
)
def test_api_search_bad_parameters(
    client: TestClient, params: dict[str, object], status: int, fragment: str
) -> None:
    r = client.get("/api/search", params=params)
    assert r.status_code == status
    assert fragment in r.text


def test_api_article_and_unknown_ids(client: TestClient) -> None:
    r = client.get(f"/api/articles/{sample_id(client)}")
    assert r.status_code == 200
    a = r.json()
    assert a["title"] == SAMPLE_ID_TITLE
    assert [x["reason"] for x in a["removed"]].count("repeated") == 9
    assert any(m["value"] == "2022-01-10" for m in a["timeline"])
    r = client.get("/api/articles/does-not-exist")
    assert r.status_code == 404 and r.json() == {"detail": "no article with id 'does-not-exist'"}
    assert client.get("/articles/does-not-exist").status_code == 404


def test_api_corpus(client: TestClient) -> None:
    c = client.get("/api/corpus").json()
    assert c["articles"] > 100
    assert c["removals"]["repeated"] >= 9
    assert ["2021-12-30", "-", 3] in c["per_day"]
    assert sum(c["outlets"].values()) == c["articles"]


def test_openapi_describes_the_api(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert {"/api/search", "/api/articles/{article_id}", "/api/corpus"} <= set(schema["paths"])
    assert not any(p.startswith("/search") or p.startswith("/articles") for p in schema["paths"])
    assert client.get("/docs").status_code == 404  # its page would load scripts from a CDN


def test_pages(client: TestClient) -> None:
    assert client.get("/", follow_redirects=False).headers["location"] == "/search"
    form = client.get("/search")
    assert form.status_code == 200 and 'name="q"' in form.text
    r = client.get("/search", params={"q": "Putin"})
    assert r.status_code == 200 and "<mark>Putin</mark>" in r.text
    assert r.headers["content-security-policy"].startswith("default-src 'self'")
    article = client.get(f"/articles/{sample_id(client)}")
    assert article.status_code == 200
    assert article.text.count('data-reason="repeated"') == 9
    assert "30 Desember 2021, 19:18 WIB" in article.text
    corpus = client.get("/corpus")
    assert corpus.status_code == 200 and corpus.text.count("<svg") >= 2
    assert client.get("/static/app.js").status_code == 200


def test_head_answers_as_get_without_a_body(client: TestClient) -> None:
    for url in ("/search?q=Putin", "/api/search?q=Putin", "/corpus", "/api/corpus",
                f"/articles/{sample_id(client)}", "/static/app.js"):  # fmt: skip
        got, head = client.get(url), client.head(url)
        assert head.status_code == got.status_code == 200, url
        assert head.content == b"" and head.headers["content-length"] == str(len(got.content))
        assert head.headers["content-type"] == got.headers["content-type"]
    assert client.head("/articles/nope").status_code == 404


def test_unknown_pages_get_the_error_page_and_the_api_json(client: TestClient) -> None:
    r = client.get("/nope")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert 'role="alert">No page at /nope.</p>' in r.text and "<title>Not Found" in r.text
    assert r.headers["content-security-policy"].startswith("default-src 'self'")
    r = client.post("/search")
    assert r.status_code == 405 and "<title>Method Not Allowed" in r.text
    assert r.headers["allow"] == "GET, HEAD"  # every route answers HEAD as its GET
    r = client.get("/api/nope")
    assert r.status_code == 404 and r.json() == {"detail": "Not Found"}
    r = client.post("/api/search")
    assert r.json() == {"detail": "Method Not Allowed"} and r.headers["allow"] == "GET, HEAD"
    assert client.head("/api/search", params={"q": "Putin"}).status_code == 200


def test_the_outlet_list_offers_the_articles_without_one(client: TestClient) -> None:
    form = client.get("/search").text
    assert '<option value="-">-</option>' in form
    r = client.get("/search", params={"q": "Putin", "outlet": "-"})
    outlets = re.findall(r'<span class="outlet">([^<]*)</span>', r.text)
    assert r.status_code == 200 and outlets and set(outlets) == {"-"}
    assert 'value="-" selected' in r.text
    api = client.get("/api/search", params={"q": "Putin", "outlet": "-"}).json()["hits"]
    assert api and {h["outlet"] for h in api} == {None}


def test_search_page_paging(client: TestClient) -> None:
    first = client.get("/search", params={"q": "jakarta"})
    assert 'rel="next"' in first.text and 'rel="prev"' not in first.text
    second = client.get("/search", params={"q": "jakarta", "page": 2})
    assert 'rel="prev"' in second.text and "Results 21–" in second.text


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"q": '"'}, "nothing to search for"),
        ({"q": "NOT *"}, "nothing to search for"),
        ({"q": "Putin", "since": "31-12-2021"}, "since: &#39;31-12-2021&#39; is not a date"),
        ({"q": "Putin", "page": "0"}, "page: &#39;0&#39; is not a page number"),
        ({"q": "Putin", "page": "-1"}, "is not a page number"),
        ({"q": "Putin", "page": "99999999"}, "is not a page number"),
        ({"q": "Putin", "page": "²"}, "page: &#39;²&#39; is not a page number"),
        ({"q": "Putin", "page": "١"}, "is not a page number"),  # an Arabic-Indic digit
        ({"q": "Putin", "page": "9" * 5000}, "is not a page number"),
        ({"q": "Putin", "newest": "maybe"}, "newest: &#39;maybe&#39; is not yes or no"),
        ({"q": "Putin " * 100}, "q: a query has at most 500 characters, not 600"),
    ],
)
def test_search_page_bad_input_is_a_400_with_a_message(
    client: TestClient, params: dict[str, str], fragment: str
) -> None:
    r = client.get("/search", params=params)
    assert r.status_code == 400
    assert 'role="alert"' in r.text and fragment in r.text


def _order(html: str) -> list[str]:
    """The article links of a search page, in order."""
    return re.findall(r'class="title" href="/articles/([^"]+)"', html)


def test_search_page_reads_newest_as_yes_or_no(client: TestClient) -> None:
    def page(**params: str) -> str:
        r = client.get("/search", params={"q": "jakarta", **params})
        assert r.status_code == 200
        return r.text

    best, newest = _order(page()), _order(page(newest="1"))
    assert best and best != newest
    for no in ("0", "false", "No", "off", ""):
        html = page(newest=no)
        assert _order(html) == best and " checked>" not in html and "newest=" not in html
    for yes in ("true", "YES", "on"):
        html = page(newest=yes)
        assert _order(html) == newest and " checked>" in html and "newest=1" in html


def test_markup_from_captures_is_escaped(client: TestClient) -> None:
    r = client.get("/search", params={"q": "onerror"})
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    assert "<script>alert" not in r.text and "<img src=x" not in r.text
    hit = client.get("/api/search", params={"q": "onerror"}).json()["hits"][0]
    assert hit["title"] == XSS_TITLE
    page = client.get(f"/articles/{hit['id']}").text
    assert "&lt;img src=x onerror=alert(2)&gt;" in page and "<img src=x" not in page


def test_only_web_urls_are_links(tmp_path: Path) -> None:
    db = tmp_path / "u.db"
    urls = {"js": "javascript:alert(1)", "mixed": "JaVaScRiPt:alert(2)",
            "data": "data:text/html,<script>alert(3)</script>", "spaced": " javascript:x",
            "web": "https://kompas.com/a?b=1&c=2", "plain": "HTTP://detik.com/x"}  # fmt: skip
    articles = [Article(key, Provenance("u.txt", key), f"Judul {key}", "Isi berita.", url=url)
                for key, url in urls.items()]  # fmt: skip
    with open_store(db) as s:
        s.write(to_batch(articles), Marker("u.txt", len(articles), True))
    with TestClient(create_app(db)) as c:
        pages = {key: c.get(f"/articles/{key}").text for key in urls}
    for key in ("js", "mixed", "data", "spaced"):
        assert "href=" not in pages[key].split("<dt>URL</dt>")[1].split("</dd>")[0], key
        assert html.escape(urls[key]) in pages[key]  # shown as text
    assert '<a href="https://kompas.com/a?b=1&amp;c=2"' in pages["web"]
    assert '<a href="HTTP://detik.com/x"' in pages["plain"]


def test_cluster_members_when_dedup_has_clustered(client: TestClient, store: Path) -> None:
    con = sqlite3.connect(store)
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    assert "clusters" in names  # warta build clusters copies by default
    a = client.get(f"/api/articles/{sample_id(client)}").json()
    assert [m["title"] for m in a["cluster_members"]] == [COPY_TITLE]
    page = client.get(f"/articles/{sample_id(client)}").text
    assert 'id="cluster"' in page and COPY_TITLE in page


def _copy_without_clusters(store: Path, folder: Path) -> Path:
    db = folder / "plain.db"
    shutil.copy(store, db)
    con = sqlite3.connect(db)
    con.execute("DROP TABLE IF EXISTS clusters")
    con.commit()
    con.close()
    return db


def test_no_cluster_section_before_dedup(store: Path, tmp_path: Path) -> None:
    db = _copy_without_clusters(store, tmp_path)
    with TestClient(create_app(db)) as c:
        a = c.get(f"/api/articles/{sample_id(c)}").json()
        assert "cluster_members" not in a
        assert 'id="cluster"' not in c.get(f"/articles/{a['id']}").text
        assert c.get("/api/corpus").json()["cluster_sizes"] is None
        assert "no dedup clusters yet" in c.get("/corpus").text


def test_an_article_whose_stored_json_is_damaged_is_a_500_that_says_so(
    store: Path, tmp_path: Path
) -> None:
    db = tmp_path / "damaged.db"
    shutil.copy(store, db)
    with TestClient(create_app(db)) as c:
        damaged, intact = sample_id(c), None
        intact = next(h["id"] for h in c.get("/api/search", params={"q": "Putin"}).json()["hits"]
                      if h["id"] != damaged)  # fmt: skip
    con = sqlite3.connect(db)
    con.execute('UPDATE articles SET json = \'{"title": "cut\' WHERE id = ?', (damaged,))
    con.commit()
    con.close()
    with TestClient(create_app(db)) as c:
        r = c.get(f"/api/articles/{damaged}")
        assert r.status_code == 500
        assert r.json()["detail"].startswith(f"article '{damaged}': its stored JSON cannot be read")
        page = c.get(f"/articles/{damaged}")
        assert page.status_code == 500 and "its stored JSON cannot be read" in page.text
        assert c.get(f"/api/articles/{intact}").status_code == 200  # the others are unaffected


def test_a_cluster_column_on_articles_is_read_too(store: Path, tmp_path: Path) -> None:
    db = _copy_without_clusters(store, tmp_path)
    con = sqlite3.connect(db)
    con.execute("ALTER TABLE articles ADD COLUMN cluster TEXT")
    con.execute("ALTER TABLE articles ADD COLUMN canonical INTEGER")
    con.execute(
        "UPDATE articles SET cluster = 'k', canonical = (title = ?) WHERE title IN (?, ?)",
        (SAMPLE_ID_TITLE, SAMPLE_ID_TITLE, COPY_TITLE),
    )
    con.commit()
    con.close()
    with TestClient(create_app(db)) as c:
        a = c.get(f"/api/articles/{sample_id(c)}").json()
        assert a["cluster"] == "k" and a["canonical"] is True
        assert a["cluster_members"] == [
            {"id": a["cluster_members"][0]["id"], "title": COPY_TITLE, "outlet": None,
             "published_at": "2021-12-30T19:18:00+07:00", "canonical": False}
        ]  # fmt: skip
        assert c.get("/api/corpus").json()["cluster_sizes"] == {"2": 1}


def test_a_missing_store_fails_at_start(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no such store"):
        create_app(tmp_path / "none.db")


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_answers_on_its_port_and_stops(store: Path, workers: int) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "warta", "serve", "--db", str(store), "--port", str(port),
         "--workers", str(workers)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                url = f"http://127.0.0.1:{port}/api/search?q=Putin"
                with urllib.request.urlopen(url, timeout=5) as r:
                    hits = json.load(r)["hits"]
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "did not start"
                time.sleep(0.2)
        assert SAMPLE_ID_TITLE in {h["title"] for h in hits}
        servers = _children(proc.pid) if workers > 1 else [proc.pid]
        assert len(servers) >= workers
        # Keep-alive clients are spread over the workers (each has its own socket), and a
        # second server cannot take the same port.
        clients = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(16)]
        for c in clients:
            c.request("GET", "/api/search?q=jakarta")
            assert c.getresponse().read()
        held = _connections(servers, port)
        assert sum(held.values()) == 16 and sum(n > 0 for n in held.values()) == workers, held
        # No 40 ms waits for a delayed ACK: Nagle's algorithm is off (TCP_NODELAY).
        took = []
        for _ in range(9):
            started = time.perf_counter()
            clients[0].request("GET", "/api/search?q=zzzqqq")
            assert clients[0].getresponse().read()
            took.append(time.perf_counter() - started)
        assert sorted(took)[4] < 0.03, took
        for c in clients:
            c.close()
        again = CliRunner().invoke(main, ["serve", "--db", str(store), "--port", str(port),
                                          "--workers", "2"])  # fmt: skip
        assert again.exit_code == 1 and "cannot listen there" in again.output
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert proc.stderr is not None
    assert f"with {workers} worker" in proc.stderr.read().decode()
    deadline = time.monotonic() + 10
    while [pid for pid in servers if _running(pid)] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in servers if _running(pid)]  # none left behind


def _stat(pid: int) -> list[str]:
    """Fields of /proc/PID/stat after the command name (state, parent, ...); [] when gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (Linux /proc)."""
    pids = (int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit())
    return [c for c in pids if (fields := _stat(c)) and int(fields[1]) == pid]


def _connections(pids: list[int], port: int) -> dict[int, int]:
    """Established TCP connections to `port` that each process holds (Linux /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                inodes.add(f"socket:[{fields[9]}]")
    held = {}
    for pid in pids:
        links = []
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                links.append(os.readlink(fd))
            except OSError:
                continue
        held[pid] = len(inodes.intersection(links))
    return held


def _running(pid: int) -> bool:
    """The process exists and has not exited (a zombie has)."""
    fields = _stat(pid)
    return bool(fields) and fields[0] != "Z"


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_refuses_a_taken_port_or_a_bad_host_in_one_line(store: Path, workers: str) -> None:
    runner = CliRunner()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        out = runner.invoke(main, ["serve", "--db", str(store), "--port", port,
                                   "--workers", workers])  # fmt: skip
    assert out.exit_code == 1
    assert out.output == f"Error: 127.0.0.1:{port}: cannot listen there (Address already in use)\n"
    out = runner.invoke(main, ["serve", "--db", str(store), "--host", "999.1.1.1",
                               "--workers", workers])  # fmt: skip
    assert out.exit_code == 1
    assert out.output.startswith("Error: 999.1.1.1: not an address to listen on (")
    assert out.output.count("\n") == 1


def test_serve_says_where_it_serves_once_it_can(store: Path, tmp_path: Path) -> None:
    out = CliRunner().invoke(main, ["serve", "--db", str(tmp_path / "none.db"), "--workers", "1"])
    assert out.exit_code == 1 and out.output.startswith("Error: ") and "serving" not in out.output

    class Ready(Exception):
        pass

    def ready(url: str) -> None:
        raise Ready(url)

    try:
        socket.socket(socket.AF_INET6).close()
    except OSError:
        pytest.skip("no IPv6 here")
    for host in ("::1", "[::1]"):
        with pytest.raises(Ready) as seen:
            serve(store, host, 0, workers=1, ready=ready)
        assert seen.value.args == ("http://[::1]:0",)


def test_serve_checks_the_store_before_starting_workers(tmp_path: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(main, ["serve", "--db", str(tmp_path / "none.db"), "--workers", "2"])
    assert out.exit_code == 1 and "no such store" in out.output
    assert "--workers" in runner.invoke(main, ["serve", "--help"]).output
    assert 1 <= default_workers() <= 8


def test_the_server_handles_few_requests_at_once_per_worker(store: Path) -> None:
    def limit() -> float:
        return float(anyio.to_thread.current_default_thread_limiter().total_tokens)

    with TestClient(create_app(store, threads=THREADS)) as c:
        assert c.get("/api/search", params={"q": "Putin"}).status_code == 200
        assert c.portal is not None and c.portal.call(limit) == THREADS == 2
    with TestClient(create_app(store)) as c:
        assert c.portal is not None and c.portal.call(limit) == 40  # anyio's default
