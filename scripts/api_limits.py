"""The web UI's input limits, read from the API's own schema (openapi.json).

The UI says "over the limit" before the server has to refuse, with the server's number:
`make openapi` writes web/src/api_limits.json from the document, and a test fails when
the two drift, so a changed limit in chat_core/models.py reaches the UI.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scripts.generated_file import write_or_check

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "web" / "src" / "api_limits.json"


def limits(document: dict[str, Any]) -> dict[str, int]:
    schemas = document["components"]["schemas"]
    return {
        "messageChars": schemas["ChatRequest"]["properties"]["message"]["maxLength"],
        "titleChars": schemas["UpdateConversationRequest"]["properties"]["title"]["maxLength"],
    }


def render(values: dict[str, int]) -> str:
    return json.dumps(values, indent=2) + "\n"


def main() -> None:
    document = json.loads((ROOT / "openapi.json").read_text())
    write_or_check(OUTPUT, render(limits(document)), __doc__)


if __name__ == "__main__":
    main()
