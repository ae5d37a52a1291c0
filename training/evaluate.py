"""Scoring a model on labelled data: `topicstance evaluate`, bench scripts and the promotion check use this."""

from training.corpus import Record, load_records
from training.labels import OUTLOOKS
from training.metrics import calibration_report, outlook_report, topic_report
from training.model import TopicStanceModel, topic_matrix


def evaluate(model: TopicStanceModel, data_paths) -> dict:
    return evaluate_records(model, load_records(data_paths))


def evaluate_records(model: TopicStanceModel, records: list[Record]) -> dict:
    texts = [r.text for r in records]
    topic_probs, decisions, outlook_probs = model.predict(texts)
    y_topics = topic_matrix([r.topics for r in records])
    return {
        "records": len(records),
        "topics": topic_report(y_topics, decisions),
        "outlook": outlook_report([r.outlook for r in records], [OUTLOOKS[i] for i in outlook_probs.argmax(axis=1)]),
        "calibration": calibration_report(y_topics, topic_probs),
    }
