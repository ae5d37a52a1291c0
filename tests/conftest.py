"""Shared fixtures: a tiny corpus, a model trained on it once per session, the app and its client."""

import shutil
from pathlib import Path

import pytest

from service import create_app, load_classifier
from training.model import ModelConfig
from training.train import train

DATA_DIR = Path(__file__).parent / "data"
TINY_CORPUS = DATA_DIR / "tiny.jsonl"
FAST_CONFIG = ModelConfig(cv_folds=3)


@pytest.fixture(scope="session")
def tiny_corpus() -> Path:
    return TINY_CORPUS


@pytest.fixture(scope="session")
def models_root(tmp_path_factory) -> Path:
    """A models root holding one model trained on the tiny corpus (shared, treat as read-only)."""
    root = tmp_path_factory.mktemp("models")
    train([TINY_CORPUS], root, FAST_CONFIG)
    return root


@pytest.fixture(scope="session")
def model_dir(models_root) -> Path:
    return models_root / (models_root / "current").read_text().strip()


@pytest.fixture
def writable_models_root(models_root, tmp_path) -> Path:
    """A private copy of the trained models root, for tests that modify it."""
    copy = tmp_path / "models"
    shutil.copytree(models_root, copy)
    return copy


@pytest.fixture(scope="session")
def classifier(model_dir):
    return load_classifier(model_dir)


@pytest.fixture
def app(classifier):
    return create_app({"CLASSIFIER": classifier, "MAX_BATCH": 5, "MAX_TEXT_CHARS": 2000, "MAX_CONTENT_LENGTH": 20000})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def write(tmp_path):
    """Write bytes or text to a file in tmp_path and return its path."""

    def _write(name: str, content) -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write
