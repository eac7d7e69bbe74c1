"""The command line: version, common options, lazy imports, catalogues, did-you-mean, stdout."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import INPUTS, REPO

from energy_model import cli
from energy_model.data.names import SHIPPED_INPUTS, suggest, unknown_name


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("energy-model ")


@pytest.mark.parametrize("name", sorted(cli.COMMANDS))
def test_every_subcommand_accepts_verbose_and_quiet_and_shows_defaults(name, capsys):
    parser = cli.make_parser()
    with pytest.raises(SystemExit):
        parser.parse_args([name, "--help"])
    text = capsys.readouterr().out
    assert "-v, --verbose" in text and "-q, --quiet" in text
    sub = next(a for a in parser._actions if isinstance(a, type(parser._subparsers._actions[-1])))
    p = sub.choices[name]
    for flag in ("-v", "-q"):
        args = p.parse_args([*_required(name), flag])
        assert getattr(args, "verbose" if flag == "-v" else "quiet")


def _required(name: str) -> list[str]:
    return {"validate": [], "list": ["options"], "overview": [], "build": ["--year", "2024"],
            "run": ["s.yaml", "--out", "x"], "screen": ["s.yaml", "--out", "x"],
            "indicators": ["--year", "2024", "--out", "x"],
            "solve": ["--year", "2024", "--out", "x"], "report": ["x"],
            "invest": ["s.yaml", "--out", "x"]}.get(name, [])


def test_help_imports_neither_pandas_nor_pypsa():
    code = ("import sys, energy_model.cli as c\n"
            "try:\n    c.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('pandas', 'pypsa', 'numpy', 'xarray') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().endswith("[]")


def test_help_shows_defaults(capsys):
    with pytest.raises(SystemExit):
        cli.main(["solve", "--help"])
    assert "(default: daily)" in capsys.readouterr().out


def test_list_stresses_and_options_with_descriptions(capsys):
    assert cli.main(["list", "stresses"]) == 0
    out = capsys.readouterr().out
    assert "russia-cut" in out and "All Russian pipeline supply stops" in out
    assert "slid" in out
    assert cli.main(["list", "options", "-q"]) == 0
    out = capsys.readouterr().out
    assert "tcp-full" in out and "Trans-Caspian" in out


def test_list_climates_names_the_design_cases(capsys):
    assert cli.main(["list", "climates"]) == 0
    out = capsys.readouterr().out
    for name in ("average", "peak-day", "two-week"):
        assert name in out


def test_list_finds_the_shipped_inputs_from_any_directory(tmp_path):
    out = subprocess.run([sys.executable, "-m", "energy_model.cli", "list", "stresses"],
                         cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert "russia-cut" in out
    assert SHIPPED_INPUTS == INPUTS


def test_did_you_mean():
    assert suggest("russia-cutt", ["russia-cut", "tanap-outage"]) == "; did you mean 'russia-cut'?"
    assert suggest("zzz", ["russia-cut"]) == ""
    msg = unknown_name("option", "xyz", ["b", "a"])
    assert msg == "unknown option 'xyz'; known: a, b"


def test_solve_with_a_misspelt_option_suggests_the_name(capsys, tmp_path):
    code = cli.main(["solve", "--year", "2030", "--option", "tcp-ful", "--out",
                     str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert "did you mean 'tcp-full'" in err
    assert not (tmp_path / "out").exists()


def test_solver_banner_stays_off_stdout(tiny, capfd):
    import energy_model as em

    n = em.build_network(2024, inputs=tiny)
    capfd.readouterr()
    em.solve(n)
    out, _err = capfd.readouterr()
    assert "HiGHS" not in out
    assert n.objective > 0


def test_validate_defaults_to_the_shipped_inputs(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["validate", "-q"]) == 0
    assert "all tables valid" in capsys.readouterr().out


def test_module_is_the_console_script():
    assert (REPO / "energy_model" / "cli.py").exists()


def test_study_validation_suggests_names():
    import energy_model as em
    from energy_model.study.schema import validate_study

    problems = validate_study({"name": "x", "year": 2030, "options": {"a": ["tcp-ful"]},
                               "stresses": ["russia-cutt"], "climats": []}, em.load_inputs())
    assert "unknown key 'climats'; did you mean 'climates'?" in problems
    assert any(p.startswith("options.a: unknown option 'tcp-ful'; did you mean 'tcp-full'")
               for p in problems)
    assert any(p.startswith("stresses: unknown stress 'russia-cutt'; did you mean 'russia-cut'")
               for p in problems)
