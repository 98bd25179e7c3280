"""Read a printed vote, in any of the ways council minutes print one.

A tally is a few items, each a label (pour, contre, abstention, ne prend pas part) with a count, names, or both:
"Pour : 46", "− Contre : 2, Monsieur X, Monsieur Y", "- contre : 4 (M. A, …)", "2 CONTRE (M. A et M. B)",
"5 contre : Mme A, …", "Contre : M. Tanguy" (no number: the names are counted), "à 34 voix pour et une voix
contre" (number words). An outcome may stand beside it: "à l'unanimité", "à la majorité", "Adopté…",
"Contre à l'unanimité". The text can contradict itself ("à l'unanimité" then "4 abstentions"): both are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

Line = tuple[str, int]  # text, page

_UNITS = [
    "zéro",
    "un",
    "deux",
    "trois",
    "quatre",
    "cinq",
    "six",
    "sept",
    "huit",
    "neuf",
    "dix",
    "onze",
    "douze",
    "treize",
    "quatorze",
    "quinze",
    "seize",
]
_TENS = {"vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60}
NUMBER_WORD = (
    r"(?:(?:vingt|trente|quarante|cinquante|soixante)(?:[- ](?:et[- ])?(?:une?|deux|trois|quatre|cinq|six|sept|"
    r"huit|neuf|dix|onze))?|dix[- ](?:sept|huit|neuf)|zéro|une?|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|"
    r"onze|douze|treize|quatorze|quinze|seize)"
)
_LABEL = r"(?:pour|contre|abstentions?|absentions?|ne\s+pren(?:d|nent)\s+pas\s+part(?:\s+au\s+vote)?)"
_COUNT = rf"(?:\d{{1,3}}|{NUMBER_WORD})"
# "Contre : 2, …", "Pour, 17", "Contre :" (empty: none), "CONTRE : 1 (…)"
_LABEL_FIRST = re.compile(
    rf"(?<![\w'’])(?P<label>{_LABEL})(?:\s*:\s*|\s*,\s*(?=\d)|\s+(?=\d))(?P<count>{_COUNT}(?![\w,.]\d|\s*%))?(?!\w)",
    re.IGNORECASE,
)
# "2 CONTRE", "5 contre :", "34 voix pour", "une voix contre", "1 abstention"
_COUNT_FIRST = re.compile(
    rf"(?<![\w,.])(?P<count>{_COUNT})\s+(?:voix\s+)?(?P<label>{_LABEL})\b", re.IGNORECASE
)
_CIVILITY = r"(?:M\.|Mr\.?|MM\.|Mmes?\.?|Mlle|Madame|Monsieur|Messieurs|Mesdames)"
_TOKEN = r"[A-ZÀ-Ý][\w'’-]*\.?"
_NAME = re.compile(
    rf"{_CIVILITY}\s*(?:(?:de|De|DE|Le|LE|La|LA)\s+)?{_TOKEN}(?:\s+(?!{_CIVILITY}(?:\s|[A-ZÀ-Ý]|$)){_TOKEN}){{0,3}}"
)
_SEPARATOR = re.compile(rf"\s*(?:,|;|\+|&|\bet\b)\s*|\s+(?={_CIVILITY})")
_BULLET = re.compile(r"^(?:[\s\-−–—•·\uf0a7\uf02d\uf0b7o]|\.(?=\s))*(?=\S)")  # ". Pour : 45" too
_VOTE = re.compile(r"(?:^|[.!?]\s*)(?:Vote|VOTE)\s*:")  # "Vote :", not "ne prend pas part au vote :"
_DECISION = re.compile(
    r"apr[eè]s\s+(?:(?:en\s+)?avoir\s+d[ée]lib[ée]r[ée]|d[ée]lib[ée]ration\b)|\bLe Conseil adopte|^Adopt[ée]e?s?\b",
    re.IGNORECASE,
)
_TALLY_START = re.compile(rf"^(?:{_LABEL}\s*:|{_COUNT}\s+(?:voix\s+)?{_LABEL}\s*:)", re.IGNORECASE)
_COUNTED = re.compile(
    rf"^{_COUNT}\s+(?:voix\s+)?{_LABEL}\b", re.IGNORECASE
)  # "- 4 contre (…)" under "Vote :"
_FOR = re.compile(r"\bPour\s*:\s*\d+")  # a tally printed beside other words (a rapporteur's name, a column)
_OUTCOME = re.compile(
    r"(?P<p>Adopt[ée]e?s?\b[^.\n:]{0,60}|Le Conseil adopte|Rejet[ée]e?s?[^.\n:]{0,40}"
    r"|(?:(?i:pour|contre),?\s+)?[àaÀ]\s+l['’]\s*unanimit[ée](?:\s+des\s+(?:suffrages\s+exprim[ée]s|"
    r"membres\s+pr[ée]sents|votants|présents))?|[àaÀ]\s+la\s+majorit[ée](?:\s+des\s+suffrages\s+exprim[ée]s)?)",
)
_NARRATIVE = re.compile(rf"^{_CIVILITY}\s*(?:[Ll]e\s+[Mm]aire|{_TOKEN})\s+[a-zà-ÿ]")
_EMPTY = re.compile(
    r"\s*(?:/\s*)?(?:$|Adopt|Rejet|[àa] l['’ ]|Le Conseil)"
)  # nothing printed after the label
_FIELDS = {
    "pour": "pour",
    "contre": "contre",
    "abst": "abstention",
    "absent": "abstention",
    "ne": "ne_prend_pas_part",
}
_SHOWN = {
    "pour": "Pour",
    "contre": "Contre",
    "abstention": "Abstentions",
    "ne_prend_pas_part": "Ne prend pas part au vote",
}


@dataclass(frozen=True)
class Vote:
    """A tally as printed. Counts are None when the document does not print them; an empty "Contre :" is 0."""

    text: str  # "Pour : 46 · Contre : 10 (PC, Verts-NPA) · Adopté à la majorité"
    page: int
    pour: int | None = None
    contre: int | None = None
    abstention: int | None = None
    ne_prend_pas_part: int | None = None
    outcome: str | None = None  # "unanimité", "majorité", "adopté" or "rejeté"
    dissenters: str | None = None  # who voted against, as printed: "PC, Verts-NPA", "M. Leblanc et M. Tanguy"
    abstainers: str | None = None  # who abstained, as printed

    @property
    def note(self) -> str | None:
        """What the document prints against its own outcome, said as app/facts.py says it: « à l'unanimité »
        printed over votes against or abstentions (unanimity of the votes cast, or a slip of the pen)."""
        if self.outcome != "unanimité" or not (self.contre or self.abstention):
            return None
        printed = self.text.split(" · ")[-1]
        despite = [
            f"{self.contre} voix contre" if self.contre else "",
            _plural(self.abstention or 0, "abstention"),
        ]
        return f"le document imprime « {printed} » malgré {' et '.join(d for d in despite if d)}"


def read_vote(lines: list[Line], decisions: bool = True) -> Vote | None:
    """Read the first vote printed in an affaire's lines: its tally, the names, and the outcome. Without
    `decisions`, only a printed tally counts (an act's "après en avoir délibéré" is not a vote)."""
    for i, (line, _) in enumerate(lines):
        kind = _anchor(line)
        if kind and (decisions or kind != "decision"):
            vote = _read_from(lines, i, kind)
            if vote.text:  # "Vote : M. X étant président de l'association…" prints no vote
                return vote
    return None


def decision_of(lines: list[Line]) -> Vote | None:
    """An act that prints no tally, only its decision ("Le Conseil adopte."), read from its last lines."""
    for line, page in reversed(lines[-40:]):
        m = _OUTCOME.search(line)
        if m:
            printed = m.group("p").strip(" .,;")
            return Vote(printed, page, outcome=_kind(printed))
    return None


def number(word: str) -> int:
    """ "34" → 34, "une" → 1, "trente-quatre" → 34, "dix-sept" → 17."""
    if word.isdigit():
        return int(word)
    parts = [p for p in re.split(r"[- ]", word.lower()) if p != "et"]
    total = 0
    for part in parts:
        total += _TENS.get(part, 0) or (1 if part in ("un", "une") else _UNITS.index(part))
    return total


def _anchor(line: str) -> str | None:
    text = _BULLET.sub("", line)
    if _VOTE.search(text):
        return "vote"
    if _DECISION.search(text):
        return "decision"
    if _TALLY_START.match(text) or _FOR.search(text):
        return "tally"
    return None


def _read_from(lines: list[Line], start: int, kind: str) -> Vote:
    """The anchor line, the tally lines that follow it (each label printed once) and their wrapped names.
    After a decision ("après en avoir délibéré, à la majorité :") the tally comes after the decided points,
    before the debate ("Monsieur X demande…")."""
    taken = [lines[start][0]]
    labels = _labels(lines[start][0])
    span = 24 if kind == "decision" else 8
    skipped = 0
    for text, _ in lines[start + 1 : start + 1 + span]:
        body = _BULLET.sub("", text)
        if _continues(taken[-1]):
            taken.append(text)
        elif _OUTCOME.match(body) and not _OUTCOME.search(" ".join(taken)):
            taken.append(text)  # "Adopté à l'unanimité." under the counts
        elif _DECISION.search(body) or (
            _VOTE.search(body) and (kind != "decision" or _labels(body) & labels)
        ):
            break  # the next vote
        elif _tallies(body, kind) and not _labels(body) & labels:
            taken.append(text)
            labels |= _labels(body)
            skipped = 0
        elif _NARRATIVE.match(body) or (kind != "decision" and skipped >= 2):
            break
        else:
            skipped += 1
    return _parse(" ".join(_BULLET.sub("", t) for t in taken), lines[start][1])


def _tallies(line: str, kind: str) -> bool:
    """A line of the tally: "Vote : …", "Contre : …", "4 abstentions : …", "Pour : 46" beside other words, or,
    under "Vote :", a count and its label alone ("- 13 pour")."""
    if _VOTE.search(line) or _TALLY_START.match(line) or _FOR.search(line):
        return True
    return kind == "vote" and _COUNTED.match(line) is not None


def _labels(text: str) -> set[str]:
    found = {_field(m.group("label")) for m in _LABEL_FIRST.finditer(text)}
    return found | {_field(m.group("label")) for m in _COUNT_FIRST.finditer(text)}


def _continues(line: str) -> bool:
    """A tally line whose names go on below: it ends with a comma, "et", a civility, or an open bracket."""
    text = line.rstrip()
    return (
        text.endswith((",", " et"))
        or re.search(rf"{_CIVILITY}$", text) is not None
        or text.count("(") > text.count(")")
    )


def _parse(text: str, page: int) -> Vote:
    items = sorted(
        [(m.start(), m.end(), m, "label") for m in _LABEL_FIRST.finditer(text)]
        + [(m.start(), m.end(), m, "count") for m in _COUNT_FIRST.finditer(text)],
        key=lambda x: (x[0], -x[1]),
    )
    kept: list[tuple[int, int, re.Match[str], str]] = []
    for item in items:  # the longest item wins where two overlap ("2 CONTRE" inside "Pour : 2 CONTRE"?)
        if not kept or item[0] >= kept[-1][1]:
            kept.append(item)
    counts: dict[str, int | None] = {}
    names: dict[str, str | None] = {}
    parts: list[str] = []
    for k, (_, end, m, form) in enumerate(kept):
        field = _field(m.group("label"))
        if field in counts:
            continue  # a tally prints each label once; a second one belongs to another vote
        tail = text[end : kept[k + 1][0] if k + 1 < len(kept) else len(text)]
        who, listed = _names(tail)
        raw = m.group("count")
        if raw:
            count: int | None = number(raw)
        elif listed:
            count = listed
        elif form == "label" and ":" in m.group(0) and _EMPTY.match(tail):
            count = 0  # "Contre :" or "Contre : /": nobody
        else:
            continue  # "Pour, à l'unanimité": no tally item
        counts[field], names[field] = count, who
        parts.append(f"{_SHOWN[field]} : {count}" + (f" ({who})" if who else ""))
    outcome = _OUTCOME.search(text)
    printed = outcome.group("p").strip(" .,;") if outcome else None
    if printed:
        parts.append(printed)
    return Vote(
        " · ".join(parts),
        page,
        pour=counts.get("pour"),
        contre=counts.get("contre"),
        abstention=counts.get("abstention"),
        ne_prend_pas_part=counts.get("ne_prend_pas_part"),
        outcome=_kind(printed) if printed else _implied(counts),
        dissenters=names.get("contre"),
        abstainers=names.get("abstention"),
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n > 1 else ''}" if n else ""


def _field(label: str) -> str:
    return next(v for k, v in _FIELDS.items() if label.lower().startswith(k))


def _names(tail: str) -> tuple[str | None, int]:
    """Who an item names, as printed, and how many: "(M. Leblanc et M. Tanguy)", ", Monsieur X, Madame Y",
    ": Mme A, M. B". A bracket that names no person ("(PC, Verts-NPA)") is kept whole, counted as none."""
    text = tail.lstrip(" :,-−–")
    if text.startswith("("):
        inside = text[1:].split(")")[0]
        who, n = _persons(inside)
        return (who, n) if who else (" ".join(inside.split()) or None, 0)
    return _persons(text)


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


def _kind(printed: str) -> str:
    folded = printed.lower()
    if "unanimit" in folded:
        return "rejeté" if folded.startswith("contre") else "unanimité"
    if "majorit" in folded:
        return "majorité"
    if "rejet" in folded:
        return "rejeté"
    return "adopté"


def _implied(counts: dict[str, int | None]) -> str | None:
    """No outcome printed: the counts say it. More against than for is a rejection; none against, unanimity
    of the votes cast."""
    pour, contre = counts.get("pour"), counts.get("contre")
    if pour is None and contre is None and counts.get("abstention") is None:
        return None
    if pour is not None and contre is not None and contre > pour:
        return "rejeté"
    return "majorité" if contre else "unanimité"
