"""The v1 JSON API: classify one text or a batch, and show the model card."""

import json

from flask import Blueprint, current_app, request
from werkzeug.wsgi import get_content_length

from service.classifier import InvalidText, validate_text
from service.errors import ApiError
from training.explain import NotExplainable

api = Blueprint("api", __name__, url_prefix="/v1")

CLASSIFY_FIELDS = {"text", "texts", "explain", "sentences"}


def current_classifier(app=None):
    """The classifier that answers this request (picks up a newly promoted model first)."""
    holder = (app or current_app).extensions["topicstance.holder"]
    classifier = holder.get()
    if classifier is None:
        raise ApiError(503, "model_unavailable", holder.error or "no model loaded")
    return classifier


def _read_body(environ: dict, limit: int) -> bytes:
    """The body, refusing more than `limit` bytes also when it arrives chunked (no Content-Length).

    The WSGI input is read directly (werkzeug's wrapped stream was a large part of a short
    request), so the Content-Length limit is checked here; werkzeug would also silently
    truncate an oversized chunked body, which would then surface as confusing invalid JSON.
    """
    stream = environ["wsgi.input"]
    length = get_content_length(environ)  # as request.content_length, without the request proxy
    if length is not None:
        if length > limit:
            raise ApiError(413, "request_too_large", f"request body is larger than the limit of {limit} bytes")
        body = stream.read(length)
        if len(body) < length:
            raise ApiError(400, "invalid_request", f"request body ended after {len(body)} of {length} bytes")
        return body
    chunks, size = [], 0
    while block := stream.read(min(65536, limit + 1 - size)):
        chunks.append(block)
        size += len(block)
        if size > limit:
            raise ApiError(413, "request_too_large", f"request body is larger than the limit of {limit} bytes")
    return b"".join(chunks)


def json_body(app=None) -> dict:
    environ = request.environ
    # the usual header exactly: no header parsing; anything else is judged by werkzeug
    if environ.get("CONTENT_TYPE") != "application/json" and not request.is_json:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"Content-Type must be application/json, got {request.mimetype or 'none'}",
        )
    app = app or current_app
    raw = _read_body(environ, app.config["MAX_CONTENT_LENGTH"])
    try:
        body = app.json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ApiError(400, "invalid_json", f"request body is not UTF-8 (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise ApiError(400, "invalid_json", f"request body is not valid JSON: {exc.msg} at {exc.pos}") from exc
    if not isinstance(body, dict):
        raise ApiError(422, "invalid_request", "request body must be a JSON object")
    return body


@api.post("/classify")
def classify():
    app = current_app._get_current_object()  # one proxy lookup, not one per setting
    body = json_body(app)
    if not CLASSIFY_FIELDS.issuperset(body):
        unknown = sorted(set(body) - CLASSIFY_FIELDS)
        raise ApiError(
            422,
            "unknown_field",
            f"unknown field(s): {', '.join(unknown)}; expected 'text' or 'texts', optionally 'explain', 'sentences'",
        )
    if ("text" in body) == ("texts" in body):
        raise ApiError(422, "missing_field", "give exactly one of 'text' (a string) or 'texts' (an array)")
    options = {"explain": body.get("explain", False), "sentences": body.get("sentences", False)}
    if options["explain"].__class__ is not bool or options["sentences"].__class__ is not bool:
        wrong = next(option for option, value in options.items() if value.__class__ is not bool)
        raise ApiError(422, "invalid_type", f"{wrong} must be true or false")
    classifier = current_classifier(app)
    max_chars = app.config["MAX_TEXT_CHARS"]
    try:
        if "text" in body:
            return classifier.classify(validate_text(body["text"], max_chars=max_chars), **options)
        texts = body["texts"]
        if not isinstance(texts, list):
            raise InvalidText("invalid_type", "texts must be an array of strings")
        if not texts:
            raise InvalidText("empty_batch", "texts is an empty array")
        limit = app.config["MAX_BATCH"]
        if len(texts) > limit:
            raise ApiError(413, "batch_too_large", f"texts has {len(texts)} items; the limit is {limit}")
        for index, text in enumerate(texts):
            validate_text(text, index, max_chars)
        return classifier.classify_many(texts, **options)
    except NotExplainable as exc:
        raise ApiError(422, "not_explainable", f"this model cannot explain its labels exactly: {exc}") from exc
    except InvalidText as exc:
        status = 413 if exc.code == "text_too_large" else 422
        details = {} if exc.index is None else {"index": exc.index}
        raise ApiError(status, exc.code, str(exc), **details) from exc


@api.get("/model")
def model_card():
    return current_classifier().card
