"""The bounded fair queue: first come, first served; full means 503 with Retry-After; retrieval never waits."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from app.answer.assistant import Assistant
from app.http.app import create_app
from app.http.queue import Busy, Cancelled, Gate, cancel_with
from app.settings import Settings
from tests.serving import served


def wait_until(condition, seconds=10.0):
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            raise AssertionError("the condition never came")
        time.sleep(0.01)


def test_slots_are_handed_out_in_arrival_order_and_the_line_is_bounded():
    gate = Gate(parallel=1, max_waiting=3)
    release, order = threading.Event(), []
    tickets = [gate.admit() for _ in range(4)]
    with pytest.raises(Busy) as busy:
        gate.admit()
    assert busy.value.retry_after >= 1

    def holder():
        with gate:
            order.append("first")
            release.wait()

    def waiter(name):
        with gate:
            order.append(name)

    threads = [threading.Thread(target=holder)]
    threads[0].start()
    wait_until(lambda: gate.running == 1)
    for i, name in enumerate(["b", "c", "d"], start=1):
        threads.append(threading.Thread(target=waiter, args=(name,)))
        threads[-1].start()
        wait_until(lambda i=i: gate.waiting == i)  # in line before the next one arrives
    release.set()
    for t in threads:
        t.join(10)
    assert order == ["first", "b", "c", "d"]
    for t in tickets:
        t.close()
    assert gate.admitted == 0 and gate.running == 0
    gate.admit().close()  # room again


def test_a_waiting_generation_leaves_the_line_when_its_reader_leaves():
    gate = Gate(parallel=1, max_waiting=2)
    release, cancel, outcome = threading.Event(), threading.Event(), []

    def holder():
        with gate:
            release.wait()

    def waiter():
        cancel_with(cancel)
        try:
            with gate:
                outcome.append("ran")
        except Cancelled:
            outcome.append("cancelled")

    threading.Thread(target=holder).start()
    wait_until(lambda: gate.running == 1)
    t = threading.Thread(target=waiter)
    t.start()
    wait_until(lambda: gate.waiting == 1)
    cancel.set()
    t.join(10)
    release.set()
    assert outcome == ["cancelled"] and gate.waiting == 0


class BlockingLLM:
    """Holds the model until released: the test decides when generation ends."""

    name = "blocking"

    def __init__(self):
        self.release, self.started = threading.Event(), threading.Semaphore(0)

    def stream(self, messages, max_tokens):
        self.started.release()
        self.release.wait(30)
        yield "Le conseil compte 60 membres [1]."


QUESTION = {"question": "Quelle entreprise a été retenue pour le marché du réseau radio TETRA ?"}


def sse_events(response):
    name = None
    for line in response.iter_lines():
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            yield name, json.loads(line[6:])


def test_load_past_the_queue_gets_503_while_sources_and_health_stay_served(index, embedder):
    llm = BlockingLLM()
    assistant = Assistant(index, embedder, llm, top_k=2)
    app = create_app(Settings(chat_max_waiting=1), assistant)
    with served(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        results: dict[str, object] = {}
        first_sources = threading.Event()

        def streamed(key):
            with client.stream("POST", "/api/chat/stream", json=QUESTION) as r:
                got = []
                for name, data in sse_events(r):
                    got.append((name, data))
                    if name == "sources":
                        first_sources.set() if key == "a" else results.setdefault(key + "_sources", data)
                results[key] = got

        a = threading.Thread(target=streamed, args=("a",))
        a.start()
        assert llm.started.acquire(timeout=30)  # chat a holds the model
        b = threading.Thread(target=streamed, args=("b",))
        b.start()
        # Chat b waits for the model, yet its sources arrive: retrieval does not queue behind generation.
        wait_until(lambda: "b_sources" in results, 30)
        assert results["b_sources"]["extracts"]  # type: ignore[index]

        # One answering, one waiting: the queue is full. Every chat endpoint says so at once, in French.
        for path, body in [
            ("/api/chat", QUESTION),
            ("/api/chat/stream", QUESTION),
            ("/v1/chat/completions", {"messages": [{"role": "user", "content": QUESTION["question"]}]}),
        ]:
            r = client.post(path, json=body)
            assert r.status_code == 503, path
            assert int(r.headers["retry-after"]) >= 1
            said = r.json()["error"]["message"] if path.startswith("/v1/") else r.json()["detail"]
            assert "Réessayez dans" in said
        assert client.get("/health").json()["status"] == "ok"  # the rest of the API is not held up
        found = client.get("/api/search", params={"q": "conseil consultatif des résidents étrangers"})
        assert found.status_code == 200 and found.json()  # staff search never waits for the model

        llm.release.set()
        a.join(30)
        b.join(30)
        for key in ("a", "b"):
            names = [n for n, _ in results[key]]  # type: ignore[union-attr]
            assert names[0] == "sources" and names[-1] == "done"
            assert results[key][-1][1]["answer"]  # type: ignore[index]
        gate = app.state.gate
        wait_until(lambda: gate.admitted == 0)
        r = client.post("/api/chat", json=QUESTION)  # room again
        assert r.status_code == 200 and r.json()["citations"]


def test_the_real_model_serves_queued_chats_one_after_the_other(index, embedder, llm):
    assistant = Assistant(index, embedder, llm, top_k=2, extract_words=60, max_tokens=12)
    app = create_app(Settings(chat_max_waiting=2), assistant)
    with served(app) as base, httpx.Client(base_url=base, timeout=600) as client:
        codes: list[int] = []
        answers: list[str] = []

        def ask():
            r = client.post("/api/chat", json=QUESTION)
            codes.append(r.status_code)
            answers.append(r.json().get("answer", ""))

        threads = [threading.Thread(target=ask) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(600)
    assert codes == [200, 200, 200]
    assert len(set(answers)) == 1 and answers[0]  # greedy: the same question gets the same answer
