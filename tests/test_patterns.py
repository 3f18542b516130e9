"""The boilerplate catalogue: the needles that let a plain `in` test rule a text out."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warta.patterns import _needles, load_catalogue

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


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_every_text_a_pattern_matches_holds_its_needles(data: st.DataObject) -> None:
    pattern = data.draw(st.sampled_from(PATTERNS))
    text = data.draw(st.from_regex(pattern.regex))
    assert pattern.regex.search(text)
    assert pattern.may_match(text)
