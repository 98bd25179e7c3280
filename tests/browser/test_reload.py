"""A page reloaded in the browser works as it did: its revalidated files (304) keep their headers."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.answer.assistant import Assistant
from app.http.app import create_app
from app.settings import Settings
from tests.serving import LiveServer


class Statuses:
    """The app as it is, noting the status it answers each path with (the browser shows a 304 as its cache's 200)."""

    def __init__(self, app: ASGIApp):
        self.app, self.seen = app, []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def noted(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.seen.append((scope["path"], message["status"]))
            await send(message)

        await self.app(scope, receive, noted if scope["type"] == "http" else send)


def test_the_demo_page_keeps_its_styles_and_its_widget_after_a_reload(browser, index, embedder):
    app = Statuses(create_app(Settings(), Assistant(index, embedder, None)))
    with LiveServer(app) as server:  # type: ignore[arg-type]
        context = browser.new_context()
        page = context.new_page()
        blocked: list[str] = []
        page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(server.url + "/static/demo.html")
        page.locator("#registre-launcher").wait_for()

        for _ in range(2):
            page.reload()
            header = page.locator("header").evaluate("e => getComputedStyle(e).backgroundColor")
            assert header == "rgb(45, 74, 34)"  # the page's own <style> still applies
            page.locator("#registre-launcher").wait_for(timeout=10_000)  # the widget's script ran again
            page.evaluate("window.registreWidget.open()")
            panel = page.locator("#registre-panel")
            assert panel.is_visible()
            assert panel.evaluate("e => getComputedStyle(e).position") != "static"  # the widget's own styles

        assert ("/static/demo.html", 304) in app.seen, app.seen  # the reloads did revalidate the cached page
        assert not blocked, blocked
        context.close()
