"""Repair and clean a parsed capture: every removal is recorded with its span and reason.

The steps, in order: page furniture from the catalogue (whole lines), trailing
tag lists, lines split at inline links joined back into paragraphs, furniture
again on the joined paragraphs, inline furniture, the place-and-agency prefix,
lines captured twice in a row, repeated paragraphs, closing credits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from warta.parse import Block, Draft, Span, fold_ws
from warta.patterns import Catalogue, Pattern
from warta.model import Removal

#: A repeated paragraph shorter than this is removed only beside a longer repeat.
MIN_REPEAT_CHARS = 20
_TERMINAL = (".", "!", "?", "…", '"', "”", "’", "'")
# A line ending in one of these words stops mid-sentence: the next line goes on with it.
_CONTINUES = frozenset(
    "dari di ke dan yang untuk dengan oleh pada dalam atau serta bahwa karena sebagai para sang"
    " si kepada antara tentang terhadap hingga sejak akan adalah ialah yakni yaitu seperti bagi"
    " milik tim kata ujar lewat melalui bersama menjadi the of and in to".split()
)
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"',
                         "‘": "'", "’": "'", "‚": "'", "‛": "'", "`": "'"})
_WS = re.compile(r"\s+")
_ALNUM = re.compile(r"\w")


def clean_draft(draft: Draft, catalogue: Catalogue) -> Draft:
    """Run every cleaning step on `draft`.

    Args:
        draft: a parsed capture whose blocks are raw lines or paragraphs.
        catalogue: the boilerplate patterns (see `warta.patterns.load_catalogue`).

    Returns:
        A new draft whose blocks are the kept paragraphs and whose `removed`
        lists every piece taken out, with its reason.
    """
    draft = remove_lines(draft, catalogue)
    draft = remove_trailing_tags(draft)
    draft = reflow(draft)
    draft = remove_lines(draft, catalogue)
    draft = remove_inline(draft, catalogue.inline)
    draft = strip_place_prefix(draft)
    draft = repair_doubled(draft)
    draft = remove_repeats(draft)
    return remove_end(draft, catalogue.end)


def remove_lines(draft: Draft, catalogue: Catalogue) -> Draft:
    """Remove whole lines that are page furniture (ads, related links, footers, credits)."""
    texts = draft.block_texts()
    reasons: dict[int, str] = {}
    i = 0
    while i < len(texts):
        pattern = catalogue.match_line(texts[i])
        if pattern is None:
            i += 1
            continue
        reasons[i] = pattern.reason
        i += 1
        if pattern.then and len(texts[i - 1]) <= 24:
            while i < len(texts) and _headline_like(texts[i]):
                reasons[i] = pattern.reason
                i += 1
                if pattern.then == "headline":
                    break
    return _drop_blocks(draft, reasons)


def remove_trailing_tags(draft: Draft) -> Draft:
    """Remove a closing list of topic tags: two or more short lower-case lines at the end."""
    texts = draft.block_texts()
    start = len(texts)
    while start > 0 and _tag_like(texts[start - 1]):
        start -= 1
    if len(texts) - start < 2 or start == 0:
        return draft
    return _drop_blocks(draft, dict.fromkeys(range(start, len(texts)), "footer"))


def reflow(draft: Draft) -> Draft:
    """Join lines that a scraper split at inline links back into their paragraph.

    Lines are joined only when they touch (no blank line between them) and the
    first stops mid-sentence or the second plainly goes on with it.
    """
    if len(draft.blocks) < 2:
        return draft
    src = draft.source
    merged: list[Block] = [draft.blocks[0]]
    prev_text = merged[0].text(src)
    for block in draft.blocks[1:]:
        text = block.text(src)
        gap = src[merged[-1].spans[-1][1] : block.spans[0][0]]
        if gap.count("\n") <= 1 and _continues(prev_text, text):
            merged[-1] = Block(merged[-1].spans + block.spans)
            prev_text = f"{prev_text} {text}"
        else:
            merged.append(block)
            prev_text = text
    return replace(draft, blocks=tuple(merged))


def remove_inline(draft: Draft, patterns: Iterable[Pattern]) -> Draft:
    """Cut furniture out of the lines it is glued into (`ADVERTISEMENT`, `[Gambas:...]`)."""
    patterns = tuple(patterns)
    src = draft.source
    removed = list(draft.removed)
    blocks: list[Block] = []
    for block in draft.blocks:
        spans: list[Span] = []
        cut: list[Removal] = []
        for start, end in block.spans:
            pieces = _cuts(src, start, end, patterns)
            if not pieces:
                spans.append((start, end))
                continue
            pos = start
            for s, e, reason in pieces:
                spans.append((pos, s))
                cut.append(Removal(fold_ws(src[s:e]), reason, s, e))
                pos = e
            spans.append((pos, end))
        spans = [_trim(src, s, e) for s, e in spans]
        spans = [(s, e) for s, e in spans if s < e]
        removed.extend(cut)
        if spans and not any(_ALNUM.search(src[s:e]) for s, e in spans):
            # Only punctuation is left of the line: it goes with what was cut.
            reason = cut[-1].reason if cut else "boilerplate"
            removed.extend(Removal(fold_ws(src[s:e]), reason, s, e) for s, e in spans)
            spans = []
        if spans:
            blocks.append(Block(tuple(spans)))
    return replace(draft, blocks=tuple(blocks), removed=_ordered(removed))


_SITE = r"[A-Za-z][\w-]*(?:\.(?i:com|co|id|net|org|tv|news|my|sg))+"
_BRAND = (
    r"CNN Indonesia|CNBC Indonesia|ANTARA(?: News)?|Antaranews|VIVA(?:news)?|INFO NASIONAL"
    r"|kumparan\w*|detik\w+|Bisnis\.com|iNews(?:\.id)?"
)
_PLACE = r"[A-Z][\w'’]*(?:[ -][A-Z][\w'’]*){0,3}"
_PLACES = rf"{_PLACE}(?:\s*,\s*{_PLACE})?"
_DASH = r"\s*(?:-{1,2}|–|—|:)\s*"
_PREFIXES = tuple(
    re.compile(p)
    for p in (
        # TEMPO.CO, Jakarta -   Liputan6.com, Jakarta -   KONTAN.CO.ID - JAKARTA.
        rf"(?P<agency>{_SITE}|{_BRAND})\s*,\s*(?P<place>{_PLACES})(?:{_DASH}|\.\s+)",
        rf"(?P<agency>{_SITE}|{_BRAND}){_DASH}(?P<place>[A-Z]{{3,}}(?: [A-Z]{{3,}})?)\.\s+",
        # Liputan6.com, JakartaPT Kedoya ...  (the dash lost, the place glued on)
        rf"(?P<agency>{_SITE})\s*,\s*(?P<place>[A-Z][a-z]+)(?=[A-Z])",
        # JAKARTA, KOMPAS.com -   Jakarta, CNN Indonesia --
        rf"(?P<place>{_PLACES})\s*,\s*(?P<agency>{_SITE}|{_BRAND}){_DASH}",
        # Jakarta (ANTARA) -   Mataram, NTB (ANTARA News) -
        rf"(?P<place>{_PLACES})\s*\((?P<agency>ANTARA(?: News)?|{_SITE}|[A-Z]{{2,}})\){_DASH}",
        # KOMPAS.com -   Suara.com -
        rf"(?P<agency>{_SITE}|{_BRAND}){_DASH}",
        # JAKARTA -   NEW YORK–
        r"(?P<place>[A-Z]{3,}(?:[ -][A-Z]{2,}){0,3})\s*(?:-{1,2}|–|—)\s*",
        # Jakarta -   (detik: a capitalised place, spaced dash)
        r"(?P<place>[A-Z][a-z]+(?: [A-Z][a-z]+){0,2})\s+(?:-{1,2}|–|—)\s+",
    )
)


def strip_place_prefix(draft: Draft) -> Draft:
    """Take the place-and-agency prefix off the first paragraph (`JAKARTA, KOMPAS.com -`)."""
    if not draft.blocks or draft.place or draft.agency:
        return draft
    first = draft.blocks[0]
    joined, starts = _join(draft.source, first)
    for pattern in _PREFIXES:
        m = pattern.match(joined)
        if m is None or m.end() >= len(joined.rstrip()):
            continue
        cut = _to_source(starts, first, m.end())
        kept = _split_spans(first.spans, cut)
        removal = Removal(fold_ws(joined[: m.end()]), "place_prefix", first.spans[0][0], cut)
        groups = m.groupdict()
        place, agency = groups.get("place"), groups.get("agency")
        blocks = ((Block(kept),) if kept else ()) + draft.blocks[1:]
        return replace(
            draft,
            blocks=blocks,
            removed=_ordered([*draft.removed, removal]),
            place=_place_name(place) if place else None,
            agency=fold_ws(agency) if agency else None,
        )
    return draft


def repair_doubled(draft: Draft) -> Draft:
    """A line captured twice in a row (`Foto: X (detikcom)Foto: X (detikcom)`) keeps one copy."""
    src = draft.source
    blocks: list[Block] = []
    removed = list(draft.removed)
    for block in draft.blocks:
        start, end = block.spans[-1]
        half = _doubled_at(src[start:end])
        if half is None:
            blocks.append(block)
            continue
        cut = start + half
        s2, e2 = _trim(src, cut, end)
        removed.append(Removal(fold_ws(src[s2:e2]), "repeated", s2, e2))
        blocks.append(Block((*block.spans[:-1], _trim(src, start, cut))))
    return replace(draft, blocks=tuple(blocks), removed=_ordered(removed))


def remove_repeats(draft: Draft) -> Draft:
    """Remove each paragraph that repeats an earlier one (equal after folding case,
    quotes and whitespace). Whole doubled bodies, doubled runs and a paragraph
    three times are all repaired; the first occurrence is kept in place.
    """
    keys = [_repeat_key(t) for t in draft.block_texts()]
    seen: set[str] = set()
    repeat = [False] * len(keys)
    for i, key in enumerate(keys):
        if key in seen and len(key) >= MIN_REPEAT_CHARS:
            repeat[i] = True
        seen.add(key)
    # Short repeats go only as part of a repeated run (a caption inside a copied block).
    first: dict[str, int] = {}
    for i, key in enumerate(keys):
        first.setdefault(key, i)
    changed = True
    while changed:
        changed = False
        for i, key in enumerate(keys):
            if repeat[i] or first[key] == i:
                continue
            if (i > 0 and repeat[i - 1]) or (i + 1 < len(keys) and repeat[i + 1]):
                repeat[i] = changed = True
    return _drop_blocks(draft, {i: "repeated" for i, r in enumerate(repeat) if r})


def remove_end(draft: Draft, patterns: Iterable[Pattern]) -> Draft:
    """Cut closing credits glued to the end of the last paragraph (`... katanya. (dam)`)."""
    if not draft.blocks:
        return draft
    src = draft.source
    last = draft.blocks[-1]
    start, end = last.spans[-1]
    text = src[start:end]
    for pattern in patterns:
        for m in pattern.regex.finditer(text):
            if m.end() == len(text) and m.start() > 0 and _ALNUM.search(text[: m.start()]):
                s, e = _trim(src, start + m.start(), end)
                kept = Block((*last.spans[:-1], _trim(src, start, start + m.start())))
                return replace(
                    draft,
                    blocks=(*draft.blocks[:-1], kept),
                    removed=_ordered([*draft.removed, Removal(src[s:e], pattern.reason, s, e)]),
                )
    return draft


# --- helpers ------------------------------------------------------------------


def _drop_blocks(draft: Draft, reasons: dict[int, str]) -> Draft:
    """Remove the blocks at the given indexes, recording each with its reason."""
    if not reasons:
        return draft
    src = draft.source
    removed = list(draft.removed)
    kept: list[Block] = []
    for i, block in enumerate(draft.blocks):
        if i in reasons:
            removed.append(
                Removal(block.text(src), reasons[i], block.spans[0][0], block.spans[-1][1])
            )
        else:
            kept.append(block)
    return replace(draft, blocks=tuple(kept), removed=_ordered(removed))


def _ordered(removed: list[Removal]) -> tuple[Removal, ...]:
    return tuple(sorted(removed, key=lambda r: (r.start, r.end)))


def _continues(prev: str, text: str) -> bool:
    """Does `text` go on with the sentence `prev` left open?"""
    if not prev or not text:
        return False
    last, first = prev[-1], text[0]
    if last in _TERMINAL:
        return False
    if first.islower() or first in ",.;:)]}" or text in ("-", "–", "—", "--"):
        return True
    if last in "-–—(/,“" or prev.endswith(("--", " -")):
        return True
    words = prev.rsplit(None, 1)
    if words and words[-1].lower() in _CONTINUES and words[-1].islower():
        return True
    # A long line stopped on a word, and the next starts with a name: one sentence.
    return len(prev) > 100 and last.isalnum() and first.isupper()


def _headline_like(text: str) -> bool:
    """A linked headline: short, no closing full stop."""
    return (
        2 <= len(text) <= 160
        and not text.endswith((".", ",", ";", ":"))
        and (text[0].isupper() or text[0].isdigit() or text[0] in "\"“'")
    )


def _tag_like(text: str) -> bool:
    return (
        len(text) <= 40
        and len(text.split()) <= 5
        and text == text.lower()
        and not any(c in text for c in ".,!?:;()\"“”")
    )


def _repeat_key(text: str) -> str:
    return _WS.sub(" ", text.translate(_QUOTES)).strip().casefold()


def _cuts(src: str, start: int, end: int, patterns: tuple[Pattern, ...]) -> list[tuple[int, int, str]]:
    """Non-overlapping inline matches inside one span, as source offsets."""
    text = src[start:end]
    found: list[tuple[int, int, str]] = []
    for pattern in patterns:
        for m in pattern.regex.finditer(text):
            if m.end() > m.start():
                found.append((start + m.start(), start + m.end(), pattern.reason))
    found.sort()
    out: list[tuple[int, int, str]] = []
    for s, e, reason in found:
        if not out or s >= out[-1][1]:
            out.append((s, e, reason))
    return out


def _trim(src: str, start: int, end: int) -> Span:
    while start < end and src[start].isspace():
        start += 1
    while end > start and src[end - 1].isspace():
        end -= 1
    return start, end


def _join(src: str, block: Block) -> tuple[str, list[int]]:
    """The block's spans joined by single spaces, and where each span starts in the result."""
    starts, parts, pos = [], [], 0
    for s, e in block.spans:
        starts.append(pos)
        parts.append(src[s:e])
        pos += e - s + 1
    return " ".join(parts), starts


def _to_source(starts: list[int], block: Block, offset: int) -> int:
    """Map an offset in `_join`'s text back to the source."""
    for (s, e), at in zip(reversed(block.spans), reversed(starts), strict=True):
        if offset >= at:
            return min(s + offset - at, e)
    return block.spans[0][0]


def _split_spans(spans: tuple[Span, ...], cut: int) -> tuple[Span, ...]:
    """The parts of `spans` at or after source offset `cut`."""
    out = []
    for s, e in spans:
        if e <= cut:
            continue
        out.append((max(s, cut), e))
    return tuple((s, e) for s, e in out if s < e)


def _doubled_at(text: str) -> int | None:
    """Where the second copy starts, when `text` is one string captured twice."""
    n = len(text)
    if n < 2 * MIN_REPEAT_CHARS:
        return None
    for mid in (n // 2, (n + 1) // 2):
        left, right = text[:mid].strip(), text[mid:].strip()
        if left and left == right:
            return mid
    return None


def _place_name(place: str) -> str:
    """`JAKARTA` -> `Jakarta`; `NEW YORK` -> `New York`; short codes (`NTB`) stay."""
    parts = [fold_ws(p) for p in place.split(",")]
    return ", ".join(
        p.title() if p.isupper() and sum(c.isalpha() for c in p) > 3 else p for p in parts
    )
