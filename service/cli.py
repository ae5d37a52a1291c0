"""The `topicstance` command: train, evaluate, serve and classify."""

import argparse
import json
import logging
import sys

from training.logs import configure_logging

log = logging.getLogger("topicstance.cli")


def _cmd_train(args) -> int:
    from training.model import ModelConfig
    from training.train import train

    path = train(args.data or None, args.out, ModelConfig(seed=args.seed, cv_folds=args.cv_folds))
    card = json.loads((path / "model_card.json").read_text(encoding="utf-8"))
    from training.metrics import format_report

    cv = card["metrics"]["cross_validation"]
    sys.stdout.write(f"model {card['version']} saved to {path}\n")
    sys.stdout.write(f"thresholds: {json.dumps(card['thresholds'])}\n")
    sys.stdout.write(f"{cv['method']}:\n{format_report(cv['topics'], cv['outlook'])}\n")
    return 0


def _cmd_evaluate(args) -> int:
    from service.classifier import load_classifier
    from training.evaluate import evaluate
    from training.metrics import format_report

    classifier = load_classifier(args.model)
    report = evaluate(classifier.model, args.data)
    if args.json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        sys.stdout.write(f"model {classifier.version} on {report['records']} records\n")
        sys.stdout.write(format_report(report["topics"], report["outlook"], report["calibration"]) + "\n")
    return 0


def _cmd_serve(args) -> int:
    from service.server import run_server

    return run_server(
        host=args.host, port=args.port, workers=args.workers, model_dir=args.model, access_log=args.access_log
    )


def _cmd_classify(args) -> int:
    from service.batch import classify_stream
    from service.classifier import load_classifier

    classifier = load_classifier(args.model)
    source = sys.stdin if args.input in (None, "-") else open(args.input, encoding="utf-8")  # noqa: SIM115
    sink = sys.stdout if args.output in (None, "-") else open(args.output, "w", encoding="utf-8")  # noqa: SIM115
    try:
        total, failures = classify_stream(classifier, source, sink, args.batch_size)
    finally:
        if source is not sys.stdin:
            source.close()
        if sink is not sys.stdout:
            sink.close()
    log.info("classified", extra={"lines": total, "errors": failures, "model": classifier.version})
    return 1 if failures else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="topicstance", description=__doc__)
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR (default INFO)")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="fit both heads, cross-validate and save a model directory")
    train.add_argument(
        "--data",
        action="append",
        metavar="PATH",
        help="JSONL/CSV file or directory (repeatable); default: the bundled corpus",
    )
    train.add_argument("--out", default="models", metavar="DIR", help="models root to write into (default: models)")
    train.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    train.add_argument("--cv-folds", type=int, default=5, help="cross-validation folds (default 5)")
    train.set_defaults(func=_cmd_train)

    evaluate = sub.add_parser("evaluate", help="score a model on labelled JSONL/CSV data")
    evaluate.add_argument("data", nargs="+", metavar="DATA", help="labelled JSONL/CSV file(s)")
    evaluate.add_argument("--model", metavar="DIR", help="model or models root (default: the bundled model)")
    evaluate.add_argument("--json", action="store_true", help="print the full report as JSON")
    evaluate.set_defaults(func=_cmd_evaluate)

    serve = sub.add_parser("serve", help="run the HTTP API under gunicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=2)
    serve.add_argument(
        "--model", metavar="DIR", help="model or models root (default: TOPICSTANCE_MODEL_DIR or bundled)"
    )
    serve.add_argument("--access-log", action="store_true", help="log every request")
    serve.set_defaults(func=_cmd_serve)

    classify = sub.add_parser("classify", help="classify JSON Lines ({'id', 'text'} per line)")
    classify.add_argument("input", nargs="?", metavar="FILE", help="input JSONL, or - for stdin (default)")
    classify.add_argument("-o", "--output", metavar="OUT", help="output JSONL (default stdout)")
    classify.add_argument("--model", metavar="DIR", help="model or models root (default: the bundled model)")
    classify.add_argument("--batch-size", type=int, default=256, help=argparse.SUPPRESS)
    classify.set_defaults(func=_cmd_classify)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.log_level)
    from training.corpus import CorpusError
    from training.store import ModelLoadError

    try:
        return args.func(args)
    except CorpusError as exc:
        sys.stderr.write(f"topicstance {args.command}: {exc}\n")
        return 2
    except (ModelLoadError, FileNotFoundError, FileExistsError, ValueError) as exc:
        sys.stderr.write(f"topicstance {args.command}: {exc}\n")
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
