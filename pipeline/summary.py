"""The end-of-run summary `wirebeam run` prints, from the run's report (run.json)."""
import sys

SUMMARY_DATES = 8   # partitions listed one by one; a longer run gets its range and its busiest days
REFUSED_HINT = "pages at private, loopback or link-local addresses are refused: allow a host with --allow-host"


def count(n: int, noun: str) -> str:
    """"1 article", "2 articles"."""
    return f"{n} {noun}" + ("" if n == 1 else "s")


def dates_line(dates: dict) -> str:
    """The summary's dates line: every partition when there are few, else how many, their range and
    the busiest ones (run.json keeps the full count of each). `dates`: partition value -> rows."""
    known = {k: v for k, v in dates.items() if k != "unknown"}
    unknown = f"unknown {dates['unknown']}" if dates.get("unknown") else ""
    if len(known) <= SUMMARY_DATES:
        parts = [f"{k} {v}" for k, v in sorted(known.items())]
    else:
        busiest = sorted(known.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        parts = [f"{len(known)} dates from {min(known)} to {max(known)}",
                 "most on " + ", ".join(f"{k} {v}" for k, v in busiest)]
    return ", ".join(parts + [unknown] if unknown else parts) or "-"


def feeds_line(report: dict) -> str:
    """The summary's feeds line, from the run's metrics and failures (run.json has them all)."""
    metrics = report.get("metrics") or {}

    def n(name):
        return metrics.get(f"feeds.{name}", 0)
    failed = sum(report["failures"]["by_stage"].get("feed", {}).values())
    parts = [f"{count(report['inputs']['feeds'], 'feed')} ({n('not_modified')} not modified since the last run, "
             f"{failed} failed)", count(n("items_new"), "new item")]
    if n("repeated_item"):
        parts.append(f"{n('repeated_item')} repeated an earlier item's guid or link (skipped, keys in run.json)")
    if n("items_seen"):
        parts.append(f"{n('items_seen')} seen before")
    if n("items_over_cap"):
        parts.append(f"{n('items_over_cap')} over --max-items-per-feed")
    because = sorted((k.rsplit(".", 1)[-1], v) for k, v in metrics.items() if k.startswith("feeds.fallback_because."))
    why = f" (page {', '.join(f'{reason} {c}' for reason, c in because)})" if because else ""
    parts.append(f"{count(n('pages_fetched'), 'page')} fetched, {n('fallbacks')} from the feed's own text{why}")
    return ", ".join(parts)


def entities_line(entities: dict) -> str:
    """The summary's entities line: what was found, by which models (run.json has the details)."""
    if "entities" not in entities or not entities.get("models"):
        return entities["status"]
    tagged = ", ".join(f"{lang} {n}" for lang, n in entities["tagged_articles"].items())
    models = ", ".join(f"{lang}={name}" for lang, name in entities["models"].items())
    untagged = entities["no_model_for_language"]
    return (f"{entities['entities']} mentions; articles tagged: {tagged} (models {models})"
            + (f"; {untagged} in other languages untagged" if untagged else ""))


def dataset_line(data: dict) -> str:
    """The summary's line for a run with --append or --index (run.json "dataset")."""
    copies = data["copies_of_earlier_runs"]
    parts = [f"{copies} {'copy' if copies == 1 else 'copies'} of earlier runs"]
    if data["append"]:
        parts.append(f"{data['already_in_dataset']} already in the dataset")
        parts.append(count(data["new_versions"], "new version"))
    added = data.get("index_entries", 0)
    parts.append(f"{added} {'entry' if added == 1 else 'entries'} added to the copy index")
    return ", ".join(parts)


def print_summary(report: dict, out=None) -> None:
    w = (out or sys.stdout).write
    inputs = report["inputs"]
    sources = count(inputs["files"], "input file") + (f" and {count(inputs['feeds'], 'feed')}" if inputs.get("feeds") else "")
    w(f"\nwirebeam: {count(report['articles'], 'article')} from {sources} in {report['elapsed_seconds']:.1f} s\n")
    w(f"  output      {report['output']}\n")
    copies = report["duplicates"]
    w(f"  duplicates  {count(copies, 'row')} {'is a copy' if copies == 1 else 'are copies'} "
      f"(in {count(report['duplicate_groups'], 'group')})\n")
    if (report.get("dataset") or {}).get("append") is not None and "already_in_dataset" in report["dataset"]:
        w(f"  dataset     {dataset_line(report['dataset'])}\n")
    langs = ", ".join(f"{k} {v}" for k, v in report["languages"].items()) or "-"
    w(f"  languages   {langs}\n")
    w(f"  dates       {dates_line(report['dates'])}\n")
    failures = report["failures"]
    w(f"  failures    {failures['total']}")
    details = [f"{stage}/{reason} {n}" for stage, reasons in failures["by_stage"].items() for reason, n in reasons.items()]
    w(f" ({', '.join(details)})\n" if details else "\n")
    if (any(reasons.get("refused_address") for reasons in failures["by_stage"].values())
            or (report.get("metrics") or {}).get("feeds.fallback_because.refused_address")):
        w(f"              {REFUSED_HINT}\n")
    if inputs.get("feeds"):
        w(f"  feeds       {feeds_line(report)}\n")
    w(f"  entities    {entities_line(report['entities'])}\n")
    w(f"Query it: duckdb -c \"SELECT date, language, title FROM read_parquet('{report['output']}/articles/**/*.parquet', "
      f"hive_partitioning=true)\"\n")
    w(f"Report: wirebeam report {report['output']}\n")
