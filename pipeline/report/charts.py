"""The report's charts: matplotlib figures rendered to inline SVG (no pyplot state, no display).

One look for all: small sans-serif text kept as text in the SVG (so it stays searchable and sharp
when printed), one colour per language in a fixed order, no top and right frame.
"""
import datetime as dt
import io
import re
from typing import Dict, List, Optional, Sequence

from matplotlib import dates as mdates
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

PALETTE = ["#3366aa", "#ee8833", "#44aa77", "#cc4455", "#8866bb", "#999933", "#66aacc", "#aa7755"]
OTHER = "#bbbbbb"
TOP_LANGUAGES = 6          # languages with their own colour in the per-day chart; the rest are "other"
WIDTH, HEIGHT = 8.0, 2.6   # inches: about the width of a laptop-screen column, and of an A4 page
HALF = 4.6                 # inches: a chart beside a table or another chart
FEW_RUNS = 8               # fewer runs than this still get slots of this width, so one run is not one huge bar
STYLE = {"font.family": "sans-serif", "font.size": 8, "svg.fonttype": "none", "svg.hashsalt": "wirebeam",
         "axes.spines.top": False, "axes.spines.right": False, "axes.titlesize": 9, "axes.titleweight": "bold",
         "axes.grid": True, "axes.grid.axis": "y", "grid.color": "#e4e4e4", "axes.axisbelow": True,
         "legend.frameon": False}
_ROOT_SIZE = re.compile(r'(<svg[^>]*?)\s+width="[^"]*"\s+height="[^"]*"')


def _figure(height: float = HEIGHT, width: float = WIDTH) -> Figure:
    import matplotlib
    matplotlib.rcParams.update(STYLE)
    return Figure(figsize=(width, height), layout="constrained")


def _legend(ax, n: int) -> None:
    """The legend in one row above the plot, right-aligned, clear of the bars."""
    ax.legend(ncols=n, loc="lower right", bbox_to_anchor=(1.0, 1.0), borderaxespad=0.2)


def _svg(fig: Figure, label: str) -> str:
    """The figure as an <svg> element that scales to its container (viewBox kept, fixed size dropped)."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = _ROOT_SIZE.sub(r"\1", svg, count=1)
    return svg.replace("<svg", f'<svg class="chart" role="img" aria-label="{label}"', 1)


def _day(value: str) -> dt.date:
    return dt.date.fromisoformat(value[:10])


def runs_chart(runs: Sequence[Dict]) -> Optional[str]:
    """Articles, copies and failures of each run, in run order."""
    if not runs:
        return None
    fig = _figure()
    ax = fig.add_subplot()
    xs = range(len(runs))
    width = 0.27
    for k, (key, colour) in enumerate((("articles", PALETTE[0]), ("copies", PALETTE[1]), ("failures", PALETTE[3]))):
        ax.bar([x + (k - 1) * width for x in xs], [r[key] for r in runs], width, label=key, color=colour)
    step = max(1, len(runs) // 12)
    ax.set_xticks(list(xs)[::step], [(r["at"] or r["run_id"])[:10] for r in runs][::step])
    pad = max(0.0, (FEW_RUNS - len(runs)) / 2)
    ax.set_xlim(-0.5 - pad, len(runs) - 0.5 + pad)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("rows per run")
    _legend(ax, 3)
    return _svg(fig, "Articles, copies and failures per run")


def per_day_chart(per_day: Sequence[Dict], languages: Sequence[Dict]) -> Optional[str]:
    """Articles per publication day, stacked by language (the biggest languages, then the rest)."""
    if not per_day:
        return None
    named = [row["language"] for row in languages][:TOP_LANGUAGES]
    days = sorted({_day(r["date"]) for r in per_day})
    index = {d: i for i, d in enumerate(days)}
    series: Dict[str, List[int]] = {lang: [0] * len(days) for lang in named + ["other"]}
    for r in per_day:
        series[r["language"] if r["language"] in named else "other"][index[_day(r["date"])]] += r["articles"]
    fig = _figure()
    ax = fig.add_subplot()
    bottom = [0] * len(days)
    for k, (lang, counts) in enumerate(series.items()):
        if not any(counts):
            continue
        ax.bar(days, counts, 0.85, bottom=bottom, label=lang, color=PALETTE[k] if lang != "other" else OTHER)
        bottom = [b + c for b, c in zip(bottom, counts)]
    locator = mdates.AutoDateLocator(maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("articles per day")
    _legend(ax, len(series))
    return _svg(fig, "Articles per day by language")


def bars_chart(labels: Sequence[str], values: Sequence[int], title: str, colour: str = PALETTE[0]) -> Optional[str]:
    """Horizontal bars, biggest on top (top sites, agencies, failure reasons)."""
    if not labels:
        return None
    fig = _figure(height=max(1.4, 0.2 * len(labels) + 0.6), width=HALF)
    ax = fig.add_subplot()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.barh(range(len(labels)), values, color=colour)
    ax.set_yticks(range(len(labels)), [label if len(label) <= 40 else label[:39] + "…" for label in labels])
    ax.invert_yaxis()
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.set_title(title)
    for y, v in enumerate(values):
        ax.annotate(str(v), (v, y), xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)
    return _svg(fig, title)


def health_chart(site: str, series: Sequence[Dict], flags: Sequence[Dict]) -> str:
    """A flagged site's shares per run (dated, authors, time, short text), with a line where its change began."""
    fig = _figure(height=1.8)
    ax = fig.add_subplot()
    xs = range(len(series))
    for k, (key, label) in enumerate((("dated", "with date"), ("authored", "with authors"),
                                      ("timed", "with time"), ("short", "short text"))):
        ax.plot(xs, [r[key] / r["n"] if r["n"] else 0 for r in series], marker="o", markersize=3,
                label=label, color=PALETTE[k])
    runs = [r["run"] for r in series]
    for flag in flags:
        if flag["since_run"] in runs:
            ax.axvline(runs.index(flag["since_run"]) - 0.5, color="#cc4455", linestyle="--", linewidth=1)
    step = max(1, len(series) // 10)
    ax.set_xticks(list(xs)[::step], [(r["at"] or r["run"])[:10] for r in series][::step])
    ax.set_ylim(-0.05, 1.05)
    ax.set_title(f"{site}: share of articles per run", loc="left")
    _legend(ax, 4)
    return _svg(fig, f"Extraction health of {site}")
