"""The report's figures: DuckDB SQL over the Parquet files of a run or a dataset.

`figures(source, since)` returns one JSON-ready dict; the HTML page and `--format json` both come
from it, so they cannot disagree. Every list has a full ORDER BY, so the same data gives the same
report on every machine.
"""
import datetime as dt
from typing import Dict, List, Optional

import duckdb

from wirebeam import __version__
from wirebeam.pipeline.report import health
from wirebeam.pipeline.report.source import Source
from wirebeam.schemas import ARTICLE, FAILURE

TOP_SITES = 15          # rows of the sites and agencies tables
TOP_GROUPS = 10         # biggest copy groups and stories
TOP_ENTITIES = 10       # entities per label
FAILURE_EXAMPLES = 3    # example sources per failure stage and reason
NO_SITE = "(no site)"

# the site an article counts for: its site name, else its URL's host, else NO_SITE
SITE_SQL = (f"coalesce(nullif(trim(site), ''), nullif(regexp_extract(url, '^[A-Za-z]+://(?:www\\.)?([^/:?#]+)', 1), ''), "
            f"'{NO_SITE}')")
# the run that wrote a row: RUNID of part-RUNID-N.parquet (the same rule as source.RUN_FILE), else ?
RUN_SQL = ("CASE WHEN regexp_matches(parse_filename(filename), '^part-.+-[0-9]+\\.parquet$') "
           "THEN regexp_extract(parse_filename(filename), '^part-(.+)-[0-9]+\\.parquet$', 1) ELSE ? END")


def _rows(con, sql: str, params=()) -> List[Dict]:
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _iso(value) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _files(paths: List[str]) -> str:
    """A list of paths as a SQL literal (a view cannot take them as a parameter)."""
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


def _table(con, name: str, files: List[str], schema) -> List[str]:
    """Create TEMP TABLE `name` from the Parquet files (the empty schema when there are none); its columns."""
    if files:
        con.execute(f"CREATE TEMP VIEW raw_{name} AS SELECT * FROM read_parquet({_files(files)}, filename=true, "
                    "union_by_name=true, hive_partitioning=false)")
    else:
        empty = schema.empty_table()
        con.register(f"empty_{name}", empty)
        con.execute(f"CREATE TEMP VIEW raw_{name} AS SELECT *, '' AS filename FROM empty_{name}")
    return [r[0] for r in con.execute(f"DESCRIBE raw_{name}").fetchall()]


def _since(since: Optional[dt.datetime]) -> str:
    """The WHERE clause of --since (none without it, so DuckDB need not look at ingested_at at all)."""
    return f"WHERE ingested_at >= TIMESTAMPTZ '{since.isoformat()}'" if since else ""


def _default_run(source: Source) -> str:
    """The run of rows in files without a run id: the one run of a single run's folder."""
    return source.runs[-1].get("run_id", "run") if source.layout == "run" and source.runs else "run"


def _load(con, source: Source, since: Optional[dt.datetime]) -> Dict[str, List[str]]:
    default_run = _default_run(source)
    art = _table(con, "articles", source.articles, ARTICLE)
    _table(con, "failures", source.failures, FAILURE)
    story = ", story_id" if "story_id" in art else ""
    con.execute(f"""CREATE TEMP TABLE a AS
        SELECT id, {SITE_SQL} AS site, coalesce(language, 'und') AS language, title, published, date_precision,
               published_date, len(coalesce(authors, [])) AS n_authors, word_count, agencies, dup_group,
               coalesce(is_duplicate, false) AS is_duplicate, ingested_at, {RUN_SQL} AS run{story}
        FROM raw_articles {_since(since)}""", [default_run])
    con.execute(f"""CREATE TEMP TABLE f AS
        SELECT source, stage, reason, detail, ingested_at, {RUN_SQL} AS run
        FROM raw_failures {_since(since)}""", [default_run])
    return {"articles": art}


def _runs(con, source: Source, since) -> List[Dict]:
    """Per run: when (its ingested_at), articles, copies, failures; runs with no rows from their run.json."""
    rows = _rows(con, """
        WITH ar AS (SELECT run, min(ingested_at) AS ran_at, count(*) AS articles, count(*) FILTER (WHERE is_duplicate) AS copies
                    FROM a GROUP BY run),
             fr AS (SELECT run, min(ingested_at) AS ran_at, count(*) AS failures FROM f GROUP BY run)
        SELECT coalesce(ar.run, fr.run) AS run_id, least(ar.ran_at, fr.ran_at) AS ran_at, coalesce(articles, 0) AS articles,
               coalesce(copies, 0) AS copies, coalesce(failures, 0) AS failures
        FROM ar FULL OUTER JOIN fr ON ar.run = fr.run""")
    runs = {r["run_id"]: {"run_id": r["run_id"], "at": _iso(r["ran_at"]), "articles": r["articles"],
                          "copies": r["copies"], "failures": r["failures"]} for r in rows}
    with_rows = set(runs)
    if since is not None:   # runs whose rows --since left out are not to be listed as runs without rows
        default_run = _default_run(source)
        with_rows = {r[0] for r in con.execute(f"SELECT DISTINCT {RUN_SQL} FROM raw_articles UNION "
                                               f"SELECT DISTINCT {RUN_SQL} FROM raw_failures",
                                               [default_run, default_run]).fetchall()}
    for report in source.runs:   # a run that wrote no rows still ran (one whose rows --since left out did not)
        run_id, started = report.get("run_id"), report.get("started_at")
        if run_id and run_id not in with_rows and \
                (since is None or (started and dt.datetime.fromisoformat(started) >= since)):
            runs[run_id] = {"run_id": run_id, "at": _iso(dt.datetime.fromisoformat(started)) if started else None,
                            "articles": 0, "copies": 0, "failures": 0}
    return sorted(runs.values(), key=lambda r: (r["at"] or "", r["run_id"]))


def _stories(con, source: Source, columns: List[str], since: Optional[dt.datetime]) -> Optional[List[Dict]]:
    """The biggest stories, from stories/ when it exists, else from the articles' story_id; None without
    either (or when no article has a story_id: runs with --stories off).
    In a dataset stories/ has a row per run that touched a story; the latest (by ingested_at) is its state."""
    if source.stories:
        con.execute(f"CREATE TEMP VIEW s AS SELECT * FROM read_parquet({_files(source.stories)}, union_by_name=true)")
        have = {r[0] for r in con.execute("DESCRIBE s").fetchall()}

        def col(*names):
            return next((n for n in names if n in have), "NULL")
        latest = ("QUALIFY row_number() OVER (PARTITION BY story_id ORDER BY ingested_at DESC) = 1"
                  if "ingested_at" in have else "")
        touched = _since(since) if since and "ingested_at" in have else ""
        rows = _rows(con, f"""
            SELECT * FROM (SELECT story_id, {col('headline')} AS headline, {col('article_count')} AS articles,
                                  {col('sites')} AS sites, {col('first_date', 'first_published')} AS first,
                                  {col('last_date', 'last_published')} AS last
                           FROM s {latest}) AS current
            WHERE story_id IN (SELECT story_id FROM s {touched})
            ORDER BY articles DESC NULLS LAST, story_id LIMIT {TOP_GROUPS}""")
        for row in rows:
            sites = row.pop("sites")
            row["outlets"] = len(sites) if isinstance(sites, (list, tuple)) else sites
            row["first"], row["last"] = _iso(row["first"]), _iso(row["last"])
        return rows
    if "story_id" in columns:   # runs with --stories off leave the column empty: no section then
        rows = [{**r, "first": _iso(r["first"]), "last": _iso(r["last"])} for r in _rows(con, f"""
            SELECT story_id, coalesce(min(title) FILTER (WHERE NOT is_duplicate), min(title)) AS headline,
                   count(*) AS articles, count(DISTINCT site) AS outlets,
                   min(published_date) AS first, max(published_date) AS last
            FROM a WHERE story_id IS NOT NULL GROUP BY story_id
            ORDER BY articles DESC, story_id LIMIT {TOP_GROUPS}""")]
        return rows or None
    return None


def _health(con, min_articles: int) -> Dict:
    rows = _rows(con, f"""
        SELECT site, run, min(ingested_at) AS ran_at, count(*) AS n,
               count(*) FILTER (WHERE published IS NOT NULL) AS dated,
               count(*) FILTER (WHERE n_authors > 0) AS authored,
               count(*) FILTER (WHERE date_precision = 'time') AS timed,
               count(*) FILTER (WHERE coalesce(word_count, 0) < {health.SHORT_TEXT_WORDS}) AS short,
               list(coalesce(word_count, 0) ORDER BY word_count) AS words
        FROM a WHERE site IN (SELECT site FROM a GROUP BY site HAVING count(*) >= ?)
        GROUP BY site, run ORDER BY site, ran_at, run""", [min_articles])
    by_site: Dict[str, List[health.Period]] = {}
    for r in rows:
        by_site.setdefault(r["site"], []).append(health.Period(
            run=r["run"], at=_iso(r["ran_at"]), n=r["n"], dated=r["dated"], authored=r["authored"],
            timed=r["timed"], short=r["short"], words=r["words"]))
    sites = [{"site": site, "runs": len(periods), **health.summary(periods), "flags": health.site_flags(periods)}
             for site, periods in by_site.items()]
    sites.sort(key=lambda s: (-len(s["flags"]), -s["articles"], s["site"]))
    return {"min_articles": min_articles, "short_text_words": health.SHORT_TEXT_WORDS,
            "share_change": health.SHARE_CHANGE, "words_ratio": health.WORDS_RATIO,
            "recent_runs": health.RECENT_RUNS, "min_z": health.MIN_Z, "sites": sites,
            "series": {s["site"]: [{"run": p.run, "at": p.at, "n": p.n, "dated": p.dated, "authored": p.authored,
                                    "timed": p.timed, "short": p.short} for p in by_site[s["site"]]]
                       for s in sites if s["flags"]}}


def figures(source: Source, since: Optional[dt.datetime] = None,
            min_site_articles: int = health.MIN_SITE_ARTICLES) -> Dict:
    """Everything the report shows, as plain JSON values."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    columns = _load(con, source, since)["articles"]
    one = lambda sql, params=(): con.execute(sql, list(params)).fetchone()  # noqa: E731
    articles, copies, sites, languages, first, last, undated, month_only = one("""
        SELECT count(*), count(*) FILTER (WHERE is_duplicate), count(DISTINCT site), count(DISTINCT language),
               min(published_date), max(published_date), count(*) FILTER (WHERE published IS NULL),
               count(*) FILTER (WHERE published IS NOT NULL AND published_date IS NULL) FROM a""")
    groups = one("SELECT count(*) FROM (SELECT dup_group FROM a WHERE dup_group IS NOT NULL "
                 "GROUP BY dup_group HAVING count(*) > 1)")[0]
    runs = _runs(con, source, since)
    result = {
        "report": {"path": source.path, "layout": source.layout, "since": since.date().isoformat() if since else None,
                   "wirebeam": __version__, "unreadable_files": source.unreadable},
        "totals": {"articles": articles, "copies": copies, "copy_groups": groups,
                   "failures": one("SELECT count(*) FROM f")[0], "runs": len(runs), "sites": sites,
                   "languages": languages, "first_published": _iso(first), "last_published": _iso(last),
                   "undated": undated, "month_only": month_only},
        "runs": runs,
        "languages": [r for r in _rows(con, "SELECT language, count(*) AS articles FROM a GROUP BY language "
                                            "ORDER BY articles DESC, language")],
        "per_day": [{**r, "date": _iso(r["date"])} for r in _rows(con, """
            SELECT published_date AS date, language, count(*) AS articles FROM a WHERE published_date IS NOT NULL
            GROUP BY ALL ORDER BY date, language""")],
        "sites": _rows(con, f"""
            SELECT site, count(*) AS articles, count(*) FILTER (WHERE is_duplicate) AS copies,
                   string_agg(DISTINCT language, ', ' ORDER BY language) AS languages
            FROM a GROUP BY site ORDER BY articles DESC, site LIMIT {TOP_SITES}"""),
        "agencies": _rows(con, f"""
            SELECT agency, count(*) AS articles, count(DISTINCT site) AS sites
            FROM (SELECT DISTINCT id, site, unnest(agencies) AS agency FROM a)
            GROUP BY agency ORDER BY articles DESC, agency LIMIT {TOP_SITES}"""),
        "copy_groups": [{**r, "first": _iso(r["first"]), "last": _iso(r["last"])} for r in _rows(con, f"""
            WITH big AS (SELECT dup_group, count(*) AS n FROM a WHERE dup_group IS NOT NULL GROUP BY dup_group
                         HAVING count(*) > 1 ORDER BY n DESC, dup_group LIMIT {TOP_GROUPS})
            SELECT dup_group, coalesce(min(title) FILTER (WHERE NOT is_duplicate), min(title)) AS headline,
                   count(*) AS articles, count(DISTINCT site) AS outlets,
                   string_agg(DISTINCT site, ', ' ORDER BY site) AS sites,
                   min(published_date) AS first, max(published_date) AS last
            FROM a SEMI JOIN big USING (dup_group) GROUP BY dup_group
            ORDER BY articles DESC, dup_group""")],
        "stories": _stories(con, source, columns, since),
        "entities": _entities(con, source, since),
        "failures": _rows(con, f"""
            SELECT stage, reason, count(*) AS count,
                   list_slice(list(DISTINCT source ORDER BY source), 1, {FAILURE_EXAMPLES}) AS examples,
                   arg_min(detail, source) AS detail
            FROM f GROUP BY stage, reason ORDER BY count DESC, stage, reason"""),
        "health": _health(con, min_site_articles),
    }
    con.close()
    return result


def _entities(con, source: Source, since) -> Dict[str, List[Dict]]:
    """Top entities per label: in how many articles each (norm, label) occurs, and how often in all."""
    if not source.articles:
        return {}
    rows = _rows(con, f"""
        WITH e AS (SELECT unnest(entity_counts) AS c FROM read_parquet(?, union_by_name=true) {_since(since)}),
             g AS (SELECT c.label AS label, c.norm AS norm, count(*) AS articles, sum(c.count)::BIGINT AS mentions
                   FROM e WHERE c.norm IS NOT NULL GROUP BY ALL)
        SELECT * FROM g QUALIFY row_number() OVER (PARTITION BY label ORDER BY articles DESC, mentions DESC, norm)
                                <= {TOP_ENTITIES}
        ORDER BY label, articles DESC, mentions DESC, norm""", [source.articles])
    out: Dict[str, List[Dict]] = {}
    for r in rows:
        out.setdefault(r.pop("label"), []).append(r)
    return out
