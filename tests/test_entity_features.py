"""Tests for warta.entity_features: the string features and their per-word weight sums."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from warta.entities import load_model, tokenize
from warta.entity_features import RUN_NAMES, _shape, run_codes, sentence_features

_WORDS = st.lists(
    st.sampled_from(
        ["Jokowi", "Presiden", "di", "Jakarta", "PT", "Bank", "Mandiri", "kata", "Rusia", ",",
         ".", "Joko", "Widodo", "(PKB)", "NATO", "-nya", "Jawa", "Barat", "xyzzy", "Xyzzy"]
    ),
    min_size=1,
    max_size=30,
)  # fmt: skip


@given(st.text(alphabet=st.sampled_from(list("aZ9.-é É’x")) | st.characters(), max_size=12))
def test_shape_collapses_character_classes(tok: str) -> None:
    cls = ["X" if c.isupper() else "x" if c.isalpha() else "d" if c.isdigit() else c for c in tok]
    assert _shape(tok) == "".join(c for i, c in enumerate(cls) if i == 0 or cls[i - 1] != c)


@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=40))
def test_run_codes_name_each_place_in_a_run(flags: list[tuple[bool, bool]]) -> None:
    cap = np.array([c for c, _ in flags])
    first = np.array([i == 0 or f for i, (_, f) in enumerate(flags)])
    want = ["run=-"] * len(flags)
    i = 0
    while i < len(flags):
        j = i + 1
        if cap[i]:
            while j < len(flags) and cap[j] and not first[j]:
                j += 1
            for k in range(i, j):
                place = "S" if j - i == 1 else "B" if k == i else "E" if k == j - 1 else "I"
                want[k] = f"run={place}{min(j - i, 4)}"
        i = j
    assert [RUN_NAMES[c] for c in run_codes(cap, first)] == want


@settings(max_examples=60, deadline=None)
@given(st.lists(_WORDS, min_size=1, max_size=4))
def test_scores_are_the_sums_of_the_string_features(sentences: list[list[str]]) -> None:
    model = load_model()
    crf, emissions = model.crf, model.emissions
    tokens = [t for s in sentences for t in s]
    first = np.zeros(len(tokens), dtype=bool)
    first[np.cumsum([0, *map(len, sentences[:-1])])] = True
    got = emissions.scores(tokens, emissions.ids(tokens), first)
    want = [
        sum((crf.state[crf.attributes[f]] for f in feats if f in crf.attributes),
            np.zeros(len(crf.labels)))
        for s in sentences
        for feats in sentence_features(s, model.res)
    ]  # fmt: skip
    np.testing.assert_allclose(got, np.array(want), atol=1e-9)


def test_scores_of_real_text() -> None:
    text = "Presiden Joko Widodo bertemu Menteri Luar Negeri di Jakarta, kata Juru Bicara PT KAI."
    tokens = [t for t, _, _ in tokenize(text)]
    model = load_model()
    first = np.zeros(len(tokens), dtype=bool)
    first[0] = True
    got = model.emissions.scores(tokens, model.emissions.ids(tokens), first)
    crf = model.crf
    for row, feats in zip(got, sentence_features(tokens, model.res), strict=True):
        want = sum(crf.state[crf.attributes[f]] for f in feats if f in crf.attributes)
        np.testing.assert_allclose(row, want, atol=1e-9)
