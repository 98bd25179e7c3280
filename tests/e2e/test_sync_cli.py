"""The README's commands for a territory: `registre sync` from a sources file naming two collectivités' folders,
then `ask`, `search` and `export-scdl` scoped to one of them (the real small GGUF answers)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app import cli
from ingest.sync import sync_lock
from tests.conftest import DATA_DIR, SHARED

REPO = Path(__file__).resolve().parents[2]

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


def test_sync_every_runs_again_and_again_one_at_a_time(territory):
    """`registre sync --every 2s` syncs, waits, syncs again; meanwhile a one-off sync finds the lock held."""
    sources = str(territory / "registre.toml")
    command = [sys.executable, "-m", "app.cli", "sync", "--sources", sources]
    lines: list[str] = []
    with subprocess.Popen(
        [*command, "--every", "2s"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as scheduler:
        watchdog = threading.Timer(240, scheduler.kill)  # a scheduler that stops syncing fails the test
        watchdog.start()
        try:
            for line in scheduler.stdout:  # type: ignore[union-attr]
                lines.append(line)
                if sum("synchronisation de 2 source(s)" in x for x in lines) == 2:
                    break
        finally:
            scheduler.terminate()
            watchdog.cancel()
    text = "".join(lines)
    assert text.count("synchronisation de 2 source(s)") == 2, text
    assert "index publié" in text and "prochaine synchronisation" in text
    with sync_lock(territory / "data" / "sync"):  # as a scheduler holds it while it syncs
        second = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert second.returncode == 2 and "déjà en cours" in second.stderr
