"""Entity tagging speed: tokens/s on one core, and `warta clean` with and without entities.

Texts: the sample capture and real articles from ../shared/eval/raw, cleaned first. Targets
(issue: entities): at least 20,000 tokens/s; clean with entities within 2x of without.

Run: python bench/bench_entities.py [--seconds S]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_clean import load_captures, rate  # a sibling script, not a package


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="time per measurement")
    args = parser.parse_args(argv)

    from warta import Article, Settings
    from warta.entities import extract_entities, load_model, tokenize
    from warta.pipeline import Cleaner

    captures, _ = load_captures()
    captures = captures[:400]
    plain, tagged = Cleaner(), Cleaner(Settings(entities=True))
    texts = [a.text for a in map(plain, captures) if isinstance(a, Article)]
    load_model()
    tagged(captures[0])
    tokens = sum(len(tokenize(t)) for t in texts)
    per_text = tokens / len(texts)
    docs = rate(extract_entities, texts, args.seconds)
    print(f"texts: {len(texts)}, {per_text:.0f} tokens each on average")
    print(f"  extract_entities   {docs:8.0f} texts/s  {docs * per_text:10.0f} tokens/s")
    without = rate(plain, captures, args.seconds)
    with_ = rate(tagged, captures, args.seconds)
    print(f"  warta clean        {without:8.0f} docs/s")
    print(f"  warta clean --entities {with_:4.0f} docs/s")
    slowdown = without / with_
    print(f"RATIO tokens/s vs target 20,000: {docs * per_text / 20000:.2f}x")
    print(f"RATIO clean without / with entities: {slowdown:.2f}x slower (target <= 2x)")
    ok = docs * per_text >= 20000 and slowdown <= 2
    print("PASS" if ok else "BELOW TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
