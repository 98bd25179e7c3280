"""Staff search over real acts and minutes: filters, facets, snippets, act numbers, the API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.answer.assistant import Assistant
from app.http.app import create_app
from app.http.schemas import SearchResponse
from app.search import Filters, search_acts
from app.settings import Settings


def test_staff_search_filters_facets_and_highlights(council):
    results = search_acts(council, "subventions", Filters(kind="procès-verbal"), per_page=5)
    assert results.total > 5 and len(results.acts) == 5
    assert all(a.kind == "procès-verbal" and a.affaire_number for a in results.acts)
    assert results.facets["kind"]["procès-verbal"] == results.total  # and the other kinds, to switch to
    assert len(results.facets["kind"]) > 1
    assert sum(results.facets["outcome"].values()) == results.total
    assert results.acts[0].snippet.marks  # where the searched words stand, for the page to mark
    second = search_acts(council, "subventions", Filters(kind="procès-verbal"), page=2, per_page=5)
    assert {a.id for a in second.acts}.isdisjoint({a.id for a in results.acts})
    majority = search_acts(council, "", Filters(outcome="majorité"), sort="date")
    assert majority.total and all(a.vote.outcome == "majorité" for a in majority.acts)
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
    assert first.kind == "délibération" and first.vote.pour == 55
    assert first.vote.file.endswith("PV_CM_17_02_2014.pdf")
    assert (minutes.kind, minutes.affaire_number, minutes.act_number) == ("procès-verbal", 121, "2014/121")


def test_snippets_escape_the_document_text(council):
    found = SearchResponse.of(search_acts(council, "subventions", per_page=50))
    assert any("<mark>" in act.snippet for act in found.acts)
    for act in found.acts:
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
