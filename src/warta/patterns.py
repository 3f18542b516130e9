"""The boilerplate catalogue: a TOML file of patterns, loaded and compiled once per run."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
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

    def may_match(self, text: str) -> bool:
        """False when `text` lacks one of the needles: then the regex cannot match it."""
        # A plain loop, not SIM110's `all()`: a generator costs twice as much here.
        for needle in self.needles:  # noqa: SIM110
            if needle not in text:
                return False
        return True


@dataclass(frozen=True, slots=True)
class Catalogue:
    """All patterns, split by scope for the cleaner."""

    line: tuple[Pattern, ...]
    inline: tuple[Pattern, ...]
    end: tuple[Pattern, ...]
    #: All line patterns as one alternation: one regex call rules most lines out.
    line_any: re.Pattern[str] | None = None

    def match_line(self, text: str) -> Pattern | None:
        """The first line pattern that matches all of `text`, if any."""
        if self.line_any is not None:
            m = self.line_any.fullmatch(text)
            if m is None:
                return None
            # Only the patterns that could have matched are tried one by one (rare).
        for pattern in self.line:
            if pattern.regex.fullmatch(text):
                return pattern
        return None


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
        line_any=_alternation(lines),
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
    return Pattern(regex, scope, reason, then, needles=_needles(regex))


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


def _runs(items: Sequence[tuple[Any, Any]], any_case: bool) -> list[str]:
    """The runs of plain characters every match of the parsed sequence `items` holds."""
    runs, run = [], ""
    for op, arg in items:
        char = chr(arg) if op is _parser.LITERAL else ""
        if char and not (any_case and (char.isalpha() or not char.isascii())):
            run += char
            continue
        runs.append(run)
        run = ""
        if op is _parser.BRANCH:
            alternatives = [set(_runs(alt.data, any_case)) for alt in arg[1]]
            runs.extend(sorted(set.intersection(*alternatives)))
    runs.append(run)
    return [r for r in runs if r]
