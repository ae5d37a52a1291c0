"""Text normalisation shared by training and serving."""

import pickle

from training.text import Tokenizer, ending, normalise


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
