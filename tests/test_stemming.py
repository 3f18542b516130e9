"""Stems: the shortcut past Sastrawi gives Sastrawi's own answer on real news vocabulary."""

from __future__ import annotations

from pathlib import Path

from conftest import SHARED, need_shared
from warta.stemming import _AFFIXED, _NOT_STEMMABLE, fold, sastrawi_stem, stem_text, stem_word

RAW = SHARED / "eval" / "raw"


def vocabulary(paths: list[Path]) -> set[str]:
    words: set[str] = set()
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        words.update(_NOT_STEMMABLE.sub(" ", fold(text)).split())
    return words


def test_shortcut_words_are_their_own_sastrawi_stem() -> None:
    paths = [need_shared(RAW / "detik-2025" / "data_berita.csv"),
             *sorted(need_shared(RAW / "gikirima-2025").glob("*.csv"))]  # fmt: skip
    words = vocabulary(paths)
    skipped = sorted(w for w in words if _AFFIXED.search(w) is None)
    # The shortcut is taken often (names, numbers, foreign words) ...
    assert len(skipped) > 0.3 * len(words)
    # ... and only where Sastrawi itself leaves the word alone.
    changed = [(w, sastrawi_stem(w)) for w in skipped if sastrawi_stem(w) != w]
    assert changed == []


def test_affixed_words_still_go_through_sastrawi() -> None:
    pairs = [("membahas", "bahas"), ("pembahasan", "bahas"), ("ekstremisme", "ekstrem"),
             ("kata-kata", "kata"), ("kinerja", "kerja"), ("kutulis", "tulis")]  # fmt: skip
    for word, stem in pairs:
        assert stem_word(word) == sastrawi_stem(word) == stem
    assert stem_text("Dibahas DI DPR, 2021.") == "bahas di dpr 2021"
