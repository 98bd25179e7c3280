"""What /metrics shows, in Prometheus text: requests, answer times, the queue, refusals, the index served.

Each app has its own CollectorRegistry, so several apps in one process (the tests) never share counters.
Labels are route templates, methods, statuses, reasons and model or index names: never a question, never an
address. Live values (the queue, the index) are read when Prometheus scrapes, not copied on every change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.answer.assistant import Answer
from app.http.queue import Gate
from app.wiring import Served
from ingest.sync import last_syncs

REFUSALS = ("evidence", "model", "no_model")
# Who wrote the words shown, and how the answer was made: every pair that can occur starts at 0.
KINDS = (("ai", "generated"), ("document", "structured"), ("document", "quoted"), ("document", "refused"),
         ("ai", "refused"))  # fmt: skip
UNMATCHED = "<unmatched>"  # a path no route serves: its text is never a label (it could be anything)


class Metrics:
    """The counters and histograms of one app, and the text Prometheus reads."""

    def __init__(self, gate: Gate, served: Callable[[], Served | None], data_dir: Path):
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "registre_http_requests",
            "HTTP requests answered, by route template, method and status.",
            ["route", "method", "status"],
            registry=r,
        )
        self.time_to_sources = Histogram(
            "registre_time_to_sources_seconds",
            "From the question to its sources (retrieval and evidence), in seconds.",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10),
            registry=r,
        )
        self.time_to_first_token = Histogram(
            "registre_time_to_first_token_seconds",
            "From the question to the first word of the answer, in seconds.",
            buckets=(0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60),
            registry=r,
        )
        self.answer_time = Histogram(
            "registre_answer_seconds",
            "From the question to the end of the answer, in seconds.",
            buckets=(0.5, 1, 2, 5, 10, 20, 30, 60, 120),
            registry=r,
        )
        self.tokens_per_second = Histogram(
            "registre_tokens_per_second",
            "Generation rate of each generated answer, after its first token.",
            buckets=(1, 2, 5, 10, 20, 30, 50, 100, 200),
            registry=r,
        )
        self.answers = Counter(
            "registre_answers",
            "Answers given, by who wrote the words shown (ai, document) and how: generated, structured (read "
            "from the acts' data), quoted (the document's sentence, the model's text failing the check), refused.",
            ["generated_by", "kind"],
            registry=r,
        )
        self.refusals = Counter(
            "registre_refusals",
            "Answers saying the documents do not hold the answer, by reason: evidence (no passage holds the "
            "subject), model (it said so), no_model (none loaded).",
            ["reason"],
            registry=r,
        )
        self.rejected = Counter(
            "registre_queue_rejected", "Chats refused with 503 because the queue was full.", registry=r
        )
        for reason in REFUSALS:
            self.refusals.labels(reason)
        for generated_by, kind in KINDS:
            self.answers.labels(generated_by, kind)
        r.register(_Live(gate, served, data_dir))

    def observe(self, answer: Answer) -> None:
        """Count one finished answer and its times."""
        t = answer.timings
        for histogram, key in (
            (self.time_to_sources, "evidence_s"),
            (self.time_to_first_token, "first_token_s"),
            (self.answer_time, "total_s"),
            (self.tokens_per_second, "tokens_per_s"),
        ):
            value = t.get(key)
            if value is not None:
                histogram.observe(value)
        self.answers.labels(answer.generated_by, kind_of(answer)).inc()
        if answer.refused_by:
            self.refusals.labels(answer.refused_by).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def kind_of(answer: Answer) -> str:
    if answer.refused_by:
        return "refused"
    if answer.structured:
        return "structured"
    return "quoted" if answer.generated_by == "document" else "generated"


class _Live(Collector):
    """The queue, the index and the last sync of each source as they are when Prometheus scrapes."""

    def __init__(self, gate: Gate, served: Callable[[], Served | None], data_dir: Path):
        self.gate, self.served, self.data_dir = gate, served, data_dir

    def collect(self) -> Iterator[Metric]:
        yield from self._syncs()
        g = self.gate
        yield GaugeMetricFamily("registre_queue_running", "Answers being generated now.", value=g.running)
        yield GaugeMetricFamily(
            "registre_queue_waiting", "Chats waiting for a generation slot now.", value=g.waiting
        )
        yield GaugeMetricFamily(
            "registre_queue_capacity",
            "Chats admitted at most at once (answered and waiting); past it, 503.",
            value=g.parallel + g.max_waiting,
        )
        served = self.served()
        if served is None:  # still starting
            return
        assistant = served.assistant
        index = assistant.index
        info = GaugeMetricFamily(
            "registre_index_info", "The index served (value 1).", labels=["version", "embedder", "model"]
        )
        info.add_metric([index.version, index.embedder, getattr(assistant.llm, "name", "") or ""], 1)
        yield info
        yield GaugeMetricFamily(
            "registre_index_documents", "Documents in the index served.", value=len(index.documents)
        )
        yield GaugeMetricFamily(
            "registre_index_chunks", "Chunks in the index served.", value=len(index.chunks)
        )
        yield GaugeMetricFamily(
            "registre_index_published_timestamp_seconds",
            "When the index served was written (Unix time).",
            value=index.published,
        )

    def _syncs(self) -> Iterator[Metric]:
        """What `registre sync` left in the data dir (nothing before the first sync)."""
        syncs = last_syncs(self.data_dir)
        finished = GaugeMetricFamily(
            "registre_sync_last_timestamp_seconds", "When the last sync of each source ended (Unix time).",
            labels=["source"],
        )  # fmt: skip
        ok = GaugeMetricFamily(
            "registre_sync_last_ok", "1 when the last sync of the source succeeded (every file fetched, the index up to date), else 0.",
            labels=["source"],
        )  # fmt: skip
        failed = GaugeMetricFamily(
            "registre_sync_last_failed_files", "Files the last sync of the source could not fetch.",
            labels=["source"],
        )  # fmt: skip
        for name, s in syncs.items():
            finished.add_metric([name], s["finished_at"])
            ok.add_metric([name], 1 if s.get("ok") else 0)
            failed.add_metric([name], s.get("failed") or 0)
        yield from (finished, ok, failed)


class CountRequests:
    """Count every response by route template, method and status, those refused by outer middleware too.

    Outermost, so a 413 or 429 is counted; the route is then found by matching the routes, as the router would.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics, routes: list[BaseRoute]):
        self.app, self.metrics, self.routes = app, metrics, routes

    def route(self, scope: Scope) -> str:
        route = scope.get("route")
        if route is None:
            route = next((r for r in self.routes if r.matches(scope)[0] != Match.NONE), None)
        return getattr(route, "path", None) or UNMATCHED

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        counted = False

        def count(status: int) -> None:
            nonlocal counted
            counted = True
            self.metrics.requests.labels(self.route(scope), scope["method"], str(status)).inc()

        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start":
                count(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception:
            if not counted:
                count(500)
            raise


def health(text: str) -> dict:
    """The figures `registre status` says in words, read back from this module's Prometheus text."""
    samples: dict[str, list] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples.setdefault(s.name, []).append(s)

    def total(name: str, **labels: str) -> float:
        return sum(
            s.value for s in samples.get(name, []) if all(s.labels.get(k) == v for k, v in labels.items())
        )

    def by(name: str, label: str) -> dict[str, int]:
        return {s.labels[label]: int(s.value) for s in samples.get(name, [])}

    answers = total("registre_answers_total")
    refused = by("registre_refusals_total", "reason")
    info = (samples.get("registre_index_info") or [None])[0]
    rate_sum, rate_count = total("registre_tokens_per_second_sum"), total("registre_tokens_per_second_count")
    return {
        "requests": int(total("registre_http_requests_total")),
        "server_errors": int(
            sum(
                s.value
                for s in samples.get("registre_http_requests_total", [])
                if int(s.labels["status"]) >= 500
            )
        ),
        "rejected_busy": int(total("registre_queue_rejected_total")),
        "answers": int(answers),
        "by_kind": {
            k: int(total("registre_answers_total", kind=k)) for k in dict.fromkeys(k for _, k in KINDS)
        },
        "refusals": refused,
        "refusal_rate": sum(refused.values()) / answers if answers else None,
        "sources_p50_s": _bound(samples, "registre_time_to_sources_seconds", 0.5),
        "first_token_p50_s": _bound(samples, "registre_time_to_first_token_seconds", 0.5),
        "first_token_p95_s": _bound(samples, "registre_time_to_first_token_seconds", 0.95),
        "answer_p50_s": _bound(samples, "registre_answer_seconds", 0.5),
        "tokens_per_s": rate_sum / rate_count if rate_count else None,
        "queue": {k: int(total(f"registre_queue_{k}")) for k in ("running", "waiting", "capacity")},
        "index_version": info.labels["version"] if info else None,
        "model": info.labels["model"] if info else None,
        "documents": int(total("registre_index_documents")),
    }


def _bound(samples: dict[str, list], name: str, q: float) -> float | None:
    """The upper bound of the histogram bucket that holds quantile q, or None without observations."""
    buckets = sorted((float(s.labels["le"]), s.value) for s in samples.get(f"{name}_bucket", []))
    if not buckets or buckets[-1][1] == 0:
        return None
    return next(le for le, count in buckets if count >= q * buckets[-1][1])
