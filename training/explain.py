"""Why a label: the exact additive decomposition of a linear score into term contributions.

For a linear head the score (log-odds for a topic, the class logit for the
outlook) is  intercept + sum over features of tf-idf weight x coefficient.
Every contribution reported here is one of those products, so the parts add
up to the score the model used, to floating-point precision.
"""

import weakref

import numpy as np
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.pipeline import FeatureUnion

from training.text import Tokenizer, surface_terms

EXPLANATION_NOTE = (
    "contribution = tf-idf weight x coefficient; for each label, the contributions of all terms plus the "
    "intercept equal the model's score (topics: log-odds, outlook: class logit). 'other_terms' is the sum "
    "of the contributions not listed."
)


class NotExplainable(ValueError):
    """The model's classifier is not linear in the features (e.g. a calibrated SVM)."""


def _linear(estimator):
    if not isinstance(estimator, LogisticRegression | SGDClassifier):
        raise NotExplainable(f"{type(estimator).__name__} has no exact linear explanation")
    return estimator


_FEATURE_NAMES: "weakref.WeakKeyDictionary[object, np.ndarray]" = weakref.WeakKeyDictionary()


def _feature_names(features) -> np.ndarray:
    """Feature names of a fitted features step, built once per model (it is O(vocabulary))."""
    step = features[-1]
    names = _FEATURE_NAMES.get(step)
    if names is None:
        names = _FEATURE_NAMES[step] = np.asarray(features.get_feature_names_out(), dtype=object)
    return names


def _tokenizer(features) -> Tokenizer | None:
    words = features.transformer_list[0][1] if isinstance(features, FeatureUnion) else features
    return getattr(words, "tokenizer", None)


def _decompose(x_row, coef: np.ndarray, intercept: float, names: np.ndarray, surface: dict, top_k: int) -> dict:
    """Score, intercept and the top contributions of one sparse row against one coefficient vector."""
    row = x_row.tocsr()
    columns, weights = row.indices, row.data
    contributions = weights * coef[columns]
    score = float(intercept + contributions.sum())
    order = np.argsort(-np.abs(contributions), kind="stable")[:top_k]
    terms = []
    for i in order:
        feature = str(names[columns[i]])
        base = feature.split("__", 1)[-1]  # FeatureUnion prefixes block names
        terms.append(
            {
                "term": surface.get(base, base),
                "feature": feature,
                "contribution": float(contributions[i]),
                "weight": float(weights[i]),
                "coefficient": float(coef[columns[i]]),
            }
        )
    listed = sum(t["contribution"] for t in terms)
    return {
        "score": score,
        "intercept": float(intercept),
        "terms": terms,
        "other_terms": float(contributions.sum() - listed),
        "terms_total": int(len(columns)),
    }


def explain_topics(topic_pipeline, text: str, topic_indices: list[int], top_k: int = 10) -> list[dict]:
    features, classifier = topic_pipeline[:-1], topic_pipeline[-1]
    x = features.transform([text])
    names = _feature_names(features)
    surface = surface_terms(text, _tokenizer(features[-1]))
    out = []
    for j in topic_indices:
        estimator = _linear(classifier.estimators_[j])
        out.append(_decompose(x, estimator.coef_.ravel(), float(estimator.intercept_[0]), names, surface, top_k))
    return out


def explain_outlook(outlook_pipeline, text: str, label: str, top_k: int = 10) -> dict:
    features, classifier = outlook_pipeline[:-1], _linear(outlook_pipeline[-1])
    x = features.transform([text])
    k = list(classifier.classes_).index(label)
    surface = surface_terms(text, _tokenizer(features[-1]))
    return _decompose(x, classifier.coef_[k], float(classifier.intercept_[k]), _feature_names(features), surface, top_k)
