"""A compiled scoring table: one tokenisation for both heads, whole batches scored with numpy.

The two heads share their TF-IDF blocks (same tokenizer, n-grams and weighting,
fitted on the same texts), so each block compiles to an id for every stem its
vocabulary uses and a table of n-gram keys -> columns; all blocks share one table
of idf and six coefficients per column (three topics, three outlooks; zeros where a
head does not use the block), each block's columns offset after the previous ones.
Scoring a batch is then: map each run of letters to a stem id (memoised), look the
n-grams up as integer keys, count, weight, and take six dot products per text with
`reduceat`. The result equals the scikit-learn pipelines' probabilities to
floating-point rounding (a test checks < 1e-9 on the corpus), and a text gets
bitwise the same numbers in any batch and chunking of at least _FEW texts. Fewer
texts, and one text alone, take a leaner path (`score`) which agrees to rounding:
the optional C accelerator `training._native` (built by setup.py where a compiler
is available; TOPICSTANCE_NATIVE=0 turns it off), else plain Python floats.
"""

import os
from collections import Counter
from functools import cached_property
from itertools import chain, islice, repeat
from math import exp, log, sqrt
from operator import add, mul

import numpy as np
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from training.ngrams import DROPPED, ngram_keys, run_starts, token_ids
from training.text import Memo, Tokenizer, word_runs

try:  # optional C accelerator for single texts (setup.py builds it where a C compiler is available)
    from training import _native
except ImportError:  # pragma: no cover - depends on the build
    _native = None
if os.environ.get("TOPICSTANCE_NATIVE", "1") == "0":  # to compare with, or rule out, the native code
    _native = None

_FEW = 8  # below this many texts, per-text dict lookups beat numpy's per-call overhead
_CHUNK = 1024  # texts per numpy pass: bounded memory, cache-sized sorts (fastest of 64-2048 here)


class NotCompilable(ValueError):
    """The model is not the shared-TF-IDF + logistic-regression shape this table covers."""


def _blocks(pipeline) -> list[tuple[str, TfidfVectorizer, int]]:
    """(name, vectorizer, first column) of every feature block of a pipeline."""
    if len(pipeline) != 2:
        raise NotCompilable("pipelines must be features + classifier")
    features = pipeline[0]
    named = features.transformer_list if isinstance(features, FeatureUnion) else [("words", features)]
    if isinstance(features, FeatureUnion) and (features.transformer_weights or len(named) != len(set(dict(named)))):
        raise NotCompilable("weighted or repeated feature blocks")
    blocks, offset = [], 0
    for name, vectorizer in named:
        _check_tfidf(vectorizer)
        blocks.append((name, vectorizer, offset))
        offset += len(vectorizer.vocabulary_)
    return blocks


def _check_tfidf(vectorizer) -> None:
    if not isinstance(vectorizer, TfidfVectorizer) or not isinstance(vectorizer.tokenizer, Tokenizer):
        raise NotCompilable("a feature block is not TF-IDF over the project tokenizer")
    if vectorizer.norm != "l2" or not vectorizer.use_idf or vectorizer.binary or vectorizer.analyzer != "word":
        raise NotCompilable("unsupported TF-IDF settings")
    if vectorizer.stop_words is not None or vectorizer.lowercase:
        raise NotCompilable("unsupported TF-IDF settings")


class _KeyTable:
    """An open-addressing hash table of int64 keys -> columns, looked up a whole array at a time.

    A sorted array with `searchsorted` costs a binary search per n-gram; this costs about
    one probe: multiplicative hashing, linear probing, a quarter full.
    """

    _MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)

    def __init__(self, keys: np.ndarray, columns: np.ndarray):
        bits = max(4, int(np.ceil(np.log2(max(len(keys), 1) * 4))))
        self._shift = np.uint64(64 - bits)
        self._mask = (1 << bits) - 1
        self.keys = np.full(1 << bits, -1, dtype=np.int64)
        self.columns = np.full(1 << bits, -1, dtype=np.int64)
        slots, pending, self.longest_probe = self._home(keys), np.arange(len(keys)), 0
        while len(pending):
            free = self.keys[slots[pending]] == -1
            # of several keys wanting one free slot, the first takes it; the others probe on
            _, first = np.unique(slots[pending[free]], return_index=True)
            placed = pending[free][first]
            self.keys[slots[placed]] = keys[placed]
            self.columns[slots[placed]] = columns[placed]
            pending = np.setdiff1d(pending, placed, assume_unique=True)
            if len(pending):
                slots[pending] = (slots[pending] + 1) & self._mask
                self.longest_probe += 1

    def layout(self) -> tuple[np.ndarray, np.ndarray, int, int]:
        """(keys, columns, shift, mask): the table as the C accelerator probes it, with the same hashing."""
        return self.keys, self.columns, int(self._shift), self._mask

    def _home(self, keys: np.ndarray) -> np.ndarray:
        return ((keys.astype(np.uint64) * self._MULTIPLIER) >> self._shift).astype(np.int64)

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """The column of every key, -1 where the table does not have it."""
        found = np.full(len(keys), -1, dtype=np.int64)
        slots = self._home(keys)
        pending = np.arange(len(keys))
        for _ in range(self.longest_probe + 1):
            stored = self.keys[slots]
            match = stored == keys
            found[pending[match]] = self.columns[slots[match]]
            going_on = ~match & (stored != -1)
            if not going_on.any():
                break
            pending, keys = pending[going_on], keys[going_on]
            slots = (slots[going_on] + 1) & self._mask
        return found


class _Block:
    """One TF-IDF block's vocabulary compiled to integer n-gram keys."""

    def __init__(self, vectorizer: TfidfVectorizer):
        tokenizer = vectorizer.tokenizer
        self.preprocessor = vectorizer.preprocessor
        self.tokenizer = Tokenizer(stem=tokenizer.stem, stop_words=tokenizer.stop_words)
        self.min_n, self.max_n = vectorizer.ngram_range
        # every term split into stem ids at once: one joined string, C-level splits and lookups
        terms = list(vectorizer.vocabulary_)
        term_columns = np.fromiter(vectorizer.vocabulary_.values(), dtype=np.int64, count=len(terms))
        lengths = np.fromiter(map(str.count, terms, repeat(" ")), dtype=np.int64, count=len(terms)) + 1
        parts = " ".join(terms).split(" ")
        stems = {stem: i for i, stem in enumerate(dict.fromkeys(parts), start=DROPPED + 1)}
        part_ids = np.fromiter(map(stems.__getitem__, parts), dtype=np.int64, count=len(parts))
        first_part = np.cumsum(lengths) - lengths
        self.unknown = len(stems) + 1  # id of a token no vocabulary term uses
        self.base = len(stems) + 2
        if self.base**self.max_n >= 2**62:
            raise NotCompilable("n-gram keys would overflow 64 bits")
        self.stem_ids = stems
        self.unigram_columns = np.full(self.base, -1, dtype=np.int64)
        self.gram_keys: dict[int, _KeyTable] = {}  # batches (numpy) and the C accelerator
        for n in np.unique(lengths).tolist():
            of_length = lengths == n
            keys = np.zeros(int(of_length.sum()), dtype=np.int64)
            for position in range(n):
                keys = keys * self.base + part_ids[first_part[of_length] + position]
            columns = term_columns[of_length]
            if n == 1:
                self.unigram_columns[keys] = columns
            else:
                self.gram_keys[n] = _KeyTable(keys, columns)
        self._ids = Memo(self._id_of_run)

    # Single texts without the C accelerator: plain dicts and lists, no per-call overhead. They
    # hold column + 1, so that a C-level filter(None, ...) drops what is not in the vocabulary
    # (0 or None). Made on first use: with the accelerator they are never needed.

    @cached_property
    def gram_slots(self) -> dict[int, dict[int, int]]:
        slots = {}
        for n, table in self.gram_keys.items():
            used = table.keys != -1
            slots[n] = dict(zip(table.keys[used].tolist(), (table.columns[used] + 1).tolist(), strict=True))
        return slots

    @cached_property
    def unigram_slots(self) -> list[int]:
        return (self.unigram_columns + 1).tolist()

    def _id_of_run(self, run: bytes) -> int:
        token = self.tokenizer.token_of_run(run)
        return DROPPED if token is None else self.stem_ids.get(token, self.unknown)

    def columns(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(text index, column) of every known n-gram occurrence, in text order."""
        ids, doc = token_ids(texts, self._ids, self.preprocessor)
        docs, columns = [], []
        if self.min_n == 1:
            found = self.unigram_columns[ids]
            hit = found >= 0
            docs.append(doc[hit])
            columns.append(found[hit])
        unknown = ids == self.unknown  # in no vocabulary term: no n-gram through it can be known
        for n, table in self.gram_keys.items():
            keys, key_doc = ngram_keys(ids, doc, n, self.base, blocked=unknown)
            found = table.lookup(keys)
            hit = found >= 0
            docs.append(key_doc[hit])
            columns.append(found[hit])
        return np.concatenate(docs), np.concatenate(columns)

    def native(self, rows: np.ndarray, idf: np.ndarray, sublinear: bool):
        """This block's tables as a `_native.Block` (rows and idf: this block's slice of the scorer's)."""
        tables = [(n, *table.layout()) for n, table in self.gram_keys.items()]
        return _native.Block(
            self._ids,
            self.unigram_columns,
            tables,
            self.base,
            np.ascontiguousarray(rows),
            np.ascontiguousarray(idf),
            sublinear,
            self.min_n,
        )

    def counted_one(self, text: str) -> Counter:
        """One text's known n-grams as column + 1 -> count, with dicts and C-level maps and filters."""
        if self.preprocessor is not None:
            text = self.preprocessor(text)
        ids = list(filter(None, map(self._ids.__getitem__, word_runs(text))))  # DROPPED is 0
        slots = [map(self.unigram_slots.__getitem__, ids)] if self.min_n == 1 else []
        for n, grams in self.gram_slots.items():
            if n == 2:
                keys = map(add, map(mul, ids, repeat(self.base)), islice(ids, 1, None))
            else:
                keys = (_key(ids[i : i + n], self.base) for i in range(len(ids) - n + 1))
            slots.append(map(grams.get, keys))
        return Counter(filter(None, chain.from_iterable(slots)))


def _key(ids: list[int], base: int) -> int:
    key = 0
    for stem_id in ids:
        key = key * base + stem_id
    return key


class CompiledScorer:
    """All blocks of both heads as one table: columns of block k are offset by the sizes of blocks before it."""

    def __init__(self, topic_pipeline, outlook_pipeline, outlook_order: list[int]):
        estimators = topic_pipeline[1].estimators_
        outlook = outlook_pipeline[1]
        if not all(isinstance(e, LogisticRegression) for e in (*estimators, outlook)):
            raise NotCompilable("classifiers must be logistic regressions")
        topic_coef = np.stack([e.coef_.ravel() for e in estimators], axis=1)
        outlook_coef = outlook.coef_.T[:, outlook_order]
        # a block used by both heads must be the same fitted block, so one pass serves both
        by_name: dict[str, tuple[TfidfVectorizer, list[tuple[np.ndarray, slice]]]] = {}
        for coef, head_columns, pipeline in (
            (topic_coef, slice(0, 3), topic_pipeline),
            (outlook_coef, slice(3, 6), outlook_pipeline),
        ):
            for name, vectorizer, offset in _blocks(pipeline):
                weights = coef[offset : offset + len(vectorizer.vocabulary_)]
                if name in by_name:
                    known = by_name[name][0]
                    if known.vocabulary_ != vectorizer.vocabulary_ or not np.array_equal(known.idf_, vectorizer.idf_):
                        raise NotCompilable(f"the heads' {name!r} blocks differ")
                    by_name[name][1].append((weights, head_columns))
                else:
                    by_name[name] = (vectorizer, [(weights, head_columns)])
        self.blocks, rows, idf = [], [], []
        for vectorizer, parts in by_name.values():
            block_rows = np.zeros((len(vectorizer.vocabulary_), 6))
            for weights, head_columns in parts:
                block_rows[:, head_columns] = weights
            self.blocks.append(_Block(vectorizer))
            rows.append(block_rows)
            idf.append(np.asarray(vectorizer.idf_, dtype=float))
        sizes = [len(part) for part in idf]
        self.offsets = np.cumsum([0] + sizes[:-1])
        self.width = int(sum(sizes))
        self.rows = np.ascontiguousarray(np.vstack(rows))
        self.idf = np.concatenate(idf)
        sublinear = {vectorizer.sublinear_tf for vectorizer, _ in by_name.values()}
        if len(sublinear) != 1:
            raise NotCompilable("blocks differ in tf weighting")
        self.sublinear = sublinear.pop()
        self.bias = np.array([float(e.intercept_[0]) for e in estimators] + list(outlook.intercept_[outlook_order]))
        self._prepare_single()

    def _prepare_single(self) -> None:
        # the rows as tuples for the Python path, made on first use; bounded: a tuple of seven floats is about 270 bytes
        self._weighted_rows = Memo(self._weighted_row, limit=100_000)
        self.bias_list = self.bias.tolist()
        self.offset_list = self.offsets.tolist()
        self.native_blocks = self._native_blocks() if _native is not None else None

    def __getstate__(self):
        state = self.__dict__.copy()
        del state["native_blocks"]  # C objects: rebuilt from the arrays on unpickling
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.native_blocks = self._native_blocks() if _native is not None else None

    def _native_blocks(self) -> list:
        ends = [*self.offset_list[1:], self.width]
        return [
            block.native(self.rows[start:end], self.idf[start:end], self.sublinear)
            for block, start, end in zip(self.blocks, self.offset_list, ends, strict=True)
        ]

    def score_many(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(n, 3) topic and (n, 3) outlook probabilities, in TOPICS and OUTLOOKS order."""
        if len(texts) < _FEW:
            rows = [self.score(text) for text in texts]
            return np.array([r[0] for r in rows]).reshape(-1, 3), np.array([r[1] for r in rows]).reshape(-1, 3)
        scores = np.tile(self.bias, (len(texts), 1))
        for start in range(0, len(texts), _CHUNK):
            chunk = texts[start : start + _CHUNK]
            self._add_many(chunk, scores[start : start + len(chunk)])
        topic_probs = expit(scores[:, :3])  # as LogisticRegression.predict_proba computes them
        outlook = np.exp(scores[:, 3:] - scores[:, 3:].max(axis=1, keepdims=True))
        return topic_probs, outlook / outlook.sum(axis=1, keepdims=True)

    def score(self, text: str) -> tuple[list[float], list[float]]:
        """(topic probabilities, outlook probabilities) of one text, as lists.

        The per-request path. With the C accelerator, see `_score_native`. Without it, in
        plain Python floats: per known column a tuple of its six
        weights times its idf and its idf squared (made on first use, kept), summed
        column-wise by `zip`. Between a web framework's work, numpy's per-call cost on a
        few dozen numbers is the larger part, more so inside a request (caches).
        It sums in another order than the batch path, so the two agree to rounding
        (tested < 1e-12), not to the bit.
        """
        if self.native_blocks is not None:
            return self._score_native(text)
        scores = self.bias_list
        for block, offset in zip(self.blocks, self.offset_list, strict=True):
            counts = block.counted_one(text)
            if not counts:
                continue
            slots = map(add, counts, repeat(offset)) if offset else counts
            rows = list(map(self._weighted_rows.__getitem__, slots))
            sums = [sum(column) for column in zip(*rows, strict=False)]  # as if every count were 1 (rows: 7 each)
            if len(rows) != counts.total():  # the few repeated n-grams: add what their tf adds to 1
                for row, count in zip(rows, counts.values(), strict=True):
                    if count > 1:
                        tf = 1.0 + log(count) if self.sublinear else float(count)
                        sums = [total + (tf - 1.0) * value for total, value in zip(sums, row, strict=True)]
                        sums[6] += (tf * tf - tf) * row[6]  # the idf squared term takes tf squared
            norm = sqrt(sums[6])
            scores = [score + part / norm for score, part in zip(scores, sums, strict=False)]
        return _probabilities(scores)

    def _score_native(self, text: str) -> tuple[list[float], list[float]]:
        """`score` by the C accelerator: the blocks' parts in the batch path's arithmetic, then bias + parts."""
        total = None
        for block, native in zip(self.blocks, self.native_blocks, strict=True):
            part = native.part(word_runs(text if block.preprocessor is None else block.preprocessor(text)))
            if part is not None:
                total = part if total is None else tuple(map(add, total, part))
        scores = self.bias_list if total is None else list(map(add, self.bias_list, total))
        return _probabilities(scores)

    @cached_property
    def _weighted(self) -> np.ndarray:
        # made once, so that a column seen for the first time costs one row copy (a text brings dozens)
        return np.hstack([self.rows * self.idf[:, None], (self.idf * self.idf)[:, None]])

    def _weighted_row(self, slot: int) -> tuple[float, ...]:
        """Column `slot - 1`: its six weights times its idf, and its idf squared."""
        return tuple(self._weighted[slot - 1].tolist())

    def _add_many(self, texts: list[str], scores: np.ndarray) -> None:
        docs, columns = [], []
        for block, offset in zip(self.blocks, self.offset_list, strict=True):
            doc, column = block.columns(texts)
            docs.append(doc)
            columns.append(column + offset)
        doc, column = np.concatenate(docs), np.concatenate(columns)
        if not len(doc):
            return
        # sorted (text, column) keys: per text, blocks in order and columns ascending in each;
        # 32-bit keys sort about twice as fast, and a chunk of texts keeps them small
        keys = doc * self.width + column
        if len(texts) * self.width < 2**31:
            keys = keys.astype(np.int32)
        keys.sort()
        starts = run_starts(keys)
        counts = np.diff(starts, append=len(keys)).astype(float)
        doc, column = np.divmod(keys[starts], self.width)
        segment = doc * len(self.blocks) + np.searchsorted(self.offsets, column, side="right") - 1
        first = run_starts(segment)
        text_of_part = doc[first]
        text_first = run_starts(text_of_part)
        self._add_weighted(column, counts, first, (text_first, text_of_part[text_first]), scores)

    def _add_weighted(self, column, counts, first, text_first_of_parts, scores) -> None:
        """TF-IDF weighting, per-block L2 norms and the dot products of a batch.

        `first` starts each (text, block) segment: each block's TF-IDF row is L2-normalised
        on its own, as in a FeatureUnion of TF-IDF blocks. `text_first_of_parts` is
        (first segment of each text, the row of that text).
        """
        values = ((np.log(counts) + 1.0) if self.sublinear else counts) * self.idf[column]
        norms = np.sqrt(np.add.reduceat(values * values, first))
        parts = np.add.reduceat(self.rows[column] * values[:, None], first, axis=0) / norms[:, None]
        text_first, text_rows = text_first_of_parts
        scores[text_rows] += np.add.reduceat(parts, text_first, axis=0)


def _probabilities(scores: list[float]) -> tuple[list[float], list[float]]:
    """The six head scores of one text as (topic probabilities, outlook probabilities)."""
    return [_sigmoid(x) for x in scores[:3]], _softmax(scores[3:])


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + exp(-x))
    z = exp(x)  # no overflow for very negative scores
    return z / (1.0 + z)


def _softmax(scores: list[float]) -> list[float]:
    top = max(scores)
    exps = [exp(x - top) for x in scores]
    total = sum(exps)
    return [x / total for x in exps]
