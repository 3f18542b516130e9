"""Tests for warta.entities: the shipped NER model, tokenizer and evaluation helpers."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pycrfsuite  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SAMPLE, SHARED, need_shared
from warta.entities import (
    Entity,
    bio_spans,
    evaluate_bio_file,
    extract_entities,
    format_report,
    load_model,
    main_eval,
    read_bio,
    score_tags,
    sentence_features,
    split_sentences,
    tokenize,
)

IDNER_DEV = SHARED / "eval" / "ner" / "idner-news-2k" / "dev.txt"
Tagger = Callable[[Sequence[str]], list[str]]


@pytest.fixture(scope="module")
def crfsuite_tag() -> Tagger:
    """python-crfsuite's own tagger on the string features: what the fast path must match."""
    model = load_model()
    tagger = pycrfsuite.Tagger()
    tagger.open_inmemory(model.model_bytes)

    def tag(tokens: Sequence[str]) -> list[str]:
        safe = [t.encode("utf-8", "replace").decode("utf-8") for t in tokens]
        return list(tagger.tag(sentence_features(safe, model.res))) if tokens else []

    return tag


def crfsuite_entities(text: str, tag: Tagger) -> list[Entity]:
    """Entities by tokenize -> split_sentences -> crfsuite, the definition of the output."""
    toks = tokenize(text)
    found = []
    for sent in split_sentences(toks, text):
        for etype, i, j in bio_spans(tag([t for t, _, _ in sent])):
            start, end = sent[i][1], sent[j - 1][2]
            found.append(Entity(text[start:end], start, end, etype))
    return found


def test_tags_match_crfsuite_on_idner_dev(crfsuite_tag: Tagger) -> None:
    sentences = [toks for toks, _ in read_bio(need_shared(IDNER_DEV))]
    assert load_model().tag_sentences(sentences) == [crfsuite_tag(s) for s in sentences]


def test_entities_match_crfsuite_on_the_sample(crfsuite_tag: Tagger) -> None:
    text = need_shared(SAMPLE).read_text(encoding="utf-8")
    assert extract_entities(text) == crfsuite_entities(text, crfsuite_tag)


def test_long_sentences_and_blocks_match_crfsuite(crfsuite_tag: Tagger) -> None:
    # No sentence end: 200-token pieces, and more tokens than one decoding block.
    text = "Presiden Joko Widodo berkunjung ke Surabaya bersama PT Pertamina hari ini , " * 800
    text += "\nkata Menteri Sri Mulyani di Jakarta\n\n"
    assert extract_entities(text) == crfsuite_entities(text, crfsuite_tag)


def test_lone_surrogates_are_tagged_like_crfsuite(crfsuite_tag: Tagger) -> None:
    text = "Presiden Jo\udce9 Widodo tiba di \ud800Bali bersama Ani\udfff."
    ents = extract_entities(text)
    assert ents == crfsuite_entities(text, crfsuite_tag)
    assert all(text[e.start : e.end] == e.text for e in ents)


def test_sample_capture_entities() -> None:
    text = need_shared(SAMPLE).read_text(encoding="utf-8")
    found = {(e.text, e.type) for e in extract_entities(text)}
    expected = {
        ("Biden", "PERSON"),
        ("Putin", "PERSON"),
        ("NATO", "ORGANIZATION"),
        ("Rusia", "LOCATION"),
        ("Ukraina", "LOCATION"),
        ("Moskow", "LOCATION"),
        ("Washington", "LOCATION"),
        ("Jenewa", "LOCATION"),
    }
    assert len(expected & found) >= 7, sorted(expected - found)


def test_idner_dev_f1_no_regression() -> None:
    report = evaluate_bio_file(need_shared(IDNER_DEV))
    assert report.micro.f1 >= 0.84, format_report(report)


def test_idner_dev_f1_target() -> None:
    report = evaluate_bio_file(need_shared(IDNER_DEV))
    assert report.micro.f1 >= 0.85, format_report(report)


def test_main_eval_table() -> None:
    table = main_eval(need_shared(IDNER_DEV))
    assert "micro avg" in table
    assert "PERSON" in table


def test_empty_and_blank_text() -> None:
    assert extract_entities("") == []
    assert extract_entities("  \n\t ") == []


def test_known_sentence() -> None:
    text = "Presiden Joko Widodo bertemu Menteri Luar Negeri di Jakarta."
    ents = extract_entities(text)
    assert Entity("Joko Widodo", 9, 20, "PERSON") in ents
    assert any(e.text == "Jakarta" and e.type == "LOCATION" for e in ents)


def test_very_long_text() -> None:
    unit = "Presiden Joko Widodo berkunjung ke Surabaya bersama PT Pertamina hari ini. "
    text = unit * (1_000_000 // len(unit) + 1)
    ents = extract_entities(text)
    assert len(ents) >= 1_000_000 // len(unit)
    assert all(text[e.start : e.end] == e.text for e in ents[:1000])


def test_tokenizer_offsets_and_clitics() -> None:
    text = "sekutu NATO-nya menuju de-eskalasi (29/12/2021), kata Dr. Ani."
    toks = tokenize(text)
    assert all(text[s:e] == t for t, s, e in toks)
    words = [t for t, _, _ in toks]
    assert "NATO" in words
    assert "-nya" in words
    assert "de-eskalasi" in words
    assert "29/12/2021" in words
    assert "Dr." in words


def test_bio_spans_and_scoring() -> None:
    tags = ["B-PERSON", "I-PERSON", "O", "I-LOCATION", "B-LOCATION", "I-ORGANIZATION"]
    assert bio_spans(tags) == [
        ("PERSON", 0, 2),
        ("LOCATION", 3, 4),
        ("LOCATION", 4, 5),
        ("ORGANIZATION", 5, 6),
    ]
    report = score_tags([["B-PERSON", "I-PERSON", "O"]], [["B-PERSON", "O", "O"]])
    assert report.micro.tp == 0
    assert report.micro.n_gold == 1
    assert report.micro.n_pred == 1


_TEXT = st.text(
    alphabet=st.sampled_from(list("abcXYZ ÉéAB-.,()\n\t\"'’”/0123456789")) | st.characters(),
    max_size=300,
)
_WORDS = st.lists(
    st.sampled_from(
        ["Jokowi", "Presiden", "di", "Jakarta", "PT", "Bank", "Mandiri", "kata", "Rusia", ",", "."]
    ),
    max_size=40,
).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(st.one_of(_TEXT, _WORDS))
def test_offsets_slice_to_entity_text(text: str) -> None:
    ents = extract_entities(text)
    for e in ents:
        assert text[e.start : e.end] == e.text
        assert e.type in {"PERSON", "ORGANIZATION", "LOCATION"}
        assert 0 <= e.start < e.end <= len(text)
    assert [e.start for e in ents] == sorted(e.start for e in ents)


@settings(max_examples=40, deadline=None)
@given(st.one_of(_TEXT, _WORDS))
def test_deterministic(text: str) -> None:
    assert extract_entities(text) == extract_entities(text)


@settings(max_examples=100, deadline=None)
@given(st.one_of(_TEXT, _WORDS))
def test_entities_match_crfsuite(crfsuite_tag: Tagger, text: str) -> None:
    assert extract_entities(text) == crfsuite_entities(text, crfsuite_tag)


@settings(max_examples=60, deadline=None)
@given(_TEXT)
def test_tokens_cover_all_visible_characters(text: str) -> None:
    toks = tokenize(text)
    covered = {i for _, s, e in toks for i in range(s, e)}
    for i, ch in enumerate(text):
        if not ch.isspace():
            assert i in covered
    assert all(text[s:e] == t for t, s, e in toks)
