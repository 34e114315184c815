#!/usr/bin/env bash
# Sets up everything `make dev` and `make test` need on a fresh Debian machine:
# the Python virtualenvs, node packages, Java 17+ (DynamoDB Local) and, for tests,
# Chromium. Installs system packages with apt when run as root; otherwise says what
# to install. Re-running is cheap: each step is skipped while its inputs are unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
want_browser="${1:-}"
stamps=.stamps
mkdir -p "$stamps"

say() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*"; }
fail() { printf '\033[31m[bootstrap] %s\033[0m\n' "$*" >&2; exit 1; }

apt_updated=""
apt_install() {
  if [ "$(id -u)" != "0" ]; then
    fail "missing $1: install it with 'sudo apt-get install -y $2' (or equivalent), then re-run."
  fi
  if [ -z "$apt_updated" ]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  say "installing $2 (for $1)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $2 >/dev/null
}

# changed NAME FILES...: true when FILES changed since the last successful step NAME.
changed() {
  local name=$1; shift
  local sum; sum=$(cat "$@" 2>/dev/null | sha256sum | cut -d' ' -f1)
  [ "$(cat "$stamps/$name" 2>/dev/null)" != "$sum" ] && echo "$sum" > "$stamps/$name.new"
}
done_step() { mv "$stamps/$1.new" "$stamps/$1"; }

# --- Python ----------------------------------------------------------------
python=${PYTHON:-python3}
command -v "$python" >/dev/null || fail "python3 (3.11+) is required: apt-get install python3 python3-venv"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || fail "Python 3.11+ is required (found $("$python" --version))."
if changed venv requirements.txt requirements-dev.txt constraints.txt || [ ! -x .venv/bin/python ]; then
  say "creating .venv and installing Python dependencies"
  [ -x .venv/bin/python ] || "$python" -m venv .venv || fail "python3 -m venv failed: apt-get install python3-venv"
  .venv/bin/pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
  [ -f "$stamps/venv.new" ] && done_step venv
fi
if changed tools requirements-tools.txt || [ ! -x .venv-tools/bin/sam ]; then
  say "creating .venv-tools (aws-sam-cli, cfn-lint)"
  [ -x .venv-tools/bin/python ] || "$python" -m venv .venv-tools
  .venv-tools/bin/pip install --quiet --disable-pip-version-check --upgrade pip
  .venv-tools/bin/pip install --quiet --disable-pip-version-check -r requirements-tools.txt
  [ -f "$stamps/tools.new" ] && done_step tools
fi

# --- Node ------------------------------------------------------------------
command -v npm >/dev/null || apt_install "Node.js 20+ and npm" "nodejs npm"
if changed npm-root package-lock.json || [ ! -d node_modules ]; then
  say "npm ci (DynamoDB Local)"
  npm ci --silent --no-audit --no-fund
  [ -f "$stamps/npm-root.new" ] && done_step npm-root
fi
if [ -f web/package-lock.json ] && { changed npm-web web/package-lock.json || [ ! -d web/node_modules ]; }; then
  say "npm ci (web UI)"
  (cd web && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --silent --no-audit --no-fund)
  [ -f "$stamps/npm-web.new" ] && done_step npm-web
fi

# --- Java 17+ for DynamoDB Local --------------------------------------------
java_ok() {
  command -v java >/dev/null && java -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); exit !(v[1] >= 17)}'
}
java_ok || apt_install "Java 17+ (DynamoDB Local)" "openjdk-17-jre-headless"
java_ok || fail "Java 17+ is still missing after install."

# --- Chromium for the browser tests -----------------------------------------
# CHROMIUM_EXECUTABLE names another Chromium (CI on Ubuntu, where the chromium package
# is a snap shim, uses Playwright's own build): then nothing is installed here.
if [ "$want_browser" = "--browser" ] && [ -n "${CHROMIUM_EXECUTABLE:-}" ]; then
  [ -x "$CHROMIUM_EXECUTABLE" ] || fail "CHROMIUM_EXECUTABLE=$CHROMIUM_EXECUTABLE is not an executable."
elif [ "$want_browser" = "--browser" ]; then
  command -v chromium >/dev/null || apt_install "Chromium (browser tests)" "chromium"
  command -v chromium >/dev/null || fail "chromium is still missing after install."
fi
say "ready"
