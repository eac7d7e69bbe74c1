"""The Markdown summary of a study: ranking, unserved gas by stress case, notes."""

from __future__ import annotations

import json

import xarray as xr

from energy_model.study.ranking import rank_options


def format_summary(ds: xr.Dataset) -> str:
    """Return the Markdown summary of a study."""
    ranking = rank_options(ds)
    uns = ds.unserved_gas.sum("country", min_count=1).to_pandas().round(3)
    failed = [(o, s) for o in ds.option.values for s in ds.stress.values
              if ds.status.sel(option=o, stress=s).item() != "ok"]
    lines = [
        f"# Study {ds.attrs['study']} ({ds.attrs['year']}, {ds.attrs['resolution']})",
        "",
        f"{ds.sizes['option']} option sets x {ds.sizes['stress']} stress cases; inputs "
        f"{ds.attrs['inputs_sha256'][:12]}, energy_model {ds.attrs['energy_model_version']}.",
        "",
        "## Ranking",
        "",
        "Rule: options are ranked by the unserved gas summed over all stress cases and countries "
        "(less is better); ties are broken by the total cost of the undisturbed case (`none`): "
        "operating cost of the year plus the options' annualised capex and fixed O&M.",
        "",
        ranking.to_markdown(),
        "",
        "## Unserved gas by stress case [bcm/yr]",
        "",
        uns.to_markdown(),
        "",
    ]
    notes = json.loads(ds.attrs.get("notes", "[]"))
    if notes:
        lines += ["## Notes", ""] + [f"- {x}" for x in notes] + [""]
    if failed:
        lines += ["## Failed cases", ""] + [f"- {o} / {s}" for o, s in failed] + [""]
    return "\n".join(lines)
