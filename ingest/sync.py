"""`registre sync`: bring every source of the sources file up to date, then publish one index of them all.

Each source's files are kept under DATA_DIR/corpus/<source>/ (a folder is copied, URLs are downloaded), with what
was fetched and how (content hash, ETag, Last-Modified) in DATA_DIR/sync/<source>.json. A file unchanged upstream
is neither downloaded (304) nor read again (same hash); one removed upstream is removed here unless the source
says `keep = true`. A source that fails is reported and keeps its files; the others go on. The index is then
brought up to date by the same incremental, atomic ingest as `registre ingest`: readers never see it half-written.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

from index.store import IndexError_, current, process_lock
from ingest.download import DownloadError, Fetcher
from ingest.pipeline import Report, find_pdfs, ingest
from ingest.provenance import ORIGINS_FILE, Origin, Origins, load_origins, save_origins
from ingest.sources import Source, Sources
from ingest.upstream import Item, ListingError, feed_items, scdl_items
from models.base import Embedder
from models.fetch import ModelError, sha256_of

KIND_WORDS = {"folder": "dossier", "urls": "liste d'adresses", "scdl": "CSV SCDL", "feed": "flux"}


class SyncRunning(IndexError_):
    """Another sync holds the lock of this data dir."""


@dataclass
class SourceReport:
    name: str
    kind: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    not_modified: int = 0  # of the unchanged, those the server answered 304 for (nothing downloaded)
    downloaded: int = 0  # bytes
    failed: list[str] = field(default_factory=list)  # one message per file that could not be fetched
    error: str | None = None  # the whole source failed: its files are kept as they were

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


@dataclass
class SyncReport:
    sources: list[SourceReport] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # sources no longer in the sources file
    index: Report | None = None  # None: nothing changed, the index was left as it is
    stopped: str | None = None  # why the sync stopped before the index was brought up to date
    refused: bool = False  # stopped by a refusal (the index is another folder's, another ingest runs)

    @property
    def ok(self) -> bool:
        return self.stopped is None and not any(s.error or s.failed for s in self.sources)

    @property
    def outcome(self) -> str:
        """« succeeded », « refused » (the index was not touched, on purpose) or « failed »."""
        return "succeeded" if self.ok else "refused" if self.refused else "failed"


def sync(
    sources: Sources,
    data_dir: Path,
    index_dir: Path,
    embedder: Callable[[], Embedder],
    fetcher: Fetcher | None = None,
    log: Callable[[str], None] = print,
    rebuild: bool = False,
    ocr: bool = False,
    workers: int = 0,
) -> SyncReport:
    """Bring every source up to date, then the index (one sync at a time per data dir)."""
    corpus, state_dir = data_dir / "corpus", data_dir / "sync"
    d = sources.download
    own = fetcher is None
    fetcher = fetcher or Fetcher(d.timeout_s, int(d.max_mb * 2**20), d.retries, d.backoff_s)
    try:
        with sync_lock(state_dir):  # a sync refused here is another's: that one writes the status
            report = SyncReport()
            try:
                _sync(report, sources, corpus, state_dir, index_dir, embedder, fetcher, log, rebuild, ocr,
                      workers)  # fmt: skip
            except BaseException as e:  # the status says how the sync ended, whatever ended it
                report.refused = isinstance(e, IndexError_)
                report.stopped = (
                    str(e) if isinstance(e, (IndexError_, OSError, ModelError)) and str(e)
                    else "interrompue" if isinstance(e, KeyboardInterrupt)
                    else f"erreur inattendue ({type(e).__name__}) : {e}"
                )  # fmt: skip
                raise
            finally:
                _write_status(state_dir, report, sources)
            return report
    finally:
        if own:
            fetcher.close()


def _sync(
    report: SyncReport,
    sources: Sources,
    corpus: Path,
    state_dir: Path,
    index_dir: Path,
    embedder: Callable[[], Embedder],
    fetcher: Fetcher,
    log: Callable[[str], None],
    rebuild: bool,
    ocr: bool,
    workers: int,
) -> None:
    """Fill report as the sync goes: the status is written from it even when the sync stops half-way."""
    log(f"{_now()} synchronisation de {len(sources.sources)} source(s) ({sources.path})")
    for source in sources.sources:
        r = _sync_source(source, corpus / source.name, state_dir / f"{source.name}.json", fetcher, log)
        report.sources.append(r)
        _log_source(r, source, log)
    report.dropped = _drop_old(corpus, state_dir, {s.name for s in sources.sources}, log)
    origins_changed = _write_origins(sources, corpus, state_dir)
    published = current(index_dir)
    synced = corpus.is_dir() and bool(find_pdfs(corpus))
    _check_built_from_sources(index_dir, corpus, sources, rebuild, synced)
    stale = published is None or rebuild or origins_changed or bool(report.dropped)
    if not stale and not any(r.changed for r in report.sources):
        log(f"{_now()} index déjà à jour")
        return
    if not synced:
        log(f"{_now()} aucun PDF synchronisé : l'index n'est pas modifié")
        return
    report.index = ingest(
        corpus, index_dir, embedder(), rebuild=rebuild, progress=False, ocr=ocr, log=log, workers=workers
    )
    i = report.index
    state = "publié" if i.published else "déjà à jour"
    log(
        f"{_now()} index {state} : {len(i.added)} ajouté(s), {len(i.replaced)} remplacé(s), "
        f"{len(i.removed)} retiré(s), {len(i.unchanged)} inchangé(s), {len(i.skipped)} écarté(s) ; "
        f"{i.chunks} passages"
    )
    for s in i.skipped:
        log(f"  écarté {s.path} : {s.reason}")


def _check_built_from_sources(
    index_dir: Path, corpus: Path, sources: Sources, rebuild: bool, synced: bool
) -> None:
    """Refuse, at every sync, while the published index holds another folder than the sources: a sync that said
    « à jour » would leave that folder's documents answering in the sources' name."""
    published = current(index_dir)
    if published is None or (rebuild and synced):
        return
    built_from = Path(json.loads((published / "manifest.json").read_text())["corpus"])
    if built_from == corpus.resolve():
        return
    said = (
        f"L'index publié dans {index_dir} a été construit depuis le dossier {built_from}, pas depuis les "
        f"sources de {sources.path.name} : il répond toujours avec les documents de {built_from}. "
    )
    if rebuild:
        raise IndexError_(
            said + "Aucun PDF n'a été synchronisé pour le remplacer : vérifiez les sources ci-dessus, puis "
            "relancez `registre sync --rebuild`."
        )
    raise IndexError_(
        said + "Lancez `registre sync --rebuild` pour le remplacer par l'index des sources, ou donnez à "
        "REGISTRE_DATA_DIR un autre dossier pour garder les deux."
    )


@contextmanager
def sync_lock(state_dir: Path) -> Iterator[None]:
    """One sync at a time per data dir."""

    def busy(holder: str) -> SyncRunning:
        return SyncRunning(
            f"Une synchronisation est déjà en cours (processus {holder}) ; celle-ci attendra la prochaine échéance."
        )

    with process_lock(state_dir / "sync.lock", busy):
        yield


def _sync_source(source: Source, folder: Path, state_path: Path, fetcher: Fetcher, log) -> SourceReport:
    report = SourceReport(source.name, source.kind)
    try:
        state = json.loads(state_path.read_text()) if state_path.is_file() else {"items": {}}
    except ValueError:
        report.error = f"état illisible ({state_path}) : supprimez-le pour tout reprendre depuis la source"
        return report
    try:
        if source.kind == "folder":
            listed = _copy_folder(source, folder, state, report)
        else:
            listed = _download_all(source, folder, state, report, fetcher)
    except (DownloadError, ListingError, OSError) as e:
        report.error = str(e)
        return report
    for key in sorted(set(state["items"]) - listed):
        if source.keep:
            continue
        item = state["items"].pop(key)
        (folder / item["file"]).unlink(missing_ok=True)
        report.removed.append(item["file"])
    _save_json(state_path, state)
    return report


def _copy_folder(source: Source, folder: Path, state: dict, report: SourceReport) -> set[str]:
    """Copy the folder's PDFs that changed (size and time first, then the content hash)."""
    origin = Path(source.location)
    if not origin.is_dir():
        raise ListingError(f"dossier introuvable : {origin}")
    listed = set()
    for path in find_pdfs(origin):
        rel = path.relative_to(origin).as_posix()
        listed.add(rel)
        stat = path.stat()
        known = state["items"].get(rel)
        target = folder / rel
        if (
            known
            and known["size"] == stat.st_size
            and known["mtime_ns"] == stat.st_mtime_ns
            and target.is_file()
        ):
            report.unchanged += 1
            continue
        digest = sha256_of(path)
        if known and known["sha256"] == digest and target.is_file():
            report.unchanged += 1
        else:
            _place(target, path.read_bytes())
            (report.updated if known else report.added).append(rel)
        url = source.public_url.rstrip("/") + "/" + rel if source.public_url else None
        state["items"][rel] = {"file": rel, "url": url, "sha256": digest, "size": stat.st_size,
                               "mtime_ns": stat.st_mtime_ns}  # fmt: skip
    return listed


def _download_all(
    source: Source, folder: Path, state: dict, report: SourceReport, fetcher: Fetcher
) -> set[str]:
    """Download what the source lists and changed since the last sync; a file that fails keeps its last copy."""
    items = _listing(source, state, fetcher)
    taken = {i["file"] for i in state["items"].values()}
    for item in items:
        known = state["items"].get(item.url)
        # Validators only for a file still here: a copy lost on disk is downloaded again.
        held = known if known is not None and (folder / known["file"]).is_file() else {}
        try:
            got = fetcher.get(item.url, held.get("etag"), held.get("last_modified"))
        except DownloadError as e:
            report.failed.append(str(e))
            continue
        if known is None:
            known = {"file": _file_name(item.url, taken)}
            taken.add(known["file"])
        if got.content is None:
            report.unchanged += 1
            report.not_modified += 1
        else:
            report.downloaded += len(got.content)
            if known.get("sha256") == got.sha256 and (folder / known["file"]).is_file():
                report.unchanged += 1
            else:
                _place(folder / known["file"], got.content)
                (report.updated if "sha256" in known else report.added).append(known["file"])
            known["sha256"] = got.sha256
        known.update(url=item.url, etag=got.etag or known.get("etag"), published=item.published,
                     last_modified=got.last_modified or known.get("last_modified"))  # fmt: skip
        state["items"][item.url] = known
    return {i.url for i in items}


def _listing(source: Source, state: dict, fetcher: Fetcher) -> list[Item]:
    """The PDFs the source lists now; an unchanged CSV or feed (304) lists what it listed last time."""
    if source.kind == "urls":
        return [Item(u) for u in dict.fromkeys(source.urls)]
    last = state.get("listing", {})
    got = fetcher.get(source.location, last.get("etag"), last.get("last_modified"), pdf=False)
    if got.content is None and "items" in last:
        return [Item(i["url"], i.get("published", {})) for i in last["items"]]
    read = scdl_items if source.kind == "scdl" else feed_items
    items = read(got.content or b"", source.location)
    state["listing"] = {"etag": got.etag, "last_modified": got.last_modified,
                        "items": [{"url": i.url, "published": i.published} for i in items]}  # fmt: skip
    return items


def _file_name(url: str, taken: set[str]) -> str:
    """A file name from the URL's last segment; another URL's name already taken gets the URL's hash."""
    base = unquote(urlparse(url).path.rstrip("/").rsplit("/", 1)[-1]) or "document"
    stem = re.sub(r"[^\w.-]+", "_", base).strip("._")[:120] or "document"
    stem = stem[:-4] if stem.lower().endswith(".pdf") else stem
    name = f"{stem}.pdf"
    return name if name not in taken else f"{stem}-{hashlib.sha256(url.encode()).hexdigest()[:8]}.pdf"


def _place(target: Path, content: bytes) -> None:
    """Write a file whole or not at all (the temporary name is no PDF: an ingest never reads it)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.part")
    tmp.write_bytes(content)
    os.replace(tmp, target)


def _drop_old(corpus: Path, state_dir: Path, names: set[str], log) -> list[str]:
    """Remove the files of sources no longer in the sources file."""
    dropped = (
        sorted(p.name for p in corpus.iterdir() if p.is_dir() and p.name not in names)
        if corpus.is_dir()
        else []
    )
    for name in dropped:
        shutil.rmtree(corpus / name)
        (state_dir / f"{name}.json").unlink(missing_ok=True)
        log(f"[{name}] source retirée du fichier de sources : ses documents sont retirés")
    return dropped


def _write_origins(sources: Sources, corpus: Path, state_dir: Path) -> bool:
    """Write what each file's source says of it into the corpus folder; return whether it changed."""
    files: dict[str, Origin] = {}
    before_files = load_origins(corpus).files
    for s in sources.sources:
        path = state_dir / f"{s.name}.json"
        try:
            items = json.loads(path.read_text())["items"] if path.is_file() else {}
        except ValueError:  # reported with its source: its files keep the origins they had
            files |= {rel: o for rel, o in before_files.items() if rel.startswith(f"{s.name}/")}
            continue
        for item in items.values():
            published = item.get("published") or {}
            files[f"{s.name}/{item['file']}"] = Origin(
                source=s.name,
                collectivite=s.collectivite or published.get("COLL_NOM"),
                siret=s.siret or published.get("COLL_SIRET"),
                council=s.council,
                url=item.get("url"),
                published={k: v for k, v in published.items() if k not in ("COLL_NOM", "COLL_SIRET")},
            )
    before = (corpus / ORIGINS_FILE).read_bytes() if (corpus / ORIGINS_FILE).is_file() else b""
    save_origins(corpus, Origins(files, sources.sirets))
    return (corpus / ORIGINS_FILE).read_bytes() != before


def _write_status(state_dir: Path, report: SyncReport, sources: Sources) -> None:
    """How the last sync of each source ended, for `registre status` and the metrics: `ok` only when its files
    were fetched and the index brought up to date; a sync refused or failed says why in `stopped`."""
    path = state_dir / "status.json"
    try:
        status = json.loads(path.read_text()) if path.is_file() else {}
    except ValueError:  # damaged: this sync's outcome replaces it
        status = {}
    ran = {r.name: r for r in report.sources}
    finished = datetime.now(UTC).isoformat(timespec="seconds")
    for source in sources.sources:  # a source the sync did not reach ends as the sync did
        r = ran.get(source.name) or SourceReport(source.name, source.kind)
        ok = report.stopped is None and not (r.error or r.failed)
        status[source.name] = {"finished": finished, "ok": ok,
                               "outcome": "succeeded" if ok else report.outcome if report.stopped else "failed",
                               "error": r.error, "stopped": report.stopped, "failed": len(r.failed),
                               "added": len(r.added), "updated": len(r.updated), "removed": len(r.removed),
                               "unchanged": r.unchanged}  # fmt: skip
    for name in report.dropped:
        status.pop(name, None)
    _save_json(path, status)


def last_syncs(data_dir: Path) -> dict[str, dict]:
    """The last sync of each source, by name: as `_write_status` left it, with `finished_at` in Unix time."""
    path = data_dir / "sync" / "status.json"
    try:
        status = json.loads(path.read_text()) if path.is_file() else {}
    except (OSError, ValueError):  # being replaced, or damaged: no sync to report rather than a failure
        return {}
    return {
        name: {
            "outcome": "succeeded" if s.get("ok") else "failed",  # as a status written before `outcome` reads
            "stopped": None,
            **s,
            "finished_at": datetime.fromisoformat(s["finished"]).timestamp(),  # ISO, with its zone
        }
        for name, s in sorted(status.items())
    }


def _log_source(r: SourceReport, source: Source, log) -> None:
    where = source.location or f"{len(source.urls)} adresse(s)"
    if r.error:
        log(
            f"[{r.name}] ÉCHEC {KIND_WORDS[r.kind]} {where} : {r.error} ; ses documents sont gardés tels quels"
        )
        return
    fetched = ""
    if r.kind != "folder":
        fetched = f" dont {r.not_modified} sans téléchargement (304)" if r.not_modified else ""
        fetched += f", {r.downloaded / 2**20:.1f} Mo téléchargé(s)"
    log(
        f"[{r.name}] {KIND_WORDS[r.kind]} {where} : {len(r.added)} ajouté(s), {len(r.updated)} mis à jour, "
        f"{len(r.removed)} retiré(s), {r.unchanged} inchangé(s){fetched}"
    )
    for line in [*(f"ajouté {f}" for f in r.added), *(f"mis à jour {f}" for f in r.updated),
                 *(f"retiré {f}" for f in r.removed), *(f"échec {m}" for m in r.failed)]:  # fmt: skip
        log(f"  {line}")


def _save_json(path: Path, data: object) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def _now() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S")


def parse_every(value: str) -> float:
    """Seconds in "90s", "30m", "6h", "1d"."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdj]?)\s*", value.lower())
    if not m or float(m.group(1)) <= 0:
        raise ValueError(f"durée non comprise : « {value} » (exemples : 30m, 6h, 1d)")
    unit = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "j": 86400}[m.group(2)]
    return float(m.group(1)) * unit
