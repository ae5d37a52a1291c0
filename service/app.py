"""Flask application factory: blueprints for health checks, the v1 API and the admin/feedback API."""

import json
import logging

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from service.admin import admin
from service.api import api
from service.config import load_settings
from service.errors import register_error_handlers
from service.health import health
from service.holder import ClassifierHolder
from service.pages import pages
from training.feedback import FeedbackStore
from training.store import ModelLoadError

log = logging.getLogger("topicstance.service")


class JsonProvider(DefaultJSONProvider):
    """Flask's JSON responses with keys in the order the code built them, from one reused encoder.

    `json.dumps` makes a new encoder on every call that passes options (Flask passes
    several); the output is byte for byte Flask's compact form.
    """

    sort_keys = False

    def __init__(self, app: Flask):
        super().__init__(app)
        self._compact = json.JSONEncoder(
            default=self.default, ensure_ascii=self.ensure_ascii, sort_keys=False, separators=(",", ":")
        )

    def response(self, *args, **kwargs):
        if self.compact is False or (self.compact is None and self._app.debug):
            return super().response(*args, **kwargs)
        body = self._compact.encode(self._prepare_response_obj(args, kwargs))
        return self._app.response_class(f"{body}\n", mimetype=self.mimetype)


def create_app(config: dict | None = None) -> Flask:
    """Build the app and load the model once (per worker, or once before fork with preload).

    A model that fails to load does not crash the process: /healthz stays up,
    /readyz and /v1/* answer 503 with the reason, so an orchestrator can tell
    (unless REQUIRE_MODEL is set, as `topicstance serve` does: then it raises).
    """
    app = Flask(__name__)
    app.json = JsonProvider(app)
    app.config.update(load_settings(config))
    holder = ClassifierHolder(app.config["MODEL_DIR"], classifier=app.config.get("CLASSIFIER"))
    if holder.classifier is None:
        try:
            holder.load()
        except ModelLoadError:
            if app.config.get("REQUIRE_MODEL"):
                raise
    app.extensions["topicstance.holder"] = holder
    app.extensions["topicstance.feedback"] = FeedbackStore(app.config["DB"])
    register_error_handlers(app)
    app.register_blueprint(health)
    app.register_blueprint(api)
    app.register_blueprint(admin)
    app.register_blueprint(pages)
    return app
