"""Text normalisation and tokenisation, shared by training and serving.

Models pickle a reference to `Tokenizer`, so what a model saw at training time is
exactly what it sees at serving time.
"""

import html
import re
import unicodedata

from nltk.stem.snowball import SnowballStemmer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

# Negations and contrast words carry outlook ("no progress", "but talks failed"): never drop them.
_KEEP = {"no", "not", "nor", "never", "none", "nothing", "without", "but", "however", "cannot", "against"}
_STOP_WORDS = frozenset(ENGLISH_STOP_WORDS - _KEEP)
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'\u201d\u2019]))\s+(?=[\"'\u201c\u2018(]?[A-Z0-9])")

_WHITESPACE = re.compile(r"\s+")
_BROKEN_APOSTROPHE = re.compile(r"\s?(?<!&)#39;")
_ACRONYM = re.compile(r"\b(?:[a-z]\.){2,}")
_TOKEN = re.compile(r"[a-z][a-z']*[a-z]|[a-z]")
_QUOTES = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u201c": '"', "\u201d": '"'}
)


def normalise(text: str) -> str:
    """NFKC, entities decoded, lower-case, single-spaced: typography varies by source, meaning does not.

    Scraped wire copy carries HTML entities, the apostrophe often mangled ("Iran #39;s").
    """
    text = html.unescape(_BROKEN_APOSTROPHE.sub("'", text))
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    return _WHITESPACE.sub(" ", text).strip()


class Tokenizer:
    """Word tokens of normalised text, optionally reduced to Snowball stems.

    Stemming needs no downloaded NLTK data. Stems are memoised because news
    vocabulary is small compared to the number of tokens stemmed.
    """

    def __init__(self, stem: bool = True, stop_words: bool = False):
        self.stem = stem
        self.stop_words = stop_words
        self._cache: dict[str, str] = {}
        self._stemmer = SnowballStemmer("english") if stem else None
        self._stop = _STOP_WORDS if stop_words else frozenset()

    def __call__(self, text: str) -> list[str]:
        text = _ACRONYM.sub(lambda m: m.group().replace(".", ""), normalise(text))  # "u.n." -> "un"
        words = [w.removesuffix("'s").strip("'") for w in _TOKEN.findall(text)]
        words = [w for w in words if w and w not in self._stop]
        if not self.stem:
            return words
        cache = self._cache
        out = []
        for word in words:
            stem = cache.get(word)
            if stem is None:
                stem = cache[word] = self._stemmer.stem(word)
            out.append(stem)
        return out

    def __getstate__(self):
        return {"stem": self.stem, "stop_words": self.stop_words}

    def __setstate__(self, state):
        self.__init__(**state)

    def __repr__(self):
        return f"Tokenizer(stem={self.stem}, stop_words={self.stop_words})"


def ending(text: str, sentences: int = 2) -> str:
    """The last sentences of a text: where news copy often turns ("...but talks collapsed")."""
    parts = _SENTENCE_END.split(text.strip())
    return " ".join(parts[-sentences:]) if len(parts) > sentences else ""
