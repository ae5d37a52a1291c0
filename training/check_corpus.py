"""Quality checks for a labelled corpus: schema, duplicates, label balance, lengths.

    python -m training.check_corpus [PATH ...] [--min-records N] [--json]

Exits 1 when a check fails. CI runs it on the bundled corpus (tests/test_corpus_quality.py).
"""

import argparse
import json
import sys
from collections import Counter

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from training.corpus import CorpusError, Record, load_records
from training.labels import OUTLOOKS, TOPICS
from training.text import normalise

NEAR_DUPLICATE_COSINE = 0.9
LENGTH_BINS = (1, 16, 31, 61, 121, 181, 301, 401, 10**9)


def near_duplicate_pairs(records: list[Record], threshold: float = NEAR_DUPLICATE_COSINE) -> list[tuple]:
    """Pairs (i, j, cosine) of records whose word TF-IDF vectors have cosine > threshold."""
    if len(records) < 2:
        return []
    matrix = TfidfVectorizer(preprocessor=normalise, ngram_range=(1, 2), sublinear_tf=True).fit_transform(
        [r.text for r in records]
    )
    pairs = []
    block = 1000
    for start in range(0, matrix.shape[0], block):
        sims = (matrix[start : start + block] @ matrix.T).tocoo()
        for i, j, v in zip(sims.row, sims.col, sims.data, strict=True):
            i += start
            if i < j and v > threshold:
                pairs.append((int(i), int(j), float(v)))
    return sorted(pairs)


def length_histogram(records: list[Record]) -> dict[str, int]:
    words = np.array([len(r.text.split()) for r in records])
    histogram = {}
    for low, high in zip(LENGTH_BINS, LENGTH_BINS[1:], strict=False):
        label = f"{low}-{high - 1} words" if high < 10**9 else f"{low}+ words"
        histogram[label] = int(((words >= low) & (words < high)).sum())
    return histogram


def check(records: list[Record], min_records: int, min_topic_positives: int = 120) -> dict:
    n = len(records)
    topic_counts = Counter(t for r in records for t in r.topics)
    outlook_counts = Counter(r.outlook for r in records)
    none = sum(1 for r in records if not r.topics)
    multi = sum(1 for r in records if len(r.topics) > 1)
    exact = Counter(normalise(r.text) for r in records)
    exact_duplicates = sum(c - 1 for c in exact.values() if c > 1)
    near = near_duplicate_pairs(records)
    near_records = len({j for _, j, _ in near})
    per_topic_outlook = {
        t: {o: sum(1 for r in records if t in r.topics and r.outlook == o) for o in OUTLOOKS} for t in TOPICS
    }
    checks = [
        (f"at least {min_records} records", n >= min_records, n),
        *[
            (
                f"{t}: at least {min_topic_positives} positives",
                topic_counts[t] >= min_topic_positives,
                topic_counts[t],
            )
            for t in TOPICS
        ],
        ("no-topic share 25-45 %", 0.25 <= none / n <= 0.45, round(none / n, 3)),
        ("two or more topics >= 15 %", multi / n >= 0.15, round(multi / n, 3)),
        *[(f"outlook {o} >= 25 %", outlook_counts[o] / n >= 0.25, round(outlook_counts[o] / n, 3)) for o in OUTLOOKS],
        *[
            (f"{t}: each outlook >= 20 % of its records", min(c.values()) / max(1, sum(c.values())) >= 0.2, c)
            for t, c in per_topic_outlook.items()
        ],
        ("exact duplicates < 1 %", exact_duplicates / n < 0.01, exact_duplicates),
        (f"near-duplicates (cosine > {NEAR_DUPLICATE_COSINE}) < 1 %", near_records / n < 0.01, near_records),
    ]
    combos = Counter("+".join(t for t in TOPICS if t in r.topics) or "none" for r in records)
    return {
        "records": n,
        "checks": [{"check": name, "ok": bool(ok), "value": value} for name, ok, value in checks],
        "topics": {t: topic_counts[t] for t in TOPICS},
        "no_topic": none,
        "multi_topic": multi,
        "outlooks": {o: outlook_counts[o] for o in OUTLOOKS},
        "topic_by_outlook": per_topic_outlook,
        "combinations": dict(combos.most_common()),
        "lengths": length_histogram(records),
        "near_duplicates": [{"a": records[i].id, "b": records[j].id, "cosine": round(v, 3)} for i, j, v in near[:50]],
    }


def format_result(result: dict) -> str:
    lines = [f"{result['records']} records"]
    for c in result["checks"]:
        lines.append(f"  [{'ok' if c['ok'] else 'FAIL'}] {c['check']}: {c['value']}")
    lines.append("topics: " + ", ".join(f"{k} {v}" for k, v in result["topics"].items()))
    lines.append(f"no topic {result['no_topic']}, two or more {result['multi_topic']}")
    lines.append("outlooks: " + ", ".join(f"{k} {v}" for k, v in result["outlooks"].items()))
    lines.append("combinations: " + ", ".join(f"{k} {v}" for k, v in result["combinations"].items()))
    lines.append("lengths: " + ", ".join(f"{k}: {v}" for k, v in result["lengths"].items()))
    for pair in result["near_duplicates"][:10]:
        lines.append(f"  near-duplicate: {pair['a']} ~ {pair['b']} ({pair['cosine']})")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", help="JSONL/CSV files or directories (default: the bundled corpus)")
    parser.add_argument("--min-records", type=int, default=3000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        records = load_records(args.paths or None)
    except CorpusError as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    result = check(records, args.min_records)
    sys.stdout.write((json.dumps(result, indent=2) if args.json else format_result(result)) + "\n")
    return 0 if all(c["ok"] for c in result["checks"]) else 1


if __name__ == "__main__":
    sys.exit(main())
