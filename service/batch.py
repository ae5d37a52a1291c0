"""Streaming classification of JSON Lines: constant memory, one output line per input line, in order."""

import json
from itertools import islice

from service.classifier import Classifier, InvalidText, validate_text


def _parse_line(line_no: int, raw: str):
    """(id, text, None) for a usable line, else (id, None, error)."""
    try:
        row = json.loads(raw)
    except json.JSONDecodeError as exc:
        return None, None, {"code": "invalid_json", "message": f"line {line_no}: {exc.msg}"}
    if not isinstance(row, dict):
        return None, None, {"code": "invalid_request", "message": f"line {line_no}: not a JSON object"}
    record_id = row.get("id")
    if "text" not in row:
        return record_id, None, {"code": "missing_field", "message": f"line {line_no}: no 'text' field"}
    try:
        return record_id, validate_text(row["text"]), None
    except InvalidText as exc:
        return record_id, None, {"code": exc.code, "message": f"line {line_no}: {exc}"}


def classify_stream(classifier: Classifier, source, sink, batch_size: int = 256, **options) -> tuple[int, int]:
    """Classify `source` lines into `sink`; a bad line yields an `error` object, not an abort.

    Returns (lines written, lines with errors).
    """
    numbered = ((n, raw) for n, raw in enumerate(source, 1) if raw.strip())
    total = failures = 0
    while chunk := list(islice(numbered, batch_size)):
        parsed = [(line_no, *_parse_line(line_no, raw)) for line_no, raw in chunk]
        texts = [text for _, _, text, error in parsed if error is None]
        results = iter(classifier.classify_many(texts, **options)["results"] if texts else [])
        for _line_no, record_id, _text, error in parsed:
            if error is None:
                out = {"id": record_id, **next(results), "model": classifier.version}
            else:
                out = {"id": record_id, "error": error}
                failures += 1
            sink.write(json.dumps(out, ensure_ascii=False) + "\n")
            total += 1
    return total, failures
