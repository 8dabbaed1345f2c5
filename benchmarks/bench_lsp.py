"""Keystroke to diagnostics: how long `sibc lsp` takes from an edit to its diagnostics.

Starts the server (`python -m sibdsl lsp`) as a subprocess and talks JSON-RPC to it over
stdio, like an editor. For the largest contract in contracts/ (and any given on the command
line) it opens the document, then sends N edits (--edits, default 50), each a whole new
text with one character changed (a price digit, alternately), and times each from sending
`textDocument/didChange` to receiving its `textDocument/publishDiagnostics`. It also times
the same work in-process (compile + index: `sibdsl.lsp.document.Document`), which is what
each keystroke costs the server. Prints the median, 90th percentile and maximum.

Usage:
    python benchmarks/bench_lsp.py [CONTRACT ...] [--edits N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


class Client:
    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "sibdsl", "lsp"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.next_id = 0

    def send(self, method: str, params: Any, request: bool = False) -> int | None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        ident = None
        if request:
            self.next_id += 1
            ident = message["id"] = self.next_id
        body = json.dumps(message).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()
        return ident

    def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        length = 0
        while True:
            line = self.proc.stdout.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return dict(json.loads(self.proc.stdout.read(length)))

    def wait(self, method: str | None = None, ident: int | None = None) -> dict[str, Any]:
        while True:
            message = self.read()
            if (method is not None and message.get("method") == method) or (ident is not None and message.get("id") == ident):
                return message

    def close(self) -> None:
        ident = self.send("shutdown", None, request=True)
        self.wait(ident=ident)
        self.send("exit", None)
        self.proc.wait(timeout=10)


def _figures(label: str, times: list[float]) -> None:
    times = sorted(times)
    p90 = times[int(0.9 * (len(times) - 1))]
    print(f"  {label:<34} median {statistics.median(times) * 1000:7.1f} ms   p90 {p90 * 1000:7.1f} ms   "
          f"max {times[-1] * 1000:7.1f} ms")


def run(path: Path, edits: int) -> None:
    from sibdsl.lsp.document import Document

    text = path.read_text(encoding="utf-8")
    print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {text.count(chr(10))} lines, "
          f"{len(text):,} characters")
    variants = [text, text.replace("GBP 1", "GBP 2", 1) if "GBP 1" in text else text + "\n# edit\n"]
    in_process = []
    for i in range(edits):
        start = time.perf_counter()
        Document("file:///bench.sib", variants[i % 2])
        in_process.append(time.perf_counter() - start)
    _figures("in process (compile + index)", in_process)
    client = Client()
    ident = client.send("initialize", {"processId": None, "rootUri": None, "capabilities": {}}, request=True)
    client.wait(ident=ident)
    client.send("initialized", {})
    uri = path.resolve().as_uri()
    client.send("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "sib", "version": 1,
                                                          "text": text}})
    client.wait("textDocument/publishDiagnostics")
    over_stdio = []
    for i in range(edits):
        start = time.perf_counter()
        client.send("textDocument/didChange", {"textDocument": {"uri": uri, "version": i + 2},
                                               "contentChanges": [{"text": variants[(i + 1) % 2]}]})
        while True:
            message = client.wait("textDocument/publishDiagnostics")
            if message["params"].get("version") == i + 2:
                break
        over_stdio.append(time.perf_counter() - start)
    _figures("keystroke to diagnostics (stdio)", over_stdio)
    client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("contracts", nargs="*", type=Path)
    parser.add_argument("--edits", type=int, default=50)
    args = parser.parse_args()
    paths = args.contracts or [max((ROOT / "contracts").glob("*.sib"), key=lambda p: p.read_text().count("\n"))]
    for path in paths:
        run(path, args.edits)


if __name__ == "__main__":
    main()
