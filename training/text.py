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

_BROKEN_APOSTROPHE = re.compile(r"\s?(?<!&)#39;")
_ACRONYM = re.compile(r"\b(?:[a-z]\.){2,}")
_TOKEN = re.compile(r"[a-z][a-z']*[a-z]|[a-z]")
_QUOTES = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u201c": '"', "\u201d": '"'}
)


def _undot(match: re.Match) -> str:
    return match.group().replace(".", "")


def normalise(text: str) -> str:
    """NFKC, entities decoded, lower-case, single-spaced: typography varies by source, meaning does not.

    Scraped wire copy carries HTML entities, the apostrophe often mangled ("Iran #39;s").
    """
    # The checks skip work most texts do not need; the result is the same either way.
    if "#39;" in text:
        text = _BROKEN_APOSTROPHE.sub("'", text)
    if "&" in text:
        text = html.unescape(text)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if not text.isascii() or "`" in text:
        text = text.translate(_QUOTES)
    return " ".join(text.lower().split())


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

    def words(self, text: str) -> list[str]:
        """The surface words that become tokens, before stemming."""
        text = normalise(text)
        if "." in text:
            text = _ACRONYM.sub(_undot, text)  # "u.n." -> "un"
        words = [w.removesuffix("'s").strip("'") if "'" in w else w for w in _TOKEN.findall(text)]
        stop = self._stop
        return [w for w in words if w and w not in stop]

    def __call__(self, text: str) -> list[str]:
        words = self.words(text)
        if not self.stem:
            return words
        cache = self._cache
        return [cache.get(word) or self._new_stem(word) for word in words]

    def _new_stem(self, word: str) -> str:
        stem = self._cache[word] = self._stemmer.stem(word)
        return stem

    def __getstate__(self):
        return {"stem": self.stem, "stop_words": self.stop_words}

    def __setstate__(self, state):
        self.__init__(**state)

    def __repr__(self):
        return f"Tokenizer(stem={self.stem}, stop_words={self.stop_words})"


def ending(text: str, sentences: int = 2) -> str:
    """The last sentences of a text: where news copy often turns ("...but talks collapsed")."""
    parts = [text[a:b] for a, b in split_sentences(text)]
    return " ".join(parts[-sentences:]) if len(parts) > sentences else ""


def lead(text: str, sentences: int = 2) -> str:
    """The first sentences (headline and lead): what news copy is mostly about."""
    return " ".join(text[a:b] for a, b in split_sentences(text)[:sentences])


def surface_terms(text: str, tokenizer: Tokenizer | None, max_n: int = 3) -> dict[str, str]:
    """Map each token n-gram of a text to the words it came from ("missil launch" -> "missile launched")."""
    if tokenizer is None:
        return {}
    words = tokenizer.words(text)
    tokens = tokenizer(text)
    mapping: dict[str, str] = {}
    for n in range(1, max_n + 1):
        for i in range(len(tokens) - n + 1):
            mapping.setdefault(" ".join(tokens[i : i + n]), " ".join(words[i : i + n]))
    return mapping


# Words that end with a full stop without ending a sentence: titles, months, common abbreviations.
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof gen lt col maj capt cmdr adm sgt cpl pvt rep sen gov pres amb rev st jr sr
    jan feb mar apr jun jul aug sep sept oct nov dec no nos vol fig approx est dept univ inc ltd corp co
    vs etc e.g i.e al cf ca mt ft""".split()
)
_BOUNDARY = re.compile(r"""[.!?]+["'\u201d\u2019)\]]*(?=\s)|\n\s*\n|\n(?=\s*[A-Z0-9"\u201c])""")
_NEXT_START = re.compile(r"""\s*["'\u201c\u2018(\[]?[A-Z0-9]""")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) as character offsets into `text`, whitespace trimmed.

    Rule-based, no downloaded data: a boundary is ., ! or ? (with closing quotes or
    brackets) followed by space and a capital or digit, or a line break before a capital.
    Not a boundary: titles and abbreviations ("Gen.", "Jan. 23", "No."), single-letter
    initials and dotted acronyms ("U.S.", "J. Smith") when a capitalised word follows,
    and decimals ("3.5").
    """
    spans = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        if match.group()[0] in ".!?" and not _NEXT_START.match(text, end):
            continue
        if match.group()[0] == "." and not _ends_sentence(text, match.start()):
            continue
        _append_span(spans, text, start, end)
        start = end
    _append_span(spans, text, start, len(text))
    return spans


def _ends_sentence(text: str, dot: int) -> bool:
    word = re.search(r"[\w.]*$", text[:dot]).group().lower()
    if word.rstrip(".") in _ABBREVIATIONS:
        return False
    # "U.S." or "J." followed by a capitalised word: an acronym or an initial, not an ending
    return not (re.fullmatch(r"(?:[a-z]\.)*[a-z]", word) and len(word.replace(".", "")) <= 3)


def _append_span(spans: list, text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
