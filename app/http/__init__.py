"""The HTTP surface: the app factory (app.py), its routes, middleware, schemas, and the pages in static/."""

from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"  # the chat page, the widget, the staff search page
