"""A city's page embeds the widget with `data-collectivite`: in a real browser, against the real server over an
index of two collectivités, its answers never cite the other collectivité's documents."""

from __future__ import annotations

import json
import re
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

from app.answer.assistant import Assistant
from app.http.app import create_app
from app.settings import Settings
from tests.serving import LiveServer

QUESTIONS = [
    "Quelle entreprise a été retenue pour le marché du réseau radio TETRA ?",  # Montpellier's
    "Quel est le montant du devis d'Hydrogénie pour réhabiliter la fontaine ?",  # Pierrefonds's
]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def test_a_widget_scoped_to_pierrefonds_never_cites_montpellier(browser, mixed, embedder, scripted, tmp_path):
    site = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(tmp_path)))
    threading.Thread(target=site.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{site.server_address[1]}"
    for _ in QUESTIONS:
        scripted.enqueue("D'après le document [1].")
    app = create_app(
        Settings(cors_origins=[origin], rate_limit_per_minute=0), Assistant(mixed, embedder, scripted)
    )
    try:
        with LiveServer(app) as registre:
            (tmp_path / "index.html").write_text(
                '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Mairie de Pierrefonds</title>'
                f'</head><body><h1>Mairie de Pierrefonds</h1><script src="{registre.url}/static/widget.js" '
                f'data-api="{registre.url}" data-collectivite="Pierrefonds" defer></script></body></html>',
                encoding="utf-8",
            )
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            sent: list[dict] = []
            page.on(
                "request",
                lambda r: sent.append(json.loads(r.post_data or "{}")) if r.method == "POST" else None,
            )
            page.goto(origin + "/index.html")
            page.locator("#registre-launcher").wait_for()
            page.evaluate("window.registreWidget.open()")
            for i, question in enumerate(QUESTIONS, start=1):
                page.locator("#registre-input").fill(question)
                page.locator("#registre-send").click()
                page.locator('.registre-msg-assistant[data-state="done"]').nth(i - 1).wait_for(timeout=60_000)
            links = page.locator(".registre-msg-assistant a[href*='/documents/']").evaluate_all(
                "links => links.map(a => a.href)"
            )
            page.close()
    finally:
        site.shutdown()
        site.server_close()
    assert [b.get("collectivite") for b in sent] == ["Pierrefonds", "Pierrefonds"]
    # The reader (/documents/ID?page=…) and the PDF (/documents/ID.pdf#page=…) both name the document.
    files = {mixed.documents[re.search(r"/documents/([^/?#.]+)", href).group(1)].path for href in links}
    assert files and all(f.startswith("pierrefonds/") for f in files), files
