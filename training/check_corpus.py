"""Quality checks for a labelled corpus: schema, duplicates, label balance, lengths.

    python -m training.check_corpus [PATH ...] [--min-records N] [--json]

Exits 1 when a check fails. CI runs it on the bundled corpus (tests/test_corpus_quality.py).
"""

import argparse
import json
import re
import sys
from collections import Counter

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from training.corpus import CorpusError, Record, load_records
from training.labels import OUTLOOKS, TOPICS
from training.text import normalise

NEAR_DUPLICATE_COSINE = 0.9
# For the coverage figure only: countries whose name (or a common form of it) appears in a text.
COUNTRIES = """Afghanistan Albania Algeria Angola Argentina Armenia Australia Austria Azerbaijan Bahrain Bangladesh
Belarus Belgium Benin Bolivia Bosnia Botswana Brazil Bulgaria Burkina_Faso Burundi Cambodia Cameroon Canada Chad Chile
China Colombia Congo Costa_Rica Croatia Cuba Cyprus Czech Denmark Djibouti Ecuador Egypt El_Salvador Eritrea Estonia
Ethiopia Fiji Finland France Gabon Gambia Georgia Germany Ghana Greece Guatemala Guinea Haiti Honduras Hungary Iceland
India Indonesia Iran Iraq Ireland Israel Italy Ivory_Coast Jamaica Japan Jordan Kazakhstan Kenya Kosovo Kuwait
Kyrgyzstan Laos Latvia Lebanon Libya Lithuania Luxembourg Madagascar Malawi Malaysia Maldives Mali Malta Mauritania
Mauritius Mexico Moldova Mongolia Montenegro Morocco Mozambique Myanmar Namibia Nepal Netherlands New_Zealand Nicaragua
Niger Nigeria North_Korea North_Macedonia Norway Oman Pakistan Palestinian Panama Papua_New_Guinea Paraguay Peru
Philippines Poland Portugal Qatar Romania Russia Rwanda Saudi_Arabia Senegal Serbia Sierra_Leone Singapore Slovakia
Slovenia Somalia South_Africa South_Korea South_Sudan Spain Sri_Lanka Sudan Sweden Switzerland Syria Taiwan Tajikistan
Tanzania Thailand Togo Tunisia Turkey Turkmenistan Uganda Ukraine United_Arab_Emirates United_Kingdom United_States
Uruguay Uzbekistan Venezuela Vietnam Yemen Zambia Zimbabwe""".split()
_COUNTRY_ALIASES = {
    "United_States": ("United States", "U.S.", "Washington"),
    "United_Kingdom": ("Britain", "U.K.", "UK"),
    "United_Arab_Emirates": ("UAE", "Emirates"),
    "Ivory_Coast": ("Ivory Coast", "Cote d'Ivoire"),
    "Turkey": ("Turkey", "Turkiye", "Türkiye"),
    "Czech": ("Czech",),
    "Congo": ("Congo", "DRC"),
}
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


def countries_covered(records: list[Record]) -> dict[str, int]:
    """How many records name each country (a rough breadth measure, not a label)."""
    counts = {}
    for country in COUNTRIES:
        names = _COUNTRY_ALIASES.get(country, (country.replace("_", " "),))
        pattern = re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")(?![a-z])")
        hits = sum(1 for r in records if pattern.search(r.text))
        if hits:
            counts[country.replace("_", " ")] = hits
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


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
    countries = countries_covered(records)
    checks.append(
        (
            "at least 40 countries named (in >= 5 records each)",
            sum(v >= 5 for v in countries.values()) >= 40,
            sum(v >= 5 for v in countries.values()),
        )
    )
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
        "countries": countries,
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
    lines.append(
        f"countries named: {len(result['countries'])}; most: "
        + ", ".join(f"{k} {v}" for k, v in list(result["countries"].items())[:15])
    )
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
