"""The state several servers share, on a real PostgreSQL: ratings kept and dropped as the SQLite file keeps them,
rate limits counted once for every server, and the `registre db` and `registre feedback` commands on the table."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest

from app import cli, db
from app.db.rate_limits import SharedCounts
from app.feedback import Cited, Feedback, FeedbackStore, PostgresFeedbackStore, Ratings


@pytest.fixture
def server(upgraded):
    """One server's view of the database: its own pool, closed after the test."""
    opened = []

    def make() -> db.Database:
        opened.append(db.Database(upgraded))
        return opened[-1]

    yield make
    for d in opened:
        d.close()


class Clock:
    def __init__(self, day: date):
        self.day = day

    def __call__(self) -> date:
        return self.day


@pytest.fixture(params=["sqlite", "postgresql"])
def store_at(request, tmp_path):
    """A ratings store on either back-end, on a clock the test moves: the same rules must hold on both."""

    def make(clock: Clock, retention_days: int = 30) -> Ratings:
        if request.param == "sqlite":
            return FeedbackStore(tmp_path / "feedback.sqlite3", retention_days, clock)
        return PostgresFeedbackStore(request.getfixturevalue("server")(), retention_days, clock)

    return make


def test_ratings_are_kept_and_dropped_the_same_on_both_backends(store_at):
    long_ago = date.today() - timedelta(days=40)
    clock = Clock(long_ago)
    store = store_at(clock)
    assert store.recent(None) == [] and store.counts()["up"] == 0
    cited = (Cited("deliberations/2013-02-04-0000061089.pdf", 2, "2013/3"),)
    first = store.add(
        Feedback("down", "Faux.", "Combien de membres ?", True, "ai", None, "qwen", "v1", cited)
    )
    clock.day = long_ago + timedelta(days=29)
    second = store.add(Feedback("up", found=False, refused_by="evidence"))
    assert second > first
    kept = store.recent(None)
    assert [f.rating for f in kept] == ["up", "down"]  # newest first; 29 days old: kept
    assert kept[1] == Feedback(
        "down", "Faux.", "Combien de membres ?", True, "ai", None, "qwen", "v1", cited, long_ago, first
    )
    assert kept[0].found is False and kept[0].citations == () and kept[0].day == clock.day
    assert store.recent("up", 1) == kept[:1] and [f.id for f in store.recent("down", None)] == [first]
    assert store.counts() == {"up": 1, "down": 1, "down_refused": 0, "questions": 1}
    clock.day = long_ago + timedelta(days=30)
    store.purge()  # the 40-day-old rating is 30 days old now: gone
    assert [f.id for f in store.recent(None)] == [second]


def test_ratings_from_one_server_are_read_by_another_and_by_the_cli(
    server, upgraded, tmp_path, monkeypatch, capsys
):
    one, other = PostgresFeedbackStore(server()), PostgresFeedbackStore(server())
    one.add(
        Feedback("down", "Il manque la date.", "Quand a eu lieu la séance ?", False, "ai", "model", "qwen")
    )
    other.add(Feedback("up", model="qwen"))
    assert [f.rating for f in other.recent(None)] == ["up", "down"]
    assert [f.rating for f in one.recent(None)] == ["up", "down"]

    monkeypatch.setenv("REGISTRE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("REGISTRE_DATABASE_URL", upgraded)
    assert cli.main(["feedback", "list", "--rating", "all"]) == 0
    listed = capsys.readouterr().out
    assert "2 avis, du plus récent" in listed and "« Quand a eu lieu la séance ? »" in listed
    out = tmp_path / "avis.jsonl"
    assert cli.main(["feedback", "export", "--format", "eval", "--out", str(out)]) == 0
    assert "Quand a eu lieu la séance ?" in out.read_text()
    assert cli.main(["status"]) == 0
    assert "1 👍, 1 👎 (1 sur un refus), 1 avec la question jointe" in capsys.readouterr().out
    assert not (tmp_path / "feedback.sqlite3").exists()  # nothing went to the file


def test_a_rate_limit_is_one_count_for_every_server(server):
    one, other = SharedCounts(server()), SharedCounts(server())
    assert one.secret() == other.secret() and len(one.secret()) == 32  # one client is one key everywhere
    windows = [(5, 60.0), (2, 1.0)]  # 5 a minute, 2 at once
    assert one.take("me", windows) == 0 and other.take("me", windows) == 0
    wait = one.take("me", windows)
    assert 0 < wait <= 1  # the burst is spent, whichever server counted it
    assert other.take("me", windows) > 0 and other.take("you", windows) == 0  # another client is not held
    time.sleep(wait + 0.05)
    assert other.take("me", windows) == 0 and one.take("me", windows) == 0
    time.sleep(1.05)
    assert one.take("me", windows) == 0  # the fifth of the minute
    minute = other.take("me", windows)
    assert 55 < minute <= 60  # the minute's five are spent: the next one when the first leaves the window


def test_racing_servers_let_through_exactly_the_limit(server):
    servers = [SharedCounts(server()), SharedCounts(server())]
    for counts in servers:
        counts.take("warm", [(1, 1.0)])  # each pool has its connection: the race starts at the first request
    start = threading.Barrier(8)
    let_through: list[int] = []

    def hammer(counts: SharedCounts) -> None:
        start.wait()
        let_through.extend(1 for _ in range(10) if counts.take("crowd", [(10, 60.0)]) == 0)

    threads = [threading.Thread(target=hammer, args=(c,)) for c in servers for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(let_through) == 10  # 80 requests on two servers at once: ten, not one more


def test_db_upgrade_twice_is_harmless_and_says_so(database_url, monkeypatch, capsys):
    monkeypatch.setenv("REGISTRE_DATABASE_URL", database_url)
    assert cli.main(["db", "status"]) == 1
    assert f"version 0, ce registre attend la version {db.latest()} (en retard" in capsys.readouterr().out
    assert cli.main(["db", "upgrade"]) == 0
    said = capsys.readouterr().out
    assert f"mis à jour : version 0 → {db.latest()}" in said and "001 feedback" in said
    assert cli.main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out.strip() == f"schéma de la base déjà à jour : version {db.latest()}"
    assert cli.main(["db", "status"]) == 0 and "(à jour)" in capsys.readouterr().out


def test_db_commands_without_a_database_say_what_is_missing(monkeypatch, capsys):
    monkeypatch.delenv("REGISTRE_DATABASE_URL", raising=False)
    assert cli.main(["db", "upgrade"]) == 2
    assert "REGISTRE_DATABASE_URL n'est pas défini" in capsys.readouterr().err
    monkeypatch.setenv("REGISTRE_DATABASE_URL", "mysql://localhost/registre")
    assert cli.main(["db", "upgrade"]) == 2
    assert "REGISTRE_DATABASE_URL doit commencer par postgresql://" in capsys.readouterr().err


def test_a_server_refuses_to_start_on_a_database_behind(database_url, tmp_path, monkeypatch, capsys):
    with db.connect(database_url) as conn:
        db.upgrade(conn, target=1)  # as left by an older registre
    monkeypatch.setenv("REGISTRE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("REGISTRE_DATABASE_URL", database_url)
    assert cli.main(["serve", "--port", "1"]) == 2  # refused before the models load or a port is bound
    said = capsys.readouterr().err
    assert (
        f"la base PostgreSQL est à la version 1 du schéma, ce registre attend la version {db.latest()}"
        in said
    )
    assert "lancez `registre db upgrade`" in said
    assert cli.main(["db", "upgrade"]) == 0 and f"version 1 → {db.latest()}" in capsys.readouterr().out
