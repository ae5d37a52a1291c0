"""Shared fixtures: a tiny corpus, a model trained on it once per session, the app and its client."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
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
def two_version_root(tiny_corpus, tmp_path):
    """A fresh models root with two versions trained with different seeds; the second is current."""
    root = tmp_path / "models"
    first = train([tiny_corpus], root, ModelConfig(cv_folds=3, seed=1)).name
    second = train([tiny_corpus], root, ModelConfig(cv_folds=3, seed=2)).name
    return root, first, second


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


def topicstance_command() -> list[str]:
    """The installed console script (beside this Python), as a user would run it."""
    beside_python = Path(sys.executable).parent / "topicstance"
    if beside_python.exists():
        return [str(beside_python)]
    found = shutil.which("topicstance")
    return [found] if found else [sys.executable, "-m", "service.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_json(url: str, body=None, content_type="application/json", headers=None, timeout=10):
    """(status, parsed JSON body) for a GET, or a POST when body is given."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    all_headers = {**({"Content-Type": content_type} if data is not None else {}), **(headers or {})}
    req = urllib.request.Request(url, data=data, headers=all_headers, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def serve(tmp_path):
    """Start `topicstance serve` on a free loopback port; returns (base_url, process). Stopped after the test."""
    started = []

    def _serve(model, env=None, workers=2):
        port = free_port()
        command = topicstance_command() + [
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--model",
            str(model),
        ]
        log_path = tmp_path / f"server-{port}.log"
        log_file = open(log_path, "wb")  # noqa: SIM115 - a file, not a pipe that could fill up
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=log_file, env={**os.environ, **(env or {})}
        )
        started.append((process, log_file))
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"server exited early: {log_path.read_text()[-2000:]}")
            try:
                if http_json(base + "/readyz", timeout=2)[0] == 200:
                    return base, process
            except OSError:
                pass
            time.sleep(0.1)
        pytest.fail("server did not become ready in 30 s")

    yield _serve
    for process, log_file in started:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log_file.close()
