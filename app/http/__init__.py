"""The HTTP surface: the app factory (app.py), its routes, middleware, schemas, the pages in static/ and templates/."""

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from index.french import french_date

STATIC = Path(__file__).resolve().parent / "static"  # the chat page, the widget, the staff search page
TEMPLATES = Path(__file__).resolve().parent / "templates"  # the pages rendered on the server: reader, errors
# One environment for them all (templates are compiled once, whichever page asks first).
PAGES = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
PAGES.filters["french_date"] = french_date
