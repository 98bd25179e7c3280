"""The `registre` command: ingest, ask, serve, status, search, export-scdl, eval, feedback, db."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import NoReturn

from app import db, wiring
from app.evaluation.questions import Question, QuestionFileError
from app.feedback import FeedbackError, eval_lines
from app.search.filters import OUTCOMES, SORTS, UNPRINTED
from app.settings import Settings
from index import postgres
from index.collectivites import UnknownCollectivite, resolve
from index.store import IndexError_, current, open_index
from ingest.acts import KINDS
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
    _publish(settings)
    return 0


def _publish(settings: Settings) -> None:
    """With a database, copy the index just published on files into it: every server switches to it."""
    name = wiring.publish(settings)
    if name is not None:
        print(f"index {name} publié dans la base PostgreSQL : les serveurs passent à cette version")


def plural(n: int, one: str, many: str | None = None) -> str:
    """« 0 document », « 1 document », « 2 documents »: French puts 0 and 1 in the singular."""
    return f"{n} {one if n <= 1 else many or one + 's'}"


def _print_report(report, file=None) -> None:
    state = "index publié" if report.published else "index déjà à jour"
    print(
        f"{state} : {plural(len(report.added), 'document ajouté', 'documents ajoutés')}, "
        f"{plural(len(report.replaced), 'remplacé')}, {plural(len(report.removed), 'retiré')}, "
        f"{plural(len(report.unchanged), 'inchangé')}, {plural(len(report.skipped), 'écarté')} ; "
        f"{plural(report.chunks, 'passage')}",
        file=file,
    )
    for s in report.skipped:
        print(f"  écarté {s.path} : {s.reason}", file=file)


def cmd_ask(args, settings: Settings) -> int:
    from app.http.schemas import question_problem

    problem = question_problem(args.question)  # the API's rule: no letter nor digit, no model run
    if problem:
        print(f"erreur : {problem[1]}", file=sys.stderr)
        return 2
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
    replaced = answer.checked is False or answer.refused_by == "check"  # the words streamed were not kept
    if answer.found or replaced:
        print()  # ends the line of the streamed words
    if replaced:
        why = f" ({answer.check_reason})" if answer.check_reason else ""
        where, then = (
            ("le passage cité", "voici la phrase du document")
            if answer.found
            else ("les documents", "elle n'est pas retenue")
        )
        print(
            f"La réponse rédigée ci-dessus n'a pas pu être vérifiée dans {where}{why} ; {then} :\n{answer.text}"
        )
    elif not answer.found:
        print(answer.text)
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

    problem = _cannot_listen(
        args.host, args.port
    )  # said before the models load, and in French (not uvicorn's)
    if problem:
        print(f"erreur : {problem}", file=sys.stderr)
        return 2
    app = create_app(settings)
    # The server's own lines are English and say nothing a city's IT team needs: only its warnings and errors
    # are shown, and one line in French. No access log: it would write every citizen's IP address to disk.
    print(
        f"registre : http://{args.host}:{args.port} dès que l'index et les modèles sont chargés "
        "(Ctrl+C pour arrêter)",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, log_level="warning")
    return 0


def _cannot_listen(host: str, port: int) -> str | None:
    """Why a server could not listen at host:port, or None when it can (the port is let go at once)."""
    import errno
    import socket

    try:
        family, kind, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: a port just freed is free
            s.bind(address)
    except socket.gaierror:
        return f"adresse d'écoute inconnue : « {host} » ; --host 127.0.0.1 (cette machine seule) ou 0.0.0.0 (toutes)"
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            return f"le port {port} est déjà pris sur {host} (un autre serveur ?) : arrêtez-le, ou choisissez --port"
        if e.errno == errno.EACCES:
            return f"le port {port} est réservé à l'administrateur : choisissez --port au-delà de 1023"
        return f"impossible d'écouter sur {host} : cette adresse n'est pas l'une de cette machine (--host)"
    return None


# How a sync ended (ingest.sync.SyncReport.outcome), as `registre status` says it.
OUTCOME_WORDS = {"succeeded": "réussie", "refused": "REFUSÉE", "failed": "ÉCHEC"}


def cmd_status(args, settings: Settings) -> int:
    database = wiring.database(settings)
    if database is not None:  # the version the servers read, from a schema this registre reads
        database.check()
        index = postgres.load(database.connection)
    else:
        index = open_index(settings.index_dir) if current(settings.index_dir) is not None else None
    if index is None:
        status: dict = {
            "indexed": False,
            "index_dir": str(settings.index_dir),
            "documents": [],
            "skipped": [],
        }
    else:
        published = datetime.fromtimestamp(index.published, UTC)
        status = {
            "indexed": True,
            "index_dir": str(index.folder) if index.folder is not None else index.where,
            "index_version": index.version,
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
    ratings = wiring.ratings(settings)
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
        where = postgres.WHERE if settings.database_url else settings.index_dir
        print(f"Aucun index dans {where}. Lancez `registre ingest DOSSIER`.")
    else:
        print(
            f"index {status['index_version']} (publié le {status['published']}) : "
            f"{plural(status['n_documents'], 'document')}, {plural(status['n_chunks'], 'passage')}, "
            f"encodeur {status['embedder']}, corpus {status['corpus']}"
        )
        for s in status["skipped"]:
            print(f"  écarté {s['path']} : {s['reason']}")
    for name, sync in status["sync"].items():
        print(
            f"dernière synchronisation de {name} : {sync['finished']}, {OUTCOME_WORDS[sync['outcome']]} : "
            f"{plural(sync['added'], 'ajouté')}, {sync['updated']} mis à jour, {plural(sync['removed'], 'retiré')}, "
            f"{plural(sync['unchanged'], 'inchangé')}"
            + (
                f", {plural(sync['failed'], 'fichier non téléchargé', 'fichiers non téléchargés')}"
                if sync["failed"]
                else ""
            )
            + "".join(f" ; {said}" for said in (sync["error"], sync["stopped"]) if said)
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
    except httpx.TimeoutException:
        return {"error": "injoignable (délai dépassé)"}
    except httpx.HTTPError as e:  # httpx says why in English: the kind of failure is enough here
        return {"error": f"injoignable (connexion impossible : {type(e).__name__})"}
    if r.status_code in (401, 403):
        return {
            "error": f"{r.status_code} : donnez à REGISTRE_ADMIN_TOKEN le jeton d'administration du serveur"
        }
    if r.status_code != 200:
        return {"error": f"GET /metrics a répondu {r.status_code}"}
    return health(r.text)


def _print_feedback_counts(f: dict) -> None:
    print(
        f"avis des {f['retention_days']} derniers jours : {f['up']} 👍, {f['down']} 👎 ({f['down_refused']} "
        f"sur un refus), {f['questions']} avec la question jointe"
    )


def _seconds(value: float | None) -> str:
    return (
        "-" if value is None else "au-delà du dernier palier" if value == float("inf") else f"≤ {value:g} s"
    )


def _print_server_health(h: dict) -> None:
    if "error" in h:
        print(f"serveur {h['url']} : {h['error']}")
        return
    kinds = ", ".join(f"{n} {kind}" for kind, n in h["by_kind"].items())
    refusals = ", ".join(f"{reason} {n}" for reason, n in h["refusals"].items())
    rate = "-" if h["refusal_rate"] is None else f"{h['refusal_rate']:.0%}"
    speed = "-" if h["tokens_per_s"] is None else f"{h['tokens_per_s']:.1f}"
    q = h["queue"]
    print(
        f"serveur {h['url']} : index {h['index_version']}, {plural(h['documents'], 'document')}, "
        f"modèle {h['model'] or '-'}\n"
        f"  depuis le démarrage : {plural(h['answers'], 'réponse')} ({kinds}) ; taux de refus {rate} ({refusals})\n"
        f"  temps médians : sources {_seconds(h['sources_p50_s'])}, premier mot "
        f"{_seconds(h['first_token_p50_s'])} (p95 {_seconds(h['first_token_p95_s'])}), réponse entière "
        f"{_seconds(h['answer_p50_s'])} ; {speed} jetons/s\n"
        f"  file d'attente : {q['running']} en réponse, {q['waiting']} en attente, place pour {q['capacity']} ; "
        f"{plural(h['rejected_busy'], 'refusée')} faute de place (503) ; "
        f"{plural(h['server_errors'], 'erreur')} du serveur sur {plural(h['requests'], 'requête')}"
    )


def cmd_search(args, settings: Settings) -> int:
    from app.http.schemas import SearchResponse
    from app.search import Filters, search_acts

    index = wiring.open_served(settings, None)
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
    print(plural(results.total, "acte"))
    for a in results.acts:
        vote = f" — {a.vote.text} (p. {a.vote.page})" if a.vote else ""
        number = f" n° {a.act_number}" if a.act_number else ""
        when = a.seance_date or "date inconnue"
        print(f"- {when} — {a.kind}{number} : {a.title[:110]}{vote}\n  {a.file}, page {a.page}")
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
            _publish(settings)
        except (SyncRunning, SourcesError, db.DatabaseError) as e:
            if every is None:
                raise
            print(f"erreur : {e}", file=sys.stderr)  # a schedule goes on: the next round may succeed
        else:
            if every is None:
                return 0 if report.ok else 1
        args.rebuild = False
        print(f"prochaine synchronisation : {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(time.time() + every))}",
              flush=True)  # fmt: skip
        time.sleep(every)


def cmd_export_scdl(args, settings: Settings) -> int:
    from app import scdl

    index = wiring.open_served(settings, None)
    out = Path(args.out)
    if args.collectivite:
        targets: dict[Path, str | None] = {out: resolve(args.collectivite, index.documents.values())}
    else:
        targets = scdl.files(index, out)
    if len(targets) > 1:  # SCDL: one collectivité per file
        print(
            f"L'index tient les délibérations de {len(targets)} collectivités : une par fichier, à côté de "
            f"{out.name} (--collectivite NOM pour le seul fichier {out.name})."
        )
    problems: list[str] = []
    for path, key in targets.items():
        n, found = scdl.write(index, path, settings.collectivite_siret, settings.public_url, key)
        problems += found
        written = plural(n, "délibération écrite", "délibérations écrites")
        print(f"{written} dans {path} (SCDL délibérations)")
    empty = sorted({p.split(", ")[1].split(" :")[0] for p in problems if p.endswith("obligatoire, vide")})
    if empty:
        print(
            f"colonnes obligatoires laissées vides, faute de les lire dans les documents : {', '.join(empty)}"
        )
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
            f"dossier introuvable : {corpus.resolve()} (--corpus doit être un dossier de PDF)"
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
    assistant = wiring.eval_assistant(settings, root, emb, with_llm=not args.retrieval_only)
    if settings.database_url:
        print(f"index {assistant.index.version} lu dans la base PostgreSQL", file=sys.stderr)
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
    print(f"rapport : {Path(args.out).resolve() / 'report.html'}", file=sys.stderr)
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
    from ingest.pipeline import ingest

    emb = wiring.embedder(settings)

    def assistant_for(labelled: LabelledSet):
        """The assistant over the set's evaluation index, brought up to date first (as `registre eval`)."""
        root = wiring.eval_root(settings, labelled.corpus)
        ingest(labelled.corpus, root, emb, ocr=settings.ocr, log=lambda line: print(line, file=sys.stderr),
               workers=settings.ingest_workers)  # fmt: skip
        return wiring.eval_assistant(settings, root, emb)

    out = Path(args.out) if args.out else WEIGHTS
    about = train(sets, assistant_for, out, log=lambda m: print(m, file=sys.stderr))
    print(json.dumps(about, indent=2, ensure_ascii=False))
    return 0


def cmd_feedback_list(args, settings: Settings) -> int:
    ratings = wiring.ratings(settings)
    rows = ratings.recent(None if args.rating == "all" else args.rating, args.limit)
    if args.json:
        print(json.dumps([asdict(f) for f in rows], indent=2, ensure_ascii=False, default=str))
        return 0
    print(
        f"{plural(len(rows), 'avis', 'avis')}, du plus récent au plus ancien (gardés {ratings.retention_days} jours)"
    )
    for f in rows:
        how = f"refus ({f.refused_by})" if f.refused_by else f"rédigée par : {f.generated_by or '?'}"
        rating = "👍" if f.rating == "up" else "👎"
        print(f"#{f.id} {f.day} {rating} : {how}, modèle {f.model or '-'}, index {f.index_version or '-'}")
        print(f"  question : « {f.question} »" if f.question else "  question : non jointe")
        if f.comment:
            print(f"  commentaire : « {f.comment} »")
        for c in f.citations:
            print(f"  cité : {c.file}, page {c.page}" + (f", n° {c.act}" if c.act else ""))
    return 0


def cmd_feedback_export(args, settings: Settings) -> int:
    down = wiring.ratings(settings).recent("down", None)
    lines = eval_lines(down[::-1])  # oldest first: a later export adds its lines at the end
    text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    print(
        f"{plural(len(lines), 'question écrite', 'questions écrites')}{f' dans {args.out}' if args.out else ''} "
        f"({plural(len(down), 'avis négatif', 'avis négatifs')}, {len(down) - len(lines)} sans la question jointe) ; "
        "remplissez `answer` et `must_include` de chacune, puis lancez `registre eval --questions FICHIER`",
        file=sys.stderr,
    )
    return 0


def _database(settings: Settings) -> db.Database:
    found = wiring.database(settings)
    if found is None:
        raise db.DatabaseError(
            "REGISTRE_DATABASE_URL n'est pas défini : sans base PostgreSQL, registre garde tout dans des fichiers "
            "et n'a pas de schéma à mettre à jour."
        )
    return found


def cmd_db_upgrade(args, settings: Settings) -> int:
    with _database(settings).connection() as conn:
        before = db.version(conn)
        applied = db.upgrade(conn)
        after = db.version(conn)
    if not applied:
        print(f"schéma de la base déjà à jour : version {after}")
        return 0
    print(f"schéma de la base mis à jour : version {before} → {after}")
    for m in applied:
        print(f"  {m.version:03d} {m.name}")
    return 0


def cmd_db_status(args, settings: Settings) -> int:
    with _database(settings).connection() as conn:
        at = db.version(conn)
    wanted = db.latest()
    if at == wanted:
        state = "à jour"
    elif at < wanted:
        state = "en retard : lancez `registre db upgrade`"
    else:
        state = "plus récent que ce registre : mettez registre à jour"
    print(f"schéma de la base : version {at}, ce registre attend la version {wanted} ({state})")
    return 0 if at == wanted else 1


def _warn_missing_gold(questions: list[Question], indexed: set[str]) -> None:
    """Say which gold files are not in the index: those questions cannot be retrieved, whatever the system."""
    missing = sorted({f for q in questions for f in q.gold_files or []} - indexed)
    if missing:
        shown = ", ".join(missing[:5]) + (f" … (+{len(missing) - 5})" if len(missing) > 5 else "")
        print(
            f"attention : {plural(len(missing), 'fichier de référence absent', 'fichiers de référence absents')} "
            f"du corpus indexé : {shown}",
            file=sys.stderr,
        )


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
        raise argparse.ArgumentTypeError(
            f"méthode de recherche inconnue {named} ; choisissez parmi {', '.join(MODES)}"
        )
    return modes


def _port(value: str) -> int:
    """A TCP port, 1 to 65535 (a larger number would be taken modulo 65536 by the system, silently)."""
    if not value.strip().isdigit() or not 1 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(f"« {value} » n'est pas un port : un nombre entier de 1 à 65535")
    return int(value)


def _date(value: str) -> str:
    """An ISO date given on the command line, or an error that says the format (never a silent 0 results)."""
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"date non comprise : « {value} » ; écrivez-la AAAA-MM-JJ, par exemple 2014-02-17"
        ) from None


# argparse's own English errors, said in French (the messages registre writes itself pass through as they are).
_ARGPARSE = [
    (r"the following arguments are required: (.*)", r"il manque : \1"),
    (r"unrecognized arguments: (.*)", r"arguments inconnus : \1"),
    (r"argument (\S+): invalid choice: (.*) \(choose from (.*)\)", r"argument \1 : \2 n'est pas admis (valeurs admises : \3)"),
    (r"argument (\S+): invalid int value: (.*)", r"argument \1 : \2 n'est pas un nombre entier"),
    (r"argument (\S+): expected one argument", r"argument \1 : il manque sa valeur"),
    (r"argument (\S+): (.*)", r"argument \1 : \2"),
]  # fmt: skip


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None) -> None:
        super().add_usage(usage, actions, groups, "usage : " if prefix is None else prefix)


class FrenchParser(argparse.ArgumentParser):
    """argparse, speaking French to the user: its usage line, its help and its errors."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "arguments"
        self.add_argument("-h", "--help", action="help", help="afficher cette aide")

    def error(self, message: str) -> NoReturn:
        import re

        for english, french in _ARGPARSE:
            if re.fullmatch(english, message, re.DOTALL):
                message = re.sub(english, french, message, flags=re.DOTALL)
                break
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog} : erreur : {message}\n")


def parser() -> argparse.ArgumentParser:
    p = FrenchParser(prog="registre", description="Questions en français sur les délibérations d'un conseil.")
    sub = p.add_subparsers(dest="command", required=True, title="commandes", metavar="COMMANDE")
    s = sub.add_parser("ingest", help="indexer chaque PDF du DOSSIER (seulement ce qui a changé)")
    s.add_argument("dir", metavar="DOSSIER", help="le dossier de PDF (ses sous-dossiers aussi)")
    s.add_argument("--rebuild", action="store_true", help="ignorer l'index existant et en construire un neuf")
    s.set_defaults(func=cmd_ingest)
    s = sub.add_parser("ask", help="répondre à une question, avec ses sources")
    s.add_argument("question", metavar="QUESTION", help="la question, entre guillemets")
    s.add_argument(
        "--collectivite", metavar="NOM", help="répondre avec les documents de cette collectivité seulement"
    )
    s.add_argument("--json", action="store_true", help="la réponse en JSON, comme l'API")
    s.set_defaults(func=cmd_ask)
    s = sub.add_parser("serve", help="démarrer l'API HTTP et la page de questions")
    s.add_argument(
        "--host", default="127.0.0.1", metavar="ADRESSE", help="adresse d'écoute (défaut : 127.0.0.1)"
    )
    s.add_argument("--port", type=_port, default=8000, help="port d'écoute (défaut : 8000)")
    s.set_defaults(func=cmd_serve)
    s = sub.add_parser(
        "status", help="ce qui est indexé, ce qui a été écarté et pourquoi, les avis, un serveur"
    )
    s.add_argument("--json", action="store_true", help="l'état en JSON")
    s.add_argument(
        "--server",
        metavar="URL",
        help="lire aussi l'état du serveur à URL (son /metrics, avec REGISTRE_ADMIN_TOKEN) ; par défaut, le "
        "port des métriques quand REGISTRE_METRICS_PORT est défini",
    )
    s.set_defaults(func=cmd_status)
    s = sub.add_parser("search", help="trouver des actes et des affaires (agents), avec des filtres")
    s.add_argument("query", nargs="?", default="", metavar="MOTS", help="des mots, un n° d'acte (2013/138)")
    s.add_argument(
        "--from", dest="date_from", type=_date, metavar="AAAA-MM-JJ", help="séances de ce jour ou après"
    )
    s.add_argument(
        "--to", dest="date_to", type=_date, metavar="AAAA-MM-JJ", help="séances de ce jour ou avant"
    )
    s.add_argument("--seance", type=_date, metavar="AAAA-MM-JJ", help="une seule séance")
    s.add_argument("--council", metavar="CONSEIL", help="conseil municipal, conseil de métropole…")
    s.add_argument(
        "--collectivite",
        metavar="NOM",
        help="Pierrefonds, Ville de Montpellier… (accents et majuscules indifférents)",
    )
    s.add_argument("--rapporteur", metavar="NOM", help="une partie du nom")
    s.add_argument("--outcome", choices=[*OUTCOMES, UNPRINTED], help="le vote imprimé")
    s.add_argument(
        "--kind", choices=KINDS, help="le type de document"
    )  # every kind the ingest gives a document
    s.add_argument("--sort", choices=SORTS, default="relevance", help="pertinence (défaut) ou date")
    s.add_argument("--page", type=int, default=1, metavar="N", help="la page de résultats (défaut : 1)")
    s.add_argument("--per-page", type=int, default=20, metavar="N", help="résultats par page (défaut : 20)")
    s.add_argument("--json", action="store_true", help="les résultats en JSON, comme l'API")
    s.set_defaults(func=cmd_search)
    s = sub.add_parser("sync", help="mettre à jour chaque source du fichier de sources, puis l'index")
    s.add_argument(
        "--sources",
        metavar="FICHIER",
        help="le fichier de sources (défaut : ./registre.toml, sinon dans REGISTRE_DATA_DIR)",
    )
    s.add_argument(
        "--every", metavar="6h", type=_every, help="recommencer à cet intervalle, sans fin (30m, 6h, 1d)"
    )
    s.add_argument("--rebuild", action="store_true", help="reconstruire l'index à partir des sources")
    s.set_defaults(func=cmd_sync)
    s = sub.add_parser("export-scdl", help="écrire les délibérations en données ouvertes SCDL (CSV)")
    s.add_argument(
        "--out",
        required=True,
        metavar="FICHIER",
        help="le CSV ; si l'index tient plusieurs collectivités, un fichier par collectivité à côté "
        "(FICHIER-nom.csv), sauf avec --collectivite",
    )
    s.add_argument(
        "--collectivite", metavar="NOM", help="les délibérations de cette collectivité seulement, dans --out"
    )
    s.set_defaults(func=cmd_export_scdl)
    s = sub.add_parser("eval", help="évaluer la chaîne sur un jeu de questions")
    s.add_argument("--corpus", required=True, metavar="DOSSIER", help="le dossier de PDF")
    s.add_argument("--questions", required=True, metavar="FICHIER", help="les questions (JSON Lines)")
    s.add_argument("--out", required=True, metavar="DOSSIER", help="où écrire les résultats et le rapport")
    s.add_argument(
        "--retrieval-only", action="store_true", help="la recherche seule, sans le modèle de langue"
    )
    s.add_argument("--limit", type=int, metavar="N", help="les N premières questions seulement")
    s.add_argument(
        "--compare",
        type=_modes,
        default=(),
        metavar="bm25,dense",
        help="évaluer aussi ces méthodes de recherche seules, sur le même index (bm25, dense, hybrid)",
    )
    s.set_defaults(func=cmd_eval)
    s = sub.add_parser(
        "train-ranker",
        help="ajuster le classeur de preuves sur des jeux étiquetés, validé en laissant un corpus de côté",
    )
    s.add_argument(
        "--set",
        dest="sets",
        action="append",
        type=_labelled_set,
        metavar="NOM=CORPUS:QUESTIONS",
        help="un jeu étiqueté (à répéter ; défaut : les trois jeux de développement de ../shared)",
    )
    s.add_argument(
        "--out", default=None, metavar="FICHIER", help="où écrire les poids (défaut : app/answer/ranker.json)"
    )
    s.set_defaults(func=cmd_train_ranker)
    s = sub.add_parser(
        "feedback", help="les avis des citoyens sur les réponses : les lister, en faire des questions"
    )
    fsub = s.add_subparsers(dest="action", required=True, title="actions", metavar="ACTION")
    f = fsub.add_parser("list", help="les derniers avis, du plus récent au plus ancien (négatifs par défaut)")
    f.add_argument("--rating", choices=["down", "up", "all"], default="down", help="down (défaut), up ou all")
    f.add_argument("--limit", type=int, default=20, metavar="N", help="combien (défaut : 20)")
    f.add_argument("--json", action="store_true", help="les avis en JSON")
    f.set_defaults(func=cmd_feedback_list)
    f = fsub.add_parser(
        "export",
        help="les réponses notées 👎 dont la question est jointe, en fichier de questions pour `registre eval`",
    )
    f.add_argument("--format", choices=["eval"], required=True, help="eval : le format de `registre eval`")
    f.add_argument("--out", metavar="FICHIER", help="le fichier à écrire (défaut : la sortie standard)")
    f.set_defaults(func=cmd_feedback_export)
    s = sub.add_parser(
        "db", help="la base PostgreSQL partagée par plusieurs serveurs (REGISTRE_DATABASE_URL)"
    )
    dsub = s.add_subparsers(dest="action", required=True, title="actions", metavar="ACTION")
    d = dsub.add_parser("upgrade", help="appliquer au schéma de la base les versions qui lui manquent")
    d.set_defaults(func=cmd_db_upgrade)
    d = dsub.add_parser("status", help="la version du schéma de la base, et celle qu'attend ce registre")
    d.set_defaults(func=cmd_db_status)
    return p


def _settings() -> Settings | None:
    """The settings, or None after saying in French which REGISTRE_ variable is wrong (never pydantic's trace)."""
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as e:
        for error in e.errors():
            name = "REGISTRE_" + "_".join(str(p) for p in error["loc"]).upper()
            said = str(error["msg"]).removeprefix("Value error, ")
            if error["type"] != "value_error":
                said = f"valeur non valide ({error.get('input')!r}) : voir le tableau des réglages du README"
            print(f"erreur : {said if name in said else f'{name} : {said}'}", file=sys.stderr)
        return None


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = _settings()
    if settings is None:
        return 2
    try:
        return args.func(args, settings)
    except (
        IndexError_,
        ModelError,
        FileNotFoundError,
        QuestionFileError,
        UnknownCollectivite,
        SourcesError,
        FeedbackError,
        db.DatabaseError,
    ) as e:
        print(f"erreur : {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
