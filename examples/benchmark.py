"""Benchmark: where the time of one case goes, against the pure HiGHS solve of the same LP.

Run from the repository root::

    python examples/benchmark.py                       # every figure (about 10 minutes)
    python examples/benchmark.py --readme /work/scratch/readme_14.md   # also write the table

Each figure is printed with its target (issues #14 and #25) and whether it holds. Timings are
wall-clock seconds, best of ``--repeat`` runs, with the CPU seconds of this process beside them
and the machine's load average (``os.getloadavg``) at the start and end: on a shared machine a
high load stretches wall time, not CPU time. Not a test: timings depend on the machine.

"Pure HiGHS" is the same LP (the HiGHS model linopy builds for the case, copied into a fresh
``highspy.Highs`` with the same options) solved from scratch: the floor no modelling layer can
beat.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import highspy
import pandas as pd

import energy_model as em
from energy_model.analysis.trace import trace_deliveries
from energy_model.optimization.solver import (
    DEFAULT_SOLVER_OPTIONS,
    _stdout_to_stderr,
    _with_case_constraints,
    assign_results,
    build_model,
    check_energy_balance,
)

ROWS: list[dict] = []
"""Every measured figure: what, wall [s], cpu [s], ratio to pure HiGHS, target, holds."""


def peak_memory_gb() -> float:
    """Return the peak resident memory of this process so far [GB]."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def timed(func: Callable, repeat: int = 1) -> tuple[float, float, object]:
    """Return (best wall [s], its CPU [s], last result) of ``repeat`` calls of ``func``."""
    best = (float("inf"), 0.0)
    out = None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        out = func()
        w, c = time.perf_counter() - w0, time.process_time() - c0
        best = min(best, (w, c))
    return best[0], best[1], out


def record(what: str, wall: float, cpu: float | None = None,
           highs: tuple[float, float] | None = None, target: str = "",
           holds: bool | None = None) -> None:
    """Keep one figure and print it; ``highs`` is the pure HiGHS (wall, CPU) [s]."""
    ratio = wall / highs[0] if highs else None
    ratio_cpu = cpu / highs[1] if highs and cpu else None
    ROWS.append({"what": what, "wall": wall, "cpu": cpu, "ratio": ratio, "ratio_cpu": ratio_cpu,
                 "target": target, "holds": holds, "memory": peak_memory_gb()})
    verdict = "" if holds is None else ("  HOLDS" if holds else "  MISSED")
    r = f" {ratio:5.2f} x HiGHS" if ratio is not None else ""
    r += f" (cpu {ratio_cpu:4.2f} x)" if ratio_cpu is not None else ""
    c = f" (cpu {cpu:6.2f})" if cpu is not None else ""
    t = f"  target: {target}" if target else ""
    print(f"  {what:58s} {wall:7.2f} s{c}{r}{t}{verdict}", flush=True)


def pure_highs(h: highspy.Highs, options: dict, repeat: int) -> tuple[float, float]:
    """Solve a fresh copy of the LP in ``h`` with ``options``; return best (wall, CPU) [s]."""
    lp = h.getLp()
    best = (float("inf"), 0.0)
    for _ in range(repeat):
        fresh = highspy.Highs()
        for k, v in options.items():
            fresh.setOptionValue(k, v)
        fresh.passModel(lp)
        w0, c0 = time.perf_counter(), time.process_time()
        fresh.run()
        best = min(best, (time.perf_counter() - w0, time.process_time() - c0))
        assert fresh.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return best


def bench_year(year: int, data, repeat: int, options: dict) -> dict:
    """Time every phase of one daily case of ``year``; return the figures."""
    print(f"\n{year} daily case (365 snapshots, gas only)")
    extra = _with_case_constraints()
    figures = {}
    # phases one by one (best of `repeat`, each on a fresh network)
    phase: dict[str, list[tuple[float, float]]] = {}

    def clock(name: str, func: Callable):
        w0, c0 = time.perf_counter(), time.process_time()
        out = func()
        phase.setdefault(name, []).append((time.perf_counter() - w0,
                                           time.process_time() - c0))
        return out

    for _ in range(repeat):
        n = clock("build_network", lambda: em.build_network(year, inputs=data))
        # the model em.solve builds (lean: limits as bounds), so "pure HiGHS" is its LP
        m = clock("linopy model (create_model + case constraints)",
                  lambda n=n: build_model(n, extra))
        with _stdout_to_stderr():
            clock("HiGHS through linopy (to highspy + run + solution)",
                  lambda m=m: m.solve(solver_name="highs", io_api="direct", **options))
        phase.setdefault("  of which HiGHS run", []).append((m.solver_model.getRunTime(), 0))
        clock("assign results to the network", lambda n=n: assign_results(n))
        clock("energy-balance check", lambda n=n: check_energy_balance(n))
        clock("tracing (trace_deliveries)", lambda n=n: trace_deliveries(n))
    with _stdout_to_stderr():
        pure_wall, pure_cpu = pure_highs(m.solver_model, options, repeat)
    figures["highs"] = pure_wall
    phase = {k.strip(): v for k, v in phase.items()}
    for name, runs in phase.items():
        w, c = min(runs)
        record(f"{year}: {name}", w, c if c else None, (pure_wall, pure_cpu))
    record(f"{year}: pure HiGHS, same LP, fresh Highs object", pure_wall, pure_cpu,
           (pure_wall, pure_cpu))

    def case():
        n = em.build_network(year, inputs=data)
        em.solve(n, solver_options=options)
        trace_deliveries(n)
        return n

    wall, cpu, n = timed(case, repeat)
    figures["case"] = wall
    record(f"{year}: one annual case: build + solve + check + trace", wall, cpu,
           (pure_wall, pure_cpu),
           "<= 1.5 x HiGHS" + (" and <= 3 s" if year == 2024 else ""),
           wall <= 1.5 * pure_wall and (year != 2024 or wall <= 3.0))
    figures["objective"] = n.objective
    figures["case_cpu"] = cpu
    figures["highs_cpu"] = pure_cpu
    return figures


ALGORITHMS: dict[str, dict] = {
    "dual simplex, presolve (default)": {"solver": "simplex", "simplex_strategy": 1},
    "dual simplex, no presolve": {"solver": "simplex", "simplex_strategy": 1,
                                  "presolve": "off"},
    "primal simplex": {"solver": "simplex", "simplex_strategy": 4},
    "interior point + crossover": {"solver": "ipm", "run_crossover": "on"},
    "hipo + crossover": {"solver": "hipo", "run_crossover": "on"},
    "choose": {"solver": "choose"},
}
"""HiGHS settings compared on the same LP by :func:`bench_algorithms`."""


def bench_algorithms(h: highspy.Highs, options: dict, repeat: int) -> None:
    """Solve the LP in ``h`` from scratch with each of :data:`ALGORITHMS`."""
    print("\nHiGHS settings on the same LP (fresh Highs object each)")
    base = None
    for label, extra in ALGORITHMS.items():
        try:
            with _stdout_to_stderr():
                w, c = pure_highs(h, {**options, **extra}, repeat)
        except AssertionError:
            print(f"  {label:58s} not optimal / not available")
            continue
        base = base or (w, c)
        record(f"HiGHS {label}", w, c, base)


RESOLVE_STRESSES: tuple[str, ...] = ("russia-cut", "tanap-outage", "cold-winter")
"""Stresses re-solved in place by :func:`bench_resolve` (supply cut, outage, demand level)."""


def bench_resolve(year: int, data, options: dict, highs: tuple[float, float]) -> dict:
    """Time in-place re-solves (warm and cold) against a cold rebuild; check they agree."""
    from energy_model.optimization.resolve import Resolver
    from energy_model.scenarios.curtailment import refresh_unserved
    from energy_model.scenarios.stresses import apply_stress

    print(f"\n{year}: build once, solve many (Resolver) against a rebuild per case")
    wall, cpu, r = timed(lambda: Resolver(em.build_network(year, inputs=data), options))
    record(f"{year}: Resolver: build + first solve", wall, cpu, highs)
    out = {}

    def demand_step(n):  # remaining flexibility's step: double Türkiye's demand
        n.loads_t.p_set["TR gas demand"] *= 2.0
        refresh_unserved(n)

    changes = {s: (lambda n, s=s: apply_stress(n, s, data)) for s in RESOLVE_STRESSES
               if s in set(data.stresses.stress)}
    changes["demand step TR x2"] = demand_step
    for label, change in changes.items():
        def rebuild(change=change):
            n = em.build_network(year, inputs=data)
            change(n)
            return em.solve(n, solver_options=options).objective

        w_re, c_re, want = timed(rebuild)
        record(f"{label}: rebuild + solve", w_re, c_re, highs)
        for warm in (True, False):
            r.reset()
            r.solve(warm=True)  # back at the undisturbed basis
            change(r.n)
            w, c, got = timed(lambda warm=warm: r.solve(warm=warm))
            rel = abs(got - want) / abs(want)
            record(f"{label}: in place, {'warm' if warm else 'cold'} (rel. diff {rel:.1e})",
                   w, c, highs, "same objective as rebuild to 1e-6", rel <= 1e-6)
            out[(label, warm)] = (w, c)
    return out


def bench_remaining_flexibility(year: int, data, options: dict, annual: dict) -> None:
    """Time remaining flexibility of every country on the peak-day and two-week cases."""
    from energy_model.scenarios.climates import make_climate_case, reference_state
    from energy_model.scenarios.curtailment import apply_cooperative_curtailment
    from energy_model.study.experiments import remaining_flexibility

    print(f"\n{year}: remaining flexibility of every country, peak-day and two-week")
    avg = em.solve(em.build_network(year, inputs=data), solver_options=options)
    total_w = total_c = 0.0
    for climate in ("peak-day", "two-week"):
        ref = reference_state(avg, climate)

        def build(climate=climate, ref=ref):
            n = em.build_network(year, inputs=data)
            make_climate_case(n, climate, data, ref)
            apply_cooperative_curtailment(n)
            return n

        best = (float("inf"), 0.0)
        for warm in (True, False):
            w, c, rf = timed(lambda build=build, warm=warm: remaining_flexibility(build,
                                                                                 warm=warm))
            record(f"RF {climate}, {len(rf)} countries, {'warm' if warm else 'cold'} re-solves",
                   w, c, (annual["highs"], annual["highs_cpu"]))
            best = min(best, (w, c))
        total_w, total_c = total_w + best[0], total_c + best[1]
    record("RF peak-day + two-week, every country (faster of warm/cold each)", total_w, total_c,
           (annual["highs"], annual["highs_cpu"]),
           f"<= 3 x one annual case ({3 * annual['case']:.1f} s)",
           total_w <= 3 * annual["case"])


def bench_short_cases(year: int, data, options: dict, stresses: list[str],
                      repeat: int) -> None:
    """Time the design-day cases of the main study applied and re-solved in place (issue 25).

    For each design climate (peak day, two weeks) and curtailment rule (cooperative LP,
    uncooperative MILP) one :class:`~energy_model.optimization.resolve.Resolver` is built as
    :mod:`energy_model.study.batch` builds it; each stress is then applied to it and re-solved
    in place (reset + ``apply_stress`` + ``solve``, with the assignment the batch uses) and
    compared with the pure HiGHS solve of the same LP (the kept HiGHS model copied into a
    fresh ``Highs``, from scratch). The figure is the median ratio over the cases.
    """
    import numpy as np

    from energy_model.optimization.resolve import Resolver, prefer_warm
    from energy_model.scenarios.climates import make_climate_case, reference_state
    from energy_model.scenarios.curtailment import (
        apply_cooperative_curtailment,
        apply_uncooperative_curtailment,
    )
    from energy_model.scenarios.stresses import apply_stress

    print(f"\n{year}: design-day cases applied and re-solved in place (main study's stresses)")
    avg = em.solve(em.build_network(year, inputs=data), solver_options=options)
    ratios, cpu_ratios, walls, highs_walls = [], [], [], []
    for climate in ("peak-day", "two-week"):
        ref = reference_state(avg, climate)

        def build(climate=climate, ref=ref):
            n = em.build_network(year, inputs=data)
            make_climate_case(n, climate, data, ref)
            return n

        w, c, n = timed(build, repeat)
        cold = (w, c)
        year_net = em.build_network(year, inputs=data)  # what the study builds once per option set

        def from_year(climate=climate, ref=ref, year_net=year_net):
            case_net = year_net.copy()
            make_climate_case(case_net, climate, data, ref)
            return case_net

        from_year_time = timed(from_year, max(repeat, 3))[:2]
        apply_cooperative_curtailment(n)
        w, c, _ = timed(lambda n=n: build_model(n, _with_case_constraints()), repeat)
        record(f"{climate}: its linopy model (create_model + case constraints)", w, c)
        for rule, curtail, assign in (("cooperative", apply_cooperative_curtailment, True),
                                      ("uncooperative", apply_uncooperative_curtailment,
                                       "generators")):
            n = build()
            curtail(n)
            r = Resolver(n, options)
            if rule == "cooperative":  # beside the pure HiGHS solve of the unstressed case
                with _stdout_to_stderr():
                    case_highs = pure_highs(r.solver.solver_model, r.options, repeat)
                record(f"{climate}: cold build of the case network", *cold, case_highs,
                       target="<= 0.2 s", holds=cold[0] <= 0.2)
                record(f"{climate}: the case from the built year (copy, as a study does)",
                       *from_year_time, case_highs)
            meta = dict(r.n.meta)
            start = len(walls)
            for stress in stresses:
                def case(stress=stress, r=r, meta=meta, assign=assign):
                    r.reset()
                    r.n.meta = dict(meta)
                    apply_stress(r.n, stress, data)
                    return r.solve(warm=prefer_warm(r.n), assign=assign)

                try:
                    w, c, _ = timed(case, repeat)
                except ValueError as err:  # e.g. a stress that needs the electricity layer
                    print(f"  {climate}, {rule}, {stress}: skipped ({err})")
                    continue
                with _stdout_to_stderr():
                    hw, hc = pure_highs(r.solver.solver_model, r.options, repeat)
                ratios.append(w / hw)
                cpu_ratios.append(c / max(hc, 1e-9))
                walls.append(w)
                highs_walls.append(hw)
            k = len(walls) - start
            print(f"  {climate}, {rule}: {k} stresses, median "
                  f"{np.median(walls[-k:]) * 1e3:.1f} ms in place, "
                  f"{np.median(highs_walls[-k:]) * 1e3:.1f} ms pure HiGHS "
                  f"({r.in_place} applied in place, {r.rebuilds} rebuilt)")
    ratio = float(np.median(ratios))
    hw = float(np.median(highs_walls))
    record(f"short case applied + re-solved in place, median of {len(ratios)} "
           f"(cpu ratio {np.median(cpu_ratios):.1f} x)", float(np.median(walls)), None,
           (hw, hw), "<= 10 x HiGHS", ratio <= 10.0)


def bench_indicators(year: int, inputs: str, annual: dict) -> None:
    """Time ``energy-model indicators --year`` against one annual case (issue 25: <= 3 x)."""
    import shutil
    import subprocess
    import tempfile

    print(f"\nenergy-model indicators --year {year}")
    out = Path(tempfile.mkdtemp(prefix="energy_model_bench_")) / "out"
    cmd = [sys.executable, "-m", "energy_model.cli", "indicators", "--year", str(year),
           "--inputs", inputs, "--out", str(out), "-q"]
    w0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - w0
    shutil.rmtree(out.parent, ignore_errors=True)
    if proc.returncode != 0:
        raise SystemExit(f"indicators failed ({proc.returncode}):\n{proc.stderr}")
    start = [sys.executable, "-c", "import energy_model.cli, energy_model.study.experiments; "
             f"energy_model.load_inputs({inputs!r})"]
    w0 = time.perf_counter()
    subprocess.run(start, capture_output=True, check=True)
    record("  of which the process start (imports + load inputs)", time.perf_counter() - w0)
    record(f"indicators --year {year} ({wall / annual['case']:.1f} x one annual case)", wall,
           None, (annual["highs"], annual["highs_cpu"]),
           f"<= 3 x one annual case ({3 * annual['case']:.1f} s)", wall <= 3 * annual["case"])


SCREEN_SAMPLE: tuple[str, ...] = ("tanap-outage", "storage-silivri-outage",
                                   "turkstream-outage+tanap-outage",
                                   "tap-outage+lng-revithoussa-outage",
                                   "transmed-outage+storage-italy-outage")
"""Contingencies solved one case at a time beside the screening (a single failure, a storage
site, pairs across routes, terminals and storage)."""


def bench_screen(study: Path, inputs: str, sample_options: int = 2) -> None:
    """Time the N-2 screening of ``study`` (every option set, both design cases and rules) and
    compare a sample with one-case-at-a-time solves (issue 25: <= 5 minutes, same results).

    The screening runs with one local worker process per CPU. The sample: the contingencies of
    :data:`SCREEN_SAMPLE` on the first ``sample_options`` option sets, both design cases and
    rules, each built from scratch (:func:`energy_model.study.screen._solve_from_scratch`);
    the figure holds when every country's disrupted demand agrees to 1e-3 mcm/d.
    """
    import numpy as np

    from energy_model.data.names import resolve_inputs
    from energy_model.network.build import build_network
    from energy_model.provenance import hash_inputs
    from energy_model.scenarios.climates import make_climate_case
    from energy_model.study.case import undisturbed
    from energy_model.study.cases import study_power
    from energy_model.study.schema import Case, load_study
    from energy_model.study.screen import (
        _country_records,
        _solve_from_scratch,
        run_screen,
        screen_contingencies,
    )
    from energy_model.study.spec import case_spec

    print(f"\nN-2 screening of {study} ({os.cpu_count()} worker processes)")
    data = em.load_inputs(inputs)
    s = load_study(study, data)
    w0 = time.perf_counter()
    table = run_screen(s, inputs, workers=os.cpu_count())
    wall = time.perf_counter() - w0
    n_cases = table.attrs["cases"]
    record(f"N-2 screening: {n_cases} short cases ({len(screen_contingencies(data))} "
           f"contingencies x 2 design cases x 2 rules x {len(s.options)} option sets), "
           f"{1e3 * wall / n_cases:.0f} ms per case, {table.attrs['from_scratch']} built from "
           f"scratch, {len(table.attrs['missing'])} failed", wall, None,
           target="<= 300 s, none failed", holds=wall <= 300.0 and not table.attrs["missing"])
    missing = set(SCREEN_SAMPLE) - set(table.stress)
    if missing:
        raise ValueError(f"SCREEN_SAMPLE names contingencies the screening does not run: "
                         f"{sorted(missing)}; use names from screen_contingencies()")
    path = resolve_inputs(inputs)
    settings = s.settings(study_power(s, data)).model_copy(update={"resolution": "daily"})
    s0 = time.perf_counter()
    rows = []
    for label in list(s.options)[:sample_options]:
        spec = case_spec(Case(label, tuple(s.options[label]), "none"), settings, path,
                         hash_inputs(path))
        base = build_network(settings.year, spec.options, data, power=settings.power,
                             resolution="daily")
        ref = undisturbed(spec, data)["reference"]
        for climate in ("peak-day", "two-week"):
            proto = base.copy()
            make_climate_case(proto, climate, data, ref[climate])
            for rule in ("cooperative", "isolated"):
                for stress in SCREEN_SAMPLE:
                    n = _solve_from_scratch(proto, rule, stress, data, spec.solver)
                    want = pd.DataFrame(_country_records(n, climate, rule, stress)) \
                        .set_index("country").unserved_mcm_d
                    got = table[(table.option == label) & (table.climate == climate)
                                & (table.rule == rule) & (table.stress == stress)] \
                        .set_index("country").unserved_mcm_d
                    diff = float(np.abs(got.reindex(want.index) - want).to_numpy().max())
                    if not np.isfinite(diff) or sorted(got.index) != sorted(want.index):
                        diff = float("inf")  # a missing or extra row is a difference
                    rows.append((label, climate, rule, stress, got.sum(), want.sum(), diff))
    print(f"  {'option':14s} {'case':9s} {'rule':11s} {'contingency':44s} "
          f"{'screen':>8s} {'one case':>8s} {'max diff':>9s}  [mcm/d]")
    for label, climate, rule, stress, a, b, d in rows:
        print(f"  {label:14s} {climate:9s} {rule:11s} {stress:44s} {a:8.3f} {b:8.3f} {d:9.1e}")
    worst = max(r[-1] for r in rows)
    record(f"N-2 screening = one case at a time, {len(rows)} sampled cases (max diff "
           f"{worst:.1e} mcm/d per country)", time.perf_counter() - s0, None,
           target="<= 1e-3 mcm/d",
           holds=worst <= 1e-3)


def bench_study(study: Path, inputs: str) -> None:
    """Run a whole study from scratch in a subprocess; time it and its peak memory.

    Peak memory is the largest sum of resident memory over the process and its workers,
    sampled every 0.2 s (``psutil``); without ``psutil``, the largest single process.
    """
    import shutil
    import subprocess
    import tempfile

    print(f"\nstudy {study} from scratch (energy-model run, default workers)")
    out = Path(tempfile.mkdtemp(prefix="energy_model_bench_")) / "out"
    cmd = [sys.executable, "-m", "energy_model.cli", "run", str(study), "--inputs", inputs,
           "--out", str(out), "-q"]
    w0, peak = time.perf_counter(), 0.0
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        import psutil

        root = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                tree = [root, *root.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree) / 1024**3)
            except psutil.Error:
                pass
            time.sleep(0.2)
    except ImportError:
        proc.wait()
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
    wall = time.perf_counter() - w0
    err = proc.stderr.read()
    shutil.rmtree(out.parent, ignore_errors=True)
    if proc.returncode != 0:
        raise SystemExit(f"the study failed ({proc.returncode}):\n{err}")
    cases = _count_study_cases(study, inputs)
    record(f"main study ({cases} cases, isolated variant included), wall", wall,
           target="<= 120 s", holds=wall <= 120.0)
    ROWS[-1]["memory"] = peak
    record(f"main study peak memory, all processes [GB]: {peak:.2f}", wall,
           target="<= 2 GB", holds=peak <= 2.0)
    ROWS[-1]["memory"] = peak


def _count_study_cases(study: Path, inputs: str) -> int:
    from energy_model.study.cases import expand_cases
    from energy_model.study.schema import load_study

    data = em.load_inputs(inputs)
    return len(expand_cases(load_study(study, data), data))


def bench_hourly(year: int, data, options: dict) -> None:
    """Time the hourly electricity year as ``hourly-days`` and bound its error.

    ``hourly-days`` (one 24-hour day per month, weighted by the month's days;
    :mod:`energy_model.timeseries`) checks each Store's level after every representative hour
    scaled by the month's days. Its solution, repeated day by day, is feasible in the 8760-hour
    year (every real level is a convex combination of checked ones), so its cost is an upper
    bound of the hourly year's; the same model with the levels checked only at month ends is a
    lower bound (the hourly year's optimum, averaged over each month's days, is feasible in
    it). Equal bounds prove the ``hourly-days`` solution optimal for the 8760-hour year.
    """
    import numpy as np
    import pandas as pd

    print(f"\n{year}: hourly electricity year with gas (hourly-days: 12 x 24 snapshots)")

    def case(relax: bool = False):
        n = em.build_network(year, inputs=data, power=True, resolution="hourly-days")
        if relax:  # levels free between month ends
            idx = n.snapshots
            inner = ~(idx.to_series().groupby(idx.month).transform("max") == idx).to_numpy()
            ones = np.ones((len(idx), len(n.stores)))
            n.stores_t.e_min_pu = pd.DataFrame(np.where(inner[:, None], -1e3, 0.0) * ones,
                                               index=idx, columns=n.stores.index)
            n.stores_t.e_max_pu = pd.DataFrame(np.where(inner[:, None], 1e3, 1.0) * ones,
                                               index=idx, columns=n.stores.index)
        return em.solve(n, solver_options=options)

    wall, cpu, days = timed(case)
    record(f"{year}: hourly year as hourly-days: build + solve + check", wall, cpu,
           target="<= 120 s", holds=wall <= 120.0)
    wall, cpu, lower = timed(lambda: case(relax=True))
    gap = (days.objective - lower.objective) / abs(days.objective)
    cables = days.links.index[days.links.carrier.isin(["AC", "DC"])]
    w = days.snapshot_weightings.objective
    a = days.links_t.p0[cables].mul(w, axis=0).sum()
    b = lower.links_t.p0[cables].mul(w, axis=0).sum()
    spread = float((a - b).abs().max() / max(float(b.abs().max()), 1.0))
    print(f"  cost bounds of the 8760-hour year: relative gap {gap:.1e}; annual cable flows of "
          f"the two bounding solutions differ by at most {100 * spread:.2f} % of the largest")
    record(f"{year}: lower bound (levels at month ends only): cost gap {gap:.1e}, cable flows "
           f"of the bounding optima within {100 * spread:.1f} %", wall, cpu,
           target="gap 0 (solution optimal for 8760 h)", holds=abs(gap) <= 1e-9)


def bench_tests() -> None:
    """Time the default test suite (``python -m pytest -q``, slow tests deselected)."""
    import subprocess

    print("\ndefault test suite (python -m pytest -q)")
    w0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                          capture_output=True, text=True)
    wall = time.perf_counter() - w0
    tail = (proc.stdout.strip().splitlines() or ["?"])[-1]
    record(f"default test suite: {tail.strip('= ')}", wall, target="< 300 s",
           holds=proc.returncode == 0 and wall < 300.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, nargs="*", default=[2024, 2030])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--inputs", default="inputs")
    parser.add_argument("--readme", type=Path, help="write the README table here")
    parser.add_argument("--no-resolve", action="store_true", help="skip the re-solve figures")
    parser.add_argument("--no-algorithms", action="store_true",
                        help="skip the comparison of HiGHS settings")
    parser.add_argument("--no-rf", action="store_true", help="skip remaining flexibility")
    parser.add_argument("--no-short", action="store_true",
                        help="skip the design-day cases re-solved in place")
    parser.add_argument("--no-indicators", action="store_true",
                        help="skip the indicators sweep")
    parser.add_argument("--study", type=Path, default=Path("examples/diversification.yaml"),
                        help="the study timed from scratch (the main study)")
    parser.add_argument("--no-study", action="store_true", help="skip the whole-study figure")
    parser.add_argument("--no-screen", action="store_true", help="skip the N-2 screening")
    parser.add_argument("--no-hourly", action="store_true", help="skip the hourly year")
    parser.add_argument("--no-tests", action="store_true", help="skip the test-suite figure")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    logging.basicConfig(level=logging.WARNING)
    load_start = os.getloadavg()
    print(f"machine: {os.cpu_count()} CPUs, load average {load_start[0]:.2f} (1 min) at start")
    options = {**DEFAULT_SOLVER_OPTIONS, "output_flag": False, "log_to_console": False}
    wall, cpu, data = timed(lambda: em.load_inputs(args.inputs))
    record("load + validate inputs", wall, cpu)
    warm = em.build_network(args.years[0], inputs=data)  # first-call imports (xarray, dask)
    em.solve(warm)
    figures = {year: bench_year(year, data, args.repeat, options) for year in args.years}
    main_year = args.years[-1]
    highs = (figures[main_year]["highs"], figures[main_year]["highs_cpu"])
    if not args.no_algorithms:
        n = em.build_network(main_year, inputs=data)
        em.solve(n, solver_options=options)
        bench_algorithms(n.model.solver_model, options, args.repeat)
    if not args.no_short:
        from energy_model.study.schema import load_study

        stresses = list(load_study(args.study, data).stresses)
        bench_short_cases(main_year, data, options, stresses, args.repeat)
    if not args.no_indicators:
        bench_indicators(main_year, args.inputs, figures[main_year])
    if not args.no_resolve:
        bench_resolve(main_year, data, options, highs)
    if not args.no_rf:
        bench_remaining_flexibility(main_year, data, options, figures[main_year])
    if not args.no_hourly:
        bench_hourly(main_year, data, options)
    if not args.no_screen:
        bench_screen(args.study, args.inputs)
    if not args.no_study:
        bench_study(args.study, args.inputs)
    if not args.no_tests:
        bench_tests()
    load_end = os.getloadavg()
    print(f"\nload average {load_end[0]:.2f} (1 min) at end; peak memory "
          f"{peak_memory_gb():.2f} GB")
    if args.readme:
        write_table(args.readme, load_start, load_end)


def write_table(path: Path, load_start, load_end) -> None:
    """Write the figures as a Markdown table (the README's performance table)."""
    lines = ["| what | seconds | CPU seconds | x pure HiGHS (wall) | x pure HiGHS (CPU) | "
             "peak memory [GB] | target | holds |",
             "|---|---|---|---|---|---|---|---|"]

    def fmt(x):
        return f"{x:.2f}" if x is not None else ""

    for r in ROWS:
        holds = "" if r["holds"] is None else ("yes" if r["holds"] else "no")
        lines.append(f"| {r['what'].strip()} | {r['wall']:.2f} | {fmt(r['cpu'])} | "
                     f"{fmt(r['ratio'])} | {fmt(r['ratio_cpu'])} | {r['memory']:.2f} | "
                     f"{r['target']} | {holds} |")
    lines.append("")
    lines.append(f"Machine: {os.cpu_count()} CPUs, load average {load_start[0]:.2f} at start and "
                 f"{load_end[0]:.2f} at end (1 min). Regenerate: "
                 f"`{' '.join([Path(sys.executable).name, *sys.argv])}`.")
    path.write_text("\n".join(lines) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
