"""Accuracy of a saved model on labelled JSONL: per-topic P/R/F1, micro-F1, outlook macro-F1, confusion
matrix, and calibration (Brier score, reliability table per topic).

    python bench/quality.py MODEL_DIR [DATA.jsonl] [--json]

DATA defaults to ../shared/eval/dev.jsonl (beside the repository) when it exists.
"""

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# bench/http.py would shadow the standard library for anything importing http (nltk does)
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]

from service.classifier import load_classifier  # noqa: E402
from training.evaluate import evaluate  # noqa: E402
from training.metrics import format_report  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "eval" / "dev.jsonl"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", help="model version directory or models root (e.g. models)")
    parser.add_argument("data", nargs="?", help=f"labelled JSONL (default {DEFAULT_DATA})")
    parser.add_argument("--json", action="store_true", help="print the full report as JSON")
    args = parser.parse_args(argv)
    data = Path(args.data) if args.data else DEFAULT_DATA
    if not data.is_file():
        parser.error(f"no data at {data}: pass a labelled JSONL file")
    classifier = load_classifier(args.model)
    report = evaluate(classifier.model, [data])
    if args.json:
        sys.stdout.write(json.dumps({"model": classifier.version, "data": str(data), **report}, indent=2) + "\n")
    else:
        sys.stdout.write(f"model {classifier.version} on {data.name}: {report['records']} texts\n")
        sys.stdout.write(format_report(report["topics"], report["outlook"], report["calibration"]) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
