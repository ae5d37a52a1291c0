"""The served classifier, swapped for a newly promoted one without a restart.

Each worker checks the models root's `current` pointer (one stat call) before
answering, at most once every POINTER_CHECK_SECONDS: requests that arrive that long
after a promotion get the new model, and a busy worker does not pay a system call per
request (inside a request it was not small next to the scoring). When the pointer changed, the
new model is loaded completely and only then replaces the old one, so a request is
always answered by one whole model. `load()` (POST /v1/admin/reload) checks now.
"""

import logging
import os
import threading
import time
from pathlib import Path

from service.classifier import Classifier, load_classifier
from training.store import CURRENT_POINTER, ModelLoadError, default_model_path

log = logging.getLogger("topicstance.service")

POINTER_CHECK_SECONDS = 0.25


class ClassifierHolder:
    def __init__(self, model_path: str | Path | None = None, classifier: Classifier | None = None):
        self.model_path = Path(model_path) if model_path else default_model_path()
        self._pointer = str(self.model_path / CURRENT_POINTER)  # a str: no Path object per request
        self.classifier = classifier
        self.error: str | None = None
        self._signature = self._pointer_signature() if classifier is None else None
        self._static = classifier is not None
        self._next_check = 0.0
        self._lock = threading.Lock()

    def _pointer_signature(self):
        try:
            st = os.stat(self._pointer)
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def load(self) -> Classifier:
        """Load (or reload) now; on failure keep serving the previous model and remember why."""
        with self._lock:
            signature = self._pointer_signature()
            try:
                classifier = load_classifier(self.model_path)
            except ModelLoadError as exc:
                self.error = str(exc)
                self._signature = signature
                log.error("model not loaded", extra={"reason": self.error, "serving": self.version})
                raise
            previous = self.version
            self.classifier, self.error, self._signature = classifier, None, signature
            if previous != classifier.version:
                log.info(
                    "model loaded",
                    extra={
                        "version": classifier.version,
                        "previous": previous,
                        "single_text_scoring": classifier.model.single_text_scoring,
                    },
                )
            return classifier

    def get(self) -> Classifier | None:
        if not self._static:
            now = time.monotonic()
            if now >= self._next_check:
                self._next_check = now + POINTER_CHECK_SECONDS
                if self._pointer_signature() != self._signature:
                    try:
                        self.load()
                    except ModelLoadError:
                        pass
        return self.classifier

    @property
    def version(self) -> str | None:
        return self.classifier.version if self.classifier else None
