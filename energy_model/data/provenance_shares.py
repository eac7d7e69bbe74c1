"""Provenance figures of the inputs: estimate share and primary-source share per table.

A row is *primary-sourced* when at least one of its ``source_id`` names a primary publisher:
a transmission or storage system operator, a regulator, a statistics office, a ministry or
government, an EU institution, ENTSOG, GIE, Eurostat, the IEA, or the operating company of the
asset reporting its own figures (operators are listed by name in :data:`PRIMARY_PUBLISHERS`).
The publisher is read from ``sources.csv`` up to its first
``" ("`` or ``" via "``, so an agency quoting a TSO (``"TASS (ENTSOG data)"``) stays secondary.
``inputs/README.md`` prints the table of :func:`summarise_provenance`; a test keeps it current.

The stricter share (``primary_value_share``) counts a row only where a primary source backs the
value itself: a primary source, and none of the row's *headline* values (:data:`HEADLINE_VALUES`:
a pipeline's capacities, a storage site's working gas and withdrawal, a terminal's send-out, a
design rate) named in its ``estimate`` cell (an estimated value applies a method, even to a
primary figure, so it is not the publisher's). ``estimate`` names the estimated columns
(:func:`energy_model.data.schema.estimated_columns`), so a sourced capacity next to an estimated
border tariff or injection rate counts; ``estimate=true`` marks every value. Tables without an
entry in :data:`HEADLINE_VALUES` count every numeric column as headline. A row's primary source
is taken to back its headline value; which source backs which value is in its ``note``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from energy_model.data.names import resolve_inputs
from energy_model.data.schema import TABLES, estimated_columns
from energy_model.data.validation import read_table

PRIMARY_PUBLISHERS: tuple[str, ...] = (
    r"ENTSOG", r"ENTSO-E", r"\bGIE\b", r"Eurostat", r"\bIEA\b", r"International Energy Agency",
    r"\bACER\b", r"European Union", r"European Commission", r"Council of the EU", r"\bNATO\b",
    r"Bundesnetzagentur", r"BNetzA", r"Bulgartransgaz", r"\bFGSZ\b", r"Gastrans", r"Transgaz",
    r"eustream", r"Plinacro", r"Gas Connect Austria", r"\bSnam\b", r"\bDESFA\b", r"\bBOTA[SŞ]\b",
    r"\bEPDK\b", r"\bMASE\b", r"\bGME\b", r"ARERA", r"\bINSSE?\b", r"\bINES\b", r"Naftogaz",
    r"GTSOU", r"Gazprom", r"\bSOCAR\b", r"bp Georgia", r"\bTAP AG\b", r"DEPA",
    r"Podzemno skladiste", r"Invest\.gov", r"Ministry", r"Cabinet of Ministers", r"Statistic",
    r"GeoNames",
    # operators of the assets in the inputs, on their own figures (TSOs, storage, LNG terminals)
    r"National Energy Resources", r"\bNER\b", r"Gastrade", r"Transportgas Srbija", r"Srbijagas",
    r"Plinovodi", r"TAG GmbH", r"\bTANAP\b", r"LNG Croatia", r"LNG Hrvatska", r"Adriatic LNG",
    r"OLT Offshore", r"GNL Italia", r"Stogit", r"Depogaz", r"Romgaz", r"Ukrtransgaz",
    r"Magyar F[oö]ldg[aá]zt[aá]rol[oó]", r"\bMFGT\b", r"\bNAFTA\b", r"RAG Austria",
)
"""Patterns of publishers counted as primary sources (case-insensitive)."""

_PRIMARY = re.compile("|".join(PRIMARY_PUBLISHERS), re.IGNORECASE)

HEADLINE_VALUES: dict[str, tuple[str, ...]] = {
    "pipelines.csv": ("capacity_fwd", "capacity_rev"),
    "storage.csv": ("working_gas", "withdrawal"),
    "lng_terminals.csv": ("sendout",),
    "design_demand.csv": ("value",),
}
"""The values a row of these tables exists to state; the stricter primary share asks that none
of them be estimated (a border tariff, a nominal length or an injection rate may be)."""


def primary_source_ids(sources: pd.DataFrame) -> set[str]:
    """Return the ids of ``sources.csv`` rows whose own publisher is primary."""
    own = sources.publisher.astype(str).str.split(r" \(| via ", regex=True).str[0]
    return set(sources.source_id[own.str.contains(_PRIMARY)])


def summarise_provenance(directory: str | Path | None = None) -> pd.DataFrame:
    """Return per sourced table: rows, estimate share and primary-source shares [fraction].

    Columns: ``table, rows, estimate_share`` (rows with any estimated value), ``primary_share``
    and ``primary_value_share`` (see the module docstring); a last row ``all`` pools every
    table. Only tables with provenance columns (``source_id, estimate``) count. ``directory``
    defaults to the ``inputs/`` shipped with the package.
    """
    directory = resolve_inputs(directory)
    primary = primary_source_ids(read_table(directory / "sources.csv"))
    rows = []
    for fname, spec in TABLES.items():
        if not spec.sourced or not (directory / fname).exists():
            continue
        df = read_table(directory / fname)
        if df.empty:
            continue
        numeric = spec.numeric_columns()
        headline = set(HEADLINE_VALUES.get(fname, numeric))
        cells = df.estimate.astype(str).str.strip()
        est = cells.str.lower().ne("false")
        head_est = pd.Series([c.lower() == "true" or bool(estimated_columns(c, numeric) & headline)
                              for c in cells], index=df.index)
        ids = df.source_id.astype(str).str.split(";")
        prim = ids.map(lambda xs: any(x.strip() in primary for x in xs))
        rows.append({"table": fname, "rows": len(df), "estimates": int(est.sum()),
                     "primary": int(prim.sum()),
                     "primary_value": int((prim & ~head_est).sum())})
    out = pd.DataFrame(rows)
    total = {"table": "all", "rows": out.rows.sum(), "estimates": out.estimates.sum(),
             "primary": out.primary.sum(), "primary_value": out.primary_value.sum()}
    out = pd.concat([out, pd.DataFrame([total])], ignore_index=True)
    out["estimate_share"] = (out.estimates / out.rows).round(2)
    out["primary_share"] = (out.primary / out.rows).round(2)
    out["primary_value_share"] = (out.primary_value / out.rows).round(2)
    return out[["table", "rows", "estimate_share", "primary_share", "primary_value_share"]]


def provenance_markdown(directory: str | Path | None = None) -> str:
    """Return the provenance table of ``inputs/README.md`` as Markdown."""
    t = summarise_provenance(directory)
    lines = ["| table | rows | any value estimated | primary-sourced | "
             "primary headline value (not estimated) |",
             "|---|---:|---:|---:|---:|"]
    lines += [f"| `{r.table}` | {r.rows} | {r.estimate_share:.0%} | {r.primary_share:.0%} | "
              f"{r.primary_value_share:.0%} |"
              if r.table != "all" else
              f"| **all** | {r.rows} | {r.estimate_share:.0%} | {r.primary_share:.0%} | "
              f"{r.primary_value_share:.0%} |"
              for r in t.itertuples()]
    sources = read_table(resolve_inputs(directory) / "sources.csv")
    share = len(primary_source_ids(sources)) / max(len(sources), 1)
    lines += ["", f"`sources.csv`: {len(sources)} sources, {share:.0%} from primary publishers."]
    return "\n".join(lines) + "\n"


_START, _END = "<!-- provenance:start -->", "<!-- provenance:end -->"


def write_readme_table(directory: str | Path | None = None) -> Path:
    """Rewrite the provenance table between its markers in ``<directory>/README.md``."""
    path = resolve_inputs(directory) / "README.md"
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(_START, 1)
    _, tail = rest.split(_END, 1)
    path.write_text(f"{head}{_START}\n{provenance_markdown(directory)}{_END}{tail}",
                    encoding="utf-8")
    return path


def readme_table(directory: str | Path | None = None) -> str:
    """Return the provenance table currently printed in ``<directory>/README.md``."""
    text = (resolve_inputs(directory) / "README.md").read_text(encoding="utf-8")
    return text.split(_START, 1)[1].split(_END, 1)[0].strip("\n") + "\n"
