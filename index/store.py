"""The index on disk: SQLite for documents and chunks, FAISS for vectors, BM25 for words.

Each build goes to a fresh version folder; the `current` symlink is switched to it only once every file is
written, so a reader never sees a half-written index and a crash leaves the previous one in place.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import astuple, dataclass, fields
from functools import cached_property
from pathlib import Path

import numpy as np

from index.dense import Dense
from index.lexical import Lexical
from index.units import UnitKey, Units, chunk_unit, unit_texts

# 8: page texts (evidence); affaires with act number, abstainers, date, first word; répertoires
# 9: documents with their source, SIRET, public address, the publisher's metadata and the fields it filled
# 10: tallies printed with a full stop as bullet (". Pour : 45").
# 11: affaires as retrieval units (index/units.py); "Délibération n°…" headings; dates read from file names;
#     votes written in sentences (any order, numbers in words).
SCHEMA_VERSION = 11
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (id TEXT PRIMARY KEY, path TEXT NOT NULL UNIQUE, sha256 TEXT NOT NULL, pages INTEGER NOT NULL,
  kind TEXT NOT NULL, act_number TEXT, seance_date TEXT, objet TEXT, rapporteur TEXT, receipt_id TEXT,
  council TEXT, collectivite TEXT, president TEXT, published_date TEXT, receipt_date TEXT, source TEXT, siret TEXT,
  url TEXT, published TEXT, filled TEXT);
CREATE TABLE chunks (row INTEGER PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(id), text TEXT NOT NULL,
  context TEXT NOT NULL, page INTEGER NOT NULL, page_start INTEGER NOT NULL, page_end INTEGER NOT NULL,
  affaire INTEGER);
CREATE TABLE affaires (doc_id TEXT NOT NULL REFERENCES documents(id), idx INTEGER NOT NULL, number INTEGER,
  title TEXT NOT NULL, page INTEGER NOT NULL, vote TEXT, vote_page INTEGER, pour INTEGER, contre INTEGER,
  abstention INTEGER, ne_prend_pas_part INTEGER, outcome TEXT, dissenters TEXT, rapporteur TEXT,
  link_doc TEXT, link_idx INTEGER, act_number TEXT, abstainers TEXT, date TEXT, start_word INTEGER,
  PRIMARY KEY (doc_id, idx));
CREATE INDEX chunks_doc ON chunks(doc_id);
CREATE TABLE pages (doc_id TEXT NOT NULL REFERENCES documents(id), page INTEGER NOT NULL, text TEXT NOT NULL,
  PRIMARY KEY (doc_id, page));
CREATE TABLE skipped (path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, reason TEXT NOT NULL);
"""


class IndexError_(RuntimeError):
    """The index is missing or was built differently; the message says what to run."""


class IngestRunning(IndexError_):
    """Another ingest holds the lock on this index folder."""


@dataclass(frozen=True)
class Document:
    id: str
    path: str  # relative to the corpus folder
    sha256: str
    pages: int
    kind: str
    act_number: str | None
    seance_date: str | None
    objet: str | None
    rapporteur: str | None
    receipt_id: str | None
    council: str | None = None
    collectivite: str | None = None
    president: str | None = None
    published_date: str | None = None  # ISO
    receipt_date: str | None = None  # ISO, received in préfecture
    # What the sources file and the publisher say (ingest/provenance.py), beside what the text says:
    source: str | None = None  # the source of the sources file the file came from
    siret: str | None = None  # the collectivité's SIRET
    url: str | None = None  # where the publisher serves the PDF
    published: str | None = None  # JSON: the publisher's metadata (a row of its SCDL CSV)
    # The fields set from the sources, not read in the text ("collectivite,objet"); "seance_date@name": the
    # séance's date from the file's name, where the text prints none.
    filled: str | None = None


@dataclass(frozen=True)
class StoredChunk:
    row: int  # row in FAISS and BM25
    doc_id: str
    text: str
    context: str  # what the document says about itself, indexed with every chunk
    page: int
    page_start: int
    page_end: int
    affaire: int | None  # index of the chunk's affaire in its document

    @property
    def indexed_text(self) -> str:
        return f"{self.context}\n{self.text}" if self.context else self.text


@dataclass(frozen=True)
class StoredAffaire:
    doc_id: str
    idx: int
    number: int | None
    title: str
    page: int
    vote: str | None  # the tally as printed
    vote_page: int | None
    pour: int | None = None
    contre: int | None = None
    abstention: int | None = None
    ne_prend_pas_part: int | None = None
    outcome: str | None = None  # "unanimité", "majorité", "adopté", "rejeté"
    dissenters: str | None = None
    rapporteur: str | None = None
    link_doc: str | None = None  # the same affaire in another document: délibération <-> procès-verbal
    link_idx: int | None = None
    act_number: str | None = (
        None  # as printed in the minutes or répertoire: "D2024-27", "2024_27"; key: act_key
    )
    abstainers: str | None = None
    date: str | None = None  # ISO, when the document gives each affaire its own séance (a répertoire's rows)
    start_word: int | None = None  # where the affaire starts in the document's word stream (the chunker's)

    @property
    def has_tally(self) -> bool:
        """Some count is printed: "Pour : 46", or only "2 CONTRE (…)"."""
        return self.pour is not None or self.contre is not None or self.abstention is not None


@dataclass(frozen=True)
class Skipped:
    path: str
    sha256: str
    reason: str


def _columns(cls) -> str:
    return ", ".join(f.name for f in fields(cls))


class Index:
    """A built index, held in memory for search: opened read-only from a version folder (`Index.open`), or
    loaded from a PostgreSQL version (index/postgres.py). Page texts stay where they are stored, read on demand.
    """

    def __init__(
        self,
        version: str,
        published: float,
        meta: dict[str, str],
        documents: list[Document],
        chunks: list[StoredChunk],
        affaires: list[StoredAffaire],
        skipped: list[Skipped],
        dense: Dense,
        lexical: Lexical,
        units: Units,
        pages: Callable[[str], list[tuple[int, str]]],
        where: str,
        folder: Path | None = None,
    ):
        self.version = (
            version  # the version's name: its folder's (v20261205-121500-1a2b3c4d), in either store
        )
        self.published = published  # when the version was written (Unix time)
        self.where = where  # where it is read from, for messages: a folder, or a PostgreSQL database
        self.folder = folder  # the version folder of an index on files
        self.meta = meta
        self.documents = {d.id: d for d in documents}
        self.chunks = chunks
        self.affaires = {(a.doc_id, a.idx): a for a in affaires}
        self.skipped = skipped
        self.dense = dense
        self.lexical = lexical
        self.units = units
        self._read_pages = pages

    @classmethod
    def open(cls, folder: Path) -> Index:
        """The version written in folder by write_index."""
        db = sqlite3.connect(f"file:{folder / 'registre.sqlite'}?mode=ro", uri=True, check_same_thread=False)
        chunks = [
            StoredChunk(*r) for r in db.execute(f"SELECT {_columns(StoredChunk)} FROM chunks ORDER BY row")
        ]

        def pages(doc_id: str) -> list[tuple[int, str]]:
            return db.execute(
                "SELECT page, text FROM pages WHERE doc_id = ? ORDER BY page", (doc_id,)
            ).fetchall()

        return cls(
            version=folder.name,
            published=(folder / "manifest.json").stat().st_mtime,
            meta=dict(db.execute("SELECT key, value FROM meta").fetchall()),
            documents=[Document(*r) for r in db.execute(f"SELECT {_columns(Document)} FROM documents")],
            chunks=chunks,
            affaires=[
                StoredAffaire(*r) for r in db.execute(f"SELECT {_columns(StoredAffaire)} FROM affaires")
            ],
            skipped=[
                Skipped(*r) for r in db.execute(f"SELECT {_columns(Skipped)} FROM skipped ORDER BY path")
            ],
            dense=Dense.load(folder / "dense.faiss"),
            lexical=Lexical.load(folder / "bm25", len(chunks)),
            units=Units.load(folder / "units"),
            pages=pages,
            where=str(folder.parent),
            folder=folder,
        )

    @property
    def embedder(self) -> str:
        return self.meta["embedder"]

    @property
    def corpus(self) -> Path:
        return Path(self.meta["corpus"])

    def check_embedder(self, name: str) -> None:
        """Refuse to search with an embedder other than the one that built the index."""
        if name != self.embedder:
            raise IndexError_(
                f"L'index de {self.where} a été construit avec l'encodeur {self.embedder!r}, pas {name!r}. "
                f"Donnez REGISTRE_EMBEDDER={self.embedder}, ou reconstruisez-le : `registre ingest DOSSIER --rebuild`."
            )

    def document_chunks(self, doc_id: str) -> list[StoredChunk]:
        return [c for c in self.chunks if c.doc_id == doc_id]

    def pages(self, doc_id: str, numbers: list[int] | None = None) -> dict[int, str]:
        """The text of the document's pages (all, or those numbered), as read at ingestion."""
        rows = self._read_pages(doc_id)
        wanted = set(numbers) if numbers is not None else None
        return {n: t for n, t in rows if wanted is None or n in wanted}

    def document_affaires(self, doc_id: str) -> list[StoredAffaire]:
        return sorted((a for a in self.affaires.values() if a.doc_id == doc_id), key=lambda a: a.idx)

    def affaire_of(self, chunk: StoredChunk) -> StoredAffaire | None:
        return None if chunk.affaire is None else self.affaires.get((chunk.doc_id, chunk.affaire))

    def linked(self, affaire: StoredAffaire) -> StoredAffaire | None:
        """The same affaire in another document (the procès-verbal of a délibération, or the reverse)."""
        if affaire.link_doc is None or affaire.link_idx is None:
            return None
        return self.affaires.get((affaire.link_doc, affaire.link_idx))

    def held(self, row: int) -> str | None:
        """The date of the séance the chunk row is of: its document's, or its affaire's (a répertoire dates
        each row)."""
        return self._held[row]

    @cached_property
    def _held(self) -> list[str | None]:
        dates = []
        for chunk in self.chunks:
            date = self.documents[chunk.doc_id].seance_date
            if date is None:
                affaire = self.affaire_of(chunk)
                date = affaire.date if affaire is not None else None
            dates.append(date)
        return dates

    def rows_in_months(self, months: tuple[str, ...]) -> np.ndarray | None:
        """The chunk rows a question naming these months ("2025-09") may be answered from: those of séances
        of those months, and those whose séance is not known. None (no filter) when no séance the index
        knows was held in any of them."""
        if not months:
            return None
        held = np.array([(d or "")[:7] for d in self._held])
        inside = np.isin(held, list(months))
        return (inside | (held == "")) if inside.any() else None

    def holds_council(self, council: str) -> bool:
        """Some document of the index is an act of this council."""
        return any(d.council == council for d in self.documents.values())

    def tally(self, affaire: StoredAffaire) -> StoredAffaire | None:
        """The affaire that prints the vote counts: this one, or its linked procès-verbal affaire."""
        if affaire.has_tally:
            return affaire
        other = self.linked(affaire)
        return other if other is not None and other.has_tally else None


def current(root: Path) -> Path | None:
    """Return the folder of the published index under root, or None."""
    link = root / "current"
    return link.resolve() if link.exists() else None


def schema_of(root: Path) -> int | None:
    """Return the schema version of the published index under root, or None."""
    folder = current(root)
    return None if folder is None else int(json.loads((folder / "manifest.json").read_text())["schema"])


def open_index(root: Path, embedder: str | None = None) -> Index:
    """Open the index published under root; given an embedder's name, check that it built the index."""
    folder = current(root)
    if folder is None:
        raise IndexError_(f"Aucun index dans {root}. Construisez-le : `registre ingest DOSSIER`.")
    meta_version = schema_of(root)
    if meta_version != SCHEMA_VERSION:
        raise IndexError_(
            f"L'index de {root} est au format {meta_version}, d'une autre version de registre ; "
            "reconstruisez-le : `registre ingest DOSSIER --rebuild`."
        )
    index = Index.open(folder)
    if embedder is not None:
        index.check_embedder(embedder)
    return index


@contextmanager
def process_lock(path: Path, busy: Callable[[str], Exception]) -> Iterator[None]:
    """Hold an exclusive flock on path, the holder's pid written in it; raise busy(pid of the holder) at once
    when another process holds it. The kernel releases an flock when its holder dies, even by `kill -9`: no
    stale lock to clean up."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            raise busy(f.read().strip() or "?") from None
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        try:
            yield
        finally:
            f.seek(0)
            f.truncate()
            fcntl.flock(f, fcntl.LOCK_UN)


@contextmanager
def ingest_lock(root: Path) -> Iterator[None]:
    """Hold the lock that lets one ingest at a time write under root; refuse clearly if another holds it."""

    def busy(holder: str) -> IngestRunning:
        return IngestRunning(
            f"Une autre indexation est déjà en cours sur {root} (processus {holder}) ; "
            "attendez qu'elle finisse, puis relancez celle-ci."
        )

    with process_lock(root / "ingest.lock", busy):
        # What a killed build left behind is never published: remove it.
        for left in root.glob("*.building"):
            shutil.rmtree(left, ignore_errors=True)
        yield


def write_index(
    root: Path,
    meta: dict[str, str],
    documents: list[Document],
    chunks: list[StoredChunk],
    skipped: list[Skipped],
    affaires: list[StoredAffaire],
    vectors: np.ndarray,
    dim: int,
    pages: list[tuple[str, int, str]] | None = None,
) -> Path:
    """Write a complete new version under root, then publish it atomically; return its folder."""
    root.mkdir(parents=True, exist_ok=True)
    folder = root / f"v{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
    tmp = folder.with_name(folder.name + ".building")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        db = sqlite3.connect(tmp / "registre.sqlite")
        db.executescript(_SCHEMA)
        db.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
        db.executemany(
            f"INSERT INTO documents VALUES ({','.join('?' * len(fields(Document)))})", map(astuple, documents)
        )
        db.executemany(
            f"INSERT INTO chunks VALUES ({','.join('?' * len(fields(StoredChunk)))})", map(astuple, chunks)
        )
        db.executemany("INSERT INTO skipped VALUES (?, ?, ?)", map(astuple, skipped))
        db.executemany(
            f"INSERT INTO affaires VALUES ({','.join('?' * len(fields(StoredAffaire)))})",
            map(astuple, affaires),
        )
        db.executemany("INSERT INTO pages VALUES (?, ?, ?)", pages or [])
        db.commit()
        db.close()
        Dense.build(vectors, dim).save(tmp / "dense.faiss")
        Lexical.build([c.indexed_text for c in chunks]).save(tmp / "bm25")
        _units(chunks, affaires, pages or []).save(tmp / "units")
        (tmp / "manifest.json").write_text(json.dumps({"schema": SCHEMA_VERSION, **meta}, indent=2))
        tmp.rename(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _publish(root, folder)
    return folder


def _units(
    chunks: list[StoredChunk], affaires: list[StoredAffaire], pages: list[tuple[str, int, str]]
) -> Units:
    """The affaires (and what lies outside them) as units, each chunk mapped to its own."""
    keys, texts = unit_parts(affaires, pages)
    return Units.build(keys, texts, [chunk_unit(c.doc_id, c.affaire) for c in chunks])


def unit_parts(
    affaires: list[StoredAffaire], pages: list[tuple[str, int, str]]
) -> tuple[list[UnitKey], list[str]]:
    """The units' keys and texts, cut from the documents' pages at their affaires."""
    texts: dict[str, list[str]] = {}
    for doc_id, _, text in sorted(pages, key=lambda p: (p[0], p[1])):
        texts.setdefault(doc_id, []).append(text)
    starts: dict[str, list[int]] = {}
    titles: dict[str, list[str]] = {}
    for a in sorted(affaires, key=lambda a: (a.doc_id, a.idx)):
        starts.setdefault(a.doc_id, []).append(a.start_word or 0)
        titles.setdefault(a.doc_id, []).append(a.title)
    return unit_texts(texts, starts, titles)


def _publish(root: Path, folder: Path) -> None:
    link, staged = root / "current", root / "current.new"
    previous = current(root)
    if staged.is_symlink() or staged.exists():
        staged.unlink()
    staged.symlink_to(folder.name)
    os.replace(staged, link)  # atomic on POSIX: readers see the old index or the new one, never a mix
    for old in root.iterdir():
        if (
            old.is_dir()
            and not old.is_symlink()
            and old not in (folder, previous)
            and old.name.startswith("v")
        ):
            shutil.rmtree(old, ignore_errors=True)
    if previous and previous != folder:
        shutil.rmtree(previous, ignore_errors=True)
