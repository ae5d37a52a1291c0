"""Corrections: the token rules, validation, storage, reading back, export, and concurrent writers."""

import json

import pytest

from service import create_app
from service.cli import main
from training.corpus import load_records
from training.feedback import FeedbackStore

TOKEN = "s3cret-token"
GOOD = {"text": "Envoys sign a border treaty", "topics": ["diplomacy"], "outlook": "optimistic", "note": "clear"}


@pytest.fixture
def db(tmp_path):
    return tmp_path / "feedback.sqlite3"


@pytest.fixture
def admin_client(classifier, db):
    return create_app({"CLASSIFIER": classifier, "ADMIN_TOKEN": TOKEN, "DB": str(db)}).test_client()


def post_feedback(client, body, token=TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/v1/feedback", data=json.dumps(body), content_type="application/json", headers=headers)


def test_writes_are_disabled_without_a_configured_token(classifier, db):
    client = create_app({"CLASSIFIER": classifier, "DB": str(db)}).test_client()
    response = post_feedback(client, GOOD)
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "writes_disabled" and "TOPICSTANCE_ADMIN_TOKEN" in error["message"]
    assert client.post("/v1/admin/reload", headers={"Authorization": "Bearer x"}).status_code == 403
    assert not db.exists() or FeedbackStore(db).count() == 0


@pytest.mark.parametrize("token", [None, "wrong", "s3cret-token-but-longer", "ünïcode"])
def test_missing_or_wrong_token_is_401(admin_client, token, db):
    response = post_feedback(admin_client, GOOD, token=token)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_correction_is_stored_with_time_and_model_version(admin_client, classifier, db):
    response = post_feedback(admin_client, GOOD)
    assert response.status_code == 201
    stored = response.get_json()
    assert stored["model"] == classifier.version and stored["id"] == "feedback-1"
    (row,) = FeedbackStore(db).fetch()
    assert row["text"] == GOOD["text"] and row["topics"] == ["diplomacy"] and row["note"] == "clear"
    assert row["model"] == classifier.version and row["created_at"].endswith("Z")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({**GOOD, "topics": ["sport"]}, "unknown topic 'sport'"),
        ({**GOOD, "outlook": "upbeat"}, "unknown outlook 'upbeat'"),
        ({k: v for k, v in GOOD.items() if k != "outlook"}, "outlook is required"),
        ({k: v for k, v in GOOD.items() if k != "topics"}, "topics is required"),
        ({**GOOD, "text": "   "}, "text must be a non-empty string"),
        ({**GOOD, "topics": "diplomacy"}, "topics must be a list"),
        ({**GOOD, "note": 5}, "note must be a string"),
    ],
)
def test_labels_are_validated_like_training_data(admin_client, body, fragment, db):
    response = post_feedback(admin_client, body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_feedback" and fragment in error["message"]
    assert FeedbackStore(db).count() == 0


def test_unknown_field_and_bad_json(admin_client):
    assert post_feedback(admin_client, {**GOOD, "label": "x"}).status_code == 422
    response = admin_client.post(
        "/v1/feedback", data="{", content_type="application/json", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 400


def test_read_back_since(admin_client, db):
    post_feedback(admin_client, GOOD)
    first = FeedbackStore(db).fetch()[0]["created_at"]
    post_feedback(admin_client, {**GOOD, "text": "Rebels shell the port", "topics": ["security"]})
    everything = admin_client.get("/v1/feedback").get_json()
    assert everything["count"] == 2
    later = admin_client.get("/v1/feedback", query_string={"since": first}).get_json()
    assert [row["text"] for row in later["feedback"]] == ["Rebels shell the port"]
    assert admin_client.get("/v1/feedback", query_string={"since": ""}).status_code == 422
    bad = admin_client.get("/v1/feedback", query_string={"since": "yesterday"})
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "invalid_parameter"


def test_export_writes_training_format(admin_client, db, tmp_path):
    post_feedback(admin_client, GOOD)
    post_feedback(admin_client, {**GOOD, "text": "Jets sold abroad", "topics": ["arms_trade"], "outlook": "neutral"})
    out = tmp_path / "corrections.jsonl"
    assert main(["feedback", "export", "-o", str(out), "--db", str(db)]) == 0
    records = load_records([out])
    assert [(r.text, r.topics, r.outlook) for r in records] == [
        (GOOD["text"], ("diplomacy",), "optimistic"),
        ("Jets sold abroad", ("arms_trade",), "neutral"),
    ]
