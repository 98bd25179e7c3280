"""A question file is checked whole before anything runs, and each bad line is named with what is wrong."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from app.evaluation.questions import QuestionFileError, load_questions

GOOD = {"id": "u1", "question": "Combien ?", "answerable": True, "gold_files": ["a.pdf"], "gold_pages": [2]}


def check(tmp_path, *rows) -> str:
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows))
    with pytest.raises(QuestionFileError) as caught:
        load_questions(path)
    return str(caught.value)


def test_a_malformed_question_file_stops_before_anything_runs(tmp_path, monkeypatch, capsys):
    lines = [
        json.dumps(GOOD),
        '{"id": "x1", "question": "Combien ?", "answerable": true',  # cut short
        json.dumps({"id": "x2", "question": "Qui ?", "answerable": "oui"}),
        "",
        json.dumps({"id": "u1", "question": "Encore ?", "answerable": False}),
        json.dumps({"id": "x3", "question": "Où ?", "answerable": True, "must_include": ["a"]}),
        json.dumps({"id": "x4", "question": "Quand ?", "answerable": False, "history": "hier"}),
    ]
    message = check(tmp_path, *lines)
    assert "5 ligne(s) mal formée(s)" in message
    for number, words in ((2, "JSON invalide"), (3, "answerable"), (5, "déjà pris ligne 1")):
        assert f"ligne {number} : " in message and words in message
    assert "ligne 6 : " in message and "gold_files" in message and "ligne 7 : " in message
    monkeypatch.setenv("REGISTRE_DATA_DIR", str(tmp_path / "data"))
    argv = ["eval", "--corpus", str(tmp_path), "--questions", str(tmp_path / "q.jsonl"), "--out", "out"]
    assert main([*argv[:-1], str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "ligne 2 : JSON invalide" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists() and not (tmp_path / "data").exists()  # nothing indexed or written


@pytest.mark.parametrize(
    "row, said",
    [
        ([1, 2], "un objet JSON {...} est attendu"),
        ({"question": "Qui ?", "answerable": False}, "« id » manquant (une chaîne non vide)"),
        ({"id": " ", "question": "Qui ?", "answerable": False}, "« id » manquant (une chaîne non vide)"),
        ({"id": "a", "question": "", "answerable": False}, "« question » manquante (une chaîne non vide)"),
        ({"id": "a", "question": "Qui ?", "answerable": 1}, "« answerable » doit valoir true ou false"),
        ({**GOOD, "must_include": "60"}, "« must_include » doit être une liste de chaînes"),
        ({**GOOD, "gold_pages": [True]}, "« gold_pages » doit être une liste de numéros de page"),
        ({**GOOD, "gold_files": []}, "une question qui a une réponse demande « gold_files »"),
        (
            {**GOOD, "history": [{"role": "system", "content": "x"}]},
            '« history » doit être une liste de {"role"',
        ),
        ({**GOOD, "kind": 3}, "« kind » doit être une chaîne"),
    ],
)
def test_each_problem_is_said_as_the_contract_says_it(tmp_path, row, said):
    assert f"ligne 1 : {said}" in check(tmp_path, row)


def test_optional_fields_are_read_and_unknown_ones_kept(tmp_path):
    path = tmp_path / "q.jsonl"
    row = {**GOOD, "history": [{"role": "user", "content": "Et avant ?"}], "evidence": "page 2"}
    path.write_text(json.dumps(row) + "\n\n")
    (q,) = load_questions(path)
    assert q.turns() == [{"role": "user", "content": "Et avant ?"}] and q.gold_pages == [2]
    assert q.model_extra == {"evidence": "page 2"}
    with pytest.raises(QuestionFileError, match="fichier de questions introuvable"):
        load_questions(tmp_path / "absent.jsonl")
