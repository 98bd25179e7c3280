import pytest

from ingest.pdf import UnreadablePDF, _rejoin_split_words, read_pages
from tests.conftest import CORPUS, SAMPLE


def test_pages_keep_their_numbers_and_text():
    pages = read_pages(CORPUS / "deliberations/Delibs_2013_02_04/2013-02-04-0000061089.pdf")
    assert [p.number for p in pages] == [1, 2]
    assert "Conseil Consultatif des" in pages[0].text
    assert "Le mandat des 60 membres du présent Conseil est de 3 ans" in pages[1].text


def test_running_headers_and_page_numbers_are_removed():
    pages = read_pages(CORPUS / "proces-verbaux/PV_CM_17_02_2014.pdf")
    assert len(pages) == 255
    assert not pages[8].text.startswith("9\n")  # the printed page number heading page 9
    assert "Pour : 44" in pages[8].text
    sample = read_pages(SAMPLE / "V2024-420.pdf")
    assert all("Page " not in p.text.splitlines()[-1] for p in sample)


def test_words_split_by_the_text_layer_are_mended():
    pages = read_pages(CORPUS / "proces-verbaux/PV_CM_17_02_2014.pdf")
    assert "des moyens par territoire" in pages[8].text
    assert _rejoin_split_words([["de la mise", "de la"]]) == [["de la mise", "de la"]]


def test_scan_without_text_layer_is_refused_with_reason():
    with pytest.raises(UnreadablePDF, match="pas de couche texte"):
        read_pages(CORPUS / "comptes-rendus/CR_CM_25_07_2011.pdf")


def test_broken_file_is_refused_with_reason(tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4 this is not a pdf")
    with pytest.raises(UnreadablePDF, match="PDF illisible|aucune page"):
        read_pages(bad)
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    with pytest.raises(UnreadablePDF):
        read_pages(empty)


def test_scan_is_read_by_ocr_when_asked(tmp_path):
    from pypdf import PdfReader, PdfWriter

    from ingest import ocr

    if not ocr.available():
        pytest.fail("OCR tools are missing: apt-get install tesseract-ocr tesseract-ocr-fra poppler-utils")
    writer = PdfWriter()
    writer.add_page(PdfReader(CORPUS / "comptes-rendus/CR_CM_25_07_2011.pdf").pages[0])
    one_page = tmp_path / "scan.pdf"
    with one_page.open("wb") as f:
        writer.write(f)
    pages = read_pages(one_page, ocr=True)
    assert "Compte-rendu du Conseil municipal" in pages[0].text
    assert "25 juillet 2011" in pages[0].text
