"""The chat page, the widget's keyboard path and the reader in a real browser (Debian's chromium, Playwright).

Screenshots at 375 px (a phone) and 1280 px (a desktop) are saved under tests/artifacts/ (see its README).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from app.answer.assistant import Assistant
from app.http.app import create_app
from app.settings import Settings
from tests.fakes import SlowLLM
from tests.serving import LiveServer, watched_page

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
QUESTION = "Quelle entreprise a été retenue pour le marché du réseau radio TETRA ?"
VIEWER_LINK = re.compile(r"^http://127\.0\.0\.1:\d+/documents/[0-9a-f]+\?page=\d+&q=[^#]+#passage$")
PHONE, DESKTOP = {"width": 375, "height": 740}, {"width": 1280, "height": 860}


class CitingSlowLLM(SlowLLM):
    """Writes an answer with a [1] mark, then one word every 50 ms: long enough to watch it stream."""

    def stream(self, messages, max_tokens):
        yield "La société TALCO Languedoc a été retenue [1]. "
        yield from super().stream(messages, max_tokens)


class Server(LiveServer):
    def __init__(self, assistant: Assistant, settings: Settings | None = None):
        super().__init__(create_app(settings or Settings(), assistant))


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def focused(page) -> str | None:
    """Id (or tag) of the focused element inside the widget's shadow root; None when the focus is outside it."""
    return page.evaluate(
        """() => {
            const host = document.querySelector('registre-widget');
            const a = document.activeElement === host && host.shadowRoot.activeElement;
            if (!a) return null;
            return a.id || (a.className ? a.tagName + '.' + a.className : a.tagName);
        }"""
    )


def in_view(locator) -> bool:
    """The element is inside the viewport and inside every scrolling box around it."""
    return locator.evaluate(
        """e => {
            const r = e.getBoundingClientRect();
            if (r.bottom <= 0 || r.top >= innerHeight || r.height === 0) return false;
            for (let p = e.parentElement || e.getRootNode().host; p; p = p.parentElement || (p.getRootNode() && p.getRootNode().host)) {
                const s = getComputedStyle(p);
                if (!/(auto|scroll)/.test(s.overflowY)) continue;
                const b = p.getBoundingClientRect();
                if (r.bottom <= b.top || r.top >= b.bottom) return false;
            }
            return true;
        }"""
    )


def test_the_chat_page_streams_sources_first_then_the_answer_with_links_and_follows_it(
    browser, index, embedder, tmp_path
):
    slow = CitingSlowLLM(words=600)  # thirty seconds of answer after the sources
    theme = tmp_path / "ville.css"
    theme.write_text(":root { --registre-color: #6a1b4d; --registre-radius: 0px; }\n")
    settings = Settings(theme_css=theme, model_label="le modèle libre de la Ville")
    with Server(Assistant(index, embedder, slow), settings) as server:
        page, errors = watched_page(browser, DESKTOP)
        page.goto(server.url + "/")
        page.locator("#registre-panel").wait_for()
        head = page.locator(".head").evaluate("e => getComputedStyle(e).backgroundColor")
        assert head == "rgb(106, 27, 77)", head  # the city's colour, from REGISTRE_THEME_CSS
        assert page.locator(".registre-msg").count() == 0

        page.keyboard.type(QUESTION)
        asked = time.monotonic()
        page.keyboard.press("Enter")
        answer = page.locator(".registre-msg-assistant").last
        evidence = answer.locator(".registre-evidence mark")
        evidence.wait_for(timeout=20_000)
        assert (
            answer.get_attribute("data-state") == "streaming"
        )  # the sources are there before the answer ends
        assert in_view(evidence) and "TALCO" in evidence.inner_text()
        assert not answer.locator(".registre-sources").evaluate("d => d.open")  # consulted sources: folded

        # The answer streams above its sources; its [1] is a link to the reader while it is still being written.
        mark = answer.locator(".registre-text sup a").first
        mark.wait_for(timeout=20_000)
        assert VIEWER_LINK.match(mark.evaluate("a => a.href")), mark.evaluate("a => a.href")
        conversation = page.locator(".body")
        page.wait_for_function(  # the answer has grown past the bottom of the conversation
            "() => { const b = document.querySelector('registre-widget').shadowRoot.querySelector('.body');"
            " return b.scrollHeight > b.clientHeight + 150; }",
            timeout=30_000,
        )
        assert answer.get_attribute("data-state") == "streaming"
        text_box = answer.locator(".registre-text").bounding_box()
        support_box = answer.locator(".registre-support").bounding_box()
        assert text_box["y"] < support_box["y"]  # answer first, sources under it
        assert page.locator(".head").bounding_box()["y"] == 0  # the page itself does not move
        # The newest words stay in view: the conversation follows them down...
        assert conversation.evaluate(
            "b => b.scrollTop > 0 && b.scrollHeight - b.scrollTop - b.clientHeight < 48"
        )
        shot(page, "chat-streaming-1280")
        # ... until the reader scrolls up to read: then it stays where the reader put it.
        conversation.evaluate("b => { b.scrollTop = 0; }")
        size = conversation.evaluate("b => b.scrollHeight")
        page.wait_for_function(
            "s => document.querySelector('registre-widget').shadowRoot.querySelector('.body').scrollHeight > s + 40",
            arg=size,
            timeout=30_000,
        )
        assert conversation.evaluate("b => b.scrollTop") == 0

        page.locator("#registre-stop").click()
        answer.locator(".registre-stopped").wait_for(timeout=10_000)
        assert time.monotonic() - asked < 60
        assert not errors, errors
        page.close()


def test_the_reader_opens_at_the_cited_sentence_highlighted_and_in_view(browser, index, embedder, scripted):
    with Server(Assistant(index, embedder, scripted)) as server:
        for viewport, name in ((DESKTOP, "1280"), (PHONE, "375")):
            page, errors = watched_page(browser, viewport)
            page.goto(server.url + "/")
            scripted.enqueue("Le marché a été attribué à la société TALCO Languedoc [1].")
            page.locator("#registre-input").fill(QUESTION)
            page.keyboard.press("Enter")
            answer = page.locator('.registre-msg-assistant[data-state="done"]')
            answer.wait_for(timeout=60_000)
            assert page.locator("#registre-status").inner_text() == "Réponse prête."
            notice = answer.locator(".registre-notice")
            assert notice.count() == 1 and "scripted" not in notice.inner_text()
            assert "un modèle de langue open source exécuté par la collectivité" in notice.inner_text()
            shot(page, f"chat-answer-{name}")

            link = answer.locator(".registre-text sup a").first
            with page.context.expect_page() as opened:
                link.click()
            reader = opened.value
            reader.wait_for_load_state()
            passage = reader.locator("mark#passage")
            passage.wait_for()
            assert in_view(passage), "the cited sentence is not scrolled into view"
            assert passage.evaluate("m => getComputedStyle(m).backgroundColor") == "rgb(255, 243, 176)"
            assert re.search(r"Page \d+ sur \d+ du PDF", reader.locator(".where").inner_text())
            assert reader.locator(".act h1").inner_text().strip()
            pdf = reader.locator("a", has_text="Ouvrir le PDF original").get_attribute("href")
            assert re.match(r"^/documents/[0-9a-f]+\.pdf#page=\d+$", pdf)
            assert (
                reader.request.get(server.url + pdf.split("#")[0]).headers["content-type"]
                == "application/pdf"
            )
            shot(reader, f"reader-{name}")  # where it opens: the passage in view
            reader.screenshot(
                path=str(ARTIFACTS / f"reader-page-{name}.png"), full_page=True
            )  # header to end
            reader.close()
            assert not errors, errors
            page.close()


def test_the_minutes_page_of_the_reader_scrolls_to_a_passage_low_on_a_long_page(browser, council, embedder):
    minutes = next(d for d in council.documents.values() if d.path.endswith("PV_CM_17_02_2014.pdf"))
    pages = council.pages(minutes.id)
    number, text = next((n, t) for n, t in sorted(pages.items()) if n > 10 and len(t) > 3000)
    last_words = " ".join(text.split()[-30:-18])
    with Server(Assistant(council, embedder, None)) as server:
        page = browser.new_page(viewport=PHONE)
        page.goto(f"{server.url}/documents/{minutes.id}?page={number}&q={last_words}#passage")
        passage = page.locator("mark#passage")
        assert page.evaluate("scrollY") > 0 and in_view(passage)
        assert f"page imprimée {number}" in page.locator(".where").inner_text()
        page.close()


def test_the_keyboard_path_question_first_a_modal_on_a_phone_escape_closes(
    browser, index, embedder, scripted
):
    with Server(Assistant(index, embedder, scripted)) as server:
        page = browser.new_page(viewport=PHONE)
        page.goto(server.url + "/static/demo.html")
        launcher = page.locator("#registre-launcher")
        launcher.wait_for()
        for _ in range(40):
            page.keyboard.press("Tab")
            if focused(page) == "registre-launcher":
                break
        page.keyboard.press("Enter")
        panel = page.locator("#registre-panel")
        assert panel.get_attribute("role") == "dialog" and panel.get_attribute("aria-modal") == "true"
        assert focused(page) == "registre-input"  # the question box first
        page.keyboard.press("Tab")
        assert focused(page) == "registre-send"
        seen = []
        for _ in range(25):  # round and round, never out to the page hidden behind
            page.keyboard.press("Tab")
            seen.append(focused(page))
        assert None not in seen and "registre-input" in seen, seen
        page.locator("#registre-input").focus()
        page.keyboard.press("Shift+Tab")
        assert focused(page) == "BUTTON.close"  # backwards from the question: the last control, not the page
        shot(page, "widget-open-375")
        page.keyboard.press("Escape")
        assert panel.is_hidden() and focused(page) == "registre-launcher"

        # On a wide screen the panel is not modal: the city's page stays usable beside it.
        page.set_viewport_size(DESKTOP)
        page.keyboard.press("Enter")
        assert panel.is_visible() and panel.get_attribute("aria-modal") is None
        assert focused(page) == "registre-input"
        scripted.enqueue("Le marché a été attribué à TALCO [1].")
        page.keyboard.type(QUESTION)
        page.keyboard.press("Enter")
        page.locator('.registre-msg-assistant[data-state="done"]').wait_for(timeout=60_000)
        assert page.locator("#registre-status").get_attribute("role") == "status"
        assert page.locator("#registre-status").inner_text() == "Réponse prête."
        shot(page, "widget-open-1280")
        page.keyboard.press("Escape")
        assert panel.is_hidden()
        page.close()


def test_a_refusal_says_so_first_and_folds_the_documents_read(browser, index, embedder):
    with Server(Assistant(index, embedder, None)) as server:  # no model: every question is a refusal
        page = browser.new_page(viewport=PHONE)
        page.goto(server.url + "/")
        page.locator("#registre-input").fill("Combien coûte la piscine olympique de la lune ?")
        page.keyboard.press("Enter")
        answer = page.locator('.registre-msg-assistant[data-state="done"]')
        answer.wait_for(timeout=60_000)
        assert "registre-notfound" in answer.get_attribute("class")
        refusal = answer.locator(".registre-refusal")
        assert "ne figure pas" in refusal.inner_text() and in_view(refusal)
        summary = answer.locator(".registre-sources summary")
        if summary.count():
            assert summary.inner_text().startswith("Documents consultés, sans réponse")
            assert not answer.locator(".registre-sources").evaluate("d => d.open")
        assert answer.locator(".registre-notice").count() == 0  # no AI wrote anything
        shot(page, "chat-refusal-375")
        page.close()
