#!/usr/bin/env bash
# `make mutation`: mutmut over the storage and service code (chat_core/repository and
# chat_core/services) against the unit tests that exercise the layer.
#
# mutmut 3 finds modules only under ./, src/ or source/, so the run happens in a scratch
# copy (MUTATION_DIR, below) where the layer's package sits at src/chat_core. Results: mutmut's
# own `results` listing, summarised by scripts/mutation_report.py into
# benchmarks/results/mutation.json.
#
# The scratch copy's mutants/ folder is kept between runs: mutmut then tests again only
# the functions that changed (and the mutants no run has reached yet), so a second run
# after a small change takes minutes, not hours. MUTATION_FRESH=1 starts over. The
# scratch copy lives outside the work tree (MUTATION_DIR, by default in ~/.cache), so
# a fresh checkout on the same machine resumes where the last run stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SCRATCH="${MUTATION_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/chat-backend-mutation}"
if [ "${MUTATION_FRESH:-0}" = 1 ]; then rm -rf "$SCRATCH"; fi
mkdir -p "$SCRATCH/src"
rm -rf "$SCRATCH/src/chat_core" "$SCRATCH/tests" "$SCRATCH/local" "$SCRATCH/functions" "$SCRATCH/events"
cp -R layers/chat_core/python/chat_core "$SCRATCH/src/"
cp -R tests local functions events "$SCRATCH/"
cp template.yaml openapi.json asyncapi.json "$SCRATCH/"
cat > "$SCRATCH/pyproject.toml" <<'TOML'
[tool.pytest.ini_options]
pythonpath = [".", "src"]
markers = ["integration", "e2e"]

[tool.mutmut]
source_paths = ["src/"]
# A mutant whose tests take 3x the clean run's time is a hang (counted as killed), not
# 30x as by default: a mutant of a hot function that drops a Limit would otherwise hold
# a worker for half an hour.
timeout_multiplier = 1.5
only_mutate = ["src/chat_core/repository/*", "src/chat_core/services/*"]
also_copy = ["local/", "functions/", "events/", "template.yaml", "openapi.json", "asyncapi.json"]
pytest_add_cli_args_test_selection = [
    "tests/unit",
    "--ignore=tests/unit/local",
    "--ignore=tests/unit/test_deploy_template.py",
    "--ignore=tests/unit/test_cold_start_imports.py",
    "--ignore=tests/unit/test_openapi.py",
    "--ignore=tests/unit/test_asyncapi.py",
    "--ignore=tests/unit/test_contract.py",
    "--ignore=tests/unit/test_performance_doc.py",
    "--ignore=tests/unit/test_layering.py",
]
pytest_add_cli_args = ["-p", "no:cacheprovider", "-q"]
TOML
cd "$SCRATCH"
# Which tests cover which function: measured again on every run. mutmut keeps this map
# between runs and re-measures only tests it has not seen, so a function a refactor
# created or renamed would be tested by the new tests alone, and its mutants "survive"
# tests that were never run against them. One full measured run costs a minute or two;
# mutants that already have a verdict are not run again.
rm -f mutants/mutmut-stats.json
MUTMUT="$ROOT/.venv/bin/mutmut"
REPORT="$ROOT/scripts/mutation_report.py"
"$MUTMUT" run --max-children "${MUTATION_WORKERS:-2}" || true
"$MUTMUT" results --all true > "$SCRATCH/results.txt" || true
# MUTATION_RERUN_TIMEOUTS=1: run the timed-out mutants again. A timeout counts as killed
# (a mutant that hangs the tests), but a run paused while mutants ran (SIGSTOP, a
# suspended machine) times them out for no fault of theirs.
if [ "${MUTATION_RERUN_TIMEOUTS:-0}" = 1 ]; then
  mapfile -t timeouts < <(sed -n 's/^ *\(.*\): timeout$/\1/p' "$SCRATCH/results.txt")
  if [ "${#timeouts[@]}" -gt 0 ]; then
    echo "running ${#timeouts[@]} timed-out mutants again"
    "$MUTMUT" run --max-children "${MUTATION_WORKERS:-2}" "${timeouts[@]}" || true
    "$MUTMUT" results --all true > "$SCRATCH/results.txt" || true
  fi
fi
# mutmut keeps a survivor's verdict until its function changes. A survivor no
# allowance (scripts/mutation_allowed.toml) admits is run again, so a test written since it survived gets its chance.
mapfile -t again < <("$ROOT/.venv/bin/python" "$REPORT" --unexplained "$SCRATCH/results.txt")
if [ "${#again[@]}" -gt 0 ]; then
  echo "running ${#again[@]} unexplained survivors again against the current tests"
  "$MUTMUT" run --max-children "${MUTATION_WORKERS:-2}" "${again[@]}" || true
  "$MUTMUT" results --all true > "$SCRATCH/results.txt" || true
fi
"$ROOT/.venv/bin/python" "$REPORT" "$SCRATCH/results.txt"
