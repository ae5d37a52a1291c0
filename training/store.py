"""The model directory format: where models live, how they are written and loaded.

A models root holds one directory per version and a `current` file naming the
served one. A version directory carries `model_card.json` (labels, thresholds,
metrics, corpus hash, library versions, creation time) beside its joblib
artefacts, and loads by path on its own.
"""

import hashlib
import json
import os
import platform
import shutil
import tempfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import joblib

from training.labels import OUTLOOKS, TOPICS
from training.model import TopicStanceModel
from training.report import render_report

CARD_NAME = "model_card.json"
REPORT_NAME = "report.html"
CURRENT_POINTER = "current"
HISTORY_FILE = "history.jsonl"
MODEL_ARTEFACT = "model.joblib"  # both pipelines in one pickle: their shared TF-IDF block is stored once
TOPIC_ARTEFACT = "topics.joblib"  # format 1: one pickle per head
OUTLOOK_ARTEFACT = "outlook.joblib"
MODEL_DIR_ENV = "TOPICSTANCE_MODEL_DIR"
REPO_MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
FORMAT_VERSION = 2
READABLE_FORMATS = (1, 2)


class ModelLoadError(RuntimeError):
    """The model directory is missing, incomplete, corrupt or of an unknown format."""


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for dist in ("topicstance", "scikit-learn", "numpy", "scipy", "joblib", "nltk"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    return versions


def make_version_id(corpus_sha256: str, config: dict, created: datetime, models_root: Path | None = None) -> str:
    """Creation time and a digest of data and settings; a suffix keeps it unique within a models root."""
    digest = hashlib.sha256((corpus_sha256 + json.dumps(config, sort_keys=True)).encode()).hexdigest()
    version = f"{created:%Y%m%d-%H%M%S}-{digest[:8]}"
    suffix = 1
    while models_root is not None and (Path(models_root) / version).exists():
        suffix += 1
        version = f"{created:%Y%m%d-%H%M%S}-{digest[:8]}-{suffix}"
    return version


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_model(model: TopicStanceModel, card: dict, models_root: Path, make_current: bool = True) -> Path:
    """Write `models_root/<version>/` atomically (temp dir, then rename) and point `current` at it.

    Readers either see the previous complete model or the new complete one,
    never a half-written directory.
    """
    models_root = Path(models_root)
    models_root.mkdir(parents=True, exist_ok=True)
    version = card["version"]
    final = models_root / version
    if final.exists():
        raise FileExistsError(f"model version {version} already exists at {final}")
    staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=models_root))
    try:
        pipelines = {"topics": model.topic_pipeline, "outlook": model.outlook_pipeline}
        joblib.dump(pipelines, staging / MODEL_ARTEFACT, compress=3)
        card = {
            **card,
            "format_version": FORMAT_VERSION,
            "labels": {"topics": list(TOPICS), "outlooks": list(OUTLOOKS)},
            "thresholds": model.thresholds,
            "artefacts": {MODEL_ARTEFACT: _sha256_file(staging / MODEL_ARTEFACT)},
        }
        _write_text_atomic(staging / CARD_NAME, json.dumps(card, indent=2, ensure_ascii=False) + "\n")
        _write_text_atomic(staging / REPORT_NAME, render_report(card))
        os.chmod(staging, 0o755)
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if make_current:
        set_current(models_root, version, action="train")
    return final


def _write_text_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def set_current(models_root: Path, version: str, action: str = "promote") -> None:
    """Point `current` at `version` (one atomic rename) and record it in the promotion history."""
    models_root = Path(models_root)
    if not version or "/" in version or not (models_root / version / CARD_NAME).is_file():
        raise ModelLoadError(f"no model version {version!r} in {models_root}")
    history = read_history(models_root)
    history.append({"version": version, "action": action, "at": now_utc().isoformat().replace("+00:00", "Z")})
    _write_text_atomic(models_root / HISTORY_FILE, "".join(json.dumps(h) + "\n" for h in history))
    _write_text_atomic(models_root / CURRENT_POINTER, version + "\n")


def read_history(models_root: Path) -> list[dict]:
    path = Path(models_root) / HISTORY_FILE
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def current_version(models_root: Path) -> str | None:
    pointer = Path(models_root) / CURRENT_POINTER
    return pointer.read_text(encoding="utf-8").strip() if pointer.is_file() else None


def list_versions(models_root: Path) -> list[dict]:
    """Every version directory with the headline facts of its card, oldest first."""
    models_root = Path(models_root)
    current = current_version(models_root)
    versions = []
    for card_path in sorted(models_root.glob(f"*/{CARD_NAME}")):
        if card_path.parent.name.startswith("."):
            continue
        card = json.loads(card_path.read_text(encoding="utf-8"))
        cv = card.get("metrics", {}).get("cross_validation", {})
        versions.append(
            {
                "version": card["version"],
                "created_at": card.get("created_at"),
                "current": card["version"] == current,
                "parent_version": card.get("parent_version"),
                "records": card.get("corpus", {}).get("records"),
                "feedback_records": card.get("feedback", {}).get("records", 0),
                "topic_micro_f1": cv.get("topics", {}).get("micro_f1"),
                "outlook_macro_f1": cv.get("outlook", {}).get("macro_f1"),
            }
        )
    return sorted(versions, key=lambda v: (v["created_at"] or "", v["version"]))


def rollback(models_root: Path) -> str:
    """Make the version that was current before the present one current again."""
    models_root = Path(models_root)
    current = current_version(models_root)
    history = [h["version"] for h in read_history(models_root)]
    while history and history[-1] == current:
        history.pop()
    if not history:
        raise ModelLoadError(f"nothing to roll back to in {models_root}: no earlier current version")
    previous = history[-1]
    # Drop the rolled-back entries so that a second rollback goes one step further back.
    kept = read_history(models_root)
    while kept and kept[-1]["version"] != previous:
        kept.pop()
    kept.pop()
    _write_text_atomic(models_root / HISTORY_FILE, "".join(json.dumps(h) + "\n" for h in kept))
    set_current(models_root, previous, action="rollback")
    return previous


def default_model_path() -> Path:
    """TOPICSTANCE_MODEL_DIR when set, else the repository's bundled models/ directory."""
    configured = os.environ.get(MODEL_DIR_ENV)
    return Path(configured) if configured else REPO_MODELS_DIR


def resolve_model_dir(path: Path | str | None = None) -> Path:
    """A version directory (has model_card.json) as given, or the one a models root's `current` names."""
    path = Path(path) if path is not None else default_model_path()
    if (path / CARD_NAME).is_file():
        return path
    pointer = path / CURRENT_POINTER
    if pointer.is_file():
        version = pointer.read_text(encoding="utf-8").strip()
        if not version or "/" in version or version.startswith("."):
            raise ModelLoadError(f"{pointer} names an invalid version {version!r}")
        target = path / version
        if (target / CARD_NAME).is_file():
            return target
        raise ModelLoadError(f"{pointer} names {version!r}, but {target} holds no {CARD_NAME}")
    raise ModelLoadError(
        f"no model at {path}: expected {CARD_NAME} there, or a '{CURRENT_POINTER}' file naming a version "
        f"directory (train one with `topicstance train --out {path}`)"
    )


def read_card(path: Path | str | None = None) -> dict:
    """The model card of a version directory or a models root's current version, without the model."""
    model_dir = resolve_model_dir(path)
    try:
        return json.loads((model_dir / CARD_NAME).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelLoadError(f"unreadable model card in {model_dir}: {exc}") from exc


def load_model(path: Path | str | None = None) -> tuple[TopicStanceModel, dict, Path]:
    """The model, its card and its directory, after checking card format and artefact checksums."""
    model_dir = resolve_model_dir(path)
    card = read_card(model_dir)
    if card.get("format_version") not in READABLE_FORMATS:
        raise ModelLoadError(f"{model_dir}: unsupported model format {card.get('format_version')!r}")
    if card.get("labels") != {"topics": list(TOPICS), "outlooks": list(OUTLOOKS)}:
        raise ModelLoadError(f"{model_dir}: model labels {card.get('labels')} differ from this version's")
    for name, expected in card.get("artefacts", {}).items():
        artefact = model_dir / name
        if not artefact.is_file() or _sha256_file(artefact) != expected:
            raise ModelLoadError(f"{artefact} is missing or does not match its checksum in the model card")
    try:
        if card["format_version"] == 1:
            pipelines = {
                "topics": joblib.load(model_dir / TOPIC_ARTEFACT),
                "outlook": joblib.load(model_dir / OUTLOOK_ARTEFACT),
            }
        else:
            pipelines = joblib.load(model_dir / MODEL_ARTEFACT)
        model = TopicStanceModel(pipelines["topics"], pipelines["outlook"], card["thresholds"])
    except Exception as exc:  # a pickle can fail in many ways; all mean the same to the caller
        raise ModelLoadError(f"cannot load the model in {model_dir}: {exc}") from exc
    return model, card, model_dir


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
