"""Tests for warta.crf: reading crfsuite models and the pruned Viterbi decoder."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import numpy as np
import pycrfsuite  # type: ignore[import-untyped]
import pytest

from warta.crf import CrfWeights, viterbi


def _best_path(emission: np.ndarray, transition: np.ndarray) -> tuple[int, ...]:
    """The best label sequence of one sequence, by trying them all."""
    n, nl = emission.shape

    def score(path: tuple[int, ...]) -> float:
        s = sum(emission[i, y] for i, y in enumerate(path))
        return float(s + sum(transition[a, b] for a, b in itertools.pairwise(path)))

    return max(itertools.product(range(nl), repeat=n), key=score)


@pytest.mark.parametrize("seed", range(200))
def test_viterbi_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    nl = int(rng.integers(2, 5))
    lengths = [int(x) for x in rng.integers(1, 6, size=int(rng.integers(1, 4)))]
    # Label 0 is usually far ahead, as O is in text: the pruning has work to do.
    emission = rng.normal(0, 3, size=(sum(lengths), nl))
    emission[:, 0] += rng.choice([0.0, 4.0, 12.0], size=sum(lengths))
    transition = rng.normal(0, 3, size=(nl, nl))
    first = np.zeros(sum(lengths), dtype=bool)
    first[np.cumsum([0, *lengths[:-1]])] = True
    outside = 0 if seed % 3 else seed % nl  # the common label need not be the first
    emission[:, [0, outside]] = emission[:, [outside, 0]]
    transition[:, [0, outside]] = transition[:, [outside, 0]]
    transition[[0, outside]] = transition[[outside, 0]]
    got = viterbi(emission, transition, first, outside).tolist()
    want: list[int] = []
    for start, ln in zip(np.cumsum([0, *lengths[:-1]]), lengths, strict=True):
        want.extend(_best_path(emission[start : start + ln], transition))
    assert got == want


def test_viterbi_empty() -> None:
    assert viterbi(np.zeros((0, 3)), np.zeros((3, 3)), np.zeros(0, dtype=bool), 0).tolist() == []


def _toy_data() -> list[tuple[list[list[str]], list[str]]]:
    rnd = random.Random(0)
    words = ["Budi", "pergi", "ke", "Jakarta", "dan", "Bandung", "kata", "Ani", "PT", "Maju"]
    tags = {"Budi": "B-PER", "Ani": "B-PER", "Jakarta": "B-LOC", "Bandung": "B-LOC", "PT": "B-ORG"}
    data = []
    for _ in range(60):
        toks = [rnd.choice(words) for _ in range(rnd.randint(2, 8))]
        labels = [tags.get(t, "O") for t in toks]
        labels = ["I-ORG" if t == "Maju" and i and toks[i - 1] == "PT" else lab
                  for i, (t, lab) in enumerate(zip(toks, labels, strict=True))]  # fmt: skip
        data.append(([[f"w={t}", f"p={t[:1]}", "bias"] for t in toks], labels))
    return data


def test_model_read_like_crfsuite(tmp_path: Path) -> None:
    data = _toy_data()
    trainer = pycrfsuite.Trainer(verbose=False)
    for xseq, yseq in data:
        trainer.append(xseq, yseq)
    trainer.set_params({"c1": 0.01, "c2": 0.01, "max_iterations": 50})
    path = tmp_path / "toy.crfsuite"
    trainer.train(str(path))
    crf = CrfWeights.from_bytes(path.read_bytes())
    tagger = pycrfsuite.Tagger()
    tagger.open(str(path))
    info = tagger.info()
    assert list(crf.labels) == tagger.labels()
    for (attr, label), w in info.state_features.items():
        assert crf.state[crf.attributes[attr], crf.labels.index(label)] == pytest.approx(
            w, abs=1e-6
        )
    for (a, b), w in info.transitions.items():
        assert crf.transition[crf.labels.index(a), crf.labels.index(b)] == pytest.approx(
            w, abs=1e-6
        )
    # Summed state weights + viterbi give crfsuite's tags.
    outside = crf.labels.index("O")
    for xseq, _ in data:
        emission = np.array(
            [
                sum((crf.state[crf.attributes[f]] for f in feats if f in crf.attributes),
                    np.zeros(len(crf.labels)))
                for feats in xseq
            ]
        )  # fmt: skip
        first = np.zeros(len(xseq), dtype=bool)
        first[0] = True
        got = [crf.labels[k] for k in viterbi(emission, crf.transition, first, outside)]
        assert got == tagger.tag(xseq)


def test_not_a_model() -> None:
    with pytest.raises(ValueError, match="not a crfsuite"):
        CrfWeights.from_bytes(b"\0" * 64)
