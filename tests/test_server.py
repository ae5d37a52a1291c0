"""The real thing: `topicstance serve` under gunicorn on a free loopback port."""

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


def topicstance_command() -> list[str]:
    beside_python = Path(sys.executable).parent / "topicstance"
    if beside_python.exists():
        return [str(beside_python)]
    found = shutil.which("topicstance")
    return [found] if found else [sys.executable, "-m", "service.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(url: str, body=None, content_type="application/json"):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, headers={"Content-Type": content_type} if data else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def server(model_dir, tmp_path):
    port = free_port()
    command = topicstance_command() + [
        "serve",
        "--port",
        str(port),
        "--workers",
        "2",
        "--model",
        str(model_dir),
    ]
    # A small body limit so the over-limit request fits in socket buffers: the server answers 413
    # before reading the body, and a client still sending megabytes would see a broken pipe.
    env = {**os.environ, "TOPICSTANCE_MAX_REQUEST_BYTES": "10000"}
    log_file = open(tmp_path / "server.log", "wb")  # noqa: SIM115 - a file, not a pipe that can fill up
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log_file, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited early: {(tmp_path / 'server.log').read_text()[-2000:]}")
        try:
            if request(base + "/readyz")[0] == 200:
                break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("server did not become ready in 30 s")
    yield base, process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    log_file.close()


def test_real_server_answers_and_survives_bad_input(server, classifier):
    base, process = server
    status, body = request(base + "/v1/classify", {"text": "Envoys sign a treaty in Geneva"})
    assert status == 200
    assert body == classifier.classify("Envoys sign a treaty in Geneva")
    assert request(base + "/v1/classify", b"{broken")[0] == 400
    assert request(base + "/v1/classify", {"text": ""})[0] == 422
    assert request(base + "/v1/classify", {"text": "word " * 4000})[0] == 413
    assert request(base + "/v1/nowhere")[0] == 404
    status, body = request(base + "/v1/classify", {"texts": ["Jets sold abroad", "Bakery wins a prize"]})
    assert status == 200 and len(body["results"]) == 2
    assert request(base + "/v1/model")[1]["version"] == classifier.version
    assert process.poll() is None


def test_serve_refuses_to_start_without_a_model(tmp_path):
    command = topicstance_command() + ["serve", "--port", str(free_port()), "--model", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "no model at" in result.stderr


def test_chunked_body_over_the_limit_is_refused(server):
    import http.client

    base, process = server
    port = int(base.rsplit(":", 1)[1])
    body = json.dumps({"text": "word " * 4000}).encode()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    chunks = (body[i : i + 1000] for i in range(0, len(body), 1000))
    headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    connection.request("POST", "/v1/classify", body=chunks, headers=headers, encode_chunked=True)
    response = connection.getresponse()
    assert response.status == 413
    assert json.loads(response.read())["error"]["code"] == "request_too_large"
    assert process.poll() is None
