"""Split a council document into affaires, each with its title, page, printed act number and vote.

Minutes number their affaires ("3 - Programme de vidéoprotection…", "Philippe SAUREL 24. Lieudit…", "1. Budget –
Commune") after an ordre du jour that lists the same numbers, or head them with the act's number ("D2024-27 -
Objet : …", "D 2024-29 : …", "DEL 2025-90 : …"). A délibération is one affaire whose vote ends the act. A
répertoire lists a year's délibérations, one row each ("23/01/2024 2024_01 Aménagement… Approuvée").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from index.identifiers import act_key
from ingest.pdf import Page
from ingest.repertoire import rows
from ingest.votes import Vote, decision_of, read_vote

__all__ = ["Affaire", "Vote", "act_key", "affaire_at", "find_affaires"]

_HEADING = re.compile(
    r"^(?P<who>[A-ZÀ-Ý][\w'’-]+(?:\s+[A-ZÀ-Ý][\w'’-]+)?\s+[A-ZÀ-Ý-]{2,}\s+"  # the rapporteur, in some minutes
    r"|(?:Mme|M\.|Madame|Monsieur)\s+[Ll]e\s+Maire\s+)?"
    r"(?P<n>\d{1,3})(?:\s*[.\-–]\s*(?=[«\"A-ZÀ-Ýa-z])|(?P<bare>\s+)(?=[«\"A-ZÀ-Ý]))(?P<title>.{4,})$"
)
_ACT_HEADING = re.compile(  # "D2024-27 - Objet : …", "1. D2024 – 14 - …", "D 2024-30 : …", "DEL 2025-90 : …"
    r"^(?:(?P<n>\d{1,2})\s*[.)]\s*)?(?P<act>D(?:EL)?\s?(?:19|20)\d{2}\s*[-–_]\s*\d{1,3})(?:\s*[-–:]\s*)+"
    r"(?:Objet\s*:\s*)?(?P<title>\S.{3,})$"
)
# "Délibération n°20161212-01", its title on the line below (or after a dash): the act numbered in the séance.
_NUMBERED_ACT = re.compile(
    r"^D[ée]lib[ée]ration\s+n\s*[°o]\s*(?P<act>\d[\d/_-]{3,}\d)\b(?:\s*[-–:]\s*(?P<title>\S.{3,}))?\s*$",
    re.IGNORECASE,
)
_GLYPH = re.compile(r"^[^\w«\"(]+")  # the bullet a heading's title starts with, when pdftotext cannot map it
_NAME = (
    r"[A-ZÀ-Ý][a-zà-ÿ'’-]+(?:[ -][A-ZÀ-Ý][a-zà-ÿ'’-]+)?\s+[A-ZÀ-Ý][A-ZÀ-Ý'’-]+(?:\s+[A-ZÀ-Ý][A-ZÀ-Ý'’-]+)*"
)
_PERSON = re.compile(rf"(?:(?:M\.|Mme)\s+)?{_NAME}")
_SPEAKER = re.compile(rf"^({_NAME}|(?:Mme|Madame|M\.|Monsieur)\s+[Ll]e\s+Maire)\s*:")
_TRAILING_SPEAKER = re.compile(rf"^(.*?)\s+({_NAME})\s*:\s*$")
_RAPPORTEUR = re.compile(r"^Rapporteur\s*:\s*(.{3,60})$")
_CIVILITY = re.compile(r"^(?:Madame|Monsieur|Mme|Messieurs|Mesdames)$")
_FIRST_NAME = re.compile(r"^[A-ZÀ-Ý][a-zà-ÿ'’-]+(?:[ -][A-ZÀ-Ý][a-zà-ÿ'’-]+)?$")
_LAST_NAME = re.compile(r"^[A-ZÀ-Ý][A-ZÀ-Ý'’-]+(?:\s+[A-ZÀ-Ý][A-ZÀ-Ý'’-]+)*$")
_BULLET = re.compile(r"^[\-−–—•\uf0a7\uf02d\uf0b7]|^o\s|^[A-H]\s?-\s")  # "A- Le Contexte": a lettered section
_VISA = re.compile(r"^(?:Vu|VU|Considérant|CONSIDÉRANT|Madame|Monsieur|Mme|M\.|Il est|Pour extrait)\b")
_MAX_GAP = 3  # affaire numbers rise one by one; a bigger jump is a line of figures, not a heading


@dataclass(frozen=True)
class Affaire:
    number: int | None  # the item number printed in the séance, restarting every séance
    title: str
    page: int
    start_word: int  # position in the document's word stream (the chunker's)
    vote: Vote | None
    rapporteur: str | None = None
    act_number: str | None = None  # as printed, spaces dropped: "D2024-29", "DEL2025-90", "2024_27"
    date: str | None = None  # ISO: a répertoire's row gives each act's séance


@dataclass(frozen=True)
class _Start:
    line: int
    number: int | None
    title: str
    who: str | None
    act: str | None = None


def find_affaires(pages: list[Page], kind: str, objet: str | None) -> list[Affaire]:
    """Return the document's affaires in order (one for a délibération), each with its vote if printed."""
    lines: list[tuple[str, int, int]] = []  # text, page, first word index
    words = 0
    for page in pages:
        for line in page.text.splitlines():
            lines.append((line, page.number, words))
            words += len(line.split())
    if kind == "répertoire":
        return [
            Affaire(None, r.title, r.page, r.word, r.vote, act_number=r.act, date=r.date) for r in rows(lines)
        ]
    if kind == "délibération":
        body = [(text, page_of) for text, page_of, _ in lines]
        vote = read_vote(body, decisions=False) or decision_of(body)
        return [Affaire(None, objet or "", lines[0][1] if lines else 1, 0, vote)] if lines else []
    starts = _headings(lines, bare_numbers=kind == "compte rendu")
    affaires = []
    for i, start in enumerate(starts):
        end_line = starts[i + 1].line if i + 1 < len(starts) else len(lines)
        body = [(text, page_of) for text, page_of, _ in lines[start.line : end_line]]
        _, heading_page, first_word = lines[start.line]
        who = start.who or _rapporteur(body[1:6]) or _speaker(body[:6])
        who = who or _margin_name(lines[max(0, start.line - 2) : start.line])
        vote = read_vote(body[1:])
        affaires.append(Affaire(start.number, start.title, heading_page, first_word, vote, who, start.act))
    if kind == "document" and not any(a.vote for a in affaires):
        return []  # a report's numbered sections, not affaires
    return affaires


def affaire_at(affaires: list[Affaire], word: int) -> Affaire | None:
    """Return the affaire whose text holds the given word of the document."""
    current = None
    for affaire in affaires:
        if affaire.start_word > word:
            break
        current = affaire
    return current


def _headings(lines: list[tuple[str, int, int]], bare_numbers: bool) -> list[_Start]:
    """The affaires' headings. Headings that print an act number are all kept. Numbered ones must rise one by
    one; the ordre du jour's list of the same numbers, and numbered lists inside an affaire, are left out."""
    full = _full_width([text for text, _, _ in lines])
    found: list[_Start] = []
    bullets: Counter[str] = Counter()  # what the titles under "Délibération n°…" start with
    for i, (line, _, _) in enumerate(lines):
        text = line.strip()
        numbered = _NUMBERED_ACT.match(text)
        if numbered:
            at = i if numbered.group("title") else i + 1
            below = lines[at][0].strip() if at < len(lines) else ""
            glyph = _GLYPH.match(below)
            if not numbered.group("title") and glyph:
                bullets[glyph.group(0).strip()] += 1
            first = numbered.group("title") or (_GLYPH.sub("", below))
            title, who = _title(first, lines, at, full)
            found.append(_Start(i, None, title, who, numbered.group("act")))
            continue
        act = _ACT_HEADING.match(text)
        if act:
            number = int(act.group("n")) if act.group("n") else None
            title, who = _title(act.group("title"), lines, i, full)
            found.append(
                _Start(i, number, title, who, re.sub(r"\s+", "", act.group("act")).replace("–", "-"))
            )
            continue
        m = _HEADING.match(text)
        if m and not (m.group("bare") and not bare_numbers):
            title, who = _title(m.group("title"), lines, i, full)
            who = " ".join(m.group("who").split()) if m.group("who") else who
            found.append(_Start(i, int(m.group("n")), title, who))
    if any(s.act for s in found):
        kept = _with_acts(found)
        bullet = bullets.most_common(1)[0][0] if bullets else None
        return _unnumbered_items(kept, lines, bullet, full) if bullet else kept
    return _best_run(found, lines) or _agenda_items(lines, full)


def _unnumbered_items(
    kept: list[_Start], lines: list[tuple[str, int, int]], bullet: str, full: int
) -> list[_Start]:
    """Minutes that head their acts "Délibération n°…" then the title behind a bullet print some acts with no
    number, the same bullet before their title. Such a line starts an affaire when the text since the last
    heading holds its vote (an affaire ends with its decision); sub-points and speakers' names do not."""
    starts = {s.line for s in kept}
    out = list(kept)
    last = min(starts) if starts else len(lines)
    for i in range(last + 1, len(lines)):
        if i in starts:
            last = i
            continue
        text = lines[i][0].strip()
        if not text.startswith(bullet) or i - 1 in starts:
            continue  # the title line of a numbered heading
        rest = text[len(bullet) :].strip()
        if not rest or not _title_like(rest) or rest.endswith((":", ".")) or _PERSON.fullmatch(rest):
            continue
        if read_vote([(t, p) for t, p, _ in lines[last + 1 : i]]) is None:
            continue
        title, who = _title(rest, lines, i, full)
        out.append(_Start(i, None, title, who))
        last = i
    return sorted(out, key=lambda s: s.line)


def _with_acts(found: list[_Start]) -> list[_Start]:
    """Act headings are certain. A numbered heading without an act number is kept when it continues the item
    numbers those headings print ("3. D2024-17 …" then "4. Vote des taux…")."""
    kept: list[_Start] = []
    for s in found:
        if s.act or (kept and kept[-1].number is not None and s.number == kept[-1].number + 1):
            kept.append(s)
    return kept


def _best_run(found: list[_Start], lines: list[tuple[str, int, int]]) -> list[_Start]:
    """The numbered headings that are the séance's affaires: the chain of numbers rising one by one (a gap of up
    to _MAX_GAP costs a little) whose blocks print the most votes. The ordre du jour lists the same numbers
    without votes; a numbered list inside an affaire breaks the chain, so neither is chosen."""
    weights = []
    for k, s in enumerate(found):
        end = found[k + 1].line if k + 1 < len(found) else len(lines)
        listed = any(
            abs((found[o].number or 0) - (s.number or 0)) == 1 and abs(found[o].line - s.line) <= 2
            for o in (k - 1, k + 1)
            if 0 <= o < len(found)
        )
        voted = read_vote([(t, p) for t, p, _ in lines[s.line + 1 : end]]) is not None
        weights.append(0.25 if listed else 1.0 + voted)  # an item of a list, one line after the other
    best: list[float] = []
    before: list[int | None] = []
    for j, s in enumerate(found):
        assert s.number is not None
        score, link = (weights[j], None) if s.number <= _MAX_GAP else (float("-inf"), None)
        for i in range(j):
            gap = s.number - (found[i].number or 0)
            if 0 < gap <= _MAX_GAP and best[i] + weights[j] - 0.5 * (gap - 1) > score:
                score, link = best[i] + weights[j] - 0.5 * (gap - 1), i
        best.append(score)
        before.append(link)
    if not found or max(best) == float("-inf"):
        return []
    chain: list[_Start] = []
    at: int | None = max(
        reversed(range(len(found))), key=lambda k: best[k]
    )  # a tie: the body, after the list
    while at is not None:
        chain.append(found[at])
        at = before[at]
    return chain[::-1]


def _title(first: str, lines: list[tuple[str, int, int]], at: int, full: int) -> tuple[str, str | None]:
    """The heading's title, wrapped lines joined, and the rapporteur if a "Rapporteur :" line closes it.
    A line continues the title when the title's line was full (wrapped), or starts in lower case, or is a short
    subtitle; sub-points (bullets), visas and the first words of the text do not."""
    parts = [first.strip()]
    who = None
    below = [text.strip() for text, _, _ in lines[at + 1 : at + 6]]
    tally = next((k for k, text in enumerate(below) if read_vote([(text, 0)]) is not None), None)
    if tally is not None and all(_title_like(t) and not t.endswith(".") for t in below[:tally]):
        parts += below[:tally]  # a compte rendu: the title's lines, then the tally
        below = []
    for following in below[:3]:
        text = following
        rapporteur = _RAPPORTEUR.match(text)
        if rapporteur:
            who = rapporteur.group(1).strip()
            break
        if not _title_like(text):
            break
        if _HEADING.match(text) or _ACT_HEADING.match(text) or read_vote([(text, 0)]) is not None:
            break
        previous = parts[-1]
        wrapped = len(previous) >= 0.8 * full or previous.endswith((",", "–", "-", " à", " de", " et", " du"))
        short = len(text) < 0.8 * full
        if not (text[0].islower() or (short and (wrapped or not text.endswith((".", ":"))))):
            break  # a full line that starts a sentence is the text, not the title
        if len(" ".join(parts)) > 260:
            break
        if previous.endswith("-") and previous[-2:-1].isalpha() and text[0].islower():
            parts[-1] = previous[:-1] + text  # "ins-" / "tallations"
        elif previous.endswith("-") and previous[-2:-1].isdigit() and text[0].isdigit():
            parts[-1] = previous + text  # "2024-" / "2025"
        else:
            parts.append(text)
    title = " ".join(" ".join(parts).split()).rstrip(" :")
    trailing = _TRAILING_SPEAKER.match(title)
    if trailing:  # "… Exercice 2012 Max LEVITA :": the speaker ends the title's line
        title, who = trailing.group(1), who or trailing.group(2)
    return title.strip(), who


def _agenda_items(lines: list[tuple[str, int, int]], full: int) -> list[_Start]:
    """Affaires that carry no number: the ordre du jour's lines that come again below, as headings."""
    texts = [" ".join(text.split()) for text, _, _ in lines]
    agenda = next((i for i, t in enumerate(texts) if re.fullmatch(r"(?i)ordre du jour\s*:?", t)), None)
    if agenda is None:
        return []
    found: list[_Start] = []
    end = agenda + 1
    while end < len(texts) and _title_like(texts[end]):
        end += 1  # the agenda ends at a rule ("_______") or a blank
    for item in texts[agenda + 1 : end]:
        again = next((i for i in range(end, len(texts)) if texts[i] == item), None)
        wrapped = item[0].islower()  # the second line of an item's title
        if again is not None and not wrapped and len(item) > 10 and (not found or again > found[-1].line):
            title, who = _title(item, lines, again, full)
            found.append(_Start(again, None, title, who))
    return found


def _title_like(text: str) -> bool:
    """Not a sub-point, a visa, a speaker or a rule ("_______")."""
    return bool(re.search(r"[^\W_]", text)) and not (
        _BULLET.match(text) or _VISA.match(text) or _SPEAKER.match(text)
    )


def _full_width(texts: list[str]) -> int:
    """The length of a full line of text in this document (its 90th percentile)."""
    lengths = sorted(len(t) for t in texts if len(t) >= 20)
    return lengths[int(0.9 * (len(lengths) - 1))] if lengths else 80


def _rapporteur(lines: list[tuple[str, int]]) -> str | None:
    """ "Rapporteur : Franck SUPERBI" under the heading."""
    for line, _ in lines:
        m = _RAPPORTEUR.match(line.strip())
        if m:
            return m.group(1).strip()
    return None


def _speaker(lines: list[tuple[str, int]]) -> str | None:
    """The first person to speak on an affaire presents it ("Serge FLEURENCE : Pour dénommer…")."""
    for line, _ in lines[1:]:
        m = _SPEAKER.match(line.strip())
        if m:
            return m.group(1).strip()
    return None


def _margin_name(lines: list[tuple[str, int, int]]) -> str | None:
    """Some minutes print the rapporteur in the margin, first name above last name, just before the heading."""
    if len(lines) == 2:
        first, last = lines[0][0].strip(), lines[1][0].strip()
        if _FIRST_NAME.match(first) and not _CIVILITY.match(first) and _LAST_NAME.match(last):
            return f"{first} {last}"
    return None
