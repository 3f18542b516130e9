"""The boilerplate catalogue: the needles that let a plain `in` test rule a text out, and
one-line errors for a bad pattern file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warta.cli import main
from warta.errors import ConfigError
from warta.patterns import (
    _UNBOUNDED,
    _ascii_ways,
    _choices,
    _keys,
    _needles,
    _starts,
    _suffix,
    key_needles,
    load_catalogue,
)

CATALOGUE = load_catalogue()
PATTERNS = CATALOGUE.line + CATALOGUE.inline + CATALOGUE.end


@pytest.mark.parametrize(
    ("regex", "flags", "needles"),
    [
        (r"(?<=[a-z])Baca Juga\s*:", 0, ("Baca Juga", ":")),
        (r"\(\s*baca(?: juga)?\s*:[^)]{0,250}\)", re.IGNORECASE, ("(", ":", ")")),
        (r"pic\.twitter\.com/\w+", re.IGNORECASE, (".", "/")),
        (r"ab?c", 0, ("a", "c")),  # an optional character ends a run
        (r"ADVERTISEMENT|SCROLL", 0, ()),  # no character is in every match
        (r"\(ab\)|\(cd\)", re.IGNORECASE, ("(", ")")),  # runs all alternatives hold
        (r"ab/|cd/x", 0, ()),  # whole runs only: "ab/" and "cd/x" are not shared
        (r"(?i)ab-c", 0, ("-",)),  # a flag set inside the pattern counts
    ],
)
def test_needles_are_the_plain_runs(regex: str, flags: int, needles: tuple[str, ...]) -> None:
    assert _needles(re.compile(regex, flags)) == needles


@pytest.mark.parametrize(
    ("regex", "flags", "choices"),
    [
        (r"ADVERTISEMENT|SCROLL TO (?:MORE|RESUME) CONTENT", 0,
         (("ADVERTISEMENT",), ("SCROLL TO ", " CONTENT"))),
        (r"baca:|lihat/", re.IGNORECASE, ((":",), ("/",))),  # letters count in no case
        (r"\(ab\)|\(cd/\)", 0, ()),  # "(" and ")" hold the first: the second adds nothing
        (r"ab|\w+", 0, ()),  # an alternative with no needle: any text may match
        (r"x(?:ab|cd)", 0, ()),  # not one alternation
    ],
)  # fmt: skip
def test_choices_are_the_needles_of_each_alternative(
    regex: str, flags: int, choices: tuple[tuple[str, ...], ...]
) -> None:
    assert _choices(re.compile(regex, flags)) == choices


@pytest.mark.parametrize(
    ("regex", "flags", "suffix"),
    [
        (r"\s*\([a-z]{2,5}\)", re.IGNORECASE, ")"),
        (r"\(\w+\)\.?", 0, ""),  # an optional last character: no known end
        (r"\(a/b\)|\(c\)", 0, ")"),  # the end every alternative shares
        (r"ADVERTISEMENT|CONTENT", 0, "ENT"),
        (r"komentar", re.IGNORECASE, ""),  # letters count in no case
        (r"(?i)ab-c", 0, ""),
    ],
)
def test_suffix_is_the_run_every_match_ends_with(regex: str, flags: int, suffix: str) -> None:
    assert _suffix(re.compile(regex, flags)) == suffix


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_every_text_a_pattern_matches_holds_its_needles(data: st.DataObject) -> None:
    pattern = data.draw(st.sampled_from(PATTERNS))
    text = data.draw(st.from_regex(pattern.regex))
    assert pattern.regex.search(text)
    assert pattern.may_match(text)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_every_text_a_pattern_matches_holds_one_of_its_keys(data: st.DataObject) -> None:
    pattern = data.draw(st.sampled_from(PATTERNS))
    text = data.draw(st.from_regex(pattern.regex))
    keys = key_needles([pattern])
    assert keys is None or any(key in text for key in keys)


@pytest.mark.parametrize(
    ("needles", "choices", "keys"),
    [
        (("(", ":", ")"), (), (":",)),  # `(` and `)` are in more texts than `:`
        ((".", "/"), (), ("/",)),
        (("Baca", ":"), (), ("Baca",)),  # the longest
        ((), (("ADVERTISEMENT",), ("SCROLL TO ", " CONTENT")), ("ADVERTISEMENT", "SCROLL TO ")),
        ((), (), ()),
    ],
)
def test_keys_are_the_needles_a_text_is_least_likely_to_hold(
    needles: tuple[str, ...], choices: tuple[tuple[str, ...], ...], keys: tuple[str, ...]
) -> None:
    assert _keys(needles, choices) == keys


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_every_match_of_a_pattern_ends_with_its_suffix(data: st.DataObject) -> None:
    pattern = data.draw(st.sampled_from(PATTERNS))
    text = data.draw(st.from_regex(pattern.regex, fullmatch=True))
    assert pattern.regex.fullmatch(text)
    assert text.endswith(pattern.suffix)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_what_a_line_pattern_matches_has_its_start_length_and_ascii_needles(
    data: st.DataObject,
) -> None:
    pattern = data.draw(st.sampled_from(CATALOGUE.line))
    text = data.draw(st.from_regex(pattern.regex, fullmatch=True))
    assert len(text) <= pattern.longest
    if text[:1].isascii() and pattern.starts is not None:
        assert text[:1] in pattern.starts
    assert pattern.may_fullmatch(text)
    assert CATALOGUE.match_line(text) is next(p for p in CATALOGUE.line if p.regex.fullmatch(text))


@pytest.mark.parametrize(
    ("regex", "flags", "starts"),
    [
        ("(?:ayo )?ikuti", re.IGNORECASE, "aAiI"),  # an optional part adds what follows
        ("kata", re.IGNORECASE, "kK"),  # the Kelvin sign matches too, but is no ASCII
        (r"\s*baca", re.IGNORECASE, " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1fbB"),
        ("[*=_~-]{3,}|[•·]+", re.IGNORECASE, "*=_~-"),
        (r"\bFoto(?=:)", 0, "F"),  # an anchor or a lookaround takes no character
        ("©.{0,200}", 0, ""),  # no ASCII character
        (r".{0,200}\(foto\)", 0, None),  # any character
        (r"(?:x|.)/", 0, None),
        (r"(?:x|\d+)/", 0, "x0123456789"),
    ],
)  # fmt: skip
def test_starts_are_the_ascii_characters_a_match_can_start_with(
    regex: str, flags: int, starts: str | None
) -> None:
    assert _starts(re.compile(regex, flags)) == (None if starts is None else frozenset(starts))


@pytest.mark.parametrize(
    ("regex", "flags", "ways"),
    [
        (r"copyright\b.{0,200}|©.{0,200}|.{0,120}all rights reserved", re.IGNORECASE,
         (("copyright",), ("all rights reserved",))),  # `©` is in no ASCII text
        ("Baca Juga: .+", 0, (("baca juga: ",),)),
        (r"\(foto\)", re.IGNORECASE, (("(foto)",),)),
        (r"\((?:foto|dok)\)", re.IGNORECASE, ()),  # nothing the needles do not hold
        (r"baca|\w+", 0, ()),  # a way with no needle
    ],
)  # fmt: skip
def test_ascii_ways_count_letters_lower_cased(
    regex: str, flags: int, ways: tuple[tuple[str, ...], ...]
) -> None:
    assert _ascii_ways(re.compile(regex, flags)) == ways


@pytest.mark.parametrize(
    ("regex", "longest"),
    [("a post shared by .{1,120}", 137), ("(?:iklan|ads)", 5), (r"\s*\(dam\)", _UNBOUNDED)],
)
def test_longest_is_the_longest_text_a_pattern_can_match(
    tmp_path: Path, regex: str, longest: int
) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(f"[[pattern]]\nregex = '{regex}'\n", encoding="utf-8")
    assert load_catalogue([path]).line[-1].longest == longest


def test_unbounded_is_what_this_python_gives_for_an_unbounded_regex() -> None:
    """`re` says "unbounded" with MAXWIDTH from Python 3.11.5 and with MAXREPEAT before."""
    assert re._parser.parse(r"\s*x").getwidth()[1] == _UNBOUNDED  # type: ignore[attr-defined]
    assert _UNBOUNDED >= 2**32 - 1  # 4 GiB: longer than any line a pattern is asked of


def test_line_patterns_that_one_regex_cannot_join_still_match(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"  # a flag that must open a regex cannot stand inside `(?:...)`
    path.write_text("[[pattern]]\nregex = '(?s)promo kode \\w+'\nreason = 'footer'\n")
    catalogue = load_catalogue([path])
    assert catalogue._line_group("P").any_of is None
    found = catalogue.match_line("Promo kode HEMAT")
    assert found is not None
    assert found.reason == "footer"
    assert catalogue.match_line("Presiden bicara.") is None


@pytest.mark.parametrize(
    ("toml", "error"),
    [
        (b"[[pattern]]\nregex = 5\n", "pattern 1: regex must be a string, not 5"),
        (b"pattern = 5\n", ": pattern must be an array of [[pattern]] tables, not 5"),
        (b"pattern = [1, 2]\n", "pattern 1: must be a [[pattern]] table, not 1"),
        (b"[[pattern]]\nregex = 'x'\n[[pattern]]\nregex = 'y'\ncase = 'no'\n",
         "pattern 2: case must be true or false (a TOML boolean), not 'no'"),
        (b"[[pattern]]\nregex = 'x'\nreason = 'junk2'\n",
         "pattern 1: reason must be one of boilerplate, related, embed, caption, footer, "
         "credit, not 'junk2'"),
        (b"[[pattern]]\nregex = 'x'\nreason = 'repeated'\n",  # the cleaner's own reason
         "pattern 1: reason must be one of boilerplate, related, embed, caption, footer, "
         "credit, not 'repeated'"),
        (b"[[pattern]]\nregexp = 'x'\n",
         "pattern 1: unknown key 'regexp' (keys: regex, scope, reason, case, then)"),
        (b"[[patterns]]\nregex = 'x'\n", ": unknown key 'patterns' (the entries are [[pattern]])"),
    ],
)  # fmt: skip
def test_a_bad_pattern_file_names_the_file_and_entry(
    tmp_path: Path, toml: bytes, error: str
) -> None:
    path = tmp_path / "mine.toml"
    path.write_bytes(toml)
    with pytest.raises(ConfigError) as caught:
        load_catalogue([path])
    assert str(caught.value) == f"{path}{'' if error[0] == ':' else ' '}{error}"


def test_a_pattern_file_that_is_not_utf8_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_bytes("[[pattern]]\nregex = 'café'\n".encode("latin-1"))
    result = CliRunner().invoke(main, ["clean", "-", "--patterns", str(path)], input=b"x\ny\n")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot read pattern file {path}: not UTF-8 (byte 0xe9 at offset 24)\n"
    )


def test_pattern_entries_are_type_checked_on_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text("[[pattern]]\nregex = 5\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["clean", "-", "--patterns", str(path)], input=b"x\ny\n")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {path} pattern 1: regex must be a string, not 5\n"
