"""Liveness and readiness, for load balancers and orchestrators."""

from flask import Blueprint, current_app

from service.errors import error_response

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz():
    return {"status": "ok"}


@health.get("/readyz")
def readyz():
    classifier = current_app.extensions.get("topicstance.classifier")
    if classifier is None:
        return error_response(503, "model_unavailable", current_app.config.get("MODEL_ERROR") or "no model")
    return {"status": "ready", "model": classifier.version}
