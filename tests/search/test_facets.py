"""Facets over real acts: they offer only values the corpus prints, each reachable, and one entry per rapporteur."""

from __future__ import annotations

from dataclasses import replace

from fastapi.testclient import TestClient

from app.answer.assistant import Assistant
from app.http.app import create_app
from app.search import Filters, search_acts
from app.search.facets import facets
from app.search.filters import person
from app.settings import Settings

FILTER_OF = {
    "collectivite": "collectivite",
    "council": "council",
    "kind": "kind",
    "outcome": "outcome",
    "rapporteur": "rapporteur",
}


def test_every_value_a_facet_offers_is_printed_and_finds_as_many_acts_as_it_counts(council):
    everything = search_acts(council, "", per_page=1)
    printed = {a.vote.outcome for a in search_acts(council, "", per_page=1000).acts if a.vote}
    offered = set(everything.facets["outcome"])
    assert offered - {"non imprimé"} == printed - {None}  # no value the corpus never prints (rejeté, here)
    assert "rejeté" not in offered
    for facet, counts in everything.facets.items():
        assert counts, facet
        for value, count in counts.items():
            if facet == "year":
                found = search_acts(
                    council, "", Filters(date_from=f"{value}-01-01", date_to=f"{value}-12-31")
                )
            elif value in ("inconnu", "inconnue"):
                continue
            else:
                found = search_acts(council, "", Filters(**{FILTER_OF[facet]: value}))
            assert found.total == count, (facet, value)


def test_a_facet_still_offers_the_other_values_once_one_is_chosen(council):
    words = search_acts(council, "subventions")
    chosen = search_acts(council, "subventions", Filters(outcome="unanimité"))
    assert chosen.facets["outcome"] == words.facets["outcome"]  # to switch to majorité, or back
    assert chosen.total == words.facets["outcome"]["unanimité"] < words.total
    assert sum(chosen.facets["kind"].values()) == chosen.total  # the other facets follow the choice
    majority = search_acts(council, "subventions", Filters(outcome="majorité", kind="délibération"))
    assert majority.total == 0
    assert (
        majority.facets["outcome"] and majority.facets["kind"]
    )  # nothing matches, every way back is offered


def test_a_rapporteur_printed_two_ways_is_one_entry_and_one_filter(spellings):
    printed = [a.rapporteur for a in search_acts(spellings, "", per_page=50).acts if a.rapporteur]
    assert sorted(printed).count("Michaël DELAFOSSE") == 2 and printed.count("Michael DELAFOSSE") == 1
    people = search_acts(spellings, "").facets["rapporteur"]
    assert people == {"Michaël DELAFOSSE": 3, "Max LEVITA": 1}  # the spelling printed most often
    for asked in (
        "Michaël DELAFOSSE",
        "Michael DELAFOSSE",
        "michael delafosse",
        "MICHAËL  DELAFOSSE",
        "delafosse",
    ):
        found = search_acts(spellings, "", Filters(rapporteur=asked))
        assert found.total == 3, asked
        assert {a.rapporteur for a in found.acts} == {"Michaël DELAFOSSE", "Michael DELAFOSSE"}
    assert search_acts(spellings, "", Filters(rapporteur="Michel DELAFOSSE")).total == 0
    assert person("Jean-Louis  GÉLY") == person("jean louis gely") == "jean louis gely"


def test_the_search_api_filters_on_acts_with_no_printed_vote(council, embedder):
    with TestClient(create_app(Settings(), Assistant(council, embedder, None))) as client:
        facets = client.get("/api/search").json()["facets"]
        unprinted = client.get("/api/search", params={"outcome": "non imprimé", "per_page": 100}).json()
        assert unprinted["total"] == facets["outcome"]["non imprimé"] > 0
        assert all(a["vote"] is None or a["vote"]["outcome"] is None for a in unprinted["acts"])


def test_every_value_the_api_offers_in_a_facet_is_one_the_api_accepts(sample_index, council, embedder):
    """The Type facet offered « document » (the sample's avis), which the API refused with a 422."""
    offered_kinds: set[str] = set()
    for index in (sample_index, council):
        with TestClient(create_app(Settings(rate_limit_per_minute=0), Assistant(index, embedder, None))) as c:
            everything = c.get("/api/search", params={"per_page": 1}).json()
            offered_kinds |= set(everything["facets"]["kind"])
            for facet, counts in everything["facets"].items():
                for value, count in counts.items():
                    if value in ("inconnu", "inconnue"):  # counted, never offered (recherche.js)
                        continue
                    params = (
                        {"date_from": f"{value}-01-01", "date_to": f"{value}-12-31"}
                        if facet == "year"
                        else {FILTER_OF[facet]: value}
                    )
                    r = c.get("/api/search", params=params)
                    assert r.status_code == 200, (facet, value, r.text)
                    assert r.json()["total"] == count, (facet, value)
    assert "document" in offered_kinds  # the kind that the API used to refuse


def test_a_facet_never_offers_a_value_longer_than_its_filter_takes(council):
    """A council or a rapporteur misread as a whole paragraph could be counted, never chosen (422)."""
    acts = search_acts(council, "", per_page=1000).acts
    long_name = "Monsieur " + "Très Long " * 10
    misread = [replace(acts[0], rapporteur=long_name, council="conseil " + "x" * 90), *acts[1:]]
    offered = facets(misread)
    assert long_name not in offered["rapporteur"] and all(len(c) <= 80 for c in offered["council"])
    assert sum(offered["kind"].values()) == len(acts)  # the act itself is still counted
