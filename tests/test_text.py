"""Text normalisation shared by training and serving."""

import pickle
import random
import re

from training.text import (
    _ACRONYM,
    _ACRONYM_BYTES,
    Tokenizer,
    _join_acronyms,
    ending,
    normalise,
    split_sentences,
    word_runs,
)

_PIECES = [
    "Talks began. ",
    "U.S. envoy met Gen. Smith. ",
    "He left! ",
    "Why? ",
    "\n\nNew para",
    "3.5 percent. ",
    '"Quote." ',
    "Jan. 23 ",
    "ok",
    ". ",
    "A. B. ",
    "'s. ",
    "Iran #39;s ",
    "&amp; ",
    "caf\u00e9 ",
    "\u201cHe\u201d ",
    "x.u.s. ",
    "9u.n. ",
    "e.u.s.",
    "ROCK'N'ROLL ",
    "it\u2019s ",
    "\u212a ",
    "\u0130stanbul ",
    "`tick` ",
    "a..b.c. ",
]


def _random_texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 14))) for _ in range(count)]


def test_normalise_decodes_entities_and_mangled_apostrophes():
    assert normalise("Iran #39;s  plan &amp; Won #39;t") == "iran's plan & won't"
    assert normalise("it&#39;s\u00a0“quoted”\n\tTEXT") == 'it\'s "quoted" text'


def test_tokens_are_stemmed_and_keep_negations():
    tokens = Tokenizer()("The talks failed; officials did not agree on weapons deliveries.")
    assert tokens == ["the", "talk", "fail", "offici", "did", "not", "agre", "on", "weapon", "deliveri"]


def test_acronyms_and_possessives():
    assert Tokenizer(stem=False)("The U.N. envoy's and the U.S. Army's plans") == [
        "the",
        "un",
        "envoy",
        "and",
        "the",
        "us",
        "army",
        "plans",
    ]


def test_stop_words_drop_function_words_but_not_negations():
    assert Tokenizer(stem=False, stop_words=True)("There is no progress and the talks are not over") == [
        "no",
        "progress",
        "talks",
        "not",
    ]


def test_tokenizer_pickles_without_its_cache():
    tokenizer = Tokenizer()
    tokenizer("warming up the cache")
    restored = pickle.loads(pickle.dumps(tokenizer))
    assert restored._tokens == {} and restored("Talks") == ["talk"]


def test_ending_is_the_last_sentences():
    text = 'Talks began well. The U.S. envoy was upbeat. But on Friday "they collapsed." Delegates left.'
    assert ending(text) == 'But on Friday "they collapsed." Delegates left.'
    assert ending("One sentence only.") == ""


def test_word_runs_equal_the_regex_tokens_of_normalised_text():
    """The byte-table fast path must give what a regex over `normalise` gives (the reference)."""
    word = re.compile(r"[a-z][a-z']*[a-z]|[a-z]")
    for text in _random_texts(3000, seed=1):
        expected = word.findall(_ACRONYM.sub(lambda m: m.group().replace(".", ""), normalise(text)))
        runs = [run.decode("ascii").strip("'") for run in word_runs(text)]
        assert [r for r in runs if r] == expected, text


def test_acronym_joining_equals_the_plain_substitution():
    rng = random.Random(2)
    alphabet = ["a", ".", "b.", "u.s.", "x", "9", " ", "_", "z."]
    cases = ["".join(rng.choice(alphabet) for _ in range(12)) for _ in range(5000)] + ["xa.u.s.", ".a.b.", "9u.n. x"]
    for case in cases:
        assert _join_acronyms(case.encode()) == _ACRONYM_BYTES.sub(
            lambda m: m.group().replace(b".", b""), case.encode()
        )
        assert _join_acronyms(case) == _ACRONYM.sub(lambda m: m.group().replace(".", ""), case)


def test_ending_scanned_from_the_end_equals_the_last_sentences():
    for text in _random_texts(3000, seed=3) + ["x " * 400 + "End one. End two. End three. End four."]:
        parts = [text[a:b] for a, b in split_sentences(text)]
        assert ending(text) == (" ".join(parts[-2:]) if len(parts) > 2 else ""), text
