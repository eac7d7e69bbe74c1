"""Unit conversions against hand-computed values."""

import pytest

from energy_model import units


def test_bcm_to_mwh_uses_gcv_convention():
    assert units.bcm_to_mwh(1.0) == pytest.approx(10.55e6)
    assert units.mwh_to_bcm(21.1e6) == pytest.approx(2.0)


def test_annual_volume_to_mean_rate():
    # 1 bcm/yr = 10.55e6 MWh / 8760 h = 1204.34 MW
    assert units.to_mw(1.0, "bcm/yr") == pytest.approx(10.55e6 / 8760)
    assert units.mw_to_bcm_per_year(10.55e6 / 8760) == pytest.approx(1.0)


def test_daily_units():
    # 1 mcm/d = 10.55 GWh/d = 10550 MWh / 24 h = 439.583 MW
    assert units.to_mw(1.0, "mcm/d") == pytest.approx(439.5833333)
    assert units.mcm_per_day_to_gwh_per_day(1.0) == pytest.approx(10.55)
    assert units.to_mw(24.0, "GWh/d") == pytest.approx(1000.0)


def test_energy_stocks():
    assert units.to_mwh(95.0, "TWh") == pytest.approx(95e6)
    assert units.to_mwh(6.3, "bcm") == pytest.approx(66.465e6)
    assert units.to_mwh(1.0, "bcm/yr") == pytest.approx(10.55e6)


def test_lhv_gcv_round_trip():
    assert units.gcv_to_lhv(100.0) == pytest.approx(90.0)
    assert units.lhv_to_gcv(90.0) == pytest.approx(100.0)


def test_wrong_dimension_and_unknown_unit_raise():
    with pytest.raises(ValueError, match="not a rate"):
        units.to_mw(1.0, "EUR/MWh")
    with pytest.raises(ValueError, match="not an energy"):
        units.to_mwh(1.0, "mcm/d")
    with pytest.raises(KeyError, match="unknown unit"):
        units.to_mw(1.0, "bcf/d")
