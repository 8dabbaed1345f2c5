#!/usr/bin/env bash
# Build the sibdsl VS Code extension into sibdsl-<version>.vsix, here in editors/vscode/.
# Needs Node.js 20+ and npm; installs the client library and the official packaging tool,
# @vscode/vsce, from the npm registry (the first run writes package-lock.json), then
# checks that the grammar is up to date with grammar/sib.lark when Python and sibdsl are there.
set -euo pipefail
cd "$(dirname "$0")"

command -v npm >/dev/null || { echo "build.sh: npm not found: install Node.js 20 or later with npm" >&2; exit 1; }

if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund
else
    npm install --no-audit --no-fund
fi

if command -v python3 >/dev/null && python3 -c "import sibdsl" 2>/dev/null; then
    python3 syntaxes/generate.py --check
fi

# no repository URL yet: the publisher and repository are placeholders until the extension is published
npx --no-install vsce package --allow-missing-repository
ls -l ./*.vsix
