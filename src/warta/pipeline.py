"""From raw capture to article: decode, parse, clean, enrich. Pure per record."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field, replace

from warta.clean import clean_draft
from warta.dates import zone_offset
from warta.decode import Decoded, decode
from warta.enrich import LanguageId, enrich
from warta.errors import ConfigError
from warta.model import Article, Provenance, Reason, Rejected
from warta.parse import Draft
from warta.parse.text import parse_text
from warta.patterns import Catalogue, load_catalogue
from warta.settings import Settings
from warta.urls import outlet_from_url

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Cleaner:
    """Everything a run needs to clean captures, built once from `Settings`.

    Calling it is a pure function of its arguments: the catalogue and the
    language model are read-only after they are loaded.

    Example:
        >>> cleaner = Cleaner()
        >>> cleaner("Judul\\nKamis, 30 Desember 2021 - 19:18 WIB\\nPresiden bicara.").title
        'Judul'
    """

    settings: Settings = field(default_factory=Settings)
    catalogue: Catalogue = field(init=False)
    language_id: LanguageId = field(init=False)

    def __post_init__(self) -> None:
        for zone in (self.settings.default_zone, *self.settings.outlet_zones.values()):
            try:
                zone_offset(zone)
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
        self.catalogue = load_catalogue(self.settings.patterns)
        self.language_id = LanguageId(self.settings.languages)

    def __call__(
        self,
        data: bytes | str,
        *,
        source: str = "-",
        locator: str = "",
        url: str | None = None,
        outlet: str | None = None,
    ) -> Article | Rejected:
        """Clean one capture (text or bytes) into an `Article`, or say why not.

        Never raises for bad input: an unexpected failure becomes
        `Rejected(STAGE_ERROR)` and is logged once with its traceback.
        """
        raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
        provenance = Provenance(source, locator, hashlib.sha256(raw).hexdigest())
        try:
            return self._clean(data, provenance, url, outlet)
        except Exception as exc:  # the runner boundary: a bad record is a value
            log.warning("%s: unexpected %s", source, type(exc).__name__, exc_info=True)
            return Rejected(provenance, "clean", Reason.STAGE_ERROR, f"{type(exc).__name__}: {exc}")

    def _clean(
        self, data: bytes | str, provenance: Provenance, url: str | None, outlet: str | None
    ) -> Article | Rejected:
        decoded = decode(data, max_bytes=self.settings.max_bytes)
        if not isinstance(decoded, Decoded):
            return Rejected(provenance, "decode", decoded.reason, decoded.detail)
        outlet = outlet or outlet_from_url(url)
        parsed = parse_text(
            decoded.text,
            provenance,
            url=url,
            outlet=outlet,
            default_zone=self.settings.zone_for(outlet),
            date_order=self.settings.date_order,
        )
        if isinstance(parsed, Rejected):
            return parsed
        draft = replace(parsed, warnings=decoded.warnings + parsed.warnings)
        cleaned = clean_draft(draft, self.catalogue)
        if not cleaned.blocks:
            return Rejected(
                provenance,
                "clean",
                Reason.EMPTY_BODY,
                f"nothing left after cleaning ({len(cleaned.removed)} pieces removed)",
            )
        return enrich(to_article(cleaned), self.language_id)


def to_article(draft: Draft) -> Article:
    """The finished article of a cleaned draft."""
    return Article(
        id=draft.provenance.id,
        provenance=draft.provenance,
        title=draft.title,
        text="\n\n".join(draft.block_texts()),
        url=draft.url,
        outlet=draft.outlet,
        published=draft.published,
        dateline_raw=draft.dateline_raw,
        place=draft.place,
        agency=draft.agency,
        authors=draft.authors,
        removed=draft.removed,
        warnings=draft.warnings,
    )


def clean_capture(
    data: bytes | str,
    *,
    url: str | None = None,
    outlet: str | None = None,
    source: str = "-",
    settings: Settings | None = None,
) -> Article | Rejected:
    """Clean one raw capture into a trustworthy article.

    Args:
        data: the capture, as bytes (any encoding) or text.
        url: the page URL, when known (gives the outlet).
        outlet: the outlet, when known and not in the URL.
        source: a name for the input (a path), used for the article id.
        settings: run settings; the defaults read times without a zone as WIB.

    Returns:
        The `Article`, or a `Rejected` value saying why there is none.

    Example:
        >>> a = clean_capture("Judul\\nKamis, 30 Desember 2021 - 19:18 WIB\\nIsi berita.")
        >>> a.published.isoformat()
        '2021-12-30T19:18:00+07:00'
    """
    return Cleaner(settings or Settings())(data, source=source, url=url, outlet=outlet)
