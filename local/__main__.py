"""`python -m local`: the whole local stack on one port (see README "What make dev serves")."""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from local.dynamodb_local import DynamoDBLocal, free_port
from local.identity import IdentityProvider
from local.jwt_check import AuthorizerConfig
from local.lambda_runtime import LAYER_PATH
from local.mcp_notes import BackgroundMcpServer, notes_server
from local.server import LocalStack, make_server
from local.template import ROOT, load_template

DEFAULT_AUDIENCE = "chat-local"


def local_environment(
    base: dict[str, str], template_env: dict[str, str], port: int, dynamodb: str
) -> dict[str, str]:
    """What the functions see: the template's variables, then the caller's, then local wiring."""
    env = {**template_env, **base}
    env.pop("OPENAI_SECRET_ID", None)  # the key comes from OPENAI_API_KEY locally
    # Titles are asked on a thread of the worker's process: the functions share one.
    env.pop("TITLE_WORKER_FUNCTION", None)
    env.update(
        {
            "AWS_ENDPOINT_URL_DYNAMODB": dynamodb,
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "LOCAL_STACK": "1",
            # Lambda's Invoke API and the WebSocket management API, emulated by the gateway
            "AWS_ENDPOINT_URL_LAMBDA": f"http://127.0.0.1:{port}/local/lambda",
            "WEBSOCKET_MANAGEMENT_URL": f"http://127.0.0.1:{port}/local/ws-management",
        }
    )
    # Never a developer's real AWS credentials: everything local talks to DynamoDB Local.
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        env.pop(name, None)
    env["AWS_ACCESS_KEY_ID"] = "local"
    env["AWS_SECRET_ACCESS_KEY"] = "local"  # noqa: S105 - DynamoDB Local accepts any
    env.setdefault("POWERTOOLS_METRICS_NAMESPACE", "ChatBackendLocal")
    if not base.get("OPENAI_API_KEY") and not base.get("OPENAI_BASE_URL"):
        env["OPENAI_BASE_URL"] = f"http://127.0.0.1:{port}/local/openai/v1"
        env["OPENAI_API_KEY"] = "local-stub-key"
        # The product's default model (a reasoning model) unless one is named: the stub
        # keeps that model's parameter rules, so every local turn checks what is sent.
    elif not base.get("OPENAI_API_KEY"):
        env["OPENAI_API_KEY"] = "local-dummy-key"  # an OpenAI-compatible server without auth
    return env


def start_notes_server() -> BackgroundMcpServer | None:
    """The notes MCP server the "notes" agent type uses, on a loopback port of its own,
    unless NOTES_MCP_URL names another; the functions get its URL and bearer token."""
    if os.environ.get("NOTES_MCP_URL"):
        return None
    token = os.environ.setdefault("MCP_SECRET_NOTES", secrets.token_urlsafe(24))
    notes = BackgroundMcpServer(notes_server(), free_port(), token).start()
    os.environ["NOTES_MCP_URL"] = notes.url
    return notes


def main() -> None:
    parser = argparse.ArgumentParser(description="The chat backend's local stack")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    storage = parser.add_mutually_exclusive_group()
    storage.add_argument("--data-dir", type=Path, default=ROOT / ".local-data")
    storage.add_argument("--in-memory", action="store_true", help="keep nothing after exit")
    parser.add_argument("--web-dir", type=Path, default=ROOT / "web" / "dist")
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stdout
    )

    port = args.port or free_port()
    data_dir: Path | None = None if args.in_memory else args.data_dir.resolve()
    template = load_template()
    dynamodb = DynamoDBLocal(None if data_dir is None else data_dir / "dynamodb")
    dynamodb.start()
    try:
        table_names = dynamodb.create_tables(template)
        functions_env = local_environment(
            dict(os.environ), template.environment(table_names), port, dynamodb.endpoint
        )
        os.environ.clear()  # what local_environment removed must be gone too
        os.environ.update(functions_env)
        sys.path.insert(0, str(LAYER_PATH))
        notes = start_notes_server()

        base_url = f"http://127.0.0.1:{port}"
        audience = os.environ.get("LOCAL_JWT_AUDIENCE", DEFAULT_AUDIENCE)
        identity = IdentityProvider(
            f"{base_url}/local",
            audience,
            None if data_dir is None else data_dir / "jwt-signing-key.pem",
        )
        authorizer = AuthorizerConfig(
            issuer=os.environ.get("LOCAL_JWT_ISSUER", identity.issuer),
            audiences=tuple(
                a for a in os.environ.get("LOCAL_JWT_AUDIENCE", audience).split(",") if a
            ),
        )
        # The WebSocket $connect authorizer (a function) trusts what the gateway trusts.
        os.environ["JWT_ISSUER"] = authorizer.issuer
        os.environ["JWT_AUDIENCE"] = ",".join(authorizer.audiences)
        default_origins = template.parameter_default("CorsAllowOrigins") or []
        origins = (
            default_origins.split(",")
            if isinstance(default_origins, str)
            else list(default_origins)
        )
        stack = LocalStack(
            template, identity, authorizer, args.web_dir, [*origins, base_url], f"127.0.0.1:{port}"
        )
        server = make_server(stack, port)

        def stop(signum: int, frame: FrameType | None) -> None:
            threading.Thread(target=server.shutdown, daemon=True).start()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        print(f"local stack ready on {base_url} (WebSocket: ws://127.0.0.1:{port}/ws)", flush=True)
        print(
            "LOCAL_STACK_INFO "
            + json.dumps(
                {
                    "base_url": base_url,
                    "dynamodb_endpoint": dynamodb.endpoint,
                    "table_names": table_names,
                    "data_dir": str(data_dir) if data_dir else None,
                }
            ),
            flush=True,
        )
        server.serve_forever()
        server.server_close()
        if notes is not None:
            notes.stop()
    finally:
        dynamodb.stop()


if __name__ == "__main__":
    main()
