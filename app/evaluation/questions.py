"""Read an evaluation question file (JSON lines, see the eval contract) and say exactly which lines are wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)


class QuestionFileError(ValueError):
    """The question file cannot be used as it is; the message names each bad line."""


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("blank")
    return value


Text = Annotated[StrictStr, AfterValidator(_not_blank)]


class Turn(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: Literal["user", "assistant"]
    content: StrictStr


class Question(BaseModel):
    """One line of a question file. Only id, question and answerable are required; other fields are kept."""

    model_config = ConfigDict(frozen=True, extra="allow")

    id: Text
    question: Text
    answerable: StrictBool
    must_include: list[StrictStr] | None = None
    gold_files: list[StrictStr] | None = None
    gold_pages: list[StrictInt] | None = None
    history: list[Turn] | None = None
    kind: StrictStr | None = None
    answer: str | None = None  # the expected answer, shown in the report

    @model_validator(mode="after")
    def _gold_for_answerable(self) -> Question:
        if self.answerable and not self.gold_files:
            raise ValueError("no gold files")
        return self

    def turns(self) -> list[dict[str, str]]:
        """The earlier turns of the conversation, as the assistant reads them."""
        return [t.model_dump() for t in self.history or []]


# What to say about a field that does not validate, in the order a person reads a line.
_PROBLEMS = {
    "id": "« id » manquant (une chaîne non vide)",
    "question": "« question » manquante (une chaîne non vide)",
    "answerable": "« answerable » doit valoir true ou false",
    "must_include": "« must_include » doit être une liste de chaînes",
    "gold_files": "« gold_files » doit être une liste de chaînes",
    "gold_pages": "« gold_pages » doit être une liste de numéros de page",
    "history": '« history » doit être une liste de {"role": "user" | "assistant", "content": "…"}',
    "kind": "« kind » doit être une chaîne",
}
_NO_GOLD = "une question qui a une réponse demande « gold_files » (les PDF qui la contiennent)"
_MAX_LISTED = 10


def load_questions(path: Path, limit: int | None = None) -> list[Question]:
    """Return the questions of a JSON-lines file, or raise QuestionFileError naming every malformed line.

    The whole file is checked before anything runs: a run that silently skipped questions would report
    figures over another set than the one asked for.
    """
    if not path.is_file():
        raise QuestionFileError(f"fichier de questions introuvable : {path}")
    questions: list[Question] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            q = Question.model_validate(json.loads(line))
        except json.JSONDecodeError as e:
            problems.append(f"ligne {number} : JSON invalide à la colonne {e.colno}")  # e.msg is English
            continue
        except ValidationError as e:
            problems.append(f"ligne {number} : {_problem(e)}")
            continue
        if q.id in seen:
            problems.append(f"ligne {number} : l'id {q.id!r} est déjà pris ligne {seen[q.id]}")
            continue
        seen[q.id] = number
        questions.append(q)
    if problems:
        listed = "\n  ".join(problems[:_MAX_LISTED])
        more = f"\n  … et {len(problems) - _MAX_LISTED} de plus" if len(problems) > _MAX_LISTED else ""
        raise QuestionFileError(
            f"{path} : {len(problems)} ligne(s) mal formée(s) ; corrigez-les et relancez "
            f"(format : ../shared/eval/README.md) :\n  {listed}{more}"
        )
    if not questions:
        raise QuestionFileError(f"{path} ne contient aucune question.")
    return questions[:limit] if limit else questions


def _problem(error: ValidationError) -> str:
    """The first thing wrong with a line, said as the eval contract says it."""
    fields = [str(e["loc"][0]) for e in error.errors() if e["loc"]]
    known = [f for f in _PROBLEMS if f in fields]
    if known:
        return _PROBLEMS[known[0]]
    if any(e["type"] == "model_type" for e in error.errors()):
        return "un objet JSON {...} est attendu"
    return _NO_GOLD
