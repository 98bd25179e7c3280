"""Find acts for council staff: words, act numbers and receipt ids; one page of results, with facets.

An act is a délibération, or an affaire of a procès-verbal or compte rendu. Words are matched by BM25 over every
chunk (staff look for exact words: a name, a street, a number); an act number or a préfecture receipt id in the
query finds the act directly.
"""

from __future__ import annotations

from dataclasses import replace

from app.search.facets import facets
from app.search.filters import SORTS, Filters
from app.search.results import Act, Results, Vote
from app.search.snippets import Snippet, snippet
from index.collectivites import resolve
from index.identifiers import identifiers_only
from index.search import named_acts
from index.store import Document, Index, StoredAffaire, StoredChunk

Key = tuple[str, int | None]  # (document id, affaire index): None for a délibération, which is one act


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
    if filters.collectivite:  # UnknownCollectivite, listing the index's, when it names none of them
        filters = replace(filters, collectivite=resolve(filters.collectivite, index.documents.values()))
    query = query.strip()
    best = _matches(index, query) if query else _everything(index)
    matched = [_act(index, key, chunk, score) for key, (score, chunk) in best.items()]
    acts = [a for a in matched if filters.keep(a)]
    if sort == "relevance" and query:
        acts.sort(key=lambda a: (-a.score, a.seance_date or ""))
    else:
        acts.sort(key=lambda a: (a.seance_date or "", a.act_number or "", a.page), reverse=sort != "date_asc")
    start = (page - 1) * per_page
    # Snippets only for the page shown: the stretch of the chunk found that matches best.
    shown = [replace(a, snippet=snippet(a.snippet.text, query)) for a in acts[start : start + per_page]]
    return Results(len(acts), page, per_page, shown, facets(matched, filters))


def _matches(index: Index, query: str) -> dict[Key, tuple[float, StoredChunk]]:
    """The acts the query finds, each with its best chunk and a score (1 for the best match by words)."""
    best: dict[Key, tuple[float, StoredChunk]] = {}
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
    return best


def _everything(index: Index) -> dict[Key, tuple[float, StoredChunk]]:
    best: dict[Key, tuple[float, StoredChunk]] = {}
    for chunk in index.chunks:
        best.setdefault(_key(index, chunk), (0.0, chunk))
    return best


def _key(index: Index, chunk: StoredChunk) -> Key:
    doc = index.documents[chunk.doc_id]
    return (doc.id, None if doc.kind == "délibération" else chunk.affaire)


def _act(index: Index, key: Key, chunk: StoredChunk, score: float) -> Act:
    doc = index.documents[key[0]]
    affaire = index.affaires.get((doc.id, key[1])) if key[1] is not None else None
    if doc.kind == "délibération":
        affaire = index.affaires.get((doc.id, 0))
    page = chunk.page if score > 0 else (affaire.page if affaire else 1)
    minutes = doc.kind != "délibération" and affaire is not None
    return Act(
        id=f"{doc.id}:{affaire.idx}" if minutes and affaire else doc.id,
        doc_id=doc.id,
        kind=doc.kind,
        title=_title(doc, affaire),
        file=doc.path,
        page=page,
        seance_date=doc.seance_date,
        council=doc.council,
        collectivite=doc.collectivite,
        act_number=doc.act_number or _linked_number(index, affaire),
        receipt_id=doc.receipt_id,
        rapporteur=(affaire.rapporteur if minutes and affaire else doc.rapporteur),
        affaire_number=affaire.number if minutes and affaire else None,
        vote=_vote(index, affaire),
        snippet=Snippet(chunk.text),  # cut to its best stretch if the act is on the page shown
        score=round(score, 4),
    )


def _vote(index: Index, affaire: StoredAffaire | None) -> Vote | None:
    """The affaire's tally, or the one its linked affaire prints when it prints none."""
    shown = (index.tally(affaire) or affaire) if affaire else None
    if shown is None or not shown.vote:
        return None
    return Vote(
        pour=shown.pour,
        contre=shown.contre,
        abstention=shown.abstention,
        ne_prend_pas_part=shown.ne_prend_pas_part,
        outcome=shown.outcome,
        dissenters=shown.dissenters,
        text=shown.vote,
        page=shown.vote_page,
        doc_id=shown.doc_id,
        file=index.documents[shown.doc_id].path,
    )


def _title(doc: Document, affaire: StoredAffaire | None) -> str:
    if doc.objet:
        return doc.objet
    if affaire is not None:
        return affaire.title
    return doc.path.rsplit("/", 1)[-1]


def _linked_number(index: Index, affaire: StoredAffaire | None) -> str | None:
    linked = index.linked(affaire) if affaire else None
    return index.documents[linked.doc_id].act_number if linked else None


def act_on_page(index: Index, doc_id: str, page: int) -> Act | None:
    """The act a page of a document belongs to: the délibération, or the affaire of the minutes open there."""
    doc = index.documents.get(doc_id)
    chunks = index.document_chunks(doc_id)
    if doc is None or not chunks:
        return None
    chunk = next((c for c in chunks if c.page_start <= page <= c.page_end), chunks[0])
    affaires = [a for a in index.document_affaires(doc_id) if a.page <= page]
    key = None if doc.kind == "délibération" or not affaires else affaires[-1].idx
    return _act(index, (doc_id, key), chunk, 0.0)
