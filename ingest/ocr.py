"""Read image-only pages with Tesseract (French), through Debian's poppler-utils and tesseract-ocr-fra."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

INSTALL_HINT = "installez tesseract-ocr, tesseract-ocr-fra et poppler-utils pour lire les scans"


def available() -> bool:
    """Tell whether OCR can run here (the tools and the French model are installed)."""
    if not (shutil.which("tesseract") and shutil.which("pdftoppm")):
        return False
    langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, check=False)
    return "fra" in langs.stdout.split()


def ocr_pages(pdf: Path, pages: int, dpi: int = 200) -> list[str]:
    """Return the OCR text of each page, in order."""
    texts = []
    with tempfile.TemporaryDirectory() as tmp:
        for number in range(1, pages + 1):
            stem = Path(tmp) / f"p{number}"
            cmd = [
                "pdftoppm",
                "-r",
                str(dpi),
                "-gray",
                "-png",
                "-singlefile",
                "-f",
                str(number),
                "-l",
                str(number),
            ]
            subprocess.run([*cmd, str(pdf), str(stem)], capture_output=True, check=True)
            done = subprocess.run(
                ["tesseract", f"{stem}.png", "-", "-l", "fra"], capture_output=True, text=True, check=True
            )
            texts.append(done.stdout)
    return texts
