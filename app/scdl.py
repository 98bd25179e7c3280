"""Open data: the délibérations in the national SCDL "délibérations" schema (OpenDataFrance, version 2.1).

One row per délibération: each act of its own, and each act numbered only in the minutes of a séance or in a
répertoire ("D2025-019", "2025_019": once, from the minutes when both print it). Votes come from the act or, when the act prints only "Le Conseil adopte", from the
affaire of the procès-verbal it is linked to, else from the publisher's own SCDL row (`registre sync`). COLL_NOM
is each act's collectivité; the SIRET comes from the sources file, else from the settings. The ACTES subject code
is left for the city to fill. An index of several collectivités is written one file per collectivité.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from index.collectivites import belongs, collectivite_key
from index.identifiers import act_key
from index.store import Document, Index, StoredAffaire

COLUMNS = (
    "COLL_NOM",
    "COLL_SIRET",
    "DELIB_ID",
    "DELIB_DATE",
    "DELIB_MATIERE_CODE",
    "DELIB_MATIERE_NOM",
    "DELIB_OBJET",
    "BUDGET_ANNEE",
    "BUDGET_NOM",
    "PREF_ID",
    "PREF_DATE",
    "VOTE_EFFECTIF",
    "VOTE_REEL",
    "VOTE_POUR",
    "VOTE_CONTRE",
    "VOTE_ABSTENTION",
    "DELIB_URL",
    "PREF_ACTE_ID",  # added: the préfecture's receipt id, the act's unique key
    "DELIB_FICHIER",  # added: the PDF, relative to the corpus
)
REQUIRED = COLUMNS[:7]  # COLL_NOM … DELIB_OBJET: the schema requires them
_INTEGER = ("VOTE_EFFECTIF", "VOTE_REEL", "VOTE_POUR", "VOTE_CONTRE", "VOTE_ABSTENTION")
_PATTERNS = {
    "COLL_SIRET": re.compile(r"^\d{14}$"),
    "DELIB_MATIERE_CODE": re.compile(r"^\d\.\d{1,2}$"),
    "BUDGET_ANNEE": re.compile(r"^[0-9]{4}(/[0-9]{4})?$"),
    "PREF_ID": re.compile(r"^(PREF\d{2}[0-9AB]|SPREF\d{2}[0-9AB]\d|SGAR\d{2}[0-9AB])$"),
    "DELIB_URL": re.compile(r"^https?://[^\s/$.?#][^\s]*$"),
}
_BUDGET_YEAR = re.compile(
    r"\b(?:exercice|budget\s+\w+|compte\s+administratif)\s+((?:19|20)\d{2})\b", re.IGNORECASE
)


def rows(
    index: Index, siret: str = "", public_url: str = "", collectivite: str | None = None
) -> list[dict[str, str]]:
    """The délibérations of the index as SCDL rows, in séance and number order; collectivite: a key
    (index.collectivites), to keep that collectivité's alone."""
    documents = list(index.documents.values())
    if collectivite == "":  # the acts that name no collectivité
        documents = [d for d in documents if not d.collectivite]
    elif collectivite is not None:
        documents = [d for d in documents if belongs(d.collectivite, d.path, collectivite)]
    acts = [d for d in documents if d.kind == "délibération" and d.seance_date]
    table = [_row(index, d, siret, public_url) for d in acts]
    seen = {(_coll(d), act_key(d.act_number or "")) for d in acts}
    for doc, affaire in _numbered_affaires(index, documents):
        key = (_coll(doc), act_key(affaire.act_number or ""))
        if key not in seen:
            seen.add(key)
            table.append(_affaire_row(index, doc, affaire, siret, public_url))
    table.sort(key=lambda r: (r["DELIB_DATE"], _number_key(r["DELIB_ID"]), r["PREF_ACTE_ID"]))
    return table


def _coll(doc: Document) -> str:
    return collectivite_key(doc.collectivite) if doc.collectivite else ""


def _numbered_affaires(index: Index, documents: list[Document]) -> list[tuple[Document, StoredAffaire]]:
    """The affaires of minutes and répertoires that print an act number, with a date, and that no délibération
    of the index holds (a link to one): the minutes first, since they print the vote."""
    out = []
    for doc in documents:
        if doc.kind not in ("procès-verbal", "compte rendu", "répertoire"):
            continue
        for a in index.document_affaires(doc.id):
            linked = index.documents.get(a.link_doc) if a.link_doc else None
            held = linked is not None and linked.kind == "délibération"
            if a.act_number and act_key(a.act_number) and (a.date or doc.seance_date) and not held:
                out.append((doc, a))
    return sorted(out, key=lambda p: (p[0].kind == "répertoire", p[0].path, p[1].idx))


def _number_key(number: str | None) -> tuple[str, int]:
    key = act_key(number or "") or ""
    year, _, n = key.partition("-")
    return (year, int(n) if n.isdigit() else 0)


def _row(index: Index, doc: Document, siret: str, public_url: str) -> dict[str, str]:
    affaire = index.affaires.get((doc.id, 0))
    tally = index.tally(affaire) if affaire else None
    counts = (tally.pour, tally.contre, tally.abstention) if tally else _published_counts(doc)
    budget = _BUDGET_YEAR.search(doc.objet or "")
    department = (doc.receipt_id or "").split("-", 1)[0]
    row = {
        "COLL_NOM": doc.collectivite or "",
        "COLL_SIRET": doc.siret or siret,
        "DELIB_ID": doc.act_number or "",
        "DELIB_DATE": doc.seance_date or "",
        "DELIB_MATIERE_CODE": "",
        "DELIB_MATIERE_NOM": "",
        "DELIB_OBJET": doc.objet or "",
        "BUDGET_ANNEE": budget.group(1) if budget else "",
        "BUDGET_NOM": "",
        "PREF_ID": f"PREF{department}" if re.fullmatch(r"\d{2}[0-9AB]", department) else "",
        "PREF_DATE": doc.receipt_date or "",
        "VOTE_EFFECTIF": "",
        # Those who took part: known only when every count is printed ("Contre :" left empty counts 0).
        "VOTE_REEL": str(sum(counts)) if all(c is not None for c in counts) else "",  # type: ignore[arg-type]
        "VOTE_POUR": _int(counts[0]),
        "VOTE_CONTRE": _int(counts[1]),
        "VOTE_ABSTENTION": _int(counts[2]),
        "DELIB_URL": doc.url or (f"{public_url.rstrip('/')}/documents/{doc.id}.pdf" if public_url else ""),
        "PREF_ACTE_ID": doc.receipt_id or "",
        "DELIB_FICHIER": doc.path,
    }
    return row


def _affaire_row(
    index: Index, doc: Document, affaire: StoredAffaire, siret: str, public_url: str
) -> dict[str, str]:
    """An act numbered in the minutes or a répertoire: its title, the séance's date, the tally printed."""
    tally = index.tally(affaire)
    counts = (tally.pour, tally.contre, tally.abstention) if tally else (None, None, None)
    budget = _BUDGET_YEAR.search(affaire.title)
    return {
        **dict.fromkeys(COLUMNS, ""),
        "COLL_NOM": doc.collectivite or "",
        "COLL_SIRET": doc.siret or siret,
        "DELIB_ID": affaire.act_number or "",
        "DELIB_DATE": affaire.date or doc.seance_date or "",
        "DELIB_OBJET": affaire.title,
        "BUDGET_ANNEE": budget.group(1) if budget else "",
        "VOTE_REEL": str(sum(counts)) if all(c is not None for c in counts) else "",  # type: ignore[arg-type]
        "VOTE_POUR": _int(counts[0]),
        "VOTE_CONTRE": _int(counts[1]),
        "VOTE_ABSTENTION": _int(counts[2]),
        "DELIB_URL": doc.url or (f"{public_url.rstrip('/')}/documents/{doc.id}.pdf" if public_url else ""),
        "DELIB_FICHIER": doc.path,
    }


def _published_counts(doc: Document) -> tuple[int | None, int | None, int | None]:
    """The votes of the publisher's own SCDL row, where the PDF prints none."""
    row = json.loads(doc.published) if doc.published else {}
    return tuple(  # type: ignore[return-value]
        int(v) if (v := str(row.get(c, "")).strip()).isdigit() else None
        for c in ("VOTE_POUR", "VOTE_CONTRE", "VOTE_ABSTENTION")
    )


def _int(value: int | None) -> str:
    return "" if value is None else str(value)


def problems(table: Iterable[dict[str, str]]) -> list[str]:
    """Check every row against the schema's field rules; return what breaks them (empty list: valid).
    A required field left empty is reported, since the documents do not say it."""
    found = []
    for i, row in enumerate(table, start=1):
        if tuple(row) != COLUMNS:
            found.append(f"ligne {i} : colonnes {list(row)} au lieu de {list(COLUMNS)}")
            continue
        for name, value in row.items():
            where = f"ligne {i}, {name}"
            if not value:
                if name in REQUIRED:
                    found.append(f"{where} : obligatoire, vide")
                continue
            if name in ("DELIB_DATE", "PREF_DATE"):
                try:
                    date.fromisoformat(value)
                except ValueError:
                    found.append(f"{where} : {value!r} n'est pas une date AAAA-MM-JJ")
            elif name in _INTEGER and not value.isdigit():
                found.append(f"{where} : {value!r} n'est pas un entier")
            elif name in _PATTERNS and not _PATTERNS[name].match(value):
                found.append(f"{where} : {value!r} ne suit pas le motif {_PATTERNS[name].pattern}")
    return found


def to_csv(table: list[dict[str, str]]) -> str:
    """CSV as data.gouv.fr takes it: UTF-8, comma-separated, a header line, values quoted when needed."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(table)
    return out.getvalue()


def write(
    index: Index, out: Path, siret: str = "", public_url: str = "", collectivite: str | None = None
) -> tuple[int, list[str]]:
    """Write the CSV atomically; return the number of rows and the rule problems found."""
    table = rows(index, siret, public_url, collectivite)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(to_csv(table), encoding="utf-8")
    tmp.replace(out)
    return len(table), problems(table)


def files(index: Index, out: Path) -> dict[Path, str | None]:
    """Where each collectivité's délibérations go: `out` for an index of one (or none), else one file per
    collectivité beside it (`deliberations-pierrefonds.csv`), by key ("" for the acts that name none)."""
    keys = sorted({collectivite_key(r["COLL_NOM"]) if r["COLL_NOM"] else "" for r in rows(index)})
    if len(keys) < 2:
        return {out: None}
    return {
        out.with_name(f"{out.stem}-{(k or 'collectivite inconnue').replace(' ', '-')}{out.suffix}"): k
        for k in keys
    }
