"""Repair and clean a parsed capture: every removal is recorded with its span and reason.

The steps, in order: page furniture from the catalogue (whole lines), trailing
tag lists, lines split at inline links joined back into paragraphs; then, until
nothing changes: the place-and-agency prefix, furniture on the joined
paragraphs, inline furniture, lines captured twice in a row, repeated
paragraphs, closing credits and tag lists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from warta.model import Removal
from warta.parse import Block, Draft, Span, fold_ws, rebuilt
from warta.patterns import Catalogue, Pattern, key_needles

#: Cleaning passes at most (each pass after the first only finds what the one before exposed).
MAX_PASSES = 4
#: A repeated paragraph shorter than this is removed only beside a longer repeat.
MIN_REPEAT_CHARS = 20
_TERMINAL = (".", "!", "?", "…", '"', "”", "’", "'")
# A line ending in one of these words stops mid-sentence: the next line goes on with it.
_CONTINUES = frozenset((
    "dari", "di", "ke", "dan", "yang", "untuk", "dengan", "oleh", "pada", "dalam", "atau",
    "serta", "bahwa", "karena", "sebagai", "para", "sang", "si", "kepada", "antara", "tentang",
    "terhadap", "hingga", "sejak", "akan", "adalah", "ialah", "yakni", "yaitu", "seperti",
    "bagi", "milik", "tim", "kata", "ujar", "lewat", "melalui", "bersama", "menjadi", "the",
    "of", "and", "in", "to",
))  # fmt: skip
_QUOTES = {
    "“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"',
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "`": "'",
}  # fmt: skip
_WS = re.compile(r"\s+")
_ALNUM = re.compile(r"\w")
_DASH_START = re.compile(r"(?:-{1,2}|–|—)(?:\s|$)")


def clean_draft(draft: Draft, catalogue: Catalogue) -> Draft:
    """Run every cleaning step on `draft`.

    Args:
        draft: a parsed capture whose blocks are raw lines or paragraphs.
        catalogue: the boilerplate patterns (see `warta.patterns.load_catalogue`).

    Returns:
        A new draft whose blocks are the kept paragraphs and whose `removed`
        lists every piece taken out, with its reason.
    """
    ordered = _ordered(list(draft.removed))
    if ordered != draft.removed:
        # Every step keeps `removed` in order, so a step that removes nothing can
        # return its draft as it is.
        draft = rebuilt(draft, draft.blocks, ordered, draft.place, draft.agency)
    matches: dict[str, Pattern | None] = {}  # line texts and the line pattern they match
    draft = remove_lines(draft, catalogue, standalone_only=True, matches=matches)
    draft = remove_trailing_tags(draft)
    draft = reflow(draft)
    clean_blocks: set[tuple[Span, ...]] = set()  # paragraphs no inline pattern matches
    single_blocks: set[tuple[Span, ...]] = set()  # paragraphs not captured twice
    # One removal can expose another (a prefix cut leaves a furniture line): run
    # the steps to a fixed point, so cleaning a clean article changes nothing.
    for _ in range(MAX_PASSES):
        before = (draft.blocks, draft.removed)
        draft = strip_place_prefix(draft)
        draft = remove_lines(draft, catalogue, matches=matches)
        draft = remove_inline(draft, catalogue.inline, clean_blocks)
        draft = repair_doubled(draft, single_blocks)
        draft = remove_repeats(draft)
        draft = remove_end(draft, catalogue.end)
        draft = remove_trailing_tags(draft)
        if (draft.blocks, draft.removed) == before:
            break
    return draft


def remove_lines(
    draft: Draft,
    catalogue: Catalogue,
    *,
    standalone_only: bool = False,
    matches: dict[str, Pattern | None] | None = None,
) -> Draft:
    """Remove whole lines that are page furniture (ads, related links, footers, credits).

    With `standalone_only`, a line that reads as the continuation of the line
    before it (a fragment split off at an inline link) is left for the pass
    after `reflow`, which sees it whole. `matches` remembers which pattern
    each line text matched between calls on the same source.
    """
    texts = draft.block_texts()
    known = matches if matches is not None else {}
    reasons: dict[int, str] = {}
    i = 0
    while i < len(texts):
        text = texts[i]
        if text in known:
            pattern = known[text]
        else:
            pattern = known[text] = catalogue.match_line(text)
        # Tested only for a match: most lines match no pattern.
        if pattern is not None and standalone_only and i > 0 and _continues(texts[i - 1], text):
            pattern = None
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
    if len(merged) == len(draft.blocks):
        return draft
    return rebuilt(draft, tuple(merged), draft.removed, draft.place, draft.agency)


def remove_inline(
    draft: Draft,
    patterns: Iterable[Pattern],
    clean_blocks: set[tuple[Span, ...]] | None = None,
) -> Draft:
    """Cut furniture out of the paragraphs it is glued into (`ADVERTISEMENT`, `[Gambas:...]`).

    Patterns see a paragraph as one line (its spans joined), the way a clean
    article shows it, so cleaning that article again finds nothing more.
    `clean_blocks` remembers the paragraphs no pattern matches between calls
    on the same source.
    """
    known = clean_blocks if clean_blocks is not None else set()
    patterns = tuple(patterns)
    keys = key_needles(patterns)
    src = draft.source
    removed = list(draft.removed)
    blocks: list[Block] = []
    cuts = False
    for block in draft.blocks:
        if block.spans in known:
            blocks.append(block)
            continue
        joined, starts = _join(src, block)
        if keys is not None and not _holds_any(joined, keys):
            found = []  # most paragraphs: a few `in` tests rule every pattern out
        else:
            found = [p for p in patterns if p.may_match(joined) and p.regex.search(joined)]
        pieces = _cuts(joined, tuple(found)) if found else []
        if not pieces:
            known.add(block.spans)
            blocks.append(block)
            continue
        cuts = True
        spans = list(block.spans)
        cut: list[Removal] = []
        for s, e, reason in pieces:
            s_src, e_src = _to_source(starts, block, s), _to_source(starts, block, e)
            spans = _without(src, spans, s_src, e_src)
            cut.append(Removal(fold_ws(joined[s:e]), reason, *_trim(src, s_src, e_src)))
        removed.extend(cut)
        if spans and not any(_ALNUM.search(src[s:e]) for s, e in spans):
            # Only punctuation is left of the paragraph: it goes with what was cut.
            removed.extend(Removal(fold_ws(src[s:e]), cut[-1].reason, s, e) for s, e in spans)
            spans = []
        if spans:
            blocks.append(Block(tuple(spans)))
    if not cuts:
        return draft
    return rebuilt(draft, tuple(blocks), _ordered(removed), draft.place, draft.agency)


def _holds_any(text: str, needles: tuple[str, ...]) -> bool:
    """Does `text` hold one of `needles`?"""
    for needle in needles:  # noqa: SIM110  # a plain loop: a generator costs twice as much
        if needle in text:
            return True
    return False


def _without(src: str, spans: list[Span], start: int, end: int) -> list[Span]:
    """`spans` less the source range `start:end`, each part trimmed of whitespace."""
    out: list[Span] = []
    for s, e in spans:
        for a, b in ((s, min(e, start)), (max(s, end), e)):
            a, b = _trim(src, a, b)
            if a < b:
                out.append((a, b))
    return out


# The runs of word characters are possessive (`*+`): what follows a run is never one of
# its characters (a `.`, a space, a dash, a comma, a parenthesis), so giving characters
# back never helps a match, and a first paragraph of capitalised words no longer
# backtracks through every split of them (63k -> 34k instructions for the eight).
_SITE = r"[A-Za-z][\w-]*+(?:\.(?i:com|co|id|net|org|tv|news|my|sg))+"
_BRAND = (
    r"CNN Indonesia|CNBC Indonesia|ANTARA(?: News)?|Antaranews|VIVA(?:news)?|INFO NASIONAL"
    r"|kumparan\w*|detik\w+|Bisnis\.com|iNews(?:\.id)?"
)
_PLACE = r"[A-Z][\w'’]*+(?:[ -][A-Z][\w'’]*+){0,3}"
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
    """Take the place-and-agency prefix off the first paragraph (`JAKARTA, KOMPAS.com -`).

    A prefix printed twice (`JAKARTA - JAKARTA -`) is taken off twice, so a
    clean article never starts with one.
    """
    if not draft.blocks:
        return draft
    place, agency = draft.place, draft.agency
    removed = list(draft.removed)
    first: Block | None = draft.blocks[0]
    for _ in range(3):
        cut = _prefix_cut(draft.source, first) if first else None
        if first is None or cut is None:
            break
        end, groups = cut
        at = first.spans[0][0]
        kept = _split_spans(first.spans, end)
        removed.append(Removal(fold_ws(draft.source[at:end]), "place_prefix", at, end))
        place = place or _place_name(groups.get("place") or "") or None
        agency = agency or fold_ws(groups.get("agency") or "") or None
        first = Block(kept) if kept else None
    if len(removed) == len(draft.removed):
        return draft
    blocks = ((first,) if first else ()) + draft.blocks[1:]
    return rebuilt(draft, blocks, _ordered(removed), place, agency)


def _prefix_cut(src: str, block: Block) -> tuple[int, dict[str, str | None]] | None:
    """Where the prefix of `block` ends in the source, and its named parts."""
    joined, starts = _join(src, block)
    for pattern in _PREFIXES:
        m = pattern.match(joined)
        if m is not None and m.end() < len(joined.rstrip()):
            return _to_source(starts, block, m.end()), m.groupdict()
    return None


def repair_doubled(draft: Draft, single_blocks: set[tuple[Span, ...]] | None = None) -> Draft:
    """A line captured twice in a row (`Foto: X (detikcom)Foto: X (detikcom)`) keeps one copy.

    `single_blocks` remembers the paragraphs found single between calls on the same source.
    """
    known = single_blocks if single_blocks is not None else set()
    src = draft.source
    blocks: list[Block] = []
    removed = list(draft.removed)
    for block in draft.blocks:
        if block.spans in known:
            blocks.append(block)
            continue
        joined, starts = _join(src, block)
        half = _doubled_at(joined)
        if half is None:
            known.add(block.spans)
            blocks.append(block)
            continue
        cut = _to_source(starts, block, half)
        second = _split_spans(block.spans, cut)
        removed.append(Removal(fold_ws(joined[half:]), "repeated", second[0][0], second[-1][1]))
        blocks.append(Block(_spans_before(src, block.spans, cut)))
    if len(removed) == len(draft.removed):
        return draft
    return rebuilt(draft, tuple(blocks), _ordered(removed), draft.place, draft.agency)


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
    joined, starts = _join(src, last)
    # A cut must end where the paragraph ends: a pattern whose matches end otherwise is out.
    for pattern in (p for p in patterns if joined.endswith(p.suffix) and p.may_match(joined)):
        for m in pattern.regex.finditer(joined):
            if m.end() != len(joined) or not _ALNUM.search(joined[: m.start()]):
                continue
            cut = _to_source(starts, last, m.start())
            tail = _split_spans(last.spans, cut)
            removal = Removal(
                fold_ws(m.group()), pattern.reason, *_trim(src, tail[0][0], tail[-1][1])
            )
            blocks = (*draft.blocks[:-1], Block(_spans_before(src, last.spans, cut)))
            removed = _ordered([*draft.removed, removal])
            return rebuilt(draft, blocks, removed, draft.place, draft.agency)
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
    return rebuilt(draft, tuple(kept), _ordered(removed), draft.place, draft.agency)


def _ordered(removed: list[Removal]) -> tuple[Removal, ...]:
    return tuple(sorted(removed, key=lambda r: (r.start, r.end)))


def _continues(prev: str, text: str) -> bool:
    """Does `text` go on with the sentence `prev` left open?"""
    if not prev or not text:
        return False
    last, first = prev[-1], text[0]
    if last in _TERMINAL:
        return False
    if first.islower() or first in ",.;:)]}" or _DASH_START.match(text):
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
        and not any(c in text for c in '.,!?:;()"“”')
    )


def _repeat_key(text: str) -> str:
    """Block texts are already whitespace-folded: fold quotes and case."""
    if text.isascii():  # most texts: the backtick is the one ASCII key of `_QUOTES`
        return text.replace("`", "'").casefold()
    # not `str.translate`: with a dict it looks up every character of a non-ASCII text
    for quote, plain in _QUOTES.items():
        if quote in text:
            text = text.replace(quote, plain)
    return text.casefold()


def _cuts(text: str, patterns: tuple[Pattern, ...]) -> list[tuple[int, int, str]]:
    """Non-overlapping inline matches in `text`, leftmost first."""
    found: list[tuple[int, int, str]] = []
    for pattern in patterns:
        for m in pattern.regex.finditer(text):
            end = m.end()
            if pattern.then:
                end += inline_headline(text[end:])
                if end == m.end():
                    continue  # a label with no headline after it is left alone
            if end > m.start():
                found.append((m.start(), end, pattern.reason))
    found.sort()
    out: list[tuple[int, int, str]] = []
    for s, e, reason in found:
        if not out or s >= out[-1][1]:
            out.append((s, e, reason))
    return out


_TOKEN = re.compile(r"\S+")
# Lower-case words a Title Case headline may contain.
_TITLE_WORDS = frozenset((
    "di", "ke", "dari", "dan", "yang", "untuk", "vs", "dengan", "atau", "ini", "itu", "tak",
    "tidak", "jadi", "hingga", "pada", "dalam", "soal", "usai", "saat", "agar", "bagi", "oleh",
    "ala", "si", "sang", "para", "per", "jelang", "kian", "lagi", "pun", "of", "the", "and",
    "in", "on", "for", "to", "with", "a", "an", "at", "by", "from",
))  # fmt: skip


def inline_headline(text: str) -> int:
    """Length of the Title Case headline at the start of `text` (0 when there is none).

    A headline glued into a paragraph runs until a sentence plainly starts: a
    capitalised word followed by lower-case words no title would use
    (`... Penjelasan BMKG BMKG memastikan, gempa ...`), a `?`/`!` before a
    capital, a list number (`2.`), another `Baca juga`, or a word glued to the
    next one (`RusiaKemudian`).
    """
    tokens = list(_TOKEN.finditer(text[:400]))
    for k, tok in enumerate(tokens):
        word = tok.group()
        glue = _GLUE.search(word)
        if glue and k >= 1:
            return tok.start() + glue.start() + 1
        if k < 1:
            continue
        prev = tokens[k - 1].group()
        starts = word[:1].isupper() or word[:1] in '"“'
        if starts and prev[-1] in "?!":
            return tokens[k - 1].end()
        if (k >= 2 and _LIST_NUMBER.fullmatch(word)) or (
            word.lower() == "baca"
            and k + 1 < len(tokens)
            and tokens[k + 1].group().lower().startswith("juga")
        ):
            return tokens[k - 1].end()
        if _sentence_word(word):
            # A word no Title Case headline has: the sentence began at the capital before it.
            b = k - 1
            while b > 0 and _lower_word(tokens[b].group()):
                b -= 1
            return tokens[b - 1].end() if b >= 1 else 0
    rest = text.rstrip()
    return len(rest) if 0 < len(rest) <= 200 and not rest.endswith(".") else 0


_GLUE = re.compile(r"[a-z!?)][\"“]?[A-Z][a-z]")
_LIST_NUMBER = re.compile(r"\d{1,2}[.)]")


def _lower_word(word: str) -> bool:
    core = word.strip(",.;:\"“”'’()")
    return core.isalpha() and core.islower()


def _sentence_word(word: str) -> bool:
    return _lower_word(word) and word.strip(",.;:\"“”'’()") not in _TITLE_WORDS


def _trim(src: str, start: int, end: int) -> Span:
    while start < end and src[start].isspace():
        start += 1
    while end > start and src[end - 1].isspace():
        end -= 1
    return start, end


def _join(src: str, block: Block) -> tuple[str, list[int]]:
    """The block's spans joined by single spaces, and where each span starts in the result."""
    if len(block.spans) == 1:
        s, e = block.spans[0]
        return src[s:e], [0]
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


def _spans_before(src: str, spans: tuple[Span, ...], cut: int) -> tuple[Span, ...]:
    """The parts of `spans` before source offset `cut`, trimmed of whitespace."""
    kept = (_trim(src, s, min(e, cut)) for s, e in spans if s < cut)
    return tuple((s, e) for s, e in kept if s < e)


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
