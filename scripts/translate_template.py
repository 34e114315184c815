"""Prints template.yaml as CloudFormation sees it after the SAM transform (JSON).

Runs with the tools' virtualenv (.venv-tools has aws-sam-cli and its samtranslator):
    .venv-tools/bin/python scripts/translate_template.py > translated.json
    ... translate_template.py --package ChatCoreLayer Name=value   # a new layer; a parameter
Offline: managed policies are named by ARN, so no IAM call is needed.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from samtranslator.translator.transform import transform  # type: ignore[import-not-found]
from samtranslator.yaml_helper import yaml_parse  # type: ignore[import-not-found]

ROOT = Path(__file__).resolve().parents[1]


class _NoManagedPolicies:
    def load(self) -> dict[str, str]:
        return {}


def main() -> None:
    """Arguments: ``--package LogicalId`` names that resource's artifact as `sam package`
    would after its content changed; ``Name=value`` sets a template parameter."""
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")  # no account: a fixed region
    args = sys.argv[1:]
    changed = ""
    if args[:1] == ["--package"]:
        changed, args = args[1], args[2:]
    template = yaml_parse((ROOT / "template.yaml").read_text())
    for name, resource in template["Resources"].items():  # as `sam package` would leave them
        properties = resource.get("Properties", {})
        version = "-changed" if name == changed else ""
        for uri in ("CodeUri", "ContentUri"):
            if isinstance(properties.get(uri), str):
                properties[uri] = f"s3://artifacts/{properties[uri].strip('/')}{version}.zip"
    parameters = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012"}
    parameters |= dict(arg.split("=", 1) for arg in args)
    translated = transform(template, parameters, _NoManagedPolicies())
    json.dump(translated, sys.stdout, indent=1, default=str)


if __name__ == "__main__":
    main()
