"""Two `registre serve` processes on one PostgreSQL (the tests' embedded server), as two machines behind a reverse
proxy on this one: the shipped sample ingested into the database by `registre ingest`, the small GGUF answering.
Each server answers the demo question (« 40 citoyens ») with its citation; a rating given to one is listed through
the other; 40 rapid searches split across both meet one limit; then `registre ingest` of the changed folder while
both answer a stream of requests: none fails, and both switch to the new version."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import httpx

from app.http.metrics import health
from tests.conftest import SAMPLE
from tests.ingest.test_robustness import PROJECT, cli_env, data_dir
from tests.serving import ServeProcess

DEMO = (
    "Combien de citoyens seront tirés au sort pour la convention citoyenne sur l'intelligence artificielle ?"
)
TOKEN = "jeton-de-la-mairie-0123456789abcdef"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
DROPPED = "V2024-420.pdf"  # the second version is the sample less this act
_citizens = itertools.count(1)


def citizen() -> dict[str, str]:
    """The header the reverse proxy adds for a new citizen: each has a rate limit of its own (uvicorn takes the
    address from it, the request coming from 127.0.0.1, FORWARDED_ALLOW_IPS)."""
    n = next(_citizens)
    return {"X-Forwarded-For": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"}


def registre(env: dict[str, str], *args: str) -> str:
    run = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert run.returncode == 0, (args, run.stdout, run.stderr)
    return run.stdout


def published(said: str) -> str:
    """The version `registre ingest` says it published into the database."""
    found = re.search(r"index (\S+) publié dans la base PostgreSQL", said)
    assert found, said
    return found[1]


def served_version(client: httpx.Client, server: ServeProcess) -> str | None:
    """The version a server reports on /metrics, read as `registre status --server` reads it."""
    return health(client.get(f"{server.url}/metrics", headers=ADMIN).text)["index_version"]


def test_two_serve_processes_on_one_database(database_url, small_gguf, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    builder = {**cli_env(data_dir(tmp_path / "builder")), "REGISTRE_DATABASE_URL": database_url}
    registre(builder, "db", "upgrade")
    first = published(registre(builder, "ingest", str(corpus)))

    def settings(i: int) -> dict[str, str]:
        # Files of its own, as another machine would have: what the servers share is the database.
        return {
            **cli_env(data_dir(tmp_path / f"server-{i}")),
            "REGISTRE_DATABASE_URL": database_url,
            "REGISTRE_LLM": str(small_gguf),
            "REGISTRE_LLM_MAX_TOKENS": "32",
            "REGISTRE_LLM_CONTEXT": "2048",
            "REGISTRE_LLM_THREADS": "1",
            "REGISTRE_INDEX_POLL_SECONDS": "0.5",
            "REGISTRE_RATE_LIMIT_PER_MINUTE": "30",  # the defaults, written out
            "REGISTRE_RATE_LIMIT_BURST": "20",
            "REGISTRE_ADMIN_TOKEN": TOKEN,
            "FORWARDED_ALLOW_IPS": "127.0.0.1",  # the reverse proxy's address, as docs/deploiement.md sets it
        }

    servers = [ServeProcess(settings(i), tmp_path, tmp_path / f"server-{i}.log") for i in range(2)]
    try:
        for server in servers:
            server.ready()
        with httpx.Client(timeout=600) as client:
            assert [served_version(client, s) for s in servers] == [first, first]
            each_answers_the_demo_question(client, servers, first)
            a_rating_given_to_one_is_listed_through_the_other(client, servers, tmp_path)
            rapid_searches_meet_one_shared_limit(client, servers)
            corpus.joinpath(DROPPED).unlink()
            both_switch_while_answering(client, servers, builder, corpus, first)
    finally:
        for server in servers:
            server.stop()


def each_answers_the_demo_question(client: httpx.Client, servers: list[ServeProcess], version: str) -> None:
    for server in servers:
        r = client.post(f"{server.url}/api/chat", json={"question": DEMO}, headers=citizen())
        assert r.status_code == 200, r.text
        answer = r.json()
        assert answer["found"] and re.search(r"\b40\b", answer["answer"]), answer
        assert answer["citations"] and {c["file"] for c in answer["citations"]} == {"M2023-352.pdf"}, answer
        assert answer["index_version"] == version


def a_rating_given_to_one_is_listed_through_the_other(
    client: httpx.Client, servers: list[ServeProcess], tmp_path
) -> None:
    one, other = servers
    rating = {
        "rating": "down",
        "comment": "Il manque la date du vote.",
        "question": DEMO,
        "share_question": True,
    }
    assert client.post(f"{one.url}/api/feedback", json=rating, headers=citizen()).status_code == 201
    listed = client.get(f"{other.url}/api/admin/feedback?rating=all", headers=ADMIN | citizen()).json()
    assert [(f["rating"], f["question"], f["comment"]) for f in listed] == [
        ("down", DEMO, "Il manque la date du vote.")
    ]
    # The command line, on the other server's machine (its data dir, the same database), lists it too.
    said = registre(other.env, "feedback", "list", "--rating", "all")
    assert said.startswith("1 avis, du plus récent au plus ancien") and f"question : « {DEMO} »" in said
    assert not list(tmp_path.rglob("feedback.sqlite3"))  # no server kept a file of its own


def rapid_searches_meet_one_shared_limit(client: httpx.Client, servers: list[ServeProcess]) -> None:
    """One citizen's 40 rapid searches, each to the next server in turn: 20 at once, then refused by both."""
    same = citizen()
    got = [
        client.get(f"{servers[i % 2].url}/api/search", params={"q": "convention citoyenne"}, headers=same)
        for i in range(40)
    ]
    assert [r.status_code for r in got[:20]] == [200] * 20  # the burst, ten on each server
    assert [r.status_code for r in got[20:]] == [429] * 20  # then both refuse: one count for both
    assert {r.url.port for r in got[20:]} == {s.port for s in servers}
    waits = [int(r.headers["retry-after"]) for r in got[20:]]
    assert all(1 <= w <= 40 for w in waits), waits  # 20 at once, then 30 a minute: 40 s
    assert "réessayez dans" in got[-1].json()["detail"]


@dataclass
class Reply:
    server: int
    kind: str
    status: int | None  # None: no response at all (the error is in `error`)
    version: str | None = None  # the index the answer was read from (chats say it)
    error: str | None = None


def both_switch_while_answering(
    client: httpx.Client, servers: list[ServeProcess], builder: dict[str, str], corpus, first: str
) -> None:
    """`registre ingest` of the changed folder while two clients send searches and chats to both servers in turn."""
    replies: list[Reply] = []
    stop = threading.Event()

    def ask(offset: int) -> None:
        with httpx.Client(timeout=600) as own:
            for i in itertools.count(offset):
                if stop.is_set():
                    return
                n = i % 2
                url = servers[n].url
                try:
                    if i % 4 < 2:
                        r = own.get(f"{url}/api/search", params={"q": "conseil"}, headers=citizen())
                        replies.append(Reply(n, "search", r.status_code))
                    else:
                        r = own.post(f"{url}/api/chat", json={"question": DEMO}, headers=citizen())
                        version = r.json().get("index_version") if r.status_code == 200 else None
                        replies.append(Reply(n, "chat", r.status_code, version))
                except Exception as e:  # noqa: BLE001 - every failure is kept, and fails the test
                    replies.append(Reply(n, "?", None, error=f"{type(e).__name__}: {e}"))

    askers = [threading.Thread(target=ask, args=(k,)) for k in (0, 3)]
    for t in askers:
        t.start()
    try:
        time.sleep(2)  # both answer the first version for a while
        second = published(registre(builder, "ingest", str(corpus)))
        assert second != first
        deadline = time.monotonic() + 120

        def switched() -> bool:
            on_new = {r.server for r in list(replies) if r.kind == "chat" and r.version == second}
            return on_new == {0, 1} and all(served_version(client, s) == second for s in servers)

        while not switched() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop.set()
        for t in askers:
            t.join(600)

    failed = [r for r in replies if r.status != 200]
    assert not failed, failed[:10]  # neither server answered an error, nor dropped a request
    for n, server in enumerate(servers):
        chats = [r.version for r in replies if r.server == n and r.kind == "chat"]
        assert first in chats and second in chats, chats  # it answered from both versions, in turn
        assert served_version(client, server) == second
        assert client.get(f"{server.url}/health").json()["documents"] == 2
        assert health(client.get(f"{server.url}/metrics", headers=ADMIN).text)["server_errors"] == 0
    assert len(replies) >= 10
