"""Read what a council document says about itself: kind, act number, séance date, objet, rapporteur."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, get_args

from index.french import MONTH_NUMBER, fold
from index.identifiers import PRINTED_ACT_NUMBER, RECEIPT, act_number
from ingest.numbers import NUMBER_WORD, number
from ingest.pdf import Page

MONTHS = MONTH_NUMBER  # "février" and "fevrier" alike
_DATE = r"(\d{1,2})(?:er)?\s+(" + "|".join(MONTHS) + r")\s+(\d{4})"
_SEANCE = re.compile(
    r"s[ée]ance\s+(?:publique\s+|ordinaire\s+|extraordinaire\s+)?du\s+(?:\w+\s+)?" + _DATE, re.IGNORECASE
)
_ACT_NUMBER = PRINTED_ACT_NUMBER
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
_TITLE_LINES = 10  # the title block: who, which council, which séance
_NUMERIC_DATE = r"(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})"
_TITLE_DATE = re.compile(
    rf"\b(?:{_NUMERIC_DATE}|(?P<day>\d{{1,2}})(?:er)?\s+(?P<month>{'|'.join(MONTHS)})\s+(?P<year>\d{{4}}))\b",
    re.IGNORECASE,
)
_OPENING = (
    re.compile(  # "L'an deux mille quinze, le 15 octobre", "L'an deux-mille-vingt-trois et le trois octobre"
        rf"L['’]an\s+deux[- ]mille(?:[- ](?P<y>{NUMBER_WORD}))?\s*,?\s*(?:et\s+)?(?:le\s+)?"
        rf"(?P<day>\d{{1,2}}|{NUMBER_WORD})(?:er)?\s+(?P<month>{'|'.join(MONTHS)})",
        re.IGNORECASE,
    )
)
_PARTICLE = r"(?:de|des|du|la|le|les|en|sur|et|lès|d['’]|l['’])"
_PLACE = rf"[A-ZÀ-Ý][\w'’-]+(?:(?:[ -]|\s+(?={_PARTICLE}))(?:{_PARTICLE}\s*)*[A-ZÀ-Ý][\w'’-]+)*"  # "Coteaux du Val d’Or"
# French writes "de l'Oise", never "du" before a vowel: "Communauté de Communes du Unanimité" is a table's row
# ("… du" | "Unanimité" | "Pays Mornantais"), not a name.
_DU = r"du(?!\s+[AEIOUYÂÉÈÊËÎÏÔÛÜ])"
_COLLECTIVITE = re.compile(
    rf"\b(?:(?:Commune|Ville|Mairie|COMMUNE|VILLE|MAIRIE)\s+(?:de|DE|d['’])\s*(?:la\s+|le\s+|les\s+|l['’])?{_PLACE}"
    rf"|Communaut[ée]\s+(?:de\s+[Cc]ommunes|d['’]\s*[Aa]gglom[ée]ration|[Uu]rbaine)\s+(?:de|des|{_DU}|d['’])\s*"
    rf"(?:la\s+|l['’])?{_PLACE}|M[ée]tropole\s+(?:de|{_DU}|d['’])\s*{_PLACE}|{_PLACE}\s+M[ée]tropole)"
)
# "PROCES-VERBAL DU CONSEIL MUNICIPAL DE TALUYERS": minutes named after the commune whose council met.
_COUNCIL_OF = re.compile(rf"(?i:conseil\s+municipal)\s+(?:de|DE|d['’])\s*(?P<place>{_PLACE})")
_PUBLISHED = re.compile(r"Publi[ée]e?\s+le\s*:?\s*" + _DATE, re.IGNORECASE)
# "Réception en Préfecture : 06/02/2013", or with a two-digit year ("17/10/23") as some receipts print it.
_RECEIVED = re.compile(
    r"R[ée]ception\s+en\s+Pr[ée]fecture\s*:\s*(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})\b", re.IGNORECASE
)
_RECEIPT_BLOCK = re.compile(r"Accusé de réception.*?-[A-Z]{2}\b", re.DOTALL)


# What a document calls itself (_kind): every value the index may hold, so every value a search may filter by.
Kind = Literal["délibération", "procès-verbal", "compte rendu", "répertoire", "document"]
KINDS: tuple[str, ...] = get_args(Kind)


@dataclass(frozen=True)
class DocumentInfo:
    kind: str  # one of KINDS
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
    opening = "\n".join(page.text for page in pages[:3])
    start = head[:1500].lower()
    kind = _kind(head)
    number = _ACT_NUMBER.search(head) if kind == "délibération" else None
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
        seance_date=None if kind == "répertoire" else _seance_date(head),
        objet=_objet(head, rapporteur.start()) if rapporteur else None,
        rapporteur=_name(rapporteur.group(1)) if rapporteur else None,
        receipt_id=receipt.group(0) if receipt else None,
        council=" ".join(council.group(1).lower().split()) if council else _council_in(start),
        collectivite=" ".join(council.group(2).split()) if council else _collectivite(opening),
        president=president.group(1).strip() if president else None,
        published_date=_iso(published) if published else None,
        receipt_date=_received(received) if received else None,
    )


def _kind(head: str) -> Kind:
    """What the document calls itself in its title block ("Extrait du registre des délibérations",
    "PROCES-VERBAL", "Compte-rendu de la séance", "Répertoire chronologique des délibérations"), else the word it
    uses for the minutes of the séance before (a council keeps one word for its minutes); the minutes of a séance
    that name no kind ("Conseil Municipal du 28 juin 2022", then those present) are its compte rendu."""
    title = " ".join(fold(head[:400]).split())
    start = " ".join(fold(head[:1500]).split())
    if "repertoire" in title:
        return "répertoire"
    if "registre des deliberations" in title or re.search(r"\bdeliberation\s+n\s*°", title):
        return "délibération"
    for text in (title, start):
        if "proces-verbal" in text or "proces verbal" in text:
            return "procès-verbal"
        if "compte-rendu" in text or "compte rendu" in text:
            return "compte rendu"
    if "registre des deliberations" in start:
        return "délibération"
    if _TITLE_DATE.search("\n".join(head.splitlines()[:_TITLE_LINES])) and "presents" in start:
        return "compte rendu"
    return "document"


def _seance_date(head: str) -> str | None:
    """The séance's date: "Séance publique du lundi 4 février 2013" in the title block, else the title's date
    ("Conseil Municipal du 15 octobre 2015", "du 03/04/2025", "13 novembre 2025 à 19h30"), else the opening
    formula ("L'an deux mille quinze, le 15 octobre"), else the first "séance du …" (which may be the séance
    before, whose minutes are approved)."""
    title = "\n".join(head.splitlines()[:_TITLE_LINES])
    seance = _SEANCE.search(title)
    if seance:
        return _iso(seance)
    dated = _TITLE_DATE.search("\n".join(head.splitlines()[:6]))
    if dated:
        if dated.group("d"):
            return f"{int(dated.group('y')):04d}-{int(dated.group('m')):02d}-{int(dated.group('d')):02d}"
        return _iso_words(dated.group("day"), dated.group("month"), dated.group("year"))
    opening = _OPENING.search(head[:1500])
    if opening:
        year = 2000 + (number(opening.group("y")) if opening.group("y") else 0)
        return _iso_words(str(number(opening.group("day"))), opening.group("month"), str(year))
    seance = _SEANCE.search(head)
    return _iso(seance) if seance else None


def _iso_words(day: str, month: str, year: str) -> str:
    return f"{int(year):04d}-{MONTHS[month.lower()]:02d}-{int(day):02d}"


def _collectivite(head: str) -> str | None:
    """The collectivité the document names first: "Commune de Pierrefonds", "Ville de Montpellier", "Mairie de
    X", "Communauté de Communes des Coteaux du Val", "Montpellier Méditerranée Métropole". The title block
    first: minutes name other bodies (the intercommunality, a syndicate, a neighbour) in their first affaires."""
    register = _register_of(head[:1500])
    if register:
        return register
    title = "\n".join(head.splitlines()[:_TITLE_LINES])
    named = _named(title)
    if named:
        return named
    council = _COUNCIL_OF.search(title)
    if council:
        place = " ".join(council.group("place").split())
        return f"Commune de {place.title() if place.isupper() else place}"
    return _named(head[:3000]) or _named(head)  # the title block first


# What a name may be read with but is not part of: a person's office in a signature (« Michaël DELAFOSSE, Maire de
# Montpellier, Président de Montpellier Méditerranée Métropole ») or a body (« aux élus du Conseil de … Métropole »).
_NOT_THE_NAME = re.compile(
    r"^(?:(?:Le|La|L['’])\s*)?(?:(?:Vice-)?Pr[ée]sidente?|Maire|Adjointe?(?:\s+au\s+Maire)?|Conseill[eè]re?(?:\s+municipale?)?|"
    r"Conseil(?:\s+(?:municipal|communautaire|m[ée]tropolitain))?|Bureau|Assembl[ée]e)"
    r"\s+(?:de\s+la\s+|de\s+l['’]\s*|de\s+|du\s+|des\s+|d['’]\s*)",
    re.IGNORECASE,
)


def _named(text: str) -> str | None:
    """The first collectivité named in text, without the office or the body it was read with."""
    for m in _COLLECTIVITE.finditer(text):
        name = " ".join(_NOT_THE_NAME.sub("", m.group(0)).split())
        if _COLLECTIVITE.fullmatch(name):
            return name
    return None


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
    return f"{int(year):04d}-{MONTHS[month.lower()]:02d}-{int(day):02d}"


def _received(match: re.Match[str]) -> str:
    """The receipt's day/month/year as ISO; a two-digit year is this century's (receipts are electronic)."""
    day, month, year = match.groups()
    return f"{int(year) + (2000 if len(year) == 2 else 0):04d}-{int(month):02d}-{int(day):02d}"


def _name(raw: str) -> str:
    return raw.split(",")[0].strip()


def _objet(head: str, rapporteur_at: int) -> str | None:
    """The objet is the block of lines just above "X rapporte :", after the list of those present."""
    before = head[:rapporteur_at].rstrip().splitlines()
    block: list[str] = []
    for line in reversed(before):
        labelled = re.search(
            r"(absents?|présents|excusés|procuration|territoriales)\b.*:", line, re.IGNORECASE
        )
        label = labelled is not None or (line.rstrip().endswith(".") and "," in line)  # the list's end
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
