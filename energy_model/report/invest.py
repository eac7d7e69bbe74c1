"""The investment study's report: portfolio, risk curve, near-optimal ranges and a summary.

:func:`write_invest_report` reads the tables :func:`energy_model.study.invest.run_invest` wrote
into a results folder and adds ``mga_ranges.png``, ``risk_curve.png`` and ``invest.html`` (a
self-contained fragment that ``report.html`` can embed) beside them; :func:`summarise_invest`
is the paragraph that answers "what should be built, and how sure are we".
"""

from __future__ import annotations

import base64
import html
import json
import logging
from pathlib import Path

import pandas as pd

from energy_model.outdir import output_dir

logger = logging.getLogger(__name__)


def _read(out: Path) -> dict:
    t = {"summary": json.loads((out / "summary.json").read_text())}
    for name in ("portfolio", "risk_curve", "value_of_information", "regret", "mga_ranges",
                 "disrupted_demand", "mga_alternatives", "candidate_benefit"):
        path = out / f"{name}.csv"
        try:
            t[name] = pd.read_csv(path)
        except (OSError, pd.errors.EmptyDataError):
            t[name] = pd.DataFrame()
    return t


def summarise_invest(out: str | Path) -> str:
    """Return the summary paragraph of an investment study's results folder (plain text)."""
    t = _read(Path(out))
    s, p, r = t["summary"], t["portfolio"], t["mga_ranges"]
    built = p[p.fraction > 1e-3]
    what = ("nothing: no candidate pays for itself" if built.empty else
            "; ".join(f"{row.candidate} at {row.fraction:.0%} of its catalogue size "
                      f"({row.capacity_bcm_per_yr:.2f} bcm/yr, {row.annualised_cost_meur:.1f} "
                      "M EUR/yr)" for row in built.itertuples()))
    dd = t["disrupted_demand"]
    opt = float(dd.gwh_per_yr.sum()) if not dd.empty else 0.0
    ref = float(dd.gwh_per_yr_reference.sum()) if not dd.empty else 0.0
    short = dd[dd.gwh_per_yr_reference > 1e-6].sort_values("gwh_per_yr_reference",
                                                         ascending=False)
    who = ", ".join(f"{c} {v:.1f}" for c, v in zip(short.country, short.gwh_per_yr_reference,
                                                   strict=True)) or "nobody"
    voi = s["value_of_information_meur_per_yr"]
    must = ", ".join(s["must_have"]) or "none"
    opt_rows = r[r.verdict == "optional"].sort_values("max", ascending=False)
    optional = ", ".join(f"{row.candidate} (0-{row.max:.0%})" for row in opt_rows.itertuples()) \
        or "none"
    curve = t["risk_curve"]
    risk = ""
    if not curve.empty:
        last = curve.iloc[-1]
        xs = {c[2:]: last[c] for c in curve.columns if c.startswith("x_") and last[c] > 1e-3}
        risk = (f" Even at the strongest risk aversion tried (ω = {last.omega:g}, α = "
                f"{s['study']['alpha']:g}) the portfolio is "
                + (", ".join(f"{k} {v:.0%}" for k, v in xs.items()) or "unchanged (nothing)")
                + f", at an expected cost of {last.expected_meur - curve.expected_meur.iloc[0]:.1f}"
                  " M EUR/yr more than the risk-neutral optimum.")
    b = t["candidate_benefit"]
    best = ""
    if not b.empty and b.annualised_cost_meur.gt(0).any():
        top = b[b.annualised_cost_meur > 0].sort_values("benefit_cost_ratio").iloc[-1]
        best = (f" Built alone at full size, the candidate closest to paying for itself is "
                f"{top.candidate}: it saves {top.window_saving_meur_per_yr:.2f} M EUR/yr of "
                f"expected design-window cost against {top.annualised_cost_meur:.1f} M EUR/yr "
                f"(benefit/cost {top.benefit_cost_ratio:.3f}).")
    return (
        f"What should be built: {what}. Over the {s['size']['scenarios']} scenarios (events of "
        f"invest_scenarios.csv x the 1-in-20 design windows), the expected disrupted demand of "
        f"the 16 recipients is {opt:.2f} GWh/yr with this portfolio against {ref:.2f} GWh/yr "
        f"without any new option (reference: {who} GWh/yr). How sure: the value of the "
        f"stochastic solution is {voi['VSS']:.2f} M EUR/yr and the expected value of perfect "
        f"information {voi['EVPI']:.2f} M EUR/yr (against an expected cost of "
        f"{s['expected_cost_meur_per_yr']:.1f} M EUR/yr of the design windows and capex). "
        f"Within a {s['study']['mga_slack']:.0%} cost slack, must-have candidates: {must}; "
        f"candidates that can be built or not at near-optimal cost (share of the catalogue "
        f"size): {optional}.{risk}{best} The "
        "windows carry only the design cases' cost: the average-year savings an option brings "
        "are not in this objective (see the CBA of the main study).")


def _png(fig) -> str:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode()


def plot_mga_ranges(ranges: pd.DataFrame):
    """Return a figure of each candidate's near-optimal range (bar) and optimum (dot)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = ranges.sort_values("candidate")
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(r) + 1.2))
    y = range(len(r))
    ax.barh(list(y), (r["max"] - r["min"]) * 100, left=r["min"] * 100, color="#9ecae1",
            height=0.5, label="near-optimal range")
    ax.scatter(r.optimal * 100, list(y), color="#08519c", zorder=3, label="optimum")
    ax.set_yticks(list(y), r.candidate)
    ax.set_xlim(-2, 102)
    ax.set_xlabel("built share of the catalogue size [%]")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=8)
    fig.tight_layout()
    return fig


def plot_risk_curve(curve: pd.DataFrame):
    """Return a figure of expected annual cost against the CVaR of the design-window cost."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(curve.cvar_window_meur, curve.expected_meur, "o-", color="#08519c")
    for row in curve.itertuples():
        ax.annotate(f"ω={row.omega:g}", (row.cvar_window_meur, row.expected_meur), fontsize=8,
                    textcoords="offset points", xytext=(4, 4))
    ax.set_xlabel("CVaR of the design-window cost [M EUR]")
    ax.set_ylabel("expected annual cost [M EUR/yr]")
    fig.tight_layout()
    return fig


def write_invest_report(out: str | Path) -> Path:
    """Write ``invest.html``, ``mga_ranges.png`` and ``risk_curve.png`` into ``out``."""
    import matplotlib.pyplot as plt

    out = Path(out)
    t = _read(out)
    figs = {}
    if not t["mga_ranges"].empty:
        figs["mga_ranges.png"] = plot_mga_ranges(t["mga_ranges"])
    if not t["risk_curve"].empty:
        figs["risk_curve.png"] = plot_risk_curve(t["risk_curve"])
    images = {k: _png(f) for k, f in figs.items()}
    page = _html(t, summarise_invest(out), images)
    with output_dir(out, add=True) as stage:
        for name, fig in figs.items():
            fig.savefig(stage / name, dpi=110, bbox_inches="tight")
        (stage / "invest.html").write_text(page)
    for fig in figs.values():
        plt.close(fig)
    return out / "invest.html"


def _table(df: pd.DataFrame, digits: int = 3) -> str:
    return df.to_html(index=False, float_format=lambda x: f"{x:.{digits}f}", border=0)


def _html(t: dict, summary: str, images: dict[str, str]) -> str:
    img = "".join(f'<figure><img alt="{k}" src="data:image/png;base64,{v}"/></figure>'
                  for k, v in images.items())
    voi = t["value_of_information"]
    parts = [
        "<section id='invest'><h2>Investment under uncertainty</h2>",
        f"<p>{html.escape(summary)}</p>",
        "<h3>Optimal portfolio</h3>", _table(t["portfolio"]),
        "<h3>Expected disrupted demand per recipient [GWh/yr]</h3>", _table(t["disrupted_demand"]),
        "<h3>Value of the stochastic solution and of perfect information [M EUR/yr]</h3>",
        _table(voi),
        "<h3>Risk curve (expected cost against CVaR, portfolio at each point)</h3>",
        _table(t["risk_curve"]),
        "<h3>Regret of the hand-made option sets [M EUR/yr]</h3>", _table(t["regret"]),
        "<h3>Each candidate built alone at full size [M EUR/yr]</h3>",
        _table(t["candidate_benefit"]),
        "<h3>Near-optimal ranges (MGA)</h3>", _table(t["mga_ranges"]), img, "</section>"]
    return "<!doctype html><meta charset='utf-8'><title>invest</title>" + "\n".join(parts)
