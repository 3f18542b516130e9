"""Named-entity recognition for Indonesian news: people, organisations and places.

A linear-chain CRF (python-crfsuite) trained by ``scripts/train_ner.py`` on deduplicated
Indonesian NER corpora tags tokens with BIO labels; :func:`extract_entities` turns them into
character-offset spans. The model and its small lookup tables ship in ``warta/data/``.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pycrfsuite  # type: ignore[import-untyped]

from warta.model import Entity

logger = logging.getLogger(__name__)

ENTITY_TYPES = ("PERSON", "ORGANIZATION", "LOCATION")
MODEL_FILE = "ner.crfsuite"
RESOURCES_FILE = "ner_resources.json"
MAX_SENTENCE_TOKENS = 200
_LABEL_MAP = {
    "PER": "PERSON", "PERSON": "PERSON", "ORG": "ORGANIZATION", "ORGANIZATION": "ORGANIZATION",
    "ORGANISATION": "ORGANIZATION", "LOC": "LOCATION", "LOCATION": "LOCATION",
    "GPE": "LOCATION",
}  # fmt: skip
_SHORT = {"PERSON": "PER", "ORGANIZATION": "ORG", "LOCATION": "LOC"}

# Tokens: abbreviations with a dot, numbers/dates, words with inner hyphens or apostrophes,
# a split-off "-nya"-style clitic, or any other single visible character.
_TOKEN_RE = re.compile(
    r"(?:Dr|Drs|Dra|Prof|Ir|Hj|H|Jl|Jln|Kol|Jend|Brigjen|Mayjen|Letjen|Inc|Co|Ltd|St|No)\.(?!\w)"
    r"|\d+(?:[.,/:]\d+)*"
    r"|[^\W_]+(?:['’][^\W_]+)*(?:-(?!(?:nya|ku|mu|lah|pun)\b)[^\W_]+)*"
    r"|-(?:nya|ku|mu|lah|pun)\b"
    r"|\S",
)
_SENT_END = frozenset({".", "!", "?"})


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


@dataclass
class Resources:
    """Lookup tables used by the features, derived from the training data only.

    Attributes:
        word_types: Token -> majority entity type in training (``PER``/``ORG``/``LOC``/``O``).
        spans: Entity token sequences seen in training -> their majority short type.
        clusters: Lowercased token -> word-cluster id (optional).
        lower_vocab: Words seen written in lower case (common words, not names).
        max_span: Length of the longest entry in ``spans``.
    """

    word_types: dict[str, str] = field(default_factory=dict)
    spans: dict[tuple[str, ...], str] = field(default_factory=dict)
    clusters: dict[str, str] = field(default_factory=dict)
    lower_vocab: frozenset[str] = frozenset()
    max_span: int = 0

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


def _shape(tok: str) -> str:
    out: list[str] = []
    for ch in tok:
        c = "X" if ch.isupper() else "x" if ch.isalpha() else "d" if ch.isdigit() else ch
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)


def _word_features(tok: str, res: Resources) -> list[str]:
    """Features of one token that do not depend on its context."""
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


#: A word's neighbour features by offset, remembered with the word-feature list they
#: were made from (so a cache never mixes two models' features).
NearCache = dict[str, tuple[list[str], dict[int, list[str]]]]
# Context features copied from neighbours: (offset, feature-name prefixes kept).
_NEIGHBOUR_KEEP = ("w=", "sh=", "wt=", "cl=", "title", "upper", "ptitle", "orgw", "locw", "lcseen")


def sentence_features(
    tokens: Sequence[str],
    res: Resources,
    cache: dict[str, list[str]] | None = None,
    near_cache: NearCache | None = None,
) -> list[list[str]]:
    """Compute CRF features for one tokenised sentence.

    Args:
        tokens: The sentence tokens.
        res: Lookup tables (gazetteer-like word types, spans, clusters).
        cache: Optional per-word cache of context-free features (must match ``res``).
        near_cache: Optional per-word cache of the prefixed neighbour features.

    Returns:
        One list of string features per token.
    """
    n = len(tokens)
    if cache is None:
        cache = {}
    if near_cache is None:
        near_cache = {}
    base: list[list[str]] = []
    # Per word, once: its neighbour features already prefixed for each offset.
    near: list[dict[int, list[str]]] = []
    for tok in tokens:
        wf = cache.get(tok)
        if wf is None:
            wf = _word_features(tok, res)
            cache[tok] = wf
        base.append(wf)
        prefixed = near_cache.get(tok)
        if prefixed is None or prefixed[0] is not wf:
            kept = [f for f in wf if f.startswith(_NEIGHBOUR_KEEP)]
            prefixed = (wf, {off: [f"{off}:{f}" for f in kept] for off in (-2, -1, 1, 2)})
            near_cache[tok] = prefixed
        near.append(prefixed[1])
    # Runs of capitalised tokens: position inside the run and its length.
    run: list[str] = [""] * n
    i = 0
    while i < n:
        if tokens[i][:1].isupper():
            j = i
            while j < n and tokens[j][:1].isupper():
                j += 1
            length = min(j - i, 4)
            for k in range(i, j):
                pos = "S" if j - i == 1 else "B" if k == i else "E" if k == j - 1 else "I"
                run[k] = f"run={pos}{length}"
            i = j
        else:
            i += 1
    # Gazetteer matches of whole training entities, longest first.
    gaz: list[str] = ["gz=-"] * n
    i = 0
    while i < n and res.max_span:
        for ln in range(min(res.max_span, n - i), 0, -1):
            kind = res.spans.get(tuple(tokens[i : i + ln]))
            if kind is not None:
                gaz[i] = "gz=B" + kind
                for k in range(i + 1, i + ln):
                    gaz[k] = "gz=I" + kind
                i += ln
                break
        else:
            i += 1
    out: list[list[str]] = []
    for i in range(n):
        feats = ["bias", run[i] or "run=-", gaz[i], *base[i]]
        if i == 0:
            feats.append("BOS")
        if i == n - 1:
            feats.append("EOS")
        for off in (-2, -1, 1, 2):
            j = i + off
            if 0 <= j < n:
                feats.extend(near[j][off])
                feats.append(f"{off}:{run[j] or 'run=-'}")
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


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Split raw text into tokens with character offsets.

    Punctuation is split off, inner hyphens are kept (``de-eskalasi``) but the clitics
    ``-nya``/``-ku``/``-mu``/``-lah``/``-pun`` are separate tokens (``NATO`` ``-nya``).

    Args:
        text: Raw text.

    Returns:
        ``(token, start, end)`` triples with ``text[start:end] == token``.
    """
    return [(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]


def split_sentences(
    toks: Sequence[tuple[str, int, int]], text: str
) -> Iterator[Sequence[tuple[str, int, int]]]:
    """Group tokens into sentences at ``.``/``!``/``?``, line breaks and a length cap."""
    start = 0
    for i, (tok, s, _e) in enumerate(toks):
        if i > start and (i - start >= MAX_SENTENCE_TOKENS or "\n" in text[toks[i - 1][2] : s]):
            yield toks[start:i]
            start = i
        if tok in _SENT_END:
            yield toks[start : i + 1]
            start = i + 1
    if start < len(toks):
        yield toks[start:]


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


def normalize_tag(tag: str) -> str:
    """Map a dataset tag (``B-PER``, ``I-LOCATION``, ``B-TIME``...) to the three types or O."""
    if len(tag) < 3 or tag[1] != "-" or tag[0] not in "BI":
        return "O"
    etype = _LABEL_MAP.get(tag[2:].upper())
    return f"{tag[0]}-{etype}" if etype else "O"


def read_bio(path: str | Path) -> list[tuple[list[str], list[str]]]:
    """Read a BIO file: token first, tag last column (tab or space), blank lines between.

    Tags are normalised with :func:`normalize_tag`; CRLF line ends are accepted.
    """
    sentences: list[tuple[list[str], list[str]]] = []
    toks: list[str] = []
    tags: list[str] = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for line in [*fh, ""]:
            line = line.rstrip("\r\n")
            if not line.strip():
                if toks:
                    sentences.append((toks, tags))
                    toks, tags = [], []
                continue
            parts = line.split("\t") if "\t" in line else line.split()
            toks.append(parts[0])
            tags.append(normalize_tag(parts[-1]) if len(parts) > 1 else "O")
    return sentences


class NerModel:
    """A loaded CRF tagger with its resources and a per-word feature cache."""

    def __init__(self, model_bytes: bytes, res: Resources) -> None:
        """Open a tagger from serialised model bytes and its resources."""
        # crfsuite reads the model from this buffer without copying it: keep it alive.
        self._model_bytes = model_bytes
        self.tagger: Any = pycrfsuite.Tagger()
        self.tagger.open_inmemory(self._model_bytes)
        self.res = res
        self.cache: dict[str, list[str]] = {}
        self.near: NearCache = {}

    def tag(self, tokens: Sequence[str]) -> list[str]:
        """Return BIO tags (three entity types) for one tokenised sentence."""
        if not tokens:
            return []
        if len(self.cache) > 200_000:
            self.cache.clear()
            self.near.clear()
        # crfsuite takes UTF-8: a lone surrogate (broken input) is replaced, not fatal.
        safe = [t if t.isascii() else t.encode("utf-8", "replace").decode("utf-8") for t in tokens]
        feats = sentence_features(safe, self.res, self.cache, self.near)
        tags: list[str] = self.tagger.tag(feats)
        return tags


class _ModelCache:
    """Lazily loads the shipped model once per process."""

    def __init__(self) -> None:
        self._model: NerModel | None = None

    def get(self) -> NerModel:
        if self._model is None:
            data = resources.files("warta") / "data"
            res = Resources.from_json((data / RESOURCES_FILE).read_text(encoding="utf-8"))
            self._model = NerModel((data / MODEL_FILE).read_bytes(), res)
            logger.debug("loaded NER model (%d labels)", len(self._model.tagger.labels()))
        return self._model


_CACHE = _ModelCache()


def load_model() -> NerModel:
    """Return the shipped NER model, loading it on first use."""
    return _CACHE.get()


__all__ = ["Entity", "evaluate_bio_file", "extract_entities", "load_model", "main_eval"]


def extract_entities(text: str, model: NerModel | None = None) -> list[Entity]:
    """Find people, organisations and places in raw Indonesian text.

    Args:
        text: Raw text of any length.
        model: A model to use instead of the shipped one.

    Returns:
        Entities in text order; ``text[e.start:e.end] == e.text`` for each.
    """
    toks = tokenize(text)
    if not toks:
        return []
    ner = model or load_model()
    found: list[Entity] = []
    for sent in split_sentences(toks, text):
        tags = ner.tag([t for t, _s, _e in sent])
        for etype, i, j in bio_spans(tags):
            start, end = sent[i][1], sent[j - 1][2]
            found.append(Entity(text[start:end], start, end, etype))
    return found


@dataclass(frozen=True)
class TypeScore:
    """Entity-level counts for one type (or the micro total)."""

    tp: int
    n_pred: int
    n_gold: int

    @property
    def precision(self) -> float:
        """Share of predicted entities that are correct."""
        return self.tp / self.n_pred if self.n_pred else 0.0

    @property
    def recall(self) -> float:
        """Share of gold entities that were found."""
        return self.tp / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class NerReport:
    """Entity-level scores per type and micro-averaged over all types."""

    per_type: dict[str, TypeScore]
    micro: TypeScore
    sentences: int
    tokens: int


def score_tags(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> NerReport:
    """Score predicted against gold BIO tag sequences (exact span and type match).

    Args:
        gold: Gold tags per sentence.
        pred: Predicted tags per sentence, same lengths.

    Returns:
        The report.
    """
    tp: Counter[str] = Counter()
    npred: Counter[str] = Counter()
    ngold: Counter[str] = Counter()
    for g, p in zip(gold, pred, strict=True):
        gs, ps = set(bio_spans(g)), set(bio_spans(p))
        ngold.update(s[0] for s in gs)
        npred.update(s[0] for s in ps)
        tp.update(s[0] for s in gs & ps)
    types = sorted(set(ngold) | set(npred))
    per = {t: TypeScore(tp[t], npred[t], ngold[t]) for t in types}
    micro = TypeScore(sum(tp.values()), sum(npred.values()), sum(ngold.values()))
    return NerReport(per, micro, len(gold), sum(len(g) for g in gold))


def evaluate_bio_file(path: str | Path, model: NerModel | None = None) -> NerReport:
    """Run the model over the tokens of a BIO file and score it against the file's tags.

    Args:
        path: BIO file (token first, tag last column, blank line between sentences).
        model: A model to use instead of the shipped one.

    Returns:
        Entity-level per-type and micro scores.
    """
    ner = model or load_model()
    sents = read_bio(path)
    pred = [ner.tag(toks) for toks, _tags in sents]
    return score_tags([tags for _toks, tags in sents], pred)


def format_report(report: NerReport) -> str:
    """Format a report as a per-type precision/recall/F1 table with a micro row."""
    rows = [f"{'type':<14}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}"]
    items = [*report.per_type.items(), ("micro avg", report.micro)]
    for name, s in items:
        rows.append(f"{name:<14}{s.precision:>10.4f}{s.recall:>10.4f}{s.f1:>10.4f}{s.n_gold:>9}")
    rows.append(f"({report.sentences} sentences, {report.tokens} tokens)")
    return "\n".join(rows)


def main_eval(path: str | Path) -> str:
    """Evaluate the shipped model on a BIO file and return the printable table."""
    return format_report(evaluate_bio_file(path))
