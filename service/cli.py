"""The `topicstance` command: train, evaluate, serve and classify."""

import argparse
import json
import logging
import sys
from pathlib import Path

from training.logs import configure_logging

log = logging.getLogger("topicstance.cli")


def _cmd_train(args) -> int:
    from training.metrics import format_report
    from training.model import ModelConfig
    from training.train import PromotionRefused, train

    try:
        path = train(
            args.data or None,
            args.out,
            ModelConfig(
                seed=args.seed,
                cv_folds=args.cv_folds,
                stop_words=not args.keep_stop_words,
                ending_features=args.ending_features,
            ),
            with_feedback=args.with_feedback,
            feedback_db=args.db,
            margin=args.margin,
            force=args.force,
            jobs=args.jobs,
        )
    except PromotionRefused as exc:
        sys.stderr.write(f"topicstance train: {exc}\n")
        return 3
    card = json.loads((path / "model_card.json").read_text(encoding="utf-8"))
    cv = card["metrics"]["cross_validation"]
    sys.stdout.write(f"model {card['version']} saved to {path}\n")
    sys.stdout.write(f"thresholds: {json.dumps(card['thresholds'])}\n")
    sys.stdout.write(f"{cv['method']}:\n{format_report(cv['topics'], cv['outlook'])}\n")
    return 0


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


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
        total, failures = classify_stream(
            classifier,
            source,
            sink,
            args.batch_size,
            jobs=args.jobs,
            progress=sys.stderr.isatty() and not args.quiet,
            explain=args.explain,
            sentences=args.sentences,
        )
    finally:
        if source is not sys.stdin:
            source.close()
        if sink is not sys.stdout:
            sink.close()
    log.info("classified", extra={"lines": total, "errors": failures, "model": classifier.version})
    return 1 if failures else 0


def _cmd_feedback_export(args) -> int:
    from training.feedback import FeedbackStore

    rows = FeedbackStore(args.db).fetch(args.since)
    sink = sys.stdout if args.output in (None, "-") else open(args.output, "w", encoding="utf-8")  # noqa: SIM115
    try:
        for row in rows:
            sink.write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        if sink is not sys.stdout:
            sink.close()
    log.info("feedback exported", extra={"records": len(rows), "output": args.output or "-"})
    return 0


def _cmd_models(args) -> int:
    from training.store import default_model_path, list_versions, rollback, set_current

    root = Path(args.models) if args.models else default_model_path()
    if args.action == "list":
        versions = list_versions(root)
        if args.json:
            sys.stdout.write(json.dumps(versions, indent=2) + "\n")
        for v in [] if args.json else versions:
            mark = "*" if v["current"] else " "
            micro = f"{v['topic_micro_f1']:.3f}" if v["topic_micro_f1"] is not None else "-"
            outlook = f"{v['outlook_macro_f1']:.3f}" if v["outlook_macro_f1"] is not None else "-"
            sys.stdout.write(
                f"{mark} {v['version']}  created {v['created_at']}  records {v['records']}  "
                f"feedback {v['feedback_records']}  cv topic micro-F1 {micro}  outlook macro-F1 {outlook}  "
                f"parent {v['parent_version'] or '-'}\n"
            )
        return 0
    if args.action == "promote":
        if not args.version:
            raise ValueError("promote needs a VERSION (see `topicstance models list`)")
        set_current(root, args.version)
        sys.stdout.write(f"current model is now {args.version}\n")
        return 0
    previous = rollback(root)
    sys.stdout.write(f"rolled back: current model is now {previous}\n")
    return 0


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
    train.add_argument("--cv-folds", type=int, help="cross-validation folds (default 5; 3 above 50,000 records)")
    train.add_argument(
        "--keep-stop-words", action="store_true", help="keep English stop words (better CV outlook, worse on real news)"
    )
    train.add_argument(
        "--ending-features",
        action="store_true",
        help="outlook also sees the last two sentences as their own block (about half the scoring speed)",
    )
    train.add_argument(
        "--with-feedback", action="store_true", help="add the stored corrections; compare with the current model"
    )
    train.add_argument("--db", metavar="PATH", help="feedback database (default: TOPICSTANCE_DB or var/)")
    train.add_argument(
        "--margin", type=float, default=0.02, help="promote unless worse than the current model by more (0.02)"
    )
    train.add_argument("--force", action="store_true", help="promote even when worse than the current model")
    train.add_argument(
        "--jobs", type=_positive_int, metavar="N", help="processes fitting in parallel (default: every usable CPU)"
    )
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
    classify.add_argument("--explain", action="store_true", help="add the terms behind each label")
    classify.add_argument("--sentences", action="store_true", help="add per-sentence labels and outlook per topic")
    classify.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    classify.add_argument("--quiet", action="store_true", help="no progress bar (it only shows on a terminal)")
    classify.add_argument("--batch-size", type=int, default=256, help=argparse.SUPPRESS)
    classify.set_defaults(func=_cmd_classify)

    feedback = sub.add_parser("feedback", help="corrections stored by POST /v1/feedback")
    feedback_sub = feedback.add_subparsers(dest="feedback_command", required=True)
    export = feedback_sub.add_parser("export", help="write corrections as training JSON Lines")
    export.add_argument("-o", "--output", metavar="FILE", help="output JSONL (default stdout)")
    export.add_argument("--since", help="only corrections after this ISO 8601 time")
    export.add_argument("--db", metavar="PATH", help="feedback database (default: TOPICSTANCE_DB or var/)")
    export.set_defaults(func=_cmd_feedback_export)

    models = sub.add_parser("models", help="list, promote or roll back model versions")
    models.add_argument("action", choices=["list", "promote", "rollback"])
    models.add_argument("version", nargs="?", help="version to promote")
    models.add_argument("--models", metavar="DIR", help="models root (default: TOPICSTANCE_MODEL_DIR or models/)")
    models.add_argument("--json", action="store_true", help="list as JSON")
    models.set_defaults(func=_cmd_models)
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
