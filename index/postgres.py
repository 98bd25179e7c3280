"""The index in PostgreSQL, as versions (app/db/migrations/003_index.sql).

One builder: an ingest builds a version on files as it always did (index/store.py), then `publish` copies that
folder into the tables under a new version id and makes it current for its channel, all in one transaction: a
killed publish leaves nothing, and the servers go on with the version they had. The version before stays
readable, for a server still loading it, and is dropped at the next publish.

Servers `load` the current version into memory, into the same `Index` the files give (BM25 rebuilt from the
postings, FAISS from the vectors), so search, answers, the reader and the SCDL export run unchanged and rank
the same; only page texts are read from the tables on demand. The connection comes from the caller: this layer
imports no driver.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import astuple, fields
from pathlib import Path
from typing import Any

import numpy as np

from index.dense import Dense
from index.lexical import Lexical, analyse, postings, tokens_of
from index.store import (
    SCHEMA_VERSION,
    Document,
    Index,
    IndexError_,
    Skipped,
    StoredAffaire,
    StoredChunk,
    unit_parts,
)
from index.units import UnitKey, Units

SERVED = "served"  # the channel the servers answer from
_LOCK = 7_012_300_024  # pg_advisory_xact_lock key: one publish at a time
# Every table holding a version's rows, deleted with it.
TABLES = (
    "index_documents",
    "index_chunks",
    "index_affaires",
    "index_pages",
    "index_skipped",
    "index_vectors",
    "index_units",
    "index_postings",
    "index_unit_postings",
)
WHERE = "la base PostgreSQL"

Connect = Callable[[], AbstractContextManager[Any]]


def _names(cls) -> list[str]:
    return [f.name for f in fields(cls)]


def current_version(conn: Any, channel: str = SERVED) -> str | None:
    """The name of the channel's current version, or None before the first publish."""
    row = conn.execute(
        "SELECT v.name FROM index_current c JOIN index_versions v ON v.id = c.version WHERE c.channel = %s",
        (channel,),
    ).fetchone()
    return None if row is None else str(row[0])


def _copy(conn: Any, table: str, columns: list[str], rows: Iterable[tuple]) -> None:
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _vector(v: np.ndarray) -> str:
    # repr of each float32 widened to float64 reads back as the same float32: the vectors are kept exactly.
    return "[" + ",".join(map(repr, v.tolist())) + "]"


def publish(conn: Any, folder: Path, channel: str = SERVED) -> str:
    """Copy the version built in folder into the database and make it the channel's current one, in one
    transaction; drop the versions older than the one it replaces. Return the version's name."""
    built = Index.open(folder)
    sqlite = sqlite3.connect(f"file:{folder / 'registre.sqlite'}?mode=ro", uri=True)
    pages = sqlite.execute("SELECT doc_id, page, text FROM pages ORDER BY doc_id, page").fetchall()
    sqlite.close()
    chunk_postings, chunk_terms = postings(analyse([c.indexed_text for c in built.chunks]))
    keys, texts = unit_parts(list(built.affaires.values()), pages)
    if keys != built.units.keys:
        raise IndexError_(
            f"Les unités de l'index {folder} ne sont pas celles de ses pages : reconstruisez-le."
        )
    unit_postings, unit_terms = postings(analyse(texts))
    vectors = built.dense.vectors()
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
        (version,) = conn.execute(
            "INSERT INTO index_versions (channel, name, schema, meta) VALUES (%s, %s, %s, %s) RETURNING id",
            (channel, built.version, SCHEMA_VERSION, json.dumps(built.meta)),
        ).fetchone()
        _copy(
            conn,
            "index_documents",
            ["version", "ord", *_names(Document)],
            ((version, i, *astuple(d)) for i, d in enumerate(built.documents.values())),
        )
        _copy(
            conn,
            "index_chunks",
            ["version", *_names(StoredChunk), "terms", "unit"],
            (
                (version, *astuple(c), chunk_terms[c.row], int(built.units.of_row[c.row]))
                for c in built.chunks
            ),
        )
        _copy(
            conn,
            "index_affaires",
            ["version", "ord", *_names(StoredAffaire)],
            ((version, i, *astuple(a)) for i, a in enumerate(built.affaires.values())),
        )
        _copy(conn, "index_pages", ["version", "doc_id", "page", "text"], ((version, *p) for p in pages))
        _copy(
            conn,
            "index_skipped",
            ["version", *_names(Skipped)],
            ((version, *astuple(s)) for s in built.skipped),
        )
        _copy(
            conn,
            "index_units",
            ["version", "unit", "doc_id", "affaire", "terms"],
            ((version, n, k.doc_id, k.affaire, unit_terms[n]) for n, k in enumerate(keys)),
        )
        _copy(
            conn, "index_postings", ["version", "term", "row", "tf"], ((version, *p) for p in chunk_postings)
        )
        _copy(
            conn,
            "index_unit_postings",
            ["version", "term", "unit", "tf"],
            ((version, *p) for p in unit_postings),
        )
        _copy(
            conn,
            "index_vectors",
            ["version", "row", "embedding"],
            ((version, n, _vector(v)) for n, v in enumerate(vectors)),
        )
        row = conn.execute(
            "SELECT version FROM index_current WHERE channel = %s FOR UPDATE", (channel,)
        ).fetchone()
        previous = None if row is None else row[0]
        conn.execute(
            "INSERT INTO index_current (channel, version) VALUES (%s, %s) "
            "ON CONFLICT (channel) DO UPDATE SET version = excluded.version",
            (channel, version),
        )
        stale = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM index_versions WHERE channel = %s AND id <> %s AND id IS DISTINCT FROM %s",
                (channel, version, previous),
            )
        ]
        if stale:
            for table in TABLES:
                conn.execute(f"DELETE FROM {table} WHERE version = ANY(%s)", (stale,))
            conn.execute("DELETE FROM index_versions WHERE id = ANY(%s)", (stale,))
    return built.version


def load(connect: Connect, channel: str = SERVED) -> Index | None:
    """The channel's current version, in memory, read in one snapshot (a publish meanwhile is not seen half);
    None before the first publish. Page texts are read later, through connect, from the same version."""
    with connect() as conn, conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        row = conn.execute(
            "SELECT v.id, v.name, extract(epoch FROM v.published_at)::float8, v.meta, v.schema "
            "FROM index_current c JOIN index_versions v ON v.id = c.version WHERE c.channel = %s",
            (channel,),
        ).fetchone()
        if row is None:
            return None
        version, name, published, meta, schema = row
        if schema != SCHEMA_VERSION:
            raise IndexError_(
                f"L'index de {WHERE} est au format {schema}, d'une autre version de registre ; "
                "reconstruisez-le : `registre ingest DOSSIER --rebuild`."
            )

        def rows(sql: str) -> list[tuple]:
            return conn.execute(sql, (version,)).fetchall()

        documents = [
            Document(*r)
            for r in rows(
                f"SELECT {', '.join(_names(Document))} FROM index_documents WHERE version = %s ORDER BY ord"
            )
        ]
        chunk_rows = rows(
            f"SELECT {', '.join(_names(StoredChunk))}, unit FROM index_chunks WHERE version = %s ORDER BY row"
        )
        chunks = [StoredChunk(*r[:-1]) for r in chunk_rows]
        affaires = [
            StoredAffaire(*r)
            for r in rows(
                f"SELECT {', '.join(_names(StoredAffaire))} FROM index_affaires WHERE version = %s ORDER BY ord"
            )
        ]
        skipped = [
            Skipped(*r)
            for r in rows(
                f"SELECT {', '.join(_names(Skipped))} FROM index_skipped WHERE version = %s ORDER BY path"
            )
        ]
        keys = [
            UnitKey(d, a)
            for d, a in rows("SELECT doc_id, affaire FROM index_units WHERE version = %s ORDER BY unit")
        ]
        lexical = Lexical.from_tokens(
            tokens_of(
                rows("SELECT term, row, tf FROM index_postings WHERE version = %s ORDER BY term, row"),
                len(chunks),
            )
        )
        unit_lexical = Lexical.from_tokens(
            tokens_of(
                rows("SELECT term, unit, tf FROM index_unit_postings WHERE version = %s ORDER BY term, unit"),
                len(keys),
            )
        )
        dim = int(meta["dim"])
        sent = rows("SELECT vector_send(embedding) FROM index_vectors WHERE version = %s ORDER BY row")
        # vector_send: two int16 (dimensions, unused), then the float4s, big-endian
        vectors = (
            np.stack([np.frombuffer(bytes(b)[4:], dtype=">f4") for (b,) in sent]).astype(np.float32)
            if sent
            else np.zeros((0, dim), dtype=np.float32)
        )

    def pages(doc_id: str) -> list[tuple[int, str]]:
        with connect() as conn:
            return conn.execute(
                "SELECT page, text FROM index_pages WHERE version = %s AND doc_id = %s ORDER BY page",
                (version, doc_id),
            ).fetchall()

    return Index(
        version=name,
        published=published,
        meta=meta,
        documents=documents,
        chunks=chunks,
        affaires=affaires,
        skipped=skipped,
        dense=Dense.build(vectors, dim),
        lexical=lexical,
        units=Units(keys, unit_lexical, np.array([r[-1] for r in chunk_rows], dtype=np.int64)),
        pages=pages,
        where=WHERE,
    )
