#!/usr/bin/env bash
# Rebuilds every bundle into an empty dist/ and fails if that changes anything git sees,
# including new untracked chunk files (which `git diff` alone would miss).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist
bash scripts/build.sh >/dev/null
status=$(git status --porcelain -- dist)
if [ -n "$status" ]; then
  echo "dist/ is not what the sources build to. Run 'npm run build' and commit dist/:" >&2
  echo "$status" >&2
  git diff --stat -- dist >&2 || true
  exit 1
fi
echo "dist/ matches the sources."
