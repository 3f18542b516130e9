"""The scanner's shortcuts: each one skips only places where no pattern can match."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from warta import timeline_grammar as grammar
from warta.dates import DAY_PARTS, MONTHS, fold

_words = st.sampled_from(
    ["Rabu", "malam", "(29/12/2021)", "( 5/1 )", "17 Desember", "17Des", "December 17, 2021",
     "2021-12-29", "29-12-2021", "pukul", "jam", "06.18", "7:55", "WIB", "(20:30 GMT)", "10.000",
     "1,5", "3", "29", "90-an", "1990an", "2015", "1499", "kali", "seminggu", "hari", "lalu",
     "berikutnya", "tiga", "setengah", "tahun", "depan", "Minggu", "kemarin", "Jum'at", "lebih",
     "dari", "tanggal", "tgl.", "selama-lamanya", "se", "setiap", "Januari", "é", "İ", "ß", "١٢",
     "²", "_", "-", "/", ",", ".", "(", ")", "\n", "\xa0", "90an"]
)  # fmt: skip
_texts = st.one_of(
    st.text(max_size=80),
    st.lists(st.one_of(_words, st.text(max_size=4)), max_size=20).map(" ".join),
    st.lists(_words, max_size=20).map("".join),
)
#: The trigger tokens as first written: a look-behind tried at every character.
_PLAIN_TRIGGER = re.compile(r"(?<!\w)" + grammar._alt(grammar._TRIGGERS) + r"(?!\w)|(?<!\w)\d\w*")


@settings(max_examples=500, deadline=None)
@given(_texts)
def test_trigger_tokens_are_the_words_and_numbers_that_begin_a_word(text: str) -> None:
    low = fold(text)
    assert list(grammar._trigger_tokens(low)) == [m.span() for m in _PLAIN_TRIGGER.finditer(low)]


@settings(max_examples=300, deadline=None)
@given(_texts)
def test_chain_pieces_are_tried_wherever_they_can_match(text: str) -> None:
    low = fold(text)
    for at in range(len(low)):
        lead = low[at]
        tried = grammar._DIGIT_PIECES if lead.isdecimal() else grammar._PIECES_AT.get(lead, ())
        for kind, pattern in grammar._PIECES:
            m = pattern.match(low, at)
            if m is not None and m.end() > at:
                assert (kind, pattern) in tried, (kind, low[at:])


@settings(max_examples=500, deadline=None)
@given(_texts)
def test_numbers_are_skipped_only_where_nothing_starts(text: str) -> None:
    low = fold(text)
    every = ("amount", "chain", "year", "set")
    for pos, stop in grammar._trigger_tokens(low):
        if low[pos].isdigit() and not grammar._NUMBER_LEAD.match(low, pos):
            assert grammar._candidates(text, low, pos, low[pos:stop], every) == [], low[pos:]


_PREFIXED = ["a", "ab", "abc", "ab c", "b", "jan", "januari", "jun", "juni", "des", "desember",
             "tengah", "tengah hari", "tengah malam"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([*_PREFIXED, *MONTHS, *DAY_PARTS]), min_size=1),
    st.lists(st.sampled_from([*_PREFIXED, " ", "  ", "x", "i"])).map("".join),
)
def test_trie_alternation_matches_the_flat_one_longest_first(words: list[str], text: str) -> None:
    items = sorted(set(words), key=len, reverse=True)
    flat = re.compile("|".join(re.escape(w).replace(r"\ ", r"\s+") for w in items))
    trie = re.compile(grammar._alt(words))
    for at in range(len(text) + 1):
        a, b = flat.match(text, at), trie.match(text, at)
        assert (a and a.span()) == (b and b.span()), (text, at)
