"""Run one answer in a worker thread and hand its events to async code; leaving cancels it at once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

from app.chat import Answer, Assistant, Sources


async def relay(
    assistant: Assistant, question: str, history: list[dict]
) -> AsyncIterator[Sources | str | Answer]:
    """Yield the assistant's events as they come; raise its error, if any, in the caller."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()
    cancel = threading.Event()
    finished = object()

    def work() -> None:
        try:
            for item in assistant.stream(question, history, cancel):
                loop.call_soon_threadsafe(queue.put_nowait, item)
        except Exception as e:  # noqa: BLE001 - handed over to the event loop, raised there
            loop.call_soon_threadsafe(queue.put_nowait, e)
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, finished)

    worker = loop.run_in_executor(None, work)
    try:
        while (item := await queue.get()) is not finished:
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        cancel.set()  # the worker stops at the next token and frees the model
        await asyncio.shield(worker)
