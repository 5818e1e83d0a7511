"""The instance-role policies in docs/iam/ name exactly the AWS actions the app makes.

Runs last (file name): `tests/aws_calls.py` has recorded every botocore call of the run, with
who made it. App calls map to IAM actions (a transaction is authorised per item as PutItem /
UpdateItem / DeleteItem / ConditionCheckItem; Converse is authorised as InvokeModel). Every app
action must be granted on its table or index, and every granted action must have been used.
"""
import json
import re
from pathlib import Path

import pytest

from anchor.config import DEFAULT_MODEL_ID

ROOT = Path(__file__).resolve().parent.parent
POLICIES = {"web": ROOT / "docs/iam/web-policy.json", "worker": ROOT / "docs/iam/worker-policy.json"}
MIN_APP_CALLS = 20
# Actions only the web role makes. None since issue 32: the worker's refreshes and copy jobs
# change pages too, and every page-changing write invalidates them at the CDN (anchor/cdn.py).
WEB_ONLY = set()
# The S3 resources: the web role puts and deletes under the photo bucket's `photos/` prefix
# (anchor/photos_store.py); the worker only the share images under `photos/cards/`
# (anchor/profiles/share_cards.py, composed by its refresh).
PHOTOS_ARN = re.compile(r"arn:aws:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/photos/\*")
CARDS_ARN = re.compile(r"arn:aws:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/photos/cards/\*")
S3_ARNS = {"web": PHOTOS_ARN, "worker": CARDS_ARN}

TRANSACT_ITEM_ACTIONS = {
    "TransactWriteItems.Put": "PutItem", "TransactWriteItems.Update": "UpdateItem",
    "TransactWriteItems.Delete": "DeleteItem", "TransactWriteItems.ConditionCheck": "ConditionCheckItem",
    "TransactGetItems.Get": "GetItem",
}
# SQS authorises a batch call through its single-message action.
SQS_ACTIONS = {"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage",
               "ChangeMessageVisibilityBatch": "ChangeMessageVisibility"}
# (action, resource) pairs only the web role uses: a Last.fm sign-in uses up its SIGNIN# record.
WEB_ONLY_PAIRS = {("dynamodb:DeleteItem", "table/AnchorProfiles")}
# Only the worker role's hourly pass sends to the worker tier's queue; the web role never does.
WORKER_ONLY = {"sqs:SendMessage"}
BEDROCK_ACTIONS = {"Converse": "InvokeModel", "InvokeModel": "InvokeModel",
                   "ConverseStream": "InvokeModelWithResponseStream",
                   "InvokeModelWithResponseStream": "InvokeModelWithResponseStream"}
DYNAMODB_ARN = re.compile(
    r"^arn:aws:dynamodb:[a-z0-9-]+:\d{12}:table/[A-Za-z0-9_.-]*?(AnchorProfiles|AnchorTokens)"
    r"(/index/([A-Za-z0-9_.-]+))?$")


def iam_action(service, operation):
    """The IAM action that authorises one recorded operation."""
    if service == "dynamodb":
        return "dynamodb:" + TRANSACT_ITEM_ACTIONS.get(operation, operation)
    if service == "bedrock-runtime":
        return "bedrock:" + BEDROCK_ACTIONS.get(operation, operation)
    if service == "sqs":
        return "sqs:" + SQS_ACTIONS.get(operation, operation)
    return f"{service}:{operation}"


def load_policy(role):
    return json.loads(POLICIES[role].read_text())


def statements(policy):
    found = policy["Statement"]
    return found if isinstance(found, list) else [found]


def as_list(value):
    return value if isinstance(value, list) else [value]


def logical_resource(arn):
    """`...:table/prod-AnchorProfiles/index/X` -> `table/AnchorProfiles/index/X`; others -> ''."""
    match = DYNAMODB_ARN.match(arn)
    if not match:
        return ""
    return "table/" + match.group(1) + (f"/index/{match.group(3)}" if match.group(2) else "")


def grants(policy):
    """{(action, logical resource)} that a policy allows."""
    allowed = set()
    for statement in statements(policy):
        assert statement["Effect"] == "Allow", "the instance policies only allow"
        for action in as_list(statement["Action"]):
            for arn in as_list(statement["Resource"]):
                allowed.add((action, logical_resource(arn) if action.startswith("dynamodb:") else ""))
    return allowed


@pytest.fixture(scope="module")
def run(request):
    """What the run to judge recorded: this process's, or a finished run's (--aws-calls-from)."""
    if not request.config.pluginmanager.hasplugin("tests.aws_calls"):
        pytest.skip("the AWS call recorder is not loaded (run with -p tests.aws_calls)")
    from tests import aws_calls
    config = request.config
    source = config.getoption("--aws-calls-from")
    if source:      # a missing or unreadable record fails: the caller asked for this comparison
        recorded = json.loads(Path(source).read_text())
        aws_calls.merge(recorded["calls"], recorded["deleted"])
        return recorded
    if hasattr(config, "workerinput"):
        pytest.skip("an xdist worker sees only its own calls: `make test` compares the whole run's "
                    "afterwards (--aws-calls-from=test-artifacts/aws-calls-run.json)")
    return {"whole_suite": aws_calls.whole_suite(config), "testsfailed": request.session.testsfailed}


@pytest.fixture(scope="module")
def app_calls(run):
    from tests.aws_calls import calls
    if not run["whole_suite"]:
        pytest.skip("partial run (paths, -k or -m given): the IAM comparison needs the whole suite")
    recorded = calls()
    app = {key: n for key, n in recorded.items() if key[0] == "app"}
    if sum(app.values()) < MIN_APP_CALLS:
        pytest.skip(f"only {sum(app.values())} app AWS calls recorded; run the whole suite")
    return recorded


@pytest.fixture(scope="module")
def used(app_calls):
    """{(IAM action, logical resource)} the app code used during the run."""
    return {(iam_action(service, op), resource if service == "dynamodb" else "")
            for (origin, service, op, resource) in app_calls if origin == "app"}


def test_app_makes_no_admin_only_calls(app_calls):
    from tests.aws_calls import ADMIN_ONLY_OPERATIONS
    bad = sorted({(s, o) for (origin, s, o, _r) in app_calls
                  if origin == "app" and (s, o) in ADMIN_ONLY_OPERATIONS})
    assert not bad, f"app code made admin/test-only calls (no Scan or DDL at runtime): {bad}"


@pytest.mark.parametrize("role", sorted(POLICIES))
def test_policy_grants_every_call_the_app_makes(role, used):
    if role == "worker":
        needed = {(a, r) for a, r in used if a not in WEB_ONLY and (a, r) not in WEB_ONLY_PAIRS}
    else:
        needed = {(a, r) for a, r in used if a not in WORKER_ONLY}
    missing = sorted(needed - grants(load_policy(role)))
    assert not missing, f"docs/iam/{role}-policy.json lacks (action, resource): {missing}"


def test_only_the_worker_role_may_send_to_the_queue():
    assert not {a for a, _r in grants(load_policy("web"))} & WORKER_ONLY
    assert {a for a, _r in grants(load_policy("worker"))} >= WORKER_ONLY


def test_every_granted_action_was_used(used, run, request):
    if run["testsfailed"] or run.get("exitstatus", 0) or request.session.testsfailed:
        pytest.skip("other tests failed or the run stopped, so the recorded calls may be incomplete")
    for role in sorted(POLICIES):
        unused = sorted(grants(load_policy(role)) - used)   # (web grants no WORKER_ONLY action)
        assert not unused, (f"docs/iam/{role}-policy.json grants actions no test saw the app use "
                            f"(remove them, or add the test that covers them): {unused}")


@pytest.mark.parametrize("role", sorted(POLICIES))
def test_policy_resources_are_specific(role):
    policy = load_policy(role)
    assert policy["Version"] == "2012-10-17"
    for statement in statements(policy):
        actions = as_list(statement["Action"])
        assert all("*" not in a for a in actions), f"wildcard action in {statement}"
        assert {a.split(":")[0] for a in actions} <= {"dynamodb", "kms", "bedrock", "sqs", "cloudfront",
                                                                   "s3"}, \
            statement
        assert role == "web" or not set(actions) & WEB_ONLY, f"{role} must not grant {WEB_ONLY}"
        if role == "web" and statement.get("Sid") == "SignInRecords":    # deletes only one-time records
            leading = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
            assert sorted(leading) == ["CEREMONY#*", "SIGNIN#*"], statement
            assert statement["Action"] == ["dynamodb:DeleteItem"], statement
        for arn in as_list(statement["Resource"]):
            service = arn.split(":")[2]
            assert "*" not in arn or (service == "s3" and S3_ARNS[role].fullmatch(arn)), \
                f"{role}: Resource must name the exact ARN (S3: the bucket's photos/*), not {arn}"
            assert all(a.startswith(service + ":") for a in actions), \
                f"{role}: one statement per service ({arn} with {actions})"
            if service == "dynamodb":
                assert DYNAMODB_ARN.match(arn), f"{role}: unexpected DynamoDB ARN {arn}"
            elif service == "kms":
                assert re.fullmatch(r"arn:aws:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]{36}", arn), arn
                condition = statement["Condition"]["StringEquals"]
                assert condition["kms:EncryptionContext:app"] == "anchor"
            elif service == "sqs":
                assert re.fullmatch(r"arn:aws:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}", arn), arn
            elif service == "s3":
                assert S3_ARNS[role].fullmatch(arn), f"{role}: S3 only on {S3_ARNS[role].pattern}: {arn}"
            elif service == "cloudfront":
                assert re.fullmatch(r"arn:aws:cloudfront::\d{12}:distribution/[A-Z0-9]+", arn), arn
            elif service == "bedrock":
                assert re.fullmatch(r"arn:aws:bedrock:[a-z0-9-]+:(\d{12})?:"
                                    r"(inference-profile|foundation-model)/[\w.:-]+", arn), arn


@pytest.mark.parametrize("role", sorted(POLICIES))
def test_bedrock_covers_profile_and_its_foundation_models(role):
    arns = [arn for s in statements(load_policy(role)) for arn in as_list(s["Resource"])
            if arn.startswith("arn:aws:bedrock:")]
    profiles = [a for a in arns if ":inference-profile/" in a]
    models = [a for a in arns if ":foundation-model/" in a]
    assert [a.split("/", 1)[1] for a in profiles] == [DEFAULT_MODEL_ID]
    base_model = DEFAULT_MODEL_ID.split(".", 1)[1]   # drop the "us." geography prefix
    assert models and all(a.endswith("::foundation-model/" + base_model) for a in models)


def test_deploy_doc_shows_the_same_policies():
    doc = (ROOT / "docs/deploy.md").read_text()
    blocks = [json.loads(b) for b in re.findall(r"```json\n(.*?)```", doc, re.S)]
    for role in sorted(POLICIES):
        assert load_policy(role) in blocks, f"docs/deploy.md must paste docs/iam/{role}-policy.json"


def test_the_app_deletes_only_the_profile_items_the_policy_names(app_calls):
    """DeleteItem on the profiles table is granted only for some partition keys (LeadingKeys): every
    delete the app made during the run must fall under one of them, or production would be refused."""
    from tests.aws_calls import deleted_profile_keys
    statement = next(s for s in statements(load_policy("web")) if s.get("Sid") == "SignInRecords")
    allowed = {k.rstrip("*") for k in statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]}
    kinds = {kind for (origin, kind) in deleted_profile_keys() if origin == "app"}
    assert kinds, "no app DeleteItem on the profiles table was recorded"
    assert kinds <= allowed, f"the app deletes profile items the web policy does not allow: {sorted(kinds - allowed)}"
