"""Field-level precision and recall of what ingestion reads from acts and affaires, against hand labels.

python benchmarks/structure.py [--labels tests/data/structure_labels.jsonl] [--root ../shared/corpus] [--misses]

Label paths start with their corpus ("montpellier/…", "pierrefonds/…"); one table is printed per corpus.
"""

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ingest.labels import corpora, load_labels, score, table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, default=REPO / "tests" / "data" / "structure_labels.jsonl")
    parser.add_argument("--root", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--corpus", help="score one corpus only (montpellier, pierrefonds)")
    parser.add_argument("--misses", action="store_true", help="list every field read wrong or missed")
    args = parser.parse_args()
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


if __name__ == "__main__":
    main()
