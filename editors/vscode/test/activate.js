// Activates ../extension.js against stand-ins for the `vscode` module and the language client,
// for tests/test_editor_grammar.py: with sibdsl.path set to a missing program, to a sibc whose
// `lsp --help` fails, and to one whose `lsp --help` succeeds. Prints, per case, the error
// messages shown and whether a language client was started (and with which command), as JSON.
// With a path as argument, also with that program (the real sibc).
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const Module = require("module");

const state = { errors: [], started: null, settings: {} };

const vscodeStub = {
  window: {
    createOutputChannel: () => ({ appendLine() {}, dispose() {} }),
    showErrorMessage: async (message) => {
      state.errors.push(message);
      return undefined;
    },
  },
  commands: {
    registerCommand: () => ({ dispose() {} }),
    executeCommand: async () => undefined,
  },
  workspace: {
    getConfiguration: () => ({ get: (key) => state.settings[key] }),
    onDidChangeConfiguration: () => ({ dispose() {} }),
  },
};

class FakeLanguageClient {
  constructor(id, name, serverOptions, clientOptions) {
    this.serverOptions = serverOptions;
    this.clientOptions = clientOptions;
  }
  async start() {
    state.started = [this.serverOptions.command, ...this.serverOptions.args];
  }
  async stop() {}
}

const originalLoad = Module._load;
Module._load = function load(request, parent, isMain) {
  if (request === "vscode") return vscodeStub;
  if (request === "vscode-languageclient/node") return { LanguageClient: FakeLanguageClient };
  return originalLoad.call(this, request, parent, isMain);
};

const extension = require("../extension.js");

function script(dir, name, body) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`);
  fs.chmodSync(file, 0o755);
  return file;
}

async function run(sibcPath) {
  state.errors = [];
  state.started = null;
  state.settings = { path: sibcPath, searchOnSave: false };
  const context = { subscriptions: [] };
  await extension.activate(context);
  await new Promise((resolve) => setTimeout(resolve, 50)); // let the message promise settle
  await extension.deactivate();
  return { errors: state.errors, clientStarted: state.started !== null, command: state.started };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sibdsl-activate-"));
  try {
    const noLsp = script(dir, "sibc-without-lsp", "echo \"Error: No such command 'lsp'.\" >&2; exit 2");
    const good = script(dir, "sibc", 'if [ "$1" = lsp ]; then echo "Usage: sibc lsp"; exit 0; fi; exit 2');
    const result = {
      missing: await run(path.join(dir, "no-such-sibc")),
      "no-lsp": await run(noLsp),
      ok: await run(good),
    };
    // the real sibc, when the test gives one: its `lsp --help` must pass the check
    if (process.argv[2]) result.real = await run(process.argv[2]);
    process.stdout.write(JSON.stringify(result));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`activate.js: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
