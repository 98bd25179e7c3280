"""Read a PDF into clean pages: text per physical page, running headers and footers removed."""

from __future__ import annotations

import logging
import re
import subprocess
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from ingest import ocr as ocr_tools


@dataclass(frozen=True)
class Page:
    number: int  # 1-based physical page
    text: str


class UnreadablePDF(Exception):
    """The file cannot be used; the message says why, in words a user understands."""


_EDGE_LINES = 3  # lines at the top and bottom of a page where running headers and footers live
_PAGE_NUMBER = re.compile(r"^(page\s*)?\d{1,4}(\s*(/|sur)\s*\d{1,4})?$", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\u00a0\u202f]+")
# What no text may hold: lone UTF-16 surrogates (a font's broken ToUnicode map) and control characters.
_INVALID = re.compile(r"[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def valid_text(text: str) -> str:
    """The text made valid once, where it is read: NFC, each lone surrogate or control character replaced by
    U+FFFD, the character that could not be read (the embedder, SQLite and JSON fail on them, one page stopping
    the whole corpus; a glyph the PDF does not map, often a list's bullet, still stands where it stood)."""
    return unicodedata.normalize("NFC", _INVALID.sub("\ufffd", text))


# What pypdf raises on a damaged or truncated file.
PDF_ERRORS = (PdfReadError, ValueError, KeyError, TypeError, OSError, AttributeError)


def open_pdf(path: Path) -> PdfReader:
    """The PDF, opened with the empty user password when it is encrypted (one that only restricts printing or
    copying); UnreadablePDF when it needs a real password. pypdf's errors on a damaged file pass through."""
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf warns loudly about harmless xref quirks
    reader = PdfReader(path)
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except (PdfReadError, NotImplementedError, ValueError):
            opened = None
        if not opened:
            raise UnreadablePDF("PDF chiffré : il demande un mot de passe ; publiez-le sans") from None
    return reader


def read_pages(path: Path, ocr: bool = False) -> list[Page]:
    """Return the cleaned text of every page, or raise UnreadablePDF; scans are read by OCR when asked."""
    try:
        with path.open("rb") as f:
            head = f.read(1024)
    except OSError as e:
        raise UnreadablePDF(f"fichier illisible ({e.strerror})") from None
    if not head:
        raise UnreadablePDF("fichier vide (0 octet)")
    if b"%PDF-" not in head:
        raise UnreadablePDF("pas un PDF (pas d'en-tête %PDF-) : un autre type de fichier nommé .pdf")
    try:
        raw = [page.extract_text() or "" for page in open_pdf(path).pages]
    except UnreadablePDF:
        raise
    except PDF_ERRORS as e:
        raise UnreadablePDF(f"PDF illisible, abîmé ou tronqué ({type(e).__name__} : {e})") from None
    if not raw:
        raise UnreadablePDF("le PDF n'a aucune page")
    if _too_little(raw):
        if not ocr:
            raise UnreadablePDF("pas de couche texte (un scan en image) ; l'OCR est désactivée")
        if not ocr_tools.available():
            raise UnreadablePDF(f"pas de couche texte (un scan en image) ; {ocr_tools.INSTALL_HINT}")
        try:
            raw = ocr_tools.ocr_pages(path, len(raw))
        except subprocess.CalledProcessError as e:
            raise UnreadablePDF(f"échec de l'OCR : {e}") from None
        if _too_little(raw):
            raise UnreadablePDF("pas de couche texte, et l'OCR n'a pas trouvé de texte non plus")
    lines = [[_clean_line(line) for line in valid_text(text).splitlines()] for text in raw]
    lines = [[line for line in page if line] for page in lines]
    lines = _rejoin_split_words(lines)
    running = _running_lines(lines)
    pages = []
    for number, page in enumerate(lines, start=1):
        kept = [line for i, line in enumerate(page) if not _is_running(line, i, len(page), running)]
        pages.append(Page(number, "\n".join(kept)))
    return pages


def _too_little(texts: list[str]) -> bool:
    return sum(len(" ".join(t.split())) for t in texts) < 20 * len(texts)


def _clean_line(line: str) -> str:
    line = (
        unicodedata.normalize("NFC", line).replace("\u2010", "-").replace("\u2011", "-").replace("\u00ad", "")
    )
    return _SPACES.sub(" ", line).strip()


_TOKEN = re.compile(r"\w+", re.UNICODE)
_WORD_HEAD = re.compile(r"^([^\W\d_]+)\W*$")


def _rejoin_split_words(pages: list[list[str]]) -> list[list[str]]:
    """Mend words the text layer split with a space ("te rritoire"), using the document's own vocabulary.

    Two neighbours are joined when the joined word occurs in the document more often than one of the halves
    does on its own; real word pairs ("de la") never join because "dela" does not occur.
    """
    vocab = Counter(t.lower() for page in pages for line in page for t in _TOKEN.findall(line))

    def mend(line: str) -> str:
        out: list[str] = []
        for word in line.split(" "):
            head = _WORD_HEAD.match(word)
            if out and head and out[-1].isalpha():
                left, right = out[-1].lower(), head.group(1).lower()
                if min(vocab[left], vocab[right]) < vocab[left + right]:
                    out[-1] += word
                    continue
            out.append(word)
        return " ".join(out)

    return [[mend(line) for line in page] for page in pages]


def _shape(line: str) -> str:
    return re.sub(r"\d+", "#", line.lower())


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Find line shapes repeated at the same edge (top or bottom) of many pages, and never inside a page:
    running headers and footers. A vote line ("Pour : 46") or an item of the ordre du jour that happens to
    open or close a few pages is content: it also stands inside other pages, or at the other edge."""
    if len(pages) < 2:
        return set()
    tops: Counter[str] = Counter()
    bottoms: Counter[str] = Counter()
    inside: set[str] = set()
    for page in pages:
        tops.update({_shape(line) for line in page[:_EDGE_LINES]})
        bottoms.update({_shape(line) for line in page[-_EDGE_LINES:]})
        inside.update(_shape(line) for line in page[_EDGE_LINES:-_EDGE_LINES])
    threshold = max(2, len(pages) // 3)
    return {shape for shape in tops | bottoms if max(tops[shape], bottoms[shape]) >= threshold} - inside


def _is_running(line: str, index: int, length: int, running: set[str]) -> bool:
    at_edge = index < _EDGE_LINES or index >= length - _EDGE_LINES
    return at_edge and (_PAGE_NUMBER.match(line) is not None or _shape(line) in running)
