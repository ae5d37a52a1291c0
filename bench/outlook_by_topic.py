"""Outlook per topic on texts that carry two or more topics.

    python bench/outlook_by_topic.py MODEL_DIR [DATA.jsonl]

The labelled data has one outlook per text, not per topic, so this reports what
can be measured: for every gold topic of a multi-topic text, how often the
sentence-aggregated outlook for that topic equals the text's gold outlook
(against the whole-text prediction as a baseline), and how often the topics of
one text get different outlooks.
"""

import argparse
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# bench/http.py would shadow the standard library for anything importing http (nltk does)
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]

from service.classifier import load_classifier, outlook_for_topic  # noqa: E402
from training.corpus import load_records  # noqa: E402
from training.labels import OUTLOOKS, TOPICS  # noqa: E402
from training.text import split_sentences  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "eval" / "dev.jsonl"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("data", nargs="?", default=str(DEFAULT_DATA))
    args = parser.parse_args(argv)
    classifier = load_classifier(args.model)
    records = [r for r in load_records([args.data]) if len(r.topics) >= 2]
    per_topic_hits = whole_hits = pairs = split_texts = 0
    by_topic = Counter()
    for record in records:
        spans = split_sentences(record.text)
        pieces = [record.text[a:b] for a, b in spans]
        topic_probs, _, outlook_probs = classifier.model.predict(pieces)
        whole = OUTLOOKS[int(classifier.model.outlook_probabilities([record.text])[0].argmax())]
        labels = set()
        for topic in record.topics:
            j = TOPICS.index(topic)
            label = outlook_for_topic(topic_probs[:, j], outlook_probs, classifier.thresholds[topic])["label"]
            labels.add(label)
            pairs += 1
            per_topic_hits += label == record.outlook
            whole_hits += whole == record.outlook
            by_topic[(topic, label == record.outlook)] += 1
        split_texts += len(labels) > 1
    sys.stdout.write(
        f"model {classifier.version}: {len(records)} texts with two or more topics, {pairs} (text, topic) pairs\n"
    )
    sys.stdout.write(f"per-topic outlook equals the text's gold outlook: {per_topic_hits / pairs:.3f}\n")
    sys.stdout.write(f"whole-text outlook equals the gold outlook (baseline): {whole_hits / pairs:.3f}\n")
    sys.stdout.write(f"texts whose topics get different outlooks: {split_texts} of {len(records)}\n")
    for topic in TOPICS:
        n = by_topic[(topic, True)] + by_topic[(topic, False)]
        if n:
            sys.stdout.write(f"  {topic:<11} agreement {by_topic[(topic, True)] / n:.3f} over {n}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
