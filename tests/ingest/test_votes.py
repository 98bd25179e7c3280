"""Votes as French minutes write them in a sentence, on sentences written for these tests."""

import pytest

from ingest.numbers import number
from ingest.votes import Vote, read_vote


def _vote(*lines: str) -> Vote | None:
    return read_vote([(line, 1) for line in lines])


def _counts(vote: Vote | None) -> tuple:
    assert vote is not None
    return vote.pour, vote.contre, vote.abstention, vote.outcome


@pytest.mark.parametrize(
    "sentence, expected",
    [
        # counts against, then for, and the words of the outcome
        ("Le conseil, à 9 voix contre et 4 voix pour, le compte est rejeté.", (4, 9, None, "rejeté")),
        ("Par 11 voix contre et 6 voix pour, la motion n'est pas adoptée.", (6, 11, None, "rejeté")),
        # more against than for is a rejection, whatever else is printed
        (
            "Le rapport est soumis au vote : à la majorité de 8 voix contre et 5 voix pour.",
            (5, 8, None, "rejeté"),
        ),
        # for, abstentions, against: any order
        ("Le projet est adopté par 7 voix pour, 5 abstentions et 2 voix contre.", (7, 2, 5, "adopté")),
        (
            "Le conseil décide à 3 voix pour, 1 contre et 8 abstentions de retenir l'offre.",
            (3, 1, 8, "majorité"),
        ),
        ("Il est approuvé par 2 abstentions, 1 voix contre et 16 voix pour.", (16, 1, 2, "majorité")),
        # "voies" (a slip of the pen) and "votes"
        ("Le conseil adopte le règlement par 12 voies pour et 2 voies contre.", (12, 2, None, "adopté")),
        ("Délibération adoptée avec 10 votes POUR et 3 votes CONTRE.", (10, 3, None, "adopté")),
        # numbers in words
        ("Adopté par vingt et une voix pour, trois voix contre et deux abstentions.", (21, 3, 2, "adopté")),
        ("Le budget est voté par dix-sept voix pour et onze voix contre.", (17, 11, None, "majorité")),
        ("Adopté par quatre-vingt-onze voix pour et soixante-douze voix contre.", (91, 72, None, "adopté")),
        # « à l'unanimité moins … »
        (
            "Le conseil approuve à l'unanimité moins une abstention le tableau des effectifs.",
            (None, None, 1, "unanimité"),
        ),
        ("Approuvé à l'unanimité moins trois abstentions.", (None, None, 3, "unanimité")),
        ("La convention est approuvée à l'unanimité moins deux voix.", (None, 2, None, "majorité")),
        ("Le conseil approuve à l'unanimité moins 4 voix contre.", (None, 4, None, "majorité")),
        # labels and counts in a sentence
        ("La délibération est adoptée (pour : 12, contre : 3).", (12, 3, None, "adopté")),
        ("Résultat — pour : 14 ; contre : 0 ; abstentions : 2.", (14, 0, 2, "unanimité")),
        # a designation: the votes for, with no label
        (
            "DÉSIGNE à la majorité absolue (17 voix) M. Paul RENARD délégué titulaire.",
            (17, None, None, "majorité"),
        ),
    ],
)
def test_a_vote_written_in_a_sentence(sentence, expected):
    assert _counts(_vote(sentence)) == expected


def test_a_sentence_wrapped_over_two_lines_keeps_its_outcome():
    vote = _vote(
        "Le conseil, à 9 voix contre et 4 voix pour, le compte administratif est",
        "rejeté. M. le Maire remercie.",
    )
    assert _counts(vote) == (4, 9, None, "rejeté")


@pytest.mark.parametrize(
    "lines, expected, dissenters, abstainers",
    [
        (
            ["Le conseil adopte à la majorité (3 contre : M. Paul DURAND, Mme Anne PETIT et M. Luc MOREAU)."],
            (None, 3, None, "majorité"),
            "M. Paul DURAND, Mme Anne PETIT et M. Luc MOREAU",
            None,
        ),
        (
            [
                "Après en avoir délibéré, le conseil approuve à la majorité (2 contre : Mme Rose ABEL, M. Yves NOËL) la vente."
            ],
            (None, 2, None, "majorité"),
            "Mme Rose ABEL, M. Yves NOËL",
            None,
        ),
        (
            ["Adopté à l'unanimité des suffrages exprimés. M. Jean MARTIN et Mme Claire ROUX s'abstiennent."],
            (None, None, 2, "unanimité"),
            None,
            "M. Jean MARTIN et Mme Claire ROUX",
        ),
        (
            ["Le budget est adopté à la majorité ; M. Hugo LAMBERT vote contre et Mme Léa FAURE s'abstient."],
            (None, 1, 1, "majorité"),
            "M. Hugo LAMBERT",
            "Mme Léa FAURE",
        ),
        (
            ["Adopté à la majorité.", "Abstention : M. Pierre BLANC"],
            (None, None, 1, "majorité"),
            None,
            "M. Pierre BLANC",
        ),
        (
            [
                "Le Conseil Municipal, après en avoir délibéré, à la majorité (1 abstention de Mme Agnès VIDAL) :"
            ],
            (None, None, 1, "majorité"),
            None,
            "Mme Agnès VIDAL",
        ),
        (
            [
                "Le Conseil Municipal, après en avoir délibéré, à la majorité (une abstention de M. le Maire) :"
            ],
            (None, None, 1, "majorité"),
            None,
            "M. le Maire",
        ),
        (  # the count printed with the verb: the names are taken, the count is kept
            ["Adopté par 15 voix pour et 2 abstentions. M. Noé GIRARD et Mme Ada PONS s'abstiennent."],
            (15, None, 2, "adopté"),
            None,
            "M. Noé GIRARD et Mme Ada PONS",
        ),
    ],
)
def test_who_voted_against_or_abstained_is_named(lines, expected, dissenters, abstainers):
    vote = _vote(*lines)
    assert _counts(vote) == expected
    assert vote is not None and (vote.dissenters, vote.abstainers) == (dissenters, abstainers)


def test_who_stays_out_is_joined_to_the_vote_printed_below():
    vote = _vote(
        "M. Marc VIGNAL et Mme Inès COLIN ne prennent pas part au vote.",
        "M. Marc VIGNAL rappelle qu'il préside l'association.",
        "Vote : Pour à l'unanimité",
    )
    assert vote is not None
    assert (vote.ne_prend_pas_part, vote.outcome) == (2, "unanimité")
    assert (
        vote.text == "Ne prend pas part au vote : 2 (M. Marc VIGNAL et Mme Inès COLIN) · Pour à l'unanimité"
    )


def test_votants_and_exprimes_are_read_beside_the_tally():
    vote = _vote("Votants : 15", "Exprimés : 14", "Pour : 12", "Contre : 2", "Adopté.")
    assert vote is not None
    assert (vote.votants, vote.exprimes, vote.pour, vote.contre, vote.outcome) == (15, 14, 12, 2, "adopté")
    assert vote.text.startswith("Votants : 15 · Exprimés : 14 · Pour : 12")


def test_a_headcount_alone_is_not_a_vote():
    assert _vote("Nombre de conseillers : 23", "Présents : 20", "Votants : 20") is None


def test_unanimity_minus_an_abstention_is_not_a_contradiction():
    vote = _vote("Approuvé à l'unanimité moins une abstention.")
    assert vote is not None and vote.note is None
    printed_over = _vote("Le conseil, après en avoir délibéré, à l'unanimité et une abstention :")
    assert printed_over is not None and printed_over.abstention == 1 and printed_over.note


@pytest.mark.parametrize(
    "lines",
    [
        ["Le conseil municipal compte 9 voix délibératives et 4 voix consultatives."],
        ["Au comité syndical, la commune dispose de 2 voix pour l'élection du bureau."],
        ["Une subvention de 4 000 euros pour l'association des parents d'élèves est prévue au budget."],
        ["Le taux de réalisation atteint 3 pour cent des crédits ouverts."],
        ["M. Alain ROCHE s'abstient de tout commentaire sur ce point."],
        ["Les 3 contre-propositions de l'opposition ont été présentées en commission."],
        ["Le rendement est de 88 % pour 2016 contre 87 % en 2015."],
    ],
)
def test_numbers_that_are_not_a_vote(lines):
    assert _vote(*lines) is None


@pytest.mark.parametrize(
    "words, value",
    [
        ("une", 1),
        ("onze", 11),
        ("dix-sept", 17),
        ("vingt et un", 21),
        ("trente-quatre", 34),
        ("soixante-dix", 70),
        ("soixante et onze", 71),
        ("quatre-vingts", 80),
        ("quatre-vingt-dix-neuf", 99),
        ("cent trois", 103),
        ("deux cents", 200),
    ],
)
def test_french_number_words(words, value):
    assert number(words) == value
