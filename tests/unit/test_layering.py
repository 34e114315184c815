"""The layer's structure, kept by a test: storage knows nothing of the API, files stay small.

repository/ maps items to records and back; the contract's shapes and errors belong to
services/ (api_shapes.py, pagination.py), so a change to the API never reaches storage
and a storage change never leaks into a response.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LAYER = Path(__file__).resolve().parents[2] / "layers" / "chat_core" / "python" / "chat_core"
API_MODULES = ("chat_core.models", "chat_core.errors", "chat_core.http", "chat_core.services")
MAX_LINES = 400


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("path", sorted((LAYER / "repository").glob("*.py")), ids=lambda p: p.name)
def test_storage_imports_nothing_of_the_api(path: Path) -> None:
    leaks = {m for m in imported_modules(path) if m.startswith(API_MODULES)}
    assert not leaks, f"{path.name} imports {sorted(leaks)}"


def test_the_check_sees_an_api_import() -> None:
    """The check itself: an API import in a storage-like module is found."""
    probe = LAYER.parent / "_probe_import.py"
    probe.write_text("from chat_core.errors import InvalidCursor\n")
    try:
        assert "chat_core.errors" in imported_modules(probe)
    finally:
        probe.unlink()


@pytest.mark.parametrize("path", sorted(LAYER.rglob("*.py")), ids=lambda p: p.name)
def test_every_module_of_the_layer_stays_small(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(LAYER)} has {lines} lines"
