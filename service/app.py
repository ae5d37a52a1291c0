"""Flask application factory: blueprints for health checks and the v1 API."""

import logging

from flask import Flask

from service.api import api
from service.classifier import load_classifier
from service.config import load_settings
from service.errors import register_error_handlers
from service.health import health
from training.store import ModelLoadError

log = logging.getLogger("topicstance.service")


def create_app(config: dict | None = None) -> Flask:
    """Build the app and load the model once (per worker, or once before fork with --preload).

    A model that fails to load does not crash the process: /healthz stays up,
    /readyz and /v1/* answer 503 with the reason, so an orchestrator can tell
    (unless REQUIRE_MODEL is set, as `topicstance serve` does: then it raises).
    """
    app = Flask(__name__)
    app.config.update(load_settings(config))
    app.json.sort_keys = False
    classifier = app.config.get("CLASSIFIER")
    app.config["MODEL_ERROR"] = None
    if classifier is None:
        try:
            classifier = load_classifier(app.config["MODEL_DIR"])
            log.info("model loaded", extra={"version": classifier.version, "path": str(classifier.path)})
        except ModelLoadError as exc:
            if app.config.get("REQUIRE_MODEL"):
                raise
            log.error("model not loaded", extra={"reason": str(exc)})
            app.config["MODEL_ERROR"] = str(exc)
    app.extensions["topicstance.classifier"] = classifier
    register_error_handlers(app)
    app.register_blueprint(health)
    app.register_blueprint(api)
    return app
