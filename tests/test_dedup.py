"""Syndication: copies of one story clustered across the store, the first publisher canonical.

Stores are built in tmp_path through the public API from the shared data
(`../shared/eval`); synthetic republications are made here from real articles.
"""

from __future__ import annotations

import itertools
import json
import random
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import SHARED, need_shared
from warta.build import build
from warta.cli import main
from warta.dedup import Deduplicator, DedupSettings, cluster, deduplicate, find_cluster, normalise
from warta.dedup.cluster import FANOUT, _batch_pairs
from warta.dedup.synthetic import EDITS, apply_edit, paragraphs, republish
from warta.export import export
from warta.model import Article
from warta.pipeline import Cleaner
from warta.store import Marker, open_store, to_batch

DETIK = SHARED / "eval" / "raw" / "detik-2025"
EVENTS = SHARED / "eval" / "events" / "faizghifari-2019"
DETIK_MAP = "title=judul,url=tautan,published=tanggal,text=isi_berita"
JSONL_MAP = "title=title,url=url,text=text,published=published,outlet=outlet"
#: Largest cluster of the detik store (measured: 7, a story republished by 6 regional sites).
LARGEST_DETIK_CLUSTER = 10


def shingles(text: str, k: int = 5) -> set[str]:
    """Word k-grams of warta's normalised text (the check's definition)."""
    w = normalise(text)
    return {" ".join(w[i : i + k]) for i in range(max(1, len(w) - k + 1))}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def rows(db: Path) -> list[dict[str, Any]]:
    """Every article with its cluster (via the public JSON)."""
    with open_store(db, create=False) as store:
        return list(store.articles())


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


@pytest.fixture(scope="module")
def detik_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("detik") / "corpus.db"
    stats = build([str(need_shared(DETIK / "data_berita.csv"))], db, mapping=[DETIK_MAP],
                  workers=2)  # fmt: skip
    assert stats.dedup is not None and stats.dedup.articles == stats.stored
    return db


@pytest.fixture(scope="module")
def synthetic(detik_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Distinct detik stories (alone in their cluster, >= 60 words) and one republication each."""
    articles = rows(detik_db)
    sizes = Counter(a["cluster"] for a in articles)
    pairs = json.loads((DETIK / "near_duplicate_pairs_computed.json").read_text())
    paired = {p["url_a"] for p in pairs} | {p["url_b"] for p in pairs}
    bases = [a for a in articles if sizes[a["cluster"]] == 1 and a["url"] not in paired
             and len(normalise(a["text"])) >= 60]  # fmt: skip
    rng = random.Random(20251)
    records, origin = [], {}
    for i, a in enumerate(bases):
        donor = rng.choice(paragraphs(rng.choice(bases)["text"]))
        copy, _ = republish(a["text"], rng, donor)
        for kind, text in (("orig", a["text"]), ("copy", copy)):
            url = f"https://outlet-{kind}.example/{i}"
            outlet = f"outlet-{kind}.example"
            records.append({"title": a["title"], "url": url, "text": text,
                            "published": a["published_at"], "outlet": outlet})  # fmt: skip
            origin[url] = i
    folder = tmp_path_factory.mktemp("synthetic")
    db = folder / "corpus.db"
    stats = build([str(write_jsonl(folder / "copies.jsonl", records))], db, mapping=[JSONL_MAP],
                  workers=2)  # fmt: skip
    assert stats.stored == len(records)
    return {"db": db, "origin": origin, "bases": len(bases), "records": records}


def test_detik_pairs_with_high_jaccard_share_a_cluster(detik_db: Path) -> None:
    by_url = {a["url"]: a for a in rows(detik_db)}
    pairs = json.loads((DETIK / "near_duplicate_pairs_computed.json").read_text())
    high = [(by_url[p["url_a"]], by_url[p["url_b"]]) for p in pairs
            if jaccard(shingles(by_url[p["url_a"]]["text"]),
                       shingles(by_url[p["url_b"]]["text"])) >= 0.8]  # fmt: skip
    assert len(high) >= 5
    assert all(a["cluster"] == b["cluster"] for a, b in high)


def test_every_article_has_one_cluster_and_each_cluster_one_canonical(detik_db: Path) -> None:
    articles = rows(detik_db)
    with open_store(detik_db, create=False) as store:
        assert len(articles) == store.counts()["articles"]  # nothing dropped
    canon: Counter[str] = Counter()
    for a in articles:
        canon[a["cluster"]] += a["canonical"]
        assert a["cluster"] is not None
    assert set(canon.values()) == {1}


def test_largest_cluster_on_the_shared_data(detik_db: Path) -> None:
    sizes = Counter(a["cluster"] for a in rows(detik_db))
    assert max(sizes.values()) <= LARGEST_DETIK_CLUSTER


def test_canonical_is_the_earliest_member(detik_db: Path) -> None:
    members: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in rows(detik_db):
        members[a["cluster"]].append(a)
    with sqlite3.connect(detik_db) as con:
        utc = dict(con.execute("SELECT id, published_utc FROM articles"))
    for group in members.values():
        first = min(utc[a["id"]] or "~" for a in group)
        assert utc[next(a["id"] for a in group if a["canonical"])] == first


def test_events_written_independently_stay_apart(tmp_path: Path) -> None:
    records = []
    for f in sorted(need_shared(EVENTS).glob("*.json")):
        data = json.loads(f.read_text(encoding="utf-8"))
        for b in data.get("base_text", []) if isinstance(data, dict) else []:
            records.append({"title": b["title"], "url": b["url"], "text": b["text"]})
    assert len(records) >= 40
    db = tmp_path / "events.db"
    build([str(write_jsonl(tmp_path / "events.jsonl", records))], db,
          mapping=["title=title,url=url,text=text"], workers=1)  # fmt: skip
    articles = rows(db)
    cross = [(a, b) for a, b in itertools.combinations(articles, 2) if a["outlet"] != b["outlet"]]
    together = sum(a["cluster"] == b["cluster"] for a, b in cross)
    assert together / len(cross) <= 0.05


def test_synthetic_republications_recall_and_precision(synthetic: dict[str, Any]) -> None:
    origin = synthetic["origin"]
    clusters: defaultdict[str, list[int]] = defaultdict(list)
    for a in rows(synthetic["db"]):
        clusters[a["cluster"]].append(origin[a["url"]])
    predicted = [(x, y) for group in clusters.values() for x, y in itertools.combinations(group, 2)]
    true_positive = sum(x == y for x, y in predicted)
    recall = true_positive / synthetic["bases"]
    precision = true_positive / len(predicted)
    assert recall >= 0.95, recall
    assert precision >= 0.99, precision


def test_incremental_equals_one_pass(synthetic: dict[str, Any], tmp_path: Path) -> None:
    records = synthetic["records"]
    half = len(records) // 2
    first = write_jsonl(tmp_path / "first.jsonl", records[::2][: half // 2] + records[1::2][:50])
    second = write_jsonl(tmp_path / "second.jsonl", [r for r in records if r not in
                         records[::2][: half // 2] + records[1::2][:50]])  # fmt: skip
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    build([str(first), str(second)], one, mapping=[JSONL_MAP], workers=2)
    build([str(first)], two, mapping=[JSONL_MAP], workers=2)
    stats = build([str(second)], two, mapping=[JSONL_MAP], workers=2)
    assert stats.dedup is not None and stats.dedup.articles == stats.stored  # only new ones
    a = {r["url"]: (r["cluster"], r["canonical"]) for r in rows(one)}
    b = {r["url"]: (r["cluster"], r["canonical"]) for r in rows(two)}
    # the same partition and canonicals; cluster ids are ids, which differ by source file
    part_a = {frozenset(u for u in a if a[u][0] == c) for c, _ in a.values()}
    part_b = {frozenset(u for u in b if b[u][0] == c) for c, _ in b.values()}
    assert part_a == part_b
    assert {u for u in a if a[u][1]} == {u for u in b if b[u][1]}


def store_of(tmp_path: Path, texts: list[tuple[str, str]], **fields: Any) -> list[Article]:
    """Articles cleaned from (title, body) records and written to a store in tmp_path."""
    cleaner = Cleaner()
    results = [cleaner(body, source=f"r{i}", title=title, **fields)
               for i, (title, body) in enumerate(texts)]  # fmt: skip
    with open_store(tmp_path / "c.db") as store:
        store.write(to_batch(results), Marker("records", len(results), True))
    return [r for r in results if isinstance(r, Article)]


def test_bad_input_forms_no_giant_cluster(tmp_path: Path) -> None:
    boiler = "ADVERTISEMENT SCROLL TO CONTINUE WITH CONTENT Simak juga video berikut ini."
    tiny = "Harga cabai naik lagi di pasar."  # 7 words: never clustered
    short = (
        "Gempa bermagnitudo lima mengguncang Jayapura pagi ini, warga berhamburan keluar"
        " rumah namun tidak ada kerusakan berarti."
    )  # 17 words
    texts = [(f"Judul {i}", boiler) for i in range(40)]
    texts += [(f"Kabar {i}", tiny) for i in range(10)]
    texts += [(f"Gempa {i}", short) for i in range(10)]  # same short text, other titles
    texts += [("Gempa Jayapura", short)] * 3  # identical short records: exact copies
    texts += [("Kosong", "")] * 3
    articles = store_of(tmp_path, texts)
    with open_store(tmp_path / "c.db") as store:
        done = Deduplicator(store.dedup_index()).assign_many(articles)
    assert len(done) == len(articles)
    sizes = Counter(a.extra["cluster"] for a in done)
    assert max(sizes.values()) == 3  # only the identical title+text short records
    assert all(a.extra["canonical"] for a in done if sizes[a.extra["cluster"]] == 1)


@pytest.mark.parametrize("one_batch", [True, False])
def test_a_story_copied_many_times_indexes_a_few_members(
    detik_db: Path, tmp_path: Path, one_batch: bool
) -> None:
    """Twelve copies of a story form one cluster, whichever batches they come in; the
    LSH keys of INDEXED_MEMBERS of them are indexed, the exact keys of all, and only the
    indexed ones store a signature (no other can be found as a candidate to verify): a
    thirteenth copy, clustered by a Deduplicator that keeps none at hand, reads theirs
    and joins the cluster."""
    from warta.dedup.cluster import INDEXED_MEMBERS

    base = max(rows(detik_db), key=lambda a: len(normalise(a["text"])))
    rng = random.Random(7)
    texts = [(base["title"], base["text"])]
    texts += [(f"{base['title']} ({i})", republish(base["text"], rng, edits=1)[0])
              for i in range(11)]  # fmt: skip
    articles = store_of(tmp_path, texts)
    with open_store(tmp_path / "c.db") as store:
        dedup = Deduplicator(store.dedup_index())
        for batch in [articles] if one_batch else [[a] for a in articles]:
            dedup.assign_many(batch)
    con = sqlite3.connect(tmp_path / "c.db")
    lsh = con.execute("SELECT count(DISTINCT article) FROM bands WHERE band >= 0").fetchone()
    exact = con.execute("SELECT count(DISTINCT article) FROM bands WHERE band < 0").fetchone()
    assert lsh[0] == INDEXED_MEMBERS
    assert exact[0] == len(articles)
    signed = con.execute("SELECT article FROM signatures ORDER BY article").fetchall()
    indexed = con.execute("SELECT DISTINCT article FROM bands WHERE band >= 0 ORDER BY article")
    assert signed == indexed.fetchall()
    con.close()
    [story] = {a["cluster"] for a in rows(tmp_path / "c.db")}
    late = Cleaner()(apply_edit(base["text"], "drop_paragraph", rng), source="late", title="Salin")
    assert isinstance(late, Article)
    with open_store(tmp_path / "c.db") as store:
        store.write(to_batch([late]), Marker("late", 1, True))
        [joined] = Deduplicator(store.dedup_index()).assign_many([late])
    assert joined.extra["cluster"] == story and not joined.extra["canonical"]
    # a candidate whose signature is not stored (lost from a store) cannot be verified:
    # the copy stays alone, where it stopped the build before
    with open_store(tmp_path / "c.db") as store:
        store.db.execute("DELETE FROM signatures")
        store.db.commit()
        dropped = apply_edit(base["text"], "drop_paragraph", rng)  # not an exact copy
        again = Cleaner()(dropped, source="lagi", title="Lagi")
        assert isinstance(again, Article)
        store.write(to_batch([again]), Marker("lagi", 1, True))
        [alone] = Deduplicator(store.dedup_index()).assign_many([again])
    assert alone.extra["cluster"] != story


def test_signatures_kept_at_hand_leave_the_clusters_as_they_are(
    synthetic: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Originals and copies clustered 7 at a time (a copy often in a later batch than its
    original): the same clusters whether the Deduplicator keeps the stored signatures it
    needs at hand or reads each from the store, and it keeps no more than it may."""
    records = synthetic["records"][:240]
    default = cluster.RECENT_SIGNATURES

    def clustered(kept: int) -> tuple[dict[str, tuple[str, bool]], int, int]:
        """Clusters by article id, signatures read from the store, most kept at hand."""
        monkeypatch.setattr(cluster, "RECENT_SIGNATURES", kept)
        folder = tmp_path / str(kept)
        folder.mkdir()
        articles = store_of(folder, [(r["title"], r["text"]) for r in records])
        read, most = 0, 0
        with open_store(folder / "c.db") as store:
            index = store.dedup_index()
            dedup = Deduplicator(index)
            stored = index.signatures

            def counted(rowids: Iterable[int]) -> dict[int, Any]:
                nonlocal read
                found = stored(rowids)
                read += len(found)
                return found

            monkeypatch.setattr(index, "signatures", counted)
            done = []
            for i in range(0, len(articles), 7):
                done += dedup.assign_many(articles[i : i + 7])
                most = max(most, len(dedup._recent))
        return {a.id: (a.extra["cluster"], a.extra["canonical"]) for a in done}, read, most

    none, read_all, _ = clustered(0)
    pairs = Counter(name for name, _ in none.values())
    assert sum(n == 2 for n in pairs.values()) >= 100  # most copies found their original
    for kept in (5, default):
        clusters, read, most = clustered(kept)
        assert clusters == none
        assert most <= kept
        assert read < read_all  # some came from those kept at hand
    assert read == 0  # room for all: each was kept when its article was indexed


def test_a_bucket_keeps_the_earliest_stored_articles_of_a_batch(tmp_path: Path) -> None:
    """More new articles than BUCKET_SIZE share a band key, given latest first: the bucket
    keeps the lowest rowids (a batch's articles enter it in rowid order)."""
    from warta.store.sqlite_dedup import BUCKET_SIZE

    rowids = range(2 * BUCKET_SIZE, 0, -1)
    with open_store(tmp_path / "c.db") as store:
        store.dedup_index().save_dedup([], [[0, 42, r] for r in rowids] + [[0, 7, 5]], [], {}, [])
        kept = store.db.execute("SELECT article FROM bands WHERE band = 0 AND key = 42").fetchall()
        other = store.db.execute("SELECT article FROM bands WHERE key = 7").fetchall()
    assert [r for (r,) in kept] == list(range(1, BUCKET_SIZE + 1))
    assert other == [(5,)]


@pytest.mark.parametrize("extra", [-1, 0, 1, 150])
def test_a_probe_finds_every_key_however_many_statements_carry_them(
    tmp_path: Path, extra: int
) -> None:
    """The probe's keys go to SQLite a few hundred to a statement (`insert_rows`): a batch
    of any size finds a match for every key an earlier article indexed."""
    from warta.store.sqlite_dedup import _CHUNK

    n = 2 * (_CHUNK // 3) + extra  # two whole statements, and a few rows more or fewer
    with open_store(tmp_path / "c.db") as store:
        index = store.dedup_index()
        # stored article 1 indexed keys 1000.. of band 0; queries 10_000.. each hold one
        index.save_dedup([], [[0, 1000 + k, 1] for k in range(n)], [], {}, [])
        found = index.band_matches([[0, 1000 + k, 10_000 + k] for k in range(n)], limit=64)
    assert sorted(found) == [(0, 10_000 + k, 1) for k in range(n)]


def test_max_cluster_refuses_chaining(tmp_path: Path) -> None:
    body = " ".join(f"kata{i}" for i in range(80))
    articles = store_of(tmp_path, [(f"Judul {i}", body) for i in range(6)])
    with open_store(tmp_path / "c.db") as store:
        dedup = Deduplicator(store.dedup_index(), DedupSettings(max_cluster=4))
        done = dedup.assign_many(articles)
    assert max(Counter(a.extra["cluster"] for a in done).values()) == 4
    assert dedup.stats.refused >= 1


def test_canonical_ties_go_to_wire_then_outlet_then_id(tmp_path: Path) -> None:
    body = " ".join(f"kata{i}" for i in range(60))
    cleaner = Cleaner()
    when = "2025-10-21 20:43"
    results = [
        cleaner(body, source="a", title="T", published="2025-10-21 21:00", outlet="aaa.com"),
        cleaner(body + " Baca juga", source="b", title="T", published=when, outlet="zzz.com"),
        cleaner("Jakarta (ANTARA) - " + body, source="c", title="T", published=when,
                outlet="yyy.com"),
        cleaner(body + " tambahan", source="d", title="T", published=when, outlet="bbb.com"),
    ]  # fmt: skip
    with open_store(tmp_path / "c.db") as store:
        store.write(to_batch(results), Marker("r", 4, True))
        stored = [r for r in results if isinstance(r, Article)]
        done = Deduplicator(store.dedup_index()).assign_many(stored)
    assert len({a.extra["cluster"] for a in done}) == 1
    assert [a.outlet for a in done if a.extra["canonical"]] == ["yyy.com"]


def test_canonical_is_the_earliest_so_far_as_copies_arrive(tmp_path: Path) -> None:
    """Copies arrive one batch at a time, some earlier and some later than those before:
    after every batch the cluster has exactly one canonical member, the earliest so far."""
    body = " ".join(f"kata{i}" for i in range(60))
    hours = [14, 12, 16, 9, 11, 8, 20, 10]
    cleaner = Cleaner()
    results = [cleaner(body + f" tambahan{h}", source=f"s{h}", title="T", outlet=f"o{h}.com",
                       published=f"2025-10-21 {h:02d}:00") for h in hours]  # fmt: skip
    articles = [r for r in results if isinstance(r, Article)]
    with open_store(tmp_path / "c.db") as store:
        store.write(to_batch(results), Marker("r", len(results), True))
        dedup = Deduplicator(store.dedup_index())
        for i, article in enumerate(articles):
            dedup.assign_many([article])
            with closing(sqlite3.connect(tmp_path / "c.db")) as con:
                marked = con.execute(
                    "SELECT a.outlet FROM clusters c JOIN articles a ON a.rowid = c.article"
                    " WHERE c.canonical = 1"
                ).fetchall()
                clusters = con.execute("SELECT count(DISTINCT cluster) FROM clusters").fetchone()
            assert clusters == (1,)
            assert marked == [(f"o{min(hours[: i + 1])}.com",)]


def test_a_build_counts_the_agency_the_cleaner_took_off_as_wire(tmp_path: Path) -> None:
    """In a build, the Deduplicator reads no article back: the wire credit that the cleaner
    moved from the text to `agency` travels in the fingerprint."""
    body = " ".join(f"kata{i}" for i in range(60))
    when = "2025-10-21 20:43"
    records = [
        {"title": "T", "text": body + " Baca juga", "published": when, "outlet": "zzz.com"},
        {"title": "T", "text": "Jakarta (ANTARA) - " + body, "published": when,
         "outlet": "yyy.com"},
        {"title": "T", "text": body + " tambahan", "published": when, "outlet": "bbb.com"},
    ]  # fmt: skip
    for i, r in enumerate(records):
        r["url"] = f"https://{r['outlet']}/{i}"
    source = write_jsonl(tmp_path / "s.jsonl", records)
    stats = build([str(source)], tmp_path / "c.db", mapping=[JSONL_MAP], workers=1)
    assert stats.stored == 3
    articles = rows(tmp_path / "c.db")
    assert len({a["cluster"] for a in articles}) == 1
    wire = next(a for a in articles if a["outlet"] == "yyy.com")
    assert wire["agency"] and "ANTARA" not in wire["text"]
    assert [a["outlet"] for a in articles if a["canonical"]] == ["yyy.com"]


def test_synthetic_edits_each_change_the_text() -> None:
    text = "\n\n".join(f"Paragraf {i} " + "kata " * 20 for i in range(6))
    for edit in EDITS:
        assert apply_edit(text, edit, random.Random(0), donor="Lead baru dari berita lain.") != text


def test_cli_dedup_show_and_export_without_duplicates(synthetic: dict[str, Any],
                                                       tmp_path: Path) -> None:  # fmt: skip
    db = tmp_path / "c.db"
    source = write_jsonl(tmp_path / "s.jsonl", synthetic["records"][:40])
    runner = CliRunner()
    done = runner.invoke(main, ["build", str(source), "--db", str(db), "--map", JSONL_MAP,
                                "--no-dedup", "-q", "--workers", "1"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert all("cluster" not in a for a in rows(db))
    done = runner.invoke(main, ["dedup", "--db", str(db)])
    assert done.exit_code == 0, done.output
    assert "dedup 40 articles" in done.output
    articles = rows(db)
    clustered = next(a for a in articles if not a["canonical"])
    done = runner.invoke(main, ["show", clustered["id"], "--db", str(db)])
    assert done.exit_code == 0, done.output
    assert clustered["url"] in done.output and "\n* " in done.output
    done = runner.invoke(main, ["show", "0000000000000000", "--db", str(db)])
    assert done.exit_code == 1
    assert done.output.startswith("Error: 0000000000000000: no such article in")
    stats = export(db, tmp_path / "out", drop_duplicates=True)
    assert stats.article_rows == sum(a["canonical"] for a in articles) < len(articles)
    done = runner.invoke(main, ["export", "--db", str(db), "--out", str(tmp_path / "o2"),
                                "--drop-duplicates", "-q"])  # fmt: skip
    assert done.exit_code == 0
    lines = (tmp_path / "o2" / "articles.jsonl").read_text().splitlines()
    assert len(lines) == stats.article_rows


def test_reset_reclusters_with_new_thresholds(synthetic: dict[str, Any], tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    build([str(write_jsonl(tmp_path / "s.jsonl", synthetic["records"][:60]))], db,
          mapping=[JSONL_MAP], workers=1)  # fmt: skip
    strict = deduplicate(db, DedupSettings(jaccard=1.0, containment=1.0), reset=True)
    assert strict.articles == 60
    assert find_cluster(db, rows(db)[0]["id"])


@given(
    st.lists(
        # few buckets, so some hold more than FANOUT articles
        st.tuples(st.integers(-1, 1), st.integers(0, 1), st.integers(1, 80)),
        max_size=200, unique_by=lambda k: (k[0], k[2]),
    )
)  # fmt: skip
@example([(0, 1, rowid) for rowid in range(40, 0, -1)])  # a bucket of more than FANOUT
@settings(max_examples=200, deadline=None)
def test_batch_pairs_pair_each_article_with_the_first_of_its_bucket(
    keys: list[tuple[int, int, int]],
) -> None:
    """In each bucket (band, key), in rowid order, an article pairs with the FANOUT before it."""
    buckets: defaultdict[tuple[int, int], list[int]] = defaultdict(list)
    for band, key, rowid in keys:
        buckets[(band, key)].append(rowid)
    expected = {
        (members[i], members[j], band)
        for (band, _), members in ((b, sorted(m)) for b, m in buckets.items())
        for i in range(len(members))
        for j in range(min(i, FANOUT))
    }
    # sorted, as `_key_rows` gives them
    assert _batch_pairs(np.array(sorted(keys), dtype=np.int64).reshape(-1, 3)) == expected


@given(st.dictionaries(
    st.integers(1, 10**6),
    st.tuples(st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)),
              st.lists(st.integers(-(2**63), 2**63 - 1), max_size=4)),
    max_size=12,
))  # fmt: skip
def test_key_rows_are_every_key_of_a_batch_in_order(
    batch: dict[int, tuple[int | None, list[int]]],
) -> None:
    from warta.dedup.cluster import _key_rows
    from warta.dedup.fingerprint import EXACT_BAND, Fingerprint, band_keys_of

    # LSH keys come in one width a batch (the settings' bands)
    width = max((len(b) for _, b in batch.values()), default=0)
    padded = {r: b + [7] * (width - len(b)) if b else [] for r, (_, b) in batch.items()}
    prints = {r: Fingerprint("minhash" if padded[r] else "short", 40, exact=exact,
                             bands=np.array(padded[r], dtype="<i8").tobytes())
              for r, (exact, _) in batch.items()}  # fmt: skip
    assert all(band_keys_of(f) == padded[r] for r, f in prints.items())
    expected = sorted(
        [[EXACT_BAND, f.exact, r] for r, f in prints.items() if f.exact is not None]
        + [[b, k, r] for r, keys in padded.items() for b, k in enumerate(keys)]
    )
    assert _key_rows(prints).tolist() == expected


_WIRE_PIECES = ["ANTARA", "Antara News", "AFP", "XAFP", "Reuters", "x", " ", "(", ")", "-",
                "Jakarta", "é", "\n"]  # fmt: skip


@given(st.lists(st.sampled_from(_WIRE_PIECES), max_size=20).map("".join))
def test_names_wire_is_its_regex_over_head_and_tail(text: str) -> None:
    from warta.dedup.fingerprint import _WIRE, names_wire

    head_tail = text if len(text) <= 800 else text[:400] + "\n" + text[-400:]
    assert names_wire(text) == (_WIRE.search(head_tail) is not None)


@given(st.text(st.characters(max_codepoint=0x7F)) | st.text() | st.sampled_from(["", " \x1c "]))
def test_fingerprint_words_are_normalise_as_utf8(text: str) -> None:
    """An ASCII text's words are read as bytes (one pass, nothing decoded): the same words."""
    from warta.dedup.fingerprint import _exact_key, _joined, _words, exact_key

    words = _words(text)
    assert [w if isinstance(w, bytes) else w.encode() for w in words] == [
        w.encode() for w in normalise(text)
    ]
    assert _exact_key(_joined(words), "Judul") == exact_key(normalise(text), "Judul")


@given(st.text() | st.text(alphabet=st.sampled_from("aZ .,“”…—-é\ud800İ|'\n")))
def test_normalise_reads_every_punctuation_mark_as_a_space(text: str) -> None:
    import string

    from warta.dedup.fingerprint import _WIDE_PUNCT

    marks = {ord(c): " " for c in string.punctuation + _WIDE_PUNCT}
    assert normalise(text) == text.lower().translate(marks).split()
