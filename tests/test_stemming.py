"""Stems: the shortcut past Sastrawi gives Sastrawi's own answer on real news vocabulary."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import SHARED, need_shared
from warta.stemming import (
    _AFFIXED,
    _NOT_STEMMABLE,
    SASTRAWI_LITERAL_SUBS,
    _may_change,
    _text_words,
    fold,
    sastrawi_stem,
    stem_text,
    stem_word,
    words,
)

RAW = SHARED / "eval" / "raw"


def vocabulary(paths: list[Path]) -> set[str]:
    words: set[str] = set()
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        words.update(_NOT_STEMMABLE.sub(" ", fold(text)).split())
    return words


def shared_vocabulary() -> set[str]:
    return vocabulary([need_shared(RAW / "detik-2025" / "data_berita.csv"),
                       *sorted(need_shared(RAW / "gikirima-2025").glob("*.csv"))])  # fmt: skip


def test_shortcut_words_are_their_own_sastrawi_stem() -> None:
    words = shared_vocabulary()
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


def test_every_word_gets_sastrawis_own_stem() -> None:
    # All 31,000 words of the shared corpora, URL slugs and reduplications included.
    words = shared_vocabulary()
    assert sum("-" in w for w in words) > 1000
    wrong = [(w, stem_word(w), sastrawi_stem(w)) for w in words if stem_word(w) != sastrawi_stem(w)]
    assert wrong == []


def test_sastrawi_gives_its_own_stems_with_literal_subs(monkeypatch: pytest.MonkeyPatch) -> None:
    """`_stemmer`'s `str.replace` for Sastrawi's `re.sub` of a word changes no stem (nor the
    removals Sastrawi notes, which its suffix restoring reads): every word of the shared
    corpora that Sastrawi changes, against Sastrawi with its own `re`."""
    import re
    import sys

    from warta.stemming import _stemmer

    stemmer = _stemmer()
    words = sorted(w for w in shared_vocabulary() if _AFFIXED.search(w))
    assert all(not isinstance(sys.modules[name].re, type(re)) for name in SASTRAWI_LITERAL_SUBS)
    patched = [stemmer.stem(w) for w in words]
    for name in SASTRAWI_LITERAL_SUBS:
        monkeypatch.setattr(sys.modules[name], "re", re)
    reference = [stemmer.stem(w) for w in words]
    assert sum(p != w for p, w in zip(patched, words, strict=True)) > 5000
    assert [(w, p, r) for w, p, r in zip(words, patched, reference, strict=True) if p != r] == []


def test_affixed_words_without_a_dictionary_piece_skip_sastrawi() -> None:
    affixed = sorted(w for w in shared_vocabulary() if _AFFIXED.search(w) and "-" not in w)
    kept = [w for w in affixed if not _may_change(w)]
    # Names and foreign words that only look affixed are ruled out by set lookups ...
    assert len(kept) > 0.2 * len(affixed)
    assert {"jokowi", "postingan"} <= set(kept)
    # ... and Sastrawi leaves every one of them as it is.
    assert [w for w in kept if sastrawi_stem(w) != w] == []
    # Words it does change are never ruled out, recoded or infixed ones included.
    for word in ("memukul", "menyapu", "mengecat", "kinerja", "pelajaran", "ditulis"):
        assert _may_change(word), word


@given(st.text())
def test_words_are_those_sastrawis_normaliser_keeps(text: str) -> None:
    folded = fold(text)
    assert words(folded) == _NOT_STEMMABLE.sub(" ", folded).split()


@given(
    st.text(st.characters(max_codepoint=0x7F))
    | st.text()
    | st.text(st.sampled_from("Ab -é\u0301\u064e“ﬁ½İ\ud800\x00"))
)
def test_text_words_are_the_words_of_the_folded_text(text: str) -> None:
    """Words are found without building the folded text: the same words."""
    assert _text_words(text) == words(fold(text))


def test_no_character_left_by_nfkd_lowers_to_ascii() -> None:
    """What `_text_words` relies on to read a run of such characters as one space."""
    import unicodedata

    for code in range(0x80, 0x110000):
        char = chr(code)
        if unicodedata.combining(char) or unicodedata.normalize("NFKD", char) != char:
            continue
        assert all(ord(c) > 0x7F for c in char.lower()), hex(code)
