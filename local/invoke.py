"""`make invoke FUNCTION=ChatFunction EVENT=events/chat.json`: one function's real handler
with a sample event, as `sam local invoke` runs it, without Docker.

A fresh local stack starts (DynamoDB Local in memory, its tables from template.yaml,
the stub model), and the function is invoked through its emulated Lambda Invoke API
with the template's environment, exactly as the chat function invokes the worker. What
the handler answers is printed; a handler that raises exits 1. `sam local invoke`
stays the way for those with Docker (events/README.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import boto3

from local.testing import Stack, running_stack


def invoke(stack: Stack, function: str, event: dict[str, Any]) -> tuple[Any, bool]:
    """(what the handler answered, whether it raised) for one RequestResponse invoke."""
    client = boto3.client(
        "lambda",
        endpoint_url=f"{stack.base_url}/local/lambda",
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - the emulator checks no signature
    )
    response = client.invoke(FunctionName=function, Payload=json.dumps(event).encode())
    return json.loads(response["Payload"].read() or b"null"), bool(response.get("FunctionError"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("function", help="logical id or FunctionName, e.g. ChatFunction")
    parser.add_argument("event", type=Path, help="a sample event, e.g. events/chat.json")
    args = parser.parse_args()
    event = json.loads(args.event.read_text())
    with running_stack() as stack:
        answer, raised = invoke(stack, args.function, event)
    print(json.dumps(answer, indent=2))
    sys.exit(1 if raised else 0)


if __name__ == "__main__":
    main()
