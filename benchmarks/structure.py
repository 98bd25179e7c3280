"""Field-level precision and recall of what ingestion reads from acts and affaires, against hand labels.

python benchmarks/structure.py [--labels tests/data/structure_labels.jsonl] [--root ../shared/corpus] [--misses]
python benchmarks/structure.py --documents pierrefonds   # what every PDF of a corpus says about itself

Label paths start with their corpus ("montpellier/…", "pierrefonds/…"); one table is printed per corpus.
"""

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ingest.acts import describe, strip_receipt
from ingest.affaires import find_affaires
from ingest.labels import corpora, load_labels, score, table
from ingest.pdf import Page, UnreadablePDF, read_pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, default=REPO / "tests" / "data" / "structure_labels.jsonl")
    parser.add_argument("--root", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--corpus", help="score one corpus only (montpellier, pierrefonds)")
    parser.add_argument("--misses", action="store_true", help="list every field read wrong or missed")
    parser.add_argument(
        "--documents", metavar="CORPUS", help="print what each PDF of a corpus says about itself"
    )
    args = parser.parse_args()
    if args.documents:
        documents(args.root / args.documents)
        return
    labels = load_labels(args.labels)
    for corpus in [args.corpus] if args.corpus else corpora(labels):
        mine = [lb for lb in labels if lb["file"].split("/")[0] == corpus]
        scores = score(mine, args.root)
        print(f"\n## {corpus}: {len(mine)} labelled acts and affaires")
        print(table(scores))
        if args.misses:
            for kind, fields in scores.items():
                for name, s in fields.items():
                    for miss in s.misses:
                        print(f"{kind} {name}: {miss}")


def documents(folder: Path) -> None:
    """One row per PDF: kind, séance date, council, collectivité, affaires found and how many print a vote."""
    print(f"| file | kind | séance | council | collectivité | affaires | votes |\n|{'---|' * 7}")
    for path in sorted(folder.rglob("*.pdf")):
        rel = path.relative_to(folder).as_posix()
        try:
            pages = read_pages(path)
        except UnreadablePDF as e:
            print(f"| {rel} | unreadable: {e} | | | | | |")
            continue
        info = describe(pages)
        found = find_affaires([Page(p.number, strip_receipt(p.text)) for p in pages], info.kind, info.objet)
        voted = sum(1 for a in found if a.vote)
        cells = (info.kind, info.seance_date, info.council, info.collectivite, len(found), voted)
        print(f"| {rel} | " + " | ".join("—" if c is None else str(c) for c in cells) + " |")


if __name__ == "__main__":
    main()
