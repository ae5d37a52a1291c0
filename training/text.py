"""Text normalisation and tokenisation, shared by training and serving.

Models pickle a reference to `Tokenizer`, so what a model saw at training time is
exactly what it sees at serving time.
"""

import re
import unicodedata

from nltk.stem.snowball import SnowballStemmer

_WHITESPACE = re.compile(r"\s+")
_TOKEN = re.compile(r"[a-z][a-z']*[a-z]|[a-z]")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'", "`": "'"})


def normalise(text: str) -> str:
    """NFKC, lower-case, single-spaced: typography varies between sources, meaning does not."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    return _WHITESPACE.sub(" ", text).strip()


class Tokenizer:
    """Word tokens of normalised text, optionally reduced to Snowball stems.

    Stemming needs no downloaded NLTK data. Stems are memoised because news
    vocabulary is small compared to the number of tokens stemmed.
    """

    def __init__(self, stem: bool = True):
        self.stem = stem
        self._cache: dict[str, str] = {}
        self._stemmer = SnowballStemmer("english") if stem else None

    def __call__(self, text: str) -> list[str]:
        words = [w.removesuffix("'s").strip("'") for w in _TOKEN.findall(normalise(text))]
        words = [w for w in words if w]
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
        return {"stem": self.stem}

    def __setstate__(self, state):
        self.__init__(**state)

    def __repr__(self):
        return f"Tokenizer(stem={self.stem})"
