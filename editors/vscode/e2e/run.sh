#!/usr/bin/env bash
# End-to-end check of the sibdsl extension in a real VS Code: code-server (the open-source
# VS Code in a browser, from the npm registry) with the .vsix installed, driven by headless
# Chromium through Playwright. Checks syntax colours, a squiggle with a "did you mean" hint
# (and its quick fix), a hover with figures and completion of an outcome name, and writes
# screenshots docs/images/vscode-*.png (or to $OUT).
#
#   bash editors/vscode/e2e/run.sh
#
# Needs: Node.js 20 with npm (code-server 4.100.x requires Node 20 exactly), gcc/g++/make/
# python3 for the native modules, Debian's libkrb5-dev and ripgrep, /usr/bin/chromium, and
# sibdsl installed (sibc on $SIBC, default the repo's .venv). Installs code-server into
# $CS_HOME (default ~/.cache/sibdsl-code-server, outside the repository) once; later runs reuse it.
# Nothing is downloaded except from the npm registry, PyPI and Debian: @vscode/ripgrep's
# download from GitHub is replaced by Debian's rg.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
CS_VERSION="${CS_VERSION:-4.100.3}"
CS_HOME="${CS_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/sibdsl-code-server}"
CS="$CS_HOME/code-server-$CS_VERSION"
PORT="${PORT:-8917}"
OUT="${OUT:-$REPO/docs/images}"
SIBC="${SIBC:-$REPO/.venv/bin/sibc}"
FOLDER="${FOLDER:-$REPO/contracts}"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

log() { echo "run.sh: $*" >&2; }

[ -x "$SIBC" ] || { log "no sibc at $SIBC (set SIBC)"; exit 1; }
[ -x "$CHROMIUM" ] || { log "no Chromium at $CHROMIUM (apt-get install -y chromium, or set CHROMIUM)"; exit 1; }
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" = 20 ] || { log "code-server $CS_VERSION needs Node.js 20, found $(node -v)"; exit 1; }

# ------------------------------------------------------------------ Debian packages
need=()
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)   # kerberos (native module) builds against it
command -v rg >/dev/null || need+=(ripgrep)                  # instead of @vscode/ripgrep's GitHub download
if [ ${#need[@]} -gt 0 ]; then
    log "apt-get install ${need[*]}"
    apt-get update -qq && apt-get install -y -qq "${need[@]}"
fi

# ------------------------------------------------------------------ code-server, once
# What its postinstall.sh does, step by step, so that no step downloads from GitHub:
# the package's own modules; lib/vscode's modules with ripgrep's bin/ filled first (its
# postinstall exits when bin/ exists); the symlinks; the built-in extensions' modules.
if [ ! -f "$CS/.installed" ]; then
    log "installing code-server $CS_VERSION into $CS"
    rm -rf "$CS" "$CS.tmp" && mkdir -p "$CS.tmp"
    (cd "$CS.tmp" && npm pack --silent "code-server@$CS_VERSION" >/dev/null && tar xzf "code-server-$CS_VERSION.tgz")
    mv "$CS.tmp/package" "$CS" && rm -rf "$CS.tmp"
    (cd "$CS" && npm install --omit=dev --ignore-scripts --no-audit --no-fund \
        && npm rebuild argon2 --no-audit)
    (
        cd "$CS/lib/vscode"
        npm install --omit=dev --ignore-scripts --no-audit --no-fund
        mkdir -p node_modules/@vscode/ripgrep/bin
        cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
        # node-pty's postinstall runs `npx node-gyp`: let npx fetch node-gyp from the npm registry
        npm_config_yes=true npm rebuild --no-audit
        for m in node-pty kerberos @parcel/watcher @vscode/spdlog native-watchdog; do
            node -e "require('$m')" || { log "native module $m does not load"; exit 1; }
        done
        ln -sfn node_modules node_modules.asar
        (cd bin/remote-cli && ln -sfn code-linux.sh code-server)
        (cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
        cd extensions && npm install --omit=dev --no-audit --no-fund
    )
    touch "$CS/.installed"
fi
CODE_SERVER=(node "$CS/out/node/entry.js")

# ------------------------------------------------------------------ Playwright (PyPI), once
VENV="$CS_HOME/playwright-venv"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import playwright" 2>/dev/null; then
    log "installing Playwright into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q playwright
fi

# ------------------------------------------------------------------ the extension
VSIX="$REPO/editors/vscode/sibdsl-0.1.0.vsix"
if [ -z "${NO_BUILD:-}" ] || [ ! -f "$VSIX" ]; then
    (. "$REPO/.venv/bin/activate" 2>/dev/null || true; bash "$REPO/editors/vscode/build.sh" >/dev/null)
fi

# ------------------------------------------------------------------ throwaway profiles
RUN="$(mktemp -d /tmp/sibdsl-e2e.XXXXXX)"
SERVER=""

# profile DIR TRUST: a user-data-dir whose user settings point sibdsl.path at $SIBC;
# TRUST=off turns workspace trust off, TRUST=on leaves VS Code to ask
profile() {
    mkdir -p "$1/data/User" "$1/ext" "$1/config"
    local trust=false
    [ "$2" = on ] && trust=true
    cat > "$1/data/User/settings.json" <<EOF
{
  "sibdsl.path": "$SIBC",
  "security.workspace.trust.enabled": $trust,
  "workbench.colorTheme": "Default Dark Modern",
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "files.autoSave": "off",
  "files.hotExit": "off",
  "git.enabled": false,
  "git.openRepositoryInParentFolders": "never",
  "editor.minimap.enabled": false
}
EOF
    XDG_CONFIG_HOME="$1/config" "${CODE_SERVER[@]}" --user-data-dir "$1/data" --extensions-dir "$1/ext" \
        --install-extension "$VSIX" >"$1/install.log" 2>&1 || { cat "$1/install.log" >&2; return 1; }
}

# start DIR FOLDER [code-server options]: code-server in its own process group, on $PORT
start() {
    local dir="$1" folder="$2"
    shift 2
    XDG_CONFIG_HOME="$dir/config" setsid "${CODE_SERVER[@]}" --auth none --bind-addr "127.0.0.1:$PORT" \
        --disable-telemetry --disable-update-check --user-data-dir "$dir/data" --extensions-dir "$dir/ext" \
        "$@" "$folder" >"$dir/server.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 60); do
        curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && return 0
        sleep 0.5
    done
    log "code-server did not answer on port $PORT"; cat "$dir/server.log" >&2; return 1
}

# stop: the server's process group (server, extension host, sibc lsp); say if any is left
stop() {
    [ -n "$SERVER" ] || return 0
    kill -TERM -- "-$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    for _ in $(seq 20); do pgrep -g "$SERVER" >/dev/null || break; sleep 0.5; done
    if pgrep -g "$SERVER" >/dev/null; then
        log "processes left 10 s after code-server stopped:"; pgrep -a -g "$SERVER" >&2
        SERVER=""; return 1
    fi
    SERVER=""
}
trap stop EXIT

status=0
before="$(cd "$REPO" && git status --porcelain -- contracts)"

# ------------------------------------------------------------------ 1: the four checks, in contracts/
profile "$RUN/main" off
start "$RUN/main" "$FOLDER" --disable-workspace-trust
log "code-server $CS_VERSION on 127.0.0.1:$PORT, profile $RUN/main, folder $FOLDER"
"$VENV/bin/python" "$HERE/drive.py" --url "http://127.0.0.1:$PORT/" --folder "$FOLDER" --out "$OUT" \
    --chromium "$CHROMIUM" --json "$RUN/results.json" || status=$?
# "$SIBC lsp" itself ran (from the setting sibdsl.path, not another sibc found on the PATH)
if pgrep -g "$SERVER" -f "$SIBC lsp" >/dev/null; then
    log "'$SIBC lsp' was running under code-server"
else
    log "no '$SIBC lsp' process under code-server"; pgrep -a -f "sibc lsp" >&2; status=1
fi
stop || status=1
after="$(cd "$REPO" && git status --porcelain -- contracts)"
[ "$before" = "$after" ] || { log "contracts/ changed on disk"; status=1; }

# ------------------------------------------------------------------ 2: workspace trust
# a workspace whose own settings name a program that is not sibc
if [ -z "${NO_TRUST_CHECK:-}" ]; then
    WS="$RUN/workspace"
    mkdir -p "$WS/.vscode"
    cp "$FOLDER/kirklees-better-outcomes.sib" "$WS/"
    echo '{ "sibdsl.path": "/bin/false" }' > "$WS/.vscode/settings.json"
    for answer in no yes; do
        profile "$RUN/trust-$answer" on
        start "$RUN/trust-$answer" "$WS"
        "$VENV/bin/python" "$HERE/trust.py" --url "http://127.0.0.1:$PORT/" --folder "$WS" --trust "$answer" \
            --chromium "$CHROMIUM" --screenshot "$RUN/trust-$answer.png" || status=1
        stop || status=1
    done
fi
trap - EXIT

ls -l "$OUT"/vscode-*.png >&2
log "results: $RUN/results.json; logs: $RUN/*/server.log, $RUN/*/data/logs"
[ "$status" = 0 ] && log "all checks passed" || log "FAILED"
exit "$status"
