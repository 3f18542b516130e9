"""From raw capture to article: decode, parse, clean, enrich. Pure per record."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Literal, cast

from warta.clean import clean_draft
from warta.dates import find_field_date, zone_offset
from warta.decode import Decoded, decode, repair_text
from warta.enrich import LanguageId, enrich_many
from warta.errors import ConfigError
from warta.model import Article, Provenance, Reason, Rejected, Removal
from warta.parse import Block, Draft, Span, fold_ws
from warta.parse.html import page_url, parse_html
from warta.parse.text import parse_text, to_published
from warta.patterns import Catalogue, load_catalogue
from warta.settings import Settings
from warta.sniff import looks_like_html
from warta.urls import outlet_of

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
        title: str | None = None,
        published: str | None = None,
        date_order: Literal["DMY", "MDY"] | None = None,
    ) -> Article | Rejected:
        """Clean one capture (text or bytes) into an `Article`, or say why not.

        With `title` or `published` given (a dataset record), `data` is the body
        alone: the title is taken as given and `published` (a raw dateline or a
        timestamp, an epoch as digits too) goes through the dateline parser
        (`find_field_date`: the whole field is the date); `published_at_source` is
        then `record:published`. A body that is an HTML page is parsed as a page,
        the given title and published winning over its own (see `parse_html`).
        `date_order` overrides the settings for this record (a dataset column
        whose order was detected).

        Never raises for bad input: an unexpected failure becomes
        `Rejected(STAGE_ERROR)` and is logged once with its traceback.
        """
        capture = Capture(data, source, locator, url, outlet, title, published, date_order)
        return self.clean_many([capture])[0]

    def clean_many(self, captures: Sequence[Capture]) -> list[Article | Rejected]:
        """`self(...)` of each capture, in order (what an engine does with a chunk).

        Decoding, parsing and cleaning go capture by capture; the enrichment steps
        then run one at a time over all the articles (`enrich_many`), which keeps
        their tables in the CPU caches. The results are those of one call each.
        """
        out: list[Article | Rejected] = []
        for c in captures:
            raw = c.data.encode("utf-8", "surrogatepass") if isinstance(c.data, str) else c.data
            provenance = Provenance(c.source, c.locator, hashlib.sha256(raw).hexdigest())
            c, repaired = _valid_fields(c)
            fields = None if c.title is None and c.published is None else (c.title, c.published)
            try:
                result = self._clean(c.data, provenance, c.url, c.outlet, fields=fields,
                                     date_order=c.date_order)  # fmt: skip
            except Exception as exc:  # the runner boundary: a bad record is a value
                result = _failed(provenance, exc)
            if repaired and isinstance(result, Article):
                result = replace(result, warnings=(*result.warnings, *repaired))
            out.append(result)
        todo = [i for i, r in enumerate(out) if isinstance(r, Article)]
        enriched = enrich_many(
            [cast(Article, out[i]) for i in todo], self.language_id, entities=self.settings.entities
        )
        for i, done in zip(todo, enriched, strict=True):
            out[i] = _failed(out[i].provenance, done) if isinstance(done, Exception) else done
        return out

    def _clean(
        self,
        data: bytes | str,
        provenance: Provenance,
        url: str | None,
        outlet: str | None,
        *,
        fields: tuple[str | None, str | None] | None = None,
        date_order: Literal["DMY", "MDY"] | None = None,
    ) -> Article | Rejected:
        decoded = decode(data, max_bytes=self.settings.max_bytes)
        if not isinstance(decoded, Decoded):
            return Rejected(provenance, "decode", decoded.reason, decoded.detail)
        is_html = looks_like_html(decoded.text)
        if is_html:
            url = url or page_url(decoded.text)
        outlet = outlet_of(outlet, url)
        parser: Callable[..., Draft | Rejected] = parse_html if is_html else parse_text
        if fields is not None:
            title, published = fields
            record_parser = parse_html if is_html else parse_record
            parser = partial(record_parser, title=title, published=published)
        parsed = parser(
            decoded.text,
            provenance,
            url=url,
            outlet=outlet,
            default_zone=self.settings.zone_for(outlet),
            date_order=date_order or self.settings.date_order,
        )
        if isinstance(parsed, Rejected):
            return parsed
        draft = parsed
        if decoded.warnings:  # most captures decode without one: no copy of the draft
            draft = replace(parsed, warnings=decoded.warnings + parsed.warnings)
        cleaned = clean_draft(draft, self.catalogue)
        if not cleaned.blocks:
            return Rejected(
                provenance,
                "clean",
                Reason.EMPTY_BODY,
                f"nothing left after cleaning ({len(cleaned.removed)} pieces removed)",
            )
        return to_article(cleaned)  # enriched by `clean_many`, with the others of its chunk


@dataclass(frozen=True, slots=True)
class Capture:
    """One capture to clean, with what its input knows of it (see `Cleaner.__call__`)."""

    data: bytes | str
    source: str = "-"
    locator: str = ""
    url: str | None = None
    outlet: str | None = None
    title: str | None = None
    published: str | None = None
    date_order: Literal["DMY", "MDY"] | None = None


def _valid_fields(c: Capture) -> tuple[Capture, tuple[str, ...]]:
    """A capture whose text fields (title, published, url, outlet) are repaired as a capture's
    text is (`repair_text`: lone surrogates, mojibake, terminal escapes, control characters),
    and the warnings of the repairs (the data itself is repaired by `decode`)."""
    values = (c.title, c.published, c.url, c.outlet)
    if all(v is None or (v.isascii() and v.isprintable()) for v in values):
        return c, ()
    fixed = [repair_text(v) if v is not None else (None, ()) for v in values]
    warnings = tuple(dict.fromkeys(f"{w} in the record's fields" for _, ws in fixed for w in ws))
    if not warnings:
        return c, ()
    title, published, url, outlet = (v for v, _ in fixed)
    return replace(c, title=title, published=published, url=url, outlet=outlet), warnings


def _failed(provenance: Provenance, exc: Exception) -> Rejected:
    """An unexpected failure as a reject, logged once with its traceback."""
    log.warning("%s: unexpected %s", provenance.source, type(exc).__name__, exc_info=exc)
    return Rejected(provenance, "clean", Reason.STAGE_ERROR, f"{type(exc).__name__}: {exc}")


def parse_record(
    body: str,
    provenance: Provenance,
    *,
    title: str | None,
    published: str | None,
    url: str | None = None,
    outlet: str | None = None,
    default_zone: str = "WIB",
    date_order: Literal["DMY", "MDY"] = "DMY",
) -> Draft | Rejected:
    """A dataset record (title and published given apart from the body) as a `Draft`.

    The draft's source is `title\\npublished\\nbody`, so every span (and every
    removal) points into one text, as for a text capture. A `published` value
    that holds no date is kept as a removal (`not_a_date`) with a warning.

    Example:
        >>> d = parse_record("Isi.", Provenance("-"), title="Judul", published="10/21/2025 20:43",
        ...                  date_order="MDY")
        >>> d.title, d.published.isoformat(), d.published.source
        ('Judul', '2025-10-21T20:43:00+07:00', 'record:published+default_zone')
    """
    head, when = fold_ws(title or ""), fold_ws(published or "")
    source = f"{head}\n{when}\n{body}"
    start = len(head) + len(when) + 2
    lines = [_strip_span(source, m.start() + start, m.end() + start) for m in _LINE.finditer(body)]
    blocks = tuple(Block((span,)) for span in lines if span[0] < span[1])
    if not blocks:
        return Rejected(provenance, "parse", Reason.EMPTY_BODY, "the record has no body text")
    warnings: list[str] = []
    removed: tuple[Removal, ...] = ()
    found = find_field_date(when, default_zone=default_zone, order=date_order) if when else None
    date_span: Span | None = (len(head) + 1, len(head) + 1 + len(when)) if when else None
    value = to_published(found, "record:published", default_zone, warnings) if found else None
    if when and found is None:
        warnings.append(f"published field holds no date: {when[:60]!r}")
        removed = (Removal(when, "not_a_date", *(date_span or (0, 0))),)
        date_span = None
    elif not when:
        warnings.append("no published field: published_at is null")
    return Draft(
        provenance=provenance,
        source=source,
        blocks=blocks,
        title=head or None,
        title_span=(0, len(head)) if head else None,
        dateline_raw=when if date_span else None,
        dateline_span=date_span,
        published=value,
        url=url,
        outlet=outlet,
        removed=removed,
        warnings=tuple(warnings),
    )


_LINE = re.compile(r"[^\n]+")


def _strip_span(source: str, start: int, end: int) -> Span:
    """Shrink a span past leading and trailing whitespace."""
    while start < end and source[start].isspace():
        start += 1
    while end > start and source[end - 1].isspace():
        end -= 1
    return start, end


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
