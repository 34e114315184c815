"""The contract's error table (docs/api.md), the code's errors and openapi.json agree."""

from __future__ import annotations

import json
import re
from pathlib import Path

from chat_core import errors

ROOT = Path(__file__).resolve().parents[2]
ROW = re.compile(r"^\| (\d{3}) \| (`([a-z_]+)`|-) \|", re.MULTILINE)


def contract_rows() -> set[tuple[int, str | None]]:
    text = (ROOT / "docs" / "api.md").read_text()
    table = text[text.index("### Errors") : text.index("## Streamed turns")]
    return {(int(m.group(1)), m.group(3)) for m in ROW.finditer(table)}


def test_every_error_the_code_can_raise_is_in_the_contract() -> None:
    raised = {
        (cls.status, cls.code)
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.ApiError)
    }
    assert raised <= contract_rows()


def test_openapi_documents_exactly_the_contracts_statuses() -> None:
    document = json.loads((ROOT / "openapi.json").read_text())
    documented = {
        int(status)
        for operations in document["paths"].values()
        for operation in operations.values()
        for status in operation["responses"]
        if int(status) >= 400
    }
    in_contract = {status for status, _ in contract_rows()}
    # 500 is in the contract (a bug's answer) but no operation promises it.
    assert documented == in_contract - {500}
