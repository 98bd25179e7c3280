"""A question with nothing to look for is refused at once in the chat page, with the reason, and the box stays usable."""

from __future__ import annotations

from app.answer.assistant import Assistant
from app.http.app import create_app
from app.settings import Settings
from tests.fakes import ScriptedLLM
from tests.serving import LiveServer


def test_an_emoji_question_is_refused_at_once_and_the_next_one_is_answered(browser, index, embedder):
    llm = ScriptedLLM()
    with LiveServer(create_app(Settings(), Assistant(index, embedder, llm))) as server:
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(server.url + "/")
        box = page.locator("#registre-input")
        box.wait_for()
        for question in ("🙂🙂🙂", "?! …"):
            box.fill(question)
            page.locator("#registre-send").click()
            page.get_by_text("La question ne contient aucun mot").last.wait_for(timeout=10_000)
        assert llm.history == []  # the model never ran

        llm.enqueue("Le marché a été attribué à la société TALCO [1].")
        box.fill("Quelle entreprise a été retenue pour le marché du réseau radio TETRA ?")
        page.locator("#registre-send").click()
        page.locator('.registre-msg-assistant[data-state="done"]').last.wait_for(timeout=60_000)
        assert "TALCO" in page.locator(".registre-msg-assistant").last.inner_text()
        assert len(llm.history) == 1
        page.close()
