"""Liveness and readiness, for load balancers and orchestrators."""

from flask import Blueprint, current_app

from service.errors import error_response

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz():
    return {"status": "ok"}


@health.get("/readyz")
def readyz():
    holder = current_app.extensions["topicstance.holder"]
    classifier = holder.get()
    if classifier is None:
        return error_response(503, "model_unavailable", holder.error or "no model loaded")
    return {"status": "ready", "model": classifier.version}
