"""An accessibility audit of every screen with axe-core (bundled by axe-playwright-python) in Debian's chromium.

Each screen is audited in the state a citizen or an agent meets it: the chat page and the widget with an answer and
its sources, the staff search with results. Every axe rule runs (WCAG 2.x A and AA, and the best practices); the
audit passes with no violation and no colour contrast left undecided (« incomplete »), which axe reports when it
cannot see the colours behind a text (an image, a gradient, an overlap) and a person would have to check by hand.
"""

from __future__ import annotations

import json
import os

import pytest

from app.answer.assistant import Assistant
from app.http.app import create_app
from app.settings import Settings
from tests.fakes import ScriptedLLM
from tests.serving import LiveServer

try:
    from axe_playwright_python.sync_playwright import Axe
except ImportError:
    if os.environ.get("CI"):
        raise
    pytest.skip("needs axe-playwright-python: pip install -e '.[dev]'", allow_module_level=True)

QUESTION = "Quelle entreprise a été retenue pour le marché du réseau radio TETRA ?"
ANSWER = "Le marché a été attribué à la société TALCO [1]."


def axe(page, context: object = None, rules: list[str] | None = None) -> dict:
    """Run axe on the page as it is (every rule, or those named), within `context` when given (axe's format).

    A context narrower than the page hides from axe what may lie over a text: the contrast checks run page-wide.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(Axe().axe_script)
    options: dict = {"resultTypes": ["violations", "incomplete"]}
    if rules:
        options["runOnly"] = rules
    return page.evaluate("([context, options]) => axe.run(context || document, options)", [context, options])


def shadow_path(node: dict) -> list[str]:
    """The node's selector, one step per shadow root (axe writes a node inside the widget as [host, selector])."""
    target = node["target"][0]
    return target if isinstance(target, list) else [target]


def in_view(page, path: list[str]) -> None:
    page.evaluate(
        """(path) => {
            let root = document;
            for (const host of path.slice(0, -1)) root = root.querySelector(host).shadowRoot;
            root.querySelector(path[path.length - 1]).scrollIntoView({ block: "center" });
        }""",
        path,
    )


def problems(page) -> list[str]:
    """Every violation, and every colour contrast axe could not decide, one line each with where it stands.

    axe judges a text's contrast from what lies under it on screen: a text scrolled out of a conversation's view
    lies under the panel's header or the page behind, so axe leaves it undecided. Each such text is scrolled into
    view and judged again there; what is still undecided, or fails, is a problem.
    """
    results = axe(page)
    found = [(v, n, "violation") for v in results["violations"] for n in v["nodes"]]
    for rule in results["incomplete"]:
        if rule["id"] != "color-contrast":
            continue
        for node in rule["nodes"]:
            path = shadow_path(node)
            in_view(page, path)
            again = axe(page, rules=["color-contrast"])  # the whole page: what may lie over the text counts
            for kind in ("violations", "incomplete"):
                found += [
                    (v, n, kind[:-1] if kind == "violations" else kind)
                    for v in again[kind]
                    for n in v["nodes"]
                    if shadow_path(n) == path
                ]
    return [
        f"{kind} {v['id']} ({v['impact']}): {v['help']} — {json.dumps(n['target'])} "
        f"{' '.join(c['message'] for c in n['any'] + n['none'])}"
        for v, n, kind in found
    ]


def ask(page, question: str) -> None:
    page.locator("#registre-input").fill(question)
    page.locator("#registre-send").click()
    page.locator('.registre-msg-assistant[data-state="done"]').wait_for(timeout=60_000)


def answering(browser, chat, width: int):
    """A page of the given width on the chat server, whose model will answer ANSWER; and the server's URL."""
    url, llm = chat
    llm.enqueue(ANSWER)
    return browser.new_page(viewport={"width": width, "height": 860}), url


@pytest.fixture(scope="module")
def chat(index, embedder):
    llm = ScriptedLLM()
    with LiveServer(create_app(Settings(rate_limit_per_minute=0), Assistant(index, embedder, llm))) as server:
        yield server.url, llm


@pytest.mark.parametrize("width", [375, 1280])
def test_the_chat_page_with_an_answer(browser, chat, width):
    page, url = answering(browser, chat, width)
    page.goto(url + "/")
    page.locator("#registre-input").wait_for()
    assert problems(page) == []  # as it opens
    ask(page, QUESTION)
    assert problems(page) == []
    page.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_the_widget_open_with_an_answer(browser, chat, width):
    page, url = answering(browser, chat, width)
    page.goto(url + "/static/demo.html")
    page.locator("#registre-launcher").wait_for()
    page.evaluate("window.registreWidget.open()")
    ask(page, QUESTION)
    page.locator(".registre-msg-assistant summary").first.click()  # the sources unfolded, audited too
    assert problems(page) == []
    page.close()


def test_the_staff_search_with_results(browser, council, embedder):
    with LiveServer(create_app(Settings(), Assistant(council, embedder, None))) as server:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server.url + "/recherche?q=subventions&outcome=majorit%C3%A9")
        page.locator("#results li mark").first.wait_for()
        assert problems(page) == []
        page.goto(server.url + "/recherche?q=zzqxw")  # no result: the message and the way back
        page.wait_for_function("() => document.getElementById('status').textContent.startsWith('Aucun')")
        assert problems(page) == []
        page.close()


def test_the_error_page(browser, chat):
    url, _ = chat
    page = browser.new_page()
    page.goto(url + "/documents/inconnu.pdf")
    assert page.locator("h1").inner_text() == "Page introuvable"
    assert problems(page) == []
    page.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_the_reader_at_a_cited_passage(browser, chat, width):
    page, url = answering(browser, chat, width)
    cited = page.request.post(url + "/api/chat", data={"question": QUESTION}).json()["citations"][0]
    page.goto(url + cited["viewer_url"])
    page.locator("mark#passage").wait_for()
    assert problems(page) == []
    page.close()
