"""The boilerplate catalogue: a TOML file of patterns, loaded and compiled once per run."""

from __future__ import annotations

import re
import tomllib
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
#: What `getwidth` gives as the longest match of an unbounded regex: `re`'s MAXWIDTH
#: (Python 3.11.5 and later), MAXREPEAT before (Debian 12's 3.11.2).
_UNBOUNDED = int(getattr(_parser, "MAXWIDTH", _parser.MAXREPEAT))


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
    #: The length of the longest text the regex can match (`_UNBOUNDED` when unbounded).
    longest: int = _UNBOUNDED
    #: The ASCII characters a match can start with (None when it may start with any).
    starts: frozenset[str] | None = None
    #: For an ASCII text, lower-cased: the needles of each way a match can go (every match
    #: holds all of one); empty when not known. Letters count here (see `_ascii_ways`).
    ascii_ways: tuple[tuple[str, ...], ...] = ()
    #: Needles one of which every match holds, those a text is least likely to hold (one
    #: of the needles, or one of each choice); empty when there are none.
    keys: tuple[str, ...] = ()

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

    def may_fullmatch(self, text: str) -> bool:
        """False when `text` cannot be one whole match: it is longer than any, or lacks the
        needles (for an ASCII text, those of `ascii_ways` when there are: they say more)."""
        if len(text) > self.longest:
            return False
        if not self.ascii_ways or not text.isascii():
            return self.may_match(text)
        low = text.lower()
        for way in self.ascii_ways:  # noqa: SIM110  # a plain loop, as in `may_match`
            if _holds_all(low, way):
                return True
        return False


def key_needles(patterns: Sequence[Pattern]) -> tuple[str, ...] | None:
    """Needles one of which every match of every one of `patterns` holds (their `keys`): a
    text with none of them matches none of the patterns. None when a pattern has no needle.

    Example:
        >>> key_needles(load_catalogue().inline)
        ('ADVERTISEMENT', 'SCROLL TO ', 'aca ', ':', '[', '/')
    """
    keys: list[str] = []
    for pattern in patterns:
        if not pattern.keys:
            return None
        keys.extend(pattern.keys)
    return tuple(dict.fromkeys(keys))


def _keys(needles: tuple[str, ...], choices: tuple[tuple[str, ...], ...]) -> tuple[str, ...]:
    """The needle of `needles` a text is least likely to hold (or that of each choice): the
    longest, else the one whose characters are rarest in news text (`_BY_FREQUENCY`). The
    choice decides only how often a text passes the keys."""
    if needles:
        return (min(needles, key=_commonness),)
    return tuple(min(choice, key=_commonness) for choice in choices)


#: Punctuation of news text, the rarest first (a space is the most frequent of all); any
#: other character is rarer than these.
_BY_FREQUENCY = ":/-)(,. "


def _commonness(needle: str) -> tuple[int, int]:
    """How likely a text is to hold `needle`: a shorter one is likelier, then one with a
    more frequent character."""
    return -len(needle), max(_BY_FREQUENCY.find(c) + 1 for c in needle)


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
    #: The line patterns by the first character of a line (see `_line_group`), built on
    #: first use.
    _line_groups: dict[str, LineGroup] = field(default_factory=dict, compare=False, repr=False)

    def match_line(self, text: str) -> Pattern | None:
        """The first line pattern that matches all of `text`, if any.

        Most lines match none. One regex call rules most patterns out: the alternation
        of those that can start with the line's first character (`Pattern.starts`).
        The few that can start with any (`.{0,200}\\(foto`) are ruled out by their
        needles and length. Only a line that one of them may match tries the patterns
        one by one.
        """
        first = text[:1] if text[:1].isascii() else ""
        group = self._line_groups.get(first) or self._line_group(first)
        if group.rules_out(text):
            for pattern in group.floating:
                if pattern.may_fullmatch(text) and pattern.regex.fullmatch(text):
                    return pattern  # the only one that matches: the first
            return None
        for pattern in group.patterns:
            if pattern.regex.fullmatch(text):
                return pattern
        return None

    def _line_group(self, first: str) -> LineGroup:
        """The line patterns that can match a line starting with `first` ("": any start).

        At most one group per ASCII character (and one for the rest) is compiled, and
        those that share their patterns share one compiled alternation (`re`'s cache).
        """
        group = self._line_groups.get(first)
        if group is None:
            group = self._line_groups[first] = LineGroup(
                tuple(p for p in self.line if p.starts is None or not first or first in p.starts)
            )
        return group


@dataclass(frozen=True, slots=True)
class LineGroup:
    """Some line patterns: those whose start is known in one alternation, the others apart."""

    #: In catalogue order.
    patterns: tuple[Pattern, ...]
    #: The patterns whose start is not known (`Pattern.starts` None).
    floating: tuple[Pattern, ...] = field(init=False)
    #: The alternation of the others (None when there are none or it cannot be built).
    any_of: re.Pattern[str] | None = field(init=False)

    #: Whether there are patterns whose start is known (else `any_of` is None).
    anchored: bool = field(init=False)

    def __post_init__(self) -> None:
        anchored = [p for p in self.patterns if p.starts is not None]
        object.__setattr__(self, "floating", tuple(p for p in self.patterns if p.starts is None))
        object.__setattr__(self, "any_of", _alternation(anchored))
        object.__setattr__(self, "anchored", bool(anchored))

    def rules_out(self, text: str) -> bool:
        """True when no pattern whose start is known can match all of `text`."""
        if self.any_of is None:
            return not self.anchored  # the alternation could not be built
        return self.any_of.fullmatch(text) is None


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
    return Catalogue(
        line=tuple(p for p in patterns if p.scope == "line"),
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
    needles, choices = _needles(regex), _choices(regex)
    return Pattern(
        regex,
        scope,
        reason,
        then,
        needles=needles,
        choices=choices,
        suffix=_suffix(regex),
        longest=_parser.parse(regex.pattern, regex.flags).getwidth()[1],
        starts=_starts(regex),
        ascii_ways=_ascii_ways(regex),
        keys=_keys(needles, choices),
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


def _starts(regex: re.Pattern[str]) -> frozenset[str] | None:
    """The ASCII characters a match of `regex` can start with, None when it may start with
    any character (or when the parse tree does not say: a class, a backreference).

    Read from the parse tree, as `_needles` is: anchors and lookarounds are looked
    past, a group or an alternation gives the starts of its parts, and an optional
    part (`(?:ayo )?`) adds the starts of what follows it.
    """
    tree = _parser.parse(regex.pattern, regex.flags)
    found, _ = _first_characters(tree.data, regex.flags)
    return None if found is None else frozenset(found)


#: Every ASCII character, to probe which of them a literal or a class matches.
_ASCII = "".join(map(chr, range(128)))
#: The classes `\\d`, `\\s`, `\\w` and their opposites as the parse tree holds them.
_CATEGORIES = {
    _parser.CATEGORY_DIGIT: r"\d", _parser.CATEGORY_NOT_DIGIT: r"\D",
    _parser.CATEGORY_SPACE: r"\s", _parser.CATEGORY_NOT_SPACE: r"\S",
    _parser.CATEGORY_WORD: r"\w", _parser.CATEGORY_NOT_WORD: r"\W",
}  # fmt: skip
_ZERO_WIDTH = (_parser.AT, _parser.ASSERT, _parser.ASSERT_NOT)
_REPEATS = (_parser.MAX_REPEAT, _parser.MIN_REPEAT, _parser.POSSESSIVE_REPEAT)


def _first_characters(items: Sequence[tuple[Any, Any]], flags: int) -> tuple[set[str] | None, bool]:
    """The ASCII characters a match of the parsed sequence `items` can start with (None:
    any), and whether the match can be empty."""
    found: set[str] = set()
    for op, arg in items:
        first: set[str] | None
        if op in _ZERO_WIDTH:
            continue
        if op is _parser.LITERAL or op is _parser.IN:
            first, empty = _ascii_matches(op, arg, flags), False
        elif op is _parser.BRANCH:
            alternatives = [_first_characters(alt.data, flags) for alt in arg[1]]
            if any(chars is None for chars, _ in alternatives):
                return None, False
            first = set().union(*(chars or () for chars, _ in alternatives))
            empty = any(can_be_empty for _, can_be_empty in alternatives)
        elif op is _parser.SUBPATTERN:
            _group, add_flags, del_flags, sub = arg
            first, empty = _first_characters(sub.data, (flags | add_flags) & ~del_flags)
        elif op in _REPEATS:
            least, _most, sub = arg
            first, empty = _first_characters(sub.data, flags)
            empty = empty or least == 0
        else:  # any character, a backreference...: not read here
            return None, False
        if first is None:
            return None, False
        found |= first
        if not empty:
            return found, False
    return found, True


def _ascii_matches(op: Any, arg: Any, flags: int) -> set[str] | None:
    """The ASCII characters that the parsed literal or class `(op, arg)` matches under
    `flags` (None when the class holds what is not read here).

    `re` itself says it: the node is written back as a regex that finds them in
    `_ASCII` (under IGNORECASE, `k` matches `K`, and so does the Kelvin sign).
    """
    if op is _parser.LITERAL:
        source = re.escape(chr(arg))
    else:
        parts = []
        for item, value in arg:
            if item is _parser.NEGATE:
                parts.append("^")
            elif item is _parser.LITERAL:
                parts.append(re.escape(chr(value)))
            elif item is _parser.RANGE:
                parts.append(f"{re.escape(chr(value[0]))}-{re.escape(chr(value[1]))}")
            elif item is _parser.CATEGORY and value in _CATEGORIES:
                parts.append(_CATEGORIES[value])
            else:
                return None
        source = f"[{''.join(parts)}]"
    return set(re.findall(source, _ASCII, flags & (re.IGNORECASE | re.ASCII)))


def _ascii_ways(regex: re.Pattern[str]) -> tuple[tuple[str, ...], ...]:
    """The needles of each way a match of `regex` in an ASCII text can go, as the text's
    `str.lower()` holds them: the alternatives of a regex that is one alternation, or
    the regex itself. Empty when one way has no needle, or none but `_needles`.

    In an ASCII text a letter of the regex matches only its two cases, so letters
    count here, lower-cased (`_needles` cannot count them: under IGNORECASE `k`
    also matches the Kelvin sign); any other character ends a run. An alternative
    that needs a character no ASCII one matches (`©`) cannot match such a text.
    """
    items = _parser.parse(regex.pattern, regex.flags).data
    one_alternation = len(items) == 1 and items[0][0] is _parser.BRANCH
    ways = []
    for alternative in [alt.data for alt in items[0][1][1]] if one_alternation else [items]:
        if any(op is _parser.LITERAL and not _ascii_matches(op, arg, regex.flags)
               for op, arg in alternative):  # fmt: skip
            continue
        runs = tuple(dict.fromkeys(_runs(alternative, any_case=False, lower=True)))
        if not runs:
            return ()
        ways.append(runs)
    needles = set(_needles(regex))
    if any(set(way) <= needles for way in ways):
        return ()  # a way that the needles hold already: the ways rule nothing more out
    return tuple(ways)


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


def _plain(op: Any, arg: Any, any_case: bool, lower: bool = False) -> str:
    """The one character the parsed node `(op, arg)` always matches, or "".

    Under IGNORECASE only ASCII characters that are not letters count: no
    other character matches them (`k` also matches the Kelvin sign). With
    `lower` (an ASCII text, lower-cased), ASCII characters count, lower-cased.
    """
    char = chr(arg) if op is _parser.LITERAL else ""
    if lower:
        return char.lower() if char.isascii() else ""
    return "" if any_case and (char.isalpha() or not char.isascii()) else char


def _runs(items: Sequence[tuple[Any, Any]], any_case: bool, lower: bool = False) -> list[str]:
    """The runs of plain characters every match of the parsed sequence `items` holds
    (as `_plain` reads them)."""
    runs, run = [], ""
    for op, arg in items:
        char = _plain(op, arg, any_case, lower)
        if char:
            run += char
            continue
        runs.append(run)
        run = ""
        if op is _parser.BRANCH:
            alternatives = [set(_runs(alt.data, any_case, lower)) for alt in arg[1]]
            runs.extend(sorted(set.intersection(*alternatives)))
    runs.append(run)
    return [r for r in runs if r]
