"""``python -m sim.report DIR [--pdf] [--lang nl] [--reference NAME] [--by COLUMN]``.

Turns a demo or sweep directory (``runs.parquet``, ``series.parquet`` or the runs' own files) into
``DIR/report/index.html`` (``index.nl.html`` for Dutch): one self-contained page (inline SVG with
real text, inline CSS, no script, no request, no external font) that opens with a key message
computed from the data, then the charts with plain-language captions whose numbers are computed,
what the model is and is not, and provenance. ``--pdf`` prints it to ``report.pdf`` (A4) with the
same headless Chromium the tests use. Sweeps get a page too: scenarios are the values of the
swept knob(s); a two-knob grid adds a heatmap, a design (Sobol, Morris, LHS) sensitivity bars.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.report import about, sections
from sim.report import text as tx
from sim.report.data import ReportData, ReportError, load
from sim.report.page import page
from sim.rundir import _atomic_write_bytes

__all__ = ["ReportError", "build_report", "load", "render"]


def render(data: ReportData, lang: str = "en") -> str:
    """The HTML text of the report of ``data`` in ``lang`` ("en" or "nl")."""
    if lang not in ("en", "nl"):
        raise ReportError(f"lang = {lang!r}: allowed: en, nl")
    from sim.charts import differences_data, outcomes_in

    runs = data.runs
    outs = outcomes_in(runs)
    parts: list[Any] = [sections.compared(data, lang)]
    key = ""
    if outs and len(data.scenarios) > 1:
        diffs = differences_data(runs, outs, by=data.by, reference=data.reference)
        age = sections.outcome_age(data)
        key = tx.key_message(diffs, data.by, data.reference, sections.n_seeds(data), lang, age)
        parts += [sections.headline(data, diffs, lang), sections.differences(data, diffs, lang)]
    parts += [sections.over_time(data, lang), sections.movers(data, lang),
              sections.buurten(data, lang), sections.sweep(data, lang),
              about.model_is(data, lang), sections.conditions(lang), about.provenance(data, lang)]
    if not key:
        n = len(data.finished)
        key = (f"{n} finished runs of {len(data.scenarios)} settings of {data.by}."
               if lang == "en" else
               f"{n} afgeronde runs van {len(data.scenarios)} instellingen van {data.by}.")
    title = "wijksim: " + tx.t("title", lang)
    return page(title, str(data.directory), key, [p for p in parts if p is not None], lang)


def build_report(directory: str | Path, *, lang: str = "en", reference: Any = None,
                 by: str | None = None, pdf: bool = False) -> Path:
    """Write ``DIR/report/index.html`` (``index.nl.html`` for Dutch; ``report.pdf`` /
    ``report.nl.pdf`` with ``pdf``) and return the HTML path. Written atomically."""
    data = load(directory, by=by, reference=reference)
    html = render(data, lang)
    out = Path(directory) / "report"
    target = out / ("index.html" if lang == "en" else f"index.{lang}.html")
    _atomic_write_bytes(target, html.encode("utf-8"))
    if pdf:
        from sim.report.pdf import print_pdf

        print_pdf(target, target.with_name("report.pdf" if lang == "en" else f"report.{lang}.pdf"))
    return target
