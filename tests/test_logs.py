"""JSON log lines on stdout, wherever stdout points when the line is written."""
import io
import json
import logging
import sys

from anchor import metrics
from anchor.logs import JsonFormatter, configure_logging, log_event
from anchor.profiles import connection


def test_log_lines_follow_stdout_when_it_is_swapped(monkeypatch):
    configure_logging()
    log = logging.getLogger("anchor.test")
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", first)
    log_event(log, "first", handle="nadia")
    first.close()                                   # what a finished CliRunner leaves behind
    monkeypatch.setattr(sys, "stdout", second)
    log_event(log, "second", handle="nadia")
    line = json.loads(second.getvalue().strip().splitlines()[-1])
    assert (line["msg"], line["handle"], line["logger"]) == ("second", "nadia", "anchor.test")


def test_a_cli_process_writes_json_lines_to_its_own_file(tmp_path, monkeypatch):
    monkeypatch.delenv("ANCHOR_PROCESS", raising=False)
    root = logging.getLogger()
    configure_logging(log_dir=str(tmp_path))
    try:
        log_event(logging.getLogger("anchor.test"), "one", handle="nadia")
        logging.getLogger("botocore.test").warning("library line with %s", "args")
        logging.getLogger("botocore.test").info("library chatter stays out")
    finally:
        for handler in [h for h in root.handlers if getattr(h, "_anchor", None) == "file"]:
            root.removeHandler(handler)
            handler.close()
    entries = [json.loads(line) for line in (tmp_path / "cli.log").read_text().splitlines()]
    assert [(e["logger"], e["msg"]) for e in entries] == [("anchor.test", "one"),
                                                          ("botocore.test", "library line with args")]


def test_sign_in_lines_carry_valid_metrics(app, caplog):
    with app.app_context(), caplog.at_level(logging.INFO, logger="anchor"):
        connection.sign_in("listenbrainz", "maya")
    record = next(r for r in caplog.records if r.getMessage() == "signed in")
    entry = json.loads(JsonFormatter().format(record))
    assert metrics.validate(entry) == []
    assert (entry["SignIns"], entry["Source"], entry["Role"]) == (1, "listenbrainz", "web")
    assert entry["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["Role", "Source"]]


def test_metric_names_that_the_log_would_redact_are_refused():
    import pytest
    with pytest.raises(ValueError):
        metrics.emf({"CopyInputTokens": 3})
