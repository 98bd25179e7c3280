"""Word search: BM25 (bm25s) over accent-folded, stemmed French tokens; numbers kept, even one digit.

A compound meets its parts at query time: « vidéoprotection » also scores the chunks that print « vidéo
protection » or « vidéo-protection », and the reverse, when the index's own vocabulary holds the other form. The
index needs no rebuild, and no list of compounds is kept.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

from index.french import fold, halves

_TOKENS = r"(?u)\b\w+\b"  # single characters too: "8 classes", "Pour : 2"


_STOPWORDS = sorted(
    {fold(w) for w in bm25s.stopwords.STOPWORDS_FRENCH} | {"n", "l", "d", "qu", "s", "c", "j"}
)


# Each text's term ids (a term as often as the text holds it), and the id of each term.
Tokens = tuple[list[list[int]], dict[str, int]]


def analyse(texts: list[str]) -> Tokens:
    """The French analysis of texts, as the index scores them: accents folded, stop words dropped, stemmed; a
    text without a word is one empty term (bm25s's way of keeping its row)."""
    tokenized = bm25s.tokenize(
        [fold(t) for t in texts],
        token_pattern=_TOKENS,
        stopwords=_STOPWORDS,
        stemmer=Stemmer.Stemmer("french").stemWords,
        show_progress=False,
    )
    return [list(t) for t in tokenized.ids], dict(tokenized.vocab)


def postings(tokens: Tokens) -> tuple[list[tuple[str, int, int]], list[int]]:
    """(term, text number, term frequency) of every term in every text, and each text's length in terms: what
    BM25 needs, kept in tables by a store that is not files."""
    ids, vocab = tokens
    term = {i: t for t, i in vocab.items()}
    found: list[tuple[str, int, int]] = []
    for n, text in enumerate(ids):
        counted, counts = np.unique(np.asarray(text, dtype=np.int64), return_counts=True)
        found.extend((term[int(i)], n, int(tf)) for i, tf in zip(counted, counts, strict=True))
    return found, [len(text) for text in ids]


def tokens_of(postings: list[tuple[str, int, int]], size: int) -> Tokens:
    """The tokens of `size` texts back from their postings (each term repeated tf times)."""
    vocab: dict[str, int] = {}
    ids: list[list[int]] = [[] for _ in range(size)]
    for term, n, tf in postings:
        ids[n].extend([vocab.setdefault(term, len(vocab))] * tf)
    return ids, vocab


class Lexical:
    def __init__(self, retriever: bm25s.BM25, size: int):
        self._retriever = retriever
        self._stemmer = Stemmer.Stemmer("french")
        self.size = size

    @classmethod
    def build(cls, texts: list[str]) -> Lexical:
        return cls.from_tokens(analyse(texts))

    @classmethod
    def from_tokens(cls, tokens: Tokens) -> Lexical:
        """The BM25 of texts analysed by `analyse`, or of the same tokens read back from postings: the scores
        depend only on each text's term counts and length, not on the order of its words."""
        ids, vocab = tokens
        retriever = bm25s.BM25()  # Lucene's BM25, k1=1.5, b=0.75
        retriever.index((ids, vocab), show_progress=False)
        return cls(retriever, len(ids))

    def save(self, folder: Path) -> None:
        self._retriever.save(str(folder))

    @classmethod
    def load(cls, folder: Path, size: int) -> Lexical:
        return cls(bm25s.BM25.load(str(folder)), size)

    def scores(self, query: str) -> np.ndarray:
        """Return the BM25 score of every chunk for the query (zeros when no word matches); a word written joined
        or apart scores as the better of its forms the index prints."""
        words = bm25s.tokenize(
            [fold(query)], token_pattern=_TOKENS, stopwords=_STOPWORDS, return_ids=False, show_progress=False
        )[0]
        if not words or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        stems = self._stemmer.stemWords(words)
        scores = self._scores(stems)
        for written, printed in self._other_forms(words, stems):
            # The better of the two forms: the form written is already in the sum, the other adds what it beats.
            scores += np.maximum(self._scores(printed, all_present=True) - self._scores(written), 0.0)
        return scores

    def _scores(self, stems: list[str], all_present: bool = False) -> np.ndarray:
        """The BM25 scores of these stems summed; with all_present, zero where a chunk lacks one of them."""
        known = [s for s in stems if s in self._retriever.vocab_dict]
        if not known or (all_present and len(known) < len(stems)):
            return np.zeros(self.size, dtype=np.float32)
        if not all_present:
            return np.asarray(self._retriever.get_scores(known), dtype=np.float32)
        each = [np.asarray(self._retriever.get_scores([s]), dtype=np.float32) for s in known]
        return np.where(np.all([e > 0 for e in each], axis=0), np.sum(each, axis=0), 0.0).astype(np.float32)

    def _other_forms(self, words: list[str], stems: list[str]) -> list[tuple[list[str], list[str]]]:
        """(stems written, stems the index prints instead): a word the index prints in two words (or with a
        hyphen, which splits it too), two words it prints joined."""
        vocab = self._retriever.vocab_dict
        forms = []
        for word, stem in zip(words, stems, strict=True):
            for parts in halves(word):
                apart = self._stemmer.stemWords(list(parts))
                if all(s in vocab for s in apart):
                    forms.append(([stem], apart))
        for (first, one), (second, two) in pairwise(zip(words, stems, strict=True)):
            joined = self._stemmer.stemWord(first + second)
            if first.isalpha() and second.isalpha() and joined in vocab:
                forms.append(([one, two], [joined]))
        return forms

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (row ids, scores) of the k best chunks, best first; empty when no word matches."""
        scores = self.scores(query)
        if not scores.any():
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        keep = scores[top] > 0
        return top[keep].astype(np.int64), scores[top][keep].astype(np.float32)
