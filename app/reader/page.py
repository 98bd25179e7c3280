"""One page of an indexed document as the reader shows it: its text in paragraphs, the cited passage marked,
the act it belongs to, its printed page number, and whether its text was read by OCR.

The citation's page is where the passage starts; the passage may run onto the next page, or the citation may
be a page off when an extract runs over a page break. So the passage is looked for on the cited page and its
neighbours together, and the page shown is the one that holds most of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.reader.passage import Span, locate
from app.search import Act, act_on_page
from index.store import Document, Index
from ingest.pagelabels import page_facts

Piece = tuple[str, bool]  # a stretch of text, and whether it is part of the cited passage

# A line ends its paragraph when it ends a sentence or a heading, is short (a title, a table cell), or the next
# line opens a list item or an article.
_SENTENCE_END = re.compile(r"[.:;!?»)]$")
_SHORT_LINE = 45
_OPENS = re.compile(r"^(?:[-–•·*▪]|\d{1,3}\s?[.)°-]|[A-Za-z]\)|article\b|vu\b|considérant\b)", re.IGNORECASE)


class PageNotFound(LookupError):
    """No such document in the index, or no such page in it; the message says which, in French."""


@dataclass(frozen=True)
class Reading:
    document: Document
    page: int  # physical page shown, 1-based
    label: str | None  # the page number printed on it, when there is one
    ocr: bool  # the text shown was read by OCR from an image of the page
    paragraphs: list[list[Piece]]
    asked: bool  # a passage was asked for
    found: bool  # and it was found on this page
    act: Act | None

    @property
    def pages(self) -> int:
        return self.document.pages


def read(index: Index, doc_id: str, page: int, start: str = "", end: str = "") -> Reading:
    """The page of the document, with the passage named by its first (and last) words marked when found."""
    doc = index.documents.get(doc_id)
    if doc is None:
        raise PageNotFound("Ce document n'est pas (ou plus) dans les délibérations publiées.")
    if not 1 <= page <= doc.pages:
        raise PageNotFound(f"Ce document n'a pas de page {page} : il en compte {doc.pages}.")
    asked = bool(start.strip() or end.strip())
    shown, span = (page, None)
    if asked:
        shown, span = _find(index.pages(doc_id, [page - 1, page, page + 1]), page, start, end)
    text = index.pages(doc_id, [shown]).get(shown, "")
    facts = page_facts(index.corpus / doc.path, shown)
    return Reading(
        document=doc,
        page=shown,
        label=facts.label,
        ocr=not facts.text_layer and bool(text.strip()),
        paragraphs=paragraphs(text, span),
        asked=asked,
        found=span is not None,
        act=act_on_page(index, doc_id, shown),
    )


def _find(texts: dict[int, str], page: int, start: str, end: str) -> tuple[int, Span | None]:
    """The page holding most of the passage, and where the passage stands in that page's text.

    The cited page and the next are searched first: minutes print the same line for many affaires (« après en
    avoir délibéré, à l'unanimité »), and the one on the page before is not the one cited.
    """
    shown, span = _find_in({n: t for n, t in texts.items() if n >= page}, page, start, end)
    return (shown, span) if span is not None else _find_in(texts, page, start, end)


def _find_in(texts: dict[int, str], page: int, start: str, end: str) -> tuple[int, Span | None]:
    numbers = sorted(texts)
    offsets, at = {}, 0
    for n in numbers:
        offsets[n] = at
        at += len(texts[n]) + 1
    span = locate("\n".join(texts[n] for n in numbers), start, end)
    if span is None:
        return page, None

    def overlap(n: int) -> int:
        return min(span.end, offsets[n] + len(texts[n])) - max(span.start, offsets[n])

    best = max(numbers, key=lambda n: (overlap(n), n == page))
    base = offsets[best]
    return best, Span(max(span.start - base, 0), min(span.end - base, len(texts[best])))


def paragraphs(text: str, span: Span | None = None) -> list[list[Piece]]:
    """The page's lines joined into paragraphs, each cut where the span starts and ends."""
    out: list[list[Piece]] = []
    lines = text.split("\n")
    first, at = 0, 0
    for i, line in enumerate(lines):
        end = at + len(line)
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        stripped = line.strip()
        if not nxt or _SENTENCE_END.search(stripped) or len(stripped) < _SHORT_LINE or _OPENS.match(nxt):
            block = text[first:end].replace("\n", " ")
            if block.strip():
                out.append(_cut(block, first, span))
            first = end + 1
        at = end + 1
    return out


def _cut(block: str, offset: int, span: Span | None) -> list[Piece]:
    """The block (starting at `offset` in the page) in pieces: before, inside and after the span."""
    if span is None or span.end <= offset or span.start >= offset + len(block):
        return [(block, False)]
    a, b = max(span.start - offset, 0), min(span.end - offset, len(block))
    return [
        (piece, marked)
        for piece, marked in ((block[:a], False), (block[a:b], True), (block[b:], False))
        if piece
    ]
