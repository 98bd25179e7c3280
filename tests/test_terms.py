"""Terms of a question that the extracts do not print, and the warning the model gets about them."""

from app.chat import Assistant
from app.facts import StoredAffaire, _outcome
from app.terms import missing_terms, terms
from ingest.pdf import read_pages
from tests.conftest import CORPUS


def written(question: str) -> list[str]:
    return [t for t, _ in terms(question)]


def test_terms_are_nouns_with_their_complement():
    assert written("Quel est le montant de la taxe de séjour à Montpellier ?") == ["taxe de séjour"]
    assert written("La mairie a-t-elle mis en place un budget participatif, et avec quelle enveloppe ?") == [
        "budget participatif"
    ]
    assert written("Quel est le montant des indemnités de fonction de la maire ?") == ["indemnités de fonction"]
    assert written("Le marché de billets d'avion des élus ?") == ["billets d'avion"]


def test_qualifiers_numbers_verbs_and_punctuation_make_no_term():
    # "nouvelle école", "ouvre-t-elle", "trois personnalités", "a été élue présidente", "prélevé", "(Cinemed"
    assert written("Combien de classes la nouvelle école ouvre-t-elle ?") == []
    assert written("Qui sont les trois personnalités qualifiées ?") == []
    assert written("Qui a été élue présidente ?") == []
    assert written("Quel est le montant total prélevé ?") == []
    assert written("Combien d'emplois d'avenir supplémentaires ?") == ["emplois d'avenir"]
    assert written("le Festival International du Cinéma Méditerranéen (Cinemed)") == [
        "Festival International",  # "du" joins no term: "International du Cinéma" is not one
        "Cinéma Méditerranéen",
    ]


def test_a_term_is_printed_even_with_a_word_between_or_another_number():
    assert missing_terms("le réseau radio municipal TETRA", ["Réseau municipal radio TETRA Extension"]) == []
    assert missing_terms("les indemnités de fonction", ["l'indemnité de fonction du maire"]) == []
    # "participatif" is not "participation": the plural is dropped, nothing more
    assert missing_terms("un budget participatif", ["la participation au budget"]) == ["budget participatif"]


def test_a_tariff_table_holds_the_words_but_not_the_term():
    pages = read_pages(CORPUS / "proces-verbaux/PV_CM_16_12_2011.pdf")
    tariffs = next(p.text for p in pages if "Caveau d'attente" in p.text)
    assert "séjour" in tariffs and "Taxes" in tariffs  # what misled the model: "séjour / jour 9,00 €"
    assert missing_terms("Quel est le montant de la taxe de séjour ?", [tariffs]) == ["taxe de séjour"]


def test_the_model_is_told_which_terms_no_extract_prints(council, embedder, scripted):
    assistant = Assistant(council, embedder, scripted)
    scripted.enqueue("Je ne trouve pas la réponse dans les documents publiés.")
    absent = assistant.answer("Quel est le montant de la taxe de séjour payée par les hôtels en 2014 ?")
    assert not absent.found and absent.refused_by == "model"
    prompt = scripted.history[-1][-1]["content"]
    assert "l'expression « taxe de séjour » de la question n'apparaît dans aucun extrait" in prompt
    assert prompt.index("n'apparaît") < prompt.index("Question :")  # after the extracts, before the question

    scripted.enqueue("6 000 € [1].")
    printed = assistant.answer(
        "Combien l'Echecs Club Montpellier touche-t-il en 2014 pour son projet « Réussite éducative » ?"
    )
    assert printed.found and "n'apparai" not in scripted.history[-1][-1]["content"]


def test_an_outcome_printed_against_its_own_tally_is_said_so():
    printed = "Pour : 46 · Contre : 7 (UMP-NI) · Adopté à l’unanimité"
    contradicted = StoredAffaire("d", 0, 15, "UNEF", 3, printed, 3, pour=46, contre=7)
    assert _outcome(contradicted) == (
        "Adopté à la majorité (le document imprime « Adopté à l’unanimité » malgré 7 voix contre)"
    )
    plain = StoredAffaire("d", 0, 3, "Budget", 5, "Pour : 51 · Abstentions : 7 · Adopté à l’unanimité", 5)
    assert _outcome(plain) == "Adopté à l’unanimité"
