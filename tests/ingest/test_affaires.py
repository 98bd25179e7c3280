"""Affaires and their votes, read from the real procès-verbaux and comptes rendus."""

import pytest

from ingest.acts import describe
from ingest.affaires import act_key, affaire_at, find_affaires
from ingest.pdf import read_pages
from ingest.votes import read_vote
from tests.conftest import CORPUS, SHARED

PIERREFONDS = SHARED / "corpus" / "pierrefonds"
TALUYERS = SHARED / "corpus" / "taluyers"


@pytest.fixture(scope="module")
def pv_2011():
    pages = read_pages(CORPUS / "proces-verbaux/PV_CM_16_12_2011.pdf")
    return pages, find_affaires(pages, "procès-verbal", None)


def test_proces_verbal_is_split_into_numbered_affaires_with_votes(pv_2011):
    _, affaires = pv_2011
    assert [a.number for a in affaires[:3]] == [1, 2, 3]
    budget = affaires[0]
    assert "Budget Primitif 2012" in budget.title and budget.page == 5
    assert budget.vote.text == "Pour : 46 · Contre : 7 · Abstentions : 2 · Adopté à la majorité"
    assert (budget.vote.pour, budget.vote.contre, budget.vote.abstention) == (46, 7, 2)
    assert budget.vote.outcome == "majorité"
    assert budget.vote.page == 13  # eight pages after the heading
    numbers = [a.number for a in affaires]
    assert (
        numbers == sorted(numbers) and 900 not in numbers
    )  # budget lines "900 - SERVICES…" are not affaires
    assert sum(1 for a in affaires if a.vote) >= 0.95 * len(affaires)


@pytest.mark.parametrize(
    "file, number, vote",
    [
        (
            "comptes-rendus/CR_CM_07_02_2011.pdf",
            1,
            "Pour : 58 · Contre : 1 (M. Viguié) · Adopté à la majorité",
        ),
        (
            "comptes-rendus/CR_CM_07_02_2011.pdf",
            3,
            "Pour : 51 · Abstentions : 7 · Adopté à l’unanimité des suffrages exprimés",
        ),
        ("proces-verbaux/PV_CM_20_06_2011.pdf", 3, "Pour : 46 · Contre : 10 (PC, Verts-NPA)"),
        # printed as is, though 7 voted against: the answer says so (tests/test_chat.py)
        ("comptes-rendus/CR_CM_09_05_2011.pdf", 15, "Pour : 46 · Contre : 7 (UMP-NI) · Adopté à l’unanimité"),
    ],
)
def test_named_dissenters_and_abstentions_are_kept(file, number, vote):
    pages = read_pages(CORPUS / file)
    affaire = next(a for a in find_affaires(pages, describe(pages[:2]).kind, None) if a.number == number)
    assert affaire.vote.text.startswith(vote)


def test_deliberation_is_one_affaire_with_its_decision():
    pages = read_pages(CORPUS / "deliberations/Delibs_2013_02_04/2013-02-04-0000061089.pdf")
    info = describe(pages)
    (affaire,) = find_affaires(pages, info.kind, info.objet)
    assert (affaire.title, affaire.vote.text, affaire.vote.page) == (info.objet, "Le Conseil adopte", 2)
    assert (affaire.vote.outcome, affaire.vote.pour) == ("adopté", None)  # no tally printed in the act


def test_words_map_to_their_affaire(pv_2011):
    _, affaires = pv_2011
    assert affaire_at(affaires, affaires[1].start_word + 5) == affaires[1]
    assert affaire_at(affaires, 0) is None  # the preamble before the first affaire


# The vote grammar, on the formats the Pierrefonds and CCLO minutes print (lines copied from the real PDFs'
# shapes, names shortened), then on whole real documents.


def _vote(*lines):
    return read_vote([(line, 1) for line in lines])


@pytest.mark.parametrize(
    "lines, counts, outcome, dissenters, abstainers",
    [
        (["Vote : Pour à l’unanimité"], (None, None, None), "unanimité", None, None),
        (["Vote : Pour, à l’unanimité"], (None, None, None), "unanimité", None, None),
        (
            [
                "Vote :",
                "− Pour : 11",
                "− Contre : 2, Monsieur BARATTE, Monsieur GAUTHIER",
                "− Abstentions : 3, Madame A",
            ],
            (11, 2, 3),
            "majorité",
            "Monsieur BARATTE, Monsieur GAUTHIER",
            "Madame A",
        ),
        (  # a full stop printed as the bullet of each line
            [
                "choix qui n'a d'ailleurs pas été celui de toutes les collectivités.",
                ". Pour : 45",
                ". Contre : 14",
                ". Adopté à la majorité.",
            ],
            (45, 14, None),
            "majorité",
            None,
            None,
        ),
        (
            ["- pour : 15", "- contre : 4 (M. LEBLANC, M. TANGUY)"],
            (15, 4, None),
            "majorité",
            "M. LEBLANC, M. TANGUY",
            None,
        ),
        (
            [
                "Le Conseil Municipal, après en avoir délibéré, à la majorité :",
                "- ACCEPTE le devis",
                "Vote : 2 CONTRE (M. Leblanc et M. Tanguy)",
            ],
            (None, 2, None),
            "majorité",
            "M. Leblanc et M. Tanguy",
            None,
        ),
        (
            [
                "Le Conseil Municipal, après en avoir délibéré, à la majorité :",
                "- DÉCIDE",
                "5 contre : Mme Debuisser, M. Leblanc, M. Papin, M. Tanguy, M. Thuillier.",
            ],
            (None, 5, None),
            "majorité",
            "Mme Debuisser, M. Leblanc, M. Papin, M. Tanguy, M. Thuillier",
            None,
        ),
        (  # no number: the names are counted; the debate below is not read
            [
                "… à la majorité :",
                "Contre : M. Tanguy, M. Leblanc et M. Thuillier",
                "Abstention : M. Papin",
                "Monsieur Papin demande",
            ],
            (None, 3, 1),
            "majorité",
            "M. Tanguy, M. Leblanc et M. Thuillier",
            "M. Papin",
        ),
        (  # number words, over two lines
            [
                "Après avoir délibéré, les Membres du Conseil Communautaire ont, à 34 voix pour et une voix",
                "contre :",
            ],
            (34, 1, None),
            "majorité",
            None,
            None,
        ),
        (  # the text contradicts itself: both are kept
            [
                "Le Conseil municipal, après en avoir délibéré, à l'unanimité :",
                "- APPROUVE le CFU",
                "4 abstentions : Mme A, M. B, M. C, M. D",
            ],
            (None, None, 4),
            "unanimité",
            None,
            "Mme A, M. B, M. C, M. D",
        ),
        (
            ["Vote : 15 voix pour, 2 voix contre (M. A et Mme B), 1 abstention (M. C)."],
            (15, 2, 1),
            "majorité",
            "M. A et Mme B",
            "M. C",
        ),
        (
            ["− Contre : 1, Monsieur TANGUY car il ne voit pas l’intérêt", "− Pour : 15"],
            (15, 1, None),
            "majorité",
            "Monsieur TANGUY",
            None,
        ),
        (
            ["Vote : Contre à l’unanimité compte tenu de la proximité"],
            (None, None, None),
            "rejeté",
            None,
            None,
        ),
        (
            ["− Pour : 7, Madame A, Monsieur B", "− Contre : 8, Madame C, Madame D,", "Madame E"],
            (7, 8, None),
            "rejeté",
            "Madame C, Madame D, Madame E",
            None,
        ),
        (
            ["Pour : 38", "Contre : /", "Abstention : 6", "Adopté à l’unanimité."],
            (38, 0, 6),
            "unanimité",
            None,
            None,
        ),
    ],
)
def test_vote_grammar(lines, counts, outcome, dissenters, abstainers):
    vote = _vote(*lines)
    assert (vote.pour, vote.contre, vote.abstention) == counts
    assert (vote.outcome, vote.dissenters, vote.abstainers) == (outcome, dissenters, abstainers)


def test_prose_that_mentions_votes_is_not_a_vote():
    assert _vote("le taux d'épargne brut est de 9,60 %,", "contre 7 % en 2022, et 0% en 2021.") is None
    assert (
        _vote("Toutefois, le conseil municipal peut décider à l’unanimité de procéder au vote à main levée.")
        is None
    )
    assert (
        _vote("Vote : M. TOLEDANO étant président de l’association, son pouvoir ne sera pas pris en compte.")
        is None
    )


def test_one_key_for_both_spellings_of_an_act_number():
    spellings = ["D2024-27", "D 2024-27", "2024_27", "2024-027", "D2024 – 27"]
    assert {act_key(s) for s in spellings} == {"2024-27"}
    assert act_key("DEL 2025-90") == act_key("DEL2025-90") == "2025-90"
    assert act_key("D2025-019") == act_key("2025_019") == "2025-19"
    assert act_key("20200608-14") == act_key("n°20200608-014") == "20200608-14"  # séance date and rank


def test_minutes_that_number_acts_by_seance_date_and_rank():
    pages = read_pages(TALUYERS / "conseil-municipal/PV-complet2.pdf")
    affaires = find_affaires(pages, describe(pages).kind, None)
    by_act = {a.act_number: a for a in affaires}
    assert {"20160711-01", "20160711-06", "20160711-07"} <= set(by_act)  # 05 is not printed: the numbers jump
    subsidy = by_act["20160711-06"]
    assert (subsidy.title, subsidy.page) == ("Subvention exceptionnelle", 4)
    assert subsidy.vote is not None
    assert (subsidy.vote.pour, subsidy.vote.abstention, subsidy.vote.abstainers) == (14, 1, "M. Guy DANIEL")


def test_pierrefonds_minutes_with_an_ordre_du_jour_first():
    pages = read_pages(PIERREFONDS / "conseil-municipal/compte-rendu-15-10-2015.pdf")
    affaires = find_affaires(pages, describe(pages).kind, None)
    assert [a.number for a in affaires] == list(
        range(1, 10)
    )  # not the ordre du jour's 1…9, nor a list 1…5 inside
    assert affaires[0].page == 2 and affaires[0].title.endswith("rue Chauret")
    assert all(a.vote for a in affaires)


def test_procès_verbal_headed_by_act_numbers_and_its_repeated_numbers():
    pages = read_pages(PIERREFONDS / "conseil-municipal/20241210-PV.pdf")
    affaires = find_affaires(pages, describe(pages).kind, None)
    keys = [act_key(a.act_number) for a in affaires]
    assert keys[:4] == ["2024-48", "2024-49", "2024-50", "2024-51"] and keys.count("2024-52") == 2
    library = affaires[0]
    assert (library.vote.contre, library.vote.dissenters, library.vote.outcome) == (
        1,
        "Mme DEFOSSEZ",
        "majorité",
    )


def test_cclo_heading_rapporteur_and_vote_in_words():
    pages = read_pages(PIERREFONDS / "intercommunalite/2025.11.13-CR-CC-du-13-novembre-2025-approuve.pdf")
    (paroles,) = [a for a in find_affaires(pages, describe(pages).kind, None) if a.act_number == "DEL2025-90"]
    assert paroles.rapporteur == "Franck SUPERBI" and paroles.title.startswith("Approbation de la convention")
    assert (paroles.vote.pour, paroles.vote.contre, paroles.vote.page) == (34, 1, 25)


def test_repertoire_rows_are_affaires_with_number_date_and_decision():
    pages = read_pages(PIERREFONDS / "registres/REPERTOIRE-CHRONOLOGIQUE-2024-POUR-AFFICHAGE.pdf")
    info = describe(pages)
    rows = find_affaires(pages, info.kind, None)
    assert info.kind == "répertoire" and len(rows) == 60
    first = rows[0]
    assert (first.act_number, first.date, first.vote.outcome) == ("2024_01", "2024-01-23", "adopté")
    assert first.title.startswith("Aménagement de la Rue de l’Armistice")
    assert next(r for r in rows if r.act_number == "2024_47").vote.text == "Prend acte"


def test_a_vote_that_contradicts_itself_says_so():
    cfu = _vote(
        "Le Conseil municipal, après en avoir délibéré, à l'unanimité :",
        "4 abstentions : Mme A, M. B, M. C, M. D",
    )
    assert cfu.note == "le document imprime « à l'unanimité » malgré 4 abstentions"
    assert _vote("Pour : 46", "Contre : 7 (UMP-NI)", "Adopté à l’unanimité").note == (
        "le document imprime « Adopté à l’unanimité » malgré 7 voix contre"
    )
    assert _vote("Vote : Pour à l’unanimité").note is None


TALUYERS_MINUTES = TALUYERS / "conseil-municipal"


def test_minutes_heading_each_act_with_its_number_are_split_at_those_headings():
    # "Délibération n°20200217-04" on its own line, the title on the next one behind an unmapped bullet glyph.
    pages = read_pages(TALUYERS_MINUTES / "conseil-municipal-du-17-fevrier-2020.pdf")
    info = describe(pages)
    affaires = find_affaires(pages, info.kind, info.objet)
    numbers = [a.act_number for a in affaires]
    assert numbers[:5] == ["202000217-01", "20200217-02", "20200217-03", "20200217-04", "20200217-05"]
    taxes = affaires[3]
    assert taxes.title == "Budget principal – Vote des taux d’imposition 2020" and taxes.page == 3
    assert taxes.vote is not None and taxes.vote.outcome == "unanimité"
    # The sub-sections of an act ("1. Les bénéficiaires") are no affaires of their own.
    rifseep = find_affaires(read_pages(TALUYERS_MINUTES / "PV-complet6.pdf"), "procès-verbal", None)
    assert rifseep[0].act_number == "20161212-01" and "RIFSEEP" in rifseep[0].title
    assert not any(a.title.startswith("Les bénéficiaires") for a in rifseep)


def test_acts_printed_without_a_number_between_numbered_ones_are_affaires_of_their_own():
    # Behind the same bullet as the numbered acts' titles, once the affaire before has its vote.
    pages = read_pages(TALUYERS_MINUTES / "pv-complet-1.pdf")
    affaires = find_affaires(pages, "procès-verbal", None)
    titles = {a.title: a for a in affaires}
    assert any(a.act_number for a in affaires)
    for title in (
        "Action sociale des agents communaux",
        "Désaffectation et déclassement de parcelles issues du domaine public",
    ):
        assert titles[title].act_number is None and titles[title].vote is not None
    assert [a.start_word for a in affaires] == sorted(a.start_word for a in affaires)
