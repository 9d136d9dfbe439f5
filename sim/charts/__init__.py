"""Charts of wijksim results: matplotlib figures from the tables wijksim writes.

Every function takes tables as written by the project and returns a ``matplotlib.figure.Figure``
(never shown, never registered with pyplot: save it, display it in a notebook, or embed it):

* :func:`fan_chart` (``series.parquet``): a series over the years per scenario, median with 50 % and
  90 % bands over seeds, programme period shaded, political resets and budget cuts on a strip;
* :func:`differences_chart` (``runs.parquet``): paired differences from a reference scenario with
  95 % intervals, one panel per outcome in its own unit, by origin and by place side by side;
* :func:`movers_stayers_chart` (``runs.parquet``): children who moved out vs those who stayed;
* :func:`buurten_chart` (a run's ``buurten.parquet``, or one per scenario): the buurten over time;
* :func:`heatmap_chart` (``runs.parquet`` of a two-knob grid) and :func:`sensitivity_chart` (the
  table of :func:`sim.sensitivity.analyze`).

The ``*_data`` functions return the numbers a chart draws (for tests, captions and tables).
``lang="nl"`` labels a chart in Dutch. :func:`to_svg` turns a figure into inline SVG with real text.
"""

from sim.charts._style import scenario_colours, to_svg
from sim.charts.differences import differences_chart, differences_data, outcomes_in, verdict
from sim.charts.fan import fan_chart, fan_data
from sim.charts.generation import buurten_chart, movers_stayers_chart, movers_stayers_data
from sim.charts.sweep import heatmap_chart, heatmap_ci_chart, heatmap_data, prim_box_chart, sensitivity_chart

__all__ = ["buurten_chart", "differences_chart", "differences_data", "fan_chart", "fan_data",
           "heatmap_chart", "heatmap_ci_chart", "heatmap_data", "movers_stayers_chart",
           "movers_stayers_data", "prim_box_chart",
           "outcomes_in", "scenario_colours", "sensitivity_chart", "to_svg", "verdict"]
