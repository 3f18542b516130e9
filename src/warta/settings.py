"""Run settings: `Settings` and its `DedupSettings`, built by the CLI or by the caller,
passed to the pipeline.

Only the standard library is imported here: the CLI reads these defaults for its options
before (and, for `warta search` or `stats`, without) loading the pipeline and numpy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

#: A single capture larger than this is refused (a news article is a few tens of KB).
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
#: Languages the identifier chooses among: Indonesian, its neighbours and the
#: languages Indonesian portals also publish in. Fewer classes is faster and
#: keeps Indonesian from being mistaken for a rare language.
DEFAULT_LANGUAGES = (
    "id", "ms", "jv", "en", "ar", "zh", "ja", "ko", "nl", "fr", "de", "es", "pt", "ru",
    "tl", "vi", "th",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class DedupSettings:
    """How copies are found and verified (defaults measured: see docs/dedup.md).

    Attributes:
        enabled: run the dedup pass at the end of `warta build`.
        shingle: words per shingle.
        num_perm: MinHash signature length (32-bit values).
        bands, rows: LSH banding; `bands * rows <= num_perm`. A pair with Jaccard
            `j` becomes a candidate with probability `1 - (1 - j**rows)**bands`.
        jaccard: a candidate with estimated Jaccard >= this is a copy.
        containment: ... or with estimated containment (of the shorter text in the
            longer) >= this and Jaccard >= `min_jaccard`: a shortened republication.
        min_jaccard: the Jaccard floor for the containment rule.
        min_words: texts with fewer words are never matched by MinHash.
        min_words_exact: texts with fewer words are never matched at all; texts of
            `min_words_exact..min_words-1` words only when title and text are identical.
        max_cluster: a merge that would make a cluster larger than this is refused
            (logged): a guard against boilerplate chaining stories together.
        seed: MinHash seed (changing it invalidates stored signatures).
    """

    enabled: bool = True
    shingle: int = 5
    num_perm: int = 128
    bands: int = 32
    rows: int = 2
    jaccard: float = 0.5
    containment: float = 0.7
    min_jaccard: float = 0.2
    min_words: int = 30
    min_words_exact: int = 10
    max_cluster: int = 1000
    seed: int = 42

    def __post_init__(self) -> None:
        if self.bands * self.rows > self.num_perm or min(self.bands, self.rows, self.shingle) < 1:
            raise ValueError(
                f"dedup: bands {self.bands} x rows {self.rows} must be >= 1 and fit in "
                f"num_perm {self.num_perm}"
            )
        for name in ("jaccard", "containment", "min_jaccard"):
            value = getattr(self, name)
            if not 0 <= value <= 1:  # NaN too: it fails every comparison
                raise ValueError(f"dedup: {name} must be a number from 0 to 1, not {value}")


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
