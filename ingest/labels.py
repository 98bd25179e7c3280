"""Score what ingestion reads from acts and affaires against hand-made labels, field by field.

A label file holds one JSON object per line: `{"type": "deliberation", "file": …, "act_number": …}` or
`{"type": "affaire", "file": …, "number": …, "vote": {"pour": …}}` (see tests/data/structure_labels.jsonl).
`file` is relative to the shared corpus folder and starts with the corpus's name ("montpellier/…",
"pierrefonds/…"). An affaire is found by its printed act number when labelled with one (the n-th such heading
when the number is printed twice: `occurrence`), else by its item number. A field is scored only where the
label states it: `abstainers` and `act_number` are labelled on the newer lines only.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from index.french import fold
from index.identifiers import act_key
from ingest.acts import describe, strip_receipt
from ingest.affaires import Affaire, find_affaires
from ingest.pdf import Page, read_pages

VOTE_FIELDS = ("pour", "contre", "abstention", "ne_prend_pas_part", "outcome")
DELIBERATION_FIELDS = ("act_number", "receipt_id", "seance_date", "rapporteur", "president", "objet")
AFFAIRE_FIELDS = ("title", "page", "rapporteur", "vote_page", "dissenters", "abstainers", "act_number")


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


Scores = dict[str, dict[str, FieldScore]]


def _same(gold, got) -> bool:
    if isinstance(gold, str) and isinstance(got, str):
        return " ".join(fold(gold).replace("’", "'").split()) == " ".join(fold(got).replace("’", "'").split())
    return gold == got


def load_labels(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def corpora(labels: Iterable[dict]) -> list[str]:
    """The corpora the labels cover, by the first folder of their paths."""
    return sorted({label["file"].split("/")[0] for label in labels})


def score(labels: Iterable[dict], root: Path, corpus: str | None = None) -> Scores:
    """Read every labelled file once (of one corpus, if given); return {"deliberation" | "affaire": {field:
    FieldScore}}. `root` is the folder that holds the corpora."""
    by_file: dict[str, list[dict]] = defaultdict(list)
    for label in labels:
        if corpus is None or label["file"].split("/")[0] == corpus:
            by_file[label["file"]].append(label)
    scores: Scores = {"deliberation": defaultdict(FieldScore), "affaire": defaultdict(FieldScore)}
    for rel, file_labels in sorted(by_file.items()):
        pages = read_pages(root / rel)
        info = describe(pages)
        clean = [Page(p.number, strip_receipt(p.text)) for p in pages]
        affaires = find_affaires(clean, info.kind, info.objet)
        for label in file_labels:
            if label["type"] == "deliberation":
                got = {f: getattr(info, f) for f in DELIBERATION_FIELDS}
                _score_vote(scores["deliberation"], label, affaires[0] if affaires else None, got, rel)
                for name in DELIBERATION_FIELDS:
                    scores["deliberation"][name].add(label.get(name), got[name], rel)
                continue
            found = _find(affaires, label)
            where = f"{rel} affaire {label.get('act_number') or label['number']}"
            vote = found.vote if found else None
            got = {
                "title": found.title if found else None,
                "page": found.page if found else None,
                "rapporteur": found.rapporteur if found else None,
                "dissenters": vote.dissenters if vote else None,
                "abstainers": vote.abstainers if vote else None,
                "act_number": act_key(found.act_number) if found and found.act_number else None,
            }
            _score_vote(scores["affaire"], label, found, got, where)
            for name in AFFAIRE_FIELDS:
                if name in label:
                    gold = act_key(label[name]) if name == "act_number" and label[name] else label[name]
                    scores["affaire"][name].add(gold, got[name], where)
    return scores


def _find(affaires: list[Affaire], label: dict) -> Affaire | None:
    """The labelled affaire: by act number (the n-th heading printing it), else by item number."""
    if label.get("act_number"):
        key = act_key(label["act_number"])
        same = [a for a in affaires if a.act_number and act_key(a.act_number) == key]
    else:
        same = [a for a in affaires if a.number == label["number"]]
    n = label.get("occurrence", 1)
    return same[n - 1] if len(same) >= n else None


def _score_vote(
    table: dict[str, FieldScore], label: dict, affaire: Affaire | None, got: dict, where: str
) -> None:
    vote = affaire.vote if affaire else None
    got["vote_page"] = vote.page if vote else None
    for name in VOTE_FIELDS:
        table[name].add(label["vote"].get(name), getattr(vote, name) if vote else None, where)


def table(scores: Scores) -> str:
    """A plain-text table of precision and recall per field."""
    lines = [f"{'':12} {'field':18} {'P':>6} {'R':>6}  n"]
    for kind, fields in scores.items():
        for name, s in fields.items():
            p = "—" if s.precision is None else f"{s.precision:.3f}"
            r = "—" if s.recall is None else f"{s.recall:.3f}"
            lines.append(f"{kind:12} {name:18} {p:>6} {r:>6}  {s.true_pos + s.false_neg}")
    return "\n".join(lines)
