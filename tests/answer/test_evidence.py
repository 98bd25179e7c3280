"""Evidence sentences on real pages of both corpora: the sentence that holds what is asked, on its own page."""

import itertools

from app.answer.evidence import candidates, find_evidence, split_sentences
from app.answer.question import analyse
from index.search import search
from ingest.pdf import read_pages
from tests.conftest import SHARED


def _evidence(index, embedder, question, history=None):
    q = analyse(question, history or [], ("montpellier", "pierrefonds"))
    return find_evidence(index, q, search(index, embedder, q.search_text, k=10))


def test_sentences_keep_their_page_and_a_tally_stays_whole():
    pages = read_pages(SHARED / "corpus/pierrefonds/conseil-municipal/compte-rendu-15-12-2016.pdf")
    sentences = split_sentences("x", [(p.number, p.text) for p in pages])
    tally = [s for s in sentences if s.text.startswith("− Contre : 2")]
    assert tally and tally[0].text.endswith("Monsieur GAUTHIER") and tally[0].page == 3
    assert all(len(s.text.split()) <= 45 for s in sentences)
    # Positions are the chunker's: sentences follow each other word for word.
    for a, b in itertools.pairwise(sentences):
        assert b.first_word == a.first_word + len(a.text.split())


def test_a_count_of_people_beats_the_vote_tally_of_the_same_act(mixed, embedder):
    question = "Combien de citoyens seront tirés au sort pour la convention citoyenne sur l'intelligence artificielle ?"
    best = _evidence(mixed, embedder, question)[0]
    assert "40 citoyens" in best.sentence and "79" not in best.sentence
    assert best.document.path == "M2023-352.pdf" and best.asked


def test_an_amount_question_finds_the_amount_on_its_own_page(mixed, embedder):
    passages = _evidence(
        mixed, embedder, "Quel est le montant du devis d'Hydrogénie pour réhabiliter la fontaine ?"
    )
    best = passages[0]
    assert "12 431,97" in best.sentence and best.page == 5
    assert best.text[best.start : best.end] == best.sentence  # the offsets point at the sentence
    assert len(best.text.split()) <= 60


def test_a_question_naming_one_collectivite_finds_only_its_documents(mixed, embedder):
    from app.answer.assistant import Assistant

    assistant = Assistant(mixed, embedder, None)
    for name in ("Montpellier", "Pierrefonds"):
        q = assistant.understand(
            f"Quelles décisions le conseil municipal de {name} a-t-il prises sur la sécurité ?"
        )
        assert q.collectivite == name.lower()
        hits = assistant.retrieve(q)
        assert hits and all(h.document.path.startswith(f"{name.lower()}/") for h in hits)


def test_a_phrase_is_printed_when_its_second_word_follows_the_first_closely():
    from app.answer.evidence import prints
    from app.answer.question import analyse

    (phrase,) = analyse("Quel est le montant de la taxe de séjour ?").phrases
    assert prints(phrase, "La taxe communale de séjour est fixée à 1,50 €.")
    assert not prints(phrase, "Caveau d'attente - séjour / jour 9,00 € ; taxe d'inhumation 68 €.")


def test_an_amount_in_a_table_row_beside_its_vote_column_is_given_to_the_model(mixed, embedder):
    passages = _evidence(
        mixed, embedder, "Quelle subvention le Festival des forêts a-t-il obtenue de la commune pour 2025 ?"
    )
    row = next(p for p in passages if "Festival des forêts 1 500 €" in p.text)
    assert "1 200 €" in row.text and row.page == 5 and row.asked


def test_a_sentence_announcing_a_list_carries_the_list_and_a_heading_is_no_answer(mixed, embedder):
    passages = _evidence(
        mixed, embedder, "Qui représente la Ville comme personnalités qualifiées au Cinemed ?"
    )
    named = next(p for p in passages if "personnalités qualifiées et désignées" in p.sentence)
    # "… sont :" is answered by the names printed under it: they are part of the sentence.
    assert all(name in named.sentence for name in ("MENENTEAU", "BEDOS", "COMBE")) and named.asked
    # The act's title printed as its heading holds every word of the subject and no answer.
    heading = [p for p in passages if p.sentence.startswith("Festival International du Cinéma")]
    assert all(not p.asked for p in heading)


def test_two_neighbouring_sentences_that_both_answer_are_given_whole(mixed, embedder):
    passages = _evidence(
        mixed,
        embedder,
        "Quand la Ville pourra-t-elle disposer de la maison d'habitation des anciennes archives ?",
    )
    both = [p for p in passages if "31 décembre 2013" in p.text and "janvier 2014" in p.text]
    assert both and both[0].joined
    assert both[0].text[both[0].start : both[0].end] == both[0].sentence


def test_a_registers_rows_printed_on_one_line_are_one_sentence_each():
    register = SHARED / "corpus/pierrefonds/registres/REPERTOIRE-CHRONOLOGIQUE-2024-POUR-AFFICHAGE.pdf"
    pages = read_pages(register)
    sentences = split_sentences("x", [(p.number, p.text) for p in pages])
    row = next(s for s in sentences if "Dénomination commune touristique" in s.text)
    assert row.text.startswith("2024_37 ") and "2024_38" not in row.text


def test_a_passage_printing_the_questions_names_may_say_its_phrase_in_other_words(mixed, embedder):
    from app.answer.evidence import missing_phrases

    # The minutes name the association and print « adhésion annuelle »: the question's « frais d'adhésion »
    # is the same thing in other words, the names say so.
    q = analyse(
        "Combien la commune verse-t-elle en frais d'adhésion à Cats in The Air ?", [], ("pierrefonds",)
    )
    passages = find_evidence(mixed, q, search(mixed, embedder, q.search_text, k=10))
    assert [p.written for p in q.phrases] == ["frais d'adhésion"] and missing_phrases(q, passages) == []
    # Without a name to hold on to, a phrase no passage prints is reported missing.
    q = analyse("Combien la commune verse-t-elle en frais d'adhésion à l'association ?", [], ("pierrefonds",))
    passages = find_evidence(mixed, q, search(mixed, embedder, q.search_text, k=10))
    assert missing_phrases(q, passages) == ["frais d'adhésion"]


def test_the_members_present_and_the_signature_answer_no_who():
    from app.answer.evidence import roll_call

    pages = read_pages(
        SHARED / "corpus/montpellier/deliberations/Delibs_2013_02_04/2013-02-04-0000061109.pdf"
    )
    sentences = [s.text for s in split_sentences("x", [(p.number, p.text) for p in pages])]
    calls = [s for s in sentences if roll_call(s)]
    assert any("BLANPIED" in s for s in calls)  # the tail of the list of members present, before the title
    assert not any("Mirabel" in s for s in calls)  # the sentence that names who runs the bar
    assert roll_call("Hélène MANDROUX")  # the signature under every act
    assert roll_call("Présents : Mme DEMOUY, M. LEBLANC, Mme DECKER, M. PAPIN.")
    assert not roll_call(
        "Les 3 personnalités désignées sont : M. Jean DUPONT, Mme Anne MARTIN, M. Paul DURAND."
    )
    assert not roll_call("M. Romain RIBEIRO est désigné en qualité de 4e adjoint au maire.")


def test_an_agenda_line_is_a_title_never_the_answer():
    from app.answer.evidence import _is_heading, text_stems
    from ingest.acts import describe
    from ingest.affaires import find_affaires

    pages = read_pages(SHARED / "corpus/pierrefonds/conseil-municipal/compte-rendu-05-03-2019.pdf")
    titles = [text_stems(a.title) for a in find_affaires(pages, describe(pages[:2]).kind, None)]
    # The séance's agenda, read inside the first affaire, names the third one: a title all the same.
    agenda = text_stems(
        "3. Cadre d’emploi des adjoints administratifs : validation du maintien du bénéfice de l’IAT 4."
    )
    assert _is_heading(agenda, titles) and not _is_heading(agenda, titles[:1])
    sentences = [s.text for s in split_sentences("x", [(p.number, p.text) for p in pages])]
    body = [s for s in sentences if "solliciter une subvention au titre de la Dotation" in s]
    assert body and not _is_heading(text_stems(body[0]), titles)


def test_a_follow_up_reads_the_act_its_conversation_found(mixed, embedder):
    from index.search import Hit

    history = [
        {
            "role": "user",
            "content": "À quelle entreprise la Ville a-t-elle attribué le marché du réseau radio TETRA ?",
        },
        {"role": "assistant", "content": "À TALCO Languedoc, pour 491 167,50 € HT."},
    ]
    q = analyse("Et quel est le montant de la subvention ?", history, ("montpellier", "pierrefonds"))
    hits = search(mixed, embedder, q.search_text, k=10)
    tetra = hits[0].document
    assert tetra.path.endswith("2013-03-25-0000062224.pdf")
    # A document far behind in retrieval that prints subsidies in every row: not what the conversation is about.
    table = next(d for d in mixed.documents.values() if d.path.endswith("20250403-PV.pdf"))
    far = [Hit(c, table, 0.5 * hits[0].score) for c in mixed.chunks if c.doc_id == table.id]
    found = candidates(mixed, q, [h for h in hits if h.document.id == tetra.id] + far)
    assert found.passages and {p.document.id for p in found.passages} == {tetra.id}
    passages = find_evidence(mixed, q, [h for h in hits if h.document.id == tetra.id] + far)
    assert passages and {p.document.id for p in passages} == {tetra.id}
    # The same document as close to the best as the act: its sentences are candidates, for the ranker to weigh.
    near = [Hit(c, table, 0.9 * hits[0].score) for c in mixed.chunks if c.doc_id == table.id]
    found = candidates(mixed, q, [h for h in hits if h.document.id == tetra.id] + near)
    assert table.id in {p.document.id for p in found.passages}


def test_a_duration_and_a_rate_are_what_is_asked():
    from app.answer.evidence import asked_in

    how_long = analyse("Pour combien de temps la concession est-elle accordée ?")
    rate = analyse("Quel est le montant de la redevance ?")
    sentence = "La concession porte sur une durée de 6 ans et le montant de la redevance est fixée à 7 % du chiffre d'affaires."
    assert asked_in(how_long, sentence) and asked_in(rate, sentence)
    assert not asked_in(how_long, "La concession est attribuée à M. et Mme Mirabel.")
    assert not asked_in(rate, "La concession est attribuée à M. et Mme Mirabel.")


def test_what_the_question_gives_is_not_what_it_asks():
    from app.answer.evidence import asked_in

    who = analyse("Quel bureau d'études a rédigé la modification du PLU ?")
    assert not asked_in(who, "Arrêté portant organisation de l'enquête publique sur la modification du PLU")
    assert asked_in(who, "Le projet a été rédigé par l'Atelier d'Urbanisme AUA.")
    how_long = analyse("Pour combien de temps la convention est-elle signée ?")
    assert asked_in(how_long, "pour une durée de six ans")
    given = analyse("Pour combien de temps la convention signée pour six ans est-elle renouvelable ?")
    assert not asked_in(given, "la convention est signée pour six ans")
    unanimous = analyse("La délibération a-t-elle été votée à l'unanimité ?")
    assert unanimous.asks == "vote"  # a tally answers it, though the question says « unanimité »
    assert asked_in(unanimous, "Le conseil, après en avoir délibéré, à l'unanimité, approuve")
