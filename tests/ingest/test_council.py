"""Acts and minutes of one séance linked at ingestion: a délibération finds its tally in the procès-verbal."""

from __future__ import annotations


def _doc(index, name):
    return next(d for d in index.documents.values() if d.path.endswith(name))


def test_deliberation_is_linked_to_its_affaire_in_the_minutes(council):
    act = _doc(council, "VilleMTP_MTP_AttribSub_2014.pdf")
    assert (act.act_number, act.seance_date, act.receipt_date) == ("2014/121", "2014-02-17", "2014-02-20")
    own = council.affaires[(act.id, 0)]
    assert own.vote == "Le Conseil adopte" and own.pour is None  # the act prints no tally
    tally = council.tally(own)
    assert tally is not None and council.documents[tally.doc_id].path.endswith("PV_CM_17_02_2014.pdf")
    assert (tally.number, tally.pour, tally.outcome, tally.vote_page) == (121, 55, "unanimité", 233)
    assert council.linked(tally) == own  # both ways
