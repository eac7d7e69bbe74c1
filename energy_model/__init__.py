"""energy_model: gas and electricity flows between the Caspian and Europe with PyPSA.

>>> import energy_model as em
>>> n = em.build_network(2026)          # doctest: +SKIP
>>> em.solve(n)                         # doctest: +SKIP
>>> em.trace_deliveries(n)              # doctest: +SKIP
"""

from energy_model.build import build_network
from energy_model.inputs import InputError, load_inputs, validate_inputs
from energy_model.solve import SolveError, solve
from energy_model.trace import trace_deliveries

__all__ = [
    "InputError",
    "SolveError",
    "build_network",
    "load_inputs",
    "solve",
    "trace_deliveries",
    "validate_inputs",
]
