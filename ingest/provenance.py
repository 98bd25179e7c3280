"""What the sources say of each file, and how it completes what the document says of itself.

The collectivité comes from the text first ("Commune de Pierrefonds" in the title block), else from the source the
file came from (the sources file, or the COLL_NOM of the publisher's SCDL CSV), else from a folder of its path
named after a collectivité the other documents name. The publisher's metadata (DELIB_ID, date, objet, votes) is
kept beside what the PDF says and fills only what the PDF leaves silent. `registre sync` writes the origins into
the corpus folder (ORIGINS_FILE), so any later ingest of that folder keeps them.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from index.collectivites import collectivite_key, folder_keys, names
from index.french import MONTH_NUMBER, fold
from index.store import Document

ORIGINS_FILE = ".registre-sources.json"
# Document field ← SCDL column of the publisher's CSV, used where the PDF says nothing.
FROM_PUBLISHED = {"act_number": "DELIB_ID", "seance_date": "DELIB_DATE", "objet": "DELIB_OBJET"}
# A field of `filled` set from the file's name, not from the sources: "seance_date@name".
FROM_NAME = "@name"
# The dates file names carry: "20150202-PV", "PV_CM_17_02_2014", "cr-28-02-2022", "pv-du-cm-du-16122024",
# "Delibs_2013_02_04", "conseil-municipal-du-08-juillet-2019". A month or a year alone is no séance's date.
_SEP = r"[-_. ]?"
_NAME_DATES = (
    re.compile(rf"(?<!\d)(?P<y>(?:19|20)\d\d){_SEP}(?P<m>[01]\d){_SEP}(?P<d>[0-3]\d)(?!\d)"),
    re.compile(rf"(?<!\d)(?P<d>[0-3]?\d){_SEP}(?P<m>[01]\d){_SEP}(?P<y>(?:19|20)\d\d)(?!\d)"),
    re.compile(
        rf"(?<![\d])(?P<d>[0-3]?\d)(?:er)?{_SEP}(?P<month>{'|'.join(MONTH_NUMBER)}){_SEP}(?P<y>(?:19|20)\d\d)(?!\d)"
    ),
)


@dataclass(frozen=True)
class Origin:
    """What a source says of one of its files."""

    source: str
    collectivite: str | None = None
    siret: str | None = None
    council: str | None = None
    url: str | None = None  # where the publisher serves the PDF
    published: dict[str, str] = field(default_factory=dict)  # SCDL columns: DELIB_ID, DELIB_DATE, VOTE_POUR…


@dataclass(frozen=True)
class Origins:
    """The origin of every file of a corpus (by path relative to it), and the SIRETs known by collectivité."""

    files: dict[str, Origin] = field(default_factory=dict)
    sirets: dict[str, str] = field(default_factory=dict)  # collectivité name → SIRET


def load_origins(corpus: Path) -> Origins:
    """The origins `registre sync` wrote into the corpus folder; none for a folder indexed as it is."""
    path = corpus / ORIGINS_FILE
    if not path.is_file():
        return Origins()
    data = json.loads(path.read_text(encoding="utf-8"))
    files = {rel: Origin(**o) for rel, o in data.get("files", {}).items()}
    return Origins(files, dict(data.get("sirets", {})))


def save_origins(corpus: Path, origins: Origins) -> None:
    """Write the origins into the corpus folder, atomically."""
    corpus.mkdir(parents=True, exist_ok=True)
    data = {"files": {rel: asdict(o) for rel, o in sorted(origins.files.items())}, "sirets": origins.sirets}
    tmp = corpus / (ORIGINS_FILE + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, corpus / ORIGINS_FILE)


def date_in_name(path: str) -> str | None:
    """The date (ISO) the file's name gives, day, month and year; None when it gives none, or only a month."""
    name = fold(path.rsplit("/", 1)[-1].rsplit(".", 1)[0])
    for pattern in _NAME_DATES:
        for m in pattern.finditer(name):
            month = MONTH_NUMBER[m.group("month")] if "month" in m.groupdict() else int(m.group("m"))
            day, year = int(m.group("d")), int(m.group("y"))
            if 1 <= month <= 12 and 1 <= day <= 31:
                return f"{year:04d}-{month:02d}-{day:02d}"
    return None


def as_read(doc: Document) -> Document:
    """The document as its text describes it: what the sources or the file's name filled is taken back out."""
    filled = (doc.filled or "").split(",")
    cleared: dict[str, Any] = {name.removesuffix(FROM_NAME): None for name in filled if name}
    return replace(doc, **cleared, source=None, siret=None, url=None, published=None, filled=None)


def attribute(documents: list[Document], origins: Origins) -> list[Document]:
    """Complete each document with what its source says, and give every collectivité one spelling (the one most
    documents print) and its SIRET when known."""
    read = [as_read(d) for d in documents]
    printed = names(read)  # the collectivités the texts name, by key
    sirets = {collectivite_key(n): s for n, s in origins.sirets.items()}
    for o in origins.files.values():
        if o.collectivite and o.siret:
            sirets.setdefault(collectivite_key(o.collectivite), o.siret)
    done = [_complete(d, origins.files.get(d.path), printed) for d in read]
    spelling = names(done)
    out = []
    for d in done:
        key = collectivite_key(d.collectivite) if d.collectivite else ""
        out.append(replace(d, collectivite=spelling.get(key, d.collectivite), siret=sirets.get(key)))
    return out


def _complete(doc: Document, origin: Origin | None, printed: dict[str, str]) -> Document:
    values: dict[str, Any] = {}
    if origin is not None:
        for name, column in FROM_PUBLISHED.items():
            if getattr(doc, name) is None and origin.published.get(column):
                values[name] = origin.published[column]
        if doc.council is None and origin.council:
            values["council"] = origin.council
        if doc.collectivite is None and origin.collectivite:
            values["collectivite"] = origin.collectivite
    if doc.seance_date is None and "seance_date" not in values and doc.kind != "répertoire":
        dated = date_in_name(doc.path)  # the text has no date: the name the council gave the file may
        if dated:
            values["seance_date" + FROM_NAME] = dated
    if doc.collectivite is None and "collectivite" not in values:
        # A folder named after a collectivité the texts name: the innermost one.
        named = [printed[k] for k in reversed(folder_keys(doc.path)) if k in printed]
        if named:
            values["collectivite"] = named[0]
    return replace(
        doc,
        **{name.removesuffix(FROM_NAME): value for name, value in values.items()},
        source=origin.source if origin else None,
        url=origin.url if origin else None,
        published=json.dumps(origin.published, ensure_ascii=False) if origin and origin.published else None,
        filled=",".join(values) or None,
    )
