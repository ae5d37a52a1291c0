"""The optional C accelerator of single-text scoring (training/_native.c): same numbers, safe on bad input."""

import logging
import os
import pickle
import random

import numpy as np
import pytest

from service.holder import ClassifierHolder
from training import fastpath
from training.corpus import load_records
from training.model import ModelConfig, fit_model
from training.store import REPO_MODELS_DIR, load_model
from training.text import Memo

native = fastpath._native
needs_native = pytest.mark.skipif(native is None, reason="built without the C accelerator")
THRESHOLDS = {"security": 0.5, "arms_trade": 0.5, "diplomacy": 0.5}


def test_the_accelerator_is_built_unless_turned_off():
    # setup.py builds it wherever a C compiler is available (CI has one); only the variable may turn it off
    if os.environ.get("TOPICSTANCE_NATIVE", "1") == "0":
        assert native is None
    else:
        assert native is not None, "training._native was not built: is a C compiler installed?"
        model, _, _ = load_model(REPO_MODELS_DIR)
        assert model.scorer.native_blocks is not None


def python_scorer(model):
    """The same compiled table, scoring single texts in Python."""
    scorer = pickle.loads(pickle.dumps(model.scorer))
    scorer.native_blocks = None
    return scorer


@needs_native
def test_native_and_python_single_text_paths_agree_with_the_batch_over_the_corpus():
    model, _, _ = load_model(REPO_MODELS_DIR)
    slow = python_scorer(model)
    long_text = " ".join(r.text for r in load_records()[:40])  # thousands of tokens: the heap buffers
    texts = [r.text for r in load_records()][::7] + ["", "   ", "the of and", "Zzyzx qwerty", long_text]
    batch_topics, batch_outlook = model.scorer.score_many(texts * 2)  # numpy path (>= _FEW texts)
    for i, text in enumerate(texts):
        fast, python = model.scorer.score(text), slow.score(text)
        for ours, theirs in ((fast, python), (fast, (batch_topics[i].tolist(), batch_outlook[i].tolist()))):
            assert max(abs(a - b) for a, b in zip(ours[0] + ours[1], theirs[0] + theirs[1], strict=True)) < 1e-12
    empty_topics, _ = model.scorer.score("")  # no known n-gram: the intercepts alone
    assert empty_topics == pytest.approx([1 / (1 + np.exp(-b)) for b in model.scorer.bias_list[:3]], abs=1e-15)


@needs_native
def test_native_scores_models_with_several_blocks_and_preprocessors(tiny_corpus):
    records = load_records([tiny_corpus])
    texts, topics, outlooks = [r.text for r in records], [r.topics for r in records], [r.outlook for r in records]
    config = ModelConfig(cv_folds=3, lead_features=True, ending_features=True, stop_words=False)
    model = fit_model(texts, topics, outlooks, config, THRESHOLDS)
    assert model.scorer is not None and len(model.scorer.native_blocks) >= 2
    probes = texts + ["Talks went well. But then the ceasefire collapsed and shelling resumed."]
    pipeline_topics, pipeline_outlook = model.topic_probabilities(probes), model.outlook_probabilities(probes)
    for i, text in enumerate(probes):
        topic_probs, outlook_probs = model.scorer.score(text)
        assert np.abs(np.array(topic_probs) - pipeline_topics[i]).max() < 1e-9
        assert np.abs(np.array(outlook_probs) - pipeline_outlook[i]).max() < 1e-9


@needs_native
def test_a_pickled_scorer_rebuilds_its_native_blocks():
    model, _, _ = load_model(REPO_MODELS_DIR)
    copy = pickle.loads(pickle.dumps(model.scorer))
    assert copy.native_blocks is not None and copy.native_blocks is not model.scorer.native_blocks
    text = "Ministers signed an arms deal for twelve fighter jets in Cairo."
    assert copy.score(text) == model.scorer.score(text)


def block_arguments(**changes):
    """Valid arguments for a tiny Block: ids 1..3, a unigram table and a bigram table (1, 2) -> column 2."""
    bigrams = fastpath._KeyTable(np.array([1 * 5 + 2]), np.array([2]))  # 16 slots: shift 60, mask 15
    arguments = {
        "ids": {b"alpha": 1, b"beta": 2, b"gamma": 3, b"the": 0},
        "unigram_columns": np.array([-1, 0, 1, -1, -1], dtype=np.int64),
        "tables": [(2, *bigrams.layout())],
        "base": 5,
        "rows": np.arange(18, dtype=float).reshape(3, 6),
        "idf": np.array([1.0, 2.0, 3.0]),
        "sublinear": True,
        "min_n": 1,
    }
    arguments.update(changes)
    return arguments


@needs_native
def test_native_block_computes_tfidf_parts():
    block = native.Block(**block_arguments())
    # alpha twice (tf 1 + ln 2, idf 1), beta once (idf 2), bigram "alpha beta" once (idf 3)
    values = np.array([(1 + np.log(2)) * 1.0, 2.0, 3.0])
    rows = np.arange(18, dtype=float).reshape(3, 6)
    expected = (rows * values[:, None]).sum(axis=0) / np.sqrt((values**2).sum())
    part = block.part([b"alpha", b"the", b"alpha", b"beta"])
    assert np.abs(np.array(part) - expected).max() < 1e-12
    assert block.part([]) is None
    assert block.part([b"gamma", b"the"]) is None  # gamma is a token in no term


@needs_native
def test_native_block_fills_its_memo_and_passes_its_errors_on():
    seen = []

    def compute(run):
        seen.append(run)
        if run == b"boom":
            raise KeyError("cannot tokenise")
        return 9 if run == b"huge" else 1

    block = native.Block(**block_arguments(ids=Memo(compute)))
    assert block.part(iter([b"alpha", b"alpha"])) is not None  # any iterable of runs
    assert seen == [b"alpha"]
    with pytest.raises(KeyError, match="cannot tokenise"):
        block.part([b"boom"])
    with pytest.raises(ValueError, match="token id is out of range"):
        block.part([b"huge"])
    with pytest.raises(TypeError):
        block.part([["unhashable"]])
    with pytest.raises(TypeError):
        block.part(42)


@needs_native
@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"ids": [("alpha", 1)]}, TypeError, "dict"),
        ({"rows": np.zeros((3, 6), dtype=np.float32)}, TypeError, "float64"),
        ({"rows": np.zeros((3, 5))}, ValueError, r"\(len\(idf\), 6\)"),
        ({"rows": np.zeros((6, 3)).T}, ValueError, "C-contiguous"),
        ({"unigram_columns": np.zeros(4, dtype=np.int64)}, ValueError, "base"),
        ({"unigram_columns": np.array([-1, 0, 7, -1, -1], dtype=np.int64)}, ValueError, "out of range"),
        ({"tables": [(2, np.full(16, -1), np.full(8, -1), 60, 15)]}, ValueError, "sizes"),
        ({"tables": [(2, np.zeros(16, dtype=np.int64), np.zeros(16, dtype=np.int64), 60, 15)]}, ValueError, "free"),
        ({"tables": [(2, np.full(16, -1), np.full(16, -1), 60)]}, TypeError, "a table is"),
        ({"tables": [(9, np.full(16, -1), np.full(16, -1), 60, 15)]}, ValueError, "n must be"),
        ({"tables": 5}, TypeError, "sequence"),
        ({"base": 1}, ValueError, "base"),
    ],
)
def test_native_block_refuses_inconsistent_tables(changes, error, message):
    with pytest.raises(error, match=message):
        native.Block(**block_arguments(**changes))


@needs_native
def test_native_block_keeps_its_own_copies_and_is_initialised_once():
    arguments = block_arguments()
    block = native.Block(**arguments)
    before = block.part([b"alpha", b"beta"])
    arguments["rows"][:] = 1e9  # the caller's arrays may change; the block does not
    arguments["tables"][0][2][:] = 10**9
    assert block.part([b"alpha", b"beta"]) == before
    with pytest.raises(RuntimeError, match="once"):
        block.__init__(**block_arguments())
    with pytest.raises(RuntimeError, match="not initialised"):
        native.Block.__new__(native.Block).part([b"alpha"])


@needs_native
def test_native_overflowing_keys_are_refused():
    free = np.full(16, -1, dtype=np.int64)
    eight_grams = [(8, free, free, 60, 15)]  # 256 ** 8 = 2 ** 64
    with pytest.raises(ValueError, match="overflow"):
        native.Block(**block_arguments(base=256, unigram_columns=np.full(256, -1, dtype=np.int64), tables=eight_grams))
    assert native.Block(
        **block_arguments(base=200, unigram_columns=np.full(200, -1, dtype=np.int64), tables=eight_grams)
    )


def test_the_model_says_how_it_scores_one_text_and_the_service_logs_it(caplog, tiny_corpus):
    model, _, _ = load_model(REPO_MODELS_DIR)
    assert model.single_text_scoring == ("python" if native is None else "native")
    copy = pickle.loads(pickle.dumps(model))
    copy.scorer.native_blocks = None
    assert copy.single_text_scoring == "python"
    records = load_records([tiny_corpus])
    with_chars = fit_model(
        [r.text for r in records],
        [r.topics for r in records],
        [r.outlook for r in records],
        ModelConfig(cv_folds=3, char_ngrams=(2, 4)),
        THRESHOLDS,
    )
    assert with_chars.single_text_scoring == "pipelines"
    with caplog.at_level(logging.INFO, logger="topicstance"):
        ClassifierHolder(REPO_MODELS_DIR).load()
    loaded = [r for r in caplog.records if r.getMessage() == "model loaded"]
    assert loaded and loaded[-1].single_text_scoring == model.single_text_scoring


@needs_native
def test_native_and_python_paths_agree_on_random_text():
    model, _, _ = load_model(REPO_MODELS_DIR)
    slow = python_scorer(model)
    rng = random.Random(7)
    words = (
        "the talks missile arms deal sanctions peace army not no U.N. ceasefire killed hope 's ' &amp; #39; é".split()
    )
    for _ in range(300):
        length = rng.choice([0, 1, 2, 5, 60, 700])
        text = " ".join(
            rng.choice(words)
            if rng.random() < 0.7
            else "".join(chr(rng.randint(32, 0x3000)) for _ in range(rng.randint(1, 6)))
            for _ in range(length)
        )
        fast, python = model.scorer.score(text), slow.score(text)
        assert max(abs(a - b) for a, b in zip(fast[0] + fast[1], python[0] + python[1], strict=True)) < 1e-12
