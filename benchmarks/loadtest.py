"""Bounded load test on loopback: concurrent searches and chats against the real server; prints figures.

    python benchmarks/loadtest.py                      # 50 searches and 10 chats at once, for 60 s
    python benchmarks/loadtest.py --duration 3 --searchers 5 --chatters 2
    python benchmarks/loadtest.py --search "GET /api/search?q={q}" --search "SSE /api/chat/stream"  # both

It indexes a real corpus folder into a temporary data dir, starts `registre serve` (uvicorn) on a free
loopback port with the small SmolLM model, runs the load, stops the server, and exits 1 on any error.
Search targets are given as "METHOD PATH": GET (query in {q}) or SSE (a POST to a streaming chat endpoint, read
until its `sources` event, then closed: the server cancels the answer). Rate limits are off for the run: the
load comes from one address on purpose.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared"
DEFAULT_CORPUS = SHARED / "corpus" / "montpellier" / "deliberations" / "Delibs_2013_02_04"
QUESTIONS = SHARED / "eval" / "dev-questions.jsonl"


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def line(self, name: str, seconds: float) -> str:
        lat = sorted(self.latencies)
        if not lat:
            return f"{name}: 0 ok, {len(self.errors)} errors"
        p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
        return (
            f"{name}: {len(lat)} ok, {len(self.errors)} errors, {len(lat) / seconds:.1f}/s; latency p50 "
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


async def worker(kind, end: float, tally: Tally, questions: list[str], offset: int, call) -> None:
    i = offset
    while time.monotonic() < end:
        q = questions[i % len(questions)]
        i += 1
        t0 = time.monotonic()
        try:
            await call(q)
            tally.latencies.append(time.monotonic() - t0)
        except Exception as e:  # noqa: BLE001 - every failure is counted and shown
            tally.errors.append(f"{kind}: {type(e).__name__}: {e}")


async def load(url: str, args, questions: list[str]) -> tuple[dict[str, Tally], float]:
    # Idle connections are dropped before uvicorn's 5 s keep-alive ends, so a request never races the server's close.
    limits = httpx.Limits(max_connections=args.searchers + args.chatters + 10, keepalive_expiry=2.0)
    tallies = {t: Tally() for t in args.search} | {"chat POST /api/chat": Tally()}
    async with httpx.AsyncClient(base_url=url, timeout=args.timeout, limits=limits) as client:
        t0 = time.monotonic()
        end = t0 + args.duration
        jobs = []
        for n in range(args.searchers):
            target = args.search[n % len(args.search)]
            call = lambda q, target=target: search_once(client, target, q)
            jobs.append(worker(target, end, tallies[target], questions, n, call))
        for n in range(args.chatters):
            jobs.append(
                worker(
                    "chat",
                    end,
                    tallies["chat POST /api/chat"],
                    questions,
                    7 * n,
                    lambda q: chat_once(client, q),
                )
            )
        await asyncio.gather(*jobs)
        return tallies, time.monotonic() - t0


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
    args = p.parse_args(argv)
    args.search = args.search or ["GET /api/search?q={q}"]
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines() if line.strip()]

    with tempfile.TemporaryDirectory(prefix="registre-load-") as tmp:
        data = args.data_dir or Path(tmp) / "data"
        data.mkdir(parents=True, exist_ok=True)
        models = data / "models"
        if not models.exists():
            models.symlink_to(Path(os.environ.get("REGISTRE_DATA_DIR", PROJECT / "var")).resolve() / "models")
        env = {
            **os.environ,
            "PYTHONPATH": str(PROJECT),
            "REGISTRE_DATA_DIR": str(data),
            "REGISTRE_LLM": args.llm,
            "REGISTRE_LLM_MAX_TOKENS": str(args.max_tokens),
            "REGISTRE_LLM_CONTEXT": "2048",
            "REGISTRE_RATE_LIMIT_PER_MINUTE": "0",
            # Room in the queue for every client of the test: what is measured is serving them all, not the 503
            # that turns away a chat beyond the queue (tests/test_admission.py checks that one).
            "REGISTRE_CHAT_MAX_WAITING": str(args.chatters + args.searchers),  # SSE "searches" are chats too
            "REGISTRE_OCR": "false",
        }
        cli = [sys.executable, "-m", "app.cli"]
        t0 = time.monotonic()
        subprocess.run(
            [*cli, "ingest", str(args.corpus)], env=env, cwd=PROJECT, check=True, capture_output=True
        )
        print(f"indexed {args.corpus} in {time.monotonic() - t0:.1f} s")
        port = free_port()
        server = subprocess.Popen(
            [*cli, "serve", "--port", str(port)], env=env, cwd=PROJECT, stdout=subprocess.DEVNULL
        )
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(1200):
                try:
                    if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            else:
                print("the server did not start", file=sys.stderr)
                return 1
            print(
                f"load: {args.searchers} concurrent searches ({', '.join(args.search)}) and {args.chatters} "
                f"concurrent chats for {args.duration:g} s, model {args.llm}, {args.max_tokens} tokens at most"
            )
            tallies, seconds = asyncio.run(load(url, args, questions))
            errors = [e for t in tallies.values() for e in t.errors]
            for name, tally in tallies.items():
                print(tally.line(name, seconds))
            total = sum(len(t.latencies) for t in tallies.values())
            print(f"total: {total} requests, {len(errors)} errors in {seconds:.1f} s", flush=True)
            for e in sorted(set(errors))[:10]:
                print(f"  {e}")
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:  # answers still queued for the model: no need to wait for them
                server.kill()
                server.wait(30)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
