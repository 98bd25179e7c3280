"""Understand a question once: what is asked, about what, when, where, and what an earlier turn carried.

Every later step (retrieval, evidence, structured answers, the answer check) reads the `Question` built here,
instead of folding and matching the raw text again. What is asked comes from the grammar of French questions
(interrogative words and their noun); the subject from the parts of speech and lemmas of a kept French model
(spaCy's `fr_core_news_sm`), each lemma reduced to the Snowball stem the index uses for the documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from index.collectivites import PLACE_WORDS
from index.french import FOLDED_STOP_WORDS, MONTH_NUMBER, YEAR, fold, stem
from index.identifiers import act_key, receipt_ids
from index.search import council_named

# What a question can ask for. The evidence step looks for sentences that hold such a thing.
AMOUNT, COUNT, DATE, PERSON, PLACE, REASON = "amount", "count", "date", "person", "place", "reason"
DURATION = "duration"
VOTE, NUMBER, RAPPORTEUR, YESNO, LIST, OPEN = "vote", "number", "rapporteur", "yesno", "list", "open"

# What is asked, read from the grammar of French questions: an interrogative word (a closed class of the
# language) and, after « quel » or « combien de », the noun it asks about, by the kind of thing that noun names.
# The nouns are French words for amounts, dates, people, places… — not words of any particular question.
_NOUN_CLASSES: dict[str, str] = {  # closed word classes, as running text
    AMOUNT: (
        "montant prix cout tarif somme subvention budget loyer redevance taux indemnite valeur aide"
        " dotation participation contribution enveloppe depense recette cotisation frais euro"
    ),
    DURATION: "duree delai temps",
    DATE: "date jour heure horaire plage periode echeance annee mois semaine",
    PERSON: (
        "nom entreprise societe association compagnie organisme prestataire titulaire attributaire"
        " laureat fournisseur operateur groupement banque cabinet bureau etablissement federation syndicat"
        " club architecte notaire elu adjoint conseiller maire president personne candidat delegue"
        " representant membre"
    ),
    PLACE: "lieu adresse endroit salle ville commune quartier rue site",
    VOTE: "vote resultat score majorite scrutin",
    NUMBER: "numero deliberation acte arrete",
    COUNT: "nombre surface superficie longueur hauteur distance capacite volume",
}
_CLASS_OF = {noun: kind for kind, nouns in _NOUN_CLASSES.items() for noun in nouns.split()}
# « quel(le)(s) [est|sont|était…] [le|la|les|l'] NOUN », « combien de NOUN », « à quel(le) NOUN ».
_WHICH_NOUN = re.compile(
    r"\bquel(?:le)?s?\s+(?:(?:est|sont|etait|etaient|sera|seront|a ete|ont ete)\s+)?(?:(?:le|la|les|l')\s*)?"
    r"(\w+)(?:\s+(\w+))?"  # the noun, or an adjective and the noun ("quel nouveau montant")
)
_HOW_MANY_NOUN = re.compile(r"^combien\s+d(?:e\s+|')(\w+)()")
_OPENING_NOUN = re.compile(r"^(?:et\s+)?(\w+)()")
# Kinds a question asks whatever its interrogative: a reason, an act's number, its rapporteur, a vote.
_ASKED_ANYWHERE: tuple[tuple[str, re.Pattern[str]], ...] = (
    (REASON, re.compile(r"\bpourquoi\b|\bpour quelles? raisons?\b|\bquels? (?:motifs?|raisons?)\b")),
    (NUMBER, re.compile(r"\b(?:numero|n ?°)(?!\s*\d)")),  # "n° 2014/121" gives the number, it does not ask it
    (RAPPORTEUR, re.compile(r"\brapporteu|\b(?:a|l'a|les a|avait) (?:rapporte|presente)\b")),
    (
        VOTE,
        re.compile(
            r"unanimit|\babst(?:enu|ention)|\bscrutin|\bvoix\b|\bvote(?:e|es|s)? contre\b|\bvote(?:e|es|s)? pour\s*\?"
            r"|\bcomment\b.*\bvot|^(?:et )?(?:le|du|son|ce) vote\b"
        ),
    ),
)
# « Qui » asking who did something else than vote (« qui a été élu », « qui lui a succédé »): the tally of an
# act names who voted against or abstained, never who was elected or appointed.
_WHO_NOT_VOTING = re.compile(
    r"^(?:et\s+)?qui\s+(?!(?:(?:l'|les\s+)?(?:a|ont|avait|avaient)\s+|s'est\s+|se\s+sont\s+)?"
    r"(?:vot|s'?abst|abst|oppos|pronon|pour\b|contre\b))"
)
# The interrogatives, each with what it asks when no noun says more.
_INTERROGATIVES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("which", re.compile(r"\bquel(?:le)?s?\b")),
    ("how_many", re.compile(r"\bcombien\b")),
    (DATE, re.compile(r"\bquand\b")),
    # "qui" asks first, after a preposition or a comma: "la délibération qui fixe …" is a relative clause.
    (PERSON, re.compile(r"(?:^|, |\b(?:a|par|avec|de|pour|chez|et|est|sont) )qui\b|\bcomment s'appel")),
)
# « combien » before a verb asks an amount (« combien coûte », « combien la Ville verse-t-elle »), unless the
# verb is « être » or « avoir » (« combien sont-ils »: a count).
_COUNTING_VERBS = re.compile(r"^combien\s+(?:(?:y a|sont|etaient|seront|ont|avaient)\b|d[e'])")


# The words that say what is asked, not what about: "Combien de voix contre …", "Quel est le montant de …".
# They are no part of the subject a passage must hold (every tally prints "voix" and "contre").
_ASK_WORDS: dict[str, re.Pattern[str]] = {
    VOTE: re.compile(
        r"vot\w*|voix|pour|contre|abstenu\w*|abstention\w*|unanimit\w*|majorite|scrutin|resultats?|score"
    ),
    AMOUNT: re.compile(r"montants?|couts?|prix|sommes?|valeurs?|combien"),
    COUNT: re.compile(r"nombres?|combien"),
    DURATION: re.compile(r"combien|temps|duree|annees?|ans|mois|semaines|jours"),
    DATE: re.compile(r"dates?|quand|jours?|plage|horaires?|heures?|periode"),
    RAPPORTEUR: re.compile(r"rapporte\w*|presente\w*|elue?s?"),
    PERSON: re.compile(r"noms?|appelle\w*"),
}
_YESNO = re.compile(
    r"^(?:est-ce qu|[\w'-]+-t-(?:il|elle|on)\b|\w+-(?:il|elle|ils|elles|on)\b)|^\S+ [\w'-]+-(?:t-)?(?:il|elle|ils|elles)\b|\s[\w'-]+-t-(?:il|elle)\b"
    r"|^(?:est ce qu|[\w'-]+ t (?:il|elle|on)\b)|\s\w+ t (?:il|elle)\b"  # typed without hyphens: "a t il"
)
# A decision said in the passive (« a-t-elle été adoptée », « est-ce que le budget a été voté »).
_DECIDED = re.compile(r"\bete (?:adopte|vote|approuve|rejete|refuse)e?s?\b")
_PLURAL_WHICH = re.compile(r"\bquel(?:le)?s\b")
# "Avec quelle compagnie la Ville a-t-elle passé le marché ?" is inverted like a yes/no question but asks for
# a thing: an interrogative word says so (folded text: "où" is "ou", read on the accented text elsewhere).
# "qui" asks only first or after a preposition: "la délibération qui fixe …" is a relative clause.
_INTERROGATION = re.compile(
    r"\b(?:quel(?:le)?s?|quoi|combien|comment|quand|pourquoi|lequel|laquelle)\b"
    r"|(?:^|\b(?:a|par|avec|de|pour|chez|et|est|sont) )qui\b"
)
# Parts of speech that never carry a subject. Everything else does unless it is a function word: the small
# model mistags some nouns ("taxe de séjour": "séjour" as a preposition), the stop list does not.
_FUNCTION_POS = {"AUX", "PRON", "DET", "CCONJ", "SCONJ", "PUNCT", "SYM", "SPACE", "INTJ"}
# Interrogative and generic question words spaCy tags as content (a closed class of the language).
_INTERROGATIVE = {
    "quel",
    "quelle",
    "quels",
    "quelles",
    "combien",
    "quand",
    "pourquoi",
    "comment",
    "qui",
    "quoi",
}
_MONTH_YEAR = re.compile(r"\b(" + "|".join(MONTH_NUMBER) + r")\s+((?:19|20)\d{2})\b")
# Act numbers as councils print them: "2013/138", "n° 2014 / 197", "D2024-27", "D 2025-019", "2024_37", "DEL 2025-90".
# A number made of the séance's date and a rank: "20200608-14".
ACT_NUMBER = re.compile(
    r"\b(?:DEL\s*|D\s?)?((?:19|20)\d{2}(?:[01]\d[0-3]\d)?)\s*[/_-]\s*(\d{1,4})\b", re.IGNORECASE
)
_SECOND_ASK = re.compile(r"\bet (?:quel|quelle|quels|quelles|combien|qui|quand|pourquoi|comment|a combien)\b")
# A follow-up is searched with the start of the answer it follows: its names and figures point to the act.
ANSWER_WORDS = 40
_MARKS = re.compile(r"\[\d{1,2}\]")


def act_keys(text: str) -> tuple[str, ...]:
    """The keys (index.identifiers.act_key) of every act number the text names."""
    return tuple(dict.fromkeys(k for m in ACT_NUMBER.finditer(text) if (k := act_key(m.group(0)))))


@dataclass(frozen=True)
class Term:
    stem: str  # as the index stems the documents' words
    word: str  # as the question writes it
    proper: bool = False  # a name (a street's, a firm's): it must be printed, no paraphrase can stand for it
    noun: bool = False  # a noun or a name: what a subject is made of (verbs and adjectives say how)


@dataclass(frozen=True)
class Phrase:
    """Two words of the question that name one thing together: a noun and its complement ("taxe de séjour",
    "permis de construire") or the adjective after it ("budget annexe")."""

    written: str
    first: str  # stems
    second: str


@dataclass(frozen=True)
class Question:
    text: str
    asks: str  # one of the constants above
    terms: tuple[Term, ...]  # the subject, in the question's order
    years: tuple[str, ...] = ()
    months: tuple[str, ...] = ()  # "2025-09" for "septembre 2025"
    collectivite: str | None = None  # the key of the collectivité named (see collectivite_key)
    council: str | None = None  # the council named ("conseil municipal"): index.search.council_named
    acts: tuple[str, ...] = ()  # act keys named by the question, or carried from the previous answer
    receipts: tuple[str, ...] = ()  # préfecture receipt ids named by the question
    carried: tuple[Term, ...] = ()  # the previous question's subject, for a follow-up
    previous: str = ""  # the previous question, as asked
    previous_answer: str = ""  # the answer it got (its names and figures say which act it was about)
    yes_no: bool = False  # "… a-t-il été approuvé à l'unanimité ?": the answer starts with Oui or Non
    asked_noun: str | None = None  # "Quelle entreprise …": the kind of thing that answers
    phrases: tuple[Phrase, ...] = ()
    compound: bool = False  # "quel numéro … et quel montant ?": a second question inside the first
    # School years or seasons named ("2012/2013"): another one is not the one asked.
    seasons: tuple[str, ...] = ()
    year_asked: bool = False  # « en quelle année »: a year alone answers it (not « quand »)
    verdict: str | None = None  # what a yes/no vote question asks: "unanimité", "adoption" or "rejet"
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def subject(self) -> set[str]:
        return {t.stem for t in self.terms}

    @property
    def all_terms(self) -> tuple[Term, ...]:
        """The subject with what a follow-up carries (each stem once)."""
        seen = {t.stem for t in self.terms}
        return self.terms + tuple(t for t in self.carried if t.stem not in seen)

    @property
    def search_text(self) -> str:
        """What retrieval reads: the question, the previous one for a follow-up, the acts it carries."""
        said = " ".join(_MARKS.sub(" ", self.previous_answer).split()[:ANSWER_WORDS])
        parts = [self.previous, said, self.text] if self.previous else [self.text]
        return " ".join(parts + [a.replace("-", "/") for a in self.acts if a not in act_keys(self.text)])


@lru_cache(maxsize=1)
def _nlp():
    import spacy

    # The tagger, morphologizer and lemmatizer are what is read; the parser is not needed.
    return spacy.load("fr_core_news_sm", exclude=["parser", "senter"])


def analyse(
    text: str,
    history: list[dict[str, str]] | None = None,
    collectivites: tuple[str, ...] = (),
) -> Question:
    """The one analysis of a question; collectivites are the keys (collectivite_key) the index knows."""
    history = history or []
    folded = fold(text).strip()
    asks, asked_noun = _what_is_asked(text, folded)
    terms, phrases = _terms(text)
    vocabulary = _ASK_WORDS.get(asks)
    if vocabulary is not None:
        terms = tuple(t for t in terms if not vocabulary.fullmatch(fold(t.word)))
    previous = next((m["content"] for m in reversed(history) if m.get("role") == "user"), "")
    answer = next((m["content"] for m in reversed(history) if m.get("role") == "assistant"), "")
    if refused(
        answer
    ):  # a turn that found nothing lends no subject: the next question stands on its own words
        previous = answer = ""
    carried = _terms(previous)[0] if previous else ()
    acts = act_keys(text) or act_keys(answer)
    named = _collectivite_named(folded, collectivites) or (
        _collectivite_named(fold(previous), collectivites) if previous else None
    )
    if named:  # "la commune de Pierrefonds" says where to look, not what about: every act there names it
        terms, carried = _not_the_name(terms, named), _not_the_name(carried, named)
    # A follow-up that names no year is about the year its previous question named.
    years = tuple(dict.fromkeys(YEAR.findall(text) or (YEAR.findall(previous) if previous else [])))
    months = tuple(f"{y}-{MONTH_NUMBER[m]:02d}" for m, y in _MONTH_YEAR.findall(folded))
    return Question(
        text=text,
        asks=asks,
        terms=terms,
        years=years,
        months=months,
        collectivite=named,
        council=council_named(text),
        acts=acts,
        receipts=tuple(sorted(receipt_ids(text))),
        carried=carried,
        previous=previous,
        previous_answer=answer if previous else "",
        yes_no=bool(_YESNO.search(folded))
        and not _INTERROGATION.search(folded.split("?")[0])  # "… a-t-il voté X ? Avec quel résultat ?"
        and asks not in (AMOUNT, DATE, PERSON, PLACE, REASON, COUNT, NUMBER, DURATION),
        asked_noun=asked_noun,
        phrases=phrases,
        compound=_SECOND_ASK.search(folded, 1) is not None,
        seasons=tuple(dict.fromkeys(f"{a}/{b}" for a, b in SEASON.findall(text))),
        year_asked="annee" in folded,
        verdict=_verdict(folded),
    )


# « 2012/2013 », « 2012-2013 »: a school year or a season.
SEASON = re.compile(r"\b((?:19|20)\d{2})\s*[/-]\s*((?:19|20)\d{2})\b")


def _verdict(folded: str) -> str | None:
    """What a yes/no question on a vote asks of it: unanimity, adoption, or rejection."""
    if "unanimit" in folded:
        return "unanimité"
    if re.search(r"\b(?:rejet|refus)", folded):
        return "rejet"
    return "adoption" if _DECIDED.search(folded) else None


# How registre says it found nothing (prompts/not_found.fr.md), folded.
_NOT_FOUND = "je ne trouve pas"


def refused(answer: str) -> bool:
    """The answer of an earlier turn is a refusal."""
    return fold(answer).lstrip().startswith(_NOT_FOUND)


def _what_is_asked(text: str, folded: str) -> tuple[str, str | None]:
    noun = re.search(r"\bquel(?:le)?s?\s+(\w+)", folded)
    asked_noun = noun.group(1) if noun else None
    for kind, pattern in _ASKED_ANYWHERE:
        if pattern.search(folded):
            if kind == VOTE and _WHO_NOT_VOTING.search(folded):
                return PERSON, asked_noun  # « qui a été élu, avec combien de voix ? »: a person, then a count
            return kind, asked_noun
    # A vote or an act asked anywhere ("Quel avis … et avec quel vote ?") is read from the structured data.
    for m in _WHICH_NOUN.finditer(folded):
        structured = _class_of(m.groups())
        if structured in (VOTE, NUMBER):
            return str(structured), asked_noun
    # A question put as a noun phrase: "Résultat du vote sur …", "Montant de la subvention …".
    opening = _noun_kind(_OPENING_NOUN, folded)
    if opening is not None:
        return opening, asked_noun
    # The first interrogative is what the question asks: "Avec quel assureur … quand le contrat a pris fin ?"
    # asks a name ("quand" opens a clause of the question, it does not ask a date).
    lowered = text.lower()
    where = re.search(r"(?:^|\s)où\b", lowered) or re.match(r"(?:et )?(?:d'|par )?ou\b(?! bien)", folded)
    firsts = [(f.start(), kind) for kind, pattern in _INTERROGATIVES if (f := pattern.search(folded))]
    if where:
        firsts.append((where.start(), PLACE))
    if not firsts:
        if _YESNO.search(folded) and not _INTERROGATION.search(folded.split("?")[0]):
            # « X a-t-elle été adoptée ? »: whether a decision was taken is its vote (« Oui. Adopté par … »)
            return (VOTE if _DECIDED.search(folded) else YESNO), asked_noun
        return OPEN, asked_noun
    at, kind = min(firsts)
    if kind == "which":
        head = _WHICH_NOUN.match(folded, at)
        which = _class_of(head.groups()) if head else None
        if which is not None:
            return which, asked_noun
        return (LIST if _PLURAL_WHICH.match(folded, at) else OPEN), asked_noun
    if kind == "how_many":
        after = folded[at:]
        how_many = _noun_kind(_HOW_MANY_NOUN, after)
        if how_many == DATE:  # "combien d'années", "combien de mois": how long
            return DURATION, asked_noun
        if how_many in (DURATION, AMOUNT, VOTE):
            return how_many, asked_noun
        return (COUNT if _COUNTING_VERBS.search(after) else AMOUNT), asked_noun
    return kind, asked_noun


# Nouns of people and bodies by their ending: "assureur", "gestionnaire", "urbaniste", "délégataire".
_AGENT = re.compile(r"\w{3,}(?:eur|euse|rice|iste|aire|ant|ante)s?$")


def _class_of(words: tuple[str | None, ...]) -> str | None:
    """The kind of thing a noun names (the first of the words that is a known noun, or an agent noun)."""
    for word in words:
        if not word:
            continue
        for form in (word, word.removesuffix("s"), word.removesuffix("x")):
            if form in _CLASS_OF:
                return _CLASS_OF[form]
        if _AGENT.fullmatch(word) and word not in FOLDED_STOP_WORDS:
            return PERSON
    return None


def _noun_kind(pattern: re.Pattern[str], folded: str) -> str | None:
    """The kind of thing the noun the pattern captures names, or None."""
    m = pattern.search(folded)
    return _class_of(m.groups()) if m else None


# A compound noun joins its complement with "de" and no article ("taxe de séjour", "permis de construire");
# "extension du plan" is a noun phrase, not a name for one thing.
_JOINS = {"de", "d"}


def _agree(noun, adjective) -> bool:
    """The adjective agrees with the noun in number and gender (where the tagger says)."""
    for feature in ("Number", "Gender"):
        a, b = noun.morph.get(feature), adjective.morph.get(feature)
        if a and b and a != b:
            return False
    return True


def _nominal(token) -> bool:
    """A noun or a name, or a word the tagger took for a preposition that no stop list knows ("séjour")."""
    word = fold(token.text)
    if word in FOLDED_STOP_WORDS or len(word) < 3 or not word.isalpha():
        return False
    return token.pos_ in ("NOUN", "PROPN") or token.pos_ == "ADP"


def _terms(text: str) -> tuple[tuple[Term, ...], tuple[Phrase, ...]]:
    """The subject: content words (nouns, names, adjectives, verbs, numbers) as stems, each once; and the
    phrases two of them make (a noun with its complement or the adjective after it)."""
    out: dict[str, Term] = {}
    doc = _nlp()(text)
    phrases: list[Phrase] = []
    asking = (
        set()
    )  # "Quel est le montant de …", "Quels taux de …": the noun of the asking, not of the subject
    for k, token in enumerate(doc):
        if fold(token.text) in _INTERROGATIVE:
            nxt = next((t for t in doc[k + 1 : k + 5] if _nominal(t)), None)
            if nxt is not None:
                asking.add(nxt.i)
    for i, token in enumerate(doc):
        if not _nominal(token) or i in asking or token.text[:1].isupper():
            continue
        j = i + 1
        if j < len(doc) and fold(doc[j].text).strip("'’") in _JOINS:
            j += 1
            # a common noun: "commune de Pierrefonds" names a place, not a thing the passages must print
            ok = j < len(doc) and _nominal(doc[j]) and not doc[j].text[:1].isupper()
        else:
            # "emplois d'avenir supplémentaires": an adjective that does not agree with a complement goes with
            # the noun before it ("taux de taxe foncière" keeps "taxe foncière")
            complement = i > 0 and fold(doc[i - 1].text).strip("'’") in _JOINS
            ok = j < len(doc) and doc[j].pos_ == "ADJ" and (not complement or _agree(token, doc[j]))
        if ok and len(doc[j].text) > 3 and not doc[j].like_num:
            phrases.append(Phrase(doc[i : j + 1].text, stem(fold(token.text)), stem(fold(doc[j].text))))
    for token in doc:
        word = fold(token.text)
        if token.pos_ in _FUNCTION_POS or token.is_punct or word in _INTERROGATIVE:
            continue
        if word in FOLDED_STOP_WORDS or (len(word) < 2 and not word.isdigit()):
            continue
        # The word's own stem, as the documents' words are stemmed (a lemma may differ: "travaux" → "travail").
        for part in re.findall(r"\w+", word):
            if part in FOLDED_STOP_WORDS or part in _INTERROGATIVE or (len(part) < 2 and not part.isdigit()):
                continue
            s = stem(part)
            proper = token.pos_ == "PROPN" or (token.text[:1].isupper() and token.i > 0)
            out.setdefault(s, Term(s, token.text, proper, token.pos_ in ("NOUN", "PROPN")))
    return tuple(out.values()), tuple(phrases)


def _not_the_name(terms: tuple[Term, ...], key: str) -> tuple[Term, ...]:
    """The terms without the words of the collectivité's name."""
    name = set(key.split()) | PLACE_WORDS
    return tuple(t for t in terms if fold(t.word) not in name)


def _collectivite_named(folded: str, keys: tuple[str, ...]) -> str | None:
    """The collectivité whose distinctive words all stand in the question (the longest name wins)."""
    words = set(re.findall(r"\w+", folded))
    named = [k for k in keys if k and set(k.split()) <= words]
    return max(named, key=len) if named else None
