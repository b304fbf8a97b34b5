#!/usr/bin/env bash
# Bundles every action with @vercel/ncc: one build per entry, source maps and a licenses file.
# The dist check rebuilds into an empty dist/ and fails on `git status --porcelain -- dist`.
set -euo pipefail
cd "$(dirname "$0")/.."
ncc=node_modules/.bin/ncc
for action_yml in actions/*/action.yml; do
  name=$(basename "$(dirname "$action_yml")")
  entry="src/$name/main.ts"
  [ -f "$entry" ] || { echo "missing entry $entry for $action_yml" >&2; exit 1; }
  rm -rf "dist/$name"
  "$ncc" build "$entry" -o "dist/$name" --source-map --license licenses.txt --quiet
  echo "built dist/$name ($(du -sh "dist/$name" | cut -f1))"
done
