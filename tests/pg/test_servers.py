"""Two registre apps on one real PostgreSQL, as two servers behind a reverse proxy: a rating given to one is
listed by the other, and the rate limit is one count for both (429 with Retry-After from either)."""

from __future__ import annotations

from contextlib import ExitStack

from fastapi.testclient import TestClient

from app.answer.assistant import Assistant
from app.http.app import create_app
from app.settings import Settings

TOKEN = "jeton-de-la-mairie-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def servers(n: int, tmp_path, index, embedder, scripted, **settings):
    """n apps, each with its own data dir (its own files), started; shared state only through the settings."""
    stack = ExitStack()
    clients = []
    for i in range(n):
        folder = tmp_path / f"server-{i}"
        configured = Settings(data_dir=folder, admin_token=TOKEN, warm_up=False, **settings)
        app = create_app(configured, Assistant(index, embedder, scripted))
        clients.append(stack.enter_context(TestClient(app)))
    return stack, clients


def test_a_rating_given_to_one_server_is_listed_by_the_other(
    upgraded, sample_index, embedder, scripted, tmp_path
):
    stack, (one, other) = servers(2, tmp_path, sample_index, embedder, scripted, database_url=upgraded)
    with stack:
        rating = {
            "rating": "down",
            "comment": "Il manque la date.",
            "question": "Quand ?",
            "share_question": True,
        }
        assert one.post("/api/feedback", json=rating).status_code == 201
        assert other.post("/api/feedback", json={"rating": "up"}).status_code == 201
        for client in (one, other):
            listed = client.get("/api/admin/feedback?rating=all", headers=AUTH).json()
            assert [(f["rating"], f["question"]) for f in listed] == [("up", None), ("down", "Quand ?")]
    assert not list(tmp_path.rglob("feedback.sqlite3"))  # no server kept a file of its own


def statuses_split_across(clients, n: int) -> list[tuple[int, str | None]]:
    """n rapid searches, each to the next server in turn: (status, Retry-After) of each."""
    out = []
    for i in range(n):
        r = clients[i % len(clients)].get("/api/search", params={"q": "subvention"})
        out.append((r.status_code, r.headers.get("retry-after")))
    return out


def test_rapid_searches_split_across_two_servers_meet_one_shared_limit(
    upgraded, sample_index, embedder, scripted, tmp_path
):
    limits = {"rate_limit_per_minute": 30, "rate_limit_burst": 20}
    stack, clients = servers(2, tmp_path, sample_index, embedder, scripted, database_url=upgraded, **limits)
    with stack:
        got = statuses_split_across(clients, 40)
    assert [s for s, _ in got[:20]] == [200] * 20  # the burst, ten on each server
    assert [s for s, _ in got[20:]] == [429] * 20  # then both refuse: one count for both
    waits = [int(w) for _, w in got[20:] if w is not None]
    assert len(waits) == 20 and all(1 <= w <= 40 for w in waits)  # 20 at once, then 30 a minute: 40 s

    # The same split without the database: each server counts alone, and lets its twenty through.
    stack, clients = servers(2, tmp_path / "files", sample_index, embedder, scripted, **limits)
    with stack:
        assert [s for s, _ in statuses_split_across(clients, 40)] == [200] * 40
