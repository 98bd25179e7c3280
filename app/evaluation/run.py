"""Run a question set through the same path as the API, save a row per question as it comes, score the run."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from app.answer.assistant import Assistant, documents_in_order
from app.evaluation.metrics import compute_metrics, gold_rank, recall_curve, retrieval_metrics, score
from app.evaluation.questions import Question
from app.evaluation.report import write_report
from index.search import Hit, ranked_files, search


def retriever_ranks(
    assistant: Assistant, questions: list[Question], mode: str, k: int = 10
) -> list[int | None]:
    """File-level gold ranks of one retriever alone (index.search mode), one per answerable question; the query
    is the one the answering path builds (a follow-up with what it carries)."""
    ranks = []
    index, embedder = assistant.index, assistant.embedder
    for q in questions:
        if q.answerable:
            query = assistant.understand(q.question, q.turns()).search_text
            hits = search(index, embedder, query, k=k, mode=mode)
            ranks.append(gold_rank([d.path for d in ranked_files(hits)], q.gold_files or []))
    return ranks


def run(
    assistant: Assistant,
    questions: list[Question],
    out: Path,
    retrieval_only: bool,
    models: dict[str, str | None],
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
            if q.id in done:
                row = done[q.id]
            else:
                row = _answer_row(assistant, q, retrieval_only)
                log.write(json.dumps(row, ensure_ascii=False) + "\n")
                log.flush()
            row.update(score(q, row))  # resumed rows too: scoring may have gained fields since
            rows.append(row)
            bar.update()
            bar.set_postfix_str(_running(rows), refresh=False)
    metrics = compute_metrics(questions, rows, retrieval_only, models, k=assistant.top_k)
    curves = {"pipeline": recall_curve([r["gold_rank"] for q, r in zip(questions, rows) if q.answerable])}
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
    write_report(out / "report.html", questions, rows, metrics)
    partial.unlink()
    return metrics


def _answer_row(assistant: Assistant, q: Question, retrieval_only: bool) -> dict:
    """Run one question; the retrieved chunks (with scores) are those the answer path retrieves too."""
    history = q.turns()
    t0 = time.perf_counter()
    question = assistant.understand(q.question, history)
    hits = assistant.retrieve(question)
    elapsed = time.perf_counter() - t0
    retrieved = [{"file": h.document.path, "page": h.chunk.page, "score": round(h.score, 4)} for h in hits]
    if retrieval_only:  # ranked as the answer would present them (its evidence's documents first)
        passages = assistant.passages_for(question, hits)
        files = documents_in_order(hits, passages)
        return {
            "id": q.id,
            "answer": None,
            "found": None,
            "citations": None,
            "retrieved_files": [d.path for d in files],
            "retrieved": retrieved,
            "context_files": _context_files(hits[: assistant.top_k]),
            "passages": [
                {
                    "file": p.document.path,
                    "page": p.page,
                    "text": p.text,
                    "sentence": p.sentence,
                    "score": round(p.score, 4),
                }
                for p in passages
            ],
            "timings": {"retrieval_s": elapsed, "first_token_s": None, "total_s": elapsed},
        }
    answer = assistant.answer(q.question, history)
    return {
        "id": q.id,
        "answer": answer.text,
        "found": answer.found,
        "citations": [{"file": c.file, "page": c.page, "act": c.act} for c in answer.citations],
        "retrieved_files": answer.retrieved_files,
        "retrieved": retrieved,
        "context_files": list(dict.fromkeys(e.file for e in answer.extracts)),
        "structured": answer.structured,  # read from the acts' structured data, not generated
        "refused_by": answer.refused_by,  # "evidence" (before the model), "model", "check"; None when answered
        "evidence": answer.evidence.sentence if answer.evidence else None,  # the sentence shown at once
        "generated_by": answer.generated_by,  # "ai" or "document" (the document's own words)
        # What the model read (or would have): each passage with the sentence chosen as evidence in it.
        "passages": [
            {"file": c.file, "page": c.page, "text": c.excerpt, "sentence": c.sentence, "score": c.score}
            for c in answer.extracts
        ],
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
