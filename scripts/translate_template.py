"""Prints template.yaml as CloudFormation sees it after the SAM transform (JSON).

Runs with the tools' virtualenv (.venv-tools has aws-sam-cli and its samtranslator):
    .venv-tools/bin/python scripts/translate_template.py > translated.json
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
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")  # no account: a fixed region
    template = yaml_parse((ROOT / "template.yaml").read_text())
    for resource in template["Resources"].values():  # as `sam package` would have left them
        properties = resource.get("Properties", {})
        for uri in ("CodeUri", "ContentUri"):
            if isinstance(properties.get(uri), str):
                properties[uri] = f"s3://artifacts/{properties[uri].strip('/')}.zip"
    parameters = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012"}
    translated = transform(template, parameters, _NoManagedPolicies())
    json.dump(translated, sys.stdout, indent=1, default=str)


if __name__ == "__main__":
    main()
