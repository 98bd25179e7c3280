"""The PostgreSQL database several servers share (REGISTRE_DATABASE_URL): connections, versioned schema.

The schema is plain numbered SQL files (migrations/001_*.sql, 002_*.sql…) applied in order by `registre db
upgrade`, each version recorded in the table registre_migrations. A server refuses to start on a database whose
schema is behind (or ahead of) the files it ships. psycopg is imported only here and only when a database is set:
without REGISTRE_DATABASE_URL nothing needs it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MIGRATIONS = Path(__file__).parent / "migrations"
_NAME = re.compile(r"(\d{3})_(\w+)\.sql")
_LOCK = 7_012_300_023  # pg_advisory_xact_lock key: one `db upgrade` at a time, whichever server runs it


class DatabaseError(RuntimeError):
    """The database cannot be reached, or its schema does not match this registre (French, for the user)."""


class DatabaseBehind(DatabaseError):
    """The schema is older than this registre's: `registre db upgrade` brings it up to date."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations(folder: Path = MIGRATIONS) -> list[Migration]:
    """The numbered SQL files, in order; numbers run 1, 2, 3… without gap nor repeat."""
    found = []
    for path in sorted(folder.glob("*.sql")):
        m = _NAME.fullmatch(path.name)
        if not m:
            raise DatabaseError(f"migration mal nommée : {path.name} (attendu NNN_nom.sql)")
        found.append(Migration(int(m[1]), m[2], path.read_text(encoding="utf-8")))
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise DatabaseError(f"migrations non consécutives dans {folder} : {[m.version for m in found]}")
    return found


def latest() -> int:
    return len(migrations())


def _psycopg() -> Any:
    try:
        import psycopg
        import psycopg_pool  # noqa: F401 - the servers' pool: the same extra
    except ImportError:
        raise DatabaseError(
            "REGISTRE_DATABASE_URL est défini mais psycopg n'est pas installé : pip install 'registre[postgres]'"
        ) from None
    return psycopg


def connect(url: str) -> Any:
    """One connection in autocommit (each statement its own transaction unless one is opened)."""
    psycopg = _psycopg()
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.Error as e:
        raise DatabaseError(f"base PostgreSQL injoignable : {str(e).strip()}") from e


def version(conn: Any) -> int:
    """The schema version the database is at (0: registre's schema was never applied)."""
    if conn.execute("SELECT to_regclass('registre_migrations')").fetchone()[0] is None:
        return 0
    return int(conn.execute("SELECT coalesce(max(version), 0) FROM registre_migrations").fetchone()[0])


def upgrade(conn: Any, target: int | None = None) -> list[Migration]:
    """Apply the migrations the database lacks (up to target), in one transaction; return those applied.

    Run twice, or by two servers at once, the second finds nothing to do: an advisory lock serialises them.
    """
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS registre_migrations (version integer PRIMARY KEY, name text NOT NULL, "
            "applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = version(conn)
        pending = [m for m in migrations() if m.version > done and (target is None or m.version <= target)]
        for m in pending:
            conn.execute(m.sql)
            conn.execute(
                "INSERT INTO registre_migrations (version, name) VALUES (%s, %s)", (m.version, m.name)
            )
    return pending


def check(conn: Any) -> int:
    """The schema version, when it is the one this registre ships; else a DatabaseError that says what to do."""
    at, wanted = version(conn), latest()
    if at == 0:
        raise DatabaseBehind(
            "la base PostgreSQL n'a pas encore le schéma de registre : lancez `registre db upgrade`, puis "
            "redémarrez le serveur."
        )
    if at < wanted:
        raise DatabaseBehind(
            f"la base PostgreSQL est à la version {at} du schéma, ce registre attend la version {wanted} : "
            "lancez `registre db upgrade`, puis redémarrez le serveur."
        )
    if at > wanted:
        raise DatabaseError(
            f"la base PostgreSQL est à la version {at} du schéma, plus récente que ce registre (version "
            f"{wanted}) : mettez registre à jour sur ce serveur."
        )
    return at


class Database:
    """The database of one process: a pool of connections for a server, one connection at a time otherwise.

    The pool opens on first use and closes with the server; a closed pool is replaced by a fresh one if the
    same app is started again (as tests do).
    """

    def __init__(self, url: str, pooled: bool = True, max_size: int = 8):
        self.url, self.pooled, self.max_size = url, pooled, max_size
        self._pool: Any = None
        self._lock = threading.Lock()

    def check(self) -> int:
        """The schema's version, checked on a connection of its own (the pool opens on first use only)."""
        with connect(self.url) as conn:
            return check(conn)

    @contextmanager
    def connection(self, timeout: float | None = None) -> Iterator[Any]:
        """A connection (autocommit), waited for at most timeout seconds from the pool (default 10); any error
        of the driver inside comes out as a DatabaseError."""
        psycopg = _psycopg()
        from psycopg_pool import PoolTimeout

        try:
            if self.pooled:
                with self._open().connection(timeout=timeout) as conn:
                    yield conn
            else:
                with connect(self.url) as conn:
                    yield conn
        except PoolTimeout as e:
            raise DatabaseError(f"base PostgreSQL injoignable : {str(e).strip()}") from e
        except psycopg.Error as e:
            raise DatabaseError(f"base PostgreSQL : {str(e).strip()}") from e

    def _open(self) -> Any:
        with self._lock:
            if self._pool is None:
                from psycopg_pool import ConnectionPool

                self._pool = ConnectionPool(
                    self.url,
                    min_size=1,
                    max_size=self.max_size,
                    kwargs={"autocommit": True, "connect_timeout": 10},
                    open=True,
                    timeout=10,
                    name="registre",
                )
            return self._pool

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
