// @ts-check
// The sibdsl extension for VS Code: the .sib language (package.json, the TextMate grammar in
// syntaxes/) and a client that starts the language server `sibc lsp` over stdio.
//
// Plain JavaScript, checked by `// @ts-check` in an editor, so the extension needs no
// TypeScript build: the .vsix ships this file as written (see README.md, "Why JavaScript").
"use strict";

const childProcess = require("child_process");
const vscode = require("vscode");

const NOT_FOUND = "sibc lsp not found: install sibdsl (pip install sibdsl) or set sibdsl.path";
const PREFLIGHT_TIMEOUT_MS = 20000;

/** @type {any} the running LanguageClient, if any */
let client = null;
/** @type {vscode.OutputChannel | null} */
let output = null;

/**
 * @typedef {{ok: true} | {ok: false, missing: boolean, detail: string}} Preflight
 * `missing`: there is no such program (ENOENT); otherwise it is there but `lsp --help` failed
 * (could not run, exited with an error, or did not answer), and `detail` says how.
 */

/**
 * Can `command lsp` be started? Runs `command lsp --help` once: a missing program, one that
 * cannot run, or a sibc without the `lsp` command (exit status not 0) all say no.
 * @param {string} command
 * @returns {Promise<Preflight>}
 */
function preflight(command) {
  return new Promise((resolve) => {
    let settled = false;
    /** @param {Preflight} answer */
    const finish = (answer) => {
      if (!settled) {
        settled = true;
        resolve(answer);
      }
    };
    let child;
    try {
      child = childProcess.spawn(command, ["lsp", "--help"], { stdio: ["ignore", "ignore", "pipe"], shell: false });
    } catch (err) {
      const code = /** @type {NodeJS.ErrnoException} */ (err).code;
      finish({ ok: false, missing: code === "ENOENT", detail: String(err) });
      return;
    }
    let stderr = "";
    child.stderr?.on("data", (chunk) => {
      stderr += String(chunk);
    });
    const timer = setTimeout(() => {
      child.kill();
      finish({ ok: false, missing: false, detail: `did not answer within ${PREFLIGHT_TIMEOUT_MS / 1000} s` });
    }, PREFLIGHT_TIMEOUT_MS);
    child.on("error", (err) => {
      clearTimeout(timer);
      const code = /** @type {NodeJS.ErrnoException} */ (err).code;
      finish({ ok: false, missing: code === "ENOENT", detail: err.message });
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        finish({ ok: true });
        return;
      }
      const first = stderr.split("\n").map((line) => line.trim()).find((line) => line !== "") ?? "";
      const how = signal ? `was stopped by ${signal}` : `exited with code ${code}`;
      finish({ ok: false, missing: false, detail: first ? `${how}: ${first.slice(0, 200)}` : how });
    });
  });
}

/**
 * The message for a failed check: "not found" only when there is no such program; a program
 * that is there but whose `lsp --help` failed is named, with how it failed.
 * @param {string} command
 * @param {{missing: boolean, detail: string}} check
 * @returns {string}
 */
function problemMessage(command, check) {
  if (check.missing) return NOT_FOUND;
  const said = check.detail.replace(/[.\s]+$/, "");
  return `sibc lsp failed: '${command} lsp --help' ${said}. Upgrade sibdsl (pip install -U sibdsl) or set sibdsl.path`;
}

/**
 * The one message shown when the server cannot start, with a button to the setting.
 * @param {string} message what the user sees
 * @param {string} detail more, for the output channel
 */
async function reportProblem(message, detail) {
  output?.appendLine(detail ? `${message} (${detail})` : message);
  const choice = await vscode.window.showErrorMessage(message, "Open Settings");
  if (choice === "Open Settings") {
    await vscode.commands.executeCommand("workbench.action.openSettings", "sibdsl.path");
  }
}

async function startClient() {
  const config = vscode.workspace.getConfiguration("sibdsl");
  const command = String(config.get("path") || "sibc").trim() || "sibc";
  const check = await preflight(command);
  if (!check.ok) {
    void reportProblem(problemMessage(command, check), check.missing ? `${command}: ${check.detail}` : "");
    return;
  }
  // loaded only here, so a missing sibc costs nothing more than the message
  const { LanguageClient } = require("vscode-languageclient/node");
  const serverOptions = { command, args: ["lsp"], options: { env: process.env } };
  const clientOptions = {
    documentSelector: [{ language: "sib" }],
    synchronize: { configurationSection: "sibdsl" },
    initializationOptions: { searchOnSave: Boolean(config.get("searchOnSave")) },
    outputChannel: output ?? undefined,
    // after the server stops, say so once instead of restarting it in a loop
    connectionOptions: { maxRestartCount: 2 },
  };
  const started = new LanguageClient("sibdsl", "sibdsl language server", serverOptions, clientOptions);
  try {
    await started.start();
    client = started;
  } catch (err) {
    void reportProblem(`sibc lsp could not be started: ${err instanceof Error ? err.message : String(err)}`, "");
  }
}

async function stopClient() {
  const running = client;
  client = null;
  if (running) {
    try {
      await running.stop();
    } catch {
      // already stopped
    }
  }
}

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  output = vscode.window.createOutputChannel("sibdsl");
  context.subscriptions.push(output);
  context.subscriptions.push(
    vscode.commands.registerCommand("sibdsl.restartServer", async () => {
      await stopClient();
      await startClient();
    }),
  );
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("sibdsl.path")) {
        await stopClient();
        await startClient();
      }
    }),
  );
  await startClient();
}

async function deactivate() {
  await stopClient();
}

module.exports = { activate, deactivate, _internals: { preflight, problemMessage, NOT_FOUND, client: () => client } };
