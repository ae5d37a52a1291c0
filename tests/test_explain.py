"""Explanations add up to the model's scores; sentences carry exact offsets; outlook per topic."""

import json

import numpy as np
import pytest

from service.classifier import outlook_for_topic
from training.labels import OUTLOOKS, TOPICS
from training.text import split_sentences

TEXT = (
    "Rebels seize a town after heavy fighting; thousands flee. Envoys sign a treaty in Geneva. "
    'The minister said: "We welcome the agreement." Gen. Lee arrived on Jan. 23 with 3.5 tonnes of aid.'
)


def post(client, body):
    return client.post("/v1/classify", data=json.dumps(body), content_type="application/json")


def _check_sum(part: dict, expected_score: float):
    total = part["intercept"] + part["other_terms"] + sum(t["contribution"] for t in part["terms"])
    assert total == pytest.approx(part["score"], abs=1e-9)
    assert part["score"] == pytest.approx(expected_score, abs=1e-9)
    for term in part["terms"]:
        assert term["contribution"] == pytest.approx(term["weight"] * term["coefficient"], abs=1e-12)


def test_explanations_add_up_to_the_linear_scores(classifier):
    result = classifier.classify(TEXT, explain=True)
    explanations = result["explanations"]
    assert "intercept" in explanations["note"]
    pipeline = classifier.model.topic_pipeline
    x = pipeline[:-1].transform([TEXT])
    assert set(explanations["topics"]) == set(result["labels"])
    for topic, part in explanations["topics"].items():
        estimator = pipeline[-1].estimators_[TOPICS.index(topic)]
        _check_sum(part, float(estimator.decision_function(x)[0]))
        # the score is the log-odds of the probability the API reports
        assert 1 / (1 + np.exp(-part["score"])) == pytest.approx(result["topics"][topic], abs=1e-9)
    outlook = explanations["outlook"]
    assert outlook["label"] == result["outlook"]["label"]
    classes = list(classifier.model.outlook_pipeline[-1].classes_)
    logits = classifier.model.outlook_pipeline[-1].decision_function(
        classifier.model.outlook_pipeline[:-1].transform([TEXT])
    )
    _check_sum(outlook, float(logits[0][classes.index(outlook["label"])]))


def test_explained_terms_are_words_from_the_text(classifier):
    outlook = classifier.classify(TEXT, explain=True)["explanations"]["outlook"]
    assert outlook["terms"] and len(outlook["terms"]) <= 10
    for term in outlook["terms"]:
        assert all(word in TEXT.lower() for word in term["term"].split())


def test_sentences_have_offsets_and_their_own_labels(classifier):
    result = classifier.classify(TEXT, sentences=True)
    pieces = [TEXT[s["start"] : s["end"]] for s in result["sentences"]]
    assert pieces == [
        "Rebels seize a town after heavy fighting; thousands flee.",
        "Envoys sign a treaty in Geneva.",
        'The minister said: "We welcome the agreement."',
        "Gen. Lee arrived on Jan. 23 with 3.5 tonnes of aid.",
    ]
    for sentence, piece in zip(result["sentences"], pieces, strict=True):
        alone = classifier.classify(piece)
        assert sentence["topics"] == alone["topics"] and sentence["outlook"] == alone["outlook"]
    assert set(result["outlook_by_topic"]) == set(result["labels"])
    for value in result["outlook_by_topic"].values():
        assert value["label"] in OUTLOOKS and abs(sum(value["scores"].values()) - 1) < 1e-9


def test_outlook_for_topic_weights_the_sentences_about_it():
    topic = np.array([0.9, 0.1, 0.6])
    outlook = np.array([[0.8, 0.1, 0.1], [0.0, 0.0, 1.0], [0.2, 0.2, 0.6]])
    value = outlook_for_topic(topic, outlook, threshold=0.5)
    assert value["sentences"] == 2
    assert value["scores"]["optimistic"] == pytest.approx((0.9 * 0.8 + 0.6 * 0.2) / 1.5)
    assert value["label"] == "optimistic"
    fallback = outlook_for_topic(np.array([0.2, 0.1]), np.array([[0, 0, 1.0], [1.0, 0, 0]]), threshold=0.5)
    assert fallback["sentences"] == 2 and fallback["label"] == "pessimistic"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Gen. Smith met U.S. officials on Jan. 23. Growth was 3.5 percent.",
            ["Gen. Smith met U.S. officials on Jan. 23.", "Growth was 3.5 percent."],
        ),
        ('"We will win," he said. Talks end!', ['"We will win," he said.', "Talks end!"]),
        ("He said: \u201cIt is over.\u201d Then he left.", ["He said: \u201cIt is over.\u201d", "Then he left."]),
        (
            "Arms embargo backed\nABIDJAN (Reuters) - Leaders agreed.",
            ["Arms embargo backed", "ABIDJAN (Reuters) - Leaders agreed."],
        ),
        (
            "J. Smith and Mr. Lee met at 5 p.m. Friday. No. 10 said so.",
            ["J. Smith and Mr. Lee met at 5 p.m. Friday.", "No. 10 said so."],
        ),
        ("  one sentence without a stop  ", ["one sentence without a stop"]),
    ],
)
def test_sentence_splitter(text, expected):
    assert [text[a:b] for a, b in split_sentences(text)] == expected


def test_api_options(client, classifier):
    body = post(client, {"text": TEXT, "explain": True, "sentences": True}).get_json()
    assert body == classifier.classify(TEXT, explain=True, sentences=True)
    batch = post(client, {"texts": [TEXT, "Envoys meet."], "sentences": True}).get_json()
    assert len(batch["results"][1]["sentences"]) == 1
    error = post(client, {"text": TEXT, "explain": "yes"})
    assert error.status_code == 422 and error.get_json()["error"]["code"] == "invalid_type"


def test_explain_on_a_non_linear_model_is_a_clear_422(tiny_corpus, tmp_path):
    from service import create_app, load_classifier
    from training.model import ModelConfig
    from training.train import train

    path = train([tiny_corpus], tmp_path / "models", ModelConfig(cv_folds=3, classifier="svm"))
    client = create_app({"CLASSIFIER": load_classifier(path)}).test_client()
    assert post(client, {"text": TEXT}).status_code == 200
    response = post(client, {"text": TEXT, "explain": True})
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "not_explainable"
