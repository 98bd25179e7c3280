"""The command line over a real index: staff search, the SCDL open-data export, its French, its refusals."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from app import cli, scdl
from tests.conftest import DATA_DIR, SAMPLE

# Words of the English the command line used to print; none may come back in what a user reads.
ENGLISH = re.compile(
    r"\b(added|replaced|removed|unchanged|skipped|chunks|published|already|written|error|warning|rating|"
    r"No index|Run|not found|server|ready)\b"
)


# English the command line printed before it was said in French: a library's message passed on (TOML, JSON,
# httpx, a dataclass's TypeError) or argparse's own words (metavars taken from the option's name).
KNOWN_ENGLISH = (
    "Expected",
    "Expecting",
    "at line",
    "unexpected keyword argument",
    "Connection refused",
    "Errno",
    "PER_PAGE",
    "NAME=",
    "--out OUT",
    "--limit LIMIT",
    "--host HOST",
)


def test_search_and_export_on_the_command_line(council_data, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("REGISTRE_DATA_DIR", str(council_data))
    assert cli.main(["search", "2014/121", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["acts"][0]["act_number"] == "2014/121"
    out = tmp_path / "deliberations.csv"
    monkeypatch.setenv("REGISTRE_COLLECTIVITE_SIRET", "12345678900011")
    monkeypatch.setenv("REGISTRE_PUBLIC_URL", "https://registre.example.org")
    assert cli.main(["export-scdl", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert (
        f"3 délibérations écrites dans {out} (SCDL délibérations)" in printed
    )  # one collectivité: the file named
    assert "DELIB_MATIERE_CODE" in printed  # unknown: reported, left empty
    assert [p.name for p in tmp_path.iterdir()] == ["deliberations.csv"]
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert tuple(rows[0]) == scdl.COLUMNS
    subsidies = next(r for r in rows if r["DELIB_ID"] == "2014/121")
    assert subsidies["DELIB_DATE"] == "2014-02-17" and subsidies["COLL_NOM"] == "Ville de Montpellier"
    assert (subsidies["VOTE_POUR"], subsidies["PREF_ID"], subsidies["PREF_DATE"]) == (
        "55",
        "PREF034",
        "2014-02-20",
    )
    assert subsidies["BUDGET_ANNEE"] == "2014" and subsidies["COLL_SIRET"] == "12345678900011"
    assert subsidies["DELIB_URL"].startswith("https://registre.example.org/documents/")
    tax = next(r for r in rows if r["DELIB_ID"] == "2013/138")
    assert tax["VOTE_POUR"] == "" and tax["VOTE_REEL"] == ""  # no minutes of that séance: unknown, empty
    assert [p for p in scdl.problems(rows) if "obligatoire, vide" not in p] == []


def said(capsys) -> str:
    out = capsys.readouterr()
    return out.out + out.err


@pytest.mark.parametrize(
    ("question", "message"),
    [("", "La question est vide."), ("  ?! 😀", "La question ne contient aucun mot")],
)
def test_ask_refuses_a_question_without_a_letter_at_once_as_the_api_does(
    question, message, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("REGISTRE_DATA_DIR", str(tmp_path))  # no index, no model: neither is reached
    assert cli.main(["ask", question]) == 2
    assert said(capsys).startswith(f"erreur : {message}")


@pytest.mark.parametrize("flag", ["--from", "--to", "--seance"])
@pytest.mark.parametrize("value", ["hier", "17/02/2014", "2014-02-30"])
def test_search_refuses_a_date_it_cannot_read_and_says_the_format(flag, value, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("REGISTRE_DATA_DIR", str(tmp_path))
    with pytest.raises(SystemExit) as stopped:
        cli.main(["search", "budget", flag, value])
    assert stopped.value.code == 2
    message = said(capsys).splitlines()[-1]
    assert message == (
        f"registre search : erreur : argument {flag} : date non comprise : « {value} » ; écrivez-la AAAA-MM-JJ, "
        "par exemple 2014-02-17"
    )


def fresh_data_folder(tmp_path, monkeypatch):
    """A new data folder with the models a first run would assemble (linked), OCR off: what a newcomer has."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "models").symlink_to(DATA_DIR / "models")
    monkeypatch.setenv("REGISTRE_DATA_DIR", str(data))
    monkeypatch.setenv("REGISTRE_OCR", "false")
    return data


def test_a_newcomer_reads_french_from_ingest_to_export(tmp_path, monkeypatch, capsys):
    """ingest, status, search, export and the errors, in a fresh data folder, on the shipped sample."""
    data = fresh_data_folder(tmp_path, monkeypatch)
    lines: list[str] = []

    def run(*argv: str, code: int = 0) -> str:
        assert cli.main(list(argv)) == code, argv
        text = said(capsys)
        lines.extend(text.splitlines())
        return text

    assert run("status").startswith(f"Aucun index dans {data / 'index'}. Lancez `registre ingest DOSSIER`.")
    assert run("search", "budget", code=2).startswith("erreur : Aucun index dans")
    assert run("ingest", str(SAMPLE)).startswith(
        "index publié : 3 documents ajoutés, 0 remplacé, 0 retiré, 0 inchangé, 0 écarté ; "
    )
    assert run("ingest", str(SAMPLE)).startswith(
        "index déjà à jour : 0 document ajouté, 0 remplacé, 0 retiré, 3 inchangés"
    )
    assert re.match(r"index v\S+ \(publié le [^)]+\) : 3 documents, \d+ passages, encodeur ", run("status"))
    assert re.match(r"\d+ actes?\n", run("search", "intelligence artificielle"))
    assert run("ingest", str(tmp_path / "absent"), code=2).startswith("erreur : ")

    # Two collectivités: one file each beside the one named, and the output says so.
    out = tmp_path / "deliberations.csv"
    split = run("export-scdl", "--out", str(out))
    assert split.startswith(
        "L'index tient les délibérations de 2 collectivités : une par fichier, à côté de "
    )
    written = sorted(p.name for p in tmp_path.glob("deliberations*.csv"))
    assert len(written) == 2 and "deliberations.csv" not in written
    # One asked by name: the file named, and French plurals.
    one = run("export-scdl", "--out", str(out), "--collectivite", "Ville de Montpellier")
    assert f"1 délibération écrite dans {out} (SCDL délibérations)" in one
    (row,) = csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))
    assert (row["DELIB_ID"], row["PREF_DATE"]) == (
        "V2024-420",
        "2024-12-26",
    )  # « Réception en Préfecture : 26/12/24 »
    assert "PREF_DATE" not in one  # not among the columns left empty

    english = [line for line in lines if ENGLISH.search(re.sub(r"\S*/\S*", "", line))]  # paths aside
    assert not english, english


def test_a_wrong_setting_is_said_in_french_with_its_variable_not_as_a_trace(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("REGISTRE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("REGISTRE_CHAT_MAX_WAITING", "beaucoup")
    assert cli.main(["status"]) == 2
    assert said(capsys) == (
        "erreur : REGISTRE_CHAT_MAX_WAITING : valeur non valide ('beaucoup') : voir le tableau des réglages du README\n"
    )
    monkeypatch.delenv("REGISTRE_CHAT_MAX_WAITING")
    monkeypatch.setenv("REGISTRE_PUBLIC_URL", "registre.ville.fr")
    assert cli.main(["status"]) == 2
    assert said(capsys).startswith("erreur : REGISTRE_PUBLIC_URL doit commencer par https://")


def ingested_then_synced(tmp_path, capsys):
    """An index built by `registre ingest` from one folder, and a sources file whose source is another folder."""
    ingested, synced = tmp_path / "ingere", tmp_path / "depot"
    for folder, name in ((ingested, "M2023-352.pdf"), (synced, "V2024-420.pdf")):
        folder.mkdir()
        (folder / name).write_bytes((SAMPLE / name).read_bytes())
    sources = tmp_path / "registre.toml"
    sources.write_text(f'[[sources]]\nname = "depot"\nfolder = "{synced}"\n', encoding="utf-8")
    assert cli.main(["ingest", str(ingested)]) == 0
    said(capsys)
    return ingested, synced, sources


def test_sync_never_says_up_to_date_while_the_index_holds_another_folder(tmp_path, monkeypatch, capsys):
    """An index built by `registre ingest` from one folder, then `registre sync` with a source of another."""
    data = fresh_data_folder(tmp_path, monkeypatch)
    ingested, _, sources = ingested_then_synced(tmp_path, capsys)

    for _ in range(3):  # the first sync copies the files, the next ones find nothing new to copy
        assert cli.main(["sync", "--sources", str(sources)]) == 2
        out, err = capsys.readouterr()
        assert "index déjà à jour" not in out
        assert err.startswith(
            f"erreur : L'index publié dans {data / 'index'} a été construit depuis le dossier "
        )
        assert str(ingested) in err and "registre sync --rebuild" in err and "REGISTRE_DATA_DIR" in err
    assert cli.main(["status", "--json"]) == 0
    assert [d["path"] for d in json.loads(said(capsys))["documents"]] == ["M2023-352.pdf"]

    nothing = tmp_path / "vide.toml"
    nothing.write_text(f'[[sources]]\nname = "depot"\nfolder = "{tmp_path / "vide"}"\n', encoding="utf-8")
    (tmp_path / "vide").mkdir()
    assert cli.main(["sync", "--rebuild", "--sources", str(nothing)]) == 2  # nothing to replace it with
    assert "Aucun PDF n'a été synchronisé pour le remplacer" in said(capsys)

    assert cli.main(["sync", "--rebuild", "--sources", str(sources)]) == 0
    assert "index publié : 1 ajouté(s)" in said(capsys)
    assert cli.main(["sync", "--sources", str(sources)]) == 0
    assert "index déjà à jour" in said(capsys)
    assert cli.main(["status", "--json"]) == 0
    assert [d["path"] for d in json.loads(said(capsys))["documents"]] == ["depot/V2024-420.pdf"]


def test_status_says_how_the_last_sync_ended_refused_failed_or_succeeded(tmp_path, monkeypatch, capsys):
    """A sync refused (the index is another folder's) or failed is never reported « réussie » by status."""
    from models.fetch import ModelError

    fresh_data_folder(tmp_path, monkeypatch)
    ingested, synced, sources = ingested_then_synced(tmp_path, capsys)

    def last_sync() -> tuple[str, dict]:
        assert cli.main(["status"]) == 0
        line = next(
            x for x in said(capsys).splitlines() if x.startswith("dernière synchronisation de depot : ")
        )
        assert cli.main(["status", "--json"]) == 0
        return line, json.loads(said(capsys))["sync"]["depot"]

    assert cli.main(["sync", "--sources", str(sources)]) == 2
    refusal = said(capsys).split("erreur : ", 1)[1].strip()
    line, sync = last_sync()
    assert "réussie" not in line and ", REFUSÉE : 1 ajouté, 0 mis à jour" in line
    assert line.endswith(f" ; {refusal}") and str(ingested) in refusal
    assert (sync["ok"], sync["outcome"], sync["stopped"]) == (False, "refused", refusal)

    assert cli.main(["sync", "--rebuild", "--sources", str(sources)]) == 0
    said(capsys)
    line, sync = last_sync()
    assert ", réussie : 0 ajouté, 0 mis à jour, 0 retiré, 1 inchangé" in line and " ; " not in line
    assert (sync["ok"], sync["outcome"], sync["stopped"]) == (True, "succeeded", None)

    # A new file upstream, and no encoder to read it with: the sync fails, and status says so with the reason.
    (synced / "M2023-352.pdf").write_bytes((SAMPLE / "M2023-352.pdf").read_bytes())
    broken = "modèle d'encodage introuvable (essai)"

    def no_embedder(settings):
        raise ModelError(broken)

    monkeypatch.setattr(cli.wiring, "embedder", no_embedder)
    assert cli.main(["sync", "--sources", str(sources)]) == 2
    assert said(capsys).endswith(f"erreur : {broken}\n")
    line, sync = last_sync()
    assert ", ÉCHEC : 1 ajouté, 0 mis à jour, 0 retiré, 1 inchangé" in line and line.endswith(f" ; {broken}")
    assert (sync["ok"], sync["outcome"], sync["stopped"]) == (False, "failed", broken)
    assert cli.main(["status", "--json"]) == 0
    assert [d["path"] for d in json.loads(said(capsys))["documents"]] == [
        "depot/V2024-420.pdf"
    ]  # left as it was


def test_no_command_prints_the_english_it_used_to(tmp_path, monkeypatch, capsys):
    """Help, a server out of reach, broken sources and question files: every line French, names aside."""
    from tests.serving import free_port

    monkeypatch.setenv("REGISTRE_DATA_DIR", str(tmp_path))
    printed: list[str] = []

    def run(*argv: str, code: int) -> str:
        try:
            assert cli.main(list(argv)) == code, argv
        except SystemExit as stopped:  # --help and argparse's errors
            assert stopped.code == code, argv
        text = said(capsys)
        printed.append(text)
        return text

    for command in ([], ["ingest"], ["ask"], ["serve"], ["status"], ["search"], ["sync"], ["export-scdl"],
                    ["eval"], ["train-ranker"], ["feedback"], ["feedback", "list"], ["feedback", "export"]):  # fmt: skip
        assert run(*command, "--help", code=0).startswith("usage : registre")
    assert "injoignable (connexion impossible : " in run(
        "status", "--server", f"http://127.0.0.1:{free_port()}", code=0
    )
    broken = tmp_path / "registre.toml"
    broken.write_text('[[sources]]\nname "depot"\n', encoding="utf-8")
    assert f"{broken} n'est pas un fichier TOML valide, ligne 2, colonne 6 : " in run(
        "sync", "--sources", str(broken), code=2
    )
    broken.write_text(f'[download]\ndelai = 3\n\n[[sources]]\nfolder = "{SAMPLE}"\n', encoding="utf-8")
    assert "[download] : réglages inconnus ['delai'] (admis : " in run(
        "sync", "--sources", str(broken), code=2
    )
    questions = tmp_path / "questions.jsonl"
    questions.write_text('{"id": "q1", "question": "Qui ?", "answerable": false\n', encoding="utf-8")
    assert "ligne 1 : JSON invalide à la colonne " in run(
        "eval", "--corpus", str(SAMPLE), "--questions", str(questions), "--out", str(tmp_path / "e"), code=2
    )

    said_all = "\n".join(printed)
    assert [phrase for phrase in KNOWN_ENGLISH if phrase in said_all] == []
    # Words of English, once paths, options (--server) and variables (REGISTRE_ADMIN_TOKEN) are set aside.
    names = re.compile(r"\S*/\S*|--[\w-]+|\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b")
    english = [line for line in said_all.splitlines() if ENGLISH.search(names.sub("", line))]
    assert not english, english


def test_serve_says_in_french_that_its_port_is_taken_before_loading_anything(tmp_path, monkeypatch, capsys):
    import socket

    monkeypatch.setenv("REGISTRE_DATA_DIR", str(tmp_path))  # no index, no model: neither is reached
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        assert cli.main(["serve", "--port", str(port)]) == 2
    assert said(capsys) == (
        f"erreur : le port {port} est déjà pris sur 127.0.0.1 (un autre serveur ?) : arrêtez-le, ou choisissez "
        "--port\n"
    )
    with pytest.raises(SystemExit):
        cli.main(["serve", "--port", "99999"])  # taken modulo 65536 by the system, were it let through
    assert said(capsys).endswith(
        "argument --port : « 99999 » n'est pas un port : un nombre entier de 1 à 65535\n"
    )


def test_ask_says_when_the_words_it_streamed_were_replaced_by_the_document_s_sentence(
    sample_index, embedder, tmp_path, monkeypatch, capsys
):
    """The model's words print as they come; when the check rejects them the terminal says so, then shows the
    document's sentence (before, it showed the rejected words alone, a wrong figure among them)."""
    from app.answer.assistant import Assistant
    from tests.fakes import ScriptedLLM

    scripted = ScriptedLLM()
    scripted.enqueue("87 citoyens seront tirés au sort [1].")  # the act prints 40
    monkeypatch.setenv("REGISTRE_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(cli.wiring, "assistant", lambda settings: Assistant(sample_index, embedder, scripted))
    assert cli.main(["ask", "Combien de citoyens seront tirés au sort pour la convention citoyenne ?"]) == 0
    lines = said(capsys).splitlines()
    assert lines[0] == "87 citoyens seront tirés au sort [1]."  # streamed as the model wrote it
    assert lines[1] == (
        "La réponse rédigée ci-dessus n'a pas pu être vérifiée dans le passage cité (le chiffre 87 ne figure "
        "dans aucun extrait) ; voici la phrase du document :"
    )
    assert lines[2].startswith(
        "D'après la délibération n° M2023-352, page 1 : « 40 citoyens seront tirés au sort"
    )
    assert lines[3].startswith("[1] M2023-352.pdf, page 1, n° M2023-352")
