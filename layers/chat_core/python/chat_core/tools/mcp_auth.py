"""Where an MCP server's URL and auth header come from: the agent types file names them,
the environment or Secrets Manager holds them.

A URL written ``${NAME}`` is the environment variable NAME (the local stack sets the
notes server's; a deployment sets the ones its file names). A secret ``s`` is the
environment variable ``MCP_SECRET_S`` locally (upper case, ``-`` as ``_``), else the
Secrets Manager secret MCP_AUTH_SECRET_PREFIX + ``s`` (cached five minutes per worker).
"""

from __future__ import annotations

import os
import re

from chat_core.agent.catalogue import McpServer

_VARIABLE = re.compile(r"^\$\{([A-Z][A-Z0-9_]*)\}$")
SECRET_CACHE_SECONDS = 300


class McpUnavailable(Exception):
    """The server's tools cannot be used for this turn; the message says why, as the
    user reads it."""


def server_url(server: McpServer) -> str:
    named = _VARIABLE.match(server.url)
    if named is None:
        return server.url
    url = os.environ.get(named.group(1), "")
    if not url.startswith(("http://", "https://")):
        raise McpUnavailable(f"it is not configured ({named.group(1)} is not set)")
    return url


def server_headers(server: McpServer, secret_prefix: str) -> dict[str, str]:
    if server.auth_secret is None:
        return {}
    value = _secret(server.auth_secret, secret_prefix)
    return {server.auth_header: f"{server.auth_scheme} {value}".strip()}


def _secret(name: str, secret_prefix: str) -> str:
    local = os.environ.get("MCP_SECRET_" + re.sub(r"[^A-Z0-9]", "_", name.upper()))
    if local:
        return local
    if not secret_prefix:
        raise McpUnavailable("its secret is not configured")
    from aws_lambda_powertools.utilities.parameters import get_secret

    try:
        return str(get_secret(secret_prefix + name, max_age=SECRET_CACHE_SECONDS))
    except Exception as exc:  # no permission, no secret, throttled: the turn goes on
        raise McpUnavailable("its secret could not be read") from exc
