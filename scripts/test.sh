#!/usr/bin/env bash
# Everything: typecheck, lint, unit tests and the end-to-end workflow tests against the sample
# stack, all on Node 24 (brought by npm as the devDependency `node`). Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"
echo "== typecheck"; tsc --noEmit -p .
echo "== lint"; eslint --max-warnings 0 .
echo "== format"; prettier --check . >/dev/null || { prettier --check . ; exit 1; }
echo "== jest (unit, e2e)"
node --experimental-vm-modules --disable-warning=ExperimentalWarning node_modules/jest/bin/jest.js --ci "$@"
