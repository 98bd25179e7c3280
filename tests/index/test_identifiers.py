"""Act numbers and receipt ids, read once for ingestion and search; French words and dates, folded once."""

from __future__ import annotations

from index.french import MONTH_NUMBER, fold, french_date, stem
from index.identifiers import act_number, act_numbers, identifiers_only, receipt_ids

RECEIPT = "034-213401722-20130204-0000061129-DE"


def test_act_numbers_as_printed_and_as_asked():
    assert [act_number(n) for n in ("2013 / 138", "2013/0138", "2013-138", "V2024-420")] == [
        "2013/138",
        "2013/138",
        "2013/138",
        "V2024-420",
    ]
    assert act_numbers("les délibérations 2013/138 et n° 2014 / 0121") == {"2013/138", "2014/121"}


def test_receipt_ids_and_queries_made_only_of_identifiers():
    assert receipt_ids(f"Accusé de réception {RECEIPT}.") == {RECEIPT}
    assert identifiers_only(f"n° 2013/138, {RECEIPT}") and not identifiers_only("2013/138 taxe")


def test_french_words_and_dates():
    assert fold("Étrangers") == "etrangers" and stem("deliberations") == stem("deliberation")
    assert french_date("2014-02-01") == "1er février 2014" and french_date("2013-03-25") == "25 mars 2013"
    assert MONTH_NUMBER["août"] == MONTH_NUMBER["aout"] == 8
