"""What every parser shares: block texts and whitespace folding."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from warta.parse import Block, fold_ws

# Every kind of whitespace `re` and `str` know, beside a few visible characters.
_TEXT = st.text(alphabet=" \t\n\r\x0b\x0c\x1c\x85\xa0\u2003\u2028\u3000\u200bab.")


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
