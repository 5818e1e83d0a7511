"""Elastic Beanstalk bundle: .ebextensions, Procfile, gunicorn for real, production refusals."""
import json
import os
import re
import runpy
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from anchor import create_app, logs, metrics, migrate
from devstack.ports import free_port
from tests.conftest import drop_tables

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv/bin/python") if (ROOT / ".venv/bin/python").exists() else sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))

# The Elastic Beanstalk option namespaces this bundle uses (all documented by AWS in
# "General options for all environments" and "Platform specific options"). A typo in a namespace
# is silently ignored by EB, so an unknown one fails here instead.
KNOWN_NAMESPACES = {
    "aws:elasticbeanstalk:application:environment",
    "aws:elasticbeanstalk:customoption",
    "aws:elasticbeanstalk:application",
    "aws:elasticbeanstalk:environment:process:default",
    "aws:elasticbeanstalk:healthreporting:system",
    "aws:elasticbeanstalk:cloudwatch:logs",
    "aws:elasticbeanstalk:cloudwatch:logs:health",
    "aws:elasticbeanstalk:command",
    "aws:ec2:instances",
    "aws:elasticbeanstalk:sqsd",
}
SECRET_NAMES = {"SECRET_KEY", "SPOTIFY_CLIENT_SECRET", "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID",
                "MUSICBRAINZ_CLIENT_SECRET", "LASTFM_SHARED_SECRET"}
PRODUCTION_SECRETS = {
    "SECRET_KEY": "test-only-key-Zq8Lw2Rt9Yv7Nc1Jm5Pa3Ue6Hd4Gs0BoTiXnKfQ",
    "SPOTIFY_CLIENT_ID": "client-id-for-import-test",
    "SPOTIFY_CLIENT_SECRET": "client-secret-for-import-test",
    "MUSICBRAINZ_CLIENT_ID": "musicbrainz-id-for-import-test",
    "MUSICBRAINZ_CLIENT_SECRET": "musicbrainz-secret-for-import-test",
    "LASTFM_API_KEY": "lastfm-key-for-import-test",
    "LASTFM_SHARED_SECRET": "lastfm-secret-for-import-test",
    "ANCHOR_KMS_KEY_ID": "1234abcd-12ab-34cd-56ef-1234567890ab",
    "ANCHOR_BASE_URL": "https://anchor.example",
}
APP_ENV_NAMES = ("ANCHOR_ENV", "SECRET_KEY", "ANCHOR_BASE_URL", "ANCHOR_ROLE", "ANCHOR_TABLE_PREFIX",
                 "ANCHOR_KMS_KEY_ID", "ANCHOR_AI_PROVIDER", "SPOTIFY_CLIENT_ID",
                 "SPOTIFY_CLIENT_SECRET", "AWS_ENDPOINT_URL_DYNAMODB", "ANCHOR_DATA_DIR",
                 "MUSICBRAINZ_CLIENT_ID", "MUSICBRAINZ_CLIENT_SECRET", "LASTFM_API_KEY",
                 "LASTFM_SHARED_SECRET")


def ebextensions():
    files = sorted((ROOT / ".ebextensions").glob("*.config"))
    assert files, ".ebextensions/*.config missing"
    return [(path.name, yaml.safe_load(path.read_text())) for path in files]


def procfile():
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(":", 1) for line in lines if line.strip() and not line.startswith("#"))


def clean_env(**extra):
    """The parent environment without any app settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in APP_ENV_NAMES}
    env.update(extra)
    return env


# The keys of an .ebextensions file (AWS, "Advanced environment customization with configuration
# files"), plus CloudFormation's Conditions, which the alarms use.
EBEXTENSION_KEYS = {"option_settings", "files", "commands", "container_commands", "Resources", "Conditions"}


@pytest.mark.parametrize("name, config", ebextensions())
def test_ebextensions_use_known_namespaces_only(name, config):
    assert set(config) <= EBEXTENSION_KEYS, f"{name}: unknown keys {set(config) - EBEXTENSION_KEYS}"
    settings = config.get("option_settings", {"aws:elasticbeanstalk:application:environment": {"-": 1}})
    assert isinstance(settings, dict) and settings, name
    unknown = set(settings) - KNOWN_NAMESPACES
    assert not unknown, f"{name}: unknown option namespaces {unknown}"
    for namespace, options in settings.items():
        assert isinstance(options, dict) and options, f"{name}: {namespace} has no options"


def test_ebextensions_settings():
    merged = {}
    for _name, config in ebextensions():
        for namespace, options in config.get("option_settings", {}).items():
            merged.setdefault(namespace, {}).update(options)
    env = merged["aws:elasticbeanstalk:application:environment"]
    assert env["ANCHOR_ENV"] == "production"
    assert env["ANCHOR_AI_PROVIDER"] == "bedrock"
    assert {"ANCHOR_TABLE_PREFIX", "AWS_REGION", "BEDROCK_MODEL_ID"} <= set(env)
    assert not SECRET_NAMES & set(env), "secrets are set with `eb setenv`, never committed"
    assert "ANCHOR_ROLE" not in env, "the role differs per environment: set it with --envvars"
    assert "aws:elasticbeanstalk:environment:proxy:staticfiles" not in merged, \
        "static files have their own nginx location (compressed): .platform/nginx/conf.d/elasticbeanstalk/20-static.conf"
    assert merged["aws:elasticbeanstalk:application"]["Application Healthcheck URL"] == "/healthz"
    assert merged["aws:elasticbeanstalk:environment:process:default"]["HealthCheckPath"] == "/healthz"
    assert merged["aws:elasticbeanstalk:cloudwatch:logs"]["StreamLogs"] is True
    assert merged["aws:elasticbeanstalk:healthreporting:system"]["SystemType"] == "enhanced"


def test_procfile_runs_gunicorn_and_the_worker():
    processes = procfile()
    assert set(processes) == {"web", "worker"}
    web = processes["web"].split()
    assert web[0] == "gunicorn" and "wsgi:application" in web
    assert web[web.index("-c") + 1] == "gunicorn.conf.py"
    assert processes["worker"].split() == ["flask", "--app", "wsgi", "worker"]


def test_gunicorn_settings():
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["worker_class"] == "gthread"
    assert settings["workers"] * settings["threads"] >= 4
    assert settings["bind"] == "127.0.0.1:8000" or settings["bind"].startswith("127.0.0.1:")
    assert settings["accesslog"] is None, "the app logs one JSON line per request"
    assert settings["errorlog"] == "-"
    assert 0 < settings["graceful_timeout"] <= 30


@pytest.fixture
def migrated_prefix(make_config):
    """A fresh, migrated table prefix on the session's DynamoDB Local."""
    application = create_app(make_config())
    migrate.run(application.config, echo=lambda _line: None)
    yield application.config["TABLE_PREFIX"]
    drop_tables(application)


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.mark.slow
def test_procfile_web_command_serves_healthz_and_stops_on_sigterm(dynamodb_local, migrated_prefix,
                                                                  tmp_path):
    port = free_port()
    command = procfile()["web"].split()
    command[0] = GUNICORN
    command[1:1] = ["--bind", f"127.0.0.1:{port}"]
    env = clean_env(ANCHOR_ENV="development", AWS_ENDPOINT_URL_DYNAMODB=dynamodb_local.endpoint,
                    ANCHOR_TABLE_PREFIX=migrated_prefix, ANCHOR_DATA_DIR=str(tmp_path / "data"),
                    ANCHOR_LOG_DIR=str(tmp_path / "logs"))
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=stdout, stderr=stderr)
    try:
        deadline, answer = time.monotonic() + 15, None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                answer = get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                time.sleep(0.1)
        assert answer == (200, b"ok\n"), f"no healthy answer: {answer}\n{err.read_text()}"
        started = time.monotonic()
        server.send_signal(signal.SIGTERM)
        graceful = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["graceful_timeout"]
        assert server.wait(timeout=graceful + 5) == 0
        assert time.monotonic() - started < graceful
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    request_lines = [json.loads(line) for line in out.read_text().splitlines() if line.startswith("{")]
    assert any(r.get("path") == "/healthz" and r.get("status") == 200 for r in request_lines)
    log = err.read_text()
    assert "Booting worker" in log, "gunicorn's own log goes to stderr"
    assert "GET /healthz" not in log, "no gunicorn access log next to the app's JSON line"
    # web.log: every line one JSON object, gunicorn's own lines and the app's request lines.
    entries = [json.loads(line) for line in (tmp_path / "logs/web.log").read_text().splitlines()]
    assert any(e["logger"] == "gunicorn.error" and "Booting worker" in e["msg"] for e in entries)
    healthz = [e for e in entries if e.get("path") == "/healthz"]
    assert healthz and healthz[0]["Requests"] == 1 and metrics.validate(healthz[0]) == []


def test_production_without_secret_key_refuses_to_import():
    env = clean_env(ANCHOR_ENV="production", **{k: v for k, v in PRODUCTION_SECRETS.items()
                                                 if k != "SECRET_KEY"})
    result = subprocess.run([PYTHON, "-c", "import wsgi"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "Refusing to start in production: missing SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_gunicorn_refuses_production_without_secrets_before_forking():
    env = clean_env(ANCHOR_ENV="production")
    result = subprocess.run([GUNICORN, "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{free_port()}",
                             "wsgi:application"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 1
    assert "Refusing to start in production: missing SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr and "Booting worker" not in result.stderr


def test_production_with_secrets_imports_without_calling_aws():
    env = clean_env(ANCHOR_ENV="production", **PRODUCTION_SECRETS)
    probe = ("import botocore.client as c\n"
             "def refuse(self, op, params): raise SystemExit('AWS call at import: ' + op)\n"
             "c.BaseClient._make_api_call = refuse\n"
             "import wsgi\n"
             "assert wsgi.application.config['SESSION_COOKIE_SECURE']\n"
             "print('imported')\n")
    result = subprocess.run([PYTHON, "-c", probe], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("imported")


SKIP_DIRS = {".git", ".venv", ".cache", ".data", "node_modules", "test-artifacts", ".pytest_cache",
             "__pycache__"}
SECRET_PATTERNS = [
    re.compile(rb"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
    re.compile(rb"-----BEGIN (RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----"),
    re.compile(rb"(?i)aws_secret_access_key\s*[=:]\s*['\"]?[A-Za-z0-9/+]{40}\b"),
]


def repository_files():
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        for name in files:
            yield Path(folder) / name


def test_no_secrets_in_the_repository():
    found = []
    for path in repository_files():
        if path.stat().st_size > 2_000_000:
            continue
        data = path.read_bytes()
        found += [str(path.relative_to(ROOT)) for pattern in SECRET_PATTERNS if pattern.search(data)]
    assert not found, f"secret-looking strings in: {found}"


def test_deploy_doc_lists_every_setting():
    doc = (ROOT / "docs/deploy.md").read_text()
    design_names = ("ANCHOR_ENV SECRET_KEY ANCHOR_BASE_URL AWS_REGION AWS_ENDPOINT_URL_DYNAMODB "
                    "ANCHOR_TABLE_PREFIX ANCHOR_KMS_KEY_ID SPOTIFY_CLIENT_ID SPOTIFY_CLIENT_SECRET "
                    "SPOTIFY_ACCOUNTS_URL SPOTIFY_API_URL ANCHOR_AI_PROVIDER BEDROCK_MODEL_ID "
                    "AWS_ENDPOINT_URL_BEDROCK_RUNTIME AWS_ENDPOINT_URL_KMS ANCHOR_ROLE").split()
    missing = [name for name in design_names if f"`{name}`" not in doc]
    assert not missing, f"docs/deploy.md does not describe {missing}"


def test_nginx_serves_static_files_compressed():
    conf = (ROOT / ".platform/nginx/conf.d/elasticbeanstalk/20-static.conf").read_text()
    assert "location /static/ {" in conf and "alias           /var/app/current/static/;" in conf
    assert "gzip            on;" in conf
    for kind in ("text/css", "application/javascript", "image/svg+xml"):
        assert kind in conf


def cloudwatch_agent_config():
    """The agent configuration the bundle installs, with EB's `{"Ref": ...}` functions filled in."""
    config = yaml.safe_load((ROOT / ".ebextensions/04-logs.config").read_text())
    files = config["files"]
    text = files["/opt/aws/amazon-cloudwatch-agent/etc/anchor-logs.json"]["content"]
    return config, json.loads(re.sub(r"`[^`]*`", "anchor-web", text))


def test_cloudwatch_agent_streams_every_process_log_file():
    config, agent = cloudwatch_agent_config()
    collected = agent["logs"]["logs_collected"]["files"]["collect_list"]
    paths = {entry["file_path"] for entry in collected}
    assert paths == {f"/var/log/anchor/{name}.log" for name in logs.PROCESS_NAMES}
    env = config["option_settings"]["aws:elasticbeanstalk:application:environment"]
    assert all(path.startswith(env["ANCHOR_LOG_DIR"] + "/") for path in paths)
    for entry in collected:
        assert entry["log_group_name"] == f"/aws/elasticbeanstalk/anchor-web{entry['file_path']}"
    # The agent is given the file by its documented command, and the groups exist beforehand.
    command = config["container_commands"]["01_stream_anchor_logs"]["command"]
    assert "amazon-cloudwatch-agent-ctl -a append-config" in command
    assert "file:/opt/aws/amazon-cloudwatch-agent/etc/anchor-logs.json" in command
    groups = [r for r in config["Resources"].values() if r["Type"] == "AWS::Logs::LogGroup"]
    named = {r["Properties"]["LogGroupName"]["Fn::Join"][1][2] for r in groups}
    assert named == {path.lstrip("/") for path in paths}
    assert "webapp" in config["commands"]["01_anchor_log_dir"]["command"]


def test_alarms_are_per_role_and_read_metrics_the_app_emits():
    config = yaml.safe_load((ROOT / ".ebextensions/05-alarms.config").read_text())
    resources, conditions = config["Resources"], config["Conditions"]
    alarms = {name: r for name, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    for condition in ("AnchorIsWorker", "AnchorIsWeb"):
        setting = conditions[condition]["Fn::Equals"][0]["Fn::GetOptionSetting"]
        assert (setting["Namespace"], setting["OptionName"]) == (
            "aws:elasticbeanstalk:application:environment", "ANCHOR_ROLE")
    emitted = set()
    for alarm in alarms.values():
        props = alarm["Properties"]
        assert props["AlarmActions"] == [{"Ref": "AnchorAlarmTopic"}]
        stats = [m["MetricStat"]["Metric"] for m in props.get("Metrics", []) if "MetricStat" in m]
        for metric in stats or [props]:
            role = {d["Name"]: d["Value"] for d in metric["Dimensions"]}["Role"]
            assert alarm["Condition"] == ("AnchorIsWorker" if role == "worker" else "AnchorIsWeb")
            emitted.add(metric["MetricName"])
    # Every metric an alarm reads is one the app writes (anchor/metrics.py).
    with_metrics = metrics.refresh_run({"processed": 1, "outcomes": {}}, {})
    assert emitted <= set(with_metrics) | set(metrics.request_metrics("public.profile", 500, 1.0))
    heartbeat = alarms["AnchorNoRefreshRun"]["Properties"]
    assert (heartbeat["Period"] * heartbeat["EvaluationPeriods"], heartbeat["TreatMissingData"]) == (7200, "breaching")
    assert alarms["AnchorRefreshFailures"]["Properties"]["Threshold"] == 20
    errors = alarms["AnchorServerErrors"]["Properties"]
    assert errors["Threshold"] == 1 and {m["MetricStat"]["Period"] for m in errors["Metrics"] if "MetricStat" in m} == {300}
    subscription = resources["AnchorAlarmSubscription"]
    assert subscription["Condition"] == "AnchorHasAlarmEmail"
    assert subscription["Properties"]["Endpoint"]["Fn::GetOptionSetting"]["OptionName"] == "AnchorAlarmEmail"


NGINX = ROOT / ".platform/nginx/conf.d"


def test_nginx_redirects_http_to_https_except_healthz():
    conf = (NGINX / "elasticbeanstalk/00-https.conf").read_text()
    rules = [line.strip() for line in conf.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert rules == [
        'set $anchor_https_redirect "";',
        'if ($http_x_forwarded_proto = "http") {', 'set $anchor_https_redirect "yes";', "}",
        'if ($request_uri = "/healthz") {', 'set $anchor_https_redirect "";', "}",
        'if ($anchor_https_redirect = "yes") {', "return 301 https://$host$request_uri;", "}",
    ]
    upload = (NGINX / "elasticbeanstalk/10-upload.conf").read_text()
    assert "X-Forwarded-Proto $http_x_forwarded_proto" in upload, "pass on how the visitor came in"


def test_nginx_marks_only_this_deploys_hashes_immutable(tmp_path):
    location = (NGINX / "elasticbeanstalk/20-static.conf").read_text()
    assert "add_header      Cache-Control $anchor_static_cache_control always;" in location
    decide = (NGINX / "elasticbeanstalk/15-static-cache.conf").read_text()
    assert "if (-f /var/app/current/.static-versions$uri.$anchor_static_v) {" in decide
    assert 'set $anchor_static_cache_control "public, max-age=31536000, immutable";' in decide
    assert '"~^[0-9a-f]{12}$" $arg_v;' in (NGINX / "anchor-static-cache.conf").read_text()
    env = yaml.safe_load((ROOT / ".ebextensions/04-logs.config").read_text())["option_settings"]
    markers = env["aws:elasticbeanstalk:application:environment"]["ANCHOR_STATIC_VERSIONS_DIR"]
    assert markers == "/var/app/current/.static-versions"
    # What gunicorn writes at start: one marker per current (path, hash); stale ones go.
    from anchor.web import assets
    (tmp_path / "static/static").mkdir(parents=True)
    (tmp_path / "static/static/old.css.0123456789ab").write_text("")
    count = assets.write_markers(ROOT / "static", tmp_path / "static")
    digest = assets.file_digest(ROOT / "static", "style.css")
    assert (tmp_path / f"static/static/style.css.{digest}").exists()
    assert not (tmp_path / "static/static/old.css.0123456789ab").exists()
    assert count == sum(1 for p in (ROOT / "static").rglob("*") if p.is_file())


def test_static_urls_carry_a_content_hash_and_hashed_answers_are_immutable(app, client):
    from anchor.web import assets
    digest = assets.file_digest(app.static_folder, "style.css")
    assert len(digest) == 12
    page = client.get("/").get_data(as_text=True)
    assert f"/static/style.css?v={digest}" in page
    with client.get(f"/static/style.css?v={digest}") as hashed:
        assert hashed.status_code == 200
        assert hashed.cache_control.immutable and hashed.cache_control.max_age == 365 * 24 * 3600
        assert not hashed.cache_control.no_cache
    with client.get("/static/style.css?v=000000000000") as stale:
        assert not stale.cache_control.immutable
    assert assets.file_digest(app.static_folder, "../anchor/config.py") is None


def test_worker_daemon_settings_fit_the_refresh_lock_and_the_route():
    from anchor.rules import REFRESH_LOCK
    merged = {}
    for _name, config in ebextensions():
        merged.update((config.get("option_settings") or {}).get("aws:elasticbeanstalk:sqsd", {}))
    lock = REFRESH_LOCK.total_seconds()
    assert merged["HttpPath"] == "/worker/refresh" and merged["MimeType"] == "application/json"
    assert merged["InactivityTimeout"] < lock < merged["VisibilityTimeout"] <= 43200
    assert 1 <= merged["HttpConnections"] < 8 and 1 <= merged["MaxRetries"] <= 100
    assert 60 <= merged["RetentionPeriod"] <= 3600 * 24


def test_nginx_lets_only_the_instance_reach_the_worker_route():
    conf = (ROOT / ".platform/nginx/conf.d/elasticbeanstalk/20-worker.conf").read_text()
    rules = re.findall(r"^\s*(allow|deny)\s+(\S+);", conf, re.M)
    assert "location ^~ /worker/ {" in conf
    assert rules == [("allow", "127.0.0.1"), ("allow", "::1"), ("deny", "all")]
    assert "proxy_pass              http://127.0.0.1:8000;" in conf


def test_the_deploy_makes_the_photo_bucket_readable_only_under_photos():
    config = yaml.safe_load((ROOT / ".ebextensions/08-photos.config").read_text())
    bucket = config["Resources"]["AnchorPhotoBucket"]
    assert bucket["Condition"] == "AnchorPhotosOnWeb" and bucket["DeletionPolicy"] == "Retain"
    access = bucket["Properties"]["PublicAccessBlockConfiguration"]
    assert access["BlockPublicAcls"] and access["IgnorePublicAcls"], "objects are never public by ACL"
    assert not access["BlockPublicPolicy"] and not access["RestrictPublicBuckets"], "the policy makes photos/ public"
    assert bucket["Properties"]["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    [statement] = config["Resources"]["AnchorPhotoBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert (statement["Effect"], statement["Principal"], statement["Action"]) == ("Allow", "*", "s3:GetObject")
    assert statement["Resource"]["Fn::Join"][1][-1] == "/photos/*"
    web = json.loads((ROOT / "docs/iam/web-policy.json").read_text())
    [photos] = [s for s in web["Statement"] if s["Sid"] == "PagePhotos"]
    assert sorted(photos["Action"]) == ["s3:DeleteObject", "s3:PutObject"]
    assert [r.split(":::", 1)[1].split("/", 1)[1] for r in photos["Resource"]] == ["photos/*"]
