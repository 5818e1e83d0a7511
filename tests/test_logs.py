"""JSON log lines on stdout, wherever stdout points when the line is written."""
import io
import json
import logging
import sys

from anchor.logs import configure_logging, log_event


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
