"""The evaluation report a person reads: headline figures, plots, and every failed question with its cause."""

from __future__ import annotations

from html import escape
from pathlib import Path

from app import plots
from app.evaluate import REASONS

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
STYLE = """
body{font-family:system-ui,sans-serif;max-width:72em;margin:auto;padding:1em 1.5em;color:#222;line-height:1.4}
h1{margin-bottom:.2em}h2{border-bottom:2px solid #3465a4;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.4em 0 1em}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;
vertical-align:top}th{background:#f3f5f8}td.n{text-align:right;font-variant-numeric:tabular-nums}
.grid{display:flex;flex-wrap:wrap;gap:0 2em}.grid>div{flex:1 1 20em}.meta td,.meta th{border:none;padding:.1em .6em .1em 0}
.fail{border:1px solid #ddd;border-left:6px solid #cc0000;border-radius:4px;padding:.3em 1em .6em;margin:1em 0}
.fail.not_retrieved{border-left-color:#f57900}.fail.false_refusal{border-left-color:#75507b}
.fail h3{margin:.3em 0}.badge{font-size:.8em;background:#eee;border-radius:3px;padding:.1em .4em;margin-left:.5em}
.miss{color:#cc0000;font-weight:bold}.ok{color:#4e9a06}.gold{background:#e9f5e1}.small{font-size:.9em;color:#555}
blockquote{margin:.3em 0;padding:.3em .8em;background:#f7f7f7;border-left:3px solid #bbb;white-space:pre-wrap}
svg{max-width:100%;height:auto}
"""


_REFUSED = {
    "evidence": " avant le modèle : aucune phrase des documents trouvés ne porte sur le sujet ou l'année",
    "model": " du modèle",
}


def _fmt(value) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if isinstance(value, float) else escape(str(value))


def _table(title: str, values: dict) -> str:
    if all(v is None for v in values.values()):
        return ""  # not measured in this mode (retrieval only)
    rows = "".join(
        f'<tr><th>{escape(LABELS.get(k, k))}</th><td class="n">{_fmt(v)}</td></tr>' for k, v in values.items()
    )
    return f"<div><h3>{escape(title)}</h3><table>{rows}</table></div>"


def _header(metrics: dict) -> str:
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
    rows = "".join(f"<tr><th>{k}</th><td>{_fmt(v)}</td></tr>" for k, v in items if v is not None)
    return (
        f"<h1>Évaluation de registre</h1><p>{metrics['n_questions']} questions, dont "
        f"{metrics['n_answerable']} avec réponse dans les documents.</p><table class=meta>{rows}</table>"
    )


def _retrieval(metrics: dict) -> str:
    compared = {"pipeline": metrics["retrieval"], **metrics.get("compare", {})}
    head = "".join(f"<th>{LABELS[k]}</th>" for k in metrics["retrieval"])
    body = "".join(
        f"<tr><th>{escape(RETRIEVERS.get(name, name))}</th>"
        + "".join(f'<td class="n">{_fmt(v)}</td>' for v in figures.values())
        + "</tr>"
        for name, figures in compared.items()
    )
    curves = metrics.get("recall_curve") or {}
    plot = plots.recall_curves(curves, RETRIEVERS) if curves else ""
    return (
        "<h2>Recherche (niveau fichier, questions avec réponse)</h2>"
        f"<table><tr><th>recherche</th>{head}</tr>{body}</table>{plot}"
    )


def _failures(metrics: dict) -> str:
    rows = "".join(
        f'<tr><th>{escape(REASON_LABELS[r])}</th><td class="n">{_fmt(metrics["failures"][r])}</td></tr>'
        for r in REASONS
    )
    return f"<div><h3>Échecs par cause</h3><table>{rows}</table></div>"


def _kinds(metrics: dict) -> str:
    figures = metrics["by_kind"]
    rows = "".join(
        f'<tr><th>{escape(kind)}</th><td class="n">{f["n"]}</td><td class="n">{f["n_answerable"]}</td>'
        f'<td class="n">{_fmt(f["accuracy"])}</td><td class="n">{_fmt(f["recall_at_5"])}</td></tr>'
        for kind, f in figures.items()
    )
    retrieval_only = all(f["accuracy"] is None for f in figures.values())
    key, label = ("recall_at_5", "rappel@5") if retrieval_only else ("accuracy", "part de questions réussies")
    return (
        "<h2>Par type de question</h2><p class=small>Une question sans réponse est réussie quand le système "
        "dit que les documents ne répondent pas.</p><table><tr><th>type</th><th>questions</th>"
        f"<th>avec réponse</th><th>réussies</th><th>rappel@5</th></tr>{rows}</table>"
        + plots.kind_bars(figures, key, label)
    )


def _latency(rows: list[dict]) -> str:
    names = {"retrieval_s": "recherche", "first_token_s": "premier mot", "total_s": "réponse complète"}
    series = {
        label: [r["timings"][key] for r in rows if r["timings"].get(key) is not None]
        for key, label in names.items()
    }
    if rows and rows[0].get("answer") is None:
        series.pop("réponse complète")  # the same figure as retrieval when no model runs
    return "<h2>Latence par question</h2>" + plots.latency_histograms(series)


def _link(corpus: str | None, file: str, page: int | None) -> str:
    if not corpus:
        return escape(file)
    url = Path(corpus, file).as_uri() + (f"#page={page}" if page else "")
    return f'<a href="{escape(url)}">{escape(file)}</a>'


def _failed(q: dict, r: dict, corpus: str | None, given: int) -> str:
    """One failed question; the first `given` retrieved chunks are those the model got as extracts."""
    gold = set(q.get("gold_files") or [])
    history = "".join(
        f"<li><b>{escape(m.get('role', ''))}</b> : {escape(m.get('content', ''))}</li>"
        for m in q.get("history") or []
    )
    missing = set(r.get("missing") or [])
    must = ", ".join(
        f'<span class="{"miss" if m in missing else "ok"}">{escape(m)}</span>'
        for m in q.get("must_include") or []
    )
    expected = (
        f"<p><b>Réponse attendue :</b> {escape(q.get('answer') or '—')}</p>"
        f"<p><b>Doit contenir :</b> {must or '—'} <span class=small>(en rouge : absent de la réponse)</span></p>"
        f"<p><b>Fichiers attendus :</b> {escape(', '.join(sorted(gold)) or 'aucun (pas de réponse)')}"
        + (
            f", page{'s' if len(q['gold_pages']) > 1 else ''} {escape(', '.join(map(str, q['gold_pages'])))}"
            if q.get("gold_pages")
            else ""
        )
        + "</p>"
        if q.get("answerable")
        else "<p><b>Réponse attendue :</b> les documents ne répondent pas à cette question.</p>"
    )
    if r.get("answer") is None:
        answer = "<p class=small>Recherche seule : pas de réponse générée.</p>"
    else:
        cites = "".join(
            f"<li>{_link(corpus, c['file'], c.get('page'))}, page {_fmt(c.get('page'))}"
            + (f", n° {escape(str(c['act']))}" if c.get("act") else "")
            + "</li>"
            for c in r.get("citations") or []
        )
        answer = (
            f"<p><b>Réponse du système</b> ({'trouvée' if r.get('found') else 'refus'}"
            + (", lue dans les données structurées des actes" if r.get("structured") else "")
            + _REFUSED.get(r.get("refused_by") or "", "")
            + ") :</p>"
            f"<blockquote>{escape(r['answer'])}</blockquote>"
            + (
                f"<p><b>Phrase du document montrée d'abord :</b></p><blockquote>{escape(r['evidence'])}</blockquote>"
                if r.get("evidence")
                else ""
            )
            + (
                f"<p class=small>Vérification de la réponse : "
                f"{'réussie' if r['checked'] else 'échouée, phrase du document montrée'}"
                + (f" ({escape(r['check_reason'])})" if r.get("check_reason") else "")
                + "</p>"
                if r.get("checked") is not None
                else (f"<p class=small>{escape(r['check_reason'])}</p>" if r.get("check_reason") else "")
            )
            + "<p><b>Citations :</b></p>"
            + (f"<ul>{cites}</ul>" if cites else "<p>aucune</p>")
        )
    retrieved = r.get("retrieved") or [{"file": f, "page": None, "score": None} for f in r["retrieved_files"]]
    lines = "".join(
        f'<tr class="{"gold" if Path(h["file"]).name in gold else ""}"><td class="n">{i}</td>'
        f"<td>{_link(corpus, h['file'], h.get('page'))}</td><td class=n>{_fmt(h.get('page'))}</td>"
        f"<td class=n>{_fmt(h.get('score'))}</td><td>{'oui' if i <= given else ''}</td></tr>"
        for i, h in enumerate(retrieved, start=1)
    )
    kind = f"<span class=badge>{escape(q['kind'])}</span>" if q.get("kind") else ""
    return (
        f'<div class="fail {r["failure"]}" id="{escape(q["id"])}"><h3>{escape(q["id"])}{kind}'
        f"<span class=badge>{escape(REASON_LABELS[r['failure']])}</span></h3>"
        + (f"<p class=small>Échanges précédents :</p><ul class=small>{history}</ul>" if history else "")
        + f"<p><b>Question :</b> {escape(q['question'])}</p>{expected}{answer}"
        f"<p><b>Retrouvé</b> (rang du premier fichier attendu : {_fmt(r.get('gold_rank'))}) :</p>"
        "<table><tr><th>rang</th><th>fichier</th><th>page</th><th>score</th><th>donné au modèle</th></tr>"
        f"{lines}</table></div>"
    )


def write_report(path: Path, questions: list[dict], rows: list[dict], metrics: dict) -> None:
    """Write a self-contained HTML page (inline CSS and SVG, no request made when opened)."""
    by_id = {q["id"]: q for q in questions}
    corpus = metrics.get("run", {}).get("corpus")
    given = metrics.get("run", {}).get("context_extracts") or 0
    failed = sorted((r for r in rows if r.get("failure")), key=lambda r: REASONS.index(r["failure"]))
    figures = (
        '<h2>Chiffres clés</h2><div class="grid">'
        + _table("Réponses", metrics["answers"])
        + _table("Citations", metrics["citations"])
        + _table("Latence (secondes)", metrics["latency_s"])
        + (_table("Phrase de preuve affichée (secondes)", metrics["evidence_s"]) if "evidence_s" in metrics else "")
        + (_table("Vérification des réponses", metrics["answer_check"]) if "answer_check" in metrics else "")
        + _failures(metrics)
        + "</div>"
    )
    body = "".join(
        [
            _header(metrics),
            figures,
            _retrieval(metrics),
            _kinds(metrics),
            _latency(rows),
            f"<h2>Questions en échec ({len(failed)})</h2>",
            "".join(_failed(by_id[r["id"]], r, corpus, given) for r in failed) or "<p>Aucune.</p>",
        ]
    )
    path.write_text(
        '<!doctype html><html lang="fr"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Évaluation registre</title><style>{STYLE}</style><body>{body}</body></html>",
        encoding="utf-8",
    )
