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

import mimetypes
import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a file by make deploy
from scripts.migrate_listing_index import migrate  # noqa: E402

SAM = str(Path(sys.executable).with_name("sam"))


def stage_config(stage: str) -> dict[str, str]:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    parameters: dict[str, str] = config[stage]["deploy"]["parameters"]
    return parameters


def run(*command: str, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(command), flush=True)
    subprocess.run(command, cwd=ROOT, check=True, env={**os.environ, **(env or {})})  # noqa: S603


def main() -> None:
    import boto3

    stage = sys.argv[1] if len(sys.argv) > 1 else "dev"
    parameters = stage_config(stage)
    session = boto3.Session(region_name=parameters["region"])
    run(SAM, "build")
    run(SAM, "deploy", "--config-env", stage, "--no-fail-on-empty-changeset")

    stacks = session.client("cloudformation")
    stack = stacks.describe_stacks(StackName=parameters["stack_name"])["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    # Conversations stored before the listing index moved (idempotent; docs/deploy.md).
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
