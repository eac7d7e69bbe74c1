"""The words a study file, the command line and the library share, defined once.

Model years, time resolutions, climatic cases, and the actions an option or a stress may take.
Standard library only, so the command line can list and check them without importing pandas or
PyPSA. What each word does is defined where it is implemented: the climatic cases in
:mod:`energy_model.scenarios.climates`, the resolutions in :mod:`energy_model.timeseries`, the
option actions in :mod:`energy_model.network.options`, the stress actions in
:mod:`energy_model.scenarios.stresses`.

References
----------
ENTSOG, "Ten-Year Network Development Plan 2017, Main Report" (§2.2.2.4) and "GRIP Central
Eastern Europe 2017": the 1-day Design Case and the 14-day Uniform Risk case.
ENTSOG, TYNDP 2020 scenario and methodology reports: the 2-week Dunkelflaute case.
"""

from __future__ import annotations

MODEL_YEARS: tuple[int, ...] = (2024, 2026, 2030)
"""Years for which networks are built and demand must be complete [year]."""

RESOLUTIONS: tuple[str, ...] = ("daily", "weeks", "hourly", "hourly-days")
"""Time resolutions of a model year (see :func:`energy_model.timeseries.make_snapshots`)."""

CLIMATES: dict[str, str] = {
    "average": "the daily model year (365 days, monthly demand shape, contracts in force)",
    "peak-day": "ENTSOG 1-day Design Case: one day at the 1-in-20 peak-day demand",
    "two-week": "ENTSOG 14-day Uniform Risk: 14 days at the 1-in-20 two-week average demand",
}
"""Climatic cases a study may list, with their descriptions."""

DESIGN_CLIMATES: tuple[str, ...] = ("peak-day", "two-week")
"""The ENTSOG design (high-demand) cases among :data:`CLIMATES`."""

LIBRARY_CLIMATES: dict[str, str] = {
    "two-week-dunkelflaute": "ENTSOG 2-week Dunkelflaute: the two-week case with little wind "
                             "and sun, so gas plants run harder (needs the electricity layer)",
}
"""Climatic cases the library builds but study files do not accept yet."""

OPTION_ACTIONS: frozenset[str] = frozenset({
    "add_pipeline", "set_capacity", "add_lng", "add_storage", "add_power_link",
    "add_offshore_wind", "add_power_capacity", "extendable_pipeline"})
"""Actions an option may take (``option_assets.csv``; :mod:`energy_model.network.options`)."""

STRESS_ACTIONS: frozenset[str] = frozenset({
    "cut_supply", "outage", "scale_price", "scale_gas_demand", "peak_days",
    "scale_capacity_factor", "add_power_demand", "slid"})
"""Actions a stress may take (``stress_actions.csv``; :mod:`energy_model.scenarios.stresses`)."""

CURTAILMENT_RULES: tuple[str, ...] = ("cooperative", "least-cost")
"""How unserved gas is shared between countries in a study (the first is the default)."""
