"""The scanner's shortcuts: each one skips only places where no pattern can match."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from warta import timeline_grammar as grammar
from warta.dates import DAY_PARTS, MONTHS, fold

#: Expressions the shortcuts must let through: one or more for each word that
#: `_FOLLOWED_BY` tests, and numbers of each shape `_NUMBER_LEADS` and `_DIGIT_LEADS` name.
_EXPRESSIONS = [
    "lebih dari tiga hari", "kurang lebih 2 jam", "kurang dari sepekan", "hampir sejam",
    "sekitar 3 bulan", "sekitar tahun 1990", "sedikitnya dua kali sehari", "setidaknya sehari",
    "selama-lamanya setahun", "setiap Senin", "tiap malam", "saban hari", "per bulan",
    "musim hujan", "tahun 2015", "tahun lalu", "tahun ke depan", "pekan depan", "bulan Maret",
    "bulan lalu", "era 1990-an", "dekade 80-an", "awal tahun", "akhir pekan ini",
    "pertengahan Maret", "penghujung 2020", "medio sekitar 1998", "saat ini", "dewasa ini",
    "masa kini", "masa lalu", "masa depan", "waktu itu", "kala itu", "ketika itu",
    "tengah hari", "tengah malam", "dini hari", "pukul 10.00", "pkl. 7:55 WIB", "jam 7 malam",
    "jam 10 WITA", "tanggal 5 Mei", "tgl (5/1)", "tanggal Desember 17, 2021", "hari Senin",
    "hari ini", "hari itu", "hari berikutnya", "hari sebelumnya", "hari yang sama",
    "dua belas hari", "dua puluh lima tahun", "tiga kali sepekan", "beberapa saat",
    "beberapa waktu lalu", "satu setengah tahun", "sejumlah hari", "puluhan tahun",
    "3 hari", "1,5 tahun", "2 kali sehari", "10.00 WIB", "15:30 (20:30 GMT)",
    "10.00-12.00 WIB", "17 Des", "17Des 2021", "2021-12-29", "29/12/2021", "(29/12)",
    "( 11/12/2013 )", "1990-an", "tahun 90an", "2015", "3 setengah jam",
]  # fmt: skip
_words = st.sampled_from(
    ["Rabu", "malam", "(29/12/2021)", "( 5/1 )", "17 Desember", "17Des", "December 17, 2021",
     "2021-12-29", "29-12-2021", "pukul", "jam", "06.18", "7:55", "WIB", "(20:30 GMT)", "10.000",
     "1,5", "3", "29", "90-an", "1990an", "2015", "1499", "kali", "seminggu", "hari", "lalu",
     "berikutnya", "tiga", "setengah", "tahun", "depan", "Minggu", "kemarin", "Jum'at", "lebih",
     "dari", "tanggal", "tgl.", "selama-lamanya", "se", "setiap", "Januari", "é", "İ", "ß", "١٢",
     "²", "_", "-", "/", ",", ".", "(", ")", "\n", "\xa0", "90an", "ini", "itu", "yang", "Rp",
     "2.500", "12/3", "(12/13)", "selama/lamanya", "selama lamanya", *_EXPRESSIONS]
)  # fmt: skip
_texts = st.one_of(
    st.text(max_size=80),
    st.lists(st.one_of(_words, st.text(max_size=4)), max_size=20).map(" ".join),
    st.lists(_words, max_size=20).map("".join),
)
#: The trigger tokens as first written: a look-behind tried at every character, every
#: trigger word and every number.
_PLAIN_TRIGGER = re.compile(r"(?<!\w)" + grammar._alt(grammar._TRIGGERS) + r"(?!\w)|(?<!\w)\d\w*")
#: The numbers that can begin something, as first written (one test for every kind).
_NUMBER_LEAD = re.compile("|".join(grammar._NUMBER_LEADS))


def _number_kinds(word: str, low: str, end: int) -> tuple[str, ...]:
    """The kinds a number was first tried as: all of them, a year and a set by shape."""
    kinds: tuple[str, ...] = ("amount", "chain")
    if len(word) == 4 or (len(word) == 2 and word[1] == "0"):
        kinds += ("year",)
    if low.startswith(" kali", end):
        kinds += ("set",)
    return kinds


def _plain_scan(text: str) -> list[tuple[str, int, int, object]]:
    """`scan` as first written: every plain token tried with every kind it can begin."""
    low = fold(text)
    out: list[tuple[str, int, int, object]] = []
    end = 0
    for token in _PLAIN_TRIGGER.finditer(low):
        pos, stop = token.span()
        if pos < end:
            continue
        word = low[pos:stop]
        if word in grammar._TRIGGERS:
            kinds = grammar._TRIGGERS[word]
        elif _NUMBER_LEAD.match(low, pos):
            kinds = _number_kinds(word, low, stop)
        else:
            continue
        for start, neg_end, _, kind, pieces in sorted(
            grammar._candidates(text, low, pos, word, kinds), key=grammar._order
        ):
            if start >= end:
                end = -neg_end
                out.append((kind, start, end, pieces))
    return out


@settings(max_examples=500, deadline=None)
@given(_texts)
def test_scan_finds_what_every_plain_token_begins(text: str) -> None:
    assert [(c.kind, c.start, c.end, c.pieces) for c in grammar.scan(text)] == _plain_scan(text)


def test_scan_finds_each_expression_the_shortcuts_let_through() -> None:
    for expression in _EXPRESSIONS:
        for text in (expression, f"Kata dia, {expression}.", f"({expression})"):
            found = [(c.kind, c.start, c.end, c.pieces) for c in grammar.scan(text)]
            assert found == _plain_scan(text), text
            assert found, text


@settings(max_examples=500, deadline=None)
@given(_texts)
def test_trigger_tokens_left_out_begin_nothing(text: str) -> None:
    # a trigger word whose `_FOLLOWED_BY` fails, or a number that fails `_NUMBER_LEADS`
    low = fold(text)
    # an ASCII text's search also finds `selama/lamanya` (see `_ASCII_TRIGGER_TOKEN`)
    found = {(p, e) for p, e in grammar._trigger_tokens(low) if low[p:e] in grammar._TRIGGERS}
    found |= {(p, e) for p, e in grammar._trigger_tokens(low) if low[p].isdigit()}
    plain = {m.span() for m in _PLAIN_TRIGGER.finditer(low)}
    assert found <= plain
    for pos, stop in plain - found:
        word = low[pos:stop]
        kinds = grammar._TRIGGERS.get(word) or ("amount", "chain", "year", "set")
        assert grammar._candidates(text, low, pos, word, kinds) == [], low[pos:]


@settings(max_examples=500, deadline=None)
@given(_texts)
def test_numbers_try_every_kind_they_can_begin(text: str) -> None:
    low = fold(text)
    for token in _PLAIN_TRIGGER.finditer(low):
        pos, stop = token.span()
        word = low[pos:stop]
        if word[0].isdigit() and _NUMBER_LEAD.match(low, pos):
            every = grammar._candidates(text, low, pos, word, _number_kinds(word, low, stop))
            kinds = grammar._digit_kinds(word, low, pos, stop)
            assert grammar._candidates(text, low, pos, word, kinds) == every, low[pos:]


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


@settings(max_examples=300, deadline=None)
@given(_texts)
def test_a_chain_word_tries_every_piece_that_can_match_there(text: str) -> None:
    low = fold(text)
    for token in _PLAIN_TRIGGER.finditer(low):
        word = token.group()
        if "chain" in grammar._TRIGGERS.get(word, ()):
            for kind, pattern in grammar._PIECES:
                m = pattern.match(low, token.start())
                if m is not None and m.end() > token.start():
                    assert (kind, pattern) in grammar._PIECES_FOR[word], (kind, word)


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


def test_every_chain_word_has_the_pieces_it_can_begin() -> None:
    chain_words = [w for w, kinds in grammar._TRIGGERS.items() if "chain" in kinds]
    assert [w for w in chain_words if not grammar._PIECES_FOR.get(w)] == []
