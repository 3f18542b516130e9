"""The boilerplate catalogue: a TOML file of patterns, loaded and compiled once per run."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from warta.errors import ConfigError

Scope = Literal["line", "inline", "end"]
Then = Literal["", "headline", "headlines"]
_SCOPES = ("line", "inline", "end")
_THENS = ("", "headline", "headlines")


@dataclass(frozen=True, slots=True)
class Pattern:
    """One catalogue entry, compiled."""

    regex: re.Pattern[str]
    scope: Scope
    reason: str
    then: Then = ""


@dataclass(frozen=True, slots=True)
class Catalogue:
    """All patterns, split by scope for the cleaner."""

    line: tuple[Pattern, ...]
    inline: tuple[Pattern, ...]
    end: tuple[Pattern, ...]

    def match_line(self, text: str) -> Pattern | None:
        """The first line pattern that matches all of `text`, if any."""
        for pattern in self.line:
            if pattern.regex.fullmatch(text):
                return pattern
        return None


def load_catalogue(extra: Sequence[str | Path] = ()) -> Catalogue:
    """The built-in catalogue plus the patterns of each file in `extra`.

    Raises:
        ConfigError: a file is missing, is not TOML, or holds a bad pattern.

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
        patterns.extend(_parse(text, str(path)))
    return Catalogue(
        line=tuple(p for p in patterns if p.scope == "line"),
        inline=tuple(p for p in patterns if p.scope == "inline"),
        end=tuple(p for p in patterns if p.scope == "end"),
    )


def _parse(text: str, where: str) -> list[Pattern]:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML ({exc})") from exc
    out = []
    for i, entry in enumerate(doc.get("pattern", []), start=1):
        label = f"{where} pattern {i}"
        scope, then = entry.get("scope", "line"), entry.get("then", "")
        if scope not in _SCOPES:
            raise ConfigError(f"{label}: scope must be one of {', '.join(_SCOPES)}, not {scope!r}")
        if then not in _THENS:
            raise ConfigError(f"{label}: then must be 'headline' or 'headlines', not {then!r}")
        flags = 0 if entry.get("case", False) else re.IGNORECASE
        try:
            regex = re.compile(entry["regex"], flags)
        except KeyError:
            raise ConfigError(f"{label}: has no regex") from None
        except re.error as exc:
            raise ConfigError(f"{label}: bad regex ({exc})") from exc
        out.append(Pattern(regex, scope, str(entry.get("reason", "boilerplate")), then))
    return out
