"""Every figure in docs/performance.md's tables comes from a committed results file."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
NUMBER = re.compile(r"^\*{0,2}(-?\d[\d,]*(?:\.\d+)?)\*{0,2}$")


def numbers_in(value: Any) -> set[float]:
    if isinstance(value, bool):
        return set()
    if isinstance(value, (int, float)):
        return {round(float(value), 2)}
    if isinstance(value, str):
        return {round(float(n), 2) for n in re.findall(r"-?\d+(?:\.\d+)?", value)}
    if isinstance(value, dict):
        return set().union(*(numbers_in(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(numbers_in(v) for v in value)) if value else set()
    return set()


def table_figures(text: str) -> list[tuple[str, float]]:
    figures = []
    for line in text.splitlines():
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if all(not NUMBER.match(c) for c in cells):
            continue  # a header
        for cell in cells:
            match = NUMBER.match(cell)
            if match:
                figures.append((line, round(float(match.group(1).replace(",", "")), 2)))
    return figures


def test_every_table_figure_is_in_a_results_file() -> None:
    measured: set[float] = set()
    for path in (ROOT / "benchmarks" / "results").glob("*.json"):
        measured |= numbers_in(json.loads(path.read_text()))
    doc = (ROOT / "docs" / "performance.md").read_text()
    figures = table_figures(doc)
    assert len(figures) > 50
    unbacked = [(line, value) for line, value in figures if value not in measured]
    assert unbacked == [], unbacked
