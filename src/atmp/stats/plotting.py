"""Render matplotlib figures as self-contained, reproducible SVG text (no fonts or scripts fetched)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# The same input gives the same bytes: no date in the metadata, a fixed salt for element ids.
# Text stays text (fonttype "none"), so the SVG is small and searchable and needs no embedded font.
STYLE: dict[Any, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "atmp",
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
}
# Colours that stay distinguishable for the common colour-vision deficiencies (Okabe & Ito 2008).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
LIMIT = "#D55E00"
BOUND = "#555555"


def _pyplot() -> Any:
    # Imported on first use: a command that draws nothing does not pay matplotlib's quarter second.
    import matplotlib

    matplotlib.use("Agg")  # no display: figures are only ever written to SVG
    from matplotlib import pyplot

    return pyplot


@contextmanager
def figure(width: float = 7.0, height: float = 4.2) -> Iterator[Figure]:
    """Yield a new figure in atmp's style; it is closed afterwards, whatever happens."""
    plt = _pyplot()
    with plt.rc_context(STYLE):
        fig = plt.figure(figsize=(width, height))
        try:
            yield fig
        finally:
            plt.close(fig)


def svg(fig: Figure) -> str:
    """Return the figure as SVG text."""
    buffer = io.StringIO()
    with _pyplot().rc_context(STYLE):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": "atmp"})
    return buffer.getvalue()


def colour(i: int) -> str:
    """Return the i-th colour of the palette, cycling."""
    return PALETTE[i % len(PALETTE)]
