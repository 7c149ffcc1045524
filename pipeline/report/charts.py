"""The report's charts: matplotlib figures rendered to inline SVG (no pyplot state, no display).

One look for all: small sans-serif text kept as text in the SVG (so it stays searchable and sharp
when printed), one colour per language in a fixed order, no top and right frame.
"""
import datetime as dt
import io
import re
from typing import Dict, List, Optional, Sequence

import numpy as np
from matplotlib import dates as mdates
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

PALETTE = ["#3366aa", "#ee8833", "#44aa77", "#cc4455", "#8866bb", "#999933", "#66aacc", "#aa7755"]
OTHER = "#bbbbbb"
TOP_LANGUAGES = 6          # languages with their own colour in the per-day chart; the rest are "other"
WIDTH, HEIGHT = 8.0, 2.6   # inches: about the width of a laptop-screen column, and of an A4 page
HALF = 4.6                 # inches: a chart beside a table or another chart
MAX_DAYS = 400             # the per-day chart shows at most this many days, up to the last (a stray old date would squash it)
MAX_TICKS = 7              # date labels on a run axis: 10-character dates in 8 pt need about an inch each
DAILY_DAYS = 120           # longer spans are drawn per week: a day's bar on a wider axis is under a pixel
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
    """Articles, copies and failures of each run, in run order (one line each: fast for hundreds of runs)."""
    if not runs:
        return None
    fig = _figure()
    ax = fig.add_subplot()
    xs = list(range(len(runs)))
    for key, colour in (("articles", PALETTE[0]), ("copies", PALETTE[1]), ("failures", PALETTE[3])):
        ax.plot(xs, [r[key] for r in runs], marker="o", markersize=3 if len(runs) < 100 else 0, linewidth=1.5,
                label=key, color=colour)
    step = -(-len(runs) // MAX_TICKS)
    ax.set_xticks(xs[::step], [(r["at"] or r["run_id"])[:10] for r in runs][::step])
    pad = max(0.5, (FEW_RUNS - len(runs)) / 2)
    ax.set_xlim(-pad, len(runs) - 1 + pad)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("rows per run")
    _legend(ax, 3)
    return _svg(fig, "Articles, copies and failures per run")


def per_day_chart(per_day: Sequence[Dict], languages: Sequence[Dict]) -> Optional[str]:
    """Articles per publication day, stacked by language (the biggest languages, then the rest), over the
    last MAX_DAYS days that have articles; per week when that is more than DAILY_DAYS days, so each bar
    stays visible. Each language is one filled step line, not a bar per day."""
    if not per_day:
        return None
    named = [row["language"] for row in languages][:TOP_LANGUAGES]
    last = max(_day(r["date"]) for r in per_day)
    first = max(min(_day(r["date"]) for r in per_day), last - dt.timedelta(days=MAX_DAYS - 1))
    width = 7 if (last - first).days + 1 > DAILY_DAYS else 1
    if width == 7:   # weeks from Monday
        first -= dt.timedelta(days=first.weekday())
    slots = (last - first).days // width + 1
    series: Dict[str, np.ndarray] = {lang: np.zeros(slots) for lang in named + ["other"]}
    for r in per_day:
        d = _day(r["date"])
        if d >= first:
            series[r["language"] if r["language"] in named else "other"][(d - first).days // width] += r["articles"]
    edges = mdates.date2num([first + dt.timedelta(days=i * width) for i in range(slots + 1)]) - 0.5
    fig = _figure()
    ax = fig.add_subplot()
    bottom = np.zeros(slots)
    shown = 0
    for k, (lang, counts) in enumerate(series.items()):
        if not counts.any():
            continue
        ax.stairs(bottom + counts, edges, baseline=bottom.copy(), fill=True, label=lang,
                  color=PALETTE[k] if lang != "other" else OTHER)
        bottom = bottom + counts
        shown += 1
    ax.xaxis_date()
    locator = mdates.AutoDateLocator(maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("articles per week" if width == 7 else "articles per day")
    if first > min(_day(r["date"]) for r in per_day):
        ax.set_title(f"the last {MAX_DAYS} days; earlier days are in the JSON", loc="left", fontsize=7,
                     fontweight="normal")
    _legend(ax, shown)
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
    step = -(-len(series) // MAX_TICKS)
    ax.set_xticks(list(xs)[::step], [(r["at"] or r["run"])[:10] for r in series][::step])
    ax.set_ylim(-0.05, 1.05)
    ax.set_title(f"{site}: share of articles per run", loc="left")
    _legend(ax, 4)
    return _svg(fig, f"Extraction health of {site}")
