"""Runs the local stack in a subprocess for tests and benchmarks.

    with running_stack() as stack:
        client = ApiClient(stack.base_url, stack.token("alice"))

The stack always uses the stub model unless `env` names a model: OPENAI_* variables
of the caller's environment are removed so a developer's real key never leaks into
a test run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.template import ROOT

READY_TIMEOUT_SECONDS = 90


@dataclass
class Stack:
    base_url: str
    dynamodb_endpoint: str
    table_names: dict[str, str]
    process: subprocess.Popen[str]
    log: list[str] = field(default_factory=list)

    def token(self, sub: str, expires_in: int | None = None) -> str:
        body: dict[str, Any] = {"sub": sub}
        if expires_in is not None:
            body["expires_in"] = expires_in
        request = urllib.request.Request(  # noqa: S310 - loopback
            f"{self.base_url}/local/token",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return str(json.loads(response.read())["access_token"])


@contextmanager
def running_stack(
    *,
    env: dict[str, str] | None = None,
    port: int = 0,
    in_memory: bool = True,
    data_dir: Path | None = None,
) -> Iterator[Stack]:
    child_env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LOCAL_JWT_"))}
    child_env.update({"PYTHONUNBUFFERED": "1", **(env or {})})
    command = [sys.executable, "-m", "local", "--port", str(port)]
    if in_memory and data_dir is None:
        command.append("--in-memory")
    else:
        command += ["--data-dir", str(data_dir or ROOT / ".local-data")]
    process = subprocess.Popen(  # noqa: S603 - fixed command
        command,
        cwd=ROOT,
        env=child_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    log: list[str] = []
    info: dict[str, Any] = {}
    ready = threading.Event()

    def drain() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            log.append(line.rstrip("\n"))
            del log[:-2000]
            if line.startswith("LOCAL_STACK_INFO "):
                info.update(json.loads(line.split(" ", 1)[1]))
                ready.set()
        ready.set()

    threading.Thread(target=drain, daemon=True).start()
    try:
        if not ready.wait(READY_TIMEOUT_SECONDS) or not info:
            raise RuntimeError("the local stack did not start:\n" + "\n".join(log[-40:]))
        yield Stack(info["base_url"], info["dynamodb_endpoint"], info["table_names"], process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
