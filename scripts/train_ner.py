"""Train the warta NER model (CRF) from the shared Indonesian NER corpora.

Usage (from the repository root)::

    python scripts/train_ner.py            # train the shipped model, score idner-news-2k dev
    python scripts/train_ner.py --cv       # also 5-fold cross-validation on NER UI
    python scripts/train_ner.py --select   # choose c1/c2 by 5-fold CV on the training set

The shipped model is trained on idner-news-2k train + NER UI, deduplicated, minus every
sentence identical to an idner-news-2k dev sentence, so the dev score stays held out.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import pycrfsuite  # type: ignore[import-untyped]  # noqa: E402

from warta import entities as ner  # noqa: E402
from warta import entity_features as features  # noqa: E402

Sentence = tuple[list[str], list[str]]
DATA_DIR = ROOT.parent / "shared" / "eval" / "ner"
OUT_DIR = ROOT / "src" / "warta" / "data"
JACKKNIFE = 10
SEED = 0
CLUSTERS = 100
CLUSTER_TEXT = ("nerugm", "idner_train")
ALL = ("nerui", "idner_train", "idner_dev", "nerugm")
SOURCES = ("nerui", "idner_train")  # NER UGM lowers both scores (docs/ner.md)
# c1/c2: the best of GRID by --select (docs/ner.md has the table).
PARAMS = {"c1": 0.02, "c2": 3.0, "max_iterations": 150, "feature.possible_transitions": True}
# --select: regularisation candidates, scored by CV on the training set (never on dev).
GRID = [
    (c1, c2)
    for c1 in (0.02, 0.05, 0.1, 0.2)
    for c2 in (0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
]


def load(data: Path) -> dict[str, list[Sentence]]:
    """Read the four files, tags mapped to PERSON/ORGANIZATION/LOCATION (others -> O)."""
    return {
        "nerui": ner.read_bio(data / "indolem-nerui" / "nerui.tsv"),
        "idner_train": ner.read_bio(data / "idner-news-2k" / "train.txt"),
        "idner_dev": ner.read_bio(data / "idner-news-2k" / "dev.txt"),
        "nerugm": ner.read_bio(data / "indolem-nerugm" / "nerugm.tsv"),
    }


def dedup(sentences: Sequence[Sentence], exclude: set[tuple[str, ...]]) -> list[Sentence]:
    """Keep the first copy of each token sequence, dropping any in ``exclude``."""
    seen = set(exclude)
    out = []
    for toks, tags in sentences:
        key = tuple(toks)
        if key not in seen:
            seen.add(key)
            out.append((toks, tags))
    return out


def lower_vocab(sentences: Sequence[Sentence]) -> set[str]:
    """Words written in lower case somewhere in the (unlabelled) text of the sentences."""
    return {t for toks, _ in sentences for t in toks if t.islower()}


def word_clusters(sentences: Sequence[Sequence[str]], k: int = CLUSTERS) -> dict[str, str]:
    """Cluster frequent words by their left/right neighbours (unlabelled text, fixed seed).

    Context counts over the 400 most frequent words, square-rooted and normalised, reduced
    to 60 dimensions by SVD, then spherical k-means.
    """
    import numpy as np  # only needed for training

    nctx, dims = 400, 60
    freq = Counter(t.lower() for toks in sentences for t in toks)
    words = [w for w, c in freq.most_common() if c >= 3]
    wi = {w: i for i, w in enumerate(words)}
    ci = {w: i for i, (w, _) in enumerate(freq.most_common(nctx))}
    m = np.zeros((len(words), 2 * nctx))
    for toks in sentences:
        low = [t.lower() for t in toks]
        for i, w in enumerate(low):
            r = wi.get(w)
            if r is None:
                continue
            if i > 0 and low[i - 1] in ci:
                m[r, ci[low[i - 1]]] += 1
            if i + 1 < len(low) and low[i + 1] in ci:
                m[r, nctx + ci[low[i + 1]]] += 1
    m = np.sqrt(m)
    m /= np.linalg.norm(m, axis=1, keepdims=True) + 1e-9
    u, s, _ = np.linalg.svd(m, full_matrices=False)
    x = u[:, :dims] * s[:dims]
    x /= np.linalg.norm(x, axis=1, keepdims=True) + 1e-9
    rng = np.random.RandomState(SEED)
    c = x[rng.choice(len(x), k, replace=False)]
    for _ in range(30):
        a = np.argmax(x @ c.T, axis=1)
        for j in range(k):
            members = x[a == j]
            if len(members):
                mean = members.mean(0)
                c[j] = mean / (np.linalg.norm(mean) + 1e-9)
    return {w: str(int(a[i])) for i, w in enumerate(words)}


def train(
    train_sents: Sequence[Sentence],
    model_path: str,
    params: dict[str, object],
    clusters: dict[str, str] | None = None,
) -> features.Resources:
    """Train a CRF; gazetteer features of training sentences are jackknifed (no self-lookup)."""
    trainer = pycrfsuite.Trainer(verbose=False)
    parts = [[s for i, s in enumerate(train_sents) if i % JACKKNIFE == k] for k in range(JACKKNIFE)]
    vocab = lower_vocab(train_sents)
    for k in range(JACKKNIFE):
        rest = (s for j, p in enumerate(parts) if j != k for s in p)
        res = features.Resources.build(rest, clusters, vocab)
        cache: dict[str, list[str]] = {}
        for toks, tags in parts[k]:
            trainer.append(features.sentence_features(toks, res, cache), tags)
    trainer.set_params(params)
    trainer.train(model_path)
    return features.Resources.build(train_sents, clusters, vocab)


Job = tuple[str, list[Sentence], list[Sentence], dict[str, object], dict[str, str]]


def fit_and_score(job: Job) -> tuple[str, ner.NerReport, float]:
    """Train on one split and score on its test part (runs in a worker process)."""
    name, train_sents, test_sents, params, clusters = job
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "m.crfsuite")
        res = train(train_sents, path, params, clusters)
        model = ner.NerModel(Path(path).read_bytes(), res)
    pred = model.tag_sentences([toks for toks, _ in test_sents])
    report = ner.score_tags([tags for _, tags in test_sents], pred)
    return name, report, time.time() - t0


def cv_jobs(
    d: dict[str, list[Sentence]],
    params: dict[str, object],
    sources: Sequence[str],
    contiguous: bool,
    clusters: dict[str, str],
) -> list[Job]:
    """NER UI folds; train = other folds + other sets, minus sentences identical to the test fold.

    Folds are contiguous in file order, or (default, like IndoLEM's published folds, which mix
    stories) contiguous after a shuffle with a fixed seed.
    """
    ui = list(d["nerui"])
    if not contiguous:
        random.Random(SEED).shuffle(ui)
    folds = 5
    size = -(-len(ui) // folds)
    others = [s for name in sources if name != "nerui" for s in d[name]]
    jobs = []
    for k in range(folds):
        test = ui[k * size : (k + 1) * size]
        rest = ui[: k * size] + ui[(k + 1) * size :] + others
        train_sents = dedup(rest, {tuple(t) for t, _ in test})
        jobs.append((f"fold{k + 1}", train_sents, test, params, clusters))
    return jobs


def train_cv_jobs(
    train_sents: Sequence[Sentence], params: dict[str, object], clusters: dict[str, str]
) -> list[Job]:
    """5 folds of the final training set (shuffled with a fixed seed): train on 4, test on 1."""
    sents = list(train_sents)
    random.Random(SEED).shuffle(sents)
    folds = 5
    size = -(-len(sents) // folds)
    return [
        (f"train-cv{k + 1}", sents[: k * size] + sents[(k + 1) * size :],
         sents[k * size : (k + 1) * size], params, clusters)
        for k in range(folds)
    ]  # fmt: skip


def pooled(reports: Sequence[ner.NerReport]) -> ner.TypeScore:
    """Micro scores over several test sets together."""
    return ner.TypeScore(
        sum(r.micro.tp for r in reports),
        sum(r.micro.n_pred for r in reports),
        sum(r.micro.n_gold for r in reports),
    )


def select(
    final: Sequence[Sentence], clusters: dict[str, str], base: dict[str, object]
) -> dict[str, object]:
    """Score every (c1, c2) of GRID by CV on the training set; return the best parameters."""
    jobs = [
        job
        for c1, c2 in GRID
        for job in train_cv_jobs(final, {**base, "c1": c1, "c2": c2}, clusters)
    ]
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        results = list(pool.map(fit_and_score, jobs))
    per = len(results) // len(GRID)
    scores = []
    for k, (c1, c2) in enumerate(GRID):
        micro = pooled([report for _, report, _ in results[k * per : (k + 1) * per]])
        scores.append((micro.f1, c1, c2))
        print(f"c1={c1:<5} c2={c2:<6} training-set CV micro F1 {micro.f1:.4f}")
    f1, c1, c2 = max(scores)
    print(f"best: c1={c1} c2={c2} ({f1:.4f})")
    return {**base, "c1": c1, "c2": c2}


def final_training_set(d: dict[str, list[Sentence]], sources: Sequence[str]) -> list[Sentence]:
    """The chosen sources except idner-news-2k dev (and any copy of a dev sentence)."""
    dev = {tuple(t) for t, _ in d["idner_dev"]}
    return dedup([s for name in sources if name != "idner_dev" for s in d[name]], dev)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DATA_DIR, help="folder of the NER corpora")
    ap.add_argument("--cv", action="store_true", help="5-fold NER UI cross-validation too")
    ap.add_argument(
        "--train-cv", action="store_true", help="5-fold CV on the final training set too"
    )
    ap.add_argument(
        "--select", action="store_true", help="choose c1/c2 of GRID by --train-cv first"
    )
    ap.add_argument("--iterations", type=int, default=PARAMS["max_iterations"])
    ap.add_argument("--no-clusters", dest="clusters", action="store_false")
    ap.add_argument("--contiguous", action="store_true", help="CV folds in file order")
    ap.add_argument(
        "--sources",
        default=",".join(SOURCES),
        help="training sets, comma-separated, of " + ",".join(ALL),
    )
    ap.add_argument("--c1", type=float, default=PARAMS["c1"])
    ap.add_argument("--c2", type=float, default=PARAMS["c2"])
    ap.add_argument("--out", type=Path, default=OUT_DIR, help="where to write the model")
    ap.add_argument("--no-save", action="store_true", help="do not write the model")
    args = ap.parse_args(argv)
    params = {**PARAMS, "c1": args.c1, "c2": args.c2, "max_iterations": args.iterations}
    d = load(args.data)
    for name, sents in d.items():
        print(f"{name}: {len(sents)} sentences, {sum(len(t) for t, _ in sents)} tokens")
    sources = args.sources.split(",")
    final = final_training_set(d, sources)
    print(f"final training set: {len(final)} sentences after dedup; params {params}")
    # Clusters come from text that is never scored: NER UGM and idner-news-2k train,
    # without the NER UGM sentences that are also idner dev sentences.
    dev = {tuple(t) for t, _ in d["idner_dev"]}
    cluster_text = [toks for name in CLUSTER_TEXT for toks, _ in d[name] if tuple(toks) not in dev]
    clusters = word_clusters(cluster_text) if args.clusters else {}
    print(f"{len(clusters)} words clustered")
    if args.select:
        params = select(final, clusters, params)
    jobs: list[Job] = [("idner_dev", final, d["idner_dev"], params, clusters)]
    if args.cv:
        jobs += cv_jobs(d, params, [*sources, "idner_dev"], args.contiguous, clusters)
    if args.train_cv:
        jobs += train_cv_jobs(final, params, clusters)
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(2, len(jobs)), mp_context=ctx) as pool:
        results = list(pool.map(fit_and_score, jobs))
    f1s = []
    train_cv = []
    for name, report, secs in results:
        print(f"== {name} ({secs:.0f}s): micro F1 {report.micro.f1:.4f}")
        print(ner.format_report(report))
        if name.startswith("fold"):
            f1s.append(report.micro.f1)
        if name.startswith("train-cv"):
            train_cv.append(report)
    if f1s:
        folds = " ".join(f"{f:.4f}" for f in f1s)
        print(f"NER UI 5-fold micro F1: mean {sum(f1s) / len(f1s):.4f} (folds {folds})")
    if train_cv:
        print(f"training-set 5-fold micro F1 (pooled): {pooled(train_cv).f1:.4f}")
    if not args.no_save:
        args.out.mkdir(parents=True, exist_ok=True)
        res = train(final, str(args.out / ner.MODEL_FILE), params, clusters)
        (args.out / ner.RESOURCES_FILE).write_text(res.to_json(), encoding="utf-8")
        size = (args.out / ner.MODEL_FILE).stat().st_size
        print(f"wrote {args.out / ner.MODEL_FILE} ({size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
