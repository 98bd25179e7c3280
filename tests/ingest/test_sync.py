"""`registre sync` against a real HTTP server on loopback serving real corpus PDFs: an SCDL CSV written from the
corpus, an RSS feed, a list of URLs with a 404, a slow URL and an HTML page named .pdf; conditional requests,
removals upstream, a failing source beside working ones, one sync at a time."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from index.store import open_index
from ingest.download import DownloadError, Fetcher
from ingest.sources import SourcesError, read_sources
from ingest.sync import SyncRunning, parse_every, sync, sync_lock
from ingest.upstream import ListingError, feed_items, scdl_items
from tests.conftest import SHARED

CORPUS = SHARED / "corpus"
MONTPELLIER = {  # served as the PDFs of an SCDL CSV
    "2013-02-04-0000061089.pdf": "montpellier/deliberations/Delibs_2013_02_04/2013-02-04-0000061089.pdf",
    "2013-03-25-0000062224.pdf": "montpellier/deliberations/Delibs_2013_03_25/2013-03-25-0000062224.pdf",
}
PIERREFONDS = {  # served as the enclosures of an RSS feed
    "compte-rendu-15-12-2016.pdf": "pierrefonds/conseil-municipal/compte-rendu-15-12-2016.pdf",
    "REPERTOIRE-2025.pdf": "pierrefonds/registres/REPERTOIRE-CHRONOLOGIQUE-2025-POUR-AFFICHAGE.pdf",
}


class Upstream:
    """What the loopback server publishes; tests change it between syncs and read what was asked."""

    def __init__(self, files: dict[str, bytes]):
        self.files = dict(files)  # path → body, served as PDF
        self.pages: dict[str, tuple[str, bytes]] = {}  # path → (content type, body)
        self.downloads: list[str] = []  # paths answered 200 with a body
        self.not_modified: list[str] = []
        self.slow: set[str] = set()


def _handler(up: Upstream):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep the test output clean
            pass

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            if path in up.slow:
                time.sleep(1.5)
            if path in up.files:
                body, kind = up.files[path], "application/pdf"
            elif path in up.pages:
                kind, body = up.pages[path]
            else:
                self.send_error(404)
                return
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                up.not_modified.append(path)
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            up.downloads.append(path)
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", formatdate(usegmt=True))
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                pass

    return Handler


@pytest.fixture
def upstream():
    files = {f"/mtp/{name}": (CORPUS / rel).read_bytes() for name, rel in MONTPELLIER.items()}
    files |= {f"/pf/{name}": (CORPUS / rel).read_bytes() for name, rel in PIERREFONDS.items()}
    files["/slow.pdf"] = files["/mtp/2013-02-04-0000061089.pdf"]
    up = Upstream(files)
    up.slow.add("/slow.pdf")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(up))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    up.pages["/scdl.csv"] = ("text/csv", _scdl_csv(base).encode())
    up.pages["/flux.xml"] = ("application/rss+xml", _rss(base, list(PIERREFONDS)).encode())
    up.pages["/page.pdf"] = ("text/html", b"<html><body>Page introuvable</body></html>")
    up.base = base  # type: ignore[attr-defined]
    yield up
    server.shutdown()
    server.server_close()


def _scdl_csv(base: str) -> str:
    """An SCDL délibérations CSV as a city publishes it (semicolons, a French date); the objet of the second row
    differs from the PDF's, which must win."""
    rows = [
        "COLL_NOM;COLL_SIRET;DELIB_ID;DELIB_DATE;DELIB_OBJET;VOTE_POUR;VOTE_CONTRE;VOTE_ABSTENTION;DELIB_URL",
        f"Ville de Montpellier;21340172200017;2013/3;04/02/2013;Adhésion au CCRE;60;0;0;{base}/mtp/2013-02-04-0000061089.pdf",
        f"Ville de Montpellier;21340172200017;2013/138;2013-03-25;Objet du CSV;;;;{base}/mtp/2013-03-25-0000062224.pdf",
    ]
    return "\n".join(rows) + "\n"


def _rss(base: str, names: list[str]) -> str:
    items = "".join(
        f"<item><title>{n}</title><pubDate>Mon, 02 Jun 2025 10:00:00 GMT</pubDate>"
        f'<enclosure url="{base}/pf/{n}" type="application/pdf" length="1"/></item>'
        for n in names
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Délibérations</title>'
        f"<link>{base}/</link><description>Actes</description>{items}</channel></rss>"
    )


def _sources(tmp_path: Path, base: str, folder: Path, keep: bool = False) -> Path:
    path = tmp_path / "registre.toml"
    path.write_text(
        f"""
[download]
timeout_s = 0.4
retries = 1
backoff_s = 0.05

[[sources]]
collectivite = "Ville de Montpellier"
scdl = "{base}/scdl.csv"

[[sources]]
name = "pierrefonds-flux"
collectivite = "Commune de Pierrefonds"
siret = "21600490200014"
feed = "{base}/flux.xml"
keep = {str(keep).lower()}

[[sources]]
name = "adresses"
collectivite = "Commune de Pierrefonds"
urls = ["{base}/absent.pdf", "{base}/slow.pdf", "{base}/page.pdf"]

[[sources]]
name = "dossier"
folder = "{folder}"
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def folder(tmp_path) -> Path:
    """A folder source: a commune's minutes, laid out under the commune's name."""
    target = tmp_path / "depot" / "pierrefonds" / "20250403-PV.pdf"
    target.parent.mkdir(parents=True)
    target.write_bytes((CORPUS / "pierrefonds/conseil-municipal/20250403-PV.pdf").read_bytes())
    return tmp_path / "depot"


def test_sync_downloads_checks_and_indexes_then_only_asks_what_changed(tmp_path, upstream, folder, embedder):
    data = tmp_path / "data"
    sources = read_sources(_sources(tmp_path, upstream.base, folder))
    lines: list[str] = []
    report = sync(sources, data, data / "index", lambda: embedder, log=lines.append)

    by_name = {r.name: r for r in report.sources}
    assert sorted(by_name["montpellier"].added) == sorted(MONTPELLIER)
    assert sorted(by_name["pierrefonds-flux"].added) == sorted(PIERREFONDS)
    assert by_name["dossier"].added == ["pierrefonds/20250403-PV.pdf"]
    failed = " | ".join(by_name["adresses"].failed)
    assert "404" in failed and "délai dépassé" in failed and "pas un PDF (type text/html)" in failed
    assert by_name["adresses"].added == [] and by_name["adresses"].error is None
    assert not report.ok and report.index is not None and report.index.published is not None

    index = open_index(data / "index", embedder.name)
    docs = {d.path: d for d in index.documents.values()}
    assert len(docs) == 5
    ccre = docs["montpellier/2013-02-04-0000061089.pdf"]
    assert ccre.collectivite == "Ville de Montpellier" and ccre.siret == "21340172200017"
    assert ccre.url == f"{upstream.base}/mtp/2013-02-04-0000061089.pdf"
    assert json.loads(ccre.published or "{}")["VOTE_POUR"] == "60"
    assert json.loads(ccre.published or "{}")["DELIB_DATE"] == "2013-02-04"  # written 04/02/2013
    tetra = docs["montpellier/2013-03-25-0000062224.pdf"]
    assert tetra.objet and tetra.objet != "Objet du CSV"  # the PDF says it: the PDF wins
    repertoire = docs["pierrefonds-flux/REPERTOIRE-2025.pdf"]
    # The répertoire names no collectivité: its source does; and its SIRET follows.
    assert (repertoire.collectivite, repertoire.siret) == ("Commune de Pierrefonds", "21600490200014")
    assert "collectivite" in (repertoire.filled or "")
    # The folder source names no collectivité; the PV names its own, which gets the SIRET known for it.
    pv = docs["dossier/pierrefonds/20250403-PV.pdf"]
    assert pv.collectivite == "Commune de Pierrefonds" and pv.siret == "21600490200014"
    assert pv.source == "dossier"

    # Second sync: every file answered 304, nothing downloaded, nothing read again, the index left alone.
    upstream.downloads.clear()
    published = index.folder
    lines.clear()
    again = sync(sources, data, data / "index", lambda: pytest.fail("nothing to embed"), log=lines.append)
    # Only the HTML page named .pdf is asked again: it was refused, so there is no copy to validate.
    assert [p for p in upstream.downloads if p.endswith(".pdf")] == ["/page.pdf"]
    assert set(upstream.not_modified) >= {f"/mtp/{n}" for n in MONTPELLIER} | {
        f"/pf/{n}" for n in PIERREFONDS
    }
    assert all(not r.changed for r in again.sources) and again.index is None
    assert open_index(data / "index").folder == published
    assert any("index déjà à jour" in line for line in lines)


def test_removed_upstream_is_removed_unless_kept_and_a_failing_source_keeps_its_files(
    tmp_path, upstream, folder, embedder
):
    data = tmp_path / "data"
    path = _sources(tmp_path, upstream.base, folder)
    sync(read_sources(path), data, data / "index", lambda: embedder, log=lambda _: None)

    # The feed drops the répertoire; the CSV goes missing (the Montpellier source fails).
    upstream.pages["/flux.xml"] = (
        "application/rss+xml",
        _rss(upstream.base, ["compte-rendu-15-12-2016.pdf"]).encode(),
    )
    del upstream.pages["/scdl.csv"]
    report = sync(read_sources(path), data, data / "index", lambda: embedder, log=lambda _: None)
    by_name = {r.name: r for r in report.sources}
    assert by_name["pierrefonds-flux"].removed == ["REPERTOIRE-2025.pdf"]
    assert by_name["montpellier"].error and "404" in by_name["montpellier"].error
    paths = {d.path for d in open_index(data / "index").documents.values()}
    assert "pierrefonds-flux/REPERTOIRE-2025.pdf" not in paths
    assert {f"montpellier/{n}" for n in MONTPELLIER} <= paths  # the failing source keeps what it had
    assert not (data / "corpus" / "pierrefonds-flux" / "REPERTOIRE-2025.pdf").exists()
    status = json.loads((data / "sync" / "status.json").read_text())
    assert status["montpellier"]["ok"] is False and status["pierrefonds-flux"]["removed"] == 1

    # keep = true: what disappears upstream stays.
    kept = _sources(tmp_path, upstream.base, folder, keep=True)
    upstream.pages["/flux.xml"] = ("application/rss+xml", _rss(upstream.base, []).encode())
    report = sync(read_sources(kept), data, data / "index", lambda: embedder, log=lambda _: None)
    assert {r.name: r for r in report.sources}["pierrefonds-flux"].removed == []
    assert "pierrefonds-flux/compte-rendu-15-12-2016.pdf" in {
        d.path for d in open_index(data / "index").documents.values()
    }

    # A state file damaged on disk stops its source, not the others.
    (data / "sync" / "dossier.json").write_text("{pas du json")
    report = sync(read_sources(kept), data, data / "index", lambda: embedder, log=lambda _: None)
    by_name = {r.name: r for r in report.sources}
    assert "état illisible" in (by_name["dossier"].error or "") and by_name["pierrefonds-flux"].error is None


def test_downloads_refuse_what_is_not_a_pdf_and_stop_at_the_size_cap(upstream):
    fetcher = Fetcher(timeout_s=0.4, max_bytes=10_000, retries=0)
    with pytest.raises(DownloadError, match="au-delà de la limite"):
        fetcher.get(f"{upstream.base}/mtp/2013-02-04-0000061089.pdf")
    upstream.files["/fake.pdf"] = b"<html>not a pdf</html>"  # served as application/pdf
    with pytest.raises(DownloadError, match="%PDF"):
        Fetcher(retries=0).get(f"{upstream.base}/fake.pdf")
    waits: list[float] = []
    slow = Fetcher(timeout_s=0.2, retries=2, backoff_s=0.5, sleep=waits.append)
    with pytest.raises(DownloadError, match="après 3 essais"):
        slow.get(f"{upstream.base}/slow.pdf")
    assert waits == [0.5, 1.0]  # backoff doubles


def test_one_sync_at_a_time(tmp_path):
    with sync_lock(tmp_path), pytest.raises(SyncRunning, match="déjà en cours"), sync_lock(tmp_path):
        pass


def test_sources_file_mistakes_are_said_in_french(tmp_path):
    path = tmp_path / "registre.toml"
    path.write_text('[[sources]]\nfolder = "a"\nfeed = "https://x/f.xml"\n')
    with pytest.raises(SourcesError, match="exactement un de folder, urls, scdl ou feed"):
        read_sources(path)
    path.write_text('[[sources]]\nfeed = "ftp://x/f.xml"\n')
    with pytest.raises(SourcesError, match="n'est pas une adresse"):
        read_sources(path)
    path.write_text('[[sources]]\nfolder = "a"\nsiret = "123"\n')
    with pytest.raises(SourcesError, match="14 chiffres"):
        read_sources(path)
    path.write_text("[[sources]\n")
    with pytest.raises(SourcesError, match="TOML"):
        read_sources(path)
    with pytest.raises(SourcesError, match="introuvable"):
        read_sources(tmp_path / "absent.toml")
    assert (parse_every("6h"), parse_every("30m"), parse_every("1d")) == (21600, 1800, 86400)
    with pytest.raises(ValueError, match="durée"):
        parse_every("souvent")


def test_listings_read_atom_feeds_and_scdl_files_as_cities_write_them():
    atom = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Actes</title>'
        "<entry><title>PV du 27 mai 2025</title><updated>2025-06-02T10:00:00Z</updated>"
        '<link rel="enclosure" type="application/pdf" href="/pv/20250527-PV.pdf"/>'
        '<link rel="alternate" type="text/html" href="/actes/pv-27-mai"/></entry></feed>'
    )
    (item,) = feed_items(atom.encode(), "https://www.ville.fr/flux.atom")
    assert item.url == "https://www.ville.fr/pv/20250527-PV.pdf"
    assert item.published == {"TITRE": "PV du 27 mai 2025", "DATE_PUBLICATION": "2025-06-02"}
    comma = (
        "\ufeffCOLL_NOM,DELIB_ID,DELIB_DATE,DELIB_URL\nVille de Montpellier,2013/3,2013-02-04,a.pdf\n,,,\n"
    )
    (row,) = scdl_items(comma.encode(), "https://data.ville.fr/delibs.csv")
    assert row.url == "https://data.ville.fr/a.pdf" and row.published["DELIB_ID"] == "2013/3"
    with pytest.raises(ListingError, match="DELIB_URL"):
        scdl_items(b"COLL_NOM;DELIB_ID\nX;1\n", "https://data.ville.fr/autre.csv")
    with pytest.raises(ListingError, match="illisible"):
        feed_items(b"<html><body>pas un flux</body>", "https://www.ville.fr/flux")
