"""`topicstance train`: validate the corpus, cross-validate, fit both heads, save a model directory."""

import logging
import time
from collections import Counter
from pathlib import Path

import numpy as np

from training.corpus import CorpusError, Record, corpus_sha256, load_records
from training.evaluate import evaluate_records
from training.feedback import FeedbackStore
from training.labels import OUTLOOKS, TOPICS
from training.metrics import calibration_report, outlook_report, pr_curves, topic_report
from training.model import (
    THRESHOLD_GRID,
    CorpusTerms,
    ModelConfig,
    TopicStanceModel,
    choose_threshold,
    cross_fitted_decisions,
    default_jobs,
    fit_and_cross_validate,
    fit_model,
    topic_matrix,
)
from training.store import current_version, library_versions, make_version_id, now_utc, read_card, save_model
from training.text import normalise

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


def source_files(records: list[Record]) -> list[str]:
    """The files records came from, relative to the repository when inside it (cards travel between machines)."""
    repo = Path(__file__).resolve().parent.parent
    files = set()
    for source in {r.source.rsplit(":", 1)[0] for r in records}:  # resolve each file once, not each record
        path = Path(source).resolve()
        files.add(str(path.relative_to(repo)) if path.is_relative_to(repo) else path.name)
    return sorted(files)


def _check_trainable(records: list[Record]) -> None:
    problems = []
    if len(records) < MIN_RECORDS:
        problems.append(f"training needs at least {MIN_RECORDS} records, got {len(records)}")
    if len({r.outlook for r in records}) < 2:
        problems.append("training needs records of at least two different outlooks")
    if problems:
        raise CorpusError(problems)


def fit_cross_validated(records: list[Record], config: ModelConfig, jobs: int = 1) -> tuple[TopicStanceModel, dict]:
    """The model fitted on all records, with thresholds chosen on out-of-fold probabilities, and its CV report."""
    texts = [r.text for r in records]
    topic_lists = [r.topics for r in records]
    outlooks = [r.outlook for r in records]
    terms = CorpusTerms(texts, config)  # tokenised once for every fold and head
    log.info("terms counted", extra={"terms": {name: len(t) for name, t in terms.terms.items()}})
    topic_oof, outlook_oof, fold_of, pipelines = fit_and_cross_validate(
        texts, topic_lists, outlooks, config, jobs, terms
    )
    y_topics = topic_matrix(topic_lists)
    thresholds = {t: choose_threshold(y_topics[:, j], topic_oof[:, j]) for j, t in enumerate(TOPICS)}
    predicted_outlooks = [OUTLOOKS[i] for i in outlook_oof.argmax(axis=1)]
    metrics = {
        "method": f"{int(fold_of.max()) + 1}-fold cross-validation, thresholds cross-fitted on the other folds",
        "topics": topic_report(y_topics, cross_fitted_decisions(y_topics, topic_oof, fold_of)),
        "outlook": outlook_report(outlooks, predicted_outlooks),
        "calibration": calibration_report(y_topics, topic_oof),
        "pr_curves": pr_curves(y_topics, topic_oof, THRESHOLD_GRID),
    }
    return TopicStanceModel(*pipelines, thresholds), metrics


class PromotionRefused(RuntimeError):
    """The new model scored worse than the current one by more than the allowed margin."""

    def __init__(self, message: str, path: Path):
        self.path = path
        super().__init__(message)


def merge_feedback(records: list[Record], corrections: list[Record]) -> list[Record]:
    """Corpus plus corrections; a correction replaces any corpus record with the same normalised text."""
    if not corrections:
        return list(records)
    corrected = {normalise(c.text): c for c in corrections}  # the latest correction of a text wins
    kept = [r for r in records if normalise(r.text) not in corrected]
    return kept + list(corrected.values())


def held_out_score(model, records: list[Record]) -> float:
    """Mean of topic micro-F1 and outlook macro-F1: one number to compare two models on."""
    report = evaluate_records(model, records)
    return (report["topics"]["micro_f1"] + report["outlook"]["macro_f1"]) / 2


def _fit_records(records: list[Record], config: ModelConfig, thresholds: dict[str, float]):
    texts, topic_lists, outlooks = [r.text for r in records], [r.topics for r in records], [r.outlook for r in records]
    return fit_model(texts, topic_lists, outlooks, config, thresholds)


def compare_with_current(
    corpus: list[Record],
    records: list[Record],
    store: FeedbackStore,
    config: ModelConfig,
    thresholds,
    models_root: Path,
) -> dict | None:
    """A/B on one held-out split: the new recipe against the current model's recipe, both refitted.

    Scoring the deployed model directly would flatter it: it was trained on most
    of any split. Instead both recipes are fitted on the same 80 % and scored on
    the same 20 % of today's `records` (the corpus merged with all corrections).
    The current recipe is the current model's settings on its own data: the
    corpus plus the corrections it had (those stored before it was created).
    """
    if current_version(models_root) is None:
        return None
    current_card = read_card(models_root)
    had = store.records(until=current_card["created_at"]) if current_card.get("feedback", {}).get("records") else []
    current_records = merge_feedback(corpus, had)
    order = np.random.default_rng(config.seed).permutation(len(records))
    cut = max(1, len(records) // 5)
    held = [records[i] for i in order[:cut]]
    held_texts = {normalise(r.text) for r in held}
    rest = [records[i] for i in order[cut:]]
    current_rest = [r for r in current_records if normalise(r.text) not in held_texts]
    current_config = ModelConfig(**current_card["config"])
    candidate = _fit_records(rest, config, thresholds)
    current = _fit_records(current_rest, current_config, current_card["thresholds"])
    return {
        "held_out_records": len(held),
        "current_version": current_card["version"],
        "current_recipe_reconstructed": corpus_sha256(current_records) == current_card["corpus"]["sha256"],
        "current_score": held_out_score(current, held),
        "candidate_score": held_out_score(candidate, held),
        "score": "mean of topic micro-F1 and outlook macro-F1 on the held-out split",
    }


def train(
    data_paths=None,
    out_dir: Path | str = "models",
    config: ModelConfig | None = None,
    with_feedback: bool = False,
    feedback_db: Path | str | None = None,
    margin: float = 0.02,
    force: bool = False,
    jobs: int | None = None,
) -> Path:
    """Validate, cross-validate, fit and save; returns the new version directory.

    With feedback, the model is compared with the current one first and is saved
    but not promoted when it is worse by more than `margin` (unless `force`).
    `jobs` processes fit folds and heads in parallel (default: every usable CPU);
    the model does not depend on it.
    """
    config = config or ModelConfig()
    jobs = default_jobs() if jobs is None else jobs
    started = time.perf_counter()
    out_dir = Path(out_dir)
    corpus = load_records(data_paths)
    store = FeedbackStore(feedback_db)
    corrections = store.records() if with_feedback else []
    records = merge_feedback(corpus, corrections)
    files = source_files(records)
    _check_trainable(records)
    summary = corpus_summary(records)
    log.info(
        "corpus loaded",
        extra={"records": len(records), "sources": files},
    )
    model, metrics = fit_cross_validated(records, config, jobs)
    thresholds = model.thresholds
    log.info(
        "cross-validation done",
        extra={
            "topic_micro_f1": round(metrics["topics"]["micro_f1"], 4),
            "outlook_macro_f1": round(metrics["outlook"]["macro_f1"], 4),
            "thresholds": thresholds,
        },
    )
    comparison = compare_with_current(corpus, records, store, config, thresholds, out_dir) if with_feedback else None
    promote = comparison is None or force or comparison["candidate_score"] >= comparison["current_score"] - margin
    created = now_utc()
    digest = corpus_sha256(records)
    card = {
        "name": "topicstance",
        "version": make_version_id(digest, config.to_dict(), created, out_dir),
        "created_at": created.isoformat().replace("+00:00", "Z"),
        "parent_version": current_version(out_dir),
        "feedback": {"records": len(corrections), "corpus_records": len(corpus), "comparison": comparison},
        "corpus": {
            "sha256": digest,
            "files": files,
            **summary,
        },
        "config": config.to_dict(),
        "metrics": {"cross_validation": metrics},
        "libraries": library_versions(),
        "training_seconds": None,
    }
    card["training_seconds"] = round(time.perf_counter() - started, 2)
    path = save_model(model, card, out_dir, make_current=promote)
    log.info("model saved", extra={"path": str(path), "version": card["version"], "promoted": promote})
    if not promote:
        raise PromotionRefused(
            f"model {card['version']} scored {comparison['candidate_score']:.4f} on the held-out split against "
            f"{comparison['current_score']:.4f} for the current {comparison['current_version']} (margin {margin}); "
            f"it is saved in {path} but not promoted. Use --force, or `topicstance models promote {card['version']}`.",
            path,
        )
    return path
