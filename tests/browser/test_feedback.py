"""👍/👎 in the real widget (Debian's chromium, Playwright) against the real server and its real ratings file."""

from __future__ import annotations

import sqlite3

from app.answer.assistant import Assistant
from app.http.app import create_app
from app.settings import Settings
from tests.serving import LiveServer, watched_page

QUESTION = "Combien de membres compte le conseil consultatif des résidents étrangers ?"
STRUCTURED = "Qui a rapporté la délibération sur le réseau TETRA ?"


def ask(page, question: str, n: int):
    page.locator("#registre-input").fill(question)
    page.keyboard.press("Enter")
    answer = page.locator('.registre-msg-assistant[data-state="done"]').nth(n)
    answer.wait_for(timeout=60_000)
    return answer


def test_a_citizen_rates_answers_and_chooses_to_join_the_question(
    browser, index, embedder, scripted, tmp_path
):
    scripted.enqueue("Le conseil compte 60 membres [1].")
    settings = Settings(data_dir=tmp_path)
    with LiveServer(create_app(settings, Assistant(index, embedder, scripted))) as server:
        page, errors = watched_page(browser, {"width": 1280, "height": 860})
        page.goto(server.url + "/")

        first = ask(page, QUESTION, 0)
        first.get_by_role("button", name="Réponse à améliorer").click()
        first.get_by_label("Commentaire (facultatif, sans données personnelles)").fill("Il manque la date.")
        first.get_by_label("Joindre ma question pour améliorer le service").check()
        first.get_by_role("button", name="Envoyer mon avis").click()
        first.locator('.registre-feedback[data-state="sent"]').wait_for(timeout=10_000)
        assert "Votre question est jointe" in first.locator(".registre-feedback .said").inner_text()

        page.get_by_role("button", name="Nouvelle conversation").click()  # no history: the fact path
        second = ask(page, STRUCTURED, 0)
        second.get_by_role("button", name="Réponse utile").click()
        assert second.get_by_role("button", name="Réponse utile").get_attribute("aria-pressed") == "true"
        second.get_by_role("button", name="Envoyer mon avis").click()  # the box left unticked
        second.locator('.registre-feedback[data-state="sent"]').wait_for(timeout=10_000)
        assert second.locator(".registre-feedback .said").inner_text() == "Merci pour votre avis."
        assert not errors, errors
        page.close()

    with sqlite3.connect(tmp_path / "feedback.sqlite3") as db:
        rows = db.execute(
            "SELECT rating, question, comment, generated_by, model, citations FROM feedback ORDER BY id"
        ).fetchall()
    (r1, q1, c1, g1, m1, cited1), (r2, q2, c2, g2, m2, _) = rows
    assert (r1, q1, c1, g1, m1) == ("down", QUESTION, "Il manque la date.", "ai", "scripted")
    assert "2013-02-04-0000061089.pdf" in cited1
    assert (r2, q2, c2, g2, m2) == ("up", None, None, "document", None)
