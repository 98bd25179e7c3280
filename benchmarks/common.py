"""What every benchmark shares: percentiles, the machine's description, results merged into latest.json."""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"


def pct(values, q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if len(values) else float("nan")


def machine() -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": mem,
        "python": platform.python_version(),
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }


def rss_mb() -> float:
    """Resident memory of this process now, in MB (VmRSS)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def record(name: str, figures: dict) -> None:
    """Merge one benchmark's figures into results/latest.json (other benchmarks' figures are kept)."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    data[name] = {"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "machine": machine(), **figures}
    RESULTS.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def show(rows: list[tuple[str, str, str, str]]) -> None:
    """Print (figure, registre, baseline, ratio/target) rows as a table."""
    head = ("figure", "registre", "baseline", "ratio / target")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
    for r in [head, *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))


def load_questions(path: Path, limit: int | None = None) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [q for q in rows if q.get("answerable")]
    return rows[:limit] if limit else rows


def eval_index(corpus: Path):
    """The evaluation index of the corpus (built, or brought up to date, first) and its embedder."""
    from app import wiring
    from app.settings import Settings
    from index.store import open_index
    from ingest.pipeline import ingest

    settings = Settings()
    emb = wiring.embedder(settings)
    root = wiring.eval_root(settings, corpus)
    t = time.perf_counter()
    report = ingest(corpus, root, emb, progress=False, ocr=settings.ocr, log=lambda _: None)
    print(f"index: {report.chunks} chunks ({time.perf_counter() - t:.1f} s to check or build)")
    return open_index(root, emb.name), emb, settings
