"""Study files and expected errors (issue 24): each test guards a defect found on d4b6e21.

The broken study files themselves are in ``tests/broken/study_cases.yaml``; this file holds the
cases that are not a study file refused by ``energy-model run``: the exit code decided by the
error's class, the HiGHS options of the library call, strict booleans, an unsolved network.
"""

from __future__ import annotations

import logging

import pytest
from conftest import TINY

from energy_model.cli import main


def test_every_expected_error_class_derives_from_energy_model_error():
    from energy_model.cli import UnknownNameError
    from energy_model.data.problems import InputError
    from energy_model.errors import EnergyModelError
    from energy_model.optimization.resolve import RebuildRequiredError
    from energy_model.optimization.solver import SolveError
    from energy_model.outdir import OutputDirError
    from energy_model.report.figures import FigureInputError
    from energy_model.report.maps import MapError
    from energy_model.study.cache import InputsChangedError
    from energy_model.study.cba import NoComparisonError
    from energy_model.study.schema import StudyError

    for cls in (InputError, StudyError, SolveError, OutputDirError, RebuildRequiredError,
                UnknownNameError, MapError, FigureInputError, NoComparisonError,
                InputsChangedError):
        assert issubclass(cls, EnergyModelError), cls
    # their former bases are kept, so `except ValueError` in callers still works
    assert issubclass(InputError, ValueError) and issubclass(SolveError, RuntimeError)


@pytest.fixture
def failing_command(monkeypatch):
    """Make `energy-model validate` raise the exception given to the returned function."""
    from energy_model import cli

    def use(err: Exception) -> None:
        def run(args):
            raise err

        help_, arguments, _ = cli.COMMANDS["validate"]
        monkeypatch.setitem(cli.COMMANDS, "validate", (help_, arguments, run))

    return use


def test_exit_code_is_decided_by_the_error_class(failing_command, capsys):
    from energy_model.errors import UsageError

    failing_command(UsageError("no model data for 2031"))
    assert main(["validate"]) == 2
    assert "energy-model validate: no model data for 2031" in capsys.readouterr().err
    failing_command(ValueError("a slip in energy_model"))  # not an expected error: a bug
    assert main(["validate"]) == 3
    assert "unexpected error ValueError" in capsys.readouterr().err
    failing_command(FileNotFoundError("no such file: study.yaml"))
    assert main(["validate"]) == 2


def test_cli_guesses_nothing_from_the_traceback():
    import inspect

    from energy_model import cli

    source = inspect.getsource(cli)
    assert "extract_tb" not in source and "__traceback__" not in source


def test_negative_workers_is_a_usage_error(tmp_path, capsys):
    study = tmp_path / "s.yaml"
    study.write_text("name: t\nyear: 2030\noptions: {reference: []}\nstresses: [none]\n")
    with pytest.raises(SystemExit) as exit_:
        main(["run", str(study), "--inputs", str(TINY), "--out", str(tmp_path / "out"),
              "--workers", "-1"])
    assert exit_.value.code == 2
    assert "--workers: -1 is not a positive number of workers" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_file_writing_solver_options_are_refused_by_solve(tmp_path):
    from energy_model import build_network, solve
    from energy_model.errors import EnergyModelError

    target = tmp_path / "victim.txt"
    target.write_text("the user's file\n")
    n = build_network(2030, inputs=TINY)
    for options in ({"solution_file": str(target), "write_solution_to_file": True},
                    {"log_file": str(target)}, {"quantum": 1}, {"threads": -2},
                    {"presolve": "sometimes"}):
        with pytest.raises(EnergyModelError, match="solver options: "):
            solve(n, solver_options=options)
    assert target.read_text() == "the user's file\n"


def test_allowed_solver_options_still_solve():
    from energy_model import build_network, solve

    n = solve(build_network(2030, inputs=TINY),
              solver_options={"solver": "ipm", "time_limit": 60.0, "threads": 1,
                              "primal_feasibility_tolerance": 1e-8, "presolve": "off"})
    assert n.objective > 0


def test_power_no_does_not_switch_the_electricity_layer_on():
    from energy_model import build_network

    with pytest.raises(TypeError, match="power must be True or False, not 'no'"):
        build_network(2030, inputs=TINY, power="no")


def test_study_booleans_are_strict():
    from pydantic import ValidationError

    from energy_model.study.schema import Study

    with pytest.raises(ValidationError):
        Study(name="t", year=2030, options={"reference": []}, stresses=["none"], power="no")


def test_trace_deliveries_of_an_unsolved_network_is_an_error():
    from energy_model import build_network
    from energy_model.analysis.trace import trace_deliveries
    from energy_model.errors import NotSolvedError

    with pytest.raises(NotSolvedError, match="needs a solved network"):
        trace_deliveries(build_network(2030, inputs=TINY))


def test_reference_only_study_names_the_right_problem():
    from energy_model.data.loading import load_inputs
    from energy_model.study.cba import NoComparisonError, list_pairs

    with pytest.raises(NoComparisonError, match="only the 'reference' option set"):
        list_pairs({"reference": []}, load_inputs(TINY))


def test_duplicate_keys_deep_in_a_study_file_name_their_line(tmp_path, caplog):
    from energy_model.data.loading import load_inputs
    from energy_model.study.schema import StudyError, load_study

    caplog.set_level(logging.ERROR)
    study = tmp_path / "s.yaml"
    study.write_text("name: t\nyear: 2030\noptions: {reference: []}\nstresses: [none]\n"
                     "solver:\n  threads: 1\n  threads: 2\n")
    with pytest.raises(StudyError, match=r"duplicate key 'threads' on line 7 \(first given on "
                                         r"line 6\)"):
        load_study(study, load_inputs(TINY))
