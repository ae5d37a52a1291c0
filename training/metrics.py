"""Evaluation figures shared by the training report, `topicstance evaluate` and bench/quality.py."""

import numpy as np

from training.labels import OUTLOOKS, TOPICS


def _prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def topic_report(y_true: np.ndarray, y_pred: np.ndarray) -> dict:
    """Per-topic and micro/macro P/R/F1 for 0/1 matrices whose columns follow TOPICS."""
    y_true = np.asarray(y_true, dtype=bool)
    y_pred = np.asarray(y_pred, dtype=bool)
    per_topic = {}
    totals = np.zeros(3, dtype=int)
    for j, topic in enumerate(TOPICS):
        tp = int(np.sum(y_true[:, j] & y_pred[:, j]))
        fp = int(np.sum(~y_true[:, j] & y_pred[:, j]))
        fn = int(np.sum(y_true[:, j] & ~y_pred[:, j]))
        totals += (tp, fp, fn)
        per_topic[topic] = {**_prf(tp, fp, fn), "support": int(y_true[:, j].sum())}
    micro = _prf(*totals)
    return {
        "per_topic": per_topic,
        "micro_f1": micro["f1"],
        "micro_precision": micro["precision"],
        "micro_recall": micro["recall"],
        "macro_f1": float(np.mean([m["f1"] for m in per_topic.values()])),
        "exact_match": float(np.mean(np.all(y_true == y_pred, axis=1))) if len(y_true) else 0.0,
    }


def outlook_report(y_true: list[str], y_pred: list[str]) -> dict:
    """Macro-F1, per-class P/R/F1 and the confusion matrix (rows true, columns predicted)."""
    index = {label: i for i, label in enumerate(OUTLOOKS)}
    matrix = np.zeros((len(OUTLOOKS), len(OUTLOOKS)), dtype=int)
    for t, p in zip(y_true, y_pred, strict=True):
        matrix[index[t], index[p]] += 1
    per_class = {}
    for i, label in enumerate(OUTLOOKS):
        tp = int(matrix[i, i])
        per_class[label] = {
            **_prf(tp, int(matrix[:, i].sum()) - tp, int(matrix[i, :].sum()) - tp),
            "support": int(matrix[i, :].sum()),
        }
    total = int(matrix.sum())
    return {
        "per_class": per_class,
        "macro_f1": float(np.mean([m["f1"] for m in per_class.values()])),
        "accuracy": float(np.trace(matrix) / total) if total else 0.0,
        "confusion_matrix": {"labels": list(OUTLOOKS), "rows_true_columns_predicted": matrix.tolist()},
    }


def calibration_report(y_true: np.ndarray, probabilities: np.ndarray, bins: int = 10) -> dict:
    """Brier score and a reliability table per topic: is a 0.8 really right 80 % of the time?"""
    y_true = np.asarray(y_true, dtype=float)
    probabilities = np.asarray(probabilities, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    report = {}
    for j, topic in enumerate(TOPICS):
        p, y = probabilities[:, j], y_true[:, j]
        which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
        table = []
        for b in range(bins):
            mask = which == b
            if mask.any():
                table.append(
                    {
                        "bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}",
                        "count": int(mask.sum()),
                        "mean_predicted": float(p[mask].mean()),
                        "observed_rate": float(y[mask].mean()),
                    }
                )
        ece = sum(row["count"] * abs(row["mean_predicted"] - row["observed_rate"]) for row in table)
        report[topic] = {
            "brier": float(np.mean((p - y) ** 2)) if len(y) else 0.0,
            "expected_calibration_error": ece / len(y) if len(y) else 0.0,
            "reliability": table,
        }
    return report


def format_report(topics: dict, outlook: dict, calibration: dict | None = None) -> str:
    """Plain-text tables for terminals and notes."""
    lines = [f"{'topic':<12} {'P':>6} {'R':>6} {'F1':>6} {'support':>8}"]
    for topic, m in topics["per_topic"].items():
        lines.append(f"{topic:<12} {m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f} {m['support']:8d}")
    lines.append(
        f"topic micro-F1 {topics['micro_f1']:.3f}   macro-F1 {topics['macro_f1']:.3f}   "
        f"exact match {topics['exact_match']:.3f}"
    )
    lines.append("")
    lines.append(f"{'outlook':<12} {'P':>6} {'R':>6} {'F1':>6} {'support':>8}")
    for label, m in outlook["per_class"].items():
        lines.append(f"{label:<12} {m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f} {m['support']:8d}")
    lines.append(f"outlook macro-F1 {outlook['macro_f1']:.3f}   accuracy {outlook['accuracy']:.3f}")
    lines.append("")
    lines.append("outlook confusion matrix (rows true, columns predicted)")
    labels = outlook["confusion_matrix"]["labels"]
    lines.append(" " * 12 + "".join(f"{label:>12}" for label in labels))
    for label, row in zip(labels, outlook["confusion_matrix"]["rows_true_columns_predicted"], strict=True):
        lines.append(f"{label:<12}" + "".join(f"{v:12d}" for v in row))
    if calibration:
        lines.append("")
        lines.append("topic calibration: Brier score and reliability (bin: n, mean predicted -> observed)")
        for topic, c in calibration.items():
            lines.append(f"{topic:<12} Brier {c['brier']:.4f}  ECE {c['expected_calibration_error']:.4f}")
            for row in c["reliability"]:
                lines.append(
                    f"    {row['bin']}: n={row['count']:4d}  {row['mean_predicted']:.3f} -> {row['observed_rate']:.3f}"
                )
    return "\n".join(lines)


def pr_curves(y_true: np.ndarray, probabilities: np.ndarray, grid) -> dict:
    """Precision and recall of each topic at each threshold of `grid` (for the report's curves)."""
    y_true = np.asarray(y_true, dtype=bool)
    curves = {}
    for j, topic in enumerate(TOPICS):
        points = []
        for threshold in grid:
            predicted = probabilities[:, j] >= threshold
            tp = int(np.sum(predicted & y_true[:, j]))
            m = _prf(tp, int(predicted.sum()) - tp, int(y_true[:, j].sum()) - tp)
            points.append({"threshold": float(threshold), "precision": m["precision"], "recall": m["recall"]})
        curves[topic] = points
    return curves
