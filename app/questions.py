"""Read an evaluation question file (JSON lines, see the eval contract) and say exactly which lines are wrong."""

from __future__ import annotations

import json
from pathlib import Path


class QuestionFileError(ValueError):
    """The question file cannot be used as it is; the message names each bad line."""


_LISTS = {"must_include": str, "gold_files": str, "gold_pages": int}
_MAX_LISTED = 10


def load_questions(path: Path, limit: int | None = None) -> list[dict]:
    """Return the questions of a JSON-lines file, or raise QuestionFileError naming every malformed line.

    The whole file is checked before anything runs: a run that silently skipped questions would report
    figures over another set than the one asked for.
    """
    if not path.is_file():
        raise QuestionFileError(f"question file not found: {path}")
    questions, problems, seen = [], [], {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            q = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(f"line {number}: not valid JSON ({e.msg}, column {e.colno})")
            continue
        problem = _check(q)
        if problem is None and q["id"] in seen:
            problem = f"id {q['id']!r} already used on line {seen[q['id']]}"
        if problem:
            problems.append(f"line {number}: {problem}")
            continue
        seen[q["id"]] = number
        questions.append(q)
    if problems:
        listed = "\n  ".join(problems[:_MAX_LISTED])
        more = f"\n  … and {len(problems) - _MAX_LISTED} more" if len(problems) > _MAX_LISTED else ""
        raise QuestionFileError(
            f"{path}: {len(problems)} malformed line(s); fix them and run again "
            f"(format: ../shared/eval/README.md):\n  {listed}{more}"
        )
    if not questions:
        raise QuestionFileError(f"{path} holds no question.")
    return questions[:limit] if limit else questions


def _check(q) -> str | None:
    """What is wrong with one parsed line, or None. Only id, question and answerable are required."""
    if not isinstance(q, dict):
        return "expected a JSON object {...}"
    if not isinstance(q.get("id"), str) or not q["id"].strip():
        return 'missing "id" (a non-empty string)'
    if not isinstance(q.get("question"), str) or not q["question"].strip():
        return 'missing "question" (a non-empty string)'
    if not isinstance(q.get("answerable"), bool):
        return '"answerable" must be true or false'
    for key, kind in _LISTS.items():
        value = q.get(key)
        if value is not None and (
            not isinstance(value, list)
            or not all(isinstance(v, kind) and not isinstance(v, bool) for v in value)
        ):
            return f'"{key}" must be a list of {"strings" if kind is str else "page numbers"}'
    if q["answerable"] and not q.get("gold_files"):
        return 'an answerable question needs "gold_files" (the PDFs that hold the answer)'
    history = q.get("history")
    if history is not None and (
        not isinstance(history, list)
        or not all(isinstance(m, dict) and isinstance(m.get("content"), str) for m in history)
        or not all(m.get("role") in ("user", "assistant") for m in history)
    ):
        return '"history" must be a list of {"role": "user" | "assistant", "content": "…"}'
    if q.get("kind") is not None and not isinstance(q["kind"], str):
        return '"kind" must be a string'
    return None
