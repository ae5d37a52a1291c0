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
        outlook_bias = [float(b) for b in outlook.intercept_[outlook_order]]
        self.tokenizer = Tokenizer(stem=topic_tfidf.tokenizer.stem, stop_words=topic_tfidf.tokenizer.stop_words)
        self.min_n, self.max_n = topic_tfidf.ngram_range
        self.sublinear = topic_tfidf.sublinear_tf
        self.vocabulary = topic_tfidf.vocabulary_
        self.idf = np.asarray(topic_tfidf.idf_, dtype=float)
        # one row per term: its coefficients for the three topics, then the three outlooks
        self.rows = np.ascontiguousarray(np.hstack([topic_coef, outlook_coef]), dtype=float)
        self.bias = np.array(topic_bias + outlook_bias, dtype=float)

    def _terms(self, tokens: list[str]) -> Counter:
        """The n-gram counts scikit-learn's word analyzer would produce for these tokens."""
        grams = list(tokens) if self.min_n == 1 else []
        for n in range(max(2, self.min_n), self.max_n + 1):
            if n == 2:
                grams.extend([a + " " + b for a, b in zip(tokens, tokens[1:], strict=False)])
            else:
                grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
        return Counter(grams)

    def _columns(self, text: str) -> tuple[list[int], list[int]]:
        """Vocabulary columns of the text's known n-grams, and their counts."""
        vocabulary = self.vocabulary
        columns, counts = [], []
        for term, count in self._terms(self.tokenizer(text)).items():
            column = vocabulary.get(term)
            if column is not None:
                columns.append(column)
                counts.append(count)
        return columns, counts

    def score(self, text: str) -> tuple[list[float], list[float]]:
        """(topic probabilities, outlook probabilities) of one text, in TOPICS and OUTLOOKS order.

        Batches go through this same function text by text: the Python work per text
        dominates anyway, and a text gets the same numbers to the last bit either way.
        """
        columns, counts = self._columns(text)
        if columns:
            index = np.fromiter(columns, dtype=np.intp, count=len(columns))
            tf = np.fromiter(counts, dtype=float, count=len(counts))
            values = ((np.log(tf) + 1.0) if self.sublinear else tf) * self.idf[index]
            scores = (values @ self.rows[index] / math.sqrt(values @ values) + self.bias).tolist()
        else:
            scores = self.bias.tolist()
        # plain floats: for six numbers, math is cheaper than numpy's per-call overhead
        topics = [1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x)) for x in scores[:3]]
        top = max(scores[3:])
        exps = [math.exp(x - top) for x in scores[3:]]
        total = sum(exps)
        return topics, [e / total for e in exps]

    def score_many(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        scored = [self.score(text) for text in texts]
        topics = np.array([topic for topic, _ in scored], dtype=float).reshape(len(texts), 3)
        outlooks = np.array([outlook for _, outlook in scored], dtype=float).reshape(len(texts), 3)
        return topics, outlooks
