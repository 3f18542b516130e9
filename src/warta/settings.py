"""Run settings: one dataclass, built by the CLI or by the caller, passed to the pipeline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from warta.decode import DEFAULT_MAX_BYTES
from warta.dedup.fingerprint import DedupSettings
from warta.enrich import DEFAULT_LANGUAGES


@dataclass(frozen=True, slots=True)
class Settings:
    """How captures are read and cleaned.

    Attributes:
        default_zone: zone for a time printed without one (`WIB`, `WITA`, `WIT`, `+07:00`).
        outlet_zones: per-outlet zones that override `default_zone`
            (`{"tribun-timur.com": "WITA"}`).
        date_order: how to read an ambiguous numeric date such as `05/06/2025`.
        patterns: extra boilerplate pattern files, added to the built-in catalogue.
        max_bytes: a capture larger than this is rejected as too large.
        languages: language codes the identifier chooses among.
        entities: find people, organisations and places (`Article.entities`); off by
            default because the tagger costs several times the rest of the cleaning.
        dedup: how copies of a story are found and verified (docs/dedup.md).
    """

    default_zone: str = "WIB"
    outlet_zones: Mapping[str, str] = field(default_factory=dict)
    date_order: Literal["DMY", "MDY"] = "DMY"
    patterns: Sequence[str] = ()
    max_bytes: int = DEFAULT_MAX_BYTES
    languages: Sequence[str] = DEFAULT_LANGUAGES
    entities: bool = False
    dedup: DedupSettings = field(default_factory=DedupSettings)

    def zone_for(self, outlet: str | None) -> str:
        """The zone a zone-less time of `outlet` is read in."""
        if outlet and outlet in self.outlet_zones:
            return self.outlet_zones[outlet]
        return self.default_zone
