"""Bad documents, crashes and concurrent ingests, all built from the real corpus and run for real."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pypdf import PdfWriter

from index.search import search
from index.store import IngestRunning, current, ingest_lock, open_index
from ingest.pipeline import ingest
from tests.conftest import CORPUS, DATA_DIR, copy_subset

PROJECT = Path(__file__).resolve().parents[2]
ACT = "deliberations/Delibs_2013_02_04/2013-02-04-0000061089.pdf"  # CCRE, 60 membres
ACT_B = "deliberations/Delibs_2013_02_04/2013-02-04-0000061090.pdf"  # école Chengdu
ACT_C = "deliberations/Delibs_2013_03_25/2013-03-25-0000062224.pdf"  # TETRA
COPY = "deliberations/Delibs_2013_02_04/copie de 2013-02-04-0000061089.pdf"
SCAN = "comptes-rendus/CR_CM_25_07_2011.pdf"
PV_255 = "proces-verbaux/PV_CM_17_02_2014.pdf"
PV_102 = "proces-verbaux/PV_CM_28_03_2011.pdf"
MORE = [
    "deliberations/Delibs_2013_02_04/2013-02-04-0000061112.pdf",
    "deliberations/Delibs_2013_06_17/2013-06-17-0000064295.pdf",
    "deliberations/Delibs_2013_06_17/2013-06-17-0000064315.pdf",
]


def data_dir(tmp: Path) -> Path:
    """A data dir of its own, with the project's fetched models."""
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "models").symlink_to(DATA_DIR / "models")
    return tmp


def cli_env(data: Path) -> dict[str, str]:
    return {**os.environ, "REGISTRE_DATA_DIR": str(data), "REGISTRE_OCR": "false", "PYTHONPATH": str(PROJECT)}


def cli(data: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=PROJECT,
        env=cli_env(data),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def encrypted(src: Path, dest: Path, password: str) -> None:
    writer = PdfWriter(clone_from=src)
    writer.encrypt(user_password=password, owner_password="proprietaire")
    writer.write(dest)


@pytest.fixture(scope="module")
def bad_corpus(tmp_path_factory) -> Path:
    folder = copy_subset(tmp_path_factory.mktemp("bad") / "corpus", [ACT, ACT_B, SCAN, PV_255])
    real = (CORPUS / ACT_C).read_bytes()
    (folder / "tronque.pdf").write_bytes(real[: len(real) * 6 // 10])
    noise = random.Random(7).randbytes(len(real) - 9)
    (folder / "corrompu.pdf").write_bytes(real[:9] + noise)
    (folder / "vide.pdf").write_bytes(b"")
    shutil.copy2(CORPUS / "listes/Delibs.csv", folder / "liste-des-deliberations.pdf")
    encrypted(CORPUS / MORE[0], folder / "chiffre-sans-mot-de-passe.pdf", "")
    encrypted(CORPUS / MORE[1], folder / "chiffre-avec-mot-de-passe.pdf", "secret")
    shutil.copy2(CORPUS / ACT, folder / COPY)  # the same bytes under another name
    PdfWriter(clone_from=CORPUS / ACT_B).write(folder / "zz-acte-reenregistre.pdf")  # same act, other bytes
    return folder


@pytest.fixture(scope="module")
def bad_data(tmp_path_factory, bad_corpus) -> Path:
    data = data_dir(tmp_path_factory.mktemp("bad-data"))
    done = cli(data, "ingest", str(bad_corpus))
    assert done.returncode == 0, done.stderr
    return data


def test_every_bad_document_is_skipped_with_its_reason_and_the_rest_indexed(bad_data):
    status = cli(bad_data, "status", "--json")
    assert status.returncode == 0, status.stderr
    body = json.loads(status.stdout)
    skipped = {s["path"]: s["reason"] for s in body["skipped"]}
    assert skipped.keys() == {
        "tronque.pdf",
        "corrompu.pdf",
        "vide.pdf",
        "liste-des-deliberations.pdf",
        "chiffre-avec-mot-de-passe.pdf",
        COPY,
        "zz-acte-reenregistre.pdf",
        SCAN,
    }, skipped
    assert skipped["tronque.pdf"].startswith("PDF illisible, abîmé ou tronqué")
    assert skipped["corrompu.pdf"].startswith("PDF illisible, abîmé ou tronqué")
    assert skipped["vide.pdf"] == "fichier vide (0 octet)"
    assert skipped["liste-des-deliberations.pdf"].startswith("pas un PDF (pas d'en-tête %PDF-)")
    assert skipped["chiffre-avec-mot-de-passe.pdf"].startswith("PDF chiffré : il demande un mot de passe")
    assert skipped[COPY] == f"doublon de {ACT} (même contenu)"
    assert skipped["zz-acte-reenregistre.pdf"].startswith(
        f"doublon de {ACT_B} (même identifiant de réception "
    )
    assert skipped[SCAN] == "pas de couche texte (un scan en image) ; l'OCR est désactivée"
    docs = {d["path"]: d for d in body["documents"]}
    assert docs.keys() == {ACT, ACT_B, PV_255, "chiffre-sans-mot-de-passe.pdf"}
    assert docs[PV_255]["pages"] == 255 and docs[PV_255]["kind"] == "procès-verbal"
    assert docs["chiffre-sans-mot-de-passe.pdf"]["act"]  # read through the empty password

    human = cli(bad_data, "status")
    assert f"écarté {COPY} : doublon de {ACT}" in human.stdout


def test_search_never_returns_the_same_act_twice(bad_data, embedder):
    index = open_index(bad_data / "index")
    hits = search(index, embedder, "Conseil Consultatif des Résidents Etrangers mandat des 60 membres", k=10)
    assert hits[0].document.path == ACT
    assert {h.document.path for h in hits}.isdisjoint({COPY, "zz-acte-reenregistre.pdf"})
    receipts = [d.receipt_id for d in index.documents.values() if d.receipt_id]
    assert len(receipts) == len(set(receipts))
    pv = [h for h in search(index, embedder, "Pour : 44", k=10) if h.document.path == PV_255]
    assert pv  # the 255-page procès-verbal is searchable


def test_rerun_keeps_duplicates_stable_and_promotes_one_when_the_original_goes(
    bad_data, bad_corpus, embedder
):
    root = bad_data / "index"
    before = current(root)
    again = ingest(bad_corpus, root, embedder, progress=False, ocr=False, log=lambda _: None)
    assert again.published is None and current(root) == before  # nothing changed: nothing rewritten

    moved = bad_corpus.parent / "original-mis-de-cote.pdf"
    shutil.move(bad_corpus / ACT, moved)
    try:
        third = ingest(bad_corpus, root, embedder, progress=False, ocr=False, log=lambda _: None)
        assert third.removed == [ACT] and third.added == [COPY]
        index = open_index(root)
        assert COPY in {d.path for d in index.documents.values()}
        assert COPY not in {s.path for s in index.skipped}
    finally:
        shutil.move(moved, bad_corpus / ACT)
    fourth = ingest(bad_corpus, root, embedder, progress=False, ocr=False, log=lambda _: None)
    # The copy, indexed meanwhile, stays; the original that came back is now the duplicate.
    assert {s.path: s.reason for s in fourth.skipped}[ACT] == f"doublon de {COPY} (même contenu)"


# --- crash safety and concurrent ingests ----------------------------------------------------------------


class Ingest:
    """`python -m app.cli ingest` in a subprocess, its stderr (progress bars) read as it comes."""

    def __init__(self, data: Path, corpus: Path):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "ingest", str(corpus)],
            cwd=PROJECT,
            env=cli_env(data),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.err, self.started = b"", time.monotonic()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        while chunk := self.proc.stderr.read1(4096):  # type: ignore[union-attr]
            self.err += chunk

    def wait_for(self, done, what: str, limit: float = 300) -> None:
        end = time.monotonic() + limit
        while not done():
            if self.proc.poll() is not None:
                pytest.fail(f"the ingest ended before {what}: {self.err.decode(errors='replace')[-2000:]}")
            if time.monotonic() > end:
                self.kill()
                pytest.fail(f"the ingest never reached {what}")
            time.sleep(0.005)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)
        self._reader.join(30)
        # stderr ends only when every process holding it has exited: its PDF-reading workers went with it
        assert not self._reader.is_alive(), "a process started by the killed ingest outlived it"
        self.proc.stdout.close()  # type: ignore[union-attr]
        self.proc.stderr.close()  # type: ignore[union-attr]


def served_index_is_whole(root: Path, folder: Path, embedder) -> None:
    assert current(root) == folder
    index = open_index(root)
    assert {d.path for d in index.documents.values()} == {ACT, ACT_B, ACT_C}
    hits = search(index, embedder, "réseau TETRA radiocommunication", k=3)
    assert hits and hits[0].document.path == ACT_C
    assert index.dense.size == len(index.chunks) == index.lexical.size


def test_kill_9_during_ingest_leaves_the_served_index_whole_and_the_next_ingest_completes(tmp_path, embedder):
    data = data_dir(tmp_path / "data")
    corpus = copy_subset(tmp_path / "corpus", [ACT, ACT_B, ACT_C])
    first = cli(data, "ingest", str(corpus))
    assert first.returncode == 0, first.stderr
    root = data / "index"
    published = current(root)
    assert published is not None
    copy_subset(corpus, MORE + [PV_102])  # enough new work to be caught in every phase

    points = [
        ("0.3 s after start", lambda run, t0: time.monotonic() - t0 > 0.3),  # while it imports
        ("the first progress bar", lambda run, t0: b"Lecture des PDF" in run.err),
        ("the vectorisation", lambda run, t0: b"Vectorisation" in run.err),
        ("the new version being written", lambda run, t0: any(root.glob("*.building"))),
    ]
    for what, reached in points:
        run = Ingest(data, corpus)
        run.wait_for(lambda run=run, reached=reached: reached(run, run.started), what)
        run.kill()
        served_index_is_whole(root, published, embedder)

    last = cli(data, "ingest", str(corpus))
    assert last.returncode == 0, last.stderr
    assert "index publié : 4 documents ajoutés" in last.stdout
    index = open_index(root)
    assert {d.path for d in index.documents.values()} == {ACT, ACT_B, ACT_C, PV_102, *MORE}
    assert not published.exists() and not list(root.glob("*.building"))
    assert sorted(p.name for p in root.iterdir() if p.name.startswith("v")) == [current(root).name]


def test_a_second_ingest_refuses_clearly_while_one_runs_and_runs_once_the_first_is_killed(tmp_path):
    data = data_dir(tmp_path / "data")
    corpus = copy_subset(tmp_path / "corpus", [ACT, PV_102])
    first = Ingest(data, corpus)
    first.wait_for(lambda: b"Lecture des PDF" in first.err, "the first progress bar")
    second = cli(data, "ingest", str(corpus))
    assert second.returncode == 2
    assert (
        f"erreur : Une autre indexation est déjà en cours sur {data / 'index'} (processus {first.proc.pid})"
        in (second.stderr)
    )
    assert "Traceback" not in second.stderr
    first.kill()  # the kernel drops the lock of a killed process: nothing stale is left behind
    third = cli(data, "ingest", str(corpus))
    assert third.returncode == 0, third.stderr
    assert "index publié : 2 documents ajoutés" in third.stdout


def test_the_lock_is_held_for_the_whole_ingest_and_released_after(tmp_path):
    root = tmp_path / "index"
    with ingest_lock(root), pytest.raises(IngestRunning, match="attendez qu.elle finisse"), ingest_lock(root):
        pass
    with ingest_lock(root):  # released, even after the refusal
        pass
