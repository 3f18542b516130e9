"""Score the timeline against TimeML gold files, next to dateparser's `search_dates`.

A gold file (IndoTimex, Kompas.com) is Windows-1252 TimeML: `<DCT>` holds the
creation date, `<TEXT>` the body with inline `<TIMEX3 type=... value=...>`
tags. The tags are stripped to plain text, keeping the gold spans; each system
runs on that text with the creation instant as anchor.

Scores: extraction precision, recall and F1 (a predicted span matches a gold
span it overlaps, one to one, in text order) and value accuracy on the
matched pairs. dateparser returns datetimes, not TimeML values, so its value
is compared at the gold value's own precision (`2014` against the year,
`2014-12-28TAF` against the day): generous to the baseline on purpose.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from warta.errors import ConfigError, InputError
from warta.timeline import extract_timeline

WIB = timezone(timedelta(hours=7))
_TAG = re.compile(r"<(/?)([A-Za-z0-9]+)([^>]*)>")
_ATTR = re.compile(r'(\w+)="([^"]*)"')
_DOCID = re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})")


@dataclass(frozen=True, slots=True)
class Span:
    """A span of the plain text with a value (gold or predicted)."""

    start: int
    end: int
    value: str
    type: str = ""


@dataclass(frozen=True, slots=True)
class GoldDoc:
    """One gold document: its name, plain text, creation instant and gold spans."""

    name: str
    text: str
    dct: datetime
    spans: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Score:
    """Extraction and value scores of one system over a set of documents."""

    system: str
    gold: int
    predicted: int
    matched: int
    value_correct: int

    @property
    def precision(self) -> float:
        """Matched predictions over predictions."""
        return self.matched / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        """Matched gold spans over gold spans."""
        return self.matched / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def value_accuracy(self) -> float:
        """Right values over matched spans."""
        return self.value_correct / self.matched if self.matched else 0.0


@dataclass(frozen=True, slots=True)
class TimexReport:
    """Both systems' scores on one folder of gold files."""

    documents: int
    warta: Score
    baseline: Score


def read_gold(path: Path) -> GoldDoc:
    """Parse one TimeML gold file.

    Args:
        path: a `.tml` file (Windows-1252, CRLF line ends).

    Returns:
        The plain `<TEXT>` body with its gold spans and creation instant: the
        `<DCT>` date at the time the document id encodes (`20141229-07461261`:
        07:46 WIB), or midnight WIB when the id has no time.

    Raises:
        InputError: the file has no `<TEXT>` or no creation date.

    Example:
        >>> doc = read_gold(Path("gold/20141229-07000051.tml"))  # doctest: +SKIP
        >>> doc.dct.isoformat(), doc.spans[0].value  # doctest: +SKIP
        ('2014-12-29T07:00:00+07:00', '2014-12-28')
    """
    raw = path.read_bytes().decode("cp1252", errors="replace").replace("\r\n", "\n")
    body = re.search(r"<TEXT>(.*?)</TEXT>", raw, re.S)
    if body is None:
        raise InputError(f"{path}: no <TEXT> element (is it a TimeML file?)")
    dct = _creation_instant(raw, path)
    text, spans = _strip_tags(body.group(1))
    return GoldDoc(path.name, text, dct, tuple(spans))


def _creation_instant(raw: str, path: Path) -> datetime:
    """The DCT date, at the time of day the document id encodes (WIB)."""
    dct = re.search(r"<DCT>\s*<TIMEX3[^>]*value=\"(\d{4})-(\d{2})-(\d{2})", raw)
    docid = re.search(r"<DOCID>\s*([^<]*)</DOCID>", raw)
    encoded = _DOCID.search(docid.group(1) if docid else path.stem)
    if dct is None and encoded is None:
        raise InputError(f"{path}: no creation date in <DCT> or the document id")
    y, mo, d = (int(x) for x in (dct.groups() if dct else encoded.groups()[:3]))  # type: ignore[union-attr]
    hour = minute = 0
    if encoded is not None and tuple(int(x) for x in encoded.groups()[:3]) == (y, mo, d):
        hour, minute = int(encoded.group(4)), int(encoded.group(5))
        if hour > 23 or minute > 59:
            hour = minute = 0
    return datetime(y, mo, d, hour, minute, tzinfo=WIB)


def _strip_tags(body: str) -> tuple[str, list[Span]]:
    """Plain text of a TimeML body and the TIMEX3 spans in it (entities unescaped)."""
    out: list[str] = []
    size = 0
    spans: list[Span] = []
    open_at: tuple[int, dict[str, str]] | None = None
    pos = 0
    for m in _TAG.finditer(body):
        piece = html.unescape(body[pos : m.start()])
        out.append(piece)
        size += len(piece)
        pos = m.end()
        if m.group(2) != "TIMEX3":
            continue
        if m.group(1) == "":
            open_at = (size, dict(_ATTR.findall(m.group(3))))
        elif open_at is not None:
            start, attrs = open_at
            spans.append(Span(start, size, attrs.get("value", ""), attrs.get("type", "")))
            open_at = None
    out.append(html.unescape(body[pos:]))
    return "".join(out), spans


def score(
    system: str,
    docs: Sequence[GoldDoc],
    predict: Callable[[GoldDoc], Iterable[Span]],
    same_value: Callable[[str, str], bool],
) -> Score:
    """Score one system: overlap matching (one to one, in order) and value accuracy.

    Example:
        >>> doc = GoldDoc("d", "pada 2015", datetime(2014, 1, 1, tzinfo=WIB), (Span(5, 9, "2015"),))
        >>> score("x", [doc], lambda d: [Span(5, 9, "2015")], str.__eq__).f1
        1.0
    """
    gold_n = pred_n = matched = right = 0
    for doc in docs:
        predicted = sorted(predict(doc), key=lambda s: (s.start, s.end))
        gold_n += len(doc.spans)
        pred_n += len(predicted)
        used: set[int] = set()
        for g in doc.spans:
            for i, p in enumerate(predicted):
                if i not in used and p.start < g.end and g.start < p.end:
                    used.add(i)
                    matched += 1
                    right += same_value(p.value, g.value)
                    break
    return Score(system, gold_n, pred_n, matched, right)


def predict_warta(doc: GoldDoc) -> list[Span]:
    """warta's timeline as spans."""
    return [Span(m.start, m.end, m.value, m.type) for m in extract_timeline(doc.text, doc.dct)]


def dateparser_predictor() -> Callable[[GoldDoc], list[Span]]:
    """dateparser's `search_dates` (Indonesian) as a predictor, imported only when asked for.

    Raises:
        ConfigError: dateparser is not installed.

    Example:
        >>> predict = dateparser_predictor()  # doctest: +SKIP
    """
    try:
        from dateparser.search import search_dates  # type: ignore[import-untyped]
    except ImportError:
        raise ConfigError(
            "the baseline needs dateparser: pip install 'warta[bench]' (dateparser==1.5.0)"
        ) from None

    def predict(doc: GoldDoc) -> list[Span]:
        naive = doc.dct.replace(tzinfo=None)
        found: Any = search_dates(doc.text, languages=["id"], settings={"RELATIVE_BASE": naive})
        spans: list[Span] = []
        pos = 0
        for substring, when in found or []:
            at = doc.text.find(substring, pos)
            if at < 0:
                at = doc.text.find(substring)
            if at < 0:
                continue
            pos = at + len(substring)
            spans.append(Span(at, at + len(substring), when.isoformat(timespec="minutes")))
        return spans

    return predict


def same_value(predicted: str, gold: str) -> bool:
    """Exact TimeML value match."""
    return predicted == gold


def same_value_at_gold_precision(predicted: str, gold: str) -> bool:
    """A datetime (`2014-12-28T10:00`) against a gold value at the gold's precision."""
    m = re.match(r"\d{4}(?:-\d{2}(?:-\d{2}(?:T\d{2}:\d{2})?)?)?", gold)
    if m is None:
        return False
    return predicted.startswith(m.group(0))


def evaluate_dir(folder: Path) -> TimexReport:
    """Score warta's timeline and dateparser on every `.tml` gold file in `folder`.

    Args:
        folder: a folder of TimeML gold files (`gold/` of IndoTimex).

    Returns:
        Both systems' scores, measured in the same run.

    Raises:
        InputError: the folder has no `.tml` file.
        ConfigError: dateparser (the baseline) is not installed.

    Example:
        >>> gold = Path("../shared/eval/timex/indotimex-kompas/gold")
        >>> report = evaluate_dir(gold)  # doctest: +SKIP
        >>> report.warta.f1 > report.baseline.f1  # doctest: +SKIP
        True
    """
    files = sorted(folder.glob("*.tml")) if folder.is_dir() else []
    if not files:
        raise InputError(f"{folder}: no .tml gold files (expected TimeML files like gold/*.tml)")
    baseline = dateparser_predictor()
    docs = [read_gold(f) for f in files]
    return TimexReport(
        documents=len(docs),
        warta=score("warta", docs, predict_warta, same_value),
        baseline=score("dateparser", docs, baseline, same_value_at_gold_precision),
    )
