"""Citizens' ratings through the real app into a real SQLite file: the question only with consent, nothing
personal, retention by the day, the admin view, and the export read back by `registre eval`'s own loader."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from app import cli
from app.answer.assistant import Assistant
from app.evaluation.questions import load_questions
from app.feedback import Cited, Feedback, FeedbackStore
from app.http.app import create_app
from app.settings import Settings

TOKEN = "jeton-de-la-mairie-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
QUESTION = "Combien de membres compte le conseil consultatif des résidents étrangers ?"
SECRET = "Zéphyrine Quatremarres"


@pytest.fixture
def client(index, embedder, scripted, tmp_path):
    settings = Settings(data_dir=tmp_path, admin_token=TOKEN)
    with TestClient(create_app(settings, Assistant(index, embedder, scripted))) as c:
        yield c


def rating_of(answer: dict, rating: str, **more) -> dict:
    """What the widget sends about an answer it showed."""
    cited = [{"file": c["file"], "page": c["page"], "act": c["act"]} for c in answer["citations"]]
    return {
        "rating": rating,
        "found": answer["found"],
        "generated_by": answer["generated_by"],
        "refused_by": answer["refused_by"],
        "model": answer["model"],
        "index_version": answer["index_version"],
        "citations": cited,
        **more,
    }


def test_a_rating_keeps_the_question_only_with_consent_and_nothing_personal(client, scripted, tmp_path):
    scripted.enqueue("Le conseil compte 60 membres [1].")
    answer = client.post("/api/chat", json={"question": QUESTION}).json()
    assert answer["found"] and answer["citations"]
    private = {"User-Agent": "navigateur-de-Quatremarres", "Cookie": "session=Quatremarres"}
    no_consent = rating_of(answer, "down", question=f"{QUESTION} ({SECRET})", comment="Il manque la date.")
    r = client.post("/api/feedback", json=no_consent, headers=private)
    assert r.status_code == 201 and r.json()["question_kept"] is False and r.json()["retention_days"] == 30
    consent = rating_of(answer, "down", question=QUESTION, share_question=True)
    assert client.post("/api/feedback", json=consent).json()["question_kept"] is True
    assert client.post("/api/feedback", json=rating_of(answer, "up")).status_code == 201

    path = tmp_path / "feedback.sqlite3"
    assert path.stat().st_mode & 0o077 == 0  # readable by the service's user only
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT rating, question, comment, model, index_version FROM feedback").fetchall()
    model = answer[
        "model"
    ]  # the model that wrote the answer rated (None when the document's words were shown)
    assert rows == [
        ("down", None, "Il manque la date.", model, answer["index_version"]),
        ("down", QUESTION, None, model, answer["index_version"]),
        ("up", None, None, model, answer["index_version"]),
    ]
    raw = path.read_bytes()
    for needle in (SECRET, "Quatremarres", "testclient", "navigateur"):
        assert needle.encode() not in raw, needle

    assert client.get("/api/admin/feedback").status_code == 401
    listed = client.get("/api/admin/feedback", headers=AUTH).json()
    assert [f["question"] for f in listed] == [QUESTION, None]  # rated down, newest first
    assert listed[0]["citations"][0]["file"] == answer["citations"][0]["file"]
    assert len(client.get("/api/admin/feedback?rating=all", headers=AUTH).json()) == 3


def test_bad_ratings_are_refused_with_a_message_and_store_nothing(client, tmp_path):
    for bad in (
        {"rating": "bof"},
        {"rating": "down", "comment": "x" * 1001},
        {"rating": "down", "citations": [{"file": "a.pdf", "page": 0}]},
        {"rating": "down", "refused_by": "autre"},
    ):
        r = client.post("/api/feedback", json=bad)
        assert r.status_code == 422 and r.json()["detail"][0]["msg"], bad
    assert not (tmp_path / "feedback.sqlite3").exists()


class Clock:
    def __init__(self, day: date):
        self.day = day

    def __call__(self) -> date:
        return self.day


def test_ratings_are_purged_after_the_retention_on_write_and_at_start_up(index, embedder, scripted, tmp_path):
    path = tmp_path / "feedback.sqlite3"
    long_ago = date.today() - timedelta(days=40)
    clock = Clock(long_ago)
    store = FeedbackStore(path, retention_days=30, today=clock)
    store.add(Feedback("down", question="ancienne question"))
    clock.day = long_ago + timedelta(days=29)
    store.add(Feedback("up"))
    assert [f.rating for f in store.recent(None)] == ["up", "down"]  # 29 days old: kept
    clock.day = long_ago + timedelta(days=30)
    store.add(Feedback("up"))  # the write drops what is 30 days old
    assert [f.day for f in store.recent(None)] == [clock.day, long_ago + timedelta(days=29)]

    # Started today, the app drops what is past the retention before any rating comes in.
    settings = Settings(data_dir=tmp_path, admin_token=TOKEN, feedback_retention_days=5)
    with TestClient(create_app(settings, Assistant(index, embedder, scripted))) as client:
        with sqlite3.connect(path) as db:
            assert db.execute("SELECT COUNT(*) FROM feedback").fetchone() == (0,)
        assert client.get("/api/admin/feedback?rating=all", headers=AUTH).json() == []


def test_no_rating_file_is_created_by_reading(tmp_path):
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    store.purge()
    assert store.recent(None) == [] and store.counts()["down"] == 0
    assert not (tmp_path / "feedback.sqlite3").exists()


def rated(store: FeedbackStore) -> None:
    store.add(Feedback("down", "Faux.", QUESTION, True, "ai", None, "qwen", "v1",
                       (Cited("deliberations/2013-02-04-0000061089.pdf", 2, "2013/3"),)))  # fmt: skip
    store.add(
        Feedback("down", None, "Quel est le budget du festival ?", False, "document", "evidence", None, "v1")
    )
    store.add(
        Feedback("down", "Pas de réponse", None, False, "ai", "model", "qwen", "v1")
    )  # question not joined
    store.add(Feedback("up", None, "Merci ?", True, "ai", None, "qwen", "v1"))


def test_export_writes_rated_down_questions_the_eval_loader_reads(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("REGISTRE_DATA_DIR", str(tmp_path))
    rated(FeedbackStore(Settings().feedback_path))
    out = tmp_path / "avis.jsonl"
    assert cli.main(["feedback", "export", "--format", "eval", "--out", str(out)]) == 0
    assert "2 questions écrites" in capsys.readouterr().err
    questions = load_questions(out)  # the project's own loader: the file is ready for `registre eval`
    assert [q.question for q in questions] == [QUESTION, "Quel est le budget du festival ?"]
    cited, refused = questions
    assert cited.answerable and cited.gold_files == ["2013-02-04-0000061089.pdf"] and cited.gold_pages == [2]
    assert not refused.answerable and refused.gold_files == []  # staff say which documents answer it
    assert (
        cited.answer == ""
        and cited.must_include == []
        and cited.model_extra["feedback"]["comment"] == "Faux."
    )

    assert cli.main(["feedback", "list"]) == 0
    listed = capsys.readouterr().out
    assert (
        "3 avis, du plus récent" in listed
        and "question : non jointe" in listed
        and f"« {QUESTION} »" in listed
    )
    assert cli.main(["status"]) == 0
    assert "avis des 30 derniers jours : 1 👍, 3 👎 (2 sur un refus), 3 avec la question jointe" in (
        capsys.readouterr().out
    )
