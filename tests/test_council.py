"""Council structure over real PDFs: votes linked between acts and minutes, answers read from the structured
data, staff search (API, command line), SCDL open-data export."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient

from app import cli, scdl
from app.chat import Assistant
from app.main import create_app
from app.settings import Settings
from app.staff import Filters, search_acts

SUBSIDIES_2014 = "Quel a été le vote sur la délibération n° 2014/121 d'attribution des subventions 2014 ?"


@pytest.fixture(scope="module")
def facts_only(council, embedder):
    """The assistant with no model at all: what it answers comes from the structured data alone."""
    return Assistant(council, embedder, None)


def _doc(index, name):
    return next(d for d in index.documents.values() if d.path.endswith(name))


def test_deliberation_is_linked_to_its_affaire_in_the_minutes(council):
    act = _doc(council, "VilleMTP_MTP_AttribSub_2014.pdf")
    assert (act.act_number, act.seance_date, act.receipt_date) == ("2014/121", "2014-02-17", "2014-02-20")
    own = council.affaires[(act.id, 0)]
    assert own.vote == "Le Conseil adopte" and own.pour is None  # the act prints no tally
    tally = council.tally(own)
    assert tally is not None and council.documents[tally.doc_id].path.endswith("PV_CM_17_02_2014.pdf")
    assert (tally.number, tally.pour, tally.outcome, tally.vote_page) == (121, 55, "unanimité", 233)
    assert council.linked(tally) == own  # both ways


def test_vote_question_is_answered_from_the_printed_tally(facts_only):
    answer = facts_only.answer(SUBSIDIES_2014)
    assert answer.found and answer.structured
    assert "55 voix pour" in answer.text and "unanimité" in answer.text
    (citation,) = answer.citations
    assert citation.file.endswith("PV_CM_17_02_2014.pdf") and citation.page == 233
    assert citation.url.endswith("#page=233") and f"[{citation.n}]" in answer.text
    assert "sans texte rédigé par l'intelligence artificielle" in answer.notice


def test_yes_no_vote_question_names_the_dissenter(facts_only):
    answer = facts_only.answer(
        "Est-ce que le nom de la place Georges Frêche a été voté à l'unanimité par le conseil municipal ?"
    )
    assert answer.structured and answer.text.startswith("Non.")
    assert "58 voix pour" in answer.text and "1 contre (M. Viguié)" in answer.text
    assert answer.citations[0].file.endswith("CR_CM_07_02_2011.pdf")


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


def test_staff_search_filters_facets_and_highlights(council):
    results = search_acts(council, "subventions", Filters(kind="procès-verbal"), per_page=5)
    assert results.total > 5 and len(results.acts) == 5
    assert all(a.kind == "procès-verbal" and a.affaire_number for a in results.acts)
    assert results.facets["kind"] == {"procès-verbal": results.total}
    assert sum(results.facets["outcome"].values()) == results.total
    assert "<mark>" in results.acts[0].snippet
    second = search_acts(council, "subventions", Filters(kind="procès-verbal"), page=2, per_page=5)
    assert {a.id for a in second.acts}.isdisjoint({a.id for a in results.acts})
    majority = search_acts(council, "", Filters(outcome="majorité"), sort="date")
    assert majority.total and all(a.vote["outcome"] == "majorité" for a in majority.acts)
    dates = [a.seance_date for a in majority.acts]
    assert dates == sorted(dates, reverse=True)
    year = search_acts(council, "", Filters(date_from="2013-01-01", date_to="2013-12-31"))
    assert {a.seance_date[:4] for a in year.acts} == {"2013"} and year.total == 2
    levita = search_acts(council, "", Filters(rapporteur="levita", kind="délibération"))
    assert {a.act_number for a in levita.acts} == {"2014/121", "2013/138"}


def test_act_number_or_receipt_id_finds_the_act_first(council):
    assert search_acts(council, "2013/138").acts[0].act_number == "2013/138"
    by_receipt = search_acts(council, "034-213401722-20130204-0000061129-DE").acts[0]
    assert by_receipt.act_number == "2012/47" and by_receipt.seance_date == "2013-02-04"
    only = search_acts(council, "2014/121")
    assert only.total == 2  # the act and its affaire in the minutes, not every text that says "2014"
    first, minutes = only.acts
    assert first.kind == "délibération" and first.vote["pour"] == 55
    assert first.vote["file"].endswith("PV_CM_17_02_2014.pdf")
    assert (minutes.kind, minutes.affaire_number, minutes.act_number) == ("procès-verbal", 121, "2014/121")


def test_snippets_escape_the_document_text(council):
    for act in search_acts(council, "subventions", per_page=50).acts:
        stripped = act.snippet.replace("<mark>", "").replace("</mark>", "")
        assert "<" not in stripped and ">" not in stripped


def test_search_api_and_its_errors(council, embedder):
    app = create_app(Settings(), Assistant(council, embedder, None))
    with TestClient(app) as client:
        r = client.get("/api/search", params={"q": "vidéoprotection Frêche", "per_page": 3})
        assert r.status_code == 200 and r.json()["total"] >= 1
        r = client.get("/api/search", params={"outcome": "majorité", "date_from": "2014-01-01"})
        body = r.json()
        assert body["total"] and {a["seance_date"][:4] for a in body["acts"]} == {"2014"}
        assert client.get("/api/search", params={"outcome": "peut-être"}).status_code == 422
        assert client.get("/api/search", params={"date_from": "hier"}).status_code == 422
        assert client.get("/api/search", params={"per_page": 1000}).status_code == 422
        assert client.get("/recherche").status_code == 200


def test_search_and_export_on_the_command_line(council_data, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("REGISTRE_DATA_DIR", str(council_data))
    assert cli.main(["search", "2014/121", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["acts"][0]["act_number"] == "2014/121"
    out = tmp_path / "deliberations.csv"
    monkeypatch.setenv("REGISTRE_COLLECTIVITE_SIRET", "12345678900011")
    monkeypatch.setenv("REGISTRE_PUBLIC_URL", "https://registre.example.org")
    assert cli.main(["export-scdl", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "3 délibérations" in printed and "DELIB_MATIERE_CODE" in printed  # unknown: reported, left empty
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert tuple(rows[0]) == scdl.COLUMNS
    subsidies = next(r for r in rows if r["DELIB_ID"] == "2014/121")
    assert subsidies["DELIB_DATE"] == "2014-02-17" and subsidies["COLL_NOM"] == "Ville de Montpellier"
    assert (subsidies["VOTE_POUR"], subsidies["PREF_ID"], subsidies["PREF_DATE"]) == (
        "55",
        "PREF034",
        "2014-02-20",
    )
    assert subsidies["BUDGET_ANNEE"] == "2014" and subsidies["COLL_SIRET"] == "12345678900011"
    assert subsidies["DELIB_URL"].startswith("https://registre.example.org/documents/")
    tax = next(r for r in rows if r["DELIB_ID"] == "2013/138")
    assert tax["VOTE_POUR"] == "" and tax["VOTE_REEL"] == ""  # no minutes of that séance: unknown, empty
    assert [p for p in scdl.problems(rows) if "obligatoire, vide" not in p] == []


def test_scdl_rules_catch_bad_values():
    row = dict.fromkeys(scdl.COLUMNS, "")
    row.update(
        COLL_NOM="Ville",
        COLL_SIRET="123",
        DELIB_ID="2014/1",
        DELIB_DATE="17/02/2014",
        DELIB_OBJET="x",
        DELIB_MATIERE_CODE="7.5",
        DELIB_MATIERE_NOM="finances locales/subventions",
        VOTE_POUR="cinq",
        PREF_ID="PREF034",
        DELIB_URL="pas une adresse",
    )
    found = scdl.problems([row])
    assert any("COLL_SIRET" in p for p in found) and any("DELIB_DATE" in p for p in found)
    assert any("VOTE_POUR" in p for p in found) and any("DELIB_URL" in p for p in found)
    assert not any("PREF_ID" in p or "DELIB_MATIERE_CODE" in p for p in found)


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
    hits = facts_only.retrieve("Que décide l'acte 034-213401722-20130204-0000061129-DE ?", [])
    assert hits[0].document.receipt_id == "034-213401722-20130204-0000061129-DE"
    hits = facts_only.retrieve("Et la délibération 2013/138, que fixe-t-elle ?", [])
    assert hits[0].document.act_number == "2013/138"


def test_api_says_when_an_answer_was_read_rather_than_generated(council, embedder):
    app = create_app(Settings(), Assistant(council, embedder, None))
    with TestClient(app) as client:
        body = client.post("/api/chat", json={"question": SUBSIDIES_2014}).json()
        assert body["structured"] and body["found"] and "55 voix pour" in body["answer"]
        assert body["citations"][0]["url"].endswith("#page=233")


def test_a_title_naming_another_year_is_not_evidence_for_the_seance_year(council, embedder, scripted):
    # The 2014 minutes list the association under "Report d'affectation de subventions votées en 2013" (page 199):
    # examined in 2014, the subsidy is of 2013, so that extract is no evidence for a question about 2014.
    from app.facts import lacks_evidence

    assistant = Assistant(council, embedder, scripted)
    question = (
        "Quelle subvention la Ville a-t-elle accordée à l'association Mécénat Chirurgie Cardiaque en 2014 ?"
    )
    hits = assistant.retrieve(question, [])
    [report] = [e for e in assistant.extracts(hits, question) if "votées en 2013" in (e.objet or "")]
    assert "MECENAT CHIRURGIE CARDIAQUE" in report.excerpt and report.page == 199
    chunks = " ".join(h.chunk.text for h in hits if h.document.id == report.doc_id)
    doc = council.documents[report.doc_id]
    assert doc.seance_date.startswith("2014")
    assert lacks_evidence(council, question, [(doc, report.objet, report.excerpt, chunks)])
    assert not lacks_evidence(
        council, question.replace("2014", "2013"), [(doc, report.objet, report.excerpt, chunks)]
    )


def test_the_year_a_title_is_about_wins_over_the_seance_year_but_an_earlier_acts_date_does_not():
    from app.facts import _years_match
    from index.store import Document

    pv_2009 = Document(
        "x", "PV_CM_30_03_2009.pdf", "0", 1, "procès-verbal", None, "2009-03-30", None, None, None
    )
    q = "Comment le conseil a-t-il voté en mars 2009 la cession de la salle de boxe ?"
    cited = (
        "Vente de la salle de boxe M. SAUREL : Par délibération du 17 novembre 2008, le Conseil a autorisé"
    )
    assert _years_match(q, pv_2009, cited, cited)  # a full date refers to an earlier act
    assert not _years_match(q, pv_2009, "Report de subventions votées en 2008", "tableau")
    assert _years_match(q, pv_2009, "Subventions 2009", "tableau")
    assert _years_match("Quelles subventions ?", pv_2009, "Tarifs 2012", "")  # no year asked
