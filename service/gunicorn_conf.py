"""Production gunicorn settings, used by `topicstance serve` and usable directly with `gunicorn -c`.

The model is loaded in the master before forking (preload_app), so workers share
its memory pages; sync workers fit a CPU-bound model (one request per worker at
a time, no GIL contention). Logs are JSON lines on stderr.
"""

import os

from gunicorn.glogging import Logger


class AccessLogger(Logger):
    """gunicorn's logger, building access-log fields only when an access log was asked for.

    gunicorn treats any logging config (ours makes JSON lines) as access logging on, and
    then formats every request's fields (headers, environ, times) for a line that the
    quiet `gunicorn.access` logger drops: a noticeable share of a worker's time on a short request.
    """

    def access(self, resp, req, environ, request_time):
        if self.cfg.accesslog:
            super().access(resp, req, environ, request_time)


bind = os.environ.get("TOPICSTANCE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("TOPICSTANCE_WORKERS", "2"))
worker_class = "sync"
preload_app = True
timeout = int(os.environ.get("TOPICSTANCE_TIMEOUT", "30"))
graceful_timeout = 10
keepalive = 5
limit_request_line = 8190
limit_request_fields = 100
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# gunicorn's control socket has one fixed default path per user: two servers on one machine would clash
control_socket_disable = True
errorlog = "-"
accesslog = None  # `topicstance serve --access-log` sets "-"
logger_class = "service.gunicorn_conf.AccessLogger"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "training.logs.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        # gunicorn logs every request when a logging config is given; quiet unless asked for
        "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": True},
    },
}
