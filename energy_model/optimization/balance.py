"""The nodal balance rows of PyPSA's model, written from arrays.

PyPSA's ``define_nodal_balance_constraints`` builds each bus's energy balance (generation,
store dispatch, Link flows times their port efficiencies, minus the load) by grouping a linopy
expression per component and port by bus and merging the groups: general code for every
component, written in xarray operations, and on the daily year the largest step of the model
build (about 0.2 s of 0.5 s). :func:`write_nodal_balance` writes the same rows for the networks
this library builds (Generators, Stores, Links with any number of ports, Loads; every asset
active; no delay, no piecewise efficiency, no transmission losses, no scenarios) from the
variables' label arrays at once. Anything else goes to PyPSA's function
(:func:`energy_model.optimization.lean.bounds_instead_of_rows` installs this as its stand-in).
The LP is PyPSA's, array for array (tested); only the padding of the rows' term lists differs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pypsa
import xarray as xr
from linopy import LinearExpression

from energy_model.network.topology import per_snapshot

BALANCE_COMPONENTS: frozenset[str] = frozenset({"Generator", "Store", "Link", "Load"})
"""Components :func:`write_nodal_balance` handles; with any other one present, PyPSA writes."""


def can_write_nodal_balance(n: pypsa.Network, transmission_losses=False) -> bool:
    """Return whether :func:`write_nodal_balance` writes PyPSA's rows for ``n`` (module doc)."""
    if transmission_losses or n.has_scenarios:
        return False
    for c in n.components:
        if c.static.empty or c.name in ("Bus", "Carrier") or not c.name[0].isupper():
            continue
        if c.name in BALANCE_COMPONENTS:
            if len(c.active_assets) != len(c.static) or ("active" in c.dynamic and not (
                    c.dynamic["active"].empty)):
                return False
            if any(not df.empty for df in getattr(c, "piecewise", {}).values()):
                return False
        elif c.name in ("Line", "Transformer", "StorageUnit", "Process", "ShuntImpedance"):
            return False
    links = n.components["Link"].static
    delays = [col for col in links.columns if col.startswith("delay")]
    return not (links[delays].to_numpy(dtype=float) != 0).any() if delays else True


def _terms(n: pypsa.Network, sns: pd.Index):
    """Yield (bus of each asset, labels [snapshot, asset], coefficients [snapshot, asset])."""
    m = n.model
    for component, column, sign in (("Generator", "bus", 1.0), ("Store", "bus", 1.0),
                                    ("Link", "bus0", -1.0)):
        c = n.components[component]
        if c.static.empty:
            continue
        labels = m.variables[f"{component}-p"].labels.transpose("snapshot", "name")
        names = pd.Index(labels.indexes["name"])
        coef = np.full((len(sns), len(names)), sign)
        if "sign" in c.static.columns:
            coef = coef * c.static.loc[names, "sign"].to_numpy(dtype=float)
        yield c.static.loc[names, column].to_numpy(), labels.sel(snapshot=sns).to_numpy(), coef
    links = n.components["Link"]
    if links.static.empty:
        return
    labels = m.variables["Link-p"].labels.transpose("snapshot", "name")
    names = pd.Index(labels.indexes["name"])
    lab = labels.sel(snapshot=sns).to_numpy()
    for port in links._output_ports:
        suffix = "" if str(port) == "1" else str(port)
        yield (links.static.loc[names, f"bus{port}"].to_numpy(), lab,
               per_snapshot(n, "Link", f"efficiency{suffix}", names, sns))


def write_nodal_balance(n: pypsa.Network, sns: pd.Index, buses=None, suffix: str = "") -> None:
    """Add PyPSA's ``Bus{suffix}-nodal_balance`` rows of ``buses`` to ``n.model``.

    For each bus and snapshot: the sum of the terms of the assets attached to the bus (a
    Generator or Store ``p`` with its sign, a Link's ``p`` with -1 at ``bus0`` and its port's
    efficiency at ``bus1``, ``bus2``, ...) equals minus the load's ``p_set`` times its sign;
    buses without a term get no row (an error, as in PyPSA, when they carry a load).

    Parameters
    ----------
    n : pypsa.Network
        A network for which :func:`can_write_nodal_balance` holds, with its variables in
        ``n.model``.
    sns : pandas.Index
        Snapshots of the model.
    buses : sequence, optional
        Buses to write (default: all), in the order of the rows.
    suffix : str
        Suffix of the constraint name (PyPSA's meshed bus groups).

    References
    ----------
    PyPSA, ``pypsa.optimization.constraints.define_nodal_balance_constraints`` (version 1.4).
    """
    m = n.model
    buses = pd.Index(n.buses.index if buses is None else buses)
    bus_of, labels, coeffs = [], [], []
    for at, lab, coef in _terms(n, sns):
        keep = buses.get_indexer(pd.Index(at)) >= 0  # drops "" (no port) and other groups
        bus_of.append(buses.get_indexer(pd.Index(at[keep])))
        labels.append(lab[:, keep])
        coeffs.append(coef[:, keep])
    bus_of = np.concatenate(bus_of)
    lab, coef = np.concatenate(labels, axis=1), np.concatenate(coeffs, axis=1)
    order = np.argsort(bus_of, kind="stable")
    bus_of, lab, coef = bus_of[order], lab[:, order], coef[:, order]
    first = np.searchsorted(bus_of, bus_of, side="left")
    slot = np.arange(len(bus_of)) - first  # position of each term within its bus
    width = int(slot.max()) + 1 if len(slot) else 1
    vars_ = np.full((len(sns), len(buses), width), -1, dtype=lab.dtype)
    cfs = np.full((len(sns), len(buses), width), np.nan)
    vars_[:, bus_of, slot] = lab
    cfs[:, bus_of, slot] = coef
    coords = {"snapshot": sns, "name": buses}
    dims = ("snapshot", "name", "_term")
    lhs = LinearExpression(xr.Dataset({"coeffs": (dims, cfs), "vars": (dims, vars_)},
                                      coords=coords), m)

    loads = n.components["Load"].static
    rhs = np.zeros((len(sns), len(buses)))
    if not loads.empty:
        # a missing set point counts as 0, as in PyPSA's sum over the bus
        p_set = np.nan_to_num(per_snapshot(n, "Load", "p_set", loads.index, sns))
        if "sign" in loads.columns:
            p_set = p_set * loads.sign.to_numpy(dtype=float)
        at = buses.get_indexer(pd.Index(loads.bus))
        np.add.at(rhs.T, at[at >= 0], -p_set[:, at >= 0].T)
    rhs = xr.DataArray(rhs, coords=coords, dims=("snapshot", "name"))

    has_terms = xr.DataArray((vars_ != -1).any(axis=2), coords=coords, dims=("snapshot", "name"))
    mask = None
    if not bool(has_terms.all()):
        if bool(((~has_terms) & (rhs != 0)).any()):
            raise ValueError("Empty LHS with non-zero RHS in nodal balance constraint.")
        mask = has_terms
    m.add_constraints(lhs, "=", rhs, name=f"Bus{suffix}-nodal_balance", mask=mask)
