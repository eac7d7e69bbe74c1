"""The Markdown summary of a study (the first page of its report), and its tidy cost tables.

``summary.md`` answers the study's question for a reader who opens nothing else: which option
sets protect each of the recipients of Azerbaijani gas, in which stress case and climate, under
cooperative and isolated curtailment, at what cost and with what cost-benefit result; which
links bind (and for how many days); which prices are set by unserved gas. Every number is
rounded to a meaningful precision and every column has a legend.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable

import pandas as pd
import xarray as xr

from energy_model.study.ranking import COLUMNS as RANK_COLUMNS
from energy_model.study.ranking import RULE, TIE_MCM_D, rank_options, ties

SCARCITY_EUR = 100.0
"""A shadow price at or above this comes from unserved gas behind the link [EUR/MWh]."""

ZERO_BCM = 0.005
"""Disrupted volumes below this are printed as 0.00 [bcm]. Whether a country counts as
curtailed follows the ranking's threshold: a mean disrupted demand of at least
:data:`energy_model.study.ranking.TIE_MCM_D` over the case's window (:func:`threshold_bcm`)."""

GAS_ROUTE_CARRIERS = ("gas pipeline", "LNG terminal", "gas storage")
"""Carriers of the links that can explain a gas option's inertia (no electricity links)."""


def threshold_bcm(ds: xr.Dataset, clim: str) -> float:
    """Return the disrupted volume over ``clim``'s window at which a country counts as curtailed
    [bcm]: :data:`TIE_MCM_D` [mcm/d] x the window's days, the ranking's threshold."""
    days = {"average": 365.0, "peak-day": 1.0, "two-week": 14.0}.get(clim, 1.0)
    if "window_days" in ds.coords and clim in ds.climate.values:
        days = float(ds.window_days.sel(climate=clim))
    return TIE_MCM_D * days / 1000.0

COST_COLUMNS = {
    "option": "option set label of the study file",
    "climate": "climatic case (average year or a design case)",
    "stress": "stress case (`none` = undisturbed)",
    "status": "ok, failed or missing",
    "operating_cost_meur": "optimised cost of the case: supply, transport, storage, power "
                           "dispatch, unserved gas at its cost, CO2, and the capex of options "
                           "sized by the optimiser [million EUR per case window]",
    "option_capex_meur_per_yr": "the option set's annualised capex plus fixed O&M "
                                "(inputs/options.csv) [million EUR/yr]",
    "total_meur": "operating_cost_meur + option_capex_meur_per_yr (average-climate cases; "
                  "a design case's window is shorter than a year) [million EUR]",
}
"""Legend of ``costs.csv``."""


def tabulate_costs(ds: xr.Dataset) -> pd.DataFrame:
    """Return ``costs.csv``: operating cost and option capex of every case, in million EUR."""
    df = ds[["total_cost", "status"]].to_dataframe().reset_index()
    capex = ds.option_capex.to_series() if "option_capex" in ds else pd.Series(dtype=float)
    df["operating_cost_meur"] = (df.total_cost / 1e6).round(1) + 0.0
    df["option_capex_meur_per_yr"] = (df.option.map(capex).fillna(0.0) / 1e6).round(1) + 0.0
    df["total_meur"] = (df.operating_cost_meur + df.option_capex_meur_per_yr).round(1)
    keys = [c for c in ("option", "climate", "stress") if c in df]
    return df[[*keys, "status", "operating_cost_meur", "option_capex_meur_per_yr",
               "total_meur"]]


def study_bottlenecks(ds: xr.Dataset) -> pd.DataFrame:
    """Return ``bottlenecks.csv``: links at capacity in every case (from ``ds.attrs``)."""
    from energy_model.analysis.bottlenecks import COLUMNS

    raw = ds.attrs.get("bottlenecks")
    table = pd.read_json(_io(raw), orient="records") if raw and raw != "[]" else None
    if table is None or table.empty:
        keys = [c for c in ("option", "climate", "stress") if c in ds.dims]
        return pd.DataFrame(columns=[*keys, *COLUMNS])
    return table


def _io(text: str):
    import io

    return io.StringIO(text)


# --- names and descriptions ----------------------------------------------------------------

def _names(data) -> tuple[dict[str, str], list[str], dict[str, str], dict[str, dict]]:
    """Return (country code -> name, recipients in data order, option -> description, options).

    From ``data`` when given, else from the shipped inputs (standard-library reader).
    """
    if data is not None:
        r = data.regions
        names = dict(zip(r.code, r.name, strict=True))
        recipients = list(r.code[r.az_gas_recipient])
        o = data.options
        desc = dict(zip(o.option, o.description.fillna(""), strict=True))
        rows = {row.option: row._asdict() for row in o.itertuples(index=False)}
        return names, recipients, desc, rows
    from energy_model.data.names import read_rows

    regions = read_rows("regions")
    names = {x["code"]: x["name"] for x in regions}
    recipients = [x["code"] for x in regions if x.get("az_gas_recipient", "").lower() == "true"]
    opts = read_rows("options")
    return names, recipients, {x["option"]: x.get("description", "") for x in opts}, \
        {x["option"]: x for x in opts}


def _f(x: float, nd: int = 2) -> str:
    """Format a number rounded to ``nd`` decimals, without ``-0.00``; blank for NaN."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    v = round(float(x), nd) + 0.0
    return f"{v:,.{nd}f}"


def _share(part: float, whole: float) -> str:
    """Return `` (x %)``: ``part`` as a share of ``whole`` (empty when there is none)."""
    if not whole or math.isnan(whole) or math.isnan(part) or part <= 0:
        return ""
    return f" ({100 * part / whole:.0f} %)"


def _md(df: pd.DataFrame) -> str:
    return df.to_markdown(index=False, disable_numparse=True)


# --- the summary ---------------------------------------------------------------------------

def with_climate(ds: xr.Dataset) -> xr.Dataset:
    """Return ``ds`` with a ``climate`` dimension (``average`` only when it had none), and
    unserved gas of solved cases 0 where a country has none (NaN kept for failed cases)."""
    ds = ds.copy()
    if "climate" not in ds.dims:
        for v in list(ds.data_vars):
            if "stress" in ds[v].dims:
                ds[v] = ds[v].expand_dims(climate=["average"])
    ok = ds.status == "ok"
    for v in ("unserved_gas", "unserved_gas_isolated"):
        if v in ds and ds[v].notnull().any():
            ds[v] = ds[v].fillna(0.0).where(ok)
    return ds


def format_summary(ds: xr.Dataset, data=None, cba: pd.DataFrame | None = None) -> str:
    """Return the Markdown summary of a study.

    Parameters
    ----------
    ds : xarray.Dataset
        The study's results (:func:`energy_model.study.assemble.assemble`), with or without a
        ``climate`` dimension.
    data : Inputs, optional
        The inputs the study ran on (country names, option descriptions); the shipped inputs
        otherwise.
    cba : pandas.DataFrame, optional
        The study's ``cba.csv``; its results are shown beside each option set when given.
    """
    ds = with_climate(ds)
    names, recipients, desc, opt_rows = _names(data)
    sets = json.loads(ds.attrs.get("options", "{}")) or {o: [] for o in ds.option.values}
    ranking = rank_options(ds)
    isolated = "unserved_gas_isolated" in ds and bool(ds.unserved_gas_isolated.notnull().any())
    bott = study_bottlenecks(ds)
    lines = [f"# Study {ds.attrs.get('study', '')} ({ds.attrs.get('year', '')}, "
             f"{ds.attrs.get('resolution', 'daily')})", ""]
    lines += _headline(ds, ranking, names, recipients)
    lines += _scope(ds, isolated)
    lines += _options_section(ds, sets, desc, opt_rows, cba)
    shown = ranking.reset_index()
    for col in ("design_mcm_d", "disrupted_bcm", "cooperative_bcm", "isolated_bcm",
                "worst_case_bcm", "margin_mcm_d"):
        shown[col] = shown[col].map(_f)
    shown["cost_bn_eur_per_yr"] = shown.cost_bn_eur_per_yr.map(lambda x: _f(x, 3))
    lines += ["## Ranking", "", RULE, "", _md(shown.astype(str)), ""]
    tied = ties(ranking)
    if tied:
        lines += ["Ties (same rank): " + "; ".join(" = ".join(g) for g in tied) + ".", ""]
    lines += _findings(ds, names, recipients, isolated, bott, sets, _route_links(data))
    lines += _country_tables(ds, names, recipients, isolated)
    lines += _bottleneck_section(bott)
    lines += _price_section(ds, names, recipients)
    lines += _legend(isolated)
    notes = json.loads(ds.attrs.get("notes", "[]"))
    if notes:
        lines += ["## Notes", ""] + [f"- {x}" for x in notes] + [""]
    failed = ds.status.where(ds.status != "ok", drop=True).to_series().dropna() \
        if (ds.status != "ok").any() else pd.Series(dtype=str)
    if len(failed):
        lines += ["## Failed cases", ""]
        why = {tuple(f[:3]): f[3] for f in json.loads(ds.attrs.get("failed", "[]"))}
        for key in failed.index:
            key = key if isinstance(key, tuple) else (key,)
            d = dict(zip(ds.status.dims, key, strict=True))
            clim = "" if d.get("climate", "average") == "average" else f" / {d['climate']}"
            reason = why.get((d["option"], d.get("climate", "average"), d["stress"]))
            lines.append(f"- {d['option']} / {d['stress']}{clim}"
                         + (f": {reason}" if reason else ""))
        lines.append("")
    return "\n".join(lines)


def _scope(ds: xr.Dataset, isolated: bool) -> list[str]:
    n_cases = int(ds.status.size)
    climates = [str(c) for c in ds.climate.values]
    power = int(ds.attrs.get("power", 0))
    out = [
        f"{ds.sizes['option']} option sets x {ds.sizes['stress']} stress cases"
        + (f" x {len(climates)} climatic cases ({', '.join(climates)})" if len(climates) > 1
           else "") + f" = {n_cases} cases; inputs {str(ds.attrs.get('inputs_sha256', ''))[:12]}"
        f", energy_model {ds.attrs.get('energy_model_version', '')}.",
        "",
        "How the cases were run:",
        "",
        "- Layers: " + ("gas and electricity in every case (an option set needs the electricity "
                        "layer, so all cases have it and stay comparable; a gas-only "
                        "`energy-model solve` of the same case costs less because gas for power "
                        "is then fixed demand)." if power else "gas only."),
        "- Curtailment: cooperative (shortfalls shared between neighbours)"
        + (", and the isolated (uncooperative) variant: in the design cases ENTSOG's rule (a "
           "country exports only once its own demand is served); in the average year, only in "
           "studies without design cases, cross-border flows capped at their undisturbed "
           "values." if isolated else "."),
        "- Contracts: binding (minimum and maximum volumes) in the undisturbed case `none`; "
        "suspended in every stressed case (force majeure and emergency trading, as in "
        "ENTSOG's contract-free simulations). A stressed case can therefore cost less than "
        "`none`: compare stressed cases with each other, and read disrupted demand, not cost, "
        "against `none`.",
        "- Disrupted demand = unserved gas, the demand not delivered, over the case's window "
        "(a year for the average climate, one day for peak-day, 14 days for two-week) [bcm].",
        "",
    ]
    return out


def _options_section(ds, sets, desc, opt_rows, cba) -> list[str]:
    rows = []
    pint = None
    if cba is not None and len(cba):
        pint = cba[cba.get("method", pd.Series("PINT", index=cba.index)) == "PINT"]
        if "discount_rate" in pint:
            pint = pint[pint.discount_rate == pint.discount_rate.min()]
        if "generation" in pint:
            pint = pint[pint.generation.fillna("none").isin(["none", "charged", ""])]
        pint = pint.drop_duplicates("option").set_index("option")
    capex = ds.option_capex.to_series() if "option_capex" in ds else pd.Series(dtype=float)
    for label in ds.option.values:
        names = sets.get(str(label), [])
        text = "; ".join(f"`{x}`: {desc.get(x, '')}" for x in names) or "no option (today's " \
            "infrastructure and what is already decided)"
        invest = sum(float(opt_rows[x].get("capex_meur") or 0) for x in names if x in opt_rows)
        if pint is not None and label in pint.index and "capex_eur" in pint:
            invest = float(pint.loc[label].capex_eur) / 1e6  # the CBA's assets: one cost basis
        row = {"option set": str(label), "what it builds": text,
               "investment [M EUR]": _f(invest, 0) if names else "0",
               "annualised cost [M EUR/yr]": _f(capex.get(label, 0.0) / 1e6, 0)}
        if pint is not None:
            if label in pint.index:
                r = pint.loc[label]
                row["ENPV [M EUR]"] = _f(r.get("enpv_eur", float("nan")) / 1e6, 0)
                row["benefit/cost"] = _f(r.get("bcr", float("nan")), 2)
            else:
                row["ENPV [M EUR]"] = row["benefit/cost"] = "–"
        rows.append(row)
    out = ["## Option sets", "", _md(pd.DataFrame(rows)), ""]
    if pint is not None:
        rate = cba.discount_rate.min() if "discount_rate" in cba else None
        out += ["Investment: the assets the CBA charges (cba.csv `capex_eur`: the option's "
                "capex and, for a set that brings generation, that generation too), so "
                "investment, ENPV and benefit/cost count the same assets; the annualised cost "
                "is the option's own capex and fixed O&M (options.csv), which the ranking's "
                "cost uses.", "",
                "ENPV and benefit/cost: PINT against `reference` (cba.csv"
                + (f", discount rate {rate:.0%}" if rate is not None else "") + "); a benefit/cost "
                "above 1 means the benefits (security, welfare, CO2) exceed the costs.", ""]
    else:
        out += ["Cost-benefit results: not available for this study (no cba.csv).", ""]
    return out


def _recipient_codes(ds, recipients: list[str]) -> list[str]:
    present = set(map(str, ds.country.values))
    return [c for c in recipients if c in present]


def _cases(ds) -> Iterable[tuple[str, str]]:
    for clim in map(str, ds.climate.values):
        for stress in map(str, ds.stress.values):
            yield clim, stress


def _case_label(clim: str, stress: str) -> str:
    return f"{stress}, {'average year' if clim == 'average' else clim}"


def _scale(ds, clim: str) -> tuple[float, str, int]:
    """Return (factor, unit, decimals) to show a case's volumes: bcm for the average year,
    mean mcm/d over the window for a design case (a peak day's 0.01 bcm is 10 mcm/d)."""
    if clim == "average":
        return 1.0, "bcm", 2
    days = {"peak-day": 1.0, "two-week": 14.0}.get(clim, 1.0)
    if "window_days" in ds.coords:
        days = float(ds.window_days.sel(climate=clim))
    return 1000.0 / days, "mcm/d", 1


def _findings(ds, names, recipients, isolated, bott, sets: dict | None = None,
              route: dict[str, set[str]] | None = None) -> list[str]:
    out = ["## Findings", ""]
    ref = "reference" if "reference" in ds.option.values else str(ds.option.values[0])
    rules = [("cooperative", "unserved_gas")] + ([("isolated", "unserved_gas_isolated")]
                                                 if isolated else [])
    any_found = False
    quiet = []
    for clim, stress in _cases(ds):
        for rule, var in rules:
            da = ds[var].sel(climate=clim, stress=stress)
            thr = threshold_bcm(ds, clim)
            if not (da >= thr).any():
                continue
            any_found = True
            k, unit, nd = _scale(ds, clim)
            da = da * k
            label = _case_label(clim, stress)
            if str(ds.status.sel(option=ref, climate=clim, stress=stress).item()) != "ok":
                per = da.sum("country", min_count=1).to_series().dropna()
                out.append(f"- **{label}, {rule}**: `{ref}` did not solve; disrupted demand "
                           "of the sets that did: " + ", ".join(
                               f"`{o}` {_f(v, nd)} {unit}" for o, v in per.items()) + ".")
                continue
            base = da.sel(option=ref).to_series().fillna(0.0)
            hit = base[base >= thr * k].sort_values(ascending=False)
            parts = ", ".join(f"{names.get(c, c)} {_f(v, nd)}" for c, v in hit.items())
            s = f"- **{label}, {rule}**: `{ref}` leaves {_f(base.sum(), nd)} {unit} " \
                "undelivered" + (f" ({parts})." if parts else ".")
            effects = []
            for opt in map(str, ds.option.values):
                if opt == ref:
                    continue
                if str(ds.status.sel(option=opt, climate=clim, stress=stress).item()) != "ok":
                    effects.append(f"`{opt}` did not solve")
                    continue
                v = da.sel(option=opt).to_series().fillna(0.0)
                z = thr * k
                removed = [names.get(c, c) for c in hit.index if v.get(c, 0.0) <= z]
                reduced = [f"{names.get(c, c)} {_f(hit[c], nd)} → {_f(v[c], nd)}"
                           for c in hit.index if z < v.get(c, 0.0) < hit[c] - z]
                worse = [f"{names.get(c, c)} {_f(base.get(c, 0.0), nd)} → {_f(v[c], nd)}"
                         for c in v.index if v[c] > base.get(c, 0.0) + z]
                bits = []
                if removed:
                    bits.append("removes it in " + ", ".join(removed))
                if reduced:
                    bits.append("reduces it in " + ", ".join(reduced))
                if worse:
                    bits.append("raises it in " + ", ".join(worse))
                if bits:
                    effects.append(f"`{opt}` " + "; ".join(bits))
            s += (" " + "; ".join(effects) + ".") if effects else \
                " No option set changes it."
            out.append(s)
        if not any((ds[v].sel(climate=clim, stress=stress) >= threshold_bcm(ds, clim)).any()
                   for _, v in rules):
            quiet.append(_case_label(clim, stress))
    if quiet:
        out.append("- No disrupted demand in any option set under: " + "; ".join(quiet) + ".")
    if not any_found:
        out.append("- No case leaves any demand undelivered: the ranking falls to cost.")
    out += _idle_options(ds, ref, bott, sets, route, recipients)
    out += _binding_findings(bott, ref)
    out.append("")
    return out


def _idle_options(ds, ref: str, bott: pd.DataFrame, sets: dict | None = None,
                  route: dict[str, set[str]] | None = None,
                  recipients: list[str] | None = None) -> list[str]:
    """Findings for option sets that change no measured outcome (curtailment or margin).

    A set is inert when, in every case, no country's disrupted demand and no margin differs
    from ``ref``'s by :data:`TIE_MCM_D` or more (mean over the window). Its inertia is explained
    only with the gas links and terminals of its own route (``route``: option -> the links its
    assets add or change) that bind in some case; electricity links never explain it.
    """
    out = []
    if recipients:
        ds = ds.sel(country=_recipient_codes(ds, recipients))
    days = ds.window_days if "window_days" in ds.coords else 365.0
    vars_ = [v for v in ("unserved_gas", "unserved_gas_isolated") if v in ds]
    for opt in map(str, ds.option.values):
        if opt == ref or (ds.status.sel(option=[ref, opt]) != "ok").any():
            continue  # a case that did not solve cannot show that the option changes nothing
        diff = {v: (ds[v].sel(option=opt).fillna(0.0) - ds[v].sel(option=ref).fillna(0.0))
                * 1000.0 / days for v in vars_}
        # the isolated variant is a mixed-integer program whose split of one shortfall between
        # two countries can differ between equally good solutions: a change that nets to zero
        # over the recipients is such a split, not an effect of the option
        same = all(float(abs(d.sum("country") if v == "unserved_gas_isolated" else d).max())
                   < TIE_MCM_D for v, d in diff.items())
        if "absorbable" in ds and ds.absorbable.notnull().any():
            same = same and float(abs(ds.absorbable.sel(option=opt).fillna(0.0)
                                      - ds.absorbable.sel(option=ref).fillna(0.0)).max()
                                  ) < TIE_MCM_D
        if not same:
            continue
        own = set().union(*[route.get(x, set()) for x in (sets or {}).get(opt, [])]) \
            if route else set()
        why = " No gas link or terminal of its own route binds in any case: what it adds " \
            "is not what any recipient lacks in these cases."
        if route and not own and (sets or {}).get(opt):  # electricity assets only
            why = (" It adds no gas link or terminal, and in the design cases gas plants run at "
                   "their average-year dispatch (ENTSOG: no fuel switching), so it cannot move "
                   "gas there; in the average year it changes no recipient's disrupted "
                   "demand either.")
        if not bott.empty and own:
            b = bott[(bott.option == opt) & bott.carrier.isin(GAS_ROUTE_CARRIERS)
                     & bott.link.map(lambda x, own=own: any(str(x).startswith(t)
                                                            for t in own))]
            b = b.sort_values("days_at_capacity", ascending=False).drop_duplicates("link").head(3)
            if len(b):
                why = " On its own route " + ", ".join(
                    f"{r.link} is full {r.days_at_capacity:.0f} days ({r.stress}, "
                    f"{getattr(r, 'climate', 'average')})" for r in b.itertuples()) + \
                    ": the gas it adds cannot go further."
        who = "recipient's" if recipients else "country's"
        out.append(f"- `{opt}` changes no {who} disrupted demand or margin in any case."
                   + why)
    return out


def _route_links(data) -> dict[str, set[str]]:
    """Return option -> the names of the gas links, terminals and storage its assets add or
    change (its own gas route; empty for an option with electricity assets only)."""
    power = {"add_power_link", "add_offshore_wind", "add_power_capacity"}
    if data is not None:
        a = data.option_assets
        rows = zip(a.option, a.action, a.target, strict=True)
    else:
        from energy_model.data.names import read_rows

        rows = ((x["option"], x["action"], x["target"]) for x in read_rows("option_assets"))
    out: dict[str, set[str]] = {}
    for option, action, target in rows:
        out.setdefault(str(option), set())
        if str(action) not in power:  # gas assets only: the option's own gas route
            out[str(option)].add(str(target))
    return out


def _headline(ds, ranking: pd.DataFrame, names: dict, recipients: list[str]) -> list[str]:
    """The answer for the recipients in one paragraph: the best set, why, and who stays short."""
    codes = _recipient_codes(ds, recipients)
    if ranking.empty or not codes:
        return []
    ref = "reference" if "reference" in ds.option.values else str(ds.option.values[0])
    best = list(ranking.index[ranking["rank"] == ranking["rank"].min()])
    first = best[0]
    row = ranking.loc[first]
    who = " and ".join(f"`{b}`" for b in best)
    text = (f"**Answer.** For the {len(codes)} recipients of Azerbaijani gas, {who} "
            + ("share" if len(best) > 1 else "ranks") + " first")
    if len(best) > 1:
        text += " (a tie on disrupted demand and margin)"
    else:
        text += f", decided by {row.decided_by}" if "decided_by" in row else ""
    if ref in ranking.index and first != ref:
        r = ranking.loc[ref]
        text += (f": in the design cases it leaves {_f(row.design_mcm_d, 1)} mcm/d of disrupted "
                 f"demand (summed over stresses, design cases and both rules) against "
                 f"{_f(r.design_mcm_d, 1)} for `{ref}`")
        if "margin_mcm_d" in row and not math.isnan(float(row.margin_mcm_d)):
            text += (f", and the recipients can absorb {_f(row.margin_mcm_d, 1)} mcm/d more "
                     f"disruption before their first curtailment against "
                     f"{_f(r.margin_mcm_d, 1)}")
    text += "."
    rate = (ds.unserved_gas.fillna(0.0) / ds.gas_demand.where(ds.gas_demand > 0))
    if "unserved_gas_isolated" in ds and ds.unserved_gas_isolated.notnull().any():
        rate = xr.concat([rate, ds.unserved_gas_isolated.fillna(0.0)
                          / ds.gas_demand.where(ds.gas_demand > 0)], "rule").max("rule")
    worst = rate.sel(country=codes).max([d for d in rate.dims
                                         if d not in ("option", "country")])
    helped = [c for c in codes if float(worst.sel(option=ref, country=c))
              > float(worst.sel(option=first, country=c)) + 1e-3] if first != ref else []
    if helped:
        text += " It lowers the worst curtailment of " + ", ".join(
            f"{names.get(c, c)} ({100 * float(worst.sel(option=ref, country=c)):.0f} → "
            f"{100 * float(worst.sel(option=first, country=c)):.0f} % of its own demand)"
            for c in helped) + "."
    short = [c for c in codes if float(worst.sel(option=first, country=c)) >= 0.005]
    if short:
        text += " Still curtailed in some case with it: " + ", ".join(
            f"{names.get(c, c)} (up to {100 * float(worst.sel(option=first, country=c)):.0f} %)"
            for c in sorted(short, key=lambda c: -float(worst.sel(option=first, country=c)))
        ) + " of their own demand (countries.csv)."
    else:
        text += " With it no recipient is curtailed in any case."
    return [text, ""]


def _binding_findings(bott: pd.DataFrame, ref: str) -> list[str]:
    if bott.empty:
        return []
    b = bott[(bott.option == ref) & (bott.stress == "none")]
    if "climate" in b:
        b = b[b.climate == "average"]
    b = b[b.shadow_price_eur_per_mwh > 0.005].sort_values(
        ["days_at_capacity", "shadow_price_eur_per_mwh"], ascending=False).head(5)
    if b.empty:
        return []
    return ["- Binding in the undisturbed year (`" + ref + "`): " + "; ".join(
        f"{r.link} {r.days_at_capacity:.0f} days at capacity, shadow price "
        f"{r.shadow_price_eur_per_mwh:.2f} EUR/MWh"
        + (" (set by unserved gas downstream)" if r.shadow_price_eur_per_mwh >= SCARCITY_EUR
           else "") for r in b.itertuples()) + "."]


def _country_tables(ds, names, recipients, isolated) -> list[str]:
    codes = _recipient_codes(ds, recipients)
    others = [c for c in map(str, ds.country.values) if c not in codes]
    out = [f"## Disrupted demand of the {len(codes)} recipients of Azerbaijani gas", "",
           "One table per stress case and climate that disrupts any demand; rows are the "
           "recipients, columns the option sets; each cell is cooperative"
           + (" / isolated" if isolated else "") + " curtailment: bcm over the year for the "
           "average climate, mean mcm/d over the window for a design case, with the share of "
           "the country's own demand in brackets; – = the case did not solve.",
           ""]
    shown = False
    for clim, stress in _cases(ds):
        co = ds.unserved_gas.sel(climate=clim, stress=stress)
        iso = ds.unserved_gas_isolated.sel(climate=clim, stress=stress) if isolated else None
        thr = threshold_bcm(ds, clim)
        if not bool((co >= thr).any()) and not (iso is not None and bool((iso >= thr).any())):
            continue
        dem = ds.gas_demand.sel(climate=clim, stress=stress)
        shown = True
        k, unit, nd = _scale(ds, clim)
        co, iso = co * k, (iso * k if iso is not None else None)
        rows = []
        for c in [*codes, "others"]:
            sel = others if c == "others" else [c]
            row = {"country": f"other countries ({len(others)})" if c == "others"
                   else names.get(c, c)}
            for opt in map(str, ds.option.values):
                a = float(co.sel(option=opt, country=sel).sum(min_count=1)) if sel else 0.0
                d = float(dem.sel(option=opt, country=sel).sum(min_count=1)) * k if sel else 0.0
                cell = _f(a, nd) + (_share(a, d) if c != "others" else "")
                if iso is not None:
                    b = float(iso.sel(option=opt, country=sel).sum(min_count=1)) if sel else 0.0
                    cell += f" / {_f(b, nd)}" + (_share(b, d) if c != "others" else "")
                row[opt] = cell
            rows.append(row)
        out += [f"### {_case_label(clim, stress)} [{unit}]", "", _md(pd.DataFrame(rows)), ""]
    if not shown:
        out += ["No case disrupts any demand.", ""]
    return out


def _bottleneck_section(bott: pd.DataFrame) -> list[str]:
    out = ["## Bottlenecks", ""]
    if bott.empty:
        return [*out, "No link or terminal at >= 99 % of its capacity on any day (or the "
                "study predates bottlenecks.csv).", ""]
    keys = [c for c in ("climate", "stress") if c in bott]
    g = bott.groupby(["link", *keys])
    agg = g.agg(days=("days_at_capacity", "max"), price=("shadow_price_eur_per_mwh", "mean"),
                sets=("option", "nunique")).reset_index()
    agg = agg[agg.days >= 1].sort_values(["days", "price"], ascending=False)
    table = agg.groupby("link").agg(
        cases=("days", "size"), max_days=("days", "max"),
        mean_price=("price", "mean")).sort_values(["max_days", "mean_price"],
                                                  ascending=False).head(15).reset_index()
    table["max_days"] = table.max_days.map(lambda x: _f(x, 0))
    table["mean_price"] = table.mean_price.map(_f)
    table.columns = ["link", "cases at capacity", "most days at capacity in a case",
                     "mean shadow price [EUR/MWh]"]
    out += ["Links and terminals at >= 99 % of capacity (all cases in `bottlenecks.csv`, "
            "per option set, stress and climate; the 15 most binding here):", "",
            _md(table), ""]
    return out


def _price_section(ds, names, recipients) -> list[str]:
    if "scarcity_days" not in ds:
        return []
    codes = _recipient_codes(ds, recipients)
    clim = "average" if "average" in ds.climate.values else str(ds.climate.values[0])
    if "none" not in ds.stress.values:
        return []
    sd = ds.scarcity_days.sel(climate=clim, stress="none")
    price = ds.price.sel(climate=clim, stress="none")
    flagged = [c for c in map(str, ds.country.values) if float(sd.sel(country=c).max()) > 0]
    out = ["## Prices in the undisturbed year", "",
           "Mean gas price per country weighted by demand served [EUR/MWh], option set `"
           + str(ds.option.values[0]) + "`. † = on some days the price is set by unserved gas "
           "(the cost of disrupted gas, 600 EUR/MWh): it measures scarcity, not a market "
           "price; the number of such days is given.", ""]
    rows = []
    opt = ds.option.values[0]
    for c in [*codes, *[x for x in flagged if x not in codes]]:
        d = float(sd.sel(country=c, option=opt))
        p = float(price.sel(country=c, option=opt))
        rows.append({"country": names.get(c, c), "price [EUR/MWh]": _f(p) + (" †" if d > 0
                                                                            else ""),
                     "days priced by unserved gas": _f(d, 0) if not math.isnan(d) else "–"})
    return [*out, _md(pd.DataFrame(rows)), ""]


def _legend(isolated: bool) -> list[str]:
    from energy_model.analysis.bottlenecks import COLUMNS as BOTTLENECK_COLUMNS

    out = ["## Legend", "", "Ranking table:", ""]
    out += [f"- `{k}`: {v}" for k, v in RANK_COLUMNS.items()]
    out += ["", "`costs.csv`:", ""] + [f"- `{k}`: {v}" for k, v in COST_COLUMNS.items()]
    out += ["", "`bottlenecks.csv` (also `option`, `climate`, `stress`):", ""]
    out += [f"- `{k}`: {v}" for k, v in BOTTLENECK_COLUMNS.items()]
    out += ["", "Other files: `countries.csv` (per case and country: `unserved_gas` and "
            "`gas_demand` [bcm over the window], `price` [EUR/MWh], `gas_for_power` [bcm], "
            "`co2` [Mt]); `indicators.csv` (long table: option, climate, stress, country, "
            "indicator, value, unit); `cba.csv`; `deliveries.csv` (country, origin, bcm); "
            "`results.nc` (everything, as an xarray Dataset).", ""]
    return out


def write_summary(ds: xr.Dataset, out, data=None) -> None:
    """Write ``summary.md`` to ``out``, with the results of ``out/cba.csv`` when it exists."""
    from pathlib import Path

    out = Path(out)
    try:
        cba = pd.read_csv(out / "cba.csv")
    except (FileNotFoundError, pd.errors.EmptyDataError):
        cba = None
    (out / "summary.md").write_text(format_summary(ds, data=data, cba=cba))
