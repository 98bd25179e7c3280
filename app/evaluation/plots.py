"""The report's plots: matplotlib figures rendered to inline SVG (no file, no network, no display)."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Any

# matplotlib writes a font cache on first use; keep it out of a home that may be read-only.
os.environ.setdefault("MPLCONFIGDIR", str(Path(tempfile.gettempdir()) / "registre-matplotlib"))

import matplotlib
from matplotlib.figure import Figure
from matplotlib.typing import RcKeyType

BLUE, ORANGE, GREEN, GREY = "#3465a4", "#f57900", "#4e9a06", "#888a85"
COLOURS = {"pipeline": BLUE, "hybrid": BLUE, "bm25": ORANGE, "dense": GREEN}
STYLE: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",  # text stays text: smaller, selectable, in the page's font
    "svg.hashsalt": "registre",  # stable element ids: two runs give the same page
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _svg(fig: Figure) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context(STYLE):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # drop the XML prolog and doctype: the SVG sits inside HTML


def _figure(width: float, height: float) -> Figure:
    with matplotlib.rc_context(STYLE):
        return Figure(figsize=(width, height), layout="constrained")


def recall_curves(curves: dict[str, list[float | None]], labels: dict[str, str]) -> str:
    """Recall@k for k = 1..10, one line per retriever."""
    fig = _figure(6.5, 3.2)
    with matplotlib.rc_context(STYLE):
        ax = fig.add_subplot()
        for name, values in curves.items():
            points = [(k, v) for k, v in enumerate(values, start=1) if v is not None]
            if points:
                ax.plot(
                    *zip(*points), marker="o", color=COLOURS.get(name, GREY), label=labels.get(name, name)
                )
        ax.set_xticks(range(1, 11))
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("k (fichiers retenus)")
        ax.set_ylabel("rappel@k")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", frameon=False)
    return _svg(fig)


def kind_bars(figures: dict[str, dict], key: str, label: str) -> str:
    """One horizontal bar per question kind, with its count."""
    kinds = [k for k in figures if figures[k].get(key) is not None]
    fig = _figure(6.5, 0.35 * len(kinds) + 0.9)
    with matplotlib.rc_context(STYLE):
        ax = fig.add_subplot()
        values = [figures[k][key] for k in kinds]
        ax.barh(range(len(kinds)), values, color=BLUE)
        ax.set_yticks(range(len(kinds)), [f"{k} ({figures[k]['n']})" for k in kinds])
        ax.invert_yaxis()
        ax.set_xlim(0, 1.12)
        ax.set_xlabel(label)
        for y, v in enumerate(values):
            ax.text(v + 0.01, y, f"{v:.2f}", va="center")
    return _svg(fig)


def latency_histograms(series: dict[str, list[float]]) -> str:
    """One histogram per measured delay (seconds), each on its own scale."""
    series = {name: values for name, values in series.items() if values}
    fig = _figure(3.0 * max(len(series), 1) + 0.5, 2.6)
    with matplotlib.rc_context(STYLE):
        axes = fig.subplots(1, max(len(series), 1), squeeze=False)[0]
        for ax, (name, values) in zip(axes, series.items()):
            ax.hist(values, bins=min(20, max(5, len(values) // 2)), color=BLUE)
            ax.set_title(name)
            ax.set_xlabel("secondes")
        axes[0].set_ylabel("questions")
    return _svg(fig)
