"""Indonesian stems for the search index: Sastrawi's, with a fast path it cannot change.

Sastrawi (Nazief-Adriani with the CS/ECS rules and a 30,000-word dictionary)
finds `bahas` in `membahas`, `dibahas` and `pembahasan`. It is pure Python and
tries every rule on a word it does not know: about 0.1 ms a word. Two things
make a corpus cheap:

- `stem_word` caches each word (a corpus repeats most of its words);
- a word Sastrawi cannot change skips it: Sastrawi only ever removes a particle,
  possessive or derivational suffix (`-lah -kah -tah -pun -ku -mu -nya -i -kan
  -an -is -isme -isasi`), a prefix (`di- ke- se- be- te- me- pe- ku- kau-`) or an
  infix (`-el- -em- -er- -in-` after the first consonant), and splits words with
  a hyphen. A word with none of these (names, numbers, most foreign words: 40% of
  the unseen words of a news corpus) is its own stem;
- Sastrawi's answer is a dictionary word or the word itself, and the dictionary
  word is always a piece of the word: what is left after removing a prefix chain
  and a suffix chain, with at most one letter put back in front (`p t k s`, as in
  `memukul` -> `pukul`, or the consonant before an infix, `kinerja` -> `kerja`).
  A word with no such piece that is a dictionary word (`jokowi`, `postingan`: 31%
  of the affixed words of the shared corpora) is its own stem too, and costs a few
  set lookups instead of about 120 µs of Sastrawi trying every rule. Hyphenated
  words follow Sastrawi's plural rule with the cached stems of their parts.

`tests/test_stemming.py` checks both shortcuts against Sastrawi on every word of
the shared corpora.
"""

from __future__ import annotations

import codecs
import re
import sys
import unicodedata
from functools import lru_cache
from typing import Any

#: What a Sastrawi rule could remove (its visitors' and disambiguators' patterns, merged).
#: What Sastrawi's prefix rules start with: plain and disambiguated prefixes, and
#: the infixes `-el- -em- -er- -in-` after the first consonant.
_PREFIX_RULES = r"di|ke|se|be|te|me|pe|ku|kau|[bcdfghjklmnpqrstvwxyz](?:el|em|er|in)[aiueo]"
_PREFIXED = re.compile(_PREFIX_RULES)  # used with .match: at the start
_AFFIXED = re.compile(rf"^(?:{_PREFIX_RULES})|(?:lah|kah|tah|pun|ku|mu|nya|isme|is|i|kan|an)$|-")
_NOT_STEMMABLE = re.compile(r"[^a-z0-9 -]+")  # applied to folded (lower-case) text


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    """Sastrawi's stemmer, with its dictionary made a set.

    Sastrawi 1.0.1 keeps its 30,000 root words in a list and tests membership
    with `in`: about 6 ms a word. A frozenset on this instance makes it 16 µs
    (the words and the results are the same). Stems never depend on what was
    stemmed before, so one stemmer per process is safe to share.
    """
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    stemmer = StemmerFactory().create_stemmer()
    dictionary = stemmer.delegatedStemmer.dictionary
    dictionary.words = frozenset(dictionary.words)
    for name in SASTRAWI_LITERAL_SUBS:
        setattr(sys.modules[name], "re", _LITERAL_SUB_RE)  # noqa: B010 (a module of Sastrawi)
    return stemmer.delegatedStemmer  # the uncached stemmer: `stem_word` caches


#: Sastrawi's modules that note what a rule removed with `re.sub(rest, "", word, 1)`:
#: `rest` is the word left (`bahas` of `membahas`), used as a pattern. Each new word
#: put new patterns into `re`'s cache of 512, which pushed out every other
#: pattern used by name (Sastrawi's own rules, and the rest of the process's): 1.7
#: compiles a word, half of Sastrawi's time. `_LiteralSubRe` makes that call a
#: `str.replace`: 29 against 55 µs a word Sastrawi stems, the same stems
#: (`tests/test_stemming.py` compares every word of the shared corpora).
SASTRAWI_LITERAL_SUBS = tuple(
    f"Sastrawi.Stemmer.Context.Visitor.{name}"
    for name in ("AbstractDisambiguatePrefixRule", "RemoveDerivationalSuffix",
                 "RemoveInflectionalParticle", "RemoveInflectionalPossessivePronoun",
                 "RemovePlainPrefix")
)  # fmt: skip
_LITERAL = re.compile(r"[a-z0-9-]*")  # no character of it means anything in a pattern


class _LiteralSubRe:
    """`re` for `SASTRAWI_LITERAL_SUBS`: `sub` of a pattern with no special character by
    nothing is `str.replace` (the same result); anything else is `re`'s own."""

    def __getattr__(self, name: str) -> Any:
        return getattr(re, name)

    @staticmethod
    def sub(pattern: Any, repl: Any, string: str, count: int = 0, flags: int = 0) -> str:
        if repl == "" and not flags and isinstance(pattern, str) and _LITERAL.fullmatch(pattern):
            return string.replace(pattern, "", count or -1)
        return re.sub(pattern, repl, string, count=count, flags=flags)


_LITERAL_SUB_RE = _LiteralSubRe()


def sastrawi_stem(word: str) -> str:
    """Sastrawi's own stem of one word, without the shortcut or the cache."""
    return str(_stemmer().stem(word))


def stem_word(word: str) -> str:
    """The Sastrawi stem of one (lower-case, folded) word.

    Example:
        >>> stem_word("membahas"), stem_word("putin"), stem_word("2021")
        ('bahas', 'putin', '2021')
    """
    return _STEMS[word]


#: Words the stem cache holds at most (about 40 MB) before it is emptied.
STEM_CACHE_WORDS = 1 << 18


class _Stems(dict[str, str]):
    """word -> stem, filled on first sight; emptied when full (about 40 MB).

    A dict rather than `lru_cache`: `map(_STEMS.__getitem__, words)` runs at C
    speed for the words seen before, which are most words of a corpus.
    """

    def __missing__(self, word: str) -> str:
        stem = _stem_plural(word) if _is_plural(word) else _stem_singular(word)
        if len(self) >= STEM_CACHE_WORDS:
            self.clear()
        self[word] = stem
        return stem


_STEMS = _Stems()

#: A suffix chain Sastrawi removes, in its order from the end: particle, possessive, derivational.
_SUFFIX_CHAIN = re.compile(
    r"(?:isasi|isme|is|i|kan|an)?(?:-*(?:ku|mu|nya))?(?:-*(?:lah|kah|tah|pun))?"
)
_LONGEST_CHAIN = 20  # "isasi-nya-lah" is 13; a few hyphens more are allowed for
_INFIXES = frozenset(("el", "em", "er", "in"))
_INFLECTIONS = frozenset(("ku", "mu", "nya", "lah", "kah", "tah", "pun"))
_PLURAL_INFLECTED = re.compile(rf"(.*)-(?:{'|'.join(sorted(_INFLECTIONS))})")


def _is_plural(word: str) -> bool:
    """Sastrawi's `Stemmer.is_plural`: a hyphen that is not only before a final `-nya`, `-lah`..."""
    if "-" not in word:
        return False
    inflected = _PLURAL_INFLECTED.fullmatch(word)
    return inflected is None or "-" in inflected.group(1)


def _stem_plural(word: str) -> str:
    """Sastrawi's `Stemmer.stem_plural_word`, with the cached singular stems.

    `berbalas-balasan` -> `balas`; parts with different stems keep the word.
    """
    first, _, second = word.rpartition("-")  # Sastrawi's greedy ^(.*)-(.*)$
    if second in _INFLECTIONS and "-" in first:  # malaikat-malaikat-nya
        first, _, middle = first.rpartition("-")
        second = f"{middle}-{second}"
    root1, root2 = _singular(first), _singular(second)
    if root2 == second and second not in _roots()[0]:  # meniru-nirukan -> tiru
        root2 = _singular("me" + second)
    return root1 if root1 == root2 else word


def _singular(word: str) -> str:
    """Sastrawi's stem of one word taken as singular (cached when it has no hyphen)."""
    return _STEMS[word] if "-" not in word else _stem_singular(word)


def _stem_singular(word: str) -> str:
    """Sastrawi's `Stemmer.stem_singular_word`, asked only when it could change the word."""
    if _AFFIXED.search(word) is None or not _may_change(word):
        return word
    return str(_stemmer().stem_singular_word(word))


def _may_change(word: str) -> bool:
    """Whether Sastrawi's rules could bring `word` to a dictionary word other than itself.

    Sastrawi returns `word` unless the word left after its removals is in the
    dictionary. Prefix rules take letters off the front (`k` of them) and may put
    one back (`p t k s`, or the first consonant before an infix); suffix rules take
    a chain off the end (and `kan` may give back its `k`). So a changed stem is a
    dictionary word equal to `word[k:j]`, to a letter plus `word[k:j]`, or to
    `word[k-3] + word[k:j]` after an infix, for a start `k` (0 unless a prefix rule
    applies) and an end `j` where a suffix chain begins.

    Example:
        >>> _may_change("membahas"), _may_change("jokowi"), _may_change("bahas")
        (True, False, False)
    """
    roots, recoded = _roots()
    if word in roots:
        return False  # Sastrawi's first step: a dictionary word is its own stem
    n = len(word)
    ends = {n}
    for j in range(max(1, n - _LONGEST_CHAIN), n):
        if _SUFFIX_CHAIN.fullmatch(word, j):
            ends.add(j)
            if word.startswith("kan", j):
                ends.add(j + 1)  # Sastrawi's "loop pengembalian akhiran" puts back the k
    starts = range(n) if _PREFIXED.match(word) else range(1)
    for k in starts:
        for j in ends:
            if j <= k or (k == 0 and j == n):
                continue
            piece = word[k:j]
            if piece in roots or (k and piece in recoded):
                return True
            if k >= 3 and word[k - 2 : k] in _INFIXES and word[k - 3] + piece in roots:
                return True
    return False


@lru_cache(maxsize=1)
def _roots() -> tuple[frozenset[str], frozenset[str]]:
    """Sastrawi's dictionary, and its words that start with `p t k s` without that letter."""
    roots: frozenset[str] = _stemmer().dictionary.words
    return roots, frozenset(r[1:] for r in roots if len(r) > 1 and r[0] in "ptks")


def stem_text(text: str) -> str:
    """`text` as Sastrawi stems: lower case, diacritics folded, punctuation dropped.

    Example:
        >>> stem_text("Pembahasan anggaran dibahas DPR.")
        'bahas anggar bahas dpr'
    """
    # each word's stem is looked up in the cache first
    return " ".join(map(_STEMS.__getitem__, _text_words(text)))


def _text_words(text: str) -> list[str]:
    """`words(fold(text))`, without the folded text.

    An ASCII text goes through one byte table that lowers it too. Any other is
    decomposed (NFKD) and encoded as ASCII, each run of other characters by
    `_fold_run`: 30 against 63 µs for an article with curly quotes or Arabic (most of
    `fold`'s time is its regex looking for those runs, and lower-casing them).
    """
    if text.isascii():
        return text.encode().translate(_STEMMABLE_ASCII).decode().split()
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", _FOLD_RUN)
    return ascii_text.translate(_STEMMABLE_ASCII).decode().split()


def _fold_run(error: UnicodeError) -> tuple[str, int]:
    """What `words(fold(...))` makes of a run of non-ASCII characters of decomposed text:
    nothing when they are all combining marks (`fold` drops them, so `re\u0301sume\u0301`
    is one word), else a space (`words` reads every byte of such a character as a space:
    none lowers to ASCII, `tests/test_stemming.py` checks every one)."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    run = error.object[error.start : error.end]
    return ("" if all(map(unicodedata.combining, run)) else " "), error.end


_FOLD_RUN = "warta.fold-run"  # the codec error handler `_text_words` encodes with
codecs.register_error(_FOLD_RUN, _fold_run)


def words(folded: str) -> list[str]:
    """The words Sastrawi's normaliser keeps in folded text: runs of `a-z 0-9 -`.

    The same as `_NOT_STEMMABLE.sub(" ", folded).split()`, done with a byte table
    (twice as fast): every byte of a non-ASCII character becomes a space too.

    Example:
        >>> words("kata “kunci”, ke-2 é")
        ['kata', 'kunci', 'ke-2']
    """
    return folded.encode("utf-8", "surrogatepass").translate(_STEMMABLE_BYTES).decode().split()


_STEMMABLE_BYTES = bytes(
    b if chr(b) in "abcdefghijklmnopqrstuvwxyz0123456789 -" else 0x20 for b in range(256)
)
#: `_STEMMABLE_BYTES` of lower-cased ASCII: `A-Z` become `a-z` first.
_STEMMABLE_ASCII = bytes(
    _STEMMABLE_BYTES[ord(chr(b).lower()) if b < 0x80 else b] for b in range(256)
)


def fold(text: str) -> str:
    """Lower case without diacritics (as FTS5's `remove_diacritics` tokenizer sees it).

    Example:
        >>> fold("Café Ñusa")
        'cafe nusa'
    """
    if text.isascii():
        return text.lower()
    # Only the non-ASCII runs can hold combining marks (a regex class of all 900 is slow).
    return _NON_ASCII.sub(_drop_marks, unicodedata.normalize("NFKD", text)).lower()


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _drop_marks(run: re.Match[str]) -> str:
    return run.group().translate(_marks())


@lru_cache(maxsize=1)
def _marks() -> dict[int, None]:
    """A `str.translate` table deleting every combining character."""
    return dict.fromkeys(c for c in range(0x110000) if unicodedata.combining(chr(c)))
