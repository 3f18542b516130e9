"""The boilerplate catalogue: a TOML file of patterns, loaded and compiled once per run."""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from re import _parser  # type: ignore[attr-defined]  # private, no stubs: see _needles
from typing import Any, Literal

from warta.errors import ConfigError

Scope = Literal["line", "inline", "end"]
Then = Literal["", "headline", "headlines"]
_SCOPES = ("line", "inline", "end")
_THENS = ("", "headline", "headlines")
#: What a pattern's removal may be recorded as (README: removal reasons). The other two,
#: `repeated` and `place_prefix`, are the cleaner's own; no pattern gives them.
REASONS = ("boilerplate", "related", "embed", "caption", "footer", "credit")
_KEYS = ("regex", "scope", "reason", "case", "then")


@dataclass(frozen=True, slots=True)
class Pattern:
    """One catalogue entry, compiled."""

    regex: re.Pattern[str]
    scope: Scope
    reason: str
    then: Then = ""
    #: Pieces of text that every match contains, so an `in` test can rule a text out.
    needles: tuple[str, ...] = ()
    #: For a regex that is one alternation (`A|B`) whose alternatives share no needle: the
    #: needles of each alternative (every match holds all of one); empty otherwise.
    choices: tuple[tuple[str, ...], ...] = ()
    #: Plain characters that every match ends with ("" when none are known).
    suffix: str = ""
    #: The length of the longest text the regex can match (`re`'s MAXWIDTH when unbounded).
    longest: int = _parser.MAXWIDTH

    def may_match(self, text: str) -> bool:
        """False when `text` lacks one of the needles (or one of each choice): then the
        regex cannot match it."""
        # Plain loops, not SIM110's `all()` or `any()`: a generator costs twice as much, and
        # this runs for every paragraph and pattern.
        for needle in self.needles:
            if needle not in text:
                return False
        for choice in self.choices:
            if _holds_all(text, choice):
                return True
        return not self.choices


def _holds_all(text: str, needles: tuple[str, ...]) -> bool:
    """Does `text` hold every one of `needles`?"""
    for needle in needles:  # noqa: SIM110
        if needle not in text:
            return False
    return True


@dataclass(frozen=True, slots=True)
class Catalogue:
    """All patterns, split by scope for the cleaner."""

    line: tuple[Pattern, ...]
    inline: tuple[Pattern, ...]
    end: tuple[Pattern, ...]
    #: The lengths that split texts into groups by the line patterns that can match them:
    #: every bounded `Pattern.longest`, in order.
    line_lengths: tuple[int, ...] = ()
    #: Each group's line patterns and their alternation (see `_line_group`).
    _line_groups: dict[int, tuple[tuple[Pattern, ...], re.Pattern[str] | None]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def match_line(self, text: str) -> Pattern | None:
        """The first line pattern that matches all of `text`, if any."""
        patterns, any_of = self._line_group(bisect_left(self.line_lengths, len(text)))
        # One regex call rules most lines out; the patterns that could have matched are
        # then tried one by one (rare).
        if any_of is not None and any_of.fullmatch(text) is None:
            return None
        for pattern in patterns:
            if pattern.regex.fullmatch(text):
                return pattern
        return None

    def _line_group(self, group: int) -> tuple[tuple[Pattern, ...], re.Pattern[str] | None]:
        """The line patterns long enough to match a text of group `group`'s lengths
        (longer than `line_lengths[group - 1]`), and their alternation.

        A long paragraph, the common line, is tried against a few patterns instead
        of all: those with `.{0,120}` before a word cost most. Each group is compiled
        when a text first needs it (at most one more than there are line patterns).
        """
        found = self._line_groups.get(group)
        if found is None:
            shortest = self.line_lengths[group - 1] + 1 if group else 0
            patterns = tuple(p for p in self.line if p.longest >= shortest)
            found = self._line_groups[group] = (patterns, _alternation(list(patterns)))
        return found


def load_catalogue(extra: Sequence[str | Path] = ()) -> Catalogue:
    """The built-in catalogue plus the patterns of each file in `extra`.

    Raises:
        ConfigError: a file is missing, is not UTF-8 TOML, or holds a bad pattern (see
            `_parse`): the message names the file and the entry.

    Example:
        >>> load_catalogue().match_line("ADVERTISEMENT").reason
        'boilerplate'
    """
    builtin = resources.files("warta").joinpath("data/boilerplate.toml").read_text("utf-8")
    patterns = _parse(builtin, "built-in boilerplate.toml")
    for path in extra:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read pattern file {path}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"cannot read pattern file {path}: not UTF-8 (byte 0x{exc.object[exc.start]:02x}"
                f" at offset {exc.start})"
            ) from None
        patterns.extend(_parse(text, str(path)))
    lines = [p for p in patterns if p.scope == "line"]
    return Catalogue(
        line_lengths=tuple(sorted({p.longest for p in lines if p.longest < _parser.MAXWIDTH})),
        line=tuple(lines),
        inline=tuple(p for p in patterns if p.scope == "inline"),
        end=tuple(p for p in patterns if p.scope == "end"),
    )


def _alternation(patterns: list[Pattern]) -> re.Pattern[str] | None:
    """One regex that matches where any of `patterns` matches (None if it cannot be built)."""
    parts = []
    for p in patterns:
        flag = "i" if p.regex.flags & re.IGNORECASE else "-i"
        parts.append(f"(?{flag}:{p.regex.pattern})" if flag == "i" else f"(?:{p.regex.pattern})")
    try:
        return re.compile("|".join(parts)) if parts else None
    except re.error:  # a user pattern with a global flag or a clashing group name
        return None


def _parse(text: str, where: str) -> list[Pattern]:
    """The patterns of one catalogue file: an array of `[[pattern]]` tables, each with a
    string `regex` and the optional `scope`, `reason`, `case` (a boolean) and `then`."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML ({exc})") from exc
    unknown = sorted(set(doc) - {"pattern"})
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (the entries are [[pattern]])")
    entries = doc.get("pattern", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{where}: pattern must be an array of [[pattern]] tables, "
                          f"not {entries!r}")  # fmt: skip
    return [_pattern(entry, f"{where} pattern {i}") for i, entry in enumerate(entries, start=1)]


def _pattern(entry: Any, label: str) -> Pattern:
    """One `[[pattern]]` table, checked and compiled (`label` names it in errors)."""
    if not isinstance(entry, dict):
        raise ConfigError(f"{label}: must be a [[pattern]] table, not {entry!r}")
    unknown = sorted(set(entry) - set(_KEYS))
    if unknown:
        raise ConfigError(f"{label}: unknown key {unknown[0]!r} (keys: {', '.join(_KEYS)})")
    scope, then = entry.get("scope", "line"), entry.get("then", "")
    if scope not in _SCOPES:
        raise ConfigError(f"{label}: scope must be one of {', '.join(_SCOPES)}, not {scope!r}")
    if then not in _THENS:
        raise ConfigError(f"{label}: then must be 'headline' or 'headlines', not {then!r}")
    reason = entry.get("reason", "boilerplate")
    if reason not in REASONS:
        raise ConfigError(f"{label}: reason must be one of {', '.join(REASONS)}, not {reason!r}")
    case = entry.get("case", False)
    if not isinstance(case, bool):
        raise ConfigError(f"{label}: case must be true or false (a TOML boolean), not {case!r}")
    if "regex" not in entry:
        raise ConfigError(f"{label}: has no regex")
    if not isinstance(entry["regex"], str):
        raise ConfigError(f"{label}: regex must be a string, not {entry['regex']!r}")
    try:
        regex = re.compile(entry["regex"], 0 if case else re.IGNORECASE)
    except re.error as exc:
        raise ConfigError(f"{label}: bad regex ({exc})") from exc
    return Pattern(
        regex,
        scope,
        reason,
        then,
        needles=_needles(regex),
        choices=_choices(regex),
        suffix=_suffix(regex),
        longest=_parser.parse(regex.pattern, regex.flags).getwidth()[1],
    )


def _needles(regex: re.Pattern[str]) -> tuple[str, ...]:
    """The runs of plain characters in the top level of `regex`: every match holds each one.

    Read from the parse tree of `re` (a private module, the only parser of
    Python's regex syntax): a top-level LITERAL stands for exactly one character
    of every match, in sequence. Under IGNORECASE only ASCII characters that are
    not letters count (no other character matches them); any other node ends a
    run. A run that every alternative of a top-level `|` holds counts too.
    """
    tree = _parser.parse(regex.pattern, regex.flags)
    return tuple(dict.fromkeys(_runs(tree.data, bool(regex.flags & re.IGNORECASE))))


def _choices(regex: re.Pattern[str]) -> tuple[tuple[str, ...], ...]:
    """When `regex` is one alternation (`ADVERTISEMENT|SCROLL TO ...`), the needles of each
    alternative, read as `_needles` reads them; empty when one alternative holds no needle
    but those every alternative shares (then the choices rule nothing more out).
    """
    any_case = bool(regex.flags & re.IGNORECASE)
    items = _parser.parse(regex.pattern, regex.flags).data
    if len(items) != 1 or items[0][0] is not _parser.BRANCH:
        return ()
    alternatives = [tuple(dict.fromkeys(_runs(alt.data, any_case))) for alt in items[0][1][1]]
    shared = set(_needles(regex))
    if not all(alternatives) or any(set(alt) <= shared for alt in alternatives):
        return ()
    return tuple(alternatives)


def _suffix(regex: re.Pattern[str]) -> str:
    """The plain characters every match of `regex` ends with ("" when none are known)."""
    tree = _parser.parse(regex.pattern, regex.flags)
    return _last_run(tree.data, bool(regex.flags & re.IGNORECASE))


def _last_run(items: Sequence[tuple[Any, Any]], any_case: bool) -> str:
    """The run of plain characters that closes the parsed sequence `items`: its last
    LITERALs, after the end that every alternative of a closing `|` shares."""
    run = ""
    for op, arg in reversed(items):
        if op is _parser.BRANCH:
            ends = [_last_run(alt.data, any_case) for alt in arg[1]]
            return _common_end(ends) + run
        char = _plain(op, arg, any_case)
        if not char:
            break
        run = char + run
    return run


def _common_end(texts: list[str]) -> str:
    """The longest end that every one of `texts` has."""
    end = min(texts, key=len, default="")
    while end and not all(text.endswith(end) for text in texts):
        end = end[1:]
    return end


def _plain(op: Any, arg: Any, any_case: bool) -> str:
    """The one character the parsed node `(op, arg)` always matches, or "".

    Under IGNORECASE only ASCII characters that are not letters count: no
    other character matches them (`k` also matches the Kelvin sign).
    """
    char = chr(arg) if op is _parser.LITERAL else ""
    return "" if any_case and (char.isalpha() or not char.isascii()) else char


def _runs(items: Sequence[tuple[Any, Any]], any_case: bool) -> list[str]:
    """The runs of plain characters every match of the parsed sequence `items` holds."""
    runs, run = [], ""
    for op, arg in items:
        char = _plain(op, arg, any_case)
        if char:
            run += char
            continue
        runs.append(run)
        run = ""
        if op is _parser.BRANCH:
            alternatives = [set(_runs(alt.data, any_case)) for alt in arg[1]]
            runs.extend(sorted(set.intersection(*alternatives)))
    runs.append(run)
    return [r for r in runs if r]
