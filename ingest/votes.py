"""Read a printed vote, in any of the ways council minutes print one.

A tally is a few items, each a label (pour, contre, abstention, ne prend pas part) with a count, names, or both:
"Pour : 46", "− Contre : 2, Monsieur X, Monsieur Y", "- contre : 4 (M. A, …)", "2 CONTRE (M. A et M. B)",
"5 contre : Mme A, …", "Contre : M. Tanguy" (no number: the names are counted), "Votants : 15" beside them.
A vote may be written in a sentence, its items in any order, counts in digits or words, "voix", "votes" or
"voies": "à 9 voix contre et 4 voix pour, le compte est rejeté", "par 7 voix pour, 5 abstentions et 2 voix
contre", "à l'unanimité moins une abstention", "à la majorité (3 contre : M. A, …)", "M. X et Mme Y
s'abstiennent". An outcome may stand beside it: "à l'unanimité", "à la majorité", "Adopté…", "n'est pas
adopté", "Contre à l'unanimité"; words of rejection and more votes against than for make a rejection. The text
can contradict itself ("à l'unanimité" then "4 abstentions"): both are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ingest.names import CIVILITY, TOKEN, names_before, names_in
from ingest.numbers import NUMBER_WORD, number

Line = tuple[str, int]  # text, page

_LABEL = r"(?:pour|contre|abstentions?|absentions?|ne\s+pren(?:d|nent)\s+pas\s+part(?:\s+au\s+vote)?)"
_COUNT = rf"(?:\d{{1,3}}|{NUMBER_WORD})"
_VOICES = r"(?:voix|voies|votes?|suffrages)"  # "voies": a common slip of the pen
# After a count, "pour" is a vote only where the item ends: not "4 000 euros pour l'achat", "3 pour cent".
_COUNTED_LABEL = (
    r"(?:pour(?=\s*(?:[,;:.)(/]|et\b|$|\s+(?-i:[A-ZÀ-Ý])|\s+\d(?!00\b)))(?!\s+(?:cent|mille)\b)"
    r"|contre|abstentions?|absentions?|ne\s+pren(?:d|nent)\s+pas\s+part(?:\s+au\s+vote)?)"
)
# "Contre : 2, …", "Pour, 17", "Contre :" (empty: none), "CONTRE : 1 (…)"
_LABEL_FIRST = re.compile(
    rf"(?<![\w'’])(?P<label>{_LABEL})(?:\s*:\s*|\s*,\s*(?=\d)|\s+(?=\d))(?P<count>{_COUNT}(?![\w,.]\d|\s*%))?(?!\w)",
    re.IGNORECASE,
)
# "2 CONTRE", "5 contre :", "34 voix pour", "une voix contre", "1 abstention"
_COUNT_FIRST = re.compile(
    rf"(?<![\w,.])(?<!\d\s)(?P<count>{_COUNT})\s+(?:{_VOICES}\s+)?(?P<label>{_COUNTED_LABEL})(?![\w-])",
    re.IGNORECASE,
)
# "Votants : 15", "Exprimés : 14", "Suffrages exprimés : 14": how many took part, beside a tally
_HEADCOUNT = re.compile(
    r"(?<![\w'’])(?P<label>votants|(?:suffrages\s+)?exprim[ée]s)\s*:\s*(?P<count>\d{1,3})\b", re.IGNORECASE
)
# "à l'unanimité (18 voix)", "à la majorité absolue de 18 voix": the votes for; "à l'unanimité moins 2 voix": against
_BARE_VOICES = re.compile(
    rf"(?:unanimit[ée]|majorit[ée](?:\s+absolue)?)\s*(?:(?P<moins>moins)|de|par)?\s*\(?\s*(?P<count>{_COUNT})\s+"
    rf"{_VOICES}(?!\s+(?:{_COUNTED_LABEL})|[\w-])",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^(?:[\s\-−–—•·\uf0a7\uf02d\uf0b7o]|\.(?=\s))*(?=\S)")  # ". Pour : 45" too
_VOTE = re.compile(r"(?:^|[.!?]\s*)(?:Vote|VOTE)\s*:")  # "Vote :", not "ne prend pas part au vote :"
_DECISION = re.compile(
    r"apr[eè]s\s+(?:(?:en\s+)?avoir\s+d[ée]lib[ée]r[ée]|d[ée]lib[ée]ration\b)|\bLe Conseil adopte|^Adopt[ée]e?s?\b",
    re.IGNORECASE,
)
_TALLY_START = re.compile(rf"^(?:{_LABEL}\s*:|{_COUNT}\s+(?:{_VOICES}\s+)?{_LABEL}\s*:)", re.IGNORECASE)
_COUNTED = re.compile(
    rf"^{_COUNT}\s+(?:{_VOICES}\s+)?{_COUNTED_LABEL}(?![\w-])", re.IGNORECASE
)  # "- 4 contre (…)" under "Vote :"
_ABSTAIN_VERB = r"s['’]\s*abst(?:ien(?:nent|t)|enu(?:e|s|es)?)(?!\s+(?:de|d['’]))"
# Who did what, said with a verb: "M. X et Mme Y s'abstiennent", "M. Z vote contre", "ne prend pas part au vote"
_BY_VERB = re.compile(
    rf"\s+(?:(?P<abstention>{_ABSTAIN_VERB})|(?P<contre>(?:ont\s+)?vot(?:e|ent|é)\s+contre)"
    r"|(?P<ne_prend_pas_part>ne\s+pren(?:d|nent)\s+pas\s+part))",
    re.IGNORECASE,
)
# A vote written in a sentence: "à 9 voix contre et 4 voix pour", "à l'unanimité moins une abstention", "à la
# majorité (3 contre : …)", "adopté (pour : 12, contre : 3)", "M. X s'abstient"
_IN_SENTENCE = re.compile(
    rf"(?<![\w,.])(?<!\d\s){_COUNT}\s+{_VOICES}\s+(?:pour|contre)\b"
    rf"|(?:unanimit[ée]|majorit[ée](?:\s+absolue)?)\W{{0,3}}(?:(?:moins|et|de|par|avec)\s+)?{_COUNT}\s+"
    rf"(?:{_VOICES}\b|{_COUNTED_LABEL})"
    rf"|\b{_LABEL}\s*:\s*\d{{1,3}}\s*[,;/]?\s*(?:et\s+)?{_LABEL}\s*:\s*\d"
    rf"|{CIVILITY}\s*\S+(?:\s+\S+){{0,12}}?{_BY_VERB.pattern}",
    re.IGNORECASE,
)
_FOR = re.compile(r"\bPour\s*:\s*\d+")  # a tally printed beside other words (a rapporteur's name, a column)
_OUTCOME = re.compile(
    r"(?P<p>(?:Adopt|adopt(?=[ée]))[ée]e?s?\b[^.\n:]{0,60}|Le Conseil adopte|Rejet[ée]e?s?[^.\n:]{0,40}"
    r"|(?:(?i:pour|contre),?\s+)?[àaÀ]\s+l['’]\s*unanimit[ée](?:\s+des\s+(?:suffrages\s+exprim[ée]s|"
    r"membres\s+pr[ée]sents|votants|présents))?"
    rf"(?:\s+moins\s+{_COUNT}\s+(?:{_VOICES}|abstentions?)(?:\s+(?:pour|contre))?)?"
    r"|[àaÀ]\s+la\s+majorit[ée](?:\s+des\s+suffrages\s+exprim[ée]s)?)",
)
# The words of a rejection: "le compte est rejeté", "n'est pas adopté", "le Conseil rejette"
_REJECTED = re.compile(
    r"\b(?:rejet(?:é|ée|és|ées|te|tent)(?!\w)|n['’]\s*(?:est|a|ont|sont)\s+pas\s+(?:été\s+)?(?:adopt|approuv)[ée]+s?\b"
    r"|ne\s+l['’]\s*(?:adopte|approuve)\s+pas\b)",
    re.IGNORECASE,
)
_NARRATIVE = re.compile(rf"^{CIVILITY}\s*(?:[Ll]e\s+[Mm]aire|{TOKEN})\s+[a-zà-ÿ]")
_EMPTY = re.compile(
    r"\s*(?:/\s*)?(?:$|Adopt|Rejet|[àa] l['’ ]|Le Conseil)"
)  # nothing printed after the label
_BELOW = 15  # lines between a sentence that names who abstains or stays out and the vote it goes with
_SAID = ("pour", "contre", "abstention", "ne_prend_pas_part", "dissenters", "abstainers")
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
    "votants": "Votants",
    "exprimes": "Exprimés",
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
    votants: int | None = None  # "Votants : 15" printed with the tally
    exprimes: int | None = None  # "Exprimés : 14"

    @property
    def note(self) -> str | None:
        """What the document prints against its own outcome, said as app/facts.py says it: « à l'unanimité »
        printed over votes against or abstentions (unanimity of the votes cast, or a slip of the pen)."""
        if self.outcome != "unanimité" or not (self.contre or self.abstention):
            return None
        printed = self.text.split(" · ")[-1]
        if "moins" in printed:  # "à l'unanimité moins une abstention" says it itself
            return None
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
            if vote.text and kind == "sentence" and vote.outcome is None:
                return _with_vote_below(vote, lines[i + 1 : i + 1 + _BELOW], decisions)
            if vote.text:  # "Vote : M. X étant président de l'association…" prints no vote
                return vote
    return None


def _with_vote_below(said: Vote, below: list[Line], decisions: bool) -> Vote:
    """ "Mme X ne prend pas part au vote." then, after a remark, "Vote : Pour à l'unanimité": one vote, read
    where its outcome is printed, with the names said above it."""
    vote = read_vote(below, decisions)
    if vote is None or vote.outcome is None:
        return said
    taken = {f: getattr(said, f) for f in _SAID if getattr(said, f) is not None and getattr(vote, f) is None}
    return replace(vote, text=f"{said.text} · {vote.text}", **taken)


def decision_of(lines: list[Line]) -> Vote | None:
    """An act that prints no tally, only its decision ("Le Conseil adopte."), read from its last lines."""
    for line, page in reversed(lines[-40:]):
        m = _OUTCOME.search(line)
        if m:
            printed = m.group("p").strip(" .,;")
            return Vote(printed, page, outcome=_kind(printed))
    return None


def _anchor(line: str) -> str | None:
    text = _BULLET.sub("", line)
    if _VOTE.search(text):
        return "vote"
    if _DECISION.search(text):
        return "decision"
    if _TALLY_START.match(text) or _FOR.search(text):
        return "tally"
    if _IN_SENTENCE.search(text):
        return "sentence"
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
        if _continues(taken[-1]) or (kind == "sentence" and len(taken) < 3 and _open(taken[-1])):
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
    if kind in ("tally", "vote"):
        taken = _headcounts(lines[max(0, start - 3) : start]) + taken
    return _parse(" ".join(_BULLET.sub("", t) for t in taken), lines[start][1])


def _open(line: str) -> bool:
    """A sentence that goes on below: "…, le compte est" / "rejeté."."""
    return not line.rstrip().endswith((".", ";", ":", "!", "?"))


def _headcounts(lines: list[Line]) -> list[str]:
    """ "Votants : 15" and "Exprimés : 14" printed on the lines just above a tally."""
    kept: list[str] = []
    for text, _ in lines:
        kept = kept + [text] if _HEADCOUNT.search(text) and not _DECISION.search(text) else []
    return kept


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
        or re.search(rf"{CIVILITY}$", text) is not None
        or text.count("(") > text.count(")")
    )


def _parse(text: str, page: int) -> Vote:
    counts, names, parts = _items(_HEADCOUNT.sub(lambda m: " " * len(m.group(0)), text))
    parts += _bare_voices(text, counts)
    parts += _by_verb(text, counts, names)
    heads = _headcount(text)
    shown = [f"{_SHOWN[field]} : {n}" for field, n in heads.items()]
    printed, outcome = _outcome(text, counts)
    return Vote(
        " · ".join(shown + parts + ([printed] if printed else [])),
        page,
        pour=counts.get("pour"),
        contre=counts.get("contre"),
        abstention=counts.get("abstention"),
        ne_prend_pas_part=counts.get("ne_prend_pas_part"),
        outcome=outcome,
        dissenters=names.get("contre"),
        abstainers=names.get("abstention"),
        votants=heads.get("votants"),
        exprimes=heads.get("exprimes"),
    )


def _items(text: str) -> tuple[dict[str, int | None], dict[str, str | None], list[str]]:
    """The labelled items ("Pour : 12", "3 voix contre (M. A)", "Abstention : M. B"): count and names of each."""
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
        who, listed = names_in(tail)
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
        parts.append(_shown(field, count, who))
    return counts, names, parts


def _bare_voices(text: str, counts: dict[str, int | None]) -> list[str]:
    """Voices with no label: "à l'unanimité (18 voix)" are for; "à l'unanimité moins 2 voix", against."""
    parts = []
    for m in _BARE_VOICES.finditer(text):
        field = "contre" if m.group("moins") else "pour"
        if field not in counts:
            counts[field] = number(m.group("count"))
            parts.append(_shown(field, counts[field], None))
    return parts


def _by_verb(text: str, counts: dict[str, int | None], names: dict[str, str | None]) -> list[str]:
    """Names before a verb: "M. X et Mme Y s'abstiennent" is two abstentions, "M. Z vote contre" one vote
    against. Where the count is printed too, only the names are taken."""
    parts = []
    for m in _BY_VERB.finditer(text):
        field = m.lastgroup or ""
        who, n = names_before(text[: m.start()])
        if not who or names.get(field):
            continue
        names[field] = who
        if counts.get(field) is None:
            counts[field] = n
            parts.append(_shown(field, n, who))
    return parts


def _outcome(text: str, counts: dict[str, int | None]) -> tuple[str | None, str | None]:
    """The outcome as printed and its kind. Words of rejection ("le compte est rejeté", "n'est pas adopté")
    and more votes against than for make a rejection, whatever else is printed."""
    m = _OUTCOME.search(text)
    printed = m.group("p").strip(" .,;") if m else None
    rejected = _REJECTED.search(text)
    if rejected and not (printed and _kind(printed) == "rejeté"):
        printed = rejected.group(0)
    kind = _kind(printed) if printed else _implied(counts)
    pour, contre = counts.get("pour"), counts.get("contre")
    if pour is not None and contre is not None and contre > pour:
        kind = "rejeté"
    return printed, kind


def _shown(field: str, count: int | None, who: str | None) -> str:
    return f"{_SHOWN[field]} : {count}" + (f" ({who})" if who else "")


def _headcount(text: str) -> dict[str, int]:
    """ "Votants : 15", "Exprimés : 14": how many took part, printed beside the tally."""
    heads: dict[str, int] = {}
    for m in _HEADCOUNT.finditer(text):
        heads.setdefault(
            "votants" if m.group("label").lower() == "votants" else "exprimes", int(m.group("count"))
        )
    return heads


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n > 1 else ''}" if n else ""


def _field(label: str) -> str:
    return next(v for k, v in _FIELDS.items() if label.lower().startswith(k))


def _kind(printed: str) -> str:
    folded = printed.lower()
    if "rejet" in folded or _REJECTED.search(printed):
        return "rejeté"
    if "unanimit" in folded:
        if folded.startswith("contre"):
            return "rejeté"
        voices_against = "moins" in folded and "abstention" not in folded  # "à l'unanimité moins deux voix"
        return "majorité" if voices_against else "unanimité"
    if "majorit" in folded:
        return "majorité"
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
