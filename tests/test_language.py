"""Language identification: Indonesian, its Malay neighbour, other languages, no text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
    _read_model,
    model_cache,
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


def _same(found: tuple[Any, Any] | None, expected: tuple[Any, Any] | None) -> bool:
    if found is None or expected is None:
        return found is expected
    return found[0].tolist() == expected[0].tolist() and found[1].tolist() == expected[1].tolist()


def test_features_of_many_texts_at_once_are_each_texts_own() -> None:
    """One walk over a batch of real texts finds what each text's own walk finds (which is
    py3langid's: the tests above), features in the same order, counts the same."""
    fast = _identifier(DEFAULT_LANGUAGES)
    pages = sorted(need_shared(SHARED / "eval" / "html").rglob("*.html"))[:60]
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in pages]
    samples = [t[i : i + QUICK_LOOK_CHARS] for t in texts for i in (0, 3000)]
    samples += [MALAY, INDONESIAN, ENGLISH, "“Kata-kata” — ñ 日本語 😀", "a", ""]
    encoded = [fast._encode(s) for s in samples]
    batch = fast.features_many(encoded)
    assert len(batch) == len(encoded)
    for text, found in zip(encoded, batch, strict=True):
        assert _same(found, fast.features(text))


@given(st.lists(st.binary(max_size=48), max_size=6))
@settings(max_examples=300, deadline=None)
def test_features_of_any_bytes_at_once_are_each_texts_own(texts: list[bytes]) -> None:
    fast = _identifier(DEFAULT_LANGUAGES)
    batch = fast.features_many(texts)
    assert len(batch) == len(texts)
    for text, found in zip(texts, batch, strict=True):
        assert _same(found, fast.features(text))


def test_a_prepared_batch_answers_as_one_text_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pages = sorted(need_shared(SHARED / "eval" / "html").rglob("*.html"))[:60]
    texts = [p.read_text(encoding="utf-8", errors="replace")[2000:3500] for p in pages]
    texts += [MALAY, INDONESIAN, ENGLISH, " ".join([MALAY] * 3), "1234 -- 5678", ""]
    language = LanguageId()
    alone = [language(t) for t in texts]
    assert {"id", "ms", "en", None} <= set(alone)
    walked: list[bytes] = []
    own = _Identifier.features
    monkeypatch.setattr(
        _Identifier, "features", lambda self, text: walked.append(text) or own(self, text)
    )
    assert [language(t) for t in texts] == alone
    one_by_one, walked[:] = len(walked), []
    with language.prepared(texts):
        assert [language(t) for t in texts] == alone
    # the short looks were walked together before: only longer looks are walked alone
    assert len(walked) < one_by_one
    assert all(len(w.decode("utf-8", "surrogatepass")) > QUICK_LOOK_CHARS for w in walked)
    assert not _identifier(DEFAULT_LANGUAGES)._ready  # the batch's features go with its block


def test_a_chunk_is_enriched_with_one_walk_for_its_short_looks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from warta.enrich import enrich_many
    from warta.model import Article, Provenance

    batches: list[int] = []
    own = _Identifier.features_many

    def counted(self: _Identifier, texts: list[bytes]) -> Any:
        batches.append(len(texts))
        return own(self, texts)

    monkeypatch.setattr(_Identifier, "features_many", counted)
    articles = [Article(f"a{i}", Provenance("-"), "Judul", text)
                for i, text in enumerate([MALAY, INDONESIAN, ENGLISH, "1234"])]  # fmt: skip
    enriched = enrich_many(articles, LanguageId())
    assert [getattr(a, "lang", a) for a in enriched] == ["ms", "id", "en", None]
    assert batches == [3]  # one walk for the three texts with letters


def _model_state(model: LanguageIdentifier) -> tuple[Any, ...]:
    return (model.nb_ptc.dtype, model.nb_ptc.tolist(), model.nb_pc.tolist(), model.nb_classes,
            model.tk_nextmove, model.tk_row, model.tk_output, model._alias_pairs)  # fmt: skip


def test_the_unpacked_copy_of_the_model_is_the_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first process keeps the model unpacked in the cache folder; the next read it from
    there and find the same weights, automaton and answers."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    languages = ("id", "ms", "en", "jv")
    copy = model_cache(languages)
    assert copy is not None and copy.parent == tmp_path / "warta"
    unpacked = _identifier.__wrapped__(languages)  # writes the copy
    assert copy.stat().st_size > 10_000_000
    from_copy = _read_model(copy)
    assert from_copy is not None
    again = _identifier.__wrapped__(languages)
    assert _model_state(again) == _model_state(unpacked)
    for sample in (MALAY, INDONESIAN, ENGLISH, "“Kata-kata” — ñ 日本語 😀", "a", ""):
        assert again.rank(sample) == unpacked.rank(sample)
    # another language list is another copy
    assert model_cache(("id", "ms")) != copy


def test_a_damaged_copy_of_the_model_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    languages = ("id", "en")
    copy = model_cache(languages)
    assert copy is not None
    copy.parent.mkdir(parents=True)
    copy.write_bytes(b"PK\x03\x04 cut short")
    assert _read_model(copy) is None
    model = _identifier.__wrapped__(languages)
    assert model.rank(INDONESIAN)[0][0] == "id"
    assert _read_model(copy) is not None  # written whole this time
    assert [p.name for p in copy.parent.iterdir()] == [copy.name]  # no temporary file left


def test_the_model_is_read_when_no_copy_can_be_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    model = _identifier.__wrapped__(("id", "en"))
    assert model.rank(ENGLISH)[0][0] == "en"
    assert blocked.read_text() == ""
