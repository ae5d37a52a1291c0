"""Flask application factory: blueprints for health checks, the v1 API and the admin/feedback API."""

import logging

import orjson
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
    """Flask's JSON, encoded and parsed by orjson: the one place the service's JSON library is chosen.

    With the standard library, encoding a prediction (its nine probabilities, and a new
    encoder per call) was a sizeable part of a short request; orjson takes a small
    fraction of that. Responses are compact UTF-8 (non-ASCII is not \\u-escaped), keys in the order the
    code built them, numpy numbers as numbers; types orjson does not know (dates, decimals,
    dataclasses) go through Flask's own default, as before. Debug mode keeps Flask's
    indented output.
    """

    sort_keys = False
    _OPTIONS = (
        orjson.OPT_APPEND_NEWLINE
        | orjson.OPT_SERIALIZE_NUMPY
        | orjson.OPT_PASSTHROUGH_DATETIME
        | orjson.OPT_PASSTHROUGH_DATACLASS
    )

    def loads(self, s, **kwargs):
        return orjson.loads(s) if not kwargs else super().loads(s, **kwargs)

    def response(self, *args, **kwargs):
        if self.compact is False or (self.compact is None and self._app.debug):
            return super().response(*args, **kwargs)
        body = orjson.dumps(self._prepare_response_obj(args, kwargs), default=self.default, option=self._OPTIONS)
        return self._app.response_class(body, mimetype=self.mimetype)


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
