"""Inter-annotator agreement between the corpus labels and a blind re-labelling of a sample.

    python bench/agreement.py sample   --out SAMPLE.jsonl [--fraction 0.1] [--seed 0]
    python bench/agreement.py compare  RELABELLED.jsonl [--data PATH ...]

`sample` writes id + text only (no labels) for a second annotator; `compare` prints per-topic
agreement and Cohen's kappa, exact topic-set agreement, outlook agreement and kappa, and lists
the disagreements for review.
"""

import argparse
import json
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# bench/http.py would shadow the standard library for anything importing http (nltk does)
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]

from training.corpus import load_records  # noqa: E402
from training.labels import OUTLOOKS, TOPICS  # noqa: E402


def cohen_kappa(a: list, b: list) -> float:
    labels = sorted(set(a) | set(b))
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    expected = sum((a.count(label) / n) * (b.count(label) / n) for label in labels)
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def sample(args) -> int:
    records = load_records(args.data)
    chosen = random.Random(args.seed).sample(records, round(len(records) * args.fraction))
    with open(args.out, "w", encoding="utf-8") as handle:
        for r in chosen:
            handle.write(json.dumps({"id": r.id, "text": r.text}, ensure_ascii=False) + "\n")
    sys.stdout.write(f"wrote {len(chosen)} of {len(records)} records (ids and texts only) to {args.out}\n")
    return 0


def compare(args) -> int:
    corpus = {r.id: r for r in load_records(args.data)}
    second = load_records([args.relabelled])
    pairs = [(corpus[r.id], r) for r in second if r.id in corpus]
    n = len(pairs)
    out = [f"{n} records labelled twice"]
    for topic in TOPICS:
        a = [topic in x.topics for x, _ in pairs]
        b = [topic in y.topics for _, y in pairs]
        agree = sum(x == y for x, y in zip(a, b, strict=True)) / n
        out.append(
            f"{topic:<12} agreement {agree:.3f}  kappa {cohen_kappa(a, b):.3f}  (corpus {sum(a)}, second {sum(b)})"
        )
    exact = sum(set(x.topics) == set(y.topics) for x, y in pairs) / n
    out.append(f"topic set identical: {exact:.3f}")
    a = [x.outlook for x, _ in pairs]
    b = [y.outlook for _, y in pairs]
    out.append(
        f"outlook agreement {sum(x == y for x, y in zip(a, b, strict=True)) / n:.3f}  kappa {cohen_kappa(a, b):.3f}"
    )
    matrix = [[sum(1 for x, y in zip(a, b, strict=True) if x == p and y == q) for q in OUTLOOKS] for p in OUTLOOKS]
    out.append("outlook (rows corpus, columns second): " + json.dumps(dict(zip(OUTLOOKS, matrix, strict=True))))
    out.append("disagreements:")
    for x, y in pairs:
        if set(x.topics) != set(y.topics) or x.outlook != y.outlook:
            out.append(f"  {x.id}: corpus {sorted(x.topics)} {x.outlook} | second {sorted(y.topics)} {y.outlook}")
    sys.stdout.write("\n".join(out) + "\n")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sample")
    s.add_argument("--out", required=True)
    s.add_argument("--fraction", type=float, default=0.1)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--data", action="append")
    c = sub.add_parser("compare")
    c.add_argument("relabelled")
    c.add_argument("--data", action="append")
    args = parser.parse_args(argv)
    return sample(args) if args.command == "sample" else compare(args)


if __name__ == "__main__":
    sys.exit(main())
