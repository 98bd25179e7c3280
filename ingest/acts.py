"""Read what a council document says about itself: kind, act number, séance date, objet, rapporteur."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.french import MONTH_NUMBER
from index.identifiers import PRINTED_ACT_NUMBER, RECEIPT, act_number
from ingest.pdf import Page

_DATE = r"(\d{1,2})(?:er)?\s+(" + "|".join(MONTH_NUMBER) + r")\s+(\d{4})"
_SEANCE = re.compile(
    r"s[ée]ance\s+(?:publique\s+|ordinaire\s+|extraordinaire\s+)?du\s+(?:\w+\s+)?" + _DATE, re.IGNORECASE
)
_RAPPORTEUR = re.compile(
    r"^(?:M\.|Mme|Madame|Monsieur)?\s*(.{3,80}?)\s+rapporte\s*:", re.IGNORECASE | re.MULTILINE
)
_NAMES = re.compile(r"^(?:[A-ZÀ-Ý][\w'-]+(?:-[A-ZÀ-Ý][\w'-]+)?\s+[A-ZÀ-Ý][A-ZÀ-Ý' -]+[,.]?\s*)+$")
# A surname as the lists of those present print it; "Extension, Terminaux, Maintenance" is an objet, not a list.
_SURNAME = re.compile(r"\b[A-ZÀ-Ý][A-ZÀ-Ý'-]{2,}\b")
_COUNCIL = re.compile(
    r"d[ée]lib[ée]rations?\s+du\s+(Conseil\s+(?:Municipal|de\s+M[ée]tropole|M[ée]tropolitain|Communautaire|"
    r"d['’]\s*Agglom[ée]ration))\s+de\s+(?:la\s+|l['’]\s*)?((?:Ville|Commune|M[ée]tropole|"
    r"Communaut[ée]\s+d['’]\s*Agglom[ée]ration)\s+(?:de\s+|d['’]\s*)?[A-ZÀ-Ý][\w'’-]+(?:[ -][A-ZÀ-Ý][\w'’-]+)*)",
    re.IGNORECASE,
)
_REGISTER_OF = re.compile(
    r"registre\s+des\s+d[ée]lib[ée]rations\s+de\s+(?:la\s+|l['’]\s*)?"
    r"([A-ZÀ-Ý][\w'’-]+(?:[ -][A-ZÀ-Ý][\w'’-]+){0,4})"
)
_PRESIDENT = re.compile(
    r"sous\s+la\s+pr[ée]sidence\s+de\s+(?:Madame|Monsieur|M\.|Mme)?\s*(?:le\s+|la\s+)?"
    r"(?:Maire|Pr[ée]sidente?|Adjointe?)?\s*,?\s*([A-ZÀ-Ý][\w'’-]+(?:[ -][A-ZÀ-Ý][\w'’-]+){1,3})"
)
_PUBLISHED = re.compile(r"Publi[ée]e?\s+le\s*:?\s*" + _DATE, re.IGNORECASE)
_RECEIVED = re.compile(r"R[ée]ception\s+en\s+Pr[ée]fecture\s*:\s*(\d{2})/(\d{2})/(\d{4})", re.IGNORECASE)
_RECEIPT_BLOCK = re.compile(r"Accusé de réception.*?-[A-Z]{2}\b", re.DOTALL)


@dataclass(frozen=True)
class DocumentInfo:
    kind: str  # "délibération", "procès-verbal", "compte rendu" or "document"
    act_number: str | None
    seance_date: str | None  # ISO date
    objet: str | None
    rapporteur: str | None
    receipt_id: str | None  # the préfecture's id: unique, unlike the printed number
    council: str | None = None  # "conseil municipal", "conseil de métropole", …
    collectivite: str | None = None  # "Ville de Montpellier"
    president: str | None = None
    published_date: str | None = None  # ISO
    receipt_date: str | None = None  # ISO: received in préfecture


def describe(pages: list[Page]) -> DocumentInfo:
    """Return what the first pages state about the document; None where they don't say."""
    head = "\n".join(page.text for page in pages[:2])
    start = head[:1500].lower()
    if "procès-verbal" in start or "proces-verbal" in start:
        kind = "procès-verbal"
    elif "compte-rendu" in start or "compte rendu" in start:
        kind = "compte rendu"
    elif "délibération" in start or "deliberation" in start:
        kind = "délibération"
    else:
        kind = "document"
    number = PRINTED_ACT_NUMBER.search(head) if kind == "délibération" else None
    seance = _SEANCE.search(head)
    receipt = RECEIPT.search("\n".join(page.text for page in pages))
    rapporteur = _RAPPORTEUR.search(head) if kind == "délibération" else None
    council = _COUNCIL.search(head[:1500])
    president = _PRESIDENT.search(head)
    whole = "\n".join(page.text for page in pages)
    published = _PUBLISHED.search(whole)
    received = _RECEIVED.search(whole)
    return DocumentInfo(
        kind=kind,
        act_number=act_number(number.group(1)) if number else None,
        seance_date=_iso(seance) if seance else None,
        objet=_objet(head, rapporteur.start()) if rapporteur else None,
        rapporteur=_name(rapporteur.group(1)) if rapporteur else None,
        receipt_id=receipt.group(0) if receipt else None,
        council=" ".join(council.group(1).lower().split()) if council else _council_in(start),
        collectivite=" ".join(council.group(2).split()) if council else _register_of(head[:1500]),
        president=president.group(1).strip() if president else None,
        published_date=_iso(published) if published else None,
        receipt_date="-".join(reversed(received.groups())) if received else None,
    )


def _register_of(head: str) -> str | None:
    m = _REGISTER_OF.search(head)
    return " ".join(m.group(1).split()) if m else None


def _council_in(start: str) -> str | None:
    for name in (
        "conseil municipal",
        "conseil de métropole",
        "conseil métropolitain",
        "conseil communautaire",
    ):
        if name in start:
            return name
    return None


def strip_receipt(text: str) -> str:
    """Drop the préfecture's receipt stamp, which is metadata, not content."""
    return _RECEIPT_BLOCK.sub("", text)


def _iso(match: re.Match[str]) -> str:
    day, month, year = match.groups()
    return f"{int(year):04d}-{MONTH_NUMBER[month.lower()]:02d}-{int(day):02d}"


def _name(raw: str) -> str:
    return raw.split(",")[0].strip()


def _objet(head: str, rapporteur_at: int) -> str | None:
    """The objet is the block of lines just above "X rapporte :", after the list of those present."""
    before = head[:rapporteur_at].rstrip().splitlines()
    block: list[str] = []
    for line in reversed(before):
        label = bool(
            re.search(r"(absents?|présents|excusés|procuration|territoriales)\b.*:", line, re.IGNORECASE)
        )
        label = label or (line.rstrip().endswith(".") and "," in line)  # the end of the list of names
        names = _NAMES.match(line) is not None
        listed = (
            line.count(",") >= 2 and len(_SURNAME.findall(line)) >= 2
        )  # "Sarah EL ATMANI ,Martine PETITOUT."
        if block and (label or names or listed):  # a label or names: the objet starts below
            break
        block.insert(0, line.strip())
        if len(block) >= 6:
            break
    text = " ".join(block).strip()
    return text or None
