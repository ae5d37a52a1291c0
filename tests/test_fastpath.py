"""The compiled scoring table gives the scikit-learn pipelines' probabilities (issue: speed)."""

import numpy as np

from training.corpus import load_records
from training.fastpath import _FEW
from training.model import ModelConfig, fit_model
from training.store import REPO_MODELS_DIR, load_model


def test_bundled_model_compiled_scores_equal_the_pipelines_over_the_whole_corpus():
    model, _, _ = load_model(REPO_MODELS_DIR)
    assert model.scorer is not None
    texts = [r.text for r in load_records()] + ["", "   ", "Zzyzx qwerty", "U.N. &amp; U.S. #39;s envoy"]
    fast_topics, fast_outlook = model.scorer.score_many(texts)
    assert np.abs(fast_topics - model.topic_probabilities(texts)).max() < 1e-9
    assert np.abs(fast_outlook - model.outlook_probabilities(texts)).max() < 1e-9
    for i in list(range(0, len(texts), 37)) + list(range(len(texts) - 4, len(texts))):
        # the single-text path (plain floats, another summation order) agrees with the batch path to rounding
        topics, outlook = model.scorer.score(texts[i])
        assert max(abs(a - b) for a, b in zip(topics, fast_topics[i].tolist(), strict=True)) < 1e-12
        assert max(abs(a - b) for a, b in zip(outlook, fast_outlook[i].tolist(), strict=True)) < 1e-12
        # and predict_one, the per-request path, gives those numbers and the batch's decisions
        one_topics, one_decisions, one_outlook = model.predict_one(texts[i])
        assert (one_topics, one_outlook) == (topics, outlook)
        assert one_decisions == model.predict([texts[i]] * _FEW)[1][0].tolist()


def test_batch_size_and_chunking_do_not_change_a_texts_numbers():
    model, _, _ = load_model(REPO_MODELS_DIR)
    texts = [r.text for r in load_records()][:2100]  # more than one chunk of 1024
    whole = model.scorer.score_many(texts)
    for start, size in ((5, 8), (1000, 50), (2090, 10)):  # numpy batches: the same numbers to the bit
        part = model.scorer.score_many(texts[start : start + size])
        assert np.array_equal(part[0], whole[0][start : start + size])
        assert np.array_equal(part[1], whole[1][start : start + size])
    for start, size in ((0, 1), (3, _FEW - 1)):  # below _FEW texts go one by one: equal to rounding
        part = model.scorer.score_many(texts[start : start + size])
        assert part[0].shape == part[1].shape == (size, 3)
        assert np.abs(part[0] - whole[0][start : start + size]).max() < 1e-12
        assert np.abs(part[1] - whole[1][start : start + size]).max() < 1e-12
    assert [a.shape for a in model.scorer.score_many([])] == [(0, 3), (0, 3)]


def test_stop_words_and_lone_apostrophes_are_scored_like_the_pipeline(tiny_corpus):
    records = load_records([tiny_corpus])
    texts, topics, outlooks = [r.text for r in records], [r.topics for r in records], [r.outlook for r in records]
    thresholds = {"security": 0.5, "arms_trade": 0.5, "diplomacy": 0.5}
    model = fit_model(texts, topics, outlooks, ModelConfig(cv_folds=3, stop_words=True), thresholds)
    assert model.scorer is not None
    probes = texts + ["It is ' the ' talks ' and ' a ' missile", "' ' '", "The U.S. and the U.N. are not at talks"]
    for batch in (probes, probes[:3]):
        fast_topics, fast_outlook = model.scorer.score_many(batch)
        assert np.abs(fast_topics - model.topic_probabilities(batch)).max() < 1e-9
        assert np.abs(fast_outlook - model.outlook_probabilities(batch)).max() < 1e-9


def test_predict_uses_the_table_and_other_settings_fall_back(tiny_corpus):
    records = load_records([tiny_corpus])
    texts, topics, outlooks = [r.text for r in records], [r.topics for r in records], [r.outlook for r in records]
    thresholds = {"security": 0.5, "arms_trade": 0.5, "diplomacy": 0.5}
    compiled = fit_model(texts, topics, outlooks, ModelConfig(cv_folds=3), thresholds)
    assert compiled.scorer is not None
    with_chars = fit_model(texts, topics, outlooks, ModelConfig(cv_folds=3, char_ngrams=(2, 4)), thresholds)
    assert with_chars.scorer is None
    probs, decisions, outlook = compiled.predict(texts)
    assert np.abs(probs - compiled.topic_probabilities(texts)).max() < 1e-9
    assert np.abs(outlook - compiled.outlook_probabilities(texts)).max() < 1e-9
    assert with_chars.predict(texts)[0].shape == (len(texts), 3)
    batch = with_chars.predict(texts[:1])
    assert with_chars.predict_one(texts[0]) == tuple(part[0].tolist() for part in batch)  # no table: the pipelines
