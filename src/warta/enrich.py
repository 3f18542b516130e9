"""Enrichment: facts computed from the clean article (language, for now)."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import zipfile
from array import array
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

from warta.model import Article, Entity, Mention
from warta.settings import DEFAULT_LANGUAGES
from warta.timeline import extract_timeline

#: Indonesian and Malay share most of their words: Indonesian news is read as
#: Malay only when the identifier is this sure (Malay news scores above 0.99).
MALAY_MIN_PROB = 0.9
#: Below this probability the language is left undetermined (null).
MIN_LANG_PROB = 0.3
#: The first look reads this many characters, and is enough when this sure
#: (of one language, or of Indonesian over Malay: the longer look could only
#: turn that into Malay at or above `MALAY_MIN_PROB`, which a short look that
#: puts Indonesian first did not once do on 6,379 articles).
QUICK_LOOK_CHARS = 400
QUICK_LOOK_SURE = 0.9
#: Characters of the text read to identify its language (enough for a stable answer).
LANG_SAMPLE_CHARS = 1000

T = TypeVar("T")
log = logging.getLogger(__name__)

_NON_LATIN = re.compile(r"[^\x00-\u024f\u1e00-\u1eff\u2000-\u206f]+")


@dataclass(slots=True)
class LanguageId:
    """py3langid's model restricted to `languages`, loaded once per process by its owner."""

    languages: Sequence[str] = DEFAULT_LANGUAGES
    _model: _Identifier | None = field(default=None, init=False, repr=False)

    def __call__(self, text: str) -> str | None:
        """The language code of `text`, or None for text with no letters."""
        sample = _sample(text)
        if sample is None:
            return None
        model = self._identifier()
        # A short look settles most texts; the longer one is read only when it does not.
        ranked = model.rank(sample[:QUICK_LOOK_CHARS])
        if _unsure(ranked) and len(sample) > QUICK_LOOK_CHARS:
            ranked = model.rank(sample)
        lang, prob = ranked[0]
        if prob < MIN_LANG_PROB:
            return None  # too little text to tell: no label rather than a wrong one
        if lang == "ms" and prob < MALAY_MIN_PROB and ranked[1][0] == "id":
            return "id"
        return str(lang)

    @contextmanager
    def prepared(self, texts: Sequence[str]) -> Iterator[None]:
        """Within the block, the short looks at `texts` are made together, which costs less
        than one by one (`_Identifier.features_many`); the answers are the same."""
        looks = [s[:QUICK_LOOK_CHARS] for s in map(_sample, texts) if s is not None]
        with self._identifier().prepared(looks):
            yield

    def _identifier(self) -> _Identifier:
        if self._model is None:
            self._model = _identifier(tuple(self.languages))
        return self._model


def _sample(text: str) -> str | None:
    """What is read of `text` for its language (None: it has no letters)."""
    sample = text[:LANG_SAMPLE_CHARS]
    if not any(c.isalpha() for c in sample):
        return None
    latin = sample if sample.isascii() else _NON_LATIN.sub(" ", sample)  # 8 µs saved
    if len(latin.strip()) * 2 >= len(sample.strip()):
        # Mostly Latin script: quoted Arabic or Chinese must not sway Indonesian to Malay.
        sample = latin
    return sample


def _unsure(ranked: Sequence[tuple[str, float]]) -> bool:
    """Whether a short look leaves the language open: neither one language nor
    Indonesian-then-Malay together reach `QUICK_LOOK_SURE`."""
    (first, p1), (second, p2) = ranked[0], ranked[1]
    if first == "id" and second == "ms":
        p1 += p2
    return p1 < QUICK_LOOK_SURE


@lru_cache(maxsize=4)
def _identifier(languages: tuple[str, ...]) -> _Identifier:
    """py3langid's model restricted to `languages`, loaded once per process (it is read-only):
    from its unpacked copy in `model_cache`, made on first use."""
    cached = model_cache(languages)
    copied = _read_model(cached) if cached is not None else None
    if copied is not None:
        copied.set_languages(list(languages))  # all of the copy's
        return copied
    model: _Identifier = _Identifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    model.set_languages(list(languages))
    if cached is not None:
        _write_model(model, cached)
    return model


def model_cache(languages: Sequence[str]) -> Path | None:
    """Where the unpacked copy of py3langid's model for `languages` is kept (None: no home).

    py3langid ships its model packed (xz): unpacking it took 0.5 s of every process
    that identifies a language (each `warta` command, each build's workers). Its copy,
    restricted to `languages` (47 MB of `numpy` arrays), is read in 0.07 s. It lives in
    `$XDG_CACHE_HOME/warta` (`~/.cache/warta`), named after the model file's size and
    time and the languages, so a new model or language list makes a new copy.
    """
    model = MODEL_DIR / MODEL_FILE
    try:
        stat = model.stat()
        home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    except (OSError, RuntimeError):  # RuntimeError: no home directory
        return None
    key = f"{model}|{stat.st_size}|{stat.st_mtime_ns}|{','.join(languages)}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return Path(home) / "warta" / f"langid-{digest}.npz"


def _read_model(path: Path) -> _Identifier | None:
    """The model unpacked at `path` (None: none there, or not readable as one)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return _Identifier(
                data["ptc"], data["pc"], data["classes"].tolist(),
                _array("I", data["nextmove"]), data["output"].tolist(),
                norm_probs=True, tk_row=_array("H", data["row"]),
            )  # fmt: skip
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        log.debug("language model copy %s not read (%s): unpacking the model again", path, exc)
        return None


def _array(typecode: str, values: npt.NDArray[Any]) -> array[int]:
    """`values` as the `array` py3langid keeps its automaton in (as its own loader makes it)."""
    out = array(typecode)
    out.frombytes(np.ascontiguousarray(values, dtype=f"={typecode}").data.cast("B"))
    return out


def _write_model(model: _Identifier, path: Path) -> None:
    """Keep `model` (restricted to its languages) unpacked at `path`; nothing when it cannot
    be written (a read-only home): the next process unpacks the model again."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with temporary.open("wb") as f:
            np.savez(
                f, ptc=model.nb_ptc, pc=model.nb_pc, classes=np.array(model.nb_classes),
                nextmove=np.frombuffer(model.tk_nextmove, dtype=np.uint32),
                row=np.array(model.tk_row, dtype=np.uint16),
                output=np.array(model.tk_output, dtype=np.int64),
            )  # fmt: skip
        os.replace(temporary, path)  # whole or not at all, also when two processes write it
    except OSError as exc:
        log.debug("language model copy %s not written: %s", path, exc)
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


#: py3langid 0.4.0's byte automaton forgets where it started after 6 bytes: from
#: every state, any 6 bytes lead to the same state (checked over all of its 104,583
#: states by following every byte from the set of all states). So the state at a
#: byte depends only on the 6 bytes that end there.
SYNC_BYTES = 6


#: Bits of a feature count key that hold the byte position (the feature id above them):
#: features number about 100,000 (17 bits), so positions may run to 2**40.
POSITION_BITS = 40


#: A text's features (py3langid's ids, first seen first) and how often each is seen.
_Features = tuple[npt.NDArray[np.intp], npt.NDArray[np.float32]]


class _Identifier(LanguageIdentifier):  # type: ignore[misc]  # py3langid has no types
    """py3langid's identifier, its feature count done by numpy instead of a Python loop.

    py3langid walks its automaton byte by byte in Python (0.15 µs a byte, most of
    it waiting on a 40 MB table). Since a state depends only on the last
    `SYNC_BYTES` bytes, all states are found at once: `SYNC_BYTES` vectorised
    steps, each advancing every position by one byte. The features, their counts
    and their order (first seen first) are py3langid's own, so the scores are
    bit for bit the same (`tests/test_language.py` compares the two).
    """

    __slots__ = ("_emits", "_next", "_ready", "_rows")
    nb_ptc: npt.NDArray[Any]  # py3langid's slot: the weights, a row per feature

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._next = np.frombuffer(self.tk_nextmove, dtype=np.uint32)
        self._rows = np.asarray(self._rowbase, dtype=np.intp)
        self._emits = np.asarray(self.tk_output, dtype=np.intp)
        self._ready: dict[bytes, _Features | None] = {}  # the `prepared` texts' features

    @contextmanager
    def prepared(self, texts: Sequence[str]) -> Iterator[None]:
        """Within the block, `rank` of any of `texts` uses features found for all of them at
        once (`features_many`); any other text is walked alone, as always."""
        encoded = [self._encode(t) for t in texts]
        self._ready = dict(zip(encoded, self.features_many(encoded), strict=True))
        try:
            yield
        finally:
            self._ready = {}

    def set_languages(self, langs: Sequence[str] | None = None) -> None:
        """py3langid's, with the chosen languages' weights as float32 rows (`_raw_score`)."""
        super().set_languages(langs)
        self.nb_ptc = np.ascontiguousarray(self.nb_ptc, dtype=np.float32)  # type: ignore[misc]

    def features(self, text: bytes) -> _Features | None:
        """The features `text` emits and their counts, first seen first (None: none).

        One sort of `feature << POSITION_BITS | position` keys groups each feature's
        positions, its first one first. On a few hundred features numpy's cost is per
        call, not per element, so this takes the fewest calls (`np.unique` with its
        first indices and counts, then `argsort`, cost twice as much).
        """
        data = np.frombuffer(text, dtype=np.uint8)
        n = data.size
        state = np.zeros(n, dtype=np.intp)
        for back in range(min(SYNC_BYTES, n) - 1, -1, -1):
            # every position at or past `back` reads the byte `back` places before it
            state[back:] = self._next[self._rows[state[back:]] + data[: n - back]]
        emitted = self._emits[state]
        at = (emitted >= 0).nonzero()[0]
        if not at.size:
            return None
        keys = emitted[at]
        keys <<= POSITION_BITS
        keys |= at
        keys.sort()  # by feature, then position
        found = keys >> POSITION_BITS
        starts, counts = _runs(found)
        order = (keys[starts] & ((1 << POSITION_BITS) - 1)).argsort()  # by first position
        return found[starts[order]], counts[order].astype(np.float32)

    def features_many(self, texts: Sequence[bytes]) -> list[_Features | None]:
        """`features` of each text, the automaton walked over all of them at once.

        The walk goes byte by byte from py3langid's start, as py3langid's own does,
        but one step moves every text on by a byte: a numpy call a byte for the whole
        batch, where `features` makes `SYNC_BYTES` calls over each text's positions.
        One sort of `text, feature, position` keys then groups the features of all
        texts, and a text-by-position grid puts each text's in first-seen order. On 512
        articles' first 400 characters: 17 against 30 µs a text (an argsort in place of
        the grid cost 10 µs a text more).
        """
        n = len(texts)
        lengths = np.fromiter(map(len, texts), dtype=np.intp, count=n)
        longest = int(lengths.max()) if n else 0
        position_bits = max(longest.bit_length(), 1)
        feature_bits = max(int(self._emits.max()).bit_length(), 1)
        if not longest or n.bit_length() + feature_bits + position_bits > 62:
            return [self.features(t) for t in texts]
        data = np.zeros((n, longest), dtype=np.uint8)
        inside = np.arange(longest) < lengths[:, None]
        data[inside] = np.frombuffer(b"".join(texts), dtype=np.uint8)
        columns = np.ascontiguousarray(data.T, dtype=np.intp)  # a row a byte position
        state = np.zeros(n, dtype=np.intp)
        states = np.empty((longest, n), dtype=np.intp)
        for step, column in enumerate(columns):
            state = self._next[self._rows[state] + column]
            states[step] = state
        emitted = self._emits[states]
        emitted[~inside.T] = -1  # past a text's end
        at, text = (emitted >= 0).nonzero()
        keys = text << (feature_bits + position_bits)
        keys |= emitted[at, text] << position_bits
        keys |= at
        keys.sort()  # by text, feature, then position
        group = keys >> position_bits  # a text's feature
        starts, counts = _runs(group)
        owner = group[starts] >> feature_bits
        found = group[starts] & ((1 << feature_bits) - 1)
        # Each text's features by their first position: a position emits one feature, so
        # each (text, first position) is one cell of a text-by-position grid, and reading
        # the grid row by row puts them in order (5 ms less a chunk than an argsort).
        grid = np.full(n * longest, -1, dtype=np.intp)
        grid[owner * longest + (keys[starts] & ((1 << position_bits) - 1))] = np.arange(starts.size)
        order = grid[grid >= 0]
        found, seen = found[order], counts[order].astype(np.float32)
        ends = np.cumsum(np.bincount(owner, minlength=n)).tolist()
        out: list[_Features | None] = []
        begin = 0
        for end in ends:
            out.append((found[begin:end], seen[begin:end]) if end > begin else None)
            begin = end
        return out

    def _raw_score(self, text: bytes) -> Any:
        """py3langid's scores, the weights' rows read with `take` from float32 rows.

        py3langid keeps the weights as float16 columns; numpy turns the rows it reads
        into float32 for the product anyway, so the product is the same. Rows of a
        float32 copy (`set_languages`: 7 MB for 17 languages, 3.5 MB more than the
        float16 copy it replaces) read with `take` cost a quarter as much (5 against
        20 µs a text): fancy indexing of rows is slower, and float16 rows convert slowly.
        """
        ready = self._ready  # another thread's `prepared` may replace it (never change it)
        found = ready[text] if text in ready else self.features(text)
        if found is None:
            return super()._raw_score(text)  # no features: py3langid's own fill
        features, counts = found
        weights = self.nb_ptc
        rows = weights.take(features, axis=0) if weights.flags.c_contiguous else weights[features]
        return np.log1p(counts) @ rows + self.nb_pc


def _runs(values: npt.NDArray[np.intp]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Where each run of equal `values` (sorted) starts, and how long it is."""
    edges = np.empty(values.size + 1, dtype=bool)  # where a run starts, or all end
    edges[0] = edges[-1] = True
    np.not_equal(values[1:], values[:-1], out=edges[1:-1])
    bounds = edges.nonzero()[0]
    return bounds[:-1], bounds[1:] - bounds[:-1]


def enrich(article: Article, language_id: LanguageId, *, entities: bool = False) -> Article:
    """Add what is computed from the clean text: the language code and the timeline.

    The timeline's dates resolve against the publication instant (a day-only
    date is still a fine anchor); without one they keep TimeML's `XXXX` digits.

    Example:
        >>> from warta.model import Provenance
        >>> a = Article("x", Provenance("-"), "Judul", "Presiden mengadakan panggilan telepon.")
        >>> enrich(a, LanguageId()).lang
        'id'
    """
    [result] = enrich_many([article], language_id, entities=entities)
    if isinstance(result, Exception):
        raise result
    return result


def enrich_many(
    articles: Sequence[Article], language_id: LanguageId, *, entities: bool = False
) -> list[Article | Exception]:
    """`enrich` of each article, done one step at a time over all of them.

    A step's tables (the language model's 40 MB automaton, the timeline grammar)
    then stay in the CPU caches from one article to the next: on a chunk of 256
    articles, language id costs half as much as article by article. An article
    whose step raises gets the exception in its place; the others are unaffected.
    """
    found: list[tuple[Entity, ...] | Exception | None] = [None] * len(articles)
    if entities:
        from warta.entities import extract_entities  # the tagger loads only when asked for

        found = [_attempt(lambda t: tuple(extract_entities(t)), a.text) for a in articles]
    with language_id.prepared([a.text for a in articles]):
        langs = [_attempt(language_id, a.text) for a in articles]
    timelines = [
        _attempt(extract_timeline, a.text, a.published.value if a.published else None)
        for a in articles
    ]
    out: list[Article | Exception] = []
    for article, ents, lang, timeline in zip(articles, found, langs, timelines, strict=True):
        failed = next((x for x in (ents, lang, timeline) if isinstance(x, Exception)), None)
        if failed is not None:
            out.append(failed)
            continue
        out.append(_enriched(article, lang, timeline, ents))  # type: ignore[arg-type]
    return out


#: `Article`'s fields in order, read in one call.
_FIELDS = attrgetter(*(f.name for f in fields(Article)))
_LANG, _TIMELINE, _ENTITIES = (
    [f.name for f in fields(Article)].index(name) for name in ("lang", "timeline", "entities")
)


def _enriched(
    article: Article,
    lang: str | None,
    timeline: tuple[Mention, ...],
    ents: tuple[Entity, ...] | None,
) -> Article:
    """`dataclasses.replace(article, lang=..., timeline=..., entities=...)` at half the cost
    (`replace` reads and checks the fields one by one)."""
    values = list(_FIELDS(article))
    values[_LANG], values[_TIMELINE], values[_ENTITIES] = lang, timeline, ents
    return Article(*values)


def _attempt(step: Callable[..., T], *args: Any) -> T | Exception:
    """`step(*args)`, or the exception it raised (the caller turns it into a reject)."""
    try:
        return step(*args)
    except Exception as exc:  # the runner boundary, one article at a time
        return exc
