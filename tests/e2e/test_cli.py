"""The command line over a real index: staff search and the SCDL open-data export."""

from __future__ import annotations

import csv
import io
import json

from app import cli, scdl


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
    assert "3 délibérations" in printed and "DELIB_MATIERE_CODE" in printed  # unknown: reported, left empty
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
