"""Assemble the network of one model year from the components of this layer.

Every constraint is a plain PyPSA attribute, so a network written to netCDF re-optimises to the
same cost with ``n.optimize()``.
"""

from __future__ import annotations

import logging
import numbers
import threading
from collections.abc import Sequence
from pathlib import Path

import pypsa

from energy_model.data.loading import Inputs, load_inputs
from energy_model.data.schema import MODEL_YEARS
from energy_model.errors import UsageError, WrongTypeError
from energy_model.network.contracts import add_contracts
from energy_model.network.gas import (
    CARRIERS,
    add_buses,
    add_demand,
    add_links,
    add_stores,
    add_supply,
    lng_links,
    pipeline_links,
    reserve_supplies,
    storage_links,
)
from energy_model.network.options import options_need_power
from energy_model.network.topology import (
    check_no_energy_creation,
    fill_link_ports,
    remove_unattached_buses,
    select_active,
)
from energy_model.timeseries import make_snapshots

logger = logging.getLogger(__name__)


def build_network(year: int, options: Sequence[str] = (),
                  inputs: Inputs | str | Path | None = None, power: bool = False,
                  resolution: str = "daily") -> pypsa.Network:
    """Build the gas network of ``year`` with the named options applied.

    Parameters
    ----------
    year : int
        Model year [year]; 2024, 2026 or 2030 have complete data.
    options : sequence of str
        Names of diversification options (see :mod:`energy_model.network.options`).
    inputs : Inputs or path, optional
        Loaded inputs, or the directory to load them from (default: the shipped ``inputs/``).
    power : bool
        Add the electricity layer (:mod:`energy_model.network.power`) coupled to the gas
        network. Options that need it (the Black Sea cable) switch it on. The default is gas
        only, as for ``energy-model solve``; a study switches the layer on in every case when
        any of its option sets needs it, so its costs differ from a gas-only build of the same
        case (the gas burnt for power is then modelled by plants, not held as demand).
    resolution : str
        ``daily`` (365 days, default), ``weeks`` (4 representative hourly weeks), ``hourly``
        or ``hourly-days`` (the hourly year as one 24-hour day per month; see
        :mod:`energy_model.timeseries`).

    Returns
    -------
    pypsa.Network
        An unsolved network; snapshot weights are the hours each snapshot stands for.
    """
    data = inputs if isinstance(inputs, Inputs) else load_inputs(inputs)
    year = check_year(year, data)
    options = check_option_names(options)
    if type(power).__name__ not in ("bool", "bool_"):  # "no" would switch the layer on
        raise WrongTypeError(f"power must be True or False, not {power!r}")
    n = _empty_network()
    n.name = f"energy_model gas {year}"

    if not power and options_need_power(options, data):
        logger.info("electricity layer switched on: options %s need it", list(options))
        power = True
    n.meta = {"year": int(year), "options": list(options), "power": bool(power),
              "resolution": resolution}
    weights = make_snapshots(year, resolution)
    n.set_snapshots(weights.index)
    for col in n.snapshot_weightings.columns:
        n.snapshot_weightings[col] = weights.to_numpy()
    n.add("Carrier", list(CARRIERS), nice_name=list(CARRIERS.values()))
    storage = select_active(data.storage, year)
    add_buses(n, data, storage)
    gas_for_power = None
    if power:
        from energy_model.network.power import add_power, gas_for_power_mwh

        gas_for_power = gas_for_power_mwh(data, year)
    add_demand(n, data, year, subtract=gas_for_power)
    add_supply(n, data, year)
    add_links(n, [pipeline_links(select_active(data.pipelines, year), data.parameters),
                  lng_links(select_active(data.lng_terminals, year)), storage_links(storage)])
    add_stores(n, storage)
    if power:
        add_power(n, data, year)
    add_contracts(n, data, year)
    if options:
        from energy_model.network.options import apply_options

        apply_options(n, options, data)
        fill_link_ports(n)
    reserve_supplies(n, data, year)
    remove_unattached_buses(n)
    check_no_energy_creation(n)
    logger.info("built %s: %d buses, %d links, %d generators, %d stores", n.name,
                len(n.buses), len(n.links), len(n.generators), len(n.stores))
    return n


_EMPTY_LOCK = threading.Lock()
_EMPTY: pypsa.Network | None = None
"""An empty network, copied for each build (a new ``pypsa.Network()`` reads PyPSA's standard
line and transformer types from disk each time; the copy is ten times cheaper)."""


def _empty_network() -> pypsa.Network:
    """Return a new empty network (a copy of one made once per process).

    ``pypsa.Network()`` (and its ``copy``) calls ``logging.basicConfig(level=INFO)``, which
    would make a library caller's process print every INFO message to stderr; while a network
    is made here, a NullHandler on the root logger turns that call into a no-op, and the
    caller's logging is left as it was.
    """
    global _EMPTY
    with _EMPTY_LOCK:  # the root logger's handlers are the process's, not the thread's
        root = logging.getLogger()
        guard = None if root.handlers else logging.NullHandler()
        if guard is not None:
            root.addHandler(guard)
        try:
            if _EMPTY is None:
                _EMPTY = pypsa.Network()
            return _EMPTY.copy()
        finally:
            if guard is not None:
                root.removeHandler(guard)


def check_year(year: object, data: Inputs) -> int:
    """Return ``year`` as an int; raise for a wrong type or a year without data.

    Raises
    ------
    TypeError
        For anything but a whole number (``"2026"``, ``2026.0``, ``True``).
    ValueError
        For a year that is not a model year or has no gas demand in the inputs.
    """
    if isinstance(year, bool) or not isinstance(year, numbers.Integral):
        raise WrongTypeError(f"year must be a whole number such as 2030, not {year!r} "
                        f"({type(year).__name__})")
    year = int(year)
    have = sorted({int(y) for y in data.gas_demand.year.dropna()})
    if year not in MODEL_YEARS or year not in have:
        raise UsageError(f"no model data for {year}: the model years are "
                         f"{', '.join(map(str, MODEL_YEARS))} and the inputs in "
                         f"{data.directory} have gas demand for {', '.join(map(str, have))}")
    return year


def check_option_names(options: object) -> list[str]:
    """Return ``options`` as a list of names; raise ``TypeError`` for a string or non-names."""
    if isinstance(options, str):
        raise WrongTypeError(f"options must be a list of option names, not the string {options!r} "
                        f"(write [{options!r}])")
    try:
        names = list(options)  # type: ignore[call-overload]
    except TypeError:
        names = None
    if names is None or not all(isinstance(x, str) for x in names):
        raise WrongTypeError(f"options must be a list of option names, not {options!r}")
    return names


def network_path(year: int, directory: str | Path = "networks") -> Path:
    """Return the path of the stored unsolved network of ``year``."""
    return Path(directory) / f"gas_{year}.nc"
