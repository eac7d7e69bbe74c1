"""Benchmark: time to load, build and solve one daily model year, per HiGHS algorithm.

Run ``python examples/benchmark.py --year 2024`` from the repository root. Prints a table; the
figures are quoted in the README. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import logging
import resource
import time
import warnings

import energy_model as em

ALGORITHMS = ("simplex", "ipm", "hipo", "choose")


def time_case(year: int, algorithm: str, data) -> dict:
    """Build and solve ``year`` once with HiGHS ``algorithm``; return timings [s]."""
    t0 = time.perf_counter()
    n = em.build_network(year, inputs=data)
    t1 = time.perf_counter()
    opts = {"solver": algorithm}
    if algorithm in ("ipm", "hipo"):
        opts["run_crossover"] = "on"
    em.solve(n, solver_options=opts)
    t2 = time.perf_counter()
    return {"algorithm": algorithm, "build_s": t1 - t0, "solve_s": t2 - t1,
            "total_s": t2 - t0, "cost_eur": n.objective}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--algorithms", nargs="*", default=list(ALGORITHMS))
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    logging.basicConfig(level=logging.WARNING)
    t0 = time.perf_counter()
    data = em.load_inputs("inputs")
    load_s = time.perf_counter() - t0
    print(f"load + validate inputs: {load_s:.2f} s")
    print(f"{'algorithm':10s} {'build [s]':>10s} {'solve [s]':>10s} {'total [s]':>10s} "
          f"{'cost [EUR]':>16s}")
    for algorithm in args.algorithms:
        runs = [time_case(args.year, algorithm, data) for _ in range(args.repeat)]
        best = min(runs, key=lambda r: r["total_s"])
        print(f"{algorithm:10s} {best['build_s']:10.2f} {best['solve_s']:10.2f} "
              f"{best['total_s']:10.2f} {best['cost_eur']:16.6g}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak:.0f} MB; best of {args.repeat} runs each")


if __name__ == "__main__":
    main()
