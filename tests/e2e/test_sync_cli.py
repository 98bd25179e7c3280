"""The README's commands for a territory: `registre sync` from a sources file naming two collectivités' folders,
then `ask`, `search` and `export-scdl` scoped to one of them (the real small GGUF answers)."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest

from app import cli
from tests.conftest import DATA_DIR, SHARED

FILES = {
    "montpellier": ["deliberations/Delibs_2013_03_25/2013-03-25-0000062224.pdf"],  # TETRA
    "pierrefonds": ["conseil-municipal/20250527-PV.pdf"],  # D2025-019, the fontaine
}


@pytest.fixture
def territory(tmp_path, monkeypatch):
    for town, files in FILES.items():
        for rel in files:
            (tmp_path / town).mkdir(exist_ok=True)
            shutil.copy2(SHARED / "corpus" / town / rel, tmp_path / town / rel.rsplit("/", 1)[-1])
    sources = tmp_path / "registre.toml"
    sources.write_text(
        '[[sources]]\ncollectivite = "Ville de Montpellier"\nfolder = "montpellier"\n\n'
        '[[sources]]\ncollectivite = "Commune de Pierrefonds"\nfolder = "pierrefonds"\n'
        'public_url = "https://www.mairie-pierrefonds.fr/deliberations/"\n',
        encoding="utf-8",
    )
    data = tmp_path / "data"
    (data / "models").mkdir(parents=True)
    for model in (DATA_DIR / "models").iterdir():  # the weights already fetched, not copied
        (data / "models" / model.name).symlink_to(model)
    monkeypatch.setenv("REGISTRE_DATA_DIR", str(data))
    monkeypatch.setenv("REGISTRE_LLM", "smollm2-135m")
    monkeypatch.chdir(tmp_path)  # ./registre.toml is the default sources file
    return tmp_path


def test_sync_then_scoped_ask_search_and_export(territory, capsys):
    assert cli.main(["sync"]) == 0
    log = capsys.readouterr().out
    assert "[montpellier] dossier" in log and "[pierrefonds] dossier" in log and "index publié" in log
    assert cli.main(["sync"]) == 0  # nothing changed: nothing read again
    assert "index déjà à jour" in capsys.readouterr().out

    assert cli.main(["ask", "Quelle société a obtenu le marché du réseau TETRA ?", "--collectivite", "Pierrefonds",
                     "--json"]) == 0  # fmt: skip
    answer = json.loads(capsys.readouterr().out)
    assert all(c["file"].startswith("pierrefonds/") for c in answer["citations"] + answer["extracts"])

    assert cli.main(["search", "conseil", "--collectivite", "ville de montpellier", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["acts"] and {a["collectivite"] for a in found["acts"]} == {"Ville de Montpellier"}

    out = territory / "pierrefonds.csv"
    assert cli.main(["export-scdl", "--out", str(out), "--collectivite", "Pierrefonds"]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows and {r["COLL_NOM"] for r in rows} == {"Commune de Pierrefonds"}
    fontaine = next(r for r in rows if r["DELIB_ID"] == "D2025-019")
    assert fontaine["DELIB_URL"] == "https://www.mairie-pierrefonds.fr/deliberations/20250527-PV.pdf"

    capsys.readouterr()
    assert cli.main(["search", "conseil", "--collectivite", "Compiègne"]) == 2
    assert "Collectivité inconnue" in capsys.readouterr().err


def test_sync_says_what_is_wrong(territory, capsys):
    (territory / "registre.toml").write_text('[[sources]]\nfolder = "absent"\nfeed = "https://x.fr/f.xml"\n')
    assert cli.main(["sync"]) == 2
    assert "exactement un de folder, urls, scdl ou feed" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["sync", "--every", "souvent"])
    assert "durée non comprise" in capsys.readouterr().err
