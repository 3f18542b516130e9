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
  the unseen words of a news corpus) is its own stem. `tests/test_search.py`
  checks the shortcut against Sastrawi on every word of the shared corpora.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

#: What a Sastrawi rule could remove (its visitors' and disambiguators' patterns, merged).
_AFFIXED = re.compile(
    r"^(?:di|ke|se|be|te|me|pe|ku|kau)"
    r"|^[bcdfghjklmnpqrstvwxyz](?:el|em|er|in)[aiueo]"
    r"|(?:lah|kah|tah|pun|ku|mu|nya|isme|is|i|kan|an)$"
    r"|-"
)
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
    return stemmer.delegatedStemmer  # the uncached stemmer: `stem_word` caches


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


class _Stems(dict[str, str]):
    """word -> stem, filled on first sight; emptied when full (about 40 MB).

    A dict rather than `lru_cache`: `map(_STEMS.__getitem__, words)` runs at C
    speed for the words seen before, which are most words of a corpus.
    """

    limit = 1 << 18

    def __missing__(self, word: str) -> str:
        stem = word if _AFFIXED.search(word) is None else sastrawi_stem(word)
        if len(self) >= self.limit:
            self.clear()
        self[word] = stem
        return stem


_STEMS = _Stems()


def stem_text(text: str) -> str:
    """`text` as Sastrawi stems: lower case, diacritics folded, punctuation dropped.

    Example:
        >>> stem_text("Pembahasan anggaran dibahas DPR.")
        'bahas anggar bahas dpr'
    """
    # Sastrawi's own text normaliser, compiled once; each word's stem is looked up
    # in the cache first.
    return " ".join(map(_STEMS.__getitem__, _NOT_STEMMABLE.sub(" ", fold(text)).split()))


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
