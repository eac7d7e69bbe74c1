"""One self-contained HTML report per study: ``DIR/report.html`` (and ``DIR/figures/*.png``).

The page embeds every figure as a base64 PNG and its CSS inline, so it opens offline and makes
no request; the CSV tables of the study are linked by relative path.
"""

from __future__ import annotations

import base64
import html
import io
import logging
import re
from pathlib import Path

import pypsa
import xarray as xr
from matplotlib.figure import Figure

from energy_model.outdir import output_dir
from energy_model.report.figures import Chart, make_figures
from energy_model.report.maps import MapError, plot_flow_map, plot_peak_day_map

logger = logging.getLogger(__name__)

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:1100px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}
figure{margin:1.5em 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.92em;color:#444;margin-top:.3em}
table{border-collapse:collapse;font-size:.88em;margin:.6em 0}
td,th{border:1px solid #ccc;padding:.2em .5em;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
code{background:#f5f5f5;padding:0 .2em}.meta{color:#666;font-size:.9em}
"""

METHOD = (
    "Each case is a least-cost dispatch of the regional gas network (one bus per country, the "
    "Southern Gas Corridor and the Balkan Stream on their own transit buses, pipelines as "
    "one-way links, LNG terminals, storage, supply contracts as annual bounds), solved with "
    "PyPSA and HiGHS, over one of ENTSOG's climatic cases: the average year (365 days), the "
    "1-in-20 peak day or the 1-in-20 two weeks. Demand that the network cannot serve is bought "
    "at the cost of disrupted gas, so every case solves and reports its disrupted demand. Each "
    "option set is run under each climatic case and each stress case (supply cuts, route "
    "outages), with cooperative curtailment (equal curtailment rates where the network allows) "
    "and ENTSOG's uncooperative variant (a country exports only once its own demand is "
    "served); gas is traced to its origin by proportional sharing of the solved flows. Options "
    "are ranked by their disrupted demand in the design cases, then by the margin the "
    "recipients keep (the disruption each can absorb before its first curtailment), ties broken "
    "by cost.")


def figure_png(fig: Figure) -> bytes:
    """Return a figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return buf.getvalue()


def markdown_to_html(text: str) -> str:
    """Convert the simple Markdown of ``summary.md`` (headings, pipe tables, paragraphs)."""
    out, para, table = [], [], []

    def inline(s: str) -> str:
        s = html.escape(s)
        s = re.sub(r"`([^`]+)`", r"<code>\1</code>", s)
        return re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", s)

    def flush() -> None:
        if para:
            out.append(f"<p>{inline(' '.join(para))}</p>")
            para.clear()
        if table:
            rows = [[c.strip() for c in r.strip().strip("|").split("|")] for r in table
                    if not re.fullmatch(r"\|?[\s:|-]+\|?", r.strip())]
            head, *body = rows
            cells = "".join(f"<th>{inline(c)}</th>" for c in head)
            lines = [f"<tr>{cells}</tr>"] + ["<tr>" + "".join(f"<td>{inline(c)}</td>" for c in r)
                                             + "</tr>" for r in body]
            out.append("<table>" + "".join(lines) + "</table>")
            table.clear()

    for line in text.splitlines():
        if line.startswith("|"):
            if para:
                flush()
            table.append(line)
            continue
        if table:
            flush()
        m = re.match(r"(#{1,6})\s+(.*)", line)
        if m:
            flush()
            level = min(len(m.group(1)) + 1, 6)  # the page has its own h1
            out.append(f"<h{level}>{inline(m.group(2))}</h{level}>")
        elif line.strip().startswith(("- ", "* ")):
            flush()
            out.append(f"<ul><li>{inline(line.strip()[2:])}</li></ul>")
        elif not line.strip():
            flush()
        else:
            para.append(line.strip())
    flush()
    return "\n".join(out)


def draw_maps(n: pypsa.Network) -> list[Chart]:
    """Return the annual and peak-day flow maps of a solved network (none without coordinates)."""
    try:
        return [
            Chart("flow_map", plot_flow_map(n),
                  "Annual gas flows of the reference case without stress: arrow width is the "
                  "flow [bcm/yr], colour the utilisation of the corridor's capacity; triangles "
                  "are LNG terminals, squares storage, countries are filled by the share of "
                  "their demand left unserved."),
            Chart("peak_day_map", plot_peak_day_map(n),
                  "Gas flows on the day of highest total demand of the same case [mcm/d]; "
                  "squares are storage withdrawal that day."),
        ]
    except MapError as why:
        logger.info("maps skipped: %s", why)
        return []


def write_report(study_dir: str | Path, inputs: str | Path | None = None,
                 network: pypsa.Network | None = None, maps: bool = True,
                 force: bool = False) -> Path:
    """Write ``study_dir/report.html`` and ``study_dir/figures/*.png``; return the page's path.

    Nothing is solved here: the maps are drawn from the solved reference case that the study
    wrote (``study_dir/network.nc``, :func:`energy_model.study.experiments.
    write_reference_network`) or from ``network``.

    Parameters
    ----------
    study_dir : path
        A study's output directory (``results.nc``, the CSV tables, ``summary.md``).
    inputs : path, optional
        Not read (kept for callers of earlier versions).
    network : pypsa.Network, optional
        A solved network to map; default ``study_dir/network.nc`` when present (no maps
        without either).
    maps : bool
        Draw the flow maps.
    force : bool
        Write although ``study_dir`` holds files energy_model did not write; they are kept,
        and a file of theirs named like an output (``report.html``) stops the report
        (:func:`energy_model.outdir.output_dir`).

    Raises
    ------
    energy_model.outdir.OutputDirError
        When ``study_dir`` holds foreign files (without ``force``), a foreign file has an
        output's name, or another run writes there. The tool's own earlier report and figures
        are replaced (a figure not drawn again is removed).
    """
    study_dir = Path(study_dir)
    ds = xr.open_dataset(study_dir / "results.nc").load() \
        if (study_dir / "results.nc").exists() else None
    if network is None and maps and (study_dir / "network.nc").exists():
        network = pypsa.Network(study_dir / "network.nc")
    if not maps:
        network = None
    charts = (draw_maps(network) if network is not None else []) + make_figures(ds, study_dir)
    page = render_page(study_dir, ds, charts)
    with output_dir(study_dir, add=True, force=force, replace=("figures",)) as stage:
        (stage / "figures").mkdir()
        for c in charts:
            (stage / "figures" / f"{c.name}.png").write_bytes(c.png)
        (stage / "report.html").write_text(page, encoding="utf-8")
    logger.info("report written to %s", study_dir / "report.html")
    return study_dir / "report.html"


def render_page(study_dir: Path, ds: xr.Dataset | None, charts: list[Chart]) -> str:
    """Return the report's HTML (figures embedded; ``Chart.png`` set on each chart)."""
    attrs = ds.attrs if ds is not None else {}
    name = html.escape(str(attrs.get("study", study_dir.name)))
    year = attrs.get("year", "")
    options = list(ds.option.values) if ds is not None else []
    stresses = list(ds.stress.values) if ds is not None else []
    question = attrs.get("question") or (
        f"Which of the option sets {', '.join(map(str, options))} best protects the region's "
        f"gas supply in {year}, at what cost, under the stress cases "
        f"{', '.join(map(str, stresses))}?" if options else "")
    version = html.escape(str(attrs.get("energy_model_version", "")))
    parts = [f"<h1>{name}</h1>",
             f"<p class='meta'>energy_model {version}"
             f"; inputs {html.escape(str(attrs.get('inputs_sha256', ''))[:12])}; year {year}</p>",
             "<h2>Question</h2>", f"<p>{html.escape(question)}</p>",
             "<h2>Method</h2>", f"<p>{METHOD}</p>"]
    summary = study_dir / "summary.md"
    if summary.exists():
        parts.append(markdown_to_html(summary.read_text()))
    parts.append("<h2>Figures</h2>")
    for c in charts:
        c.png = figure_png(c.figure)
        data = base64.b64encode(c.png).decode("ascii")
        parts.append(f"<figure id='{c.name}'><img alt='{html.escape(c.name)}' "
                     f"src='data:image/png;base64,{data}'>"
                     f"<figcaption>{html.escape(c.caption)} "
                     f"(<a href='figures/{c.name}.png'>PNG</a>)</figcaption></figure>")
    tables = sorted(p.name for p in study_dir.glob("*.csv"))
    if tables:
        parts.append("<h2>Tables</h2><ul>" + "".join(
            f"<li><a href='{html.escape(t)}'>{html.escape(t)}</a></li>" for t in tables)
            + "</ul>")
    body = "\n".join(parts)
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{name}: energy_model report</title><style>{CSS}</style></head>"
            f"<body>\n{body}\n</body></html>\n")
