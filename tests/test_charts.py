"""sim.charts on small synthetic tables: the numbers drawn are the numbers computed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from sim import charts
from sim.compare import paired_differences, with_units

NAMES = ("no_programme", "long_term", "carousel")


def synthetic_runs(n: int = 8, effect: float = 0.05, seed: int = 0) -> pd.DataFrame:
    """runs.parquet-like: three scenarios, CRN-style shared noise, shares / rank / index."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n):
        base = rng.normal(0, 0.03)
        for i, name in enumerate(NAMES):
            eff = (0, effect, -effect)[i]
            row = {"scenario_name": name, "seed": s, "status": "finished", "run_dir": f"{name}/{s}"}
            for view in ("by_origin", "by_place", "movers", "stayers"):
                row[f"generation.{view}.start_qualification"] = 0.7 + base + eff + rng.normal(0, .01)
                row[f"generation.{view}.income_rank"] = 30 + 100 * base + 20 * eff + rng.normal(0, .5)
                row[f"generation.{view}.trust"] = 0.5 + base + eff / 2 + rng.normal(0, .01)
            rows.append(row)
    return pd.DataFrame(rows)


def synthetic_series(n: int = 12, years: int = 10, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for name in NAMES[:2]:
        for s in range(n):
            resets = 0
            for y in range(-2, years):
                resets += int(name == "long_term" and y == 3 and s % 2 == 0)
                rows.append({"scenario_name": name, "seed": s, "year": float(y),
                             "liveability": 0.5 + 0.01 * y * (name == "long_term")
                             + rng.normal(0, 0.05),
                             "programme_active": name == "long_term" and 0 <= y < 6,
                             "resets": resets, "cuts": 0})
    return pd.DataFrame(rows)


def test_fan_bands_contain_the_median_and_are_the_quantiles_over_seeds():
    s = synthetic_series()
    d = charts.fan_data(s, "liveability")
    assert len(d) == 2 * 12 and (d["n"] == 12).all()
    assert (d["q05"] <= d["q25"]).all() and (d["q25"] <= d["q50"]).all()
    assert (d["q50"] <= d["q75"]).all() and (d["q75"] <= d["q95"]).all()
    one = s[(s.scenario_name == "long_term") & (s.year == 4.0)]["liveability"].to_numpy()
    row = d[(d.scenario_name == "long_term") & (d.year == 4.0)].iloc[0]
    assert row["q50"] == pytest.approx(np.median(one))
    assert row["q05"] == pytest.approx(np.quantile(one, 0.05))
    fig = charts.fan_chart(s, "liveability", reference="no_programme")
    assert isinstance(fig, Figure)
    main = fig.axes[0]
    medians = {ln.get_label(): ln.get_ydata() for ln in main.get_lines()}
    lt = d[d.scenario_name == "long_term"].sort_values("year")["q50"].to_numpy()
    np.testing.assert_allclose(medians["long_term"], lt)  # the drawn line is the median
    strip = fig.axes[1]  # resets: half the seeds had one in year 3 -> one marker, at 2.5
    xs = np.concatenate([c.get_offsets()[:, 0] for c in strip.collections if len(c.get_offsets())])
    assert list(xs) == [2.5]


def test_fan_chart_names_a_missing_column():
    with pytest.raises(ValueError, match="'crime' is not in the series"):
        charts.fan_data(synthetic_series(2, 2), "crime")


def test_difference_intervals_are_those_of_sim_compare_in_pp():
    runs = synthetic_runs()
    d = charts.differences_data(runs, ["start_qualification", "income_rank", "trust"])
    ref = paired_differences(runs, ["generation.by_origin.start_qualification",
                                    "generation.by_place.income_rank"], reference="no_programme")
    for col, factor in (("generation.by_origin.start_qualification", 100),
                        ("generation.by_place.income_rank", 1)):
        for name in ("long_term", "carousel"):
            a = d[(d.outcome == col) & (d.scenario_name == name)].iloc[0]
            b = ref[(ref.outcome == col) & (ref.scenario_name == name)].iloc[0]
            assert a["shown_ci_low"] == pytest.approx(b["ci_low"] * factor)
            assert a["shown_ci_high"] == pytest.approx(b["ci_high"] * factor)
    sq = d[(d.key == "start_qualification") & (d.view == "by_origin")].set_index("scenario_name")
    assert sq.loc["long_term", "verdict"] == "better" and sq.loc["carousel", "verdict"] == "worse"
    # the chart draws exactly these intervals: panel (start qualification, by origin)
    fig = charts.differences_chart(runs, ["start_qualification", "income_rank"])
    ax = fig.axes[0]
    segs = sorted(tuple(ln.get_xdata()) for ln in ax.get_lines() if len(ln.get_xdata()) == 2
                  and ln.get_xdata()[0] != ln.get_xdata()[1])
    want = sorted((sq.loc[n, "shown_ci_low"], sq.loc[n, "shown_ci_high"])
                  for n in ("long_term", "carousel"))
    np.testing.assert_allclose(segs, want)
    assert "percentage points" in ax.get_xlabel()
    assert fig.axes[2].get_xlabel() == "rank points"


def test_with_units_names_the_unit_in_every_column():
    runs = synthetic_runs()
    d = paired_differences(runs, ["generation.by_origin.start_qualification",
                                  "generation.by_origin.income_rank",
                                  "generation.by_origin.trust"], reference="no_programme")
    u = with_units(d)
    assert {"difference_pp", "ci_low_pp", "reference_mean_pct", "difference_rank_points",
            "difference_index_0_1"} <= set(u.columns)
    assert "difference" not in u.columns and "ci_low" not in u.columns
    sq = u[u.outcome.str.endswith("start_qualification")]
    assert sq["difference_pp"].notna().all() and sq["difference_rank_points"].isna().all()
    np.testing.assert_allclose(sq["difference_pp"], 100 * d.loc[sq.index, "difference"])
    assert set(u["unit"]) == {"pp", "rank_points", "index_0_1"}


def test_movers_stayers_means_and_ranges():
    runs = synthetic_runs()
    d = charts.movers_stayers_data(runs, ["start_qualification"])
    lt = runs[runs.scenario_name == "long_term"]["generation.movers.start_qualification"]
    r = d[(d.scenario_name == "long_term") & (d.group == "movers")].iloc[0]
    assert r["mean"] == pytest.approx(lt.mean()) and r["q05"] <= r["mean"] <= r["q95"]
    assert isinstance(charts.movers_stayers_chart(runs, ["start_qualification", "trust"]), Figure)


def test_buurten_heatmap_uses_one_colour_scale():
    rows = [{"year": y, "buurt": b, "liveability": 0.1 * b + 0.01 * y}
            for y in range(0, 5) for b in range(4)]
    a = pd.DataFrame(rows)
    fig = charts.buurten_chart({"x": a, "y": a.assign(liveability=a.liveability + 1)})
    meshes = [ax.collections[0] for ax in fig.axes[:2]]  # the colour bar is the third axes
    assert meshes[0].norm.vmax == meshes[1].norm.vmax == pytest.approx(1.34)


def test_heatmap_cells_are_means_over_seeds_and_sensitivity_bars():
    rows = [{"status": "finished", "seed": s, "a": a, "b": b, "generation.by_origin.employed":
             0.1 * a + 0.01 * b + 0.001 * s} for s in range(3) for a in (1, 2) for b in (5, 6)]
    runs = pd.DataFrame(rows)
    g = charts.heatmap_data(runs, "a", "b", "generation.by_origin.employed")
    assert g.loc[6, 2] == pytest.approx(0.2 + 0.06 + 0.001)
    fig = charts.heatmap_chart(runs, "a", "b", "generation.by_origin.employed")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "26.1" in texts  # shown in %
    idx = pd.DataFrame({"output": "y", "knob": ["k1", "k2"], "S1": [0.6, 0.1],
                        "S1_conf": [0.05, 0.02], "ST": [0.7, 0.2], "ST_conf": [0.05, 0.03]})
    fig = charts.sensitivity_chart(idx)
    widths = sorted(p.get_width() for p in fig.axes[0].patches)
    assert widths == [0.1, 0.2, 0.6, 0.7]


def test_svg_has_real_escaped_text_and_unique_ids():
    runs = synthetic_runs(4).replace({"carousel": "<b>x</b> & $y$"})
    fig = charts.differences_chart(runs, ["trust"])
    one, two = charts.to_svg(fig, "u1"), charts.to_svg(fig, "u2")
    assert "&lt;b&gt;x&lt;/b&gt; &amp; $y$" in one and "<b>" not in one
    assert "<text" in one and one.startswith("<svg")
    ids = lambda s: set(__import__("re").findall(r'id="([^"]+)"', s))  # noqa: E731
    assert not (ids(one) & ids(two))


def test_prim_box_chart_keeps_a_long_title_inside_the_figure():
    """The discovery gallery figure's title (threshold, coverage, density) ran off the right edge."""
    from sim.charts import prim_box_chart

    limits = pd.DataFrame({"lever": ["funding.annual_budget_per_resident", "programme.horizon_years"],
                           "low": [50.0, 4.0], "high": [300.0, 30.0],
                           "box_low": [74.9, 4.0], "box_high": [300.0, 30.0]})
    title = "Levers that keep the gain above 0.79 rank points (coverage 100%, density 83%)"
    fig = prim_box_chart(limits, title=title)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    box = fig._suptitle.get_window_extent(canvas.get_renderer())
    assert fig._suptitle.get_text().replace("\n", " ") == title
    assert 0 <= box.x0 and box.x1 <= fig.bbox.width and box.y1 <= fig.bbox.height
    # the restricted lever is labelled with its box, the unrestricted one is not
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "74.9 – 300" in texts and not any(t.startswith("4 –") for t in texts)
