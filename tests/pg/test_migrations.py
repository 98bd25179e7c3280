"""The schema's versions on a real PostgreSQL: applied in order, once, recorded; a server's check says what to do."""

from __future__ import annotations

import pytest

from app import db


def test_the_migrations_are_numbered_without_gap():
    found = db.migrations()
    assert [m.version for m in found] == list(range(1, len(found) + 1)) and len(found) >= 2
    assert db.latest() == len(found)


def test_upgrade_applies_each_version_once_and_records_it(database_url):
    with db.connect(database_url) as conn:
        assert db.version(conn) == 0
        with pytest.raises(db.DatabaseBehind, match="lancez `registre db upgrade`"):
            db.check(conn)
        assert [m.version for m in db.upgrade(conn, target=1)] == [1]
        with pytest.raises(
            db.DatabaseBehind, match=f"version 1 du schéma, ce registre attend la version {db.latest()}"
        ):
            db.check(conn)
        assert [m.version for m in db.upgrade(conn)] == list(range(2, db.latest() + 1))
        assert db.upgrade(conn) == []  # twice: nothing more
        assert db.check(conn) == db.latest()
        recorded = conn.execute("SELECT version, name FROM registre_migrations ORDER BY version").fetchall()
        assert recorded == [(m.version, m.name) for m in db.migrations()]
        # the tables the versions made are there, once
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        assert {"feedback", "rate_hits", "registre_secrets", "registre_migrations"} <= tables


def test_a_database_ahead_of_this_registre_is_refused(database_url):
    with db.connect(database_url) as conn:
        db.upgrade(conn)
        conn.execute(
            "INSERT INTO registre_migrations (version, name) VALUES (%s, 'future')", (db.latest() + 1,)
        )
        with pytest.raises(db.DatabaseError, match="plus récente que ce registre"):
            db.check(conn)


def test_an_unreachable_database_is_said_in_french(tmp_path):
    with pytest.raises(db.DatabaseError, match="base PostgreSQL injoignable"):
        db.connect(f"postgresql://postgres:@/postgres?host={tmp_path}")


@pytest.mark.parametrize("command", [["status"], ["search", "subvention"], ["feedback", "list"]])
def test_a_command_on_a_database_behind_says_to_upgrade_it(
    database_url, tmp_path, monkeypatch, capsys, command
):
    from app import cli

    monkeypatch.setenv("REGISTRE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("REGISTRE_DATABASE_URL", database_url)  # a fresh database: no schema yet
    assert cli.main(command) == 2
    said = capsys.readouterr().err
    assert "lancez `registre db upgrade`" in said and "relation" not in said
