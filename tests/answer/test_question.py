"""The one analysis of a question: what is asked, about what, where, when, and what a follow-up carries.

Phrasings of both development sets and new ones; spaCy's French model reads the parts of speech."""

import pytest

from app.answer.question import (
    AMOUNT,
    COUNT,
    DATE,
    DURATION,
    LIST,
    NUMBER,
    OPEN,
    PERSON,
    PLACE,
    RAPPORTEUR,
    REASON,
    VOTE,
    YESNO,
    act_keys,
    analyse,
)
from index.collectivites import collectivite_key

KNOWN = ("montpellier", "pierrefonds", "lisieres oise")


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Combien coûte l'avenant pour les travaux de mise aux normes du Rockstore ?", AMOUNT),
        ("À quel prix la mairie vend-elle le bois de chauffage ?", AMOUNT),
        ("Quelle subvention le Festival des forêts a-t-il obtenue pour 2025 ?", AMOUNT),
        ("Quel est le montant de la taxe de séjour à Sète ?", AMOUNT),
        ("Quelle est la valeur du bon d'achat offert aux nouveaux habitants ?", AMOUNT),
        ("Combien la commune verse-t-elle au comité des fêtes pour le 14 juillet ?", AMOUNT),
        ("Combien la Ville donne-t-elle au club de rugby ?", AMOUNT),
        ("Combien de citoyens seront tirés au sort pour la convention citoyenne ?", COUNT),
        ("Combien de logements sociaux la résidence compte-t-elle ?", COUNT),
        ("Quand est prévue l'inauguration de la piscine d'Attichy ?", DATE),
        ("Jusqu'à quand l'opérateur peut-il occuper les deux parcelles communales ?", DATE),
        ("Quelles sont les dates de la classe de mer à Crozon en 2019 ?", DATE),
        ("Sur quelle plage horaire la piscine est-elle ouverte aux scolaires ?", DATE),
        ("À partir de quand la nouvelle salle des fêtes sera-t-elle ouverte ?", DATE),
        ("Qui a présidé la séance du conseil communautaire du 13 mars 2025 ?", PERSON),
        ("Quelle entreprise a remporté le marché de la rue Chauret ?", PERSON),
        ("Où les classes maternelles ont-elles été relogées pendant les travaux ?", PLACE),
        ("Pourquoi le conseil s'est-il opposé à l'extension du plan d'épandage ?", REASON),
        ("Comment le conseil municipal a-t-il voté le budget primitif 2022 ?", VOTE),
        ("Et qui a voté contre ?", VOTE),
        ("La gratuité de la bibliothèque a-t-elle été votée à l'unanimité ?", VOTE),
        ("Et combien d'élus ont voté contre ?", VOTE),
        (
            "Sous quel numéro la commune a-t-elle délibéré sur sa dénomination de commune touristique ?",
            NUMBER,
        ),
        ("Quel est le numéro de la délibération qui fixe les tarifs de la cantine ?", NUMBER),
        ("Qui est le rapporteur de la délibération sur le stade ?", RAPPORTEUR),
        ("Quelle élue a présenté le rapport sur la cantine scolaire au conseil du 3 mars ?", RAPPORTEUR),
        ("Quelle délibération a fixé les tarifs du centre de loisirs ?", NUMBER),
        ("Avec quel fournisseur la métropole a-t-elle signé le contrat d'électricité ?", PERSON),
        ("Quel est le nom du nouveau directeur du conservatoire ?", PERSON),
        ("Ou se trouve la nouvelle mediatheque ?", PLACE),  # typed without accents
        ("le conseil a t il adopte le budget", YESNO),
        ("Pourquoi les tarifs de la cantine ont-ils augmenté ?", REASON),
        ("Et pour combien de temps ?", DURATION),
        ("Quelle est la durée du bail emphytéotique ?", DURATION),
        ("Sur combien d'années l'emprunt est-il remboursé ?", DURATION),
        ("Quel cabinet d'architectes a été choisi pour la médiathèque ?", PERSON),
        ("La commune a-t-elle adopté un plan de lutte contre le moustique tigre ?", YESNO),
        ("Le syndicat a-t-il vendu le terrain qui borde la rivière ?", YESNO),
        ("Dans quel ordre la commune a-t-elle classé les candidatures ?", OPEN),
        ("Quels projets le budget participatif a-t-il retenus ?", LIST),
        ("Parle-moi du marché de Noël", OPEN),
        ("En quelle année la salle a-t-elle été construite ?", DATE),
        ("Combien de jours dure la fête ?", DURATION),
        ("Avec quel assureur la commune a-t-elle signé quand l'ancien contrat a pris fin ?", PERSON),
        ("Le président étant absent, qui a présidé la séance ?", PERSON),
        ("À quelle surface le terrain est-il réduit ?", COUNT),
        ("Quel avis le conseil a-t-il rendu sur le projet, et avec quel vote ?", VOTE),
        ("Résultat du vote sur la cession du terrain ?", VOTE),
        ("Combien la commune dépense-t-elle pour le feu d'artifice ?", AMOUNT),
        ("Quel a été le vote sur la délibération n° 2021/45 ?", VOTE),
    ],
)
def test_what_is_asked(question, asks):
    assert analyse(question).asks == asks


def test_a_yes_no_question_about_a_vote_is_both():
    q = analyse("Le nom de la place a-t-il été voté à l'unanimité ?")
    assert q.asks == VOTE and q.yes_no


@pytest.mark.parametrize(
    "question",
    [
        "La délibération qui crée le comité a-t-elle été adoptée ?",
        "Est-ce que le budget annexe de l'eau a été voté ?",
        "Le règlement du cimetière a-t-il été approuvé sans opposition ?",
        "La motion sur la fermeture de la gare a-t-elle été rejetée ?",
    ],
)
def test_whether_a_decision_was_taken_is_asked_by_its_vote(question):
    q = analyse(question)
    assert q.asks == VOTE and q.yes_no


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Qui a été élu maire, et avec combien de voix ?", PERSON),
        ("Et qui lui a succédé comme adjointe aux finances, avec combien de voix ?", PERSON),
        ("Qui a voté contre le budget et avec quel score ?", VOTE),
        ("Et qui s'est abstenu ?", VOTE),
        ("Qui se sont abstenus sur la motion ?", VOTE),
    ],
)
def test_who_was_elected_is_a_person_who_voted_against_is_a_vote(question, asks):
    assert analyse(question).asks == asks


def test_a_yes_no_question_about_what_a_decision_does_is_not_a_vote():
    # Whether taxes rose is read in the act, not in its tally.
    assert analyse("La commune a-t-elle augmenté ses taux d'imposition ?").asks == YESNO


def test_an_inverted_question_with_an_interrogative_word_asks_for_a_thing_not_yes_or_no():
    assert not analyse("Avec quelle compagnie la Ville a-t-elle passé le marché ?").yes_no
    assert not analyse("À qui la commune a-t-elle cédé le terrain ?").yes_no
    assert analyse("La délibération qui crée le comité a-t-elle été adoptée ?").yes_no  # "qui" relative


def test_the_subject_is_the_content_words_as_the_index_stems_them():
    q = analyse(
        "Quelle entreprise a remporté en 2015 le marché des branchements d'eau potable de la rue Chauret ?"
    )
    stems = [t.stem for t in q.terms]
    assert {"branch", "potabl", "chauret", "2015"} <= set(stems)
    assert not {"quel", "quell", "a", "le", "de", "des"} & set(stems)  # no interrogative, no function word
    assert [t.word for t in q.terms if t.proper] == ["Chauret"]
    assert q.years == ("2015",)


def test_a_collectivite_is_named_by_its_distinctive_words():
    assert collectivite_key("Communauté de Communes des Lisières de l'Oise") == "lisieres oise"
    assert collectivite_key("Ville de Montpellier") == "montpellier"
    assert analyse("Le conseil municipal de Pierrefonds a-t-il voté le budget ?", [], KNOWN).collectivite == (
        "pierrefonds"
    )
    assert analyse(
        "Qui préside le conseil communautaire des Lisières de l'Oise ?", [], KNOWN
    ).collectivite == ("lisieres oise")
    assert analyse("Qui préside le conseil communautaire ?", [], KNOWN).collectivite is None


def test_months_and_years():
    q = analyse("Qui a voté contre l'admission en non-valeur au conseil municipal de septembre 2025 ?")
    assert q.years == ("2025",) and q.months == ("2025-09",)


def test_every_spelling_of_an_act_number_is_one_key():
    assert act_keys("D2024-27, D 2024-29, D2025-019, 2024_37, n° 2014 / 197 et DEL 2025-90") == (
        "2024-27",
        "2024-29",
        "2025-19",
        "2024-37",
        "2014-197",
        "2025-90",
    )


def test_a_follow_up_carries_the_previous_subject_and_the_act_its_answer_named():
    history = [
        {
            "role": "user",
            "content": "Avec quelle association la commune a-t-elle passé une convention pour les chats errants ?",
        },
        {"role": "assistant", "content": "Avec l'association Cats in The Air (délibération D2025-017)."},
    ]
    q = analyse("Et qui a voté contre ?", history, KNOWN)
    assert q.asks == VOTE and q.acts == ("2025-17",)
    assert {"chat", "errant"} <= {t.stem for t in q.carried}
    assert "chats errants" in q.search_text and "2025/17" in q.search_text
    assert {"chat", "errant"} <= {t.stem for t in q.all_terms}


@pytest.mark.parametrize(
    ("question", "phrases"),
    [
        ("Quel est le montant de la taxe de séjour à Montpellier ?", ["taxe de séjour"]),
        ("La mairie a-t-elle mis en place un budget participatif ?", ["budget participatif"]),
        ("Quels taux de taxe foncière la commune a-t-elle votés pour 2026 ?", ["taxe foncière"]),
        ("Combien la Ville a-t-elle payé pour les billets d'avion ?", ["billets d'avion"]),
        ("Qui a rapporté la délibération ?", []),
    ],
)
def test_phrases_are_a_noun_and_its_complement_not_the_noun_of_the_asking(question, phrases):
    assert [p.written for p in analyse(question).phrases] == phrases


def test_the_words_that_say_what_is_asked_are_not_the_subject():
    vote = analyse("Combien de voix pour et contre a recueilli la subvention au club de judo ?")
    assert vote.asks == VOTE and {t.word for t in vote.terms} == {"recueilli", "subvention", "club", "judo"}
    amount = analyse("Quel est le nouveau montant de la redevance d'occupation du kiosque ?")
    assert "montant" not in {t.word for t in amount.terms} and "kiosque" in {t.word for t in amount.terms}


def test_an_ordinal_is_one_word_however_it_is_spelt():
    from index.french import stem

    assert stem("82e") == stem("82eme") == stem("82ieme") == "82e"
    assert stem("1er") == "1e" and stem("2024") == "2024"


def test_the_collectivite_named_is_where_to_look_not_the_subject():
    q = analyse(
        "Combien la communauté de communes des Lisières de l'Oise met-elle dans le festival Paroles ?",
        collectivites=KNOWN,
    )
    assert q.collectivite == "lisieres oise"
    assert {t.word for t in q.terms} == {"met", "festival", "Paroles"}
    follow = analyse("Et la convention a été votée ?", [{"role": "user", "content": q.text}], KNOWN)
    assert {t.word for t in follow.carried} == {"met", "festival", "Paroles"}


def test_an_act_numbered_by_its_seance_date_and_rank_is_named_by_that_key():
    assert analyse("Que dit la délibération n°20200608-14 ?").acts == ("20200608-14",)


def test_a_refused_turn_lends_no_subject_to_the_next_question():
    history = [
        {"role": "user", "content": "Quel est le budget 2025 de la piscine olympique ?"},
        {"role": "assistant", "content": "Je ne trouve pas la réponse dans les documents publiés."},
    ]
    q = analyse("Qui a rapporté la délibération sur la convention citoyenne ?", history)
    assert q.previous == "" and q.carried == () and "piscine" not in q.search_text
    answered = [history[0], {"role": "assistant", "content": "1,2 million d'euros (délibération 2025/12)."}]
    assert analyse("Et qui l'a rapporté ?", answered).previous == history[0]["content"]
