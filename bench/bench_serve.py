"""Load test of `warta serve`: 2,000 searches from 20 concurrent clients, 100,000 articles.

Run: `python bench/bench_serve.py` (`make bench` runs it with the others).

1. Base articles: the shared real scrapes (gikirima-2025 CSVs and detik-2025),
   cleaned by `warta.build.build` into a small store.
2. The 100,000-article store: variations of the base articles (paragraphs
   rotated and one dropped, outlet and day changed, a variant number in the
   title), written straight through the store API (`SQLiteStore.write`), with
   stemmed rows built from per-paragraph stems, so no article is cleaned twice.
   Kept in bench/out/ (gitignored) and reused while its parameters are unchanged.
3. `warta serve` in a subprocess on a free 127.0.0.1 port, started as a user
   would (`python -m warta serve --db ... --port ...`: the default number of
   worker processes, one per available CPU; `--workers N` passes another); 20
   client threads (keep-alive HTTP/1.1) send 2,000 `/api/search` requests from a
   fixed mix of queries (names, common and rare words, inflected forms, phrases,
   filters, newest-first, second pages). Bounded: 2,000 requests, 30 s per
   request, 15 minutes in all; only 127.0.0.1 is ever contacted. The clients run
   on the same machine as the server and share its CPUs.

Prints requests/s, latency percentiles (overall and per kind of query) and the
error count, and the target: p95 under 100 ms, no errors (exit 1 when not met).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path

from warta.build import build
from warta.search import stem_text
from warta.store import Batch, Marker
from warta.store.sqlite import SQLiteStore
from warta.web.server import default_workers

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "eval" / "raw"
OUT = ROOT / "bench" / "out"
GIKI_MAP = ("title=Judul|title,text=Isi|content,published=Tanggal|date+time,url=Link|url,"
            "outlet=Sumber|source")  # fmt: skip
DETIK_MAP = "title=judul,url=tautan,published=tanggal,text=isi_berita"
OUTLETS = ("detik.com", "kompas.com", "tempo.co", "okezone.com", "liputan6.com",
           "republika.co.id", "sindonews.com", "tribunnews.com", "antaranews.com",
           "cnnindonesia.com")  # fmt: skip
QUERIES = {
    "name": ["Putin", "Prabowo", "Jokowi", "Anies", "Sri Mulyani", "Luna Maya"],
    "common": ["jakarta", "pemerintah", "presiden", "indonesia", "harga"],
    "rare": ["tanggul laut", "sampah", "vaksin", "banjir", "gempa", "timnas"],
    "inflected": ["membahas", "dibahas", "pembangunan", "kebakaran", "penangkapan"],
    "phrase": ['"piala dunia"', '"bank indonesia"', '"rumah sakit"', '"kereta api"'],
    "filtered": ["polisi outlet=kompas.com", "ekonomi since=2025-07-01 until=2025-09-30"],
    "newest": ["presiden newest", "banjir newest"],
    "page2": ["jakarta offset=20", "pemerintah offset=20"],
}
N_ARTICLES = 100_000
REQUESTS = 2_000
CLIENTS = 20
TIMEOUT = 30.0
DEADLINE = 15 * 60.0
TARGET_P95_MS = 100.0


def base_store(folder: Path) -> Path:
    """The shared real scrapes, cleaned into a small store."""
    db = folder / "base.db"
    if db.exists():
        return db
    giki = sorted(str(p) for p in (SHARED / "gikirima-2025").glob("*.csv"))
    detik = str(SHARED / "detik-2025" / "data_berita.csv")
    build(giki, db, mapping=[GIKI_MAP], workers=2)
    build([detik], db, mapping=[DETIK_MAP], workers=2)
    return db


def big_store(folder: Path, n: int) -> Path:
    """`n` articles made from the base articles with variations (see the module docstring)."""
    db = folder / f"serve-{n}.db"
    if db.exists():
        return db
    base = sqlite3.connect(base_store(folder))
    rows = base.execute(
        "SELECT id, title, text, json FROM articles WHERE length(text) > 200 ORDER BY id"
    ).fetchall()
    base.close()
    print(f"generating {n:,} articles from {len(rows):,} real ones", file=sys.stderr)
    started = time.monotonic()
    stems = [[stem_text(p) for p in text.split("\n\n")] for _, _, text, _ in rows]
    title_stems = [stem_text(title or "") for _, title, _, _ in rows]
    tmp = db.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    store = SQLiteStore(tmp)
    rnd = random.Random(7)
    day0 = datetime(2025, 1, 1, 8, 0, tzinfo=UTC)
    batch: list[tuple[tuple, tuple]] = []  # type: ignore[type-arg]
    for i in range(n):
        k, j = divmod(i, len(rows))
        _, title, text, raw = rows[j]
        paragraphs = text.split("\n\n")
        shift = k % max(len(paragraphs), 1)
        order = list(range(shift, len(paragraphs))) + list(range(shift))
        if len(order) > 3:
            order.pop(rnd.randrange(len(order)))
        body = "\n\n".join(paragraphs[o] for o in order)
        body_stems = " ".join(stems[j][o] for o in order)
        new_title = f"{title} ({k + 1})" if k else title
        outlet = OUTLETS[(j + k) % len(OUTLETS)]
        when = day0 + timedelta(days=rnd.randrange(365), minutes=rnd.randrange(1440))
        published = (when + timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:%S") + "+07:00"
        article_id = f"bench{i:07d}"
        d = json.loads(raw)
        d.update(id=article_id, title=new_title, text=body, outlet=outlet,
                 published_at=published, removed=[], timeline=[])  # fmt: skip
        row = (article_id, "bench", str(i), d.get("url"), outlet, new_title, published,
               when.strftime("%Y-%m-%dT%H:%M:%SZ"), "id", body, "", json.dumps(d))  # fmt: skip
        batch.append((row, (article_id, title_stems[j], body_stems)))
        if len(batch) == 5000 or i == n - 1:
            store.write(
                Batch(articles=tuple(a for a, _ in batch), stems=tuple(s for _, s in batch)),
                Marker("bench", i + 1, i == n - 1),
            )
            batch = []
            print(f"  {i + 1:,} articles, {time.monotonic() - started:.0f} s", file=sys.stderr)
    store.db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('optimize')")
    store.db.execute("INSERT INTO articles_stem(articles_stem) VALUES ('optimize')")
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    tmp.rename(db)
    print(f"generated in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return db


def requests_mix(n: int) -> list[tuple[str, str]]:
    """`n` (kind, path) pairs, cycling through every kind of query."""
    out = []
    flat = [(kind, q) for kind, qs in QUERIES.items() for q in qs]
    rnd = random.Random(11)
    for _ in range(n):
        kind, q = rnd.choice(flat)
        params: dict[str, str] = {"limit": "20"}
        words = []
        for part in q.split(" "):
            if "=" in part and not part.startswith('"'):
                key, value = part.split("=", 1)
                params[key] = value
            elif part == "newest":
                params["newest"] = "true"
            else:
                words.append(part)
        params["q"] = " ".join(words)
        out.append((kind, "/api/search?" + urllib.parse.urlencode(params)))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load(
    port: int, plan: list[tuple[str, str]]
) -> tuple[list[tuple[str, float]], list[str], float]:
    """Send the plan from `CLIENTS` threads; returns (kind, seconds) per success, errors, wall."""
    lock = threading.Lock()
    todo = iter(plan)
    done: list[tuple[str, float]] = []
    errors: list[str] = []
    stop = time.monotonic() + DEADLINE

    def client() -> None:
        con = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        while time.monotonic() < stop:
            with lock:
                item = next(todo, None)
            if item is None:
                break
            kind, path = item
            t = time.perf_counter()
            try:
                con.request("GET", path)
                r = con.getresponse()
                r.read()
                ok = r.status == 200
                detail = f"{r.status} {path}"
            except (OSError, http.client.HTTPException) as exc:
                ok, detail = False, f"{type(exc).__name__} {path}"
                con.close()
                con = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
            dt = time.perf_counter() - t
            with lock:
                (done.append((kind, dt)) if ok else errors.append(detail))
        con.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done, errors, time.perf_counter() - started


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=N_ARTICLES)
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--workers", type=int, help="warta serve --workers (default: its own)")
    parser.add_argument("--rebuild", action="store_true", help="regenerate the stores")
    args = parser.parse_args()
    if args.rebuild and OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True, exist_ok=True)
    db = big_store(OUT, args.articles)
    port = free_port()
    command = [sys.executable, "-m", "warta", "serve", "--db", str(db), "--port", str(port)]
    if args.workers:
        command += ["--workers", str(args.workers)]
    workers = args.workers or default_workers()
    log = (OUT / "serve.log").open("w+")  # a file, never a pipe nobody reads
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise SystemExit(f"warta serve did not start: {log.read()}") from None
                time.sleep(0.2)
        load(port, requests_mix(40))  # warm up: page cache and one connection per thread
        done, errors, wall = load(port, requests_mix(args.requests))
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    times = [t for _, t in done]
    print(f"store: {args.articles:,} articles ({db.stat().st_size / 1e6:,.0f} MB), "
          f"{CLIENTS} clients, {args.requests:,} requests to 127.0.0.1:{port}")  # fmt: skip
    print(f"server: warta serve, {workers} worker{'s' if workers > 1 else ''}"
          f"{'' if args.workers else ' (its default here)'}, on the clients' "
          f"{os.cpu_count()} CPUs")  # fmt: skip
    print(f"done {len(done):,}  errors {len(errors)}  wall {wall:.1f} s  "
          f"{len(done) / wall:,.0f} requests/s")  # fmt: skip
    if times:
        print(f"latency ms: p50 {pct(times, 50):.1f}  p95 {pct(times, 95):.1f}  "
              f"p99 {pct(times, 99):.1f}  max {max(times) * 1000:.1f}  "
              f"mean {statistics.fmean(times) * 1000:.1f}")  # fmt: skip
        for kind in QUERIES:
            ts = [t for k, t in done if k == kind]
            if ts:
                print(
                    f"  {kind:<10} n {len(ts):>4}  p50 {pct(ts, 50):6.1f}  p95 {pct(ts, 95):6.1f}"
                )
    for e in errors[:5]:
        print(f"error: {e}")
    p95 = pct(times, 95) if times else float("inf")
    met = p95 < TARGET_P95_MS and not errors
    print(f"target p95 < {TARGET_P95_MS:.0f} ms with no errors: {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
