"""Dedup throughput and quality: warta (rensa MinHash + LSH in the SQLite store) vs datatrove.

Builds the shared detik and gikirima datasets with warta, then generates `--n`
articles from their clean texts: distinct stories (a real article with half its
words replaced by words of the corpus vocabulary, so stories share vocabulary
and a few phrases but are not copies) and, for a quarter of them, one to three
republications made with `warta.dedup.synthetic.republish` (new lead, changed
prefix, boilerplate, paragraph dropped or added, first half only; 10% exact).
The articles go into a warta store (not timed); then, each in its own process:

- warta: `Deduplicator(store.dedup_index()).run()` over the whole store;
- datatrove 0.10.1: MinhashDedupSignature -> Buckets -> Cluster -> Filter with its
  default config (5-grams, 14 buckets x 8 hashes; sha1 shingle hashes), cluster ids loaded back.

Reports articles/s, peak RSS of the process, and pair precision/recall/F1 against
the known stories.

    python bench/bench_dedup.py            # default size, see DEFAULT_N
    python bench/bench_dedup.py --n 20000  # quicker
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import resource
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
RAW = SHARED / "eval" / "raw"
DETIK_MAP = "title=judul,url=tautan,published=tanggal,text=isi_berita"
GIKI_MAP = ("title=Judul|title,text=Isi|content,published=Tanggal|date+time,url=Link|url,"
            "outlet=Sumber|source")  # fmt: skip
#: 1,000,000 takes longer than 20 minutes here with the baseline (see docs/dedup.md).
DEFAULT_N = 200_000


def base_texts(folder: Path) -> list[str]:
    """Clean texts of the shared raw datasets, built with warta."""
    from warta.build import build
    from warta.dedup import DedupSettings
    from warta.settings import Settings

    db = folder / "base.db"
    off = Settings(dedup=DedupSettings(enabled=False))
    build([str(RAW / "detik-2025" / "data_berita.csv")], db, mapping=[DETIK_MAP], settings=off)
    giki = sorted(str(p) for p in (RAW / "gikirima-2025").glob("*.csv"))
    if giki:
        build(giki, db, mapping=[GIKI_MAP], settings=off)
    with sqlite3.connect(db) as con:
        texts = [t for (t,) in con.execute("SELECT DISTINCT text FROM articles")]
    return [t for t in texts if len(t.split()) >= 60]


def generate(texts: list[str], n: int, seed: int = 7) -> tuple[list[str], list[int]]:
    """`n` texts and the story each belongs to."""
    from warta.dedup.synthetic import paragraphs, republish

    rng = random.Random(seed)
    vocab = [w for t in texts[:2000] for w in t.split()]
    out: list[str] = []
    story: list[int] = []
    s = 0
    while len(out) < n:
        base = rng.choice(texts)
        new = "\n\n".join(
            " ".join(w if rng.random() < 0.5 else rng.choice(vocab) for w in p.split())
            for p in base.split("\n\n")
        )
        out.append(new)
        story.append(s)
        if rng.random() < 0.25:
            for _ in range(rng.choice((1, 1, 2, 3))):
                if rng.random() < 0.1:
                    copy = new
                else:
                    copy, _ = republish(new, rng, rng.choice(paragraphs(rng.choice(texts))))
                out.append(copy)
                story.append(s)
        s += 1
    return out[:n], story[:n]


def fill_store(db: Path, texts: list[str]) -> None:
    """The generated texts as articles of a warta store (id = zero-padded index)."""
    from warta.store import Batch, Marker, open_store

    with open_store(db) as store:
        for start in range(0, len(texts), 20_000):
            rows = tuple(
                (f"{i:016d}", "bench", str(i), f"https://bench.example/{i}", "bench.example",
                 None, None, None, "id", texts[i], "", "{}")
                for i in range(start, min(start + 20_000, len(texts)))
            )  # fmt: skip
            store.write(Batch(articles=rows), Marker("bench", start + len(rows), True))


def run_warta(db: str, queue: Any) -> None:
    """Child process: dedup the whole store."""
    from warta.dedup import Deduplicator
    from warta.store import open_store

    started = time.perf_counter()
    with open_store(db) as store:
        stats = Deduplicator(store.dedup_index()).run(batch=10_000)
    elapsed = time.perf_counter() - started
    queue.put((elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, stats.candidates))


def run_datatrove(texts: list[str], folder: str, queue: Any) -> None:
    """Child process: datatrove's four MinHash steps, in process, one task per bucket."""
    import logging

    from datatrove.data import Document
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )

    logging.disable(logging.WARNING)
    try:
        from loguru import logger

        logger.remove()
    except ImportError:
        pass
    from datatrove.utils.hashing import HashConfig

    # sha1: datatrove's xxhash path passes str to xxhash 4.1, which wants bytes
    config = MinhashConfig(hash_config=HashConfig(hash_fc="sha1"))
    started = time.perf_counter()
    docs = [Document(text=t, id=str(i)) for i, t in enumerate(texts)]
    MinhashDedupSignature(f"{folder}/sigs", config).run(iter(docs), 0, 1)
    for bucket in range(config.num_buckets):
        MinhashDedupBuckets(f"{folder}/sigs", f"{folder}/buckets", config=config).run(
            None, bucket, config.num_buckets
        )
    MinhashDedupCluster(f"{folder}/buckets", f"{folder}/remove", config=config,
                        save_cluster_id=True).run(None, 0, 1)  # fmt: skip
    flt = MinhashDedupFilter(f"{folder}/remove", load_cluster_ids=True)
    for _ in flt.run(iter(docs), 0, 1):  # sets the cluster id on every doc, removed ones too
        pass
    labels = [d.metadata.get("minhash_cluster_id", -1) for d in docs]
    elapsed = time.perf_counter() - started
    queue.put((elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, labels))


def scores(labels: list[Any], story: list[int]) -> tuple[float, float, float]:
    """Pair precision, recall and F1 of a clustering against the stories."""

    def pairs(c: Counter[Any]) -> int:
        return sum(k * (k - 1) // 2 for k in c.values())

    singleton = [lab if lab not in (-1, None) else ("alone", i) for i, lab in enumerate(labels)]
    tp = pairs(Counter(zip(singleton, story, strict=True)))
    pred, true = pairs(Counter(singleton)), pairs(Counter(story))
    p = tp / pred if pred else 1.0
    r = tp / true if true else 1.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def in_child(target: Any, *args: Any) -> Any:
    """Run `target(*args, queue)` in a fresh process (its own peak RSS) and return its result."""
    import queue as queues

    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, results))
    proc.start()
    while True:
        try:
            result = results.get(timeout=5)
            break
        except queues.Empty:
            if not proc.is_alive():
                sys.exit(f"{target.__name__} died (exit code {proc.exitcode})")
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=DEFAULT_N, help="articles to dedup")
    parser.add_argument("--baseline-n", type=int, default=None,
                        help="articles for datatrove (default: the same --n)")  # fmt: skip
    args = parser.parse_args()
    if not (RAW / "detik-2025" / "data_berita.csv").exists():
        sys.exit(f"shared data missing: {RAW}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        texts, story = generate(base_texts(folder), args.n)
        db = folder / "bench.db"
        fill_store(db, texts)
        print(f"generated {len(texts):,} articles ({len(set(story)):,} stories) and stored them"
              f" in {time.perf_counter() - t:.0f}s")  # fmt: skip
        elapsed, rss_kb, candidates = in_child(run_warta, str(db))
        with sqlite3.connect(db) as con:
            got = dict(con.execute(
                "SELECT a.id, c.cluster FROM articles a JOIN clusters c ON c.article = a.rowid"
            ).fetchall())  # fmt: skip
        labels = [got[f"{i:016d}"] for i in range(len(texts))]
        p, r, f1 = scores(labels, story)
        rate = len(texts) / elapsed
        print(
            f"warta      {len(texts):>9,} articles {elapsed:8.1f}s {rate:9,.0f} articles/s"
            f"  peak RSS {rss_kb / 1024:7.0f} MiB  P {p:.3f} R {r:.3f} F1 {f1:.3f}"
            f"  ({candidates:,} candidate pairs; store {db.stat().st_size / 2**20:,.0f} MiB)"
        )
        bn = min(args.baseline_n or len(texts), len(texts))
        belapsed, brss, blabels = in_child(run_datatrove, texts[:bn], str(folder / "dt"))
        bp, br, bf1 = scores(blabels, story[:bn])
        brate = bn / belapsed
        print(
            f"datatrove  {bn:>9,} articles {belapsed:8.1f}s {brate:9,.0f} articles/s"
            f"  peak RSS {brss / 1024:7.0f} MiB  P {bp:.3f} R {br:.3f} F1 {bf1:.3f}"
        )
        print(f"warta / datatrove: {rate / brate:.2f}x articles/s, F1 {f1:.3f} vs {bf1:.3f}")


if __name__ == "__main__":
    main()
