"""Leak check: how close does any corpus record come to any dev text? (Measuring only.)

    python bench/overlap.py [--dev ../shared/eval/dev.jsonl]

Word 1-2 gram TF-IDF cosine between every bundled corpus record and every dev text.
Prints the highest similarities with the corpus record ids only; no dev text is shown.
"""

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# bench/http.py would shadow the standard library for anything importing http (nltk does)
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.metrics.pairwise import cosine_similarity  # noqa: E402

from training.corpus import load_records  # noqa: E402

DEFAULT_DEV = REPO.parent / "shared" / "eval" / "dev.jsonl"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dev", default=str(DEFAULT_DEV))
    parser.add_argument("--top", type=int, default=5)
    args = parser.parse_args(argv)
    if not Path(args.dev).is_file():
        sys.stderr.write(f"no dev set at {args.dev}\n")
        return 1
    corpus = load_records()
    dev = [r.text for r in load_records([args.dev])]
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(dev + [r.text for r in corpus])
    nearest = cosine_similarity(vectorizer.transform([r.text for r in corpus]), vectorizer.transform(dev)).max(axis=1)
    sys.stdout.write(f"{len(corpus)} corpus records x {len(dev)} dev texts\n")
    for threshold in (0.3, 0.4, 0.5):
        sys.stdout.write(f"records above {threshold}: {int((nearest > threshold).sum())}\n")
    for i in nearest.argsort()[::-1][: args.top]:
        sys.stdout.write(f"{nearest[i]:.3f}  {corpus[i].id}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
