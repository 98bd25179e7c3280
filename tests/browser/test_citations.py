"""What a citizen meets under an answer, in chromium against the served app: each [n] opens the reader at its
sentence, a page is listed once however many of its extracts were read, and a phone shows the answer's start."""

from __future__ import annotations

import json
import re
import unicodedata
from urllib.parse import parse_qs, urlparse

import pytest

from app.answer.assistant import Assistant
from tests.browser.test_chat import DESKTOP, PHONE, QUESTION, Server, in_view, shot
from tests.serving import watched_page

# Two extracts of the act cited, on its two pages: the award (page 1) and the decision (page 2).
TWO_MARKS = "Le marché a été attribué à la société TALCO Languedoc [1][3]."
# A model that writes no mark: the answer still ends with those of what it cites.
UNMARKED = "Le marché a été attribué à la société TALCO Languedoc."


def letters(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if c.isalnum())


def ask(page, scripted, reply: str = TWO_MARKS):
    """Type the question, wait for the whole answer; the answer, and what the API said of it (the `done` event
    the widget keeps in the tab's sessionStorage)."""
    scripted.enqueue(reply)
    done = page.locator('.registre-msg-assistant[data-state="done"]')
    count = done.count()  # before asking: a scripted answer may be done before the next line runs
    page.locator("#registre-input").fill(QUESTION)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "n => document.querySelector('registre-widget').shadowRoot"
        ".querySelectorAll('.registre-msg-assistant[data-state=done]').length > n",
        arg=count,
        timeout=60_000,
    )
    log = json.loads(page.evaluate("() => sessionStorage.getItem('registre-widget-conversation')"))
    return done.last, log[-1]["data"]


@pytest.mark.parametrize("reply", [TWO_MARKS, UNMARKED], ids=["marked", "unmarked"])
def test_each_mark_of_the_answer_opens_the_reader_at_the_sentence_it_cites(
    browser, index, embedder, scripted, reply
):
    with Server(Assistant(index, embedder, scripted)) as server:
        page, errors = watched_page(browser, DESKTOP)
        page.goto(server.url + "/")
        answer, data = ask(page, scripted, reply)
        assert re.search(r"(\[\d+\])+\.?$", data["answer"]), data["answer"]  # the answer ends with its marks
        by_n = {c["n"]: c for c in data["citations"]}
        marks = answer.locator(".registre-text sup a")
        said = marks.evaluate_all("els => els.map(a => a.firstChild.textContent)")
        assert said == [f"[{n}]" for n in re.findall(r"\[(\d+)\]", data["answer"])], (said, data["answer"])
        assert set(by_n) == {int(n.strip("[]")) for n in said} and said
        for i in range(marks.count()):
            href = marks.nth(i).evaluate("a => a.href")
            cited = by_n[int(said[i].strip("[]"))]
            url = urlparse(href)
            assert url.path == urlparse(cited["viewer_url"]).path  # the cited document…
            assert parse_qs(url.query)["page"] == [str(cited["page"])]  # … at its page
            reader = browser.new_page()
            reader.goto(href)
            passage = reader.locator("mark#passage")
            passage.wait_for()
            assert in_view(passage)
            shown = letters(
                reader.evaluate(  # the words marked, without what only a screen reader says
                    "() => [...document.querySelectorAll('mark')].map(m => { const c = m.cloneNode(true);"
                    " c.querySelectorAll('.sr').forEach(s => s.remove()); return c.textContent; }).join(' ')"
                )
            )
            # The sentence cited, not the whole extract: it stands in the extract and is shorter.
            assert (
                shown and shown in letters(cited["excerpt"]) and len(shown) < len(letters(cited["excerpt"]))
            )
            assert "mot pour mot" not in reader.content()
            reader.close()
        assert not errors, errors
        page.close()


def test_a_page_read_twice_is_listed_once_and_each_number_still_opens_its_passage(
    browser, index, embedder, scripted
):
    with Server(Assistant(index, embedder, scripted)) as server:
        page, errors = watched_page(browser, DESKTOP)
        page.goto(server.url + "/")
        answer, data = ask(page, scripted)
        pages = {(c["url"].split("#")[0], c["page"]) for c in data["extracts"]}
        assert len(pages) < len(data["extracts"])  # the question reads two extracts of one page
        sources = answer.locator(".registre-sources li")
        assert sources.count() == len(pages)
        summary = answer.locator(".registre-sources summary").inner_text()
        assert summary == f"Sources consultées ({len(pages)})"
        answer.locator(".registre-sources summary").click()
        listed = answer.locator(".registre-sources li a").evaluate_all(
            "els => els.map(a => [a.textContent, a.href])"
        )
        for c in data["extracts"]:  # every number is there, as a link to its own passage
            assert any(
                text.startswith(f"[{c['n']}]") and href.endswith(c["viewer_url"]) for text, href in listed
            ), (c["n"], listed)
        texts = sources.all_inner_texts()
        assert len(set(texts)) == len(texts)
        assert any("autres passages de cette page" in t for t in texts), texts
        assert not errors, errors
        page.close()


def test_on_a_phone_the_finished_answer_shows_its_start(browser, index, embedder, scripted):
    with Server(Assistant(index, embedder, scripted)) as server:
        page, errors = watched_page(browser, PHONE)
        page.goto(server.url + "/")
        ask(page, scripted)
        answer, _ = ask(page, scripted)  # a second answer, below the first
        conversation = page.locator(".body")
        assert conversation.evaluate(
            "b => b.scrollHeight > b.clientHeight + 200"
        )  # there is somewhere to scroll
        start = answer.locator(".who")
        assert in_view(start), "the answer's start is scrolled out of view"
        assert in_view(answer.locator(".registre-text"))
        assert conversation.evaluate("b => b.scrollTop") > 0  # the first answer is above, scrolled past
        shot(page, "chat-answer-start-375")
        # The next question follows the new answer down again.
        ask(page, scripted)
        assert in_view(page.locator(".registre-msg-assistant").last.locator(".who"))
        assert not errors, errors
        page.close()
