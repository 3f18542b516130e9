"""Named-entity recognition for Indonesian news: people, organisations and places.

A linear-chain CRF trained with python-crfsuite by ``scripts/train_ner.py`` on deduplicated
Indonesian NER corpora tags tokens with BIO labels; :func:`extract_entities` turns them into
character-offset spans. The model and its small lookup tables ship in ``warta/data/``.
Tagging reads the model's weights into numpy (``warta.crf``) and sums them per word once
(``warta.entity_features``), which gives crfsuite's tags at a fraction of its cost.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from itertools import accumulate, chain, pairwise
from pathlib import Path

import numpy as np

from warta.crf import BoolArray, CrfWeights, Decoder, IntArray
from warta.entity_features import (
    SENTENCE_END,
    Emissions,
    Resources,
    bio_spans,
    sentence_features,
)
from warta.errors import InputError
from warta.model import Entity

logger = logging.getLogger(__name__)

ENTITY_TYPES = ("PERSON", "ORGANIZATION", "LOCATION")
MODEL_FILE = "ner.crfsuite"
RESOURCES_FILE = "ner_resources.json"
MAX_SENTENCE_TOKENS = 200
# Tokens decoded at once, at most (a whole sentence always goes in one piece).
_BLOCK = 8192
_LABEL_MAP = {
    "PER": "PERSON", "PERSON": "PERSON", "ORG": "ORGANIZATION", "ORGANIZATION": "ORGANIZATION",
    "ORGANISATION": "ORGANIZATION", "LOC": "LOCATION", "LOCATION": "LOCATION",
    "GPE": "LOCATION",
}  # fmt: skip

# Tokens: abbreviations with a dot, numbers/dates, words with inner hyphens or apostrophes,
# a split-off "-nya"-style clitic, or any other single visible character. (The lookahead
# only spares trying every abbreviation at each token: it names their first letters.)
_TOKEN_RE = re.compile(
    r"(?=[BCDHIJKLMNPS])"
    r"(?:Dr|Drs|Dra|Prof|Ir|Hj|H|Jl|Jln|Kol|Jend|Brigjen|Mayjen|Letjen|Inc|Co|Ltd|St|No)\.(?!\w)"
    r"|\d+(?:[.,/:]\d+)*"
    r"|[^\W_]+(?:['’][^\W_]+)*(?:-(?!(?:nya|ku|mu|lah|pun)\b)[^\W_]+)*"
    r"|-(?:nya|ku|mu|lah|pun)\b"
    r"|\S",
)
_LINE_BREAK = re.compile("\n")
#: A tag of a BIO file: O, or B-/I- and a type (any type: those not in _LABEL_MAP read as O).
_BIO_TAG = re.compile(r"O|[BI]-\S+")


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
        if tok in SENTENCE_END:
            yield toks[start : i + 1]
            start = i + 1
    if start < len(toks):
        yield toks[start:]


def normalize_tag(tag: str) -> str:
    """Map a dataset tag (``B-PER``, ``I-LOCATION``, ``B-TIME``...) to the three types or O."""
    if len(tag) < 3 or tag[1] != "-" or tag[0] not in "BI":
        return "O"
    etype = _LABEL_MAP.get(tag[2:].upper())
    return f"{tag[0]}-{etype}" if etype else "O"


def read_bio(path: str | Path) -> list[tuple[list[str], list[str]]]:
    """Read a BIO file: token first, tag last column (tab or space), blank lines between.

    Tags are normalised with :func:`normalize_tag`; CRLF line ends are accepted. A tag
    of a type the tagger does not find (``B-TIME``, ``I-QUANTITY``, ``I-XYZ``) is read as
    O, and one warning names those types with their counts.

    Raises:
        InputError: the file cannot be read or is not UTF-8, or a line has no tag or a
            tag that is not ``O``, ``B-TYPE`` or ``I-TYPE`` (the message gives the line).
    """
    try:
        data = Path(path).read_bytes()
        text = data.decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = exc.object[exc.start]
        raise InputError(f"{path} line {line}: not UTF-8 (byte 0x{byte:02x})") from None
    sentences: list[tuple[list[str], list[str]]] = []
    toks: list[str] = []
    tags: list[str] = []
    other: Counter[str] = Counter()
    for n, line in enumerate([*io.StringIO(text, newline=""), ""], start=1):
        line = line.rstrip("\r\n")
        if not line.strip():
            if toks:
                sentences.append((toks, tags))
                toks, tags = [], []
            continue
        parts = line.split("\t") if "\t" in line else line.split()
        tag = parts[-1].strip() if len(parts) > 1 else ""
        if not tag:
            raise InputError(f"{path} line {n}: no tag after the token {parts[0]!r}")
        if not _BIO_TAG.fullmatch(tag):
            raise InputError(f"{path} line {n}: tag {tag!r} is not O, B-TYPE or I-TYPE")
        toks.append(parts[0])
        tags.append(normalize_tag(tag))
        if tags[-1] == "O" and tag != "O":
            other[tag[2:]] += 1
    if other:
        logger.warning(
            "%s: %d tags of types the tagger does not find are scored as O: %s", path,
            other.total(), ", ".join(f"{t} {n}" for t, n in sorted(other.items())),
        )  # fmt: skip
    return sentences


class NerModel:
    """A trained tagger: the CRF's weights, its resources and a per-word score cache."""

    def __init__(self, model_bytes: bytes, res: Resources) -> None:
        """Load a model from the bytes crfsuite wrote and the resources trained with it."""
        self.model_bytes = model_bytes
        self.crf = CrfWeights.from_bytes(model_bytes)
        self.res = res
        self.emissions = Emissions(self.crf, res)
        labels = self.crf.labels
        self._outside = labels.index("O") if "O" in labels else 0
        self.decoder = Decoder(self.crf.transition, self._outside)
        self._type = [lab[2:] if lab[:2] in ("B-", "I-") else "" for lab in labels]
        self._inside = [lab[:2] == "I-" for lab in labels]

    def label_ids(
        self, tokens: Sequence[str], first: BoolArray, ids: IntArray | None = None
    ) -> IntArray:
        """Best label index per token, for sentences laid end to end.

        Args:
            tokens: The tokens.
            first: Where each sentence starts (``first[0]`` is true).
            ids: ``self.emissions.ids(tokens)``, when the caller has them already.

        Returns:
            Indices into ``self.crf.labels``.
        """
        n = len(tokens)
        if not n:
            return np.zeros(0, dtype=np.intp)
        starts = np.flatnonzero(first)
        cuts = [0]
        for mark in range(_BLOCK, n, _BLOCK):
            k = int(np.searchsorted(starts, mark))
            if k < len(starts) and starts[k] > cuts[-1]:
                cuts.append(int(starts[k]))
        cuts.append(n)
        out = np.empty(n, dtype=np.intp)
        for a, b in pairwise(cuts):
            part, top = tokens[a:b], first[a:b]
            rows = self.emissions.ids(part) if ids is None else ids[a:b]
            scores = self.emissions.scores(part, rows, top)
            out[a:b] = self.decoder(scores, top)
        return out

    def spans(self, labels: IntArray, first: BoolArray) -> list[tuple[str, int, int]]:
        """``(type, start, end)`` token spans of the entities (as :func:`bio_spans` finds)."""
        found: list[tuple[str, int, int]] = []
        kind, start, end = "", 0, 0
        at = (labels != self._outside).nonzero()[0]
        for i, lab, top in zip(at.tolist(), labels[at].tolist(), first[at].tolist(), strict=True):
            if kind and end == i and self._inside[lab] and self._type[lab] == kind and not top:
                end = i + 1
                continue
            if kind:
                found.append((kind, start, end))
            kind, start, end = self._type[lab], i, i + 1
        if kind:
            found.append((kind, start, end))
        return found

    def tag_sentences(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        """BIO tags (three entity types) for tokenised sentences, decoded together."""
        tokens = list(chain.from_iterable(sentences))
        first = np.zeros(len(tokens), dtype=bool)
        bounds = list(accumulate(map(len, sentences), initial=0))
        first[[p for p in bounds[:-1] if p < len(tokens)]] = True
        names = [self.crf.labels[k] for k in self.label_ids(tokens, first).tolist()]
        return [names[a:b] for a, b in pairwise(bounds)]

    def tag(self, tokens: Sequence[str]) -> list[str]:
        """BIO tags (three entity types) for one tokenised sentence."""
        return self.tag_sentences([tokens])[0]


class _ModelCache:
    """Lazily loads the shipped model once per process."""

    def __init__(self) -> None:
        self._model: NerModel | None = None

    def get(self) -> NerModel:
        if self._model is None:
            data = resources.files("warta") / "data"
            res = Resources.from_json((data / RESOURCES_FILE).read_text(encoding="utf-8"))
            self._model = NerModel((data / MODEL_FILE).read_bytes(), res)
            logger.debug("loaded NER model (%d labels)", len(self._model.crf.labels))
        return self._model


_CACHE = _ModelCache()


def load_model() -> NerModel:
    """Return the shipped NER model, loading it on first use."""
    return _CACHE.get()


__all__ = [
    "Entity",
    "NerModel",
    "Resources",
    "bio_spans",
    "evaluate_bio_file",
    "extract_entities",
    "load_model",
    "main_eval",
    "sentence_features",
]


def _sentence_starts(line_start: BoolArray, stop: BoolArray) -> BoolArray:
    """Sentence starts as :func:`split_sentences` cuts: lines, ``stop`` tokens, 200 tokens."""
    first = line_start.copy()
    first[0] = True
    first[1:] |= stop[:-1]
    starts = first.nonzero()[0]
    lengths = np.empty_like(starts)
    lengths[:-1] = starts[1:] - starts[:-1]
    lengths[-1] = len(first) - starts[-1]
    for s, ln in zip(starts[lengths > MAX_SENTENCE_TOKENS].tolist(),
                     lengths[lengths > MAX_SENTENCE_TOKENS].tolist(), strict=True):  # fmt: skip
        first[s + MAX_SENTENCE_TOKENS : s + ln : MAX_SENTENCE_TOKENS] = True
    return first


def extract_entities(text: str, model: NerModel | None = None) -> list[Entity]:
    """Find people, organisations and places in raw Indonesian text.

    Sentences end at ``.``, ``!``, ``?``, at line breaks and every 200 tokens (as
    :func:`split_sentences` cuts the tokens of :func:`tokenize`).

    Args:
        text: Raw text of any length.
        model: A model to use instead of the shipped one.

    Returns:
        Entities in text order; ``text[e.start:e.end] == e.text`` for each.

    Example:
        >>> [(e.text, e.type) for e in extract_entities("Presiden Joko Widodo tiba di Bali.")]
        [('Joko Widodo', 'PERSON'), ('Bali', 'LOCATION')]
    """
    matches = list(_TOKEN_RE.finditer(text))
    if not matches:
        return []
    n = len(matches)
    tokens = list(map(re.Match.group, matches))
    starts = np.fromiter(map(re.Match.start, matches), np.intp, n)
    breaks = np.array([m.start() for m in _LINE_BREAK.finditer(text)], dtype=np.intp)
    line = breaks.searchsorted(starts)
    line_start = np.empty(n, dtype=bool)
    line_start[0] = True
    line_start[1:] = line[1:] != line[:-1]
    ner = model or load_model()
    ids = ner.emissions.ids(tokens)
    first = _sentence_starts(line_start, ner.emissions.stops(ids))
    found: list[Entity] = []
    for etype, i, j in ner.spans(ner.label_ids(tokens, first, ids), first):
        start, end = matches[i].start(), matches[j - 1].end()
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
    pred = ner.tag_sentences([toks for toks, _tags in sents])
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
