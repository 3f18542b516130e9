"""Cleaning one capture: the sample exactly, repairs instead of drops, every removal explained."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import warta.enrich
from conftest import SHARED, need_shared
from warta import Article, Rejected
from warta.clean import _PREFIXES, _QUOTES, _repeat_key, clean_draft
from warta.model import Provenance, Reason
from warta.parse.text import INVISIBLE, parse_text
from warta.pipeline import Capture, Cleaner

DATA = Path(__file__).resolve().parents[1] / "examples" / "captures"
SAMPLE_TITLE = "Biden dan Putin Bicara Lewat Telepon, Isinya Sangat Penting"


def article(result: Article | Rejected) -> Article:
    assert isinstance(result, Article), result
    return result


def test_sample_capture_exactly(cleaner: Cleaner, sample_bytes: bytes) -> None:
    a = article(cleaner(sample_bytes, source="sample.txt"))
    lines = [line.strip() for line in sample_bytes.decode("utf-8").splitlines() if line.strip()]
    body = lines[2:12]  # the ten unique paragraphs, in their order
    assert a.title == SAMPLE_TITLE
    assert a.to_dict()["published_at"] == "2021-12-30T19:18:00+07:00"
    assert a.paragraphs == body
    reasons = [r.reason for r in a.removed]
    assert reasons.count("repeated") == 9
    assert [r for r in reasons if r != "repeated"] == ["footer"]
    assert "tulis komentar anda" not in a.text
    assert a.lang == "id"
    assert a.to_dict()["dateline_raw"] == "Kamis, 30 Desember 2021 - 19:18 WIB"
    assert a.to_dict()["published_at_source"] == "dateline"


def test_every_removal_points_at_its_text(cleaner: Cleaner, sample_bytes: bytes) -> None:
    a = article(cleaner(sample_bytes))
    source = sample_bytes.decode("utf-8")
    for r in a.removed:
        assert " ".join(source[r.start : r.end].split()) == r.text


def test_own_capture_with_portal_furniture(cleaner: Cleaner) -> None:
    a = article(cleaner((DATA / "pasar-ikan.txt").read_bytes()))
    assert a.title == "Harga Ikan di Pasar Kota Naik Menjelang Akhir Tahun"
    assert a.to_dict()["published_at"] == "2024-12-16T10:05:00+08:00"
    assert a.authors == ("Rina Lestari",)
    assert a.place == "Makassar" and a.agency == "KABARSULSEL.com"
    assert a.paragraphs[0].startswith("Harga ikan segar")
    for gone in ("ADVERTISEMENT", "SCROLL TO", "Baca juga:", "Cuaca Buruk, Nelayan", "Bagikan",
                 "(rnl/ags)"):  # fmt: skip
        assert gone not in a.text
    # a sentence that merely contains catalogue words stays
    assert "Baca juga buku panduan nelayan" in a.text
    assert a.text.count("Para pedagang menyebut pasokan") == 1
    reasons = {r.reason for r in a.removed}
    assert {"boilerplate", "related", "repeated", "footer", "credit", "place_prefix"} <= reasons


def test_paragraph_three_times_and_credits(cleaner: Cleaner) -> None:
    a = article(cleaner((DATA / "banjir-tanpa-tanggal.txt").read_bytes()))
    assert a.text.count("Petugas gabungan mengevakuasi") == 1
    assert [r.reason for r in a.removed].count("repeated") == 2
    assert a.place == "Jakarta" and a.agency == "ANTARA"
    assert a.published is None and a.dateline_raw is None
    assert any("no dateline" in w for w in a.warnings)
    assert "Copyright" not in a.text and "Editor" not in a.text


def test_whole_body_captured_twice(cleaner: Cleaner) -> None:
    body = [f"Paragraf nomor {i} dari berita ini cukup panjang untuk dikenali." for i in range(5)]
    capture = "Judul Berita\nSelasa, 7 Jan 2025 06:05 WIB\n" + "\n".join(body + body)
    a = article(cleaner(capture))
    assert a.paragraphs == body
    assert [r.reason for r in a.removed] == ["repeated"] * 5


def test_split_lines_are_joined_back() -> None:
    capture = (
        "Judul\nRabu, 18 Jun 2025 07:30 WIB\nJakarta\n-\nLuna Sari\n"
        "ternyata memilih peran itu karena"
        " ceritanya dekat dengan\nJakarta\n.\nIa senang."
    )
    a = article(Cleaner()(capture))
    assert a.place == "Jakarta"
    assert a.paragraphs == [
        "Luna Sari ternyata memilih peran itu karena ceritanya dekat dengan Jakarta .",
        "Ia senang.",
    ]


def _rendered(a: Article) -> str:
    head = [a.title or "", a.dateline_raw or ""]
    return "\n".join(line for line in head if line) + "\n\n" + a.text


def _covered(source: str, spans: list[tuple[int, int]]) -> bool:
    mask = [False] * len(source)
    for s, e in spans:
        for i in range(s, e):
            mask[i] = True
    return all(mask[i] or c.isspace() or c in INVISIBLE for i, c in enumerate(source))


PARAGRAPH = st.text(
    # "Â" and "Ã" before a space read as mojibake, which ftfy rightly repairs on a second pass
    alphabet=st.characters(categories=("L", "N", "P", "Zs"), exclude_characters="\n\rÂÃ"),
    min_size=1,
    max_size=80,
)
FURNITURE = st.sampled_from(
    ["ADVERTISEMENT", "Baca juga:", "SCROLL TO CONTINUE WITH CONTENT", "(abc/def)", "-",
     "JAKARTA, KOMPAS.com -", "Editor: Nama Orang", "tulis komentar anda", "", "  "]
)  # fmt: skip
CAPTURES = st.builds(
    lambda title, paras, picks: "\n".join(
        [
            title,
            "Kamis, 30 Desember 2021 - 19:18 WIB",
            *paras,
            *[paras[i % len(paras)] for i in picks],
        ]
    ),
    st.text(alphabet="abcdefghij KLMNOP", min_size=3, max_size=40).filter(str.strip),
    st.lists(st.one_of(PARAGRAPH, PARAGRAPH, FURNITURE), min_size=1, max_size=8),
    st.lists(st.integers(0, 20), max_size=6),
)


_CLEANER = Cleaner()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CAPTURES)
def test_properties_idempotent_deterministic_conserving(capture: str) -> None:
    cleaner = _CLEANER
    first = cleaner(capture)
    assert first == cleaner(capture)  # deterministic
    if isinstance(first, Rejected):
        return
    again = article(cleaner(_rendered(first)))
    assert again.text == first.text and again.title == first.title
    assert again.published == first.published and again.removed == ()
    # conservation: title, dateline, bylines, kept blocks and removals cover every visible character
    parsed = parse_text(capture, Provenance("-"))
    assert not isinstance(parsed, Rejected)
    draft = clean_draft(parsed, cleaner.catalogue)
    spans = [s for b in draft.blocks for s in b.spans]
    spans += [(r.start, r.end) for r in draft.removed] + list(draft.byline_spans)
    spans += [s for s in (draft.title_span, draft.dateline_span) if s]
    assert _covered(capture, spans)


@pytest.mark.parametrize("copies", [2, 3])
def test_single_paragraph_repeats_are_repaired(cleaner: Cleaner, copies: int) -> None:
    para = "Presiden menyampaikan pidato kenegaraan di gedung parlemen pada pagi hari."
    capture = "Judul\nKamis, 30 Desember 2021 - 19:18 WIB\nPembuka berita.\n" + "\n".join(
        [para] * copies
    )
    a = article(cleaner(capture))
    assert a.paragraphs == ["Pembuka berita.", para]


PREFIX_PIECES = ["JAKARTA", "Jakarta", "New York", "NTB", "KOMPAS.com", "TEMPO.CO", "detikNews",
                 "ANTARA", "Sumba", " ", ",", " - ", "--", "–", ":", ".", "(", ")", "’", "'", "-",
                 "PT", "Kedoya", "x"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PREFIX_PIECES), max_size=10).map("".join))
def test_place_prefixes_match_as_they_would_with_backtracking_runs(text: str) -> None:
    for pattern in _PREFIXES:
        backtracking = re.compile(pattern.pattern.replace("*+", "*"))
        fast, slow = pattern.match(text), backtracking.match(text)
        assert (fast and (fast.span(), fast.groupdict())) == (
            slow and (slow.span(), slow.groupdict())
        )


@given(st.text(alphabet="aZ `'\"“”„‟‘’‚‛«»\u00e9"))
def test_repeat_key_folds_ascii_and_other_text_alike(text: str) -> None:
    assert _repeat_key(text) == text.translate(str.maketrans(_QUOTES)).casefold()


def test_a_chunk_is_cleaned_as_its_captures_one_by_one(
    cleaner: Cleaner, sample_bytes: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`clean_many` (what engines call) gives what `Cleaner.__call__` gives per capture, and
    an article whose enrichment fails is a stage_error reject without touching the others."""
    page = next(iter(sorted((need_shared(SHARED / "eval" / "html")).rglob("*.html"))))
    captures = [
        Capture(sample_bytes, "a.txt"),
        Capture(b"", "empty.txt"),
        Capture(page.read_bytes(), str(page)),
        Capture(b"\x00\x01\x02\xff" * 64, "binary.bin"),
        Capture("Isi berita tentang banjir di Jakarta.", "d.csv", "2", title="Banjir",
                published="2021-12-30 19:18"),
        Capture("Judul\nKamis, 30 Desember 2021 - 19:18 WIB\nRabu (29/12) hujan turun.", "b.txt"),
    ]  # fmt: skip
    one_by_one = [
        cleaner(c.data, source=c.source, locator=c.locator, title=c.title, published=c.published)
        for c in captures
    ]
    assert cleaner.clean_many(captures) == one_by_one
    assert [type(r).__name__ for r in one_by_one] == [
        "Article", "Rejected", "Article", "Rejected", "Article", "Article",
    ]  # fmt: skip

    real = warta.enrich.extract_timeline

    def broken_on_rain(text: str, anchor: object) -> object:
        if "hujan" in text:
            raise ValueError("timeline broke")
        return real(text, anchor)  # type: ignore[arg-type]

    monkeypatch.setattr(warta.enrich, "extract_timeline", broken_on_rain)
    results = cleaner.clean_many(captures)
    failed = results[5]
    assert isinstance(failed, Rejected) and failed.reason == Reason.STAGE_ERROR
    assert failed.detail == "ValueError: timeline broke"
    assert failed.provenance == one_by_one[5].provenance
    assert results[:5] == one_by_one[:5]


def test_a_published_field_with_an_impossible_offset_leaves_the_date_null(
    cleaner: Cleaner,
) -> None:
    a = article(
        cleaner("Isi berita.", source="d.csv", title="T", published="2021-12-30T12:18+25:00")
    )
    assert a.published is None
    assert any("impossible time zone offset '+25:00'" in w for w in a.warnings), a.warnings


@pytest.mark.parametrize(
    ("published", "expected", "source"),
    [
        ("1640866680", "2021-12-30T12:18:00+00:00", "record:published"),
        ("20211230", "2021-12-30", "record:published"),
        ("30.12.2021 19:18", "2021-12-30T19:18:00+07:00", "record:published+default_zone"),
        ("2021-12-30 12:18:00 UTC", "2021-12-30T12:18:00+00:00", "record:published"),
    ],
)
def test_a_published_field_in_a_datasets_forms(
    cleaner: Cleaner, published: str, expected: str, source: str
) -> None:
    a = article(cleaner("Isi berita.", source="d.csv", title="T", published=published))
    assert a.published is not None
    assert (a.published.isoformat(), a.published.source) == (expected, source)
