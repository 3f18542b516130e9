"""Record types: an article's public JSON, written directly, is `json.dumps` of its dict."""

from __future__ import annotations

import json
from datetime import UTC, timedelta, timezone
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from warta.model import Article, Entity, Mention, Provenance, PublishedAt, Removal

# Any text, and text made of what JSON escapes differently: quotes, backslashes,
# control characters, DEL (escaped only by the ASCII encoder), non-ASCII, a lone surrogate.
TEXT = st.text() | st.text(st.sampled_from('ab "\\\n\t\x00\x1f\x7f\x80é“日\U0001f600\ud800'))
MAYBE = st.none() | TEXT
SPAN = (st.integers(), st.integers())
WHEN = st.builds(
    PublishedAt,
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=7))])),
    st.sampled_from(["day", "minute", "second"]),
    TEXT,
)


def _some(item: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple[Any, ...]]:
    return st.lists(item, max_size=3).map(tuple)


ARTICLE = st.builds(
    Article,
    id=TEXT,
    provenance=st.builds(Provenance, TEXT, TEXT, TEXT),
    title=MAYBE,
    text=TEXT,
    url=MAYBE,
    outlet=MAYBE,
    published=st.none() | WHEN,
    dateline_raw=MAYBE,
    place=MAYBE,
    agency=MAYBE,
    authors=_some(TEXT),
    lang=MAYBE,
    removed=_some(st.builds(Removal, TEXT, TEXT, *SPAN)),
    warnings=_some(TEXT),
    timeline=_some(st.builds(Mention, TEXT, *SPAN, st.just("DATE"), TEXT)),
    entities=st.none() | _some(st.builds(Entity, TEXT, *SPAN, TEXT)),
    extra=st.just({}) | st.dictionaries(st.sampled_from(["cluster", "text", "lang"]), TEXT),
)


@given(ARTICLE)
def test_article_json_is_json_dumps_of_its_dict(article: Article) -> None:
    assert article.to_json() == json.dumps(article.to_dict(), ensure_ascii=False)


def test_article_json_of_ascii_text_with_del_escapes_nothing_more() -> None:
    article = Article("a", Provenance("x.txt"), "Judul", 'Isi "berita"\x7f\n\\ selesai.')
    d: dict[str, Any] = json.loads(article.to_json())
    assert d == article.to_dict() and "\\u007f" not in article.to_json()
    assert article.to_json() == json.dumps(article.to_dict(), ensure_ascii=False)
