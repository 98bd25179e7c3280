"""The reader: a cited passage shown in its page, marked, with the act it belongs to."""

from app.reader.page import PageNotFound, Reading, paragraphs, read
from app.reader.passage import Span, edges, locate

__all__ = ["PageNotFound", "Reading", "Span", "edges", "locate", "paragraphs", "read"]
