"""The web page, the OpenAPI document and the model's evaluation report."""

from flask import Blueprint, current_app, send_from_directory

from service.api import current_classifier
from service.errors import ApiError
from service.openapi import openapi_document
from training.store import REPORT_NAME

pages = Blueprint("pages", __name__)


@pages.get("/")
def index():
    return send_from_directory(current_app.static_folder, "index.html")


@pages.get("/openapi.json")
def openapi():
    return openapi_document(current_app.config["MAX_TEXT_CHARS"], current_app.config["MAX_BATCH"])


@pages.get("/v1/model/report")
def report():
    classifier = current_classifier()
    if classifier.path is None or not (classifier.path / REPORT_NAME).is_file():
        raise ApiError(404, "not_found", f"model {classifier.version} has no {REPORT_NAME}")
    return send_from_directory(classifier.path, REPORT_NAME)
