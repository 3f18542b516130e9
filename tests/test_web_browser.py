"""The web pages in a real browser: Debian's Chromium driven by Playwright, against
`warta serve` running in a subprocess on a free loopback port.

Screenshots of every page go to `test-artifacts/` (gitignored). Under CI=true a
missing Chromium or Playwright fails these tests instead of skipping them
(`make browser-deps` installs Chromium).
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from webstore import COPY_TITLE, SAMPLE_ID_TITLE, XSS_TITLE, build_web_store

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def _missing(what: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} is missing (run make browser-deps)")
    pytest.skip(f"{what} is missing (run make browser-deps)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_web_store(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def server(store: Path) -> Iterator[str]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "warta", "serve", "--db", str(store), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/corpus", timeout=2) as r:
                    assert r.status == 200
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read().decode() if proc.stdout else ""
                    pytest.fail(f"warta serve did not start: {out}")
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _missing(str(CHROMIUM))
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright (pip install playwright==1.65.2)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(timezone_id="Europe/Paris", locale="en-GB",
                                  viewport={"width": 1100, "height": 900})  # fmt: skip
    pg = context.new_page()
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.dialogs = dialogs  # what fired, for the markup test
    yield pg
    context.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def clusters_of(store: Path) -> int:
    """Clusters with two or more members in the store (0 before dedup has landed)."""
    con = sqlite3.connect(store)
    try:
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        if "clusters" not in names:
            return 0
        return int(con.execute("SELECT count(*) FROM (SELECT cluster FROM clusters"
                               " GROUP BY cluster HAVING count(*) > 1)").fetchone()[0])  # fmt: skip
    finally:
        con.close()


def open_sample(page: Any, server: str) -> None:
    """Search Putin, then open the sample's result."""
    page.goto(f"{server}/search?q=Putin")
    page.get_by_role("link", name=SAMPLE_ID_TITLE).click()
    page.wait_for_url("**/articles/*")


def test_search_putin_open_the_result_and_show_the_removed_pieces(page: Any, server: str) -> None:
    page.goto(f"{server}/search")
    page.get_by_label("Query").fill("Putin")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search?q=Putin*")
    hits = page.locator("li.hit")
    assert hits.count() >= 3
    assert page.locator("li.hit mark").first.inner_text() == "Putin"
    shot(page, "search-putin")

    page.get_by_role("link", name=SAMPLE_ID_TITLE).click()
    page.wait_for_url("**/articles/*")
    assert page.locator("h1").inner_text() == SAMPLE_ID_TITLE
    assert "30 Desember 2021, 19:18 WIB" in page.locator("time.published").inner_text()
    # The reader's zone (Europe/Paris in this context), converted by the page's script.
    reader = page.locator(".reader-time").inner_text()
    assert reader.startswith("your time:") and "13:18" in reader and "Europe/Paris" in reader
    repeated = page.locator('.removed[data-reason="repeated"]')
    assert repeated.count() == 9
    assert all(not repeated.nth(i).is_visible() for i in range(9))
    shot(page, "article-sample")

    page.get_by_text("removed pieces in place").click()
    assert all(repeated.nth(i).is_visible() for i in range(9))
    assert page.locator(".removed .reason").first.inner_text() == "removed: repeated"
    # In place: the first repeated piece follows the last kept paragraph it repeats.
    body = page.locator(".body > *")
    kinds = [body.nth(i).get_attribute("data-reason") for i in range(body.count())]
    assert kinds[:10] == [None] * 10 and kinds[10:19] == ["repeated"] * 9
    assert page.locator("#timeline").is_visible()
    shot(page, "article-sample-removed-shown")


def test_a_cluster_link_leads_to_the_other_member(page: Any, server: str, store: Path) -> None:
    assert clusters_of(store)  # warta build clusters copies by default
    open_sample(page, server)
    section = page.locator("#cluster")
    assert section.is_visible()
    section.get_by_role("link", name=COPY_TITLE).click()
    page.wait_for_url("**/articles/*")
    assert page.locator("h1").inner_text() == COPY_TITLE
    assert page.locator("#cluster").get_by_role("link", name=SAMPLE_ID_TITLE).is_visible()
    shot(page, "article-cluster-member")


def test_a_story_without_copies_is_alone_in_its_cluster(page: Any, server: str) -> None:
    page.goto(f"{server}/search?q=onerror")
    page.locator("li.hit a.title").click()
    page.wait_for_url("**/articles/*")
    assert page.locator("h1").inner_text() == XSS_TITLE
    section = page.locator("#cluster")
    assert "canonical member" in section.inner_text() and "alone" in section.inner_text()
    assert section.locator("a").count() == 0


def test_markup_in_a_capture_is_shown_as_text_and_never_runs(page: Any, server: str) -> None:
    page.goto(f"{server}/search?q=onerror")
    result = page.locator("li.hit a.title")
    assert result.count() == 1
    assert result.inner_text() == XSS_TITLE
    assert page.locator("li.hit .snippet").get_by_text("<script>alert(1)</script>").count() == 1
    assert page.locator("li.hit img").count() == 0
    shot(page, "search-markup")
    result.click()
    page.wait_for_url("**/articles/*")
    assert page.locator("h1").inner_text() == XSS_TITLE
    assert page.locator(".body").get_by_text("<img src=x onerror=alert(2)>").count() == 1
    assert page.locator("img").count() == 0 and page.locator("main script").count() == 0
    page.wait_for_timeout(300)
    assert page.dialogs == []
    shot(page, "article-markup")


def test_a_malformed_query_gets_a_message(page: Any, server: str) -> None:
    response = page.goto(f"{server}/search?q=%22+AND+OR+*")
    assert response.status == 400
    assert "nothing to search for" in page.get_by_role("alert").inner_text()
    shot(page, "search-malformed")


def test_the_corpus_page_draws_its_charts(page: Any, server: str, store: Path) -> None:
    page.goto(f"{server}/corpus")
    assert page.locator("#per-day svg rect").count() > 5
    assert page.locator("#removals svg").get_by_text("repeated", exact=True).count() == 1
    if clusters_of(store):
        assert page.locator("#clusters svg").count() == 1
    shot(page, "corpus")
