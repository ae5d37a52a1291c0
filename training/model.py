"""The two heads (topics, outlook), how they are fitted, and the loaded model object.

A fitted model is two scikit-learn Pipelines plus one decision threshold per
topic. Serving uses `TopicStanceModel.predict`, so the endpoint, the CLI and the
Python API all go through the same numbers.
"""

from dataclasses import asdict, dataclass

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from training.fastpath import CompiledScorer, NotCompilable
from training.labels import OUTLOOKS, TOPICS
from training.text import Tokenizer, ending, lead, normalise

THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.01), 2)


CLASSIFIERS = ("logreg", "svm", "sgd", "cnb")


@dataclass(frozen=True)
class ModelConfig:
    """Every knob of the model; validated once here and recorded in the model card."""

    stem: bool = True
    stop_words: bool = False
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] | None = None
    ending_features: bool = False
    lead_features: bool = False
    min_df: int = 2
    max_df: float = 0.9
    sublinear_tf: bool = True
    classifier: str = "logreg"
    topic_c: float = 10.0
    outlook_c: float = 10.0
    class_weight: str | None = "balanced"
    cv_folds: int = 5
    seed: int = 0

    def __post_init__(self):
        if self.cv_folds < 2:
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


def _features(config: ModelConfig, with_ending: bool):
    """Word n-grams, plus character n-grams, the lead and the ending as separate feature blocks if asked."""
    blocks = [("words", _word_vectorizer(config))]
    if config.lead_features:
        blocks.append(("lead", _word_vectorizer(config, preprocessor=lead)))
    if config.char_ngrams:
        chars = _tfidf(config, analyzer="char_wb", preprocessor=normalise, ngram_range=tuple(config.char_ngrams))
        blocks.append(("chars", chars))
    if with_ending:
        blocks.append(("ending", _word_vectorizer(config, preprocessor=ending)))
    return blocks[0][1] if len(blocks) == 1 else FeatureUnion(blocks)


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


def build_topic_pipeline(config: ModelConfig) -> Pipeline:
    classifier = OneVsRestClassifier(_classifier(config, config.topic_c))
    return Pipeline([("features", _features(config, with_ending=False)), ("classifier", classifier)])


def build_outlook_pipeline(config: ModelConfig) -> Pipeline:
    classifier = _classifier(config, config.outlook_c)
    return Pipeline([("features", _features(config, config.ending_features)), ("classifier", classifier)])


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
        self._outlook_order = [classes.index(label) if label in classes else None for label in OUTLOOKS]
        self.scorer = None
        if None not in self._outlook_order:
            try:
                self.scorer = CompiledScorer(topic_pipeline, outlook_pipeline, self._outlook_order)
            except NotCompilable:
                pass  # other feature or classifier settings: scored by the pipelines themselves

    def topic_probabilities(self, texts: list[str]) -> np.ndarray:
        """(n, 3) probabilities, columns in TOPICS order."""
        return np.asarray(self.topic_pipeline.predict_proba(texts), dtype=float)

    def outlook_probabilities(self, texts: list[str]) -> np.ndarray:
        """(n, 3) probabilities, columns in OUTLOOKS order (0 for a class absent from training)."""
        raw = self.outlook_pipeline.predict_proba(texts)
        out = np.zeros((len(texts), len(OUTLOOKS)))
        for j, source in enumerate(self._outlook_order):
            if source is not None:
                out[:, j] = raw[:, source]
        return out

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


def cross_validated_probabilities(texts, topic_lists, outlooks, config: ModelConfig):
    """Out-of-fold topic and outlook probabilities, plus the fold of every record."""
    n = len(texts)
    texts = np.asarray(texts, dtype=object)
    y_topics = topic_matrix(topic_lists)
    y_outlook = np.asarray(outlooks)
    folds = min(config.cv_folds, n)
    topic_oof = np.zeros((n, len(TOPICS)))
    fold_of = np.zeros(n, dtype=int)
    splits = KFold(folds, shuffle=True, random_state=config.seed).split(texts)
    for k, (train_idx, test_idx) in enumerate(splits):
        pipeline = build_topic_pipeline(config).fit(texts[train_idx], y_topics[train_idx])
        topic_oof[test_idx] = pipeline.predict_proba(texts[test_idx])
        fold_of[test_idx] = k
    outlook_oof = np.zeros((n, len(OUTLOOKS)))
    smallest_class = min(np.unique(y_outlook, return_counts=True)[1])
    outlook_folds = max(2, min(config.cv_folds, smallest_class))
    splitter = StratifiedKFold(outlook_folds, shuffle=True, random_state=config.seed)
    for train_idx, test_idx in splitter.split(texts, y_outlook):
        pipeline = build_outlook_pipeline(config).fit(texts[train_idx], y_outlook[train_idx])
        classes = list(pipeline.classes_)
        raw = pipeline.predict_proba(texts[test_idx])
        for j, label in enumerate(OUTLOOKS):
            if label in classes:
                outlook_oof[test_idx, j] = raw[:, classes.index(label)]
    return topic_oof, outlook_oof, fold_of


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
    texts = list(texts)
    topic_pipeline = build_topic_pipeline(config).fit(texts, topic_matrix(topic_lists))
    outlook_pipeline = build_outlook_pipeline(config).fit(texts, list(outlooks))
    return TopicStanceModel(topic_pipeline, outlook_pipeline, thresholds)
