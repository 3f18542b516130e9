"""HTML pages: the article's title, publication instant, authors, outlet and body paragraphs.

The page is parsed once with lxml. Metadata comes from the page's own
machine-readable fields first (JSON-LD, `<meta>`, `<time>`), then from what it
prints (the `<h1>`, the dateline). The body is the element whose paragraphs
carry the most text outside links; its furniture that sits in markup of its
own (captions, embedded posts, related-story boxes, share bars) is kept in the
draft's source as a recorded removal, so the cleaner's catalogue stages see
the same kind of text as for a plain-text capture and every cut is on record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timezone
from typing import Literal

from lxml import etree, html  # type: ignore[import-untyped]  # lxml ships no stubs

from warta.dates import FoundDate, find_date, find_field_date
from warta.model import Provenance, Reason, Rejected, Removal
from warta.parse import Block, Draft, Span, fold_ws
from warta.parse.html_meta import PageMeta, choose_published, choose_title, read_meta
from warta.parse.text import HEADER_LINES, byline_names, is_dateline, to_published
from warta.urls import outlet_from_url

#: A body with less text than this (outside links) is not an article.
MIN_BODY_CHARS = 80
#: A page without article markup needs at least this much body text to count as one.
MIN_UNMARKED_BODY_CHARS = 400
#: libxml2 stops building the tree below this depth; deeper pages are flattened first.
PARSER_DEPTH_LIMIT = 255
#: A paragraph this long (outside links) is prose, not a teaser or a caption.
PROSE_PARAGRAPH_CHARS = 120

_SKIP = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "iframe",
        "svg",
        "form",
        "button",
        "select",
        "input",
        "textarea",
        "object",
        "embed",
        "video",
        "audio",
        "canvas",
        "map",
        "head",
        "title",
        "meta",
        "link",
        "nav",
    ]
)
_BLOCK = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "main",
        "header",
        "footer",
        "aside",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "td",
        "th",
        "blockquote",
        "pre",
        "figure",
        "figcaption",
        "address",
        "center",
        "hr",
        "details",
    ]
)
# Markup that holds page furniture, by class or id, and why it is removed.
_NOISE: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (reason, re.compile(rx, re.IGNORECASE))
    for reason, rx in (
        ("embed", r"twitter-tweet|instagram-media|tiktok-embed|fb-post|embed-?(?:twitter|ig)"),
        ("caption", r"caption|keterangan|pic_?desc|foto-?desc|photo-?desc|ket-?foto|credit-?foto"),
        (
            "related",
            r"related|terkait|baca-?juga|bacajuga|lihat-?juga|rekomendasi|recommend"
            r"|populer|popular|terpopuler|most-?read|trending|more-?news|berita-?lain"
            r"|inline-?link|artikel-?lain|video-?list|list-?news",
        ),
        (
            "footer",
            r"share|social|sosmed|comment|komentar|\btags?\b|tag-?list|breadcrumb"
            r"|newsletter|subscribe|rating|reaction|polling",
        ),
        ("boilerplate", r"\bads?\b|advert|iklan|banner|sponsor|promo|parallax|sticky"),
        ("credit", r"\bauthor|byline|penulis|reporter|editor\b|redaktur"),
    )
)
_NOISE_TAGS = {"figcaption": "caption", "aside": "related", "nav": "related"}
_POSITIVE = re.compile(
    r"article|content|detail|body|entry|text|isi|berita|post|story|read|main", re.IGNORECASE
)
#: An XHTML page's `<?xml version="1.0" encoding="UTF-8"?>`.
_XML_DECLARATION = re.compile(r"<\?xml\b[^>]*>")
_DEEP_TAGS = re.compile(r"</?(?:div|span|section|article|font|center|main)\b[^>]*>", re.IGNORECASE)


_URL_TAGS = re.compile(
    r"<link\b[^>]*\brel=[\"']?canonical[^>]*>|<meta\b[^>]*\bproperty=[\"']?og:url[^>]*>",
    re.IGNORECASE,
)
_URL_ATTR = re.compile(r"\b(?:href|content)=[\"']?(https?://[^\"'\s>]+)", re.IGNORECASE)


def page_url(source: str) -> str | None:
    """The page's own URL (canonical link, else og:url), read cheaply before parsing.

    Example:
        >>> page_url('<html><head><link rel="canonical" href="https://kompas.com/read/1">')
        'https://kompas.com/read/1'
    """
    head = source[:200_000]
    for tag in _URL_TAGS.finditer(head):
        m = _URL_ATTR.search(tag.group(0))
        if m:
            return str(html.fromstring(f"<i>{m.group(1)}</i>").text_content())
    return None


def parse_html(
    source: str,
    provenance: Provenance,
    *,
    url: str | None = None,
    outlet: str | None = None,
    default_zone: timezone | str = "WIB",
    date_order: Literal["DMY", "MDY"] = "DMY",
    title: str | None = None,
    published: str | None = None,
) -> Draft | Rejected:
    """Parse a decoded HTML page into a `Draft` whose source is the body text.

    Args:
        source: the decoded page.
        provenance: where it came from.
        url: the page URL, when known (else the canonical link or og:url).
        outlet: the outlet, when known (else from the URL).
        default_zone: the outlet's zone, for times printed without one.
        date_order: how to read an ambiguous numeric date.
        title: a dataset record's own title: it wins over the page's.
        published: a dataset record's own published value (a dateline or a timestamp):
            when it holds a date, it wins over the page's (`published_at_source` is
            `record:published`) and marks the page an article, as `article:published_time`
            does. The page's own fill in what the record lacks.

    Returns:
        A `Draft` (one body paragraph per line of its `source`), or `Rejected`
        for a page that is not an article (a listing, an index) or has no body.

    Example:
        >>> page = ('<html><head><title>Judul - Kompas.com</title>'
        ...         '<meta property="og:type" content="article"></head><body>'
        ...         '<h1>Judul</h1><div class="read__content"><p>JAKARTA, KOMPAS.com - '
        ...         'Presiden meresmikan jembatan baru di Jakarta pada hari Kamis.</p>'
        ...         '<p>Jembatan itu menghubungkan dua kecamatan yang padat penduduk.</p>'
        ...         '</div></body></html>')
        >>> d = parse_html(page, Provenance("-"), url="https://kompas.com/read/1")
        >>> d.title, d.outlet, len(d.blocks)
        ('Judul', 'kompas.com', 2)
    """
    root = _parse_tree(source)
    if root is None:
        return Rejected(provenance, "parse", Reason.PARSE_ERROR, "no HTML document in the page")
    meta = read_meta(root)
    warnings: list[str] = []
    given = _record_date(published, default_zone, date_order, warnings)
    if given is not None:
        meta = replace(meta, is_article=True)
    url = url or meta.url
    outlet = outlet or outlet_from_url(url)
    container = _find_container(root)
    if container is None:
        return _no_article(provenance, meta, "no paragraph text anywhere in the page")
    pieces = _extract(container)
    body_chars = sum(len(t) for t, kind in pieces if kind is None)
    if body_chars < MIN_BODY_CHARS and meta.is_article:
        # A photo story: its captions are its text.
        gallery = _find_container(root, captions=True)
        if gallery is not None:
            pieces = [(t, None if r == "caption" else r) for t, r in _extract(gallery)]
            body_chars = sum(len(t) for t, kind in pieces if kind is None)
    if body_chars < MIN_BODY_CHARS or (
        not meta.is_article and body_chars < MIN_UNMARKED_BODY_CHARS
    ):
        return _no_article(provenance, meta, f"only {body_chars} characters of body text")
    text, blocks, removed = _assemble(pieces)
    title = fold_ws(title or "") or choose_title(meta, outlet)
    if title is None:
        warnings.append("no title found in the page")
    if given is not None:
        when = to_published(given, "record:published", default_zone, warnings)
        dateline_raw: str | None = fold_ws(published or "")
    else:
        when, dateline_raw = choose_published(
            meta, root, container, default_zone, date_order, warnings, title
        )
    if when is None:
        warnings.append("no publication date found: published_at is null")
    draft = Draft(
        provenance=provenance,
        source=text,
        blocks=blocks,
        title=title,
        dateline_raw=dateline_raw,
        published=when,
        authors=meta.authors,
        url=url,
        outlet=outlet,
        removed=removed,
        warnings=tuple(warnings),
    )
    return _take_header(draft, default_zone, date_order)


def _record_date(
    published: str | None,
    default_zone: timezone | str,
    date_order: Literal["DMY", "MDY"],
    warnings: list[str],
) -> FoundDate | None:
    """The date a dataset record's published value holds; None for none (with a warning when
    it holds something else)."""
    when = fold_ws(published or "")
    found = find_field_date(when, default_zone=default_zone, order=date_order) if when else None
    if when and (found is None or found.value is None):
        warnings.append(f"published field holds no date: {when[:60]!r}; the page's is used")
        return None
    return found


def _take_header(
    draft: Draft, default_zone: timezone | str, date_order: Literal["DMY", "MDY"]
) -> Draft:
    """The title, dateline and byline lines that open the body move out of it.

    Pages often repeat the headline and print the dateline and byline inside
    the article container; they are the page's header, not its text.
    """
    title_key = fold_ws(draft.title or "").casefold()
    title_span = dateline_span = None
    dateline_raw = draft.dateline_raw
    bylines: list[Span] = []
    authors = list(draft.authors)
    taken = 0
    for block in draft.blocks[:HEADER_LINES]:
        text = block.text(draft.source)
        span = (block.spans[0][0], block.spans[-1][1])
        names = byline_names(text)
        if title_span is None and title_key and text.casefold() == title_key:
            title_span = span
        elif (
            dateline_span is None
            # `ISTANBUL, 23 Februari 2016 (Antara) -` opens the text: it is not a header
            and not text.endswith(("-", "–", "—"))
            and is_dateline(text, find_date(text, default_zone=default_zone, order=date_order))
        ):
            dateline_span, dateline_raw = span, dateline_raw or text
        elif names is not None:
            bylines.append(span)
            authors.extend(n for n in names if n not in authors)
        else:
            break
        taken += 1
    if not taken or taken == len(draft.blocks):
        return draft
    return replace(
        draft,
        blocks=draft.blocks[taken:],
        title_span=title_span,
        dateline_span=dateline_span,
        dateline_raw=dateline_raw,
        byline_spans=tuple(bylines),
        authors=tuple(authors),
    )


def _no_article(provenance: Provenance, meta: PageMeta, why: str) -> Rejected:
    if meta.is_article:
        return Rejected(provenance, "parse", Reason.EMPTY_BODY, f"article without a body: {why}")
    why = f"not an article page (a listing or index?): {why}"
    return Rejected(provenance, "parse", Reason.NOT_AN_ARTICLE, why)


def _parse_tree(source: str) -> html.HtmlElement | None:
    """The page's root element; markup nested past the parser's limit is flattened first."""
    root = _fromstring(source)
    if root is not None and _depth(root) >= PARSER_DEPTH_LIMIT:
        # libxml2 drops everything below its depth limit: keep the text, lose the wrappers.
        root = _fromstring(_DEEP_TAGS.sub(" ", source))
    return root


def _fromstring(source: str) -> html.HtmlElement | None:
    parser = html.HTMLParser(remove_comments=True, remove_pis=True, default_doctype=False)
    declaration = _XML_DECLARATION.match(source)
    if declaration:  # lxml refuses text that opens with one naming an encoding: it is decoded
        source = source[declaration.end() :]
    try:
        root = html.document_fromstring(source, parser=parser)
    except (etree.ParserError, ValueError):
        return None
    return root if isinstance(root, html.HtmlElement) else None


def _depth(root: html.HtmlElement) -> int:
    depth = deepest = 0
    for event, _ in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    return deepest


def _names(el: html.HtmlElement) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def _noise_reason(el: html.HtmlElement) -> str | None:
    """Why this element is page furniture, or None.

    A wrapper named like furniture (`sosmedsticky author-and-share`) that holds
    paragraphs of prose is not furniture: sites wrap whole bodies in such divs.
    """
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _NOISE_TAGS:
        return _NOISE_TAGS[tag]
    style = (el.get("style") or "").replace(" ", "").lower()
    if "display:none" in style or el.get("hidden") is not None:
        return "boilerplate"
    names = _names(el)
    if not names.strip():
        return None
    for reason, pattern in _NOISE:
        if pattern.search(names):
            if reason not in ("embed", "caption") and _holds_prose(el):
                return None
            return reason
    return None


def _holds_prose(el: html.HtmlElement) -> bool:
    """Two or more long paragraphs (text outside links) somewhere inside."""
    long = 0
    for p in el.iter("p"):
        if _own_text_length(p) >= PROSE_PARAGRAPH_CHARS:
            long += 1
            if long >= 2:
                return True
    return False


def _find_container(root: html.HtmlElement, captions: bool = False) -> html.HtmlElement | None:
    """The element holding the article body: most paragraph text outside links, near it.

    With `captions`, caption text counts as body (a photo story has no other).
    """
    scores: dict[html.HtmlElement, float] = {}
    walker = etree.iterwalk(root, events=("start",))
    for _, el in walker:
        tag = el.tag if isinstance(el.tag, str) else ""
        reason = _noise_reason(el)
        if (
            tag in _SKIP
            or tag in ("a", "h1", "h2", "h3", "li")
            or (reason is not None and not (captions and reason == "caption"))
        ):
            walker.skip_subtree()
            continue
        length = _own_text_length(el)
        if length < 25:
            continue
        weight = 1.0
        node: html.HtmlElement | None = el
        for factor in (1.0, 0.6, 0.3):
            if node is None:
                break
            bonus = 1.25 if _POSITIVE.search(_names(node)) else 1.0
            scores[node] = scores.get(node, 0.0) + length * weight * factor * bonus
            node = node.getparent()
    if not scores:
        return None
    return max(scores, key=lambda e: scores[e])


_INLINE_TEXT = frozenset(
    [
        "b",
        "strong",
        "i",
        "em",
        "u",
        "span",
        "font",
        "small",
        "big",
        "sup",
        "sub",
        "abbr",
        "cite",
        "q",
        "mark",
        "time",
    ]
)


def _own_text_length(el: html.HtmlElement) -> int:
    """Characters of text the element holds itself (its inline children too, links excluded)."""
    total = len((el.text or "").strip())
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in _INLINE_TEXT:
            total += len(child.text_content().strip())
        total += len((child.tail or "").strip())
    return total


# A piece of the body: its text and None (kept) or the reason it is removed.
Piece = tuple[str, str | None]


@dataclass(slots=True)
class _Line:
    parts: list[str]
    link_chars: int = 0


def _extract(container: html.HtmlElement) -> list[Piece]:
    """The container's text as lines (block elements and `<br>` break them), furniture marked."""
    pieces: list[Piece] = []
    line = _Line([])
    link_depth = 0

    def flush() -> None:
        nonlocal line
        text = fold_ws("".join(line.parts))
        if text:
            link_only = line.link_chars >= 0.9 * len(text) and len(text) <= 200
            pieces.append((text, "related" if link_only and link_depth == 0 else None))
        line = _Line([])

    def add(text: str | None) -> None:
        if text:
            line.parts.append(text)
            if link_depth:
                line.link_chars += len(fold_ws(text))

    skipped: set[html.HtmlElement] = set()
    walker = etree.iterwalk(container, events=("start", "end"))
    for event, el in walker:
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            reason = None if el is container or tag in _SKIP else _noise_reason(el)
            if el is not container and (tag in _SKIP or reason):
                skipped.add(el)
                walker.skip_subtree()
                text = fold_ws(el.text_content()) if reason else ""
                if text:
                    flush()
                    pieces.append((text, reason))
                continue
            if tag in _BLOCK or tag == "br":
                flush()
            elif tag == "a":
                link_depth += 1
            add(el.text)
            continue
        if el in skipped:
            if tag in _BLOCK:
                flush()
        elif tag in _BLOCK:
            flush()
        elif tag == "a":
            link_depth -= 1
        if el is not container:
            add(el.tail)
    flush()
    return pieces


def _assemble(pieces: list[Piece]) -> tuple[str, tuple[Block, ...], tuple[Removal, ...]]:
    """One line per piece; kept pieces become blocks, the others recorded removals."""
    parts: list[str] = []
    blocks: list[Block] = []
    removed: list[Removal] = []
    pos = 0
    for text, reason in pieces:
        span: Span = (pos, pos + len(text))
        if reason is None:
            blocks.append(Block((span,)))
        else:
            removed.append(Removal(text, reason, *span))
        parts.append(text)
        pos += len(text) + 1
    return "\n".join(parts), tuple(blocks), tuple(removed)
