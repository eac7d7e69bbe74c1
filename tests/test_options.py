"""Each diversification option changes a measured outcome in a case built for it.

On the shipped 2030 network, peak day, cooperative curtailment: the option set's disrupted
demand or margin (the disruption a country can absorb before its first curtailment,
:mod:`energy_model.analysis.margins`) of at least one of the recipients of Azerbaijani gas
differs from the reference's in the case named for it (the stress where its own route binds).
Solves the real network: marked slow.
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import INPUTS

from energy_model.data.loading import load_inputs
from energy_model.study.ranking import TIE_MCM_D

pytestmark = pytest.mark.slow

CASES = {
    # option: (stress, countries whose outcome must move, why)
    "sgc-expansion": ("russia-cut", None, "TANAP/TAP and the Turkish exits carry more"),
    "tcp-10": ("russia-cut", None, "Turkmen gas through SCP and TANAP"),
    "tcp-20": ("russia-cut", None, "Turkmen gas through SCP, TANAP and Erzurum"),
    "tcp-30": ("russia-cut", None, "Turkmen gas through SCP, TANAP and Erzurum"),
    "georgia-storage": ("scp-outage+northsouth-ge-outage", ["GE"],
                        "Georgia's own storage when both its large entries fail"),
    "lng-expansion": ("russia-cut-lng-tight", None, "more send-out when LNG is tight"),
    # under russia-cut the corrected 2030 data leave SEE curtailment to Türkiye's side of the
    # border (the reverse flow cannot reach it); its own route binds for Romania's margin
    "trans-balkan-reverse": ("none", ["RO"], "Greek and Bulgarian gas north to Romania"),
}


def _outcome(options: list[str], stress: str) -> pd.DataFrame:
    from energy_model.analysis.margins import country_margins
    from energy_model.analysis.tables import unserved_by_country
    from energy_model.optimization.solver import solve
    from energy_model.scenarios.curtailment import apply_cooperative_curtailment
    from energy_model.study.case import build_case
    from energy_model.study.spec import one_case_spec

    data = load_inputs(INPUTS)
    n = build_case(one_case_spec(INPUTS, 2030, options, stress, "peak-day"), data)
    apply_cooperative_curtailment(n)
    solve(n)
    out = country_margins(n)
    out["unserved_mcm_d"] = unserved_by_country(n).reindex(out.index).fillna(0.0) * 1000.0
    return out


@pytest.mark.parametrize("option", sorted(CASES))
def test_option_changes_a_measured_outcome_where_its_route_binds(option):
    stress, countries, why = CASES[option]
    data = load_inputs(INPUTS)
    recipients = countries or list(data.regions.code[data.regions.az_gas_recipient])
    ref = _outcome([], stress).reindex(recipients).fillna(0.0)
    got = _outcome([option], stress).reindex(recipients).fillna(0.0)
    moved = ((got.unserved_mcm_d - ref.unserved_mcm_d).abs() >= TIE_MCM_D) | \
        ((got.absorbable_mcm_d - ref.absorbable_mcm_d).abs() >= TIE_MCM_D)
    assert moved.any(), f"{option} ({why}) changes nothing under {stress}"
    # and never makes a recipient's disrupted demand worse
    assert (got.unserved_mcm_d <= ref.unserved_mcm_d + TIE_MCM_D).all()
