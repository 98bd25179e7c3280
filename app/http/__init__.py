"""The HTTP surface: the app factory (app.py), its routes, middleware, schemas, the pages in static/ and templates/."""

from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"  # the chat page, the widget, the staff search page
TEMPLATES = Path(__file__).resolve().parent / "templates"  # the pages rendered on the server: the reader
