"""Affaires and their votes, read from the real procès-verbaux and comptes rendus."""

import pytest

from app.chat import Assistant
from ingest.acts import describe
from ingest.affaires import affaire_at, find_affaires
from ingest.pdf import read_pages
from tests.conftest import CORPUS


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


def test_extract_given_to_the_model_carries_its_affaire_vote(index, embedder, scripted):
    assistant = Assistant(index, embedder, scripted, top_k=1)
    scripted.enqueue("Le Conseil adopte [1].")
    assistant.answer("Constitution et fonctionnement du Conseil Consultatif des Résidents Etrangers")
    prompt = scripted.history[0][-1]["content"]
    assert "Vote (page 2) : Le Conseil adopte" in prompt
