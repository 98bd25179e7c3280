"""Answers read from what the documents print: a vote's tally, an act's number, who presented an affaire.

A small model drops figures and act numbers; these answers come straight from the structured data read at
ingestion, with the page that prints them, and need no generation. They are given only when the question asks
for one of these facts and the evidence found is plainly about the subject asked; otherwise the model answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.answer.evidence import FULL_DATE, Passage, passage_acts, printed, text_stems, weight_of
from app.answer.printed import number_line, rapporteur_line, tally_lines
from app.answer.question import NUMBER, RAPPORTEUR, VOTE, Question
from index.french import YEAR, fold, french_date
from index.store import Document, Index, StoredAffaire

# Share of the subject's weight the passage must hold for its act to be taken as the one asked about.
FACT_COVERAGE = 0.4
# Share of the question's own subject the act's title (objet, or the affaire's heading) must hold.
TITLE_SHARE = 0.1
# An act whose title alone holds half the subject is the one asked about, whatever the passage found in it
# (a compte rendu prints an affaire as its title and its tally, nothing else).
TITLE_COVERS = 0.5


def title_share(index: Index, question: Question, title: str) -> float:
    """Weighted share of the question's own subject that the title prints."""
    have = text_stems(title)
    terms = question.all_terms  # a follow-up's own words are few: the subject it carries counts too
    total = sum(weight_of(index, t.stem) for t in terms)
    got = sum(weight_of(index, t.stem) for t in terms if printed(t, have))
    return got / total if total else 0.0


@dataclass(frozen=True)
class Fact:
    text: str
    document: Document
    page: int
    affaire: StoredAffaire | None
    kind: str  # "vote", "numéro" or "rapporteur"
    printed: str  # the line of the page the fact is read from, as printed (the reader marks it)


def find_fact(index: Index, question: Question, passages: list[Passage]) -> Fact | None:
    """Answer from the structured data when the question asks for a vote, a number or a rapporteur and the
    passage that holds most of the subject is plainly about it; None otherwise."""
    if question.asks not in (VOTE, NUMBER, RAPPORTEUR) or not passages:
        return None
    if question.compound and question.asks != VOTE:
        return None  # "quel numéro … et quel montant ?": the model answers both (a tally answers "qui … et avec quel score")
    named = [p for p in passages if question.acts and set(question.acts) & set(passage_acts(p))]
    if named:  # the act is named by its number (in the question, or in the answer it follows)
        about = named[0]
    else:
        # The subject, not the tally, says which act: of the passages about it, the one whose act's title and
        # own words say most of it (a row of a table of acts may stand under its neighbour's heading; a title
        # naming the same body as the question over a passage that prints little else is another act).
        shares = {id(p): title_share(index, question, _title(p)) for p in passages}
        about_subject = [
            p
            for p in passages
            if p.year_ok and (p.coverage >= FACT_COVERAGE or shares[id(p)] >= TITLE_COVERS)
        ]
        if not about_subject:
            return None
        about = max(about_subject, key=lambda p: (shares[id(p)] + p.coverage, shares[id(p)]))
        if shares[id(about)] < TITLE_SHARE:
            return None  # the passage is about the subject, but the act it was filed under is not
    doc, affaire = about.document, about.affaire
    if question.council and doc.council and doc.council != question.council:
        return None  # another council's act: its vote is not the one asked
    if not _of_the_year(about, question):
        # A passage of a later séance recalls the act asked (« par délibération du 3 avril 2017 »).
        return None
    if question.asks == VOTE:
        return _vote(index, affaire, question)
    if question.asks == NUMBER:
        return _number(index, doc, affaire)
    return _rapporteur(index, doc, affaire)


_ACT_NUMBER = re.compile(r"\bn\s?°\s*\S+", re.IGNORECASE)  # « n° 2019-12 »: a number, no year said


def _of_the_year(p: Passage, question: Question) -> bool:
    """The act of the passage is of the year asked: held that year, or its title or the passage names the year
    otherwise than in a full date or an act's number (« Budget primitif 2012 » voted in December 2011, « pour
    l'exercice 2027 »); « par délibération n° 2017-31 du 3 avril 2017 » recalls an earlier act, not this one."""
    held = p.document.seance_date or getattr(p.affaire, "date", None)
    if not question.years or not held or held[:4] in question.years:
        return True
    said = _ACT_NUMBER.sub("", FULL_DATE.sub("", f"{_title(p)} {p.text}"))
    return any(y in YEAR.findall(said) for y in question.years)


def _title(p: Passage) -> str:
    return p.document.objet or (p.affaire.title if p.affaire else "")


def act_of(index: Index, doc: Document, affaire: StoredAffaire | None) -> tuple[str, Document] | None:
    """The act number of a délibération, or of the affaire (printed in the minutes, or its linked act)."""
    if doc.kind == "délibération" and doc.act_number:
        return doc.act_number, doc
    printed = getattr(affaire, "act_number", None)
    if printed:
        return printed, doc
    linked = index.linked(affaire) if affaire else None
    act = index.documents.get(linked.doc_id) if linked else None
    if act is not None and act.act_number:
        return act.act_number, act
    return None


def outcome(a: StoredAffaire) -> str:
    printed = (a.vote or "").split(" · ")[-1]
    if ":" not in printed and printed:
        if a.contre and "unanimit" in fold(printed):  # some minutes print both
            return f"Adopté à la majorité (le document imprime « {printed} » malgré {a.contre} voix contre)"
        return printed[0].upper() + printed[1:]
    return {"unanimité": "Adopté à l'unanimité", "majorité": "Adopté à la majorité", "rejeté": "Rejeté"}.get(
        a.outcome or "", "Adopté"
    )


def counts(a: StoredAffaire) -> str:
    """ "58 voix pour, 1 contre (M. Viguié), 7 abstentions (…)", from the printed tally."""
    parts = [f"{a.pour} voix pour"] if a.pour is not None else []
    if a.contre is not None:
        against = "aucune voix contre" if a.contre == 0 else f"{a.contre} contre"
        parts.append(against + (f" ({a.dissenters})" if a.dissenters else ""))
    if a.abstention:
        who = getattr(a, "abstainers", None)
        parts.append(
            f"{a.abstention} abstention{'s' if a.abstention > 1 else ''}" + (f" ({who})" if who else "")
        )
    if a.ne_prend_pas_part:
        parts.append(f"{a.ne_prend_pas_part} ne prenant pas part au vote")
    return ", ".join(parts)


def _vote(index: Index, affaire: StoredAffaire | None, question: Question) -> Fact | None:
    tally = (index.tally(affaire) or (affaire if affaire.vote else None)) if affaire else None
    if tally is None or tally.vote_page is None:
        return None  # no vote printed for this affaire (or none read): the model answers from the evidence
    doc = index.documents[tally.doc_id]
    act = act_of(index, doc, tally)
    tallied = counts(tally)
    text = (
        f"{outcome(tally)} au conseil du {french_date(doc.seance_date)}"
        + (f" : {tallied}" if tallied else "")
        + f". Affaire{f' n° {tally.number}' if tally.number else ''} « {tally.title[:200]} »"
        + (f" (délibération n° {act[0]})" if act else "")
        + f", vote imprimé page {tally.vote_page}."
    )
    if question.yes_no and question.verdict == "unanimité":
        unanimous = tally.outcome == "unanimité" and not tally.contre and not tally.abstention
        text = ("Oui. " if unanimous else "Non. ") + text
    elif question.yes_no:  # « a-t-elle été adoptée ? »: the outcome says yes or no, the tally how
        rejection_asked = question.verdict == "rejet"
        text = ("Oui. " if (tally.outcome == "rejeté") == rejection_asked else "Non. ") + text
    printed = tally_lines(index, tally)
    if printed is None:
        return Fact(text, doc, tally.vote_page, tally, "vote", tally.vote or "")
    return Fact(text, doc, printed.page, tally, "vote", printed.text)


def _number(index: Index, doc: Document, affaire: StoredAffaire | None) -> Fact | None:
    found = act_of(index, doc, affaire)
    if found is None:
        return None
    number, act = found
    objet = act.objet or (affaire.title if affaire else "")
    held = act.seance_date or (affaire.date if affaire is not None else None)  # a répertoire dates each row
    text = (
        f"Délibération n° {number}"
        + (f" du conseil du {french_date(held)}" if held else "")
        + (f" : « {objet[:200]} »" if objet else "")
        + (f" (rapporteur : {act.rapporteur})" if act.rapporteur else "")
        + "."
    )
    page = affaire.page if affaire is not None and act.id == doc.id and doc.kind != "délibération" else 1
    printed = number_line(index, act.id, number, [page, page + 1])
    if printed is None:
        return Fact(text, act, page, affaire, "numéro", f"n° {number}")
    return Fact(text, act, printed.page, affaire, "numéro", printed.text)


def _rapporteur(index: Index, doc: Document, affaire: StoredAffaire | None) -> Fact | None:
    if doc.kind == "délibération" and doc.rapporteur:
        text = (
            f"{doc.rapporteur} a rapporté la délibération n° {doc.act_number} du conseil du "
            f"{french_date(doc.seance_date)} : « {doc.objet} »."
        )
        printed = rapporteur_line(index, doc.id, doc.rapporteur, [1, 2])
        if printed is None:
            return Fact(text, doc, 1, affaire, "rapporteur", f"{doc.rapporteur} rapporte")
        return Fact(text, doc, printed.page, affaire, "rapporteur", printed.text)
    if affaire is not None and affaire.rapporteur:
        text = (
            f"{affaire.rapporteur} a présenté l'affaire{f' n° {affaire.number}' if affaire.number else ''} "
            f"« {affaire.title[:200]} » au conseil du {french_date(doc.seance_date)}."
        )
        pages = [affaire.page, affaire.page + 1]
        printed = rapporteur_line(index, doc.id, affaire.rapporteur, pages, heading=affaire.title)
        if printed is None:
            return Fact(text, doc, affaire.page, affaire, "rapporteur", affaire.rapporteur)
        return Fact(text, doc, printed.page, affaire, "rapporteur", printed.text)
    return None
