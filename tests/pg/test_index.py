"""The index in a real PostgreSQL, as versions: a version published from the files' build loads into the same
index (the same rows, the same BM25 and cosine scores, the same search results); two servers serve it and both
switch to the next one while answering; a publish that fails midway leaves the served version whole."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app import cli, db, wiring
from app.answer.assistant import Assistant
from app.http.app import create_app
from app.settings import Settings
from index import postgres
from index.search import MODES, search
from index.store import Index, open_index
from ingest.pipeline import ingest
from tests.conftest import DATA_DIR, SAMPLE

QUERIES = [
    "subvention association",
    "vidéoprotection",
    "conseil de métropole 2023",
    "tarifs de la restauration scolaire",
    "intelligence artificielle convention citoyenne",
]


@pytest.fixture
def database(upgraded):
    opened = db.Database(upgraded)
    yield opened
    opened.close()


def publish(database: db.Database, index: Index, channel: str = postgres.SERVED) -> str:
    assert index.folder is not None
    with database.connection() as conn:
        return postgres.publish(conn, index.folder, channel)


def loaded(database: db.Database, channel: str = postgres.SERVED) -> Index:
    index = postgres.load(database.connection, channel)
    assert index is not None
    return index


def versions(database: db.Database) -> dict[str, list]:
    """The versions each table holds rows of (the sample skips no file: index_skipped is left out)."""
    with database.connection() as conn:
        found = {"index_versions": [r[0] for r in conn.execute("SELECT id FROM index_versions ORDER BY id")]}
        for table in postgres.TABLES:
            if table == "index_skipped":
                continue
            found[table] = [
                r[0] for r in conn.execute(f"SELECT DISTINCT version FROM {table} ORDER BY version")
            ]
        return found


def test_a_published_version_loads_as_the_files_hold_it_and_ranks_the_same(database, sample_index, embedder):
    with database.connection() as conn:
        assert postgres.current_version(conn) is None
    assert postgres.load(database.connection) is None
    assert publish(database, sample_index) == sample_index.version
    got = loaded(database)
    assert got.version == sample_index.version and got.folder is None
    assert got.meta == sample_index.meta and got.embedder == embedder.name
    assert list(got.documents.items()) == list(sample_index.documents.items())  # the same order too
    assert got.chunks == sample_index.chunks and len(got.chunks) > 10
    assert list(got.affaires.items()) == list(sample_index.affaires.items()) and got.affaires
    assert got.skipped == sample_index.skipped
    for doc_id in sample_index.documents:
        assert got.pages(doc_id) == sample_index.pages(doc_id) and got.pages(doc_id)
        assert got.pages(doc_id, [1]) == sample_index.pages(doc_id, [1])
    assert np.array_equal(got.dense.vectors(), sample_index.dense.vectors())  # float32, bit for bit
    assert got.units.keys == sample_index.units.keys
    assert np.array_equal(got.units.of_row, sample_index.units.of_row)
    for query in QUERIES:
        assert np.array_equal(got.lexical.scores(query), sample_index.lexical.scores(query))
        assert np.array_equal(got.units.lexical.scores(query), sample_index.units.lexical.scores(query))
        for mode in MODES:
            ours, theirs = (
                search(got, embedder, query, 10, mode),
                search(sample_index, embedder, query, 10, mode),
            )
            assert [(h.chunk, h.document, h.score) for h in ours] == [
                (h.chunk, h.document, h.score) for h in theirs
            ]
    assert any(search(got, embedder, q, 3) for q in QUERIES)


def test_the_version_before_stays_until_the_next_publish_and_channels_are_apart(
    database, sample_index, tmp_path, embedder
):
    shutil.copytree(sample_index.folder, tmp_path / "v-second")
    shutil.copytree(sample_index.folder, tmp_path / "v-third")
    first = publish(database, sample_index)
    publish(database, Index.open(tmp_path / "v-second"))
    kept = versions(database)["index_versions"]
    assert len(kept) == 2 and all(v == kept for v in versions(database).values())  # the one before stays
    publish(database, Index.open(tmp_path / "v-third"))
    now = versions(database)
    assert len(now["index_versions"]) == 2 and now["index_versions"][0] == kept[1]  # the first one went
    assert all(v == now["index_versions"] for v in now.values())
    assert loaded(database).version == "v-third"
    # An evaluation's channel neither replaces the served version nor drops it.
    publish(database, sample_index, channel="eval/sample")
    assert loaded(database).version == "v-third" and loaded(database, "eval/sample").version == first
    assert len(versions(database)["index_versions"]) == 3


def test_a_publish_failing_midway_leaves_the_served_version_whole(
    database, sample_index, tmp_path, monkeypatch
):
    publish(database, sample_index)
    before = versions(database)
    shutil.copytree(sample_index.folder, tmp_path / "v-broken")
    written = []
    real = postgres._copy

    def copy_then_die(conn, table, columns, rows):
        real(conn, table, columns, rows)  # its rows are written, inside the publish's transaction
        written.append(table)
        if table == "index_postings":
            raise KeyboardInterrupt  # as a Ctrl+C or a crash would, between two tables

    monkeypatch.setattr(postgres, "_copy", copy_then_die)
    with pytest.raises(KeyboardInterrupt):
        publish(database, Index.open(tmp_path / "v-broken"))
    assert "index_chunks" in written and "index_vectors" not in written  # it died midway
    assert versions(database) == before  # nothing of it is left, in any table
    with database.connection() as conn:
        assert postgres.current_version(conn) == sample_index.version
    monkeypatch.undo()
    got = loaded(database)
    assert got.version == sample_index.version and got.chunks == sample_index.chunks
    assert np.array_equal(got.dense.vectors(), sample_index.dense.vectors())


TOKEN = "jeton-de-la-mairie-0123456789abcdef"


def test_two_servers_serve_the_database_version_and_both_switch_to_the_next_without_errors(
    upgraded, database, sample_index, embedder, scripted, tmp_path
):
    publish(database, sample_index)
    # The next version: the sample less one act, built on files by the one builder.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for pdf in sorted(SAMPLE.glob("*.pdf"))[:2]:
        shutil.copy2(pdf, corpus / pdf.name)
    ingest(corpus, tmp_path / "next", embedder, progress=False, log=lambda _: None)
    following = open_index(tmp_path / "next")
    assert len(following.documents) == len(sample_index.documents) - 1

    stack = ExitStack()
    clients = []
    for i in range(2):
        settings = Settings(
            data_dir=tmp_path / f"server-{i}",
            admin_token=TOKEN,
            warm_up=False,
            database_url=upgraded,
            index_poll_seconds=0.2,
            rate_limit_per_minute=0,
        )
        server_db = db.Database(upgraded)
        stack.callback(server_db.close)
        app = create_app(settings, Assistant(postgres.load(server_db.connection), embedder, scripted))
        clients.append((app, stack.enter_context(TestClient(app))))
    files = stack.enter_context(
        TestClient(create_app(Settings(data_dir=tmp_path / "files", warm_up=False, rate_limit_per_minute=0),
                              Assistant(sample_index, embedder, scripted)))
    )  # fmt: skip
    with stack:
        question = {"question": "Combien de voix pour la subvention ?"}
        for _, client in clients:  # the same answers as the files' store gives
            for q in QUERIES:
                assert (
                    client.get("/api/search", params={"q": q}).json()
                    == files.get("/api/search", params={"q": q}).json()
                )
            assert answer(client, question) == answer(files, question)

        statuses: list[int] = []
        stop = threading.Event()

        def ask() -> None:
            while not stop.is_set():
                for _, client in clients:
                    statuses.append(client.get("/api/search", params={"q": "subvention"}).status_code)
                    statuses.append(client.post("/api/chat", json=question).status_code)

        asking = threading.Thread(target=ask)
        asking.start()
        try:
            time.sleep(0.5)
            with database.connection() as conn:
                postgres.publish(conn, following.folder)  # type: ignore[arg-type]
            deadline = time.monotonic() + 30
            served = [app.state.served for app, _ in clients]
            while time.monotonic() < deadline and any(
                s.assistant.index.version != following.version for s in served
            ):
                time.sleep(0.1)
            time.sleep(0.5)  # requests go on against the new version too
        finally:
            stop.set()
            asking.join()
        assert [s.assistant.index.version for s in served] == [following.version] * 2  # both switched
        assert len(statuses) > 20 and set(statuses) == {200}  # and no request failed meanwhile
        with files_of(following, embedder, scripted, tmp_path) as next_files:
            for _, client in clients:  # the new version answers as its files do
                for q in QUERIES:
                    got = client.get("/api/search", params={"q": q}).json()
                    assert got == next_files.get("/api/search", params={"q": q}).json()
                assert answer(client, question) == answer(next_files, question)


def answer(client: TestClient, question: dict) -> dict:
    """The chat's answer, without its timings."""
    got = client.post("/api/chat", json=question).json()
    return {k: v for k, v in got.items() if k != "timings"}


def files_of(index: Index, embedder, scripted, tmp_path) -> TestClient:
    settings = Settings(data_dir=tmp_path / "files-next", warm_up=False, rate_limit_per_minute=0)
    return TestClient(create_app(settings, Assistant(index, embedder, scripted)))


def test_the_watcher_reloads_only_when_the_current_version_changes(
    database, sample_index, embedder, tmp_path
):
    publish(database, sample_index)
    settings = Settings(data_dir=tmp_path, database_url=database.url)
    served = wiring.Served(
        Assistant(loaded(database), embedder, None),
        lambda name: wiring.open_served(settings, name, db=database),
        threading.Lock(),
    )
    watcher = wiring.Watcher(served, database, every=60)
    assert watcher.check() is False  # the version served is the current one
    shutil.copytree(sample_index.folder, tmp_path / "v-next")
    publish(database, Index.open(tmp_path / "v-next"))
    assert watcher.check() is True and served.assistant.index.version == "v-next"
    assert watcher.check() is False


def test_registre_ingest_publishes_into_the_database_once_and_status_reads_it_there(
    upgraded, database, tmp_path, monkeypatch, capsys
):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "models").symlink_to(DATA_DIR / "models")
    monkeypatch.setenv("REGISTRE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REGISTRE_DATABASE_URL", upgraded)
    assert cli.main(["status"]) == 0
    assert "Aucun index dans la base PostgreSQL" in capsys.readouterr().out
    assert cli.main(["ingest", str(SAMPLE)]) == 0
    built = open_index(tmp_path / "data" / "index")
    assert f"index {built.version} publié dans la base PostgreSQL" in capsys.readouterr().out
    with database.connection() as conn:
        assert postgres.current_version(conn) == built.version
    before = versions(database)
    assert cli.main(["ingest", str(SAMPLE)]) == 0  # nothing changed: nothing copied again
    assert "publié dans la base" not in capsys.readouterr().out and versions(database) == before
    assert cli.main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["index_version"] == built.version and status["index_dir"] == postgres.WHERE
    assert status["n_chunks"] == len(built.chunks)


KILLED_MIDWAY = """
import sys, time
from pathlib import Path
from app import db
from index import postgres
real = postgres._copy
def copy_then_wait(conn, table, columns, rows):
    real(conn, table, columns, rows)
    if table == "index_pages":
        print("inside", flush=True)
        time.sleep(600)
postgres._copy = copy_then_wait
with db.connect(sys.argv[1]) as conn:
    postgres.publish(conn, Path(sys.argv[2]))
"""


def test_a_publish_killed_by_sigkill_midway_leaves_the_served_version_whole(database, sample_index, tmp_path):
    publish(database, sample_index)
    before = versions(database)
    shutil.copytree(sample_index.folder, tmp_path / "v-killed")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_MIDWAY, database.url, str(tmp_path / "v-killed")],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "inside"
        with database.connection() as conn:  # its rows are written, but not committed: nobody sees them
            assert postgres.current_version(conn) == sample_index.version
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()
    deadline = time.monotonic() + 10  # the server notices the dead connection and rolls its transaction back
    while versions(database) != before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert versions(database) == before
    got = loaded(database)
    assert got.version == sample_index.version and got.chunks == sample_index.chunks
    publish(
        database, Index.open(tmp_path / "v-killed")
    )  # the lock went with it: the next publish goes through
    assert loaded(database).version == "v-killed"
