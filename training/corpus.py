"""Reading and validating labelled records from JSON Lines and CSV.

Every problem in every file is collected before anything is fitted, so a user
fixes a bad corpus in one pass instead of one error per run.
"""

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

from training.labels import check_outlook, check_topics

DEFAULT_CORPUS_DIR = Path(__file__).resolve().parent / "data"
SUPPORTED_SUFFIXES = (".jsonl", ".csv")
REQUIRED_FIELDS = ("text", "topics", "outlook")


@dataclass(frozen=True)
class Record:
    id: str
    text: str
    topics: tuple[str, ...]
    outlook: str
    source: str  # "path:line", for error messages and reports


class CorpusError(ValueError):
    """Raised with every problem found; `problems` holds one "path:line: message" per entry."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the training data:\n" + "\n".join(problems))


def expand_paths(paths) -> list[Path]:
    """Files named directly, plus the .jsonl/.csv files inside named directories (sorted)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES))
        else:
            files.append(path)
    return files


def load_records(paths=None) -> list[Record]:
    """All records of the given files/directories (default: the bundled corpus), validated."""
    files = expand_paths(paths if paths else [DEFAULT_CORPUS_DIR])
    problems: list[str] = []
    records: list[Record] = []
    first_seen: dict[str, str] = {}  # id -> "path:line", across all files
    if not files:
        raise CorpusError(["no .jsonl or .csv files found in " + ", ".join(map(str, paths or []))])
    for path in files:
        if not path.exists():
            problems.append(f"{path}: file not found")
            continue
        suffix = path.suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            problems.append(f"{path}: unsupported file type {suffix!r} (use .jsonl or .csv)")
            continue
        reader = _read_jsonl if suffix == ".jsonl" else _read_csv
        for line, row, row_problems in reader(path):
            where = f"{path}:{line}"
            if row_problems:
                problems.extend(f"{where}: {p}" for p in row_problems)
                continue
            record, row_problems = _to_record(row, path, line)
            if "id" in row and isinstance(row["id"], str | int):
                if str(row["id"]) in first_seen:
                    row_problems.append(f"duplicate id {str(row['id'])!r} (first at {first_seen[str(row['id'])]})")
                else:
                    first_seen[str(row["id"])] = where
            if row_problems:
                problems.extend(f"{where}: {p}" for p in row_problems)
            else:
                records.append(record)
    if not records and not problems:
        problems.append("no records found in " + ", ".join(map(str, files)))
    if problems:
        raise CorpusError(problems)
    return records


def _read_jsonl(path: Path):
    with open(path, "rb") as handle:
        for line_no, raw in enumerate(handle, 1):
            try:
                line = raw.decode("utf-8-sig" if line_no == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield line_no, None, [f"undecodable bytes (not UTF-8) at byte {exc.start}"]
                continue
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                yield line_no, None, [f"invalid JSON: {exc.msg} (column {exc.colno})"]
                continue
            if not isinstance(row, dict):
                yield line_no, None, [f"each line must be a JSON object, got {type(row).__name__}"]
                continue
            yield line_no, row, []


def _read_csv(path: Path):
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
        bad_lines = set()
    except UnicodeDecodeError:
        text, bad_lines = _decode_marking_bad_lines(data)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [f for f in REQUIRED_FIELDS if f not in header]
    if missing:
        found = ", ".join(header) or "nothing"
        yield 1, None, [f"missing column(s) {', '.join(missing)} (header has: {found})"]
        return
    start_line = reader.line_num + 1
    for row in reader:
        end_line = reader.line_num
        lines = set(range(start_line, end_line + 1))
        if lines & bad_lines:
            yield start_line, None, ["undecodable bytes (not UTF-8)"]
        elif None in row or any(row.get(f) is None for f in REQUIRED_FIELDS):
            yield start_line, None, ["wrong number of fields for the header"]
        else:
            yield start_line, _parse_csv_row(row), []
        start_line = end_line + 1


def _decode_marking_bad_lines(data: bytes) -> tuple[str, set[int]]:
    bad_lines = set()
    parts = []
    for line_no, raw in enumerate(data.split(b"\n"), 1):
        try:
            parts.append(raw.decode("utf-8-sig" if line_no == 1 else "utf-8"))
        except UnicodeDecodeError:
            bad_lines.add(line_no)
            parts.append(raw.decode("utf-8", errors="replace"))
    return "\n".join(parts), bad_lines


def _parse_csv_row(row: dict) -> dict:
    """CSV topics are a JSON list or ';'-separated ids; an empty cell means no topic."""
    parsed = dict(row)
    raw_topics = (row.get("topics") or "").strip()
    if raw_topics.startswith("["):
        try:
            parsed["topics"] = json.loads(raw_topics)
        except json.JSONDecodeError:
            parsed["topics"] = raw_topics  # reported as "not a list" below
    else:
        parsed["topics"] = [t.strip() for t in raw_topics.split(";") if t.strip()]
    parsed["outlook"] = (row.get("outlook") or "").strip()
    if not (row.get("id") or "").strip():
        parsed.pop("id", None)
    return parsed


def _to_record(row: dict, path: Path, line: int) -> tuple[Record | None, list[str]]:
    problems = [f"missing field {field!r}" for field in REQUIRED_FIELDS if field not in row]
    if problems:
        return None, problems
    text, topics, outlook = row["text"], row["topics"], row["outlook"]
    if not isinstance(text, str):
        problems.append(f"text must be a string, got {type(text).__name__}")
    elif not text.strip():
        problems.append("empty text")
    problems.extend(check_topics(topics))
    problems.extend(check_outlook(outlook))
    record_id = row.get("id", f"{path.name}:{line}")
    if not isinstance(record_id, str | int) or isinstance(record_id, bool) or str(record_id) == "":
        problems.append(f"id must be a non-empty string or integer, got {record_id!r}")
    if problems:
        return None, problems
    return Record(str(record_id), text, tuple(topics), outlook, f"{path}:{line}"), []


def corpus_sha256(records: list[Record]) -> str:
    """A digest of the labelled content (not the file format), recorded in the model card."""
    digest = hashlib.sha256()
    for r in records:
        line = json.dumps([r.id, r.text, sorted(r.topics), r.outlook], ensure_ascii=False)
        digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()
