"""Stand-ins for the model where a test needs a chosen answer or a slow one; the real model is tested beside them."""

from __future__ import annotations

import json
import threading
import time
from collections import deque


class ScriptedLLM:
    """Stands in for llama.cpp where a test needs a chosen answer; the real model is tested beside it."""

    name = "scripted"

    def __init__(self):
        self.replies: deque[str] = deque()
        self.history: list[list[dict[str, str]]] = []

    def enqueue(self, reply: str) -> None:
        self.replies.append(reply)

    def stream(self, messages, max_tokens):
        self.history.append(messages)
        reply = self.replies.popleft()
        yield from (reply[i : i + 5] for i in range(0, len(reply), 5))


def events(lines):
    """Parse server-sent events from an iterator of lines."""
    name = None
    for line in lines:
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            yield name, json.loads(line[6:])


class SlowLLM:
    """Yields one word every 50 ms and records how far it got: enough to see a cancellation land."""

    name = "slow"

    def __init__(self, words=200):
        self.words, self.produced, self.stopped = words, 0, threading.Event()

    def stream(self, messages, max_tokens):
        try:
            for i in range(self.words):
                time.sleep(0.05)
                self.produced += 1
                yield f"mot{i} "
        finally:
            self.stopped.set()
