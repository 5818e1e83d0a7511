"""The CloudFormation resources of .ebextensions as one template cfn-lint can check.

Elastic Beanstalk adds `Resources` and `Conditions` of `.ebextensions/*.config` to the
environment's own stack, where `Fn::GetOptionSetting` is resolved and its own resources
(`AWSEB…`) exist. This gives each option setting a parameter of its own and stands in for the
Elastic Beanstalk resources the files name, so `cfn-lint` validates what the files define.

Usage: python scripts/cfn_template.py OUT.json  (tests/test_cdn_template.py runs cfn-lint on it)
"""
import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
# What Elastic Beanstalk's stack provides: its parameters and the resources the files refer to.
EB_PARAMETERS = {"AWSEBEnvironmentName": {"Type": "String", "Default": "anchor-web"}}
EB_RESOURCES = {
    "AWSEBV2LoadBalancer": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
                            "Properties": {"Subnets": {"Ref": "AWSEBSubnets"}}},
}
# Properties Elastic Beanstalk gives the resources of its own that a file overrides.
EB_OVERRIDDEN = {"AWSEBLoadBalancerSecurityGroup": {"GroupDescription": "Elastic Beanstalk load balancer",
                                                    "VpcId": {"Ref": "AWSEBVpc"}}}


def _parameter_name(option):
    return "Option" + re.sub(r"[^A-Za-z0-9]", "", option["OptionName"])


def _resolve(node, parameters):
    """Replace every Fn::GetOptionSetting with a Ref to a parameter holding its default."""
    if isinstance(node, dict):
        if set(node) == {"Fn::GetOptionSetting"}:
            option = node["Fn::GetOptionSetting"]
            name = _parameter_name(option)
            parameters[name] = {"Type": "String", "Default": str(option.get("DefaultValue", ""))}
            return {"Ref": name}
        return {key: _resolve(value, parameters) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve(value, parameters) for value in node]
    return node


def template(folder=ROOT / ".ebextensions"):
    """One CloudFormation template of every Resources/Conditions section under `folder`."""
    parameters = dict(EB_PARAMETERS, AWSEBSubnets={"Type": "List<AWS::EC2::Subnet::Id>"},
                      AWSEBVpc={"Type": "AWS::EC2::VPC::Id"})
    conditions, resources = {}, dict(EB_RESOURCES)
    for path in sorted(folder.glob("*.config")):
        config = yaml.safe_load(path.read_text())
        conditions.update(_resolve(config.get("Conditions", {}), parameters))
        resources.update(_resolve(config.get("Resources", {}), parameters))
    for name, defaults in EB_OVERRIDDEN.items():
        if name in resources:
            resources[name]["Properties"] = {**defaults, **resources[name]["Properties"]}
    return {"AWSTemplateFormatVersion": "2010-09-09", "Parameters": parameters,
            "Conditions": conditions, "Resources": resources}


if __name__ == "__main__":
    Path(sys.argv[1]).write_text(json.dumps(template(), indent=1))
