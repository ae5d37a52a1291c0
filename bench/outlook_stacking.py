"""Does the shape of a text's sentences say more about its outlook than its words? (issue 3)

    python bench/outlook_stacking.py [--dev ../shared/eval/dev.jsonl]

A second stage on top of the default model: per text, the whole-text outlook
log-probabilities plus statistics of its sentences' outlook probabilities (mean,
max, min, share of sentences per class, first and last sentence, number of
sentences), fed to a small logistic regression. The stage-one features of the
corpus are out-of-fold (5 folds), so stage two learns from predictions like the
ones it will see. Prints cross-validated and dev outlook macro-F1 for the default
model and the stacked one. An experiment, not part of the product: it would also
score every sentence of every request.
"""

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# bench/http.py would shadow the standard library for anything importing http (nltk does)
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]

import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from training.corpus import load_records  # noqa: E402
from training.labels import OUTLOOKS, TOPICS  # noqa: E402
from training.model import ModelConfig, fit_model  # noqa: E402
from training.text import split_sentences  # noqa: E402

DEFAULT_DEV = REPO.parent / "shared" / "eval" / "dev.jsonl"
THRESHOLDS = dict.fromkeys(TOPICS, 0.5)  # topics are not used here


def sentence_features(model, texts: list[str]) -> np.ndarray:
    _, _, whole = model.predict(texts)
    spans = [split_sentences(text) or [(0, len(text))] for text in texts]
    pieces = [text[a:b] for text, text_spans in zip(texts, spans, strict=True) for a, b in text_spans]
    _, _, sentences = model.predict(pieces)
    rows, start = [], 0
    for i, text_spans in enumerate(spans):
        probs = sentences[start : start + len(text_spans)]
        start += len(text_spans)
        rows.append(
            np.concatenate(
                [
                    np.log(whole[i] + 1e-9),
                    probs.mean(axis=0),
                    probs.max(axis=0),
                    probs.min(axis=0),
                    np.bincount(probs.argmax(axis=1), minlength=3) / len(text_spans),
                    np.log(probs[0] + 1e-9),
                    np.log(probs[-1] + 1e-9),
                    [np.log(len(text_spans))],
                ]
            )
        )
    return np.array(rows)


def macro_f1(y_true, y_pred) -> float:
    return float(f1_score(y_true, y_pred, average="macro"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dev", default=str(DEFAULT_DEV))
    args = parser.parse_args(argv)
    records = load_records()
    texts, topics, outlooks = [r.text for r in records], [r.topics for r in records], [r.outlook for r in records]
    y = np.array([OUTLOOKS.index(o) for o in outlooks])
    config = ModelConfig()
    features = None
    for fit, held in StratifiedKFold(5, shuffle=True, random_state=config.seed).split(y, y):
        model = fit_model(
            [texts[i] for i in fit], [topics[i] for i in fit], [outlooks[i] for i in fit], config, THRESHOLDS
        )
        held_features = sentence_features(model, [texts[i] for i in held])
        if features is None:
            features = np.zeros((len(texts), held_features.shape[1]))
        features[held] = held_features
    stacked = np.zeros(len(y), dtype=int)
    for fit, held in StratifiedKFold(5, shuffle=True, random_state=config.seed + 1).split(y, y):
        stage_two = LogisticRegression(max_iter=2000, class_weight="balanced").fit(features[fit], y[fit])
        stacked[held] = stage_two.predict(features[held])
    sys.stdout.write(f"{len(texts)} training records\n\n| outlook macro-F1 | default | stacked |\n|---|---|---|\n")
    sys.stdout.write(
        f"| cross-validated | {macro_f1(y, features[:, :3].argmax(axis=1)):.3f} | {macro_f1(y, stacked):.3f} |\n"
    )
    if Path(args.dev).exists():
        dev = load_records([args.dev])
        dev_y = np.array([OUTLOOKS.index(r.outlook) for r in dev])
        dev_features = sentence_features(fit_model(texts, topics, outlooks, config, THRESHOLDS), [r.text for r in dev])
        stage_two = LogisticRegression(max_iter=2000, class_weight="balanced").fit(features, y)
        base, mixed = dev_features[:, :3].argmax(axis=1), stage_two.predict(dev_features)
        sys.stdout.write(f"| dev ({len(dev)} texts) | {macro_f1(dev_y, base):.3f} | {macro_f1(dev_y, mixed):.3f} |\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
