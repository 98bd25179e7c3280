"""Shared fixtures: a small real corpus copied from ../shared/corpus, the real embedder, a real index, a real GGUF."""

from __future__ import annotations

import shutil
from collections import deque
from pathlib import Path

import pytest

from app.settings import Settings
from ingest.pipeline import ingest, open_for
from models.embedder import load_embedder
from models.fetch import ensure, spec
from models.llm import LlamaCpp

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus" / "montpellier"
QUESTIONS = SHARED / "eval" / "dev-questions.jsonl"
DATA_DIR = Settings().data_dir  # model weights are fetched once, by `make test`, into the project's data dir

# Gold files of a few dev questions, one scan, and a short act of each séance: fast to index, all real.
SUBSET = [
    "deliberations/Delibs_2013_02_04/2013-02-04-0000061089.pdf",  # d001: CCRE, 60 membres, 3 ans
    "deliberations/Delibs_2013_02_04/2013-02-04-0000061090.pdf",  # d002: école Chengdu, 8 classes
    "deliberations/Delibs_2013_03_25/2013-03-25-0000062224.pdf",  # d003: TETRA, TALCO
    "deliberations/Delibs_2013_02_04/2013-02-04-0000061112.pdf",  # d013: Boutographies
    "deliberations/Delibs_2013_06_17/2013-06-17-0000064295.pdf",
    "deliberations/Delibs_2013_06_17/2013-06-17-0000064315.pdf",
    "comptes-rendus/CR_CM_25_07_2011.pdf",  # image-only scan: must be skipped with a reason
]


def pytest_configure(config):
    if not CORPUS.is_dir():
        raise pytest.UsageError(f"The shared corpus is missing: {CORPUS}")


@pytest.fixture(scope="session")
def models_dir() -> Path:
    return DATA_DIR / "models"


@pytest.fixture(scope="session")
def embedder(models_dir):
    return load_embedder("use-multilingual", models_dir)


@pytest.fixture(scope="session")
def small_gguf(models_dir) -> Path:
    return ensure(spec("smollm2-135m"), models_dir)


@pytest.fixture(scope="session")
def llm(small_gguf):
    return LlamaCpp(small_gguf, n_ctx=2048, threads=2)


def copy_subset(dest: Path, files=SUBSET) -> Path:
    for rel in files:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(CORPUS / rel, target)
    return dest


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> Path:
    folder = copy_subset(tmp_path_factory.mktemp("corpus"))
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer garbage")
    return folder


@pytest.fixture(scope="session")
def index_root(tmp_path_factory, corpus, embedder) -> Path:
    root = tmp_path_factory.mktemp("index")
    ingest(corpus, root, embedder, progress=False, log=lambda _: None)
    return root


@pytest.fixture(scope="session")
def index(index_root, embedder):
    return open_for(index_root, embedder.name)


COUNCIL = [
    "deliberations/VilleMTP_MTP_AttribSub_2014.pdf",  # n° 2014/121, séance of 17 February 2014, subsidies table
    "proces-verbaux/PV_CM_17_02_2014.pdf",  # the 255-page minutes of that séance, with every tally
    "comptes-rendus/CR_CM_07_02_2011.pdf",  # tallies with named dissenters
    "deliberations/Delibs_2013_02_04/2013-02-04-0000061129.pdf",  # header prints n° 2012 / 47 in 2013
    "deliberations/Delibs_2013_03_25/2013-03-25-0000062249.pdf",  # n° 2013/138, taux d'imposition
]


@pytest.fixture(scope="session")
def council_data(tmp_path_factory, embedder):
    """A data dir whose index holds one whole séance (act + minutes) and acts of other séances."""
    base = tmp_path_factory.mktemp("council")
    corpus = copy_subset(base / "corpus", COUNCIL)
    ingest(corpus, base / "data" / "index", embedder, progress=False, log=lambda _: None)
    return base / "data"


@pytest.fixture(scope="session")
def council(council_data, embedder):
    return open_for(council_data / "index", embedder.name)


class ScriptedLLM:
    """Stands in for llama.cpp where a test needs a chosen answer; the real model is tested beside it."""

    name = "scripted"

    def __init__(self):
        self.replies: deque[str] = deque()
        self.history: list[list[dict[str, str]]] = []

    def enqueue(self, reply: str) -> None:
        self.replies.append(reply)

    def stream(self, messages, max_tokens):
        self.history.append(messages)
        reply = self.replies.popleft()
        yield from (reply[i : i + 5] for i in range(0, len(reply), 5))


@pytest.fixture
def scripted() -> ScriptedLLM:
    return ScriptedLLM()
