"""Language identification: Indonesian, its Malay neighbour, other languages, no text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier, visit_counts

from conftest import SHARED, need_shared
from warta.enrich import (
    DEFAULT_LANGUAGES,
    QUICK_LOOK_CHARS,
    LanguageId,
    _Identifier,
    _identifier,
)

# Written for these tests: Malaysian-style Malay (baharu, beliau, kerajaan, semalam).
MALAY = (
    "Kerajaan Malaysia akan memperkenalkan dasar baharu bagi membantu golongan berpendapatan"
    " rendah menghadapi kenaikan kos sara hidup, kata Perdana Menteri dalam satu kenyataan di"
    " Putrajaya semalam. Menurut beliau, bantuan tunai itu akan disalurkan secara berperingkat"
    " mulai bulan hadapan kepada lebih sejuta isi rumah di seluruh negara."
)
INDONESIAN = (
    "Pemerintah kota akan memperbaiki jalan yang rusak di kawasan pasar sebelum musim hujan"
    " tiba, kata wali kota kepada wartawan di balai kota, Selasa. Menurut dia, anggaran"
    " perbaikan sudah disetujui dewan dan pekerjaan dimulai pekan depan."
)
ENGLISH = (
    "The city government will repair the damaged roads around the market before the rainy"
    " season begins, the mayor told reporters at city hall on Tuesday."
)


@pytest.mark.parametrize(
    ("text", "lang"),
    [(MALAY, "ms"), (INDONESIAN, "id"), (ENGLISH, "en"), ("1234 -- 5678", None), ("", None)],
)
def test_language_of_text(text: str, lang: str | None) -> None:
    assert LanguageId()(text) == lang


def test_long_texts_keep_their_language() -> None:
    """Beyond the short look, the answer is that of the whole sample."""
    assert len(MALAY * 3) > QUICK_LOOK_CHARS
    assert LanguageId()(" ".join([MALAY] * 3)) == "ms"
    assert LanguageId()(" ".join([INDONESIAN] * 3)) == "id"


def _reference_identifier() -> LanguageIdentifier:
    model = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    model.set_languages(list(DEFAULT_LANGUAGES))
    return model


def _same_features(fast: LanguageIdentifier, text: bytes) -> None:
    reference = visit_counts(fast.tk_nextmove, fast._rowbase, fast.tk_output, text)
    found = fast.features(text)  # type: ignore[attr-defined]
    if reference is None:
        assert found is None
        return
    assert found is not None
    assert found[0].tolist() == list(reference)
    assert found[1].tolist() == list(reference.values())


def test_feature_counts_are_py3langids_own_on_real_text() -> None:
    """The numpy walk finds py3langid's features, counts and order, and the same scores."""
    fast, slow = _identifier(DEFAULT_LANGUAGES), _reference_identifier()
    pages = sorted(need_shared(SHARED / "eval" / "html").rglob("*.html"))[:40]
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in pages]
    samples = [t[i : i + n] for t in texts for i, n in ((0, 400), (2000, 1000), (5000, 7))]
    samples += [MALAY, INDONESIAN, ENGLISH, "“Kata-kata” — ñ 日本語 😀", "a", ""]
    for sample in samples:
        _same_features(fast, fast._encode(sample))
        assert fast.rank(sample) == slow.rank(sample)


def test_scores_over_every_language_are_py3langids_own() -> None:
    """Without `set_languages` the weights stay py3langid's own float16 columns."""
    fast = _Identifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    slow = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    for sample in (MALAY, INDONESIAN, ENGLISH, "“Kata-kata” — ñ 日本語 😀", "a", ""):
        assert fast.rank(sample) == slow.rank(sample)


@given(st.binary(max_size=64) | st.text(max_size=64).map(lambda t: t.encode("utf-8", "replace")))
@settings(max_examples=300, deadline=None)
def test_feature_counts_are_py3langids_own_on_any_bytes(data: bytes) -> None:
    _same_features(_identifier(DEFAULT_LANGUAGES), data)
