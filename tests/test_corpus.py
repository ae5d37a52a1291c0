"""Validation of training data: every bad-row case is reported, with file and line, before fitting."""

import json

import pytest

from service.cli import main
from training.corpus import CorpusError, corpus_sha256, load_records


def jsonl(*rows) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows)


GOOD = {"id": "a", "text": "Talks resume in Geneva", "topics": ["diplomacy"], "outlook": "neutral"}
OTHER = {**GOOD, "id": "b"}


def problems_of(paths) -> list[str]:
    with pytest.raises(CorpusError) as info:
        load_records(paths)
    return info.value.problems


def test_valid_jsonl_loads(write):
    path = write("ok.jsonl", jsonl(GOOD, {**GOOD, "id": "b", "topics": []}))
    records = load_records([path])
    assert [r.id for r in records] == ["a", "b"]
    assert records[0].topics == ("diplomacy",) and records[1].topics == ()
    assert records[0].source == f"{path}:1"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({**OTHER, "topics": ["sports"]}, "unknown topic 'sports'"),
        ({**OTHER, "outlook": "hopeful"}, "unknown outlook 'hopeful'"),
        ({**OTHER, "text": "   \n"}, "empty text"),
        ({**OTHER, "text": ""}, "empty text"),
        ({**OTHER, "text": 42}, "text must be a string"),
        ({k: v for k, v in OTHER.items() if k != "outlook"}, "missing field 'outlook'"),
        ({k: v for k, v in OTHER.items() if k != "text"}, "missing field 'text'"),
        ({k: v for k, v in OTHER.items() if k != "topics"}, "missing field 'topics'"),
        ({**OTHER, "topics": "security"}, "topics must be a list"),
        ({**OTHER, "topics": ["security", "security"]}, "repeat"),
        ({**OTHER, "outlook": ["neutral"]}, "outlook must be a string"),
        ({**OTHER, "id": ""}, "id must be a non-empty"),
        ("{not json", "invalid JSON"),
        ("[1, 2]", "must be a JSON object"),
    ],
)
def test_bad_jsonl_rows_are_reported_with_file_and_line(write, row, expected):
    path = write("bad.jsonl", jsonl(GOOD, row))
    problems = problems_of([path])
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:2: ")
    assert expected in problems[0]


def test_undecodable_bytes_in_jsonl(write):
    content = jsonl(GOOD).encode() + b'{"id": "b", "text": "caf\xe9", "topics": [], "outlook": "neutral"}\n'
    problems = problems_of([write("latin1.jsonl", content)])
    assert len(problems) == 1 and ":2: undecodable bytes" in problems[0]


def test_duplicate_ids_within_and_across_files(write):
    first = write("one.jsonl", jsonl(GOOD, {**GOOD, "id": "b"}, {**GOOD, "id": "b"}))
    second = write("two.jsonl", jsonl({**GOOD, "id": "a"}))
    problems = problems_of([first, second])
    assert f"{first}:3: duplicate id 'b' (first at {first}:2)" in problems
    assert f"{second}:1: duplicate id 'a' (first at {first}:1)" in problems


def test_all_problems_are_reported_at_once(write):
    path = write(
        "many.jsonl",
        jsonl(
            GOOD,
            {**GOOD, "id": "b", "outlook": "x"},
            "oops",
            {**GOOD, "id": "c", "topics": ["war"], "text": ""},
        ),
    )
    problems = problems_of([path])
    assert [p.split(": ")[0] for p in problems] == [f"{path}:2", f"{path}:3", f"{path}:4", f"{path}:4"]


def test_csv_topics_as_json_list_semicolons_or_empty(write):
    path = write(
        "ok.csv",
        'id,text,topics,outlook\n1,Jets sold abroad,"[""arms_trade""]",neutral\n'
        "2,Envoys meet,security; diplomacy,optimistic\n3,Bakery opens,,optimistic\n"
        '4,"Multi-line\ntext, quoted",diplomacy,pessimistic\n',
    )
    records = load_records([path])
    assert [r.topics for r in records] == [("arms_trade",), ("security", "diplomacy"), (), ("diplomacy",)]
    assert records[3].text == "Multi-line\ntext, quoted"


def test_csv_without_ids_gets_file_line_ids(write):
    path = write("noid.csv", "text,topics,outlook\nEnvoys meet,diplomacy,neutral\n")
    assert load_records([path])[0].id == "noid.csv:2"


def test_csv_missing_column(write):
    path = write("nocol.csv", "id,text,outlook\n1,Envoys meet,neutral\n")
    problems = problems_of([path])
    assert problems == [f"{path}:1: missing column(s) topics (header has: id, text, outlook)"]


def test_csv_bad_rows_are_reported_with_lines(write):
    content = (
        b"id,text,topics,outlook\n1,ok,diplomacy,neutral\n2,,diplomacy,neutral\n"
        b"3,caf\xe9,,neutral\n4,short row\n5,fine,spaceflight,neutral\n"
    )
    path = write("bad.csv", content)
    problems = problems_of([path])
    assert problems == [
        f"{path}:3: empty text",
        f"{path}:4: undecodable bytes (not UTF-8)",
        f"{path}:5: wrong number of fields for the header",
        f"{path}:6: unknown topic 'spaceflight' (allowed: security, arms_trade, diplomacy)",
    ]


def test_missing_file_and_unsupported_type(write, tmp_path):
    txt = write("notes.txt", "hello")
    problems = problems_of([tmp_path / "nope.jsonl", txt])
    assert problems[0].endswith("nope.jsonl: file not found")
    assert "unsupported file type '.txt'" in problems[1]


def test_directory_reads_jsonl_and_csv(write, tmp_path):
    write("a.jsonl", jsonl(GOOD))
    write("b.csv", "id,text,topics,outlook\nz,Envoys meet,diplomacy,neutral\n")
    write("ignored.txt", "not data")
    assert [r.id for r in load_records([tmp_path])] == ["a", "z"]


def test_corpus_hash_depends_on_content_not_format(write):
    a = load_records([write("a.jsonl", jsonl(GOOD))])
    b = load_records([write("b.csv", "id,text,topics,outlook\na,Talks resume in Geneva,diplomacy,neutral\n")])
    c = load_records([write("c.jsonl", jsonl({**GOOD, "outlook": "optimistic"}))])
    assert corpus_sha256(a) == corpus_sha256(b) != corpus_sha256(c)


def test_train_command_rejects_bad_data_and_writes_nothing(write, tmp_path, capsys):
    data = write("bad.jsonl", jsonl(GOOD, {**GOOD, "id": "b", "topics": ["sport"]}, {**GOOD, "id": "b"}))
    out = tmp_path / "models"
    assert main(["train", "--data", str(data), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{data}:2: unknown topic 'sport'" in err and f"{data}:3: duplicate id 'b'" in err
    assert not out.exists()


def test_train_command_rejects_too_little_data(write, tmp_path, capsys):
    data = write("small.jsonl", jsonl(GOOD))
    assert main(["train", "--data", str(data), "--out", str(tmp_path / "m")]) == 2
    assert "at least 10 records" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()
