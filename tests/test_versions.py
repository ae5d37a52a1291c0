"""Model versions (list, promote, roll back), retraining with corrections, and the promotion guard."""

import json

import pytest

from service.cli import main
from training.corpus import Record
from training.feedback import FeedbackStore
from training.model import ModelConfig
from training.store import ModelLoadError, current_version, list_versions, read_history, rollback, set_current
from training.train import merge_feedback, train


def test_list_promote_and_rollback(two_version_root, capsys):
    root, first, second = two_version_root
    assert current_version(root) == second
    assert main(["models", "list", "--models", str(root)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[1].startswith(f"* {second}") and lines[0].startswith(f"  {first}")
    assert main(["models", "promote", first, "--models", str(root)]) == 0
    assert current_version(root) == first
    assert main(["models", "rollback", "--models", str(root)]) == 0
    assert current_version(root) == second
    assert main(["models", "rollback", "--models", str(root)]) == 0
    assert current_version(root) == first
    assert main(["models", "rollback", "--models", str(root)]) == 2
    assert "nothing to roll back" in capsys.readouterr().err
    assert [h["action"] for h in read_history(root)] == ["rollback"]


def test_promote_unknown_version_is_refused(two_version_root):
    root, _, second = two_version_root
    with pytest.raises(ModelLoadError):
        set_current(root, "nope")
    with pytest.raises(ModelLoadError):
        set_current(root, "../elsewhere")
    assert current_version(root) == second


def test_list_as_json(two_version_root, capsys):
    root, first, second = two_version_root
    assert main(["models", "list", "--json", "--models", str(root)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [v["version"] for v in listed] == [first, second]
    assert listed[1]["parent_version"] == first and listed[0]["parent_version"] is None


def test_correction_overrides_the_corpus_record_with_the_same_text():
    corpus = [
        Record("a", "Envoys  meet in GENEVA", ("security",), "pessimistic", "c:1"),
        Record("b", "x", (), "neutral", "c:2"),
    ]
    fix = [Record("feedback-1", "envoys meet in Geneva", ("diplomacy",), "optimistic", "db:1")]
    merged = merge_feedback(corpus, fix)
    assert [(r.id, r.topics) for r in merged] == [("b", ()), ("feedback-1", ("diplomacy",))]


def test_train_with_feedback_records_parent_and_count(two_version_root, tiny_corpus, tmp_path):
    root, _, second = two_version_root
    db = tmp_path / "fb.sqlite3"
    store = FeedbackStore(db)
    store.add("Ministers sign a fisheries accord", ["diplomacy"], "optimistic", None, second)
    store.add("Gunmen attack an army convoy", ["security"], "pessimistic", "missed", second)
    path = train([tiny_corpus], root, ModelConfig(cv_folds=3), with_feedback=True, feedback_db=db, margin=1.0)
    card = json.loads((path / "model_card.json").read_text())
    assert card["parent_version"] == second
    assert card["feedback"]["records"] == 2 and card["corpus"]["records"] == 38
    comparison = card["feedback"]["comparison"]
    assert comparison["current_version"] == second and 0 <= comparison["candidate_score"] <= 1
    assert comparison["current_recipe_reconstructed"] is True
    assert current_version(root) == path.name


def test_comparison_is_fair_when_nothing_changed(two_version_root, tiny_corpus, tmp_path):
    """Same data, same settings: both recipes score the same, so the default margin promotes."""
    root, _, second = two_version_root
    path = train(
        [tiny_corpus], root, ModelConfig(cv_folds=3, seed=2), with_feedback=True, feedback_db=tmp_path / "e.db"
    )
    comparison = json.loads((path / "model_card.json").read_text())["feedback"]["comparison"]
    assert comparison["candidate_score"] == comparison["current_score"]
    assert current_version(root) == path.name


def test_corrections_until_a_time(tmp_path):
    store = FeedbackStore(tmp_path / "fb.db")
    first = store.add("one", [], "neutral", None, None)["created_at"]
    store.add("two", [], "neutral", None, None)
    assert [r.text for r in store.records(until=first)] == ["one"]
    assert [r.text for r in store.records()] == ["one", "two"]


def test_worse_model_is_saved_but_not_promoted_unless_forced(two_version_root, tiny_corpus, tmp_path, capsys):
    root, _, second = two_version_root
    db = tmp_path / "empty.sqlite3"
    args = [
        "train",
        "--data",
        str(tiny_corpus),
        "--out",
        str(root),
        "--cv-folds",
        "3",
        "--with-feedback",
        "--db",
        str(db),
    ]
    # A negative margin demands a candidate better than the current model by more than 1: never.
    assert main([*args, "--margin", "-1.01"]) == 3
    assert "not promoted" in capsys.readouterr().err
    assert current_version(root) == second
    assert len(list_versions(root)) == 3
    assert main([*args, "--margin", "-1.01", "--force"]) == 0
    assert current_version(root) not in (second, None)
    assert rollback(root) == second


def test_a_worker_checks_the_pointer_at_most_every_interval_and_reload_checks_now(two_version_root, monkeypatch):
    from service import holder as holder_module
    from service.holder import ClassifierHolder

    root, first, second = two_version_root
    now = [1000.0]
    monkeypatch.setattr(holder_module.time, "monotonic", lambda: now[0])
    holder = ClassifierHolder(root)
    assert holder.load().version == holder.get().version == second
    set_current(root, first)
    now[0] += holder_module.POINTER_CHECK_SECONDS / 2
    assert holder.get().version == second  # within the interval: no stat, the model in hand
    now[0] += holder_module.POINTER_CHECK_SECONDS
    assert holder.get().version == first  # the next check sees the promotion
    set_current(root, second)
    assert holder.load().version == second  # POST /v1/admin/reload: at once
    assert holder.get().version == second
