"""Shared look of the charts: colours per scenario, a few words in English and Dutch, SVG export."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib

matplotlib.use("Agg")  # charts are files and report pages; never a window
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

REFERENCE_COLOUR = "#555555"
# Colour-blind-safe qualitative palette (Okabe & Ito 2008), reference excluded.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442",
           "#000000", "#882255", "#44AA99", "#999933", "#AA4499")
BETTER, WORSE, UNCLEAR = "#1b7837", "#b2182b", "#777777"

WORDS = {
    "year": {"en": "years since the programme start", "nl": "jaren sinds de start van het programma"},
    "programme": {"en": "programme period", "nl": "programmaperiode"},
    "running": {"en": "programme running", "nl": "programma loopt"},
    "reset": {"en": "political reset", "nl": "politieke herstart"},
    "cut": {"en": "budget cut", "nl": "bezuiniging"},
    "median": {"en": "median", "nl": "mediaan"},
    "band50": {"en": "50 % of seeds", "nl": "50 % van de seeds"},
    "band90": {"en": "90 % of seeds", "nl": "90 % van de seeds"},
    "diff_from": {"en": "difference from {ref}", "nl": "verschil met {ref}"},
    "interval": {"en": "{p} % interval", "nl": "{p} %-interval"},
    "better": {"en": "better", "nl": "beter"},
    "worse": {"en": "worse", "nl": "slechter"},
    "unclear": {"en": "no clear difference", "nl": "geen duidelijk verschil"},
    "buurt": {"en": "buurt", "nl": "buurt"},
    "mean_over_seeds": {"en": "mean over seeds", "nl": "gemiddelde over seeds"},
    "range90": {"en": "90 % of seeds", "nl": "90 % van de seeds"},
}


def word(key: str, lang: str = "en", **kw: Any) -> str:
    """A chart word in ``lang`` ("en" or "nl"), formatted with ``kw``."""
    return WORDS[key][lang].format(**kw)


def scenario_colours(names: Sequence[Any], reference: Any = None) -> dict[Any, str]:
    """A stable colour per scenario: grey for the reference, the palette in order for the rest."""
    out: dict[Any, str] = {}
    i = 0
    for n in names:
        if n == reference:
            out[n] = REFERENCE_COLOUR
        else:
            out[n] = PALETTE[i % len(PALETTE)]
            i += 1
    return out


@contextmanager
def chart_style():
    """Matplotlib settings for every chart: no mathtext (a ``$`` in a name stays a ``$``), real
    text in SVG (``svg.fonttype: none``), plain sans-serif, light grid."""
    with plt.rc_context({
        "text.parse_math": False, "svg.fonttype": "none", "font.family": "sans-serif",
        "font.size": 9, "axes.titlesize": 10, "axes.spines.top": False,
        "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.25,
        "legend.frameon": False, "figure.dpi": 100,
    }):
        yield


def new_figure(width: float, height: float, **subplots: Any) -> tuple[Figure, Any]:
    """A figure not registered with pyplot (no global state, garbage-collected with its owner)."""
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(**subplots) if subplots else fig.add_subplot()
    return fig, axes


def to_svg(fig: Figure, uid: str) -> str:
    """The figure as an inline ``<svg>`` element: real text, ids unique per ``uid``, no XML header.

    Matplotlib escapes text it writes into SVG (``<`` becomes ``&lt;``); every id (and reference to
    one) is prefixed with ``uid`` so several charts can share one HTML page.
    """
    buf = io.StringIO()
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": uid}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    start = text.index("<svg")
    svg = text[start:]
    # ids unique on a page of several charts: prefix every id and every reference to one
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{uid}-\1"', svg)
    svg = re.sub(r'url\(#([^)]+)\)', rf'url(#{uid}-\1)', svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{uid}-\1"', svg)
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    # scale with the page: keep the viewBox, let CSS decide the width
    svg = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1', svg, count=1)
    return svg.replace("<svg", f'<svg role="img" data-chart="{uid}"', 1)
