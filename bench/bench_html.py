"""Pages per second: warta's HTML cleaning and plain `trafilatura.extract`, same pages, same run.

Run from the repo root: `python bench/bench_html.py [--seconds N]`. The pages are
the shared real pages (`../shared/eval/html`), repeated until each tool has run
for about N seconds (default 15), so the whole run stays well under 2 minutes.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import trafilatura

from warta.pipeline import Cleaner

PAGES = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "html"


def load_pages() -> list[bytes]:
    """Every shared .html page, as bytes."""
    return [p.read_bytes() for p in sorted(PAGES.rglob("*.html"))]


def rate(run: Callable[[bytes], object], pages: list[bytes], seconds: float) -> tuple[float, int]:
    """Pages per second of `run(page)`, over whole passes until `seconds` have gone by."""
    done = 0
    started = time.perf_counter()
    while True:
        for page in pages:
            run(page)
        done += len(pages)
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return done / elapsed, done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=15.0, help="time per tool")
    args = parser.parse_args()
    pages = load_pages()
    if not pages:
        print(f"no pages under {PAGES}", file=sys.stderr)
        return 1
    cleaner = Cleaner()
    texts = [p.decode("utf-8", "replace") for p in pages]

    def traf(page: bytes) -> None:
        trafilatura.extract(page.decode("utf-8", "replace"), with_metadata=True,
                            output_format="json")  # fmt: skip

    cleaner(pages[0])  # load the catalogue and the language model before timing
    traf(pages[0])
    ours, n1 = rate(cleaner, pages, args.seconds)
    theirs, n2 = rate(traf, pages, args.seconds)
    size = sum(len(t) for t in texts) / len(texts) / 1024
    print(f"html pages: {len(pages)} distinct (mean {size:.0f} KB), repeated")
    print(f"warta clean (HTML)            {ours:8.1f} pages/s  ({n1} pages)")
    print(f"trafilatura.extract json+meta {theirs:8.1f} pages/s  ({n2} pages)")
    print(f"ratio warta / trafilatura     {ours / theirs:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
