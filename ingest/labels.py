"""Score what ingestion reads from acts and affaires against hand-made labels, field by field.

A label file holds one JSON object per line: `{"type": "deliberation", "file": …, "act_number": …}` or
`{"type": "affaire", "file": …, "number": …, "vote": {"pour": …}}` (see tests/data/structure_labels.jsonl).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from index.lexical import fold
from ingest.acts import describe, strip_receipt
from ingest.affaires import Affaire, find_affaires
from ingest.pdf import Page, read_pages

VOTE_FIELDS = ("pour", "contre", "abstention", "ne_prend_pas_part", "outcome")
DELIBERATION_FIELDS = ("act_number", "receipt_id", "seance_date", "rapporteur", "president", "objet")
AFFAIRE_FIELDS = ("title", "page", "rapporteur", "vote_page", "dissenters")


@dataclass
class FieldScore:
    true_pos: int = 0
    false_pos: int = 0  # a value read that is not the labelled one (or where the label has none)
    false_neg: int = 0  # a labelled value not read, or read wrong
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        read = self.true_pos + self.false_pos
        return self.true_pos / read if read else None

    @property
    def recall(self) -> float | None:
        labelled = self.true_pos + self.false_neg
        return self.true_pos / labelled if labelled else None

    def add(self, gold, got, where: str) -> None:
        if gold is None and got is None:
            return
        if gold is not None and got is not None and _same(gold, got):
            self.true_pos += 1
            return
        if got is not None:
            self.false_pos += 1
        if gold is not None:
            self.false_neg += 1
        self.misses.append(f"{where}: labelled {gold!r}, read {got!r}")


def _same(gold, got) -> bool:
    if isinstance(gold, str) and isinstance(got, str):
        return " ".join(fold(gold).replace("’", "'").split()) == " ".join(fold(got).replace("’", "'").split())
    return gold == got


def load_labels(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(labels: Iterable[dict], corpus: Path) -> dict[str, dict[str, FieldScore]]:
    """Read every labelled file once; return {"deliberation" | "affaire": {field: FieldScore}}."""
    by_file: dict[str, list[dict]] = defaultdict(list)
    for label in labels:
        by_file[label["file"]].append(label)
    scores: dict[str, dict[str, FieldScore]] = {
        "deliberation": defaultdict(FieldScore),
        "affaire": defaultdict(FieldScore),
    }
    for rel, file_labels in sorted(by_file.items()):
        pages = read_pages(corpus / rel)
        info = describe(pages)
        clean = [Page(p.number, strip_receipt(p.text)) for p in pages]
        affaires = find_affaires(clean, info.kind, info.objet)
        for label in file_labels:
            if label["type"] == "deliberation":
                got = {f: getattr(info, f) for f in DELIBERATION_FIELDS}
                _score_vote(scores["deliberation"], label, affaires[0] if affaires else None, got, rel)
                for name in DELIBERATION_FIELDS:
                    scores["deliberation"][name].add(label.get(name), got[name], rel)
            else:
                found = next((a for a in affaires if a.number == label["number"]), None)
                where = f"{rel} affaire {label['number']}"
                got = {
                    "title": found.title if found else None,
                    "page": found.page if found else None,
                    "rapporteur": found.rapporteur if found else None,
                    "dissenters": found.vote.dissenters if found and found.vote else None,
                }
                _score_vote(scores["affaire"], label, found, got, where)
                for name in AFFAIRE_FIELDS:
                    scores["affaire"][name].add(label.get(name), got[name], where)
    return scores


def _score_vote(
    table: dict[str, FieldScore], label: dict, affaire: Affaire | None, got: dict, where: str
) -> None:
    vote = affaire.vote if affaire else None
    got["vote_page"] = vote.page if vote else None
    for name in VOTE_FIELDS:
        table[name].add(label["vote"].get(name), getattr(vote, name) if vote else None, where)


def table(scores: dict[str, dict[str, FieldScore]]) -> str:
    """A plain-text table of precision and recall per field."""
    lines = [f"{'':12} {'field':18} {'P':>6} {'R':>6}  n"]
    for kind, fields in scores.items():
        for name, s in fields.items():
            p = "—" if s.precision is None else f"{s.precision:.3f}"
            r = "—" if s.recall is None else f"{s.recall:.3f}"
            lines.append(f"{kind:12} {name:18} {p:>6} {r:>6}  {s.true_pos + s.false_neg}")
    return "\n".join(lines)
