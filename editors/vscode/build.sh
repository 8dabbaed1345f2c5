#!/usr/bin/env bash
# Build the sibdsl VS Code extension into sibdsl-<version>.vsix, here in editors/vscode/.
# Needs Node.js 20+ and npm. Installs from the npm registry (with package-lock.json: npm ci)
# the language client library, TypeScript (to type-check extension.js; nothing is compiled)
# and the official packaging tool @vscode/vsce; checks that the grammar is up to date with
# grammar/sib.lark when Python with sibdsl is at hand; then packages the .vsix.
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

# extension.js is plain JavaScript; type-check it against the VS Code and language client APIs
npx --no-install tsc -p tsconfig.json

# no repository URL yet: the publisher and repository are placeholders until the extension is published
npx --no-install vsce package --allow-missing-repository
ls -l ./*.vsix
