"""Cut Natural Earth 1:110m countries to the region and write ``borders.geojson`` (run by hand).

Usage: ``pip download geopandas==0.14.4 --no-deps``, unzip the wheel, then
``python make_borders.py geopandas/datasets/naturalearth_lowres/naturalearth_lowres.shp``.
Needs geopandas and shapely (not runtime dependencies of energy_model).
"""

import json
import sys
from pathlib import Path

import geopandas as gpd
import shapely

A2 = {"AZE": "AZ", "TKM": "TM", "GEO": "GE", "TUR": "TR", "ITA": "IT", "GRC": "GR", "BGR": "BG",
      "ROU": "RO", "HUN": "HU", "SRB": "RS", "SVN": "SI", "HRV": "HR", "MKD": "MK", "SVK": "SK",
      "UKR": "UA", "SYR": "SY", "DEU": "DE", "AUT": "AT", "ALB": "AL", "RUS": "RU", "IRN": "IR",
      "DZA": "DZ", "LBY": "LY", "NOR": "NO", "ARM": "AM", "MDA": "MD", "CZE": "CZ", "POL": "PL",
      "CHE": "CH", "BIH": "BA", "MNE": "ME", "KAZ": "KZ", "UZB": "UZ", "IRQ": "IQ", "FRA": "FR",
      "NLD": "NL", "BEL": "BE", "TUN": "TN", "EGY": "EG", "CYP": "CY", "LBN": "LB", "JOR": "JO",
      "ISR": "IL", "BLR": "BY", "ESP": "ES", "DNK": "DK", "SWE": "SE", "GBR": "GB", "LUX": "LU"}

g = gpd.read_file(sys.argv[1])
box = shapely.geometry.box(-10, 25, 70, 60)
g = g[g.intersects(box)].copy()
g["geometry"] = g.geometry.intersection(box).simplify(0.03)
g = g[~g.geometry.is_empty]
g["iso_a2"] = g.iso_a3.map(A2).fillna("")
tmp = Path("borders.tmp.geojson")
g[["name", "iso_a3", "iso_a2", "geometry"]].to_file(tmp, driver="GeoJSON",
                                                    COORDINATE_PRECISION=2)
d = json.loads(tmp.read_text())
tmp.unlink()
d = {"type": d["type"], "features": d["features"]}
(Path(__file__).parent / "borders.geojson").write_text(json.dumps(d, separators=(",", ":")))
