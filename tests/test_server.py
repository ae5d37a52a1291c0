"""The real thing: `topicstance serve` under gunicorn on a free loopback port."""

import json
import subprocess

import pytest
from conftest import free_port, http_json, topicstance_command


@pytest.fixture
def server(serve, model_dir):
    # A small body limit so the over-limit request fits in socket buffers: the server answers 413
    # before reading the body, and a client still sending megabytes would see a broken pipe.
    return serve(model_dir, env={"TOPICSTANCE_MAX_REQUEST_BYTES": "10000"})


def test_real_server_answers_and_survives_bad_input(server, classifier):
    base, process = server
    status, body = http_json(base + "/v1/classify", {"text": "Envoys sign a treaty in Geneva"})
    assert status == 200
    assert body == classifier.classify("Envoys sign a treaty in Geneva")
    assert http_json(base + "/v1/classify", b"{broken")[0] == 400
    assert http_json(base + "/v1/classify", {"text": ""})[0] == 422
    assert http_json(base + "/v1/classify", {"text": "word " * 4000})[0] == 413
    assert http_json(base + "/v1/nowhere")[0] == 404
    status, body = http_json(base + "/v1/classify", {"texts": ["Jets sold abroad", "Bakery wins a prize"]})
    assert status == 200 and len(body["results"]) == 2
    assert http_json(base + "/v1/model")[1]["version"] == classifier.version
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


def test_access_log_fields_are_built_only_when_an_access_log_is_asked_for(monkeypatch):
    from types import SimpleNamespace

    from gunicorn.glogging import Logger

    from service.gunicorn_conf import AccessLogger
    from service.server import gunicorn_options

    calls = []
    monkeypatch.setattr(Logger, "access", lambda self, *args: calls.append(args))
    quiet, loud = (gunicorn_options("127.0.0.1", 8000, 1, access_log=flag) for flag in (False, True))
    assert quiet["logger_class"] == loud["logger_class"] == "service.gunicorn_conf.AccessLogger"
    for options in (quiet, loud):
        logger = AccessLogger.__new__(AccessLogger)  # no logging setup in the test process
        logger.cfg = SimpleNamespace(accesslog=options["accesslog"])
        logger.access("response", "request", {}, 0.001)
    assert calls == [("response", "request", {}, 0.001)]  # only the one with --access-log
