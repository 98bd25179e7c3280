"""Find the sentences that answer: inside the best documents found, rank sentences by the question's subject
and by whether they hold what is asked (an amount for a cost, a date for "quand", a name for "qui", …).

What the model reads is these few sentences, each with a neighbour on either side and labelled with its act,
séance and page: a few hundred tokens instead of whole acts, so the first word comes sooner and the model has
less to confuse. The page is the page of the sentence itself, read from the document's own pages.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from collections.abc import Collection
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from functools import lru_cache
from weakref import WeakKeyDictionary

import numpy as np

from app.answer.question import (
    ACT_NUMBER,
    AMOUNT,
    COUNT,
    DATE,
    DURATION,
    NUMBER,
    PERSON,
    PLACE,
    RAPPORTEUR,
    REASON,
    SEASON,
    VOTE,
    Phrase,
    Question,
    Term,
    act_keys,
)
from app.answer.ranker import FEATURES, SURE, Ranker, Raw, describe
from index.collectivites import GENERIC_NAME
from index.french import MONTHS, WORD, YEAR, fold, halves, initials, other_gender, spells, stem
from index.search import Hit
from index.store import Document, Index, StoredAffaire, StoredChunk
from ingest.chunk import STRIDE_WORDS, WINDOW_WORDS
from ingest.numbers import NUMBER_WORD

# How many documents, sentences and words the model reads. Every 100 prompt tokens cost 2–3 s on 2 cores.
DOCUMENTS = 4
PASSAGES = 3
PASSAGE_WORDS = 40  # a sentence with its neighbours, cut to this many words around the sentence
MAX_SENTENCE_WORDS = 45
NEIGHBOUR_SHARE = 0.5  # a subject word in the neighbours or the affaire's title counts half
CARRIED_SHARE = 0.5  # a follow-up's carried subject counts half
FOLLOW_UP_SHARE = 0.7  # a follow-up reads the documents retrieved this close to the best one

_MONEY = re.compile(r"\d[\d\s.,]*\s?(?:€|euros?\b|EUR\b|k€|M€)|€\s?\d", re.IGNORECASE)
_PERCENT = re.compile(r"\d[\d\s,.]*\s?%")
_TALLY = re.compile(
    r"\b(?:pour|contre|abstentions?)\s*:\s*\d+|\b\d+\s+voix\b|\bunanimit|\bvotants?\b|\bsuffrages?\b",
    re.IGNORECASE,
)
_NUMBER_WORD = re.compile(r"\b\d+\b")
_DATE = re.compile(
    r"\b\d{1,2}(?:er)?\s+(?:" + "|".join(MONTHS) + r")\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
    r"|\b(?:" + "|".join(MONTHS) + r")\s+(?:19|20)\d{2}\b|\b(?:19|20)\d{2}\b",
    re.IGNORECASE,
)
_NAME = re.compile(
    r"\b(?:M\.|Mme|Madame|Monsieur|MM\.|Mlle)\s+[A-ZÀ-Ý][\w'’-]+|\b[A-ZÀ-Ý][a-zà-ÿ'’-]+\s+[A-ZÀ-Ý]{2,}\b"
    r"|\b(?:soci[ée]t[ée]|entreprise|association|compagnie|cabinet|bureau|banque|SARL|SAS|SA)"
    r"(?:\s+[a-zà-ÿ]{4,})?\s+[«\"]?\s*[A-ZÀ-Ý0-9]"  # "la compagnie fluviale Batelia"
    r"|«\s*[A-ZÀ-Ý]"  # a name given in quotes
    # A word in capitals, unless it opens a clause as its verb ("- APPROUVE la …", "DÉCIDE : de …").
    r"|\b[A-ZÀ-Ý]{3,}\b(?!\s*:?\s+(?:[a-zà-ÿ]|l['’]))"
)
_PLACE = re.compile(
    r"\b(?:à|au|aux|en|dans|chez|vers)\s+(?:l['’]\s*|la\s+|le\s+|les\s+)?"
    r"(?!(?:Madame|Monsieur|Mme|M|MM|Mlle|Maire|Conseil)\b)[A-ZÀ-Ý][\w'’-]+"  # "à Madame le maire": a person
)
_REASON = re.compile(
    r"\b(?:car|parce|puisque|afin|en raison|compte tenu|considérant|motif|du fait|suite à|à la suite"
    r"|étant donné|vu que|pour cause|risques?|danger|estim|invoqu)",
    re.IGNORECASE,
)
_DURATION = re.compile(
    rf"\b(?:\d+|{NUMBER_WORD})\s+(?:ans|années?|an|mois|semaines?|jours)\b",
    re.IGNORECASE,
)
_ASKED: dict[str, re.Pattern[str]] = {
    DURATION: _DURATION,
    AMOUNT: re.compile(f"{_MONEY.pattern}|{_PERCENT.pattern}", re.IGNORECASE),  # a rate: "redevance de 7 %"
    DATE: _DATE,
    PERSON: _NAME,
    RAPPORTEUR: _NAME,
    PLACE: _PLACE,
    REASON: _REASON,
    VOTE: _TALLY,
    NUMBER: ACT_NUMBER,
}
# A line ends a sentence when it ends with one of these, or when the next line opens a new one.
_LINE_END = re.compile(r"[.;:!?»…]\s*$")
_LINE_OPENS = re.compile(
    r"^\s*(?:[-−–•▪·*\uf0a7\uf0b7\uf0d8\uf076]|\d{1,3}\s*[.)°-]\s|\(?[a-z]\)\s|(?:DEL\s*|D\s?)\d{4}"
    r"|[A-ZÀ-Ý]{3,}\b(?!\s*[a-zà-ÿ])|Vote\b|Pour\s*:|Contre\s*:|Abstention)"
)
_ROW_DATE = re.compile(r"\d{1,2}/\d{1,2}/(?:19|20)\d{2}")
_ROW_NUMBER = re.compile(r"(?:DEL|D)?(?:19|20)\d{2}[_-]\d{1,4}")
_SHORT_LINE = 50  # characters: a title, a table cell or a list item stands alone
_ABBREVIATION = re.compile(r"(?:^|\s)(?:M|MM|Mme|Mlle|Dr|St|Ste|art|n°|cf|etc|av|bd)\.$", re.IGNORECASE)


@dataclass(frozen=True)
class Sentence:
    doc_id: str
    page: int
    first_word: int  # position in the document's word stream (the chunker's)
    text: str


@dataclass(frozen=True)
class Passage:
    """An evidence sentence with a neighbour on each side, as the model and the reader see it."""

    document: Document
    page: int
    sentence: str  # the sentence that answers
    text: str  # the sentence with its neighbours, cut to PASSAGE_WORDS words
    start: int  # offsets of the sentence in text
    end: int
    score: float
    coverage: float  # share of the subject's weight the passage holds (sentence, neighbours, affaire title)
    asked: bool  # the sentence holds the kind of thing asked
    affaire: StoredAffaire | None
    year_ok: bool  # the passage, its document or its affaire names the question's year (True when none)
    position: int = 0  # the sentence's rank in its document (passages a sentence or two apart overlap)
    shown: float = 0.0  # share of the subject the text the model reads holds (its title counting half)
    joined: bool = False  # the text is the sentence and its neighbour, both whole


# ------------------------------------------------------------------------------------------------------------
# Word weights: rare words say more about a subject.


@dataclass
class _Reading:
    """What the answering path derives from one index, once, and keeps while that index is served: the weight of
    each stem, the sentences of the documents read lately, each document's affaires and their titles' stems."""

    weights: dict[str, float] | None = None
    sentences: OrderedDict[str, list[Sentence]] = field(default_factory=OrderedDict)
    affaires: dict[str, list[StoredAffaire]] | None = None
    titles: dict[str, list[frozenset[str]]] | None = None
    rows: dict[str, tuple[int, int]] | None = None  # each document's first chunk row and number of chunks


# Keyed by the index itself, weakly: a reloaded index brings its own, the old one goes with it.
_READINGS: WeakKeyDictionary[Index, _Reading] = WeakKeyDictionary()


def _reading(index: Index) -> _Reading:
    """The index's derived data, made empty the first time the index is read."""
    found = _READINGS.get(index)
    if found is None:
        found = _READINGS[index] = _Reading()
    return found


def stem_weights(index: Index) -> dict[str, float]:
    """Inverse document frequency of each stem over the index's chunks (computed once per index)."""
    reading = _reading(index)
    if reading.weights is None:
        df: dict[str, int] = {}
        for chunk in index.chunks:
            for s in {stem(w) for w in WORD.findall(fold(chunk.indexed_text))}:
                df[s] = df.get(s, 0) + 1
        n = max(len(index.chunks), 1)
        reading.weights = {s: math.log((n + 1) / (c + 0.5)) for s, c in df.items()}
    return reading.weights


def rare_weight(index: Index) -> float:
    """The weight of a stem the index never prints: as rare as a word can be."""
    return math.log(len(index.chunks) + 1) + 1.0


def weight_of(index: Index, s: str) -> float:
    return stem_weights(index).get(s, rare_weight(index))


# ------------------------------------------------------------------------------------------------------------
# Sentences of a document, with the page and position of each.

_CACHED_DOCUMENTS = 64


def sentences(index: Index, doc_id: str) -> list[Sentence]:
    """The document's sentences in reading order (cached: long minutes are split once)."""
    cache = _reading(index).sentences
    cached = cache.get(doc_id)
    if cached is not None:
        cache.move_to_end(doc_id)
        return cached
    out = cache[doc_id] = split_sentences(doc_id, sorted(index.pages(doc_id).items()))
    if len(cache) > _CACHED_DOCUMENTS:
        cache.popitem(last=False)
    return out


def split_sentences(doc_id: str, pages: list[tuple[int, str]]) -> list[Sentence]:
    """Cut pages into sentences. Lines wrap inside a sentence; a line ending with a stop, a short line (a title,
    a table cell) or a line opening a list item, a numbered heading or a tally ends one."""
    lines = [(n, line) for n, text in pages for line in text.splitlines() if line.split()]
    out: list[Sentence] = []
    words: list[str] = []
    first, page, position = 0, 0, 0

    def close() -> None:
        nonlocal words
        if words:
            out.append(Sentence(doc_id, page, first, " ".join(words)))
        words = []

    for i, (number, line) in enumerate(lines):
        for word in line.split():
            if words and _ROW_DATE.fullmatch(words[-1]) and _ROW_NUMBER.fullmatch(word):
                close()  # a register's rows run on one line: "… 12/03/2024 2024_08 Tarifs …"
            if not words:
                first, page = position, number
            words.append(word)
            position += 1
            ends = word[-1] in ".!?;" and not _ABBREVIATION.search(" " + word)
            if ends or len(words) >= MAX_SENTENCE_WORDS:
                close()
        nxt = lines[i + 1][1] if i + 1 < len(lines) else ""
        if (
            _LINE_END.search(line)
            or len(line.strip()) < _SHORT_LINE
            or _LINE_OPENS.match(nxt)
            or (i + 1 < len(lines) and lines[i + 1][0] != number and not line.rstrip()[-1:].isalpha())
        ):
            close()
    close()
    return out


# ------------------------------------------------------------------------------------------------------------
# Ranking.


def _rows_of(index: Index) -> dict[str, tuple[int, int]]:
    """First row and number of chunks of each document (a document's chunks are consecutive)."""
    reading = _reading(index)
    if reading.rows is None:
        reading.rows = {}
        for chunk in index.chunks:
            first, n = reading.rows.get(chunk.doc_id, (chunk.row, 0))
            reading.rows[chunk.doc_id] = (first, n + 1)
    return reading.rows


def chunk_at(index: Index, doc_id: str, word: int) -> StoredChunk | None:
    """The chunk whose middle is nearest the document's word."""
    first, n = _rows_of(index).get(doc_id, (0, 0))
    if not n:
        return None
    k = min(max(round((word - WINDOW_WORDS / 2) / STRIDE_WORDS), 0), n - 1)
    return index.chunks[first + k]


def affaire_at(index: Index, doc_id: str, word: int) -> StoredAffaire | None:
    """The affaire whose text holds the document's word (the last one starting at or before it)."""
    affaires = _affaires_of(index).get(doc_id)
    if not affaires:
        return None
    current = None
    for a in affaires:
        if a.start_word is None:  # an index without positions: the chunk nearest the word says
            chunk = chunk_at(index, doc_id, word)
            return index.affaire_of(chunk) if chunk is not None else None
        if a.start_word > word:
            break
        current = a
    return current


def _affaires_of(index: Index) -> dict[str, list[StoredAffaire]]:
    reading = _reading(index)
    if reading.affaires is None:
        reading.affaires = {}
        for a in sorted(index.affaires.values(), key=lambda a: (a.doc_id, a.idx)):
            reading.affaires.setdefault(a.doc_id, []).append(a)
    return reading.affaires


def _titles_of(index: Index, doc_id: str) -> list[frozenset[str]]:
    """The stems of the titles of the document's affaires (computed once per index)."""
    reading = _reading(index)
    if reading.titles is None:
        reading.titles = {d: [text_stems(a.title) for a in aa] for d, aa in _affaires_of(index).items()}
    return reading.titles.get(doc_id, [])


def asked_in(question: Question, text: str) -> bool:
    """The text holds the kind of thing the question asks for."""
    if question.asks == COUNT:
        numbers = _NUMBER_WORD.findall(_MONEY.sub("", _DATE.sub("", text)))
        return bool(numbers) and not _TALLY.search(text)
    if (
        question.asks == DATE
    ):  # a year alone answers "en quelle année", not "quand" ("C'est quand, en 2013 ?")
        return any(question.year_asked or not YEAR.fullmatch(m.group(0)) for m in _DATE.finditer(text))
    if question.asks in (PERSON, RAPPORTEUR) and roll_call(text):
        return False  # the members present, the mayor's signature: names on every act, answering nothing
    pattern = _ASKED.get(question.asks)
    if pattern is None:
        return False
    if question.asks == VOTE:  # "à l'unanimité ?" is answered by the tally that says it
        return bool(pattern.search(text))
    # What the question gives already answers nothing: "le PLU" is no name for "quel bureau d'études … du PLU".
    given = _words_given(question.text, question.previous)
    return any(set(WORD.findall(fold(m.group(0)))) - given for m in pattern.finditer(text))


@lru_cache(maxsize=64)
def _words_given(text: str, previous: str) -> frozenset[str]:
    """The folded words of a question and the turn it follows: read once, not once per candidate sentence."""
    return frozenset(WORD.findall(fold(f"{text} {previous}")))


_PERSON_NAME = re.compile(
    r"(?:M\.|MM\.|Mme|Mlle|Madame|Monsieur)\s+[A-ZÀ-Ý][\w'’-]*(?:\s+[A-ZÀ-Ý][\w'’-]*){0,2}"
    r"|[A-ZÀ-Ý][\w'’-]*(?:\s+[A-ZÀ-Ý][\w'’-]*){1,3}|[A-ZÀ-Ý]{3,}"
)
_LABEL = re.compile(r"^[\w'’ ]{1,30}:\s*")  # "Présents :", "Absents excusés :"
_ROLL = 3  # names in a row, separated by commas


def roll_call(text: str) -> bool:
    """The text is a list of members (present, absent, represented; or its tail, cut from the list by the page)
    or a signature: it opens with three names or more separated by commas, or is nothing but a name."""
    stripped = text.strip(" .,;")
    if len(stripped.split()) <= 4 and _PERSON_NAME.fullmatch(stripped):
        return True  # "Jeanne DUPRÉ", the signature under the act
    label = _LABEL.match(stripped)
    if label and len(label.group(0).split()) <= 3:
        stripped = stripped[label.end() :]
    parts = re.split(r"\s*,\s*", stripped)
    return len(parts) >= _ROLL and all(_PERSON_NAME.fullmatch(p) for p in parts[:_ROLL])


def _coverage(index: Index, question: Question, own: AbstractSet[str], around: AbstractSet[str]) -> float:
    """Weighted share of the subject found: in the sentence itself fully, around it (neighbours, title) half;
    a follow-up's carried subject counts half as much as the question's own."""
    total = got = 0.0
    own_terms = {t.stem for t in question.terms}
    for term in question.all_terms:
        w = weight_of(index, term.stem) * (1.0 if term.stem in own_terms else CARRIED_SHARE)
        total += w
        if printed(term, own):
            got += w
        elif printed(term, around):
            got += NEIGHBOUR_SHARE * w
    return got / total if total else 0.0


@lru_cache(maxsize=4096)
def split_stems(word: str) -> tuple[tuple[str, str], ...]:
    """The stems of the halves a compound may be printed as (« vidéoprotection » → ("video", "protect"), …)."""
    return tuple((stem(a), stem(b)) for a, b in halves(fold(word)))


def printed(term: Term, stems: Collection[str]) -> bool:
    """The term stands among the stems, whole or as its two halves printed apart (« vidéo protection »)."""
    return (
        term.stem in stems
        or any(a in stems and b in stems for a, b in split_stems(term.word))
        or any(g in stems for g in gender_stems(term.word))
        or (term.word.isupper() and any(s[:1] == _SPELT and spells(s[1:], fold(term.word)) for s in stems))
    )


@lru_cache(maxsize=4096)
def gender_stems(word: str) -> tuple[str, ...]:
    """The stems of the word in its other gender (« contrôleuse » → ("controleur",))."""
    return tuple(stem(w) for w in other_gender(fold(word)) if stem(w) != stem(fold(word)))


@lru_cache(maxsize=65536)
def text_stems(text: str) -> frozenset[str]:
    """The stems of a text's words, and the initials of its words, marked: the acronyms it spells (a question
    names « le CCAS » where the act prints « Centre Communal d'Action Sociale »)."""
    return frozenset({stem(w) for w in WORD.findall(fold(text))} | {_SPELT + initials(text)})


_SPELT = (
    "^"  # marks the text's initials among its stems: only a word written in capitals is compared with them
)


FULL_DATE = re.compile(
    r"\b\d{1,2}(?:er)?\s+(?:" + "|".join(MONTHS) + r")\s+(?:19|20)\d{2}\b|\b\d{1,2}/\d{1,2}/(?:19|20)\d{2}\b",
    re.IGNORECASE,
)


def _year_ok(question: Question, doc: Document, text: str, title: str) -> bool:
    """The passage is of the year asked: its séance was held that year or it names the year; a season or
    school year ("2012/2013") must be named as such ("saison 2011/2012" is another one)."""
    if not question.years:
        return True
    if question.seasons:
        return any(set(question.seasons) & {f"{a}/{b}" for a, b in SEASON.findall(t)} for t in (text, title))
    if any(y in t for y in question.years for t in (text, title)):
        return True
    if not doc.seance_date:  # a règlement or a study, not of a séance: its file's name may say its year
        return any(y in YEAR.findall(doc.path.rsplit("/", 1)[-1]) for y in question.years)
    # Held that year, unless the act's title names another year ("subventions de l'année N", examined in
    # N+1, are of N); a full date in a title ("délibération du 3 mai de l'an passé") is an earlier act's.
    own = YEAR.findall(FULL_DATE.sub("", title))
    return bool(doc.seance_date and doc.seance_date[:4] in question.years) and not own


@dataclass(frozen=True)
class Candidates:
    """Every sentence of the documents found that could answer, with its features (one row each)."""

    passages: list[Passage]
    features: np.ndarray  # len(passages) × len(ranker.FEATURES)


def candidates(index: Index, question: Question, hits: list[Hit], words: int = PASSAGE_WORDS) -> Candidates:
    """The sentences around the chunks found in the best documents, each described for the ranker."""
    order: dict[str, int] = {}
    regions: dict[str, list[tuple[int, int, float]]] = {}
    firsts = _rows_of(index)
    if question.previous and hits:
        # A follow-up goes on about the act its conversation found (the search reads the previous question and
        # answer too): documents far behind it speak of other things, whatever words they share with it.
        top = max(h.score for h in hits)
        hits = [h for h in hits if h.score >= FOLLOW_UP_SHARE * top]
    for hit in hits:
        doc_id = hit.document.id
        if doc_id not in order:
            if len(order) >= DOCUMENTS:
                continue
            order[doc_id] = len(order)
        k_chunk = hit.chunk.row - firsts[doc_id][0]
        regions.setdefault(doc_id, []).append(
            (k_chunk * STRIDE_WORDS, k_chunk * STRIDE_WORDS + WINDOW_WORDS, hit.score)
        )
    found: list[tuple[Passage, Raw]] = []
    for doc_id, rank in order.items():
        doc = index.documents[doc_id]
        all_sentences = sentences(index, doc_id)
        spans = regions[doc_id]
        own_shares: dict[int, float] = {}
        for i, s in enumerate(all_sentences):
            # The chunk found and one on each side: a tally or the sentence that answers can stand just beyond it.
            near = [score for lo, hi, score in spans if lo - STRIDE_WORDS <= s.first_word < hi + STRIDE_WORDS]
            if not near:
                continue
            inside = [score for lo, hi, score in spans if lo <= s.first_word < hi]
            before = max(
                (_own_share(index, question, all_sentences, j, own_shares) for j in (i - 2, i - 1) if j >= 0),
                default=0.0,
            )
            found.append(
                _passage(
                    index,
                    question,
                    doc,
                    all_sentences,
                    i,
                    rank,
                    words,
                    hit_score=max(inside or near),
                    in_hit=bool(inside),
                    before=before,
                )
            )
    if not found:
        return Candidates([], np.zeros((0, len(FEATURES))))
    bm25 = _bm25(index, question, [p.sentence for p, _ in found])
    found = [(p, replace(raw, bm25=b)) for (p, raw), b in zip(found, bm25, strict=True)]
    best_cov = max(raw.coverage for _, raw in found)
    best_bm25 = max(raw.bm25 for _, raw in found)
    best_hit = max(raw.hit_score for _, raw in found)
    features = np.vstack(
        [describe(raw, question.asks, p.sentence, best_cov, best_bm25, best_hit) for p, raw in found]
    )
    return Candidates([p for p, _ in found], features)


def find_evidence(
    index: Index,
    question: Question,
    hits: list[Hit],
    k: int = PASSAGES,
    words: int = PASSAGE_WORDS,
    ranker: Ranker | None = None,
) -> list[Passage]:
    """The k best passages of the best documents found, best first; each at most `words` words."""
    return choose(question, candidates(index, question, hits, words), ranker or default_ranker(), k)


def choose(question: Question, found: Candidates, ranker: Ranker, k: int = PASSAGES) -> list[Passage]:
    """The candidates scored by the ranker, then the k passages the model reads (select)."""
    scores = ranker.probabilities(found.features)
    return select(
        question, [replace(p, score=float(v)) for p, v in zip(found.passages, scores, strict=True)], k
    )


@lru_cache(maxsize=1)
def default_ranker() -> Ranker:
    """The shipped weights, for callers that hold no ranker of their own (the Assistant holds one)."""
    return Ranker.load()


def select(question: Question, passages: list[Passage], k: int = PASSAGES) -> list[Passage]:
    """The k passages the model reads (one more when the ranker is sure of none), from candidates scored by
    the ranker: the best first, never the same stretch of text twice; the one that holds most of the subject
    always in (it says which act the question is about); an act the question names by number first."""
    scored = sorted(passages, key=lambda p: -p.score)
    if scored and scored[0].score < SURE:
        k += 1  # the ranker is unsure: one passage more rather than a wrong one
    about = max(scored, key=lambda p: p.coverage, default=None)
    named = next((p for p in scored if question.acts and set(question.acts) & set(passage_acts(p))), None)
    chosen: list[Passage] = [named] if named is not None else []

    def repeats(p: Passage) -> bool:
        return any(
            p.sentence in c.text
            or c.sentence in p.text  # the same stretch of text once (an act printed in two files too)
            or (p.document.id == c.document.id and abs(p.position - c.position) <= 1)  # a neighbour's words
            for c in chosen
        )

    for p in scored:
        if len(chosen) == k - 1 and about is not None and about not in chosen and not repeats(about):
            p = about
        if repeats(p):
            # The sentence after (or before) one chosen, holding what is asked too: both are given whole, once.
            for n, c in enumerate(chosen):
                if _joinable(c, p):
                    chosen[n] = _joined(c, p)
                    break
            continue
        chosen.append(p)
        if len(chosen) == k:
            break
    return sorted(chosen, key=lambda p: -p.score)


BM25_K1, BM25_B = 1.2, 0.75


def _bm25(index: Index, question: Question, texts: list[str]) -> list[float]:
    """BM25 of each text against the question's subject, the index's word weights as IDF."""
    bags = [[stem(w) for w in WORD.findall(fold(t))] for t in texts]
    average = sum(len(b) for b in bags) / max(len(bags), 1) or 1.0
    terms = {t.stem: (1.0 if t in question.terms else CARRIED_SHARE) for t in question.all_terms}
    out = []
    for bag in bags:
        counts: dict[str, int] = {}
        for s in bag:
            if s in terms:
                counts[s] = counts.get(s, 0) + 1
        norm = BM25_K1 * (1 - BM25_B + BM25_B * len(bag) / average)
        out.append(
            sum(terms[s] * weight_of(index, s) * tf * (BM25_K1 + 1) / (tf + norm) for s, tf in counts.items())
        )
    return out


def _own_share(index: Index, question: Question, all_sentences: list[Sentence], j: int, cache: dict) -> float:
    if j not in cache:
        cache[j] = _coverage(index, question, text_stems(all_sentences[j].text), set())
    return cache[j]


JOINED_WORDS = 70  # two neighbouring sentences given whole, at most


def _joinable(c: Passage, p: Passage) -> bool:
    return (
        p.asked
        and p.document.id == c.document.id
        and abs(p.position - c.position) == 1
        and p.sentence not in c.text
        and len(c.sentence.split()) + len(p.sentence.split()) <= JOINED_WORDS
        and not c.joined  # two sentences at most
    )


def _joined(c: Passage, p: Passage) -> Passage:
    """The chosen passage with its neighbour sentence, both whole, in reading order."""
    first, second = (c, p) if c.position < p.position else (p, c)
    text = f"{first.sentence} {second.sentence}"
    start = 0 if first is c else len(first.sentence) + 1
    return replace(
        c, text=text, start=start, end=start + len(c.sentence), asked=c.asked or p.asked, joined=True
    )


NEAR_SENTENCES = 3  # without the affaires of a document, sentences this close are of the same act


def same_act(a: Passage, b: Passage) -> bool:
    """The two passages are of one act: the same affaire of a document, or close sentences of it."""
    if a.document.id != b.document.id:
        return False
    if a.affaire is not None and b.affaire is not None:
        return a.affaire.idx == b.affaire.idx
    return abs(a.position - b.position) <= NEAR_SENTENCES


def passage_acts(p: Passage) -> tuple[str, ...]:
    """The act keys of the passage's document and affaire."""
    numbers = " ".join(x for x in (p.document.act_number, getattr(p.affaire, "act_number", None)) if x)
    return act_keys(numbers)


def _passage(
    index: Index,
    question: Question,
    doc: Document,
    all_sentences: list[Sentence],
    i: int,
    rank: int,
    words: int = PASSAGE_WORDS,
    hit_score: float = 0.0,
    in_hit: bool = True,
    before: float = 0.0,
) -> tuple[Passage, Raw]:
    s = all_sentences[i]
    previous = all_sentences[i - 1].text if i > 0 else ""
    following = _announced(all_sentences, i)
    if following:  # "Les délégués désignés sont :" is answered by the lines it announces
        s = Sentence(s.doc_id, s.page, s.first_word, " ".join([s.text, *following]))
    after = all_sentences[i + 1 + len(following)].text if i + 1 + len(following) < len(all_sentences) else ""
    affaire = affaire_at(index, doc.id, s.first_word)
    title = doc.objet or (affaire.title if affaire else "") or ""
    own = text_stems(s.text)
    # Its own act's title, or another's in the séance's agenda ("2. Travaux de voirie … 3.")
    heading = question.asks not in (RAPPORTEUR, NUMBER) and _is_heading(
        own, [text_stems(title), *_titles_of(index, doc.id)]
    )
    if heading:  # the act's title printed as its heading holds the subject's words, and never the answer
        own = frozenset()
    neighbours = text_stems(f"{previous} {after}")
    title_stems = text_stems(title)
    coverage = _coverage(
        index, question, own, neighbours | title_stems | (text_stems(s.text) if heading else set())
    )
    asked = asked_in(question, s.text) and not heading
    text, start = _around(previous, s.text, after, words)
    year_ok = _year_ok(question, doc, text, title)
    shown = _coverage(index, question, text_stems(text), title_stems)
    raw = Raw(
        coverage_own=_coverage(index, question, own, set()),
        coverage_around=_coverage(index, question, set(), neighbours - own),
        coverage_title=_coverage(index, question, title_stems, set()),
        coverage_before=before,
        coverage=coverage,
        bm25=0.0,
        asked=asked,
        heading=heading,
        roll_call=roll_call(s.text),
        tally=bool(_TALLY.search(s.text)),
        words=len(s.text.split()),
        doc_rank=rank / max(DOCUMENTS - 1, 1),
        in_hit=in_hit,
        hit_score=hit_score,
        year_ok=year_ok,
    )
    passage = Passage(
        doc,
        s.page,
        s.text,
        text,
        start,
        start + len(s.text),
        0.0,
        coverage,
        asked,
        affaire,
        year_ok,
        i,
        shown,
    )
    return passage, raw


ANNOUNCED_WORDS = 30  # at most this many words of the lines a sentence ending with ":" announces
ANNOUNCING_WORDS = 5
HEADING_SHARE = 0.7  # a sentence whose words are this much the act's title is its heading


def _announced(all_sentences: list[Sentence], i: int) -> list[str]:
    """The lines a sentence ending with a colon announces (a list, a name), up to ANNOUNCED_WORDS words."""
    text = all_sentences[i].text.rstrip()
    if not text.endswith(":") or len(text.split()) < ANNOUNCING_WORDS:
        return []  # "Absents :", "Paul MARTIN :": a label, not a sentence announcing its answer
    out: list[str] = []
    count = 0
    for nxt in all_sentences[i + 1 : i + 8]:
        n = len(nxt.text.split())
        if count + n > ANNOUNCED_WORDS or _TALLY.search(nxt.text) or nxt.text.rstrip().endswith(":"):
            break  # another list starts
        out.append(nxt.text)
        count += n
        if nxt.text.rstrip().endswith("."):
            break  # the list ends
    return out


def _is_heading(own: AbstractSet[str], titles: list[AbstractSet[str]]) -> bool:
    """The sentence is an act's title (and a few words more: a number, the rapporteur's name). A title
    followed by the body's first words is not: Pierrefonds' headings name the answer ("… locaux sis Rue Jean
    Lenoir, avec la Fondation …")."""
    words = {w for w in own if len(w) > 2 and not w.isdigit() and w[:1] != _SPELT}
    return len(words) >= 3 and any(len(words & title) >= HEADING_SHARE * len(words) for title in titles)


def _around(before: str, sentence: str, after: str, words: int = PASSAGE_WORDS) -> tuple[str, int]:
    """The sentence with its neighbours, cut to `words` words centred on it; and where it starts."""
    room = max(words - len(sentence.split()), 0)
    head = before.split()[-(room // 2) :] if room // 2 else []
    tail = after.split()[: room - len(head)] if room - len(head) > 0 else []
    prefix = " ".join(head)
    text = " ".join(x for x in (prefix, sentence, " ".join(tail)) if x)
    return text, (len(prefix) + 1 if prefix else 0)


# ------------------------------------------------------------------------------------------------------------
# Phrases of the question that no passage prints.

_REACH = 3  # "réseau municipal de chaleur" prints "réseau de chaleur": the second word within three after the first


def prints(phrase: Phrase, text: str) -> bool:
    """The text holds the phrase: its second word within a few words after the first."""
    stems = [stem(w) for w in WORD.findall(fold(text))]
    first = [i for i, s in enumerate(stems) if s == phrase.first]
    second = [i for i, s in enumerate(stems) if s == phrase.second]
    return any(0 < j - i <= _REACH for i in first for j in second)


def missing_phrases(question: Question, passages: list[Passage]) -> list[str]:
    """The question's phrases that no passage (nor its act's title) prints, as the question writes them.

    A passage that prints every name the question gives (names no paraphrase stands for: a firm's, a place's)
    and one word of the phrase speaks of the same thing in its own words ("périmètre de captage" for "zone de
    captage")."""
    texts = [f"{p.document.objet or ''} {p.affaire.title if p.affaire else ''} {p.text}" for p in passages]
    names = {
        t.stem
        for t in question.terms
        if t.proper and not t.stem.isdigit() and fold(t.word) not in GENERIC_NAME
    }
    named = [st for t in texts if names and names <= (st := text_stems(t))]
    return [
        ph.written
        for ph in question.phrases
        if not any(prints(ph, t) for t in texts) and not any({ph.first, ph.second} & st for st in named)
    ]
