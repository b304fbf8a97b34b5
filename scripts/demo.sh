#!/usr/bin/env bash
# Starts the sample stack and runs the example workflows of .github/workflows/ through the local
# runner, printing each step as a runner log would, then what was checked.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node_modules/.bin/node --import ./action-tests/runner/register.mjs action-tests/demo.ts "$@"
