"""Service settings: defaults, overridable by TOPICSTANCE_* environment variables or create_app(config)."""

import os

from service.classifier import MAX_TEXT_CHARS

DEFAULTS = {
    "MODEL_DIR": None,  # None: TOPICSTANCE_MODEL_DIR, else the bundled models/
    "MAX_TEXT_CHARS": MAX_TEXT_CHARS,
    "MAX_BATCH": 256,
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
    "ADMIN_TOKEN": None,  # None: feedback and admin writes are disabled
    "DB": None,  # None: TOPICSTANCE_DB, else feedback.sqlite3 in TOPICSTANCE_DATA_DIR
}
_ENV = {
    "MODEL_DIR": ("TOPICSTANCE_MODEL_DIR", str),
    "MAX_TEXT_CHARS": ("TOPICSTANCE_MAX_TEXT_CHARS", int),
    "MAX_BATCH": ("TOPICSTANCE_MAX_BATCH", int),
    "MAX_CONTENT_LENGTH": ("TOPICSTANCE_MAX_REQUEST_BYTES", int),
    "ADMIN_TOKEN": ("TOPICSTANCE_ADMIN_TOKEN", str),
    "DB": ("TOPICSTANCE_DB", str),
}


def load_settings(overrides: dict | None = None) -> dict:
    """Defaults < environment < explicit overrides; numeric limits must be positive integers."""
    settings = dict(DEFAULTS)
    for key, (variable, kind) in _ENV.items():
        raw = os.environ.get(variable)
        if raw not in (None, ""):
            try:
                settings[key] = kind(raw)
            except ValueError as exc:
                raise ValueError(f"{variable}={raw!r} is not a valid {kind.__name__}") from exc
    settings.update(overrides or {})
    for key in ("MAX_TEXT_CHARS", "MAX_BATCH", "MAX_CONTENT_LENGTH"):
        if not isinstance(settings[key], int) or settings[key] <= 0:
            raise ValueError(f"{key} must be a positive integer, got {settings[key]!r}")
    return settings
