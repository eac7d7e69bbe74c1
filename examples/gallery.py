"""Regenerate the README gallery (examples/gallery/*.png) from the main study's outputs.

Run the main study first, then this script::

    energy-model run examples/diversification.yaml --out results/diversification
    python examples/gallery.py --study results/diversification

It adds the 2024 back-cast (``calibration.csv``: one solve of 2024) to the study directory,
writes the study's ``report.html`` (which solves the study's reference case for the maps) and
copies the report's figures to ``examples/gallery/``.
"""

from __future__ import annotations

import argparse
import logging
import shutil
from pathlib import Path

from energy_model.report.html import write_report
from energy_model.study.experiments import write_backcast

GALLERY = Path(__file__).parent / "gallery"
FIGURES = ("flow_map", "peak_day_map", "origin_mix", "disruption_heatmap", "cost_security",
           "n1_flexibility", "black_sea_cable", "cba", "backcast")


def main() -> None:
    """Write the report of ``--study`` and copy its figures to the gallery."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", default="results/diversification",
                        help="output directory of the main study")
    parser.add_argument("--inputs", default=None, help="inputs directory (default: shipped)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("pypsa", "linopy"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    study = Path(args.study)
    write_backcast(study, args.inputs)
    page = write_report(study, inputs=args.inputs)
    GALLERY.mkdir(exist_ok=True)
    for name in FIGURES:
        src = study / "figures" / f"{name}.png"
        if src.exists():
            shutil.copy(src, GALLERY / src.name)
            print(f"wrote {GALLERY / src.name}")
    print(f"report: {page.resolve()}")


if __name__ == "__main__":
    main()
