#!/usr/bin/env bash
# Fails when the committed generated code is not what `npm run gen` makes from proto/, when the
# protos break lint, or when they break compatibility with the previous commit on main.
set -euo pipefail
cd "$(dirname "$0")/.."

npx buf lint
npx buf generate
if ! git diff --quiet -- src/gen || [ -n "$(git ls-files --others --exclude-standard src/gen)" ]; then
  echo "src/gen differs from what proto/ generates: run 'npm run gen' and commit the result" >&2
  git status --short src/gen >&2
  exit 1
fi

# Compare against the commit before HEAD when there is one (on main, HEAD is what is being checked).
if git rev-parse --verify --quiet HEAD~1 >/dev/null; then
  npx buf breaking --against ".git#ref=HEAD~1"
fi
echo "generated code up to date; buf lint and buf breaking pass"
