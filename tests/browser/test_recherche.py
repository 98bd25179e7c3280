"""The staff search page in chromium: choices from the corpus only, a way back from any filter, one rapporteur."""

from __future__ import annotations

from app.answer.assistant import Assistant
from app.http.app import create_app
from app.settings import Settings
from tests.serving import LiveServer, watched_page

SETTLED = "() => !/^Recherche/.test(document.getElementById('status').textContent)"


def settle(page) -> None:
    page.wait_for_function("() => document.getElementById('status').textContent !== ''")
    page.wait_for_function(SETTLED)


def options(page, name: str) -> list[str]:
    return page.locator(f"select[name={name}] option").evaluate_all("os => os.map(o => o.value)")


def test_filters_offer_only_printed_values_and_clearing_them_is_always_possible(browser, council, embedder):
    with LiveServer(create_app(Settings(), Assistant(council, embedder, None))) as server:
        page, errors = watched_page(browser, {"width": 1280, "height": 900})
        facets = page.request.get(server.url + "/api/search").json()["facets"]
        page.goto(server.url + "/recherche")
        settle(page)
        everything = page.locator("#status").inner_text()

        # The Vote and Type filters offer what the corpus prints, with counts; never « rejeté » here.
        assert options(page, "outcome") == ["", *facets["outcome"]]
        assert "rejeté" not in options(page, "outcome")
        assert options(page, "kind") == ["", *facets["kind"]]
        assert page.locator("select[name=outcome] option[value=unanimité]").inner_text() == (
            f"unanimité ({facets['outcome']['unanimité']})"
        )

        # A choice keeps the other values on offer, to switch; the facet says which one is chosen.
        page.locator("select[name=outcome]").select_option("unanimité")
        page.wait_for_function("() => location.search.includes('outcome=')")
        settle(page)
        assert options(page, "outcome") == ["", *facets["outcome"]]
        chosen = page.locator("#facets button[data-facet=outcome][data-value=unanimité]")
        assert chosen.get_attribute("aria-pressed") == "true"
        page.locator("#facets button[data-facet=outcome][data-value=majorité]").click()
        page.wait_for_function("() => location.search.includes('outcome=majorit')")
        settle(page)
        assert page.locator("select[name=outcome]").input_value() == "majorité"
        assert all(v.startswith("Majorité") for v in page.locator("#results .vote").all_inner_texts())

        # A rapporteur no act names: nothing matches, yet the facets stay and « Effacer les filtres » is there.
        page.locator("input[name=rapporteur]").fill("Personne Inconnue")
        page.locator("input[name=rapporteur]").press("Enter")
        page.wait_for_function("() => location.search.includes('rapporteur=')")
        settle(page)
        assert page.locator("#status").inner_text().startswith("Aucun acte ne correspond à ces filtres")
        assert page.locator("#results li").count() == 0
        assert page.locator("#facets button[data-facet=rapporteur]").count() > 0  # a way back by the facets
        for _ in range(12):  # and by the keyboard, from the field just typed in
            if page.evaluate("document.activeElement.id") == "clear":
                break
            page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "clear"
        page.keyboard.press("Enter")
        page.wait_for_function("() => !location.search.includes('rapporteur=')")
        settle(page)
        assert page.locator("#status").inner_text() == everything
        assert page.locator("select[name=outcome]").input_value() == ""
        assert page.locator("input[name=rapporteur]").input_value() == ""

        # Words that match nothing leave no facet at all: the button still clears the filters chosen.
        page.goto(server.url + "/recherche?q=zzqxw&outcome=majorit%C3%A9")
        settle(page)
        assert page.locator("select[name=outcome]").input_value() == "majorité"  # shown, though it counts 0
        assert page.locator("#facets").inner_text() == "Aucun filtre à proposer pour ces mots."
        page.locator("#clear").click()
        page.wait_for_function("() => !location.search.includes('outcome=')")
        assert page.locator("#q").input_value() == "zzqxw"  # the words stay: only the filters go
        assert not errors, errors
        page.close()


def test_a_rapporteur_printed_two_ways_is_one_choice(browser, spellings, embedder):
    with LiveServer(create_app(Settings(), Assistant(spellings, embedder, None))) as server:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server.url + "/recherche")
        settle(page)
        people = page.locator("#facets button[data-facet=rapporteur]").all_inner_texts()
        assert people == ["Michaël DELAFOSSE (3)", "Max LEVITA (1)"]
        names = page.locator("#rapporteurs option").evaluate_all("os => os.map(o => o.value)")
        assert names == ["Michaël DELAFOSSE", "Max LEVITA"]

        page.locator("#facets button[data-facet=rapporteur]").first.click()
        page.wait_for_function("() => location.search.includes('rapporteur=')")
        settle(page)
        assert page.locator("#status").inner_text().startswith("3 acte(s)")
        metas = page.locator("#results .meta").all_inner_texts()
        assert any("Michael DELAFOSSE" in m for m in metas) and any("Michaël DELAFOSSE" in m for m in metas)

        page.locator("input[name=rapporteur]").fill("michael delafosse")  # typed without the diaeresis
        page.locator("input[name=rapporteur]").press("Enter")
        page.wait_for_function("() => location.search.includes('rapporteur=michael')")
        settle(page)
        assert page.locator("#status").inner_text().startswith("3 acte(s)")
        button = page.locator("#facets button[data-facet=rapporteur]").first
        assert button.get_attribute("aria-pressed") == "true"
        button.click()  # chosen already: the click lifts the filter
        page.wait_for_function("() => !location.search.includes('rapporteur=')")
        settle(page)
        assert page.locator("#status").inner_text().startswith("4 acte(s)")
        page.close()


def test_the_type_document_is_chosen_and_found_and_an_unknown_date_reads_as_such(
    browser, sample_index, embedder
):
    """The sample's avis: Type « document » used to answer « Recherche impossible » (422), its collectivité was
    a signature line and its séance « séance du date inconnue »."""
    with LiveServer(create_app(Settings(), Assistant(sample_index, embedder, None))) as server:
        page, errors = watched_page(browser, {"width": 1280, "height": 900})
        page.goto(server.url + "/recherche")
        settle(page)
        assert "document" in options(page, "kind")
        page.locator("select[name=kind]").select_option("document")
        page.wait_for_function("() => location.search.includes('kind=document')")
        settle(page)
        assert page.locator("#status").inner_text().startswith("1 acte(s) trouvé(s)")
        meta = page.locator("#results li .meta").inner_text()
        assert meta.startswith("document · séance à date inconnue · Montpellier Méditerranée Métropole · ")
        assert "Président" not in meta and "séance du date" not in meta
        assert errors == []
