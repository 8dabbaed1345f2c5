// Tokenise .sib texts with vscode-textmate and vscode-oniguruma, the engine VS Code itself uses.
//
// Input (stdin): JSON {"grammar": "path/to/sib.tmLanguage.json", "texts": ["...", ...]}.
// Output (stdout): JSON {"scopes": [scope names], "texts": [[line, ...], ...]} where each line is
// a list of [start, end, scopeIndex, scopeIndex, ...] tokens; start and end count code points
// (not UTF-16 units), so they line up with Python string indices. Lines are split on "\n", a
// trailing "\r" dropped. Run by tests/test_editor_grammar.py; `npm ci` in this folder first.
"use strict";

const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

function readStdin() {
  return fs.readFileSync(0, "utf8");
}

async function main() {
  const request = JSON.parse(readStdin());
  const wasm = fs.readFileSync(path.join(path.dirname(require.resolve("vscode-oniguruma")), "onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== "source.sib") return null;
      const text = fs.readFileSync(request.grammar, "utf8");
      return vsctm.parseRawGrammar(text, request.grammar);
    },
  });
  const grammar = await registry.loadGrammar("source.sib");
  if (!grammar) throw new Error("grammar source.sib not loaded");

  const scopeIndex = new Map();
  const scopes = [];
  const indexOf = (s) => {
    if (!scopeIndex.has(s)) {
      scopeIndex.set(s, scopes.length);
      scopes.push(s);
    }
    return scopeIndex.get(s);
  };

  const out = [];
  for (const text of request.texts) {
    let state = vsctm.INITIAL;
    const lines = [];
    for (let line of text.split("\n")) {
      if (line.endsWith("\r")) line = line.slice(0, -1);
      // UTF-16 offset -> code point offset
      const cp = new Array(line.length + 1);
      let n = 0;
      for (let i = 0; i < line.length; i++) {
        cp[i] = n;
        const c = line.charCodeAt(i);
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < line.length) {
          cp[i + 1] = n;
          i++;
        }
        n++;
      }
      cp[line.length] = n;
      const result = grammar.tokenizeLine(line, state, 10000);
      if (result.stoppedEarly) throw new Error("tokenising stopped early (time limit)");
      const tokens = [];
      for (const t of result.tokens) {
        const end = Math.min(t.endIndex, line.length);
        if (cp[t.startIndex] === cp[end]) continue;
        tokens.push([cp[t.startIndex], cp[end], ...t.scopes.map(indexOf)]);
      }
      lines.push(tokens);
      state = result.ruleStack;
    }
    out.push(lines);
  }
  process.stdout.write(JSON.stringify({ scopes, texts: out }));
}

main().catch((err) => {
  process.stderr.write(`tokenize.js: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
