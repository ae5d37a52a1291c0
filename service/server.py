"""Running the app under gunicorn from Python, with the settings of service/gunicorn_conf.py."""

import copy
import logging

from gunicorn.app.base import BaseApplication

from service import gunicorn_conf
from training.store import resolve_model_dir

log = logging.getLogger("topicstance.serve")


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict, app_config: dict):
        self._options, self._app_config = options, app_config
        super().__init__()

    def load_config(self):
        for key, value in self._options.items():
            if value is not None and key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self):
        from service.app import create_app

        return create_app(self._app_config)


def gunicorn_options(host: str, port: int, workers: int, access_log: bool = False) -> dict:
    options = {k: v for k, v in vars(gunicorn_conf).items() if not k.startswith("_") and not callable(v)}
    options.pop("os", None)
    options.update(bind=f"[{host}]:{port}" if ":" in host else f"{host}:{port}", workers=workers)
    logging_config = copy.deepcopy(gunicorn_conf.logconfig_dict)
    if access_log:
        options["accesslog"] = "-"
        options["access_log_format"] = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
        logging_config["loggers"]["gunicorn.access"]["level"] = "INFO"
    options["logconfig_dict"] = logging_config
    return options


def run_server(host: str, port: int, workers: int, model_dir=None, access_log: bool = False) -> int:
    """Resolve the model first (fail fast with a clear message), then hand over to gunicorn.

    With preload the app, and so the model, is built once in the master: a model
    that cannot load stops the server at start instead of serving 503s.
    """
    if workers < 1:
        raise ValueError("--workers must be at least 1")
    if not 0 < port < 65536:
        raise ValueError("--port must be between 1 and 65535")
    resolved = resolve_model_dir(model_dir)  # the app keeps the given path: a models root can be hot-reloaded
    log.info("starting", extra={"bind": f"{host}:{port}", "workers": workers, "model_dir": str(resolved)})
    _Gunicorn(gunicorn_options(host, port, workers, access_log), {"MODEL_DIR": model_dir, "REQUIRE_MODEL": True}).run()
    return 0
