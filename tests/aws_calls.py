"""pytest plugin: record every AWS API operation made through botocore during the run.

PynamoDB 6 and boto3 both end in `botocore.client.BaseClient._make_api_call`, so wrapping that
one method (at plugin load, before any client exists) sees every call. Each call is recorded with
who made it: operator code (migrations, `flask purge`, the local tooling; see ADMIN_PATHS)
anywhere on the stack makes it "admin", otherwise the innermost frame of this repository decides
between the app (`anchor/`) and a test. `tests/test_zz_iam_policy.py` compares the app's calls
with the IAM policies in `docs/iam/`.

Under pytest-xdist each worker records only its own calls: at its end a worker hands them to the
controller (`workeroutput`), which adds them to its own counters, so the controller's end of run
sees every call. That end writes `test-artifacts/aws-calls-run.json` (the calls plus whether the
run was the whole suite and how many tests failed), which `pytest tests/test_zz_iam_policy.py
--aws-calls-from=<file>` compares with the policies after the run (`make test`).

Enable with `-p tests.aws_calls` or `pytest_plugins = ["tests.aws_calls"]` in conftest.
"""
import json
import sys
import threading
from collections import Counter
from pathlib import Path

import botocore.client
import pytest

ROOT = Path(__file__).resolve().parent.parent
_ROOT_PREFIX = str(ROOT) + "/"
_VENV_PREFIX = str(ROOT / ".venv") + "/"

# Operations only tests, migrations and ops tooling may make; none of them belongs in the
# instance roles. A call to one of these from app code fails the IAM check.
ADMIN_ONLY_OPERATIONS = {
    ("dynamodb", "CreateTable"),        # migrations/0001, 0002 (`flask migrate`, run with admin creds)
    ("dynamodb", "DescribeTable"),      # migrations: table_exists + the table_exists waiter
    ("dynamodb", "DeleteTable"),        # tests/conftest.py drop_tables
    ("dynamodb", "UpdateTimeToLive"),   # migrations/0003
    ("dynamodb", "DescribeTimeToLive"), # migrations/0003
    ("dynamodb", "UpdateTable"),        # migrations/0006 (deletion protection); test teardown
    ("dynamodb", "DescribeContinuousBackups"),  # migrations/0006, production only
    ("dynamodb", "UpdateContinuousBackups"),    # ditto
    ("dynamodb", "ListTables"),         # ad-hoc test checks
    ("dynamodb", "Scan"),               # tests and `flask purge` (ops): no Scan in request/worker paths
    ("kms", "CreateKey"),               # tests create a key in the moto KMS stand-in
    ("kms", "CreateAlias"),             # ditto
    ("kms", "DescribeKey"),             # ditto
}

_lock = threading.Lock()
_calls = Counter()  # (origin, service, operation, resource) -> count
_deleted = Counter()  # (origin, partition-key kind) -> count of DeleteItem on the profiles table


# Code that runs with operator credentials (laptop or CI), never with an instance role: any
# frame in one of these makes the whole call "admin". `flask purge` is ops only (it Scans).
ADMIN_PATHS = ("anchor/migrate.py", "migrations/", "devstack/", "anchor/refresh/purge.py")


def _origin():
    """Who made the call: 'admin' (migrations, purge, local tooling), 'app', 'test' or 'other'.

    An admin frame anywhere on the stack wins; otherwise the innermost repository frame decides.
    """
    frame, innermost = sys._getframe(2), None
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith(_ROOT_PREFIX) and not filename.startswith(_VENV_PREFIX) \
                and not filename.endswith("tests/aws_calls.py"):
            relative = filename[len(_ROOT_PREFIX):]
            if relative.startswith(ADMIN_PATHS):
                return "admin"
            innermost = innermost or relative
        frame = frame.f_back
    if innermost is None:
        return "other"
    if innermost.startswith("anchor/"):
        return "app"
    return "test" if innermost.startswith("tests/") else "other"


def _logical_table(name):
    """`t1234-AnchorProfiles` -> `AnchorProfiles` (tables are prefixed per test/environment)."""
    for base in ("AnchorProfiles", "AnchorTokens"):
        if name and name.endswith(base):
            return base
    return name or ""


def _resources(service, operation, params):
    """[(operation, resource)] for one call; transactions are split into their items."""
    if service != "dynamodb":
        return [(operation, "")]
    if operation in ("TransactWriteItems", "TransactGetItems"):
        found = []
        for item in params.get("TransactItems", []):
            for kind, body in item.items():
                found.append((f"{operation}.{kind}", "table/" + _logical_table(body.get("TableName"))))
        return found
    if operation in ("BatchWriteItem", "BatchGetItem"):
        return [(operation, "table/" + _logical_table(t)) for t in params.get("RequestItems", {})]
    resource = "table/" + _logical_table(params.get("TableName"))
    if params.get("IndexName"):
        resource += "/index/" + params["IndexName"]
    return [(operation, resource)]


def _deleted_prefix(params):
    """The partition key's kind (`SIGNIN#`, `CEREMONY#`, ...) of one DeleteItem on the profiles table."""
    pk = (params.get("Key") or {}).get("pk", {}).get("S", "")
    return pk.split("#", 1)[0] + "#" if "#" in pk else pk


def record(service, operation, params, origin):
    """Count one API call (exposed for tests of this plugin)."""
    params = params or {}
    with _lock:
        for op, resource in _resources(service, operation, params):
            _calls[(origin, service, op, resource)] += 1
        if service == "dynamodb" and operation == "DeleteItem" \
                and _logical_table(params.get("TableName")) == "AnchorProfiles":
            _deleted[(origin, _deleted_prefix(params))] += 1


def deleted_profile_keys():
    """{(origin, partition-key kind)} of every DeleteItem on the profiles table so far."""
    with _lock:
        return Counter(_deleted)


def calls():
    """A copy of everything recorded so far."""
    with _lock:
        return Counter(_calls)


_original = botocore.client.BaseClient._make_api_call


def _recording_make_api_call(self, operation_name, api_params):
    try:
        record(self.meta.service_model.service_name, operation_name, api_params, _origin())
    except Exception:  # recording must never change what the code under test sees
        pass
    return _original(self, operation_name, api_params)


if not getattr(botocore.client.BaseClient._make_api_call, "_anchor_recording", False):
    _recording_make_api_call._anchor_recording = True
    botocore.client.BaseClient._make_api_call = _recording_make_api_call


def pytest_addoption(parser):
    parser.addoption("--aws-calls-from", metavar="FILE", default=None,
                     help="compare the calls a finished run recorded in FILE (aws-calls-run.json) "
                          "with docs/iam/ instead of this process's own")


def pytest_configure(config):
    config.anchor_aws_calls = calls


def app_operations():
    """Sorted distinct (service, operation, resource) made by app code."""
    return sorted({(s, o, r) for (origin, s, o, r) in calls() if origin == "app"})


ARTIFACTS = ROOT / "test-artifacts"
RUN_RECORD = ARTIFACTS / "aws-calls-run.json"


def _call_rows(recorded):
    return [{"origin": origin, "service": s, "operation": o, "resource": r, "count": n}
            for (origin, s, o, r), n in sorted(recorded.items())]


def _deleted_rows(deleted):
    return [{"origin": origin, "kind": kind, "count": n} for (origin, kind), n in sorted(deleted.items())]


def merge(call_rows, deleted_rows):
    """Add calls recorded elsewhere (an xdist worker, a run record) to this process's counters."""
    with _lock:
        for row in call_rows:
            _calls[(row["origin"], row["service"], row["operation"], row["resource"])] += row["count"]
        for row in deleted_rows:
            _deleted[(row["origin"], row["kind"])] += row["count"]


def whole_suite(config):
    """Whether this run is the whole suite: no paths but tests/, no -k, no -m."""
    every = all(Path(arg.split("::")[0]).resolve() in (ROOT, ROOT / "tests") for arg in config.args)
    return every and not config.option.keyword and not config.option.markexpr


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """xdist controller: take a finished worker's calls into this process's counters."""
    handed = getattr(node, "workeroutput", {}).get("anchor_aws_calls")
    if handed:
        merge(handed["calls"], handed["deleted"])


def pytest_sessionfinish(session, exitstatus):
    """A worker hands its calls to the controller; the controller (or a plain run) writes them out.

    test-artifacts/aws-calls.json is the list for whoever updates docs/iam/; aws-calls-run.json adds
    what the IAM check needs to judge the run (whole suite? failures?) when it runs afterwards.
    """
    recorded, deleted = calls(), deleted_profile_keys()
    if hasattr(session.config, "workerinput"):
        session.config.workeroutput["anchor_aws_calls"] = {"calls": _call_rows(recorded),
                                                           "deleted": _deleted_rows(deleted)}
        return
    if session.config.getoption("--aws-calls-from"):   # judging a finished run: its files stay as they are
        return
    ARTIFACTS.mkdir(exist_ok=True)
    if recorded:
        (ARTIFACTS / "aws-calls.json").write_text(json.dumps(_call_rows(recorded), indent=1) + "\n")
    run = {"whole_suite": whole_suite(session.config), "testsfailed": session.testsfailed,
           "testscollected": session.testscollected, "exitstatus": int(exitstatus),
           "calls": _call_rows(recorded), "deleted": _deleted_rows(deleted)}
    RUN_RECORD.write_text(json.dumps(run, indent=1) + "\n")


def pytest_terminal_summary(terminalreporter):
    app_calls = app_operations()
    if app_calls and terminalreporter.config.getoption("verbose") > 0:
        terminalreporter.write_sep("-", "AWS operations made by app code")
        for service, operation, resource in app_calls:
            terminalreporter.write_line(f"{service}:{operation} {resource}".rstrip())
