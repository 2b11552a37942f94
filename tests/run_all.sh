#!/usr/bin/env bash
# Install everything the test suite needs, then run all of it.
# Used by the README's test command and by .ci/run on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tests/install_toolchains.sh

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

# Two workers: CI machines have two cores.
exec .venv/bin/python -m pytest -n 2 -p no:cacheprovider "$@"
