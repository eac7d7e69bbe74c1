"""One case solved with, and when it has the Black Sea cable, without its cable options.

The builder and the solver are looked up through their modules at call time, so that a caller
(or a test) that replaces them sees the replacement.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pypsa

from energy_model.data.loading import Inputs
from energy_model.network import build
from energy_model.network.options import power_options
from energy_model.optimization import solver


def solve_with_counterfactual(year: int, options: Sequence[str], data: Inputs,
                              power: bool = False, resolution: str = "daily",
                              on_solve: Callable[[], None] | None = None
                              ) -> tuple[pypsa.Network, pypsa.Network | None]:
    """Solve a case and, if it includes an option needing electricity, the same case without it.

    The counterfactual keeps the electricity layer on and drops only the options that need it
    (the cable and its wind), so that the difference is what they bring: gas saved in power
    plants, CO2, cable flows (see :func:`energy_model.analysis.tables.tabulate_power`).

    Parameters
    ----------
    year : int
        Model year [year].
    options : sequence of str
        Option names of the case.
    data : Inputs
        Loaded inputs.
    power : bool
        Electricity layer on (implied by the options that need it).
    resolution : str
        Time resolution (see :mod:`energy_model.timeseries`).
    on_solve : callable, optional
        Called after each solve (a progress bar).

    Returns
    -------
    tuple
        The solved case and the solved counterfactual (``None`` without such options).
    """
    cable = power_options(data)
    power = power or bool(set(options) & cable)
    n = solver.solve(build.build_network(year, list(options), data, power=power,
                                         resolution=resolution))
    if on_solve is not None:
        on_solve()
    if not set(options) & cable:
        return n, None
    others = [o for o in options if o not in cable]
    without = solver.solve(build.build_network(year, others, data, power=True,
                                               resolution=resolution))
    if on_solve is not None:
        on_solve()
    return n, without
