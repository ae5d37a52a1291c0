"""Thresholds, training determinism, the saved model directory and loading it back."""

import json
import os
import pickle

import numpy as np
import pytest
from sklearn.base import clone

from service import load_classifier
from training.corpus import load_records
from training.labels import OUTLOOKS, TOPICS
from training.model import (
    CorpusTerms,
    ModelConfig,
    Vocabulary,
    apply_thresholds,
    choose_threshold,
    cross_fitted_decisions,
)
from training.store import ModelLoadError, load_model, resolve_model_dir, set_current
from training.train import train


def test_threshold_maximises_f1():
    y = np.array([1, 1, 1, 0, 0, 0])
    p = np.array([0.9, 0.8, 0.35, 0.3, 0.2, 0.1])
    # Any cut in (0.30, 0.35] keeps all three positives and no negative: F1 = 1.
    assert 0.30 < choose_threshold(y, p) <= 0.35


def test_threshold_ties_prefer_the_value_nearest_one_half():
    y = np.array([1, 0])
    p = np.array([0.99, 0.01])
    assert choose_threshold(y, p) == 0.5


def test_threshold_without_positives_is_one_half():
    assert choose_threshold(np.zeros(4), np.array([0.1, 0.9, 0.4, 0.6])) == 0.5


def test_threshold_can_go_low_when_positives_score_low():
    y = np.array([1, 1, 0, 0, 0])
    p = np.array([0.2, 0.15, 0.05, 0.04, 0.01])
    assert 0.05 < choose_threshold(y, p) <= 0.15


def test_apply_thresholds_is_inclusive_and_per_topic():
    probs = np.array([[0.5, 0.5, 0.5], [0.49, 0.7, 0.2]])
    decided = apply_thresholds(probs, {"security": 0.5, "arms_trade": 0.6, "diplomacy": 0.2})
    assert decided.tolist() == [[1, 0, 1], [0, 1, 1]]


def test_cross_fitted_decisions_use_other_folds_thresholds():
    # Fold 1 alone puts the cut at 0.40 (in (0.2, 0.4], nearest 0.5), which fold 0 is scored with;
    # fold 0 puts it at 0.51, which fold 1 is scored with. Cutting on all four would differ.
    y = np.array([[1, 0, 0], [0, 0, 0], [1, 0, 0], [0, 0, 0]])
    p = np.array([[0.95, 0, 0], [0.5, 0, 0], [0.4, 0, 0], [0.2, 0, 0]])
    folds = np.array([0, 0, 1, 1])
    decided = cross_fitted_decisions(y, p, folds)
    assert decided[:, 0].tolist() == [1, 1, 0, 0]


@pytest.mark.parametrize(
    "config",
    [
        ModelConfig(),
        ModelConfig(ending_features=True, lead_features=True, char_ngrams=(2, 3), stop_words=True, min_df=1),
    ],
)
def test_terms_counted_once_give_the_block_fitting_on_those_rows_would(config):
    """Cross-validation derives each fold's TF-IDF from one count pass; it must equal fitting on the fold."""
    texts = [r.text for r in load_records()][:1200]
    rows = np.random.default_rng(0).permutation(len(texts))[:800]
    others = np.setdiff1d(np.arange(len(texts)), rows)
    features, matrix = CorpusTerms(texts, config).fit("outlook", rows)
    reference = clone(features).fit([texts[i] for i in rows])
    fitted_pairs = (
        zip(features.transformer_list, reference.transformer_list, strict=True)
        if hasattr(features, "transformer_list")
        else [(("words", features), ("words", reference))]
    )
    for (_, ours), (_, theirs) in fitted_pairs:
        assert ours.vocabulary_ == theirs.vocabulary_
        assert np.array_equal(ours.idf_, theirs.idf_)
    for subset in (rows, others):
        expected = reference.transform([texts[i] for i in subset])
        assert abs(matrix(subset) - expected).max() < 1e-12
        assert abs(features.transform([texts[i] for i in subset]) - expected).max() < 1e-12


def test_model_config_validates_parameters():
    with pytest.raises(ValueError):
        ModelConfig(cv_folds=1)
    with pytest.raises(ValueError):
        ModelConfig(topic_c=0)


def test_round_trip_train_save_load_same_predictions(tiny_corpus, tmp_path):
    root = tmp_path / "models"
    path = train([tiny_corpus], root, ModelConfig(cv_folds=3))
    texts = [r.text for r in load_records([tiny_corpus])] + ["Completely unrelated words about gardening"]
    model, card, loaded_from = load_model(path)
    assert loaded_from == path
    reloaded = load_classifier(root)  # through the models root's current pointer
    assert reloaded.version == card["version"] == path.name
    a, b = model.predict(texts), reloaded.model.predict(texts)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


def test_training_twice_gives_identical_predictions(tiny_corpus, model_dir, tmp_path):
    again = train([tiny_corpus], tmp_path / "again", ModelConfig(cv_folds=3))
    texts = [r.text for r in load_records([tiny_corpus])]
    first, second = load_model(model_dir)[0].predict(texts), load_model(again)[0].predict(texts)
    for x, y in zip(first, second, strict=True):
        np.testing.assert_array_equal(x, y)
    card_a = json.loads((model_dir / "model_card.json").read_text())
    card_b = json.loads((again / "model_card.json").read_text())
    assert card_a["thresholds"] == card_b["thresholds"]
    assert card_a["metrics"] == card_b["metrics"]


def test_parallel_training_gives_the_serial_model(tiny_corpus, tmp_path):
    serial = train([tiny_corpus], tmp_path / "serial", ModelConfig(cv_folds=3), jobs=1)
    parallel = train([tiny_corpus], tmp_path / "parallel", ModelConfig(cv_folds=3), jobs=2)
    texts = [r.text for r in load_records([tiny_corpus])]
    for x, y in zip(load_model(serial)[0].predict(texts), load_model(parallel)[0].predict(texts), strict=True):
        np.testing.assert_array_equal(x, y)
    cards = [json.loads((path / "model_card.json").read_text()) for path in (serial, parallel)]
    assert cards[0]["metrics"] == cards[1]["metrics"] and cards[0]["thresholds"] == cards[1]["thresholds"]


def test_vocabularies_pickle_packed_and_come_back_equal():
    for terms in ({}, {"a": 0}, {"talk": 1, "peac talk": 0, "no": 2}, {"odd\x00term": 0, "b": 1}):
        restored = pickle.loads(pickle.dumps(Vocabulary(terms)))
        assert restored == terms and isinstance(restored, Vocabulary)


def test_model_card_contents(model_dir, tiny_corpus):
    card = json.loads((model_dir / "model_card.json").read_text())
    assert card["version"] == model_dir.name
    assert card["labels"] == {"topics": list(TOPICS), "outlooks": list(OUTLOOKS)}
    assert set(card["thresholds"]) == set(TOPICS)
    assert all(0 < t < 1 for t in card["thresholds"].values())
    assert len(card["corpus"]["sha256"]) == 64 and card["corpus"]["records"] == 36
    assert {"scikit-learn", "numpy", "nltk", "joblib", "python"} <= set(card["libraries"])
    assert card["created_at"].endswith("Z")
    cv = card["metrics"]["cross_validation"]
    assert set(cv["topics"]["per_topic"]) == set(TOPICS)
    assert {"micro_f1", "macro_f1"} <= set(cv["topics"])
    assert len(cv["outlook"]["confusion_matrix"]["rows_true_columns_predicted"]) == 3
    assert set(cv["calibration"]) == set(TOPICS)
    assert set(card["artefacts"]) == {"model.joblib"}


def test_save_leaves_no_temporary_directories(models_root):
    assert not [p.name for p in models_root.iterdir() if p.name.startswith(".")]


def test_failed_save_writes_nothing(tiny_corpus, tmp_path, monkeypatch):
    import training.store as store

    def broken_dump(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(store.joblib, "dump", broken_dump)
    root = tmp_path / "models"
    with pytest.raises(OSError, match="disk full"):
        train([tiny_corpus], root, ModelConfig(cv_folds=3))
    assert list(root.iterdir()) == []


def test_tampered_artefact_is_refused(writable_models_root):
    version_dir = resolve_model_dir(writable_models_root)
    with open(version_dir / "model.joblib", "ab") as handle:
        handle.write(b"garbage")
    with pytest.raises(ModelLoadError, match="checksum"):
        load_model(writable_models_root)


def test_missing_model_has_a_helpful_error(tmp_path):
    with pytest.raises(ModelLoadError, match="topicstance train --out"):
        load_model(tmp_path)


def test_current_pointer_to_missing_version_is_refused(writable_models_root):
    (writable_models_root / "current").write_text("no-such-version\n")
    with pytest.raises(ModelLoadError, match="no-such-version"):
        load_model(writable_models_root)
    with pytest.raises(ModelLoadError):
        set_current(writable_models_root, "no-such-version")


def test_environment_variable_selects_the_model(model_dir, monkeypatch):
    monkeypatch.setenv("TOPICSTANCE_MODEL_DIR", os.fspath(model_dir))
    assert load_classifier().version == model_dir.name
