"""What every parser shares: block texts and whitespace folding."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from warta.parse import Block, Draft, fold_ws, rebuilt
from warta.parse.text import _LINE, INVISIBLE

# Every kind of whitespace `re` and `str` know, a mark, and a few visible characters.
_TEXT = st.text(alphabet=" \t\n\r\x0b\x0c\x1c\x85\xa0\u2003\u2028\u3000\u200b\ufeffab.")


@given(_TEXT)
def test_fold_ws_is_the_regex_fold(text: str) -> None:
    assert fold_ws(text) == re.sub(r"\s+", " ", text).strip()


@given(st.lists(_TEXT, min_size=1, max_size=4))
def test_block_text_joins_and_folds_its_spans(parts: list[str]) -> None:
    source, spans = "", []
    for part in parts:
        spans.append((len(source), len(source) + len(part)))
        source += part + "|"
    expected = re.sub(r"\s+", " ", " ".join(source[s:e] for s, e in spans)).strip()
    assert Block(tuple(spans)).text(source) == expected


def _stripped_lines(source: str) -> list[tuple[int, int]]:
    """Each line cut at `\\n`, less its edge whitespace and marks; blank lines dropped."""
    spans = []
    for m in re.finditer(r"[^\n]+", source):
        start, end = m.span()
        while start < end and (source[start].isspace() or source[start] in INVISIBLE):
            start += 1
        while end > start and (source[end - 1].isspace() or source[end - 1] in INVISIBLE):
            end -= 1
        if start < end:
            spans.append((start, end))
    return spans


@given(_TEXT)
def test_text_lines_are_the_stripped_lines(source: str) -> None:
    assert [m.span() for m in _LINE.finditer(source)] == _stripped_lines(source)


def test_rebuilt_is_replace_of_blocks_removed_place_and_agency() -> None:
    """`rebuilt` (the cleaner's fast `replace`) keeps every other field of the draft; a new
    field of `Draft` must be added to it (this test names them all)."""
    from dataclasses import fields, replace

    from warta.model import Provenance, Removal
    from warta.parse.text import parse_text

    source = "Judul\nKamis, 30 Desember 2021 - 19:18 WIB\nOleh: Ani\nJAKARTA - Isi satu.\nIsi dua."
    parsed = parse_text(source, Provenance("a.txt", "3", "ab"), url="https://x.id/a", outlet="x")
    assert isinstance(parsed, Draft)
    first = Removal("Judul", "boilerplate", 0, 5)
    draft = replace(parsed, place="Bogor", agency="Antara", removed=(first,), warnings=("w",))
    assert draft.block_texts()  # caches the texts: a rebuilt draft must not keep them
    blocks, removed = draft.blocks[1:], (first, Removal("Isi satu.", "boilerplate", 60, 69))
    new = rebuilt(draft, blocks, removed, "Jakarta", None)
    assert new == replace(draft, blocks=blocks, removed=removed, place="Jakarta", agency=None)
    assert new.block_texts() == ["Isi dua."]
    names = [f.name for f in fields(Draft) if f.init]
    assert names == [
        "provenance", "source", "blocks", "title", "title_span", "dateline_raw",
        "dateline_span", "published", "byline_spans", "authors", "url", "outlet", "place",
        "agency", "removed", "warnings",
    ]  # fmt: skip
    for name in names:  # every field set: a field `rebuilt` dropped would show
        assert getattr(draft, name) not in (None, ()), name
