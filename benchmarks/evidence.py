"""Evidence without the model: for each question of a set, does the evidence given to the model hold the answer,
and is the question refused before the model?

python benchmarks/evidence.py --corpus ../shared/corpus --questions ../shared/eval/dev2-questions.jsonl [-v]

Figures (answerable questions): the share whose every must_include item stands in the best passage, in the
passages given to the model, or in the structured answer; refusals before the model on answerable and
unanswerable questions; the time to the evidence. Uses the evaluation's index of the corpus (built by
`registre eval`), and no language model: it runs in seconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app import wiring
from app.answer import assistant as assistant_module
from app.answer import evidence as evidence_module
from app.answer.assistant import Answer, Sources
from app.evaluation.metrics import normalise
from app.settings import Settings


def holds(text: str, items: list[str]) -> bool:
    t = normalise(text)
    return all(normalise(i) in t for i in items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument(
        "--questions", type=Path, default=REPO.parent / "shared" / "eval" / "dev2-questions.jsonl"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print every question's evidence")
    args = parser.parse_args()
    settings = Settings()
    root = wiring.eval_root(settings, args.corpus)
    assistant = wiring.eval_assistant(settings, root, wiring.embedder(settings))
    questions = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()]
    best = given = fact = refused_ok = refused_wrong = 0
    times = []
    coverages: dict[str, list] = {}
    real_find = evidence_module.find_evidence

    def spy(index, question, hits, *args, **kwargs):
        found = real_find(index, question, hits, *args, **kwargs)
        coverages[current[0]] = found
        return found

    current = [""]
    assistant_module.find_evidence = spy
    rows = []
    for q in questions:
        current[0] = q["id"]
        t0 = time.perf_counter()
        items = list(assistant.stream(q["question"], q.get("history") or []))
        sources = next(i for i in items if isinstance(i, Sources))
        answer = next(i for i in items if isinstance(i, Answer))
        times.append(answer.timings["evidence_s"] or time.perf_counter() - t0)
        must = q.get("must_include") or []
        texts = [c.excerpt for c in sources.extracts]
        in_best = bool(texts) and holds(texts[0], must)
        in_given = holds(" ".join(texts), must)
        in_fact = answer.structured and holds(answer.text, must)
        top = max((p.coverage for p in coverages.get(q["id"], [])), default=0.0)
        rows.append(
            (q["id"], q["answerable"], q.get("history") != [] and bool(q.get("history")), round(top, 3))
        )
        if q["answerable"]:
            best += in_best
            given += in_given or in_fact
            fact += in_fact
            refused_wrong += answer.refused_by == "evidence"
        else:
            refused_ok += answer.refused_by == "evidence"
        if (
            args.verbose
            or (q["answerable"] and not (in_given or in_fact))
            or (not q["answerable"] and answer.refused_by != "evidence")
        ):
            q_ = assistant.understand(q["question"], q.get("history") or [])
            print(f"\n## {q['id']} [{q['kind']}] asks={q_.asks} coll={q_.collectivite} {q['question']}")
            print(f"   must={must} gold={q.get('gold_files')} p{q.get('gold_pages')}")
            print(
                f"   -> refused_by={answer.refused_by} ({answer.check_reason}) structured={answer.structured}"
            )
            print(f"   coverage={[round(c.coverage, 2) for c in coverages[q['id']]]}")
            if answer.structured:
                print(f"   FACT: {answer.text[:300]}")
            for c in sources.extracts:
                print(f"   [{c.n}] {Path(c.file).name} p{c.page}: {c.excerpt[:400]}")
    print("\ncoverage of the best passage (id, answerable, follow-up, coverage):")
    for row in sorted(rows, key=lambda r: r[3]):
        print("  ", *row)
    n = sum(1 for q in questions if q["answerable"])
    u = len(questions) - n
    print(
        f"\n{args.questions.name}: {n} answerable — answer in the best passage {best}/{n}, in what is given "
        f"{given}/{n} (structured {fact}), refused before the model {refused_wrong}/{n}; "
        f"{u} unanswerable — refused before the model {refused_ok}/{u}; "
        f"evidence p50 {statistics.median(times):.3f} s"
    )


if __name__ == "__main__":
    main()
