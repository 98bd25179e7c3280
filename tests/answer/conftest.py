"""Both corpora and the shipped sample in one real index: Montpellier acts, Pierrefonds minutes (one PDF per
séance), an intercommunality's minutes, and the convention's délibération."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index.store import open_index
from ingest.pipeline import ingest
from tests.conftest import SHARED

REPO = Path(__file__).resolve().parents[2]
MIXED = {
    "montpellier/deliberations/Delibs_2013_02_04/2013-02-04-0000061089.pdf": "montpellier",  # CCRE, n° 2013/3
    "montpellier/deliberations/Delibs_2013_03_25/2013-03-25-0000062224.pdf": "montpellier",  # TETRA, TALCO
    "montpellier/deliberations/Delibs_2013_02_04/2013-02-04-0000061105.pdf": "montpellier",  # Cinemed board
    "montpellier/deliberations/Delibs_2013_03_25/2013-03-25-0000062233.pdf": "montpellier",  # archives site
    "pierrefonds/conseil-municipal/20250527-PV.pdf": "pierrefonds",  # D2025-017 chats, D2025-019 fontaine
    "pierrefonds/conseil-municipal/compte-rendu-15-12-2016.pdf": "pierrefonds",  # voisins vigilants 11/2/3
    "pierrefonds/conseil-municipal/20250403-PV.pdf": "pierrefonds",  # subsidies table with a VOTE column
}


@pytest.fixture(scope="session")
def mixed_corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("mixed")
    for rel in MIXED:
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(SHARED / "corpus" / rel, target)
    shutil.copy2(REPO / "data" / "sample" / "M2023-352.pdf", folder / "M2023-352.pdf")  # the convention
    return folder


@pytest.fixture(scope="session")
def mixed(tmp_path_factory, mixed_corpus, embedder):
    root = tmp_path_factory.mktemp("mixed-index")
    ingest(mixed_corpus, root, embedder, progress=False, log=lambda _: None)
    return open_index(root, embedder.name)
