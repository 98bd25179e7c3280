"""`registre eval`: run a question set through the same path as the API and score it (fixed contract)."""

from __future__ import annotations

import json
import re
import time
import unicodedata
from pathlib import Path

from app.chat import Answer, Assistant

_SEPARATORS = re.compile(r"(?<=\d)[.\s\u00a0\u202f](?=\d{3}\b)")


def normalise(text: str) -> str:
    """Lowercase, drop accents, whitespace and thousands separators (the contract's normalisation)."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    while _SEPARATORS.search(text):
        text = _SEPARATORS.sub("", text)
    return re.sub(r"\s+", "", text)


def load_questions(path: Path, limit: int | None = None) -> list[dict]:
    questions = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return questions[:limit] if limit else questions


def gold_rank(retrieved: list[str], gold: list[str]) -> int | None:
    """1-based rank of the first retrieved file whose basename is a gold file."""
    names = set(gold)
    for rank, path in enumerate(retrieved, start=1):
        if Path(path).name in names:
            return rank
    return None


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def retrieval_metrics(ranks: list[int | None]) -> dict[str, float | None]:
    if not ranks:
        return {"recall_at_1": None, "recall_at_5": None, "recall_at_10": None, "mrr_at_10": None}
    n = len(ranks)
    return {
        "recall_at_1": sum(1 for r in ranks if r is not None and r <= 1) / n,
        "recall_at_5": sum(1 for r in ranks if r is not None and r <= 5) / n,
        "recall_at_10": sum(1 for r in ranks if r is not None and r <= 10) / n,
        "mrr_at_10": sum(1 / r for r in ranks if r is not None and r <= 10) / n,
    }


def run(
    assistant: Assistant,
    questions: list[dict],
    out: Path,
    retrieval_only: bool,
    models: dict[str, str],
    progress=None,
) -> dict:
    """Answer every question, write results.jsonl, metrics.json and report.html under out; return the metrics.

    Rows are saved as they come (results.partial.jsonl): an interrupted run started again with the same models
    and mode resumes where it stopped.
    """
    out.mkdir(parents=True, exist_ok=True)
    partial = out / "results.partial.jsonl"
    signature = {"models": models, "retrieval_only": retrieval_only}
    done = _resume(partial, signature)
    rows = []
    log = partial.open("a", encoding="utf-8")
    if not done:
        log.truncate(0)
        log.write(json.dumps({"signature": signature}) + "\n")
    for q in questions:
        if q["id"] in done:
            rows.append(done[q["id"]])
            continue
        history = q.get("history") or []
        if retrieval_only:
            t0 = time.perf_counter()
            hits = assistant.retrieve(q["question"], history)
            elapsed = time.perf_counter() - t0
            files = list(dict.fromkeys(h.document.path for h in hits))
            row = {
                "id": q["id"],
                "answer": None,
                "found": None,
                "citations": None,
                "retrieved_files": files,
                "timings": {"retrieval_s": elapsed, "first_token_s": None, "total_s": elapsed},
            }
        else:
            answer: Answer = assistant.answer(q["question"], history)
            row = {
                "id": q["id"],
                "answer": answer.text,
                "found": answer.found,
                "citations": [{"file": c.file, "page": c.page, "act": c.act} for c in answer.citations],
                "retrieved_files": answer.retrieved_files,
                "timings": answer.timings,
            }
        row.update(_score(q, row))
        rows.append(row)
        log.write(json.dumps(row, ensure_ascii=False) + "\n")
        log.flush()
        if progress:
            progress(row)
    log.close()
    metrics = compute_metrics(questions, rows, retrieval_only, models)
    with (out / "results.jsonl").open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, ensure_ascii=False))
    from app.report import write_report

    write_report(out / "report.html", questions, rows, metrics)
    partial.unlink()
    return metrics


def _resume(partial: Path, signature: dict) -> dict[str, dict]:
    """Rows of an interrupted run made with the same models and mode, by question id."""
    if not partial.is_file():
        return {}
    lines = [json.loads(line) for line in partial.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not lines or lines[0].get("signature") != signature:
        return {}
    return {row["id"]: row for row in lines[1:]}


def _score(q: dict, row: dict) -> dict:
    rank = gold_rank(row["retrieved_files"], q.get("gold_files") or []) if q.get("answerable") else None
    scored: dict = {"gold_rank": rank}
    if row["answer"] is not None and q.get("answerable"):
        text = normalise(row["answer"])
        scored["correct"] = bool(row["found"]) and all(
            normalise(m) in text for m in q.get("must_include") or []
        )
    return scored


def compute_metrics(
    questions: list[dict], rows: list[dict], retrieval_only: bool, models: dict[str, str]
) -> dict:
    answerable = [(q, r) for q, r in zip(questions, rows) if q.get("answerable")]
    unanswerable = [(q, r) for q, r in zip(questions, rows) if not q.get("answerable")]
    metrics: dict = {
        "n_questions": len(questions),
        "n_answerable": len(answerable),
        "retrieval": retrieval_metrics([r["gold_rank"] for _, r in answerable]),
    }
    if retrieval_only:
        metrics["answers"] = {"accuracy": None, "refusal_accuracy": None, "false_refusal_rate": None}
        metrics["citations"] = {"precision": None, "recall": None}
    else:
        cited = [(q, c) for q, r in answerable for c in r["citations"]]
        metrics["answers"] = {
            "accuracy": _ratio(sum(r["correct"] for _, r in answerable), len(answerable)),
            "refusal_accuracy": _ratio(sum(not r["found"] for _, r in unanswerable), len(unanswerable)),
            "false_refusal_rate": _ratio(sum(not r["found"] for _, r in answerable), len(answerable)),
        }
        metrics["citations"] = {
            "precision": _ratio(sum(Path(c["file"]).name in q["gold_files"] for q, c in cited), len(cited)),
            "recall": _ratio(
                sum(
                    any(Path(c["file"]).name in q["gold_files"] for c in r["citations"])
                    for q, r in answerable
                ),
                len(answerable),
            ),
        }
    timings = [r["timings"] for r in rows]
    retrieval = [t["retrieval_s"] for t in timings if t.get("retrieval_s") is not None]
    first = [t["first_token_s"] for t in timings if t.get("first_token_s") is not None]
    total = [t["total_s"] for t in timings if t.get("total_s") is not None]
    metrics["latency_s"] = {
        "retrieval_p50": _percentile(retrieval, 0.5),
        "retrieval_p95": _percentile(retrieval, 0.95),
        "first_token_p50": None if retrieval_only else _percentile(first, 0.5),
        "first_token_p95": None if retrieval_only else _percentile(first, 0.95),
        "total_p50": _percentile(total, 0.5),
    }
    metrics["models"] = models
    return metrics


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None
