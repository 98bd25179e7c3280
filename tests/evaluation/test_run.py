import json
import re
from html import unescape

import pytest

from app.cli import main
from app.evaluation.metrics import REASONS
from app.evaluation.questions import Question
from app.evaluation.report import REASON_LABELS
from tests.conftest import CORPUS, QUESTIONS, SUBSET, copy_subset

KEYS = {
    "retrieval": {"recall_at_1", "recall_at_5", "recall_at_10", "mrr_at_10"},
    "answers": {"accuracy", "refusal_accuracy", "false_refusal_rate"},
    "citations": {"precision", "recall"},
    "latency_s": {"retrieval_p50", "retrieval_p95", "first_token_p50", "first_token_p95", "total_p50"},
    "models": {"embedder", "llm"},
}


@pytest.fixture(scope="module")
def small_set(tmp_path_factory):
    """Dev questions whose gold files are in the test subset, plus unanswerable ones."""
    folder = tmp_path_factory.mktemp("evalset")
    names = {p.rsplit("/", 1)[-1] for p in SUBSET}
    questions = [
        q
        for q in map(json.loads, QUESTIONS.read_text().splitlines())
        if (q["answerable"] and set(q["gold_files"]) <= names) or q["id"] in ("d055", "d056")
    ]
    path = folder / "questions.jsonl"
    path.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in questions))
    return copy_subset(folder / "corpus"), path, questions


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A data dir of its own for the CLI, sharing the fetched model weights."""
    from tests.conftest import DATA_DIR

    monkeypatch.setenv("REGISTRE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REGISTRE_EMBEDDER", "use-multilingual")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "models").symlink_to(DATA_DIR / "models")
    return tmp_path / "data"


def eval_argv(corpus, questions_file, out, *extra):
    return ["eval", "--corpus", str(corpus), "--questions", str(questions_file), "--out", str(out), *extra]


def test_retrieval_only_run_writes_the_contract_files(small_set, tmp_path, data_dir, capsys):
    corpus, questions_file, questions = small_set
    out = tmp_path / "out"
    argv = eval_argv(corpus, questions_file, out, "--retrieval-only")
    assert main(argv) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n_questions"] == len(questions) and metrics["n_answerable"] == len(questions) - 2
    for group, keys in KEYS.items():
        assert keys <= set(metrics[group])
    assert metrics["answers"]["accuracy"] is None and metrics["latency_s"]["first_token_p50"] is None
    assert metrics["retrieval"]["recall_at_5"] == 1.0
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == [q["id"] for q in questions]
    assert all({"id", "answer", "found", "citations", "retrieved_files", "timings"} <= set(r) for r in rows)
    assert not any(f.startswith("/") for r in rows for f in r["retrieved_files"])  # relative to --corpus
    assert "<table>" in (out / "report.html").read_text()
    # A second run reuses the up-to-date index; stdout holds the metrics JSON alone.
    capsys.readouterr()
    assert main(argv + ["--limit", "2"]) == 0
    printed = capsys.readouterr()
    assert "index déjà à jour" in printed.err
    assert json.loads(printed.out)["n_questions"] == 2


def test_full_run_with_the_real_llm_twice_gives_the_same_answers(small_set, tmp_path, data_dir, monkeypatch):
    corpus, _, questions = small_set
    monkeypatch.setenv("REGISTRE_LLM", "smollm2-135m")
    monkeypatch.setenv("REGISTRE_LLM_MAX_TOKENS", "32")
    picked = tmp_path / "picked.jsonl"  # two answerable questions and an unanswerable one
    picked.write_text("\n".join(json.dumps(q) for q in questions[:2] + questions[-1:]))
    runs = []
    for name in ("first", "second"):
        assert main(eval_argv(corpus, picked, tmp_path / name)) == 0
        runs.append(
            [json.loads(line) for line in (tmp_path / name / "results.jsonl").read_text().splitlines()]
        )
    assert [r["answer"] for r in runs[0]] == [r["answer"] for r in runs[1]]  # greedy decoding, fixed seed
    assert [r["citations"] for r in runs[0]] == [r["citations"] for r in runs[1]]
    metrics = json.loads((tmp_path / "first" / "metrics.json").read_text())
    assert metrics["models"]["llm"].startswith("SmolLM2")
    assert metrics["answers"]["accuracy"] is not None and metrics["latency_s"]["first_token_p50"] > 0
    rows = runs[0]
    assert all(isinstance(r["found"], bool) and isinstance(r["citations"], list) for r in rows)
    assert all(r["context_files"] and set(r["context_files"]) <= set(r["retrieved_files"]) for r in rows)
    # Every question is either right or failed for one stated reason, and the counts add up.
    for r in rows:
        right = r["correct"] if r["answerable"] else not r["found"]
        assert (r["failure"] is None) == right and r["failure"] in (None, *REASONS)
    assert sum(metrics["failures"].values()) == sum(r["failure"] is not None for r in rows)
    page = (tmp_path / "first" / "report.html").read_text()
    for r in rows:
        if r["failure"]:
            assert REASON_LABELS[r["failure"]] in page and r["answer"].split("\n")[0][:40] in unescape(page)


def test_interrupted_run_resumes_where_it_stopped(index, embedder, tmp_path):
    from app.answer.assistant import Assistant
    from app.evaluation.run import run

    questions = [
        q for q in map(json.loads, QUESTIONS.read_text().splitlines()) if q["id"] in ("d001", "d002")
    ]
    out, models = tmp_path / "out", {"embedder": embedder.name, "llm": None}
    out.mkdir()
    first = {
        "id": "d001",
        "answer": None,
        "found": None,
        "citations": None,
        "retrieved_files": ["kept.pdf"],
        "timings": {"retrieval_s": 1.0, "first_token_s": None, "total_s": 1.0},
        "gold_rank": None,
    }
    signature = {"models": models, "retrieval_only": True}
    (out / "results.partial.jsonl").write_text(
        json.dumps({"signature": signature}) + "\n" + json.dumps(first) + "\n"
    )
    run(Assistant(index, embedder, None), [Question.model_validate(q) for q in questions], out, True, models)
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert rows[0]["retrieved_files"] == ["kept.pdf"]  # taken from the interrupted run, not recomputed
    assert rows[1]["retrieved_files"][0].endswith("2013-02-04-0000061090.pdf")
    assert not (out / "results.partial.jsonl").exists()


# Questions written for these tests, not taken from the dev set; optional fields left out on purpose.
UNSEEN = [
    {
        "id": "u1",
        "question": "Pour combien d'années les membres du conseil des résidents étrangers sont-ils nommés ?",
        "history": [],
        "answerable": True,
        "answer": "Trois ans, renouvelables.",
        "must_include": ["3 ans"],
        "gold_files": ["2013-02-04-0000061089.pdf"],
        "gold_pages": [2],
        "kind": "duree",
    },
    # No kind, no history, no gold_pages.
    {
        "id": "u2",
        "question": "Qui est le photographe dont la ville achète des tirages après les Boutographies ?",
        "answerable": True,
        "must_include": ["liebaert"],
        "gold_files": ["2013-02-04-0000061112.pdf"],
    },
    {
        "id": "u3",
        "question": "Et quelle entreprise a obtenu ce marché ?",
        "history": [
            {"role": "user", "content": "Parle-moi de l'extension du réseau radio TETRA de la ville."},
            {"role": "assistant", "content": "Un marché a été passé en 2013 pour étendre le réseau TETRA."},
        ],
        "answerable": True,
        "must_include": ["talco"],
        "gold_files": ["2013-03-25-0000062224.pdf"],
        "kind": "followup",
    },
    # Only the required fields.
    {"id": "u4", "question": "Combien coûte l'abonnement étudiant au tramway ?", "answerable": False},
]


def test_an_unseen_question_set_over_another_corpus_path(tmp_path, data_dir, monkeypatch, capsys):
    corpus = copy_subset(tmp_path / "conseil", SUBSET[:4])
    questions = tmp_path / "maison.jsonl"
    questions.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in UNSEEN) + "\n\n")
    monkeypatch.chdir(tmp_path)
    argv = eval_argv(
        "conseil", "maison.jsonl", "sortie", "--retrieval-only", "--compare", "bm25,dense,hybrid"
    )
    assert main(argv) == 0  # corpus and question file given relative to the working directory
    printed = capsys.readouterr()
    metrics = json.loads(printed.out)  # stdout holds the metrics alone
    assert "Questions" in printed.err and "4/4" in printed.err  # the progress bar, on stderr
    assert metrics["n_questions"] == 4 and metrics["n_answerable"] == 3
    assert metrics["run"]["corpus"] == str(corpus) and metrics["run"]["questions"] == str(questions)
    assert set(metrics["by_kind"]) == {"duree", "followup", "(none)"}
    assert metrics["by_kind"]["(none)"]["n"] == 2 and metrics["by_kind"]["(none)"]["n_answerable"] == 1
    assert metrics["failures"]["not_retrieved"] is not None and metrics["failures"]["invented"] is None
    # Each retriever alone, on the same index. The pipeline ranks the hybrid's documents as its evidence presents
    # them: only the first four documents change places, so recall from 5 on is the hybrid's own.
    assert set(metrics["compare"]) == {"bm25", "dense", "hybrid"}
    for k in ("recall_at_5", "recall_at_10"):
        assert metrics["compare"]["hybrid"][k] == metrics["retrieval"][k]
    for figures in metrics["compare"].values():
        assert all(0 <= v <= 1 for v in figures.values())
    assert len(metrics["recall_curve"]["bm25"]) == 10
    assert metrics["recall_curve"]["pipeline"][4] == metrics["retrieval"]["recall_at_5"]
    rows = [json.loads(line) for line in (tmp_path / "sortie" / "results.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["u1", "u2", "u3", "u4"]
    for r in rows:
        assert r["retrieved"] and {"file", "page", "score"} == set(r["retrieved"][0])
        found = list(dict.fromkeys(h["file"] for h in r["retrieved"]))
        assert sorted(found) == sorted(r["retrieved_files"])  # every document retrieved, once
        assert r["retrieved_files"][4:] == found[4:]  # the evidence reorders the four it reads, no more
        assert r["retrieved"] == sorted(r["retrieved"], key=lambda h: -h["score"])
    assert rows[2]["gold_rank"] == 1  # the follow-up is found through its history
    page = (tmp_path / "sortie" / "report.html").read_text()
    assert page.count("<svg") >= 3 and "BM25 seul" in page
    assert not re.search(r"""(src|href)=["']?https?:|<script|<link|@import""", page)  # nothing fetched

    # The same corpus given by its absolute path reuses the same index.
    assert main(eval_argv(corpus, questions, tmp_path / "encore", "--retrieval-only")) == 0
    assert "index déjà à jour" in capsys.readouterr().err
    again = json.loads((tmp_path / "encore" / "metrics.json").read_text())
    assert again["retrieval"] == metrics["retrieval"] and "compare" not in again


def test_missing_corpus_or_question_file_or_unknown_retriever(tmp_path, data_dir, capsys):
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps(UNSEEN[3]))
    assert main(eval_argv(tmp_path / "absent", questions, tmp_path / "out")) == 2
    assert f"dossier introuvable : {tmp_path / 'absent'}" in capsys.readouterr().err
    assert main(eval_argv(CORPUS, tmp_path / "none.jsonl", tmp_path / "out")) == 2
    assert "fichier de questions introuvable" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(eval_argv(CORPUS, questions, tmp_path / "out", "--compare", "bm25,tfidf"))
    assert "méthode de recherche inconnue tfidf" in capsys.readouterr().err
