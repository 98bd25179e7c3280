"""Answers read from what the documents print: a vote's tally, an act's number, who presented an affaire.

A small model drops figures and act numbers; these answers come straight from the structured data read at
ingestion, with the page that prints them, and need no generation. They are given only when the question asks for
one of these facts and the act found is plainly the one asked about; otherwise the model answers.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from index.lexical import fold
from index.search import Hit
from index.store import Document, Index, StoredAffaire

_VOTE = re.compile(
    r"\bvoix\b|unanimit|\babstention|\bscrutin|\bmajorit|\bquel vote|\b(?:le|du|son|ce) vote\b|\bvote sur\b"
    r"|\bvotee?s? contre\b|\bcomment\b.*\bvot|\bcombien\b.*\bcontre\b"
)
_NUMBER = re.compile(r"\bnumero\b|sous quel n|\bquel n ?°")
_RAPPORTEUR = re.compile(r"\brapporteur|\brapporte\b|\ba rapporte|\bpresente\b|\ba presente")
_SECOND_ASK = re.compile(r"\bet (?:quel|quelle|quels|quelles|combien|qui|quand|pourquoi|comment|a combien)\b")
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_WORD = re.compile(r"\w+")
_MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
# A full date ("du 17 novembre 2008", "du 12/03/2008") refers to an earlier act; a bare year says what a title is about.
_FULL_DATE = re.compile(
    r"\b\d{1,2}(?:er)?\s+(?:"
    + "|".join(fold(m) for m in _MONTHS)
    + r")\s+(?:19|20)\d{2}\b|\b\d{1,2}/\d{1,2}/(?:19|20)\d{2}\b"
)
# Words that say what is asked, not what it is about.
_ASKING = {
    fold(w)[:5]
    for w in [
        "quel",
        "quelle",
        "quels",
        "quelles",
        "qui",
        "quoi",
        "quand",
        "comment",
        "combien",
        "pourquoi",
        "est-ce",
        "était",
        "été",
        "elle",
        "il",
        "ils",
        "conseil",
        "conseillers",
        "municipal",
        "municipale",
        "ville",
        "mairie",
        "délibération",
        "délibérations",
        "numéro",
        "vote",
        "voté",
        "votée",
        "votes",
        "voix",
        "résultat",
        "rapporteur",
        "rapporté",
        "présenté",
        "présentée",
        "élu",
        "élus",
        "adopté",
        "adoptée",
        "unanimité",
        "majorité",
        "pour",
        "contre",
        "abstention",
        "abstentions",
        "score",
        "avec",
        "sous",
        "dans",
        "lors",
        "séance",
        "cette",
        "celle",
        "celui",
        "approuvé",
        "approuvés",
        "approuvée",
        "montant",
        "somme",
        "coûte",
        "coûtent",
        "coût",
        "dépense",
        "dépensé",
        "dépenses",
        "décidé",
        "décide",
        "décidée",
        "décision",
        "reçoit",
        "reçu",
        "obtient",
        "obtenu",
        "touche",
        "touché",
        "telle",
        "après",
        "depuis",
        "selon",
        "place",
        "mise",
        "fait",
        "faire",
        "donne",
        "donné",
        "accordé",
        "accordée",
        "attribué",
        "attribuée",
        "installer",
        "prévu",
        "prévue",
        "compte",
        "comptent",
    ]
} | {fold(m)[:5] for m in _MONTHS}
COVERAGE = 0.5  # share of the question's topic words the act must hold for a direct answer


@dataclass(frozen=True)
class Fact:
    text: str
    document: Document
    page: int
    affaire: StoredAffaire | None
    kind: str  # "vote", "numéro" or "rapporteur"


def asked(question: str) -> str | None:
    """Which fact the question asks for, if any."""
    q = fold(question).strip()
    second = _SECOND_ASK.search(q)
    compound = (
        second is not None and second.start() > 0
    )  # "quel numéro … et quel montant ?": the model answers
    if _NUMBER.search(q):
        return None if compound else "numéro"
    if _VOTE.search(q):
        return "vote"  # "qui a voté contre … et avec quel score ?": the tally answers both
    if _RAPPORTEUR.search(q) and not compound:
        return "rapporteur"
    return None


def topic(text: str) -> set[str]:
    """The words of a question that say what it is about (5-letter prefixes, accents folded)."""
    return {w[:5] for w in _WORD.findall(fold(text)) if (len(w) > 3 or w.isdigit()) and w[:5] not in _ASKING}


def coverage(query: str, text: str, weights: dict[str, float] | None = None) -> float:
    """Share of the question's subject found in the text; rare words weigh more when weights are given."""
    wanted = topic(query)
    if not wanted:
        return 0.0
    have = {w[:5] for w in _WORD.findall(fold(text))}
    weight = (lambda w: weights.get(w, _RARE)) if weights else (lambda w: 1.0)
    return sum(weight(w) for w in wanted & have) / sum(weight(w) for w in wanted)


_RARE = 8.0  # the weight of a word the index does not hold


def word_weights(index: Index) -> dict[str, float]:
    """Inverse document frequency of each word (5-letter prefix, accents folded) over the index's chunks."""
    cached = getattr(index, "_word_weights", None)
    if cached is None:
        df: dict[str, int] = {}
        for chunk in index.chunks:
            for w in {w[:5] for w in _WORD.findall(fold(chunk.indexed_text))}:
                df[w] = df.get(w, 0) + 1
        n = max(len(index.chunks), 1)
        cached = {w: math.log((n + 1) / (c + 0.5)) for w, c in df.items()}
        index._word_weights = cached  # type: ignore[attr-defined]
    return cached


def find_fact(index: Index, question: str, query: str, hits: list[Hit]) -> Fact | None:
    """Answer from the structured data when the question asks for a vote, a number or a rapporteur and the
    best-ranked act is plainly the one asked about; None otherwise."""
    kind = asked(question)
    if kind is None or not hits:
        return None
    best = hits[0]
    doc, affaire = best.document, index.affaire_of(best.chunk)
    about = " ".join(
        x for x in (doc.act_number, doc.objet, affaire.title if affaire else "", best.chunk.text) if x
    )
    title = doc.objet or (affaire.title if affaire else "")
    if coverage(query, about, word_weights(index)) < COVERAGE or not _years_match(query, doc, title, about):
        return None
    if kind == "vote":
        return _vote(index, affaire, question)
    if kind == "numéro":
        act = _act_of(index, doc, affaire)
        return _number(act) if act else None
    return _rapporteur(index, doc, affaire)


VOCABULARY_CHUNKS = 1000  # from this size on, a word no chunk uses is a subject the corpus does not cover
SUBJECT_FLOOR = (
    0.4  # below this share of the question's subject in every passage found, the answer is not there
)


def off_subject(index: Index, query: str, passages: list[str]) -> bool:
    """True when no passage found holds enough of the question's subject (rare words weighing more): the
    documents do not speak of it, whatever the model would make of them."""
    wanted = topic(query)
    if not wanted or not passages:
        return False
    weights = word_weights(index)
    big = len(index.chunks) >= VOCABULARY_CHUNKS
    if big and any(w not in weights and len(w) == 5 and not w.isdigit() for w in wanted):
        return True  # a word of the subject that no document of the corpus ever uses: "wifi", "moustique"
    seen = {w[:5] for text in passages for w in _WORD.findall(fold(text))}
    if len(wanted - seen) < 2:  # one word of the question's own phrasing may be missing; a subject is more
        return False
    return max(coverage(query, text, weights) for text in passages) < SUBJECT_FLOOR


_SPAN = re.compile(r"\b((?:19|20)\d{2})\s*[/-]\s*((?:19|20)\d{2})\b")


def lacks_evidence(index: Index, query: str, extracts: list[tuple[Document, str, str, str]]) -> bool:
    """True when the question names a year (or a season "2012/2013") and no extract that covers its subject is
    of that year: the documents hold the subject for another year only, so the answer is not there.

    extracts: (document, title, text shown to the model, text of the chunks it was cut from), best first. The
    subject is looked for in all of it; the year in what is shown (a chunk's context names its séance's year)."""
    years = set(_YEAR.findall(query))
    if not years or not extracts:
        return False
    spans = {f"{a}/{b}" for a, b in _SPAN.findall(query)}
    weights = word_weights(index)
    for doc, title, excerpt, chunks in extracts:
        if coverage(query, f"{title} {excerpt} {chunks}", weights) < COVERAGE:
            continue
        if spans:
            found = {f"{a}/{b}" for a, b in _SPAN.findall(f"{title} {excerpt}")}
            if spans & found:
                return False
        elif _years_match(query, doc, title, excerpt):
            return False
    return True


def _years_match(query: str, doc: Document, title: str, about: str) -> bool:
    """The text names the question's year, or the séance was held that year and the title names no other:
    "Report d'affectation de subventions votées en 2013", examined in February 2014, is about 2013."""
    years = set(_YEAR.findall(query))
    if not years or any(y in f"{title} {about}" for y in years):
        return True
    return bool(doc.seance_date and doc.seance_date[:4] in years) and not _YEAR.search(
        _FULL_DATE.sub("", fold(title))
    )


def _act_of(index: Index, doc: Document, affaire: StoredAffaire | None) -> Document | None:
    if doc.kind == "délibération" and doc.act_number:
        return doc
    linked = index.linked(affaire) if affaire else None
    act = index.documents[linked.doc_id] if linked else None
    return act if act is not None and act.act_number else None


def french_date(iso: str | None) -> str:
    if not iso:
        return ""
    year, month, day = iso.split("-")
    return f"{int(day)}{'er' if day == '01' else ''} {_MONTHS[int(month) - 1]} {year}"


def _outcome(a: StoredAffaire) -> str:
    printed = (a.vote or "").split(" · ")[-1]
    if ":" not in printed and printed:
        if a.contre and "unanimit" in fold(printed):  # a comptes rendu of May 2011 prints both
            return f"Adopté à la majorité (le document imprime « {printed} » malgré {a.contre} voix contre)"
        return printed[0].upper() + printed[1:]
    return {"unanimité": "Adopté à l'unanimité", "majorité": "Adopté à la majorité", "rejeté": "Rejeté"}.get(
        a.outcome or "", "Adopté"
    )


def counts(a: StoredAffaire) -> str:
    """ "58 voix pour, 1 contre (M. Viguié), 7 abstentions", from the printed tally."""
    parts = [f"{a.pour} voix pour"]
    if a.contre is not None:
        against = "aucune voix contre" if a.contre == 0 else f"{a.contre} contre"
        parts.append(against + (f" ({a.dissenters})" if a.dissenters else ""))
    if a.abstention:
        parts.append(f"{a.abstention} abstention{'s' if a.abstention > 1 else ''}")
    if a.ne_prend_pas_part:
        parts.append(f"{a.ne_prend_pas_part} ne prenant pas part au vote")
    return ", ".join(parts)


def _vote(index: Index, affaire: StoredAffaire | None, question: str) -> Fact | None:
    tally = index.tally(affaire) if affaire else None
    if tally is None or tally.vote_page is None:
        return None
    doc = index.documents[tally.doc_id]
    outcome = _outcome(tally)
    act = _act_of(index, doc, tally)
    text = (
        f"{outcome} au conseil du {french_date(doc.seance_date)} : {counts(tally)}. "
        f"Affaire{f' n° {tally.number}' if tally.number else ''} « {tally.title[:200]} »"
        + (f" (délibération n° {act.act_number})" if act else "")
        + f", vote imprimé page {tally.vote_page}."
    )
    q = fold(question)
    if "unanimit" in q and re.search(r"\best-ce\b|-t-(?:il|elle)|-(?:ils|elles)\b|^(?:a|ont|est|sont)\b", q):
        text = ("Oui. " if tally.outcome == "unanimité" and not tally.contre else "Non. ") + text
    return Fact(text, doc, tally.vote_page, tally, "vote")


def _number(act: Document) -> Fact:
    text = (
        f"Délibération n° {act.act_number} du conseil du {french_date(act.seance_date)} : « {act.objet} »"
        + (f" (rapporteur : {act.rapporteur})" if act.rapporteur else "")
        + "."
    )
    return Fact(text, act, 1, None, "numéro")


def _rapporteur(index: Index, doc: Document, affaire: StoredAffaire | None) -> Fact | None:
    if doc.kind == "délibération" and doc.rapporteur:
        text = (
            f"{doc.rapporteur} a rapporté la délibération n° {doc.act_number} du conseil du "
            f"{french_date(doc.seance_date)} : « {doc.objet} »."
        )
        return Fact(text, doc, 1, affaire, "rapporteur")
    if affaire is not None and affaire.rapporteur:
        text = (
            f"{affaire.rapporteur} a présenté l'affaire{f' n° {affaire.number}' if affaire.number else ''} "
            f"« {affaire.title[:200]} » au conseil du {french_date(doc.seance_date)}."
        )
        return Fact(text, doc, affaire.page, affaire, "rapporteur")
    return None
