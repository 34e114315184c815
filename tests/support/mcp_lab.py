"""An MCP server for tests, over streamable HTTP on loopback with the official SDK's
server side (the one make dev's notes server uses): tools that answer, fail, take
their time, count their calls, and one that needs approval."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from chat_core.agent.catalogue import AGENT_TYPES_FILE
from local.dynamodb_local import free_port
from local.mcp_notes import BackgroundMcpServer

LAB_TOKEN = "lab-token"


class Lab:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.url = ""
        self._lock = threading.Lock()
        self.server = MCPServer("lab", log_level="WARNING")

        @self.server.tool()
        def echo(text: str, times: int = 1) -> str:
            """Repeats the text."""
            self._count("echo")
            return " ".join([text] * times)

        @self.server.tool()
        def broken() -> str:
            """Always fails."""
            self._count("broken")
            raise ToolError("the lab's store is offline")

        @self.server.tool()
        async def slow(seconds: float) -> str:
            """Answers after some seconds."""
            self._count("slow")
            await anyio.sleep(seconds)
            return f"slept {seconds}"

        @self.server.tool()
        def erase(what: str) -> str:
            """Erases something (needs the user's approval)."""
            self._count("erase")
            return f"erased {what}"

    def _count(self, name: str) -> None:
        with self._lock:
            self.calls.append(name)


@contextmanager
def running_lab() -> Iterator[tuple[Lab, BackgroundMcpServer]]:
    lab = Lab()
    server = BackgroundMcpServer(lab.server, free_port(), LAB_TOKEN).start()
    try:
        yield lab, server
    finally:
        server.stop()


def lab_servers() -> list[dict[str, Any]]:
    """The MCP servers of the "lab" agent type: the lab (its call timeout 6 s) and one
    nobody listens on."""
    return [
        {
            "name": "lab",
            "url": "${LAB_MCP_URL}",
            "auth_secret": "lab",
            "approval": ["erase"],
            "timeout_seconds": 6,
        },
        {"name": "gone", "url": "${GONE_MCP_URL}", "list_timeout_seconds": 2},
    ]


def agent_types_with_lab(path: Path) -> Path:
    """The shipped agent types file plus "lab", written to ``path``."""
    agents = json.loads(AGENT_TYPES_FILE.read_text())
    lab = {
        "name": "lab",
        "description": "Tests' agent type with the lab's MCP tools.",
        "system_prompt": "Use the lab's tools.",
        "tools": ["calculator"],
        "max_steps": 3,
        "mcp_servers": lab_servers(),
    }
    path.write_text(json.dumps([lab, *agents]))
    return path


def lab_environment(lab_url: str) -> dict[str, str]:
    return {
        "LAB_MCP_URL": lab_url,
        "MCP_SECRET_LAB": LAB_TOKEN,
        "GONE_MCP_URL": f"http://127.0.0.1:{free_port()}/mcp",
    }


def lab_stack_environment(lab_url: str, folder: Path) -> dict[str, str]:
    """What a stack needs for the "lab" agent type: its agent types file (written to
    ``folder``) and the lab's URL and token."""
    agent_types = agent_types_with_lab(folder / "agent_types.json")
    return {**lab_environment(lab_url), "AGENT_TYPES_FILE": str(agent_types)}
