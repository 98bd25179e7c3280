"""The evaluation report a person reads: headline figures, plots, and every failed question with its cause.

One self-contained HTML page (inline CSS and SVG, no request made when opened), from a Jinja2 template that
escapes every value it is given: questions, answers and file names come from outside.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from app.evaluation import plots
from app.evaluation.metrics import REASONS
from app.evaluation.questions import Question

LABELS = {
    "recall_at_1": "rappel@1",
    "recall_at_5": "rappel@5",
    "recall_at_10": "rappel@10",
    "mrr_at_10": "MRR@10",
    "accuracy": "réponses justes",
    "refusal_accuracy": "refus justes (questions sans réponse)",
    "false_refusal_rate": "refus à tort (questions avec réponse)",
    "precision": "précision (fichiers cités attendus)",
    "recall": "rappel (au moins un fichier attendu cité)",
    "retrieval_p50": "recherche, médiane",
    "retrieval_p95": "recherche, p95",
    "first_token_p50": "premier mot, médiane",
    "first_token_p95": "premier mot, p95",
    "total_p50": "réponse complète, médiane",
    "p50": "médiane",
    "p95": "p95",
    "checked": "réponses vérifiées dans les extraits",
    "evidence_shown": "vérification échouée : phrase du document montrée",
    "embedder": "plongements",
    "llm": "modèle de langue",
}
REASON_LABELS = {
    "not_retrieved": "non retrouvé : aucun fichier attendu dans les extraits donnés au modèle",
    "wrong_answer": "retrouvé, mais réponse fausse ou incomplète",
    "false_refusal": "refus à tort : le document était dans les extraits",
    "invented": "réponse inventée à une question sans réponse dans les documents",
}
RETRIEVERS = {
    "pipeline": "chaîne complète",
    "hybrid": "hybride seul",
    "bm25": "BM25 seul",
    "dense": "vecteurs seuls",
}
REFUSED = {
    "evidence": " avant le modèle : aucune phrase des documents trouvés ne porte sur le sujet ou l'année",
    "model": " du modèle",
}
LATENCIES = {"retrieval_s": "recherche", "first_token_s": "premier mot", "total_s": "réponse complète"}

_TEMPLATES = Environment(
    loader=PackageLoader("app.evaluation", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def fmt(value: object) -> str:
    """A figure as the report prints it: three decimals, or a dash when not measured."""
    if value is None:
        return "—"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def file_link(corpus: str | None, file: str, page: int | None) -> str | None:
    """A file:// link to the PDF (at its page) when the corpus folder is known."""
    if not corpus:
        return None
    return Path(corpus, file).as_uri() + (f"#page={page}" if page else "")


_TEMPLATES.filters["fmt"] = fmt
_TEMPLATES.globals.update(file_link=file_link, LABELS=LABELS, REASON_LABELS=REASON_LABELS, REFUSED=REFUSED)


def write_report(path: Path, questions: list[Question], rows: list[dict], metrics: dict) -> None:
    """Write the report of a run to path."""
    by_id = {q.id: q for q in questions}
    run = metrics.get("run", {})
    failed = sorted((r for r in rows if r.get("failure")), key=lambda r: REASONS.index(r["failure"]))
    html = _TEMPLATES.get_template("report.html.j2").render(
        metrics=metrics,
        header=_header(metrics),
        retrieval=_retrieval(metrics),
        kinds=_kinds(metrics),
        latency=_latency(rows),
        reasons=REASONS,
        failed=[(by_id[r["id"]], r, _retrieved(r)) for r in failed],
        corpus=run.get("corpus"),
        given=run.get("context_extracts") or 0,
    )
    path.write_text(html, encoding="utf-8")


def _header(metrics: dict) -> list[tuple[str, object]]:
    run = metrics.get("run", {})
    models = metrics.get("models", {})
    items = [
        ("date", run["started"].replace("T", " ").replace("+00:00", " UTC") if run.get("started") else None),
        ("durée", f"{run['duration_s']:.0f} s" if run.get("duration_s") is not None else None),
        ("corpus", run.get("corpus")),
        ("questions", run.get("questions")),
        (
            "mode",
            "recherche seule (sans modèle de langue)" if run.get("retrieval_only") else "réponses complètes",
        ),
        ("plongements", models.get("embedder")),
        ("modèle de langue", models.get("llm")),
        ("extraits donnés au modèle", run.get("context_extracts")),
    ]
    if run.get("resumed_rows"):
        items.append(("reprise", f"{run['resumed_rows']} réponses reprises d'une exécution interrompue"))
    return [(k, v) for k, v in items if v is not None]


def _retrieval(metrics: dict) -> dict:
    compared = {"pipeline": metrics["retrieval"], **metrics.get("compare", {})}
    curves = metrics.get("recall_curve") or {}
    return {
        "columns": [LABELS[k] for k in metrics["retrieval"]],
        "rows": [(RETRIEVERS.get(name, name), list(figures.values())) for name, figures in compared.items()],
        "plot": Markup(plots.recall_curves(curves, RETRIEVERS)) if curves else "",
    }


def _kinds(metrics: dict) -> dict:
    figures = metrics["by_kind"]
    retrieval_only = all(f["accuracy"] is None for f in figures.values())
    key, label = ("recall_at_5", "rappel@5") if retrieval_only else ("accuracy", "part de questions réussies")
    return {"figures": figures, "plot": Markup(plots.kind_bars(figures, key, label))}


def _latency(rows: list[dict]) -> Markup:
    series = {
        label: [r["timings"][key] for r in rows if r["timings"].get(key) is not None]
        for key, label in LATENCIES.items()
    }
    if rows and rows[0].get("answer") is None:
        series.pop("réponse complète")  # the same figure as retrieval when no model runs
    return Markup(plots.latency_histograms(series))


def _retrieved(row: dict) -> list[dict]:
    return row.get("retrieved") or [{"file": f, "page": None, "score": None} for f in row["retrieved_files"]]
