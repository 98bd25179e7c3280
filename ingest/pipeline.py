"""Incremental ingestion: scan a folder, parse what changed, reuse what did not, publish a complete new index."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

from index.lexical import fold
from index.store import (
    SCHEMA_VERSION,
    Document,
    IndexError_,
    Skipped,
    StoredAffaire,
    StoredChunk,
    current,
    ingest_lock,
    open_index,
    schema_of,
    write_index,
)
from ingest.acts import describe, strip_receipt
from ingest.affaires import Affaire, affaire_at, find_affaires
from ingest.chunk import STRIDE_WORDS, WINDOW_WORDS, chunk_pages
from ingest.pdf import Page, UnreadablePDF, read_pages
from ingest.provenance import Origins, attribute, load_origins
from models.base import Embedder
from models.fetch import sha256_of

# A document, its chunks, its affaires and the text of its pages (number, text).
Parsed = tuple[Document, list[StoredChunk], list[StoredAffaire], list[tuple[int, str]]]


@dataclass
class Report:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    chunks: int = 0
    published: Path | None = None

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced or self.removed) or self.published is not None


def find_pdfs(corpus: Path) -> list[Path]:
    """Every PDF under corpus, recursively, in a stable order."""
    if not corpus.is_dir():
        raise FileNotFoundError(f"{corpus} n'est pas un dossier de PDF.")
    return sorted(p for p in corpus.rglob("*") if p.suffix.lower() == ".pdf" and p.is_file())


def ingest(
    corpus: Path,
    root: Path,
    embedder: Embedder,
    rebuild: bool = False,
    progress: bool = True,
    ocr: bool = False,
    log: Callable[[str], None] = print,
    workers: int = 0,
) -> Report:
    """Bring the index under root up to date with the PDFs under corpus (one ingest at a time per root).

    workers: processes reading PDFs (0: one per core)."""
    with ingest_lock(root):
        return _ingest(corpus, root, embedder, rebuild, progress, ocr, log, workers)


DUPLICATE = "doublon de "
_DUPLICATES = (DUPLICATE, "duplicate of ")  # and as indexes built before the reasons were French say it


def _ingest(
    corpus: Path,
    root: Path,
    embedder: Embedder,
    rebuild: bool,
    progress: bool,
    ocr: bool,
    log: Callable[[str], None],
    workers: int = 0,
) -> Report:
    corpus = corpus.resolve()
    stale = current(root) is not None and schema_of(root) != SCHEMA_VERSION
    if stale:
        log("l'index vient d'une version plus ancienne de registre : il est reconstruit")
    old = None if rebuild or stale or current(root) is None else open_index(root)
    if old is not None:
        if old.corpus != corpus:
            raise IndexError_(
                f"L'index de {root} tient {old.corpus}, pas {corpus}. "
                "Prenez un autre REGISTRE_DATA_DIR, ou --rebuild pour le remplacer."
            )
        old.check_embedder(embedder.name)
    known = {d.path: d for d in old.documents.values()} if old else {}
    # A file skipped under other OCR settings deserves another try.
    old_skips = {s.path: s for s in old.skipped} if old and old.meta.get("ocr") == str(ocr) else {}
    # A duplicate is checked again each time: the file it duplicated may have changed or gone.
    known_skips = {p: s for p, s in old_skips.items() if not s.reason.startswith(_DUPLICATES)}

    report = Report()
    documents: list[Document] = []
    reused: list[Parsed] = []
    fresh: list[Parsed] = []
    files = find_pdfs(corpus)
    digests = {path: sha256_of(path) for path in files}
    # The same bytes under two names are one act: keep the file already indexed, else the first by name.
    keeper: dict[str, str] = {}
    for path in sorted(files, key=lambda p: p.relative_to(corpus).as_posix() not in known):
        keeper.setdefault(digests[path], path.relative_to(corpus).as_posix())
    to_read: list[tuple[Path, str, str]] = []
    for path in files:
        rel = path.relative_to(corpus).as_posix()
        digest = digests[path]
        if keeper[digest] != rel:
            report.skipped.append(Skipped(rel, digest, f"{DUPLICATE}{keeper[digest]} (même contenu)"))
            log(f"écarté {rel} : même contenu que {keeper[digest]}")
            continue
        if rel in known and known[rel].sha256 == digest:
            doc = known[rel]
            reused.append(
                (
                    doc,
                    old.document_chunks(doc.id),  # type: ignore[union-attr]
                    old.document_affaires(doc.id),  # type: ignore[union-attr]
                    list(old.pages(doc.id).items()),  # type: ignore[union-attr]
                )
            )
            report.unchanged.append(rel)
            continue
        if rel in known_skips and known_skips[rel].sha256 == digest:
            report.skipped.append(known_skips[rel])
            continue
        to_read.append((path, rel, digest))
    for (_, rel, digest), (parsed, error) in zip(
        to_read, _read_all(to_read, ocr, progress, workers), strict=True
    ):
        if parsed is None:
            report.skipped.append(Skipped(rel, digest, str(error)))
            log(f"écarté {rel} : {error}")
            continue
        (report.replaced if rel in known else report.added).append(rel)
        fresh.append(parsed)
    fresh = _drop_same_receipt(reused, fresh, report, log)
    reused, fresh = _attributed(reused, fresh, load_origins(corpus))
    # A change in the sources file alone (a SIRET, a collectivité) is published too, without reading anything.
    attributed = any(doc != known[doc.path] for doc, _, _, _ in reused)
    seen = {Path(f).relative_to(corpus).as_posix() for f in files}
    report.removed = sorted(set(known) - seen)
    report.skipped.sort(key=lambda s: s.path)
    skips_changed = {s.path: (s.sha256, s.reason) for s in report.skipped} != {
        p: (s.sha256, s.reason) for p, s in old_skips.items()
    }
    if old is not None and not (
        report.added or report.replaced or report.removed or skips_changed or attributed
    ):
        report.chunks = len(old.chunks)
        return report

    # Vectors: reuse what the old index holds for unchanged documents, embed only the new chunks.
    old_vectors = old.dense.vectors() if old is not None and reused else None
    rows: list[StoredChunk] = []
    affaires: list[StoredAffaire] = []
    parts: list[np.ndarray] = []
    page_rows: list[tuple[str, int, str]] = []
    for doc, chunks, doc_affaires, doc_pages in reused:
        documents.append(doc)
        page_rows.extend((doc.id, n, t) for n, t in doc_pages)
        if chunks:
            parts.append(old_vectors[[c.row for c in chunks]])  # type: ignore[index]
        rows.extend(chunks)
        affaires.extend(doc_affaires)
    fresh, fresh_vectors = _embed_fresh(embedder, fresh, progress, report, log)
    parts.append(fresh_vectors)
    for doc, chunks, doc_affaires, doc_pages in fresh:
        documents.append(doc)
        page_rows.extend((doc.id, n, t) for n, t in doc_pages)
        rows.extend(chunks)
        affaires.extend(doc_affaires)
    renumbered = [replace(c, row=i) for i, c in enumerate(rows)]
    affaires = link_affaires(documents, affaires)
    vectors = np.concatenate(parts)
    meta = {
        "embedder": embedder.name,
        "dim": str(embedder.dim),
        "corpus": str(corpus),
        "chunking": f"{WINDOW_WORDS} words, stride {STRIDE_WORDS}",
        "ocr": str(ocr),
    }
    report.published = write_index(
        root, meta, documents, renumbered, report.skipped, affaires, vectors, embedder.dim, page_rows
    )
    report.chunks = len(renumbered)
    return report


def _attributed(
    reused: list[Parsed], fresh: list[Parsed], origins: Origins
) -> tuple[list[Parsed], list[Parsed]]:
    """Every document completed with what its source says (collectivité, SIRET, publisher's metadata)."""
    docs = attribute([p[0] for p in reused + fresh], origins)
    parsed = [(doc, *rest) for doc, (_, *rest) in zip(docs, reused + fresh, strict=True)]
    return parsed[: len(reused)], parsed[len(reused) :]  # type: ignore[return-value]


def _drop_same_receipt(
    reused: list[Parsed], fresh: list[Parsed], report: Report, log: Callable[[str], None]
) -> list[Parsed]:
    """Two files with the same préfecture receipt id hold the same act (re-saved, renamed): index it once."""
    seen = {doc.receipt_id: doc.path for doc, _, _, _ in reused if doc.receipt_id}
    kept = []
    for parsed in fresh:
        doc = parsed[0]
        first = seen.setdefault(doc.receipt_id, doc.path) if doc.receipt_id else doc.path
        if first == doc.path:
            kept.append(parsed)
            continue
        report.skipped.append(
            Skipped(
                doc.path, doc.sha256, f"{DUPLICATE}{first} (même identifiant de réception {doc.receipt_id})"
            )
        )
        log(f"écarté {doc.path} : l'acte {doc.receipt_id} est déjà indexé depuis {first}")
        for done in (report.added, report.replaced):
            if doc.path in done:
                done.remove(doc.path)
    return kept


def _read_one(job: tuple[Path, str, str, bool]) -> tuple[Parsed | None, str | None]:
    """Read and parse one PDF (in a worker process): the parsed act, or why it was skipped."""
    path, rel, digest, ocr = job
    try:
        pages = read_pages(path, ocr=ocr)
    except UnreadablePDF as e:
        return None, str(e)
    except Exception as e:  # noqa: BLE001 - one file's fault never stops the others: reported and skipped
        return None, f"lecture impossible ({type(e).__name__} : {e})"
    try:
        return _parse(rel, digest, pages), None
    except Exception as e:  # noqa: BLE001 - the same guard for the structure read from the text
        return None, f"structure illisible ({type(e).__name__} : {e})"


def _follow_parent(parent: int) -> None:
    """In a reading worker: exit when the ingest that started it is gone (kill -9 gives its workers no word,
    and they would wait forever on their queue, holding the terminal or the pipes of whoever ran the ingest)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _read_all(
    jobs: list[tuple[Path, str, str]], ocr: bool, progress: bool, workers: int = 0
) -> Iterator[tuple[Parsed | None, str | None]]:
    """Read the PDFs on every core (pypdf is pure Python: one core each), in order; the embedder then has the
    machine to itself. Worker processes are started fresh ("spawn"): they inherit neither the ingest lock nor
    the embedder's threads."""
    tasks = [(path, rel, digest, ocr) for path, rel, digest in jobs]
    workers = min(len(tasks), workers or os.cpu_count() or 1)
    with tqdm(total=len(tasks), desc="Lecture des PDF", unit="pdf", disable=not progress) as bar:
        if workers < 2:
            for task in tasks:
                yield _read_one(task)
                bar.update()
            return
        with ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_follow_parent,
            initargs=(os.getpid(),),
        ) as pool:
            for result in pool.map(_read_one, tasks):
                yield result
                bar.update()


def _parse(rel: str, digest: str, pages: list[Page]) -> Parsed:
    info = describe(pages)
    doc = Document(
        id=hashlib.sha256(rel.encode()).hexdigest()[:16],
        path=rel,
        sha256=digest,
        pages=len(pages),
        kind=info.kind,
        act_number=info.act_number,
        seance_date=info.seance_date,
        objet=info.objet,
        rapporteur=info.rapporteur,
        receipt_id=info.receipt_id,
        council=info.council,
        collectivite=info.collectivite,
        president=info.president,
        published_date=info.published_date,
        receipt_date=info.receipt_date,
    )
    act = " — ".join(x for x in (info.objet, f"n° {info.act_number}" if info.act_number else None) if x)
    clean = [Page(p.number, strip_receipt(p.text)) for p in pages]
    found = find_affaires(clean, info.kind, info.objet)
    affaires = [_stored(doc, i, a) for i, a in enumerate(found)]
    chunks = []
    for c in chunk_pages(clean):
        middle = affaire_at(found, c.word_start + len(c.text.split()) // 2)
        idx = found.index(middle) if middle else None
        # Each chunk is indexed with what it belongs to: the act's objet, or the affaire of a procès-verbal.
        context = act if info.kind == "délibération" or middle is None else _affaire_label(middle)
        chunks.append(StoredChunk(-1, doc.id, c.text, context, c.page, c.page_start, c.page_end, idx))
    return doc, chunks, affaires, [(p.number, p.text) for p in clean]


def _stored(doc: Document, idx: int, a: Affaire) -> StoredAffaire:
    v = a.vote
    return StoredAffaire(
        doc.id,
        idx,
        a.number,
        a.title,
        a.page,
        v.text if v else None,
        v.page if v else None,
        pour=v.pour if v else None,
        contre=v.contre if v else None,
        abstention=v.abstention if v else None,
        ne_prend_pas_part=v.ne_prend_pas_part if v else None,
        outcome=v.outcome if v else None,
        dissenters=v.dissenters if v else None,
        rapporteur=doc.rapporteur if doc.kind == "délibération" else a.rapporteur,
        act_number=a.act_number,
        abstainers=v.abstainers if v else None,
        date=a.date,
        start_word=a.start_word,
    )


_LINK_MIN = 0.6  # share of the act's objet words found in the affaire's title


def link_affaires(documents: list[Document], affaires: list[StoredAffaire]) -> list[StoredAffaire]:
    """Link each délibération to the affaire of a procès-verbal or compte rendu of the same séance that
    carries the same title, both ways, so a vote printed only in the minutes answers for the act."""
    by_id = {d.id: d for d in documents}
    minutes: dict[str, list[StoredAffaire]] = {}
    for a in affaires:
        doc = by_id[a.doc_id]
        if doc.kind in ("procès-verbal", "compte rendu") and doc.seance_date:
            minutes.setdefault(doc.seance_date, []).append(a)
    links: dict[tuple[str, int], tuple[str, int]] = {}
    for a in affaires:
        doc = by_id[a.doc_id]
        if doc.kind != "délibération" or not doc.seance_date or not doc.objet:
            continue
        words = _title_words(doc.objet)
        if not words:
            continue
        best, best_score = None, 0.0
        for m in minutes.get(doc.seance_date, []):
            title = _title_words(m.title)
            shared = len(words & title)
            if shared / len(words) < _LINK_MIN:
                continue
            score = shared / len(words | title) + (0.01 if m.has_tally else 0.0)  # the closest title wins
            if score > best_score:
                best, best_score = m, score
        if best is not None:
            links[(a.doc_id, a.idx)] = (best.doc_id, best.idx)
            links.setdefault((best.doc_id, best.idx), (a.doc_id, a.idx))
    return [
        replace(a, link_doc=links[(a.doc_id, a.idx)][0], link_idx=links[(a.doc_id, a.idx)][1])
        if (a.doc_id, a.idx) in links
        else replace(a, link_doc=None, link_idx=None)
        for a in affaires
    ]


def _title_words(title: str) -> set[str]:
    return {w for w in re.findall(r"\w+", fold(title)) if len(w) > 3 or w.isdigit()}


def _affaire_label(affaire: Affaire) -> str:
    return f"Affaire {affaire.number} : {affaire.title}" if affaire.number else affaire.title


def _embed_fresh(
    embedder: Embedder, fresh: list[Parsed], progress: bool, report: Report, log: Callable[[str], None]
) -> tuple[list[Parsed], np.ndarray]:
    """The vectors of the new documents' chunks; a document the embedder fails on is reported and skipped,
    the others are indexed."""
    try:
        return fresh, _embed(
            embedder, [c.indexed_text for _, chunks, _, _ in fresh for c in chunks], progress
        )
    except Exception:  # noqa: BLE001 - find the document at fault: each alone
        kept: list[Parsed] = []
        parts = [np.zeros((0, embedder.dim), np.float32)]
        for parsed in fresh:
            doc = parsed[0]
            try:
                parts.append(_embed(embedder, [c.indexed_text for c in parsed[1]], False))
            except Exception as e:  # noqa: BLE001 - that document is reported and skipped
                reason = f"vectorisation impossible ({type(e).__name__} : {e})"
                report.skipped.append(Skipped(doc.path, doc.sha256, reason))
                for done in (report.added, report.replaced):
                    if doc.path in done:
                        done.remove(doc.path)
                log(f"écarté {doc.path} : {reason}")
                continue
            kept.append(parsed)
        return kept, np.concatenate(parts)


def _embed(embedder: Embedder, texts: list[str], progress: bool, batch: int = 64) -> np.ndarray:
    if not texts:
        return np.zeros((0, embedder.dim), np.float32)
    out = []
    for i in tqdm(range(0, len(texts), batch), desc="Vectorisation", unit="lot", disable=not progress):
        out.append(embedder.embed(texts[i : i + batch]))
    return np.concatenate(out)
