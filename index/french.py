"""French text, written once: accent folding, words, stems, stop words, months and dates.

Every step that compares words (retrieval, question analysis, evidence, staff search) folds and stems them here,
so that "Étrangers", "étranger" and "etrangers" are one word everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

WORD = re.compile(r"\w+")
YEAR = re.compile(r"\b(?:19|20)\d{2}\b")

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
MONTH_NUMBER = {m: i for i, m in enumerate(MONTHS, start=1)} | {
    "fevrier": 2,
    "aout": 8,
    "decembre": 12,
}

# Function words: articles, pronouns, prepositions, conjunctions, auxiliaries. Closed classes of the language,
# not words of any question.
STOP_WORDS = frozenset(
    """a à afin ai aie aient aies ait as au aucun aucune aupres auquel aura aurai auraient aurais aurait auras
    aurez auriez aurions aurons auront aussi autre autres aux auxquelles auxquels avaient avais avait avant avec
    avez aviez avions avoir avons ayant c ça car ce ceci cela celle celles celui cependant certain certaine
    certaines certains ces cet cette ceux chacun chacune chaque chez ci comme d dans de des depuis dès donc dont
    du duquel elle elles en encore entre es est et étaient étais était étant été êtes étiez étions être eu eue
    eues eurent eus eut eux fait fut furent fus il ils j je jusqu jusque l la laquelle le lequel les lesquelles
    lesquels leur leurs lors lorsque lui m ma mais me même mêmes mes moi mon n ne ni nos notre nous on ont ou
    où par parce pas pendant peu peut plus pour pourquoi qu quand que quel quelle quelles quels qui quoi s sa
    sans se selon sera serai seraient serait seras serez seriez serions serons seront ses si sien sienne son
    sont sous soit sommes sont sur t ta te tel telle telles tels tes toi ton tous tout toute toutes très tu un une
    vers vos votre
    vous y""".split()  # noqa: SIM905 - a closed word class reads best as running text
)
FOLDED_STOP_WORDS = frozenset(
    "".join(c for c in unicodedata.normalize("NFKD", w) if not unicodedata.combining(c)) for w in STOP_WORDS
)

_STEMMER = Stemmer.Stemmer("french")


def fold(text: str) -> str:
    """Lowercase and drop accents, so "Étrangers" and "etrangers" are one word."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The folded words of a text, in order."""
    return WORD.findall(fold(text))


# Ordinals as councils and citizens write them: "82e", "82ème", "82eme", "82ieme", "1er", "2nd".
_ORDINAL = re.compile(r"(\d+)(?:e|eme|ieme|er|ere|nd|nde)")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball's French stem of a folded word ("delibérations" → "deliber"); numbers stay as they are, an
    ordinal is one word however it is spelt ("82ème" → "82e")."""
    if word.isdigit():
        return word
    ordinal = _ORDINAL.fullmatch(word)
    return ordinal.group(1) + "e" if ordinal else _STEMMER.stemWord(word)


def stems(text: str, drop_stop_words: bool = True) -> list[str]:
    """The stems of a text's words, in order, function words dropped unless asked."""
    return [stem(w) for w in words(text) if not (drop_stop_words and w in FOLDED_STOP_WORDS)]


def content_stems(text: str) -> set[str]:
    """The stems of the words that carry meaning: no function word, no single letter (numbers kept)."""
    return {stem(w) for w in words(text) if (len(w) > 1 or w.isdigit()) and w not in FOLDED_STOP_WORDS}


# A person's noun in its other gender: « la contrôleuse » is printed « le contrôleur », « la directrice » « le
# directeur ». Snowball stems the two apart (« control », « controleur »); each form gives the other's spelling.
_GENDER = (("euse", "eur"), ("rice", "eur"), ("ere", "er"), ("ienne", "ien"), ("enne", "en"))


def other_gender(word: str) -> list[str]:
    """The folded word in its other gender, when its ending says it may have one (« controleuse » → ["controleur"],
    « controleur » → ["controleuse", "controlrice"]; forms no one writes are harmless: they match nothing)."""
    forms = []
    for feminine, masculine in _GENDER:
        if word.endswith(feminine):
            forms.append(word[: -len(feminine)] + masculine)
        elif word.endswith(masculine) and len(word) > len(masculine) + 2:
            forms.append(word[: -len(masculine)] + feminine)
    return forms


# The lengths of the acronyms compared with a text's initials: « CCAS », « EHPAD », « SDAGE ».
ACRONYM = (3, 6)


def initials(text: str) -> str:
    """The initials of a text's content words, folded, in order: every run of them is an acronym the text spells
    (« Centre Communal d'Action Sociale » → "ccas", « Établissement d'Hébergement pour Personnes Âgées
    Dépendantes » → "ehpad"). Function words are skipped, as acronyms skip them."""
    return "".join(w[0] for w in words(text) if w not in FOLDED_STOP_WORDS and w.isalpha())


def spells(text_initials: str, acronym: str) -> bool:
    """The folded acronym is a run of the text's initials (see `initials`)."""
    low, high = ACRONYM
    return low <= len(acronym) <= high and acronym in text_initials


HALF = 3  # the shortest half of a compound: « éco » in « écoquartier »


def halves(word: str) -> list[tuple[str, str]]:
    """The ways a folded word splits into two words that could be printed apart (« videoprotection » →
    ("video", "protection"), among others): letters only, each half of HALF letters or more, no function word."""
    if not word.isalpha():
        return []
    cuts = [(word[:i], word[i:]) for i in range(HALF, len(word) - HALF + 1)]
    return [(a, b) for a, b in cuts if a not in FOLDED_STOP_WORDS and b not in FOLDED_STOP_WORDS]


def french_date(iso: str | None) -> str:
    """ "2014-02-17" → "17 février 2014"; "2014-02-01" → "1er février 2014"."""
    if not iso:
        return ""
    year, month, day = iso.split("-")
    return f"{int(day)}{'er' if day == '01' else ''} {MONTHS[int(month) - 1]} {year}"
