"""The one implementation of classification used by the HTTP API, the CLI and library users.

This module also owns the JSON shape of a prediction: every caller gets the
dicts built here and nowhere else.
"""

from pathlib import Path

from training.labels import OUTLOOKS, TOPICS
from training.store import load_model

MAX_TEXT_CHARS = 100_000


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

    def _results(self, texts: list[str]) -> list[dict]:
        topic_probs, decisions, outlook_probs = self.model.predict(texts)
        results = []
        for probs, decided, outlook in zip(topic_probs, decisions, outlook_probs, strict=True):
            best = int(outlook.argmax())
            results.append(
                {
                    "labels": [topic for topic, on in zip(TOPICS, decided, strict=True) if on],
                    "topics": {topic: float(p) for topic, p in zip(TOPICS, probs, strict=True)},
                    "outlook": {
                        "label": OUTLOOKS[best],
                        "scores": {label: float(p) for label, p in zip(OUTLOOKS, outlook, strict=True)},
                    },
                }
            )
        return results

    def classify(self, text: str) -> dict:
        """`{"labels", "topics", "outlook", "model"}` for one text."""
        validate_text(text, max_chars=self.max_text_chars)
        return {**self._results([text])[0], "model": self.version}

    def classify_many(self, texts: list[str]) -> dict:
        """`{"results": [...], "model"}`, one result per text, in order."""
        if not isinstance(texts, list | tuple):
            raise InvalidText("invalid_type", f"texts must be an array of strings, got {_json_type(texts)}")
        for i, text in enumerate(texts):
            validate_text(text, i, self.max_text_chars)
        return {"results": self._results(list(texts)) if texts else [], "model": self.version}


def load_classifier(path: str | Path | None = None, max_text_chars: int = MAX_TEXT_CHARS) -> Classifier:
    """The model at `path` (version dir or models root); default TOPICSTANCE_MODEL_DIR, else bundled."""
    model, card, model_dir = load_model(path)
    return Classifier(model, card, path=model_dir, max_text_chars=max_text_chars)
