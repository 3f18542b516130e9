"""Score HTML cleaning against pages with known answers, next to plain trafilatura.

Two folder layouts are understood:

* anpandu: the pages beside one `expected.json` mapping each file name to
  `url`, `title`, `date` (epoch milliseconds, UTC) and `content`;
* fundus: one folder per page holding the `.html`, `meta.info` (JSON: the
  URL) and `<Publisher>.json` (title, zone-aware `publishing_date`, body
  paragraphs under `body.sections[].paragraphs`).

Scores per page: title exact (whitespace folded), publication instant equal to
the minute, the day equal, body precision/recall/F1 over lower-case word tokens
(a multiset, so order and punctuation do not count and repeats do), and the
catalogue strings left in the body (`Baca juga`, `ADVERTISEMENT`, ...).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from warta.dates import find_date
from warta.errors import InputError
from warta.model import Article
from warta.parse import fold_ws
from warta.pipeline import Cleaner

#: Page furniture that must not be left in a body (the catalogue's best-known strings).
RESIDUE: tuple[str, ...] = (
    "Baca juga",
    "ADVERTISEMENT",
    "SCROLL TO CONTINUE",
    "Copyright",
    "All rights reserved",
    "[Gambas",
    "Lihat juga",
    "Download Apps",
)
_RESIDUE = tuple((s, re.compile(re.escape(s), re.IGNORECASE)) for s in RESIDUE)
_TOKEN = re.compile(r"\w+")
_WIB = timezone(timedelta(hours=7))


@dataclass(frozen=True, slots=True)
class Case:
    """One page and what a perfect cleaner would give for it."""

    name: str
    path: Path
    url: str | None
    title: str
    published: datetime | None
    text: str


@dataclass(frozen=True, slots=True)
class PageScore:
    """How one tool did on one page."""

    name: str
    title_ok: bool
    instant_ok: bool
    day_ok: bool
    precision: float
    recall: float
    f1: float
    residue: tuple[str, ...] = ()
    got_title: str | None = None
    got_published: str | None = None
    rejected: str | None = None


@dataclass(frozen=True, slots=True)
class Summary:
    """A tool's scores over all pages."""

    tool: str
    pages: int
    titles: int
    instants: int
    days: int
    precision: float
    recall: float
    f1: float
    residue_pages: int


@dataclass(frozen=True, slots=True)
class Report:
    """warta's and the baseline's page scores, in the same page order."""

    cases: tuple[Case, ...]
    warta: tuple[PageScore, ...]
    baseline: tuple[PageScore, ...]

    def summaries(self) -> tuple[Summary, Summary]:
        """warta's and trafilatura's overall scores."""
        return summarize("warta", self.warta), summarize("trafilatura", self.baseline)


def load_cases(folder: str | Path) -> list[Case]:
    """Every page with expected output under `folder` (either layout).

    Raises:
        InputError: the folder holds neither layout.

    Example:
        >>> cases = load_cases("../shared/eval/html/anpandu")  # doctest: +SKIP
    """
    root = Path(folder)
    if (root / "expected.json").is_file():
        return _anpandu(root)
    folders = sorted(d for d in root.iterdir() if d.is_dir()) if root.is_dir() else []
    cases = [c for d in folders for c in _fundus(d)]
    if not cases:
        raise InputError(f"{root}: no expected.json and no page folders with meta.info (fundus)")
    return cases


def token_scores(got: str, expected: str) -> tuple[float, float, float]:
    """Precision, recall and F1 of the lower-case word tokens of `got` against `expected`.

    Example:
        >>> token_scores("Presiden bicara hari ini", "presiden bicara")
        (0.5, 1.0, 0.6666666666666666)
    """
    a, b = Counter(_TOKEN.findall(got.lower())), Counter(_TOKEN.findall(expected.lower()))
    overlap = sum((a & b).values())
    if not overlap:
        return 0.0, 0.0, 0.0
    p, r = overlap / sum(a.values()), overlap / sum(b.values())
    return p, r, 2 * p * r / (p + r)


def residue(text: str) -> tuple[str, ...]:
    """The catalogue strings found in `text`.

    Example:
        >>> residue("Isi berita. Baca juga: Judul lain")
        ('Baca juga',)
    """
    return tuple(name for name, rx in _RESIDUE if rx.search(text))


def evaluate(folders: Iterable[str | Path], cleaner: Cleaner | None = None) -> Report:
    """Score warta and plain `trafilatura` on every page under `folders`.

    Example:
        >>> report = evaluate(["../shared/eval/html/anpandu"])  # doctest: +SKIP
        >>> report.summaries()[0].f1 > report.summaries()[1].f1  # doctest: +SKIP
        True
    """
    cleaner = cleaner or Cleaner()
    cases = tuple(c for folder in folders for c in load_cases(folder))
    ours = tuple(score_warta(case, cleaner) for case in cases)
    theirs = tuple(score_trafilatura(case) for case in cases)
    return Report(cases, ours, theirs)


def score_warta(case: Case, cleaner: Cleaner) -> PageScore:
    """warta's scores on one page."""
    result = cleaner(case.path.read_bytes(), source=str(case.path), url=case.url)
    if not isinstance(result, Article):
        return PageScore(case.name, False, False, False, 0.0, 0.0, 0.0, rejected=result.detail)
    got = result.published.value if result.published else None
    precision = result.published.precision if result.published else "day"
    return _score(case, result.title, got, precision != "day", result.text)


def score_trafilatura(case: Case) -> PageScore:
    """Plain `trafilatura.bare_extraction` (with metadata) on one page: the baseline."""
    import trafilatura  # the baseline only; warta's own path does not need it here

    page = case.path.read_bytes().decode("utf-8", "replace")
    doc: Any = trafilatura.bare_extraction(page, url=case.url, with_metadata=True)
    if doc is None:
        return PageScore(case.name, False, False, False, 0.0, 0.0, 0.0, rejected="no extraction")
    found = find_date(doc.date) if doc.date else None
    got = found.value if found and found.value else None
    has_time = bool(found and found.precision != "day")
    return _score(case, doc.title, got, has_time, doc.text or "")


def summarize(tool: str, scores: Sequence[PageScore]) -> Summary:
    """Counts and means over pages.

    Example:
        >>> summarize("x", [PageScore("a", True, False, True, 1.0, 0.5, 0.6)]).titles
        1
    """
    n = len(scores) or 1
    return Summary(
        tool=tool,
        pages=len(scores),
        titles=sum(s.title_ok for s in scores),
        instants=sum(s.instant_ok for s in scores),
        days=sum(s.day_ok for s in scores),
        precision=sum(s.precision for s in scores) / n,
        recall=sum(s.recall for s in scores) / n,
        f1=sum(s.f1 for s in scores) / n,
        residue_pages=sum(bool(s.residue) for s in scores),
    )


def _score(
    case: Case, title: str | None, got: datetime | None, has_time: bool, text: str
) -> PageScore:
    p, r, f1 = token_scores(text, case.text)
    expected = case.published
    instant_ok = day_ok = False
    if got is not None and expected is not None:
        zone = expected.tzinfo or _WIB
        if got.tzinfo is None:
            got = got.replace(tzinfo=_WIB)
        instant_ok = has_time and _minute(got) == _minute(expected)
        day_ok = _day(got, zone) == _day(expected, zone)
    return PageScore(
        name=case.name,
        title_ok=fold_ws(title or "") == fold_ws(case.title),
        instant_ok=instant_ok,
        day_ok=day_ok,
        precision=p,
        recall=r,
        f1=f1,
        residue=residue(text),
        got_title=title,
        got_published=got.isoformat() if got else None,
    )


def _minute(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(second=0, microsecond=0)


def _day(value: datetime, zone: Any) -> date:
    return value.astimezone(zone).date()


def _anpandu(root: Path) -> list[Case]:
    """The cases of an anpandu folder: `expected.json` maps each page's file name to its
    answers (`title` and `content` strings; `url` and `date`, epoch milliseconds, optional).

    Raises:
        InputError: `expected.json` is not that, or names a page that is not in the folder.
    """
    where = root / "expected.json"
    expected = _read_json(where)
    if not isinstance(expected, dict):
        raise InputError(f"{where}: must map each page's file name to its answers, "
                         f"not a {type(expected).__name__}")  # fmt: skip
    cases = []
    for name, item in expected.items():
        entry = f"{where} page {name!r}"
        if not isinstance(item, dict):
            raise InputError(f"{entry}: must be an object, not {item!r}")
        for key in ("title", "content"):
            if key not in item:
                raise InputError(f"{entry}: has no {key}")
            if not isinstance(item[key], str):
                raise InputError(f"{entry}: {key} must be a string, not {item[key]!r}")
        url = item.get("url")
        if url is not None and not isinstance(url, str):
            raise InputError(f"{entry}: url must be a string, not {url!r}")
        if not (root / name).is_file():
            raise InputError(f"{entry}: no such page in {root}")
        when = item.get("date")
        published = (
            datetime.fromtimestamp(when / 1000, UTC).astimezone(_WIB)
            if isinstance(when, int | float) and not isinstance(when, bool)
            else None
        )
        cases.append(Case(name, root / name, url, item["title"], published, item["content"]))
    return cases


def _read_json(path: Path) -> Any:
    """The JSON document in `path`.

    Raises:
        InputError: it cannot be read, is not UTF-8 or is not JSON.
    """
    try:
        return json.loads(path.read_bytes().decode("utf-8-sig"))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 (byte 0x{exc.object[exc.start]:02x} "
                         f"at offset {exc.start})") from None  # fmt: skip
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None


def _fundus(folder: Path) -> list[Case]:
    """The case of a fundus page folder (none when the folder is not one).

    Raises:
        InputError: its `meta.info` or publisher's `.json` is not what fundus writes.
    """
    meta_file = folder / "meta.info"
    pages = sorted(folder.glob("*.html"))
    answers = [p for p in sorted(folder.glob("*.json"))]
    if not meta_file.is_file() or not pages or not answers:
        return []
    meta, answer = _read_json(meta_file), _read_json(answers[0])
    try:
        url = next((str(v.get("url")) for v in meta.values() if isinstance(v, dict)), None)
        version = answer[sorted(answer)[-1]]
        paragraphs = [
            p
            for part in (
                version["body"].get("summary", []),
                *(s.get("headline", []) + s.get("paragraphs", [])
                  for s in version["body"]["sections"]),
            )
            for p in part
        ]  # fmt: skip
        when = version.get("publishing_date")
        published = datetime.fromisoformat(when) if when else None
        case = Case(folder.name, pages[0], url, version["title"], published, "\n".join(paragraphs))
    except (KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:
        what = f"no {exc}" if isinstance(exc, KeyError) else str(exc)
        raise InputError(f"{folder}: meta.info and {answers[0].name} are not fundus's "
                         f"layout ({what})") from None  # fmt: skip
    if not isinstance(case.title, str) or not all(isinstance(p, str) for p in paragraphs):
        raise InputError(f"{answers[0]}: title and paragraphs must be strings")
    return [case]
