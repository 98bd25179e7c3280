"""Citizens' ratings of answers (👍/👎), kept in SQLite in the data dir for a set number of days, or in the
PostgreSQL database several servers share (REGISTRE_DATABASE_URL): the same interface (`Ratings`), the same rules.

Nothing personal by default: the rating, an optional comment, the answer's citations, the reason of a refusal,
the model, the index version and the day (not the time of day). The question only when the citizen ticked the
box that says so. Rows past the retention are deleted on every write, every read and when the server starts.
The file is created by the first rating, readable by its owner only; the table, by `registre db upgrade`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from app.db import Database, DatabaseError
from app.evaluation.questions import Question

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, day TEXT NOT NULL,
  rating TEXT NOT NULL CHECK (rating IN ('up', 'down')), comment TEXT, question TEXT, found INTEGER,
  generated_by TEXT, refused_by TEXT, model TEXT, index_version TEXT, citations TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS feedback_day ON feedback(day);
"""
# What `counts` reads, the same SQL in SQLite and PostgreSQL.
_COUNTS = (
    "SELECT COUNT(*) FILTER (WHERE rating = 'up'), COUNT(*) FILTER (WHERE rating = 'down'), "
    "COUNT(*) FILTER (WHERE rating = 'down' AND refused_by IS NOT NULL), COUNT(question) FROM feedback"
)
_COLUMNS = (
    "id, day, rating, comment, question, found, generated_by, refused_by, model, index_version, citations"
)


class FeedbackError(RuntimeError):
    """The feedback file or table cannot be written or read (disk full, permissions, database down)."""


@dataclass(frozen=True)
class Cited:
    file: str
    page: int
    act: str | None = None


@dataclass(frozen=True)
class Feedback:
    rating: str  # "up" or "down"
    comment: str | None = None
    question: str | None = None  # only when the citizen consented
    found: bool | None = None
    generated_by: str | None = None
    refused_by: str | None = None
    model: str | None = None
    index_version: str | None = None
    citations: tuple[Cited, ...] = field(default_factory=tuple)
    day: date | None = None  # set by the store
    id: int | None = None


def utc_today() -> date:
    return datetime.now(UTC).date()


class Ratings(Protocol):
    """Where ratings are kept: a SQLite file (FeedbackStore) or a PostgreSQL table (PostgresFeedbackStore)."""

    retention_days: int

    def add(self, feedback: Feedback) -> int: ...

    def purge(self) -> None: ...

    def recent(self, rating: str | None = "down", limit: int | None = 50) -> list[Feedback]: ...

    def counts(self) -> dict[str, int]: ...


class FeedbackStore:
    """The ratings file; `today` is the clock retention is counted by (a test gives its own)."""

    def __init__(self, path: Path, retention_days: int = 30, today: Callable[[], date] = utc_today):
        self.path, self.retention_days, self.today = path, retention_days, today

    @contextmanager
    def _db(self, create: bool = False) -> Iterator[sqlite3.Connection | None]:
        """A connection in a transaction, or None when there is no file yet and create is False."""
        if not create and not self.path.exists():
            yield None
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.touch(mode=0o600, exist_ok=True)
            with closing(sqlite3.connect(self.path, timeout=10)) as db, db:
                db.executescript(_SCHEMA)
                db.execute("DELETE FROM feedback WHERE day <= ?", (self._cutoff(),))
                yield db
        except sqlite3.Error as e:
            raise FeedbackError(f"fichier des avis {self.path} : {e}") from e

    def _cutoff(self) -> str:
        return (self.today() - timedelta(days=self.retention_days)).isoformat()

    def add(self, feedback: Feedback) -> int:
        """Store one rating, dated today; return its id."""
        cited = json.dumps([asdict(c) for c in feedback.citations], ensure_ascii=False)
        with self._db(create=True) as db:
            assert db is not None
            cur = db.execute(
                f"INSERT INTO feedback ({_COLUMNS}) VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self.today().isoformat(),
                    feedback.rating,
                    feedback.comment,
                    feedback.question,
                    None if feedback.found is None else int(feedback.found),
                    feedback.generated_by,
                    feedback.refused_by,
                    feedback.model,
                    feedback.index_version,
                    cited,
                ),
            )
            return int(cur.lastrowid or 0)

    def purge(self) -> None:
        """Delete what the retention has dropped (the file is not created for that)."""
        with self._db():
            pass

    def recent(self, rating: str | None = "down", limit: int | None = 50) -> list[Feedback]:
        """The latest ratings, newest first: the rated-down ones by default, all with rating None."""
        with self._db() as db:
            if db is None:
                return []
            where, args = ("WHERE rating = ?", [rating]) if rating else ("", [])
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM feedback {where} ORDER BY id DESC LIMIT ?", (*args, limit or -1)
            ).fetchall()
        return [_feedback(row) for row in rows]

    def counts(self) -> dict[str, int]:
        """How many ratings the retention holds: up, down, down on a refusal, questions joined."""
        with self._db() as db:
            if db is None:
                return {"up": 0, "down": 0, "down_refused": 0, "questions": 0}
            up, down, refused, questions = db.execute(_COUNTS).fetchone()
        return {"up": up, "down": down, "down_refused": refused, "questions": questions}


class PostgresFeedbackStore:
    """The ratings table of the shared database: every server writes there, `registre feedback` reads it."""

    def __init__(self, database: Database, retention_days: int = 30, today: Callable[[], date] = utc_today):
        self.database, self.retention_days, self.today = database, retention_days, today

    @contextmanager
    def _db(self) -> Iterator[Any]:
        """A connection in a transaction, past-retention rows deleted first."""
        try:
            with self.database.connection() as conn, conn.transaction():
                conn.execute("DELETE FROM feedback WHERE day <= %s", (self._cutoff(),))
                yield conn
        except DatabaseError as e:
            raise FeedbackError(f"table des avis : {e}") from e

    def _cutoff(self) -> date:
        return self.today() - timedelta(days=self.retention_days)

    def add(self, feedback: Feedback) -> int:
        """Store one rating, dated today; return its id."""
        cited = json.dumps([asdict(c) for c in feedback.citations], ensure_ascii=False)
        with self._db() as db:
            (ident,) = db.execute(
                f"INSERT INTO feedback ({_COLUMNS.removeprefix('id, ')}) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
                (
                    self.today(),
                    feedback.rating,
                    feedback.comment,
                    feedback.question,
                    feedback.found,
                    feedback.generated_by,
                    feedback.refused_by,
                    feedback.model,
                    feedback.index_version,
                    cited,
                ),
            ).fetchone()
            return int(ident)

    def purge(self) -> None:
        """Delete what the retention has dropped."""
        with self._db():
            pass

    def recent(self, rating: str | None = "down", limit: int | None = 50) -> list[Feedback]:
        """The latest ratings, newest first: the rated-down ones by default, all with rating None."""
        with self._db() as db:
            where, args = ("WHERE rating = %s", [rating]) if rating else ("", [])
            rows = db.execute(
                f"SELECT {_COLUMNS.replace('citations', 'citations::text')} FROM feedback {where} "
                "ORDER BY id DESC LIMIT %s",
                (*args, limit),  # LIMIT NULL: no limit
            ).fetchall()
        return [_feedback(row) for row in rows]

    def counts(self) -> dict[str, int]:
        """How many ratings the retention holds: up, down, down on a refusal, questions joined."""
        with self._db() as db:
            up, down, refused, questions = db.execute(_COUNTS).fetchone()
        return {"up": up, "down": down, "down_refused": refused, "questions": questions}


def _feedback(row: tuple) -> Feedback:
    ident, day, rating, comment, question, found, generated_by, refused_by, model, version, cited = row
    return Feedback(
        rating,
        comment,
        question,
        None if found is None else bool(found),
        generated_by,
        refused_by,
        model,
        version,
        tuple(Cited(**c) for c in json.loads(cited)),
        day if isinstance(day, date) else date.fromisoformat(day),
        ident,
    )


TO_REVIEW = (
    "À compléter : écrire la réponse attendue (answer) et ce qu'elle doit contenir (must_include) ; vérifier "
    "answerable et les documents qui répondent (gold_files, gold_pages)."
)


def eval_lines(feedbacks: list[Feedback]) -> list[dict]:
    """The rated-down answers whose question was joined, as lines of a `registre eval` question file.

    The documents the answer cited become the gold files to check; a refused answer becomes an unanswerable
    question until staff say which documents answer it. Each line is checked against the eval format.
    """
    lines = []
    for f in feedbacks:
        if f.rating != "down" or not f.question:
            continue
        files = list(dict.fromkeys(Path(c.file).name for c in f.citations))
        pages = [c.page for c in f.citations if files and Path(c.file).name == files[0]]
        line = {
            "id": f"avis-{f.id}",
            "question": f.question,
            "answerable": bool(files),
            "answer": "",
            "must_include": [],
            "gold_files": files,
            "gold_pages": pages,
            "history": [],
            "kind": "avis",
            "to_review": TO_REVIEW,
            "feedback": {
                "day": f.day.isoformat() if f.day else None,
                "comment": f.comment,
                "found": f.found,
                "refused_by": f.refused_by,
                "generated_by": f.generated_by,
                "model": f.model,
                "index_version": f.index_version,
                "citations": [asdict(c) for c in f.citations],
            },
        }
        Question.model_validate(line)  # what `registre eval` will read
        lines.append(line)
    return lines
