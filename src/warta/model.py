"""Shared record types: what goes into a stage and what comes out.

Every record is a frozen dataclass. Stages build new records with
`dataclasses.replace`; nothing here is ever mutated.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from json.encoder import encode_basestring, encode_basestring_ascii
from typing import Any, Literal

Precision = Literal["day", "minute", "second"]


class Reason(StrEnum):
    """Why a record could not become an article."""

    EMPTY_BODY = "empty_body"
    NOT_TEXT = "not_text"
    PARSE_ERROR = "parse_error"
    NOT_AN_ARTICLE = "not_an_article"
    TOO_LARGE = "too_large"
    UNREADABLE = "unreadable"
    STAGE_ERROR = "stage_error"


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a record came from: the input as given, a locator inside it, the raw-bytes hash."""

    source: str
    locator: str = ""
    sha256: str = ""

    @property
    def id(self) -> str:
        """Stable article id: sha1 of source and locator, the same on every rerun.

        Standard input (`-`) has no name to go by, so its content hash stands in.
        """
        where = self.sha256 if self.source == "-" else self.source
        key = f"{where}\x00{self.locator}".encode("utf-8", "surrogatepass")
        return hashlib.sha1(key, usedforsecurity=False).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Removal:
    """One removed piece of a capture: its text, why, and where it stood.

    `start`/`end` are character offsets into the decoded capture text (for HTML
    pages: into the text the extractor produced).
    """

    text: str
    reason: str
    start: int
    end: int


MentionType = Literal["DATE", "TIME", "DURATION", "SET"]


@dataclass(frozen=True, slots=True)
class Mention:
    """A temporal expression in an article's text, resolved to a TimeML TIMEX3 value.

    `start`/`end` are character offsets into `Article.text` (`text[start:end] ==
    mention.text`); `value` is e.g. `2022-01-10`, `2014-12-28T06:18`, `P3D`, `PAST_REF`.
    """

    text: str
    start: int
    end: int
    type: MentionType
    value: str


@dataclass(frozen=True, slots=True)
class PublishedAt:
    """A publication instant with its zone as printed, how precise it is and where it came from."""

    value: datetime
    precision: Precision
    source: str

    def isoformat(self) -> str:
        """ISO 8601 in the printed offset; a date-only value prints as `YYYY-MM-DD`."""
        if self.precision == "day":
            return self.value.date().isoformat()
        spec = "seconds" if self.precision == "second" else "minutes"
        text = self.value.isoformat(timespec=spec)
        # `timespec="minutes"` drops seconds; the schema promises HH:MM:SS.
        if self.precision == "minute":
            text = text[:16] + ":00" + text[16:]
        return text


@dataclass(frozen=True, slots=True)
class Entity:
    """A person, organisation or place named in an article's text.

    `start`/`end` are character offsets into the article's `text`.
    """

    text: str
    start: int
    end: int
    type: str


@dataclass(frozen=True, slots=True)
class Article:
    """A clean news article and everything known about how it was made."""

    id: str
    provenance: Provenance
    title: str | None
    text: str
    url: str | None = None
    outlet: str | None = None
    published: PublishedAt | None = None
    dateline_raw: str | None = None
    place: str | None = None
    agency: str | None = None
    authors: tuple[str, ...] = ()
    lang: str | None = None
    removed: tuple[Removal, ...] = ()
    warnings: tuple[str, ...] = ()
    timeline: tuple[Mention, ...] = ()
    #: None when entity recognition was not run (`--entities` turns it on).
    entities: tuple[Entity, ...] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def paragraphs(self) -> list[str]:
        """The body paragraphs, in order."""
        return [p for p in self.text.split("\n\n") if p]

    def to_dict(self) -> dict[str, Any]:
        """The public JSON schema (see README): plain types only."""
        out: dict[str, Any] = {
            "id": self.id,
            "source": self.provenance.source,
            "locator": self.provenance.locator or None,
            "url": self.url,
            "outlet": self.outlet,
            "title": self.title,
            "published_at": self.published.isoformat() if self.published else None,
            "published_at_source": self.published.source if self.published else None,
            "dateline_raw": self.dateline_raw,
            "place": self.place,
            "agency": self.agency,
            "authors": list(self.authors),
            "lang": self.lang,
            "text": self.text,
            "removed": [
                {"text": r.text, "reason": r.reason, "start": r.start, "end": r.end}
                for r in self.removed
            ],
            "warnings": list(self.warnings),
            "timeline": [
                {"text": m.text, "start": m.start, "end": m.end, "type": m.type, "value": m.value}
                for m in self.timeline
            ],
            "entities": None
            if self.entities is None
            else [
                {"text": e.text, "start": e.start, "end": e.end, "type": e.type}
                for e in self.entities
            ],
        }
        out.update(self.extra)
        return out

    def to_json(self) -> str:
        """`json.dumps(self.to_dict(), ensure_ascii=False)`, written without the dict.

        A build stores every article's JSON: the dict and the encoder's pass over it
        cost twice this (`tests/test_model.py` checks that both write the same text).
        `extra` may add or replace any key, so an article with one goes the long way.
        """
        if self.extra:
            return json.dumps(self.to_dict(), ensure_ascii=False)
        p, pub = self.provenance, self.published
        removed = ", ".join([
            f'{{"text": {_js(r.text)}, "reason": {_js(r.reason)}, "start": {int(r.start)}, '
            f'"end": {int(r.end)}}}'
            for r in self.removed
        ])  # fmt: skip
        timeline = ", ".join([
            f'{{"text": {_js(m.text)}, "start": {int(m.start)}, "end": {int(m.end)}, '
            f'"type": {_js(m.type)}, "value": {_js(m.value)}}}'
            for m in self.timeline
        ])  # fmt: skip
        entities = "null" if self.entities is None else "[" + ", ".join([
            f'{{"text": {_js(e.text)}, "start": {int(e.start)}, "end": {int(e.end)}, '
            f'"type": {_js(e.type)}}}'
            for e in self.entities
        ]) + "]"  # fmt: skip
        # The text is most of the JSON: the ASCII encoder is twice as fast, and the
        # same for ASCII without DEL (the only ASCII it escapes and the other does not).
        text = self.text
        ascii_text = text.isascii() and "\x7f" not in text
        return (
            f'{{"id": {_js(self.id)}, "source": {_js(p.source)}, '
            f'"locator": {_js(p.locator or None)}, "url": {_js(self.url)}, '
            f'"outlet": {_js(self.outlet)}, "title": {_js(self.title)}, '
            f'"published_at": {_js(pub.isoformat() if pub else None)}, '
            f'"published_at_source": {_js(pub.source if pub else None)}, '
            f'"dateline_raw": {_js(self.dateline_raw)}, "place": {_js(self.place)}, '
            f'"agency": {_js(self.agency)}, "authors": [{", ".join(map(_js, self.authors))}], '
            f'"lang": {_js(self.lang)}, '
            f'"text": {encode_basestring_ascii(text) if ascii_text else encode_basestring(text)}, '
            f'"removed": [{removed}], "warnings": [{", ".join(map(_js, self.warnings))}], '
            f'"timeline": [{timeline}], "entities": {entities}}}'
        )


def _js(value: str | None) -> str:
    """A string (or None) as `json.dumps(value, ensure_ascii=False)` writes it."""
    return "null" if value is None else encode_basestring(value)


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record that could not become an article, and why. Never dropped silently."""

    provenance: Provenance
    stage: str
    reason: Reason
    detail: str = ""

    @property
    def id(self) -> str:
        """Same id scheme as `Article.id`."""
        return self.provenance.id

    def to_dict(self) -> dict[str, Any]:
        """JSON form: marked with `"rejected": true` so a reader can tell it from an article."""
        p = self.provenance
        return reject_dict(self.id, p.source, p.locator, self.stage, str(self.reason), self.detail)


def reject_dict(
    id: str, source: str, locator: str, stage: str, reason: str, detail: str
) -> dict[str, Any]:
    """The public JSON of a reject (`Rejected.to_dict`, and a stored reject's row): `locator`
    null when there is none, and `"rejected": true`."""
    return {"id": id, "source": source, "locator": locator or None, "rejected": True,
            "stage": stage, "reason": reason, "detail": detail}  # fmt: skip
