"""The SCDL rules (OpenDataFrance délibérations schema) catch bad values."""

from __future__ import annotations

from app import scdl


def test_scdl_rules_catch_bad_values():
    row = dict.fromkeys(scdl.COLUMNS, "")
    row.update(
        COLL_NOM="Ville",
        COLL_SIRET="123",
        DELIB_ID="2014/1",
        DELIB_DATE="17/02/2014",
        DELIB_OBJET="x",
        DELIB_MATIERE_CODE="7.5",
        DELIB_MATIERE_NOM="finances locales/subventions",
        VOTE_POUR="cinq",
        PREF_ID="PREF034",
        DELIB_URL="pas une adresse",
    )
    found = scdl.problems([row])
    assert any("COLL_SIRET" in p for p in found) and any("DELIB_DATE" in p for p in found)
    assert any("VOTE_POUR" in p for p in found) and any("DELIB_URL" in p for p in found)
    assert not any("PREF_ID" in p or "DELIB_MATIERE_CODE" in p for p in found)
