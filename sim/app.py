"""The interactive view: one small wijk, quarter by quarter, in Mesa's SolaraViz.

Start it with ``python -m sim.app`` (a Solara server on http://127.0.0.1:8765) or show ``Page()`` as the
last line of a notebook cell. The view shows the dwelling grid of the wijk's buurten coloured by
liveability, crime, trust or income; the professionals on their posts (open circles = vacant posts);
the wijk's time series and those of the tracked generation; and sliders for funding stability, staff
turnover, political interruptions, insulation and the programme horizon (they act on Reset).

Each visitor gets a model of their own (``solara.use_memo`` inside the ``Page`` component): a model
built at module level would be shared by every browser session. The front end is served from the
``solara-assets`` package (Vue 2, with ``ipyvue<2``/``ipyvuetify<2``), so the page needs no internet;
Solara's telemetry is switched off before solara is imported.
"""

from __future__ import annotations

import os

# No telemetry: solara reads this when it is first imported ...
os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "false"

import argparse  # noqa: E402
import logging  # noqa: E402

import numpy as np  # noqa: E402
import solara  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from mesa.visualization import SolaraViz  # noqa: E402
from mesa.visualization.utils import update_counter  # noqa: E402

from sim.agents.professionals import ROLE_NAMES  # noqa: E402
from sim.app_model import COLOURINGS, SLIDERS, WijkView  # noqa: E402

try:  # ... and in a notebook that imported solara before this module, switch it off here.
    import solara.server.settings as _solara_settings

    _solara_settings.telemetry.mixpanel_enable = False
except ImportError:  # pragma: no cover - solara without its server part
    pass

logging.getLogger("mesa").setLevel(logging.WARNING)
logging.getLogger("mesa.visualization").setLevel(logging.WARNING)

TITLE = "wijksim: one wijk, quarter by quarter"
ROLE_MARKERS = {"wijkagent": "s", "teacher": "o", "youth_worker": "^", "caretaker": "D",
                "social_worker": "P"}
ROLE_COLOURS = {"wijkagent": "#1f3b73", "teacher": "#6a3d9a", "youth_worker": "#b15928",
                "caretaker": "#33a02c", "social_worker": "#e31a1c"}


def model_params() -> dict:
    """SolaraViz's parameter panel: the five sliders and the seed (they act on Reset)."""
    params: dict = {"seed": {"type": "SliderInt", "value": 0, "min": 0, "max": 99, "step": 1,
                             "label": "Seed"}}
    for name, (_, default, lo, hi, step, label) in SLIDERS.items():
        kind = "SliderInt" if name == "horizon_years" else "SliderFloat"
        params[name] = {"type": kind, "value": default, "min": lo, "max": hi, "step": step,
                        "label": label}
    return params


# -- figures (plain matplotlib Figures, no pyplot: the server draws from several threads) ----------
def grid_figure(model: WijkView, colouring: str) -> Figure:
    """The dwelling grid coloured by ``colouring`` per buurt, with the posts drawn on top.

    Sized for one cell of SolaraViz's grid (about 470 x 390 pixels at the default width).
    """
    attr, cmap, (lo, hi), meaning = COLOURINGS[colouring]
    fig = Figure(figsize=(4.6, 3.3), layout="constrained")
    ax = fig.add_subplot()
    im = ax.imshow(model.dwelling_image(colouring), cmap=cmap, vmin=lo, vmax=hi, origin="upper",
                   interpolation="nearest")
    cb = fig.colorbar(im, ax=ax, location="bottom", shrink=0.8, aspect=30, pad=0.02)
    cb.set_label(f"{colouring}: {meaning}", fontsize=7)
    cb.ax.tick_params(labelsize=6)
    centres = model.buurt_centres()
    posts = model.post_table()
    # Six posts to a row, spread over ~80 % of a buurt block's width (two bands of blocks).
    dx = min(2.4, 0.8 * model.grid_width / -(-model.n_buurten // 2) / 6)
    for b, (cx, cy) in enumerate(centres):
        ax.text(cx, cy - 5.5, f"buurt {b}", ha="center", va="center", fontsize=6,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "alpha": 0.7, "lw": 0})
        here = np.flatnonzero(posts["buurt"] == b)
        # The posts of a buurt in rows of 6 around its centre: filled = the role's colour,
        # vacant = white with a red edge.
        for k, i in enumerate(here):
            x = cx + dx * ((k % 6) - 2.5)
            y = cy - 2.0 + 2.6 * (k // 6)
            role = posts["role"][i]
            filled = bool(posts["filled"][i])
            ax.plot(x, y, marker=ROLE_MARKERS[role], ms=5, mew=1.2,
                    mfc=ROLE_COLOURS[role] if filled else "white",
                    mec="black" if filled else "red", ls="none")
    ax.set_xticks([])
    ax.set_yticks([])
    vacant, open_posts = model.vacancies()
    ax.set_title(f"Year {model.year:.2f}: {vacant} of {open_posts} posts vacant", fontsize=8)
    handles = [Line2D([], [], marker=ROLE_MARKERS[r], ls="none", mfc=ROLE_COLOURS[r], mec="black",
                      label=r.replace("_", " ")) for r in ROLE_NAMES]
    handles.append(Line2D([], [], marker="o", ls="none", mfc="white", mec="red", mew=1.2,
                          label="vacant post"))
    ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=6,
              frameon=False, title="posts", title_fontsize=7)
    return fig


def _series(rows: list[dict], key: str) -> tuple[np.ndarray, np.ndarray]:
    x = np.array([r["year"] for r in rows], dtype=float)
    y = np.array([r.get(key, np.nan) for r in rows], dtype=float)
    return x, y


def wijk_figure(model: WijkView) -> Figure:
    """The wijk over time: liveability, crime, trust, and the professionals (staff and vacancies)."""
    rows = model.recorder.rows
    fig = Figure(figsize=(4.6, 3.8), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True)
    panels = [("liveability", "Liveability (0-1)"), ("crime_rate", "Crime (suspects/1000/yr)"),
              ("trust", "Trust (0-1)")]
    for ax, (key, title) in zip(axes.flat, panels, strict=False):
        ax.plot(*_series(rows, key), color="tab:green" if key != "crime_rate" else "tab:red")
        ax.set_title(title, fontsize=8)
    ax = axes.flat[3]
    ax.plot(*_series(rows, "staff"), label="filled posts", color="tab:blue")
    ax.plot(*_series(rows, "vacancies"), label="vacant posts", color="tab:red")
    ax.set_title("Professionals", fontsize=9)
    ax.legend(fontsize=7)
    horizon = model.cfg.programme.horizon_years
    for ax in axes.flat:
        ax.axvspan(0, horizon, color="0.93", zorder=0)
        ax.tick_params(labelsize=7)
    for ax in axes[1]:
        ax.set_xlabel("years since the programme start", fontsize=8)
    return fig


def generation_figure(model: WijkView) -> Figure:
    """The tracked generation (aged 0-12 at the start), while it is followed (until 25)."""
    rows = model.generation_rows
    dots = {"marker": "o", "ms": 3} if len(rows) < 8 else {}  # a lone point would not show
    fig = Figure(figsize=(4.6, 3.8), layout="constrained")
    left, right = fig.subplots(2, 1, sharex=True)
    for key, label in [("share_moved_out", "moved out of the wijk"),
                       ("share_ever_suspect", "ever a registered suspect"),
                       ("share_in_network", "in a criminal network now")]:
        left.plot(*_series(rows, key), label=label, **dots)
    left.set_title("The generation: shares of those followed", fontsize=9)
    left.legend(fontsize=7)
    right.plot(*_series(rows, "mean_trust"), color="tab:blue", **dots)
    right.set_title("The generation's mean trust (0-1)", fontsize=9)
    right.set_xlabel("years since the programme start", fontsize=8)
    for ax in (left, right):
        ax.tick_params(labelsize=7)
    return fig


# -- components ----------------------------------------------------------------------------------
@solara.component
def WijkGrid(model: WijkView):
    """The buurt grid with a choice of colouring (kept per visitor while the model steps)."""
    update_counter.get()  # re-render after every step (Mesa's signal)
    colouring, set_colouring = solara.use_state("liveability")
    with solara.Column(classes=["wijk-grid"]):
        solara.ToggleButtonsSingle(value=colouring, values=list(COLOURINGS), on_value=set_colouring)
        solara.FigureMatplotlib(grid_figure(model, colouring), format="png")
        solara.Text(f"Buurten coloured by {colouring}: {COLOURINGS[colouring][3]}")


@solara.component
def WijkSeries(model: WijkView):
    """Time series of the wijk."""
    update_counter.get()
    with solara.Column(classes=["wijk-series"]):
        solara.FigureMatplotlib(wijk_figure(model), format="png")


@solara.component
def GenerationSeries(model: WijkView):
    """Time series of the tracked generation."""
    update_counter.get()
    with solara.Column(classes=["generation-series"]):
        solara.FigureMatplotlib(generation_figure(model), format="png")


@solara.component
def Status(model: WijkView):
    """The model's clock and the settings it was built with, as plain text (tests read it)."""
    update_counter.get()
    vacant, open_posts = model.vacancies()
    g = model.generation_rows[-1]
    c = model.cfg
    with solara.Column(classes=["wijk-status"]):
        solara.Markdown(
            f"**Programme year: {model.year:.2f}** (step {model.steps}; the burn-in of "
            f"{c.years.burn_in:g} years ran before year 0; Mesa's *Time* in the sidebar counts "
            f"quarters from the start of the burn-in)\n\n"
            f"- Staff turnover in this model: {c.staffing.turnover_rate:.2f} per year\n"
            f"- Funding stability: {model.funding_stability:.2f} (volatility "
            f"{c.funding.volatility:.3f}, cuts {c.funding.cut_rate:.3f} per year)\n"
            f"- Political interruptions: reset chance {c.politics.reset_probability:.2f}, "
            f"insulation {c.governance.insulation:.2f}; resets so far: "
            f"{model.programme.counts['resets'] if model.programme is not None else 0}\n"
            f"- Horizon: {c.programme.horizon_years:g} years; seed {c.seed}\n"
            f"- Vacant posts: {vacant} of {open_posts}\n"
            f"- Generation followed: {g['followed']} (reached 25 or died: {g['reached_25_or_died']})\n"
            f"- Residents: {model.recorder.rows[-1]['population']}"
        )


# Two by two in SolaraViz's draggable grid: the map and the wijk on top, the generation and the status below.
COMPONENTS = [(WijkGrid, 0), (WijkSeries, 0), (GenerationSeries, 0), (Status, 0)]


@solara.component
def Page():
    """The app: one model per visitor (built once per session, rebuilt by Reset)."""
    model = solara.use_memo(WijkView, dependencies=[])
    SolaraViz(model, components=COMPONENTS, model_params=model_params(), name=TITLE,
              play_interval=150)


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.app [--host H] [--port P] [--open]``: serve the view with ``solara run``."""
    ap = argparse.ArgumentParser(prog="python -m sim.app", description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    ap.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 = any free port)")
    ap.add_argument("--open", action="store_true", help="open a browser tab")
    args = ap.parse_args(argv)
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "false"
    from solara.__main__ import cli  # solara's own command line, in this process

    print(f"wijksim view on http://{args.host}:{args.port}  (Ctrl-C stops it)", flush=True)
    try:
        cli(["run", "sim.app", "--host", args.host, "--port", str(args.port), "--production",
             "--open" if args.open else "--no-open"])
    except SystemExit as exc:
        return int(exc.code or 0)
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
