"""Search for council staff: acts and affaires (not chunks), filtered, sorted, paged, with facets and snippets.

An act is a délibération, or an affaire of a procès-verbal or compte rendu. Words are matched by BM25 over every
chunk (staff look for exact words: a name, a street, a number); an act number or a préfecture receipt id in the
query finds the act directly.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import asdict, dataclass, field

from index.lexical import fold
from index.search import identifiers_only, named_acts
from index.store import Document, Index, StoredAffaire, StoredChunk

OUTCOMES = ("unanimité", "majorité", "adopté", "rejeté")
SORTS = ("relevance", "date", "date_asc")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Filters:
    date_from: str | None = None  # ISO dates, inclusive
    date_to: str | None = None
    council: str | None = None  # "conseil municipal", …
    rapporteur: str | None = None  # any part of the name, accents and case ignored
    outcome: str | None = None  # one of OUTCOMES
    kind: str | None = None  # "délibération", "procès-verbal", "compte rendu"
    seance: str | None = None  # ISO date of one séance


@dataclass
class Act:
    id: str  # the document id, or "document id:affaire index" for an affaire of the minutes
    kind: str
    title: str
    file: str
    page: int
    url: str
    seance_date: str | None
    council: str | None
    act_number: str | None
    receipt_id: str | None
    rapporteur: str | None
    affaire_number: int | None
    vote: dict | None  # {pour, contre, abstention, ne_prend_pas_part, outcome, dissenters, text, page}
    snippet: str = ""  # HTML: escaped text, matched words in <mark>
    score: float = 0.0


@dataclass
class Results:
    total: int
    page: int
    per_page: int
    acts: list[Act]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def search_acts(
    index: Index,
    query: str = "",
    filters: Filters | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 20,
) -> Results:
    """Return one page of the acts matching the query and filters, and facet counts over all of them."""
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {SORTS}")
    filters = filters or Filters()
    query = query.strip()
    best: dict[tuple[str, int | None], tuple[float, StoredChunk]] = {}
    if query:
        scores = index.lexical.scores(query)
        top = max(float(scores.max()), 1e-9) if scores.size else 1.0
        for row in map(int, (scores > 0).nonzero()[0]):
            chunk = index.chunks[row]
            key = _key(index, chunk)
            score = float(scores[row]) / top
            if key not in best or score > best[key][0]:
                best[key] = (score, chunk)
        named = named_acts(index, query)
        only = bool(named) and identifiers_only(query)
        if only:
            best = {}  # only a number or a receipt id: that act and its affaire in the minutes, nothing else
        for doc in named:  # "2013/138" or a receipt id: that act first
            best[(doc.id, None)] = (2.0, index.document_chunks(doc.id)[0])
            linked = index.linked(index.affaires[(doc.id, 0)]) if (doc.id, 0) in index.affaires else None
            if only and linked is not None:
                chunks = [c for c in index.document_chunks(linked.doc_id) if c.affaire == linked.idx]
                if chunks:
                    best[(linked.doc_id, linked.idx)] = (1.5, chunks[0])
    else:
        for chunk in index.chunks:
            best.setdefault(_key(index, chunk), (0.0, chunk))
    acts = [_act(index, key, chunk, score, query) for key, (score, chunk) in best.items()]
    acts = [a for a in acts if _keep(a, filters)]
    if sort == "relevance" and query:
        acts.sort(key=lambda a: (-a.score, a.seance_date or ""))
    else:
        acts.sort(key=lambda a: (a.seance_date or "", a.act_number or "", a.page), reverse=sort != "date_asc")
    facets = {
        "year": Counter((a.seance_date or "")[:4] or "inconnue" for a in acts),
        "council": Counter(a.council or "inconnu" for a in acts),
        "kind": Counter(a.kind for a in acts),
        "outcome": Counter((a.vote or {}).get("outcome") or "non imprimé" for a in acts),
        "rapporteur": Counter(dict(Counter(a.rapporteur for a in acts if a.rapporteur).most_common(15))),
    }
    start = (page - 1) * per_page
    shown = acts[start : start + per_page]
    for a in shown:  # snippets only for the page shown
        a.snippet = _snippet(a.snippet, query)
    return Results(len(acts), page, per_page, shown, {k: dict(v.most_common()) for k, v in facets.items()})


def _key(index: Index, chunk: StoredChunk) -> tuple[str, int | None]:
    doc = index.documents[chunk.doc_id]
    return (doc.id, None if doc.kind == "délibération" else chunk.affaire)


def _act(index: Index, key: tuple[str, int | None], chunk: StoredChunk, score: float, query: str) -> Act:
    doc = index.documents[key[0]]
    affaire = index.affaires.get((doc.id, key[1])) if key[1] is not None else None
    if doc.kind == "délibération":
        affaire = index.affaires.get((doc.id, 0))
    tally = index.tally(affaire) if affaire else None
    shown = tally or affaire
    vote = None
    if shown is not None and shown.vote:
        vote = {
            "pour": shown.pour,
            "contre": shown.contre,
            "abstention": shown.abstention,
            "ne_prend_pas_part": shown.ne_prend_pas_part,
            "outcome": shown.outcome,
            "dissenters": shown.dissenters,
            "text": shown.vote,
            "page": shown.vote_page,
            "file": index.documents[shown.doc_id].path,
            "url": f"/documents/{shown.doc_id}.pdf#page={shown.vote_page}",
        }
    page = chunk.page if score > 0 else (affaire.page if affaire else 1)
    minutes = doc.kind != "délibération" and affaire is not None
    act = Act(
        id=f"{doc.id}:{affaire.idx}" if minutes and affaire else doc.id,
        kind=doc.kind,
        title=_title(doc, affaire),
        file=doc.path,
        page=page,
        url=f"/documents/{doc.id}.pdf#page={page}",
        seance_date=doc.seance_date,
        council=doc.council,
        act_number=doc.act_number or _linked_number(index, affaire),
        receipt_id=doc.receipt_id,
        rapporteur=(affaire.rapporteur if minutes and affaire else doc.rapporteur),
        affaire_number=affaire.number if minutes and affaire else None,
        vote=vote,
        snippet=chunk.text,  # cut to its best stretch for the page shown
        score=round(score, 4),
    )
    return act


def _title(doc: Document, affaire: StoredAffaire | None) -> str:
    if doc.objet:
        return doc.objet
    if affaire is not None:
        return affaire.title
    return doc.path.rsplit("/", 1)[-1]


def _linked_number(index: Index, affaire: StoredAffaire | None) -> str | None:
    linked = index.linked(affaire) if affaire else None
    return index.documents[linked.doc_id].act_number if linked else None


def _keep(a: Act, f: Filters) -> bool:
    date = a.seance_date or ""
    if f.date_from and (not date or date < f.date_from):
        return False
    if f.date_to and (not date or date > f.date_to):
        return False
    if f.seance and date != f.seance:
        return False
    if f.council and fold(a.council or "") != fold(f.council):
        return False
    if f.kind and fold(a.kind) != fold(f.kind):
        return False
    if f.outcome and (a.vote or {}).get("outcome") != f.outcome:
        return False
    return not (f.rapporteur and fold(f.rapporteur) not in fold(a.rapporteur or ""))


def best_window(text: str, query: str, words: int) -> str:
    """The `words`-word stretch of the text that shares most words with the query, centred on them."""
    tokens = text.split()
    if len(tokens) <= words:
        return text
    wanted = {w[:6] for w in _WORD.findall(fold(query)) if len(w) > 2 or w.isdigit()}
    hits = [1 if {w[:6] for w in _WORD.findall(fold(t))} & wanted else 0 for t in tokens]
    window = sum(hits[:words])
    best, best_at = window, 0
    for start in range(1, len(tokens) - words + 1):
        window += hits[start + words - 1] - hits[start - 1]
        if window > best:
            best, best_at = window, start
    matched = [i for i in range(best_at, best_at + words) if hits[i]]
    if matched:
        centre = (matched[0] + matched[-1]) // 2
        best_at = max(0, min(len(tokens) - words, centre - words * 2 // 5))
    return " ".join(tokens[best_at : best_at + words])


def _snippet(text: str, query: str, words: int = 40) -> str:
    """The stretch of text that matches best, escaped, with the query's words in <mark>."""
    stretch = best_window(text, query, words) if query else " ".join(text.split()[:words])
    wanted = {w[:6] for w in _WORD.findall(fold(query)) if len(w) > 2 or w.isdigit()}
    out = []
    for token in stretch.split():
        escaped = html.escape(token)
        stems = {w[:6] for w in _WORD.findall(fold(token))}
        out.append(f"<mark>{escaped}</mark>" if stems & wanted else escaped)
    return " ".join(out)
