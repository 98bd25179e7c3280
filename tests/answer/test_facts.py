"""Answers read from the structured data (vote, act number, rapporteur) over real acts and minutes, and the
evidence rules that refuse an answer before the model is asked."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from app.answer.assistant import Assistant
from app.http.app import create_app
from app.settings import Settings

SUBSIDIES_2014 = "Quel a été le vote sur la délibération n° 2014/121 d'attribution des subventions 2014 ?"


@pytest.fixture(scope="module")
def facts_only(council, embedder):
    """The assistant with no model at all: what it answers comes from the structured data alone."""
    return Assistant(council, embedder, None)


def test_vote_question_is_answered_from_the_printed_tally(facts_only):
    answer = facts_only.answer(SUBSIDIES_2014)
    assert answer.found and answer.structured
    assert "55 voix pour" in answer.text and "unanimité" in answer.text
    (citation,) = answer.citations
    assert citation.file.endswith("PV_CM_17_02_2014.pdf") and citation.page == 233
    assert f"[{citation.n}]" in answer.text
    assert "sans texte rédigé par l'intelligence artificielle" in answer.notice


def test_yes_no_vote_question_names_the_dissenter(facts_only):
    answer = facts_only.answer(
        "Est-ce que le nom de la place Georges Frêche a été voté à l'unanimité par le conseil municipal ?"
    )
    assert answer.structured and answer.text.startswith("Non.")
    assert "58 voix pour" in answer.text and "1 contre (M. Viguié)" in answer.text
    assert answer.citations[0].file.endswith("CR_CM_07_02_2011.pdf")


def test_whether_an_act_was_adopted_is_answered_yes_with_its_tally(facts_only):
    answer = facts_only.answer(
        "La délibération n° 2014/121 d'attribution des subventions 2014 a-t-elle été adoptée ?"
    )
    assert answer.structured and answer.text.startswith("Oui.")
    assert "55 voix pour" in answer.text
    rejected = facts_only.answer(
        "La délibération n° 2014/121 d'attribution des subventions 2014 a-t-elle été rejetée ?"
    )
    assert rejected.structured and rejected.text.startswith("Non.")


def test_a_vote_of_another_council_is_not_the_one_asked(facts_only):
    # The index holds the city council's acts only: the community council's vote is not among them.
    answer = facts_only.answer(SUBSIDIES_2014.replace("Quel a été le vote", "Quel a été le vote du conseil "
                                                      "communautaire"))  # fmt: skip
    assert not answer.found and not answer.structured and answer.refused_by == "evidence"
    assert "conseil communautaire" in answer.check_reason
    assert facts_only.answer(SUBSIDIES_2014.replace("le vote", "le vote du conseil municipal")).structured


def test_a_person_named_in_the_other_gender_is_the_same_subject():
    from app.answer.evidence import printed
    from app.answer.question import analyse
    from index.french import content_stems, other_gender

    assert "controleur" in other_gender("controleuse") and "directeur" in other_gender("directrice")
    assert "conseillere" in other_gender("conseiller")
    [term] = [t for t in analyse("Quelle prime pour la contrôleuse ?").terms if t.word == "contrôleuse"]
    assert printed(term, content_stems("Prime annuelle allouée au contrôleur des travaux"))
    assert not printed(term, content_stems("Prime annuelle allouée au conducteur des travaux"))


def test_an_undated_document_is_of_the_year_its_file_is_named_for():
    from app.answer.evidence import _year_ok
    from app.answer.question import analyse
    from index.store import Document

    rules = Document("x", "loisirs/reglement-piscine-2023-2024.pdf", "0", 1, "document", None, None,
                     None, None, None)  # fmt: skip
    assert _year_ok(analyse("Quel est le prix d'une entrée en 2023 ?"), rules, "Tarifs des entrées", "")
    assert not _year_ok(analyse("Quel est le prix d'une entrée en 2021 ?"), rules, "Tarifs des entrées", "")
    seance = Document("y", "pv-2023.pdf", "0", 1, "procès-verbal", None, "2022-12-05", None, None, None)
    assert not _year_ok(analyse("Quel est le prix d'une entrée en 2023 ?"), seance, "Tarifs", "")


def test_act_number_and_rapporteur_come_from_the_act(facts_only):
    number = facts_only.answer(
        "Quel est le numéro de la délibération fixant les taux d'imposition pour 2013 ?"
    )
    assert number.structured and "n° 2013/138" in number.text and "25 mars 2013" in number.text
    who = facts_only.answer("Qui a rapporté l'acquisition du terrain pour le groupe scolaire Chengdu ?")
    assert who.structured and who.text.startswith("Michaël DELAFOSSE a rapporté")
    assert "n° 2012/47" in who.text  # printed number kept as printed, even when it looks wrong


def test_questions_without_a_plain_match_are_left_to_the_model(facts_only):
    # A vote on a subject the documents do not hold, and a compound question: no direct answer.
    assert not facts_only.answer(
        "Le conseil a-t-il voté un plan de lutte contre le moustique tigre ?"
    ).structured
    compound = facts_only.answer(
        "Quel est le numéro de la délibération sur les taux d'imposition 2013 et quel est le taux de la taxe ?"
    )
    assert not compound.structured
    # Another year than the act's: not this act.
    assert not facts_only.answer(
        "Quel a été le vote sur les subventions aux associations en 2019 ?"
    ).structured


def test_subject_found_only_for_another_year_is_refused_without_asking_the_model(council, embedder, scripted):
    assistant = Assistant(council, embedder, scripted)
    answer = assistant.answer(
        "Combien la Ville a-t-elle donné à l'association Musique Sans Frontières en 2019 ?"
    )
    assert not answer.found and scripted.history == []  # the act is of 2014: refused from the evidence
    assert answer.extracts  # the sources consulted are still shown
    scripted.enqueue("La Ville lui a attribué une subvention [1].")
    same_year = assistant.answer(
        "Combien la Ville a-t-elle donné à l'association Musique Sans Frontières en 2014 ?"
    )
    assert same_year.found and len(scripted.history) == 1


def test_a_receipt_id_or_act_number_in_a_question_puts_that_act_first(facts_only):
    ask = facts_only.understand
    hits = facts_only.retrieve(ask("Que décide l'acte 034-213401722-20130204-0000061129-DE ?"))
    assert hits[0].document.receipt_id == "034-213401722-20130204-0000061129-DE"
    hits = facts_only.retrieve(ask("Et la délibération 2013/138, que fixe-t-elle ?"))
    assert hits[0].document.act_number == "2013/138"


def test_api_says_when_an_answer_was_read_rather_than_generated(council, embedder):
    app = create_app(Settings(), Assistant(council, embedder, None))
    with TestClient(app) as client:
        body = client.post("/api/chat", json={"question": SUBSIDIES_2014}).json()
        assert body["structured"] and body["found"] and "55 voix pour" in body["answer"]
        assert body["citations"][0]["url"].endswith("#page=233")


def test_a_title_naming_another_year_is_not_evidence_for_the_seance_year(council, embedder):
    # The 2014 minutes list the association under "Report d'affectation de subventions votées en 2013" (page 199):
    # examined in 2014, the subsidy is of 2013, so that passage is no evidence for a question about 2014.
    from app.answer.evidence import find_evidence

    assistant = Assistant(council, embedder, None)
    question = (
        "Quelle subvention la Ville a-t-elle accordée à l'association Mécénat Chirurgie Cardiaque en 2014 ?"
    )
    for year, expected in (("2014", False), ("2013", True)):
        q = assistant.understand(question.replace("2014", year))
        passages = find_evidence(council, q, assistant.retrieve(q))
        [row] = [p for p in passages if "MECENAT CHIRURGIE CARDIAQUE" in p.text and p.page == 199]
        assert "votées en 2013" in row.affaire.title and row.document.seance_date.startswith("2014")
        assert row.year_ok is expected


def test_a_full_date_in_a_title_is_an_earlier_acts_not_the_year_the_title_is_about():
    from app.answer.evidence import _year_ok
    from app.answer.question import analyse
    from index.store import Document

    pv_2009 = Document(
        "x", "PV_CM_30_03_2009.pdf", "0", 1, "procès-verbal", None, "2009-03-30", None, None, None
    )
    q = analyse("Comment le conseil a-t-il voté en mars 2009 la cession de la salle de boxe ?")
    cited = (
        "Vente de la salle de boxe M. SAUREL : Par délibération du 17 novembre 2008, le Conseil a autorisé"
    )
    assert _year_ok(q, pv_2009, "…", cited)  # a full date refers to an earlier act
    assert not _year_ok(q, pv_2009, "tableau", "Report de subventions votées en 2008")
    assert _year_ok(q, pv_2009, "tableau", "Subventions 2009")
    assert _year_ok(analyse("Quelles subventions ?"), pv_2009, "", "Tarifs 2012")  # no year asked


def marked(page: str) -> str:
    """The words the reader marks as the cited passage, as a reader sees them."""
    pieces = re.findall(r"<mark[^>]*>(.*?)</mark>", page, re.DOTALL)
    shown = re.sub(r'<span class="sr">.*?</span>', "", " ".join(pieces))
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", shown)).split())


def reader_marks(client: TestClient, question: str) -> tuple[dict, str]:
    """Ask through the API; open the reader where the answer's citation links; the answer and what it marks."""
    body = client.post("/api/chat", json={"question": question}).json()
    assert body["structured"], body["answer"]
    (citation,) = body["citations"]
    page = client.get(citation["viewer_url"])
    assert page.status_code == 200 and "mot pour mot" not in page.text
    return body, marked(page.text)


@pytest.mark.parametrize(
    "question, printed, page",
    [
        (  # the act prints its rapporteur with his office: « Monsieur X, Président, rapporte : »
            "Qui a rapporté la délibération sur la convention citoyenne sur l'intelligence artificielle ?",
            "Monsieur Michaël DELAFOSSE, Président, rapporte :",
            1,
        ),
        (  # minutes print the act number in the affaire's heading
            "Quel est le numéro de la délibération sur la fontaine ?",
            "D2025-019- Objet : Devis Hydrogénie pour la réhabilitation de la fontaine",
            5,
        ),
        (  # the same decision line stands on the page before, for another affaire: this page's is marked
            "Quel a été le vote sur la fontaine ?",
            "Le Conseil municipal, après en avoir délibéré, à l’unanimité :",
            5,
        ),
    ],
)
def test_a_fact_cites_the_line_it_was_read_from_and_the_reader_marks_it(
    mixed, embedder, question, printed, page
):
    with TestClient(create_app(Settings(), Assistant(mixed, embedder, None))) as client:
        body, shown = reader_marks(client, question)
    assert body["evidence"]["sentence"] == printed  # the printed line, not the title nor a name rebuilt
    assert body["citations"][0]["page"] == page and f"page={page}&" in body["citations"][0]["viewer_url"]
    assert shown == printed.rstrip(" :")  # the reader finds it word for word, on the cited page


def test_a_vote_cites_the_tally_as_printed_to_its_outcome(council, embedder):
    with TestClient(create_app(Settings(), Assistant(council, embedder, None))) as client:
        body, shown = reader_marks(client, SUBSIDIES_2014)
    # Printed « Pour : 55 / Contre : / Abstentions : / Adopté à l’unanimité. », stored « Contre : 0 »…
    assert body["evidence"]["sentence"] == "Pour : 55 Contre : Abstentions : Adopté à l’unanimité."
    assert shown == body["evidence"]["sentence"]


def test_an_act_recalled_by_a_later_seance_is_not_the_act_of_that_seance():
    from app.answer.evidence import Passage
    from app.answer.facts import _of_the_year
    from app.answer.question import analyse
    from index.store import Document

    pv_2021 = Document(
        "x", "pv-2021-03-01.pdf", "0", 9, "procès-verbal", None, "2021-03-01", None, None, None
    )
    recalled = (
        "Par délibération n°2019-12 du 4 février 2019, le conseil a lancé la révision du schéma des pistes."
    )
    passage = Passage(pv_2021, 3, recalled, recalled, 0, len(recalled), 0.8, 0.6, True, None, True)
    asked = analyse("Quelle délibération a lancé en 2019 la révision du schéma des pistes cyclables ?")
    assert not _of_the_year(passage, asked)  # its number is the 2021 act's, not the one asked
    for_the_year = "La convention pour 2022 reconduit le partenariat."
    ahead = Passage(pv_2021, 3, for_the_year, for_the_year, 0, 10, 0.8, 0.6, True, None, True)
    assert _of_the_year(ahead, analyse("Quel a été le vote sur la convention pour 2022 ?"))
    assert _of_the_year(
        passage, analyse("Quelle délibération a lancé la révision du schéma ?")
    )  # no year asked


def test_an_acronym_written_in_capitals_is_printed_when_the_act_spells_its_words():
    from app.answer.evidence import printed, text_stems
    from app.answer.question import analyse

    [term] = [t for t in analyse("Quelle subvention pour le CCAS en 2022 ?").terms if t.word == "CCAS"]
    assert printed(term, text_stems("Subvention d'équilibre au Centre Communal d'Action Sociale"))
    assert not printed(term, text_stems("Subvention au centre social de la commune"))
    # Only a word written in capitals is compared with the initials: « cas » is no acronym.
    [word] = [t for t in analyse("Dans quel cas la salle est-elle louée ?").terms if t.word == "cas"]
    assert not printed(word, text_stems("Conseil d'Administration Scolaire"))
