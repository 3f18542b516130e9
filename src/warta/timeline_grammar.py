"""The grammar of Indonesian temporal expressions: where they are, not what they mean.

Built from the shared vocabulary of `warta.dates` (months, days, zones, parts of
the day, units, number words). `scan` finds candidate spans in the folded
(lower-case) text and keeps the leftmost-longest ones; `warta.timeline`
resolves them to TimeML values.

Two kinds of candidate:

- a *chain*: adjacent pieces that together name one day or instant, e.g.
  `Rabu malam (29/12/2021)`, `Minggu (28/12/2014) pukul 10.00 WIB`,
  `kemarin sore`, `pukul 15:30 (20:30 GMT)`, `hari berikutnya`;
- a *phrase*: a duration (`tiga hari`), a relative period (`dua hari lalu`,
  `pekan depan`), a month or year (`Januari 2022`, `tahun 2015`), a set
  (`setiap tahun`) or a reference (`saat ini`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from warta.dates import DAY_PARTS, DAYS, MONTHS, NUMBERS, UNITS, fold

# --- vocabulary as regex alternations -------------------------------------------------

_ABBREVIATED_MONTHS = {"pebr", "febr", "agst", "agus", "sept"}  # `Agus` is also a name
#: Month words allowed on their own (no day number before them): full names only.
FULL_MONTHS = frozenset(
    k for k in MONTHS if (len(k) >= 4 and k not in _ABBREVIATED_MONTHS) or k == "mei"
)
#: Weekday words allowed in running text: full names only (`Sen`, `Min` are words too).
FULL_DAYS = frozenset(k for k in DAYS if len(k) >= 4)


def _alt(words: Iterable[str], then: Mapping[str, str] | None = None) -> str:
    """A regex alternation of `words`, spaces as `\\s+`, shaped as a trie: longest first.

    The engine tries the branches of `a|b|c` one by one, so a flat list of sixty month
    names costs sixty tests wherever a month could start. As a trie, a miss fails at its
    first letter. It matches what the flat list sorted longest first matches: the words
    that can match at one place are prefixes of one another, and both try the longest first.
    A word in `then` matches only where that pattern follows it (a look-ahead).
    """
    return "(?:" + "|".join(_trie_branches(words, then)) + ")"


def _trie_branches(words: Iterable[str], then: Mapping[str, str] | None = None) -> list[str]:
    """The branches of `_alt(words, then)`: one per first letter."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = (then or {}).get(word, "")  # a word ends here; what must follow it
    return _branches(root)


def _branches(node: dict[str, Any]) -> list[str]:
    """One alternative per character that goes on from a trie node."""
    return [
        _TRIE_EDGE.get(ch, re.escape(ch)) + _rest(child) for ch, child in sorted(node.items()) if ch
    ]


def _rest(node: dict[str, Any]) -> str:
    """What may follow the character that leads to a trie node."""
    alts = _branches(node)
    end = node.get("")  # None: no word ends here; "": one does; else what must follow it
    if end:
        alts.append(f"(?={end})")
    if not alts:
        return ""
    group = "(?:" + "|".join(alts) + ")"
    return group + "?" if end == "" else group


_TRIE_EDGE = {" ": r"\s+"}
_MON_ANY = _alt(MONTHS)
_MON_FULL = _alt(FULL_MONTHS)
_DOW = _alt(FULL_DAYS)
_PART = _alt(DAY_PARTS)
_UNIT = _alt(UNITS)
_SE_UNIT = r"se(?P<seunit>hari|pekan|minggu|bulan|tahun|jam|menit|detik|abad|dekade|windu)"
_DIGITS = r"\d{1,4}(?:[.,]\d+)?"
_UNITS_WORD = "|".join(k for k, v in NUMBERS.items() if v < 10)
#: Number words: `tiga`, `dua belas`, `dua puluh lima`, `sepuluh`, `beberapa`.
NUMBER_WORDS = (
    rf"(?:(?:{_UNITS_WORD})\s+(?:belas|puluh(?:\s+(?:{_UNITS_WORD}))?)"
    rf"|{_alt(NUMBERS)}|beberapa|belasan|puluhan|ratusan|sejumlah)"
)
_ZONE = r"wita|wib|wit|utc|gmt|waktu\s+setempat"


def _number_leads(sep: str, dec: str, dash: str) -> list[str]:
    """What follows the start of a number wherever a pattern can match there (a test looser
    than all of them): a clock time or numeric date (`10.00`, `29/12`, `2021-12-29`), a month
    (`17 Des`), a year (`2015`, `90-an`), a unit (`3 hari`, `2 kali`).

    `sep`, `dec` and `dash` match the separators of times and dates, of decimals and the
    dash. Each branch begins with the number's first digit, so that the trigger pattern can
    try them as its own branches (see `_TRIGGER_TOKEN`).
    """
    return [
        rf"\d(?=\d?(?:{sep}\d|\s*{_MON_ANY})|\d{{3}}{dash}\d|0{dash}?an"
        rf"|\d{{0,3}}(?:{dec}\d+)?\s+(?:setengah|kali|{_UNIT}))",
        r"1(?=[5-9]\d\d)",
        r"2(?=0\d\d)",
    ]


_NUMBER_LEADS = _number_leads("[.:/-]", "[.,]", "-")
#: A clock range after a time: `10.00-12.00`, `10.00 s.d. pukul 12.00`.
_TIME_RANGE = r"\s*(?:-|–|s\.?d\.?|sampai|hingga)\s*(?:pukul\s*)?\d{1,2}[.:]\d{2}(?!\d)"
#: What follows the start of a number where each kind of candidate can begin (tests looser
#: than each kind's patterns and checks), so that a number tries only the kinds it can
#: start: most numbers (`10.000 orang`, `Rp 3.885.461`) start none of the chain's pieces.
#: - an amount: a unit after it (`3 hari`, `1 setengah tahun`), not after `-` or `/`;
#: - a chain: a date (`17 Des`, `29/12`, `2021-12-29`; `(29/12)` from its bracket) or a
#:   clock time with no keyword, which takes a zone or a bracketed time (`15:30 (20:30 GMT)`),
#:   not inside a number, date or time (after `.`, `,`, `/`, `:`);
#: - a year: `2015`, `1990an`, `90-an`, not after `.`, `,`, `/`, `-`.
_DIGIT_LEADS = re.compile(
    rf"(?=(?<![-/])(?P<amount>{_DIGITS}\s+(?:setengah|{_UNIT})))?"
    rf"(?=(?<![.,/:])(?P<chain>\d{{1,2}}(?:\s*{_MON_ANY}|[/-]\d"
    rf"|[.:]\d\d(?:{_TIME_RANGE})?\s*(?:{_ZONE}|\())|\d{{4}}-\d))?"
    r"(?=(?<![.,/-])(?P<year>1[5-9]\d\d|20\d\d|\d0-?an))?"
)

# --- chain pieces -----------------------------------------------------------------------

#: Chain pieces: each one's kind and its pattern, matched at one position.
_Pieces = tuple[tuple[str, re.Pattern[str]], ...]
_PIECES: _Pieces = (
    (
        "date",
        re.compile(
            rf"(?:(?:tanggal|tgl\.?)\s*)?(?:"
            rf"(?<![\d.,/:])(?P<d>\d{{1,2}})\s*(?P<mon>{_MON_ANY})\b(?:\.(?=\s*\d))?(?:\s*,?\s*(?P<y>\d{{4}})(?!\d))?"
            rf"|(?P<emon>{_MON_FULL})\s+(?P<ed>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<ey>\d{{4}})(?!\d)"
            rf"|\(\s*(?P<pa>\d{{1,2}})/(?P<pb>\d{{1,2}})(?:/(?P<py>\d{{4}}|\d{{2}}))?\s*\)"
            rf"|(?<![\d.,/:])(?P<na>\d{{1,2}})[/-](?P<nb>\d{{1,2}})[/-](?P<ny>\d{{4}})(?![\d/])"
            rf"|(?<![\d.,/:])(?P<iy>\d{{4}})-(?P<im>\d{{1,2}})-(?P<id>\d{{1,2}})(?!\d))"
        ),
    ),
    (
        "time",
        re.compile(
            r"(?:(?P<kw>pukul|pkl\.?|jam)\s*)?(?<![\d.,:/])(?P<h>\d{1,2})(?:(?P<sep>[.:])(?P<m>\d{2}))?(?![\d.:/]\d)"
            rf"(?:{_TIME_RANGE})?"
            rf"(?:\s*(?P<zone>{_ZONE})\b)?"
            rf"(?:\s*\(\s*(?P<h2>\d{{1,2}})[.:](?P<m2>\d{{2}})\s*(?P<zone2>{_ZONE})\s*\))?"
        ),
    ),
    ("dow", re.compile(rf"(?:(?P<hari>hari)\s+)?(?P<dow>{_DOW})\b")),
    ("part", re.compile(rf"(?P<part>{_PART})(?:\s+hari(?!nya))?\b")),
    (
        "deixis",
        re.compile(
            r"(?P<deixis>kemarin\s+lusa|kemarin|besok|lusa|hari\s+ini|esok\s+hari(?!nya)|esok(?!\s+harinya)"
            r"|keesokan\s+harinya|keesokan\s+hari|esok\s+harinya|hari\s+berikutnya|hari\s+sebelumnya"
            r"|hari\s+itu|hari\s+yang\s+sama|semalam|harinya|tadi|ini|itu|lalu|depan|mendatang|nanti"
            r"|(?:pekan|minggu)\s+(?:depan|lalu|ini))\b"
        ),
    ),
)
_PIECE = dict(_PIECES)
#: What each chain piece's pattern can begin with, besides a digit (dates and times).
_PIECE_LEADS: dict[str, list[str]] = {
    "date": ["tanggal", "tgl", "(", *FULL_MONTHS],
    "time": ["pukul", "pkl", "jam"],
    "dow": ["hari", *FULL_DAYS],
    "part": [*DAY_PARTS],
    "deixis": ["kemarin", "besok", "lusa", "hari", "esok", "keesokan", "semalam", "harinya",
               "tadi", "ini", "itu", "lalu", "depan", "mendatang", "nanti", "pekan", "minggu"],
}  # fmt: skip


def _pieces_by_first_char() -> dict[str, _Pieces]:
    """The pieces that can start at each first character, in `_PIECES` order."""
    table: dict[str, _Pieces] = {}
    for kind, pattern in _PIECES:
        for first in sorted({lead[0] for lead in _PIECE_LEADS[kind]}):
            table[first] = (*table.get(first, ()), (kind, pattern))
    return table


# A gap is mostly followed by a word no piece begins with: trying only the pieces that can
# begin with its first character spares a regex call per piece.
_PIECES_AT = _pieces_by_first_char()
_DIGIT_PIECES = (("date", _PIECE["date"]), ("time", _PIECE["time"]))


def _pieces_by_first_word() -> dict[str, _Pieces]:
    """The pieces that can start with each word, in `_PIECES` order."""
    table: dict[str, _Pieces] = {}
    for kind, pattern in _PIECES:
        for first in sorted({lead.split(" ")[0] for lead in _PIECE_LEADS[kind] if lead != "("}):
            table[first] = (*table.get(first, ()), (kind, pattern))
    return table


# A chain that begins at a trigger word (a whole word) begins with a piece that has that word
# first: `malam` is only a part of the day, where its first letter would try four pieces.
_PIECES_FOR = _pieces_by_first_word()
_GAP = re.compile(r"[ ]*")
_GAP_AFTER_DOW = re.compile(r"[ ]*,?[ ]*")
#: Deixis words that only modify a chain; alone they are not a time.
WEAK = frozenset({"tadi", "ini", "itu", "lalu", "depan", "mendatang", "nanti", "harinya"})
#: Words before a part of the day that make it a meal, a greeting or a market, not a time.
_PART_STOP = frozenset(
    {"makan", "selamat", "pasar", "jam", "sarapan", "hidangan", "acara", "shift", "salat",
     "sholat", "shalat", "jaga", "edisi", "bintang", "kereta", "bus", "minum", "hiburan", "klub",
     "kabar", "dunia", "kehidupan", "tadi"}
)  # fmt: skip
_DOW_STOP = frozenset({"pasar", "jalan", "jl", "jl.", "kampung", "gang", "malam"})
#: Chain pieces begin with one of these words (or a digit, or `(`).
_CHAIN_WORDS = [
    "tanggal", "tgl", "pukul", "pkl", "jam", "hari", "kemarin", "besok", "lusa", "esok",
    "keesokan", "semalam",
    *FULL_MONTHS,
    *FULL_DAYS,
    *(w.split(" ")[0] for w in DAY_PARTS),
]  # fmt: skip

# --- phrases ------------------------------------------------------------------------------

_EDGE = r"(?:(?P<edge>akhir|awal|pertengahan|penghujung|medio)\s+)?"
_REL = (
    r"yang\s+lalu|lalu|silam|sebelumnya|kemudian|berikutnya|setelahnya|sesudahnya|lagi"
    r"|mendatang|ke\s+depan|terakhir|kemarin|depan|ini|itu|nanti"
)
_PHRASES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "amount",
        re.compile(
            r"(?:(?P<approx>hampir|sekitar|kurang\s+lebih|lebih\s+dari|kurang\s+dari|sedikitnya"
            r"|setidaknya|selama-lamanya)\s+)?"
            rf"(?:(?P<num>{_DIGITS}|{NUMBER_WORDS})(?P<andhalf>\s+setengah)?\s+(?P<unit>{_UNIT})"
            rf"|(?P<half>setengah)\s+(?P<hunit>{_UNIT})|{_SE_UNIT}"
            r"|ber(?P<redup>hari|minggu|bulan|tahun|jam|menit|abad)-(?P=redup)"
            r"|(?P<moment>sejenak|sesaat|beberapa\s+saat|beberapa\s+waktu))\b"
            rf"(?:\s+(?P<rel>{_REL})\b)?"
        ),
    ),
    (
        "period",
        re.compile(
            rf"{_EDGE}(?P<unit>pekan|minggu|bulan|tahun)\b(?!\s+\d)(?:\s+(?P<rel>{_REL})\b)?"
        ),
    ),
    (
        "month",
        re.compile(
            rf"{_EDGE}(?:(?P<bulan>bulan)\s+)?(?P<mon>{_MON_FULL})\b(?!\s*\d{{1,2}}\b(?!\d))"
            r"(?:\s+(?P<y>\d{4})(?!\d))?(?:\s+(?P<rel>yang\s+lalu|lalu|silam|kemarin|depan"
            r"|mendatang|ini|nanti)\b)?"
        ),
    ),
    (
        "year",
        re.compile(
            rf"{_EDGE}(?:(?P<sekitar>sekitar)\s+)?(?:(?P<tahun>tahun|thn\.?|era|dekade)\s+)?"
            r"(?<![\w.,/-])(?:(?P<y>1[5-9]\d\d|20\d\d)(?P<an>-?an)?|(?P<dec>\d0)-?an)(?![\w/]|[.,]\d|-\d)"
            r"(?:\s+(?P<rel>lalu|silam|mendatang|nanti)\b)?"
        ),
    ),
    (
        "set",
        re.compile(
            rf"(?:setiap|tiap|saban)\s+(?:(?P<unit>hari|pekan|minggu|bulan|tahun|jam|{_PART})"
            rf"|(?P<dow>{_DOW}))(?:nya)?\b"
            r"|(?:per)\s+(?P<perunit>hari|pekan|minggu|bulan|tahun|jam)\b"
            rf"|(?P<times>{_DIGITS}|{NUMBER_WORDS})\s+kali\s+se(?P<sunit>hari|pekan|minggu|bulan|tahun)\b"
        ),
    ),
    (
        "ref",
        re.compile(
            r"(?P<ref>saat\s+ini|dewasa\s+ini|masa\s+kini|kini|sekarang|saat\s+itu|waktu\s+itu"
            r"|kala\s+itu|ketika\s+itu|masa\s+lalu|masa\s+depan)\b"
        ),
    ),
    (
        "season",
        re.compile(r"musim\s+(?P<season>penghujan|hujan|kemarau|dingin|panas|semi|gugur)\b"),
    ),
)
#: Words after a bare year that make it a count (`2015 orang`), not a year.
_COUNT_NOUNS = frozenset(
    {"orang", "unit", "kg", "ton", "km", "meter", "m", "buah", "ekor", "kali", "hektare", "ha",
     "rumah", "jiwa", "kendaraan", "personel", "penumpang", "lembar", "butir", "persen", "mw",
     "liter", "barel"}
)  # fmt: skip
_COUNT_BEFORE = re.compile(r"(?:rp\.?|no\.?|nomor|nomer|pasal|kode|kilometer|km)\s*$")
_WORD_AFTER = re.compile(r"\s*(\w+)")


_PHRASE_RANK = {kind: (rank, pattern) for rank, (kind, pattern) in enumerate(_PHRASES)}
_EDGES = ["akhir", "awal", "pertengahan", "penghujung", "medio"]
_COUNTS = [*NUMBERS, "beberapa", "belasan", "puluhan", "ratusan", "sejumlah"]
_SE = ["hari", "pekan", "minggu", "bulan", "tahun", "jam", "menit", "detik", "abad", "dekade",
       "windu"]  # fmt: skip
_REDUP = ["hari", "minggu", "bulan", "tahun", "jam", "menit", "abad"]
_TRIGGER_WORDS: dict[str, list[str]] = {
    "amount": [*_COUNTS, "hampir", "sekitar", "kurang", "lebih", "sedikitnya", "setidaknya",
               "selama-lamanya", "setengah", "sejenak", "sesaat", *("se" + u for u in _SE),
               *("ber" + u for u in _REDUP)],
    "period": [*_EDGES, "pekan", "minggu", "bulan", "tahun"],
    "month": [*_EDGES, "bulan", *FULL_MONTHS],
    "year": [*_EDGES, "sekitar", "tahun", "thn", "era", "dekade"],
    "set": ["setiap", "tiap", "saban", "per", *_COUNTS],
    "ref": ["saat", "dewasa", "masa", "kini", "sekarang", "waktu", "kala", "ketika"],
    "season": ["musim"],
    "chain": _CHAIN_WORDS,
}  # fmt: skip
_TRIGGERS: dict[str, tuple[str, ...]] = {}
for _kind, _words in _TRIGGER_WORDS.items():
    for _word in _words:
        if _kind not in _TRIGGERS.get(_word, ()):  # `tengah` begins two parts of the day
            _TRIGGERS[_word] = (*_TRIGGERS.get(_word, ()), _kind)

#: What must follow some frequent trigger words for any of their patterns to match there
#: (a test looser than each of them): `tahun` begins an expression only before a year or a
#: relative word (`tahun 2015`, `tahun lalu`), `lebih` only as `lebih dari`. The trigger
#: pattern tests it, so that the other `tahun`, `lebih`, `satu` are not tokens at all.
_FOLLOWED_BY: dict[str, str] = {
    # amounts and sets of a number word (`dua belas hari`, `tiga kali sepekan`, `beberapa saat`)
    **dict.fromkeys(_COUNTS, rf"\s+(?:setengah|kali|belas|puluh|saat|waktu|{_UNIT})"),
    "lebih": r"\s+dari\s",
    "kurang": r"\s+(?:lebih|dari)\s",
    # an amount after `hampir`, `sekitar` (`hampir tiga hari`, `sekitar sejam`), or a year
    **dict.fromkeys(
        ["hampir", "sekitar", "sedikitnya", "setidaknya", "selama-lamanya"],
        rf"\s+(?:\d|se|ber|tahun|thn|era|dekade|{_alt(_COUNTS)})",
    ),
    # sets (`setiap Senin`, `per hari`) and seasons (`musim hujan`)
    **dict.fromkeys(
        ["setiap", "tiap", "saban"],
        rf"\s+(?:hari|pekan|minggu|bulan|tahun|jam|{_PART}|{_DOW})",
    ),
    "per": r"\s+(?:hari|pekan|minggu|bulan|tahun|jam)",
    "musim": r"\s+(?:penghujan|hujan|kemarau|dingin|panas|semi|gugur)",
    # periods (`tahun lalu`), years (`tahun 2015`), months (`bulan Maret`), edges of them
    "tahun": rf"\s+(?:\d|{_REL})",
    "pekan": rf"\s+(?:{_REL})",
    "bulan": rf"\s+(?:{_REL}|{_MON_FULL})",
    "era": r"\s+\d",
    "dekade": r"\s+\d",
    **dict.fromkeys(
        _EDGES, rf"\s+(?:pekan|minggu|bulan|tahun|thn|era|dekade|sekitar|\d|{_MON_FULL})"
    ),
    # references (`saat ini`, `masa lalu`)
    **dict.fromkeys(
        ["saat", "dewasa", "masa", "waktu", "kala", "ketika"], r"\s+(?:ini|itu|kini|lalu|depan)"
    ),
    # chains: `tengah malam`, `dini hari`, `pukul 10`, `hari Senin`, `hari ini`
    "tengah": r"\s+(?:hari|malam)",
    "dini": r"\s+hari",
    **dict.fromkeys(["pukul", "pkl", "jam"], r"\.?\s*\d"),
    **dict.fromkeys(["tanggal", "tgl"], rf"\.?\s*(?:\d|\(|{_MON_FULL})"),
    "hari": rf"\s+(?:ini|itu|berikutnya|sebelumnya|yang|{_DOW})",
}


# Only the tokens that can start an expression: a vocabulary word or a number. Finding
# them with one regex skips the other words in C instead of looking each one up.


def _trigger_token(lead: str, number_leads: list[str], *, spaced: bool = False) -> str:
    """The trigger pattern: a character `lead`, then a trigger word or a number.

    `spaced`: for a text whose characters other than `[a-z0-9_]` are spaces (`_SPACED`),
    where `selama-lamanya` reads `selama lamanya`.
    """
    spell = (lambda word: re.sub(r"[^a-z0-9_]", " ", word)) if spaced else (lambda word: word)
    then = {spell(word): after for word, after in _FOLLOWED_BY.items()}
    branches = [*_trie_branches(map(spell, _TRIGGERS), then), *(n + r"\w*" for n in number_leads)]
    return lead + "(?:" + "|".join(branches) + r")\b"


#: A trigger token with the character before it (scan a text with a space put in front). The
#: engine skips to that character with a byte-set test, where `(?<!\w)` would run a Unicode
#: look-behind at every character, twice as slow; the non-ASCII letters the set lets through
#: are dropped by `_trigger_tokens`. Every trigger word ends in a letter, so `\b` is `(?!\w)`;
#: a number's `\w*` ends at a word's end. The trigger words' first letters and the number
#: leads are the branches of one alternation: the engine tests each branch's first character
#: before it enters it, so a word that begins no token costs one test per branch.
_TRIGGER_TOKEN = re.compile(_trigger_token("[^a-z0-9_]", _NUMBER_LEADS))
#: `_TRIGGER_TOKEN` for an ASCII text whose characters other than `[a-z0-9_]` are made spaces
#: (`_SPACED`, one byte each: the offsets stay): the engine then skips to the next space
#: with a plain character compare, where it tests each character against a set (a quarter
#: of the search). A folded ASCII text has no upper-case letters, and its `\w`, `\d` and `\b`
#: are the ASCII ones, so it finds the same tokens; a number's separators are spaces there,
#: so it lets more numbers through (`3 4`), which then begin nothing, and more words
#: (`selama/lamanya` for `selama-lamanya`), which `scan` does not find in `_TRIGGERS`.
_ASCII_TRIGGER_TOKEN = re.compile(
    _trigger_token(" ", _number_leads(" ", " ", " "), spaced=True).encode()
)
_WORD_BYTES = b"abcdefghijklmnopqrstuvwxyz0123456789_"
_SPACED = bytes(b if b in _WORD_BYTES else ord(" ") for b in range(256))


def _digit_kinds(word: str, low: str, pos: int, end: int) -> tuple[str, ...]:
    """What a number can start (see `_DIGIT_LEADS`); a year, a set also by shape."""
    if not word[0].isdigit():
        return ()
    leads = _DIGIT_LEADS.match(low, pos)
    if leads is None:  # never: each part is optional
        return ()
    amount, chain, year = leads.groups()
    kinds: tuple[str, ...] = ()
    if amount is not None:
        kinds += ("amount",)
    if chain is not None:
        kinds += ("chain",)
    if year is not None and (len(word) == 4 or (len(word) == 2 and word[1] == "0")):
        kinds += ("year",)
    if low.startswith(" kali", end):
        kinds += ("set",)
    return kinds


@dataclass(slots=True)
class Candidate:
    """A span of text that names a time, before resolution.

    `kind` is `chain` (then `pieces` maps a piece kind to its groups) or a
    phrase kind (`amount`, `period`, `month`, `year`, `set`, `ref`, `season`;
    then `pieces` has that one kind). Not frozen: a frozen dataclass sets each
    field through `object.__setattr__`, and `scan` makes one per expression.
    """

    kind: str
    start: int
    end: int
    pieces: Mapping[str, Mapping[str, str | None]]


def scan(text: str) -> list[Candidate]:
    """The non-overlapping temporal candidates of `text`, leftmost-longest, in order.

    Args:
        text: any text.

    Returns:
        Candidates sorted by start offset; offsets index into `text`.

    Example:
        >>> [(c.kind, c.start, c.end) for c in scan("Rabu malam (29/12/2021) dan 2 hari")]
        [('chain', 0, 23), ('amount', 28, 34)]
    """
    low = fold(text)
    out: list[Candidate] = []
    end = 0
    # Every expression starts at a word of the vocabulary (or a number): try the patterns
    # only there. A regex search from every character is ten times slower.
    padded = " " + low  # see `_TRIGGER_TOKEN`
    for pos, stop in _trigger_spans(padded):
        # `padded` is one longer: the token's first character in `low` is at `pos`.
        # A token's candidates start at or before it and after the last token's: one inside
        # the last candidate kept can only give candidates that overlap it.
        if pos < end or padded[pos].isalnum():  # else inside a word with a non-ASCII letter
            continue
        word = low[pos : stop - 1]
        kinds = _TRIGGERS.get(word) or _digit_kinds(word, low, pos, stop - 1)
        if not kinds:
            continue
        found = _candidates(text, low, pos, word, kinds)
        if len(found) > 1:
            found.sort(key=_order)
        for start, neg_end, _, kind, pieces in found:
            if start >= end:
                end = -neg_end
                out.append(Candidate(kind, start, end, pieces))
    return out


def _trigger_tokens(low: str) -> Iterator[tuple[int, int]]:
    """The spans of the trigger words and numbers in `low`, in order (as `scan` finds them)."""
    padded = " " + low
    for pos, stop in _trigger_spans(padded):
        if not padded[pos].isalnum():
            yield pos, stop - 1


def _trigger_spans(padded: str) -> Iterator[tuple[int, int]]:
    """The spans of `_TRIGGER_TOKEN` in `padded`, each with the character before the token."""
    if padded.isascii():
        return map(re.Match.span, _ASCII_TRIGGER_TOKEN.finditer(padded.encode().translate(_SPACED)))
    return map(re.Match.span, _TRIGGER_TOKEN.finditer(padded))


#: A candidate as `_candidates` finds it: start, minus end (longest first), rank (chains
#: first, then phrases in `_PHRASES` order), kind and pieces. Most are not kept: `scan`
#: makes a `Candidate` of the ones it keeps.
_Found = tuple[int, int, int, str, dict[str, dict[str, str | Any]]]


def _candidates(text: str, low: str, pos: int, word: str, kinds: tuple[str, ...]) -> list[_Found]:
    """The candidates a trigger `word` at `pos` starts."""
    found: list[_Found] = []
    for kind in kinds:
        if kind == "chain":
            starts: list[tuple[int, _Pieces]] = []
            if word[0].isdigit():
                at = _paren_start(low, pos)  # `(29/12)`: the chain may begin at the bracket
                if at != pos:
                    starts.append((at, _PIECES_AT["("]))
                starts.append((pos, _DIGIT_PIECES))
            else:
                starts.append((pos, _PIECES_FOR[word]))
            for start, first in starts:
                chain = _chain(text, low, start, first)
                if chain is not None:
                    found.append((start, -chain[0], -1, "chain", chain[1]))
            continue
        rank, pattern = _PHRASE_RANK[kind]
        m = pattern.match(low, pos)
        if m is not None and m.end() > pos:
            g = m.groupdict()
            if _phrase_ok(kind, m, g, text, low):
                found.append((pos, -m.end(), rank, kind, {kind: g}))
    return found


def _order(item: _Found) -> tuple[int, int, int]:
    """Leftmost, then longest, then chains before phrases and phrases in `_PHRASES` order."""
    return item[:3]


def _paren_start(low: str, pos: int) -> int:
    """The `(` right before a number (`(29/12)`, `( 11/12/2013 )`), else `pos`."""
    at = pos - 1
    while at >= 0 and low[at] == " ":
        at -= 1
    return at if at >= 0 and low[at] == "(" else pos


def _chain(
    text: str, low: str, pos: int, tried: _Pieces
) -> tuple[int, dict[str, dict[str, str | Any]]] | None:
    """The end and pieces of the longest chain starting at `pos`, or None when it names no time.

    `tried` are the pieces the chain can begin with; each next piece follows a gap of spaces
    (or a comma after a weekday), or a `(` right after the last.
    """
    pieces: dict[str, dict[str, str | Any]] = {}
    at = end = pos
    while True:
        for kind, pattern in tried:
            if kind in pieces:
                continue
            m = pattern.match(low, at)
            if m is None or m.end() == at:
                continue
            if _piece_ok(kind, m, text, low, not pieces):
                pieces[kind] = m.groupdict()
                end = m.end()
                break
        else:
            break
        at = _gap_end(low, end, kind)
        if at < 0:
            break
        lead = low[at : at + 1]
        tried = _DIGIT_PIECES if lead.isdecimal() else _PIECES_AT.get(lead, ())
    if not pieces or not _chain_ok(pieces):
        return None
    return end, pieces


def _gap_end(low: str, pos: int, after: str) -> int:
    """Where the piece after one of kind `after` ending at `pos` would start, or -1."""
    lead = low[pos : pos + 1]
    if lead == "(":
        return pos
    if lead != " " and (lead != "," or after != "dow"):
        return -1  # no gap: a piece ends the chain
    gap = (_GAP_AFTER_DOW if after == "dow" else _GAP).match(low, pos)
    at = gap.end() if gap else pos
    if "," in low[pos:at] and not _PIECE["date"].match(low, at):
        return -1
    return at


def _piece_ok(kind: str, m: re.Match[str], text: str, low: str, first: bool) -> bool:
    """Context checks the regexes cannot express (case, number ranges, neighbours)."""
    start = m.start()
    if start > 0 and (low[start - 1].isalnum() or low[start - 1] == "-"):
        return False
    if kind == "dow":
        # a weekday is capitalised (`Rabu`), or follows `hari`; lower-case `minggu` is a week;
        # `Pasar Minggu`, `Jalan Kamis` are places
        before = low[max(0, start - 12) : start].split()
        if before and before[-1] in _DOW_STOP:
            return False
        return bool(m["hari"]) or text[m.start("dow")].isupper()
    if kind == "time":
        h, mi = int(m["h"]), int(m["m"] or 0)
        if h > 24 or mi > 59:
            return False
        if m["kw"] in ("pukul", "pkl", "pkl."):
            return True
        if m["kw"] == "jam":
            return m["m"] is not None or m["zone"] is not None
        # a bare `15:30` is a time only with a zone or a bracketed zone time after it
        return m["m"] is not None and (m["zone"] is not None or m["h2"] is not None)
    if kind == "date":
        return _date_ok(m)
    if kind == "part" and first:
        before = low[max(0, start - 20) : start].split()
        return not (before and before[-1] in _PART_STOP)
    return True


def _date_ok(m: re.Match[str]) -> bool:
    """Day and month numbers in range (`(2/3)` as a fraction is still let through)."""
    pairs = ((m["pa"], m["pb"]), (m["na"], m["nb"]), (m["id"], m["im"]))
    for a, b in pairs:
        if a is not None and b is not None:
            x, y = int(a), int(b)
            return (1 <= x <= 31 and 1 <= y <= 12) or (1 <= y <= 31 and 1 <= x <= 12)
    day = m["d"] or m["ed"]
    return day is not None and 1 <= int(day) <= 31


def _chain_ok(pieces: Mapping[str, Mapping[str, str | None]]) -> bool:
    """A chain names a time when it has more than modifiers."""
    if len(pieces) > 1 or "deixis" not in pieces:
        return True
    word = " ".join((pieces["deixis"]["deixis"] or "").split())
    return word not in WEAK and not word.startswith(("pekan ", "minggu "))


def _phrase_ok(
    kind: str, m: re.Match[str], g: Mapping[str, str | Any], text: str, low: str
) -> bool:
    """Context checks for phrases: word boundaries, capitals and bare numbers."""
    start = m.start()
    if start > 0 and (low[start - 1].isalnum() or low[start - 1] in "-/"):
        return False
    if kind == "month":
        return bool(g["bulan"] or g["edge"]) or text[m.start("mon")].isupper()
    if kind == "period" and g["rel"] is None and g["edge"] is None:
        return False
    if kind == "period" and g["unit"] == "minggu":
        return text[m.start("unit")].islower() or g["edge"] is not None
    if kind == "year" and not (g["tahun"] or g["edge"] or g["sekitar"]):
        if g["dec"] is not None:
            return False
        after = _WORD_AFTER.match(low, m.end())
        if after and after.group(1) in _COUNT_NOUNS:
            return False
        return not _COUNT_BEFORE.search(low[max(0, start - 12) : start])
    return True
