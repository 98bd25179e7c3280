"""Terms of a question that no extract prints.

"Quel est le montant de la taxe de séjour ?" finds a table of tariffs with "Caveau d'attente - séjour / jour
9,00 €": every word of the question is there, the term is not, and a small model answers "9,00 €". A term here is
two words of the question that name one thing: a noun and its complement joined by "de" with no article ("taxe de
séjour", "billets d'avion") or a noun and the word right after it ("budget participatif", "moustique tigre"). The
model is told which terms no extract prints; it still decides, since an extract may say the same thing in other
words ("titres de transport aérien" for "billets d'avion").
"""

from __future__ import annotations

import re

from app.facts import _ASKING
from index.lexical import fold

_WORD = re.compile(r"\w+")
_JOIN = {"de", "d"}
# Spaces, or an apostrophe ("billets d'avion"): a comma, a bracket or quotes end a term.
_GLUE = re.compile(r"\s+|\s*['’]\s*")
# Words that qualify or count rather than name: "nouvelle école", "trois personnalités", "moins de 14 ans".
_FREE = {
    fold(w)
    for w in [
        "ancien",
        "ancienne",
        "anciens",
        "anciennes",
        "nouveau",
        "nouvel",
        "nouvelle",
        "nouveaux",
        "nouvelles",
        "grand",
        "grande",
        "grands",
        "grandes",
        "petit",
        "petite",
        "petits",
        "petites",
        "premier",
        "première",
        "premiers",
        "premières",
        "dernier",
        "dernière",
        "derniers",
        "dernières",
        "jeune",
        "jeunes",
        "vieux",
        "vieille",
        "vieilles",
        "beau",
        "belle",
        "beaux",
        "belles",
        "bon",
        "bonne",
        "bons",
        "bonnes",
        "gros",
        "grosse",
        "haut",
        "haute",
        "hauts",
        "hautes",
        "long",
        "longue",
        "longs",
        "longues",
        "même",
        "mêmes",
        "autre",
        "autres",
        "seul",
        "seule",
        "seuls",
        "seules",
        "prochain",
        "prochaine",
        "prochains",
        "prochaines",
        "plus",
        "moins",
        "très",
        "tout",
        "toute",
        "tous",
        "toutes",
        "un",
        "une",
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
        "vingt",
        "trente",
        "quarante",
        "cinquante",
        "soixante",
        "cent",
        "cents",
        "mille",
    ]
}
_AUXILIARY = {"a", "ont", "est", "sont", "été", "était", "étaient", "avait", "avaient", "sera", "seront"}
_INVERSION = re.compile(r"-(?:t-|il\b|elle\b|ils\b|elles\b|on\b)")  # "ouvre-t-elle": a verb
_PARTICIPLE = re.compile(r"(?:é|ée|és|ées)$")  # "prélevé", "votée"; but nouns in -té: "société", "indemnités"
_NOUN_TE = re.compile(r"tés?$")
# Three words between the two words of a term at most: "réseau municipal radio" prints "réseau radio".
_REACH = 3


def _stem(word: str) -> str:
    """Accents and case folded, the plural dropped: "indemnités" and "indemnité" are one word, "participatif"
    and "participation" are not."""
    w = fold(word)
    return w[:-1] if len(w) > 4 and w[-1] in "sx" else w


def _names(question: str, m: re.Match[str], previous: re.Match[str] | None) -> bool:
    """The word may be part of a term: long enough, not a word of asking, qualifying or counting, not a verb."""
    word, folded = m.group(), fold(m.group())
    if len(folded) < 4 or folded.isdigit() or folded[:5] in _ASKING or folded in _FREE:
        return False
    if _INVERSION.match(question, m.end()):
        return False
    if previous is not None and previous.group().lower() in _AUXILIARY:
        return False  # "a été élue présidente"
    return not (_PARTICIPLE.search(word.lower()) and not _NOUN_TE.search(word.lower()))


def terms(question: str) -> list[tuple[str, tuple[str, str]]]:
    """The question's terms, as written and as the two folded words to look for."""
    words = list(_WORD.finditer(question))

    def glued(a: re.Match[str], b: re.Match[str]) -> bool:
        return _GLUE.fullmatch(question, a.end(), b.start()) is not None

    found = []
    for i, first in enumerate(words):
        if not _names(question, first, words[i - 1] if i else None):
            continue
        complement = i > 0 and fold(words[i - 1].group()) in _JOIN and glued(words[i - 1], first)
        j = i + 1
        if j < len(words) and fold(words[j].group()) in _JOIN and glued(first, words[j]):
            j += 1
        elif complement:
            continue  # "emplois d'avenir supplémentaires": the adjective goes with the whole term
        if j < len(words) and glued(words[j - 1], words[j]) and _names(question, words[j], words[j - 1]):
            found.append(
                (question[first.start() : words[j].end()], (_stem(first.group()), _stem(words[j].group())))
            )
    return found


def prints(pair: tuple[str, str], stems: list[str]) -> bool:
    """The text (as its folded words) holds the term: its second word within a few words after the first."""
    first = [i for i, s in enumerate(stems) if s == pair[0]]
    second = [i for i, s in enumerate(stems) if s == pair[1]]
    return any(0 < j - i <= _REACH for i in first for j in second)


def missing_terms(question: str, texts: list[str]) -> list[str]:
    """The question's terms that none of the texts prints, as the question writes them."""
    wanted = terms(question)
    if not wanted:
        return []
    stemmed = [[_stem(w) for w in _WORD.findall(t)] for t in texts]  # each text read once, not once per term
    return [written for written, pair in wanted if not any(prints(pair, s) for s in stemmed)]
