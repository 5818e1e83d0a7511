"""Edge trust: one setting (ANCHOR_EDGE) decides the trusted hops and who may reach the load balancer."""
import pytest
import yaml
from flask import request

from anchor import create_app
from anchor.config import ConfigError, ProductionConfig, load_config
from anchor.rules import EDGE_HOPS
from tests.test_deploy import PRODUCTION_SECRETS, ROOT, ebextensions

PREFIX_LIST = "pl-3b927c52"
EDGE = yaml.safe_load((ROOT / ".ebextensions/07-edge.config").read_text())


def production(monkeypatch, **env):
    """A production config from the environment, with the secrets it demands."""
    for name, value in {**PRODUCTION_SECRETS, "ANCHOR_BASE_URL": "https://anchor.example", **env}.items():
        monkeypatch.setenv(name, value)
    for name in ("ANCHOR_EDGE", "ANCHOR_TRUSTED_PROXY_HOPS", "ANCHOR_CLOUDFRONT_PREFIX_LIST"):
        if name not in env:
            monkeypatch.delenv(name, raising=False)
    config = load_config("production")
    config.validate()
    return config


def option(setting):
    """(namespace, name, default) of an Fn::GetOptionSetting."""
    inner = setting["Fn::GetOptionSetting"]
    return inner["Namespace"], inner["OptionName"], inner.get("DefaultValue")


def test_the_edge_decides_the_hops(monkeypatch):
    assert production(monkeypatch).TRUSTED_PROXY_HOPS == 2
    behind = production(monkeypatch, ANCHOR_EDGE="cloudfront", ANCHOR_CLOUDFRONT_PREFIX_LIST=PREFIX_LIST)
    assert (behind.EDGE, behind.TRUSTED_PROXY_HOPS) == ("cloudfront", 3)
    # The old setting keeps working where it agrees with the edge.
    assert production(monkeypatch, ANCHOR_TRUSTED_PROXY_HOPS="2").TRUSTED_PROXY_HOPS == 2
    monkeypatch.delenv("ANCHOR_EDGE", raising=False)
    monkeypatch.setenv("ANCHOR_TRUSTED_PROXY_HOPS", "1")
    assert load_config("development").TRUSTED_PROXY_HOPS == 1, "locally the hop count alone still works"


@pytest.mark.parametrize("env, message", [
    # The red-team case: 3 hops trusted while the load balancer stays open to everyone.
    ({"ANCHOR_TRUSTED_PROXY_HOPS": "3"}, "ANCHOR_TRUSTED_PROXY_HOPS=3 contradicts ANCHOR_EDGE=alb"),
    ({"ANCHOR_EDGE": "alb", "ANCHOR_TRUSTED_PROXY_HOPS": "3"}, "contradicts ANCHOR_EDGE=alb"),
    ({"ANCHOR_EDGE": "cloudfront", "ANCHOR_CLOUDFRONT_PREFIX_LIST": PREFIX_LIST,
      "ANCHOR_TRUSTED_PROXY_HOPS": "2"}, "contradicts ANCHOR_EDGE=cloudfront"),
    ({"ANCHOR_EDGE": "cloudfront"}, "needs ANCHOR_CLOUDFRONT_PREFIX_LIST"),
    ({"ANCHOR_EDGE": "cloudfront", "ANCHOR_CLOUDFRONT_PREFIX_LIST": "sg-123"}, "needs ANCHOR_CLOUDFRONT_PREFIX_LIST"),
    ({"ANCHOR_CLOUDFRONT_PREFIX_LIST": PREFIX_LIST}, "ANCHOR_EDGE is alb"),
    ({"ANCHOR_EDGE": "akamai"}, "ANCHOR_EDGE must be one of none, alb, cloudfront"),
])
def test_contradictory_edge_settings_are_refused(monkeypatch, env, message):
    with pytest.raises(ConfigError, match=message):
        production(monkeypatch, **env)


def test_behind_cloudfront_the_client_is_three_entries_from_the_right(monkeypatch, make_config):
    monkeypatch.setenv("ANCHOR_EDGE", "cloudfront")
    monkeypatch.setenv("ANCHOR_CLOUDFRONT_PREFIX_LIST", PREFIX_LIST)
    app = create_app(make_config())
    app.add_url_rule("/_peer", "peer", lambda: request.remote_addr)
    # Appended by CloudFront (the viewer), the load balancer (CloudFront) and nginx (the load
    # balancer); what the viewer wrote itself comes first and is not believed.
    chain = "127.0.0.1, 203.0.113.9, 130.176.1.1, 10.0.0.5"
    answer = app.test_client().get("/_peer", headers={"X-Forwarded-For": chain})
    assert answer.get_data(as_text=True) == "203.0.113.9"


def test_the_load_balancer_admits_only_cloudfront_when_cloudfront_is_the_edge():
    conditions, group = EDGE["Conditions"], EDGE["Resources"]["AWSEBLoadBalancerSecurityGroup"]
    compared, value = conditions["AnchorBehindCloudFront"]["Fn::Equals"]
    # The same environment property, default and value the app reads (anchor/config.py).
    assert option(compared) == ("aws:elasticbeanstalk:application:environment", "ANCHOR_EDGE",
                                ProductionConfig.DEFAULT_EDGE)
    assert value == "cloudfront" and EDGE_HOPS[value] == EDGE_HOPS["alb"] + 1
    role, web = conditions["AnchorEdgeOnWeb"]["Fn::Equals"]
    assert option(role)[1:] == ("ANCHOR_ROLE", "web") and web == "web"
    assert (group["Type"], group["Condition"]) == ("AWS::EC2::SecurityGroup", "AnchorEdgeOnWeb")
    condition, cloudfront, anywhere = group["Properties"]["SecurityGroupIngress"]["Fn::If"]
    assert condition == "AnchorBehindCloudFront"
    # Behind CloudFront: one HTTPS rule from the prefix list (weight 55, under the 60-rule quota).
    assert len(cloudfront) == 1 and not {"CidrIp", "CidrIpv6", "SourceSecurityGroupId"} & set(cloudfront[0])
    assert (cloudfront[0]["IpProtocol"], cloudfront[0]["FromPort"], cloudfront[0]["ToPort"]) == ("tcp", 443, 443)
    assert option(cloudfront[0]["SourcePrefixListId"])[:2] == (
        "aws:elasticbeanstalk:application:environment", "ANCHOR_CLOUDFRONT_PREFIX_LIST")
    assert {(rule["FromPort"], rule["CidrIp"]) for rule in anywhere} == {(80, "0.0.0.0/0"), (443, "0.0.0.0/0")}


def test_condition_names_are_unique_across_files():
    names = [name for _file, config in ebextensions() for name in config.get("Conditions", {})]
    assert len(names) == len(set(names)), "CloudFormation merges every file's Conditions into one template"
