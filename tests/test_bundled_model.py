"""The model shipped in models/ loads, answers, and was trained on the corpus shipped beside it."""

import json

from service import load_classifier
from training.corpus import corpus_sha256, load_records
from training.labels import TOPICS
from training.store import REPO_MODELS_DIR, resolve_model_dir


def test_bundled_model_loads_and_classifies():
    classifier = load_classifier(REPO_MODELS_DIR)
    assert classifier.version == (REPO_MODELS_DIR / "current").read_text().strip()
    result = classifier.classify("The foreign ministers of two neighbouring states met for talks on Monday.")
    assert set(result["topics"]) == set(TOPICS)
    batch = classifier.classify_many(["One text.", "Another text."])
    assert len(batch["results"]) == 2


def test_bundled_model_matches_the_bundled_corpus():
    """Editing training/data without retraining the default model must not go unnoticed."""
    card = json.loads((resolve_model_dir(REPO_MODELS_DIR) / "model_card.json").read_text())
    assert card["corpus"]["sha256"] == corpus_sha256(load_records()), (
        "models/ is stale: retrain with `topicstance train --out models` and commit the new version"
    )


def test_only_the_current_model_is_bundled():
    current = (REPO_MODELS_DIR / "current").read_text().strip()
    versions = [p.name for p in REPO_MODELS_DIR.iterdir() if p.is_dir()]
    assert versions == [current]
