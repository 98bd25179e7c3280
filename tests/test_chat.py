import json
from dataclasses import replace

from app.chat import Assistant, best_window, cite, fill_act_numbers, retrieval_query
from tests.conftest import QUESTIONS

Q = {q["id"]: q for q in map(json.loads, QUESTIONS.read_text().splitlines())}


def test_real_llm_answers_in_french_with_sources(index, embedder, llm):
    assistant = Assistant(index, embedder, llm, top_k=3, extract_words=80, max_tokens=48)
    answer = assistant.answer(Q["d003"]["question"])
    assert answer.text and answer.timings["first_token_s"] is not None
    assert answer.timings["first_token_s"] <= answer.timings["total_s"]
    assert [e.n for e in answer.extracts] == list(range(1, len(answer.extracts) + 1))
    assert len({(e.doc_id, e.affaire) for e in answer.extracts}) == len(answer.extracts)  # one number per act
    assert answer.retrieved_files[0].endswith("2013-03-25-0000062224.pdf")
    assert "intelligence artificielle" in answer.notice
    for c in answer.extracts:
        doc = index.documents[c.doc_id]
        assert c.url == f"/documents/{doc.id}.pdf#page={c.page}"
        assert (c.act, c.seance_date) == (doc.act_number, doc.seance_date)
        found = sum(1 for h in assistant.retrieve(Q["d003"]["question"], [])[:3] if h.document.id == c.doc_id)
        assert len(c.excerpt.split()) <= 80 * found  # a chunk found adds one extract's worth of words


def test_an_acts_extract_is_its_text_without_header_each_word_once_around_the_answer(index, embedder):
    assistant = Assistant(index, embedder, None, top_k=3, extract_words=80)
    question = Q["d003"]["question"]
    hits = assistant.retrieve(question, [])
    assert {h.document.path for h in hits[:3]} == {
        "deliberations/Delibs_2013_03_25/2013-03-25-0000062224.pdf"
    }
    [extract] = assistant.extracts(hits, question)  # three chunks of one act: one extract
    words = extract.excerpt.split()
    assert "TALCO" in words  # the company the question asks for (the chunks found hold it in their overlap)
    assert "Présents" not in words and "Absents" not in words  # the header is in the source label
    shingles = [" ".join(words[i : i + 12]) for i in range(len(words) - 11)]
    assert len(shingles) == len(set(shingles))  # overlapping chunks are joined, not repeated


def test_a_question_about_money_keeps_the_amount_in_the_window():
    text = (
        "agrandissement du local associatif " + "mot " * 60 + "boulodrome Onillon : montant de 110 000 € fin"
    )
    question = "Combien coûte l'agrandissement du local associatif du boulodrome Onillon ?"
    assert "€" in best_window(text, question, 30, money=True)
    assert "€" not in best_window(text, question, 30, money=False)


def test_marks_map_to_extracts_and_unknown_marks_are_dropped(index, embedder, scripted):
    assistant = Assistant(index, embedder, scripted, top_k=3)
    scripted.enqueue("Le mandat est de 3 ans, pour 60 membres [1][9].")
    answer = assistant.answer(Q["d001"]["question"])
    assert answer.found
    assert [c.n for c in answer.citations] == [1]
    prompt = scripted.history[0][-1]["content"]
    assert "[1] Délibération n° 2013/3 du conseil du 4 février 2013 — objet : « Constitution" in prompt
    assert Q["d001"]["question"] in prompt
    assert scripted.history[0][0]["role"] == "system"
    extracts = [replace(answer.extracts[0], n=n) for n in (1, 2, 3)]
    assert [c.n for c in cite("Fait [2], autre fait [1], et [9].", extracts)] == [2, 1]


def test_refusal_gives_found_false_and_no_citation(index, embedder, scripted):
    assistant = Assistant(index, embedder, scripted)
    scripted.enqueue("Je ne trouve pas la réponse dans les documents publiés.")
    answer = assistant.answer(Q["d055"]["question"])
    assert answer.found is False and answer.citations == []
    assert answer.extracts  # what was read stays visible, for traceability


def test_nothing_retrieved_means_no_llm_call(index, embedder, scripted):
    assistant = Assistant(index, embedder, scripted, top_k=0)
    answer = assistant.answer("zzzqqq")
    assert answer.found is False and scripted.history == []


def test_history_reaches_retrieval_and_prompt(index, embedder, scripted):
    q = Q["d047"]  # "Et qui a rapporté cette délibération ?" after a question on the Giner land
    assistant = Assistant(index, embedder, scripted)
    answer = assistant.answer(q["question"], q["history"])
    assert answer.structured and "DELAFOSSE" in answer.text and scripted.history == []  # read from the act
    assert answer.citations[0].file.endswith(q["gold_files"][0])
    scripted.enqueue("Le terrain est acquis pour le prix indiqué [1].")
    answer = assistant.answer("Et à quelle date la vente sera-t-elle signée ?", q["history"])
    assert answer.citations[0].file.endswith(q["gold_files"][0])
    assert [m["role"] for m in scripted.history[0]] == ["system", "user", "assistant", "user"]
    assert q["history"][0]["content"] in retrieval_query(q["question"], q["history"])


def test_answer_without_marks_is_credited_to_the_extract_it_quotes(index, embedder):
    assistant = Assistant(index, embedder, None, top_k=4)
    extracts = assistant.extracts(assistant.retrieve(Q["d003"]["question"], []), Q["d003"]["question"])
    quoted = cite("Le marché est attribué à TALCO Languedoc.", extracts)
    assert quoted and "TALCO" in quoted[0].excerpt
    assert cite("Rien à voir.", extracts[:1]) == []


def test_best_window_keeps_the_words_of_the_question():
    text = " ".join(["remplissage"] * 300 + ["le", "mandat", "dure", "3", "ans"] + ["suite"] * 300)
    window = best_window(text, "combien de temps dure le mandat ?", 20)
    assert "mandat dure 3 ans" in window and len(window.split()) == 20


def test_act_number_is_written_where_the_model_left_only_a_mark(index, embedder):
    assistant = Assistant(index, embedder, None, top_k=1)
    extracts = assistant.extracts(assistant.retrieve(Q["d001"]["question"], []), Q["d001"]["question"])
    assert extracts[0].act == "2013/3"
    fixed = fill_act_numbers("Le numéro de la délibération est [1].", extracts)
    assert fixed == "Le numéro de la délibération est n° 2013/3 [1]."
    assert fill_act_numbers("Le vœu a été adopté sous le numéro [1].", extracts).endswith(
        "numéro n° 2013/3 [1]."
    )
    kept = "La délibération n° 2013/3 [1] fixe le mandat à 3 ans [1]."
    assert fill_act_numbers(kept, extracts) == kept


def test_vote_questions_get_the_tally_as_printed(index, embedder):
    from app.chat import add_printed_vote, asks_for_vote
    from index.store import StoredAffaire

    assert asks_for_vote("Quel a été le résultat du vote du budget primitif 2012 ?")
    assert asks_for_vote("Combien de voix pour et contre ?") and not asks_for_vote("Qui est le rapporteur ?")
    assistant = Assistant(index, embedder, None, top_k=1)
    extract = assistant.extracts(assistant.retrieve(Q["d001"]["question"], []), Q["d001"]["question"])[0]
    tally = StoredAffaire(
        extract.doc_id, 0, 1, "Budget", 5, "Pour : 46 · Contre : 7 · Adopté à la majorité", 13
    )
    voted = replace(extract, affaire=tally)
    answer = add_printed_vote("Le budget a été adopté à la majorité [1].", [voted])
    assert answer.endswith("Vote imprimé (page 13) : Pour : 46 · Contre : 7 · Adopté à la majorité [1].")
    assert add_printed_vote("Adopté par 46 voix pour [1].", [voted]) == "Adopté par 46 voix pour [1]."
    assert add_printed_vote("Adopté [1].", [extract]) == "Adopté [1]."  # "Le Conseil adopte": no tally to add


def test_question_on_a_subject_the_acts_never_mention_is_refused_without_the_model(index, embedder, scripted):
    assistant = Assistant(index, embedder, scripted)
    answer = assistant.answer(Q["d059"]["question"])  # a plan against the tiger mosquito: in no act
    assert not answer.found and scripted.history == [] and answer.extracts
    scripted.enqueue("Le marché est attribué à TALCO Languedoc [1].")
    assert assistant.answer(Q["d003"]["question"]).found and len(scripted.history) == 1
