"""Inference speed on one core: topicstance vs fastText vs a plain scikit-learn pipeline vs the regex floor.

    python bench/speed.py [--texts 20000] [--words 105] [--single 2000] [--repeats 5]

All contenders score the same texts in the same run. fastText (PyPI fasttext-numpy2-wheel) is
installed by this script into the running Python if missing; it is not a project dependency.
Prints batch texts/s (median of --repeats runs), single-text latency (median and p99) and ratios,
then the `topicstance classify` streaming path with --jobs 1 and 2. The per-request path
(`predict_one`) is timed with the optional C accelerator (when built) and in Python only.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import pickle  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
# bench/http.py would shadow the standard library for anything importing http (nltk does)
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from service import load_classifier  # noqa: E402
from service.batch import classify_stream  # noqa: E402
from training.corpus import load_records  # noqa: E402

_WORD = re.compile(r"\w+")


def make_texts(records, n: int, words: int) -> list[str]:
    """n texts of `words` words, cut deterministically from the corpus run together."""
    stream = " ".join(r.text.replace("\n", " ") for r in records).split()
    return [" ".join(stream[(i * words) % (len(stream) - words) :][:words]) for i in range(n)]


def batch_rate(fn, texts, repeats: int) -> float:
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(texts)
        rates.append(len(texts) / (time.perf_counter() - start))
    return statistics.median(rates)


def latencies_us(fn, texts) -> tuple[float, float]:
    times = []
    for text in texts:
        start = time.perf_counter_ns()
        fn(text)
        times.append((time.perf_counter_ns() - start) / 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1]


def fasttext_model(records):
    try:
        import fasttext
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "fasttext-numpy2-wheel"], check=True)
        import fasttext
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as handle:
        for r in records:
            labels = " ".join(f"__label__{t}" for t in r.topics) or "__label__none"
            handle.write(f"{labels} __label__o_{r.outlook} {' '.join(_WORD.findall(r.text.lower()))}\n")
    model = fasttext.train_supervised(handle.name, epoch=10, wordNgrams=2, loss="ova", thread=1, verbose=0, seed=0)
    os.unlink(handle.name)
    return model


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=20000)
    parser.add_argument("--words", type=int, default=105)
    parser.add_argument("--single", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--model", default=str(REPO / "models"))
    args = parser.parse_args(argv)

    records = load_records()
    texts = make_texts(records, args.texts, args.words)
    singles = texts[: args.single]
    classifier = load_classifier(args.model)
    plain = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000)).fit(
        [r.text for r in records], [r.outlook for r in records]
    )
    fast = fasttext_model(records)

    def fast_batch(batch):
        fast.predict([t.lower() for t in batch], k=-1, threshold=0.5)

    contenders = {
        "regex tokenising floor": (lambda b: [_WORD.findall(t.lower()) for t in b], lambda t: _WORD.findall(t.lower())),
        "fastText (topics + outlook, one model)": (fast_batch, lambda t: fast.predict(t.lower(), k=-1, threshold=0.5)),
        "scikit-learn TfidfVectorizer + LogisticRegression (one head)": (
            plain.predict_proba,
            lambda t: plain.predict_proba([t]),
        ),
        "topicstance model.predict (both heads)": (classifier.model.predict, lambda t: classifier.model.predict([t])),
        "topicstance Classifier.classify (both heads, JSON dict)": (classifier.classify_many, classifier.classify),
    }
    # the per-request path alone, with and without the optional C accelerator (batches use numpy either way)
    python_only = pickle.loads(pickle.dumps(classifier.model))
    if python_only.scorer is not None:
        python_only.scorer.native_blocks = None
    for text in singles:  # its memos warm, as the batch runs warm the others' before their single-text runs
        python_only.predict_one(text)
    if classifier.model.scorer is not None and classifier.model.scorer.native_blocks is not None:
        contenders["topicstance model.predict_one (C accelerator)"] = (None, classifier.model.predict_one)
    contenders["topicstance model.predict_one (Python only)"] = (None, python_only.predict_one)
    sys.stdout.write(
        f"{len(texts)} texts of {args.words} words; single-text latency over {len(singles)} texts; one thread\n\n"
    )
    header = f"| contender | batch texts/s (median of {args.repeats}) | single median us | single p99 us |"
    sys.stdout.write(header + "\n|---|---|---|---|\n")
    results = {}
    for name, (batch_fn, single_fn) in contenders.items():
        rate = batch_rate(batch_fn, texts, args.repeats) if batch_fn else None
        median, p99 = latencies_us(single_fn, singles)
        results[name] = (rate, median, p99)
        sys.stdout.write(f"| {name} | {'-' if rate is None else f'{rate:,.0f}'} | {median:,.0f} | {p99:,.0f} |\n")
    sys.stdout.write(
        f"\n`topicstance classify` path (JSONL in, JSONL out, chunks of 256), {len(texts) * 5:,} texts, one run each,\n"
        "worker start-up and model loading included:\n\n| jobs | texts/s |\n|---|---|\n"
    )
    lines = [json.dumps({"text": t}) + "\n" for t in texts] * 5
    for jobs in (1, 2):
        start = time.perf_counter()
        classify_stream(classifier, iter(lines), io.StringIO(), jobs=jobs)
        sys.stdout.write(f"| {jobs} | {len(lines) / (time.perf_counter() - start):,.0f} |\n")
    ours = results["topicstance model.predict (both heads)"]
    fasttext_result = results["fastText (topics + outlook, one model)"]
    sys.stdout.write(
        f"\nratio topicstance / fastText: batch {ours[0] / fasttext_result[0]:.2f}x, "
        f"single-text median {ours[1] / fasttext_result[1]:.1f}x the time\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
