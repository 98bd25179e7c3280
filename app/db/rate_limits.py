"""Rate-limit counters every server shares, in the database: one moving window per limit, as `limits` counts them
in memory, but one count for all the servers in front of one database.

`limits` has storage back-ends for Redis, Memcached and MongoDB, none for PostgreSQL; and registre's two windows
are tested, then recorded, in separate calls of its limiter, between which another server could let the same
client's last request through. Here one call of the SQL function rate_take (migrations/002_rate_limits.sql) tests
every window and records the request under a lock held for that client only: one round trip a request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from app.db import Database

PURGE_EVERY = 60.0  # seconds between two sweeps of the rows of clients who did not come back
WAIT = 2.0  # seconds a request waits for a connection before it goes uncounted


class SharedCounts:
    def __init__(self, database: Database):
        self.database = database
        self._secret: bytes | None = None
        self._lock = threading.Lock()
        self._next_purge = 0.0

    def secret(self) -> bytes:
        """The HMAC key of client addresses, the same on every server (drawn by the migration, kept there)."""
        if self._secret is None:
            with self.database.connection(timeout=WAIT) as conn:
                row = conn.execute(
                    "SELECT value FROM registre_secrets WHERE name = 'rate_limit_key'"
                ).fetchone()
            self._secret = bytes(row[0])
        return self._secret

    def take(self, client: str, windows: Sequence[tuple[int, float]]) -> float:
        """Count a request of the client against windows of (requests, seconds): 0 when let through, else the
        seconds until one is allowed again."""
        amounts, seconds = [a for a, _ in windows], [float(s) for _, s in windows]
        with self.database.connection(timeout=WAIT) as conn:
            (wait,) = conn.execute(
                "SELECT rate_take(%s, %s::integer[], %s::double precision[])", (client, amounts, seconds)
            ).fetchone()
            if self._purge_due():
                conn.execute(
                    "DELETE FROM rate_hits WHERE at <= extract(epoch FROM clock_timestamp()) - %s",
                    (max(seconds),),
                )
        return float(wait)

    def _purge_due(self) -> bool:
        with self._lock:
            now = time.monotonic()
            if now < self._next_purge:
                return False
            self._next_purge = now + PURGE_EVERY
            return True
