"""What a source lists: the PDFs of an SCDL délibérations CSV (with its metadata), of an RSS or Atom feed."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

import feedparser

# The SCDL columns kept beside what the PDF says (https://schema.data.gouv.fr/scdl/deliberations/).
SCDL_KEPT = ("COLL_NOM", "COLL_SIRET", "DELIB_ID", "DELIB_DATE", "DELIB_MATIERE_CODE", "DELIB_MATIERE_NOM",
             "DELIB_OBJET", "VOTE_EFFECTIF", "VOTE_REEL", "VOTE_POUR", "VOTE_CONTRE", "VOTE_ABSTENTION")  # fmt: skip
_FRENCH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


class ListingError(ValueError):
    """A listing (CSV, feed) that cannot be read; the message says why, in French."""


@dataclass(frozen=True)
class Item:
    """One PDF a source lists, and what the publisher says of it."""

    url: str
    published: dict[str, str] = field(default_factory=dict)


def scdl_items(content: bytes, base: str) -> list[Item]:
    """The rows of an SCDL délibérations CSV that point to a PDF (DELIB_URL), with their metadata."""
    text = _decode(content)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    columns = {(c or "").strip().upper(): c for c in reader.fieldnames or []}
    if "DELIB_URL" not in columns:
        raise ListingError(f"{base} : pas de colonne DELIB_URL ; est-ce bien un CSV SCDL délibérations ?")
    items: dict[str, Item] = {}
    for row in reader:
        url = (row.get(columns["DELIB_URL"]) or "").strip()
        if not url:
            continue
        kept = {c: v.strip() for c in SCDL_KEPT if c in columns and (v := row.get(columns[c]) or "").strip()}
        if "DELIB_DATE" in kept:
            kept["DELIB_DATE"] = _iso(kept["DELIB_DATE"])
        items.setdefault(urljoin(base, url), Item(urljoin(base, url), kept))
    return list(items.values())


def feed_items(content: bytes, base: str) -> list[Item]:
    """The PDFs an RSS or Atom feed links to (enclosures or links), with each entry's title and date."""
    parsed = feedparser.parse(content)
    if parsed.bozo and not parsed.entries:
        raise ListingError(
            f"{base} : flux RSS/Atom illisible ({parsed.get('bozo_exception', 'format inconnu')})"
        )
    items: dict[str, Item] = {}
    for entry in parsed.entries:
        meta = {"TITRE": entry.get("title", "")}
        if entry.get("published_parsed") or entry.get("updated_parsed"):
            t = entry.get("published_parsed") or entry.get("updated_parsed")
            meta["DATE_PUBLICATION"] = f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}"
        for link in [*entry.get("enclosures", []), *entry.get("links", [])]:
            href = link.get("href") or link.get("url") or ""
            pdf = link.get("type", "").lower() in ("application/pdf", "application/x-pdf")
            if href and (pdf or href.lower().split("?")[0].endswith(".pdf")):
                url = urljoin(base, href)
                items.setdefault(url, Item(url, {k: v for k, v in meta.items() if v}))
    return list(items.values())


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")  # what spreadsheets export in France


def _iso(value: str) -> str:
    """SCDL dates are ISO; some publishers write them DD/MM/YYYY."""
    m = _FRENCH_DATE.match(value)
    return f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}" if m else value[:10]
