"""`make deploy STAGE=dev|staging|prod`: the stack, then the web UI that ships with it.

1. `sam build` and `sam deploy --config-env STAGE` (samconfig.toml has everything).
   The app client's callback URLs already hold the stage's CloudFront URL (the
   template references the distribution), so one deploy is enough.
2. web/ is built with the stack's outputs (same-origin API, WebSocket URL, issuer,
   client id) and uploaded: hashed assets cached for a year, index.html never
   cached; CloudFront's copy of index.html is invalidated.

Runs with the tools' virtualenv (aws-sam-cli brings boto3): .venv-tools/bin/python.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a file by make deploy
from scripts.migrate_listing_index import migrate  # noqa: E402

SAM = str(Path(sys.executable).with_name("sam"))


def stage_config(stage: str) -> dict[str, str]:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    parameters: dict[str, str] = config[stage]["deploy"]["parameters"]
    return parameters


def deploy_id(stage_overrides: str) -> str:
    """A hash of what the chat function runs with: its code, the layer, the template and
    the stage's parameters. It changes exactly when a new version must be published."""
    digest = hashlib.sha1(stage_overrides.encode(), usedforsecurity=False)
    roots = [ROOT / "functions" / "chat", ROOT / "layers" / "chat_core", ROOT / "template.yaml"]
    for root in roots:
        files = sorted(p for p in ([root] if root.is_file() else root.rglob("*")) if p.is_file())
        for path in files:
            if "__pycache__" in path.parts:
                continue
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    digest.update((ROOT / "requirements.txt").read_bytes())
    return digest.hexdigest()[:10]


def deployed_table(stacks: Any, stack_name: str) -> str | None:
    """The stack's chat table, or None before the stage's first deploy."""
    try:
        stack = stacks.describe_stacks(StackName=stack_name)["Stacks"][0]
    except stacks.exceptions.ClientError:
        return None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    return outputs.get("TableName")


def run(*command: str, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(command), flush=True)
    subprocess.run(command, cwd=ROOT, check=True, env={**os.environ, **(env or {})})  # noqa: S603


def main() -> None:
    import boto3

    stage = sys.argv[1] if len(sys.argv) > 1 else "dev"
    parameters = stage_config(stage)
    session = boto3.Session(region_name=parameters["region"])
    stacks = session.client("cloudformation")
    run(SAM, "build")
    table = deployed_table(stacks, parameters["stack_name"])
    if table:  # the listing index's first pass, while the old code serves (docs/deploy.md)
        keyed = migrate(session.client("dynamodb"), table, before_deploy=True)
        print(f"{keyed} conversations keyed for the ByActivity index")
    # DeployId names the chat function's published version, whose alias the API calls
    # with SnapStart on (template.yaml, ChatFunction); the stage's own overrides are
    # passed along, since the command line replaces the config file's.
    stage_overrides = parameters.get("parameter_overrides", "")
    overrides = f"{stage_overrides} DeployId={deploy_id(stage_overrides)}".strip()
    run(
        SAM,
        "deploy",
        "--config-env",
        stage,
        "--no-fail-on-empty-changeset",
        "--parameter-overrides",
        overrides,
    )

    stack = stacks.describe_stacks(StackName=parameters["stack_name"])["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    # The second pass: the old keys go (idempotent, a no-op once done; docs/deploy.md).
    moved = migrate(session.client("dynamodb"), outputs["TableName"])
    print(f"{moved} conversations moved to the ByActivity index")

    run(
        "npm",
        "run",
        "--prefix",
        "web",
        "build",
        env={
            "VITE_API_URL": "",  # the API is under /v1 of the page's own origin
            "VITE_WS_URL": outputs["WebSocketUrl"],
            "VITE_OIDC_AUTHORITY": outputs["JwtIssuerUrl"],
            "VITE_OIDC_CLIENT_ID": outputs.get("UserPoolClientId", ""),
        },
    )
    s3 = session.client("s3")
    dist = ROOT / "web" / "dist"
    for path in sorted(p for p in dist.rglob("*") if p.is_file()):
        key = path.relative_to(dist).as_posix()
        immutable = key.startswith("assets/")
        s3.put_object(
            Bucket=outputs["WebBucketName"],
            Key=key,
            Body=path.read_bytes(),
            ContentType=mimetypes.guess_type(path.name)[0] or "application/octet-stream",
            CacheControl="public, max-age=31536000, immutable" if immutable else "no-cache",
        )
    session.client("cloudfront").create_invalidation(
        DistributionId=outputs["WebDistributionId"],
        InvalidationBatch={
            "Paths": {"Quantity": 2, "Items": ["/", "/index.html"]},
            "CallerReference": stack["LastUpdatedTime"].isoformat()
            if stack.get("LastUpdatedTime")
            else stack["CreationTime"].isoformat(),
        },
    )
    print(f"\n{stage}: {outputs['WebUrl']}")


if __name__ == "__main__":
    main()
