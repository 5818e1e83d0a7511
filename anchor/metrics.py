"""CloudWatch metrics without API calls: embedded metric format (EMF) members on log lines.

A log line that carries `_aws.CloudWatchMetrics` is turned into metrics by CloudWatch Logs when
the agent ships it (AWS, "Specification: Embedded metric format"):

    {"_aws": {"Timestamp": 1764072000000,
              "CloudWatchMetrics": [{"Namespace": "Anchor", "Dimensions": [["Role"]],
                                     "Metrics": [{"Name": "Requests", "Unit": "Count"}]}]},
     "Role": "web", "Requests": 1, ...the line's other fields}

Each dimension names a string member of the line and each metric a number member. The line
is the ordinary structured log line (`log_event`), so the metric and the event that caused it
are one record. Alarms (`.ebextensions/05-alarms.config`) read these names.
"""
import time

from flask import current_app, has_app_context

from anchor.logs import SECRET_WORDS

DEFAULT_NAMESPACE = "Anchor"
UNITS = frozenset({"Count", "Milliseconds", "Seconds", "Percent", "None"})


def namespace():
    """The configured namespace (ANCHOR_METRICS_NAMESPACE), "Anchor" by default."""
    if has_app_context():
        return current_app.config.get("METRICS_NAMESPACE") or DEFAULT_NAMESPACE
    return DEFAULT_NAMESPACE


def role():
    """The environment's role (web | worker): the dimension every metric carries."""
    return current_app.config.get("ROLE", "web") if has_app_context() else "web"


def emf(values, *, units=None, dimensions=None, now=None):
    """Fields to merge into a log line so that `values` ({name: number}) become metrics.

    `units` maps a name to its unit (Count by default); `dimensions` adds string dimensions to
    Role (e.g. {"Source": "spotify"}). Values that are None are left out.
    """
    values = {name: value for name, value in values.items() if value is not None}
    dims = {"Role": role(), **(dimensions or {})}
    units = units or {}
    for name, value in values.items():
        if any(word in name.lower() for word in SECRET_WORDS):
            raise ValueError(f"metric {name} would be redacted from the log line")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"metric {name} must be a number")
        if units.get(name, "Count") not in UNITS:
            raise ValueError(f"unknown unit for {name}")
    if not values:
        return {}
    directive = {"Namespace": namespace(), "Dimensions": [list(dims)],
                 "Metrics": [{"Name": name, "Unit": units.get(name, "Count")} for name in values]}
    stamp = int((now if now is not None else time.time()) * 1000)
    return {"_aws": {"Timestamp": stamp, "CloudWatchMetrics": [directive]}, **dims, **values}


# The endpoint of a public profile page (a view counted as PageViews).
PAGE_ENDPOINT = "public.profile"


def request_metrics(endpoint, status, duration_ms):
    """EMF members of a request line: Requests, ServerErrors (5xx), PageViews, Latency."""
    page = endpoint == PAGE_ENDPOINT
    return emf({"Requests": 1, "ServerErrors": int(status >= 500), "Latency": duration_ms,
                "PageViews": int(page and status < 400), "PageServerErrors": int(page and status >= 500)},
               units={"Latency": "Milliseconds"})


def refresh_run(summary, gates):
    """EMF members of a pass summary: the heartbeat (RefreshRuns) and what the pass did."""
    outcomes = summary.get("outcomes") or {}
    processed = summary.get("processed") or 0
    failed = outcomes.get("failed", 0) + (summary.get("late_failures") or 0)
    spotify = gates.get("spotify")
    values = {"RefreshRuns": 1, "ProfilesProcessed": processed,
              "ProfilesRefreshed": outcomes.get("refreshed", 0) + outcomes.get("unchanged", 0),
              "ProfilesFailed": failed, "RunDuration": summary.get("duration_ms") or 0,
              "SpotifyCalls": summary.get("spotify_calls") or 0,
              "Spotify429s": getattr(spotify, "pauses", 0) if spotify is not None else 0,
              "SourceIncidents": len(summary.get("incidents") or {}),
              # Only a pass that processed profiles has a failed share (no data point otherwise).
              "FailedShare": round(100.0 * failed / processed, 1) if processed else None}
    return emf(values, units={"RunDuration": "Milliseconds", "FailedShare": "Percent"})


def validate(line):
    """Problems of one EMF document against the specification's rules we rely on ([] if none)."""
    problems = []
    meta = line.get("_aws")
    if not isinstance(meta, dict):
        return ["no _aws object"]
    if not isinstance(meta.get("Timestamp"), int) or meta["Timestamp"] < 10 ** 12:
        problems.append("Timestamp is not epoch milliseconds")
    directives = meta.get("CloudWatchMetrics")
    if not isinstance(directives, list) or not directives:
        return problems + ["CloudWatchMetrics is not a non-empty list"]
    for directive in directives:
        if set(directive) - {"Namespace", "Dimensions", "Metrics"}:
            problems.append("unknown member in a metric directive")
        if not isinstance(directive.get("Namespace"), str) or not 1 <= len(directive["Namespace"]) <= 255:
            problems.append("Namespace missing or too long")
        for dimension_set in directive.get("Dimensions", []):
            if not isinstance(dimension_set, list) or len(dimension_set) > 30:
                problems.append("a dimension set is not a list of at most 30 names")
                continue
            for name in dimension_set:
                if not isinstance(line.get(name), str):
                    problems.append(f"dimension {name} is not a string member")
        metrics = directive.get("Metrics")
        if not isinstance(metrics, list) or not 1 <= len(metrics) <= 100:
            problems.append("Metrics is not a list of 1-100 definitions")
            continue
        for metric in metrics:
            name = metric.get("Name")
            value = line.get(name)
            values = value if isinstance(value, list) else [value]
            if not isinstance(name, str) or not name:
                problems.append("a metric has no Name")
            elif not values or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                       for v in values):
                problems.append(f"metric {name} has no numeric member")
            if metric.get("Unit", "None") not in UNITS:
                problems.append(f"metric {name} has an unknown unit")
    return problems
