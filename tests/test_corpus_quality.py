"""The corpus quality checks, and the bundled corpus passing them (issue: corpus and accuracy)."""

from training.check_corpus import check, format_result, length_histogram, main, near_duplicate_pairs
from training.corpus import Record, load_records


def rec(i, text, topics=(), outlook="neutral"):
    return Record(str(i), text, tuple(topics), outlook, f"x:{i}")


def test_near_duplicates_are_found_and_distinct_texts_are_not():
    records = [
        rec(0, "Navy frigates sail into the strait for a joint exercise with allied ships on Monday"),
        rec(1, "Navy frigates sail into the strait for a joint exercise with allied ships on Monday."),
        rec(2, "A bakery in the old town won a regional prize for its rye bread this week"),
    ]
    pairs = near_duplicate_pairs(records)
    assert [(i, j) for i, j, _ in pairs] == [(0, 1)]


def test_failing_checks_are_reported():
    records = [rec(i, f"text number {i} about talks", ["diplomacy"], "neutral") for i in range(20)]
    result = check(records, min_records=100)
    failed = {c["check"] for c in result["checks"] if not c["ok"]}
    assert "at least 100 records" in failed
    assert "security: at least 120 positives" in failed
    assert "outlook optimistic >= 25 %" in failed
    assert "[FAIL]" in format_result(result)


def test_length_histogram_counts_every_record():
    records = [rec(i, "word " * n) for i, n in enumerate([3, 20, 50, 100, 150, 250, 350, 500])]
    histogram = length_histogram(records)
    assert sum(histogram.values()) == 8 and all(v == 1 for v in histogram.values())


def test_bundled_corpus_passes_every_check(capsys):
    assert main([]) == 0, capsys.readouterr().out
    assert len(load_records()) >= 3000
