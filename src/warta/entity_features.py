"""Features of the entity tagger, as strings for training and as summed weights for tagging.

:func:`sentence_features` lists each token's features as strings; ``scripts/train_ner.py``
trains the CRF on them. :class:`Emissions` computes the same features' weight sums for a
trained model without building any string per token: a word's own features and the
features its neighbours see of it are added up once per distinct word, and the rest (runs
of capitalised words, gazetteer matches, word bigrams, sentence edges) are small tables
indexed with numpy. The tests check that both give the tagger the same scores.
"""

from __future__ import annotations

import json
import re
import string
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat

import numpy as np

from warta.crf import BoolArray, CrfWeights, FloatArray, IntArray

_SHORT = {"PERSON": "PER", "ORGANIZATION": "ORG", "LOCATION": "LOC"}
SENTENCE_END = frozenset({".", "!", "?"})


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


PERSON_TITLES = _words(
    "presiden wakil wapres menteri menko mendagri menlu gubernur wagub bupati wali walikota "
    "camat lurah kapolri kapolda kapolres jenderal jend brigjen mayjen letjen kolonel kombes "
    "ketua sekjen direktur dirut ceo pak bapak bu ibu sdr saudara dr dr. prof prof. ir ir. "
    "haji h. hj hj. kh habib ustaz ustad raja ratu pangeran paus perdana juru bicara jubir "
    "kata ujar tutur ucap ungkap jelas papar terang imbuh menurut oleh kepada pelatih "
    "striker kiper penyanyi aktor aktris artis tersangka terdakwa almarhum mendiang "
    "senator anggota pengamat kepala kapten"
)
ORG_WORDS = _words(
    "pt cv tbk persero universitas institut sekolah partai kementerian kemenkeu departemen "
    "badan komisi dewan majelis mahkamah pengadilan kejaksaan kejagung kepolisian polda polres "
    "polri tni bank asosiasi organisasi federasi yayasan lembaga perusahaan perum bumn "
    "pemerintah pemkot pemkab pemprov dinas fraksi kpk kpu dpr dpd mpr bpk ojk klub fc "
    "kantor biro pusat persatuan serikat himpunan ikatan gereja masjid rumah sakit rs "
    "stasiun televisi harian koran"
)
LOC_WORDS = _words(
    "kota kabupaten kab provinsi kecamatan kelurahan desa kampung dusun jalan jl jl. jln "
    "pulau gunung sungai danau laut selat teluk pantai bandara pelabuhan negara negeri "
    "wilayah kawasan daerah di ke dari menuju asal warga utara selatan timur barat tengah "
    "ibu ibukota"
)


def bio_spans(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """Extract ``(type, start, end)`` token spans from BIO tags (conlleval/seqeval style).

    An ``I-`` tag that does not continue an entity of the same type starts a new one.
    """
    spans: list[tuple[str, int, int]] = []
    cur_type, cur_start = "", -1
    for i, tag in enumerate([*tags, "O"]):
        prefix, etype = (tag[0], tag[2:]) if tag != "O" and len(tag) > 2 else ("O", "")
        if cur_type and (prefix != "I" or etype != cur_type):
            spans.append((cur_type, cur_start, i))
            cur_type = ""
        if prefix in "BI" and etype and not cur_type:
            cur_type, cur_start = etype, i
    return spans


@dataclass
class Resources:
    """Lookup tables used by the features, derived from the training data only.

    Attributes:
        word_types: Token -> majority entity type in training (``PER``/``ORG``/``LOC``/``O``).
        spans: Entity token sequences seen in training -> their majority short type.
        clusters: Lowercased token -> word-cluster id (optional).
        lower_vocab: Words seen written in lower case (common words, not names).
        max_span: Length of the longest entry in ``spans``.
        span_starts: First token of a span -> the lengths of the spans it starts, longest first.
    """

    word_types: dict[str, str] = field(default_factory=dict)
    spans: dict[tuple[str, ...], str] = field(default_factory=dict)
    clusters: dict[str, str] = field(default_factory=dict)
    lower_vocab: frozenset[str] = frozenset()
    max_span: int = 0
    span_starts: dict[str, tuple[int, ...]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        """Index the spans by their first token."""
        lengths: dict[str, set[int]] = {}
        for key in self.spans:
            lengths.setdefault(key[0], set()).add(len(key))
        self.span_starts = {w: tuple(sorted(ls, reverse=True)) for w, ls in lengths.items()}

    @classmethod
    def build(
        cls,
        sentences: Iterable[tuple[Sequence[str], Sequence[str]]],
        clusters: dict[str, str] | None = None,
        lower_vocab: Iterable[str] = (),
    ) -> Resources:
        """Build the lookup tables from BIO-labelled sentences.

        Args:
            sentences: ``(tokens, tags)`` pairs with tags already mapped to the three types.
            clusters: Optional word-cluster table to carry along.
            lower_vocab: Words seen in lower case (unlabelled use of text is fine here).

        Returns:
            The resources.
        """
        word_counts: dict[str, Counter[str]] = {}
        span_counts: dict[tuple[str, ...], Counter[str]] = {}
        for tokens, tags in sentences:
            for tok, tag in zip(tokens, tags, strict=True):
                kind = _SHORT[tag[2:]] if tag != "O" else "O"
                word_counts.setdefault(tok, Counter())[kind] += 1
            for etype, start, end in bio_spans(tags):
                key = tuple(tokens[start:end])
                span_counts.setdefault(key, Counter())[_SHORT[etype]] += 1
        word_types = {}
        for tok, cnt in word_counts.items():
            total = sum(cnt.values())
            kinds = sorted(k for k, n in cnt.items() if n * 10 >= 3 * total)
            if tok[:1].isupper() or kinds != ["O"]:
                word_types[tok] = "|".join(kinds) or "AMB"
        spans = {k: c.most_common(1)[0][0] for k, c in span_counts.items() if k[0][:1].isupper()}
        max_span = max((len(k) for k in spans), default=0)
        return cls(word_types, spans, dict(clusters or {}), frozenset(lower_vocab), max_span)

    def to_json(self) -> str:
        """Serialise to a compact JSON string."""
        spans = [[" ".join(k), v] for k, v in sorted(self.spans.items())]
        data = {
            "word_types": self.word_types,
            "spans": spans,
            "clusters": self.clusters,
            "lower_vocab": sorted(self.lower_vocab),
        }
        return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Resources:
        """Load resources written by :meth:`to_json`."""
        data = json.loads(text)
        spans = {tuple(k.split(" ")): v for k, v in data["spans"]}
        return cls(
            data["word_types"],
            spans,
            data["clusters"],
            frozenset(data["lower_vocab"]),
            max(map(len, spans), default=0),
        )


# ASCII letters and digits to their shape class; repeats of a class collapse to one.
_ASCII_SHAPE = str.maketrans(
    string.ascii_uppercase + string.ascii_lowercase + string.digits, "X" * 26 + "x" * 26 + "d" * 10
)
_REPEATS = re.compile(r"(.)\1+", re.DOTALL)


def _shape(tok: str) -> str:
    if tok.isascii():
        return _REPEATS.sub(r"\1", tok.translate(_ASCII_SHAPE))
    out: list[str] = []
    for ch in tok:
        c = "X" if ch.isupper() else "x" if ch.isalpha() else "d" if ch.isdigit() else ch
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)


def word_features(tok: str, res: Resources) -> list[str]:
    """Features of one token that do not depend on its context (the first is ``w=``)."""
    low = tok.lower()
    title = tok[:1].isupper()
    feats = [
        "w=" + low,
        "sh=" + _shape(tok),
        "p2=" + low[:2],
        "p3=" + low[:3],
        "s2=" + low[-2:],
        "s3=" + low[-3:],
        "s4=" + low[-4:],
        "len=" + str(min(len(tok), 8)),
        "wt=" + res.word_types.get(tok, "UNK" if title else "-"),
        "cl=" + res.clusters.get(low, "-"),
    ]
    core = tok.strip("()[]{}\"'“”‘’,.:;")
    if core and core != tok:
        feats.append("core=" + core.lower())
        feats.append("wtc=" + res.word_types.get(core, "UNK" if core[:1].isupper() else "-"))
        if tok[0] != core[0]:
            feats.append("lpunct")
        if tok[-1] != core[-1]:
            feats.append("rpunct")
    if title:
        feats.append("title")
        if low in res.lower_vocab:
            feats.append("lcseen")
    if tok.isupper() and len(tok) > 1:
        feats.append("upper")
    if low in PERSON_TITLES:
        feats.append("ptitle")
    if low in ORG_WORDS:
        feats.append("orgw")
    if low in LOC_WORDS:
        feats.append("locw")
    if "-" in tok:
        feats.append("hyph")
    return feats


# A neighbour's features that a token sees, prefixed with the offset ("-1:w=presiden").
OFFSETS = (-2, -1, 1, 2)
NEIGHBOUR_KEEP = ("w=", "sh=", "wt=", "cl=", "title", "upper", "ptitle", "orgw", "locw", "lcseen")
# Runs of capitalised tokens: code 0 is no run, else 1 + 4 * (length - 1) + place, with the
# length capped at 4 and the place in the run S(ingle), B(egin), I(nside) or E(nd).
RUN_NAMES = ("run=-", *(f"run={p}{n}" for n in range(1, 5) for p in "SBIE"))
# Gazetteer matches: 0 none, then B and I of each short type.
GAZ_NAMES = ("gz=-", *(f"gz={bi}{t}" for t in ("PER", "ORG", "LOC") for bi in "BI"))
_GAZ_CODE = {name[3:]: code for code, name in enumerate(GAZ_NAMES)}
BIGRAMS = ("bg2=", "bg-=", "bg+=")  # words (-2,-1), (-1,0) and (0,+1), lowercased
_NEAR = np.array([[0], *([off] for off in OFFSETS)])  # a token, then its neighbours
_SLOT = np.arange(5)[:, None]
_PAIR_SHIFT = np.array([[-2], [-1], [0]])  # the pair each bigram template looks at
_TEMPLATE = np.arange(len(BIGRAMS))[:, None]


def _edges(first: BoolArray) -> BoolArray:
    """Where a sentence ends, from where sentences start."""
    last = np.empty_like(first)
    last[:-1] = first[1:]
    last[-1:] = True
    return last


def _run_table() -> IntArray:
    """Run code by (run tokens before, run tokens after), each capped at 3: ``4 * b + a``."""
    table = np.zeros(16, dtype=np.intp)
    for b in range(4):
        for a in range(4):
            place = (0 if a == 0 else 1) if b == 0 else (3 if a == 0 else 2)
            table[4 * b + a] = 1 + 4 * (min(b + a + 1, 4) - 1) + place
    return table


_RUN_TABLE = _run_table()


def run_codes(cap: BoolArray, first: BoolArray) -> IntArray:
    """Code of each token's place in its run of capitalised tokens (see ``RUN_NAMES``)."""
    n = len(cap)
    # Whether token k continues the run of token k - 1, at k + 3 (3 positions of padding).
    joined = np.zeros(n + 6, dtype=bool)
    joined[4 : n + 3] = cap[1:] & cap[:-1] & ~first[1:]
    b1, a1 = joined[3 : n + 3], joined[4 : n + 4]
    b2, a2 = b1 & joined[2 : n + 2], a1 & joined[5 : n + 5]
    b3, a3 = b2 & joined[1 : n + 1], a2 & joined[6 : n + 6]
    u8 = np.uint8
    before = b1.view(u8) + b2.view(u8) + b3.view(u8)
    after = a1.view(u8) + a2.view(u8) + a3.view(u8)
    codes: IntArray = np.where(cap, _RUN_TABLE[4 * before + after], 0)
    return codes


def gaz_codes(
    tokens: Sequence[str], candidates: Iterable[int], sentence_end: Sequence[int], res: Resources
) -> IntArray:
    """Longest training-entity match at each candidate start, left to right, inside sentences.

    Args:
        tokens: The tokens.
        candidates: Ascending positions whose token starts some training entity.
        sentence_end: Per position, where its sentence ends (exclusive).
        res: The resources with the spans.

    Returns:
        A code of ``GAZ_NAMES`` per token.
    """
    codes = np.zeros(len(tokens), dtype=np.intp)
    covered = 0
    for i in candidates:
        if i < covered:
            continue
        end = sentence_end[i]
        for ln in res.span_starts[tokens[i]]:
            if i + ln <= end:
                kind = res.spans.get(tuple(tokens[i : i + ln]))
                if kind is not None:
                    codes[i] = _GAZ_CODE["B" + kind]
                    codes[i + 1 : i + ln] = _GAZ_CODE["I" + kind]
                    covered = i + ln
                    break
    return codes


def sentence_features(
    tokens: Sequence[str], res: Resources, cache: dict[str, list[str]] | None = None
) -> list[list[str]]:
    """Compute CRF features for one tokenised sentence.

    Args:
        tokens: The sentence tokens.
        res: Lookup tables (gazetteer-like word types, spans, clusters).
        cache: Optional per-word cache of context-free features (must match ``res``).

    Returns:
        One list of string features per token.
    """
    n = len(tokens)
    if cache is None:
        cache = {}
    base: list[list[str]] = []
    near: list[dict[int, list[str]]] = []
    for tok in tokens:
        wf = cache.get(tok)
        if wf is None:
            wf = cache[tok] = word_features(tok, res)
        base.append(wf)
        kept = [f for f in wf if f.startswith(NEIGHBOUR_KEEP)]
        near.append({off: [f"{off}:{f}" for f in kept] for off in OFFSETS})
    first = np.zeros(n, dtype=bool)
    first[:1] = True
    cap = np.array([t[:1].isupper() for t in tokens], dtype=bool)
    run = [RUN_NAMES[c] for c in run_codes(cap, first)]
    starts = [i for i, t in enumerate(tokens) if t in res.span_starts]
    gaz = [GAZ_NAMES[c] for c in gaz_codes(tokens, starts, [n] * n, res)]
    out: list[list[str]] = []
    for i in range(n):
        feats = ["bias", run[i], gaz[i], *base[i]]
        if i == 0:
            feats.append("BOS")
        if i == n - 1:
            feats.append("EOS")
        for off in OFFSETS:
            j = i + off
            if 0 <= j < n:
                feats.extend(near[j][off])
                feats.append(f"{off}:{run[j]}")
                feats.append(f"{off}:{gaz[j]}")
            else:
                feats.append(f"{off}:PAD")
        low = base[i][0]
        if i > 1:
            feats.append("bg2=" + base[i - 2][0][2:] + "|" + base[i - 1][0][2:])
        if i > 0:
            feats.append("bg-=" + base[i - 1][0][2:] + "|" + low[2:])
        if i < n - 1:
            feats.append("bg+=" + low[2:] + "|" + base[i + 1][0][2:])
        out.append(feats)
    return out


class Emissions:
    """A model's state scores for tokenised text, each distinct word's share summed once.

    Per word and per slot (the token itself, then as the neighbour at -2, -1, +1, +2) the
    weights of its features are summed into a row of labels, on first sight. A token's
    score is its own row plus its neighbours' rows, plus table lookups for the run, the
    gazetteer match, the bigrams and the sentence edges. That is the sum crfsuite computes
    from :func:`sentence_features`, in a different order.
    """

    def __init__(self, crf: CrfWeights, res: Resources, capacity: int = 1 << 17) -> None:
        """Fold the model's weights into per-feature and per-code tables."""
        self.res = res
        self.capacity = capacity
        nl = len(crf.labels)
        zero = np.zeros(nl)

        def weight(name: str) -> FloatArray:
            row = crf.attributes.get(name)
            return zero if row is None else crf.state[row]

        slot = {"": 0, **{f"{off}:": k for k, off in enumerate(OFFSETS, 1)}}
        static = {"bias", "BOS", "EOS", *RUN_NAMES, *GAZ_NAMES}
        # Word features: row 0 is "unknown to the model" (all zeros).
        self._feature: dict[str, int] = {}
        rows: list[tuple[int, int, int]] = []
        bigrams: list[dict[tuple[str, str], int]] = [{} for _ in BIGRAMS]
        for name, row in crf.attributes.items():
            head, sep, rest = name.partition(":")
            if sep and head + sep in slot:
                if not rest.startswith(NEIGHBOUR_KEEP):
                    continue  # a neighbour's run, gazetteer match or padding
                at, name = slot[head + sep], rest
            elif name.startswith(BIGRAMS):
                # "a|b" may split more than one way when a word holds "|": keep every way.
                pairs = bigrams[BIGRAMS.index(name[:4])]
                text = name[4:]
                for k, ch in enumerate(text):
                    if ch == "|":
                        pairs[text[:k], text[k + 1 :]] = row
                continue
            elif name in static:
                continue
            else:
                at = 0
            rows.append((self._feature.setdefault(name, len(self._feature) + 1), at, row))
        self._table = np.zeros((len(self._feature) + 1, 5, nl))
        for fid, at, row in rows:
            self._table[fid, at] = crf.state[row]
        # Runs and gazetteer matches, combined: code = run * len(GAZ_NAMES) + gaz; the
        # extra last code is a padding position, which adds nothing.
        ng = len(GAZ_NAMES)
        self._static = np.zeros((len(RUN_NAMES) * ng + 1, 5, nl))
        for r, rname in enumerate(RUN_NAMES):
            for g, gname in enumerate(GAZ_NAMES):
                for prefix, at in slot.items():
                    self._static[r * ng + g, at] = weight(prefix + rname) + weight(prefix + gname)
        self._pad_code = len(RUN_NAMES) * ng
        self._bias, self._bos, self._eos = weight("bias"), weight("BOS"), weight("EOS")
        # Bigrams: both words numbered (len(vocab) is "in no bigram"), each word pair a key
        # in one sorted int64 array; per pair, its weight row in each template (or zeros).
        vocab = sorted({w for pairs in bigrams for pair in pairs for w in pair})
        self._bg_word = {w: i for i, w in enumerate(vocab)}
        self._bg_none = len(vocab)
        self._bg_base = base = len(vocab) + 1
        keys = sorted({self._bg_word[a] * base + self._bg_word[b] for p in bigrams for a, b in p})
        self._bg_keys = np.array(keys, dtype=np.int64)
        key_at = {key: k for k, key in enumerate(keys)}
        self._bg_rows = np.zeros((len(keys) + 1, len(BIGRAMS)), dtype=np.intp)
        weights = [zero]
        for t, pairs in enumerate(bigrams):
            for (a, b), row in pairs.items():
                key = self._bg_word[a] * base + self._bg_word[b]
                self._bg_rows[key_at[key], t] = len(weights)
                weights.append(crf.state[row])
        self._bg_weights = np.vstack(weights)
        # Words: row 0 is the padding beyond a sentence edge.
        self._pad_row = np.zeros((5, nl))
        for off, at in slot.items():
            if at:
                self._pad_row[at] = weight(off + "PAD")
        self._reset(capacity)

    def _reset(self, capacity: int) -> None:
        """Forget every word (the tables keep ``capacity`` rows)."""
        self._index: dict[str, int] = {}
        self._words = np.zeros((capacity + 1, 5, self._pad_row.shape[1]))
        self._words[0] = self._pad_row
        self._title = np.zeros(capacity + 1, dtype=bool)
        self._stop = np.zeros(capacity + 1, dtype=bool)
        self._span_start = np.zeros(capacity + 1, dtype=bool)
        self._bigram = np.full(capacity + 1, self._bg_none, dtype=np.int64)

    def _add(self, words: list[str]) -> None:
        """Give each new word a row: its summed feature weights and its flags."""
        fids: list[int] = []
        counts: list[int] = []
        get = self._feature.get
        for w in words:
            # crfsuite takes UTF-8: a lone surrogate (broken input) becomes "?", as it did.
            safe = w if w.isascii() else w.encode("utf-8", "replace").decode("utf-8")
            feats = word_features(safe, self.res)
            fids.extend([get(f, 0) for f in feats])
            counts.append(len(feats))
            row = len(self._index) + 1
            self._index[w] = row
            self._title[row] = safe[:1].isupper()
            self._stop[row] = w in SENTENCE_END
            self._span_start[row] = w in self.res.span_starts
            self._bigram[row] = self._bg_word.get(safe.lower(), self._bg_none)
        starts = np.cumsum([0, *counts[:-1]])
        first = len(self._index) + 1 - len(words)
        self._words[first : first + len(words)] = np.add.reduceat(self._table[fids], starts)

    def ids(self, tokens: Sequence[str]) -> IntArray:
        """Row of each token, adding the words not seen before."""
        n = len(tokens)
        ids = np.fromiter(map(self._index.get, tokens, repeat(0)), np.intp, n)
        if not ids.all():
            new = list(dict.fromkeys(t for t, i in zip(tokens, ids.tolist(), strict=True) if not i))
            if len(self._index) + len(new) > len(self._words) - 1:
                new = list(dict.fromkeys(tokens))
                self._reset(max(self.capacity, len(new)))
            self._add(new)
            ids = np.fromiter(map(self._index.__getitem__, tokens), np.intp, n)
        return ids

    def stops(self, ids: IntArray) -> BoolArray:
        """Which tokens end a sentence (``.``, ``!``, ``?``), by row."""
        stop: BoolArray = self._stop[ids]
        return stop

    def scores(self, tokens: Sequence[str], ids: IntArray, first: BoolArray) -> FloatArray:
        """State scores ``(tokens, labels)`` of sentences laid end to end.

        Args:
            tokens: The tokens.
            ids: Their rows, from :meth:`ids` (called just before).
            first: Where each sentence starts (``first[0]`` is true).

        Returns:
            The summed weights of every feature of every token, per label.
        """
        n = len(ids)
        last = _edges(first)
        sentence = first.cumsum()
        # Two padding positions around each sentence: a neighbour beyond an edge is padding.
        where = np.arange(n) + 2 * sentence
        size = n + 2 * (int(sentence[-1]) + 1)
        rows = np.zeros(size, dtype=np.intp)
        rows[where] = ids
        ends = last.nonzero()[0] + 1
        spans = self._span_start[ids].nonzero()[0].tolist()
        gaz = gaz_codes(tokens, spans, ends[sentence - 1], self.res) if spans else 0
        codes = np.full(size, self._pad_code, dtype=np.intp)
        codes[where] = run_codes(self._title[ids], first) * len(GAZ_NAMES) + gaz
        # Slot k of the token at each offset: its own features, then as each neighbour.
        near = where + _NEAR
        nl = self._bias.shape[0]
        words = self._words.reshape(-1, nl).take((rows[near] * 5 + _SLOT).ravel(), axis=0)
        static = self._static.reshape(-1, nl).take((codes[near] * 5 + _SLOT).ravel(), axis=0)
        out: FloatArray = (words + static).reshape(5, n, nl).sum(axis=0) + self._bias
        out[first] += self._bos
        out[last] += self._eos
        if not len(self._bg_keys):
            return out
        # Bigram keys of neighbouring pairs (q, q + 1); a pair with padding or a word of no
        # bigram matches nothing. Template t at position q pairs (q - 2 + t, q - 1 + t).
        word = self._bigram[rows]
        key = word[:-1] * self._bg_base + word[1:]
        at = np.minimum(self._bg_keys.searchsorted(key), len(self._bg_keys) - 1)
        pair = np.where(self._bg_keys[at] == key, at, len(self._bg_keys))
        rows3 = self._bg_rows[pair[where + _PAIR_SHIFT], _TEMPLATE]
        out += self._bg_weights.take(rows3.ravel(), axis=0).reshape(3, n, nl).sum(axis=0)
        return out
