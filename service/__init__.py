"""topicstance service: the Python API (`load_classifier`) and the Flask application (`create_app`)."""

from service.classifier import Classifier, load_classifier

__all__ = ["Classifier", "create_app", "load_classifier"]


def create_app(config: dict | None = None):
    """Flask application factory (imported lazily so library users need not import Flask)."""
    from service.app import create_app as factory

    return factory(config)
