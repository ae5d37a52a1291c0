"""GET /openapi.json: a valid OpenAPI 3.1 document, and live responses that conform to it."""

import json
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from service import create_app
from training.store import REPO_MODELS_DIR


@pytest.fixture(scope="module")
def document(classifier):
    return create_app({"CLASSIFIER": classifier}).test_client().get("/openapi.json").get_json()


def conforms(document: dict, schema_name: str, instance) -> None:
    root = {"$ref": f"#/components/schemas/{schema_name}", "components": document["components"]}
    errors = sorted(Draft202012Validator(root).iter_errors(instance), key=str)
    assert not errors, [e.message for e in errors[:5]]


def test_document_is_valid_openapi(document):
    validate(document)
    assert {"/v1/classify", "/v1/model", "/v1/feedback", "/v1/admin/reload", "/healthz", "/readyz", "/"} <= set(
        document["paths"]
    )


def test_live_responses_match_the_schemas(client, document):
    text = "Rebels shell the port. Envoys meet in Geneva to agree a truce."
    single = client.post("/v1/classify", json={"text": text, "explain": True, "sentences": True}).get_json()
    conforms(document, "SingleResponse", single)
    batch = client.post("/v1/classify", json={"texts": [text, "Bakery wins prize"]}).get_json()
    conforms(document, "BatchResponse", batch)
    for bad in ({"text": ""}, {"txt": 1}, {"texts": ["a"] * 6}):
        conforms(document, "Error", client.post("/v1/classify", json=bad).get_json())
    conforms(document, "Error", client.get("/nowhere").get_json())


def test_schema_rejects_a_wrong_shape(document):
    with pytest.raises(AssertionError):
        conforms(document, "Prediction", {"labels": ["sports"], "topics": {}, "outlook": {"label": "meh"}})


# Invalid requests are rejected with the statuses the API documents; 413 is how size limits answer.
FUZZ_CONFIG = {
    "checks": {
        "negative_data_rejection": {"expected-statuses": ["400", "401", "403", "404", "405", "413", "415", "422"]}
    }
}
# Built at import (schemathesis parametrizes at collection time) on the bundled model, with writes
# enabled and a throwaway feedback database.
FUZZ_APP = create_app(
    {
        "MODEL_DIR": str(REPO_MODELS_DIR),
        "DB": str(Path(tempfile.mkdtemp(prefix="topicstance-fuzz-")) / "feedback.sqlite3"),
        "MAX_BATCH": 5,
        "ADMIN_TOKEN": "fuzz",
    }
)
schema = schemathesis.openapi.from_wsgi(
    "/openapi.json", FUZZ_APP, config=schemathesis.config.SchemathesisConfig.from_dict(FUZZ_CONFIG)
)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_schemathesis_conformance(case):
    """Generated requests, valid and invalid: no 5xx, documented status codes, conforming bodies."""
    response = case.call_and_validate()
    if response.headers.get("Content-Type", "").startswith("application/json"):
        json.loads(response.text)
