"""The HTTP API through Flask's test client: answers, and a JSON error for every kind of bad input."""

import json

import pytest

from service import create_app
from training.labels import OUTLOOKS, TOPICS


def post(client, body, **kwargs):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    kwargs.setdefault("content_type", "application/json")
    return client.post("/v1/classify", data=data, **kwargs)


def assert_error(response, status: int, code: str):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error


def assert_result_shape(result: dict, thresholds: dict):
    assert list(result["topics"]) == list(TOPICS)
    assert all(0.0 <= p <= 1.0 for p in result["topics"].values())
    assert result["labels"] == [t for t in TOPICS if result["topics"][t] >= thresholds[t]]
    outlook = result["outlook"]
    assert list(outlook["scores"]) == list(OUTLOOKS)
    assert abs(sum(outlook["scores"].values()) - 1.0) < 1e-9
    assert outlook["label"] == max(outlook["scores"], key=outlook["scores"].get)


def test_classify_one_text(client, classifier):
    response = post(client, {"text": "Rebels seize a town after heavy fighting; thousands flee"})
    assert response.status_code == 200
    body = response.get_json()
    assert list(body) == ["labels", "topics", "outlook", "model"]
    assert body["model"] == classifier.version
    assert_result_shape(body, classifier.thresholds)
    assert body == classifier.classify("Rebels seize a town after heavy fighting; thousands flee")


def test_classify_batch_keeps_order(client, classifier):
    texts = ["Envoys sign a treaty", "Bakery wins a prize", "Jets sold to a foreign air force"]
    body = post(client, {"texts": texts}).get_json()
    assert body["model"] == classifier.version
    assert len(body["results"]) == 3
    for text, result in zip(texts, body["results"], strict=True):
        single = classifier.classify(text)
        assert result == {k: v for k, v in single.items() if k != "model"}
        assert_result_shape(result, classifier.thresholds)


def test_labels_are_empty_when_no_topic_reaches_its_threshold(app, classifier):
    never = {t: 1.01 for t in TOPICS}
    classifier.model.thresholds, saved = never, classifier.model.thresholds
    try:
        body = post(app.test_client(), {"text": "Envoys sign a treaty"}).get_json()
    finally:
        classifier.model.thresholds = saved
    assert body["labels"] == []


def test_health_ready_and_model_card(client, classifier):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json() == {"status": "ready", "model": classifier.version}
    card = client.get("/v1/model").get_json()
    assert card["version"] == classifier.version
    assert card["thresholds"] == classifier.thresholds
    assert "path" not in card


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("{not json", 400, "invalid_json"),
        (b'{"text": "caf\xe9"}', 400, "invalid_json"),
        ("", 400, "invalid_json"),
        ("[" * 5000 + "]" * 5000, 400, "invalid_json"),
        ('{"text": "a", "text": 5}', 422, "invalid_type"),
        ('"just a string"', 422, "invalid_request"),
        ("[1, 2]", 422, "invalid_request"),
        ({}, 422, "missing_field"),
        ({"text": "a", "texts": ["b"]}, 422, "missing_field"),
        ({"txt": "typo"}, 422, "unknown_field"),
        ({"text": 5}, 422, "invalid_type"),
        ({"text": None}, 422, "invalid_type"),
        ({"text": ["a"]}, 422, "invalid_type"),
        ({"text": ""}, 422, "empty_text"),
        ({"text": " \n\t "}, 422, "empty_text"),
        ({"text": "x" * 2001}, 413, "text_too_large"),
        ({"texts": "not a list"}, 422, "invalid_type"),
        ({"texts": []}, 422, "empty_batch"),
        ({"texts": ["ok", 3]}, 422, "invalid_type"),
        ({"texts": ["ok", "  "]}, 422, "empty_text"),
        ({"texts": ["ok"] * 6}, 413, "batch_too_large"),
        ({"texts": ["ok", "x" * 2001]}, 413, "text_too_large"),
    ],
)
def test_bad_bodies_get_json_errors(client, body, status, code):
    assert_error(post(client, body), status, code)


def test_batch_errors_name_the_item(client):
    error = assert_error(post(client, {"texts": ["fine", "also fine", ""]}), 422, "empty_text")
    assert error["index"] == 2 and "texts[2]" in error["message"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_wrong_content_type(client, content_type):
    response = client.post("/v1/classify", data='{"text": "hello"}', content_type=content_type)
    assert_error(response, 415, "unsupported_media_type")


def test_json_with_charset_is_accepted(client):
    response = post(client, {"text": "Envoys sign a treaty"}, content_type="application/json; charset=utf-8")
    assert response.status_code == 200


def test_body_over_the_request_limit(client):
    error = assert_error(post(client, {"text": "word " * 5000}), 413, "request_too_large")
    assert "20000 bytes" in error["message"]


def test_unknown_route_and_wrong_method(client):
    assert_error(client.get("/v1/nothing"), 404, "not_found")
    response = client.get("/v1/classify")
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]
    assert_error(client.delete("/healthz"), 405, "method_not_allowed")


def test_server_keeps_serving_after_errors(client):
    for bad in ("{", {"text": ""}, {"texts": [1]}):
        post(client, bad)
    assert post(client, {"text": "Envoys sign a treaty"}).status_code == 200


def test_unexpected_failure_is_a_json_500_not_a_crash(app, classifier, monkeypatch):
    def explode(texts):
        raise RuntimeError("boom")

    monkeypatch.setattr(classifier.model, "predict", explode)
    monkeypatch.setattr(classifier.model, "predict_one", explode)
    assert_error(post(app.test_client(), {"text": "hello"}), 500, "internal_error")
    assert_error(post(app.test_client(), {"texts": ["hello", "again"]}), 500, "internal_error")


def test_missing_model_gives_503_but_stays_alive(tmp_path):
    app = create_app({"MODEL_DIR": str(tmp_path)})
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    assert_error(client.get("/readyz"), 503, "model_unavailable")
    assert_error(post(client, {"text": "hello"}), 503, "model_unavailable")
    assert_error(client.get("/v1/model"), 503, "model_unavailable")


def test_required_model_raises_at_start(tmp_path):
    from training.store import ModelLoadError

    with pytest.raises(ModelLoadError):
        create_app({"MODEL_DIR": str(tmp_path), "REQUIRE_MODEL": True})


def test_settings_from_environment(monkeypatch, model_dir):
    monkeypatch.setenv("TOPICSTANCE_MODEL_DIR", str(model_dir))
    monkeypatch.setenv("TOPICSTANCE_MAX_BATCH", "2")
    client = create_app().test_client()
    assert_error(post(client, {"texts": ["a", "b", "c"]}), 413, "batch_too_large")
    monkeypatch.setenv("TOPICSTANCE_MAX_BATCH", "lots")
    with pytest.raises(ValueError, match="TOPICSTANCE_MAX_BATCH"):
        create_app()


def test_json_responses_are_compact_utf8_in_build_order_and_take_numpy_and_dates(app):
    import datetime

    import numpy as np

    value = {"z": np.float64(0.25), "a": [np.int64(3), None, True], "when": datetime.date(2026, 11, 28), "t": "café"}
    with app.app_context():
        body = app.json.response(value).get_data()
        assert body == b'{"z":0.25,"a":[3,null,true],"when":"Sat, 28 Nov 2026 00:00:00 GMT","t":"caf\xc3\xa9"}\n'
        assert app.json.loads(body.decode()) == {
            **value,
            "z": 0.25,
            "a": [3, None, True],
            "when": "Sat, 28 Nov 2026 00:00:00 GMT",
        }
        app.debug = True  # debug keeps Flask's readable form
        assert app.json.response({"a": 1}).get_data() == b'{\n  "a": 1\n}\n'


def test_the_same_prediction_over_http_as_from_python_also_with_explanations_and_sentences(client, classifier):
    text = "Ministers agreed a ceasefire in Geneva, but shelling resumed at dawn and a drone sale was cancelled."
    for options in ({}, {"explain": True}, {"sentences": True}):
        response = post(client, {"text": text, **options})
        assert response.status_code == 200
        assert response.get_json() == json.loads(json.dumps(classifier.classify(text, **options)))
