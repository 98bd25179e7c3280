"""How what the sources say completes what a document says of itself: the text first, then the source, then a
folder named after a collectivité; the publisher's metadata only where the PDF is silent, and taken back out."""

from dataclasses import replace

from index.store import Document
from ingest.provenance import (
    Origin,
    Origins,
    as_read,
    attribute,
    date_in_name,
    load_origins,
    save_origins,
)
from tests.conftest import SHARED


def _doc(path: str, collectivite: str | None = None, objet: str | None = None) -> Document:
    return Document(
        path, path, "0" * 64, 1, "délibération", None, None, objet, None, None, None, collectivite
    )


def test_the_text_first_then_the_source_then_a_folder_named_after_a_collectivite():
    docs = [
        _doc("pierrefonds/cm/pv.pdf", "Commune de Pierrefonds"),
        _doc("pierrefonds/cm/cclo.pdf", "Communauté de communes des Lisières de l'Oise"),
        _doc("pierrefonds/cm/autre.pdf", "Communauté de Communes des Lisières de L’Oise"),
        _doc("pierrefonds/cm/cclo-2.pdf", "Communauté de Communes des Lisières de L’Oise"),
        _doc("pierrefonds/registres/repertoire.pdf"),  # names none: its folder is named after the commune
        _doc("flux/liste.pdf"),  # names none: its source does
        _doc("ailleurs/scan.pdf"),  # names none, nor does anything else
    ]
    origins = Origins(
        {
            "flux/liste.pdf": Origin("flux", "Ville de Compiègne", "21600159100015"),
            "pierrefonds/cm/pv.pdf": Origin("pf", "Ville de Compiègne"),  # the text wins
        },
        {"Commune de Pierrefonds": "21600490200014"},
    )
    out = {d.path: d for d in attribute(docs, origins)}
    assert out["pierrefonds/cm/pv.pdf"].collectivite == "Commune de Pierrefonds"
    assert out["pierrefonds/cm/pv.pdf"].siret == "21600490200014"
    assert out["pierrefonds/registres/repertoire.pdf"].collectivite == "Commune de Pierrefonds"
    assert out["flux/liste.pdf"].collectivite == "Ville de Compiègne"
    assert out["flux/liste.pdf"].siret == "21600159100015"
    assert out["ailleurs/scan.pdf"].collectivite is None
    # One collectivité, one spelling: the one most documents print.
    assert {out[p].collectivite for p in ("pierrefonds/cm/cclo.pdf", "pierrefonds/cm/autre.pdf")} == {
        "Communauté de Communes des Lisières de L’Oise"
    }


def test_the_publishers_metadata_fills_only_what_the_pdf_leaves_silent_and_comes_back_out():
    published = {
        "DELIB_ID": "2025/19",
        "DELIB_DATE": "2025-05-27",
        "DELIB_OBJET": "Fontaine",
        "VOTE_POUR": "15",
    }
    origins = Origins({"a.pdf": Origin("csv", url="https://x/a.pdf", published=published),
                       "b.pdf": Origin("csv", published=published)})  # fmt: skip
    a, b = attribute([_doc("a.pdf"), _doc("b.pdf", objet="Réhabilitation de la fontaine")], origins)
    assert (a.act_number, a.seance_date, a.objet, a.url) == (
        "2025/19",
        "2025-05-27",
        "Fontaine",
        "https://x/a.pdf",
    )
    assert b.objet == "Réhabilitation de la fontaine"  # the PDF says it: the PDF wins
    assert set((a.filled or "").split(",")) == {"act_number", "seance_date", "objet"}
    # What the source filled is taken back out before the sources are applied again (they may have changed).
    assert as_read(a) == _doc("a.pdf")
    (again,) = attribute([a], Origins())
    assert again == _doc("a.pdf")


def test_the_dates_file_names_carry_are_read_day_month_and_year_or_not_at_all():
    # The names of the shared corpora's files: five schemes, and names with no date or a month alone.
    folders = [SHARED / "corpus" / c for c in ("montpellier", "pierrefonds", "taluyers")]
    dated = {p.name: date_in_name(p.name) for f in folders for p in f.rglob("*.pdf")}
    assert dated["20150202-PV-complet.pdf"] == "2015-02-02"
    assert dated["PV-complet-20160118.pdf"] == "2016-01-18"
    assert dated["PV_CM_17_02_2014.pdf"] == "2014-02-17"
    assert dated["cr-28-02-2022.pdf"] == "2022-02-28"
    assert dated["pv-du-cm-du-16122024.pdf"] == "2024-12-16"
    assert dated["conseil-municipal-du-17-fevrier-2020.pdf"] == "2020-02-17"
    assert dated["pv-complet-8-juin-2020.pdf"] == "2020-06-08"
    assert dated["compte-rendu-28-05-2020.pdf"] == "2020-05-28"
    for undated in ("conseil-municipal-mai-2014.pdf", "CR-CM-19-juin.pdf", "PV-complet1601.pdf"):
        assert dated[undated] is None  # a month alone, no year, a rank
    assert date_in_name("DEL2025-64-Annexe-RPQS-CCLO-Eau-Potable-2024.pdf") is None


def test_a_seance_date_from_the_file_name_only_where_the_text_prints_none_and_says_so():
    read, silent = _doc("cm/cr-28-02-2022.pdf"), _doc("cm/compte-rendu-28-05-2020.pdf")
    read = replace(read, seance_date="2022-03-28")  # the text's date wins over the name's
    a, b = attribute([read, silent], Origins())
    assert (a.seance_date, a.filled) == ("2022-03-28", None)
    assert (b.seance_date, b.filled) == ("2020-05-28", "seance_date@name")
    assert as_read(b) == silent
    # The publisher's date comes before the name's.
    origins = Origins({silent.path: Origin("csv", published={"DELIB_DATE": "2020-05-25"})})
    (c,) = attribute([silent], origins)
    assert (c.seance_date, c.filled) == ("2020-05-25", "seance_date")


def test_the_origins_travel_with_the_corpus_folder(tmp_path):
    origins = Origins(
        {"s/a.pdf": Origin("s", "Commune de Pierrefonds", published={"DELIB_ID": "1"})}, {"X": "1" * 14}
    )
    save_origins(tmp_path, origins)
    assert load_origins(tmp_path) == origins
    assert load_origins(tmp_path / "absent") == Origins()
