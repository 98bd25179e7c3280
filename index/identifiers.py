"""How council acts are named: the printed act number and the préfecture's receipt id.

Read at ingestion (ingest/acts.py) and matched in questions and staff searches (index/search.py): one definition.
"""

from __future__ import annotations

import re

# The préfecture's receipt id, unique where printed numbers are not: "034-213401722-20130204-0000061089-DE".
RECEIPT = re.compile(r"\b\d{3}-\d{9}-\d{8}-\w+-[A-Z]{2}\b")
# An act number as an act's header prints it: "n° 2013/138", "N° 2013 - 0138", "n° V2024-420".
PRINTED_ACT_NUMBER = re.compile(r"\bn°\s*([A-Z]?\d{4}\s*[/-]\s*\d+)", re.IGNORECASE)
# An act number as a question or a search names it: "2013/138", "2013 / 0138".
ACT_NUMBER = re.compile(r"\b(\d{4})\s*/\s*0*(\d{1,4})\b")


def act_number(printed: str) -> str:
    """The printed act number as `YYYY/N`: "2013 / 138" and "2013/0138" are both "2013/138". Numbers with a
    letter prefix ("V2024-420", a metropolis's series) keep their printed form."""
    m = re.fullmatch(r"(\d{4})\s*[/-]\s*0*(\d+)", printed.strip())
    return f"{m.group(1)}/{m.group(2)}" if m else re.sub(r"\s+", "", printed)


def act_key(printed: str) -> str | None:
    """One key for an act number however it is spelled: "D2024-27", "D 2024-27", "2024_27", "2024-027",
    "DEL 2025-90" → "2024-27" … The series letters are dropped: compare keys within one collectivité. A number
    made of the séance's date and a rank keeps the date: "20200608-14" → "20200608-14"."""
    m = re.search(r"((?:19|20)\d{2}(?:[01]\d[0-3]\d)?)\s*[-–_/]\s*0*(\d{1,4})\b", printed)
    return f"{m.group(1)}-{m.group(2)}" if m else None


def act_numbers(text: str) -> set[str]:
    """The act numbers a text names, as `YYYY/N`."""
    return {f"{y}/{n}" for y, n in ACT_NUMBER.findall(text)}


def receipt_ids(text: str) -> set[str]:
    """The préfecture receipt ids a text names."""
    return set(RECEIPT.findall(text))


def identifiers_only(text: str) -> bool:
    """True when the text is nothing but act numbers and receipt ids."""
    return not RECEIPT.sub("", ACT_NUMBER.sub("", text)).strip(" ,;n°")
