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
_ACRONYM_BYTES = re.compile(rb"\b(?:[a-z]\.){2,}")
# every acronym "x.y." has a dot followed by a letter and a dot; a literal first character scans fast
_ACRONYM_DOT = re.compile(rb"\.(?=[a-z]\.)")
_ACRONYM_DOT_STR = re.compile(r"\.(?=[a-z]\.)")
_QUOTES = (
    ("\u2018", "'"),
    ("\u2019", "'"),
    ("\u201b", "'"),
    ("\u2032", "'"),
    ("`", "'"),
    ("\u201c", '"'),
    ("\u201d", '"'),
)
# What `normalise` does to plain ASCII text, as one byte table: lower-case, backtick -> apostrophe.
_ASCII_NORMALISE = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ`", b"abcdefghijklmnopqrstuvwxyz'")
# Everything but a-z and the apostrophe separates words (digits, punctuation, any byte of a non-ASCII letter).
_SEPARATORS = bytes(c if c == 39 or 97 <= c <= 122 else 32 for c in range(256))
_CACHE_LIMIT = 500_000


def _join_acronyms(data):
    """The acronym substitution removing the dots, trying a match only where an acronym can start.

    Equivalent to the plain `_ACRONYM.sub` (tested) and several times faster: the
    regex would otherwise be tried at every position of every text. Works on bytes
    (ASCII text) and on str, where a non-ASCII letter before the dots is a word character.
    """
    dots, acronym = (_ACRONYM_DOT, _ACRONYM_BYTES) if isinstance(data, bytes) else (_ACRONYM_DOT_STR, _ACRONYM)
    pieces, done = [], 0
    dot = b"." if isinstance(data, bytes) else "."
    for found in dots.finditer(data):
        start = found.start() - 1
        if start < done:
            continue
        match = acronym.match(data, start)  # with pos, \b still sees the character before
        if match:
            pieces += (data[done:start], match.group().replace(dot, data[:0]))
            done = match.end()
    if not pieces:
        return data
    pieces.append(data[done:])
    return data[:0].join(pieces)


def normalise(text: str) -> str:
    """NFKC, entities decoded, lower-case, single-spaced: typography varies by source, meaning does not.

    Scraped wire copy carries HTML entities, the apostrophe often mangled ("Iran #39;s").
    """
    return " ".join(_normalised_unspaced(text).split())


def _normalised_unspaced(text: str) -> str:
    # The checks skip work most texts do not need; the result is the same either way.
    if "#39;" in text:
        text = _BROKEN_APOSTROPHE.sub("'", text)
    if "&" in text:
        text = html.unescape(text)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if not text.isascii() or "`" in text:
        for quote, plain in _QUOTES:
            if quote in text:
                text = text.replace(quote, plain)
    return text.lower()


def word_runs(text: str) -> list[bytes]:
    """Runs of letters and apostrophes of the normalised text, dotted acronyms joined ("u.n." -> "un").

    Byte tables instead of a regex per word: this is the hot loop of both training and
    serving. Plain ASCII text (most news) skips `normalise`, whose only effects on it are
    lower-casing and the backtick; tokens never contain whitespace, so spacing is irrelevant.
    """
    if text.isascii() and "&" not in text and "#39;" not in text:
        data = text.encode("ascii").translate(_ASCII_NORMALISE)
        if b"." in data:
            data = _join_acronyms(data)
    else:
        text = _normalised_unspaced(text)
        if "." in text:
            text = _join_acronyms(text)
        data = text.encode("utf-8")
    return data.translate(_SEPARATORS).split()


class Memo(dict):
    """A dict that computes and keeps missing values; cleared when it grows past a bound (adversarial input)."""

    __slots__ = ("compute", "limit")

    def __init__(self, compute, limit: int = _CACHE_LIMIT):
        super().__init__()
        self.compute = compute
        self.limit = limit

    def __missing__(self, key):
        if len(self) >= self.limit:
            self.clear()
        value = self[key] = self.compute(key)
        return value


class Tokenizer:
    """Word tokens of normalised text, optionally reduced to Snowball stems.

    Stemming needs no downloaded NLTK data. The token of each distinct run of letters
    is memoised: news vocabulary is small compared to the number of words seen.
    """

    def __init__(self, stem: bool = True, stop_words: bool = False):
        self.stem = stem
        self.stop_words = stop_words
        self._stemmer = SnowballStemmer("english") if stem else None
        self._stop = _STOP_WORDS if stop_words else frozenset()
        self._words = Memo(self._word_of_run)
        self._tokens = Memo(self._token_of_run)

    def _word_of_run(self, run: bytes) -> str | None:
        word = run.decode("ascii").strip("'")
        if "'" in word:
            word = word.removesuffix("'s").strip("'")
        return word if word and word not in self._stop else None

    def _token_of_run(self, run: bytes) -> str | None:
        word = self._words[run]
        if word is None or self._stemmer is None:
            return word
        return self._stemmer.stem(word)

    def token_of_run(self, run: bytes) -> str | None:
        """The token a run of letters becomes (None: dropped, e.g. a stop word)."""
        return self._tokens[run]

    def words(self, text: str) -> list[str]:
        """The surface words that become tokens, before stemming."""
        return list(filter(None, map(self._words.__getitem__, word_runs(text))))

    def __call__(self, text: str) -> list[str]:
        return list(filter(None, map(self._tokens.__getitem__, word_runs(text))))

    def __getstate__(self):
        return {"stem": self.stem, "stop_words": self.stop_words}

    def __setstate__(self, state):
        self.__init__(**state)

    def __repr__(self):
        return f"Tokenizer(stem={self.stem}, stop_words={self.stop_words})"


def ending(text: str, sentences: int = 2) -> str:
    """The last sentences of a text: where news copy often turns ("...but talks collapsed")."""
    spans = _last_sentences(text, sentences + 1)
    return " ".join(text[a:b] for a, b in spans[-sentences:]) if len(spans) > sentences else ""


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
# ., ! or ? (with closing quotes or brackets) before a space; a blank line; a line break before a capital.
# Written to start with one character class, so the regex engine skips other characters at C speed.
_BOUNDARY = re.compile(
    r"""[.!?\n](?:(?<=[.!?])[.!?]*["'\u201d\u2019)\]]*(?=\s)|(?<=\n)(?:\s*\n|(?=\s*[A-Z0-9"\u201c])))"""
)
_INITIALS = re.compile(r"(?:[a-z]\.)*[a-z]")
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
        if not _is_boundary(text, match):
            continue
        end = match.end()
        _append_span(spans, text, start, end)
        start = end
    _append_span(spans, text, start, len(text))
    return spans


def _last_sentences(text: str, count: int) -> list[tuple[int, int]]:
    """`split_sentences(text)[-count:]`, scanning only the tail of the text when that is enough.

    Boundary matches never contain a letter or digit, so a scan that starts right
    after one finds exactly the full scan's matches from there on; the tail is
    doubled until it holds `count` sentences or reaches the start, so a long text
    without boundaries costs at most about two full scans.
    """
    tail = 600
    while True:
        scan_from = max(0, len(text) - tail)
        tail *= 2
        while scan_from > 0 and not text[scan_from - 1].isalnum():
            scan_from -= 1
        reversed_spans = []
        end = len(text)
        for match in reversed(list(_BOUNDARY.finditer(text, scan_from))):
            if not _is_boundary(text, match):
                continue
            _append_span(reversed_spans, text, match.end(), end)
            if len(reversed_spans) == count:
                return reversed_spans[::-1]
            end = match.end()
        if scan_from == 0:
            _append_span(reversed_spans, text, 0, end)
            return reversed_spans[::-1]


def _is_boundary(text: str, match: re.Match) -> bool:
    end = match.end()
    if match.group()[0] in ".!?" and not _NEXT_START.match(text, end):
        return False
    return not (match.group()[0] == "." and not _ends_sentence(text, match.start()))


def _ends_sentence(text: str, dot: int) -> bool:
    # the word before the dot ([\w.]* as the regex module defines \w); 40 characters are enough to
    # tell an abbreviation or an acronym, and keep this linear in the text's length
    start = dot
    while start > 0 and dot - start < 40 and ((char := text[start - 1]).isalnum() or char in "._"):
        start -= 1
    word = text[start:dot].lower()
    if word.rstrip(".") in _ABBREVIATIONS:
        return False
    # "U.S." or "J." followed by a capitalised word: an acronym or an initial, not an ending
    return not (_INITIALS.fullmatch(word) and len(word.replace(".", "")) <= 3)


def _append_span(spans: list, text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
