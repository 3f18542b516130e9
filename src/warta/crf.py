"""A linear-chain CRF read from a crfsuite model file, decoded with numpy.

python-crfsuite trains the model (``scripts/train_ner.py``) and this module tags with it.
Its tagger takes features as strings, one by one. Here the weights become arrays, so a
caller can add up a word's state scores once and reuse them (``warta.entity_features``).
:func:`viterbi` finds the same best label sequence as crfsuite's tagger: the sum of state
and transition weights, ties going to the lower label index. The tests check that the two
agree on the NER corpora.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

# crfsuite's "FOMC" model layout (crf1d model.c): a 48-byte header of offsets, a FEAT chunk
# of 20-byte features (type, source, target, weight), and CQDB string tables.
_HEADER = struct.Struct("<4sI4sIIIIIIIII")
_CHUNK = struct.Struct("<4sII")
_FEATURE = struct.Struct("<IIId")
_CQDB = struct.Struct("<4sIIIII")
_STATE, _TRANSITION = 0, 1


def _strings(buf: bytes, offset: int) -> list[str]:
    """The strings of a CQDB table, by id (its backward array)."""
    magic, _size, _flag, _order, count, bwd = _CQDB.unpack_from(buf, offset)
    if magic != b"CQDB":
        raise ValueError(f"not a crfsuite string table at byte {offset}")
    out = []
    for pos in struct.unpack_from(f"<{count}I", buf, offset + bwd):
        _id, ksize = struct.unpack_from("<II", buf, offset + pos)
        raw = buf[offset + pos + 8 : offset + pos + 8 + ksize - 1]  # ksize counts the NUL
        out.append(raw.decode("utf-8", "surrogateescape"))
    return out


@dataclass(frozen=True)
class CrfWeights:
    """A trained linear-chain CRF as arrays.

    Attributes:
        labels: Label names, by label index.
        attributes: Attribute (feature string) -> row of ``state``.
        state: ``(attributes, labels)`` weights of the state features.
        transition: ``(labels, labels)`` weights, from the row label to the column label.
    """

    labels: tuple[str, ...]
    attributes: dict[str, int]
    state: FloatArray
    transition: FloatArray

    @classmethod
    def from_bytes(cls, buf: bytes) -> CrfWeights:
        """Read a model written by crfsuite's trainer (``Trainer.train``).

        Raises:
            ValueError: The bytes are not a crfsuite 1st-order CRF model.
        """
        head = _HEADER.unpack_from(buf, 0)
        if head[0] != b"lCRF" or head[2] != b"FOMC":
            raise ValueError("not a crfsuite CRF model (expected lCRF/FOMC)")
        off_features, off_labels, off_attrs = head[7], head[8], head[9]
        labels = tuple(_strings(buf, off_labels))
        names = _strings(buf, off_attrs)
        chunk, _size, count = _CHUNK.unpack_from(buf, off_features)
        if chunk != b"FEAT":
            raise ValueError("crfsuite model without a FEAT chunk")
        state = np.zeros((len(names), len(labels)))
        transition = np.zeros((len(labels), len(labels)))
        for kind, src, dst, weight in _FEATURE.iter_unpack(
            buf[off_features + _CHUNK.size : off_features + _CHUNK.size + count * _FEATURE.size]
        ):
            if kind == _STATE:
                state[src, dst] = weight
            elif kind == _TRANSITION:
                transition[src, dst] = weight
        return cls(labels, {a: i for i, a in enumerate(names)}, state, transition)


class Decoder:
    """Viterbi decoding for one transition matrix, for many sequences laid end to end.

    The positions that every best path gives the ``outside`` label (``O``, by far the most
    common) are fixed first: the bounds below prove it from the scores alone. They cut the
    sequences into short segments, decoded together in numpy; a segment starts after an
    ``outside`` label or at a sequence start, and ends likewise.

    Say a best path gives position i another label, in a run [a, b] of such labels.
    Putting ``outside`` on all of [a, b], or on [i, b], changes its score by at least a sum
    of per-position bounds (the largest transition weights that could apply), minimised
    over every a and b. When either minimum is positive, no best path does that.
    """

    def __init__(self, transition: FloatArray, outside: int) -> None:
        """Precompute the transition bounds for ``outside``."""
        t = transition
        other = np.flatnonzero(np.arange(len(t)) != outside)
        self.transition = t
        self.outside = outside
        self._other = other
        self._stay = t[outside, outside]
        # Per other label y, added to its state score: the transition into y from
        # `outside` (a run's start), from another label (inside a run), its gain over
        # `outside` from any label (a suffix's start), or none (a sequence start).
        self._into = np.stack(
            [
                t[outside, other],
                t[np.ix_(other, other)].max(axis=0),
                (t[:, other] - t[:, [outside]]).max(axis=0),
                np.zeros(len(other)),
            ]
        )
        self._leave = t[outside, outside] - t[other, outside].max()

    def _fixed(self, emission: FloatArray, first: BoolArray, last: BoolArray) -> BoolArray:
        """Positions where every best path has the ``outside`` label."""
        # (Indexing copies the other labels' columns: on a strided view of them, the max
        # below is several times slower.)
        best = (emission[:, self._other][:, None, :] + self._into).max(axis=2)
        lead = emission[:, self.outside, None] - best
        # As the first (f) or a later (g) member of a run; a suffix starting there; and
        # leaving the run after it (h).
        f = np.where(first, lead[:, 3], lead[:, 0] + self._stay)
        g = lead[:, 1] + self._stay
        suffix = np.where(first, lead[:, 3], lead[:, 2])
        h = np.where(last, 0.0, self._leave)
        # Sums of g from cum[b] - cum[a]; running minimums that restart at each sentence,
        # by lifting each sentence above the ones before it (and after it, going back).
        sentence = first.cumsum()
        cum = g.cumsum()
        lift = (4.0 * (np.abs(f).max() + np.abs(cum).max() + abs(self._leave) + 1.0)) * sentence
        left = np.minimum.accumulate(f - cum - lift) + lift  # min over a <= i of f[a] - cum[a]
        right = np.minimum.accumulate((cum + h + lift)[::-1])[::-1] - lift  # over b >= i
        # Above 0 by more than the rounding of the lifted sums; a position this misses is
        # only left to the full decoder.
        tol = 1e-6 + 1e-12 * float(lift[-1])
        fixed: BoolArray = (left + right > tol) | (suffix - cum + right > tol)
        return fixed

    def __call__(self, emission: FloatArray, first: BoolArray) -> IntArray:
        """Best label index per position.

        Args:
            emission: ``(n, labels)`` state scores.
            first: Where a sequence starts (``first[0]`` is true).

        Returns:
            ``n`` label indices; ties go to the lower label index, as in crfsuite.
        """
        n = len(emission)
        out = np.full(n, self.outside, dtype=np.intp)
        if n == 0:
            return out
        last = np.empty(n, dtype=bool)
        last[:-1] = first[1:]
        last[-1] = True
        # (numpy's methods, not its module functions: their wrappers cost more than the
        # work on arrays this small.)
        todo = (~self._fixed(emission, first, last)).nonzero()[0]
        if not len(todo):
            return out
        head = np.ones(len(todo), dtype=bool)
        head[1:] = (todo[1:] - todo[:-1] != 1) | first[todo[1:]]
        tail = np.ones(len(todo), dtype=bool)
        tail[:-1] = head[1:]
        starts, ends = todo[head], todo[tail]
        # Longest first, so the segments still going at step t are the first live[t].
        order = (starts - ends).argsort(kind="stable")
        starts, ends = starts[order], ends[order]
        lengths = ends - starts + 1
        width = int(lengths[0])
        live = (-lengths).searchsorted(-np.arange(width), "left").tolist()
        t = self.transition
        scores = emission[np.minimum(starts[:, None] + np.arange(width), ends[:, None])]
        delta = scores[:, 0] + np.where(first[starts, None], 0.0, t[self.outside])
        final = np.empty_like(delta)
        back: list[list[list[int]]] = []
        for step in range(1, width):
            k = live[step]
            if k < len(delta):
                final[k : len(delta)] = delta[k:]
                delta = delta[:k]
            cand = delta[:, :, None] + t
            back.append(cand.argmax(axis=1).tolist())
            delta = cand.max(axis=1) + scores[:k, step]
        final[: len(delta)] = delta
        final += np.where(last[ends, None], 0.0, t[:, self.outside])
        at: list[int] = []
        labels: list[int] = []
        for seg, (label, start, length) in enumerate(
            zip(final.argmax(axis=1).tolist(), starts.tolist(), lengths.tolist(), strict=True)
        ):
            for step in range(length - 1, -1, -1):
                at.append(start + step)
                labels.append(label)
                if step:
                    label = back[step - 1][seg][label]
        out[at] = labels
        return out


def viterbi(
    emission: FloatArray, transition: FloatArray, first: BoolArray, outside: int
) -> IntArray:
    """Best label index per position, for sequences laid end to end (see :class:`Decoder`).

    Args:
        emission: ``(n, labels)`` state scores.
        transition: ``(labels, labels)`` transition weights, from row to column label.
        first: Where a sequence starts (``first[0]`` is true).
        outside: Index of the most common label.

    Returns:
        ``n`` label indices.
    """
    return Decoder(transition, outside)(emission, first)
