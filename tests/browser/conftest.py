"""Pages in a real browser: Debian's chromium driven by Playwright, against the real app on a loopback port.

Needs `/usr/bin/chromium` (apt-get install chromium) and the `playwright` Python package; Playwright's own browser
download is never used. A developer without them skips these tests; CI (CI=true) must have them and fails instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

try:
    from playwright.sync_api import sync_playwright
except ImportError:
    if os.environ.get("CI"):
        raise
    sync_playwright = None


@pytest.fixture(scope="session")
def browser():
    if sync_playwright is None:
        pytest.skip("needs the playwright package: pip install -e '.[dev]'")
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            raise RuntimeError(f"{CHROMIUM} is missing: apt-get install chromium")
        pytest.skip("needs Debian's chromium: apt-get install chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()
