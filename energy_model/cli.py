"""The ``energy-model`` command: a thin shell over the library's public functions.

Each subcommand is one ``_add_<name>`` function (its arguments) and one ``_<name>`` function (what
it does), registered with :func:`command`. Nothing heavy is imported at module level, so
``energy-model --help`` answers without importing pandas or PyPSA; each subcommand imports what
it needs. Output meant for the reader goes to stdout; logging, progress bars, solver banners and
library warnings go to stderr (warnings only with ``-v``).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from energy_model.errors import EnergyModelError

logger = logging.getLogger("energy_model")

INPUTS_HELP = "inputs directory (default: the inputs/ shipped with the package)"


class _Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Show defaults in help and keep the description's line breaks."""


COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None],
                          Callable[[argparse.Namespace], int]]] = {}
"""name -> (help, add_arguments, run); filled by :func:`command` in the order of this file."""


def command(name: str, help: str, arguments: Callable[[argparse.ArgumentParser], None]):
    """Register ``run(args) -> exit code`` as the subcommand ``name``."""

    def register(run: Callable[[argparse.Namespace], int]):
        COMMANDS[name] = (help, arguments, run)
        return run

    return register


def _version() -> str:
    from energy_model.provenance import package_version

    return package_version()


def common_options() -> argparse.ArgumentParser:
    """Return the parent parser of options every subcommand accepts (``-v``, ``-q``)."""
    common = argparse.ArgumentParser(add_help=False)
    g = common.add_argument_group("output")
    g.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS,
                   help="more log messages on stderr (-v: debug of energy_model and library "
                        "warnings; -vv: also PyPSA and linopy)")
    g.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                   help="only warnings and errors on stderr, no progress bars")
    g.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help="show the full traceback of an error instead of one message")
    return common


def make_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every registered subcommand."""
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="energy-model", parents=[common], formatter_class=_Formatter,
        description="Gas and electricity flows between the Caspian and Europe (PyPSA + HiGHS).",
        epilog="Run `energy-model COMMAND --help` for a command's options.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (help_, arguments, _) in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_, parents=[common],
                           formatter_class=_Formatter)
        arguments(p)
    return parser


def configure_logging(verbose: int, quiet: bool) -> None:
    """Log to stderr: INFO by default, DEBUG with ``-v``, WARNING with ``-q``.

    Python warnings of the libraries are routed to the log and shown only with ``-v``; PyPSA's
    and linopy's own INFO messages only with ``-vv``.
    """
    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr, force=True)
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").setLevel(logging.WARNING if verbose else logging.ERROR)
    logging.getLogger("numexpr").setLevel(logging.WARNING)
    for noisy in ("pypsa", "linopy"):
        logging.getLogger(noisy).setLevel(logging.INFO if verbose >= 2 else logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = make_parser().parse_args(argv)
    args.verbose = getattr(args, "verbose", 0)
    args.quiet = getattr(args, "quiet", False)
    args.debug = getattr(args, "debug", False)
    configure_logging(args.verbose, args.quiet)
    try:
        return COMMANDS[args.command][2](args)
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stdout = open(os.devnull, "w")
        return 0
    except KeyboardInterrupt as err:
        if args.debug:
            raise
        text = str(err) if type(err).__name__ == "StudyInterruptedError" else (
            "interrupted (finished study cases are kept in the cache; run the same command "
            "again to continue)")
        print(f"energy-model {args.command}: {text}", file=sys.stderr)
        return 130
    except Exception as err:
        if args.debug:
            raise
        return report_error(args.command, err)


def report_error(command: str, err: Exception) -> int:
    """Print one message for ``err``; return its exit code, decided by its class alone.

    2 for an expected failure: an :class:`~energy_model.errors.EnergyModelError` (bad inputs or
    study file, unknown name, failed solve, unusable output folder, changed inputs) or a
    file-system error (:class:`OSError`: a missing or unreadable file). 3 for anything else, a
    bug in energy_model.
    """
    from energy_model.data.problems import InputError  # light: no pandas

    text = err.args[0] if isinstance(err, KeyError) and err.args else str(err)
    if isinstance(err, InputError):
        print(err, file=sys.stderr)  # the list of problems, one per line
        return 2
    if isinstance(err, EnergyModelError | OSError):
        print(f"energy-model {command}: {text}", file=sys.stderr)
        return 2
    print(f"energy-model {command}: unexpected error {type(err).__name__}: {text} (run again "
          "with --debug for the traceback, and please report it)", file=sys.stderr)
    return 3


class UnknownNameError(EnergyModelError, ValueError):
    """A name given on the command line is not in its catalogue."""


def check_names(kind: str, names: list[str], known: dict[str, str] | set[str]) -> None:
    """Raise :class:`UnknownNameError` (with "did you mean") for names not in ``known``."""
    from energy_model.data.names import unknown_name

    bad = [unknown_name(kind, x, known) for x in names if x not in known]
    if bad:
        raise UnknownNameError("; ".join(bad) + f" (see `energy-model list {kind}s`)")


def progress(args: argparse.Namespace, total: int | None, desc: str, unit: str = "solve"):
    """Return a tqdm progress bar on stderr (disabled by ``-q``)."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, disable=args.quiet,
                leave=False)


def _positive_int(text: str) -> int:
    """Return ``text`` as a whole number of at least 1 (argparse refuses it otherwise: exit 2)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive number of workers")
    return value


def _inputs_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--inputs", default=None, help=INPUTS_HELP)


def _force_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--force", action="store_true",
                   help="write into --out although it holds files energy_model did not write "
                        "(they are kept: nothing the tool did not write is ever replaced or "
                        "deleted, and a run that would replace one stops instead)")


def _load(args: argparse.Namespace):
    from energy_model.data.loading import load_inputs
    from energy_model.data.names import resolve_inputs

    return load_inputs(resolve_inputs(args.inputs))


# --- validate ------------------------------------------------------------------------------

def _add_validate(p: argparse.ArgumentParser) -> None:
    p.add_argument("directory", nargs="?", default=None, help=INPUTS_HELP)


@command("validate", "check every table of an inputs directory (exit 1 on any problem)",
         _add_validate)
def _validate(args: argparse.Namespace) -> int:
    from energy_model.data.names import resolve_inputs
    from energy_model.data.validation import validate_inputs

    directory = resolve_inputs(args.directory)
    problems = validate_inputs(directory)
    if problems:
        print(f"{len(problems)} problem(s) in {directory}:", file=sys.stderr)
        for prob in problems:
            print(f"  - {prob}", file=sys.stderr)
        return 1
    print(f"{directory}: all tables valid")
    return 0


# --- list ----------------------------------------------------------------------------------

LISTS = ("options", "stresses", "climates")


def _add_list(p: argparse.ArgumentParser) -> None:
    p.add_argument("what", choices=LISTS, help="catalogue to list")
    _inputs_arg(p)


def climate_catalogue() -> dict[str, str]:
    """Return ``name -> description`` of the climatic cases studies accept."""
    from energy_model.vocabulary import CLIMATES

    return dict(CLIMATES)


def catalogue(what: str, inputs: str | None = None) -> dict[str, str]:
    """Return ``name -> description`` of ``options``, ``stresses`` or ``climates``."""
    from energy_model.data.names import read_catalogue

    if what == "climates":
        return climate_catalogue()
    table = read_catalogue(what, inputs)
    if what == "stresses":
        table.setdefault("slid", "single largest infrastructure disruption: one case per "
                                 "country, removing its largest entry point (expands to "
                                 "slid-XX)")
    return table


@command("list", "list the options, stresses or climatic cases with their descriptions",
         _add_list)
def _list(args: argparse.Namespace) -> int:
    import shutil
    import textwrap

    table = catalogue(args.what, args.inputs)
    width = max(map(len, table), default=0)
    cols = max(60, shutil.get_terminal_size((100, 20)).columns)
    for name, desc in table.items():
        lines = textwrap.wrap(desc, max(30, cols - width - 2)) or [""]
        print(f"{name:<{width}}  {lines[0]}")
        for line in lines[1:]:
            print(" " * (width + 2) + line)
    return 0


# --- overview ------------------------------------------------------------------------------

@command("overview", "print an overview of the dataset", _inputs_arg)
def _overview(args: argparse.Namespace) -> int:
    from energy_model.report.text import format_overview

    print(format_overview(_load(args)))
    return 0


# --- build ---------------------------------------------------------------------------------

def _add_build(p: argparse.ArgumentParser) -> None:
    p.add_argument("--year", type=int, action="append", required=True,
                   help="model year (repeatable)")
    p.add_argument("--out", default="networks", help="directory for gas_<year>.nc")
    _inputs_arg(p)
    _force_arg(p)


@command("build", "build unsolved networks and write them to networks/", _add_build)
def _build(args: argparse.Namespace) -> int:
    from energy_model.network.build import build_network, network_path
    from energy_model.outdir import check_output_dir, output_dir

    check_output_dir(args.out, args.force)
    data = _load(args)
    with output_dir(args.out, force=args.force, add=True) as stage:  # other years are kept
        for year in args.year:
            build_network(year, inputs=data).export_to_netcdf(network_path(year, stage))
    for year in args.year:
        print(f"wrote {network_path(year, args.out)}")
    return 0


# --- run -----------------------------------------------------------------------------------

def _pool_args(p: argparse.ArgumentParser) -> None:
    """Add ``--inputs``, ``--workers``, ``--scheduler`` and ``--force`` (run, screen)."""
    _inputs_arg(p)
    p.add_argument("--workers", type=_positive_int, default=None,
                   help="local worker processes (default: number of CPUs)")
    p.add_argument("--scheduler", default=None,
                   help="Dask distributed scheduler address (tcp://host:port)")
    _force_arg(p)

def _add_run(p: argparse.ArgumentParser) -> None:
    p.add_argument("study", help="study file (YAML)")
    p.add_argument("--out", required=True, help="output directory")
    _pool_args(p)
    p.add_argument("--check", metavar="BASELINE_DIR", default=None,
                   help="compare the results with a stored run (its results.nc) within the "
                        "tolerances of energy_model.study.check; exit 1 listing any difference")


@command("run", "run every option x stress case of a study file", _add_run)
def _run(args: argparse.Namespace) -> int:
    from energy_model.data.names import resolve_inputs
    from energy_model.outdir import check_output_dir
    from energy_model.study.ranking import rank_options
    from energy_model.study.runner import run_study
    from energy_model.study.schema import StudyError, load_study

    check_output_dir(args.out, args.force)
    if args.check and not (Path(args.check) / "results.nc").exists():
        print(f"energy-model run: --check {args.check}: no results.nc there; give the --out "
              "directory of a stored run", file=sys.stderr)
        return 2
    data = _load(args)
    try:
        study = load_study(args.study, data)
    except StudyError as err:
        print(err, file=sys.stderr)
        return 2
    ds = run_study(study, args.out, inputs=resolve_inputs(args.inputs), workers=args.workers,
                   scheduler=args.scheduler, progress=not args.quiet, force=args.force)
    print(rank_options(ds).to_string())
    failed = int((ds.status != "ok").sum())
    out = Path(args.out).resolve()
    print(f"\n{ds.status.size - failed} cases solved, {failed} failed; results in {out} "
          "(summary.md first; results.nc, indicators.csv, cba.csv, costs.csv, countries.csv, "
          "deliveries.csv, bottlenecks.csv)")
    print(f"report: {_write_report(out, args)}")
    if args.check:
        return _check_baseline(out, Path(args.check)) or (1 if failed else 0)
    return 1 if failed else 0


# --- invest --------------------------------------------------------------------------------

def _add_invest(p: argparse.ArgumentParser) -> None:
    p.add_argument("study", help="investment study file (YAML, energy_model.study.invest)")
    p.add_argument("--out", required=True, help="output directory")
    _inputs_arg(p)
    _force_arg(p)


@command("invest", "optimise the portfolio of options under uncertainty (stochastic, CVaR, "
         "MGA)", _add_invest)
def _invest(args: argparse.Namespace) -> int:
    from energy_model.data.names import resolve_inputs
    from energy_model.outdir import check_output_dir
    from energy_model.report.invest import summarise_invest, write_invest_report
    from energy_model.study.invest import load_invest_study, run_invest

    check_output_dir(args.out, args.force)
    inputs = resolve_inputs(args.inputs)
    study = load_invest_study(args.study, _load(args))
    run_invest(study, args.out, inputs=inputs, force=args.force)
    page = write_invest_report(args.out)
    print(summarise_invest(args.out))
    print(f"\nresults in {Path(args.out).resolve()} (portfolio.csv, risk_curve.csv, "
          f"value_of_information.csv, regret.csv, mga_ranges.csv); report: {page}")
    return 0


# --- screen --------------------------------------------------------------------------------

def _add_screen(p: argparse.ArgumentParser) -> None:
    p.add_argument("study", help="study file (YAML): its year and option sets are screened")
    p.add_argument("--out", required=True, help="output directory")
    _pool_args(p)


@command("screen", "N-2 screening: every pair of the screened routes and sources (stresses.csv "
         "screen=true) on the design cases, both curtailment rules, every option set",
         _add_screen)
def _screen(args: argparse.Namespace) -> int:
    from energy_model.data.names import resolve_inputs
    from energy_model.outdir import check_output_dir, output_dir
    from energy_model.study.schema import StudyError, load_study
    from energy_model.study.screen import run_screen, summarise_options, write_screen

    check_output_dir(args.out, args.force)
    data = _load(args)
    try:
        study = load_study(args.study, data)
    except StudyError as err:
        print(err, file=sys.stderr)
        return 2
    table = run_screen(study, resolve_inputs(args.inputs), workers=args.workers,
                       scheduler=args.scheduler)
    with output_dir(args.out, force=args.force) as stage:
        write_screen(table, stage, data)
    recipients = list(data.regions.code[data.regions.az_gas_recipient])
    print(summarise_options(table, recipients).to_string(index=False))
    print(f"\n{table.attrs['cases']} solves in {table.attrs['seconds']:.0f} s "
          f"({table.attrs['from_scratch']} built from scratch); results in "
          f"{Path(args.out).resolve()} (screen.csv, screen_countries.csv, screen_options.csv)")
    missing = table.attrs["missing"]
    if missing:
        print(f"{len(missing)} case(s) failed and are not in the tables, e.g. "
              + "; ".join(" / ".join(k) for k in missing[:5]), file=sys.stderr)
        return 1
    return 0


def _check_baseline(out: Path, baseline: Path) -> int:
    """Print the differences from ``baseline``; return 1 if there are any."""
    from energy_model.study.check import RTOL, compare_results

    diffs, notes = compare_results(out, baseline)
    for note in notes:
        print(f"note: {note}")
    if diffs:
        print(f"\ncheck against {baseline.resolve()}: {len(diffs)} difference(s) "
              f"(rtol {RTOL:g}, atol by unit):")
        for d in diffs:
            print(f"  - {d}")
        return 1
    print(f"\ncheck against {baseline.resolve()}: no difference (rtol {RTOL:g}, atol by unit)")
    return 0


def _write_report(out: Path, args: argparse.Namespace, maps: bool = True) -> Path:
    """Write ``out/report.html``; return its path.

    A report that cannot be written is an error (raised again after a line saying that the
    study's results stand), so the command exits non-zero.
    """
    from energy_model.data.names import resolve_inputs
    from energy_model.report.html import write_report

    try:
        return write_report(out, inputs=resolve_inputs(args.inputs), maps=maps,
                            force=args.force).resolve()
    except Exception:
        print(f"energy-model {args.command}: report.html not written; the study's results in "
              f"{out} stand (once the cause below is fixed, `energy-model report {out}` writes "
              "the report):", file=sys.stderr)
        raise


# --- report --------------------------------------------------------------------------------

def _add_report(p: argparse.ArgumentParser) -> None:
    p.add_argument("directory", help="a study's output directory (from `energy-model run`)")
    _inputs_arg(p)
    p.add_argument("--no-maps", action="store_true",
                   help="skip the flow maps (drawn from the reference case the study wrote)")
    _force_arg(p)


@command("report", "write DIR/report.html (figures, ranking, tables) from a study's outputs",
         _add_report)
def _report(args: argparse.Namespace) -> int:
    directory = Path(args.directory)
    if not (directory / "results.nc").exists():
        print(f"{directory} has no results.nc: give the --out directory of `energy-model run`",
              file=sys.stderr)
        return 2
    print(f"report: {_write_report(directory, args, maps=not args.no_maps)}")
    return 0


# --- indicators ----------------------------------------------------------------------------

def _add_indicators(p: argparse.ArgumentParser) -> None:
    p.add_argument("--year", type=int, required=True, help="model year (2024, 2026, 2030)")
    p.add_argument("--out", required=True, help="output directory (indicators.csv)")
    _inputs_arg(p)
    _force_arg(p)


@command("indicators", "security-of-supply indicators of one undisturbed year",
         _add_indicators)
def _indicators(args: argparse.Namespace) -> int:
    from energy_model.outdir import check_output_dir, output_dir
    from energy_model.study.experiments import tabulate_year_indicators

    check_output_dir(args.out, args.force)
    data = _load(args)
    # four stages: the year, supply-source dependence, remaining flexibility on each design case
    bar = progress(args, 4, "indicators", unit="stage")
    try:
        table = tabulate_year_indicators(args.year, data, on_build=lambda: bar.update(1))
    finally:
        bar.close()
    out = Path(args.out)
    with output_dir(out, force=args.force) as stage:
        table.to_csv(stage / "indicators.csv", index=False)
    wide = table.pivot_table(index="country", columns="indicator", values="value")
    cols = [c for c in ("n_minus_1", "ird", "hhi_origin", "russian_share", "price",
                        "remaining_flexibility_peak-day", "remaining_flexibility_two-week")
            if c in wide]
    print(wide[cols].round(3).to_string())
    print(f"\nindicators written to {(out / 'indicators.csv').resolve()}")
    return 0


# --- solve ---------------------------------------------------------------------------------

def _add_solve(p: argparse.ArgumentParser) -> None:
    from energy_model.vocabulary import RESOLUTIONS

    p.add_argument("--year", type=int, required=True, help="model year (2024, 2026, 2030)")
    p.add_argument("--option", action="append", default=[],
                   help="option name (repeatable; see `energy-model list options`)")
    p.add_argument("--out", required=True, help="output directory")
    _inputs_arg(p)
    p.add_argument("--power", action="store_true",
                   help="add the electricity layer (implied by the Black Sea cable options; a "
                        "study with such an option has it on in every case)")
    p.add_argument("--resolution", default="daily", choices=RESOLUTIONS,
                   help="time resolution")
    _force_arg(p)


@command("solve", "build and solve one year, write results", _add_solve)
def _solve(args: argparse.Namespace) -> int:
    from energy_model.analysis.export import write_results
    from energy_model.analysis.trace import trace_deliveries
    from energy_model.network.options import early_option_notes, power_options
    from energy_model.outdir import check_output_dir
    from energy_model.report.text import format_deliveries
    from energy_model.study.experiments import solve_with_counterfactual

    check_output_dir(args.out, args.force)
    data = _load(args)
    check_names("option", args.option, set(data.options.option))
    for note in early_option_notes(args.option, args.year, data):
        logger.warning(note)
    cable = power_options(data)
    power = args.power or bool(set(args.option) & cable)
    print("layers: " + ("gas + electricity" if power else
                        "gas only (a study whose options include the cable has the electricity "
                        "layer on in every case: add --power to compare with it)"))
    bar = progress(args, 2 if set(args.option) & cable else 1, "solve")
    try:
        n, without = solve_with_counterfactual(args.year, args.option, data, power=power,
                                               resolution=args.resolution,
                                               on_solve=lambda: bar.update(1))
    finally:
        bar.close()
    out = write_results(n, args.out, inputs_dir=data.directory, without=without,
                        force=args.force)
    print(format_deliveries(trace_deliveries(n), data))
    _write_flow_map(n, out, args.force)
    print(f"\nresults written to {out.resolve()}")
    return 0


def _write_flow_map(n, out: Path, force: bool) -> None:
    """Add the flow map ``flows.png`` to a solve's results (skipped without coordinates)."""
    from energy_model.outdir import output_dir
    from energy_model.report.maps import MapError, write_flow_map

    try:
        with output_dir(out, force=force, add=True) as stage:
            write_flow_map(n, stage / "flows.png")
    except MapError as why:
        logger.warning("flows.png not written: %s", why)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
