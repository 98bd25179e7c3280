"""A bounded, fair queue in front of the model.

Every chat is admitted or refused at once: at most `parallel` answers are generated together and at most
`max_waiting` more wait their turn, first come, first served. Past that the API answers 503 with Retry-After
instead of holding more requests in memory. Retrieval never waits here: a queued chat gets its sources first,
and only its generation waits for a slot.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import Self


class Busy(Exception):
    """Every slot is taken and the waiting line is full."""

    def __init__(self, retry_after: int):
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class Cancelled(Exception):
    """The reader left while its chat was still waiting for the model."""


_local = threading.local()  # the cancel event of the chat this thread answers, set by app.http.relay


def cancel_with(event: threading.Event | None) -> None:
    """Let a wait for the model in this thread end when `event` is set (the reader left)."""
    _local.cancel = event


class Gate:
    """Admission (bounded) and the model's slots, handed out in arrival order.

    `admit()` takes a place or raises Busy; the gate itself is the context manager a generation runs in
    (the assistant's `llm_slot`).
    """

    def __init__(self, parallel: int = 1, max_waiting: int = 8, expected_s: float = 20.0):
        self.parallel, self.max_waiting = parallel, max_waiting
        self._cond = threading.Condition()
        self._admitted = 0  # chats between admission and the end of their answer
        self._running = 0
        self._line: deque[object] = deque()  # generations waiting for a slot, oldest first
        self._mean_s = expected_s  # running mean of the time a slot is held, for Retry-After
        self._since = threading.local()

    @property
    def admitted(self) -> int:
        return self._admitted

    @property
    def running(self) -> int:
        return self._running

    @property
    def waiting(self) -> int:
        return len(self._line)

    def admit(self) -> Ticket:
        """Take a place, or raise Busy with the expected wait in seconds."""
        with self._cond:
            if self._admitted >= self.parallel + self.max_waiting:
                rounds = math.ceil((self._admitted - self.parallel + 1) / self.parallel)
                raise Busy(max(1, math.ceil(rounds * self._mean_s)))
            self._admitted += 1
        return Ticket(self)

    def __enter__(self) -> Self:
        cancel: threading.Event | None = getattr(_local, "cancel", None)
        me = object()
        with self._cond:
            self._line.append(me)
            try:
                while not (self._running < self.parallel and self._line[0] is me):
                    if cancel is not None and cancel.is_set():
                        raise Cancelled
                    self._cond.wait(0.1 if cancel is not None else None)
            except BaseException:
                self._line.remove(me)
                self._cond.notify_all()
                raise
            self._line.popleft()
            self._running += 1
            self._cond.notify_all()  # the next in line may take another free slot
        self._since.t = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        held = time.perf_counter() - self._since.t
        with self._cond:
            self._running -= 1
            self._mean_s = 0.8 * self._mean_s + 0.2 * held
            self._cond.notify_all()

    def _leave(self) -> None:
        with self._cond:
            self._admitted -= 1


class Ticket:
    """One admitted chat; `close()` (or its loss) gives the place back."""

    def __init__(self, gate: Gate):
        self._gate, self._open = gate, True

    def close(self) -> None:
        if self._open:
            self._open = False
            self._gate._leave()

    def __del__(self) -> None:  # a response abandoned before it started still gives its place back
        self.close()
