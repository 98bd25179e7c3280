"""The embeddable widget in a real browser (Debian's chromium driven by Playwright) against the real server.

The session's chromium is the `browser` fixture of tests/conftest.py.
"""

from __future__ import annotations

import re
from pathlib import Path

from app.answer.assistant import Assistant
from app.http.app import create_app
from app.settings import Settings
from tests.fakes import SlowLLM
from tests.serving import LiveServer, watched_page

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
QUESTION = "Quelle entreprise a été retenue pour le marché du réseau radio TETRA ?"
PDF_LINK = re.compile(r"^http://127\.0\.0\.1:\d+/documents/[^/]+\.pdf#page=\d+$")
VIEWER_LINK = re.compile(r"^http://127\.0\.0\.1:\d+/documents/[0-9a-f]+\?page=\d+&q=[^#]+#passage$")


class Server(LiveServer):
    """The real app with the given assistant, under uvicorn on a free loopback port."""

    def __init__(self, assistant: Assistant):
        super().__init__(create_app(Settings(), assistant))


def shadow_focus(page) -> str | None:
    """Id of the focused element inside the widget's shadow root, None when the focus is elsewhere."""
    return page.evaluate(
        """() => {
            const host = document.querySelector('registre-widget');
            return document.activeElement === host && host.shadowRoot.activeElement
                ? host.shadowRoot.activeElement.id || host.shadowRoot.activeElement.tagName : null;
        }"""
    )


def tab_to_launcher(page) -> None:
    for _ in range(40):
        page.keyboard.press("Tab")
        if shadow_focus(page) == "registre-launcher":
            return
    raise AssertionError("the launcher cannot be reached with Tab")


def test_widget_answers_with_sources_from_the_keyboard(browser, index, embedder, llm):
    assistant = Assistant(index, embedder, llm, top_k=3, extract_words=80, max_tokens=24)
    with Server(assistant) as server:
        page, errors = watched_page(browser, {"width": 1280, "height": 860})
        page.goto(server.url + "/static/demo.html")
        launcher = page.locator("#registre-launcher")  # Playwright's CSS locators pierce open shadow roots
        launcher.wait_for()

        # The host page's `button { background: red !important }` and `* { font-family: Georgia !important }`
        # stay outside; its own button does get them.
        style = launcher.evaluate(
            "e => { const s = getComputedStyle(e); return [s.backgroundColor, s.color, s.fontFamily, s.borderStyle]; }"
        )
        assert style[0] == "rgb(0, 82, 140)" and style[1] == "rgb(255, 255, 255)", style
        assert "Georgia" not in style[2] and style[3] != "dashed", style
        host_button = page.locator("main button").evaluate("e => getComputedStyle(e).backgroundColor")
        assert host_button == "rgb(255, 0, 0)"
        assert page.locator("#registre-panel").is_hidden()

        # Keyboard only: Tab to the launcher, Enter opens the dialog and puts the focus in the question box.
        tab_to_launcher(page)
        page.keyboard.press("Enter")
        panel = page.locator("#registre-panel")
        assert panel.is_visible()
        assert panel.get_attribute("role") == "dialog" and panel.get_attribute("aria-label")
        assert page.locator("#registre-messages").get_attribute("aria-live") == "polite"
        assert shadow_focus(page) == "registre-input"
        assert "intelligence artificielle" in page.locator(".registre-notice.intro").inner_text()
        assert panel.get_attribute("aria-modal") is None  # a wide screen: a panel beside the city's page
        contact = page.locator("#registre-contactbar .registre-contact")
        assert contact.get_attribute("href") == "tel:+33467000000"
        assert "Appeler l'accueil de la mairie" in contact.inner_text()

        page.keyboard.type(QUESTION)
        page.keyboard.press("Enter")
        answer = page.locator(".registre-msg-assistant").last
        page.locator('.registre-msg-assistant[data-state="done"]').wait_for(timeout=120_000)
        assert page.locator(".registre-msg-user").last.inner_text().endswith(QUESTION)
        assert answer.locator(".registre-text").first.inner_text().strip()
        assert page.locator("#registre-stop").is_hidden() and page.locator("#registre-send").is_enabled()

        # Every source and citation opens the reader at its sentence, with the PDF at its page beside it.
        hrefs = answer.locator(".registre-source a, .registre-citation a, sup a").evaluate_all(
            "els => els.map(a => [a.href, a.target])"
        )
        assert hrefs and page.locator(".registre-source").count() >= 1
        for href, target in hrefs:
            assert VIEWER_LINK.match(href) or PDF_LINK.match(href), href
            assert target == "_blank"
        viewer = next(h for h, _ in hrefs if VIEWER_LINK.match(h))
        assert page.request.get(viewer.split("#")[0]).headers["content-type"].startswith("text/html")
        pdf = page.request.get(next(h for h, _ in hrefs if PDF_LINK.match(h)).split("#")[0])
        assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")

        # Under an answer the model wrote: the AI notice; under a refusal, none, and the way to a person first.
        notice = answer.locator(".registre-notice")
        assert contact.is_visible()
        if "registre-notfound" in (answer.get_attribute("class") or ""):
            assert answer.locator(".registre-refusal .registre-contact").count() == 1
            assert notice.count() == 0
        else:
            assert notice.count() == 1 and "intelligence artificielle" in notice.inner_text()
            assert "gguf" not in notice.inner_text().lower() and "smollm" not in notice.inner_text().lower()

        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "widget.png"))

        # Escape closes the dialog and gives the focus back to the launcher.
        page.locator("#registre-input").focus()
        page.keyboard.press("Escape")
        assert panel.is_hidden()
        assert shadow_focus(page) == "registre-launcher"
        assert launcher.get_attribute("aria-expanded") == "false"
        assert not errors, errors
        page.close()


def test_stop_button_cancels_the_answer_and_frees_the_input(browser, index, embedder):
    slow = SlowLLM()
    with Server(Assistant(index, embedder, slow)) as server:
        page = browser.new_page(viewport={"width": 360, "height": 740})
        page.goto(server.url + "/static/demo.html")
        page.locator("#registre-launcher").wait_for()
        page.evaluate("window.registreWidget.open()")
        panel = page.locator("#registre-panel")
        assert panel.bounding_box()["width"] == 360  # full width on a small phone

        page.locator("#registre-input").fill("réseau radio TETRA")
        page.locator("#registre-send").click()
        answer = page.locator(".registre-msg-assistant").last
        answer.locator(".registre-source a").first.wait_for(
            state="attached", timeout=60_000
        )  # before any token
        page.wait_for_function(
            """() => document.querySelector('registre-widget').shadowRoot
                 .querySelector('.registre-msg-assistant:last-child .registre-text').textContent.includes('mot0')""",
            timeout=60_000,
        )
        assert page.locator("#registre-send").is_disabled()
        page.locator("#registre-stop").click()

        answer.locator(".registre-stopped").wait_for(timeout=10_000)
        assert answer.get_attribute("data-state") == "stopped"
        assert "arrêtée" in answer.locator(".registre-stopped").inner_text()
        assert slow.stopped.wait(10), "the server went on generating after the stop"
        assert slow.produced < slow.words
        assert page.locator("#registre-stop").is_hidden()
        assert page.locator("#registre-send").is_enabled()
        assert shadow_focus(page) == "registre-input"
        page.keyboard.type("Et ensuite ?")
        assert page.locator("#registre-input").input_value() == "Et ensuite ?"
        page.close()


def test_staff_search_page_filters_and_links_to_the_vote_page(browser, council, embedder):
    with Server(Assistant(council, embedder, None)) as server:
        page, errors = watched_page(browser, {"width": 1280, "height": 900})
        page.goto(server.url + "/recherche")
        status = page.locator("#status")
        page.wait_for_function(
            "() => /acte\\(s\\) trouvé/.test(document.getElementById('status').textContent)"
        )
        everything = int(status.inner_text().split()[0])

        # Words, then a filter from the form: the list, the counts and the URL follow.
        page.locator("#q").fill("subventions")
        page.locator("#q").press("Enter")
        page.wait_for_function("() => location.search.includes('q=subventions')")
        page.locator("#results li mark").first.wait_for()  # the matched words, once the new results are in
        page.locator("select[name=outcome]").select_option("unanimité")
        page.wait_for_function("() => location.search.includes('outcome=')")
        page.wait_for_function("() => !document.getElementById('status').textContent.startsWith('Recherche')")
        votes = page.locator("#results .vote").all_inner_texts()
        assert votes and all(v.startswith("Unanimité") for v in votes), votes
        filtered = int(status.inner_text().split()[0])
        assert 0 < filtered < everything

        # A facet narrows to one kind of document; each result links to its PDF page and to its vote's page.
        page.locator("#facets button[data-facet=kind][data-value='procès-verbal']").click()
        page.wait_for_function("() => location.search.includes('kind=')")
        page.wait_for_function("() => !document.getElementById('status').textContent.startsWith('Recherche')")
        metas = page.locator("#results .meta").all_inner_texts()
        assert metas and all(m.startswith("procès-verbal") for m in metas)
        links = page.locator("#results a").evaluate_all("els => els.map(a => a.href)")
        assert links and all(PDF_LINK.match(h) for h in links), links
        assert page.request.get(links[0].split("#")[0]).ok

        # An act number finds the act; the page reloads from its URL with the same search.
        page.goto(server.url + "/recherche?q=2014%2F121")
        page.wait_for_function("() => document.querySelectorAll('#results li').length > 0")
        first = page.locator("#results li").first
        assert "n° 2014/121" in first.locator(".meta").inner_text()
        assert "55 pour" in first.locator(".vote").inner_text()
        assert page.locator("#q").input_value() == "2014/121"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "recherche.png"), full_page=True)
        assert not errors, errors
        page.close()


def test_the_chat_page_is_the_widget_full_page(browser, index, embedder, scripted):
    scripted.enqueue("Le marché a été attribué à la société TALCO [1].")
    with Server(Assistant(index, embedder, scripted)) as server:
        page, errors = watched_page(browser, {"width": 1280, "height": 860})
        page.goto(server.url + "/")
        panel = page.locator("#registre-panel")
        panel.wait_for()
        assert page.locator("#registre-launcher").count() == 0  # no launcher: the page is the chat
        assert panel.get_attribute("role") == "main" and panel.bounding_box()["height"] >= 800
        assert shadow_focus(page) == "registre-input"
        assert "intelligence artificielle" in page.locator(".registre-notice.intro").inner_text()

        page.keyboard.type(QUESTION)
        page.keyboard.press("Enter")
        answer = page.locator('.registre-msg-assistant[data-state="done"]')
        answer.wait_for(timeout=60_000)
        assert "TALCO" in answer.locator(".registre-text").first.inner_text()
        assert VIEWER_LINK.match(answer.locator("sup a").first.evaluate("a => a.href"))
        sources = answer.locator(".registre-source, .registre-citation").all_text_contents()
        assert any("séance du 25 mars 2013" in s for s in sources), sources  # Intl.DateTimeFormat('fr-FR')
        page.keyboard.press("Escape")
        assert panel.is_visible()  # nothing to close
        assert not errors, errors
        page.close()


def test_the_evidence_sentence_is_on_screen_before_the_model_has_written(browser, index, embedder):
    slow = SlowLLM(words=400)  # twenty seconds of answer
    with Server(Assistant(index, embedder, slow)) as server:
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(server.url + "/static/demo.html")
        page.locator("#registre-launcher").wait_for()
        page.evaluate("window.registreWidget.open()")
        page.locator("#registre-input").fill(QUESTION)
        page.locator("#registre-send").click()
        mark = page.locator(".registre-msg-assistant .registre-evidence mark")
        mark.wait_for(timeout=15_000)
        assert mark.inner_text().strip()
        assert page.locator('.registre-msg-assistant[data-state="streaming"]').count() == 1  # still writing
        where = page.locator(".registre-evidence .where a").first.evaluate("a => a.href")
        assert VIEWER_LINK.match(where), where
        assert not page.locator(".registre-sources").first.evaluate("d => d.open")  # the list folds away
        page.locator("#registre-stop").click()
        page.locator('.registre-msg-assistant[data-state="stopped"]').wait_for(timeout=10_000)
        page.close()
