"""Maps of a solved network: borders, buses, flows, LNG, storage and unserved gas.

Drawn with matplotlib on the Natural Earth borders shipped in ``report/data/borders.geojson``
(public domain; read with plain ``json``, no map tiles, nothing fetched). Bus positions are the
network's own ``n.buses.x`` (longitude) and ``n.buses.y`` (latitude); a bus without coordinates
(storage and meter buses) takes the position of its country's bus.

Parallel links between the same two buses (for example TurkStream string 1 and Blue Stream,
or a pipeline and its ``reverse`` Link) are drawn as one arrow per direction that carries gas,
because a map shows corridors, not assets; ``flows.csv`` keeps the assets.
"""

from __future__ import annotations

import json
import logging
from functools import cache
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pypsa
from matplotlib.cm import ScalarMappable
from matplotlib.collections import PatchCollection
from matplotlib.colors import Normalize, to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Polygon

from energy_model.analysis.tables import (
    available_link_energy,
    carried_link_energy,
    utilisation,
)
from energy_model.errors import EnergyModelError
from energy_model.units import mwh_to_bcm

logger = logging.getLogger(__name__)

BORDERS = Path(__file__).parent / "data" / "borders.geojson"
PIPELINE = "gas pipeline"
POWER = ("AC", "DC")
UTILISATION_CMAP = "viridis_r"
UNSERVED_CMAP = "Reds"


class MapError(EnergyModelError, ValueError):
    """The network cannot be drawn (for example: its buses have no coordinates)."""


@cache
def load_borders() -> tuple[tuple[str, tuple[np.ndarray, ...]], ...]:
    """Return ``(iso_a2, rings)`` per country of the shipped Natural Earth borders [lon, lat]."""
    data = json.loads(BORDERS.read_text())
    out = []
    for f in data["features"]:
        geom = f["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        out.append((f["properties"].get("iso_a2", ""),
                    tuple(np.asarray(p[0]) for p in polys)))
    return tuple(out)


def locate_buses(n: pypsa.Network) -> pd.DataFrame:
    """Return ``x, y`` of every bus [lon, lat]; buses at (0, 0) take their country bus's place.

    Raises
    ------
    MapError
        If no bus of the network has coordinates.
    """
    xy = n.buses[["x", "y"]].astype(float).copy()
    missing = ((xy.x == 0) & (xy.y == 0)) | xy.x.isna() | xy.y.isna()
    if missing.all():
        raise MapError("the network's buses have no coordinates (n.buses.x/y are all 0 or "
                       "missing)")
    xy[missing] = np.nan
    country = n.buses.get("country", pd.Series("", index=n.buses.index)).fillna("")
    home = xy[~missing & (n.buses.index == country)]
    fill = home.reindex(country[missing].to_numpy()).set_axis(xy.index[missing])
    xy.loc[missing] = fill.to_numpy()
    return xy


def peak_day(n: pypsa.Network) -> pd.Timestamp:
    """Return the snapshot of the highest total gas demand of the network."""
    loads = n.loads.index[n.loads.carrier == "gas demand"]
    return n.loads_t.p_set[loads].sum(axis=1).idxmax()


def corridor_flows(n: pypsa.Network, snapshots=None, carriers=(PIPELINE,)) -> pd.DataFrame:
    """Return flow and utilisation per directed bus pair of the given Link carriers.

    Returns
    -------
    pandas.DataFrame
        ``bus0, bus1, energy_mwh, capacity_mwh, utilisation`` with ``energy_mwh`` the energy
        entering the pair's Links over ``snapshots`` (weighted) [MWh] and ``capacity_mwh`` what
        they could have carried [MWh]; one row per direction with capacity.
    """
    snapshots = n.snapshots if snapshots is None else snapshots
    links = n.links[n.links.carrier.isin(carriers)]
    if links.empty:
        return pd.DataFrame(columns=["bus0", "bus1", "energy_mwh", "capacity_mwh",
                                     "utilisation"])
    df = pd.DataFrame({"bus0": links.bus0, "bus1": links.bus1,
                       "energy_mwh": carried_link_energy(n, links.index, snapshots),
                       "capacity_mwh": available_link_energy(n, links.index, snapshots)})
    df = df.groupby(["bus0", "bus1"], as_index=False).sum()
    df = df[df.bus0 != df.bus1]
    df["utilisation"] = utilisation(df.energy_mwh, df.capacity_mwh).fillna(0)
    return df.reset_index(drop=True)


def _per_country(n: pypsa.Network, comp: str, carrier: str, snapshots) -> pd.Series:
    c = getattr(n, comp)
    idx = c.index[c.carrier == carrier]
    dyn = getattr(n, f"{comp}_t")
    p = dyn.p_set if comp == "loads" else dyn.p
    w = n.snapshot_weightings.objective.loc[snapshots]
    energy = p.reindex(columns=idx, fill_value=0.0).loc[snapshots].mul(w, axis=0).sum()
    return energy.groupby(n.buses.country.reindex(c.loc[idx, "bus"]).to_numpy()).sum()


def _draw_borders(ax, fills: dict[str, str]) -> None:
    patches, colours = [], []
    for code, rings in load_borders():
        for ring in rings:
            patches.append(Polygon(ring, closed=True))
            colours.append(fills.get(code, "#eeeeee"))
    ax.add_collection(PatchCollection(patches, facecolors=colours, edgecolors="#8c8c8c",
                                      linewidths=0.4, zorder=0))


def plot_flow_map(n: pypsa.Network, snapshots=None, title: str | None = None) -> Figure:
    """Draw a solved network's gas flows on a map and return the figure.

    Arrows are corridors (Links between two buses, one per direction carrying gas): width
    ∝ the energy moved over ``snapshots`` (annual [bcm] when all snapshots, [mcm/d] averaged
    otherwise), colour = utilisation of the available capacity. Grey lines are idle capacity.
    Triangles are LNG send-out, squares storage (size ∝ working gas), countries are filled by
    the share of their gas demand left unserved. Electricity links (``AC``/``DC``) are dashed
    purple lines with width ∝ energy [TWh].

    Parameters
    ----------
    snapshots : index-like, optional
        The snapshots to sum over (default: all, i.e. the year).
    """
    snapshots = n.snapshots if snapshots is None else pd.Index(snapshots)
    xy = locate_buses(n)
    annual = len(snapshots) == len(n.snapshots)
    hours = float(n.snapshot_weightings.objective.loc[snapshots].sum())
    # bcm (annual) or mcm/d (averaged over the days shown)
    scale = (1.0 if annual else 24e3 / hours)
    unit = "bcm" if annual else "mcm/d"

    fig = Figure(figsize=(11, 7.6), dpi=110)
    ax = fig.add_axes((0.01, 0.11, 0.98, 0.83))
    demand = _per_country(n, "loads", "gas demand", snapshots)
    unserved = _per_country(n, "generators", "unserved gas", snapshots).reindex(demand.index,
                                                                              fill_value=0)
    share = (unserved / demand.where(demand > 0)).fillna(0).clip(0, 1)
    norm_u = Normalize(0, max(0.05, float(share.max())))
    cmap_u = matplotlib.colormaps[UNSERVED_CMAP]
    fills = {c: ("#fbf7ee" if s <= 1e-6 else to_hex(cmap_u(norm_u(s))))
             for c, s in share.items()}
    fills["NAR"] = fills.get("NAR", "#fbf7ee")
    _draw_borders(ax, fills)

    flows = corridor_flows(n, snapshots)
    flows = flows[flows.bus0.isin(xy.dropna().index) & flows.bus1.isin(xy.dropna().index)]
    flows["value"] = mwh_to_bcm(flows.energy_mwh) * scale
    xy = xy.loc[_shown_buses(n, xy, flows)]
    vmax = max(float(flows.value.max()) if len(flows) else 0.0, 1e-9)
    cmap = matplotlib.colormaps[UTILISATION_CMAP]
    pairs = set(zip(flows.bus0, flows.bus1, strict=True))
    for r in flows.itertuples():
        a, b = xy.loc[r.bus0], xy.loc[r.bus1]
        both = (r.bus1, r.bus0) in pairs
        if r.value <= 1e-3 * vmax:
            if not both or r.bus0 < r.bus1:
                ax.plot([a.x, b.x], [a.y, b.y], color="#9a9a9a", lw=0.6, ls=":", zorder=1)
            continue
        lw = _width(r.value, vmax)
        ax.add_patch(FancyArrowPatch(
            (a.x, a.y), (b.x, b.y), arrowstyle="-|>", mutation_scale=6 + 1.6 * lw, lw=lw,
            color=cmap(min(r.utilisation, 1.0)), shrinkA=4, shrinkB=6, zorder=3, alpha=0.9,
            connectionstyle=f"arc3,rad={0.15 if both else 0.05}"))

    power = corridor_flows(n, snapshots, POWER)
    power = power[power.bus0.isin(xy.dropna().index) & power.bus1.isin(xy.dropna().index)]
    pmax = max(float(power.energy_mwh.max()) if len(power) else 0.0, 1e-9)
    for r in power[power.energy_mwh > 1e-3 * pmax].itertuples():
        a, b = xy.loc[r.bus0], xy.loc[r.bus1]
        ax.add_patch(FancyArrowPatch(
            (a.x, a.y), (b.x, b.y), arrowstyle="-|>", mutation_scale=10, ls="--",
            lw=0.8 + 3.0 * r.energy_mwh / pmax, color="#7b3294", shrinkA=4, shrinkB=6,
            zorder=3, connectionstyle="arc3,rad=-0.25"))

    _draw_nodes(ax, n, xy, snapshots, scale, annual)
    _finish(ax, fig, xy, vmax, unit, norm_u, cmap, cmap_u, bool(len(power)), annual,
            title or (f"Gas flows {n.meta.get('year', '')}" if annual else
                      f"Gas flows on {pd.Timestamp(snapshots[0]):%d %b %Y}"
                      + ("" if len(snapshots) == 1 else f" (+{len(snapshots) - 1} snapshots)")))
    return fig


def _draw_nodes(ax, n: pypsa.Network, xy: pd.DataFrame, snapshots, scale: float,
                annual: bool) -> None:
    buses = n.buses.loc[xy.index]
    gas = buses.carrier == "gas"
    regions = buses.index[gas & (buses.index == buses.country)]
    transit = buses.index[gas & (buses.index != buses.country)
                          & ~buses.index.str.endswith(" storage")]
    ax.scatter(xy.loc[regions, "x"], xy.loc[regions, "y"], s=28, c="#222222", zorder=4)
    ax.scatter(xy.loc[transit, "x"], xy.loc[transit, "y"], s=10, c="white",
               edgecolors="#222222", linewidths=0.8, zorder=4)
    for b in regions:
        ax.annotate(b, (xy.at[b, "x"], xy.at[b, "y"]), xytext=(4, 4), textcoords="offset points",
                    fontsize=8, weight="bold", zorder=6,
                    bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none",
                          "alpha": 0.6})
    w = n.snapshot_weightings.objective.loc[snapshots]

    def sent(links: pd.DataFrame) -> pd.Series:
        e = n.links_t.p0.reindex(columns=links.index, fill_value=0).loc[snapshots].mul(w, axis=0)
        return mwh_to_bcm(e.sum().clip(lower=0)) * scale

    def mark(values: pd.Series, dx: float, colour: str, **kw) -> None:
        """Filled marker sized by value; an unused asset is an empty marker."""
        values = values[values.index.isin(regions)]
        if values.empty:
            return
        top = max(float(values.max()), 1e-9)
        used = (values > 1e-6).to_numpy()
        ax.scatter(xy.loc[values.index, "x"] + dx, xy.loc[values.index, "y"] - 0.5,
                   s=20 + 200 * values.to_numpy() / top, linewidths=0.9, zorder=5,
                   c=np.where(used, colour, "white"), edgecolors=colour, **kw)

    lng = n.links[n.links.carrier == "LNG terminal"]
    mark(sent(lng).groupby(lng.bus1).sum(), -0.6, "#1f78b4", marker="^")
    st = n.stores[n.stores.carrier == "gas storage"]
    if annual:  # working gas [bcm]
        size = mwh_to_bcm(st.e_nom).groupby(n.buses.country.reindex(st.bus).to_numpy()).sum()
    else:  # withdrawal on the days shown
        out = n.links[(n.links.carrier == "gas storage") & n.links.bus0.isin(st.bus)]
        size = sent(out).groupby(out.bus1).sum()
    mark(size, 0.6, "#b15928", marker="s", alpha=0.85)


def _finish(ax, fig, xy, vmax, unit, norm_u, cmap, cmap_u, power, annual, title) -> None:
    pts = xy.dropna()
    x0, x1 = pts.x.min() - 3.0, pts.x.max() + 3.0
    y0, y1 = pts.y.min() - 2.0, pts.y.max() + 2.0
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(1 / np.cos(np.deg2rad((y0 + y1) / 2)))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#dbe9f4")
    ax.set_title(title, fontsize=12)
    sample = [float(f"{v:.2g}") for v in (vmax, vmax / 4, vmax / 20) if v > 0]
    handles = [Line2D([], [], color="#555555", lw=_width(v, vmax),
                      label=f"{v:.3g} {unit}") for v in sample]
    handles += [Line2D([], [], color="#9a9a9a", lw=0.8, ls=":", label="idle capacity"),
                Line2D([], [], marker="^", ls="", color="#1f78b4", ms=8,
                       label="LNG terminal (size: send-out; empty: idle)"),
                Line2D([], [], marker="s", ls="", color="#b15928", ms=7,
                       label="storage (size: working gas)" if annual
                       else "storage withdrawal (size)")]
    if power:
        handles.append(Line2D([], [], color="#7b3294", ls="--", lw=1.5,
                              label="electricity (width: energy)"))
    ax.legend(handles=handles, loc="best", fontsize=8, title="gas flow (arrow width)",
              title_fontsize=8, framealpha=0.9)
    for rect, sm, label in (
            ((0.08, 0.06, 0.38, 0.022), ScalarMappable(norm=Normalize(0, 1), cmap=cmap),
             "arrow colour: utilisation of the available capacity"),
            ((0.54, 0.06, 0.38, 0.022), ScalarMappable(norm=norm_u, cmap=cmap_u),
             "country fill: share of gas demand unserved")):
        cb = fig.colorbar(sm, cax=fig.add_axes(rect), orientation="horizontal")
        cb.set_label(label, fontsize=9)
        cb.ax.tick_params(labelsize=8)
    ax.text(0.995, 0.005, "Borders: Natural Earth (public domain)", transform=ax.transAxes,
            ha="right", va="bottom", fontsize=6, color="#555555")


def _width(value: float, vmax: float) -> float:
    """Line width [pt] of a flow: ∝ sqrt(flow) so that small corridors stay visible."""
    return 0.7 + 7.5 * np.sqrt(max(value, 0.0) / vmax)


def _shown_buses(n: pypsa.Network, xy: pd.DataFrame, flows: pd.DataFrame) -> list[str]:
    """Buses with coordinates that are on a drawn corridor or have gas demand."""
    demand = set(n.loads.bus[n.loads.carrier == "gas demand"])
    keep = set(flows.bus0) | set(flows.bus1) | demand
    keep |= set(n.buses.index[n.buses.country.isin({n.buses.at[b, "country"] for b in keep})
                              & (n.buses.carrier != "contract")])
    return [b for b in xy.dropna().index if b in keep]


def plot_peak_day_map(n: pypsa.Network, title: str | None = None) -> Figure:
    """Draw the flows of the network's day of highest gas demand [mcm/d] (see plot_flow_map)."""
    day = peak_day(n)
    return plot_flow_map(n, [day], title=title or f"Gas flows on the peak-demand day, "
                         f"{pd.Timestamp(day):%d %b} {n.meta.get('year', '')}")


def write_flow_map(n: pypsa.Network, path: str | Path, peak: bool = False) -> Path:
    """Write the annual (or peak-day) flow map of a solved network as PNG; return the path."""
    path = Path(path)
    fig = plot_peak_day_map(n) if peak else plot_flow_map(n)
    fig.savefig(path, dpi=110)
    return path
