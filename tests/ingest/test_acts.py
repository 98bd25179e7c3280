from pathlib import Path

from index.identifiers import act_number
from ingest.acts import describe, strip_receipt
from ingest.chunk import chunk_pages
from ingest.pdf import Page, read_pages
from tests.conftest import CORPUS

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def test_deliberation_states_number_seance_objet_rapporteur():
    info = describe(read_pages(CORPUS / "deliberations/Delibs_2013_02_04/2013-02-04-0000061089.pdf"))
    assert info.kind == "délibération"
    assert info.act_number == "2013/3"
    assert info.seance_date == "2013-02-04"
    assert info.rapporteur == "Cédric SUDRES"
    assert (
        info.objet == "Constitution et fonctionnement du Conseil Consultatif des Résidents Etrangers (CCRE)"
    )
    assert info.receipt_id == "034-213401722-20130204-0000061089-DE"
    assert (info.council, info.collectivite, info.president) == (
        "conseil municipal",
        "Ville de Montpellier",
        "Hélène Mandroux",
    )
    assert (info.published_date, info.receipt_date) == ("2013-02-05", "2013-02-06")


def test_objet_keeps_its_lines_with_commas():
    # "Extension, Terminaux, Maintenance" has two commas like the list of those present above it, but no surname
    info = describe(read_pages(CORPUS / "deliberations/Delibs_2013_03_25/2013-03-25-0000062224.pdf"))
    assert info.objet == (
        "Réseau municipal radio TETRA Extension, Terminaux, Maintenance Autorisation de signer le marché"
    )
    partners = describe(read_pages(CORPUS / "deliberations/Delibs_2013_03_25/2013-03-25-0000062245.pdf"))
    assert partners.objet.startswith("Approbation des conventions de partenariat « Politique de la Ville")


def test_printed_act_numbers_are_normalised():
    assert [act_number(n) for n in ("2013 / 138", "2013/0138", "2013-138", "V2024-420")] == [
        "2013/138",
        "2013/138",
        "2013/138",
        "V2024-420",
    ]


def test_wrong_header_number_is_kept_as_printed_and_the_receipt_id_stays_unique():
    # The act of 4 February 2013 prints "n° 2012 / 47" in its header: the préfecture's id is the key.
    info = describe(read_pages(CORPUS / "deliberations/Delibs_2013_02_04/2013-02-04-0000061129.pdf"))
    assert (info.act_number, info.seance_date) == ("2012/47", "2013-02-04")
    assert info.receipt_id == "034-213401722-20130204-0000061129-DE"


def test_proces_verbal_and_sample_act():
    pv = describe(read_pages(CORPUS / "proces-verbaux/PV_CM_17_02_2014.pdf")[:3])
    assert (pv.kind, pv.seance_date, pv.act_number) == ("procès-verbal", "2014-02-17", None)
    sample = describe(read_pages(SAMPLE / "V2024-420.pdf"))
    assert (sample.act_number, sample.seance_date, sample.rapporteur) == (
        "V2024-420",
        "2024-12-17",
        "Manu REYNAUD",
    )


def test_receipt_stamp_is_stripped():
    text = "Le Conseil adopte.\nAccusé de réception – Ministère de l’intérieur\n06/02/2013\n034-213401722-20130204-0000061089-DE\nSuite"
    assert strip_receipt(text) == "Le Conseil adopte.\n\nSuite"


def test_chunks_overlap_and_point_to_the_page_holding_them():
    pages = [Page(1, " ".join(f"a{i}" for i in range(200))), Page(2, " ".join(f"b{i}" for i in range(200)))]
    chunks = chunk_pages(pages, window=180, stride=135)
    assert chunks[0].text.split()[0] == "a0" and len(chunks[0].text.split()) == 180
    assert (chunks[0].page, chunks[0].page_start, chunks[0].page_end) == (1, 1, 1)
    second = chunks[1]
    assert second.text.split()[0] == "a135" and (second.page_start, second.page_end) == (1, 2)
    assert second.page == 2  # 115 of its 180 words are on page 2
    assert chunks[-1].text.split()[-1] == "b199"
    assert chunk_pages([Page(1, "court")])[0].text == "court"
