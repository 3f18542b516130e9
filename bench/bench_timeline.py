"""Throughput of the timeline against dateparser's `search_dates`, on the same texts, same run.

Texts: the sample capture (cleaned) and the 50 unannotated IndoTimex articles,
each with its own publication instant as anchor. Prints articles/s for both
and the ratio. Run from the repo root: `python bench/bench_timeline.py`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from warta import clean_capture
from warta.evaluate_timex import read_gold
from warta.model import Article
from warta.timeline import extract_timeline

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SAMPLE = SHARED / "samples" / "000_fa0db1606fa02f66.txt"
UNANNOTATED = SHARED / "eval" / "timex" / "indotimex-kompas" / "unannotated"
#: The issue's floor for the timeline alone.
MIN_ARTICLES_PER_S = 2000
BUDGET_S = 3.0  # per system: enough repeats for a stable figure, far under 2 minutes


def load() -> list[tuple[str, datetime]]:
    """(text, anchor) of every bench article."""
    texts: list[tuple[str, datetime]] = []
    article = clean_capture(SAMPLE.read_bytes())
    if isinstance(article, Article) and article.published is not None:
        texts.append((article.text, article.published.value))
    for path in sorted(UNANNOTATED.glob("*.tml")):
        doc = read_gold(path)
        texts.append((doc.text, doc.dct))
    return texts


def rate(run: Callable[[str, datetime], object], texts: list[tuple[str, datetime]]) -> float:
    """Articles per second: whole passes over `texts` until the budget is spent."""
    for text, anchor in texts[:3]:  # warm up (regex compilation, lazy imports)
        run(text, anchor)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < BUDGET_S:
        for text, anchor in texts:
            run(text, anchor)
        done += len(texts)
    return done / (time.perf_counter() - start)


def main() -> int:
    """Measure both systems and print the comparison."""
    if not SAMPLE.exists() or not UNANNOTATED.is_dir():
        print(f"shared data missing under {SHARED}", file=sys.stderr)
        return 1
    texts = load()
    chars = sum(len(t) for t, _ in texts) / len(texts)
    print(f"{len(texts)} articles, {chars:,.0f} characters on average")
    ours = rate(extract_timeline, texts)
    print(f"warta extract_timeline      {ours:10,.0f} articles/s")
    try:
        from dateparser.search import search_dates
    except ImportError:
        print("dateparser not installed (pip install 'warta[bench]'): no baseline")
        return 0 if ours >= MIN_ARTICLES_PER_S else 1

    def baseline(text: str, anchor: datetime) -> object:
        naive = anchor.replace(tzinfo=None)
        return search_dates(text, languages=["id"], settings={"RELATIVE_BASE": naive})

    theirs = rate(baseline, texts)
    print(f"dateparser search_dates     {theirs:10,.0f} articles/s")
    print(f"ratio                       {ours / theirs:10,.1f}x")
    if ours < MIN_ARTICLES_PER_S:
        print(f"below the floor of {MIN_ARTICLES_PER_S:,} articles/s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
