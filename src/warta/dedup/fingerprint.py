"""Fingerprints of article texts: pure functions, no state.

A text becomes words (lowercased, punctuation dropped), word shingles (`k`
consecutive words, hashed to 64 bits with numpy), one MinHash signature per text
(rensa's R-MinHash over the shingle hashes) and LSH band keys (`rows`
consecutive signature values mixed into one signed 64-bit key per band). An
exact key (the hash of the normalised words) goes in band `EXACT_BAND`, so the
same table finds exact and near copies.

Example:
    >>> from warta.dedup.fingerprint import DedupSettings, fingerprint_texts
    >>> fp = fingerprint_texts(["satu dua tiga empat lima enam tujuh delapan sembilan sepuluh"],
    ...                        DedupSettings())
    >>> fp[0].kind, fp[0].words
    ('short', 10)
"""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt
from rensa import RMinHash

from warta.settings import DedupSettings as DedupSettings  # defined with the run settings

#: The band of exact keys in the band table (MinHash bands are 0..bands-1).
EXACT_BAND = -1

Kind = Literal["none", "short", "minhash"]

#: Punctuation that `normalise` reads as a space: ASCII, and the typographic marks.
_WIDE_PUNCT = "“”‘’–—…«»•·"
# ASCII punctuation as a byte table: `str.translate` with a dict looks up every
# character of a text that is not pure ASCII (126 µs for a text with one curly quote).
_ASCII_PUNCT = bytes(0x20 if chr(b) in string.punctuation else b for b in range(256))
# `normalise` of an ASCII text in one pass over its bytes: lower case, punctuation, and
# the separators `str.split` reads as spaces and `bytes.split` does not (\x1c-\x1f).
_ASCII_WORDS = bytes(
    0x20 if chr(b) in string.punctuation or 0x1C <= b <= 0x1F else ord(chr(b).lower()) if b < 0x80
    else b for b in range(256)
)  # fmt: skip
# Odd 64-bit multipliers (from splitmix/xxhash): position-dependent mixing of word hashes.
_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
     0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9],
    dtype=np.uint64,
)  # fmt: skip
#: Wire agencies, as their credits print them.
_WIRE_NAMES = ("ANTARA", "Antaranews", "Antara News", "ANTARA FOTO", "Reuters", "AFP", "Xinhua",
               "Bernama", "Associated Press")  # fmt: skip
_WIRE = re.compile(rf"\b(?:{'|'.join(map(re.escape, _WIRE_NAMES))})\b")


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What dedup knows about one text.

    Attributes:
        kind: `none` (too short to match), `short` (exact key only) or `minhash`.
        words: words in the normalised text.
        shingles: distinct shingles (0 unless `kind == "minhash"`).
        exact: the exact key (None for `none`).
        signature: the MinHash signature as little-endian uint32 bytes (`minhash` only).
        bands: LSH band keys, one per band (`minhash` only), as little-endian int64 bytes
            (`band_keys_of`): a build sends every fingerprint from a worker to the writer,
            which reads all of a batch's keys into one array.
        wire: the article is credited to a wire agency: its text names one (ANTARA,
            Reuters, AFP, ...), or it has an `agency` (given to `fingerprint_texts`).
    """

    kind: Kind
    words: int
    shingles: int = 0
    exact: int | None = None
    signature: bytes | None = None
    bands: bytes = b""
    wire: bool = False

    def __reduce__(self) -> tuple[type[Fingerprint], tuple[Any, ...]]:
        """Pickled as its fields: half the time of a slotted dataclass's state (a build sends
        every fingerprint from a worker to the writer)."""
        return Fingerprint, (self.kind, self.words, self.shingles, self.exact, self.signature,
                             self.bands, self.wire)  # fmt: skip


def band_keys_of(fingerprint: Fingerprint) -> list[int]:
    """The LSH band keys of a fingerprint, as integers.

    Example:
        >>> keys = np.array([-2, 7], dtype="<i8").tobytes()
        >>> band_keys_of(Fingerprint("minhash", 40, 36, 5, b"", keys))
        [-2, 7]
    """
    keys: list[int] = np.frombuffer(fingerprint.bands, dtype="<i8").tolist()
    return keys


def normalise(text: str) -> list[str]:
    """The words of `text`: lowercased, punctuation dropped.

    Example:
        >>> normalise("Jakarta, CNN Indonesia -- YLBHI menagih janji.")
        ['jakarta', 'cnn', 'indonesia', 'ylbhi', 'menagih', 'janji']
    """
    low = text.lower()
    if not low.isascii():
        for mark in _WIDE_PUNCT:
            if mark in low:
                low = low.replace(mark, " ")
    # UTF-8 keeps ASCII bytes out of multi-byte characters: only ASCII marks change
    return (
        low.encode("utf-8", "surrogatepass")
        .translate(_ASCII_PUNCT)
        .decode("utf-8", "surrogatepass")
        .split()
    )


def names_wire(text: str) -> bool:
    """Whether a text credits a wire agency (ANTARA, Reuters, AFP, Xinhua, ...).

    Example:
        >>> names_wire("Jakarta (ANTARA) - Presiden ..."), names_wire("Jakarta - Presiden ...")
        (True, False)
    """
    # a wire credit stands in the dateline or the closing line
    head_tail = text if len(text) <= 800 else text[:400] + "\n" + text[-400:]
    # `in` first: the regex tries its leading `\b` at every character (15 µs a text)
    for name in _WIRE_NAMES:
        if name in head_tail:
            return _WIRE.search(head_tail) is not None
    return False


def exact_key(words: Sequence[str], title: str | None = None) -> int:
    """A signed 64-bit key of the normalised words (and title, when given).

    Example:
        >>> exact_key(["a", "b"]) == exact_key(normalise("A, b."))
        True
    """
    return _exact_key(" ".join(words).encode("utf-8", "surrogatepass"), title)


def _exact_key(data: bytes, title: str | None = None) -> int:
    """`exact_key` of the words joined by spaces, as UTF-8."""
    if title is not None:
        data = " ".join(normalise(title)).encode("utf-8", "surrogatepass") + b"\x00" + data
    digest = hashlib.blake2b(data, digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def _joined(words: list[str] | list[bytes]) -> bytes:
    """The words joined by spaces, as UTF-8 (what the exact key reads)."""
    if words and isinstance(words[0], bytes):
        return b" ".join(words)
    return " ".join(cast(list[str], words)).encode("utf-8", "surrogatepass")


def _words(text: str) -> list[str] | list[bytes]:
    """`normalise(text)`, an ASCII text's words as their bytes (what rensa hashes and the
    exact key reads): one byte table does the lower case too, and nothing is decoded.

    Example:
        >>> _words("Kata, KUNCI."), _words("Kata “kunci”")
        ([b'kata', b'kunci'], ['kata', 'kunci'])
    """
    if text.isascii():
        return text.encode().translate(_ASCII_WORDS).split()
    return normalise(text)


def shingle_hashes(
    word_hashes: npt.NDArray[np.uint64], lengths: npt.NDArray[np.int64], k: int
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """Hashes of every `k`-word shingle of each text, from the texts' word hashes laid end to end.

    Returns the shingle hashes, laid end to end, and each text's shingle count
    (a text of fewer than `k` words has one shingle: all its words).
    """
    n = len(word_hashes)
    mixed = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            mixed[: n - j] += word_hashes[j:] * _MIX[j % len(_MIX)] + np.uint64(j)
            mixed ^= mixed >> np.uint64(29)
    counts = np.where(lengths >= k, lengths - k + 1, np.minimum(lengths, 1))
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    # Shingle i of text t starts at word starts[t] + i; windows that run past a
    # text's end are never selected.
    first = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    index = first + np.arange(int(counts.sum()), dtype=np.int64)
    return mixed[index], counts.astype(np.int64)


def band_keys(signatures: npt.NDArray[np.uint32], bands: int, rows: int) -> npt.NDArray[np.int64]:
    """One signed 64-bit key per band per signature (shape `(n, bands)`)."""
    sig = signatures[:, : bands * rows].astype(np.uint64).reshape(len(signatures), bands, rows)
    with np.errstate(over="ignore"):
        if rows == 2:  # two 32-bit values fit one key exactly
            keys = (sig[:, :, 0] << np.uint64(32)) | sig[:, :, 1]
        else:
            keys = np.zeros(sig.shape[:2], dtype=np.uint64)
            for r in range(rows):
                keys = (keys ^ sig[:, :, r]) * _MIX[r % len(_MIX)]
                keys ^= keys >> np.uint64(31)
    return keys.view(np.int64)


def fingerprint_texts(
    texts: Sequence[str],
    settings: DedupSettings,
    titles: Sequence[str | None] | None = None,
    agencies: Sequence[str | None] | None = None,
) -> list[Fingerprint]:
    """Fingerprints of many texts at once (one rensa call for the whole batch).

    Args:
        texts: article bodies.
        settings: shingle size, signature length, banding and length floors.
        titles: article titles, used in the exact key of short texts only.
        agencies: each article's `agency` (the credit the cleaner took off the text):
            one makes the fingerprint `wire`.

    Returns:
        One `Fingerprint` per text, in order.

    Example:
        >>> body = " ".join(f"kata{i}" for i in range(40))
        >>> fp = fingerprint_texts([body, body + " tambahan"], DedupSettings())
        >>> fp[0].kind, fp[0].shingles, len(band_keys_of(fp[0])), fp[0].exact == fp[1].exact
        ('minhash', 36, 32, False)
    """
    words = [_words(t) for t in texts]
    joined = [_joined(w) for w in words]
    out: list[Fingerprint | None] = [None] * len(texts)
    long_ids = []
    wires = [bool(agencies and agencies[i]) or names_wire(t) for i, t in enumerate(texts)]
    for i, w in enumerate(words):
        wire = wires[i]
        if len(w) < settings.min_words_exact:
            out[i] = Fingerprint("none", len(w), wire=wire)
        elif len(w) < settings.min_words:
            title = (titles[i] if titles is not None else None) or ""
            out[i] = Fingerprint("short", len(w), exact=_exact_key(joined[i], title), wire=wire)
        else:
            long_ids.append(i)
    if long_ids:
        long_words = [words[i] for i in long_ids]
        hashed = RMinHash.hash_token_sets(long_words)
        lengths = np.fromiter((len(w) for w in long_words), dtype=np.int64, count=len(long_words))
        flat = np.fromiter(chain.from_iterable(hashed), dtype=np.uint64, count=int(lengths.sum()))
        shingles, counts = shingle_hashes(flat, lengths, settings.shingle)
        offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.uint64)
        matrix = RMinHash.digest_matrix_from_flat_token_hashes(
            shingles, offsets, settings.num_perm, settings.seed
        )
        sigs = np.asarray(matrix.to_rows(), dtype=np.uint32).reshape(-1, settings.num_perm)
        # Read out for all rows at once: numpy's per-call cost is most of a row's.
        signatures = sigs.astype("<u4").tobytes()
        size = len(signatures) // len(long_ids)
        keys = band_keys(sigs, settings.bands, settings.rows).astype("<i8").tobytes()
        width = 8 * settings.bands
        bounds = offsets.tolist()
        for row, i in enumerate(long_ids):
            distinct = _distinct(shingles[bounds[row] : bounds[row + 1]])
            out[i] = Fingerprint(
                "minhash", len(words[i]), distinct, _exact_key(joined[i]),
                signatures[row * size : (row + 1) * size], keys[row * width : (row + 1) * width],
                wires[i],
            )  # fmt: skip
    return [f for f in out if f is not None]


def estimate(a: Fingerprint, b: Fingerprint) -> tuple[float, float]:
    """Estimated Jaccard and containment (of the smaller shingle set in the larger) of two texts.

    Containment follows from Jaccard and the set sizes:
    `|A & B| = J (|A| + |B|) / (1 + J)`.

    Example:
        >>> body = " ".join(f"kata{i}" for i in range(80))
        >>> half = " ".join(f"kata{i}" for i in range(40))
        >>> fa, fb = fingerprint_texts([body, half], DedupSettings())
        >>> j, c = estimate(fa, fb)
        >>> 0.3 < j < 0.7, c > 0.8
        (True, True)
    """
    if a.signature is None or b.signature is None:
        return (1.0, 1.0) if a.exact == b.exact and a.exact is not None else (0.0, 0.0)
    sa = np.frombuffer(a.signature, dtype="<u4")
    sb = np.frombuffer(b.signature, dtype="<u4")
    return similarity(float(np.mean(sa == sb)), a.shingles, b.shingles)


def similarity(jaccard: float, size_a: int, size_b: int) -> tuple[float, float]:
    """`(jaccard, containment)` from a Jaccard value and the two set sizes."""
    if size_a <= 0 or size_b <= 0:
        return jaccard, 0.0
    inter = jaccard * (size_a + size_b) / (1.0 + jaccard)
    return jaccard, min(1.0, inter / min(size_a, size_b))


def is_copy(jaccard: float, containment: float, settings: DedupSettings) -> bool:
    """Whether estimated similarities make two texts copies of one story.

    Example:
        >>> s = DedupSettings()
        >>> is_copy(0.6, 0.75, s), is_copy(0.3, 0.95, s), is_copy(0.1, 0.9, s)
        (True, True, False)
    """
    if jaccard >= settings.jaccard:
        return True
    return jaccard >= settings.min_jaccard and containment >= settings.containment


def _distinct(values: npt.NDArray[np.uint64]) -> int:
    """How many different values (a sort: `np.unique` costs 8x more on a few hundred).

    Example:
        >>> _distinct(np.array([3, 1, 3, 2], dtype=np.uint64))
        3
    """
    if not values.size:
        return 0
    ordered = np.sort(values)
    return 1 + int(np.count_nonzero(ordered[1:] != ordered[:-1]))
