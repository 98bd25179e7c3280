"""Scores of an evaluation run, by the contract: retrieval ranks, answers, citations, failures, latency."""

from __future__ import annotations

import re
import statistics
from pathlib import Path

from app.evaluation.questions import Question
from index.french import fold

_SEPARATORS = re.compile(r"(?<=\d)[.\s\u00a0\u202f](?=\d{3}\b)")
# Why a question failed, in the order a person fixes them: the model cannot answer from extracts it never got.
REASONS = ("not_retrieved", "wrong_answer", "false_refusal", "invented")
NO_KIND = "(none)"


def normalise(text: str) -> str:
    """Lowercase, drop accents, whitespace and thousands separators (the contract's normalisation)."""
    text = fold(text)
    while _SEPARATORS.search(text):
        text = _SEPARATORS.sub("", text)
    return re.sub(r"\s+", "", text)


def gold_rank(retrieved: list[str], gold: list[str]) -> int | None:
    """1-based rank of the first retrieved file whose basename is a gold file."""
    names = set(gold)
    for rank, path in enumerate(retrieved, start=1):
        if Path(path).name in names:
            return rank
    return None


def percentile(values: list[float], q: int) -> float | None:
    """The q-th percentile, interpolated between the closest ranks; None without values."""
    if len(values) < 2:
        return values[0] if values else None
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def retrieval_metrics(ranks: list[int | None]) -> dict[str, float | None]:
    """Recall at 1, 5 and 10 and MRR at 10 over the gold ranks of the answerable questions."""
    if not ranks:
        return {"recall_at_1": None, "recall_at_5": None, "recall_at_10": None, "mrr_at_10": None}
    n = len(ranks)
    return {
        "recall_at_1": sum(1 for r in ranks if r is not None and r <= 1) / n,
        "recall_at_5": sum(1 for r in ranks if r is not None and r <= 5) / n,
        "recall_at_10": sum(1 for r in ranks if r is not None and r <= 10) / n,
        "mrr_at_10": sum(1 / r for r in ranks if r is not None and r <= 10) / n,
    }


def recall_curve(ranks: list[int | None], k: int = 10) -> list[float | None]:
    """Recall@1..k: the share of ranks at or above each cut-off."""
    if not ranks:
        return [None] * k
    return [sum(1 for r in ranks if r is not None and r <= cut) / len(ranks) for cut in range(1, k + 1)]


def score(q: Question, row: dict) -> dict:
    """Gold rank, correctness and the failure reason of one answered question."""
    gold = q.gold_files or []
    rank = gold_rank(row["retrieved_files"], gold) if q.answerable else None
    scored: dict = {"answerable": q.answerable, "gold_rank": rank, "failure": None}
    given = row.get("context_files")
    if given is None:  # a row from an older run: the model was given extracts of the first retrieved files
        given = row["retrieved_files"][:4]
    if row["answer"] is None:  # retrieval only
        if q.answerable and gold_rank(given, gold) is None:
            scored["failure"] = "not_retrieved"
        return scored
    if q.answerable:
        text = normalise(row["answer"])
        missing = [m for m in q.must_include or [] if normalise(m) not in text]
        scored["correct"] = bool(row["found"]) and not missing
        scored["missing"] = missing
        if not scored["correct"]:
            if gold_rank(given, gold) is None:
                scored["failure"] = "not_retrieved"
            else:
                scored["failure"] = "wrong_answer" if row["found"] else "false_refusal"
    elif row["found"]:
        scored["failure"] = "invented"
    return scored


def holds_all(text: str, items: list[str]) -> bool:
    """The text holds every item, after the contract's normalisation."""
    normalised = normalise(text)
    return all(normalise(i) in normalised for i in items)


def evidence_hits(q: Question, row: dict) -> dict:
    """Whether the evidence holds the answer (answerable questions with passages recorded): the first evidence
    sentence alone (`at_1`), and the passages the model reads, all together (`at_k`)."""
    passages = row.get("passages")
    if not q.answerable or passages is None:
        return {}
    items = q.must_include or []
    first = passages[0]["sentence"] if passages else ""
    return {
        "at_1": bool(passages) and holds_all(first, items),
        "at_k": bool(passages) and holds_all(" ".join(p["text"] for p in passages), items),
    }


def evidence_metrics(questions: list[Question], rows: list[dict], k: int) -> dict:
    """hit_at_1 and hit_at_k over the answerable questions, overall and by kind (see evidence_hits)."""

    def figures(pairs: list[tuple[Question, dict]]) -> dict:
        hits = [h for q, r in pairs if (h := evidence_hits(q, r))]
        return {
            "n": len(hits),
            "hit_at_1": _ratio(sum(h["at_1"] for h in hits), len(hits)),
            "hit_at_k": _ratio(sum(h["at_k"] for h in hits), len(hits)),
        }

    answerable = [(q, r) for q, r in zip(questions, rows) if q.answerable]
    kinds: dict[str, list[tuple[Question, dict]]] = {}
    for q, r in answerable:
        kinds.setdefault(q.kind or NO_KIND, []).append((q, r))
    return {"k": k, **figures(answerable), "by_kind": {kind: figures(p) for kind, p in sorted(kinds.items())}}


def source_of(row: dict) -> str:
    """Who wrote the words shown: "structured" (read from the acts' data), "document" (a sentence of the
    document shown as it is printed) or "ai" (generated)."""
    if row.get("structured"):
        return "structured"
    return row.get("generated_by") or "ai"


def trust_metrics(questions: list[Question], rows: list[dict]) -> dict:
    """How far an answer can be trusted: of the questions answered (found), the share that is wrong (an
    answerable one missing an item, or an unanswerable one answered); overall and by who wrote the words."""

    def figures(pairs: list[tuple[Question, dict]]) -> dict:
        answered = [(q, r) for q, r in pairs if r.get("found")]
        wrong = sum(not r.get("correct") if q.answerable else 1 for q, r in answered)
        return {"answered": len(answered), "wrong": wrong, "wrong_rate": _ratio(wrong, len(answered))}

    pairs = list(zip(questions, rows))
    sources: dict[str, list[tuple[Question, dict]]] = {}
    for q, r in pairs:
        if r.get("found"):
            sources.setdefault(source_of(r), []).append((q, r))
    return {**figures(pairs), "by_generated_by": {s: figures(p) for s, p in sorted(sources.items())}}


def compute_metrics(
    questions: list[Question],
    rows: list[dict],
    retrieval_only: bool,
    models: dict[str, str | None],
    k: int | None = None,
) -> dict:
    """The run's figures, in the contract's shape (metrics.json)."""
    answerable = [(q, r) for q, r in zip(questions, rows) if q.answerable]
    unanswerable = [(q, r) for q, r in zip(questions, rows) if not q.answerable]
    metrics: dict = {
        "n_questions": len(questions),
        "n_answerable": len(answerable),
        "retrieval": retrieval_metrics([r["gold_rank"] for _, r in answerable]),
    }
    if retrieval_only:
        metrics["answers"] = {
            "accuracy": None,
            "refusal_accuracy": None,
            "false_refusal_rate": None,
            "answered": None,
            "wrong_rate": None,
        }
        metrics["citations"] = {"precision": None, "recall": None}
    else:
        cited = [(q, c) for q, r in answerable for c in r["citations"]]
        metrics["answers"] = {
            "accuracy": _ratio(sum(r["correct"] for _, r in answerable), len(answerable)),
            "refusal_accuracy": _ratio(sum(not r["found"] for _, r in unanswerable), len(unanswerable)),
            "false_refusal_rate": _ratio(sum(not r["found"] for _, r in answerable), len(answerable)),
        }
        trust = trust_metrics(questions, rows)
        metrics["answers"]["answered"] = trust["answered"]
        metrics["answers"]["wrong_rate"] = trust["wrong_rate"]
        metrics["answers"]["by_generated_by"] = trust["by_generated_by"]
        metrics["citations"] = {
            "precision": _ratio(sum(_is_gold(q, c) for q, c in cited), len(cited)),
            "recall": _ratio(
                sum(any(_is_gold(q, c) for c in r["citations"]) for q, r in answerable), len(answerable)
            ),
        }
    timings = [r["timings"] for r in rows]
    retrieval = [t["retrieval_s"] for t in timings if t.get("retrieval_s") is not None]
    first = [t["first_token_s"] for t in timings if t.get("first_token_s") is not None]
    total = [t["total_s"] for t in timings if t.get("total_s") is not None]
    evidence = [t["evidence_s"] for t in timings if t.get("evidence_s") is not None]
    metrics["evidence_s"] = {"p50": percentile(evidence, 50), "p95": percentile(evidence, 95)}
    metrics["answer_check"] = {
        "checked": sum(r.get("checked") is True for r in rows),
        "evidence_shown": sum(r.get("checked") is False for r in rows),
    }
    metrics["latency_s"] = {
        "retrieval_p50": percentile(retrieval, 50),
        "retrieval_p95": percentile(retrieval, 95),
        "first_token_p50": None if retrieval_only else percentile(first, 50),
        "first_token_p95": None if retrieval_only else percentile(first, 95),
        "total_p50": percentile(total, 50),
    }
    metrics["models"] = models
    metrics["evidence"] = evidence_metrics(questions, rows, k if k is not None else _passages_read(rows))
    metrics["by_kind"] = by_kind(questions, rows, retrieval_only)
    metrics["failures"] = {
        reason: (
            None
            if retrieval_only and reason != "not_retrieved"
            else sum(r["failure"] == reason for r in rows)
        )
        for reason in REASONS
    }
    return metrics


def by_kind(questions: list[Question], rows: list[dict], retrieval_only: bool) -> dict[str, dict]:
    """Per question kind: how many, answer accuracy (a refusal is right for an unanswerable one), recall@5."""
    groups: dict[str, list[tuple[Question, dict]]] = {}
    for q, r in zip(questions, rows):
        groups.setdefault(q.kind or NO_KIND, []).append((q, r))
    figures = {}
    for kind, pairs in sorted(groups.items()):
        answerable = [r["gold_rank"] for q, r in pairs if q.answerable]
        figures[kind] = {
            "n": len(pairs),
            "n_answerable": len(answerable),
            "accuracy": None if retrieval_only else sum(r["failure"] is None for _, r in pairs) / len(pairs),
            "recall_at_5": retrieval_metrics(answerable)["recall_at_5"],
        }
    return figures


def _passages_read(rows: list[dict]) -> int:
    return max((len(r.get("passages") or []) for r in rows), default=0)


def _is_gold(q: Question, citation: dict) -> bool:
    return Path(citation["file"]).name in (q.gold_files or [])


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None
