"""CloudFront in front of the pages (.ebextensions/09-cdn.config): cfn-lint finds no error in the
bundle's resources, and the distribution caches what the issue says, keyed on what it says."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scripts.cfn_template import ROOT, template

CDN = ROOT / ".ebextensions" / "09-cdn.config"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"     # AWS managed policies
ALL_VIEWER = "216adef6-5c7f-47e4-b989-5492eafa07d3"


def _lint(folder, tmp_path):
    out = tmp_path / "template.json"
    out.write_text(json.dumps(template(folder)))
    return subprocess.run([str(Path(sys.executable).parent / "cfn-lint"), "--format", "parseable", str(out)],
                          capture_output=True, text=True, timeout=300)


def test_cfn_lint_finds_no_error_in_the_bundles_resources(tmp_path):
    answer = _lint(ROOT / ".ebextensions", tmp_path)
    errors = [line for line in answer.stdout.splitlines() if ":E" in line]
    # cfn-lint's exit code is a bit mask: 1 it could not run, 2 errors, 4 warnings, 8 notes.
    assert not answer.returncode & 3 and not errors, answer.stdout + answer.stderr


def test_cfn_lint_fails_on_a_broken_distribution(tmp_path):
    folder = tmp_path / "ebext"
    folder.mkdir()
    config = yaml.safe_load(CDN.read_text())
    config["Resources"]["AnchorDistribution"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"].pop(
        "TargetOriginId")
    (folder / "09-cdn.config").write_text(yaml.safe_dump(config))
    answer = _lint(folder, tmp_path)
    assert answer.returncode & 2 and not answer.returncode & 1, answer.stdout + answer.stderr


@pytest.fixture(scope="module")
def distribution():
    return yaml.safe_load(CDN.read_text())["Resources"]


def test_pages_are_keyed_on_the_path_and_the_range_value_only(distribution):
    config = distribution["AnchorPageCachePolicy"]["Properties"]["CachePolicyConfig"]
    key = config["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["QueryStringsConfig"] == {"QueryStringBehavior": "whitelist", "QueryStrings": ["range"]}
    assert key["CookiesConfig"] == {"CookieBehavior": "none"} and key["HeadersConfig"] == {"HeaderBehavior": "none"}
    assert key["EnableAcceptEncodingGzip"] and config["DefaultTTL"] == 0     # origin's Cache-Control decides
    default = distribution["AnchorDistribution"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    assert default["CachePolicyId"] == {"Ref": "AnchorPageCachePolicy"} and default["Compress"] is True
    assert default["AllowedMethods"] == ["GET", "HEAD"]


def test_signed_in_sign_in_and_worker_paths_are_never_cached(distribution):
    config = distribution["AnchorDistribution"]["Properties"]["DistributionConfig"]
    uncached = {b["PathPattern"] for b in config["CacheBehaviors"]
                if b["CachePolicyId"] == CACHING_DISABLED and b["OriginRequestPolicyId"] == ALL_VIEWER}
    assert {"/dashboard*", "/auth/*", "/login*", "/logout", "/worker/*"} <= uncached
    assert all(b["Compress"] for b in config["CacheBehaviors"])
    posts = {b["PathPattern"] for b in config["CacheBehaviors"] if "POST" in b["AllowedMethods"]}
    assert posts <= uncached


def test_the_origin_is_the_load_balancer_over_https(distribution):
    config = distribution["AnchorDistribution"]["Properties"]["DistributionConfig"]
    origin, = config["Origins"]
    assert origin["DomainName"] == {"Fn::GetAtt": ["AWSEBV2LoadBalancer", "DNSName"]}
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert distribution["AnchorDistribution"]["Condition"] == "AnchorCdnOnWeb"


def test_public_pages_let_the_edge_serve_stale_while_the_origin_fails(app, client):
    from anchor.web import public_page
    assert "stale-if-error=" in public_page.PUBLIC and "s-maxage=60" in public_page.PUBLIC
