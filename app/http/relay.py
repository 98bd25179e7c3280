"""Run one answer in its own thread and hand its events to async code; leaving cancels it at once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable

from app.answer.assistant import Answer, Assistant, Sources
from app.http.queue import Cancelled, Ticket, cancel_with


def _finish(done: asyncio.Future) -> None:
    if not done.done():
        done.set_result(None)


async def relay(
    assistant: Assistant,
    question: str,
    history: list[dict],
    ticket: Ticket | None = None,
    collectivite: str | None = None,
    on_answer: Callable[[Answer], None] | None = None,
) -> AsyncIterator[Sources | str | Answer]:
    """Yield the assistant's events as they come; raise its error, if any, in the caller.

    Each answer gets its own thread (admission bounds how many), so a chat waiting for the model never
    holds a worker that retrieval needs. The ticket, if any, is given back when the answer ends; on_answer
    (the metrics) sees every finished answer, whether or not the reader is still there to take it.
    collectivite: a key (Assistant.scope) to answer from that collectivité only.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()
    cancel = threading.Event()
    finished = object()
    done = loop.create_future()

    def call(callback, *args) -> None:
        try:
            loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:  # the loop is closed: a reader that left was not waited for (server shut down)
            pass

    def put(item: object) -> None:
        call(queue.put_nowait, item)

    def work() -> None:
        cancel_with(cancel)  # a wait for the model ends when the reader leaves
        try:
            for item in assistant.stream(question, history, cancel, collectivite):
                if on_answer is not None and isinstance(item, Answer):
                    on_answer(item)
                put(item)
        except Cancelled:
            pass
        except Exception as e:  # noqa: BLE001 - handed over to the event loop, raised there
            put(e)
        finally:
            cancel_with(None)
            put(finished)
            call(_finish, done)

    try:
        threading.Thread(target=work, name="registre-answer", daemon=True).start()
        while (item := await queue.get()) is not finished:
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        cancel.set()  # the worker stops at the next token (or leaves the queue) and frees the model
        try:
            await asyncio.shield(done)
        finally:
            if ticket is not None:
                ticket.close()
