"""Summarises a `mutmut results --all true` listing into benchmarks/results/mutation.json.

Usage (scripts/mutation.sh does it, in the scratch copy where mutmut ran):
python scripts/mutation_report.py results.txt
python scripts/mutation_report.py --unexplained results.txt   (names to run again)
Each listed line is ``<module>.<function>__mutmut_<n>: <status>``; the report counts
statuses per module and lists every surviving mutant with its change and, when its
function's entry in scripts/mutation_allowed.toml admits it, the reason it is not a
missing test; the others are unexplained.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
import tomllib
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ALLOWED = ROOT / "scripts" / "mutation_allowed.toml"
LINE = re.compile(r"^\s*(?P<name>[\w.ǁ]+__mutmut_\d+): (?P<status>[\w ]+)$")


def parse(results: Path) -> list[tuple[str, str, str]]:
    """(module, mutant, status) of every listed mutant that today's code still has.

    mutmut keeps the verdicts of mutants a refactor did away with (a function removed
    or renamed, or the higher numbers of one that shrank: its .meta file still lists
    them) and lists them; they are not mutants of today's code, and their diff can no
    longer be read. The mutated tree (``mutants/``) sits beside the listing.
    """
    mutants = results.parent / "mutants"
    if not (mutants / "src").is_dir():
        sys.exit(f"mutation: no mutated tree at {mutants}; run the report where mutmut ran")
    sources: dict[str, str] = {}
    rows = []
    dropped = 0
    for line in results.read_text().splitlines():
        match = LINE.match(line)
        if not match:
            continue
        name = match.group("name")
        found = re.match(r"^(.*?)\.x[ǁ_]", name)
        module = found.group(1) if found else name
        if module not in sources:
            source = mutants / "src" / (module.replace(".", "/") + ".py")
            sources[module] = source.read_text() if source.exists() else ""
        if f"def {name.rsplit('.', 1)[-1]}(" not in sources[module]:
            dropped += 1
            continue
        rows.append((module, name, match.group("status").strip()))
    if dropped:
        print(f"left out {dropped} verdicts of mutants today's code no longer has", file=sys.stderr)
    return rows


def function_of(mutant: str) -> str:
    return re.sub(r"__mutmut_\d+$", "", mutant)


def reasons(rows: list[tuple[str, str, str]]) -> dict[str, str | None]:
    """Each survivor's reason: its function's allowance, when the function has no more
    survivors than the allowance admits; else None (unexplained)."""
    allowed = tomllib.loads(ALLOWED.read_text())
    survivors: dict[str, list[str]] = defaultdict(list)
    for _module, name, status in rows:
        if status == "survived":
            survivors[function_of(name)].append(name)
    found: dict[str, str | None] = {}
    for function, names in survivors.items():
        entry = allowed.get(function)
        admitted = entry is not None and len(names) <= int(entry["survivors"])
        why = entry["why"] if entry else None
        text = "; ".join(why) if isinstance(why, list) else why
        found |= {name: text if admitted else None for name in names}
    return found


def stale_allowances(rows: list[tuple[str, str, str]]) -> list[str]:
    """Entries of the allow list whose function today's code no longer has."""
    present = {function_of(name) for _, name, _ in rows}
    return sorted(set(tomllib.loads(ALLOWED.read_text())) - present)


def unexplained_survivors(results: Path) -> list[str]:
    """The survivors no allowance admits: run again, a test added since may kill them."""
    return [name for name, why in reasons(parse(results)).items() if why is None]


def main() -> None:
    if sys.argv[1] == "--unexplained":
        print("\n".join(unexplained_survivors(Path(sys.argv[2]))))
        return
    rows = parse(Path(sys.argv[1]))
    why = reasons(rows)
    per_module: dict[str, Counter[str]] = defaultdict(Counter)
    survivors: dict[str, list[str]] = defaultdict(list)
    for module, name, status in rows:
        per_module[module][status] += 1
        if status == "survived":
            survivors[module].append(name)
    totals: Counter[str] = Counter(status for _, _, status in rows)
    tested = totals["killed"] + totals["survived"] + totals["timeout"]
    if not tested:
        # mutmut's baseline (the unmutated tests) failed or nothing ran: keep the last figures.
        sys.exit("mutation: no mutant was tested (see mutmut's output above); nothing written")
    score = round(100 * (totals["killed"] + totals["timeout"]) / tested, 1) if tested else 0.0
    result: dict[str, Any] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "mutants": len(rows),
        "statuses": dict(totals),
        "score_percent_of_tested": score,
        "per_module": {m: dict(c) for m, c in sorted(per_module.items())},
        "survivors": {
            module: [described(name, module, why[name]) for name in names]
            for module, names in sorted(survivors.items())
        },
    }
    unexplained = sum(
        1 for names in result["survivors"].values() for s in names if s["reason"] is None
    )
    result["unexplained_survivors"] = unexplained
    result["stale_allowances"] = stale_allowances(rows)
    out = ROOT / "benchmarks" / "results" / "mutation.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"mutants: {len(rows)}  statuses: {dict(totals)}  score: {score}% of tested")
    for module, counts in sorted(per_module.items()):
        print(f"  {module:55s} " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(f"unexplained survivors: {unexplained}")
    for function in result["stale_allowances"]:
        print(f"stale allowance (no such function): {function}")
    print(f"wrote {out.relative_to(ROOT)}")


def described(name: str, module: str, why: str | None) -> dict[str, object]:
    """A survivor's change (from mutmut's scratch copy) and why it is not a missing test."""
    # mutmut is installed by `make mutation` only (requirements-mutation.txt), not by
    # `make test`, whose type check reads this file: import it when the report runs.
    get_diff_for_mutant = importlib.import_module("mutmut.mutation.diff_apply").get_diff_for_mutant

    path = "src/" + module.replace(".", "/") + ".py"
    diff = get_diff_for_mutant(name, path=path).splitlines()
    return {
        "name": name,
        "removed": _changed(diff, "-"),
        "added": _changed(diff, "+"),
        "reason": why,
    }


def _changed(diff: list[str], sign: str) -> list[str]:
    return [line[1:].strip() for line in diff if line[:1] == sign and line[:3] != sign * 3]


if __name__ == "__main__":
    main()
