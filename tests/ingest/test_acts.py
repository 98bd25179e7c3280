import pytest

from index.identifiers import act_number
from ingest.acts import describe, strip_receipt
from ingest.chunk import chunk_pages
from ingest.pdf import Page, read_pages
from tests.conftest import CORPUS, SAMPLE, SHARED


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


@pytest.mark.parametrize(
    ("name", "received"), [("M2023-352.pdf", "2023-10-17"), ("V2024-420.pdf", "2024-12-26")]
)
def test_the_receipt_date_is_read_with_a_two_digit_year_as_the_ministry_prints_it(name, received):
    """« Réception en Préfecture : 17/10/23 »: the SCDL export's PREF_DATE, never left empty for it."""
    assert describe(read_pages(SAMPLE / name)).receipt_date == received


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


PIERREFONDS = SHARED / "corpus" / "pierrefonds"


@pytest.mark.parametrize(
    "file, kind, seance, council, collectivite",
    [
        # "L’an deux mille quinze, le 15 octobre"; the text also cites the séance of 15 September (approved)
        (
            "conseil-municipal/compte-rendu-15-10-2015.pdf",
            "compte rendu",
            "2015-10-15",
            "conseil municipal",
            "Commune de Pierrefonds",
        ),
        (
            "conseil-municipal/CM-23-FEVRIER.pdf",
            "compte rendu",
            "2021-02-23",
            "conseil municipal",
            "Commune de Pierrefonds",
        ),
        # names no kind in its title: the minutes of a séance, those present listed
        (
            "conseil-municipal/CM-28-juin-2022.pdf",
            "compte rendu",
            "2022-06-28",
            "conseil municipal",
            "Commune de Pierrefonds",
        ),
        (
            "conseil-municipal/CM-19-octobre-2023.pdf",
            "procès-verbal",
            "2023-10-19",
            "conseil municipal",
            "Commune de Pierrefonds",
        ),
        (
            "conseil-municipal/20250403-PV.pdf",
            "procès-verbal",
            "2025-04-03",
            "conseil municipal",
            "Commune de Pierrefonds",
        ),
        (
            "intercommunalite/2025.12.22-CR-du-Conseil-Communautaire-du-18-decembre-2025-approuve.pdf",
            "compte rendu",
            "2025-12-18",
            "conseil communautaire",
            "Communauté de Communes des Lisières de L’Oise",
        ),
        ("registres/REPERTOIRE-CHRONOLOGIQUE-2025-POUR-AFFICHAGE.pdf", "répertoire", None, None, None),
        # a report annexed to a délibération is no délibération
        (
            "annexes/DEL2025-64-Annexe-RPQS-CCLO-Eau-Potable-2024.pdf",
            "document",
            None,
            None,
            "Communauté de communes des Lisières de l'Oise",
        ),
    ],
)
def test_what_pierrefonds_and_cclo_documents_say_about_themselves(file, kind, seance, council, collectivite):
    info = describe(read_pages(PIERREFONDS / file)[:3])
    assert (info.kind, info.seance_date, info.council, info.collectivite) == (
        kind,
        seance,
        council,
        collectivite,
    )


def test_the_collectivite_is_read_by_rule():
    assert describe(
        [Page(1, "MAIRIE DE SAINT-JEAN-DE-LUZ\nConseil municipal du 3 mars 2020")]
    ).collectivite == ("MAIRIE DE SAINT-JEAN-DE-LUZ")
    assert describe(
        [Page(1, "Séance du conseil\nCommunauté d’agglomération du Pays de Lorient")]
    ).collectivite == ("Communauté d’agglomération du Pays de Lorient")
    assert (
        describe([Page(1, "L’an deux mille vingt, le 3 mars, le conseil s’est réuni.")]).collectivite is None
    )


def test_opening_formula_gives_the_date_when_the_title_does_not():
    text = "Procès-verbal\nL’an deux mille dix-neuf, le 5 mars à 20h30, le Conseil Municipal s’est réuni."
    assert describe([Page(1, text)]).seance_date == "2019-03-05"


def test_a_signature_or_a_council_is_never_read_as_the_collectivite():
    """The sample's avis printed « Michaël DELAFOSSE, Maire de Montpellier, Président de Montpellier Méditerranée
    Métropole » and was read as the collectivité « Président de Montpellier Méditerranée Métropole »."""
    avis = describe(read_pages(SAMPLE / "avis-convention-citoyenne-ia-2024.pdf"))
    assert avis.collectivite == "Montpellier Méditerranée Métropole" and avis.seance_date is None
    for printed, named in [
        ("Michaël DELAFOSSE, Maire de Montpellier, Président de Montpellier Méditerranée Métropole",
         "Montpellier Méditerranée Métropole"),
        ("Le Vice-Président de Montpellier Méditerranée Métropole", "Montpellier Méditerranée Métropole"),
        ("Le Président de la Communauté de Communes des Lisières de l’Oise",
         "Communauté de Communes des Lisières de l’Oise"),
        ("avis destiné aux élus du\nConseil de Montpellier Méditerranée Métropole.",
         "Montpellier Méditerranée Métropole"),
        ("Séverine Saint-Martin\nAdjointe au Maire de la Ville de Montpellier", "Ville de Montpellier"),
    ]:  # fmt: skip
        assert describe([Page(1, printed)]).collectivite == named, printed


def test_minutes_belong_to_the_commune_whose_council_met_not_to_the_bodies_their_affaires_name():
    # The title block says "PROCES-VERBAL DU CONSEIL MUNICIPAL DE TALUYERS"; the first affaires name the
    # Communauté de communes du Pays Mornantais and the Centre de Gestion.
    info = describe(read_pages(SHARED / "corpus/taluyers/conseil-municipal/20151214-PV-complet.pdf"))
    assert (info.kind, info.seance_date, info.collectivite) == (
        "procès-verbal",
        "2015-12-14",
        "Commune de Taluyers",
    )


def test_a_table_row_is_not_read_as_a_collectivite():
    # A register's row: "… de la Communauté de Communes du | Unanimité | Pays Mornantais …".
    pages = [Page(1, "Recomposition du Conseil Communautaire de la Communauté de Communes du Unanimité\n")]
    assert describe(pages).collectivite is None
