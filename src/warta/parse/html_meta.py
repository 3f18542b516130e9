"""What an HTML page says about itself: title, publication instant, authors, URL.

Publication instants are read in a fixed precedence, the first usable one wins:

1. `json-ld:datePublished` (a JSON-LD `*Article` object),
2. `meta:article:published_time`,
3. `meta:pubdate`, `meta:publishdate` and the other publish-date meta names,
   `meta:datePublished` (an `itemprop`),
4. `time` (the first `<time datetime>`),
5. `dateline` (the date printed near the article, read by `warta.dates.find_date`).

Every value goes through `warta.dates.find_date`, the one date grammar of
warta. A value given in UTC is shown in the outlet's zone (the zone the outlet
prints); a value without a zone is read in the outlet's zone and its source is
marked `+default_zone`. A `Z` on what is really local time (detik's
`2015-11-05 T10:08:58Z` beside the printed `10:08 WIB`) is recognised by
comparing with the printed dateline.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta, timezone
from typing import Any, Literal

from lxml import etree, html  # type: ignore[import-untyped]  # lxml ships no stubs

from warta.dates import FoundDate, find_date, zone_name, zone_offset
from warta.model import PublishedAt
from warta.parse import fold_ws
from warta.parse.text import is_dateline, to_published

#: A dateline is a short text: longer elements are not searched.
MAX_DATELINE_CHARS = 120
#: A title part of at most this many words may be the site's name.
MAX_SITE_WORDS = 6

_PUBLISH_META = (
    "article:published_time",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "content_publisheddate",
    "dc.date.issued",
    "datepublished",
    "date",
)
_META_NAMES = {"datepublished": "datePublished"}
_AUTHOR_META = ("author", "content_author", "dtk:author", "article:author")
_BRANDS = re.compile(
    r"\b(?:[\w-]+\.(?:com|co|id|net|org|tv|news)\b|cnn indonesia|cnbc indonesia|antara"
    r"|republika|tempo|kompas|detik|okezone|liputan6|kapanlagi|viva|tribun|suara|sindonews"
    r"|merdeka|kumparan|idn times|media indonesia|jawa pos|bisnis|kontan|online|portal)\b",
    re.IGNORECASE,
)
_TITLE_SEPARATORS = re.compile(r"\s+(?:[-|–—•»]|::?)\s+|\s*\|\s*")
_PREFIX_SITE = re.compile(r"^\s*([\w.-]+\.(?:com|co\.id|id|net))\s*:\s+", re.IGNORECASE)
_KEY = re.compile(r"\W+")


@dataclass(frozen=True, slots=True)
class PageMeta:
    """The page's own metadata, before any choice is made."""

    url: str | None = None
    og_title: str | None = None
    ld_headline: str | None = None
    html_title: str | None = None
    h1s: tuple[str, ...] = ()
    site_name: str | None = None
    dates: tuple[tuple[str, str], ...] = ()
    authors: tuple[str, ...] = ()
    is_article: bool = False


def read_meta(root: html.HtmlElement) -> PageMeta:
    """Collect title candidates, dated values (in precedence order), authors and URL.

    Example:
        >>> root = html.document_fromstring('<html><head><meta property="og:title" '
        ...     'content="Judul"><meta name="pubdate" content="2015-11-05 T10:08:58Z">'
        ...     '</head><body><h1>Judul</h1></body></html>')
        >>> m = read_meta(root)
        >>> m.og_title, m.dates
        ('Judul', (('meta:pubdate', '2015-11-05 T10:08:58Z'),))
    """
    metas: dict[str, str] = {}
    for el in root.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        value = fold_ws(el.get("content") or "")
        if key and value and key not in metas:
            metas[key] = value
    ld = _json_ld(root)
    dates: list[tuple[str, str]] = []
    if ld.get("datePublished"):
        dates.append(("json-ld:datePublished", str(ld["datePublished"])))
    for name in _PUBLISH_META:
        if metas.get(name):
            dates.append((f"meta:{_META_NAMES.get(name, name)}", metas[name]))
    for el in root.iter("time"):
        if el.get("datetime"):
            dates.append(("time", el.get("datetime") or ""))
            break
    canonical = next(
        (
            el.get("href")
            for el in root.iter("link")
            if (el.get("rel") or "").lower() == "canonical"
        ),
        None,
    )
    url = next((u.strip() for u in (canonical, metas.get("og:url")) if u and u.strip()), None)
    authors = (
        _ld_authors(ld.get("author"))
        or [metas[k] for k in _AUTHOR_META if metas.get(k) and not _BRANDS.search(metas[k])][:1]
    )
    title_el = root.find(".//title")
    ld_type = str(ld.get("@type") or "")
    is_article = (
        "article" in ld_type.lower()
        or metas.get("og:type", "").lower() == "article"
        or "article:published_time" in metas
        or bool(root.xpath("//*[@itemprop='articleBody']"))
    )
    return PageMeta(
        url=url if url and url.startswith(("http://", "https://")) else None,
        og_title=metas.get("og:title"),
        ld_headline=str(ld["headline"]) if ld.get("headline") else None,
        html_title=fold_ws(title_el.text_content()) if title_el is not None else None,
        h1s=tuple(t for t in (fold_ws(h.text_content()) for h in root.iter("h1")) if t),
        site_name=metas.get("og:site_name"),
        dates=tuple(dates),
        authors=tuple(dict.fromkeys(fold_ws(a) for a in authors if fold_ws(a))),
        is_article=is_article,
    )


def choose_title(meta: PageMeta, outlet: str | None) -> str | None:
    """The article's title: an `<h1>` the page title contains, else og:title without the site name.

    Example:
        >>> choose_title(PageMeta(og_title="Judul Berita - Kompas.com", h1s=("Nasional",)), None)
        'Judul Berita'
    """
    raw = [t for t in (meta.og_title, meta.ld_headline, meta.html_title) if t]
    for h1 in meta.h1s:
        if len(h1.split()) >= 3 and any(h1 in t and h1 != t for t in raw):
            return h1
    for text in raw:
        stripped = strip_site(text, outlet, meta.site_name)
        if stripped:
            return stripped
    return meta.h1s[0] if meta.h1s else None


def strip_site(title: str, outlet: str | None = None, site_name: str | None = None) -> str:
    """Take the site's name off a page title (` - Kompas.com`, ` | CNN Indonesia`).

    A part is the site's name when it is short and names a brand, the outlet
    or og:site_name.

    Example:
        >>> strip_site("Samsul Arif Tak Beban Lawan Arema - Kompas.com")
        'Samsul Arif Tak Beban Lawan Arema'
        >>> strip_site("Cara Indra Birowo Jaga Keromantisan dengan Istri : Okezone Celebrity")
        'Cara Indra Birowo Jaga Keromantisan dengan Istri'
    """
    title = fold_ws(_PREFIX_SITE.sub("", title))
    stem = (outlet or "").split(".")[0].lower()
    site = (site_name or "").lower()

    def is_site(part: str) -> bool:
        low = part.lower()
        if len(part.split()) > MAX_SITE_WORDS:
            return False
        return (
            bool(_BRANDS.search(part)) or bool(stem and stem in low) or bool(site and site in low)
        )

    while True:
        matches = list(_TITLE_SEPARATORS.finditer(title))
        if not matches:
            return title
        last = matches[-1]
        if is_site(title[last.end() :]) and last.start() > 0:
            title = title[: last.start()].strip()
            continue
        first = matches[0]
        if is_site(title[: first.start()]) and first.end() < len(title):
            title = title[first.end() :].strip()
            continue
        return title


def choose_published(
    meta: PageMeta,
    root: html.HtmlElement,
    container: html.HtmlElement,
    default_zone: timezone | str,
    date_order: Literal["DMY", "MDY"],
    warnings: list[str],
    title: str | None = None,
) -> tuple[PublishedAt | None, str | None]:
    """The publication instant by the module's precedence, and the printed dateline.

    Returns:
        The instant (None when the page has no usable date) and the dateline
        text as printed (None when none was found near the article).
    """
    dateline_text, dateline = find_dateline(root, container, default_zone, date_order, title)
    outlet_zone = default_zone if isinstance(default_zone, timezone) else zone_offset(default_zone)
    for source, value in meta.dates:
        found = find_date(value, default_zone=default_zone, order="DMY")
        if found is None or found.value is None or (found.precision == "day" and dateline):
            continue
        found = _reconcile(found, source, dateline, outlet_zone, warnings)
        return to_published(found, source, default_zone, warnings), dateline_text
    if dateline is not None:
        return to_published(dateline, "dateline", default_zone, warnings), dateline_text
    return None, dateline_text


def _reconcile(
    found: FoundDate,
    source: str,
    dateline: FoundDate | None,
    outlet_zone: timezone,
    warnings: list[str],
) -> FoundDate:
    """Show a UTC value in the outlet's zone, unless its `Z` is a mislabelled local time."""
    value = found.value
    if value is None or not found.zone_given or value.utcoffset() != timedelta(0):
        return found
    local = dateline.value if dateline is not None else None
    if (
        local is not None
        and dateline is not None
        and dateline.precision != "day"
        and local.utcoffset() != timedelta(0)
        and abs(value.replace(tzinfo=local.tzinfo) - local) < abs(value - local)
    ):
        # Read as local time, the value is nearer the printed dateline than read as UTC.
        name = zone_name(local.tzinfo if isinstance(local.tzinfo, timezone) else None) or "local"
        warnings.append(f"{source} marks local time as UTC (Z); read in {name} as the page prints")
        return replace(found, value=value.replace(tzinfo=local.tzinfo))
    return replace(found, value=value.astimezone(outlet_zone))


def find_dateline(
    root: html.HtmlElement,
    container: html.HtmlElement,
    default_zone: timezone | str,
    date_order: Literal["DMY", "MDY"],
    title: str | None = None,
) -> tuple[str | None, FoundDate | None]:
    """The printed dateline nearest before the article body (or, failing that, after it).

    Example:
        >>> root = html.document_fromstring('<html><body><h1>Judul</h1><div class="date">'
        ...     'Rabu, 4 November 2015 | 21:04 WIB</div><div id="b"><p>Isi.</p></div>'
        ...     '</body></html>')
        >>> text, found = find_dateline(root, root.get_element_by_id("b"), "WIB", "DMY")
        >>> text, found.value.isoformat()
        ('Rabu, 4 November 2015 | 21:04 WIB', '2015-11-04T21:04:00+07:00')
    """
    found_at: list[tuple[int, str, FoundDate]] = []
    start = end = h1 = None
    left = False  # the walk has just left the container
    i = -1
    # Each element's text is that of its children joined with its own as they end (a walk in
    # document order, every element left after those inside it), so no text is read twice:
    # reading it from each element (itertext) cost the depth of the page per element.
    stack: list[_Text] = []
    for event, el in etree.iterwalk(root, events=("start", "end", "comment", "pi")):
        if event != "end":
            i += 1
            if el is container:
                start = i
            elif left and end is None:
                end = i
            left = False
            if event != "start":  # a comment: only the text after it is the element's
                if stack:
                    stack[-1].add(_Text(i, None), el.tail)
                continue
            stack.append(_Text(i, el.text))
            if (isinstance(el.tag, str) and el.tag in ("h1", "h2", "h3")
                    and (start is None or i < start)):  # fmt: skip
                heading = fold_ws(el.text_content())
                if (title and heading == title) or (el.tag == "h1" and h1 is None):
                    h1 = i
            continue
        node = stack.pop()
        left = left or el is container
        if stack:
            stack[-1].add(node, el.tail)
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "head", "title", "a"):
            continue
        text = node.short() if len(el) <= 8 else None
        if text is None or len(text) < 8:
            continue
        found = find_date(text, default_zone=default_zone, order=date_order)
        if found is not None and found.value is not None and is_dateline(text, found):
            found_at.append((node.at, text, found))
    last = i
    found_at.sort(key=lambda c: c[0])  # in document order, as they start
    if not found_at:
        return None, None
    body_start = start if start is not None else 0
    body_end = end if end is not None else last + 1
    anchor = h1 if h1 is not None and h1 < body_start else body_start

    def cost(i: int) -> float:
        """Right after the title or before the body start is best; after the body is worst."""
        if i >= body_end:
            return 3.0 * (i - anchor)
        near_title = float(i - anchor) if i >= anchor else 1.5 * (anchor - i)
        return min(near_title, abs(body_start - i) * 1.0)

    # A dateline with a time beats one without (kompas prints the day in a sidebar too).
    _, text, found = min(found_at, key=lambda c: cost(c[0]) * (4 if c[2].precision == "day" else 1))
    return text, found


class _Text:
    """The text of an element as `itertext` gives it, its pieces joined by spaces, while it is
    short: None once it holds more than `3 * MAX_DATELINE_CHARS` characters (not counting the
    spaces between its pieces); `at` is its index in document order."""

    __slots__ = ("at", "parts", "size")

    def __init__(self, at: int, text: str | None) -> None:
        self.at, self.size = at, len(text or "")
        self.parts: list[str] | None = [text] if text else []

    def add(self, child: _Text, tail: str | None) -> None:
        """Add a child's text and the text after it (its tail)."""
        self.size += child.size + len(tail or "")
        if self.parts is None or self.size > 3 * MAX_DATELINE_CHARS:
            self.parts = None
            return
        if child.parts:
            self.parts.append(" ".join(child.parts))
        if tail:
            self.parts.append(tail)

    def short(self) -> str | None:
        """The text folded, when it is dateline-sized (at most `MAX_DATELINE_CHARS`)."""
        if self.parts is None or self.size > 3 * MAX_DATELINE_CHARS:
            return None
        text = fold_ws(" ".join(self.parts))
        return text if text and len(text) <= MAX_DATELINE_CHARS else None


def _json_ld(root: html.HtmlElement) -> dict[str, Any]:
    """The first JSON-LD object typed as an article (or holding a datePublished)."""
    fallback: dict[str, Any] = {}
    for script in root.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        raw = script.text or ""
        try:
            doc = json.loads(raw, strict=False)
        except (ValueError, RecursionError):  # the decoder's answer to deep nesting is the latter
            # Broken JSON (unescaped quotes, trailing commas) still names its fields.
            doc = {
                k: m.group(1)
                for k in ("datePublished", "headline", "@type")
                if (m := re.search(rf'"{re.escape(k)}"\s*:\s*"([^"]*)"', raw))
            }
        for obj in _objects(doc):
            kind = obj.get("@type")
            kinds = " ".join(kind) if isinstance(kind, list) else str(kind or "")
            if "article" in kinds.lower() or "posting" in kinds.lower():
                return obj
            if not fallback and obj.get("datePublished"):
                fallback = obj
    return fallback


def _objects(doc: Any) -> Iterator[dict[str, Any]]:
    """Every dict in a JSON-LD document (top level, lists and `@graph`), breadth first."""
    stack = deque([doc])  # a list shifted from its front costs its length per item
    while stack:
        item = stack.popleft()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            yield item
            if isinstance(item.get("@graph"), list):
                stack.extend(item["@graph"])


def _ld_authors(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [str(value["name"])] if value.get("name") else []
    if isinstance(value, list):
        return [name for item in value for name in _ld_authors(item)]
    return []
