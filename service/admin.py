"""Write endpoints (corrections, model reload) behind a bearer token, and reading corrections back."""

import hmac

from flask import Blueprint, current_app, request

from service.api import current_classifier, json_body
from service.errors import ApiError
from training.feedback import validate_feedback

admin = Blueprint("admin", __name__, url_prefix="/v1")

FEEDBACK_FIELDS = {"text", "topics", "outlook", "note"}


def require_admin_token() -> None:
    """403 when writes are not enabled at all, 401 when the token is missing or wrong."""
    expected = current_app.config.get("ADMIN_TOKEN")
    if not expected:
        raise ApiError(
            403,
            "writes_disabled",
            "write endpoints are disabled: set TOPICSTANCE_ADMIN_TOKEN on the server and send "
            "'Authorization: Bearer <token>'",
        )
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    # compare_digest on bytes: constant time whatever the content, and no error on non-ASCII input
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
        error = ApiError(401, "unauthorized", "missing or wrong bearer token in the Authorization header")
        error.headers = {"WWW-Authenticate": 'Bearer realm="topicstance"'}
        raise error


@admin.post("/feedback")
def add_feedback():
    require_admin_token()
    body = json_body()
    unknown = sorted(set(body) - FEEDBACK_FIELDS)
    if unknown:
        raise ApiError(422, "unknown_field", f"unknown field(s): {', '.join(unknown)}")
    problems = validate_feedback(body)
    if problems:
        raise ApiError(422, "invalid_feedback", "; ".join(problems), problems=problems)
    holder = current_app.extensions["topicstance.holder"]
    stored = current_app.extensions["topicstance.feedback"].add(
        body["text"], body["topics"], body["outlook"], body.get("note"), holder.version
    )
    return stored, 201


@admin.get("/feedback")
def list_feedback():
    since = request.args.get("since")
    try:
        rows = current_app.extensions["topicstance.feedback"].fetch(since)
    except ValueError as exc:
        raise ApiError(422, "invalid_parameter", str(exc)) from exc
    return {"feedback": rows, "count": len(rows)}


@admin.post("/admin/reload")
def reload_model():
    require_admin_token()
    holder = current_app.extensions["topicstance.holder"]
    previous = holder.version
    try:
        holder.load()
    except Exception as exc:
        raise ApiError(503, "model_unavailable", f"reload failed, still serving {previous}: {exc}") from exc
    return {"model": current_classifier().version, "previous": previous, "changed": holder.version != previous}
