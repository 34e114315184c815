"""template.yaml as the tests need it (read by the local stack's reader: one parser)."""

from __future__ import annotations

from functools import cache
from typing import Any

from local.template import Template
from local.template import load_template as _read


@cache
def _load() -> Template:
    """Parsed once per test process: every moto test creates the template's tables."""
    return _read()


def load_template() -> dict[str, Any]:
    return _load().raw


def http_routes() -> dict[tuple[str, str], str]:
    """(method, path) -> CodeUri folder of every function behind the HTTP API."""
    return {(r.method.lower(), r.path): r.code_dir.name for r in _load().routes}


def create_tables(client: Any, names: dict[str, str]) -> None:
    """Creates the template's tables under the given names (by logical id)."""
    for logical_id, definition in _load().tables().items():
        client.create_table(TableName=names[logical_id], **definition)
