"""Corrections sent by users (POST /v1/feedback), stored in SQLite, returned in the training format.

Several gunicorn workers write at once: WAL mode lets readers and one writer
proceed together, and a busy timeout makes concurrent writers wait instead of fail.
"""

import json
import os
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from training.corpus import Record
from training.labels import check_outlook, check_topics

DB_ENV = "TOPICSTANCE_DB"
DATA_DIR_ENV = "TOPICSTANCE_DATA_DIR"
REPO_DATA_DIR = Path(__file__).resolve().parent.parent / "var"
BUSY_TIMEOUT_MS = 30_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    text TEXT NOT NULL,
    topics TEXT NOT NULL,
    outlook TEXT NOT NULL,
    note TEXT,
    model_version TEXT
);
CREATE INDEX IF NOT EXISTS feedback_created_at ON feedback (created_at);
"""


class InvalidFeedback(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def default_db_path() -> Path:
    """TOPICSTANCE_DB, else feedback.sqlite3 in TOPICSTANCE_DATA_DIR (default: var/ in the repository)."""
    if os.environ.get(DB_ENV):
        return Path(os.environ[DB_ENV])
    return Path(os.environ.get(DATA_DIR_ENV) or REPO_DATA_DIR) / "feedback.sqlite3"


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_since(value: str) -> str:
    """An ISO 8601 time, normalised to the stored form so that string comparison orders correctly."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"since must be an ISO 8601 time such as 2026-01-31T12:00:00Z, got {value!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def validate_feedback(body: dict) -> list[str]:
    """The same label rules as training data, plus the shape of the request."""
    problems = []
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        problems.append("text must be a non-empty string")
    if "topics" not in body:
        problems.append("topics is required (a list of topic ids, [] for none)")
    else:
        problems.extend(check_topics(body["topics"]))
    if "outlook" not in body:
        problems.append("outlook is required")
    else:
        problems.extend(check_outlook(body["outlook"]))
    note = body.get("note")
    if note is not None and not isinstance(note, str):
        problems.append("note must be a string")
    return problems


class FeedbackStore:
    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path else default_db_path()
        self._prepared = False

    def _connect(self) -> sqlite3.Connection:
        """A connection with the per-connection settings; the file is set up once per store (per process).

        WAL mode and the schema persist in the database file, so they need not be
        redone on every request; busy_timeout and synchronous are per connection.
        """
        if not self._prepared:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA synchronous = NORMAL")
        if not self._prepared:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.executescript(_SCHEMA)
            self._prepared = True
        return connection

    def add(self, text: str, topics: list[str], outlook: str, note: str | None, model_version: str | None) -> dict:
        problems = validate_feedback({"text": text, "topics": topics, "outlook": outlook, "note": note})
        if problems:
            raise InvalidFeedback(problems)
        created = utc_now_iso()
        with closing(self._connect()) as connection:
            cursor = connection.execute(
                "INSERT INTO feedback (created_at, text, topics, outlook, note, model_version) VALUES (?,?,?,?,?,?)",
                (created, text, json.dumps(topics), outlook, note, model_version),
            )
            row_id = cursor.lastrowid
        return {"id": f"feedback-{row_id}", "created_at": created, "model": model_version}

    def fetch(self, since: str | None = None) -> list[dict]:
        query = "SELECT id, created_at, text, topics, outlook, note, model_version FROM feedback"
        params: tuple = ()
        if since is not None:
            query += " WHERE created_at > ?"
            params = (parse_since(since),)
        with closing(self._connect()) as connection:
            rows = connection.execute(query + " ORDER BY id", params).fetchall()
        return [
            {
                "id": f"feedback-{row_id}",
                "text": text,
                "topics": json.loads(topics),
                "outlook": outlook,
                "note": note,
                "created_at": created,
                "model": model,
            }
            for row_id, created, text, topics, outlook, note, model in rows
        ]

    def count(self) -> int:
        with closing(self._connect()) as connection:
            return connection.execute("SELECT COUNT(*) FROM feedback").fetchone()[0]

    def records(self, until: str | None = None) -> list[Record]:
        """Corrections as training records, oldest first; `until`: only those stored at or before that time."""
        limit = parse_since(until) if until else None
        return [
            Record(row["id"], row["text"], tuple(row["topics"]), row["outlook"], f"{self.path}:{row['id']}")
            for row in self.fetch()
            if limit is None or row["created_at"] <= limit
        ]
