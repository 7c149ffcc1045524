"""The report as one self-contained HTML page: inline CSS (screen and print), inline SVG charts,
no script, no font, image or style sheet from anywhere else, so it opens offline and prints."""
from typing import Dict

import jinja2
from markupsafe import Markup

from wirebeam.pipeline.report import charts

RUN_ROWS = 10      # runs listed in the page's table (newest first); the chart and the JSON have all
HEALTH_ROWS = 40   # sites in the page's health table (flagged first); the JSON has all

TEMPLATE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>wirebeam report: {{ f.report.path }}</title>
<style>
  :root { --ink: #222; --muted: #666; --line: #ddd; --bad: #b3263a; --bad-bg: #fbecee; }
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
         color: var(--ink); margin: 0 auto; max-width: 1100px; padding: 16px 24px 48px; }
  h1 { font-size: 22px; margin: 8px 0 2px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); }
  .muted { color: var(--muted); } nav a { margin-right: 12px; color: #3366aa; }
  .cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 14px 0; }
  .card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 96px; }
  .card b { display: block; font-size: 20px; }
  table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 13px; }
  th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eee; vertical-align: top; }
  th { background: #f6f6f6; } td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
  tr.flagged td { background: var(--bad-bg); } .flag { color: var(--bad); font-weight: 600; }
  .figure { margin: 6px 0 12px; } .figure.half { max-width: 560px; } svg.chart { width: 100%; height: auto; display: block; }
  .cols { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; align-items: start; }
  .examples { font-family: ui-monospace, monospace; font-size: 12px; word-break: break-all; }
  @media (max-width: 800px) { .cols { grid-template-columns: 1fr; } }
  @media print {
    body { max-width: none; padding: 0; font-size: 11px; } nav { display: none; }
    section { break-inside: avoid-page; } h2 { break-after: avoid; } .figure { break-inside: avoid; }
    a { color: inherit; text-decoration: none; }
  }
</style>
</head>
<body>
<header>
  <h1>wirebeam report</h1>
  <div class="muted">{{ f.report.path }} &middot; {{ "dataset" if f.report.layout == "dataset" else "one run" }}
    {% if f.report.since %}&middot; runs since {{ f.report.since }}{% endif %} &middot; wirebeam {{ f.report.wirebeam }}</div>
  <nav><a href="#runs">Runs</a><a href="#days">Days</a><a href="#sites">Sites</a>{% if f.stories is not none %}<a href="#stories">Stories</a>{% endif %}<a href="#copies">Copies</a><a href="#entities">Entities</a><a href="#failures">Failures</a><a href="#health">Health</a></nav>
  <div class="cards" id="totals">
    {% for key, label in [("articles", "articles"), ("copies", "copies"), ("copy_groups", "copy groups"), ("failures", "failures"), ("runs", "runs"), ("sites", "sites"), ("languages", "languages")] %}
    <div class="card"><b data-key="{{ key }}">{{ f.totals[key] }}</b>{{ label }}</div>
    {% endfor %}
    <div class="card"><b data-key="flagged_sites">{{ flagged|length }}</b>sites flagged</div>
  </div>
  {% if f.report.unreadable_files %}<div class="flag" id="unreadable">{{ f.report.unreadable_files|length }} Parquet file(s) could not be read and are left out:
    {% for u in f.report.unreadable_files %}<div class="examples">{{ u.path }}: {{ u.error }}</div>{% endfor %}</div>{% endif %}
  <div class="muted">Published {{ f.totals.first_published or "-" }} to {{ f.totals.last_published or "-" }};
    {{ f.totals.undated }} without a date, {{ f.totals.month_only }} with only a month.</div>
</header>

<section id="runs">
  <h2>Runs over time</h2>
  {% if c.runs %}<div class="figure">{{ c.runs }}</div>{% endif %}
  <table><thead><tr><th>run</th><th>ingested</th><th class="n">articles</th><th class="n">copies</th><th class="n">failures</th></tr></thead>
  <tbody>{% for r in f.runs|reverse %}{% if loop.index <= RUN_ROWS %}<tr><td>{{ r.run_id }}</td><td>{{ r.at or "" }}</td><td class="n">{{ r.articles }}</td><td class="n">{{ r.copies }}</td><td class="n">{{ r.failures }}</td></tr>{% endif %}{% endfor %}</tbody></table>
  {% if f.runs|length > RUN_ROWS %}<div class="muted">The last {{ RUN_ROWS }} of {{ f.runs|length }} runs, newest first; --format json lists all.</div>{% endif %}
</section>

<section id="days">
  <h2>Articles per day by language</h2>
  {% if c.per_day %}<div class="figure">{{ c.per_day }}</div>{% else %}<p class="muted">No article has a publication day.</p>{% endif %}
  <table id="languages"><thead><tr><th>language</th><th class="n">articles</th></tr></thead>
  <tbody>{% for r in f.languages %}<tr><td>{{ r.language }}</td><td class="n">{{ r.articles }}</td></tr>{% endfor %}</tbody></table>
</section>

<section id="sites">
  <h2>Top sites and agencies</h2>
  <div class="cols">
    <div>{% if c.sites %}<div class="figure">{{ c.sites }}</div>{% endif %}
      <table id="site-table"><thead><tr><th>site</th><th class="n">articles</th><th class="n">copies</th><th>languages</th></tr></thead>
      <tbody>{% for r in f.sites %}<tr><td>{{ r.site }}</td><td class="n">{{ r.articles }}</td><td class="n">{{ r.copies }}</td><td>{{ r.languages }}</td></tr>{% endfor %}</tbody></table></div>
    <div>{% if c.agencies %}<div class="figure">{{ c.agencies }}</div>{% endif %}
      <table id="agency-table"><thead><tr><th>agency</th><th class="n">articles</th><th class="n">sites</th></tr></thead>
      <tbody>{% for r in f.agencies %}<tr><td>{{ r.agency }}</td><td class="n">{{ r.articles }}</td><td class="n">{{ r.sites }}</td></tr>{% else %}<tr><td colspan="3" class="muted">No agency credited.</td></tr>{% endfor %}</tbody></table></div>
  </div>
</section>

{% if f.stories is not none %}
<section id="stories">
  <h2>Biggest stories</h2>
  <table id="story-table"><thead><tr><th>headline</th><th class="n">articles</th><th class="n">outlets</th><th>first seen</th><th>last seen</th></tr></thead>
  <tbody>{% for r in f.stories %}<tr><td>{{ r.headline or r.story_id }}</td><td class="n">{{ r.articles }}</td><td class="n">{{ r.outlets }}</td><td>{{ r.first or "" }}</td><td>{{ r.last or "" }}</td></tr>{% endfor %}</tbody></table>
</section>
{% endif %}

<section id="copies">
  <h2>Biggest copy groups</h2>
  <table id="copy-table"><thead><tr><th>headline</th><th class="n">articles</th><th class="n">outlets</th><th>sites</th><th>first seen</th><th>last seen</th></tr></thead>
  <tbody>{% for r in f.copy_groups %}<tr><td>{{ r.headline or r.dup_group }}</td><td class="n">{{ r.articles }}</td><td class="n">{{ r.outlets }}</td><td>{{ r.sites }}</td><td>{{ r.first or "" }}</td><td>{{ r.last or "" }}</td></tr>{% else %}<tr><td colspan="6" class="muted">No wire copies found.</td></tr>{% endfor %}</tbody></table>
</section>

<section id="entities">
  <h2>Top entities</h2>
  <div class="cols">{% for label, rows in f.entities|dictsort %}
    <table class="entity-table" data-label="{{ label }}"><thead><tr><th>{{ label }}</th><th class="n">articles</th><th class="n">mentions</th></tr></thead>
    <tbody>{% for r in rows %}<tr><td>{{ r.norm }}</td><td class="n">{{ r.articles }}</td><td class="n">{{ r.mentions }}</td></tr>{% endfor %}</tbody></table>
  {% else %}<p class="muted">No entities (the entity stage was off, or no article was in a tagged language).</p>{% endfor %}</div>
</section>

<section id="failures">
  <h2>Failures by stage and reason</h2>
  {% if c.failures %}<div class="figure half">{{ c.failures }}</div>{% endif %}
  <table id="failure-table"><thead><tr><th>stage</th><th>reason</th><th class="n">count</th><th>example sources</th><th>detail</th></tr></thead>
  <tbody>{% for r in f.failures %}<tr><td>{{ r.stage }}</td><td>{{ r.reason }}</td><td class="n">{{ r.count }}</td><td class="examples">{{ r.examples|join("\n") }}</td><td>{{ (r.detail or "")|truncate(160) }}</td></tr>{% else %}<tr><td colspan="5" class="muted">No failures.</td></tr>{% endfor %}</tbody></table>
</section>

<section id="health">
  <h2>Extraction health per site</h2>
  <p class="muted">Sites with at least {{ h.min_articles }} articles. Short: fewer than {{ h.short_text_words }} words.
    Flagged: a share that moved by {{ (h.share_change * 100)|round|int }} points or more, or a median word count that fell to
    {{ (h.words_ratio * 100)|round|int }}% or less, from one run on, still so in the last {{ h.recent_runs }} runs, and too
    clear to be chance (z &ge; {{ h.min_z }}).</p>
  {% for site in flagged %}{% if c.health[site.site] %}<div class="figure">{{ c.health[site.site] }}</div>{% endif %}{% endfor %}
  <table id="health-table"><thead><tr><th>site</th><th class="n">articles</th><th class="n">runs</th><th class="n">with date</th><th class="n">with authors</th><th class="n">with time</th><th class="n">median words</th><th class="n">empty or short</th><th>change</th></tr></thead>
  <tbody>{% for s in h.sites[:HEALTH_ROWS] %}<tr{% if s.flags %} class="flagged"{% endif %} data-site="{{ s.site }}"><td>{{ s.site }}</td><td class="n">{{ s.articles }}</td><td class="n">{{ s.runs }}</td>
    <td class="n">{{ pct(s.dated) }}</td><td class="n">{{ pct(s.authored) }}</td><td class="n">{{ pct(s.timed) }}</td><td class="n">{{ s.median_words|round|int }}</td><td class="n">{{ pct(s.short) }}</td>
    <td>{% for g in s.flags %}<div class="flag">{{ g.label }}: {{ show(g, "before") }} &rarr; {{ show(g, "after") }} since {{ (g.since or g.since_run)[:10] }} ({{ g.runs_after }} runs)</div>{% endfor %}</td></tr>
  {% else %}<tr><td colspan="9" class="muted">No site has {{ h.min_articles }} articles yet.</td></tr>{% endfor %}</tbody></table>
  {% if h.sites|length > HEALTH_ROWS %}<div class="muted">Flagged sites, then the biggest: {{ HEALTH_ROWS }} of {{ h.sites|length }} sites; --format json lists all.</div>{% endif %}
</section>
</body>
</html>
"""


def pct(share: float) -> str:
    return f"{share * 100:.0f}%"


def show(flag: Dict, side: str) -> str:
    value = flag[side]
    return f"{value:.0f}" if flag["measure"] == "median_words" else pct(value)


def render(figures: Dict) -> str:
    """The HTML page of one report's figures."""
    h = figures["health"]
    flagged = [s for s in h["sites"] if s["flags"]]
    svg = {
        "runs": charts.runs_chart(figures["runs"]),
        "per_day": charts.per_day_chart(figures["per_day"], figures["languages"]),
        "sites": charts.bars_chart([r["site"] for r in figures["sites"]], [r["articles"] for r in figures["sites"]],
                                   "Articles per site"),
        "agencies": charts.bars_chart([r["agency"] for r in figures["agencies"]],
                                      [r["articles"] for r in figures["agencies"]], "Articles per agency",
                                      charts.PALETTE[2]),
        "failures": charts.bars_chart([f"{r['stage']} / {r['reason']}" for r in figures["failures"]],
                                      [r["count"] for r in figures["failures"]], "Failures by stage and reason",
                                      charts.PALETTE[3]),
        "health": {s["site"]: charts.health_chart(s["site"], h["series"][s["site"]], s["flags"]) for s in flagged},
    }
    safe = {k: (Markup(v) if isinstance(v, str) else v) for k, v in svg.items()}
    safe["health"] = {k: Markup(v) for k, v in svg["health"].items()}
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(TEMPLATE).render(f=figures, c=safe, h=h, flagged=flagged, pct=pct, show=show,
                                                RUN_ROWS=RUN_ROWS, HEALTH_ROWS=HEALTH_ROWS)
