"""The `topicstance` command line: classify, evaluate, and argument errors."""

import io
import json

import pytest

from service.batch import classify_stream
from service.cli import main


def test_classify_file_keeps_ids_and_order(classifier, model_dir, write, tmp_path):
    rows = [{"id": 7, "text": "Envoys sign a treaty"}, {"id": "x", "text": "Bakery wins a prize"}]
    source = write("in.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out.jsonl"
    assert main(["classify", str(source), "-o", str(out), "--model", str(model_dir)]) == 0
    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in results] == [7, "x"]
    for row, result in zip(rows, results, strict=True):
        assert result == {"id": row["id"], **classifier.classify(row["text"])}


def test_classify_reports_bad_lines_in_place_and_exits_non_zero(classifier, model_dir, tmp_path, write):
    content = '{"id": 1, "text": "Envoys meet"}\nnot json\n\n{"id": 3}\n{"id": 4, "text": "  "}\n[1]\n'
    out = io.StringIO()
    total, failures = classify_stream(classifier, io.StringIO(content), out, batch_size=2)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert (total, failures) == (5, 4)
    assert "labels" in lines[0]
    assert [line.get("error", {}).get("code") for line in lines[1:]] == [
        "invalid_json",
        "missing_field",
        "empty_text",
        "invalid_request",
    ]
    assert lines[2]["id"] == 3 and "line 4" in lines[2]["error"]["message"]
    source = write("bad.jsonl", content)
    assert main(["classify", str(source), "-o", str(tmp_path / "o"), "--model", str(model_dir)]) == 1


def test_classify_reads_stdin_and_writes_stdout(model_dir, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO('{"id": "a", "text": "Jets sold abroad"}\n'))
    assert main(["classify", "-", "--model", str(model_dir)]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["id"] == "a"


def test_classify_missing_input_file(model_dir, tmp_path, capsys):
    assert main(["classify", str(tmp_path / "nope.jsonl"), "--model", str(model_dir)]) == 2
    assert "nope.jsonl" in capsys.readouterr().err


def test_evaluate_prints_the_report(model_dir, tiny_corpus, capsys):
    assert main(["evaluate", str(tiny_corpus), "--model", str(model_dir)]) == 0
    out = capsys.readouterr().out
    assert "topic micro-F1" in out and "outlook macro-F1" in out and "Brier" in out


def test_evaluate_json(model_dir, tiny_corpus, capsys):
    assert main(["evaluate", str(tiny_corpus), "--model", str(model_dir), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["records"] == 36 and 0 <= report["topics"]["micro_f1"] <= 1


def test_missing_model_is_a_clear_error(tmp_path, capsys):
    assert main(["evaluate", "x.jsonl", "--model", str(tmp_path)]) == 2
    assert "no model at" in capsys.readouterr().err


def test_serve_rejects_bad_arguments(capsys):
    assert main(["serve", "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err


def test_unknown_subcommand_exits_with_usage():
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2


def test_classify_with_several_jobs_keeps_order(model_dir, write, tmp_path):
    rows = [{"id": i, "text": f"Envoys meet for round {i} of talks" if i % 3 else ""} for i in range(1, 40)]
    source = write("many.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    args = ["classify", str(source), "--model", str(model_dir), "--batch-size", "4"]
    assert main([*args, "-o", str(one)]) == 1  # the empty texts are errors
    assert main([*args, "-o", str(two), "--jobs", "2"]) == 1
    assert one.read_text() == two.read_text()
    assert [json.loads(line)["id"] for line in two.read_text().splitlines()] == list(range(1, 40))


def test_classify_rejects_zero_jobs(model_dir, write, capsys):
    source = write("one.jsonl", '{"id": 1, "text": "Envoys meet"}\n')
    assert main(["classify", str(source), "--model", str(model_dir), "--jobs", "0"]) == 2
    assert "--jobs" in capsys.readouterr().err


def test_train_recipe_options_reach_the_model_card(tiny_corpus, tmp_path, capsys):
    out = tmp_path / "models"
    args = ["train", "--data", str(tiny_corpus), "--out", str(out), "--cv-folds", "3", "--jobs", "1"]
    assert main([*args, "--keep-stop-words", "--ending-features"]) == 0
    card = json.loads(next(out.glob("2*/model_card.json")).read_text())
    assert card["config"]["stop_words"] is False and card["config"]["ending_features"] is True
    assert card["metrics"]["cross_validation"]["method"].startswith("3-fold")


def test_train_rejects_zero_jobs(tiny_corpus, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--data", str(tiny_corpus), "--out", str(tmp_path / "m"), "--jobs", "0"])
    assert exit_info.value.code == 2 and "must be at least 1" in capsys.readouterr().err
