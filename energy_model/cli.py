"""The ``energy-model`` command: a thin shell over the library's public functions."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from energy_model.data.loading import load_inputs
from energy_model.data.validation import InputError, validate_inputs

logger = logging.getLogger("energy_model")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = argparse.ArgumentParser(
        prog="energy-model",
        description="Gas and electricity flows between the Caspian and Europe (PyPSA + HiGHS).")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check every table of an inputs directory")
    p.add_argument("directory", nargs="?", default="inputs", help="inputs directory")

    p = sub.add_parser("overview", help="print an overview of the dataset")
    p.add_argument("--inputs", default="inputs", help="inputs directory")

    p = sub.add_parser("build", help="build unsolved networks and write them to networks/")
    p.add_argument("--year", type=int, action="append", required=True,
                   help="model year (repeatable)")
    p.add_argument("--out", default="networks", help="directory for gas_<year>.nc")
    p.add_argument("--inputs", default="inputs", help="inputs directory")

    p = sub.add_parser("run", help="run every option x stress case of a study file")
    p.add_argument("study", help="study file (YAML)")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--inputs", default="inputs", help="inputs directory")
    p.add_argument("--workers", type=int, default=None,
                   help="local worker processes (default: number of CPUs)")
    p.add_argument("--scheduler", default=None,
                   help="Dask distributed scheduler address (tcp://host:port)")

    p = sub.add_parser("indicators", help="security-of-supply indicators of one undisturbed year")
    p.add_argument("--year", type=int, required=True, help="model year (2024, 2026, 2030)")
    p.add_argument("--out", required=True, help="output directory (indicators.csv)")
    p.add_argument("--inputs", default="inputs", help="inputs directory")

    p = sub.add_parser("solve", help="build and solve one year, write results")
    p.add_argument("--year", type=int, required=True, help="model year (2024, 2026, 2030)")
    p.add_argument("--option", action="append", default=[], help="option name (repeatable)")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--inputs", default="inputs", help="inputs directory")
    p.add_argument("--power", action="store_true",
                   help="add the electricity layer (implied by the Black Sea cable options)")
    p.add_argument("--resolution", default="daily", choices=["daily", "weeks", "hourly"],
                   help="time resolution (default: daily)")

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("pypsa", "linopy"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return {"validate": _validate, "overview": _overview, "build": _build,
                "run": _run, "solve": _solve, "indicators": _indicators}[args.command](args)
    except InputError as err:
        print(err, file=sys.stderr)
        return 2


def _validate(args: argparse.Namespace) -> int:
    problems = validate_inputs(args.directory)
    if problems:
        print(f"{len(problems)} problem(s) in {args.directory}:", file=sys.stderr)
        for prob in problems:
            print(f"  - {prob}", file=sys.stderr)
        return 1
    print(f"{args.directory}: all tables valid")
    return 0


def _overview(args: argparse.Namespace) -> int:
    from energy_model.report.text import format_overview

    print(format_overview(load_inputs(args.inputs)))
    return 0


def _build(args: argparse.Namespace) -> int:
    from energy_model.network.build import build_network, network_path

    data = load_inputs(args.inputs)
    for year in args.year:
        path = network_path(year, args.out)
        path.parent.mkdir(parents=True, exist_ok=True)
        build_network(year, inputs=data).export_to_netcdf(path)
        print(f"wrote {path}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from energy_model.study.ranking import rank_options
    from energy_model.study.runner import run_study
    from energy_model.study.schema import StudyError, load_study

    data = load_inputs(args.inputs)
    try:
        study = load_study(args.study, data)
    except StudyError as err:
        print(err, file=sys.stderr)
        return 2
    ds = run_study(study, args.out, inputs=args.inputs, workers=args.workers,
                   scheduler=args.scheduler)
    print(rank_options(ds).to_string())
    failed = int((ds.status != "ok").sum())
    out = Path(args.out).resolve()
    print(f"\n{ds.sizes['option'] * ds.sizes['stress'] - failed} cases solved, {failed} failed; "
          f"results in {out} (results.nc, summary.md, indicators.csv, cba.csv, costs.csv, "
          "countries.csv, deliveries.csv)")
    return 1 if failed else 0


def _indicators(args: argparse.Namespace) -> int:
    import pandas as pd

    from energy_model.analysis.flexibility import remaining_flexibility, supply_source_dependence
    from energy_model.analysis.indicators import compute_indicators
    from energy_model.network.build import build_network
    from energy_model.optimization.solver import solve

    data = load_inputs(args.inputs)

    def build():
        return build_network(args.year, inputs=data)

    table = compute_indicators(solve(build()), data)
    rf = remaining_flexibility(build)
    r = data.regions
    sources = sorted(set(r.code[r.kind == "supplier"]) | {"AZ", "TM"})
    ssd = supply_source_dependence(build, sources).stack().reset_index()
    ssd.columns = ["country", "source", "value"]
    extra = [pd.DataFrame({"country": rf.index, "indicator": "remaining_flexibility",
                           "value": rf.to_numpy(), "unit": "fraction"}),
             ssd.assign(indicator="supply_source_dependence_" + ssd.source, unit="fraction")
             .drop(columns="source")]
    table = pd.concat([table, *extra], ignore_index=True)
    table.insert(0, "stress", "none")
    table.insert(0, "option", "reference")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "indicators.csv", index=False)
    wide = table.pivot_table(index="country", columns="indicator", values="value")
    cols = [c for c in ("n_minus_1", "ird", "hhi_origin", "russian_share", "price",
                        "remaining_flexibility") if c in wide]
    print(wide[cols].round(3).to_string())
    print(f"\nindicators written to {(out / 'indicators.csv').resolve()}")
    return 0


def _solve(args: argparse.Namespace) -> int:
    from energy_model.analysis.export import write_results
    from energy_model.analysis.trace import trace_deliveries
    from energy_model.network.build import build_network
    from energy_model.optimization.solver import solve
    from energy_model.report.text import format_deliveries

    data = load_inputs(args.inputs)
    assets = data.option_assets
    cable = set(assets.option[assets.action == "add_power_link"])
    n = solve(build_network(args.year, args.option, data, power=args.power,
                            resolution=args.resolution))
    without = None
    if set(args.option) & cable:
        others = [o for o in args.option if o not in cable]
        without = solve(build_network(args.year, others, data, power=True,
                                      resolution=args.resolution))
    out = write_results(n, args.out, inputs_dir=Path(args.inputs), without=without)
    print(format_deliveries(trace_deliveries(n), data))
    print(f"\nresults written to {out.resolve()}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
