"""A few seconds of the load test (`make loadtest` runs the full one): real server, real index, 0 errors."""

import subprocess
import sys

from tests.conftest import copy_subset
from tests.ingest.test_robustness import ACT, ACT_C, PROJECT


def test_short_load_has_no_error(tmp_path):
    corpus = copy_subset(tmp_path / "corpus", [ACT, ACT_C])
    run = subprocess.run(
        [sys.executable, "benchmarks/loadtest.py", "--corpus", str(corpus), "--duration", "2"]
        + ["--searchers", "4", "--chatters", "1", "--max-tokens", "8"]
        + ["--search", "GET /api/search?q={q}", "--search", "SSE /api/chat/stream"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "GET /api/search?q={q}: " in run.stdout and "SSE /api/chat/stream: " in run.stdout
    assert "chat POST /api/chat: " in run.stdout and " 0 errors in " in run.stdout
