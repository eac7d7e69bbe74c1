"""Options applied to a built network.

An option switches on assets that are not in the base network (status ``planned`` or
``hypothetical`` in ``inputs/``). The full option and stress catalogues belong to the study layer;
this module holds the assets each option name brings in.
"""

from __future__ import annotations

from collections.abc import Sequence

import pypsa

from energy_model.build import add_pipelines, select_active
from energy_model.inputs import Inputs

OPTION_PIPELINES: dict[str, tuple[str, ...]] = {
    "tcp-full": ("Trans-Caspian Pipeline",),
    "tcp-stage1": ("Trans-Caspian Interconnector",),
    "iap": ("IAP",),
}
"""Pipelines (names in ``inputs/pipelines.csv``) that each option adds."""


def list_options() -> list[str]:
    """Return the names of the known options."""
    return sorted(OPTION_PIPELINES)


def apply_options(n: pypsa.Network, options: Sequence[str], data: Inputs) -> None:
    """Add the assets of each named option to ``n``; raise ``KeyError`` for an unknown name."""
    year = int(n.meta["year"])
    for option in options:
        if option not in OPTION_PIPELINES:
            raise KeyError(f"unknown option {option!r}; known options: {list_options()}")
        rows = data.pipelines[data.pipelines.name.isin(OPTION_PIPELINES[option])]
        rows = select_active(rows.assign(start_year=rows.start_year.fillna(year)), year,
                             statuses=("operating", "fid", "planned", "hypothetical"))
        rows = rows[~rows.name.isin(n.links.index)]
        if rows.empty:
            raise ValueError(f"option {option!r} has no asset available in {year}")
        add_pipelines(n, rows, data.parameters)
