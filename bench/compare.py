"""Model comparison for docs/model.md: cross-validation on the bundled corpus vs the real-news dev set.

    python bench/compare.py [--dev ../shared/eval/dev.jsonl] [--only NAME ...] [--jobs N]

Each variant changes one thing from the default ModelConfig. The dev set is only
measured, never trained or tuned on beyond choosing among these variants.
"""

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# bench/http.py would shadow the standard library for anything importing http (nltk does)
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]

from training.corpus import load_records  # noqa: E402
from training.evaluate import evaluate_records  # noqa: E402
from training.labels import TOPICS  # noqa: E402
from training.model import ModelConfig, TopicStanceModel, default_jobs  # noqa: E402
from training.train import fit_cross_validated  # noqa: E402

DEFAULT_DEV = REPO.parent / "shared" / "eval" / "dev.jsonl"
BASE = ModelConfig()
VARIANTS = {
    "default": {},
    "no stemming": {"stem": False},
    "unigrams only": {"word_ngrams": (1, 1)},
    "word 1-3 grams": {"word_ngrams": (1, 3)},
    "+ char 2-5 grams": {"char_ngrams": (2, 5)},
    "stop words kept": {"stop_words": False},
    "raw tf (no sublinear)": {"sublinear_tf": False},
    "min_df 1": {"min_df": 1},
    "C = 3": {"topic_c": 3.0, "outlook_c": 3.0},
    "C = 30": {"topic_c": 30.0, "outlook_c": 30.0},
    "outlook C = 1": {"outlook_c": 1.0},
    "outlook C = 10 (the previous default)": {"outlook_c": 10.0},
    "outlook C = 30": {"outlook_c": 30.0},
    "no class weights": {"class_weight": None},
    "linear SVM + sigmoid calibration": {"classifier": "svm"},
    "SGD (log loss)": {"classifier": "sgd"},
    "complement naive Bayes": {"classifier": "cnb"},
    "outlook: + ending features": {"ending_features": True},
    "+ lead (first two sentences) features": {"lead_features": True},
    "+ lead and ending features": {"lead_features": True, "ending_features": True},
    "+ char 2-5 grams, stop words kept": {"stop_words": False, "char_ngrams": (2, 5)},
    "stop words kept + C = 30": {"stop_words": False, "topic_c": 30.0, "outlook_c": 30.0},
    "stop words kept + ending features": {"stop_words": False, "ending_features": True},
    "thresholds fixed at 0.5 (dev columns only)": {"_fixed_threshold": 0.5},
}


def run_variant(name: str, overrides: dict, records, dev_records, jobs: int) -> dict:
    overrides = dict(overrides)
    fixed_threshold = overrides.pop("_fixed_threshold", None)
    config = ModelConfig(**{**BASE.to_dict(), **overrides})
    started = time.perf_counter()
    model, metrics = fit_cross_validated(records, config, jobs)
    if fixed_threshold is not None:
        model = TopicStanceModel(model.topic_pipeline, model.outlook_pipeline, dict.fromkeys(TOPICS, fixed_threshold))
    row = {
        "name": name,
        "cv_micro": metrics["topics"]["micro_f1"],
        "cv_outlook": metrics["outlook"]["macro_f1"],
    }
    if dev_records:
        report = evaluate_records(model, dev_records)
        topics, outlook = report["topics"], report["outlook"]
        row.update(
            dev_micro=topics["micro_f1"],
            dev_outlook=outlook["macro_f1"],
            **{f"dev_{t}": topics["per_topic"][t]["f1"] for t in TOPICS},
        )
    row["seconds"] = time.perf_counter() - started
    return row


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", action="append", help="training data (default: the bundled corpus)")
    parser.add_argument("--dev", default=str(DEFAULT_DEV), help="labelled real-news JSONL to measure on")
    parser.add_argument("--only", action="append", help="run only these variants")
    parser.add_argument("--jobs", type=int, default=default_jobs(), help="processes per fit (default: all CPUs)")
    args = parser.parse_args(argv)
    records = load_records(args.data)
    dev_records = load_records([args.dev]) if Path(args.dev).is_file() else []
    names = args.only or list(VARIANTS)
    rows = [run_variant(name, VARIANTS[name], records, dev_records, args.jobs) for name in names]
    header = "| variant | CV topic micro-F1 | CV outlook macro-F1 |"
    if dev_records:
        header += " dev topic micro-F1 | dev security | dev arms_trade | dev diplomacy | dev outlook macro-F1 |"
    header += " seconds |"
    sys.stdout.write(f"{len(records)} training records; dev: {len(dev_records)} texts\n\n{header}\n")
    sys.stdout.write("|" + "---|" * (header.count("|") - 1) + "\n")
    for row in rows:
        cells = [row["name"], f"{row['cv_micro']:.3f}", f"{row['cv_outlook']:.3f}"]
        if dev_records:
            cells += [f"{row['dev_micro']:.3f}"] + [f"{row[f'dev_{t}']:.3f}" for t in TOPICS]
            cells += [f"{row['dev_outlook']:.3f}"]
        cells.append(f"{row['seconds']:.0f}")
        sys.stdout.write("| " + " | ".join(cells) + " |\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
