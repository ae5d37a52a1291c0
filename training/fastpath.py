"""A compiled scoring table for the default model: one tokenisation for both heads, no per-call overhead.

The two heads share their TF-IDF step (same tokenizer, n-grams and weighting,
fitted on the same texts), so one table maps each vocabulary term to its idf and
to its coefficients for the three topics and the three outlooks. Scoring a text
is then: tokenise once, count the known n-grams, weight them, and accumulate six
dot products and one squared norm. The result equals the scikit-learn pipelines'
probabilities to floating-point rounding (a test checks < 1e-9 on the corpus).
"""

import math
from collections import Counter

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from training.text import Tokenizer


class NotCompilable(ValueError):
    """The model is not the plain shared-TF-IDF + logistic-regression shape this table covers."""


def _plain_tfidf(vectorizer) -> TfidfVectorizer:
    if not isinstance(vectorizer, TfidfVectorizer) or not isinstance(vectorizer.tokenizer, Tokenizer):
        raise NotCompilable("features are not a single TF-IDF block over the project tokenizer")
    if vectorizer.preprocessor is not None or vectorizer.norm != "l2" or not vectorizer.use_idf:
        raise NotCompilable("unsupported TF-IDF settings")
    if vectorizer.analyzer != "word" or vectorizer.stop_words is not None or vectorizer.binary:
        raise NotCompilable("unsupported TF-IDF settings")
    return vectorizer


class CompiledScorer:
    def __init__(self, topic_pipeline, outlook_pipeline, outlook_order: list[int]):
        topic_tfidf = _plain_tfidf(topic_pipeline[0])
        outlook_tfidf = _plain_tfidf(outlook_pipeline[0])
        if topic_tfidf.vocabulary_ != outlook_tfidf.vocabulary_ or not np.array_equal(
            topic_tfidf.idf_, outlook_tfidf.idf_
        ):
            raise NotCompilable("the heads do not share one vocabulary")
        if len(topic_pipeline) != 2 or len(outlook_pipeline) != 2:
            raise NotCompilable("pipelines must be features + classifier")
        estimators = topic_pipeline[1].estimators_
        outlook = outlook_pipeline[1]
        if not all(isinstance(e, LogisticRegression) for e in (*estimators, outlook)):
            raise NotCompilable("classifiers must be logistic regressions")
        topic_coef = np.stack([e.coef_.ravel() for e in estimators], axis=1)
        topic_bias = [float(e.intercept_[0]) for e in estimators]
        outlook_coef = outlook.coef_.T[:, outlook_order]
        self.outlook_bias = [float(b) for b in outlook.intercept_[outlook_order]]
        self.topic_bias = topic_bias
        self.tokenizer = Tokenizer(stem=topic_tfidf.tokenizer.stem, stop_words=topic_tfidf.tokenizer.stop_words)
        self.min_n, self.max_n = topic_tfidf.ngram_range
        self.sublinear = topic_tfidf.sublinear_tf
        idf = topic_tfidf.idf_
        rows = np.hstack([topic_coef, outlook_coef])
        # term -> (idf, six coefficients) as plain Python floats: no numpy call per term
        self.table = {term: (float(idf[i]), *map(float, rows[i])) for term, i in topic_tfidf.vocabulary_.items()}

    def _terms(self, tokens: list[str]) -> Counter:
        """The n-gram counts scikit-learn's word analyzer would produce for these tokens."""
        grams = list(tokens) if self.min_n == 1 else []
        for n in range(max(2, self.min_n), self.max_n + 1):
            if n == 2:
                grams.extend([a + " " + b for a, b in zip(tokens, tokens[1:], strict=False)])
            else:
                grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
        return Counter(grams)

    def score(self, text: str) -> tuple[list[float], list[float]]:
        """(topic probabilities, outlook probabilities) of one text, in TOPICS and OUTLOOKS order."""
        table = self.table
        t0 = t1 = t2 = o0 = o1 = o2 = norm = 0.0
        log = math.log
        for term, count in self._terms(self.tokenizer(text)).items():
            row = table.get(term)
            if row is None:
                continue
            value = ((1.0 + log(count)) if self.sublinear else count) * row[0]
            norm += value * value
            t0 += value * row[1]
            t1 += value * row[2]
            t2 += value * row[3]
            o0 += value * row[4]
            o1 += value * row[5]
            o2 += value * row[6]
        scale = 1.0 / math.sqrt(norm) if norm > 0 else 0.0
        tb, ob = self.topic_bias, self.outlook_bias
        topics = [_sigmoid(t * scale + b) for t, b in zip((t0, t1, t2), tb, strict=True)]
        logits = [o * scale + b for o, b in zip((o0, o1, o2), ob, strict=True)]
        top = max(logits)
        exps = [math.exp(x - top) for x in logits]
        total = sum(exps)
        return topics, [e / total for e in exps]

    def score_many(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        scored = [self.score(text) for text in texts]
        topics = np.array([s[0] for s in scored], dtype=float).reshape(len(texts), 3)
        outlooks = np.array([s[1] for s in scored], dtype=float).reshape(len(texts), 3)
        return topics, outlooks


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)
