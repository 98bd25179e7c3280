"""`registre eval`: run a question set through the same path as the API and score it (fixed contract)."""

from __future__ import annotations

import json
import re
import sys
import time
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from app.answer.assistant import Answer, Assistant
from index.search import Hit, ranked_files, search

_SEPARATORS = re.compile(r"(?<=\d)[.\s\u00a0\u202f](?=\d{3}\b)")
# Why a question failed, in the order a person fixes them: the model cannot answer from extracts it never got.
REASONS = ("not_retrieved", "wrong_answer", "false_refusal", "invented")
NO_KIND = "(none)"


def normalise(text: str) -> str:
    """Lowercase, drop accents, whitespace and thousands separators (the contract's normalisation)."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
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


def recall_curve(ranks: list[int | None], k: int = 10) -> list[float | None]:
    """Recall@1..k: the share of ranks at or above each cut-off."""
    if not ranks:
        return [None] * k
    return [sum(1 for r in ranks if r is not None and r <= cut) / len(ranks) for cut in range(1, k + 1)]


def retriever_ranks(assistant: Assistant, questions: list[dict], mode: str, k: int = 10) -> list[int | None]:
    """File-level gold ranks of one retriever alone (index.search mode), one per answerable question."""
    ranks = []
    index, embedder = assistant.index, assistant.embedder
    for q in questions:
        if q.get("answerable"):
            query = assistant.understand(q["question"], q.get("history") or []).search_text
            hits = search(index, embedder, query, k=k, mode=mode)
            ranks.append(gold_rank([d.path for d in ranked_files(hits)], q.get("gold_files") or []))
    return ranks


def run(
    assistant: Assistant,
    questions: list[dict],
    out: Path,
    retrieval_only: bool,
    models: dict[str, str],
    progress: bool = False,
    compare: tuple[str, ...] = (),
    about: dict | None = None,
) -> dict:
    """Answer every question, write results.jsonl, metrics.json and report.html under out; return the metrics.

    Rows are saved as they come (results.partial.jsonl): an interrupted run started again with the same models
    and mode resumes where it stopped. `compare` names index.search modes scored alone on the same index;
    `about` (corpus, question file…) is copied into metrics.json under "run".
    """
    started, t_start = datetime.now(UTC), time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    partial = out / "results.partial.jsonl"
    signature = {"models": models, "retrieval_only": retrieval_only}
    done = _resume(partial, signature)
    rows = []
    log = partial.open("a", encoding="utf-8")
    if not done:
        log.truncate(0)
        log.write(json.dumps({"signature": signature}) + "\n")
    bar = tqdm(
        total=len(questions),
        desc="Questions",
        unit="q",
        file=sys.stderr,
        disable=not progress,
        # Not a terminal (CI log, file): a line every 30 s instead of a redraw per question.
        mininterval=0.5 if sys.stderr.isatty() else 30,
    )
    with bar, log:
        for q in questions:
            if q["id"] in done:
                row = done[q["id"]]
            else:
                row = _answer_row(assistant, q, retrieval_only)
                log.write(json.dumps(row, ensure_ascii=False) + "\n")
                log.flush()
            row.update(_score(q, row))  # resumed rows too: scoring may have gained fields since
            rows.append(row)
            bar.update()
            bar.set_postfix_str(_running(rows), refresh=False)
    metrics = compute_metrics(questions, rows, retrieval_only, models)
    curves = {
        "pipeline": recall_curve([r["gold_rank"] for q, r in zip(questions, rows) if q.get("answerable")])
    }
    if compare:
        metrics["compare"] = {}
        for mode in compare:
            ranks = retriever_ranks(assistant, questions, mode)
            metrics["compare"][mode] = retrieval_metrics(ranks)
            curves[mode] = recall_curve(ranks)
    metrics["recall_curve"] = curves
    metrics["run"] = {
        **(about or {}),
        "retrieval_only": retrieval_only,
        "context_extracts": assistant.top_k,
        "started": started.isoformat(timespec="seconds"),
        "duration_s": round(time.perf_counter() - t_start, 2),
        "resumed_rows": len(done),
    }
    with (out / "results.jsonl").open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, ensure_ascii=False))
    from app.report import write_report

    write_report(out / "report.html", questions, rows, metrics)
    partial.unlink()
    return metrics


def _answer_row(assistant: Assistant, q: dict, retrieval_only: bool) -> dict:
    """Run one question; the retrieved chunks (with scores) are those the answer path retrieves too."""
    history = q.get("history") or []
    t0 = time.perf_counter()
    hits = assistant.retrieve(assistant.understand(q["question"], history))
    elapsed = time.perf_counter() - t0
    retrieved = [{"file": h.document.path, "page": h.chunk.page, "score": round(h.score, 4)} for h in hits]
    if retrieval_only:
        return {
            "id": q["id"],
            "answer": None,
            "found": None,
            "citations": None,
            "retrieved_files": list(dict.fromkeys(h.document.path for h in hits)),
            "retrieved": retrieved,
            "context_files": _context_files(hits[: assistant.top_k]),
            "timings": {"retrieval_s": elapsed, "first_token_s": None, "total_s": elapsed},
        }
    answer: Answer = assistant.answer(q["question"], history)
    return {
        "id": q["id"],
        "answer": answer.text,
        "found": answer.found,
        "citations": [{"file": c.file, "page": c.page, "act": c.act} for c in answer.citations],
        "retrieved_files": answer.retrieved_files,
        "retrieved": retrieved,
        "context_files": list(dict.fromkeys(e.file for e in answer.extracts)),
        "structured": answer.structured,  # read from the acts' structured data, not generated
        "refused_by": answer.refused_by,  # "evidence" (before the model), "model"; None when answered
        "evidence": answer.evidence.sentence if answer.evidence else None,  # the sentence shown at once
        "checked": answer.checked,  # the answer check's verdict (None: nothing generated)
        "check_reason": answer.check_reason,
        "timings": answer.timings,
    }


def _context_files(hits: list[Hit]) -> list[str]:
    return list(dict.fromkeys(h.document.path for h in hits))


def _running(rows: list[dict]) -> str:
    ranks = [r["gold_rank"] for r in rows if r.get("answerable")]
    text = f"rappel@5 {recall_curve(ranks, 5)[-1]:.2f}" if ranks else ""
    judged = [r["failure"] is None for r in rows if r.get("answer") is not None]
    return text + (f", réussies {sum(judged)}/{len(judged)}" if judged else "")


def _resume(partial: Path, signature: dict) -> dict[str, dict]:
    """Rows of an interrupted run made with the same models and mode, by question id."""
    if not partial.is_file():
        return {}
    lines = []
    for line in partial.read_text(encoding="utf-8").splitlines():
        try:
            lines.append(json.loads(line))
        except json.JSONDecodeError:  # the last line of a killed run may be cut short: answer it again
            continue
    if not lines or lines[0].get("signature") != signature:
        return {}
    return {row["id"]: row for row in lines[1:] if "id" in row}


def _score(q: dict, row: dict) -> dict:
    """Gold rank, correctness and the failure reason of one answered question."""
    gold = q.get("gold_files") or []
    rank = gold_rank(row["retrieved_files"], gold) if q.get("answerable") else None
    scored: dict = {"answerable": bool(q.get("answerable")), "gold_rank": rank, "failure": None}
    given = row.get("context_files")
    if given is None:  # a row from an older run: the model was given extracts of the first retrieved files
        given = row["retrieved_files"][:4]
    if row["answer"] is None:  # retrieval only
        if q.get("answerable") and gold_rank(given, gold) is None:
            scored["failure"] = "not_retrieved"
        return scored
    if q.get("answerable"):
        text = normalise(row["answer"])
        missing = [m for m in q.get("must_include") or [] if normalise(m) not in text]
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
    evidence = [t["evidence_s"] for t in timings if t.get("evidence_s") is not None]
    metrics["evidence_s"] = {"p50": _percentile(evidence, 0.5), "p95": _percentile(evidence, 0.95)}
    metrics["answer_check"] = {
        "checked": sum(r.get("checked") is True for r in rows),
        "evidence_shown": sum(r.get("checked") is False for r in rows),
    }
    metrics["latency_s"] = {
        "retrieval_p50": _percentile(retrieval, 0.5),
        "retrieval_p95": _percentile(retrieval, 0.95),
        "first_token_p50": None if retrieval_only else _percentile(first, 0.5),
        "first_token_p95": None if retrieval_only else _percentile(first, 0.95),
        "total_p50": _percentile(total, 0.5),
    }
    metrics["models"] = models
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


def by_kind(questions: list[dict], rows: list[dict], retrieval_only: bool) -> dict[str, dict]:
    """Per question kind: how many, answer accuracy (a refusal is right for an unanswerable one), recall@5."""
    groups: dict[str, list[tuple[dict, dict]]] = {}
    for q, r in zip(questions, rows):
        groups.setdefault(q.get("kind") or NO_KIND, []).append((q, r))
    figures = {}
    for kind, pairs in sorted(groups.items()):
        answerable = [r["gold_rank"] for q, r in pairs if q.get("answerable")]
        figures[kind] = {
            "n": len(pairs),
            "n_answerable": len(answerable),
            "accuracy": None if retrieval_only else sum(r["failure"] is None for _, r in pairs) / len(pairs),
            "recall_at_5": retrieval_metrics(answerable)["recall_at_5"],
        }
    return figures


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None
