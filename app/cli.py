"""The `registre` command: ingest, ask, serve, status, search, export-scdl, eval, feedback."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from app import wiring
from app.evaluation.questions import Question, QuestionFileError
from app.feedback import FeedbackError, FeedbackStore, eval_lines
from app.settings import Settings
from index.collectivites import UnknownCollectivite, resolve
from index.store import IndexError_, current, open_index
from ingest.sources import SourcesError
from ingest.sync import last_syncs
from models.fetch import ModelError


def cmd_ingest(args, settings: Settings) -> int:
    from ingest.pipeline import ingest

    report = ingest(
        Path(args.dir),
        settings.index_dir,
        wiring.embedder(settings),
        rebuild=args.rebuild,
        ocr=settings.ocr,
        workers=settings.ingest_workers,
    )
    _print_report(report)
    return 0


def _print_report(report, file=None) -> None:
    state = "index published" if report.published else "index already up to date"
    print(
        f"{state}: {len(report.added)} added, {len(report.replaced)} replaced, {len(report.removed)} removed, "
        f"{len(report.unchanged)} unchanged, {len(report.skipped)} skipped; {report.chunks} chunks",
        file=file,
    )
    for s in report.skipped:
        print(f"  skipped {s.path}: {s.reason}", file=file)


def cmd_ask(args, settings: Settings) -> int:
    assistant = wiring.assistant(settings)
    scope = assistant.scope(args.collectivite) if args.collectivite else None
    answer = assistant.answer(
        args.question,
        on_piece=None if args.json else lambda p: print(p, end="", flush=True),
        collectivite=scope,
    )
    if args.json:
        from app.http.schemas import ChatResponse

        response = ChatResponse.of(
            answer, settings.human_contact, settings.public_url, model_label=settings.model_label
        )
        print(response.model_dump_json(indent=2))
        return 0
    print() if answer.found else print(answer.text)
    for c in answer.citations:
        print(
            f"[{c.n}] {c.file}, page {c.page}"
            + (f", n° {c.act}" if c.act else "")
            + (f", séance du {c.seance_date}" if c.seance_date else "")
        )
    print(f"\n{answer.notice}\n{settings.human_contact}")
    return 0


def cmd_serve(args, settings: Settings) -> int:
    import uvicorn

    from app.http.app import create_app

    # No access log: it would write every citizen's IP address to disk.
    uvicorn.run(create_app(settings), host=args.host, port=args.port, access_log=False)
    return 0


def cmd_status(args, settings: Settings) -> int:
    if current(settings.index_dir) is None:
        status: dict = {
            "indexed": False,
            "index_dir": str(settings.index_dir),
            "documents": [],
            "skipped": [],
        }
    else:
        index = open_index(settings.index_dir)
        published = datetime.fromtimestamp((index.folder / "manifest.json").stat().st_mtime, UTC)
        status = {
            "indexed": True,
            "index_dir": str(index.folder),
            "index_version": index.folder.name,
            "published": published.isoformat(timespec="seconds"),
            "corpus": str(index.corpus),
            "embedder": index.embedder,
            "chunking": index.meta.get("chunking"),
            "n_documents": len(index.documents),
            "n_chunks": len(index.chunks),
            "documents": [
                {
                    "path": d.path,
                    "kind": d.kind,
                    "pages": d.pages,
                    "act": d.act_number,
                    "seance_date": d.seance_date,
                }
                for d in index.documents.values()
            ],
            "skipped": [{"path": s.path, "reason": s.reason} for s in index.skipped],
        }
    status["sync"] = last_syncs(settings.data_dir)
    ratings = FeedbackStore(settings.feedback_path, settings.feedback_retention_days)
    status["feedback"] = {"retention_days": ratings.retention_days, **ratings.counts()}
    server = args.server or (
        f"http://{settings.metrics_host}:{settings.metrics_port}" if settings.metrics_port else None
    )
    if server:
        status["server"] = {"url": server, **_server_health(server, settings)}
    if args.json:
        print(json.dumps(status, indent=2, ensure_ascii=False))
        return 0
    if not status["indexed"]:
        print(f"No index in {settings.index_dir}. Run `registre ingest DIR`.")
    else:
        print(
            f"index {status['index_version']} (published {status['published']}): {status['n_documents']} "
            f"documents, {status['n_chunks']} chunks, embedder {status['embedder']}, corpus {status['corpus']}"
        )
        for s in status["skipped"]:
            print(f"  skipped {s['path']}: {s['reason']}")
    for name, sync in status["sync"].items():
        print(
            f"last sync of {name}: {sync['finished']}, {'ok' if sync['ok'] else 'FAILED'}: {sync['added']} added, "
            f"{sync['updated']} updated, {sync['removed']} removed, {sync['unchanged']} unchanged"
            + (f", {sync['failed']} file(s) not fetched" if sync["failed"] else "")
            + (f"; {sync['error']}" if sync["error"] else "")
        )
    _print_feedback_counts(status["feedback"])
    if server:
        _print_server_health(status["server"])
    return 0


def _server_health(url: str, settings: Settings) -> dict:
    """What a running server's /metrics says, or why it could not be read."""
    import httpx

    from app.http.metrics import health

    headers = {"Authorization": f"Bearer {settings.admin_token}"} if settings.admin_token else {}
    try:
        r = httpx.get(url.rstrip("/") + "/metrics", headers=headers, timeout=10)
    except httpx.HTTPError as e:
        return {"error": f"unreachable ({e})"}
    if r.status_code in (401, 403):
        return {"error": f"{r.status_code}: set REGISTRE_ADMIN_TOKEN to the server's admin token"}
    if r.status_code != 200:
        return {"error": f"GET /metrics answered {r.status_code}"}
    return health(r.text)


def _print_feedback_counts(f: dict) -> None:
    print(
        f"ratings (last {f['retention_days']} days): {f['up']} up, {f['down']} down ({f['down_refused']} on a "
        f"refusal), {f['questions']} with the question joined"
    )


def _seconds(value: float | None) -> str:
    return "-" if value is None else "over the last bucket" if value == float("inf") else f"≤ {value:g} s"


def _print_server_health(h: dict) -> None:
    if "error" in h:
        print(f"server {h['url']}: {h['error']}")
        return
    kinds = ", ".join(f"{n} {kind}" for kind, n in h["by_kind"].items())
    refusals = ", ".join(f"{reason} {n}" for reason, n in h["refusals"].items())
    rate = "-" if h["refusal_rate"] is None else f"{h['refusal_rate']:.0%}"
    speed = "-" if h["tokens_per_s"] is None else f"{h['tokens_per_s']:.1f}"
    q = h["queue"]
    print(
        f"server {h['url']}: index {h['index_version']}, {h['documents']} documents, model {h['model'] or '-'}\n"
        f"  since start: {h['answers']} answers ({kinds}); refusal rate {rate} ({refusals})\n"
        f"  median times: sources {_seconds(h['sources_p50_s'])}, first word {_seconds(h['first_token_p50_s'])} "
        f"(p95 {_seconds(h['first_token_p95_s'])}), whole answer {_seconds(h['answer_p50_s'])}; "
        f"{speed} tokens/s\n"
        f"  queue now: {q['running']} answering, {q['waiting']} waiting, room for {q['capacity']}; "
        f"{h['rejected_busy']} turned away busy (503); {h['server_errors']} server errors in {h['requests']} "
        "requests"
    )


def cmd_search(args, settings: Settings) -> int:
    from app.http.schemas import SearchResponse
    from app.search import Filters, search_acts

    index = open_index(settings.index_dir)
    filters = Filters(
        date_from=args.date_from,
        date_to=args.date_to,
        council=args.council,
        rapporteur=args.rapporteur,
        outcome=args.outcome,
        kind=args.kind,
        seance=args.seance,
        collectivite=args.collectivite,
    )
    results = search_acts(index, args.query, filters, args.sort, args.page, args.per_page)
    if args.json:
        print(SearchResponse.of(results).model_dump_json(indent=2))
        return 0
    print(f"{results.total} acte(s)")
    for a in results.acts:
        vote = f" — {a.vote.text} (p. {a.vote.page})" if a.vote else ""
        number = f" n° {a.act_number}" if a.act_number else ""
        print(f"- {a.seance_date or '?'} {a.kind}{number}: {a.title[:110]}{vote}\n  {a.file}, page {a.page}")
    return 0


def cmd_sync(args, settings: Settings) -> int:
    import time

    from ingest.sources import default_path, read_sources
    from ingest.sync import SyncRunning, sync

    path = (
        Path(args.sources)
        if args.sources
        else settings.sources or default_path(Path.cwd(), settings.data_dir)
    )
    every = args.every
    while True:
        try:
            sources = read_sources(path)  # read again each time: an edit applies at the next sync
            report = sync(
                sources,
                settings.data_dir,
                settings.index_dir,
                lambda: wiring.embedder(settings),
                rebuild=args.rebuild,
                ocr=settings.ocr,
                workers=settings.ingest_workers,
                log=lambda line: print(line, flush=True),
            )
        except (SyncRunning, SourcesError) as e:
            if every is None:
                raise
            print(f"error: {e}", file=sys.stderr)  # a schedule goes on: the next round may succeed
        else:
            if every is None:
                return 0 if report.ok else 1
        args.rebuild = False
        print(f"prochaine synchronisation : {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(time.time() + every))}",
              flush=True)  # fmt: skip
        time.sleep(every)


def cmd_export_scdl(args, settings: Settings) -> int:
    from app import scdl

    index = open_index(settings.index_dir)
    out = Path(args.out)
    if args.collectivite:
        targets: dict[Path, str | None] = {out: resolve(args.collectivite, index.documents.values())}
    else:
        targets = scdl.files(index, out)
    problems: list[str] = []
    for path, key in targets.items():
        n, found = scdl.write(index, path, settings.collectivite_siret, settings.public_url, key)
        problems += found
        print(f"{n} délibérations written to {path} (SCDL délibérations)")
    empty = sorted({p.split(", ")[1].split(" :")[0] for p in problems if p.endswith("obligatoire, vide")})
    if empty:
        print(f"required columns left empty, unknown from the documents: {', '.join(empty)}")
    broken = [p for p in problems if not p.endswith("obligatoire, vide")]
    for p in broken:
        print(f"  {p}", file=sys.stderr)
    return 1 if broken else 0


def cmd_eval(args, settings: Settings) -> int:
    from app.evaluation.questions import load_questions
    from app.evaluation.run import run
    from ingest.pipeline import ingest

    corpus = Path(args.corpus)
    if not corpus.is_dir():
        raise FileNotFoundError(
            f"corpus folder not found: {corpus.resolve()} (--corpus must be a folder of PDFs)"
        )
    questions = load_questions(Path(args.questions), args.limit)  # a bad line stops the run before indexing
    root = wiring.eval_root(settings, corpus)
    emb = wiring.embedder(settings)
    # stdout carries the metrics JSON alone; what happens along the way goes to stderr.
    report = ingest(
        corpus,
        root,
        emb,
        ocr=settings.ocr,
        log=lambda line: print(line, file=sys.stderr),
        workers=settings.ingest_workers,
    )
    _print_report(report, file=sys.stderr)
    assistant = wiring.assistant(settings, root, with_llm=not args.retrieval_only, emb=emb)
    _warn_missing_gold(questions, {Path(d.path).name for d in assistant.index.documents.values()})
    models = {"embedder": emb.name, "llm": getattr(assistant.llm, "name", None)}
    about = {
        "corpus": str(corpus.resolve()),
        "questions": str(Path(args.questions).resolve()),
        "limit": args.limit,
    }
    metrics = run(
        assistant,
        questions,
        Path(args.out),
        args.retrieval_only,
        models,
        progress=True,
        compare=args.compare,
        about=about,
    )
    print(json.dumps(metrics, indent=2, ensure_ascii=False))
    print(f"report: {Path(args.out).resolve() / 'report.html'}", file=sys.stderr)
    return 0


DEV_SETS = (
    ("montpellier", "montpellier", "dev-questions.jsonl"),
    ("pierrefonds", "pierrefonds", "dev2-questions.jsonl"),
    ("taluyers", "taluyers", "dev3-questions.jsonl"),
)


def _labelled_set(value: str):
    from app.evaluation.ranker_training import LabelledSet

    name, _, paths = value.partition("=")
    corpus, _, questions = paths.partition(":")
    if not (name and corpus and questions):
        raise argparse.ArgumentTypeError(f"« {value} » : attendu NOM=DOSSIER_DU_CORPUS:FICHIER_DE_QUESTIONS")
    return LabelledSet(name, Path(corpus), Path(questions))


def cmd_train_ranker(args, settings: Settings) -> int:
    from app.answer.ranker import WEIGHTS
    from app.evaluation.ranker_training import LabelledSet, train

    shared = Path(__file__).resolve().parents[1].parent / "shared"
    sets = args.sets or [
        LabelledSet(name, shared / "corpus" / corpus, shared / "eval" / questions)
        for name, corpus, questions in DEV_SETS
    ]
    for s in sets:
        if not s.corpus.is_dir() or not s.questions.is_file():
            raise FileNotFoundError(f"jeu « {s.name} » introuvable : {s.corpus} ou {s.questions}")
    about = train(
        sets, settings, Path(args.out) if args.out else WEIGHTS, log=lambda m: print(m, file=sys.stderr)
    )
    print(json.dumps(about, indent=2, ensure_ascii=False))
    return 0


def cmd_feedback_list(args, settings: Settings) -> int:
    ratings = FeedbackStore(settings.feedback_path, settings.feedback_retention_days)
    rows = ratings.recent(None if args.rating == "all" else args.rating, args.limit)
    if args.json:
        print(json.dumps([asdict(f) for f in rows], indent=2, ensure_ascii=False, default=str))
        return 0
    print(f"{len(rows)} rating(s), newest first (kept {ratings.retention_days} days)")
    for f in rows:
        how = f"refused ({f.refused_by})" if f.refused_by else f"generated by {f.generated_by or '?'}"
        print(f"#{f.id} {f.day} {f.rating}: {how}, model {f.model or '-'}, index {f.index_version or '-'}")
        print(f"  question: « {f.question} »" if f.question else "  question: not joined")
        if f.comment:
            print(f"  comment: « {f.comment} »")
        for c in f.citations:
            print(f"  cited: {c.file}, page {c.page}" + (f", n° {c.act}" if c.act else ""))
    return 0


def cmd_feedback_export(args, settings: Settings) -> int:
    down = FeedbackStore(settings.feedback_path, settings.feedback_retention_days).recent("down", None)
    lines = eval_lines(down[::-1])  # oldest first: a later export adds its lines at the end
    text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    print(
        f"{len(lines)} question(s) written{f' to {args.out}' if args.out else ''} "
        f"({len(down)} rated down, {len(down) - len(lines)} without the question joined); fill `answer` and "
        "`must_include` of each, then run `registre eval --questions FILE`",
        file=sys.stderr,
    )
    return 0


def _warn_missing_gold(questions: list[Question], indexed: set[str]) -> None:
    """Say which gold files are not in the index: those questions cannot be retrieved, whatever the system."""
    missing = sorted({f for q in questions for f in q.gold_files or []} - indexed)
    if missing:
        shown = ", ".join(missing[:5]) + (f" … (+{len(missing) - 5})" if len(missing) > 5 else "")
        print(f"warning: {len(missing)} gold file(s) are not in the indexed corpus: {shown}", file=sys.stderr)


def _every(value: str) -> float:
    from ingest.sync import parse_every

    try:
        return parse_every(value)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _modes(value: str) -> tuple[str, ...]:
    from index.search import MODES

    modes = tuple(dict.fromkeys(m.strip() for m in value.split(",") if m.strip()))
    unknown = [m for m in modes if m not in MODES]
    if unknown or not modes:
        named = ", ".join(unknown) if unknown else repr(value)
        raise argparse.ArgumentTypeError(f"unknown retriever {named}; choose among {', '.join(MODES)}")
    return modes


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="registre", description="Questions en français sur les délibérations d'un conseil."
    )
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("ingest", help="index every PDF under DIR (incremental)")
    s.add_argument("dir")
    s.add_argument("--rebuild", action="store_true", help="ignore the existing index and build a new one")
    s.set_defaults(func=cmd_ingest)
    s = sub.add_parser("ask", help="answer one question, with its sources")
    s.add_argument("question")
    s.add_argument("--collectivite", help="answer from this collectivité's documents only")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_ask)
    s = sub.add_parser("serve", help="start the HTTP API and the chat page")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.set_defaults(func=cmd_serve)
    s = sub.add_parser("status", help="what is indexed, what was skipped and why, ratings, a server's health")
    s.add_argument("--json", action="store_true")
    s.add_argument(
        "--server",
        metavar="URL",
        help="also read the health of the server at URL (its /metrics, with REGISTRE_ADMIN_TOKEN); "
        "default: the metrics port when REGISTRE_METRICS_PORT is set",
    )
    s.set_defaults(func=cmd_status)
    s = sub.add_parser("search", help="find acts and affaires (council staff), with filters")
    s.add_argument("query", nargs="?", default="")
    s.add_argument("--from", dest="date_from", help="séances on or after this ISO date")
    s.add_argument("--to", dest="date_to", help="séances on or before this ISO date")
    s.add_argument("--seance", help="one séance, ISO date")
    s.add_argument("--council")
    s.add_argument("--collectivite", help="Pierrefonds, Ville de Montpellier… (accents and case ignored)")
    s.add_argument("--rapporteur")
    s.add_argument("--outcome", choices=["unanimité", "majorité", "adopté", "rejeté"])
    s.add_argument("--kind", choices=["délibération", "procès-verbal", "compte rendu"])
    s.add_argument("--sort", choices=["relevance", "date", "date_asc"], default="relevance")
    s.add_argument("--page", type=int, default=1)
    s.add_argument("--per-page", type=int, default=20)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_search)
    s = sub.add_parser("sync", help="bring every source of the sources file up to date, then the index")
    s.add_argument("--sources", help="the sources file (default: ./registre.toml, else in REGISTRE_DATA_DIR)")
    s.add_argument(
        "--every", metavar="6h", type=_every, help="sync again at this interval, forever (30m, 6h, 1d)"
    )
    s.add_argument("--rebuild", action="store_true", help="build the index anew from the sources")
    s.set_defaults(func=cmd_sync)
    s = sub.add_parser("export-scdl", help="write the délibérations as SCDL open data (CSV)")
    s.add_argument(
        "--out",
        required=True,
        help="the CSV; with several collectivités, one file each beside it (FILE-name.csv)",
    )
    s.add_argument("--collectivite", help="this collectivité's délibérations only, in --out")
    s.set_defaults(func=cmd_export_scdl)
    s = sub.add_parser("eval", help="score the pipeline on a question set")
    s.add_argument("--corpus", required=True)
    s.add_argument("--questions", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--retrieval-only", action="store_true")
    s.add_argument("--limit", type=int, help="only the first N questions")
    s.add_argument(
        "--compare",
        type=_modes,
        default=(),
        metavar="bm25,dense",
        help="also score these retrievers alone on the same index (bm25, dense, hybrid)",
    )
    s.set_defaults(func=cmd_eval)
    s = sub.add_parser(
        "train-ranker",
        help="fit the evidence ranker on labelled question sets, validated leave-one-corpus-out",
    )
    s.add_argument(
        "--set",
        dest="sets",
        action="append",
        type=_labelled_set,
        metavar="NAME=CORPUS:QUESTIONS",
        help="a labelled set (repeat; default: the three development sets of ../shared)",
    )
    s.add_argument("--out", default=None, help="where to write the weights (default: app/answer/ranker.json)")
    s.set_defaults(func=cmd_train_ranker)
    s = sub.add_parser("feedback", help="the citizens' ratings of answers: list them, export a question set")
    fsub = s.add_subparsers(dest="action", required=True)
    f = fsub.add_parser("list", help="the latest ratings, newest first (rated down by default)")
    f.add_argument("--rating", choices=["down", "up", "all"], default="down")
    f.add_argument("--limit", type=int, default=20)
    f.add_argument("--json", action="store_true")
    f.set_defaults(func=cmd_feedback_list)
    f = fsub.add_parser(
        "export", help="the rated-down answers whose question was joined, as a `registre eval` question file"
    )
    f.add_argument("--format", choices=["eval"], required=True)
    f.add_argument("--out", help="file to write (default: standard output)")
    f.set_defaults(func=cmd_feedback_export)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args, Settings())
    except (
        IndexError_,
        ModelError,
        FileNotFoundError,
        QuestionFileError,
        UnknownCollectivite,
        SourcesError,
        FeedbackError,
    ) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
