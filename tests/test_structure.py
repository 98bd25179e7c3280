"""What ingestion reads from acts and affaires, scored field by field against hand labels of real PDFs."""

from pathlib import Path

import pytest

from ingest.labels import load_labels, score, table
from tests.conftest import CORPUS

LABELS = Path(__file__).parent / "data" / "structure_labels.jsonl"


@pytest.fixture(scope="module")
def scores():
    labels = load_labels(LABELS)
    assert sum(1 for lb in labels if lb["type"] == "deliberation") >= 20
    assert sum(1 for lb in labels if lb["type"] == "affaire") >= 20
    result = score(labels, CORPUS)
    print(table(result))
    return result


@pytest.mark.parametrize("name", ["act_number", "receipt_id", "seance_date", "rapporteur", "president"])
def test_deliberation_fields(scores, name):
    s = scores["deliberation"][name]
    assert s.precision >= 0.95 and s.recall >= 0.95, s.misses


@pytest.mark.parametrize("name", ["pour", "contre", "abstention", "outcome", "vote_page", "rapporteur"])
def test_affaire_votes_read_from_the_minutes(scores, name):
    s = scores["affaire"][name]
    # Every tally read is the printed one; a few affaires are missed (out-of-order numbering, see the misses).
    assert s.precision >= 0.95, s.misses
    assert s.recall >= 0.90, s.misses


def test_a_wrong_reading_counts_against_precision_and_recall():
    from ingest.labels import FieldScore

    s = FieldScore()
    s.add(46, 46, "a")
    s.add(7, 8, "b")  # read wrong
    s.add(2, None, "c")  # missed
    s.add(None, 0, "d")  # read where nothing is printed
    assert (s.true_pos, s.false_pos, s.false_neg) == (1, 2, 2)
    assert s.precision == pytest.approx(1 / 3) and s.recall == pytest.approx(1 / 3)
