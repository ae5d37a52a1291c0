"""The one implementation of classification used by the HTTP API, the CLI and library users.

This module also owns the JSON shape of a prediction: every caller gets the
dicts built here and nowhere else.
"""

from pathlib import Path

import numpy as np

from training.explain import EXPLANATION_NOTE, explain_outlook, explain_topics
from training.labels import OUTLOOKS, TOPICS
from training.store import load_model
from training.text import split_sentences

MAX_TEXT_CHARS = 100_000
EXPLAIN_TOP_TERMS = 10


class InvalidText(ValueError):
    """A text the classifier refuses: not a string, empty, or over MAX_TEXT_CHARS."""

    def __init__(self, code: str, message: str, index: int | None = None):
        self.code, self.index = code, index
        super().__init__(message)


def validate_text(text, index: int | None = None, max_chars: int = MAX_TEXT_CHARS) -> str:
    where = "text" if index is None else f"texts[{index}]"
    if not isinstance(text, str):
        raise InvalidText("invalid_type", f"{where} must be a string, got {_json_type(text)}", index)
    if not text.strip():
        raise InvalidText("empty_text", f"{where} is empty or whitespace only", index)
    if len(text) > max_chars:
        raise InvalidText("text_too_large", f"{where} has {len(text)} characters; the limit is {max_chars}", index)
    return text


def _json_type(value) -> str:
    return {
        dict: "object",
        list: "array",
        str: "string",
        bool: "boolean",
        int: "number",
        float: "number",
    }.get(type(value), "null" if value is None else type(value).__name__)


class Classifier:
    """A loaded model with its card; thread-safe for concurrent reads."""

    def __init__(self, model, card: dict, path: Path | None = None, max_text_chars: int = MAX_TEXT_CHARS):
        self.model = model
        self.path = path
        self.card = card
        self.version = card["version"]
        self.thresholds = dict(model.thresholds)
        self.max_text_chars = max_text_chars

    def _results(self, texts: list[str], explain: bool = False, sentences: bool = False) -> list[dict]:
        topic_probs, decisions, outlook_probs = self.model.predict(texts)
        # plain lists first: float() and indexing on numpy scalars cost more than the scoring of a short text
        rows = zip(topic_probs.tolist(), decisions.tolist(), outlook_probs.tolist(), strict=True)
        results = [_result(p, d, o) for p, d, o in rows]
        if explain:
            for text, result in zip(texts, results, strict=True):
                result["explanations"] = self._explanations(text, result)
        if sentences:
            self._add_sentences(texts, results)
        return results

    def _explanations(self, text: str, result: dict) -> dict:
        indices = [TOPICS.index(t) for t in result["labels"]]
        topic_parts = explain_topics(self.model.topic_pipeline, text, indices, EXPLAIN_TOP_TERMS)
        outlook = explain_outlook(self.model.outlook_pipeline, text, result["outlook"]["label"], EXPLAIN_TOP_TERMS)
        return {
            "note": EXPLANATION_NOTE,
            "topics": {topic: part for topic, part in zip(result["labels"], topic_parts, strict=True)},
            "outlook": {"label": result["outlook"]["label"], **outlook},
        }

    def _add_sentences(self, texts: list[str], results: list[dict]) -> None:
        """Classify every sentence (one batch for all texts) and derive an outlook per assigned topic."""
        spans = [split_sentences(text) for text in texts]
        pieces = [text[a:b] for text, text_spans in zip(texts, spans, strict=True) for a, b in text_spans]
        topic_probs, decisions, outlook_probs = self.model.predict(pieces) if pieces else ([], [], [])
        k = 0
        for text_spans, result in zip(spans, results, strict=True):
            n = len(text_spans)
            rows = slice(k, k + n)
            result["sentences"] = [
                {"start": a, "end": b, **_result(p, d, o)}
                for (a, b), p, d, o in zip(
                    text_spans,
                    topic_probs[rows].tolist(),
                    decisions[rows].tolist(),
                    outlook_probs[rows].tolist(),
                    strict=True,
                )
            ]
            result["outlook_by_topic"] = {
                topic: outlook_for_topic(
                    topic_probs[rows][:, TOPICS.index(topic)], outlook_probs[rows], self.thresholds[topic]
                )
                for topic in result["labels"]
            }
            k += n

    def classify(self, text: str, explain: bool = False, sentences: bool = False) -> dict:
        """`{"labels", "topics", "outlook", "model"}` for one text (plus explanations / sentences if asked)."""
        validate_text(text, max_chars=self.max_text_chars)
        if explain or sentences:
            return {**self._results([text], explain, sentences)[0], "model": self.version}
        result = _result(*self.model.predict_one(text))
        result["model"] = self.version
        return result

    def classify_many(self, texts: list[str], explain: bool = False, sentences: bool = False) -> dict:
        """`{"results": [...], "model"}`, one result per text, in order."""
        if not isinstance(texts, list | tuple):
            raise InvalidText("invalid_type", f"texts must be an array of strings, got {_json_type(texts)}")
        for i, text in enumerate(texts):
            validate_text(text, i, self.max_text_chars)
        return {"results": self._results(list(texts), explain, sentences) if texts else [], "model": self.version}


def _result(topic_probs: list[float], decisions: list[int], outlook_probs: list[float]) -> dict:
    """The prediction of one text or sentence: the JSON shape every interface returns (plain lists in)."""
    return {
        "labels": [topic for topic, on in zip(TOPICS, decisions, strict=True) if on],
        "topics": dict(zip(TOPICS, topic_probs, strict=True)),
        "outlook": _outlook(outlook_probs),
    }


def _outlook(probs: list[float]) -> dict:
    return {
        "label": OUTLOOKS[probs.index(max(probs))],  # the first of equal maxima, as np.argmax
        "scores": dict(zip(OUTLOOKS, probs, strict=True)),
    }


def outlook_for_topic(topic_probs: np.ndarray, outlook_probs: np.ndarray, threshold: float) -> dict:
    """The outlook of the sentences about one topic.

    Sentences whose probability for the topic reaches its threshold are averaged,
    each weighted by that probability; when no sentence reaches it on its own (the
    topic emerges only from the whole text), all sentences are averaged with the
    same weights. Returns the outlook dict plus how many sentences were used.
    """
    topic_probs = np.asarray(topic_probs, dtype=float)
    chosen = topic_probs >= threshold
    if not chosen.any():
        chosen = np.ones_like(chosen)
    weights = topic_probs * chosen
    if weights.sum() <= 0:
        weights = chosen.astype(float)
    mixed = (np.asarray(outlook_probs)[chosen] * weights[chosen, None]).sum(axis=0) / weights[chosen].sum()
    return {**_outlook(mixed.tolist()), "sentences": int(chosen.sum())}


def load_classifier(path: str | Path | None = None, max_text_chars: int = MAX_TEXT_CHARS) -> Classifier:
    """The model at `path` (version dir or models root); default TOPICSTANCE_MODEL_DIR, else bundled."""
    model, card, model_dir = load_model(path)
    return Classifier(model, card, path=model_dir, max_text_chars=max_text_chars)
