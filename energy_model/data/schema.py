"""Table schemas of ``inputs/``: columns, types, units and references.

The schemas are data; :mod:`energy_model.data.validation` applies them. See
``inputs/README.md`` for the data dictionary written for people.
"""

from __future__ import annotations

from dataclasses import dataclass

from energy_model.vocabulary import MODEL_YEARS, OPTION_ACTIONS, STRESS_ACTIONS  # noqa: F401

YEAR_RANGE: tuple[int, int] = (1990, 2060)
"""Allowed range of any year column [year]."""

STATUSES: frozenset[str] = frozenset({"operating", "fid", "planned", "hypothetical"})
"""Asset statuses; ``operating`` and ``fid`` assets are in the base network."""

POWER_TECHNOLOGIES: frozenset[str] = frozenset({
    "gas CCGT", "gas OCGT", "coal", "lignite", "nuclear", "hydro", "wind onshore",
    "wind offshore", "solar", "other"})
"""Technologies of the electricity layer; ``gas *`` plants burn gas from the gas network."""

VARIABLE_TECHNOLOGIES: tuple[str, ...] = ("hydro", "wind onshore", "wind offshore", "solar")
"""Technologies limited by a capacity-factor profile (``power_profiles.csv``): the only ones a
``scale_capacity_factor`` stress can act on."""

SOURCE_COLUMNS: tuple[str, ...] = ("source_id", "estimate", "note")
"""Provenance columns carried by every table that holds numbers."""


@dataclass(frozen=True)
class Column:
    """Specification of one column.

    Parameters
    ----------
    dtype : str
        ``str``, ``float``, ``int``, ``year``, ``bool``, ``date`` or ``estimate`` (see
        :func:`estimated_columns`).
    required : bool
        Whether an empty cell is a problem.
    choices : frozenset or None
        Allowed values of a ``str`` column.
    ref : str or None
        What the value must name: ``region``, ``endpoint`` (region or node), ``sources``
        (``;``-separated source ids), ``delivery_points`` (``;``-separated pipeline or terminal
        names).
    unit : str or None
        Fixed unit of a numeric column, or ``"col:<name>"`` for a companion unit column.
    dimensions : tuple of str
        Allowed dimensions of the unit (see :data:`energy_model.units.UNITS`).
    minimum : float or None
        Smallest allowed value of a numeric column.
    maximum : float or None
        Largest allowed value of a numeric column.
    """

    dtype: str = "str"
    required: bool = True
    choices: frozenset[str] | None = None
    ref: str | None = None
    unit: str | None = None
    dimensions: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


SWING_RANGE: tuple[float, float] = (1.0, 2.0)
"""Allowed range of a supply's ``swing`` [fraction]: its daily capacity over the mean daily rate
of its annual maximum. Below 1 the annual maximum could never be produced; above 2 (a field or
import producing at twice its average rate) the value is taken for a typo, such as a percentage
or a volume written in the wrong column."""


def _num(unit: str, *dims: str, required: bool = True, minimum: float | None = 0.0) -> Column:
    return Column("float", required=required, unit=unit, dimensions=dims, minimum=minimum)


_PROVENANCE = {
    "source_id": Column(ref="sources"),
    "estimate": Column("estimate"),
    "note": Column(required=False),
}
_UNIT = Column()
_OPT_YEAR = Column("year", required=False)
_LOCATION = {
    "x": Column("float", required=False, unit="degree", minimum=-180.0),
    "y": Column("float", required=False, unit="degree", minimum=-90.0),
    "location_source": Column(required=False, ref="sources"),
    "location_note": Column(required=False),
}
"""Optional bus coordinates: longitude ``x`` and latitude ``y`` [degree, WGS84], their source."""


NUMERIC_DTYPES: frozenset[str] = frozenset({"float", "int", "year"})
"""Column types that hold numbers, the only columns an ``estimate`` cell may name."""


def estimated_columns(cell: str, numeric: tuple[str, ...]) -> frozenset[str]:
    """Return the columns a row's ``estimate`` cell marks as estimated.

    ``false`` marks none, ``true`` every numeric column of the table, and a ``;``-separated
    list of column names (``tariff_eur_per_mwh;length_km``) exactly those: the row's other
    values are the sources' own figures (or arithmetic on them, explained in ``note``).

    Parameters
    ----------
    cell : str
        The ``estimate`` cell as written in the CSV.
    numeric : tuple of str
        The table's numeric columns (:meth:`Table.numeric_columns`).

    Returns
    -------
    frozenset of str
        The estimated columns; names outside ``numeric`` are returned as written (validation
        reports them).
    """
    text = str(cell).strip()
    if text.lower() == "false":
        return frozenset()
    if text.lower() == "true":
        return frozenset(numeric)
    return frozenset(x.strip() for x in text.split(";") if x.strip())


@dataclass(frozen=True)
class Table:
    """Specification of one CSV table in ``inputs/``."""

    columns: dict[str, Column]
    key: tuple[str, ...] = ()
    sourced: bool = True
    description: str = ""

    def numeric_columns(self) -> tuple[str, ...]:
        """Return the names of the numeric columns (``float``, ``int``, ``year``)."""
        return tuple(n for n, c in self.columns.items() if c.dtype in NUMERIC_DTYPES)

    def all_columns(self) -> dict[str, Column]:
        """Return the columns including the provenance columns of sourced tables."""
        cols = dict(self.columns)
        if self.sourced:
            cols.update(_PROVENANCE)
        return cols


def _actions(owner: str, actions: frozenset[str]) -> Table:
    """Schema of a table of actions (``option_assets.csv``, ``stress_actions.csv``)."""
    return Table(
        {
            owner: Column(ref=owner),
            "action": Column(choices=actions),
            "target": Column(),
            "value": Column("float", required=False),
            "unit": Column(required=False, ref="unit"),
        },
        key=(owner, "action", "target"),
    )


def _metric_table(metrics: set[str], *dims: str, description: str = "") -> Table:
    """Return the schema of a ``region, year, metric, value, unit`` table."""
    return Table(
        {
            "region": Column(ref="region"),
            "year": Column("year"),
            "metric": Column(choices=frozenset(metrics)),
            "value": _num("col:unit", *dims),
            "unit": _UNIT,
        },
        key=("region", "year", "metric"),
        description=description,
    )


TABLES: dict[str, Table] = {
    "sources.csv": Table(
        {
            "source_id": Column(),
            "publisher": Column(),
            "title": Column(),
            "url": Column(),
            "date": Column("date"),
            "note": Column(required=False),
        },
        key=("source_id",),
        sourced=False,
    ),
    "regions.csv": Table(
        {
            "code": Column(),
            "name": Column(),
            "kind": Column(choices=frozenset({"country", "node", "supplier"})),
            "country": Column(),
            "nato": Column("bool"),
            "eu": Column("bool"),
            "az_gas_recipient": Column("bool"),
            "az_gas_since": Column("date", required=False),
            **_LOCATION,
        },
        key=("code",),
    ),
    "nodes.csv": Table(
        {"node": Column(), "region": Column(ref="region"), "description": Column(),
         **_LOCATION},
        key=("node",),
        sourced=False,
    ),
    "gas_demand.csv": _metric_table({"annual", "peak_day"}, "annual", "power"),
    "design_demand.csv": _metric_table(
        {"peak_day_1in20", "two_week_1in20"}, "power",
        description="1-in-20 design demand of the ENTSOG climatic cases (daily rates)"),
    "gas_demand_shape.csv": Table(
        {
            "region": Column(ref="region"),
            "month": Column("int", minimum=1),
            "share": _num("fraction", "fraction"),
        },
        key=("region", "month"),
    ),
    "gas_supply.csv": Table(
        {
            "region": Column(ref="region"),
            "name": Column(),
            "year": Column("year"),
            "annual_max": _num("col:unit", "annual"),
            "unit": _UNIT,
            "swing": Column("float", unit="fraction", dimensions=("fraction",),
                            minimum=SWING_RANGE[0], maximum=SWING_RANGE[1]),
            "reserved_for": Column(required=False, ref="delivery_points"),
        },
        key=("region", "name", "year"),
    ),
    "supply_prices.csv": Table(
        {
            "region": Column(ref="region"),
            "year": Column("year"),
            "price_eur_per_mwh": _num("EUR/MWh", "price"),
        },
        key=("region", "year"),
    ),
    "supply_potentials.csv": Table(
        {
            "region": Column(ref="region"),
            "year": Column("year"),
            "step": Column("int", minimum=1),
            "annual_max": _num("col:annual_unit", "annual"),
            "annual_unit": _UNIT,
            "daily_max": _num("col:daily_unit", "power"),
            "daily_unit": _UNIT,
            "price_adder_eur_per_mwh": _num("EUR/MWh", "price"),
        },
        key=("region", "year", "step"),
        description="supply potential steps of a source: annual volume, daily rate, price adder",
    ),
    "pipelines.csv": Table(
        {
            "name": Column(),
            "asset": Column(),
            "from": Column(ref="endpoint"),
            "to": Column(ref="endpoint"),
            "capacity_fwd": _num("col:capacity_unit", "power", "annual"),
            "capacity_rev": _num("col:capacity_unit", "power", "annual"),
            "capacity_unit": _UNIT,
            "length_km": _num("km", "length"),
            "start_year": Column("year"),
            "end_year": _OPT_YEAR,
            "status": Column(choices=STATUSES),
            "capex_meur": _num("MEUR", "money", required=False),
            "tariff_eur_per_mwh": _num("EUR/MWh", "price", required=False),
        },
        key=("name", "start_year"),
    ),
    "lng_terminals.csv": Table(
        {
            "name": Column(),
            "region": Column(ref="region"),
            "sendout": _num("col:sendout_unit", "power", "annual"),
            "sendout_unit": _UNIT,
            "start_year": Column("year"),
            "end_year": _OPT_YEAR,
            "status": Column(choices=STATUSES),
        },
        key=("name", "start_year"),
    ),
    "storage.csv": Table(
        {
            "name": Column(),
            "region": Column(ref="region"),
            "working_gas": _num("col:working_gas_unit", "energy"),
            "working_gas_unit": _UNIT,
            "injection": _num("col:injection_unit", "power"),
            "injection_unit": _UNIT,
            "withdrawal": _num("col:withdrawal_unit", "power"),
            "withdrawal_unit": _UNIT,
            "start_year": Column("year"),
            "end_year": _OPT_YEAR,
            "status": Column(choices=STATUSES),
        },
        key=("name", "start_year"),
    ),
    "contracts.csv": Table(
        {
            "name": Column(),
            "seller": Column(ref="region"),
            "buyer": Column(ref="region"),
            "delivery_points": Column(ref="delivery_points"),
            "start_year": Column("year"),
            "end_year": _OPT_YEAR,
            "min_annual": _num("col:unit", "annual"),
            "max_annual": _num("col:unit", "annual"),
            "unit": _UNIT,
            "kind": Column(choices=frozenset({"physical", "swap", "virtual"})),
        },
        key=("name", "start_year"),
    ),
    "cost_of_disrupted_gas.csv": Table(
        {
            "region": Column(ref="region"),
            "value": _num("col:unit", "price"),
            "unit": _UNIT,
        },
        key=("region",),
    ),
    "calibration.csv": Table(
        {
            "year": Column("year"),
            "item": Column(),
            "value": _num("col:unit", "annual"),
            "unit": _UNIT,
            "tolerance": _num("fraction", "fraction"),
            "tolerance_abs": _num("col:unit", "annual", required=False),
            "measure": Column(choices=frozenset({"flow", "origin"})),
            "points": Column(required=False, ref="delivery_points"),
            "region": Column(required=False, ref="region"),
            "origin": Column(required=False),
            "measures": Column(),
            "reason": Column(),
            "status": Column(choices=frozenset({"compared", "unmatched"})),
            "basis": Column(choices=frozenset({"emergent", "pinned"})),
            "pinned_by": Column(required=False),
        },
        key=("year", "item"),
        description="published 2024 figures the back-cast compares with: ``flow`` sums the "
                    "annual flow of ``points``; ``origin`` is the gas of ``origin`` traced to "
                    "the consumers of ``region``; ``unmatched`` rows are shown, not tested",
    ),
    "power_demand.csv": _metric_table({"annual", "peak"}, "annual", "power"),
    "power_capacity.csv": Table(
        {
            "region": Column(ref="region"),
            "technology": Column(choices=POWER_TECHNOLOGIES),
            "year": Column("year"),
            "capacity": _num("col:capacity_unit", "power"),
            "capacity_unit": _UNIT,
        },
        key=("region", "technology", "year"),
    ),
    "power_technologies.csv": Table(
        {
            "technology": Column(choices=POWER_TECHNOLOGIES),
            "efficiency": _num("fraction", "fraction"),
            "vom_eur_per_mwh": _num("EUR/MWh", "price"),
            "fuel_price_eur_per_mwh_th": _num("EUR/MWh", "price", required=False),
            "co2_t_per_mwh_th": _num("tCO2/MWh", "emission"),
        },
        key=("technology",),
    ),
    "power_profiles.csv": Table(
        {
            "region": Column(ref="region"),
            "technology": Column(choices=POWER_TECHNOLOGIES),
            "month": Column("int", minimum=1),
            "capacity_factor": _num("fraction", "fraction"),
        },
        key=("region", "technology", "month"),
    ),
    "power_links.csv": Table(
        {
            "name": Column(),
            "from": Column(ref="region"),
            "to": Column(ref="region"),
            "capacity_fwd": _num("col:capacity_unit", "power"),
            "capacity_rev": _num("col:capacity_unit", "power"),
            "capacity_unit": _UNIT,
            "length_km": _num("km", "length", required=False),
            "carrier": Column(choices=frozenset({"AC", "DC"})),
            "start_year": Column("year"),
            "end_year": _OPT_YEAR,
            "status": Column(choices=STATUSES),
            "capex_meur": _num("MEUR", "money", required=False),
        },
        key=("name", "start_year"),
    ),
    "offshore_wind.csv": Table(
        {
            "region": Column(ref="region"),
            "name": Column(),
            "year": Column("year"),
            "capacity": _num("col:capacity_unit", "power"),
            "capacity_unit": _UNIT,
            "export_share": _num("fraction", "fraction"),
            "status": Column(choices=STATUSES),
        },
        key=("name",),
    ),
    "gas_for_power.csv": Table(
        {
            "region": Column(ref="region"),
            "year": Column("year"),
            "value": _num("col:unit", "annual"),
            "unit": _UNIT,
        },
        key=("region", "year"),
    ),
    "co2_prices.csv": Table(
        {"region": Column(), "year": Column("year"),
         "price_eur_per_t": _num("EUR/tCO2", "co2 price")},
        key=("region", "year"),
        description="carbon price: region ``EU`` = EU ETS (EU members, and the dispatch price "
                    "of every region); other rows = a non-EU region's stated policy price",
    ),
    "options.csv": Table(
        {
            "option": Column(),
            "description": Column(),
            "capex_meur": _num("MEUR", "money"),
            "lifetime_yr": _num("yr", "time"),
            "fom_share": _num("fraction", "fraction"),
            "earliest_year": Column("year"),
            "commissioning_year": _OPT_YEAR,
            "construction_years": _num("yr", "time", required=False),
            "generation_capex_meur": _num("MEUR", "money", required=False),
            "generation_fom_share": _num("fraction", "fraction", required=False),
            "generation_lifetime_yr": _num("yr", "time", required=False),
            "generation_twin": Column(required=False),
        },
        key=("option",),
    ),
    "option_assets.csv": _actions("option", OPTION_ACTIONS),
    "stresses.csv": Table(
        {
            "stress": Column(),
            "description": Column(),
            "probability": _num("fraction", "fraction"),
            "screen": Column("bool", required=False),  # an element of the N-2 screening
            # event (a failure with a yearly probability), future (a scenario: a contract
            # that ends, new demand), none (the undisturbed case)
            "kind": Column(choices=frozenset({"event", "future", "none"}), required=False),
        },
        key=("stress",),
    ),
    "stress_actions.csv": _actions("stress", STRESS_ACTIONS),
    "parameters.csv": Table(
        {
            "parameter": Column(),
            "value": Column("float"),
            "unit": Column(),
        },
        key=("parameter",),
    ),
}
"""Every table of ``inputs/`` and its schema."""

REQUIRED_PARAMETERS: tuple[str, ...] = (
    "compressor_fuel_per_1000km",
    "transport_tariff_per_1000km",
    "discount_rate",
)
"""Rows that ``parameters.csv`` must contain."""
