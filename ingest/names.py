"""Who a vote names, as minutes print them: "M. Leblanc et M. Tanguy", "Mme A, M. B", "Madame Aurélie LAMBRE",
"(1 abstention de M. le Maire)", and how many they are."""

from __future__ import annotations

import re

CIVILITY = r"(?:M\.|Mr\.?|MM\.|Mmes?\.?|Mlle|Madame|Monsieur|Messieurs|Mesdames)"
TOKEN = r"[A-ZÀ-Ý][\w'’-]*\.?"
_NAME = re.compile(
    rf"{CIVILITY}\s*(?:(?:de|De|DE|Le|LE|La|LA|le|la)\s+)?{TOKEN}(?:\s+(?!{CIVILITY}(?:\s|[A-ZÀ-Ý]|$)){TOKEN}){{0,3}}"
)
_SEPARATOR = re.compile(rf"\s*(?:,|;|\+|&|\bet\b)\s*|\s+(?={CIVILITY})")


def names_in(tail: str) -> tuple[str | None, int]:
    """Who an item names, as printed, and how many: "(M. Leblanc et M. Tanguy)", ", Monsieur X, Madame Y",
    ": Mme A, M. B". A bracket that names no person ("(PC, Verts-NPA)") is kept whole, counted as none."""
    text = re.sub(r"^(?:de|d['’])\s*", "", tail.lstrip(" :,-−–"))  # "(1 abstention de M. X)"
    if text.startswith("("):
        inside = text[1:].split(")")[0]
        who, n = _persons(inside)
        return (who, n) if who else (" ".join(inside.split()) or None, 0)
    return _persons(text)


def names_before(text: str) -> tuple[str | None, int]:
    """The run of names that ends the text: "… Le Conseil note que M. X et Mme Y" → "M. X et Mme Y", 2."""
    window = text[-300:]
    for m in re.finditer(rf"(?<![\w.]){CIVILITY}", window):
        who, n = _persons(window[m.start() :])
        if who and " ".join(window[m.start() :].split()).rstrip(" ,") == who:
            return who, n
    return None, 0


def _persons(text: str) -> tuple[str | None, int]:
    pos, found = 0, []
    while True:
        m = _NAME.match(text, pos)
        if not m:
            break
        found.append(_trim(m.group(0)))
        pos = m.start() + len(found[-1])
        sep = _SEPARATOR.match(text, pos)
        if not sep:
            break
        pos = sep.end()
    if not found:
        return None, 0
    first = text.find(found[0])
    last = text.find(found[-1], first) + len(found[-1])
    printed = " ".join(text[first:last].split())
    if printed.endswith(".") and len(printed.split()[-1]) > 3:  # the sentence's full stop, not an initial
        printed = printed[:-1]
    return printed, len(found)


def _trim(name: str) -> str:
    """A name ends after its surname in capitals: "M. TANGUY Il précise" is "M. TANGUY"."""
    tokens = name.split()
    for i, token in enumerate(tokens[1:], start=1):
        capitals = len(token.strip(".")) > 1 and token.isupper()
        if capitals and not (i + 1 < len(tokens) and tokens[i + 1].isupper()):
            return " ".join(tokens[: i + 1])
    return name
