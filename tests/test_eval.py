import json

import pytest

from app.cli import main
from app.evaluate import gold_rank, normalise, retrieval_metrics
from tests.conftest import QUESTIONS, SUBSET, copy_subset

KEYS = {
    "retrieval": {"recall_at_1", "recall_at_5", "recall_at_10", "mrr_at_10"},
    "answers": {"accuracy", "refusal_accuracy", "false_refusal_rate"},
    "citations": {"precision", "recall"},
    "latency_s": {"retrieval_p50", "retrieval_p95", "first_token_p50", "first_token_p95", "total_p50"},
    "models": {"embedder", "llm"},
}


def test_normalisation_follows_the_contract():
    assert normalise("6 000 €") == normalise("6\u202f000 €") == normalise("6.000 €") == "6000€"
    assert normalise("À l'unanimité") == "al'unanimite"
    assert normalise("491 167,50") == "491167,50"
    assert normalise("3 ans") == "3ans"


def test_rank_and_metrics():
    assert gold_rank(["a/x.pdf", "b/y.pdf"], ["y.pdf"]) == 2
    assert gold_rank(["a/x.pdf"], ["y.pdf"]) is None
    m = retrieval_metrics([1, 2, None, 7])
    assert m == {
        "recall_at_1": 0.25,
        "recall_at_5": 0.5,
        "recall_at_10": 0.75,
        "mrr_at_10": (1 + 0.5 + 1 / 7) / 4,
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
    # A second run reuses the up-to-date index.
    assert main(argv + ["--limit", "2"]) == 0
    assert "index already up to date" in capsys.readouterr().out


def test_full_run_with_the_real_llm(small_set, tmp_path, data_dir, monkeypatch):
    corpus, questions_file, _ = small_set
    monkeypatch.setenv("REGISTRE_LLM", "smollm2-135m")
    monkeypatch.setenv("REGISTRE_LLM_MAX_TOKENS", "32")
    out = tmp_path / "out"
    assert main(eval_argv(corpus, questions_file, out, "--limit", "2")) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["models"]["llm"].startswith("SmolLM2")
    assert metrics["answers"]["accuracy"] is not None and metrics["latency_s"]["first_token_p50"] > 0
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert all(isinstance(r["found"], bool) and isinstance(r["citations"], list) for r in rows)


def test_interrupted_run_resumes_where_it_stopped(index, embedder, tmp_path):
    from app.chat import Assistant
    from app.evaluate import run

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
    run(Assistant(index, embedder, None), questions, out, True, models)
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert rows[0]["retrieved_files"] == ["kept.pdf"]  # taken from the interrupted run, not recomputed
    assert rows[1]["retrieved_files"][0].endswith("2013-02-04-0000061090.pdf")
    assert not (out / "results.partial.jsonl").exists()
