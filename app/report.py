"""The evaluation report a person reads: headline figures, a plot of ranks, and every failed question."""

from __future__ import annotations

from collections import Counter
from html import escape
from pathlib import Path


def _fmt(value) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if isinstance(value, float) else escape(str(value))


def _table(title: str, values: dict) -> str:
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{_fmt(v)}</td></tr>" for k, v in values.items())
    return f"<h2>{escape(title)}</h2><table>{rows}</table>"


def _rank_plot(rows: list[dict]) -> str:
    """A bar chart (inline SVG) of where the first gold file was ranked."""
    counts = Counter(
        str(r["gold_rank"]) if r["gold_rank"] and r["gold_rank"] <= 10 else "absent"
        for r in rows
        if "gold_rank" in r and r.get("answerable")
    )
    labels = [str(i) for i in range(1, 11)] + ["absent"]
    top = max(counts.values(), default=1)
    bars = []
    for i, label in enumerate(labels):
        h = 120 * counts.get(label, 0) / top
        x = 10 + i * 44
        bars.append(
            f'<rect x="{x}" y="{140 - h:.0f}" width="34" height="{h:.0f}" fill="#3465a4"/>'
            f'<text x="{x + 17}" y="156" text-anchor="middle">{label}</text>'
            f'<text x="{x + 17}" y="{134 - h:.0f}" text-anchor="middle">{counts.get(label, 0)}</text>'
        )
    return (
        '<h2>Rang du premier document attendu</h2><svg width="500" height="165" font-size="11" role="img" '
        f'aria-label="rangs">{"".join(bars)}</svg>'
    )


def write_report(path: Path, questions: list[dict], rows: list[dict], metrics: dict) -> None:
    by_id = {q["id"]: q for q in questions}
    for r in rows:
        r.setdefault("answerable", by_id[r["id"]].get("answerable"))
    failed = []
    for r in rows:
        q = by_id[r["id"]]
        bad_rank = q.get("answerable") and (r["gold_rank"] is None or r["gold_rank"] > 5)
        bad_answer = r.get("answer") is not None and (
            (q.get("answerable") and not r.get("correct")) or (not q.get("answerable") and r.get("found"))
        )
        if bad_rank or bad_answer:
            failed.append(
                f"<tr><td>{escape(r['id'])}</td><td>{escape(q['question'])}</td>"
                f"<td>{escape(', '.join(q.get('gold_files') or ['(sans réponse)']))}</td>"
                f"<td>{escape(', '.join(r['retrieved_files'][:5]))}</td><td>{_fmt(r['gold_rank'])}</td>"
                f"<td>{escape(r.get('answer') or '')}</td></tr>"
            )
    body = "".join(
        [
            "<h1>Évaluation de registre</h1>",
            (
                f"<p>{metrics['n_questions']} questions, dont {metrics['n_answerable']} avec réponse. "
                f"Modèles : {escape(str(metrics.get('models')))}</p>"
            ),
            _table("Recherche (niveau fichier)", metrics["retrieval"]),
            _table("Réponses", metrics["answers"]),
            _table("Citations", metrics["citations"]),
            _table("Latence (s)", metrics["latency_s"]),
            _rank_plot(rows),
            f"<h2>Questions en échec ({len(failed)})</h2>",
            (
                "<table><tr><th>id</th><th>question</th><th>attendu</th><th>trouvé (top 5)</th><th>rang</th>"
                f"<th>réponse</th></tr>{''.join(failed)}</table>"
            ),
        ]
    )
    style = (
        "body{font-family:sans-serif;max-width:70em;margin:auto;padding:1em}table{border-collapse:collapse;"
        "margin-bottom:1em}td,th{border:1px solid #ccc;padding:.3em;text-align:left;vertical-align:top}"
    )
    path.write_text(
        f'<!doctype html><html lang="fr"><meta charset="utf-8"><title>Évaluation registre</title>'
        f"<style>{style}</style><body>{body}</body></html>",
        encoding="utf-8",
    )
