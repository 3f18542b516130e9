"""Enrichment: what `enrich_many` adds, and that nothing else of an article changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from warta.enrich import LanguageId, enrich_many
from warta.model import Article, Entity, Provenance, PublishedAt, Removal


def test_enrichment_keeps_every_other_field() -> None:
    when = PublishedAt(datetime(2021, 12, 30, 19, 18, tzinfo=UTC), "minute", "dateline")
    article = Article(
        "a", Provenance("x.txt", "1", "ab"), "Judul", "Presiden membuka rapat, Rabu (29/12/2021).",
        url="https://x.id/a", outlet="x.id", published=when, dateline_raw="Jakarta -",
        place="Jakarta", agency="ANTARA", authors=("A",), lang="xx",
        removed=(Removal("Baca juga", "related", 0, 9),), warnings=("w",),
        entities=(Entity("Presiden", 0, 8, "PERSON"),), extra={"k": 1},
    )  # fmt: skip
    [enriched] = enrich_many([article], LanguageId())
    assert isinstance(enriched, Article) and enriched.lang == "id" and enriched.timeline
    assert enriched == replace(article, lang="id", timeline=enriched.timeline, entities=None)
