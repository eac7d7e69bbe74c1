"""Charts of a study's outputs (``results.nc`` and the CSV tables in the study directory).

Every ``plot_*`` function takes the study's Dataset (and the directory for CSV tables) and
returns a matplotlib Figure, or raises :class:`FigureInputError` with the reason when its inputs are
missing; :func:`make_figures` collects the figures that can be drawn and logs the others.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure

from energy_model.errors import EnergyModelError

logger = logging.getLogger(__name__)

AZ_COLOUR = "#d7301f"
ORIGIN_COLOURS = {"RU": "#6a6a6a", "IR": "#8c6d31", "TM": "#e6ab02", "DZ": "#66a61e",
                  "LY": "#a6d854", "NO": "#1f78b4", "LNG": "#a6cee3", "DOM": "#c9b99a",
                  "domestic": "#c9b99a", "other": "#d9d9d9"}
SPARE_COLOURS = ["#9e9ac8", "#6baed6", "#74c476", "#bcbddc", "#9ecae1", "#c7e9c0", "#807dba",
                 "#4292c6", "#41ab5d", "#dadaeb"]  # no red: red is Azerbaijan's
# shares of demand disrupted (ENTSOG-style bands of the curtailment rate)
BANDS = [0.0, 1e-6, 0.01, 0.05, 0.20, 1.0]
BAND_LABELS = ["none", "< 1 %", "1-5 %", "5-20 %", "> 20 %"]
BAND_COLOURS = ["#f7f7f7", "#fee5d9", "#fcae91", "#fb6a4a", "#cb181d"]


class FigureInputError(EnergyModelError):
    """A figure cannot be drawn from the study's outputs; the message says why."""


@dataclass
class Chart:
    """A drawn figure with its file stem and a caption that says what it shows."""

    name: str
    figure: Figure
    caption: str
    png: bytes = b""


def _figure(w: float = 9, h: float = 5.5) -> Figure:
    return Figure(figsize=(w, h), dpi=110, layout="constrained")


def _reference(ds: xr.Dataset) -> str:
    opts = list(ds.option.values)
    return "reference" if "reference" in opts else opts[0]


def _undisturbed(ds: xr.Dataset) -> xr.Dataset:
    ref = ds.sel(option=_reference(ds))
    if "none" not in ds.stress.values:
        raise FigureInputError("the study has no undisturbed case (stress 'none')")
    ref = ref.sel(stress="none")
    if "climate" in ref.dims:
        ref = ref.isel(climate=0)
    return ref


def plot_origin_mix(ds: xr.Dataset, study_dir: Path | None = None) -> Figure:
    """Stacked bars: gas delivered to each country by origin [bcm/yr], reference case."""
    d = _undisturbed(ds).delivered.to_pandas().fillna(0.0)
    d = d.loc[d.sum(axis=1) > 1e-6]
    if d.empty:
        raise FigureInputError("no deliveries in the reference case")
    d = d.loc[d.sum(axis=1).sort_values().index]
    # origins under 1 % of all deliveries become "other" (AZ is always shown)
    small = [c for c in d.columns if c != "AZ" and d[c].sum() < 0.01 * d.to_numpy().sum()]
    if small:
        d = d.drop(columns=small).assign(other=d[small].sum(axis=1))
    cols = (["AZ"] if "AZ" in d else []) + sorted(c for c in d.columns if c not in ("AZ", "other"))
    d = d[cols + (["other"] if small else [])]
    fig = _figure(9, max(2.8, 0.9 + 0.32 * len(d)))
    ax = fig.add_subplot()
    left = np.zeros(len(d))
    spare = iter(SPARE_COLOURS * 3)
    for origin in d.columns:
        colour = AZ_COLOUR if origin == "AZ" else ORIGIN_COLOURS.get(origin) or next(spare)
        ax.barh(d.index, d[origin], left=left, color=colour, label=origin,
                edgecolor="black" if origin == "AZ" else "white",
                linewidth=0.8 if origin == "AZ" else 0.3)
        left += d[origin].to_numpy()
    if "AZ" in d:
        for y, (total, az) in enumerate(zip(d.sum(axis=1), d["AZ"], strict=True)):
            if az > 1e-3:
                ax.text(total, y, f"  AZ {az / total:.0%}", va="center", fontsize=8,
                        color=AZ_COLOUR)
    ax.set_xlabel("gas delivered to consumers [bcm/yr]")
    ax.set_title(f"Origin of the gas each country consumes, {ds.attrs.get('year', '')} "
                 "(reference, no stress; Azerbaijan in red)")
    ax.set_xlim(0, float(d.sum(axis=1).max()) * 1.15)
    ax.legend(title="origin", fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.grid(axis="x", alpha=0.3)
    return fig


def plot_disruption_heatmap(ds: xr.Dataset, study_dir: Path | None = None) -> Figure:
    """Heatmap option x stress (x climate): disrupted demand [bcm over the case window] in bands.

    The colour is the largest share of a country's *own* demand disrupted in the case
    (ENTSOG-style bands of the curtailment rate), so a small country that loses a third of its
    gas shows as such however small its volume is beside the others'.
    """
    scope = "all countries"
    if ds.attrs.get("recipients"):  # the study's question is about the recipients
        codes = [c for c in json.loads(ds.attrs["recipients"]) if c in ds.country.values]
        ds, scope = ds.sel(country=codes), f"the {len(codes)} recipients of Azerbaijani gas"
    uns = ds.unserved_gas.fillna(0.0).sum("country")
    own = ds.unserved_gas.fillna(0.0) / ds.gas_demand.where(ds.gas_demand > 0)
    share = own.max("country").fillna(0.0)
    climates = list(ds.climate.values) if "climate" in ds.dims else [None]
    fig = _figure(1.8 + 1.05 * ds.sizes["stress"],
                  1.3 + (0.42 * ds.sizes["option"] + 0.5) * len(climates))
    axes = fig.subplots(len(climates), 1, squeeze=False)[:, 0]
    cmap = ListedColormap(BAND_COLOURS)
    norm = BoundaryNorm(BANDS, cmap.N)
    for ax, clim in zip(axes, climates, strict=True):
        s = share if clim is None else share.sel(climate=clim)
        u = uns if clim is None else uns.sel(climate=clim)
        s, u = s.transpose("option", "stress"), u.transpose("option", "stress")
        status = ds.status if clim is None or "climate" not in ds.status.dims \
            else ds.status.sel(climate=clim)
        status = status.transpose("option", "stress").values
        ax.imshow(s.values, cmap=cmap, norm=norm, aspect="auto")
        for i in range(s.shape[0]):
            for j in range(s.shape[1]):
                v = float(u[i, j])
                text = "failed" if status[i, j] != "ok" else (
                    "0" if v <= 0 else "<0.001" if v < 5e-4 else f"{v:.2g}")
                ax.text(j, i, text, ha="center", va="center", fontsize=8,
                        color="white" if s.values[i, j] > 0.05 else "black")
        ax.set_xticks(range(s.shape[1]), s.stress.values, rotation=30, ha="right", fontsize=8)
        ax.set_yticks(range(s.shape[0]), s.option.values, fontsize=8)
        ax.set_title(f"climate: {clim}" if clim is not None else "", fontsize=9)
    handles = [matplotlib.patches.Patch(facecolor=c, edgecolor="#999999", label=lab)
               for c, lab in zip(BAND_COLOURS, BAND_LABELS, strict=True)]
    fig.legend(handles=handles, loc="outside right center", fontsize=8,
               title="largest share of a\ncountry's own\ndemand disrupted", title_fontsize=8)
    window = "bcm over each case's window: a year, 1 day or 14 days" if climates != [None] \
        else "bcm/yr"
    fig.suptitle(f"Disrupted gas demand per option and stress case [{window}; {scope}]",
                 fontsize=11)
    return fig


def plot_cost_security(ds: xr.Dataset, study_dir: Path | None = None) -> Figure:
    """Scatter per option: cost of the undisturbed year against disrupted demand."""
    if "none" not in ds.stress.values:
        raise FigureInputError("the study has no undisturbed case (stress 'none')")
    cost = ds.total_cost.sel(stress="none")
    if "climate" in cost.dims:
        cost = cost.isel(climate=0)
    capex = ds.option_capex if "option_capex" in ds else 0.0
    cost = ((cost + capex) / 1e9).to_pandas()
    uns = ds.unserved_gas.fillna(0.0).sum("country")
    stressed = uns.sel(stress=[s for s in ds.stress.values if s != "none"] or ["none"])
    dims = [d for d in stressed.dims if d != "option"]
    total, worst = stressed.sum(dims).to_pandas(), stressed.max(dims).to_pandas()
    fig = _figure(8, 5.5)
    ax = fig.add_subplot()
    sc = ax.scatter(cost, total, s=60 + 40 * worst / max(float(worst.max()), 1e-9), c=worst,
                    cmap="Reds", edgecolors="black", zorder=3, vmin=0)
    offsets = [(6, 6), (6, -14), (6, 20), (6, -28)]  # options often tie: stagger labels
    for i, o in enumerate(cost.sort_values().index):
        ax.annotate(o, (cost[o], total[o]), xytext=offsets[i % 4], textcoords="offset points",
                    fontsize=8, arrowprops={"arrowstyle": "-", "lw": 0.4, "color": "#777777"})
    ax.set_ylim(bottom=0, top=max(float(total.max()) * 1.3, 1e-3))
    fig.colorbar(sc, ax=ax, label="worst single case [bcm/yr]")
    ax.set_xlabel("cost of the undisturbed year incl. annualised capex [bn EUR/yr]")
    ax.set_ylabel("disrupted demand summed over stress cases [bcm]")
    ax.set_title("Cost against security of supply per option (lower left is better)")
    ax.grid(alpha=0.3)
    return fig


def plot_n1_flexibility(ds: xr.Dataset, study_dir: Path | None = None) -> Figure:
    """Bars per country: N-1 [%] and remaining flexibility, reference case without stress."""
    ref = _undisturbed(ds)
    n1 = ref.n_minus_1.to_pandas().dropna() if "n_minus_1" in ref else pd.Series(dtype=float)
    rf = ref.remaining_flexibility.to_pandas().dropna() if "remaining_flexibility" in ref \
        else pd.Series(dtype=float)
    if n1.empty and rf.empty:
        raise FigureInputError("neither N-1 nor remaining flexibility in the results")
    panels = [(s, t) for s, t in ((n1, "n1"), (rf, "rf")) if not s.empty]
    fig = _figure(9, 4.5 * len(panels))
    axes = fig.subplots(len(panels), 1, squeeze=False)[:, 0]
    for ax, (s, kind) in zip(axes, panels, strict=True):
        s = s.sort_values()
        if kind == "n1":
            colours = np.where(s >= 100, "#1a9850", "#d73027")
            ax.bar(s.index, s.clip(upper=400), color=colours)
            ax.axhline(100, color="black", lw=1, ls="--")
            ax.set_ylabel("N-1 [%] (capped at 400)")
            ax.set_title("N-1 infrastructure standard per country (green: meets 100 %)")
        else:
            ax.bar(s.index, s * 100, color="#4575b4")
            ax.set_ylabel("remaining flexibility [%]")
            ax.set_title("Remaining flexibility on the peak day per country")
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(axis="y", alpha=0.3)
    return fig


def plot_cable(ds: xr.Dataset, study_dir: Path | None = None) -> Figure:
    """Gas for power saved [bcm/yr] and CO2 change [Mt/yr] by each cable option per country.

    Each cable set is compared with its wind-only twin (the same wind without the cable: the
    set whose options are the cable's ``generation_twin``, by label ``caspian-wind`` or
    ``caspian-wind-6gw`` when the study runs it), so the bars show what the cable itself
    adds; without the twin in the study, with the reference (cable and wind together).
    """
    cables = [o for o in ds.option.values if "cable" in str(o)]
    if not int(ds.attrs.get("power", 0)) or not cables:
        raise FigureInputError("no electricity layer or no Black Sea cable option in the study")
    twins = {"black-sea-cable": "caspian-wind", "black-sea-cable-4gw": "caspian-wind-6gw"}
    labels = set(map(str, ds.option.values))
    base = {o: twins.get(str(o)) if twins.get(str(o)) in labels else _reference(ds)
            for o in cables}

    def none(var: str, option: str) -> pd.Series:
        v = ds[var].sel(option=option, stress="none")
        return (v.isel(climate=0) if "climate" in v.dims else v).to_pandas()

    saved = pd.DataFrame({f"{o} vs {base[o]}": none("gas_for_power", base[o])
                          - none("gas_for_power", o) for o in cables}
                         ).dropna(how="all").fillna(0.0)
    co2 = pd.DataFrame({f"{o} vs {base[o]}": none("co2", o) - none("co2", base[o])
                        for o in cables}).dropna(how="all").fillna(0.0)
    if saved.empty:
        raise FigureInputError("no gas-for-power results in the study")
    fig = _figure(9, 6.5)
    ax1, ax2 = fig.subplots(2, 1)
    saved.plot.bar(ax=ax1, rot=0)
    ax1.set_ylabel("gas for power saved [bcm/yr]")
    ax1.set_title("Gas saved in power plants by the Black Sea cable itself (vs its wind-only "
                  "twin where the study runs it; no stress)")
    co2.plot.bar(ax=ax2, rot=0, legend=False)
    ax2.set_ylabel("change in CO2 [Mt/yr]")
    for ax in (ax1, ax2):
        ax.axhline(0, color="black", lw=0.6)
        ax.grid(axis="y", alpha=0.3)
    return fig


def read_study_table(study_dir: Path | None, name: str, missing: str,
                     empty: str) -> pd.DataFrame:
    """Return a CSV table of the study directory; raise :class:`FigureInputError` if absent."""
    path = study_dir / name if study_dir else None
    if path is None or not path.exists():
        raise FigureInputError(missing)
    table = pd.read_csv(path)
    if table.empty:
        raise FigureInputError(empty)
    return table


def plot_cba(ds: xr.Dataset, study_dir: Path | None = None) -> Figure:
    """Bars per option: annual benefits by kind and ENPV, from ``cba.csv``."""
    cba = read_study_table(study_dir, "cba.csv", "no cba.csv in the study directory",
                           "cba.csv has no option")
    rate = ""
    if "discount_rate" in cba:  # sensitivities: the first (central) rate of each option
        rate = f", discount rate {cba.discount_rate.iloc[0]:.0%}"
        cba = cba[cba.discount_rate == cba.discount_rate.iloc[0]]
    cba = cba.drop_duplicates("option").set_index("option")
    colours = {"supply": "#1f78b4", "welfare": "#1f78b4", "security": "#d7301f",
               "co2": "#33a02c"}
    parts = [c for c in ("benefit_supply", "benefit_welfare", "benefit_security", "benefit_co2")
             if c in cba]
    fig = _figure(10, max(2.8, 1.6 + 0.45 * len(cba)))
    ax1, ax2 = fig.subplots(1, 2, sharey=True)
    y = np.arange(len(cba))
    pos, neg = np.zeros(len(cba)), np.zeros(len(cba))
    for c in parts:
        v = cba[c].fillna(0).to_numpy() / 1e6
        base = np.where(v >= 0, pos, neg)
        kind = c.removeprefix("benefit_")
        ax1.barh(y, v, left=base, color=colours[kind], label=kind)
        pos, neg = pos + np.clip(v, 0, None), neg + np.clip(v, None, 0)
    ax1.set_yticks(y, cba.index, fontsize=8)
    ax1.set_xlabel("annual benefit [M EUR/yr]")
    ax1.legend(fontsize=8, loc="lower right")
    ax1.set_title("Benefits by kind")
    ax1.axvline(0, color="black", lw=0.6)
    enpv = cba["enpv_eur"] / 1e9
    ax2.barh(y, enpv, color=np.where(enpv >= 0, "#1a9850", "#d73027"))
    for yi, (v, bcr) in enumerate(zip(enpv, cba.get("bcr", pd.Series(np.nan, cba.index)),
                                      strict=True)):
        ax2.text(max(v, 0.0), yi, f"  B/C {bcr:.2f}" if np.isfinite(bcr) else "",
                 va="center", fontsize=8)
    ax2.axvline(0, color="black", lw=0.6)
    ax2.set_xlim(min(0.0, float(enpv.min()) * 1.2), max(0.0, float(enpv.max()) * 1.25))
    ax2.set_xlabel("economic net present value [bn EUR]")
    ax2.set_title("ENPV and benefit/cost ratio")
    for ax in (ax1, ax2):
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(f"Cost-benefit analysis per option (cba.csv{rate})", fontsize=11)
    return fig


def plot_backcast(ds: xr.Dataset | None, study_dir: Path | None = None) -> Figure:
    """Bars per calibration item: published against modelled [bcm/yr] (``calibration.csv``)."""
    cal = read_study_table(study_dir, "calibration.csv",
                           "no calibration.csv (back-cast) in the study directory",
                           "calibration.csv is empty")
    fig = _figure(9, 1.2 + 0.4 * len(cal))
    ax = fig.add_subplot()
    y = np.arange(len(cal))
    err = cal.published_bcm * cal.get("tolerance", 0)
    ax.barh(y + 0.2, cal.published_bcm, 0.4, xerr=err, color="#999999", label="published",
            error_kw={"lw": 0.8, "capsize": 2})
    ok = cal.get("within_tolerance", pd.Series(True, cal.index)).astype(bool)
    ax.barh(y - 0.2, cal.model_bcm, 0.4, color=np.where(ok, "#1f78b4", "#d73027"),
            label="model (red: outside tolerance)")
    ax.set_yticks(y, cal["item"], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("annual volume [bcm/yr] (error bar: tolerance)")
    ax.set_title("Back-cast: published against modelled volumes")
    ax.legend(fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return fig


FIGURES: list[tuple[str, Callable, str]] = [
    ("origin_mix", plot_origin_mix,
     "Gas delivered to each country's consumers by origin in the reference case without "
     "stress [bcm/yr], by proportional tracing of the solved flows; Azerbaijani gas in red "
     "with its share of the country's supply."),
    ("disruption_heatmap", plot_disruption_heatmap,
     "Disrupted (unserved) gas demand summed over all countries for every option and stress "
     "case [bcm over each case's window]; colour bands give the largest share of one "
     "country's own demand disrupted."),
    ("cost_security", plot_cost_security,
     "Each option's cost of the undisturbed year (operating cost plus annualised capex and "
     "fixed O&M) against the disrupted demand summed over the stress cases; marker size and "
     "colour show the worst single case."),
    ("n1_flexibility", plot_n1_flexibility,
     "N-1 infrastructure standard (Regulation 2017/1938, Annex II) per country in the "
     "reference case, and the remaining flexibility on the peak day where computed."),
    ("black_sea_cable", plot_cable,
     "Gas burnt in power plants saved by each Black Sea cable option, and the change in CO2, "
     "per country against its wind-only twin (the same Caspian wind without the cable) "
     "where the study runs it, else against the reference; no stress."),
    ("cba", plot_cba,
     "Cost-benefit analysis per option from cba.csv: annual benefits by kind (supply cost, "
     "security of supply, CO2) and the economic net present value with the benefit/cost "
     "ratio."),
    ("backcast", plot_backcast,
     "Back-cast of 2024: published annual volumes (grey, with their tolerance) against the "
     "model (blue within tolerance, red outside)."),
]


def make_figures(ds: xr.Dataset | None, study_dir: str | Path | None = None) -> list[Chart]:
    """Draw every figure of :data:`FIGURES` that the study's outputs allow; log the others."""
    study_dir = Path(study_dir) if study_dir is not None else None
    charts = []
    for name, func, caption in FIGURES:
        try:
            if ds is None and func is not plot_backcast:
                raise FigureInputError("no results.nc")
            charts.append(Chart(name, func(ds, study_dir), caption))
        except FigureInputError as why:
            logger.info("figure %s skipped: %s", name, why)
        except Exception as err:  # a broken figure must not stop the report
            logger.warning("figure %s failed: %s: %s", name, type(err).__name__, err)
    return charts
