"""Cut a document's pages into overlapping word windows that keep their page numbers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ingest.pdf import Page

WINDOW_WORDS = 180
STRIDE_WORDS = 135


@dataclass(frozen=True)
class Chunk:
    text: str
    page: int  # the page holding most of the chunk: where a citation points
    page_start: int
    page_end: int
    word_start: int  # position of the first word in the document's word stream


def chunk_pages(pages: list[Page], window: int = WINDOW_WORDS, stride: int = STRIDE_WORDS) -> list[Chunk]:
    """Return windows of `window` words every `stride` words; never crosses documents (one call per document)."""
    words: list[str] = []
    page_of: list[int] = []
    for page in pages:
        for line in page.text.splitlines():
            for word in line.split():
                words.append(word)
                page_of.append(page.number)
    chunks = []
    for start in range(0, max(len(words) - (window - stride), 1), stride):
        span = slice(start, start + window)
        if not words[span]:
            break
        pages_here = page_of[span]
        chunks.append(
            Chunk(
                text=" ".join(words[span]),
                page=Counter(pages_here).most_common(1)[0][0],
                page_start=pages_here[0],
                page_end=pages_here[-1],
                word_start=start,
            )
        )
    return chunks
