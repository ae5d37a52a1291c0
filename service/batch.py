"""Streaming classification of JSON Lines: constant memory, one output line per input line, in order.

Input is read and classified in chunks; with several jobs, worker processes each
load the model once and at most two chunks per worker are in flight, so memory
stays flat whatever the file size.
"""

import json
import sys
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from itertools import islice

from service.classifier import Classifier, InvalidText, load_classifier, validate_text


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


def classify_chunk(classifier: Classifier, chunk: list[tuple[int, str]], options: dict) -> tuple[str, int]:
    """The output lines for one chunk of (line number, raw line), and how many were errors."""
    parsed = [(line_no, *_parse_line(line_no, raw)) for line_no, raw in chunk]
    texts = [text for _, _, text, error in parsed if error is None]
    results = iter(classifier.classify_many(texts, **options)["results"] if texts else [])
    out, failures = [], 0
    for _line_no, record_id, _text, error in parsed:
        if error is None:
            row = {"id": record_id, **next(results), "model": classifier.version}
        else:
            row = {"id": record_id, "error": error}
            failures += 1
        out.append(json.dumps(row, ensure_ascii=False) + "\n")
    return "".join(out), failures


def _chunks(source, batch_size: int):
    numbered = ((n, raw) for n, raw in enumerate(source, 1) if raw.strip())
    while chunk := list(islice(numbered, batch_size)):
        yield chunk


_worker_classifier: Classifier | None = None


def _init_worker(model_path) -> None:
    global _worker_classifier
    _worker_classifier = load_classifier(model_path)


def _work(chunk, options):
    return classify_chunk(_worker_classifier, chunk, options)


def _progress(enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(unit=" lines", file=sys.stderr, dynamic_ncols=True)


def classify_stream(
    classifier: Classifier, source, sink, batch_size: int = 256, jobs: int = 1, progress: bool = False, **options
) -> tuple[int, int]:
    """Classify `source` lines into `sink`; a bad line yields an `error` object, not an abort.

    Returns (lines written, lines with errors).
    """
    if jobs < 1:
        raise ValueError("--jobs must be at least 1")
    bar = _progress(progress)
    total = failures = 0

    def emit(lines: str, errors: int, count: int) -> None:
        nonlocal total, failures
        sink.write(lines)
        total, failures = total + count, failures + errors
        if bar is not None:
            bar.update(count)

    try:
        if jobs == 1:
            for chunk in _chunks(source, batch_size):
                emit(*classify_chunk(classifier, chunk, options), len(chunk))
        else:
            with ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(classifier.path,)) as pool:
                pending = deque()
                for chunk in _chunks(source, batch_size):
                    pending.append((pool.submit(_work, chunk, options), len(chunk)))
                    if len(pending) >= 2 * jobs:
                        future, count = pending.popleft()
                        emit(*future.result(), count)
                while pending:
                    future, count = pending.popleft()
                    emit(*future.result(), count)
    finally:
        if bar is not None:
            bar.close()
    return total, failures
