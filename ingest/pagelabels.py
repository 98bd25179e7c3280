"""What a PDF page says about itself: the page number printed on it, and whether it has a text layer.

Ingestion drops page numbers with the running headers and footers, so the reader reads them back from the PDF,
one page at a time: the number printed at the top or bottom of the page ("12", "Page 3/40", "- 7 -"), else the
label the PDF gives the page (/PageLabels).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ingest.pdf import PDF_ERRORS, UnreadablePDF, open_pdf

_EDGE_LINES = 2  # lines at the top and at the bottom where a page number is printed
_PRINTED = re.compile(
    r"^(?:page\s*)?(?:[-–—]\s*)?(\d{1,3})(?:\s*[-–—])?(?:\s*(?:/|sur)\s*\d{1,4})?$", re.IGNORECASE
)
_TEXT_LAYER_CHARS = 20  # fewer characters than this on a page: an image, read by OCR if at all


@dataclass(frozen=True)
class PageFacts:
    label: str | None  # the page number printed on the page, or the PDF's label for it; None when neither
    text_layer: bool  # False: the page is an image, and registre's text for it comes from OCR


def page_facts(path: Path, number: int) -> PageFacts:
    """The printed page number and the text layer of the PDF's page `number` (1-based)."""
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return PageFacts(None, True)
    return _page_facts(str(path), stamp, number)


@lru_cache(maxsize=512)
def _page_facts(path: str, stamp: int, number: int) -> PageFacts:
    """Cached by the file's modification time: a re-published PDF is read again."""
    try:
        reader = open_pdf(Path(path))
        text = reader.pages[number - 1].extract_text() or ""
        pdf_label = reader.page_labels[number - 1] if "/PageLabels" in reader.root_object else None
    except (UnreadablePDF, IndexError, *PDF_ERRORS):
        return PageFacts(None, True)
    layer = len(" ".join(text.split())) >= _TEXT_LAYER_CHARS
    return PageFacts(printed_number(text) or pdf_label or None, layer)


def printed_number(text: str) -> str | None:
    """The page number printed alone on one of the first or last lines of the page's text, if any."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines[:_EDGE_LINES] + lines[-_EDGE_LINES:][::-1]:
        m = _PRINTED.match(line)
        if m:
            return m.group(1)
    return None
