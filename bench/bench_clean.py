"""Throughput of `warta clean` next to datatrove's Gopher filters and dateparser, same run.

Documents: the sample capture and real scraped articles from ../shared/eval/raw (title,
raw dateline, body). One process each.

- warta: decode, parse, clean (repair + boilerplate + recorded removals), language, timeline.
- datatrove: GopherRepetitionFilter + GopherQualityFilter. With their defaults they stop at
  the first failing check (the sample fails the first one), so they are also run "to
  completion": thresholds that never fire, every statistic computed. The target is 3x that.
- datelines: `warta.dates.find_date` next to `dateparser.parse(..., languages=["id"])`.

Run: python bench/bench_clean.py [--seconds S]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
csv.field_size_limit(1 << 30)


def load_captures() -> tuple[list[str], list[str]]:
    """Capture texts and their raw datelines, from the shared real data."""
    captures = [(SHARED / "samples" / "000_fa0db1606fa02f66.txt").read_text("utf-8")]
    datelines = [captures[0].splitlines()[1]]
    for path in sorted((SHARED / "eval" / "raw" / "gikirima-2025").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                body = row.get("content") or row.get("Isi") or ""
                date = row.get("date") or row.get("Tanggal") or ""
                if row.get("time") and ":" not in date:
                    date = f"{date} {row['time']}"
                title = row.get("title") or row.get("Judul") or ""
                if body.strip():
                    captures.append(f"{title}\n{date}\n{body}")
                    datelines.append(date)
    with (SHARED / "eval" / "raw" / "detik-2025" / "data_berita.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            captures.append(f"{row['judul']}\n{row['tanggal']}\n{row['isi_berita']}")
            datelines.append(row["tanggal"])
    return captures, datelines


def rate(fn: Callable[[str], object], items: Sequence[str], seconds: float) -> float:
    """Items per second of `fn` over `items`, repeated for at least `seconds`."""
    done, start = 0, time.perf_counter()
    while True:
        for item in items:
            fn(item)
        done += len(items)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="time per measurement")
    args = parser.parse_args(argv)

    import dateparser
    from datatrove.data import Document
    from datatrove.pipeline.filters import GopherQualityFilter, GopherRepetitionFilter

    from warta.dates import find_date
    from warta.pipeline import Cleaner

    captures, datelines = load_captures()
    real = captures[1:]
    mb = sum(len(c.encode("utf-8")) for c in captures) / 1e6
    print(f"documents: {len(captures)} ({mb:.1f} MB), datelines: {len(datelines)}")

    cleaner = Cleaner()
    cleaner(captures[0])  # load the language model outside the timing

    def warta_clean(text: str) -> object:
        return cleaner(text)

    def gopher(rep: GopherRepetitionFilter, qual: GopherQualityFilter) -> Callable[[str], object]:
        def run(text: str) -> object:
            doc = Document(text=text, id="x")
            return rep.filter(doc), qual.filter(doc)

        return run

    defaults = gopher(GopherRepetitionFilter(), GopherQualityFilter())
    never = 10.0**9
    complete = gopher(
        GopherRepetitionFilter(
            dup_line_frac=1.01, dup_para_frac=1.01, dup_line_char_frac=1.01,
            dup_para_char_frac=1.01, top_n_grams=((2, 1.01), (3, 1.01), (4, 1.01)),
            dup_n_grams=((5, 1.01), (6, 1.01), (7, 1.01), (8, 1.01), (9, 1.01), (10, 1.01)),
        ),
        GopherQualityFilter(
            min_doc_words=0, max_doc_words=int(never), min_avg_word_length=0,
            max_avg_word_length=int(never), max_symbol_word_ratio=never,
            max_bullet_lines_ratio=never, max_ellipsis_lines_ratio=never,
            max_non_alpha_words_ratio=never, min_stop_words=0,
        ),
    )  # fmt: skip
    kept = [defaults(c) for c in captures]
    dropped = sum(1 for r, q in kept if not (r is True and q is True))
    print(f"datatrove (defaults) drops {dropped} of {len(captures)} documents, the sample included")

    s = args.seconds
    w_all = rate(warta_clean, captures, s)
    w_one = rate(warta_clean, captures[:1] * 50, s / 2)
    d_all = rate(defaults, captures, s)
    c_all = rate(complete, captures, s)
    c_real = rate(complete, real, s)
    w_real = rate(warta_clean, real, s)
    rows = [
        ("warta clean, all documents", w_all),
        ("warta clean, real bodies", w_real),
        ("warta clean, sample only", w_one),
        ("datatrove Gopher x2, defaults (stop at first failing check)", d_all),
        ("datatrove Gopher x2, run to completion, all documents", c_all),
        ("datatrove Gopher x2, run to completion, real bodies", c_real),
    ]
    for name, value in rows:
        print(f"  {name:<62} {value:9.0f} docs/s  {value * mb / len(captures):6.2f} MB/s")
    ratio = w_all / c_all
    print(f"RATIO warta / datatrove (to completion, all documents): {ratio:.2f}x (target >= 3x)")
    print(f"RATIO warta / datatrove (to completion, real bodies):   {w_real / c_real:.2f}x")
    print(f"RATIO warta / datatrove (defaults):                     {w_all / d_all:.2f}x")

    d_rate = rate(lambda t: dateparser.parse(t, languages=["id"]), datelines[:200], s / 2)
    f_rate = rate(find_date, datelines, s / 2)
    print(f"  warta find_date      {f_rate:9.0f} datelines/s")
    print(f"  dateparser.parse(id) {d_rate:9.0f} datelines/s")
    print(f"RATIO datelines warta / dateparser: {f_rate / d_rate:.1f}x (target >= 10x)")
    ok = ratio >= 3 and f_rate / d_rate >= 10
    print("PASS" if ok else "BELOW TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
