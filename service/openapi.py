"""The OpenAPI 3 description of the HTTP API: every endpoint, request, response and error shape.

The prediction schemas here are what tests validate live responses against, so
the document and the code that builds the responses cannot drift apart silently.
"""

from training.labels import OUTLOOKS, TOPICS

_PROB = {"type": "number", "minimum": 0, "maximum": 1}


def _scores(labels) -> dict:
    return {
        "type": "object",
        "properties": {k: _PROB for k in labels},
        "required": list(labels),
        "additionalProperties": False,
    }


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


_TERM = {
    "type": "object",
    "properties": {
        "term": {"type": "string", "description": "the words of the text behind the feature"},
        "feature": {"type": "string", "description": "the model's feature (stemmed n-gram)"},
        "contribution": {"type": "number", "description": "weight x coefficient"},
        "weight": {"type": "number"},
        "coefficient": {"type": "number"},
    },
    "required": ["term", "feature", "contribution", "weight", "coefficient"],
}
_LINEAR_PART = {
    "type": "object",
    "properties": {
        "score": {"type": "number"},
        "intercept": {"type": "number"},
        "terms": {"type": "array", "items": _TERM},
        "other_terms": {"type": "number"},
        "terms_total": {"type": "integer"},
    },
    "required": ["score", "intercept", "terms", "other_terms", "terms_total"],
}

SCHEMAS = {
    "Outlook": {
        "type": "object",
        "properties": {"label": {"type": "string", "enum": list(OUTLOOKS)}, "scores": _scores(OUTLOOKS)},
        "required": ["label", "scores"],
    },
    "Prediction": {
        "type": "object",
        "description": "labels: topics whose probability reaches the topic's threshold ([] when none)",
        "properties": {
            "labels": {"type": "array", "items": {"type": "string", "enum": list(TOPICS)}, "uniqueItems": True},
            "topics": _scores(TOPICS),
            "outlook": {"$ref": "#/components/schemas/Outlook"},
        },
        "required": ["labels", "topics", "outlook"],
    },
    "Result": {
        "allOf": [
            {"$ref": "#/components/schemas/Prediction"},
            {
                "type": "object",
                "properties": {
                    "explanations": {"$ref": "#/components/schemas/Explanations"},
                    "sentences": {"type": "array", "items": {"$ref": "#/components/schemas/Sentence"}},
                    "outlook_by_topic": {
                        "type": "object",
                        "additionalProperties": {
                            "allOf": [
                                {"$ref": "#/components/schemas/Outlook"},
                                {"type": "object", "properties": {"sentences": {"type": "integer", "minimum": 1}}},
                            ]
                        },
                    },
                },
            },
        ]
    },
    "Sentence": {
        "allOf": [
            {"$ref": "#/components/schemas/Prediction"},
            {
                "type": "object",
                "properties": {"start": {"type": "integer", "minimum": 0}, "end": {"type": "integer", "minimum": 0}},
                "required": ["start", "end"],
            },
        ]
    },
    "Explanations": {
        "type": "object",
        "properties": {
            "note": {"type": "string"},
            "topics": {"type": "object", "additionalProperties": _LINEAR_PART},
            "outlook": {
                "allOf": [
                    _LINEAR_PART,
                    {
                        "type": "object",
                        "properties": {"label": {"type": "string", "enum": list(OUTLOOKS)}},
                        "required": ["label"],
                    },
                ]
            },
        },
        "required": ["note", "topics", "outlook"],
    },
    "SingleResponse": {
        "allOf": [
            {"$ref": "#/components/schemas/Result"},
            {"type": "object", "properties": {"model": {"type": "string"}}, "required": ["model"]},
        ]
    },
    "BatchResponse": {
        "type": "object",
        "properties": {
            "results": {"type": "array", "items": {"$ref": "#/components/schemas/Result"}},
            "model": {"type": "string"},
        },
        "required": ["results", "model"],
    },
    "FeedbackRequest": {
        "type": "object",
        "properties": {
            "text": {"type": "string", "minLength": 1, "pattern": "\\S"},
            "topics": {"type": "array", "items": {"type": "string", "enum": list(TOPICS)}, "uniqueItems": True},
            "outlook": {"type": "string", "enum": list(OUTLOOKS)},
            "note": {"type": ["string", "null"]},
        },
        "required": ["text", "topics", "outlook"],
        "additionalProperties": False,
    },
    "FeedbackRecord": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "text": {"type": "string"},
            "topics": {"type": "array", "items": {"type": "string", "enum": list(TOPICS)}},
            "outlook": {"type": "string", "enum": list(OUTLOOKS)},
            "note": {"type": ["string", "null"]},
            "created_at": {"type": "string"},
            "model": {"type": ["string", "null"]},
        },
        "required": ["id", "text", "topics", "outlook", "created_at"],
    },
    "Error": {
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "index": {"type": "integer", "description": "the bad item of a batch"},
                    "problems": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["code", "message"],
            }
        },
        "required": ["error"],
    },
}

_COMMON_ERRORS = {
    "404": _error("unknown route"),
    "405": _error("wrong method"),
}
_BODY_ERRORS = {
    "400": _error("body is not valid UTF-8 JSON"),
    "413": _error("body, text or batch over its limit"),
    "415": _error("Content-Type is not application/json"),
    "422": _error("JSON of the wrong shape: missing, unknown or mistyped fields, empty text"),
}
_AUTH_ERRORS = {
    "401": _error("missing or wrong bearer token"),
    "403": _error("write endpoints disabled: no TOPICSTANCE_ADMIN_TOKEN configured"),
}
_UNAVAILABLE = {"503": _error("no model loaded")}


def _json(schema_ref: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": schema_ref}}}}


def _plain_object(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"type": "object"}}}}


def _html(description: str) -> dict:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def _classify_request(max_text_chars: int, max_batch: int) -> dict:
    """Exactly one of text / texts, with the server's configured limits."""
    text = {"type": "string", "minLength": 1, "maxLength": max_text_chars, "pattern": "\\S"}
    options = {"explain": {"type": "boolean", "default": False}, "sentences": {"type": "boolean", "default": False}}
    return {
        "oneOf": [
            {
                "type": "object",
                "properties": {"text": text, **options},
                "required": ["text"],
                "additionalProperties": False,
            },
            {
                "type": "object",
                "properties": {
                    "texts": {"type": "array", "items": text, "minItems": 1, "maxItems": max_batch},
                    **options,
                },
                "required": ["texts"],
                "additionalProperties": False,
            },
        ]
    }


def openapi_document(max_text_chars: int, max_batch: int) -> dict:
    """The document for a server with these limits (they are part of the contract)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "topicstance",
            "version": "1",
            "description": "Topic (security, arms_trade, diplomacy) and outlook classification of news text.",
        },
        "paths": {
            "/v1/classify": {
                "post": {
                    "summary": "Classify one text or a batch",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ClassifyRequest"}}},
                    },
                    "responses": {
                        "200": {
                            "description": "one result (text) or a batch of results (texts)",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "oneOf": [
                                            {"$ref": "#/components/schemas/SingleResponse"},
                                            {"$ref": "#/components/schemas/BatchResponse"},
                                        ]
                                    }
                                }
                            },
                        },
                        **_BODY_ERRORS,
                        **_COMMON_ERRORS,
                        **_UNAVAILABLE,
                    },
                }
            },
            "/v1/model": {
                "get": {
                    "summary": "The model card",
                    "responses": {
                        "200": _plain_object("labels, thresholds, metrics, corpus, versions"),
                        **_UNAVAILABLE,
                    },
                }
            },
            "/v1/model/report": {
                "get": {
                    "summary": "The evaluation report written at training time",
                    "responses": {
                        "200": _html("self-contained HTML report"),
                        "404": _error("no report"),
                        **_UNAVAILABLE,
                    },
                }
            },
            "/v1/feedback": {
                "post": {
                    "summary": "Store a correction (bearer token)",
                    "security": [{"bearer": []}],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FeedbackRequest"}}},
                    },
                    "responses": {
                        "201": _plain_object("stored: id, created_at, model"),
                        **_AUTH_ERRORS,
                        **_BODY_ERRORS,
                    },
                },
                "get": {
                    "summary": "Corrections in the training format",
                    "parameters": [
                        {
                            "name": "since",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "format": "date-time"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "corrections, oldest first",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "feedback": {
                                                "type": "array",
                                                "items": {"$ref": "#/components/schemas/FeedbackRecord"},
                                            },
                                            "count": {"type": "integer"},
                                        },
                                        "required": ["feedback", "count"],
                                    }
                                }
                            },
                        },
                        "422": _error("since is not an ISO 8601 time"),
                    },
                },
            },
            "/v1/admin/reload": {
                "post": {
                    "summary": "Load the current model now (bearer token)",
                    "security": [{"bearer": []}],
                    "responses": {"200": _plain_object("model, previous, changed"), **_AUTH_ERRORS, **_UNAVAILABLE},
                }
            },
            "/healthz": {"get": {"summary": "Process alive", "responses": {"200": _plain_object("ok")}}},
            "/readyz": {
                "get": {"summary": "Model loaded", "responses": {"200": _plain_object("ready, model"), **_UNAVAILABLE}}
            },
            "/openapi.json": {"get": {"summary": "This document", "responses": {"200": _plain_object("OpenAPI 3")}}},
            "/": {"get": {"summary": "The web page", "responses": {"200": _html("single-page app using this API")}}},
        },
        "components": {
            "schemas": {**SCHEMAS, "ClassifyRequest": _classify_request(max_text_chars, max_batch)},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
