"""The two heads (topics, outlook), how they are fitted, and the loaded model object.

A fitted model is two scikit-learn Pipelines plus one decision threshold per
topic. Serving uses `TopicStanceModel.predict`, so the endpoint, the CLI and the
Python API all go through the same numbers.
"""

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import StratifiedKFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

from training.fastpath import CompiledScorer, NotCompilable
from training.labels import OUTLOOKS, TOPICS
from training.ngrams import count_terms
from training.text import Tokenizer, ending, lead, normalise

THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.01), 2)


CLASSIFIERS = ("logreg", "svm", "sgd", "cnb")
LARGE_CORPUS = 50_000


@dataclass(frozen=True)
class ModelConfig:
    """Every knob of the model; validated once here and recorded in the model card."""

    stem: bool = True
    stop_words: bool = True  # ahead on real news (dev) in two corpus versions; docs/model.md
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] | None = None
    ending_features: bool = False  # outlook only; about half the speed, no gain with stop words removed (docs/model.md)
    lead_features: bool = False
    min_df: int = 2
    max_df: float = 0.9
    sublinear_tf: bool = True
    classifier: str = "logreg"
    topic_c: float = 10.0
    # the most regularised outlook C within one standard error of the best in cross-validation
    # (3 -> 0.827, 10 -> 0.828, 1 -> 0.819 on the 7,279-record corpus); docs/model.md
    outlook_c: float = 3.0
    class_weight: str | None = "balanced"
    cv_folds: int | None = None  # None: 5, or 3 above LARGE_CORPUS records (see `folds_for`)
    seed: int = 0

    def __post_init__(self):
        if self.cv_folds is not None and self.cv_folds < 2:
            raise ValueError("cv_folds must be at least 2")
        if self.topic_c <= 0 or self.outlook_c <= 0:
            raise ValueError("regularisation constants must be positive")
        if not 0 < self.max_df <= 1:
            raise ValueError("max_df must be in (0, 1]")
        if self.classifier not in CLASSIFIERS:
            raise ValueError(f"classifier must be one of {CLASSIFIERS}, got {self.classifier!r}")
        for name in ("word_ngrams", "char_ngrams"):
            value = getattr(self, name)
            if value is not None and not (len(value) == 2 and 1 <= value[0] <= value[1]):
                raise ValueError(f"{name} must be (low, high) with 1 <= low <= high, got {value!r}")

    def folds_for(self, records: int) -> int:
        """Cross-validation folds: as configured, else 5, or 3 for a large corpus.

        Five folds cost five fits of both heads besides the final one; past
        LARGE_CORPUS records three folds already estimate thresholds and scores
        on tens of thousands of held-out texts, at little more than half the time.
        """
        if self.cv_folds is not None:
            return self.cv_folds
        return 5 if records <= LARGE_CORPUS else 3

    def to_dict(self) -> dict:
        return asdict(self)


def _tfidf(config: ModelConfig, **analysis) -> TfidfVectorizer:
    """A TF-IDF block with the config's weighting; `analysis` says how text becomes terms."""
    return TfidfVectorizer(
        min_df=config.min_df, max_df=config.max_df, sublinear_tf=config.sublinear_tf, dtype=np.float64, **analysis
    )


def _word_vectorizer(config: ModelConfig, preprocessor=None) -> TfidfVectorizer:
    tokenizer = Tokenizer(stem=config.stem, stop_words=config.stop_words)
    return _tfidf(
        config,
        tokenizer=tokenizer,
        preprocessor=preprocessor,
        token_pattern=None,
        lowercase=False,
        ngram_range=tuple(config.word_ngrams),
    )


def _blocks(config: ModelConfig, with_ending: bool) -> list[tuple[str, TfidfVectorizer]]:
    """Word n-grams, plus the lead, character n-grams and the ending as separate feature blocks if asked."""
    blocks = [("words", _word_vectorizer(config))]
    if config.lead_features:
        blocks.append(("lead", _word_vectorizer(config, preprocessor=lead)))
    if config.char_ngrams:
        chars = _tfidf(config, analyzer="char_wb", preprocessor=normalise, ngram_range=tuple(config.char_ngrams))
        blocks.append(("chars", chars))
    if with_ending:
        blocks.append(("ending", _word_vectorizer(config, preprocessor=ending)))
    return blocks


def _head_blocks(config: ModelConfig, head: str) -> list[tuple[str, TfidfVectorizer]]:
    return _blocks(config, with_ending=head == "outlook" and config.ending_features)


def _classifier(config: ModelConfig, c: float):
    if config.classifier == "logreg":
        return LogisticRegression(C=c, class_weight=config.class_weight, max_iter=3000, random_state=config.seed)
    if config.classifier == "svm":
        svm = LinearSVC(C=c / 10, class_weight=config.class_weight, random_state=config.seed)
        return CalibratedClassifierCV(svm, method="sigmoid", cv=3)
    if config.classifier == "sgd":
        return SGDClassifier(
            loss="log_loss",
            alpha=1e-4 / c,
            class_weight=config.class_weight,
            random_state=config.seed,
            max_iter=50,
        )
    return ComplementNB(alpha=1.0 / c)


def _topic_classifier(config: ModelConfig):
    return OneVsRestClassifier(_classifier(config, config.topic_c))


def _outlook_classifier(config: ModelConfig):
    return _classifier(config, config.outlook_c)


class CorpusTerms:
    """The n-gram counts of every text for every feature block, counted once.

    Tokenising is most of what fitting a TF-IDF block costs, and cross-validation
    fits one per fold and head. Here the texts are counted once (every term that
    can reach min_df in some subset); the block for any subset of rows is then derived from the counts
    exactly as `TfidfVectorizer.fit` on those rows would build it: the same terms
    kept by min_df/max_df, in the same order, the same idf (tested).
    """

    def __init__(self, texts: list[str], config: ModelConfig):
        self.config = config
        self.counts, self.terms = {}, {}
        # a term in fewer texts than an integer min_df cannot reach it in any fold: leave it out now
        min_df = config.min_df if isinstance(config.min_df, Integral) else 1
        for name, vectorizer in _blocks(config, with_ending=config.ending_features):
            if isinstance(vectorizer.tokenizer, Tokenizer) and vectorizer.analyzer == "word":
                counts, terms = count_terms(
                    texts, vectorizer.tokenizer, vectorizer.ngram_range, vectorizer.preprocessor, min_df
                )
            else:
                analysis = {k: v for k, v in vectorizer.get_params().items() if k in _COUNT_PARAMS}
                counter = CountVectorizer(**analysis, min_df=min_df, max_df=1.0, dtype=np.float64)
                counts, terms = counter.fit_transform(texts).tocsr(), counter.get_feature_names_out()
            self.counts[name], self.terms[name] = counts, terms

    def fit(self, head: str, rows: np.ndarray):
        """(fitted features step for `head` as if fitted on `rows`, function: rows -> feature matrix).

        A block other than the words that keeps no term on these rows (the ending, on a
        corpus of one-sentence texts) is left out rather than failing the fit.
        """
        fitted = []
        for name, vectorizer in _head_blocks(self.config, head):
            counts = self.counts[name]
            seen = counts[rows]
            df = np.bincount(seen.indices, minlength=seen.shape[1])
            n = len(rows)
            high = vectorizer.max_df if isinstance(vectorizer.max_df, Integral) else vectorizer.max_df * n
            low = vectorizer.min_df if isinstance(vectorizer.min_df, Integral) else vectorizer.min_df * n
            kept = (df <= high) & (df >= low) & (df > 0)
            if not kept.any():
                if name != "words":  # e.g. no text has an ending: the head does without that block
                    continue
                raise ValueError("After pruning, no terms remain. Try a lower min_df or a higher max_df.")
            new_column = np.where(kept, np.cumsum(kept) - 1, -1)
            weighting = TfidfTransformer(
                norm=vectorizer.norm,
                use_idf=vectorizer.use_idf,
                smooth_idf=vectorizer.smooth_idf,
                sublinear_tf=vectorizer.sublinear_tf,
            ).fit(_keep_columns(seen, new_column))
            vectorizer.vocabulary_ = Vocabulary({term: i for i, term in enumerate(self.terms[name][kept].tolist())})
            vectorizer.idf_ = weighting.idf_
            fitted.append((name, vectorizer, counts, new_column, weighting))

        def matrix(rows_to_transform: np.ndarray):
            blocks = [w.transform(_keep_columns(c[rows_to_transform], new)) for _, _, c, new, w in fitted]
            return blocks[0] if len(blocks) == 1 else sparse.hstack(blocks).tocsr()

        features = fitted[0][1] if len(fitted) == 1 else FeatureUnion([(name, v) for name, v, *_ in fitted])
        return features, matrix


class Vocabulary(dict):
    """A fitted vocabulary (term -> column) that pickles as one string and one array.

    joblib unpickles in Python, item by item: a dict of 300,000 terms took most of
    a large model's load time; the packed form loads in tens of milliseconds.
    """

    def __reduce__(self):
        terms = list(self)
        joined = _TERM_SEPARATOR.join(terms)
        if len(terms) < 2 or joined.count(_TERM_SEPARATOR) != len(terms) - 1:
            return (Vocabulary, (dict(self),))  # tiny, or a term contains the separator: plain items
        return (_unpack_vocabulary, (joined, np.fromiter(self.values(), dtype=np.int64, count=len(terms))))


_TERM_SEPARATOR = "\x00"


def _unpack_vocabulary(joined: str, columns: np.ndarray) -> Vocabulary:
    return Vocabulary(zip(joined.split(_TERM_SEPARATOR), columns.tolist(), strict=True))


def _keep_columns(matrix, new_column: np.ndarray):
    """`matrix[:, kept]` for CSR, by renumbering indices (`new_column` is -1 where dropped); order is kept."""
    new = new_column[matrix.indices]
    keep = new >= 0
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    indptr = np.concatenate(([0], np.cumsum(np.bincount(rows[keep], minlength=matrix.shape[0]))))
    width = int(new_column.max()) + 1
    return sparse.csr_matrix((matrix.data[keep], new[keep], indptr), shape=(matrix.shape[0], width))


_COUNT_PARAMS = frozenset(
    "input encoding decode_error strip_accents lowercase preprocessor tokenizer stop_words token_pattern "
    "ngram_range analyzer binary".split()
)


def topic_matrix(topic_lists) -> np.ndarray:
    """0/1 matrix with one column per topic, in TOPICS order."""
    return np.array([[topic in topics for topic in TOPICS] for topics in topic_lists], dtype=int)


def choose_threshold(y_true: np.ndarray, probabilities: np.ndarray) -> float:
    """The grid threshold with the best F1; ties go to the one nearest 0.5, no positives give 0.5."""
    y_true = np.asarray(y_true, dtype=bool)
    if not y_true.any():
        return 0.5
    best, best_key = 0.5, None
    for threshold in THRESHOLD_GRID:
        predicted = probabilities >= threshold
        tp = np.sum(predicted & y_true)
        denominator = predicted.sum() + y_true.sum()
        f1 = 2 * tp / denominator if denominator else 0.0
        key = (round(float(f1), 12), -abs(threshold - 0.5))
        if best_key is None or key > best_key:
            best, best_key = float(threshold), key
    return best


def apply_thresholds(probabilities: np.ndarray, thresholds: dict[str, float]) -> np.ndarray:
    cut = np.array([thresholds[topic] for topic in TOPICS])
    return (np.asarray(probabilities) >= cut).astype(int)


def in_outlook_order(probabilities: np.ndarray, classes) -> np.ndarray:
    """An outlook classifier's (n, k) probabilities as (n, 3) in OUTLOOKS order; 0 for a class it never saw."""
    classes = list(classes)
    out = np.zeros((len(probabilities), len(OUTLOOKS)))
    for j, label in enumerate(OUTLOOKS):
        if label in classes:
            out[:, j] = probabilities[:, classes.index(label)]
    return out


class TopicStanceModel:
    """Both fitted heads and the topic thresholds: the unit that is saved, loaded and served."""

    def __init__(self, topic_pipeline: Pipeline, outlook_pipeline: Pipeline, thresholds: dict[str, float]):
        missing = [t for t in TOPICS if t not in thresholds]
        if missing:
            raise ValueError(f"thresholds missing for {missing}")
        self.topic_pipeline = topic_pipeline
        self.outlook_pipeline = outlook_pipeline
        self.thresholds = {t: float(thresholds[t]) for t in TOPICS}
        classes = list(outlook_pipeline.classes_)
        outlook_order = [classes.index(label) if label in classes else None for label in OUTLOOKS]
        self.scorer = None
        if None not in outlook_order:
            try:
                self.scorer = CompiledScorer(topic_pipeline, outlook_pipeline, outlook_order)
            except NotCompilable:
                pass  # other feature or classifier settings: scored by the pipelines themselves

    @property
    def single_text_scoring(self) -> str:
        """How one text is scored: "native" (the C accelerator), "python" (compiled table) or "pipelines"."""
        if self.scorer is None:
            return "pipelines"
        return "python" if self.scorer.native_blocks is None else "native"

    def topic_probabilities(self, texts: list[str]) -> np.ndarray:
        """(n, 3) probabilities, columns in TOPICS order."""
        return np.asarray(self.topic_pipeline.predict_proba(texts), dtype=float)

    def outlook_probabilities(self, texts: list[str]) -> np.ndarray:
        """(n, 3) probabilities, columns in OUTLOOKS order (0 for a class absent from training)."""
        return in_outlook_order(self.outlook_pipeline.predict_proba(texts), self.outlook_pipeline.classes_)

    def predict(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Topic probabilities, 0/1 topic decisions and outlook probabilities for a batch.

        Uses the compiled scoring table when the model has one (same numbers, one
        tokenisation for both heads), else the scikit-learn pipelines.
        """
        if self.scorer is not None:
            topic_probs, outlook_probs = self.scorer.score_many(list(texts))
        else:
            topic_probs, outlook_probs = self.topic_probabilities(texts), self.outlook_probabilities(texts)
        return topic_probs, apply_thresholds(topic_probs, self.thresholds), outlook_probs

    def predict_one(self, text: str) -> tuple[list[float], list[int], list[float]]:
        """`predict` for one text, as lists: the per-request path, without numpy arrays around three numbers."""
        if self.scorer is None:
            topic_probs, decisions, outlook_probs = self.predict([text])
            return topic_probs[0].tolist(), decisions[0].tolist(), outlook_probs[0].tolist()
        topic_probs, outlook_probs = self.scorer.score(text)
        decisions = [int(p >= self.thresholds[topic]) for topic, p in zip(TOPICS, topic_probs, strict=True)]
        return topic_probs, decisions, outlook_probs


def default_jobs() -> int:
    """The CPUs this process may use: fits run in parallel processes (the GIL serialises threads)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _fit_heads(terms: CorpusTerms, config: ModelConfig, fit_rows, y_topics, y_outlook, predict_rows=None):
    """Both heads fitted on `fit_rows` (one TF-IDF block shared unless outlook adds the ending).

    Returns (topic features, topic classifier, outlook features, outlook classifier,
    topic probabilities and outlook probabilities for `predict_rows`, or None).
    """
    topic_features, topic_matrix_of = terms.fit("topics", fit_rows)
    x_fit = topic_matrix_of(fit_rows)
    topic_classifier = _topic_classifier(config).fit(x_fit, y_topics)
    if config.ending_features:
        outlook_features, outlook_matrix_of = terms.fit("outlook", fit_rows)
    if config.ending_features and isinstance(outlook_features, FeatureUnion):
        # one fitted words block for both heads (equal by construction; stored and compiled once)
        topic_words = (
            topic_features.transformer_list[0][1] if isinstance(topic_features, FeatureUnion) else topic_features
        )
        outlook_features.transformer_list[0] = ("words", topic_words)
        x_outlook = outlook_matrix_of(fit_rows)
    else:  # the same block as the topics head (no ending features, or no text with an ending)
        outlook_features, outlook_matrix_of, x_outlook = topic_features, topic_matrix_of, x_fit
    outlook_classifier = _outlook_classifier(config).fit(x_outlook, y_outlook)
    topic_probs = outlook_probs = None
    if predict_rows is not None:
        topic_probs = topic_classifier.predict_proba(topic_matrix_of(predict_rows))
        raw = outlook_classifier.predict_proba(outlook_matrix_of(predict_rows))
        outlook_probs = in_outlook_order(raw, outlook_classifier.classes_)
    return topic_features, topic_classifier, outlook_features, outlook_classifier, topic_probs, outlook_probs


def _pipelines(fitted) -> tuple[Pipeline, Pipeline]:
    """(topic pipeline, outlook pipeline) from a `_fit_heads` result."""
    topic_features, topic_classifier, outlook_features, outlook_classifier, _, _ = fitted
    return (
        Pipeline([("features", topic_features), ("classifier", topic_classifier)]),
        Pipeline([("features", outlook_features), ("classifier", outlook_classifier)]),
    )


_TASKS: list = []  # read by forked workers: inherited memory, nothing pickled on the way in


def _run_task(index: int):
    with threadpool_limits(1):  # one BLAS thread per worker: the workers already fill the CPUs
        return _fit_heads(*_TASKS[index])


def _run(tasks: list, jobs: int) -> list:
    """`_fit_heads` calls, in worker processes when jobs > 1; results in task order.

    Workers are forked where the platform allows, so they share the corpus counts
    copy-on-write instead of receiving hundreds of megabytes each; elsewhere joblib's
    process pool is used. Every fit is independent and seeded: the result does not
    depend on `jobs`.
    """
    if jobs <= 1 or len(tasks) <= 1:
        return [_fit_heads(*task) for task in tasks]
    workers = min(jobs, len(tasks))
    if "fork" not in multiprocessing.get_all_start_methods():
        return Parallel(n_jobs=workers, backend="loky")(delayed(_fit_heads)(*task) for task in tasks)
    _TASKS[:] = tasks
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(_run_task, range(len(tasks))))
    finally:
        _TASKS.clear()


def fit_and_cross_validate(texts, topic_lists, outlooks, config: ModelConfig, jobs: int = 1, terms=None):
    """Out-of-fold probabilities, the fold of every record, and both heads fitted on everything.

    One split serves both heads, so each fold builds its TF-IDF block once; the final
    fit does not depend on the folds and runs alongside them. Returns
    (topic_oof, outlook_oof, fold_of, (topic_pipeline, outlook_pipeline)).
    """
    n = len(texts)
    terms = terms or CorpusTerms(list(texts), config)
    y_topics = topic_matrix(topic_lists)
    y_outlook = np.asarray(outlooks)
    smallest_class = min(np.unique(y_outlook, return_counts=True)[1])
    folds = max(2, min(config.folds_for(n), smallest_class))
    splits = list(StratifiedKFold(folds, shuffle=True, random_state=config.seed).split(y_outlook, y_outlook))
    everything = np.arange(n)
    tasks = [(terms, config, everything, y_topics, y_outlook)]
    tasks += [(terms, config, fit, y_topics[fit], y_outlook[fit], held) for fit, held in splits]
    final, *fold_results = _run(tasks, jobs)
    topic_oof = np.zeros((n, len(TOPICS)))
    outlook_oof = np.zeros((n, len(OUTLOOKS)))
    fold_of = np.zeros(n, dtype=int)
    for k, ((_, held), result) in enumerate(zip(splits, fold_results, strict=True)):
        topic_oof[held], outlook_oof[held] = result[4], result[5]
        fold_of[held] = k
    return topic_oof, outlook_oof, fold_of, _pipelines(final)


def cross_fitted_decisions(y_topics: np.ndarray, topic_oof: np.ndarray, fold_of: np.ndarray) -> np.ndarray:
    """Topic decisions for each fold with thresholds chosen on the other folds only.

    Choosing thresholds on the very predictions being scored would flatter the
    report; this keeps the cross-validated figures honest at no extra fitting cost.
    """
    decisions = np.zeros_like(y_topics)
    for k in np.unique(fold_of):
        held, rest = fold_of == k, fold_of != k
        for j in range(len(TOPICS)):
            threshold = choose_threshold(y_topics[rest, j], topic_oof[rest, j])
            decisions[held, j] = topic_oof[held, j] >= threshold
    return decisions


def fit_model(texts, topic_lists, outlooks, config: ModelConfig, thresholds: dict[str, float]):
    """Both heads fitted on all texts; they share the fitted word block (one object, pickled once)."""
    texts = list(texts)
    rows = np.arange(len(texts))
    task = (CorpusTerms(texts, config), config, rows, topic_matrix(topic_lists), np.asarray(outlooks))
    return TopicStanceModel(*_pipelines(_fit_heads(*task)), thresholds)
