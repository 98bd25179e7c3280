"""What ingestion reads from acts and affaires, scored field by field against hand labels of real PDFs, per corpus."""

from pathlib import Path

import pytest

from ingest.labels import load_labels, score, table
from tests.conftest import SHARED

LABELS = Path(__file__).parents[1] / "data" / "structure_labels.jsonl"
CORPORA = SHARED / "corpus"


@pytest.fixture(scope="module")
def labels():
    return load_labels(LABELS)


@pytest.fixture(scope="module")
def montpellier(labels):
    assert sum(1 for lb in labels if lb["type"] == "deliberation") >= 20
    result = score(labels, CORPORA, corpus="montpellier")
    print(table(result))
    return result


@pytest.fixture(scope="module")
def pierrefonds(labels):
    result = score(labels, CORPORA, corpus="pierrefonds")
    print(table(result))
    return result


@pytest.fixture(scope="module")
def taluyers(labels):
    result = score(labels, CORPORA, corpus="taluyers")
    print(table(result))
    return result


def test_labels_cover_the_corpora_and_the_pierrefonds_layouts(labels):
    affaires = [lb for lb in labels if lb["type"] == "affaire"]
    assert sum(1 for lb in affaires if lb["file"].startswith("montpellier/")) >= 20
    mine = [lb for lb in affaires if lb["file"].startswith("pierrefonds/")]
    assert len(mine) >= 30
    assert sum(1 for lb in mine if "/intercommunalite/" in lb["file"]) >= 5  # the CCLO's comptes rendus
    years = {name[:4] for lb in mine for name in [lb["file"].rsplit("/", 1)[-1]] if name[:4].isdigit()}
    assert {"2024", "2025"} <= years  # PVs with act numbers; older eras are named by their dates
    assert any(lb["file"].endswith("-2015.pdf") for lb in mine) and any("CM-" in lb["file"] for lb in mine)
    assert sum(1 for lb in affaires if lb["file"].startswith("taluyers/")) >= 20  # votes written in sentences


@pytest.mark.parametrize("name", ["act_number", "receipt_id", "seance_date", "rapporteur", "president"])
def test_deliberation_fields(montpellier, name):
    s = montpellier["deliberation"][name]
    assert s.precision >= 0.95 and s.recall >= 0.95, s.misses


@pytest.mark.parametrize("name", ["pour", "contre", "abstention", "outcome", "dissenters"])
@pytest.mark.parametrize("corpus", ["montpellier", "pierrefonds", "taluyers"])
def test_votes_read_on_every_corpus(request, corpus, name):
    s = request.getfixturevalue(corpus)["affaire"][name]
    if (
        not s.misses
    ):  # every value read is the labelled one, or none is labelled (no vote against at Taluyers)
        return
    assert (s.precision or 0) >= 0.95 and (s.recall or 0) >= 0.95, s.misses


@pytest.mark.parametrize("name", ["vote_page", "rapporteur", "page"])
def test_affaires_found_in_the_montpellier_minutes(montpellier, name):
    s = montpellier["affaire"][name]
    # Every value read is the printed one; a few affaires are missed (out-of-order numbering, see the misses).
    assert s.precision >= 0.95, s.misses
    assert s.recall >= 0.90, s.misses


@pytest.mark.parametrize("name", ["title", "page", "vote_page", "act_number", "abstainers", "rapporteur"])
def test_affaires_found_in_the_pierrefonds_and_cclo_minutes(pierrefonds, name):
    s = pierrefonds["affaire"][name]
    assert s.precision >= 0.95 and s.recall >= 0.95, s.misses


def test_a_wrong_reading_counts_against_precision_and_recall():
    from ingest.labels import FieldScore

    s = FieldScore()
    s.add(46, 46, "a")
    s.add(7, 8, "b")  # read wrong
    s.add(2, None, "c")  # missed
    s.add(None, 0, "d")  # read where nothing is printed
    assert (s.true_pos, s.false_pos, s.false_neg) == (1, 2, 2)
    assert s.precision == pytest.approx(1 / 3) and s.recall == pytest.approx(1 / 3)


@pytest.mark.parametrize("name", ["title", "page", "vote_page", "act_number", "abstainers"])
def test_affaires_found_in_the_taluyers_minutes(taluyers, name):
    s = taluyers["affaire"][name]  # "Délibération n°20200608-14", the vote in the decision's sentence
    assert s.precision >= 0.95 and s.recall >= 0.95, s.misses
