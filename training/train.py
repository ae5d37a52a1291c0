"""`topicstance train`: validate the corpus, cross-validate, fit both heads, save a model directory."""

import logging
import time
from collections import Counter
from pathlib import Path

import numpy as np

from training.corpus import CorpusError, Record, corpus_sha256, load_records
from training.labels import OUTLOOKS, TOPICS
from training.metrics import calibration_report, outlook_report, topic_report
from training.model import (
    ModelConfig,
    choose_threshold,
    cross_fitted_decisions,
    cross_validated_probabilities,
    fit_model,
    topic_matrix,
)
from training.store import library_versions, make_version_id, now_utc, save_model

log = logging.getLogger("topicstance.train")
MIN_RECORDS = 10


def corpus_summary(records: list[Record]) -> dict:
    topic_counts = Counter(t for r in records for t in r.topics)
    combos = Counter("+".join(sorted(r.topics)) or "none" for r in records)
    words = np.array([len(r.text.split()) for r in records])
    return {
        "records": len(records),
        "topics": {t: topic_counts[t] for t in TOPICS},
        "no_topic": sum(1 for r in records if not r.topics),
        "multi_topic": sum(1 for r in records if len(r.topics) > 1),
        "outlooks": {o: sum(1 for r in records if r.outlook == o) for o in OUTLOOKS},
        "combinations": dict(sorted(combos.items(), key=lambda kv: -kv[1])),
        "words": {
            "min": int(words.min()),
            "median": float(np.median(words)),
            "max": int(words.max()),
        },
    }


def _check_trainable(records: list[Record]) -> None:
    problems = []
    if len(records) < MIN_RECORDS:
        problems.append(f"training needs at least {MIN_RECORDS} records, got {len(records)}")
    if len({r.outlook for r in records}) < 2:
        problems.append("training needs records of at least two different outlooks")
    if problems:
        raise CorpusError(problems)


def cross_validate(records: list[Record], config: ModelConfig) -> tuple[dict, dict[str, float]]:
    """Cross-validated report, and thresholds chosen on all out-of-fold probabilities for the final model."""
    texts = [r.text for r in records]
    topic_lists = [r.topics for r in records]
    outlooks = [r.outlook for r in records]
    topic_oof, outlook_oof, fold_of = cross_validated_probabilities(texts, topic_lists, outlooks, config)
    y_topics = topic_matrix(topic_lists)
    thresholds = {t: choose_threshold(y_topics[:, j], topic_oof[:, j]) for j, t in enumerate(TOPICS)}
    predicted_outlooks = [OUTLOOKS[i] for i in outlook_oof.argmax(axis=1)]
    metrics = {
        "method": f"{config.cv_folds}-fold cross-validation, thresholds cross-fitted on the other folds",
        "topics": topic_report(y_topics, cross_fitted_decisions(y_topics, topic_oof, fold_of)),
        "outlook": outlook_report(outlooks, predicted_outlooks),
        "calibration": calibration_report(y_topics, topic_oof),
    }
    return metrics, thresholds


def train(data_paths=None, out_dir: Path | str = "models", config: ModelConfig | None = None) -> Path:
    """Validate, cross-validate, fit and save; returns the new version directory."""
    config = config or ModelConfig()
    started = time.perf_counter()
    records = load_records(data_paths)
    _check_trainable(records)
    summary = corpus_summary(records)
    log.info(
        "corpus loaded",
        extra={"records": len(records), "sources": sorted({r.source.rsplit(":", 1)[0] for r in records})},
    )
    metrics, thresholds = cross_validate(records, config)
    log.info(
        "cross-validation done",
        extra={
            "topic_micro_f1": round(metrics["topics"]["micro_f1"], 4),
            "outlook_macro_f1": round(metrics["outlook"]["macro_f1"], 4),
            "thresholds": thresholds,
        },
    )
    model = fit_model(
        [r.text for r in records],
        [r.topics for r in records],
        [r.outlook for r in records],
        config,
        thresholds,
    )
    created = now_utc()
    digest = corpus_sha256(records)
    card = {
        "name": "topicstance",
        "version": make_version_id(digest, config.to_dict(), created),
        "created_at": created.isoformat().replace("+00:00", "Z"),
        "parent_version": None,
        "corpus": {
            "sha256": digest,
            "files": sorted({r.source.rsplit(":", 1)[0] for r in records}),
            **summary,
        },
        "config": config.to_dict(),
        "metrics": {"cross_validation": metrics},
        "libraries": library_versions(),
        "training_seconds": None,
    }
    card["training_seconds"] = round(time.perf_counter() - started, 2)
    path = save_model(model, card, Path(out_dir))
    log.info(
        "model saved",
        extra={"path": str(path), "version": card["version"], "seconds": card["training_seconds"]},
    )
    return path
